package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/smedhq/smed/app"
	"github.com/smedhq/smed/internal/redistest"
)

func noteSubmission(team, customerID, text string) slack.InteractionCallback {
	var cb slack.InteractionCallback
	cb.Type = slack.InteractionTypeViewSubmission
	cb.Team.ID, cb.User.ID = team, "U1"
	cb.View.CallbackID = viewLogNote
	meta, _ := json.Marshal(logNoteMeta{Customer: customerID})
	cb.View.PrivateMetadata = string(meta)
	cb.View.State = &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
		blockNote: {actionNoteIn: {Value: text}},
	}}
	return cb
}

func (h *harness) bot() *Bot {
	return New(context.Background(), Config{Commands: h.cmds, Service: h.cmds.svc})
}

func (h *harness) id(name string) string {
	h.t.Helper()
	ref, ok := h.cmds.svc.Known(context.Background(), app.Actor{Team: h.team, User: "U1"}, name)
	if !ok {
		h.t.Fatalf("no customer %q", name)
	}
	return ref.ID
}

// A modal note that Redis may have saved says so, instead of asking the user
// to press Save again (which would log it twice).
func TestModalNoteUnconfirmedIsNotRetried(t *testing.T) {
	h := newHarness(t)
	h.do("U1", "note Acme hi")
	id := h.id("Acme")
	h.failing("AddNote", errHung)
	resp, ok := h.bot().interact(context.Background(), noteSubmission(h.team, id, "lunch")).(*slack.ViewSubmissionResponse)
	if !ok {
		t.Fatalf("want a view submission response with errors")
	}
	msg := resp.Errors[blockNote]
	if !strings.Contains(msg, "can't tell whether this was saved") || strings.Contains(msg, "nothing was saved") {
		t.Errorf("field error = %q", msg)
	}
}

func TestModalNoteStoreDown(t *testing.T) {
	h := newHarness(t)
	h.do("U1", "note Acme hi")
	id := h.id("Acme")
	h.failing("AddNote", errDown)
	resp, ok := h.bot().interact(context.Background(), noteSubmission(h.team, id, "lunch")).(*slack.ViewSubmissionResponse)
	if !ok || !strings.Contains(resp.Errors[blockNote], "nothing was saved") {
		t.Errorf("response = %+v", resp)
	}
}

// A modal note is saved on the customer its metadata names by ID, even after
// that customer was renamed while the modal was open.
func TestModalNoteByIDSurvivesRename(t *testing.T) {
	h := newHarness(t)
	h.do("U1", "note Acme hi")
	id := h.id("Acme")
	must(t, h.do("U1", "rename Acme to Acme Corp"), "is now called Acme Corp")
	if resp := h.bot().interact(context.Background(), noteSubmission(h.team, id, "lunch after the rename")); resp != nil {
		t.Fatalf("submission refused: %+v", resp)
	}
	must(t, h.do("U1", "show acme corp"), "lunch after the rename", "formerly Acme")
	if resp, ok := h.bot().interact(context.Background(), noteSubmission(h.team, "ffffffffffff", "x")).(*slack.ViewSubmissionResponse); !ok ||
		!strings.Contains(resp.Errors[blockNote], "no longer exists") {
		t.Errorf("a deleted customer's modal: %+v", resp)
	}
}

// responseURL is a fake response_url that hands each post to the test.
func responseURL(t *testing.T) (string, chan string) {
	posted := make(chan string, 4)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		posted <- string(body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, posted
}

// waitPost is the next response_url post, as JSON and as the text a user
// reads in it (markup rendered as the shell does).
func waitPost(t *testing.T, posted chan string) string {
	t.Helper()
	select {
	case body := <-posted:
		var msg struct {
			Text   string          `json:"text"`
			Blocks json.RawMessage `json:"blocks"`
		}
		_ = json.Unmarshal([]byte(body), &msg)
		var bs []map[string]any
		_ = json.Unmarshal(msg.Blocks, &bs)
		var texts []string
		var walk func(v any)
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				if s, ok := x["text"].(string); ok {
					texts = append(texts, terminalText(s))
				}
				for _, e := range x {
					walk(e)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			}
		}
		for _, b := range bs {
			walk(b)
		}
		return body + "\n" + terminalText(msg.Text) + "\n" + strings.Join(texts, "\n")
	case <-time.After(5 * time.Second):
		t.Fatal("no response_url post")
		return ""
	}
}

