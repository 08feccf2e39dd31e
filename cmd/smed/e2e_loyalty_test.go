package main

import (
	"context"
	"testing"
	"time"

	"github.com/smedhq/smed"
)

// A year of history, then the loyalty figures where people look: the card,
// `stats`, the reminder and the digest, each figure checked by hand.
//
//   - Nordlys Møbler (alice): a note every 18 days for 396 days, all by
//     alice (the last 10 days ago); orders of 100,000 on four of those days,
//     90 days apart (406, 316, 226 and 136 days ago); potential 250.000.
//     Learned cadence: the median gap of its latest 9 contact days, 18.
//     Buying rhythm: 90 days, last order 136 days ago. Lifetime 400,000 in
//     4 deals. Knowledge: 10 notes in 180 days, 10 by alice: rests on her.
//   - Brdr. Dahl (bob): a first order of 50.000 today, by slash command.
//   - Repurchase over 365 days: buyers Nordlys (3 orders in the window) and
//     Dahl (1): 1 of 2 bought again, 50 %; deal value 350,000, of which
//     300,000 came from repeat orders (each of Nordlys' three had one in the
//     365 days before it): 86 %.
//   - Kobber & Co (bob): notes 80, 62, 50 and 31 days ago, cadence set to
//     60 days, so due in 29 days: not overdue, but drifting, its silence
//     (31 days) past 1.5 × its median gap (18): gaps 12 → 19 → 31 days.
func TestE2ELoyaltyFigures(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	if r := h.importCSV("Oldie," + bob + ",1000,30," + daysAgo(90) + ","); r.code != 0 {
		t.Fatalf("import: %v", r) // so bob has a reminder to carry the drifting section
	}
	s, ctx := h.store(), context.Background()
	now := time.Now()
	ago := func(days int) time.Time { return now.Add(-time.Duration(days) * smed.Day) }
	note := func(name, author string, days int) string {
		t.Helper()
		r, err := s.AddNote(ctx, h.team, smed.NoteRequest{Candidates: []smed.Candidate{{Name: name, Rest: "talked"}},
			Author: author, At: ago(days), Create: true, CadenceDays: 30})
		if err != nil {
			t.Fatal(err)
		}
		return r.Customer.ID
	}
	var nordlys string
	for k := 22; k >= 0; k-- {
		nordlys = note("Nordlys Møbler", alice, 10+18*k)
	}
	for _, d := range []int{406, 316, 226, 136} {
		if _, err := s.AddDeal(ctx, h.team, smed.DealRequest{CustomerID: nordlys, Amount: 100_000, Author: alice, At: ago(d), Text: "order"}); err != nil {
			t.Fatal(err)
		}
	}
	for i, d := range []int{80, 62, 50, 31} {
		note("Kobber & Co", []string{bob, carol}[i%2], d)
	}
	note("Brdr. Dahl", bob, 20)

	h.start()
	h.say(alice, `value "Nordlys Møbler" 250.000`)
	h.say(bob, `cadence "Kobber & Co" 60d`)
	h.say(bob, `value "Kobber & Co" 2.000.000`)
	deal := h.say(bob, `deal "Brdr. Dahl" 50.000 first order`)
	contains(t, "deal", deal, "Brdr. Dahl", "50,000", "1 deal")

	card := h.say(alice, `show "Nordlys Møbler"`)
	contains(t, "Nordlys' card", card, "usually every ~18 days (learned)",
		"usually orders every ~90 days; last order 136 days ago",
		"250,000", "400,000 in 4 deals", "10 of 10 notes in 180 days")
	card = h.say(bob, `show "Kobber & Co"`)
	contains(t, "Kobber's card", card, "every 60 days (set)", "drifting: gaps 12 → 19 → 31 days")
	lacks(t, "Kobber's card", card, "(learned)")

	stats := h.say(alice, "stats")
	contains(t, "stats", stats, "50% of the 2 buyers of the last 365 days bought again (1 of 2)",
		"86% of deal value came from customers buying again", "rests on one person", "Nordlys Møbler")

	drift := h.say(bob, "list mine drifting")
	contains(t, "list drifting", drift, "1 account not overdue yet", "Kobber &amp; Co", "gaps 12 → 19 → 31 days")
	lacks(t, "list drifting", drift, "Oldie", "Nordlys")

	rem := h.mustRun("remind", "--dry-run")
	contains(t, "bob's reminder", rem.stdout, "Oldie", "Drifting", "Kobber & Co", "12 → 19 → 31")
	dig := h.mustRun("digest", "--dry-run")
	contains(t, "digest", dig.stdout, "Drifting", "Kobber & Co", "12 → 19 → 31",
		"Knowledge that rests on one person", "Nordlys Møbler")

	// A list shows what each is worth: the larger of potential and deals.
	contains(t, "list", h.say(bob, "list"), "*Nordlys Møbler* · 400,000", "*Brdr. Dahl* · 50,000", "*Kobber &amp; Co* · 2,000,000")
}
