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
	"github.com/smedhq/smed/app"
)

// Modal identifiers.
const (
	viewLogNote  = "smed_log_note"
	blockNote    = "note"
	actionNoteIn = "note_text"
)

// logNoteMeta is what the Log note modal remembers about where it came from,
// so the submission can update the reminder it was opened from. It carries
// the customer's ID, never its name.
type logNoteMeta struct {
	Customer string `json:"c"`
	Channel  string `json:"ch,omitempty"`
	TS       string `json:"ts,omitempty"`
	Home     bool   `json:"h,omitempty"` // opened from App Home: refresh it after
}

// onHome reports whether a click came from the user's App Home.
func onHome(cb slack.InteractionCallback) bool {
	return cb.Container.Type == "view" && cb.View.Type == slack.VTHomeTab
}

// actionHandler handles one button click. It runs after the click was
// acknowledged (tracked), and answers through the response_url or the Web API.
type actionHandler func(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction)

// viewHandler handles a modal submission within the request: its answer is
// the HTTP response (nil closes the modal; field errors keep it open with the
// text in it).
type viewHandler func(ctx context.Context, cb slack.InteractionCallback) any

// interact routes one interaction payload: buttons by action ID, modal
// submissions by callback ID. It returns the body of the HTTP answer (nil for
// an empty 200).
func (b *Bot) interact(ctx context.Context, cb slack.InteractionCallback) any {
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		for _, a := range cb.ActionCallback.BlockActions {
			if h, ok := b.actions[a.ActionID]; ok {
				b.goTracked(func(ctx context.Context) {
					defer func() {
						if p := recover(); p != nil {
							b.postEphemeral(ctx, cb, errorReply(failureText(true, b.logPanic("button "+a.ActionID, p))))
						}
					}()
					h(ctx, cb, a)
				})
			}
		}
	case slack.InteractionTypeViewSubmission:
		if h, ok := b.views[cb.View.CallbackID]; ok {
			return b.submitOnce(ctx, cb, h)
		}
	case slack.InteractionTypeBlockSuggestion:
		if cb.ActionID == actionCustomer {
			return b.safeView(ctx, cb, b.suggestCustomers)
		}
	case slack.InteractionTypeMessageAction:
		if cb.CallbackID == shortcutSave {
			b.goTracked(func(ctx context.Context) { b.saveMessageShortcut(ctx, cb) })
		}
	}
	return nil
}

// safeView runs a view handler, answering a panic with the same words as a
// command would, on the modal's field: the text typed stays in the form.
func (b *Bot) safeView(ctx context.Context, cb slack.InteractionCallback, h viewHandler) (resp any) {
	defer func() {
		if p := recover(); p != nil {
			resp = fieldErrors(blockNote, failureText(true, b.logPanic("modal submission", p)))
		}
	}()
	return h(ctx, cb)
}

func actorOf(cb slack.InteractionCallback) Request {
	return Request{Team: cb.Team.ID, User: cb.User.ID, Channel: cmp.Or(cb.Container.ChannelID, cb.Channel.ID)}
}

// fail answers an error of a button with the words present chooses for verb.
func (b *Bot) fail(ctx context.Context, cb slack.InteractionCallback, verb string, err error) {
	b.postEphemeral(ctx, cb, present(ctx, b.log, verbs[verb], actorOf(cb), err))
}

func (b *Bot) openLogNote(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	req := actorOf(cb)
	ref, _, err := b.svc.Resolve(ctx, req.actor(), app.ByID(a.Value))
	if err != nil {
		b.fail(ctx, cb, "note", err)
		return
	}
	meta, _ := json.Marshal(logNoteMeta{Customer: ref.ID, Channel: cb.Container.ChannelID, TS: cb.Container.MessageTs, Home: onHome(cb)})
	if _, err := b.api.OpenViewContext(ctx, cb.TriggerID, logNoteView(ref.Name, string(meta))); err != nil {
		b.log.WarnContext(ctx, "views.open failed", "team_id", req.Team, "user_id", req.User, "err", err)
	}
}

func (b *Bot) snoozeFromButton(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	s, err := b.svc.SnoozeWeek(ctx, actorOf(cb).actor(), a.Value)
	if err != nil {
		b.fail(ctx, cb, "snooze", err)
		return
	}
	now := b.svc.Now()
	done := fmt.Sprintf(":zzz: Snoozed *%s* until %s. No reminders for it before then.", esc(s.After.Name), date(s.Until, now))
	if onHome(cb) {
		b.publishHome(ctx, cb.Team.ID, cb.User.ID)
		return
	}
	if b.reminders != nil && cb.Container.ChannelID != "" && cb.Container.MessageTs != "" {
		b.refreshReminder(ctx, cb.Team.ID, cb.User.ID, cb.Container.ChannelID, cb.Container.MessageTs, done)
		return
	}
	var r reply
	r.section(done)
	b.postEphemeral(ctx, cb, r)
}

