package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/robfig/cron/v3"
	"github.com/slack-go/slack"

	"github.com/smedhq/smed/app"
	"github.com/smedhq/smed/bot"
	"github.com/smedhq/smed/loyalty"
	"github.com/smedhq/smed/reminders"
	"github.com/smedhq/smed/storage"
)

// localTeam is the workspace of commands run outside Slack when slack.team_id
// is not set.
const localTeam = "local"

// wired is the wired program: configuration, store, Slack client, engine.
type wired struct {
	cfg      *config
	log      *slog.Logger
	store    *storage.Store
	close    func() error
	team     string // for commands outside Slack
	api      *slack.Client
	notifier *bot.Notifier
	engine   *reminders.Engine
	svc      *app.Service
	cmds     *bot.Commands

	digestSched cron.Schedule // digest.schedule, parsed
}

// engineWith is the reminders engine asking dir who has left the workspace.
func (a *wired) engineWith(dir reminders.Directory) *reminders.Engine {
	opts := []reminders.Option{reminders.WithDigestSchedule(a.digestSched), reminders.WithLoyalty(a.store)}
	if at := a.cfg.localTime; at != nil {
		opts = append(opts, reminders.WithLocalTime(*at, a.cfg.days))
		if a.cfg.Slack.BotToken != "" {
			opts = append(opts, reminders.WithZones(a.notifier)) // each owner's Slack time zone
		}
	}
	return reminders.NewEngine(a.store, a.store, a.notifier, dir, a.cfg.loc, a.log, opts...)
}

// appOptions says what a command needs.
type appOptions struct {
	slack    bool       // a bot token is required
	serve    bool       // and a way for Slack to reach us
	logLevel slog.Level // default Info
	// metrics, when set, is where the Slack client counts its calls.
	metrics prometheus.Registerer
	// localZone shows times in the machine's zone unless reminders.timezone
	// is set, and logs are text whatever log.format says (the shell: a
	// person at their own terminal).
	localZone bool
}

// newApp loads the configuration and wires the adapters.
func newApp(ctx context.Context, e *env, o appOptions) (*wired, error) {
	cfg, err := loadConfig(e.config, e.getenv, needs{slack: o.slack, serve: o.serve})
	if err != nil {
		return nil, err
	}
	if o.localZone && !cfg.tzSet {
		cfg.loc = time.Local
	}
	format := cfg.Log.Format
	if o.localZone {
		format = "text"
	}
	log := newLogger(e.stderr, format, o.logLevel)
	a := &wired{cfg: cfg, log: log, team: cfg.Slack.TeamID}
	if a.team == "" {
		a.team = localTeam
	}
	bounds := loyalty.Bounds{Floor: cfg.Customers.LearnedMinDays, Ceiling: cfg.Customers.LearnedMaxDays}
	a.store, a.close, err = storage.Open(ctx, storage.Conn{URL: cfg.Redis.URL, Mode: cfg.Redis.Mode, SentinelMaster: cfg.Redis.SentinelMaster}, log,
		storage.WithCadenceBounds(bounds.Floor, bounds.Ceiling))
	if err != nil {
		return nil, fmt.Errorf("redis.url: %w", err)
	}
	if storage.IsMemory(cfg.Redis.URL) {
		log.Warn("using the embedded in-memory store (redis.url=memory://): nothing survives exit; point SMED_REDIS_URL at a Redis to keep data")
	}
	var transport http.RoundTripper = http.DefaultTransport
	if o.metrics != nil {
		transport = newSlackCalls(o.metrics, transport)
	}
	a.api = slack.New(cfg.Slack.BotToken,
		slack.OptionAPIURL(cfg.Slack.APIURL),
		slack.OptionHTTPClient(&http.Client{Timeout: 15 * time.Second, Transport: transport}),
		slack.OptionRetry(5), // waits out 429 Retry-After
	)
	a.notifier = bot.NewNotifier(a.api, 0, cfg.loc, log)
	a.notifier.RememberReminders(a.store) // so a DM is rewritten as its customers are contacted
	var dir reminders.Directory = a.notifier
	if cfg.Slack.BotToken == "" {
		dir = everyoneHere{} // no Slack to ask: dry runs treat every owner as present
	}
	a.digestSched, err = reminders.ParseSpec(cfg.Digest.Schedule, cfg.loc)
	if err != nil { // validate() checked it already; this is belt and braces
		_ = a.close()
		return nil, &configError{[]string{"digest.schedule (SMED_DIGEST_SCHEDULE): " + err.Error()}}
	}
	a.engine = a.engineWith(dir)
	a.svc = app.New(app.Config{
		Store: a.store, Links: a.store, Deals: a.store, Undo: a.store, Reminders: a.store,
		Directory: dir, Digest: a.engine, Location: cfg.loc,
		DefaultCadence: cfg.Customers.DefaultCadenceDays, Admins: cfg.Admins, Log: log,
		// The store learns cadences on UTC days; the card's figures use the same days and bounds.
		Figures: a.store, Loyalty: loyalty.Config{Location: time.UTC, Bounds: bounds, Weights: loyalty.Weights{
			Recency: float64(cfg.Health.Recency), Conversations: float64(cfg.Health.Conversations),
			Buying: float64(cfg.Health.Buying), Knowledge: float64(cfg.Health.Knowledge)}},
	})
	var notify bot.HandoverNotifier
	if cfg.Slack.BotToken != "" {
		notify = a.notifier // handover DMs
	}
	a.cmds = bot.NewCommands(bot.CommandsConfig{Service: a.svc, Notify: notify, Currency: cfg.Customers.Currency, Log: log})
	return a, nil
}

// newLogger writes structured logs to w: JSON lines (log.format: json, for
// log collectors) or slog's key=value text.
func newLogger(w io.Writer, format string, level slog.Level) *slog.Logger {
	opts := &slog.HandlerOptions{Level: level}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// everyoneHere is the Directory when there is no Slack token.
type everyoneHere struct{}

func (everyoneHere) Deleted(context.Context, string) (bool, error) { return false, nil }
