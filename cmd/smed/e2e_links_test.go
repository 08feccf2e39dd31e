package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/smedhq/smed"
)

// Linked channels, deals, undo and deals files through the real binary and
// the Redis store: what a user does in Slack (or at the command line) and
// what they see afterwards.

// slackTS is a message ts (seconds.micro) of t.
func slackTS(t time.Time) string { return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000) }

// waitCustomer polls the store until ok holds of the customer (at most 10 s).
func (h *e2e) waitCustomer(id string, ok func(smed.Customer) bool) (smed.Customer, bool) {
	h.t.Helper()
	s := h.store()
	var c smed.Customer
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var err error
		if c, err = s.Customer(context.Background(), h.team, id); err == nil && ok(c) {
			return c, true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return c, false
}

// touches counts the touches in the customer's history.
func (h *e2e) touches(id string) int {
	h.t.Helper()
	_, es, _, err := h.store().History(context.Background(), h.team, id, 0, 1000)
	if err != nil {
		h.t.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Kind == smed.EntryTouch {
			n++
		}
	}
	return n
}

func TestE2ELinkedChannelTouch(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	h.say(alice, "note Acme kickoff call")
	id := h.idOf("Acme")
	got := h.say(alice, "link Acme") // typed in C0E2E (slashForm's channel)
	contains(t, "link", got, "linked to", "Acme")
	before, _ := h.waitCustomer(id, func(smed.Customer) bool { return true })

	// Later messages: first those that are not contact (a bot, an edit),
	// with later times than the real one, so that if they counted the
	// clock would show them.
	real := time.Now().Add(2 * time.Second).Truncate(time.Millisecond)
	late := real.Add(time.Minute)
	external := "U0EXTERN"
	notContact := []map[string]any{
		{"type": "message", "channel": "C0E2E", "user": external, "user_team": "TOTHERORG", "bot_id": "B0BOT",
			"subtype": "bot_message", "text": "automated", "ts": slackTS(late), "channel_type": "channel"},
		{"type": "message", "channel": "C0E2E", "subtype": "message_changed", "hidden": true, "ts": slackTS(late.Add(time.Second)),
			"channel_type": "channel", "message": map[string]any{"type": "message", "user": external, "user_team": "TOTHERORG",
				"text": "edited", "ts": slackTS(late.Add(time.Second))}},
	}
	for i, ev := range notContact {
		if code, _ := h.event(fmt.Sprintf("EvNOT%d", i), 0, ev); code != http.StatusOK {
			t.Fatalf("event %d: HTTP %d", i, code)
		}
	}
	// A Slack Connect member of the customer's organisation writes.
	msg := map[string]any{"type": "message", "channel": "C0E2E", "user": external, "user_team": "TOTHERORG",
		"text": "Hi, we would like to renew", "ts": slackTS(real), "channel_type": "channel"}
	for retry := range 2 { // Slack's retry of the same delivery counts once
		if code, _ := h.event("EvMSG1", retry, msg); code != http.StatusOK {
			t.Fatalf("message (retry %d): HTTP %d", retry, code)
		}
	}
	c, ok := h.waitCustomer(id, func(c smed.Customer) bool { return !c.LastCustomerAt.IsZero() })
	if !ok {
		t.Fatalf("the message was not recorded as a touch: %+v\n%s", c, tail(h.log(), 20))
	}
	time.Sleep(300 * time.Millisecond) // let anything else that would be handled land
	c, _ = h.waitCustomer(id, func(smed.Customer) bool { return true })
	if !c.LastContactAt.Equal(real) || c.LastContactBy != external || !c.LastCustomerAt.Equal(real) || !c.LastTeamAt.IsZero() {
		t.Errorf("after the message: last contact %v by %s, customer side %v, team side %v; want %v by %s on the customer side",
			c.LastContactAt, c.LastContactBy, c.LastCustomerAt, c.LastTeamAt, real, external)
	}
	if !c.LastContactAt.After(before.LastContactAt) {
		t.Errorf("the clock did not move forward: %v → %v", before.LastContactAt, c.LastContactAt)
	}
	if n := h.touches(id); n != 1 {
		t.Errorf("%d touches recorded, want 1 (bot, edit and retry change nothing)", n)
	}
	card := h.say(alice, "show Acme")
	contains(t, "card", card, "<#C0E2E>", "customer wrote")
	hist := h.say(alice, "history Acme")
	contains(t, "history", hist, "message in <#C0E2E>", "(the customer)")
	lacks(t, "history", hist, "we would like to renew") // never the text

	// A team member's message moves the team side; after unlink nothing counts.
	mine := real.Add(2 * time.Second)
	if code, _ := h.event("EvMSG2", 0, map[string]any{"type": "message", "channel": "C0E2E", "user": bob, "user_team": h.team,
		"text": "Sure, sending the offer", "ts": slackTS(mine), "channel_type": "channel"}); code != http.StatusOK {
		t.Fatalf("team message: HTTP %d", code)
	}
	if c, ok := h.waitCustomer(id, func(c smed.Customer) bool { return !c.LastTeamAt.IsZero() }); !ok || !c.LastContactAt.Equal(mine) || c.LastContactBy != bob {
		t.Errorf("after our message: %+v", c)
	}
	contains(t, "unlink", h.say(alice, "unlink"), "Acme")
	after := mine.Add(time.Minute)
	if code, _ := h.event("EvMSG3", 0, map[string]any{"type": "message", "channel": "C0E2E", "user": external, "user_team": "TOTHERORG",
		"text": "one more", "ts": slackTS(after), "channel_type": "channel"}); code != http.StatusOK {
		t.Fatalf("message after unlink: HTTP %d", code)
	}
	time.Sleep(500 * time.Millisecond)
	if c, _ := h.waitCustomer(id, func(smed.Customer) bool { return true }); !c.LastContactAt.Equal(mine) {
		t.Errorf("a message after unlink moved the clock to %v", c.LastContactAt)
	}
}

func TestE2EDealLifetimeValue(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	h.say(alice, "note Acme kickoff")
	h.say(alice, "value Acme 10000")
	got := h.say(alice, "deal Acme 48.000 renewal")
	contains(t, "deal", got, "48,000", "Acme")
	card := h.say(alice, "show Acme")
	contains(t, "card after the deal", card, "Bought:", "48,000", "1 deal")
	contains(t, "history", h.say(alice, "history Acme"), "deal 48,000", "renewal")
	// A deal never creates a customer.
	lacks(t, "deal on an unknown name", h.say(alice, "deal Nobody 5"), "bought")
	h.unknown("Nobody")
}

func TestE2EUndo(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	h.say(alice, "note Acme first call")
	id := h.idOf("Acme")
	first, _ := h.waitCustomer(id, func(smed.Customer) bool { return true })
	time.Sleep(20 * time.Millisecond) // the next note gets a later time
	h.say(alice, "note Acme wrong customer oops")
	got := h.say(alice, "undo")
	contains(t, "undo", got, "Took back your note", "Acme", "wrong customer oops")
	card := h.say(alice, "show Acme")
	lacks(t, "card after undo", card, "wrong customer oops")
	contains(t, "card after undo", card, "first call")
	c, _ := h.waitCustomer(id, func(smed.Customer) bool { return true })
	if !c.LastContactAt.Equal(first.LastContactAt) || c.NoteCount != 1 {
		t.Errorf("after undo: last contact %v, %d notes; want %v, 1", c.LastContactAt, c.NoteCount, first.LastContactAt)
	}
	// Nothing more of alice's to take back; bob's undo is his own.
	lacks(t, "second undo", h.say(alice, "undo"), "Took back")
	lacks(t, "bob's undo", h.say(bob, "undo"), "Took back")
	h.say(alice, "remember Acme prefers calls")
	contains(t, "undo of a fact", h.say(alice, "undo"), "Took back your fact", "prefers calls")
	lacks(t, "card after undoing the fact", h.say(alice, "show Acme"), "prefers calls")
}

func TestE2EImportDeals(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	if r := h.importCSV("Acme,"+alice+",1000,30,,", "Beta,"+bob+",500,30,,"); r.code != 0 {
		t.Fatalf("customers: %v", r)
	}
	path := filepath.Join(t.TempDir(), "deals.csv")
	data := "customer,amount,date,text\n" +
		"Acme,12000,2025-01-15,licence\n" + // line 2
		"acme,3000,2025-02-01T10:00:00Z,\n" + // line 3: names compare case-insensitively
		"Nobody,5,2025-01-15,x\n" + // line 4: not a customer
		"Beta,lots,2025-01-15,\n" + // line 5: bad amount
		"Beta,700,2025-03-01,support\n" // line 6
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"3 deals added, 0 already there, 2 rows with problems",
		"0 deals added, 3 already there, 2 rows with problems", // the same file again adds nothing
	} {
		r := h.smed(nil, "", "import", path)
		if got := summaryLine(t, r); got != want || r.code != 1 {
			t.Errorf("import deals: summary %q (exit %d), want %q (exit 1)\n%v", got, r.code, want, r)
		}
		contains(t, "problems", r.stdout, `line 4: no customer called "Nobody"`, `line 5: amount "lots"`)
	}
	s := h.store()
	ctx := context.Background()
	for name, want := range map[string]int64{"Acme": 15000, "Beta": 700} {
		c, err := s.Customer(ctx, h.team, h.idOf(name))
		if err != nil || c.DealsSum != want || c.Worth() != want {
			t.Errorf("%s: deals %d (worth %d), %v; want %d", name, c.DealsSum, c.Worth(), err, want)
		}
	}
	ds, _ := s.Deals(ctx, h.team, h.idOf("Acme"), time.Time{})
	if len(ds) != 2 || !ds[0].At.Equal(time.Date(2025, 2, 1, 10, 0, 0, 0, time.UTC)) || ds[1].Text != "licence" {
		t.Errorf("Acme's deals = %+v", ds)
	}
	if err := s.CheckIndexes(ctx, h.team); err != nil {
		t.Error(err)
	}
}

// The reminder DM remembers what it listed (smed.ReminderMessages in Redis),
// so a note on one of its customers rewrites it.
func TestE2EReminderRewrittenOnContact(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	importOverdue(h)
	h.mustRun("remind")
	dms := h.slack.DMCalls(alice)
	if len(dms) != 1 {
		t.Fatalf("want one reminder DM to alice, got %d", len(dms))
	}
	h.start()
	h.say(bob, "note Acme called about the renewal")
	if !h.slack.WaitFor(10*time.Second, func() bool {
		for _, c := range h.slack.Calls("chat.update") {
			if c.Channel() == dms[0].Channel() {
				return true
			}
		}
		return false
	}) {
		t.Fatalf("alice's reminder DM was not rewritten after a note on Acme\n%s", tail(h.log(), 20))
	}
}