// historyPage turns a history message to another page: the value is
// "<page>:<customer ID>".
func (b *Bot) historyPage(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	p, id, ok := strings.Cut(a.Value, ":")
	page, err := strconv.Atoi(p)
	if !ok || err != nil {
		return
	}
	req := actorOf(cb)
	r, err := b.cmds.history(ctx, req, app.ByID(id), page)
	if err != nil {
		r = present(ctx, b.log, verbHistory, req, err)
	}
	if err := b.respond(ctx, cb.ResponseURL, r, true); err != nil {
		b.log.WarnContext(ctx, "history page update failed", "team_id", req.Team, "err", err)
	}
}

// findMore shows the next page of a search: the value is "<cursor>\x1f<query>".
func (b *Bot) findMore(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	cursor, q, ok := strings.Cut(a.Value, "\x1f")
	if !ok {
		return
	}
	req := actorOf(cb)
	r, err := b.cmds.find(ctx, req, q, cursor)
	if err != nil {
		r = present(ctx, b.log, verbFind, req, err)
	}
	if err := b.respond(ctx, cb.ResponseURL, r, false); err != nil {
		b.log.WarnContext(ctx, "find page failed", "team_id", req.Team, "err", err)
	}
}

func (b *Bot) deleteConfirmed(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	req := actorOf(cb)
	d, err := b.svc.Delete(ctx, req.actor(), a.Value)
	var r reply
	if err != nil {
		r = present(ctx, b.log, verbDelete, req, err)
	} else {
		r.section(fmt.Sprintf(":wastebasket: Deleted *%s*: %s and %s are gone.", esc(d.Customer.Name), plural(d.Notes, "note"), plural(d.Facts, "fact")))
	}
	if err := b.respond(ctx, cb.ResponseURL, r, true); err != nil {
		b.log.WarnContext(ctx, "delete answer failed", "team_id", req.Team, "err", err)
	}
}

// useLonger is the one-click fix of a first-word customer: the note moves to
// the longer name, and the answer is rewritten to say so.
func (b *Bot) useLonger(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	req := actorOf(cb)
	res, err := b.svc.UseLonger(ctx, req.actor(), a.Value)
	var r reply
	switch {
	case errors.Is(err, app.ErrNotFixable):
		r = errorReply("That customer has changed since, so I left it as it is. Use `/customer rename` or `/customer merge` instead.")
	case err != nil:
		r = present(ctx, b.log, verbNote, req, err)
	default:
		r = noteReply(res, b.svc.Now())
	}
	if err := b.respond(ctx, cb.ResponseURL, r, true); err != nil {
		b.log.WarnContext(ctx, "fix answer failed", "team_id", req.Team, "err", err)
	}
}

// takeOver is the digest's Take over button: the clicker becomes the owner,
// under the same rule as /customer owner.
func (b *Bot) takeOver(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	req := actorOf(cb)
	ch, err := b.svc.SetOwner(ctx, req.actor(), app.ByID(a.Value), req.User)
	if err != nil {
		b.fail(ctx, cb, "owner", err)
		return
	}
	r := changedReply(fmt.Sprintf(":handshake: *%s* is yours now. Its history stays with it.", esc(ch.After.Name)), ch.After, b.svc.Now())
	b.postEphemeral(ctx, cb, withUndo(r, ch.Before.Owner, req.User))
}

// undoHandover takes back a handover its maker did less than
// app.RevertWindow ago: the value is "<from>:<to>".
func (b *Bot) undoHandover(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	from, to, ok := strings.Cut(a.Value, ":")
	if !ok {
		return
	}
	req := actorOf(cb)
	h, err := b.svc.RevertHandover(ctx, req.actor(), from, to)
	var r reply
	switch {
	case err != nil:
		r = present(ctx, b.log, verbHandover, req, err)
	case len(h.Moved) == 0:
		r.section(fmt.Sprintf("Nothing to undo: the %d minutes are over, or the accounts have moved on since.", int(app.RevertWindow.Minutes())))
	default:
		r.section(fmt.Sprintf(":leftwards_arrow_with_hook: Undone: %s belong to <@%s> again.", plural(len(h.Moved), "account"), from))
	}
	if err := b.respond(ctx, cb.ResponseURL, r, true); err != nil {
		b.log.WarnContext(ctx, "undo answer failed", "team_id", req.Team, "err", err)
	}
}

func (b *Bot) cancelled(ctx context.Context, cb slack.InteractionCallback, a *slack.BlockAction) {
	if err := b.respond(ctx, cb.ResponseURL, textReply("Cancelled: nothing was changed."), true); err != nil {
		b.log.WarnContext(ctx, "cancel answer failed", "team_id", cb.Team.ID, "err", err)
	}
}

