package bot

import (
	"context"
	"sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// RunSocketMode serves Slack over Socket Mode until ctx ends, handing every
// envelope to the same handle as the HTTP endpoints and acknowledging it with
// handle's answer. It returns only after its event loop has stopped and every
// envelope it took is handled, so that shutdown can stop intake before it
// waits for the work envelopes started. slack-go reconnects by itself. api
// must carry the app-level token (slack.OptionAppLevelToken).
func (b *Bot) RunSocketMode(ctx context.Context, api *slack.Client) error {
	client := socketmode.New(api)
	var envelopes sync.WaitGroup
	loop := make(chan struct{})
	go func() {
		defer close(loop)
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
				envelopes.Go(func() {
					defer func() {
						if p := recover(); p != nil {
							b.logPanic("socket mode envelope", p)
						}
					}()
					b.socketEvent(ctx, client, evt)
				})
			}
		}
	}()
	err := client.RunContext(ctx)
	<-loop
	envelopes.Wait()
	return err
}

func (b *Bot) socketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	var env envelope
	switch evt.Type {
	case socketmode.EventTypeConnected:
		b.log.InfoContext(ctx, "socket mode connected")
		return
	case socketmode.EventTypeConnectionError, socketmode.EventTypeInvalidAuth:
		b.log.WarnContext(ctx, "socket mode connection problem", "event", string(evt.Type))
		return
	case socketmode.EventTypeSlashCommand:
		sc, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			break
		}
		env = envelope{kind: kindCommand, command: sc}
	case socketmode.EventTypeInteractive:
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			break
		}
		env = envelope{kind: kindInteraction, interaction: cb}
	case socketmode.EventTypeEventsAPI:
		ev, ok := evt.Data.(slackevents.EventsAPIEvent)
		if !ok {
			break
		}
		env = envelope{kind: kindEvent, event: ev}
		if evt.Request != nil {
			env.retry = evt.Request.RetryAttempt
		}
	}
	// Everything Slack sent as an envelope is acknowledged; hello and
	// disconnect carry no envelope ID and want no answer.
	if evt.Request == nil || evt.Request.EnvelopeID == "" {
		return
	}
	var payload any
	if env.kind != 0 {
		payload = b.handle(ctx, env)
	}
	if _, again := payload.(retryLater); again {
		return // unacknowledged: Slack delivers it again
	}
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
