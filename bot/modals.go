package bot

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
)

// The message shortcut "Save as customer note" and the note modal opened by
// /customer note without text. Both save through app.Service.LogNote, as the
// slash command does.
const (
	shortcutSave   = "save_customer_note" // callback_id in slack-manifest.yaml
	viewSaveMsg    = "smed_save_message"
	viewNoteTyped  = "smed_note"
	blockCustomer  = "customer"
	actionCustomer = "customer_pick" // external select: options from block_suggestion
	actionNameIn   = "customer_name" // plain text: a name typed in the /customer note modal
	suggestMax     = 10              // options a type-ahead offers
)

// saveMeta is what the save-message modal remembers of the message: where it
// is and who wrote it. No customer name.
type saveMeta struct {
	Channel string `json:"ch"`
	TS      string `json:"ts"`
	Author  string `json:"a,omitempty"`
}

// saveMessageShortcut opens the modal at once: the trigger expires 3 s after
// the click. The customer is pre-selected when the message names one.
func (b *Bot) saveMessageShortcut(ctx context.Context, cb slack.InteractionCallback) {
	req := actorOf(cb)
	text := plain(cb.Message.Text)
	var initial *smed.NameRef
	lookup, cancel := context.WithTimeout(ctx, time.Second)
	if ref, ok := b.svc.Mentioned(lookup, req.actor(), text); ok {
		initial = &ref
	}
	cancel()
	meta, _ := json.Marshal(saveMeta{Channel: cb.Channel.ID, TS: cmpOr(cb.Message.Timestamp, cb.MessageTs), Author: cb.Message.User})
	if _, err := b.api.OpenViewContext(ctx, cb.TriggerID, saveMessageView(initial, text, string(meta))); err != nil {
		b.log.WarnContext(ctx, "views.open of the save-message modal failed", "team_id", req.Team, "user_id", req.User, "err", err)
	}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func saveMessageView(initial *smed.NameRef, text, meta string) slack.ModalViewRequest {
	pick := slack.NewOptionsSelectBlockElement(slack.OptTypeExternal,
		slack.NewTextBlockObject(slack.PlainTextType, "Type a customer's name", false, false), actionCustomer)
	one := 1
	pick.MinQueryLength = &one
	if initial != nil {
		pick.InitialOption = nameOption(*initial)
	}
	note := slack.NewPlainTextInputBlockElement(slack.NewTextBlockObject(slack.PlainTextType, "What was said", false, false), actionNoteIn)
	note.Multiline = true
	note.MaxLength = smed.MaxTextRunes
	note.InitialValue = truncate(text, smed.MaxTextRunes)
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      viewSaveMsg,
		Title:           slack.NewTextBlockObject(slack.PlainTextType, "Save as customer note", false, false),
		Submit:          slack.NewTextBlockObject(slack.PlainTextType, "Save", false, false),
		Close:           slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		PrivateMetadata: meta,
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock(blockCustomer, slack.NewTextBlockObject(slack.PlainTextType, "Customer", false, false), nil, pick),
			slack.NewInputBlock(blockNote, slack.NewTextBlockObject(slack.PlainTextType, "Note", false, false),
				slack.NewTextBlockObject(slack.PlainTextType, "Saved with a link to the message, as written by its author.", false, false), note),
		}},
	}
}

func nameOption(ref smed.NameRef) *slack.OptionBlockObject {
	return slack.NewOptionBlockObject(ref.ID, slack.NewTextBlockObject(slack.PlainTextType, truncate(ref.Name, 75), false, false), nil)
}

// suggestCustomers answers the external select's type-ahead from the name
// index: names that start with what was typed, then near-misses.
func (b *Bot) suggestCustomers(ctx context.Context, cb slack.InteractionCallback) any {
	refs, err := b.svc.Suggest(ctx, actorOf(cb).actor(), cb.Value, suggestMax)
	if err != nil {
		b.log.WarnContext(ctx, "type-ahead failed", "team_id", cb.Team.ID, "err", err)
		return slack.OptionsResponse{Options: []*slack.OptionBlockObject{}}
	}
	opts := make([]*slack.OptionBlockObject, 0, len(refs))
	for _, r := range refs {
		opts = append(opts, nameOption(r))
	}
	return slack.OptionsResponse{Options: opts}
}

