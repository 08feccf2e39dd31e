package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack/slackevents"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
)

// contacted rewrites the owner's reminder DM of today when it lists c, now
// that c heard from us (a note, a deal, a message in a linked channel — from
// anyone, anywhere), so the owner's list shrinks as the day goes. It runs
// after the answer, tracked.
//
// hint is what the write saw of the reminder DM (zero: it did not look).
func (b *Bot) contacted(ctx context.Context, team string, c smed.Customer, by string, hint smed.ReminderHint) {
	if b.reminders == nil || b.api == nil {
		return
	}
	b.goTracked(func(ctx context.Context) {
		now := b.svc.Now()
		m, ok := b.svc.ReminderToClose(ctx, team, c, now.Format(time.DateOnly), hint)
		if !ok {
			return
		}
		who := "someone"
		if by != "" {
			who = "<@" + by + ">"
		}
		b.refreshReminder(ctx, team, c.Owner, m.Channel, m.TS, fmt.Sprintf(":white_check_mark: *%s* heard from us (%s).", esc(c.Name), who))
	})
}

// messageEvent is a message in a channel Smed is in: when the channel is
// linked and the message is contact (app.CountsAsContact), a touch on its
// customer. Edits, deletions, bots and unlinked channels change nothing.
func (b *Bot) messageEvent(ctx context.Context, team string, ev slackevents.EventsAPIInnerEvent) {
	m, ok := ev.Data.(*slackevents.MessageEvent)
	if !ok {
		return
	}
	at, ok := tsTime(m.TimeStamp)
	if !ok {
		at = time.Now()
	}
	c, touched, err := b.svc.Touch(ctx, team, app.Message{Channel: m.Channel, User: m.User, UserTeam: m.UserTeam,
		Subtype: m.SubType, Bot: m.BotID != "" || m.SubType == "bot_message", TS: m.TimeStamp, At: at})
	if err != nil {
		b.log.WarnContext(ctx, "touch not recorded", "team_id", team, "channel_id", m.Channel, "err", err)
		return
	}
	if touched {
		b.contacted(ctx, team, c, m.User, smed.ReminderHint{})
	}
}

// tsTime reads a Slack message ts ("1764593206.825000": seconds and
// microseconds) exactly; a float would turn .826 into .825999.
func tsTime(ts string) (time.Time, bool) {
	secs, frac, _ := strings.Cut(ts, ".")
	sec, err := strconv.ParseInt(secs, 10, 64)
	if err != nil || sec <= 0 || len(frac) > 9 {
		return time.Time{}, false
	}
	var ns int64
	if frac != "" {
		n, err := strconv.ParseInt(frac, 10, 64)
		if err != nil || n < 0 {
			return time.Time{}, false
		}
		for i := len(frac); i < 9; i++ {
			n *= 10
		}
		ns = n
	}
	return time.Unix(sec, ns), true
}
