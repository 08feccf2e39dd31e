package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
	"github.com/smedhq/smed/internal/fakestore"
	"github.com/smedhq/smed/reminders"
)

// harness runs commands as Slack would, through the application layer on the
// in-memory fake store, at a fixed time.
type harness struct {
	t     *testing.T
	store *fakestore.Store
	dir   *fakeDir
	cmds  *Commands
	team  string
	now   time.Time
	loc   *time.Location
}

type fakeDir struct{ gone map[string]bool }

func (d *fakeDir) Deleted(ctx context.Context, user string) (bool, error) { return d.gone[user], nil }

func newHarness(t *testing.T, admins ...string) *harness {
	t.Helper()
	h := &harness{t: t, store: fakestore.New(), dir: &fakeDir{gone: map[string]bool{}}, team: "TB1",
		now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC), loc: time.UTC}
	if len(admins) == 0 {
		admins = []string{"UADMIN"}
	}
	h.cmds = NewCommands(CommandsConfig{Service: h.service(h.loc, admins)})
	return h
}

func (h *harness) service(loc *time.Location, admins []string) *app.Service {
	h.store.Clock = func() time.Time { return h.now }
	return app.New(app.Config{Store: h.store, Links: h.store, Deals: h.store, Undo: h.store, Reminders: h.store, Figures: h.store,
		Directory: h.dir, Now: func() time.Time { return h.now }, Location: loc, DefaultCadence: 30, Admins: admins})
}

// zone makes the harness show dates in loc.
func (h *harness) zone(loc *time.Location) {
	h.loc = loc
	h.cmds = NewCommands(CommandsConfig{Service: h.service(loc, []string{"UADMIN"})})
}

// do runs a command as user and returns what the user sees as text, checking
// that the Block Kit form is valid for Slack on the way.
func (h *harness) do(user, text string) string {
	h.t.Helper()
	r := h.cmds.Run(context.Background(), Request{Team: h.team, User: user, Text: text})
	checkBlocks(h.t, r)
	return r.plain()
}

// raw returns the reply's JSON as Slack would receive it.
func (h *harness) raw(user, text string) string {
	h.t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as the HTTP handler writes it
	if err := enc.Encode(h.cmds.Run(context.Background(), Request{Team: h.team, User: user, Text: text}).message()); err != nil {
		h.t.Fatal(err)
	}
	return b.String()
}

func checkBlocks(t *testing.T, r reply) {
	t.Helper()
	bs := r.blocks()
	if len(bs) > maxBlocks {
		t.Errorf("%d blocks, Slack allows %d", len(bs), maxBlocks)
	}
	b, _ := json.Marshal(bs)
	var parsed []struct {
		Type string `json:"type"`
		Text *struct {
			Text string `json:"text"`
		} `json:"text"`
	}
	_ = json.Unmarshal(b, &parsed)
	for _, p := range parsed {
		if p.Text != nil && len([]rune(p.Text.Text)) > maxSectionText {
			t.Errorf("a %s block has %d characters", p.Type, len([]rune(p.Text.Text)))
		}
	}
	if r.fallbackText() == "" {
		t.Error("empty fallback text")
	}
}

func must(t *testing.T, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("reply does not contain %q:\n%s", w, got)
		}
	}
}

func mustNot(t *testing.T, got string, nots ...string) {
	t.Helper()
	for _, w := range nots {
		if strings.Contains(got, w) {
			t.Errorf("reply contains %q:\n%s", w, got)
		}
	}
}

func TestNoteCreatesThenShows(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	must(t, h.do("U1", "note Acme Called Bo about renewal"), "Acme", "new customer", "owned by you")
	h.now = h.now.Add(2 * smed.Day)
	must(t, h.do("U2", "note acme Sent the quote"), "Noted on Acme", "in 30 days")
	card := h.do("U3", "show ACME")
	must(t, card, "Acme", "Owner: @U1", "Sent the quote", "Called Bo about renewal", "today")
	if strings.Index(card, "Sent the quote") > strings.Index(card, "Called Bo") {
		t.Error("latest note is not first on the card")
	}
}

