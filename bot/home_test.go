package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
	"github.com/smedhq/smed/internal/slacktest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got (JSON) with testdata/name, or writes it with -update.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./bot -run %s -update to create it)", err, t.Name())
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(got)) {
		t.Errorf("%s differs from the golden file (go test ./bot -run %s -update, then review the diff):\n%s", path, t.Name(), got)
	}
}

// slackBot is a Bot over the harness and a fake Slack Web API.
func (h *harness) slackBot() (*Bot, *slacktest.Server) {
	fake := slacktest.New(h.t)
	api := slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL()))
	return New(context.Background(), Config{Commands: h.cmds, Service: h.cmds.svc, API: api}), fake
}

// homeData is a small book with a known state: overdue, due, never contacted,
// snoozed, someone else's.
func homeData(h *harness) {
	h.do("U1", `note "Nordlys Møbler" Karin wants the catalogue`)
	h.do("U1", `value "Nordlys Møbler" 250.000`)
	h.do("U1", `note "Kobber & Co" quote sent <!channel>`)
	h.do("U1", `value "Kobber & Co" 90k`)
	h.do("U1", `note "Brdr. Dahl" first visit`)
	h.do("U2", `note "Someone Else" not mine`)
	h.do("U2", `value "Someone Else" 1m`)
	h.now = h.now.Add(40 * smed.Day)
	h.do("U2", "note Kobber & Co Bo called back") // contact by someone else: not overdue any more
	h.do("U1", "snooze Brdr. Dahl 14d")
}

