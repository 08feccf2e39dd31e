package bot

import (
	"context"
	"time"

	"github.com/slack-go/slack/slackevents"
)

// eventHandler handles one Events API event after it was acknowledged.
type eventHandler func(ctx context.Context, team string, ev slackevents.EventsAPIInnerEvent)

// eventKeep is how long an event ID is remembered: Slack retries a delivery
// for about an hour at most.
const eventKeep = 24 * time.Hour

// retryLater is handle's answer to an event that could not be taken on now:
// the transport then does not acknowledge it (HTTP 503, no Socket Mode ack),
// so Slack delivers it again.
type retryLater struct{}

// dispatchEvent routes an event callback to its handler by the inner event's
// type, at most once per event ID across retries and replicas (the ID is
// claimed in Redis first), and runs it after the acknowledgement. It returns
// false when the event should be delivered again.
func (b *Bot) dispatchEvent(ctx context.Context, env envelope) bool {
	cb, ok := env.event.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok || env.event.Type != slackevents.CallbackEvent {
		return true
	}
	h, ok := b.events[env.event.InnerEvent.Type]
	if !ok {
		return true // subscribed by an older manifest, or not acted on
	}
	team := env.event.TeamID
	if b.guard != nil && cb.EventID != "" {
		first, err := b.guard.Claim(ctx, team, "event:"+cb.EventID, eventKeep)
		if err != nil {
			// Without Redis the handler could not store anything either:
			// let Slack deliver it again.
			b.log.WarnContext(ctx, "event not handled: cannot record its ID", "team_id", team, "event_id", cb.EventID, "err", err)
			return false
		}
		if !first {
			b.log.DebugContext(ctx, "event already handled", "team_id", team, "event_id", cb.EventID, "retry", env.retry)
			return true
		}
	}
	inner := env.event.InnerEvent
	b.goTracked(func(ctx context.Context) { h(ctx, team, inner) })
	return true
}
