package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/slack-go/slack"

	"github.com/smedhq/smed/bot"
	"github.com/smedhq/smed/reminders"
	"github.com/smedhq/smed/storage"
)

// shutdownGrace bounds how long smed run waits for requests and follow-up
// work when asked to stop.
const shutdownGrace = 15 * time.Second

// cmdServe is `smed run`: HTTP endpoints, Socket Mode when an app token is
// set, and the scheduler, until ctx ends (SIGINT/SIGTERM).
func cmdServe(ctx context.Context, args []string, e *env) error {
	fs := e.flags("run")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	reg := newRegistry()
	a, err := newApp(ctx, e, appOptions{slack: true, serve: true, metrics: reg})
	if err != nil {
		return err
	}
	defer a.close()
	cfg := a.cfg

	pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
	if err := a.store.Ping(pingCtx); err != nil {
		a.log.Warn("redis is not answering yet; commands report it until it is back", "err", err)
	}
	cancel()

	// Everything that can fail on bad settings comes before listening, so a
	// failure leaves nothing half started.
	jobs := newJobMetrics(reg)
	reg.MustRegister(newTeamFigures(a.svc, a.team))
	sched, err := reminders.NewScheduler(a.engine, reminders.SchedulerConfig{
		Team: a.team, RemindSpec: cfg.Reminders.Schedule, DigestChannel: cfg.Digest.Channel, Observe: jobs.observe}, a.log)
	if err != nil {
		return &configError{[]string{err.Error()}}
	}

	// srvCtx outlives ctx by the grace period so follow-up work can finish.
	srvCtx, srvCancel := context.WithCancel(context.WithoutCancel(ctx))
	defer srvCancel()
	b := bot.New(srvCtx, bot.Config{Commands: a.cmds, Service: a.svc, Reminders: a.engine, API: a.api,
		SigningSecret: cfg.Slack.SigningSecret, TeamID: cfg.Slack.TeamID, Guard: a.store, Log: a.log, Metrics: reg})

	mux := http.NewServeMux()
	addRoutes(mux, b, a.store, reg)
	srv := &http.Server{
		Addr: cfg.HTTP.Addr, Handler: mux,
		ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 10 * time.Second, WriteTimeout: 15 * time.Second,
		BaseContext: func(net.Listener) context.Context { return srvCtx },
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("http.addr: %w", err)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- srv.Serve(ln) }()
	a.log.Info("smed is running", "addr", ln.Addr().String(), "socket_mode", cfg.Slack.AppToken != "",
		"team_id", cfg.Slack.TeamID, "redis_memory", storage.IsMemory(cfg.Redis.URL), "version", version)

	sched.Start(srvCtx)
	go reindex(srvCtx, a.log, a.store, a.team, time.Minute)

	// Socket Mode takes envelopes until socketCtx ends; stopping it is the
	// first step of shutdown, before the work it started is waited for.
	socketCtx, socketStop := context.WithCancel(srvCtx)
	defer socketStop()
	socketErr := make(chan error, 1)
	socketDone := make(chan struct{})
	if cfg.Slack.AppToken != "" {
		sapi := slack.New(cfg.Slack.BotToken, slack.OptionAppLevelToken(cfg.Slack.AppToken),
			slack.OptionAPIURL(cfg.Slack.APIURL), slack.OptionHTTPClient(&http.Client{Timeout: 30 * time.Second}))
		go func() {
			defer close(socketDone)
			socketErr <- b.RunSocketMode(socketCtx, sapi)
		}()
	} else {
		close(socketDone)
	}

	var runErr error
	select {
	case <-ctx.Done():
		a.log.Info("shutting down")
	case err := <-serveErr:
		runErr = fmt.Errorf("http server: %w", err)
	case err := <-socketErr:
		if err != nil && !errors.Is(err, context.Canceled) {
			runErr = fmt.Errorf("socket mode: %w", err)
		}
	}
	socketStop()
	return errors.Join(runErr, shutdown(a.log, srv, socketDone, sched, b, srvCancel))
}

// reindex moves a team whose names an older Smed indexed to the edit index
// (storage.Reindex), in the background: lookups work throughout, and stop
// reading the old index's long lists once it is done. Replicas may all do
// it; each step is atomic and idempotent. One cut short by Redis going away
// tries again a minute (retry) later; one cut short by a stop goes on at
// the next start.
func reindex(ctx context.Context, log *slog.Logger, st reindexer, team string, retry time.Duration) {
	for {
		need, err := st.NeedsReindex(ctx, team)
		if err == nil && !need {
			return
		}
		if err == nil {
			log.Info("moving customer names to the new typo index; commands keep working meanwhile", "team_id", team)
			start := time.Now()
			var n int
			if n, err = st.Reindex(ctx, team); err == nil {
				log.Info("customer names moved to the new typo index", "team_id", team, "names", n, "took", time.Since(start).Round(time.Millisecond))
				return
			}
			if ctx.Err() != nil {
				log.Info("moving customer names to the new typo index stopped with smed; the next start goes on", "moved", n)
				return
			}
			log.Warn("moving customer names to the new typo index stopped; trying again in a minute", "err", err, "moved", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
	}
}

// reindexer is what reindex needs of the store.
type reindexer interface {
	NeedsReindex(ctx context.Context, team string) (bool, error)
	Reindex(ctx context.Context, team string) (int, error)
}

// shutdown stops intake first — the HTTP server (which lets running requests
// finish) and Socket Mode (which returns once its envelopes are handled) —
// then lets scheduled jobs and follow-up Slack work finish, all within
// shutdownGrace, and then cancels what is left.
func shutdown(log *slog.Logger, srv *http.Server, socketDone <-chan struct{}, sched *reminders.Scheduler, b *bot.Bot, cancel context.CancelFunc) error {
	ctx, done := context.WithTimeout(context.Background(), shutdownGrace)
	defer done()
	err := srv.Shutdown(ctx)
	select {
	case <-socketDone:
	case <-ctx.Done():
		log.Warn("socket mode was still handling envelopes at shutdown")
	}
	stopped := make(chan struct{})
	go func() { sched.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-ctx.Done():
		log.Warn("a scheduled job was still running at shutdown; its claims expire and the next run retries")
	}
	b.Close()
	if werr := b.Wait(ctx); werr != nil {
		log.Warn("follow-up work still running at shutdown", "err", werr)
	}
	cancel()
	return err
}
