// Package bot is Smed's Slack edge: request verification, one dispatcher for
// both transports (HTTP and Socket Mode) with routers for commands,
// interactions and events, the /customer verb registry and parser, Block Kit
// rendering, and the notifier that sends reminders and digests through the
// Web API. It parses, renders and transports; every decision is a use case in
// package app.
//
// It is the only package that imports slack-go. It must not import storage:
// it reaches the store only through app (and smed.Guard for event dedupe).
//
// To find a behaviour: a verb in registry.go / verbs.go → an app.Service
// method → a smed.Store method. Buttons and modals: interactions.go routes by
// action ID and callback ID; events: events.go routes by type.
package bot

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/slack-go/slack"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
	"github.com/smedhq/smed/reminders"
)

// ackWait is how long a command may run before Slack gets a holding answer and
// the real one follows through response_url (Slack allows 3 s).
const ackWait = 2 * time.Second

// asyncLimit bounds work that continues after the acknowledgement.
const asyncLimit = 30 * time.Second

// Bot serves Slack: HTTP endpoints, Socket Mode, interactions, events.
type Bot struct {
	cmds      *Commands
	svc       *app.Service
	reminders ReminderSource
	api       *slack.Client
	http      *http.Client
	secret    string
	team      string     // "" = any workspace
	guard     smed.Guard // remembers event IDs: a retried delivery runs once
	log       *slog.Logger

	// base is the server-lifetime context for work that outlives a request;
	// work tracks it so shutdown can wait.
	base context.Context
	work tracker

	metrics *metrics
	homes   homes // the Home views last published
	actions map[string]actionHandler
	views   map[string]viewHandler
	events  map[string]eventHandler
}

// ReminderSource builds one owner's reminder as it stands now, sending nothing.
// *reminders.Engine implements it.
type ReminderSource interface {
	ReminderFor(ctx context.Context, team, owner string, now time.Time) (reminders.Reminder, error)
}

// Config configures a Bot.
type Config struct {
	Commands      *Commands
	Service       *app.Service
	Reminders     ReminderSource // nil: reminder DMs are not rewritten after a click
	API           *slack.Client  // Web API client (its URL honours slack.api_url)
	HTTPClient    *http.Client   // for response_url posts; nil = a client with a 10 s timeout
	SigningSecret string
	TeamID        string     // when set, requests from other workspaces are refused
	Guard         smed.Guard // event deduplication; nil: every delivery is handled
	Log           *slog.Logger
	Metrics       prometheus.Registerer // nil: no command metrics
}

