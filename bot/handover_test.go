package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
	"github.com/smedhq/smed/loyalty"
	"github.com/smedhq/smed/reminders"
)

// Ownership: the owner, an admin, or anyone once the owner left or when
// there is none — for owner, handover and the Take over button alike.
func TestOwnershipRule(t *testing.T) {
	tests := []struct {
		who, setup, want string
	}{
		{"the owner", "", "now belong"},
		{"an admin", "", "now belong"},
		{"a stranger", "", "Only they or an admin"},
		{"a stranger, owner departed", "gone", "now belong"},
	}
	actor := map[string]string{"the owner": "U1", "an admin": "UADMIN", "a stranger": "U3", "a stranger, owner departed": "U3"}
	for _, tt := range tests {
		for _, verb := range []string{"owner", "handover"} {
			h := newHarness(t)
			h.do("U1", `note "Acme" hi`)
			if tt.setup == "gone" {
				h.dir.gone["U1"] = true
			}
			text := "owner Acme <@U2>"
			if verb == "handover" {
				text = "handover <@U1> <@U2>"
			}
			must(t, h.do(actor[tt.who], text), tt.want)
		}
	}
	// No owner: anyone may take it.
	h := newHarness(t)
	h.do("U1", `note "Acme" hi`)
	h.do("UADMIN", "owner Acme <@U9>")
	h.dir.gone["U9"] = true
	must(t, h.do("U3", "owner Acme <@U3>"), "now belongs to @U3")
}

func TestHandoverDMAndUndo(t *testing.T) {
	h := newHarness(t)
	h.do("U1", `note "Nordlys Møbler" Karin wants the catalogue`)
	h.do("U1", `remember "Nordlys Møbler" prefers calls before 10`)
	h.do("U1", `value "Nordlys Møbler" 250.000`)
	for _, n := range []string{"sample chairs", "visit planned", "visit done", "order coming"} {
		h.do("U1", `note "Nordlys Møbler" `+n) // 5 notes, all by U1: the knowledge rests on U1
	}
	h.do("U1", `note "Kobber & Co" quote sent`)
	h.do("U2", `note "Not Moved" stays`)
	b, fake := h.slackBot()
	h.cmds.notify = NewNotifier(b.api, 1, nil, nil)
	url, posted := responseURL(t)
	r := h.cmds.Run(context.Background(), Request{Team: h.team, User: "UADMIN", Text: "handover <@U1> <@U2>"})
	must(t, r.plain(), "2 accounts of @U1 now belong to @U2", "Undo")
	dms := fake.DMCalls("U2")
	if len(dms) != 1 {
		t.Fatalf("the new owner got %d DMs, want 1", len(dms))
	}
	dm := dms[0].Params.Get("blocks")
	for _, want := range []string{"You now look after 2 accounts", "Nordlys Møbler", "250,000", "prefers calls before 10", "order coming", "Kobber",
		`What we know rests on \u003c@U1\u003e (5 of 5 notes in 180 days)`} {
		if !strings.Contains(dm, want) {
			t.Errorf("handover DM lacks %q: %s", want, dm)
		}
	}
	if n := strings.Count(dm, "rests on"); n != 1 {
		t.Errorf("handover DM: %d accounts said to rest on one person, want 1 (Nordlys): %s", n, dm)
	}
	must(t, h.do("U1", "list <@U2>"), "Nordlys Møbler", "Kobber", "Not Moved")
	must(t, h.do("U1", "history Nordlys Møbler"), "handed over from @U1 to @U2 by @UADMIN")

	// Undo by someone else does nothing; by the admin who did it, it moves back.
	b.interact(context.Background(), click(h.team, "U3", url, actionUndoHandover, "U1:U2"))
	must(t, waitPost(t, posted), "Nothing to undo")
	b.interact(context.Background(), click(h.team, "UADMIN", url, actionUndoHandover, "U1:U2"))
	must(t, waitPost(t, posted), "Undone: 2 accounts belong to @U1 again")
	must(t, h.do("U1", "list mine"), "Nordlys Møbler", "Kobber")
	mustNot(t, h.do("U1", "list mine"), "Not Moved")
	// Too late: after the window nothing moves.
	h.do("UADMIN", "handover <@U1> <@U2>")
	h.now = h.now.Add(app.RevertWindow + 1)
	b.interact(context.Background(), click(h.team, "UADMIN", url, actionUndoHandover, "U1:U2"))
	must(t, waitPost(t, posted), "Nothing to undo")
}

// The digest's Take over button hands a departed owner's account to the
// clicker; a customer whose owner is still here is refused.
func TestTakeOverButton(t *testing.T) {
	h := newHarness(t)
	h.do("U1", `note "Acme" hi`)
	b, _ := h.slackBot()
	url, posted := responseURL(t)
	b.interact(context.Background(), click(h.team, "U3", url, actionTakeOver, h.id("Acme")))
	must(t, waitPost(t, posted), "Acme belongs to @U1")
	h.dir.gone["U1"] = true
	b.interact(context.Background(), click(h.team, "U3", url, actionTakeOver, h.id("Acme")))
	must(t, waitPost(t, posted), "Acme is yours now")
	must(t, h.do("U3", "show Acme"), "Owner: @U3")
}

// The digest offers Take over beside each orphaned account.
func TestDigestOrphansHaveTakeOver(t *testing.T) {
	h := newHarness(t)
	h.do("U1", `note "Orphan Co" hi`)
	h.dir.gone["U1"] = true
	d := digestOf(t, h)
	js := string(mustJSON(t, digestReply(d).blocks()))
	if !strings.Contains(js, `"action_id":"take_over"`) || !strings.Contains(js, h.id("Orphan Co")) {
		t.Errorf("digest without a Take over button for the orphaned account: %s", js)
	}
}

func digestOf(t *testing.T, h *harness) reminders.Digest {
	t.Helper()
	d, err := reminders.NewEngine(h.store, h.store, nil, h.dir, time.UTC, nil).BuildDigest(context.Background(), h.team, h.now)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The new owner's handover DM, built from known data at a fixed time.
func TestHandoverDMGolden(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	ago := func(d int) time.Time { return now.Add(-time.Duration(d) * smed.Day) }
	h := app.HandedOver{From: "U1", To: "U2", Moved: []smed.Card{
		{Customer: smed.Customer{ID: "000000000001", Name: "Nordlys Møbler", Owner: "U2", Value: 250000, CadenceDays: 18,
			CreatedAt: ago(400), LastContactAt: ago(10), LastContactBy: "U1", NoteCount: 23, DealsSum: 400000, DealsCount: 4},
			Facts: []smed.Fact{{ID: "5", Author: "U1", At: ago(300), Text: "prefers calls before 10"}},
			Notes: []smed.Note{{Author: "U1", At: ago(10), Text: "Karin wants the catalogue <!channel>"}}},
		{Customer: smed.Customer{ID: "000000000002", Name: "Kobber & Co", Owner: "U2", CadenceDays: 30, CreatedAt: ago(50), LastContactAt: ago(45)}},
	}, RestsOn: map[string]loyalty.Knowledge{"000000000001": {Notes: 10, Author: "U1", ByAuthor: 10, Share: 1}}}
	golden(t, "handover_dm.golden.json", handoverReply(h, "UADMIN", now).blocks())
}