// postEphemeral answers the clicker without touching the message they clicked.
func (b *Bot) postEphemeral(ctx context.Context, cb slack.InteractionCallback, r reply) {
	if cb.ResponseURL != "" {
		if err := b.respond(ctx, cb.ResponseURL, r, false); err == nil {
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
	input.MaxLength = smed.MaxTextRunes
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
		text = v.Value
	}
	if strings.TrimSpace(text) == "" {
		return fieldErrors(blockNote, "Write what was said first.")
	}
	if meta.Customer == "" {
		return fieldErrors(blockNote, "This form has lost track of its customer; open it again from the reminder.")
	}
	ctx, cancel := context.WithTimeout(ctx, ackWait)
	defer cancel()
	req := actorOf(cb)
	res, err := b.svc.LogNote(ctx, req.actor(), app.NoteInput{CustomerID: meta.Customer, Text: text})
	if err != nil {
		// The same words as for /customer note (a write Redis may have
		// applied must not be saved twice); the text stays in the form.
		return fieldErrors(blockNote, present(ctx, b.log, verbNote, req, err).plain())
	}
	done := fmt.Sprintf(":white_check_mark: Note logged on *%s*.", esc(res.Customer.Name))
	b.goTracked(func(ctx context.Context) {
		if meta.Home {
			b.contacted(ctx, req.Team, res.Customer, req.User, res.Reminder)
			b.publishHome(ctx, req.Team, req.User)
			return
		}
		b.refreshReminder(ctx, req.Team, req.User, meta.Channel, meta.TS, done)
	})
	return nil
}

// refreshReminder rewrites a reminder DM after its owner acted on it: the
// customers still overdue, and a line saying what was just done.
func (b *Bot) refreshReminder(ctx context.Context, team, owner, channel, ts, done string) {
	if b.reminders == nil || channel == "" || ts == "" {
		return
	}
	now := b.svc.Now()
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
		rep = reminderReply(r, cmp.Or(r.Zone, now.Location()))
	}
	rep.context(done)
	if _, _, _, err := b.api.UpdateMessageContext(ctx, channel, ts,
		slack.MsgOptionText(rep.fallbackText(), false), slack.MsgOptionBlocks(rep.blocks()...)); err != nil {
		b.log.WarnContext(ctx, "chat.update of a reminder failed", "team_id", team, "user_id", owner, "err", err)
	}
}

// Submissions: a modal's Save pressed again (after Slack gave up waiting on
// the first, or twice in a hurry) must not save the note twice.
const (
	submitLease = 2 * time.Minute // the first submission's work, with room
	submitKeep  = 24 * time.Hour  // a view is long closed by then
)

// submitOnce runs a view submission once per view: the view's ID is claimed
// first; a submission refused with field errors releases it, so a corrected
// one is taken; a second submission of a view saved (or being saved) keeps
// the modal open and says so, so nothing typed is lost.
func (b *Bot) submitOnce(ctx context.Context, cb slack.InteractionCallback, h func(context.Context, slack.InteractionCallback) any) any {
	if b.guard == nil || cb.View.ID == "" || smed.CheckGuardKey("submit:"+cb.View.ID) != nil {
		return b.safeView(ctx, cb, h)
	}
	team, key := cb.Team.ID, "submit:"+cb.View.ID
	first, err := b.guard.Claim(ctx, team, key, submitLease)
	switch {
	case err != nil:
		return fieldErrors(blockNote, present(ctx, b.log, verbNote, actorOf(cb), err).plain())
	case !first:
		b.log.InfoContext(ctx, "view submitted again", "team_id", team, "view_id", cb.View.ID)
		return fieldErrors(blockNote, "This was saved already, or is being saved right now: look at the customer's card before you save it again.")
	}
	resp := b.safeView(ctx, cb, h)
	settle, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	if resp != nil && !mayHaveSaved(resp) {
		err = b.guard.Release(settle, team, key)
	} else {
		err = b.guard.Confirm(settle, team, key, submitKeep)
	}
	if err != nil {
		b.log.WarnContext(ctx, "view submission guard not settled", "team_id", team, "view_id", cb.View.ID, "err", err)
	}
	return resp
}

// mayHaveSaved reports whether a submission's field errors say the write may
// have happened: then the claim stays, and pressing Save again is answered
// as a repeat.
func mayHaveSaved(resp any) bool {
	r, ok := resp.(*slack.ViewSubmissionResponse)
	if !ok {
		return false
	}
	for _, msg := range r.Errors {
		if strings.Contains(msg, cantTell) {
			return true
		}
	}
	return false
}
