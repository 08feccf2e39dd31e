package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smedhq/smed"
)

// The operator's one-shot commands against the same Redis and fake Slack as
// the bot: import/export, remind, digest.

// smed import reports bad rows by line, imports the rest, and a re-import
// changes nothing.
func TestE2EImportExport(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	rows := []string{
		"Acme Corp," + alice + ",120k,14," + daysAgo(40) + ",prefers calls before 10 | pays in instalments", // line 2
		"Badvalue," + alice + ",lots,14," + daysAgo(40) + ",",                                               // line 3
		`"Comma, Inc",` + bob + `,1.2m,30,` + daysAgo(3) + ",",                                              // line 4
		"Badowner,bob,1000,30," + daysAgo(3) + ",",                                                          // line 5
		"Baddate," + bob + ",1000,30,yesterday,",                                                            // line 6
		"Ærø Fisk," + carol + ",75000,30,2026-01-05T10:00:00Z,sild",                                         // line 7
		"Shortrow," + carol, // line 8
	}
	r := h.importCSV(rows...)
	if r.code != 1 {
		t.Errorf("import with bad rows: want exit 1\n%v", r)
	}
	out := r.stdout + r.stderr
	for _, line := range []string{"line 3", "line 5", "line 6", "line 8"} {
		contains(t, "import report", out, line)
	}
	for _, line := range []string{"line 2:", "line 4:", "line 7:"} {
		lacks(t, "import report", out, line)
	}
	before := h.mustRun("export").stdout
	contains(t, "export", before, "Acme Corp", "Comma, Inc", "Ærø Fisk", "prefers calls before 10", "pays in instalments", alice, "120000")
	lacks(t, "export", before, "Badvalue", "Badowner", "Baddate", "Shortrow")

	r = h.importCSV(rows...)
	if r.code != 1 {
		t.Errorf("re-import: want exit 1 again (the bad rows are still bad)\n%v", r)
	}
	if after := h.mustRun("export").stdout; after != before {
		t.Errorf("re-importing the same file changed the data:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// An export imports again unchanged.
	path := h.t.TempDir() + "/export.csv"
	h.mustRun("export", path)
	h.mustRun("import", path)
	if after := h.mustRun("export").stdout; after != before {
		t.Errorf("importing an export changed the data:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// addOldNote logs a note written days ago through the store's own API: a
// note through /customer would reset the clock, and the reminder must show an
// overdue customer's latest note. The store never moves a clock backwards, so
// the customer stays overdue.
func (h *e2e) addOldNote(name, author, text string, days int) {
	h.t.Helper()
	_, err := h.store().AddNote(context.Background(), h.team, smed.NoteRequest{
		CustomerID: h.idOf(name), Text: text, Author: author, At: time.Now().AddDate(0, 0, -days)})
	if err != nil {
		h.t.Fatalf("old note on %s: %v", name, err)
	}
}

// order fails unless the names appear in text in this order.
func order(t *testing.T, what, text string, names ...string) {
	t.Helper()
	last := -1
	for _, n := range names {
		i := strings.Index(text, n)
		if i < 0 {
			t.Errorf("%s: %q missing in:\n%s", what, n, text)
			return
		}
		if i < last {
			t.Errorf("%s: want %v in this order, got:\n%s", what, names, text)
			return
		}
		last = i
	}
}

// importOverdue imports the reminder fixture: three owners with overdue
// customers, and one customer contacted yesterday.
func importOverdue(h *e2e) {
	h.t.Helper()
	r := h.importCSV(
		"Acme,"+alice+",500000,30,"+daysAgo(90)+",prefers calls before 10 | pays in instalments",
		"Beta,"+alice+",20000,30,"+daysAgo(90)+",",
		"Gamma,"+bob+",300000,30,"+daysAgo(90)+",",
		"Delta,"+bob+",1000,30,"+daysAgo(90)+",",
		"Epsilon,"+carol+",75000,30,"+daysAgo(90)+",",
		"Fresh,"+carol+",90000,30,"+daysAgo(1)+",",
	)
	if r.code != 0 {
		h.t.Fatalf("import: %v", r)
	}
}

func countDMs(h *e2e) map[string]int {
	out := map[string]int{}
	for u, texts := range h.slack.DMs() {
		out[u] = len(texts)
	}
	return out
}

func wantDMs(t *testing.T, what string, h *e2e, want map[string]int) {
	t.Helper()
	got := countDMs(h)
	for u, n := range want {
		if got[u] != n {
			t.Errorf("%s: %d DMs to %s, want %d (all: %v)", what, got[u], u, n, got)
		}
	}
	for u, n := range got {
		if _, ok := want[u]; !ok {
			t.Errorf("%s: %d unexpected DMs to %s", what, n, u)
		}
	}
}

// smed remind: one DM per owner, most valuable first, with facts, the latest
// note and buttons; a second run sends nothing; --dry-run sends nothing.
func TestE2ERemind(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	importOverdue(h)
	h.addOldNote("Acme", bob, "Asked for a discount on the renewal", 90)

	dry := h.mustRun("remind", "--dry-run")
	contains(t, "remind --dry-run", dry.stdout, "Acme", "Gamma", "Epsilon")
	lacks(t, "remind --dry-run", dry.stdout, "Fresh")
	if n := len(h.slack.Calls("chat.postMessage")); n != 0 {
		t.Fatalf("remind --dry-run posted %d messages", n)
	}

	h.mustRun("remind")
	wantDMs(t, "remind", h, map[string]int{alice: 1, bob: 1, carol: 1})
	dms := h.slack.DMs()
	if len(dms[alice]) == 1 {
		a := dms[alice][0]
		order(t, "alice's reminder", a, "Acme", "Beta")
		contains(t, "alice's reminder", a, "prefers calls before 10", "pays in instalments", "Asked for a discount on the renewal", "500,000")
		buttons := actionIDs(h.slack.DMCalls(alice)[0].Params.Get("blocks"))
		acme, beta := h.idOf("Acme"), h.idOf("Beta")
		for _, b := range []string{"log_note=" + acme, "snooze_7d=" + acme, "log_note=" + beta, "snooze_7d=" + beta} {
			if !buttons[b] {
				t.Errorf("alice's reminder: no button %s (have %v)", b, buttons)
			}
		}
		lacks(t, "alice's reminder", a, "Gamma", "Epsilon")
	}
	if len(dms[bob]) == 1 {
		order(t, "bob's reminder", dms[bob][0], "Gamma", "Delta")
	}
	if len(dms[carol]) == 1 {
		contains(t, "carol's reminder", dms[carol][0], "Epsilon")
		lacks(t, "carol's reminder", dms[carol][0], "Fresh")
	}

	h.mustRun("remind")
	wantDMs(t, "second remind", h, map[string]int{alice: 1, bob: 1, carol: 1})

	dry = h.mustRun("remind", "--dry-run")
	contains(t, "remind --dry-run after the send", dry.stdout, "Acme", "Gamma", "Epsilon")
	wantDMs(t, "remind --dry-run after the send", h, map[string]int{alice: 1, bob: 1, carol: 1})
}

// Three smed remind processes at once still send one DM per owner.
func TestE2ERemindConcurrent(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	importOverdue(h)
	var wg sync.WaitGroup
	results := make([]result, 3)
	for i := range results {
		wg.Go(func() { results[i] = h.smed(nil, "", "remind") })
	}
	wg.Wait()
	for i, r := range results {
		if r.code != 0 {
			t.Errorf("remind process %d: %v", i, r)
		}
	}
	wantDMs(t, "three concurrent reminds", h, map[string]int{alice: 1, bob: 1, carol: 1})
}

// A 429 with Retry-After on the first post: the DM still arrives, once.
func TestE2ERemindRateLimited(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	importOverdue(h)
	h.slack.RateLimit("chat.postMessage", 1)
	r := h.mustRun("remind")
	limited := 0
	for _, c := range h.slack.Calls("chat.postMessage") {
		if c.Status == 429 {
			limited++
		}
	}
	if limited != 1 {
		t.Errorf("want 1 rate-limited post, got %d", limited)
	}
	wantDMs(t, "remind through a 429", h, map[string]int{alice: 1, bob: 1, carol: 1})
	contains(t, "remind summary", r.stdout, "sent 3")
}

// Slack refuses one owner's DM: the run sends the others, exits 1 with a
// summary, and a later run sends the refused one (its guard was not set).
func TestE2ERemindRefusedDM(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	importOverdue(h)
	h.slack.FailChannel("D"+bob, "channel_not_found")
	r := h.smed(nil, "", "remind")
	if r.code != 1 {
		t.Errorf("remind with a refused DM: want exit 1\n%v", r)
	}
	if !regexp.MustCompile(`(?i)failed 1|1 failed`).MatchString(r.stdout + r.stderr) {
		t.Errorf("remind with a refused DM: want a summary counting 1 failure\n%v", r)
	}
	contains(t, "remind error", r.stdout+r.stderr, bob)
	wantDMs(t, "remind with bob refused", h, map[string]int{alice: 1, carol: 1})

	h.slack.FailChannel("D"+bob, "")
	h.mustRun("remind")
	wantDMs(t, "remind after the fix", h, map[string]int{alice: 1, bob: 1, carol: 1})
}

// smed digest: once per period, ranked, with value at risk and orphaned
// accounts; --dry-run prints it anyway. An owner who left gets no DM.
func TestE2EDigest(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	const dave = "U0DAVE"
	h.slack.SetDeleted(dave, true)
	r := h.importCSV(
		"Nine,"+alice+",9000000,30,"+daysAgo(60)+",",
		"Seven,"+bob+",7000000,30,"+daysAgo(60)+",",
		"Eight,"+carol+",8000000,30,"+daysAgo(60)+",",
		"Leftover,"+dave+",2500000,30,"+daysAgo(60)+",",
		"Onschedule,"+alice+",100000000,30,"+daysAgo(2)+",",
	)
	if r.code != 0 {
		t.Fatalf("import: %v", r)
	}

	h.mustRun("remind")
	if n := len(h.slack.DMs()[dave]); n != 0 {
		t.Errorf("the owner who left got %d DMs", n)
	}

	h.mustRun("digest", "--channel", digest)
	posts := h.slack.Posts(digest)
	if len(posts) == 0 {
		t.Fatalf("digest: nothing posted to %s (calls: %v)", digest, h.slack.Calls("chat.postMessage"))
	}
	var all strings.Builder
	for _, p := range posts {
		all.WriteString(p.Text() + "\n")
	}
	text := all.String()
	order(t, "digest", text, "Nine", "Eight", "Seven")
	contains(t, "digest", text, "26,500,000", "Leftover", "orphan")
	lacks(t, "digest", text, "Onschedule")
	if i, j := strings.Index(strings.ToLower(text), "orphan"), strings.Index(text, "Leftover"); i < 0 || j < i {
		t.Errorf("digest: want Leftover (owner left) listed as orphaned, got:\n%s", text)
	}

	h.mustRun("digest", "--channel", digest)
	if n := len(h.slack.Posts(digest)); n != len(posts) {
		t.Errorf("second digest run posted %d more messages", n-len(posts))
	}
	dry := h.mustRun("digest", "--dry-run", "--channel", digest)
	order(t, "digest --dry-run", dry.stdout, "Nine", "Eight", "Seven")
	contains(t, "digest --dry-run", dry.stdout, "26,500,000", "Leftover")
	if n := len(h.slack.Posts(digest)); n != len(posts) {
		t.Errorf("digest --dry-run posted %d messages", n-len(posts))
	}
}

// A digest of 120 overdue accounts fits Slack's limits (≤ 50 blocks, ≤ 3000
// characters a section, per message) and names every account.
func TestE2EDigestLarge(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	var rows, names []string
	for i := range 120 {
		name := fmt.Sprintf("Customer %03d %s", i, strings.Repeat("Long Name ", 8))
		names = append(names, strings.TrimSpace(name))
		rows = append(rows, fmt.Sprintf("%s,%s,%d,30,%s,", name, []string{alice, bob, carol}[i%3], 1000+i, daysAgo(60)))
	}
	if r := h.importCSV(rows...); r.code != 0 {
		t.Fatalf("import: %v", r)
	}
	h.mustRun("digest", "--channel", digest)
	for _, c := range h.slack.Calls("chat.postMessage") {
		if !c.OK() {
			t.Errorf("Slack refused a digest message: %s (%d blocks)", c.Error, len(c.Blocks()))
		}
	}
	posts := h.slack.Posts(digest)
	var all strings.Builder
	for _, p := range posts {
		if n := len(p.Blocks()); n > 50 {
			t.Errorf("a digest message has %d blocks", n)
		}
		all.WriteString(p.Text() + "\n")
	}
	t.Logf("the digest of 120 accounts took %d messages", len(posts))
	for _, n := range names {
		if !strings.Contains(all.String(), n) {
			t.Errorf("digest: %q missing", n)
		}
	}
	h.mustRun("remind")
	for u, texts := range h.slack.DMs() {
		if len(texts) != 1 {
			t.Errorf("%s got %d reminder DMs", u, len(texts))
		}
	}
}

// With reminders.local_time, each owner's DM comes at that time in their own
// Slack time zone (the fake Slack says Europe/Copenhagen), once a local day.
func TestE2ERemindAtOwnersLocalTime(t *testing.T) {
	parallel(t)
	cph, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		t.Skip("no time zone database")
	}
	h := newE2E(t)
	h.slack.AddUser(alice, "alice")
	h.importCSV("Acme," + alice + ",5000,30," + daysAgo(60) + ",")
	// 00:00 every day has always come: due now, whatever the time.
	due := map[string]string{"SMED_REMINDERS_LOCAL_TIME": "00:00", "SMED_REMINDERS_DAYS": "daily"}
	dry := h.smed(due, "", "remind", "--dry-run")
	contains(t, "remind --dry-run at local 00:00", dry.stdout, "to @"+alice, time.Now().In(cph).Format(time.DateOnly), "Acme")
	if r := h.smed(due, "", "remind"); r.code != 0 {
		t.Fatalf("remind: %v", r)
	}
	if r := h.smed(due, "", "remind"); r.code != 0 {
		t.Fatalf("second remind: %v", r)
	}
	wantDMs(t, "two reminder runs on one local day", h, map[string]int{alice: 1})
	if time.Now().In(cph).Format("15:04") < "23:58" {
		late := map[string]string{"SMED_REMINDERS_LOCAL_TIME": "23:59", "SMED_REMINDERS_DAYS": "daily"}
		contains(t, "remind --dry-run before local 23:59", h.smed(late, "", "remind", "--dry-run").stdout, "has not come yet today")
	}
}
