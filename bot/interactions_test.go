package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"
)

func noteSubmission(customer, text string) slack.InteractionCallback {
	var cb slack.InteractionCallback
	cb.Type = slack.InteractionTypeViewSubmission
	cb.Team.ID, cb.User.ID = "T1", "U1"
	cb.View.CallbackID = viewLogNote
	meta, _ := json.Marshal(logNoteMeta{Customer: customer})
	cb.View.PrivateMetadata = string(meta)
	cb.View.State = &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
		blockNote: {actionNoteIn: {Value: text}},
	}}
	return cb
}

// A modal note that Redis may have saved says so, instead of asking the user
// to press Save again (which would log it twice).
func TestModalNoteUnconfirmedIsNotRetried(t *testing.T) {
	b := New(context.Background(), Config{Commands: NewCommands(CommandsConfig{Store: hungStore{}})})
	resp, ok := b.interact(context.Background(), noteSubmission("Acme", "lunch")).(*slack.ViewSubmissionResponse)
	if !ok {
		t.Fatalf("want a view submission response with errors")
	}
	msg := resp.Errors[blockNote]
	if !strings.Contains(msg, "can't tell whether this was saved") || strings.Contains(msg, "try Save again") {
		t.Errorf("field error = %q", msg)
	}
}

func TestModalNoteStoreDown(t *testing.T) {
	b := New(context.Background(), Config{Commands: NewCommands(CommandsConfig{Store: downStore{}})})
	resp, ok := b.interact(context.Background(), noteSubmission("Acme", "lunch")).(*slack.ViewSubmissionResponse)
	if !ok || !strings.Contains(resp.Errors[blockNote], "nothing was saved") {
		t.Errorf("response = %+v", resp)
	}
}

// The Older/Newer buttons page through the history of any name, quotes and
// markup included, and answer through response_url.
func TestHistoryButtonsAnyName(t *testing.T) {
	h := newHarness(t)
	name := `Bob"s <Bar> \ Co`
	for i := range 12 {
		h.do("U1", fmt.Sprintf(`note '%s' n%02d`, strings.ReplaceAll(strings.ReplaceAll(name, "<", "&lt;"), ">", "&gt;"), i))
	}
	posted := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		posted <- string(body)
	}))
	defer srv.Close()
	b := New(context.Background(), Config{Commands: h.cmds})
	var cb slack.InteractionCallback
	cb.Type = slack.InteractionTypeBlockActions
	cb.Team.ID, cb.User.ID, cb.ResponseURL = h.team, "U1", srv.URL
	cb.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: actionHistoryPage + "_older", Value: "2\x1f" + name}}
	b.interact(context.Background(), cb)
	select {
	case body := <-posted:
		for _, want := range []string{"Page 2 of 2", "n01", `"replace_original":true`} {
			if !strings.Contains(body, want) {
				t.Errorf("response_url post lacks %q: %s", want, body)
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no response_url post")
	}
}