// A mention where the customer goes (a person picked from Slack's list,
// @channel, a channel, or @name typed as text) is refused with the way to
// write it, and creates no customer; quoted, a name may start with @.
func TestNoteRefusesAMentionAsTheCustomer(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, text := range []string{"note <@U0BOB> called about the renewal", "note <@U0BOB|bob> called", "note <!channel> hello all",
		"note <#C0ABC|sales> hello", "note @bob called", "remember @bob likes tea"} {
		got := h.do("U1", text)
		must(t, got, "is a mention, not a customer", "Acme Corp called")
		mustNot(t, got, "new customer")
	}
	mustNot(t, h.do("U1", "list"), "bob", "channel", "sales")
	must(t, h.do("U1", `note "@Home Møbler" first visit`), "@Home Møbler is a new customer")
	must(t, h.do("U1", "note Acme called <@U0BOB> about it"), "Acme is a new customer")
}

func TestLongestKnownPrefix(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.do("U1", `note "Acme Corp" first`)
	h.do("U1", `note "Acme" other`)
	must(t, h.do("U1", "note Acme Corp called them"), "Noted on Acme Corp")
	must(t, h.do("U1", "show Acme Corp"), "called them")
	mustNot(t, h.do("U1", "show Acme"), "called them")
}

func TestNearMissIsNotCreated(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.do("U1", `note "Acme Corp" first`)
	got := h.do("U1", "note Acme Crop called them")
	must(t, got, "Did you mean", "Acme Corp", "Nothing was saved", `"Acme Crop"`, "called them")
	must(t, h.do("U1", "show Acme Crop"), "I don't know a customer called", "Did you mean")
	must(t, h.do("U1", "note acme hello"), "Did you mean", "Acme Corp") // a prefix of a known name
	must(t, h.do("U1", "note acme corp"), "What is the note?")          // a known name, no text
	// Quoting forces a new customer.
	must(t, h.do("U1", `note "Acme Crop" really new`), "new customer")
	must(t, h.do("U1", "show acme crop"), "really new")
}

func TestUnicodeNames(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.do("U1", "note “Ærø Fisk” hej med dig")
	must(t, h.do("U1", "show ærø  FISK"), "hej med dig")
	h.do("U1", `note "Cafe`+"\u0301"+` Noir" bonjour`)
	must(t, h.do("U1", "show café noir"), "bonjour")
}

func TestEscapesUserText(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// Slack sends @channel typed in a command as <!channel>, and a literal < as &lt;.
	js := h.raw("U1", "note Evil <!channel> hello &lt;!here&gt; &amp; <@U9|bob>")
	mustNot(t, js, "<!channel>", "<!here>", "<@U9")
	js = h.raw("U1", "show Evil")
	mustNot(t, js, "<!channel>", "<!here>")
	must(t, js, "&lt;!here&gt;", "@channel")
}

func TestOwnerHandover(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.do("U1", "note Acme hi")
	must(t, h.do("U2", "owner Acme <@U2|me>"), "belongs to @U1", "Only they or an admin")
	must(t, h.do("U1", "owner Acme <@U2|bob>"), "now belongs to @U2")
	must(t, h.do("UADMIN", "owner Acme <@U3>"), "now belongs to @U3")
	must(t, h.do("U1", "show Acme"), "Owner: @U3")
	must(t, h.do("U1", "owner Nobody <@U3>"), "I don't know a customer called")
}

func TestValueCadenceSnooze(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.do("U1", "note Acme hi")
	must(t, h.do("U1", "value Acme 120k"), "worth 120,000")
	must(t, h.do("U1", "value acme 1.2m"), "worth 1,200,000")
	must(t, h.do("U1", "value Acme lots"), `"lots" is not an amount`, "Usage:")
	must(t, h.do("U1", "cadence Acme 2w"), "every 2 weeks", "in 14 days")
	must(t, h.do("U1", "cadence Acme soon"), `"soon" is not a duration`)
	must(t, h.do("U1", "snooze Acme 30d"), "No reminders for Acme until Wed 23 Dec 2026")
	must(t, h.do("U1", "show Acme"), "snoozed until Wed 23 Dec", "1,200,000", "every 2 weeks")
	must(t, h.do("U1", "snooze Acme off"), "no longer snoozed")
}