func TestHomeView(t *testing.T) {
	h := newHarness(t)
	homeData(h)
	home, err := h.cmds.svc.Home(context.Background(), app.Actor{Team: h.team, User: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	view := homeView(home, "U1", h.cmds.amount)
	golden(t, "home.golden.json", view)
	text := blocksText(t, view.Blocks.BlockSet)
	// Overdue first, then by due time; the snoozed one shows its real state.
	order(t, text, "Nordlys Møbler", "Brdr. Dahl", "Kobber &amp; Co")
	for _, want := range []string{"*1 overdue account* of your 3 accounts: *250,000* at risk", "The team: 1,250,000 at risk in 2 overdue accounts, of 4 accounts",
		"Last contact today by <@U2>", ":zzz: overdue for 10 days · snoozed until"} {
		if !strings.Contains(text, want) {
			t.Errorf("home lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Someone Else") {
		t.Error("home lists another owner's account")
	}
}

// An owner with hundreds of accounts gets the most urgent ones within Slack's
// 100 blocks, and how many more there are.
func TestHomeManyAccounts(t *testing.T) {
	h := newHarness(t)
	for i := range 300 {
		h.do("U1", fmt.Sprintf(`note "Customer %03d" hi`, i))
		h.do("U1", fmt.Sprintf(`value "Customer %03d" %d`, i, 1000+i))
	}
	h.now = h.now.Add(31 * smed.Day)
	home, err := h.cmds.svc.Home(context.Background(), app.Actor{Team: h.team, User: "U1"})
	if err != nil {
		t.Fatal(err)
	}
	view := homeView(home, "U1", h.cmds.amount)
	if n := len(view.Blocks.BlockSet); n > maxViewBlocks {
		t.Fatalf("%d blocks, Slack allows %d", n, maxViewBlocks)
	}
	text := blocksText(t, view.Blocks.BlockSet)
	order(t, text, "Customer 299", "Customer 298", "Customer 261")
	for _, want := range []string{"300 overdue accounts", "and 260 more"} {
		if !strings.Contains(text, want) {
			t.Errorf("home lacks %q", want)
		}
	}
	if strings.Contains(text, "Customer 000") {
		t.Error("the least urgent account is listed; the most urgent should be")
	}
}

// Home is published when opened, not again when nothing changed, and again
// after a change the user made from it.
func TestHomePublishing(t *testing.T) {
	h := newHarness(t)
	homeData(h)
	b, fake := h.slackBot()
	body := `{"type":"event_callback","team_id":"` + h.team + `","event_id":"Ev%d","event":{"type":"app_home_opened","user":"U1","channel":"D1","tab":"home"}}`
	open := func(n int) {
		ev, err := slackevents.ParseEvent(json.RawMessage(fmt.Sprintf(body, n)), slackevents.OptionNoVerifyToken())
		if err != nil {
			t.Fatal(err)
		}
		b.handle(context.Background(), envelope{kind: kindEvent, event: ev})
		if err := b.work.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		b.work = tracker{}
	}
	open(1)
	open(2)
	if n := len(fake.Calls("views.publish")); n != 1 {
		t.Fatalf("views.publish %d times for two opens of the same Home, want 1", n)
	}
	c := fake.Calls("views.publish")[0]
	if c.Params.Get("user_id") != "U1" || !strings.Contains(c.Params.Get("view"), "Nordlys") {
		t.Errorf("published %v", c.Params)
	}
	// Snooze from Home: the view changes and is published again.
	var cb slack.InteractionCallback
	cb.Type = slack.InteractionTypeBlockActions
	cb.Team.ID, cb.User.ID = h.team, "U1"
	cb.Container.Type, cb.View.Type = "view", slack.VTHomeTab
	cb.ActionCallback.BlockActions = []*slack.BlockAction{{ActionID: actionSnooze, Value: h.id("Nordlys Møbler")}}
	b.interact(context.Background(), cb)
	if err := b.work.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	calls := fake.Calls("views.publish")
	if len(calls) != 2 || !strings.Contains(calls[1].Params.Get("view"), "none overdue") {
		t.Errorf("after Snooze from Home: %d publishes; want a second one with nothing overdue", len(calls))
	}
}

func TestSaveMessageShortcut(t *testing.T) {
	h := newHarness(t)
	h.do("U1", `note "Nordlys Møbler" first`)
	b, fake := h.slackBot()
	var cb slack.InteractionCallback
	cb.Type, cb.CallbackID, cb.TriggerID = slack.InteractionTypeMessageAction, shortcutSave, "trig1"
	cb.Team.ID, cb.User.ID, cb.Channel.ID = h.team, "U1", "C0SHARED"
	cb.Message.Text, cb.Message.User, cb.Message.Timestamp = "Hi, this is Karin from Nordlys Møbler: we want 40 chairs", "U0KARIN", "1700000000.000100"
	b.interact(context.Background(), cb)
	if err := b.work.wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	opens := fake.Calls("views.open")
	if len(opens) != 1 || opens[0].Params.Get("trigger_id") != "trig1" {
		t.Fatalf("views.open calls: %v", opens)
	}
	var view map[string]any
	_ = json.Unmarshal([]byte(opens[0].Params.Get("view")), &view)
	golden(t, "save_message.golden.json", view)
	raw := opens[0].Params.Get("view")
	if !strings.Contains(raw, `"initial_option"`) || !strings.Contains(raw, h.id("Nordlys Møbler")) || !strings.Contains(raw, "40 chairs") {
		t.Errorf("the modal is not pre-filled with the customer the message names and its text: %s", raw)
	}
	if strings.Contains(view["private_metadata"].(string), "Nordlys") {
		t.Errorf("private metadata carries a name: %v", view["private_metadata"])
	}

	// Type-ahead from the name index: options carry IDs.
	var sug slack.InteractionCallback
	sug.Type, sug.ActionID, sug.Value = slack.InteractionTypeBlockSuggestion, actionCustomer, "nord"
	sug.Team.ID, sug.User.ID = h.team, "U1"
	opts, ok := b.interact(context.Background(), sug).(slack.OptionsResponse)
	if !ok || len(opts.Options) != 1 || opts.Options[0].Value != h.id("Nordlys Møbler") {
		t.Fatalf("type-ahead: %+v", opts)
	}

	// Saving without a customer: an error on the field, nothing lost.
	sub := savedSubmission(h.team, view["private_metadata"].(string), "", "we want 40 chairs")
	if resp, ok := b.interact(context.Background(), sub).(*slack.ViewSubmissionResponse); !ok || resp.Errors[blockCustomer] == "" {
		t.Fatalf("submission without customer: %+v", resp)
	}
	sub = savedSubmission(h.team, view["private_metadata"].(string), h.id("Nordlys Møbler"), "we want 40 chairs")
	if resp := b.interact(context.Background(), sub); resp != nil {
		t.Fatalf("submission refused: %+v", resp)
	}
	card, err := h.cmds.svc.Card(context.Background(), app.Actor{Team: h.team, User: "U1"}, app.ByName("nordlys møbler"))
	if err != nil {
		t.Fatal(err)
	}
	n := card.Notes[0]
	if n.Text != "we want 40 chairs" || n.Author != "U0KARIN" || n.SavedBy != "U1" || !strings.Contains(n.Link, "/archives/C0SHARED/p1700000000000100") {
		t.Errorf("saved note = %+v", n)
	}
	must(t, h.do("U1", "show Nordlys Møbler"), "saved by @U1", "message")
}

func savedSubmission(team, meta, id, text string) slack.InteractionCallback {
	var cb slack.InteractionCallback
	cb.Type = slack.InteractionTypeViewSubmission
	cb.Team.ID, cb.User.ID = team, "U1"
	cb.View.CallbackID, cb.View.PrivateMetadata = viewSaveMsg, meta
	pick := slack.BlockAction{}
	pick.SelectedOption.Value = id
	cb.View.State = &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
		blockCustomer: {actionCustomer: pick},
		blockNote:     {actionNoteIn: {Value: text}},
	}}
	return cb
}

// The note modal of /customer note without text asks "did you mean" on the
// customer field, and creates a quoted name.
func TestTypedNoteModal(t *testing.T) {
	h := newHarness(t)
	h.do("U1", `note "Acme Corp" first`)
	b, _ := h.slackBot()
	submit := func(name, text string) any {
		var cb slack.InteractionCallback
		cb.Type = slack.InteractionTypeViewSubmission
		cb.Team.ID, cb.User.ID = h.team, "U1"
		cb.View.CallbackID = viewNoteTyped
		cb.View.State = &slack.ViewState{Values: map[string]map[string]slack.BlockAction{
			blockCustomer: {actionNameIn: {Value: name}}, blockNote: {actionNoteIn: {Value: text}},
		}}
		return b.interact(context.Background(), cb)
	}
	resp, ok := submit("Acme Crop", "a long note").(*slack.ViewSubmissionResponse)
	if !ok || !strings.Contains(resp.Errors[blockCustomer], "Did you mean Acme Corp?") {
		t.Fatalf("near miss in the modal: %+v", resp)
	}
	if resp := submit(`"Acme Crop"`, "a new one after all"); resp != nil {
		t.Fatalf("quoted name: %+v", resp)
	}
	if resp := submit("acme corp", "on the known one"); resp != nil {
		t.Fatalf("known name: %+v", resp)
	}
	must(t, h.do("U1", "show Acme Crop"), "a new one after all")
	must(t, h.do("U1", "show Acme Corp"), "on the known one")
	// The slash command without text opens that modal in Slack.
	r := h.cmds.Run(context.Background(), Request{Team: h.team, User: "U1", Text: "note", TriggerID: "t1"})
	if !r.openNote {
		t.Error("/customer note without text does not open the note modal")
	}
}

func blocksText(t *testing.T, bs []slack.Block) string {
	t.Helper()
	var out []string
	for _, b := range bs {
		raw := mustJSON(t, b)
		var v struct {
			Text *struct {
				Text string `json:"text"`
			} `json:"text"`
			Elements []struct {
				Text string `json:"text"`
			} `json:"elements"`
		}
		_ = json.Unmarshal(raw, &v)
		if v.Text != nil {
			out = append(out, v.Text.Text)
		}
		for _, e := range v.Elements {
			out = append(out, e.Text)
		}
	}
	return strings.Join(out, "\n")
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func order(t *testing.T, text string, names ...string) {
	t.Helper()
	last := -1
	for _, n := range names {
		i := strings.Index(text, n)
		if i < 0 || i < last {
			t.Errorf("want %q in this order in:\n%s", names, text)
			return
		}
		last = i
	}
}