// New returns a Bot. ctx is the server-lifetime context: work started after an
// acknowledgement runs on it.
func New(ctx context.Context, cfg Config) *Bot {
	b := &Bot{cmds: cfg.Commands, svc: cfg.Service, reminders: cfg.Reminders, api: cfg.API, http: cfg.HTTPClient,
		secret: cfg.SigningSecret, team: cfg.TeamID, guard: cfg.Guard, log: cfg.Log, base: ctx}
	if b.http == nil {
		b.http = &http.Client{Timeout: 10 * time.Second}
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	b.metrics = newMetrics(cfg.Metrics)
	if b.cmds != nil {
		b.cmds.metrics = b.metrics
		b.cmds.contacted = b.contacted
	}
	b.routes()
	return b
}

// Close stops taking new background work: call it once intake has stopped
// (the HTTP server shut down, Socket Mode returned), then Wait. Work started
// by work already running still runs, inline.
func (b *Bot) Close() { b.work.close() }

// Wait blocks until work started after acknowledgements is done, or ctx ends.
func (b *Bot) Wait(ctx context.Context) error { return b.work.wait(ctx) }

// goTracked runs f after the request is answered, on the server-lifetime
// context (which outlives the request, and is cancelled when shutdown gives
// up waiting), so shutdown waits for it. A panic in f is logged with a
// reference, not fatal: one bad request must not take Slack away from
// everybody.
func (b *Bot) goTracked(f func(ctx context.Context)) {
	b.work.do(func() {
		defer func() {
			if p := recover(); p != nil {
				b.logPanic("background work", p)
			}
		}()
		ctx, cancel := context.WithTimeout(b.base, asyncLimit)
		defer cancel()
		f(ctx)
	})
}

// logPanic logs a recovered panic with its stack and returns the reference
// the user is shown.
func (b *Bot) logPanic(where string, p any) string {
	ref := newRef()
	b.log.Error("panic in "+where, "ref", ref, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	return ref
}

// teamAllowed says whether a request from team may be served.
func (b *Bot) teamAllowed(team string) bool { return b.team == "" || team == b.team }

// answerInline runs a command on the caller's goroutine (the HTTP request's:
// handing it to another goroutine and back costs tail latency under load),
// with the tracker's context rather than the request's, which ends when
// Slack hangs up. If it has not finished within ackWait, a timer writes the
// holding reply through ack, and answerInline, once the command is done,
// posts its reply to responseURL and reports held.
func (b *Bot) answerInline(req Request, responseURL string, ack *httpAck) (reply, bool) {
	timer := time.AfterFunc(ackWait, func() {
		ack.hold(holding().message())
	})
	var r reply
	b.work.run(func() {
		ctx, cancel := context.WithTimeout(b.base, asyncLimit)
		defer cancel()
		r = b.cmds.Run(ctx, req) // Run recovers panics and always answers
	})
	if timer.Stop() || ack.claim() {
		return r, false
	}
	b.goTracked(func(ctx context.Context) { b.followUp(ctx, req, responseURL, r) })
	return reply{}, true
}

// answer runs a command, waiting up to ackWait. When it finishes in time its
// reply is returned to go in the acknowledgement; otherwise a holding reply is
// returned and the real one is posted to responseURL when ready.
func (b *Bot) answer(req Request, responseURL string) reply {
	done := make(chan reply, 1)
	b.goTracked(func(ctx context.Context) {
		done <- b.cmds.Run(ctx, req) // Run recovers panics and always answers
	})
	timer := time.NewTimer(ackWait)
	defer timer.Stop()
	select {
	case r := <-done:
		return r
	case <-timer.C:
	}
	b.goTracked(func(ctx context.Context) { b.followUp(ctx, req, responseURL, <-done) })
	return holding()
}

// followUp posts the reply of a command that was acknowledged with the
// holding reply to its response_url.
func (b *Bot) followUp(ctx context.Context, req Request, responseURL string, r reply) {
	if err := b.respond(ctx, responseURL, r, false); err != nil {
		b.log.WarnContext(ctx, "response_url post failed", "team_id", req.Team, "user_id", req.User, "err", err)
	}
}

// holding is the acknowledgement of a command still running after ackWait.
func holding() reply { return textReply(":hourglass_flowing_sand: Working on it…") }

// respond posts a reply to a response_url, ephemeral; replace rewrites the
// message the response_url belongs to.
func (b *Bot) respond(ctx context.Context, url string, r reply, replace bool) error {
	if url == "" {
		return nil
	}
	msg := r.webhook()
	msg.ReplaceOriginal = replace
	return slack.PostWebhookCustomHTTPContext(ctx, url, b.http, msg)
}

func (r reply) webhook() *slack.WebhookMessage {
	return &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, Text: r.fallbackText(), Blocks: &slack.Blocks{BlockSet: r.blocks()}}
}

// message is the reply as the JSON body of a slash command acknowledgement.
type message struct {
	ResponseType string        `json:"response_type"`
	Text         string        `json:"text"`
	Blocks       []slack.Block `json:"blocks,omitempty"`
}

func (r reply) message() message {
	return message{ResponseType: slack.ResponseTypeEphemeral, Text: r.fallbackText(), Blocks: r.blocks()}
}