func TestListFindHistoryStats(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.do("U1", "note Small hi")
	h.do("U1", "value Small 1k")
	h.do("U2", "note Big hello")
	h.do("U2", "value Big 1m")
	h.do("U1", "remember Big prefers calls before 10")
	h.now = h.now.Add(40 * smed.Day) // both overdue
	h.do("U1", "note Fresh renewal talk")
	list := h.do("U1", "list")
	must(t, list, "All accounts", "3 accounts, 2 overdue, 1,001,000 at risk")
	if strings.Index(list, "Big") > strings.Index(list, "Small") || strings.Index(list, "Small") > strings.Index(list, "Fresh") {
		t.Errorf("list not ranked by value at risk, then due:\n%s", list)
	}
	mine := h.do("U1", "list mine")
	must(t, mine, "Your accounts", "Small", "Fresh")
	mustNot(t, mine, "Big")
	must(t, h.do("U1", "list <@U2|x>"), "Accounts of @U2", "Big")
	must(t, h.do("U1", "find calls"), "Big", "prefers calls before 10")
	must(t, h.do("U1", "find renewal"), "Fresh", "renewal talk")
	must(t, h.do("U1", "find nothing-like-this"), "Nothing matches")
	for i := range 23 {
		h.do("U1", fmt.Sprintf("note Small n%02d", i))
	}
	p1 := h.do("U1", "history Small")
	must(t, p1, "n22", "Page 1 of 3", "25 entries", "history Small page 2")
	mustNot(t, p1, "n05")
	last := h.do("U1", "history Small page 3")
	must(t, last, "Page 3 of 3", "hi")
	mustNot(t, last, "page 4", "page 3`")
	must(t, h.do("U1", "history Small page 9"), "There is no page 9")
	must(t, h.do("U1", "stats"), "Coverage: 67% of customers (2 of 3)", "Value at risk: 1,000,000 in 1 overdue account.", "@U1: 24 / 24")
}

func TestBadInputStoresNothing(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	must(t, h.do("U1", ""), "what your team knows")
	must(t, h.do("U1", "frobnicate"), "I don't know the command", "/customer help")
	must(t, h.do("U1", "note"), "Which customer, and what is the note?") // in Slack: the note modal
	long := strings.Repeat("x", 10000)
	got := h.do("U1", "note Acme "+long)
	must(t, got, "10,000 characters", "limit is 3,000", "Nothing was saved", long[:2000])
	must(t, h.do("U1", "show Acme"), "I don't know a customer called")
	must(t, h.do("U1", `note "Acme`), "never closed")
	must(t, h.do("U1", "show Nobody"), "I don't know a customer called Nobody", "note Nobody")
	must(t, h.do("U1", "remember Nobody likes tea"), "I don't know a customer called")
	must(t, h.do("U1", "note Bad\xff\xfe bytes"), "not valid text", "saved nothing")
	must(t, h.do("U1", "list"), "No accounts yet")
}

func TestHelp(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	help := h.do("U1", "help")
	for _, v := range registry {
		must(t, help, "/customer "+v.name)
	}
	must(t, h.do("U1", "help value"), "120k", "1.2m")
}

// failing makes every call of method fail with err.
func (h *harness) failing(method string, err error) {
	h.store.Fail = func(m string) error {
		if m == method {
			return err
		}
		return nil
	}
}

var (
	errDown = fmt.Errorf("storage: add note: %w", smed.ErrUnavailable)
	errHung = fmt.Errorf("storage: add note: %w: %w", smed.ErrUnavailable, smed.ErrUnconfirmed)
)

func TestUnconfirmedWriteIsNotCalledLost(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.failing("AddNote", errHung)
	got := h.do("U1", "note Acme hi")
	must(t, got, "can't tell whether this was saved", "check")
	mustNot(t, got, "nothing was saved")
}

func TestStoreDownIsExplained(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.failing("AddNote", errDown)
	got := h.do("U1", "note Acme hi")
	must(t, got, "can't reach Smed's database", "nothing was saved", "what you typed", "/customer note Acme hi")
	mustNot(t, got, "storage:", "add note")
	h.failing("Card", errDown)
	h.do("U1", `note "Acme" hi`)
	got = h.do("U1", "show Acme")
	must(t, got, "can't reach Smed's database")
	mustNot(t, got, "saved") // a read saves nothing either way: no word about saving
}

