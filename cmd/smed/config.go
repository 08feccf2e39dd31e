package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/viper"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/internal/redisdial"
	"github.com/smedhq/smed/reminders"
	"github.com/smedhq/smed/storage"
)

// config is every setting of SPEC.md's configuration table.
type config struct {
	Slack struct {
		BotToken      string `mapstructure:"bot_token"`
		AppToken      string `mapstructure:"app_token"`
		SigningSecret string `mapstructure:"signing_secret"`
		APIURL        string `mapstructure:"api_url"`
		TeamID        string `mapstructure:"team_id"`
	} `mapstructure:"slack"`
	HTTP struct {
		Addr string `mapstructure:"addr"`
	} `mapstructure:"http"`
	Redis struct {
		URL            string `mapstructure:"url"`
		Mode           string `mapstructure:"mode"`
		SentinelMaster string `mapstructure:"sentinel_master"`
	} `mapstructure:"redis"`
	Log struct {
		Format string `mapstructure:"format"`
	} `mapstructure:"log"`
	Reminders struct {
		Schedule  string `mapstructure:"schedule"`
		Timezone  string `mapstructure:"timezone"`
		LocalTime string `mapstructure:"local_time"`
		Days      string `mapstructure:"days"`
	} `mapstructure:"reminders"`
	Digest struct {
		Schedule string `mapstructure:"schedule"`
		Channel  string `mapstructure:"channel"`
	} `mapstructure:"digest"`
	Customers struct {
		DefaultCadenceDays int    `mapstructure:"default_cadence_days"`
		Currency           string `mapstructure:"currency"`
		// Bounds of a cadence learned from a customer's own rhythm.
		LearnedMinDays int `mapstructure:"learned_cadence_min_days"`
		LearnedMaxDays int `mapstructure:"learned_cadence_max_days"`
	} `mapstructure:"customers"`
	Admins []string `mapstructure:"admins"`
	// Health are the weights of the health score's parts (loyalty.Weights).
	Health struct {
		Recency       int `mapstructure:"recency"`
		Conversations int `mapstructure:"conversations"`
		Buying        int `mapstructure:"buying"`
		Knowledge     int `mapstructure:"knowledge"`
	} `mapstructure:"health"`

	loc   *time.Location // reminders.timezone, loaded
	tzSet bool           // reminders.timezone was set (file or environment), not the default
	// reminders.local_time and reminders.days, parsed; localTime is nil
	// when reminders come at reminders.schedule in one zone.
	localTime *reminders.TimeOfDay
	days      reminders.Weekdays
	file      string // the config file read, "" when none
}

// defaults lists every key with its default. Viper only maps environment
// variables onto keys it knows, so every key must be here.
var defaults = map[string]any{
	"slack.bot_token":                    "",
	"slack.app_token":                    "",
	"slack.signing_secret":               "",
	"slack.api_url":                      "https://slack.com/api/",
	"slack.team_id":                      "",
	"http.addr":                          ":3000",
	"redis.url":                          "redis://localhost:6379/0",
	"redis.mode":                         "single",
	"redis.sentinel_master":              "",
	"log.format":                         "text",
	"reminders.schedule":                 "0 9 * * 1-5",
	"reminders.timezone":                 "UTC",
	"reminders.local_time":               "",
	"reminders.days":                     "mon-fri",
	"digest.schedule":                    "0 9 * * 1",
	"digest.channel":                     "",
	"customers.default_cadence_days":     30,
	"customers.currency":                 "",
	"customers.learned_cadence_min_days": 7,
	"customers.learned_cadence_max_days": 90,
	"admins":                             []string{},
	"health.recency":                     40,
	"health.conversations":               20,
	"health.buying":                      25,
	"health.knowledge":                   15,
}

