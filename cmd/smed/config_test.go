package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/smedhq/smed/reminders"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// The example file must load and hold every key with its default, so it
// cannot rot as keys are added.
func TestExampleConfigLoads(t *testing.T) {
	c, err := loadConfig("../../config.example.yaml", envOf(nil), needs{})
	if err != nil {
		t.Fatalf("config.example.yaml: %v", err)
	}
	if c.HTTP.Addr != ":3000" || c.Redis.URL != "redis://localhost:6379/0" || c.Reminders.Schedule != "0 9 * * 1-5" ||
		c.Digest.Schedule != "0 9 * * 1" || c.Customers.DefaultCadenceDays != 30 || c.Slack.APIURL != "https://slack.com/api/" ||
		c.Reminders.Timezone != "UTC" {
		t.Errorf("example config differs from the defaults: %+v", c)
	}
	raw, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for k := range defaults {
		leaf := k[strings.LastIndex(k, ".")+1:]
		if !strings.Contains(string(raw), leaf+":") {
			t.Errorf("config.example.yaml does not document %s", k)
		}
	}
}

func TestEnvironmentWins(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(file, []byte("http:\n  addr: \":4000\"\nadmins: [U0FILE]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := loadConfig(file, envOf(map[string]string{
		"SMED_HTTP_ADDR": "127.0.0.1:5000", "SMED_ADMINS": "U0BOSS,U0ADMIN", "SMED_SLACK_API_URL": "http://127.0.0.1:9/api",
		"SMED_CUSTOMERS_DEFAULT_CADENCE_DAYS": "14",
	}), needs{})
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTP.Addr != "127.0.0.1:5000" || c.Customers.DefaultCadenceDays != 14 {
		t.Errorf("env did not win: addr %q cadence %d", c.HTTP.Addr, c.Customers.DefaultCadenceDays)
	}
	if diff := cmp.Diff([]string{"U0BOSS", "U0ADMIN"}, c.Admins); diff != "" {
		t.Errorf("admins (-want +got):\n%s", diff)
	}
	if c.Slack.APIURL != "http://127.0.0.1:9/api/" {
		t.Errorf("api_url %q: want a trailing slash added", c.Slack.APIURL)
	}
	c, err = loadConfig(file, envOf(nil), needs{})
	if err != nil || c.HTTP.Addr != ":4000" || !cmp.Equal(c.Admins, []string{"U0FILE"}) {
		t.Errorf("file values: %+v, %v", c, err)
	}
}

func TestAllProblemsReportedAtOnce(t *testing.T) {
	_, err := loadConfig("", envOf(map[string]string{
		"SMED_REMINDERS_TIMEZONE": "Mars/Base", "SMED_DIGEST_SCHEDULE": "nonsense", "SMED_REDIS_URL": "http://x",
		"SMED_CUSTOMERS_DEFAULT_CADENCE_DAYS": "0", "SMED_ADMINS": "bob", "SMED_DIGEST_CHANNEL": "#general",
		"SMED_SLACK_BOT_TOKEN": "xoxp-user",
	}), needs{slack: true, serve: true})
	var ce *configError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v, want a configError", err)
	}
	for _, key := range []string{"reminders.timezone", "SMED_REMINDERS_TIMEZONE", "digest.schedule", "redis.url",
		"customers.default_cadence_days", "admins", "digest.channel", "slack.bot_token", "SMED_SLACK_SIGNING_SECRET"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
	if exitCode(err) != exitUsage {
		t.Errorf("exit code %d, want %d", exitCode(err), exitUsage)
	}
}

func TestTyposAreReported(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	if err := os.WriteFile(file, []byte("slak:\n  bot_token: x\nreminders:\n  timezon: UTC\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := loadConfig(file, envOf(map[string]string{"SMED_CUSTOMERS_DEFAULT_CADENCE_DAYS": "abc", "SMED_DIGEST_SCHEDULE": "x"}), needs{})
	for _, want := range []string{"slak.bot_token: unknown key", "reminders.timezon: unknown key", `"abc" is not a whole number`, "digest.schedule"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not contain %q", err, want)
		}
	}
}

func TestMissingConfigFileIsAUsageError(t *testing.T) {
	_, err := loadConfig(filepath.Join(t.TempDir(), "nope.yaml"), envOf(nil), needs{})
	if err == nil || exitCode(err) != exitUsage || !strings.Contains(err.Error(), "--config") {
		t.Errorf("err = %v", err)
	}
}

func TestServeNeedsSlackSecrets(t *testing.T) {
	_, err := loadConfig("", envOf(map[string]string{"SMED_REMINDERS_TIMEZONE": "Mars/Base"}), needs{slack: true, serve: true})
	if !strings.Contains(err.Error(), "Mars/Base") {
		t.Errorf("a bad value hid behind the missing secrets: %v", err)
	}
	if err == nil || !strings.Contains(err.Error(), "SMED_SLACK_BOT_TOKEN") || !strings.Contains(err.Error(), "SMED_SLACK_SIGNING_SECRET") {
		t.Errorf("needSlack = %v", err)
	}
}

func TestRedisURLChecksHideThePassword(t *testing.T) {
	for _, u := range []string{"redis://u:s3cret@localhost:6379/abc", "ftp://u:s3cret@x"} {
		_, err := loadConfig("", envOf(map[string]string{"SMED_REDIS_URL": u}), needs{})
		if err == nil || !strings.Contains(err.Error(), "redis.url") {
			t.Errorf("%s: err = %v, want a redis.url problem", u, err)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("the password is in the message: %v", err)
		}
		if exitCode(err) != exitUsage {
			t.Errorf("%s: exit %d, want %d", u, exitCode(err), exitUsage)
		}
	}
}

func TestLocalTimeConfig(t *testing.T) {
	c, err := loadConfig("", envOf(map[string]string{"SMED_REMINDERS_LOCAL_TIME": "09:00", "SMED_REMINDERS_DAYS": "sun-thu"}), needs{})
	if err != nil {
		t.Fatal(err)
	}
	if c.localTime == nil || c.localTime.String() != "09:00" || c.Reminders.Schedule != reminders.DefaultCheckSpec || c.days.String() != "sun-thu" {
		t.Errorf("local time %v, schedule %q, days %v", c.localTime, c.Reminders.Schedule, c.days)
	}
	// A schedule set by hand stays: it says how often to check.
	c, err = loadConfig("", envOf(map[string]string{"SMED_REMINDERS_LOCAL_TIME": "09:00", "SMED_REMINDERS_SCHEDULE": "@every 1m"}), needs{})
	if err != nil || c.Reminders.Schedule != "@every 1m" {
		t.Errorf("schedule %q, %v", c.Reminders.Schedule, err)
	}
	_, err = loadConfig("", envOf(map[string]string{"SMED_REMINDERS_LOCAL_TIME": "9am", "SMED_REMINDERS_DAYS": "weekdayz"}), needs{})
	for _, key := range []string{"reminders.local_time", "SMED_REMINDERS_LOCAL_TIME", "09:00", "reminders.days"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s: %v", key, err)
		}
	}
}