func TestManyCustomersFitSlack(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for i := range 120 {
		h.do("U1", fmt.Sprintf(`note "Customer %03d with a fairly long name to fill the line" hi`, i))
	}
	got := h.do("U1", "list")
	must(t, got, "120 accounts, none overdue", "and 95 more")
}

// Every reply that shows a user-typed name escapes it, in blocks and in the
// top-level text alike (Slack parses both).
func TestNoReplyEchoesRawMarkup(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	name := `"Evil &lt;!channel&gt; Co"` // as Slack sends a typed <!channel>
	for _, text := range []string{
		"note " + name + " hi &lt;!here&gt;", "show " + name, "history " + name, "list", "find Evil",
		"value " + name + " 5k", "remember " + name + " likes &lt;!everyone&gt;", "cadence " + name + " 1d",
		"snooze " + name + " 2d", "note " + name + " again", "note Evil hello",
	} {
		js := h.raw("U1", text)
		for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>"} {
			if strings.Contains(js, bad) {
				t.Errorf("%q: reply holds raw %s:\n%s", text, bad, js)
			}
		}
	}
}

func TestHistoryPagesHaveButtonsInSlack(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for i := range 12 {
		h.do("U1", fmt.Sprintf("note Paged n%02d", i))
	}
	js := h.raw("U1", "history Paged")
	must(t, js, `"action_id":"history_older"`)
	mustNot(t, js, "Paged\"") // buttons carry the customer's ID, never its name
	js = h.raw("U1", "history Paged page 2")
	must(t, js, `"action_id":"history_newer"`)
	mustNot(t, js, "history_older")
}

// The shell shows replies as a terminal should: no Slack markup left over.
func TestPlainTextHasNoSlackMarkup(t *testing.T) {
	t.Parallel()
	h := newHarness(t, "me")
	for _, text := range []string{
		`note "Acme Corp" hello`, "note Acme Crop hi", "remember Acme Corp likes tea", "owner Acme Corp <@alex>",
		"show Acme Corp", "list", "find tea", "snooze Acme Corp 3d", "help", `note "Nobody`, "history Acme Corp",
		`note "Unowned" x`,
	} {
		got := h.do("me", text)
		for _, bad := range []string{":memo:", ":pushpin:", ":zzz:", "<@", "*", "`", "&lt;", "_nobody_", "[Log note]"} {
			if strings.Contains(got, bad) {
				t.Errorf("%q shows %q in the terminal:\n%s", text, bad, got)
			}
		}
	}
}

// A known multi-word name with the last argument left out asks for it,
// instead of reading the name's last word as the argument.
func TestMissingArgumentAfterKnownName(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.do("U1", `note "Acme Corp" hi`)
	for text, want := range map[string]string{
		"note Acme Corp":     "What is the note?",
		"remember Acme Corp": "What is the fact?",
		"value Acme Corp":    `I need an amount for Acme Corp: /customer value "Acme Corp" 120k`,
		"cadence Acme Corp":  "I need a cadence for Acme Corp",
		"snooze Acme Corp":   "I need a duration for Acme Corp",
		"owner Acme Corp":    "I need a person for Acme Corp",
		"owner Acme bob":     "“bob” is not a person",
		"value Acme lots":    `"lots" is not an amount`,
		"stats now":          "takes no arguments",
	} {
		must(t, h.do("U1", text), want)
	}
}

func TestHelpForUnknownTopicSaysSo(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	must(t, h.do("U1", "help bogus"), "I don't know the command “bogus”", "/customer note")
}

// The length limit counts the text after the customer's name, whichever
// name the store resolves, not after the first word.
func TestLimitCountsTextAfterTheResolvedName(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.do("U1", `note "Acme Corp" hi`)
	text := strings.Repeat("y", smed.MaxTextRunes)
	must(t, h.do("U1", "note Acme Corp "+text), "Noted on Acme Corp")
	must(t, h.do("U1", "remember Acme Corp "+text), "Remembered for Acme Corp")
	got := h.do("U1", "note Zed Corp "+text) // "Zed" unknown: its note would be "Corp yyy…"
	must(t, got, "3,005 characters", "Nothing was saved")
	must(t, h.do("U1", "show Zed"), "I don't know a customer called")
	must(t, h.do("U1", "note Acme Corp "+text+"y"), "3,001 characters")
}