// envName is the environment variable of a key: SMED_ + upper case, . → _.
func envName(key string) string {
	return "SMED_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// configError lists every problem found, so an operator fixes them in one go.
type configError struct{ problems []string }

func (e *configError) Error() string {
	return "configuration: " + strings.Join(e.problems, "; ")
}

// needs says what the command about to run requires beyond valid settings.
type needs struct {
	slack bool // a bot token (run, remind, digest)
	serve bool // and a way for Slack to reach us: signing secret or app token (run)
}

// loadConfig reads the config file (path, or ./config.yaml when present) and
// the SMED_* environment (which wins), then validates everything at once:
// values, unknown keys, and what the command needs.
func loadConfig(path string, getenv func(string) string, need needs) (*config, error) {
	v := viper.New()
	for k, d := range defaults {
		v.SetDefault(k, d)
	}
	file := path
	if file == "" {
		if _, err := os.Stat("config.yaml"); err == nil {
			file = "config.yaml"
		}
	}
	if file != "" {
		v.SetConfigFile(file)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return nil, &configError{[]string{fmt.Sprintf("--config %s: %v", file, err)}}
		}
	}
	// The environment wins. getenv is read directly (not viper.AutomaticEnv) so
	// tests can pass their own environment.
	for k := range defaults {
		val, ok := lookup(getenv, envName(k))
		if !ok {
			continue
		}
		if k == "admins" {
			// viper splits env lists on spaces; operators write commas.
			v.Set(k, splitList(val))
			continue
		}
		v.Set(k, val)
	}
	var problems []string
	// A misspelt key would otherwise be ignored without a word.
	for _, k := range v.AllKeys() {
		if _, ok := defaults[k]; !ok {
			problems = append(problems, fmt.Sprintf("%s: unknown key in %s (see config.example.yaml for the keys)", k, file))
		}
	}
	// Whole numbers are checked here so a typo is reported like any other
	// problem, not as a decoding error that hides the rest.
	for _, k := range []string{"customers.default_cadence_days", "customers.learned_cadence_min_days", "customers.learned_cadence_max_days",
		"health.recency", "health.conversations", "health.buying", "health.knowledge"} {
		if _, err := strconv.Atoi(strings.TrimSpace(v.GetString(k))); err != nil {
			problems = append(problems, fmt.Sprintf("%s (%s): %q is not a whole number", k, envName(k), v.GetString(k)))
			v.Set(k, defaults[k])
		}
	}
	var c config
	if err := v.Unmarshal(&c); err != nil {
		return nil, &configError{append(problems, err.Error())}
	}
	if s, ok := v.Get("admins").(string); ok { // a YAML string instead of a list
		c.Admins = splitList(s)
	}
	c.file = file
	_, envTZ := lookup(getenv, envName("reminders.timezone"))
	c.tzSet = envTZ || v.InConfig("reminders.timezone")
	_, envSched := lookup(getenv, envName("reminders.schedule"))
	if c.Reminders.LocalTime != "" && !envSched && !v.InConfig("reminders.schedule") {
		// With a local time the schedule only says how often to check; the
		// default once a day would check too rarely.
		c.Reminders.Schedule = reminders.DefaultCheckSpec
	}
	problems = append(problems, c.validate()...)
	problems = append(problems, c.required(need)...)
	if len(problems) > 0 {
		return &c, &configError{problems}
	}
	return &c, nil
}

// lookup reads an environment variable; an empty value counts as unset.
func lookup(getenv func(string) string, name string) (string, bool) {
	val := getenv(name)
	return val, val != ""
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		out = append(out, f)
	}
	return out
}

