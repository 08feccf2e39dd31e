package bot

import (
	"context"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// envelope is one request from Slack, whichever transport brought it: the
// HTTP endpoints and Socket Mode both make one and hand it to handle.
type envelope struct {
	kind        envelopeKind
	command     slack.SlashCommand
	interaction slack.InteractionCallback
	event       slackevents.EventsAPIEvent
	retry       int // the delivery attempt Slack says this is (0: the first)
	// ack, for a slash command over HTTP, lets the command run on the
	// request's goroutine and the holding reply be written by a timer
	// (Bot.answerInline). Nil: Socket Mode, the command runs tracked.
	ack *httpAck
}

type envelopeKind int

const (
	kindCommand envelopeKind = iota + 1
	kindInteraction
	kindEvent
)

// handle serves one envelope and returns the body of its acknowledgement: a
// slash command's answer (a message), an interaction's response (a view
// response, or nil for an empty 200), nothing for an event (retryLater when it
// must be delivered again). It answers within
// Slack's 3 seconds; slower work runs tracked, after the acknowledgement.
func (b *Bot) handle(ctx context.Context, env envelope) any {
	switch env.kind {
	case kindCommand:
		sc := env.command
		if !b.teamAllowed(sc.TeamID) {
			b.log.WarnContext(ctx, "refused command from another workspace", "team_id", sc.TeamID)
			return errorReply("This Smed serves another workspace.").message()
		}
		req := Request{Team: sc.TeamID, User: sc.UserID, Text: sc.Text, Channel: sc.ChannelID, TriggerID: sc.TriggerID}
		var r reply
		if env.ack != nil {
			var held bool
			if r, held = b.answerInline(req, sc.ResponseURL, env.ack); held {
				return answered{} // the holding reply went out; the result follows by response_url
			}
		} else {
			r = b.answer(req, sc.ResponseURL)
		}
		if r.openNote {
			b.goTracked(func(ctx context.Context) { b.openNoteModal(ctx, req, sc.TriggerID) })
			return nil // an empty acknowledgement: the modal is the answer
		}
		return r.message()
	case kindInteraction:
		if !b.teamAllowed(env.interaction.Team.ID) {
			return nil
		}
		return b.interact(ctx, env.interaction)
	case kindEvent:
		if !b.teamAllowed(env.event.TeamID) {
			return nil
		}
		if !b.dispatchEvent(ctx, env) {
			return retryLater{}
		}
	}
	return nil
}

// routes lists every interaction and event Smed handles: buttons by action
// ID, modal submissions by callback ID, events by type.
func (b *Bot) routes() {
	b.actions = map[string]actionHandler{
		actionLogNote:      b.openLogNote,
		actionSnooze:       b.snoozeFromButton,
		actionHistoryOlder: b.historyPage,
		actionHistoryNewer: b.historyPage,
		actionFindMore:     b.findMore,
		actionDelete:       b.deleteConfirmed,
		actionCancel:       b.cancelled,
		actionTakeOver:     b.takeOver,
		actionUseLonger:    b.useLonger,
		actionUndoHandover: b.undoHandover,
	}
	b.views = map[string]viewHandler{
		viewLogNote:   b.submitNote,
		viewSaveMsg:   b.submitSavedMessage,
		viewNoteTyped: b.submitTypedNote,
	}
	b.events = map[string]eventHandler{
		string(slackevents.AppHomeOpened): b.appHomeOpened,
		string(slackevents.Message):       b.messageEvent,
	}
}
