package bot

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/smedhq/smed"
)

// Modal identifiers.
const (
	viewLogNote  = "smed_log_note"
	blockNote    = "note"
	actionNoteIn = "note_text"
)

// logNoteMeta is what the Log note modal remembers about where it came from,
// so the submission can update the reminder it was opened from.
type logNoteMeta struct {
	Customer string `json:"c"`
	Channel  string `json:"ch,omitempty"`
	TS       string `json:"ts,omitempty"`
}

// interact handles one interaction payload and returns the body of the HTTP
// answer (nil for an empty 200). Slow or outbound work runs tracked, after the
// answer, so Slack gets it within 3 s.
func (b *Bot) interact(ctx context.Context, cb slack.InteractionCallback) any {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		for _, a := range cb.ActionCallback.BlockActions {
			b.blockAction(cb, a)
		}
		return nil
	case slack.InteractionTypeViewSubmission:
		if cb.View.CallbackID == viewLogNote {
			return b.submitNote(ctx, cb)
		}
	}
	return nil
}

func (b *Bot) blockAction(cb slack.InteractionCallback, a *slack.BlockAction) {
	team, user := cb.Team.ID, cb.User.ID
	switch {
	case strings.HasPrefix(a.ActionID, actionHistoryPage):
		page, name, ok := strings.Cut(a.Value, "\x1f")
		n, err := strconv.Atoi(page)
		if !ok || err != nil {
			return
		}
		b.goTracked(func(ctx context.Context) {
			// The name comes from our own button: run the command as
			// parsed, rather than writing text for the parser to read.
			req := Request{Team: team, User: user}
			r, err := b.cmds.history(ctx, req, command{verb: "history", name: name, quoted: true, page: n})
			if err != nil {
				r = b.cmds.fail(ctx, req, "history", err)
			}
			if err := b.respond(ctx, cb.ResponseURL, r, true); err != nil {
				b.log.WarnContext(ctx, "history page update failed", "team_id", team, "err", err)
			}
		})
	case a.ActionID == actionSnooze:
		b.goTracked(func(ctx context.Context) { b.snoozeFromReminder(ctx, cb, a.Value) })
	case a.ActionID == actionLogNote:
		meta, _ := json.Marshal(logNoteMeta{Customer: a.Value, Channel: cmp.Or(cb.Container.ChannelID, cb.Channel.ID), TS: cb.Container.MessageTs})
		b.goTracked(func(ctx context.Context) {
			if _, err := b.api.OpenViewContext(ctx, cb.TriggerID, logNoteView(a.Value, string(meta))); err != nil {
				b.log.WarnContext(ctx, "views.open failed", "team_id", team, "user_id", user, "err", err)
			}
		})
	}
}

// snoozeUntil is when a "Snooze 7 days" click made at now ends. It is rounded to
// the hour so a double click sets the same time: the second click changes nothing.
func snoozeUntil(now time.Time) time.Time { return now.Add(7 * smed.Day).Truncate(time.Hour) }

func (b *Bot) snoozeFromReminder(ctx context.Context, cb slack.InteractionCallback, name string) {
	until := snoozeUntil(b.cmds.now())
	c, err := b.cmds.store.Update(ctx, cb.Team.ID, name, smed.Change{SnoozedUntil: &until})
	var r reply
	switch {
	case errors.Is(err, smed.ErrNotFound):
		r = errorReply(fmt.Sprintf("I can't find *%s* any more; it may have been renamed.", esc(name)))
	case err != nil:
		r = b.cmds.fail(ctx, Request{Team: cb.Team.ID, User: cb.User.ID}, "snooze", err)
	default:
		done := fmt.Sprintf(":zzz: Snoozed *%s* until %s. No reminders for it before then.", esc(c.Name), until.Format("Mon 2 Jan"))
		if b.reminders != nil && cb.Container.ChannelID != "" && cb.Container.MessageTs != "" {
			b.refreshReminder(ctx, cb.Team.ID, cb.User.ID, cb.Container.ChannelID, cb.Container.MessageTs, done)
			return
		}
		r.section(done)
	}
	b.postEphemeral(ctx, cb, r)
}