// Error replies that quote what the user typed escape it too.
func TestUsageErrorsEscapeUserText(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.do("U1", "note Acme hi")
	for _, text := range []string{
		"value Acme &lt;!channel&gt;", "cadence Acme &lt;!channel&gt;", "snooze Acme &lt;!here&gt;",
		"list &lt;!channel&gt;", "&lt;!channel&gt;", "history Acme page &lt;!channel&gt;", `note "Acme &lt;!channel&gt;`,
		"owner Acme &lt;!channel&gt;", "help &lt;!channel&gt;",
	} {
		js := h.raw("U1", text)
		for _, bad := range []string{"<!channel>", "<!here>"} {
			if strings.Contains(js, bad) {
				t.Errorf("%q: reply holds raw %s:\n%s", text, bad, js)
			}
		}
	}
}

// A panic while running a command answers the user with a reference and the
// honest "can't tell" (a write may have happened), and keeps the process up.
func TestPanicInCommandIsAnswered(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.store.Fail = func(m string) error {
		if m == "AddNote" {
			panic("boom")
		}
		return nil
	}
	b := New(context.Background(), Config{Commands: h.cmds})
	got := b.answer(Request{Team: "T1", User: "U1", Text: "note Acme hi"}, "").plain()
	must(t, got, "Something went wrong on my side", "can't tell whether this was saved", "ref ")
	mustNot(t, got, "nothing was saved")
	if err := b.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestHandoverRaceIsExplained(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.do("U1", "note Acme hi")
	h.failing("Update", fmt.Errorf("storage: update: %w", smed.ErrConflict))
	got := h.do("U1", "owner Acme <@U2>")
	must(t, got, "Someone changed that customer just now", "nothing was saved")
}

// Dates are shown in the team's zone (reminders.timezone), not UTC.
func TestDatesInTeamZone(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	la, err := time.LoadLocation("America/Los_Angeles")
	if err != nil {
		t.Skip("no time zone database")
	}
	h.now = time.Date(2026, 11, 23, 0, 25, 0, 0, time.UTC) // Sun 22 Nov 16:25 in LA
	h.zone(la)
	h.do("U1", "note Zoned hello")
	must(t, h.do("U1", "history Zoned"), "22 Nov 2026 16:25")
	must(t, h.do("U1", "snooze Zoned 40d"), "until Fri 1 Jan 2027") // Sat 2 Jan in UTC
}

// Every example in the help works on the customer the quick start creates
// (and, for merge and delete, the duplicate they name).
func TestHelpExamplesWork(t *testing.T) {
	t.Parallel()
	for _, v := range registry {
		h := newHarness(t)
		h.do("U1", `note "Acme Corp" Called Bo about the renewal`)
		for i := range 11 {
			h.do("U1", fmt.Sprintf("note Acme Corp n%d", i))
		}
		h.do("U1", `note "Acme Corporation" a duplicate`)
		h.do("U1", `note "Test Customer" to delete`)
		h.do("U1", "remember Acme Corp calls before 10")
		h.cmds.Run(context.Background(), Request{Team: h.team, User: "UADMIN", Text: "note Acme Corp a note to undo"})
		h.cmds.Run(context.Background(), Request{Team: h.team, User: "UADMIN", Text: "link Acme Corp", Channel: "C0HELP"})
		r := h.cmds.Run(context.Background(), Request{Team: h.team, User: "UADMIN", Text: FromTerminal(v.example), Channel: "C0HELP"})
		if r.failed {
			t.Errorf("help example %q fails:\n%s", v.example, r.plain())
		}
	}
}

func TestUnquotedNewNameHintsAtQuoting(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	must(t, h.do("U1", "note Ærø Fisk first catch"), "new customer", "I took Ærø as the name", "rename Ærø to Ærø Fisk", `note "Ærø Fisk"`)
	mustNot(t, h.do("U1", "note Solo called about pricing"), "quote long names")
	mustNot(t, h.do("U1", `note "Quoted Co" Fine`), "quote long names")
	// A colon marks where the name ends: no first word was taken for it.
	got := h.do("U1", "note Nordlys Møbler: Karin confirmed")
	must(t, got, "Nordlys Møbler is a new customer")
	mustNot(t, got, "I took", "Use “")
	got = h.do("U1", "note Kobber: Karin confirmed")
	must(t, got, "Kobber is a new customer")
	mustNot(t, got, "I took", "Kobber Karin")
	must(t, h.do("U1", `show "solo" extra`), "quote all of it, or none of it")
}

// The forms Nordic teams type, through the same path as Slack and the shell.
func TestNordicForms(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.do("U1", `note "Kobber & Co" first call`)
	h.do("U1", `note "Brdr. Dahl" first call`)
	h.do("U1", `note "Ærø Fisk" first call`)
	for _, tt := range []struct{ in, want string }{
		{`value "Kobber & Co" 250.000`, "worth 250,000"},
		{"value Kobber & Co 250.000", "worth 250,000"},
		{"value Kobber & Co 250 000 kr", "worth 250,000"},
		{"value Kobber & Co 1.500.000", "worth 1,500,000"},
		{"value Kobber & Co 1,5 mio", "worth 1,500,000"},
		{"value Kobber & Co 2 mia", "worth 2,000,000,000"},
		{"value Kobber & Co DKK 75.000,-", "worth 75,000"},
		{"value Kobber & Co €120k", "worth 120,000"},
		{"value Kobber & Co 1,5", "amounts are whole units"},
		{"cadence Brdr. Dahl 14 dage", "every 2 weeks"},
		{"cadence Brdr. Dahl 2 uger", "every 2 weeks"},
		{"cadence Brdr. Dahl 3 måneder", "every 90 days"},
		{"cadence Brdr. Dahl månedlig", "every 30 days"},
		{"cadence Brdr. Dahl monthly", "every 30 days"},
		{"cadence Brdr. Dahl quarterly", "every 91 days"},
		{"cadence Brdr. Dahl yearly", "every 365 days"},
		{"cadence Brdr. Dahl 3 weeks", "every 3 weeks"},
		{"cadence Brdr. Dahl 2 w", "every 2 weeks"},
		{"cadence Brdr. Dahl 1m", "every 30 days"},
		{"snooze Ærø Fisk 2w", "due in 30 days anyway"},
		{"snooze Ærø Fisk until 1 May", "No reminders for Ærø Fisk until Sat 1 May 2027"},
		{"snooze Ærø Fisk 2027-06-01", "No reminders for Ærø Fisk until Tue 1 Jun 2027"},
		{"owner Ærø Fisk USA", "“USA” is not a person"},
		{"note Ærø Fisk: Karin confirmed", "Noted on Ærø Fisk"},
		{"note aero fisk nets arrived", "Did you mean Ærø Fisk?"},
		{"list overdue", "All accounts overdue"},
		{"list me", "Your accounts"},
		{"list <@U1> overdue", "Your accounts overdue"},
	} {
		must(t, h.do("U1", tt.in), tt.want)
	}
	must(t, h.do("U1", "show Kobber & Co"), "Value: 120,000")
	must(t, h.do("U1", "show Ærø Fisk"), "Karin confirmed", "snoozed until Tue 1 Jun")
	// A shorter snooze replaces a later one: the reply says so, never
	// "nothing changes".
	got := h.do("U1", "snooze Ærø Fisk 2w")
	must(t, got, "was snoozed until Tue 1 Jun 2027", "Your snooze replaces that one", "due in 30 days")
	mustNot(t, got, "nothing changes")
	mustNot(t, h.do("U1", "show Ærø Fisk"), "nets arrived")
}

// The card's loyalty figures, checked by hand: a learned rhythm, drift with
// its gaps, a buying rhythm, knowledge on one person, a health score.
func TestCardInsights(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	start := h.now
	at := func(day int) { h.now = start.Add(time.Duration(day) * smed.Day) }
	// Contacts on days 0, 10, 22, 41: completed gaps 10, 12, 19, median 12.
	for _, d := range []int{0, 10, 22, 41} {
		at(d)
		h.do("U1", fmt.Sprintf(`note "Learned Co" day %d`, d))
		h.do("U1", fmt.Sprintf(`note "Drifting Co" day %d`, d))
	}
	h.do("U1", "cadence Drifting Co 60d")        // set by hand: due on day 101
	h.do("U1", `note "Learned Co" day 41 again`) // a fifth note, the same contact day: knowledge counts from five
	at(45)
	must(t, h.do("U1", "show Learned Co"), "usually every ~12 days (learned)", "rests on @U1 (5 of 5 notes", "Health")
	at(72) // 31 days since the last contact: 12 → 19 → 31, and 31 > 1.5 × 12
	must(t, h.do("U1", "show Drifting Co"), "every 60 days (set)", "drifting: gaps 12 → 19 → 31 days")
	mustNot(t, h.do("U1", "show Drifting Co"), "learned")
	// Orders on days 0, 90, 180, 270: usually every ~90 days; on day 400 the
	// last one is 130 days ago.
	h.do("U2", `note "Buyer Co" first`)
	for _, d := range []int{0, 90, 180, 270} {
		at(d)
		h.do("U2", fmt.Sprintf("deal Buyer Co 10k order %d", d))
	}
	at(400)
	must(t, h.do("U2", "show Buyer Co"), "usually orders every ~90 days; last order 130 days ago", "Bought: 40,000 in 4 deals")
}

// stats and the digest show the loyalty figures: repurchase rate, the
// trend against a week and 30 days ago, follow-through, knowledge resting on
// one person; the digest also drifting customers and ignored reminders.
func TestLoyaltyInStatsAndDigest(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	start := h.now
	at := func(day int) { h.now = start.Add(time.Duration(day) * smed.Day) }
	// Buyers: Again Co on two days, Once Co on one: 1 of 2 bought again;
	// repeat deal value 30,000 of 60,000.
	h.do("U1", `note "Again Co" hi`)
	h.do("U1", `note "Once Co" hi`)
	h.do("U1", "deal Again Co 10k first")
	h.do("U1", "deal Once Co 20k only")
	at(30)
	h.do("U1", "deal Again Co 30k second")
	// Knowledge on one person: five notes by U2.
	for i := range 5 {
		h.do("U2", fmt.Sprintf(`note "Solo Co" note %d`, i))
	}
	h.do("U2", `value "Solo Co" 500k`)
	// A snapshot of a week ago.
	if err := h.store.SaveSnapshot(context.Background(), h.team, smed.TeamSnapshot{Date: h.now.AddDate(0, 0, -7).Format(time.DateOnly),
		Customers: 3, Overdue: 1, Value: 100, AtRisk: 40}); err != nil {
		t.Fatal(err)
	}
	st := h.do("U1", "stats")
	must(t, st, "Repurchase rate: 50% of the 2 buyers of the last 365 days bought again (1 of 2). 50% of deal value came from customers buying again.",
		"a week ago: 40 at risk, coverage 67%", "Knowledge that rests on one person", "Solo Co", "@U2 wrote 5 of 5")

	// Reminders list Ignored Co three times and nobody acts: escalated.
	h.do("U3", `note "Ignored Co" hi`)
	h.do("U3", `value "Ignored Co" 2m`)
	e := reminders.NewEngine(h.store, h.store, nopNotifier{}, h.dir, time.UTC, nil, reminders.WithLoyalty(h.store))
	for i := range 3 {
		at(61 + 4*i) // overdue, and each reminder's three days pass before the next
		if _, _, err := e.Remind(context.Background(), h.team, h.now); err != nil {
			t.Fatal(err)
		}
	}
	at(75)
	d, err := e.BuildDigest(context.Background(), h.team, h.now)
	if err != nil {
		t.Fatal(err)
	}
	text := digestReply(d).plain()
	must(t, text, "Reminders ignored again and again", "Ignored Co", "ignored 3 times, 2,000,000 at risk",
		"Knowledge that rests on one person", "Solo Co")
	must(t, h.do("U1", "stats"), "Follow-through", "@U3: 0% (0 contacted, 3 ignored, 0 snoozed)")
}

type nopNotifier struct{}

func (nopNotifier) SendReminder(context.Context, string, reminders.Reminder) error     { return nil }
func (nopNotifier) PostDigest(context.Context, string, string, reminders.Digest) error { return nil }
