// Package bot is Smed's Slack edge: request verification, the /customer command
// (parsing, running, rendering Block Kit), interactions, Socket Mode, and the
// notifier that sends reminders and digests through the Web API.
//
// It is the only package that imports slack-go. It must not import storage: it
// talks to the store through smed.Store, and to the scheduler through reminders.
package bot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"github.com/smedhq/smed/reminders"
)

// ackWait is how long a command may run before Slack gets a holding answer and
// the real one follows through response_url (Slack allows 3 s).
const ackWait = 2 * time.Second

// asyncLimit bounds work that continues after the acknowledgement.
const asyncLimit = 30 * time.Second

// Bot serves Slack: HTTP endpoints, Socket Mode, interactions.
type Bot struct {
	cmds      *Commands
	reminders ReminderSource
	api       *slack.Client
	http      *http.Client
	secret    string
	team      string // "" = any workspace
	log       *slog.Logger

	// base is the server-lifetime context for work that outlives a request;
	// work tracks it so shutdown can wait.
	base context.Context
	work sync.WaitGroup

	metrics *metrics
}

// ReminderSource builds one owner's reminder as it stands now, sending nothing.
// *reminders.Engine implements it.
type ReminderSource interface {
	ReminderFor(ctx context.Context, team, owner string, now time.Time) (reminders.Reminder, error)
}

// Config configures a Bot.
type Config struct {
	Commands      *Commands
	Reminders     ReminderSource // nil: reminder DMs are not rewritten after a click
	API           *slack.Client  // Web API client (its URL honours slack.api_url)
	HTTPClient    *http.Client   // for response_url posts; nil = a client with a 10 s timeout
	SigningSecret string
	TeamID        string // when set, requests from other workspaces are refused
	Log           *slog.Logger
	Metrics       prometheus.Registerer // nil: no command metrics
}

// New returns a Bot. ctx is the server-lifetime context: work started after an
// acknowledgement runs on it.
func New(ctx context.Context, cfg Config) *Bot {
	b := &Bot{cmds: cfg.Commands, reminders: cfg.Reminders, api: cfg.API, http: cfg.HTTPClient, secret: cfg.SigningSecret,
		team: cfg.TeamID, log: cfg.Log, base: ctx}
	if b.http == nil {
		b.http = &http.Client{Timeout: 10 * time.Second}
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.metrics = newMetrics(cfg.Metrics)
	return b
}

// Wait blocks until work started after acknowledgements is done, or ctx ends.
func (b *Bot) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() { b.work.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// goTracked runs f after the request is answered, on the server-lifetime
// context (which outlives the request, and is cancelled when shutdown gives
// up waiting), so shutdown waits for it. A panic in f is logged, not fatal.
func (b *Bot) goTracked(f func(ctx context.Context)) {
	b.work.Add(1)
	go func() {
		defer b.work.Done()
		defer b.recoverPanic()
		ctx, cancel := context.WithTimeout(b.base, asyncLimit)
		defer cancel()
		f(ctx)
	}()
}

// recoverPanic stops a panic in background work from killing the process: one
// bad request must not take Slack commands away from everybody.
func (b *Bot) recoverPanic() {
	if p := recover(); p != nil {
		b.log.Error("panic in background work", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	}
}

// answer runs a command, waiting up to ackWait. When it finishes in time its
// reply is returned to go in the acknowledgement; otherwise a holding reply is
// returned and the real one is posted to responseURL when ready.
func (b *Bot) answer(req Request, responseURL string) reply {
	done := make(chan reply, 1)
	start := time.Now()
	b.goTracked(func(ctx context.Context) {
		r := errorReply(":warning: Something went wrong on my side and nothing was saved. If it keeps happening, tell your Smed admin.")
		defer func() { done <- r }() // also when run panics: the user gets an answer
		r = b.cmds.run(ctx, req)
		b.metrics.observe(r, time.Since(start))
	})
	timer := time.NewTimer(ackWait)
	defer timer.Stop()
	select {
	case r := <-done:
		return r
	case <-timer.C:
	}
	b.goTracked(func(ctx context.Context) {
		r := <-done
		if err := b.respond(ctx, responseURL, r, false); err != nil {
			b.log.WarnContext(ctx, "response_url post failed", "team_id", req.Team, "user_id", req.User, "err", err)
		}
	})
	return textReply(":hourglass_flowing_sand: Working on it…")
}

// respond posts a reply to a response_url (ephemeral unless the reply says otherwise).
func (b *Bot) respond(ctx context.Context, url string, r reply, replace bool) error {
	if url == "" {
		return nil
	}
	msg := r.webhook()
	msg.ReplaceOriginal = replace
	return slack.PostWebhookCustomHTTPContext(ctx, url, b.http, msg)
}

func (r reply) responseType() string {
	if r.inChannel {
		return slack.ResponseTypeInChannel
	}
	return slack.ResponseTypeEphemeral
}

func (r reply) webhook() *slack.WebhookMessage {
	return &slack.WebhookMessage{ResponseType: r.responseType(), Text: r.fallbackText(), Blocks: &slack.Blocks{BlockSet: r.blocks()}}
}

// message is the reply as the JSON body of a slash command acknowledgement.
type message struct {
	ResponseType string        `json:"response_type"`
	Text         string        `json:"text"`
	Blocks       []slack.Block `json:"blocks,omitempty"`
}

func (r reply) message() message {
	return message{ResponseType: r.responseType(), Text: r.fallbackText(), Blocks: r.blocks()}
}