// postEphemeral answers the clicker without touching the message they clicked.
func (b *Bot) postEphemeral(ctx context.Context, cb slack.InteractionCallback, r reply) {
	if cb.ResponseURL != "" {
		msg := r.webhook()
		msg.ResponseType = slack.ResponseTypeEphemeral
		msg.ReplaceOriginal = false
		if err := slack.PostWebhookCustomHTTPContext(ctx, cb.ResponseURL, b.http, msg); err == nil {
			return
		}
	}
	if _, err := b.api.PostEphemeralContext(ctx, cb.Channel.ID, cb.User.ID,
		slack.MsgOptionText(r.fallbackText(), false), slack.MsgOptionBlocks(r.blocks()...)); err != nil {
		b.log.WarnContext(ctx, "ephemeral answer failed", "team_id", cb.Team.ID, "user_id", cb.User.ID, "err", err)
	}
}

func logNoteView(customer, meta string) slack.ModalViewRequest {
	input := slack.NewPlainTextInputBlockElement(slack.NewTextBlockObject(slack.PlainTextType, "What did you talk about?", false, false), actionNoteIn)
	input.Multiline = true
	input.MaxLength = maxTextRunes
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      viewLogNote,
		Title:           slack.NewTextBlockObject(slack.PlainTextType, "Log note", false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Save", false, false),
		Close:           slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		PrivateMetadata: meta,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock(blockNote, slack.NewTextBlockObject(slack.PlainTextType, truncate("Note on "+customer, 150), false, false), nil, input),
		}},
	}
}

// submitNote logs the note typed in the Log note modal. It answers within the
// request: the store write is fast, and an error keeps the modal open with the
// text in it, so nothing typed is lost.
func (b *Bot) submitNote(ctx context.Context, cb slack.InteractionCallback) any {
	var meta logNoteMeta
	_ = json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta)
	text := ""
	if v, ok := cb.View.State.Values[blockNote][actionNoteIn]; ok {
		text = strings.TrimSpace(v.Value)
	}
	fieldErr := func(msg string) any {
		return slack.NewErrorsViewSubmissionResponse(map[string]string{blockNote: msg})
	}
	if text == "" {
		return fieldErr("Write what was said first.")
	}
	if meta.Customer == "" {
		return fieldErr("This form has lost track of its customer; open it again from the reminder.")
	}
	ctx, cancel := context.WithTimeout(ctx, ackWait)
	defer cancel()
	rc, err := b.cmds.store.AddNote(ctx, cb.Team.ID, smed.NoteRequest{
		Candidates: []smed.Candidate{{Name: meta.Customer, Rest: text}}, Author: cb.User.ID, At: b.cmds.now()})
	switch {
	case errors.Is(err, smed.ErrNotFound):
		return fieldErr(fmt.Sprintf("I can't find %s any more.", meta.Customer))
	case err != nil:
		// The same words as for /customer note (a write Redis may have
		// applied must not be saved twice); the text stays in the form.
		r := b.cmds.fail(ctx, Request{Team: cb.Team.ID, User: cb.User.ID}, "note", err)
		return fieldErr(r.plain())
	}
	done := fmt.Sprintf(":white_check_mark: Note logged on *%s*.", esc(rc.Customer.Name))
	b.goTracked(func(ctx context.Context) { b.refreshReminder(ctx, cb.Team.ID, cb.User.ID, meta.Channel, meta.TS, done) })
	return nil
}

// refreshReminder rewrites a reminder DM after its owner acted on it: the
// customers still overdue, and a line saying what was just done.
func (b *Bot) refreshReminder(ctx context.Context, team, owner, channel, ts, done string) {
	if b.reminders == nil || channel == "" || ts == "" {
		return
	}
	now := b.cmds.now()
	r, err := b.reminders.ReminderFor(ctx, team, owner, now)
	if err != nil {
		b.log.WarnContext(ctx, "reminder refresh failed", "team_id", team, "user_id", owner, "err", err)
		return
	}
	var rep reply
	if len(r.Items) == 0 {
		rep.section(":white_check_mark: All caught up: none of your customers is waiting to hear from you.")
		rep.fallback = "All caught up"
	} else {
		rep = reminderReply(r, now.Location())
	}
	rep.context(done)
	if _, _, _, err := b.api.UpdateMessageContext(ctx, channel, ts,
		slack.MsgOptionText(rep.fallbackText(), false), slack.MsgOptionBlocks(rep.blocks()...)); err != nil {
		b.log.WarnContext(ctx, "chat.update of a reminder failed", "team_id", team, "user_id", owner, "err", err)
	}
}