func click(team, user, url, actionID, value string) slack.InteractionCallback {
	var cb slack.InteractionCallback
	cb.Type = slack.InteractionTypeBlockActions
	cb.Team.ID, cb.User.ID, cb.ResponseURL = team, user, url
	cb.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: actionID, Value: value}}
	return cb
}

// The Older/Newer buttons page through the history of any name, quotes and
// markup included: they carry the customer's ID.
func TestHistoryButtonsAnyName(t *testing.T) {
	h := newHarness(t)
	name := `Bob"s <Bar> \ Co`
	for i := range 12 {
		h.do("U1", fmt.Sprintf(`note '%s' n%02d`, strings.ReplaceAll(strings.ReplaceAll(name, "<", "&lt;"), ">", "&gt;"), i))
	}
	url, posted := responseURL(t)
	h.bot().interact(context.Background(), click(h.team, "U1", url, actionHistoryOlder, "2:"+h.id(name)))
	body := waitPost(t, posted)
	for _, want := range []string{"Page 2 of 2", "n01", `"replace_original":true`} {
		if !strings.Contains(body, want) {
			t.Errorf("response_url post lacks %q: %s", want, body)
		}
	}
}

// Delete asks first, and only an admin's click deletes.
func TestDeleteNeedsAdminAndConfirmation(t *testing.T) {
	h := newHarness(t)
	h.do("U1", "note Doomed hi")
	must(t, h.do("U1", "delete Doomed"), "Only an admin can delete Doomed")
	js := h.raw("UADMIN", "delete Doomed")
	must(t, js, `"action_id":"delete_confirm"`, `"value":"`+h.id("Doomed")+`"`, "cannot be undone")
	url, posted := responseURL(t)
	b := h.bot()
	b.interact(context.Background(), click(h.team, "U1", url, actionDelete, h.id("Doomed")))
	must(t, waitPost(t, posted), "Only an admin can delete")
	b.interact(context.Background(), click(h.team, "UADMIN", url, actionDelete, h.id("Doomed")))
	must(t, waitPost(t, posted), "Deleted Doomed", "1 note")
	must(t, h.do("U1", "show Doomed"), "I don't know a customer called")
	b.interact(context.Background(), click(h.team, "UADMIN", url, actionDelete, "000000000001")) // a double click
	must(t, waitPost(t, posted), "no longer exists")
}

// A panic in a button's work is answered with a reference, and the bot lives.
func TestPanicInButtonIsAnswered(t *testing.T) {
	h := newHarness(t)
	h.do("U1", "note Acme hi")
	h.store.Fail = func(m string) error {
		if m == "Update" {
			panic("boom")
		}
		return nil
	}
	url, posted := responseURL(t)
	b := h.bot()
	b.interact(context.Background(), click(h.team, "U1", url, actionSnooze, h.id("Acme")))
	must(t, waitPost(t, posted), "Something went wrong on my side", "ref ")
	if err := b.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}

// claimOnce is a Guard that lets each key be claimed once.
type claimOnce struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (g *claimOnce) Claim(ctx context.Context, team, key string, lease time.Duration) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.seen[team+key] {
		return false, nil
	}
	g.seen[team+key] = true
	return true, nil
}
func (g *claimOnce) Confirm(context.Context, string, string, time.Duration) error { return nil }
func (g *claimOnce) Release(context.Context, string, string) error                { return nil }

// An event delivered twice (Slack's retry, or two replicas) runs once; one
// whose ID cannot be recorded is left for Slack to deliver again.
func TestEventsRunOncePerID(t *testing.T) {
	h := newHarness(t)
	b := New(context.Background(), Config{Commands: h.cmds, Service: h.cmds.svc, Guard: &claimOnce{seen: map[string]bool{}}})
	var runs atomic.Int32
	b.events["app_mention"] = func(ctx context.Context, team string, ev slackevents.EventsAPIInnerEvent) { runs.Add(1) }
	body := `{"type":"event_callback","team_id":"TB1","event_id":"Ev1","event":{"type":"app_mention","user":"U1","text":"hi"}}`
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		t.Fatal(err)
	}
	for retry := range 3 {
		if got := b.handle(context.Background(), envelope{kind: kindEvent, event: ev, retry: retry}); got != nil {
			t.Errorf("delivery %d answered %v", retry, got)
		}
	}
	if err := b.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if runs.Load() != 1 {
		t.Errorf("the handler ran %d times for one event ID, want 1", runs.Load())
	}
	b2 := New(context.Background(), Config{Commands: h.cmds, Service: h.cmds.svc, Guard: &failingGuard{}})
	b2.events["app_mention"] = b.events["app_mention"]
	if _, again := b2.handle(context.Background(), envelope{kind: kindEvent, event: ev}).(retryLater); !again {
		t.Error("an event whose ID could not be recorded was acknowledged, so Slack would not deliver it again")
	}
}