func TestRedisModes(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string // "" for accepted, else a part of the error
	}{
		{map[string]string{"SMED_REDIS_MODE": "cluster", "SMED_REDIS_URL": "redis://n1:7000?addr=n2:7001&addr=n3:7002"}, ""},
		{map[string]string{"SMED_REDIS_MODE": "sentinel", "SMED_REDIS_URL": "redis://s1:26379?addr=s2:26379", "SMED_REDIS_SENTINEL_MASTER": "smed"}, ""},
		{map[string]string{"SMED_REDIS_MODE": "sentinel", "SMED_REDIS_URL": "redis://s1:26379"}, "redis.sentinel_master"},
		{map[string]string{"SMED_REDIS_MODE": "cluster", "SMED_REDIS_URL": "redis://n1:7000/3"}, "database 0 only"},
		{map[string]string{"SMED_REDIS_MODE": "cluster", "SMED_REDIS_URL": "memory://"}, "redis.mode"},
		{map[string]string{"SMED_REDIS_MODE": "single", "SMED_REDIS_URL": "redis://a:1?addr=b:2"}, "set redis.mode to cluster or sentinel"},
		{map[string]string{"SMED_REDIS_MODE": "ring"}, "redis.mode"},
		{map[string]string{"SMED_REDIS_SENTINEL_MASTER": "smed"}, "redis.sentinel_master"},
	} {
		_, err := loadConfig("", envOf(tc.env), needs{})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%v: %v", tc.env, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%v: err = %v, want one about %q", tc.env, err, tc.want)
		}
	}
}

func TestLoyaltySettings(t *testing.T) {
	c, err := loadConfig("", envOf(map[string]string{"SMED_CUSTOMERS_LEARNED_CADENCE_MIN_DAYS": "3", "SMED_HEALTH_KNOWLEDGE": "0"}), needs{})
	if err != nil || c.Customers.LearnedMinDays != 3 || c.Customers.LearnedMaxDays != 90 || c.Health.Knowledge != 0 || c.Health.Recency != 40 {
		t.Fatalf("loyalty settings: %+v %+v, %v", c.Customers, c.Health, err)
	}
	for env, key := range map[string]string{
		"SMED_CUSTOMERS_LEARNED_CADENCE_MIN_DAYS": "customers.learned_cadence_min_days",
		"SMED_CUSTOMERS_LEARNED_CADENCE_MAX_DAYS": "customers.learned_cadence_max_days", // below the floor of 7
		"SMED_HEALTH_RECENCY":                     "health.recency",
	} {
		_, err := loadConfig("", envOf(map[string]string{env: "-1"}), needs{})
		if err == nil || !strings.Contains(err.Error(), key) || exitCode(err) != exitUsage {
			t.Errorf("%s=-1: %v, want a usage error naming %s", env, err, key)
		}
	}
	all0 := map[string]string{"SMED_HEALTH_RECENCY": "0", "SMED_HEALTH_CONVERSATIONS": "0", "SMED_HEALTH_BUYING": "0", "SMED_HEALTH_KNOWLEDGE": "0"}
	if _, err := loadConfig("", envOf(all0), needs{}); err == nil || !strings.Contains(err.Error(), "not all 0") {
		t.Errorf("all weights 0: %v", err)
	}
}

func TestRedisURLAndModeReportedTogether(t *testing.T) {
	_, err := loadConfig("", envOf(map[string]string{"SMED_REDIS_URL": "mysql://x", "SMED_REDIS_MODE": "clustr"}), needs{})
	for _, want := range []string{"redis.url", "mysql://x", `unknown mode "clustr"`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not contain %q", err, want)
		}
	}
	_, err = loadConfig("", envOf(map[string]string{"SMED_REDIS_URL": "memory://", "SMED_REDIS_MODE": "clustr"}), needs{})
	if err == nil || !strings.Contains(err.Error(), `unknown mode "clustr"`) {
		t.Errorf("memory:// with a bad mode: %v", err)
	}
}