// validate checks every key and returns all problems, each naming its key and
// environment variable.
func (c *config) validate() []string {
	var p []string
	bad := func(key, format string, args ...any) {
		p = append(p, fmt.Sprintf("%s (%s): %s", key, envName(key), fmt.Sprintf(format, args...)))
	}
	if c.Slack.BotToken != "" && !strings.HasPrefix(c.Slack.BotToken, "xoxb-") {
		bad("slack.bot_token", "a bot token starts with xoxb-")
	}
	if c.Slack.AppToken != "" && !strings.HasPrefix(c.Slack.AppToken, "xapp-") {
		bad("slack.app_token", "an app-level token starts with xapp-")
	}
	if u, err := url.Parse(c.Slack.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("slack.api_url", "%q is not an http(s) URL", c.Slack.APIURL)
	} else if !strings.HasSuffix(c.Slack.APIURL, "/") {
		c.Slack.APIURL += "/" // slack-go appends method names
	}
	if c.Slack.TeamID != "" && smed.CheckTeamID(c.Slack.TeamID) != nil {
		bad("slack.team_id", "%q is not a Slack team ID (like T0123ABCD)", c.Slack.TeamID)
	}
	if _, _, err := net.SplitHostPort(c.HTTP.Addr); err != nil {
		bad("http.addr", "%q is not host:port (like :3000)", c.HTTP.Addr)
	}
	if err := checkRedis(c.Redis.URL, c.Redis.Mode, c.Redis.SentinelMaster); err != nil {
		for _, e := range splitJoined(err) {
			key, msg := "redis.url", e
			if k, rest, ok := strings.Cut(e, ": "); ok && strings.HasPrefix(k, "redis.") {
				key, msg = k, rest
			}
			bad(key, "%s", msg)
		}
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "%q is not a log format: text or json", c.Log.Format)
	}
	if loc, err := time.LoadLocation(c.Reminders.Timezone); err != nil || c.Reminders.Timezone == "" {
		bad("reminders.timezone", "%q is not an IANA time zone (like Europe/Copenhagen)", c.Reminders.Timezone)
	} else {
		c.loc = loc
	}
	if err := reminders.ValidateSpec(c.Reminders.Schedule); err != nil {
		bad("reminders.schedule", "%v", err)
	}
	if c.Reminders.LocalTime != "" {
		if at, err := reminders.ParseTimeOfDay(c.Reminders.LocalTime); err != nil {
			bad("reminders.local_time", "%v", err)
		} else {
			c.localTime = &at
		}
	}
	if days, err := reminders.ParseDays(c.Reminders.Days); err != nil {
		bad("reminders.days", "%v", err)
	} else {
		c.days = days
	}
	if err := reminders.ValidateSpec(c.Digest.Schedule); err != nil {
		bad("digest.schedule", "%v", err)
	}
	if c.Digest.Channel != "" && smed.CheckChannelID(c.Digest.Channel) != nil {
		bad("digest.channel", "%q is not a channel ID (like C0123ABCD; find it in the channel's details)", c.Digest.Channel)
	}
	if d := c.Customers.DefaultCadenceDays; smed.CheckCadence(d) != nil {
		bad("customers.default_cadence_days", "%d is out of range (1 to %d)", d, smed.MaxDays)
	}
	if lo, hi := c.Customers.LearnedMinDays, c.Customers.LearnedMaxDays; smed.CheckCadence(lo) != nil {
		bad("customers.learned_cadence_min_days", "%d is out of range (1 to %d)", lo, smed.MaxDays)
	} else if smed.CheckCadence(hi) != nil || hi < lo {
		bad("customers.learned_cadence_max_days", "%d is out of range (customers.learned_cadence_min_days, %d, to %d)", hi, lo, smed.MaxDays)
	}
	if h := c.Health; h.Recency < 0 || h.Conversations < 0 || h.Buying < 0 || h.Knowledge < 0 || h.Recency+h.Conversations+h.Buying+h.Knowledge == 0 {
		bad("health.recency", "the health weights (health.recency, .conversations, .buying, .knowledge) must be 0 or more, and not all 0")
	}
	if cur := c.Customers.Currency; len([]rune(cur)) > 8 || strings.ContainsAny(cur, "<>&*_~`") {
		bad("customers.currency", "%q is not a currency to show after amounts (like DKK, kr or €)", cur)
	}
	// With Slack configured, admins are Slack users; in a local workspace
	// (the shell) they may be the shell's plain names.
	slackMode := c.Slack.BotToken != "" || c.Slack.TeamID != ""
	for _, a := range c.Admins {
		if smed.CheckUserID(a) != nil || slackMode && !smed.IsSlackUserID(a) {
			bad("admins", "%q is not a Slack user ID (like U0123ABCD)", a)
		}
	}
	return p
}

// required checks what the command needs to talk to Slack.
func (c *config) required(need needs) []string {
	var p []string
	if need.slack && c.Slack.BotToken == "" {
		p = append(p, "slack.bot_token (SMED_SLACK_BOT_TOKEN): required to talk to Slack (xoxb-…)")
	}
	if need.serve && c.Slack.AppToken == "" && c.Slack.SigningSecret == "" {
		p = append(p, "slack.signing_secret (SMED_SLACK_SIGNING_SECRET): required for HTTP mode (or set slack.app_token for Socket Mode)")
	}
	return p
}

// checkRedis accepts what storage.Open accepts: memory:// (one embedded
// Redis, single mode only) or what internal/redisdial parses for the mode.
// Messages never show a password.
func checkRedis(rawURL, mode, master string) error {
	m, modeErr := redisdial.ParseMode(mode) // its error names redis.mode
	if storage.IsMemory(rawURL) {
		if modeErr == nil && m != redisdial.Single {
			return fmt.Errorf("redis.mode: %q with memory:// (the embedded Redis is one node: use single)", mode)
		}
		return modeErr
	}
	if u, err := url.Parse(strings.TrimSpace(rawURL)); err == nil {
		switch u.Scheme {
		case "redis", "rediss", "unix":
		default:
			// Both at once, so an operator fixes them in one go.
			return errors.Join(fmt.Errorf("redis.url: %q: use redis://host:port/db, rediss://…, unix:///path or memory://", redactURL(rawURL)), modeErr)
		}
	}
	if modeErr != nil {
		return modeErr
	}
	_, err := redisdial.Parse(redisdial.Config{Mode: redisdial.Mode(mode), URL: rawURL, SentinelMaster: master})
	return err
}

// splitJoined lists the messages of an errors.Join (or the one error).
func splitJoined(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, splitJoined(e)...)
		}
		return out
	}
	return []string{err.Error()}
}
