package bot

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
)

// Commands runs /customer: it parses the text with the verb registry, calls
// the use case, and renders the answer or the error. Slack (both transports)
// and the shell call it, so a command behaves the same wherever it is typed.
type Commands struct {
	svc    *app.Service
	notify HandoverNotifier
	// contacted, set by the Bot, hears of every contact a command made, so
	// a reminder DM that lists the customer can be rewritten.
	contacted func(ctx context.Context, team string, c smed.Customer, by string, hint smed.ReminderHint)
	currency  string // customers.currency, shown after amounts
	log       *slog.Logger
	metrics   *metrics
}

// HandoverNotifier is what commands ask of Slack beyond their answer
// (*Notifier): tell a new owner what they were handed, join a channel that
// was linked.
type HandoverNotifier interface {
	SendHandover(ctx context.Context, team, by string, h app.HandedOver) error
	// JoinChannel joins a public channel; an error means Smed must be invited.
	JoinChannel(ctx context.Context, channel string) error
}

// CommandsConfig configures Commands.
type CommandsConfig struct {
	Service  *app.Service
	Notify   HandoverNotifier // nil: no handover DMs (the shell)
	Currency string           // customers.currency; "" shows bare amounts
	Log      *slog.Logger
}

// NewCommands returns the /customer command runner.
func NewCommands(cfg CommandsConfig) *Commands {
	c := &Commands{svc: cfg.Service, notify: cfg.Notify, currency: cfg.Currency, log: cfg.Log}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// Request is one /customer invocation.
type Request struct {
	Team    string // Slack team ID
	User    string // Slack user ID of who typed it
	Text    string // what followed /customer, as Slack sends it (escaped)
	Channel string // where it was typed; "" in the shell
	// TriggerID lets the command open a modal (Slack sends one with every
	// slash command); "" in the shell.
	TriggerID string
}

func (r Request) actor() app.Actor { return app.Actor{Team: r.Team, User: r.User} }

// RunText runs a command and returns the answer as readable text (the shell).
func (c *Commands) RunText(ctx context.Context, req Request) string {
	return c.Run(ctx, req).plain()
}

// Run parses and executes one command. It always returns something to show:
// errors, and panics, become replies in present.
func (c *Commands) Run(ctx context.Context, req Request) (r reply) {
	start := time.Now()
	v, run, err := parse(req.Text, c.svc.Now())
	label := "invalid"
	if v != nil {
		label = v.name
	}
	defer func() {
		if p := recover(); p != nil {
			r = c.panicked(ctx, req, v, p)
		}
		r.verb = label
		c.metrics.observe(r, time.Since(start))
	}()
	if err == nil {
		r, err = run(ctx, c, req)
	}
	if err != nil {
		return present(ctx, c.log, v, req, err)
	}
	return r
}

// panicked is the answer when a command panicked: a reference to find it in
// the log and, for a command that writes, the honest "I can't tell".
func (c *Commands) panicked(ctx context.Context, req Request, v *verb, p any) reply {
	ref := newRef()
	c.log.ErrorContext(ctx, "panic in a command", "ref", ref, "team_id", req.Team, "user_id", req.User,
		"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
	return errorReply(failureText(v == nil || v.writes, ref))
}

// parse reads the verb and hands the rest to the verb's own grammar; now is
// when it was typed, in the team's zone.
func parse(text string, now time.Time) (*verb, action, error) {
	if !utf8.ValidString(text) {
		return nil, nil, usagef("", "Your message holds bytes that are not valid text (UTF-8), so I saved nothing. Please type it again.")
	}
	toks, err := tokenize(text)
	if err != nil {
		return nil, nil, err
	}
	if len(toks) == 0 {
		return verbHelp, func(context.Context, *Commands, Request) (reply, error) { return helpReply(""), nil }, nil
	}
	v, guess := lookupVerb(toks[0].raw)
	if v == nil {
		msg := fmt.Sprintf("I don't know the command %q.", clip(plain(toks[0].raw), 40))
		if guess != "" {
			msg += fmt.Sprintf(" Did you mean `%s`?", guess)
		}
		return nil, nil, usagef("", "%s", msg)
	}
	run, err := v.parse(input{verb: v.name, text: text, args: toks[1:], now: now})
	return v, run, err
}

// amount shows a value with the workspace's currency.
func (c *Commands) amount(v int64) string {
	if c.currency == "" {
		return smed.FormatAmount(v)
	}
	return smed.FormatAmount(v) + " " + c.currency
}

func quoteIfSpaced(name string) string {
	if strings.ContainsAny(name, " \t") {
		return `"` + name + `"`
	}
	return name
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return strings.ToUpper(string(r)) + s[n:]
}