// submitSavedMessage saves the message as a note on the chosen customer, by
// ID, with its author, the person who saved it and a permalink. Problems are
// shown on the field; the modal stays open with everything in it.
func (b *Bot) submitSavedMessage(ctx context.Context, cb slack.InteractionCallback) any {
	var meta saveMeta
	_ = json.Unmarshal([]byte(cb.View.PrivateMetadata), &meta)
	values := cb.View.State.Values
	id := values[blockCustomer][actionCustomer].SelectedOption.Value
	text := values[blockNote][actionNoteIn].Value
	switch {
	case id == "":
		return fieldErrors(blockCustomer, "Choose the customer this message is about.")
	case strings.TrimSpace(text) == "":
		return fieldErrors(blockNote, "Write what was said first.")
	}
	ctx, cancel := context.WithTimeout(ctx, ackWait)
	defer cancel()
	link := ""
	if meta.Channel != "" && meta.TS != "" {
		plink, cancelLink := context.WithTimeout(ctx, 800*time.Millisecond)
		var err error
		link, err = b.api.GetPermalinkContext(plink, &slack.PermalinkParameters{Channel: meta.Channel, Ts: meta.TS})
		cancelLink()
		if err != nil {
			b.log.WarnContext(ctx, "chat.getPermalink failed; saving the note without a link", "team_id", cb.Team.ID, "err", err)
			link = ""
		}
	}
	req := actorOf(cb)
	res, err := b.svc.LogNote(ctx, req.actor(), app.NoteInput{CustomerID: id, Text: text, Author: meta.Author, Link: link})
	if err != nil {
		return fieldErrors(blockNote, present(ctx, b.log, verbNote, req, err).plain())
	}
	b.contacted(ctx, req.Team, res.Customer, req.User, res.Reminder)
	return nil
}

// openNoteModal is /customer note without text: a modal with the customer's
// name and the note, for a longer note than a command line holds.
func (b *Bot) openNoteModal(ctx context.Context, req Request, triggerID string) {
	name := slack.NewPlainTextInputBlockElement(slack.NewTextBlockObject(slack.PlainTextType, "Acme Corp", false, false), actionNameIn)
	name.MaxLength = smed.MaxNameRunes + 2
	note := slack.NewPlainTextInputBlockElement(slack.NewTextBlockObject(slack.PlainTextType, "What did you talk about?", false, false), actionNoteIn)
	note.Multiline = true
	note.MaxLength = smed.MaxTextRunes
	view := slack.ModalViewRequest{
		Type:       slack.VTModal,
		CallbackID: viewNoteTyped,
		Title:      slack.NewTextBlockObject(slack.PlainTextType, "Log note", false, false),
		Submit:     slack.NewTextBlockObject(slack.PlainTextType, "Save", false, false),
		Close:      slack.NewTextBlockObject(slack.PlainTextType, "Cancel", false, false),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			slack.NewInputBlock(blockCustomer, slack.NewTextBlockObject(slack.PlainTextType, "Customer", false, false),
				slack.NewTextBlockObject(slack.PlainTextType, "A new name creates the customer. Put it in quotes to create one that looks like a known name.", false, false), name),
			slack.NewInputBlock(blockNote, slack.NewTextBlockObject(slack.PlainTextType, "Note", false, false), nil, note),
		}},
	}
	if _, err := b.api.OpenViewContext(ctx, triggerID, view); err != nil {
		b.log.WarnContext(ctx, "views.open of the note modal failed", "team_id", req.Team, "user_id", req.User, "err", err)
	}
}

// submitTypedNote saves the note modal: the name as typed is the one reading
// (a name in quotes may create a customer that looks like a known one), and
// an unknown name that is close to a known one asks "did you mean", on the
// customer field.
func (b *Bot) submitTypedNote(ctx context.Context, cb slack.InteractionCallback) any {
	values := cb.View.State.Values
	typed := strings.TrimSpace(values[blockCustomer][actionNameIn].Value)
	text := strings.TrimSpace(values[blockNote][actionNoteIn].Value)
	quoted := false
	if toks, err := tokenize(esc(typed)); err == nil && len(toks) == 1 && toks[0].quoted {
		typed, quoted = plain(toks[0].raw), true
	}
	if err := checkName(verbNote.name, typed); err != nil {
		return fieldErrors(blockCustomer, "Write the customer's name.")
	}
	if text == "" {
		return fieldErrors(blockNote, "Write what was said first.")
	}
	ctx, cancel := context.WithTimeout(ctx, ackWait)
	defer cancel()
	req := actorOf(cb)
	res, err := b.svc.LogNote(ctx, req.actor(), app.NoteInput{Readings: []smed.Candidate{{Name: typed, Rest: text}}, Quoted: quoted})
	var nm *app.NearMissError
	if errors.As(err, &nm) {
		return fieldErrors(blockCustomer, "I don't know "+typed+" yet. Did you mean "+nm.Suggestions[0].Name+"? To create "+typed+" as a new customer, put the name in quotes.")
	}
	if err != nil {
		return fieldErrors(blockNote, present(ctx, b.log, verbNote, req, err).plain())
	}
	b.contacted(ctx, req.Team, res.Customer, req.User, res.Reminder)
	return nil
}

func fieldErrors(block, msg string) any {
	return slack.NewErrorsViewSubmissionResponse(map[string]string{block: msg})
}