type failingGuard struct{ claimOnce }

func (*failingGuard) Claim(context.Context, string, string, time.Duration) (bool, error) {
	return false, errDown
}

// After Close, new work runs inline in its caller: no goroutine is added
// while Wait may be running (the shutdown race).
func TestTrackerAfterClose(t *testing.T) {
	var tr tracker
	started := make(chan struct{})
	release := make(chan struct{})
	tr.do(func() { close(started); <-release })
	<-started
	tr.close()
	ran := false
	tr.do(func() { ran = true })
	if !ran {
		t.Fatal("work after close did not run inline")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := tr.wait(ctx); err == nil {
		t.Fatal("wait returned while tracked work was still running")
	}
	close(release)
	if err := tr.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestMain(m *testing.M) { redistest.Main(m) }

// The one-click fix of a first-word customer, from the note's answer.
func TestUseLongerButton(t *testing.T) {
	h := newHarness(t)
	js := h.raw("U1", "note Nordlys Møbler Karin confirmed the order")
	must(t, js, `"action_id":"use_longer"`, "Use “Nordlys Møbler” instead")
	url, posted := responseURL(t)
	h.bot().interact(context.Background(), click(h.team, "U1", url, actionUseLonger, h.id("Nordlys")))
	must(t, waitPost(t, posted), "Nordlys Møbler is a new customer", "Karin confirmed the order")
	must(t, h.do("U1", "show Nordlys Møbler"), "Karin confirmed the order")
	must(t, h.do("U1", "show Nordlys"), "I don't know a customer called Nordlys", "Did you mean Nordlys Møbler?")
}

// Save pressed again on the same modal saves nothing more; a submission
// refused for a reason that saved nothing can be corrected and saved; one
// that may have saved is not taken again.
func TestModalSubmittedTwiceSavesOnce(t *testing.T) {
	h := newHarness(t)
	h.do("U1", "note Acme hi")
	id := h.id("Acme")
	b := New(context.Background(), Config{Commands: h.cmds, Service: h.cmds.svc, Guard: h.store})
	submit := func(view, text string) any {
		cb := noteSubmission(h.team, id, text)
		cb.View.ID = view
		return b.interact(context.Background(), cb)
	}
	if resp := submit("V1", "lunch with the CFO"); resp != nil {
		t.Fatalf("first submission: %+v", resp)
	}
	again, ok := submit("V1", "lunch with the CFO").(*slack.ViewSubmissionResponse)
	if !ok || !strings.Contains(again.Errors[blockNote], "saved already") {
		t.Errorf("the repeat: %+v, want it answered as a repeat", again)
	}
	card := h.do("U1", "show Acme")
	if n := strings.Count(card, "lunch with the CFO"); n != 1 {
		t.Errorf("the note is on the card %d times, want once:\n%s", n, card)
	}

	h.failing("AddNote", errDown)
	if resp, ok := submit("V2", "call about the renewal").(*slack.ViewSubmissionResponse); !ok || !strings.Contains(resp.Errors[blockNote], "nothing was saved") {
		t.Fatalf("with the store down: %+v", resp)
	}
	h.store.Fail = nil
	if resp := submit("V2", "call about the renewal"); resp != nil {
		t.Errorf("Save again after nothing was saved: %+v, want it saved", resp)
	}
	must(t, h.do("U1", "show Acme"), "call about the renewal")

	h.failing("AddNote", errHung)
	submit("V3", "a hung write")
	h.store.Fail = nil
	if resp, ok := submit("V3", "a hung write").(*slack.ViewSubmissionResponse); !ok || !strings.Contains(resp.Errors[blockNote], "saved already") {
		t.Errorf("Save again after a write that may have happened: %+v, want it answered as a repeat", resp)
	}
}
