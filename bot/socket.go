package bot

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode serves Slack over Socket Mode until ctx ends. Every envelope is
// acknowledged; slash commands carry their answer in the acknowledgement, like
// the HTTP endpoint. slack-go reconnects by itself. api must carry the app-level
// token (slack.OptionAppLevelToken).
func (b *Bot) RunSocketMode(ctx context.Context, api *slack.Client) error {
	client := socketmode.New(api)
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case evt, ok := <-client.Events:
				if !ok {
					return
				}
				// Each envelope on its own goroutine: a slow command must not
				// hold up the acknowledgement of the next one.
				b.work.Add(1)
				go func() {
					defer b.work.Done()
					defer b.recoverPanic()
					b.socketEvent(ctx, client, evt)
				}()
			}
		}
	}()
	return client.RunContext(ctx)
}

func (b *Bot) socketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		b.log.InfoContext(ctx, "socket mode connected")
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		b.log.WarnContext(ctx, "socket mode connection problem", "event", string(evt.Type))
	case socketmode.EventTypeSlashCommand:
		sc, ok := evt.Data.(slack.SlashCommand)
		if !ok || evt.Request == nil {
			return
		}
		if !b.teamAllowed(sc.TeamID) {
			b.ack(ctx, client, evt, errorReply("This Smed serves another workspace.").message())
			return
		}
		// answer waits at most ackWait, inside Slack's 3 s.
		rep := b.answer(Request{Team: sc.TeamID, User: sc.UserID, Text: sc.Text}, sc.ResponseURL)
		b.ack(ctx, client, evt, rep.message())
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok || evt.Request == nil {
			return
		}
		var payload any
		if b.teamAllowed(cb.Team.ID) {
			payload = b.interact(ctx, cb)
		}
		b.ack(ctx, client, evt, payload)
	default:
		// Everything Slack sent as an envelope is acknowledged; hello and
		// disconnect carry no envelope ID and want no answer.
		if evt.Request != nil && evt.Request.EnvelopeID != "" {
			b.ack(ctx, client, evt, nil)
		}
	}
}

func (b *Bot) ack(ctx context.Context, client *socketmode.Client, evt socketmode.Event, payload any) {
	var err error
	if payload == nil {
		err = client.Ack(*evt.Request)
	} else {
		err = client.Ack(*evt.Request, payload)
	}
	if err != nil {
		b.log.WarnContext(ctx, "socket mode ack failed", "event", string(evt.Type), "err", err)
	}
}
