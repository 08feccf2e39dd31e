package storage

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/loyalty"
)

func TestLoyaltyRedis(t *testing.T) {
	runLoyalty(t, func(t *testing.T) *Store { return redisStore(t) })
}
func TestLoyaltyMemory(t *testing.T) {
	runLoyalty(t, func(t *testing.T) *Store { return memoryStore(t) })
}

// The package's rules and the scripts' copies of them agree.
func TestLoyaltyConstants(t *testing.T) {
	if rhythmDays != loyalty.RhythmDays || minRhythmDays != loyalty.MinRhythmDays ||
		knowWindowDays*smed.Day != loyalty.KnowledgeWindow || followUpDays*smed.Day != loyalty.FollowUpWindow ||
		repurchaseDays*smed.Day != loyalty.RepurchaseWindow ||
		(loyalty.Bounds{Floor: defaultFloor, Ceiling: defaultCeiling}) != loyalty.DefaultConfig().Bounds {
		t.Error("storage's copies of the loyalty rules differ from package loyalty")
	}
}

func runLoyalty(t *testing.T, newStore func(t *testing.T) *Store) {
	// Random histories, logged in random order: what the indexes answer is
	// what package loyalty says of the same notes, read back in full.
	t.Run("AgreesWithLoyaltyRules", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		rng := rand.New(rand.NewPCG(7, 11))
		authors := []string{"U1", "U1", "U1", "U1", "U2", "U3"}
		type note struct {
			name, author string
			at           time.Time
		}
		var notes []note
		for i := range 60 {
			name := fmt.Sprintf("C%02d", i)
			gap := 3 + rng.IntN(40)
			n := 1 + rng.IntN(9)
			at := t0.Add(-time.Duration(rng.IntN(30)) * smed.Day)
			for range n {
				notes = append(notes, note{name, authors[rng.IntN(len(authors))], at.Add(time.Duration(rng.IntN(3600)) * time.Second)})
				at = at.Add(-time.Duration(gap+rng.IntN(gap)) * smed.Day)
			}
		}
		rng.Shuffle(len(notes), func(i, j int) { notes[i], notes[j] = notes[j], notes[i] })
		for _, n := range notes {
			mustNote(t, s, team, named(n.name, "x"), n.author, n.at)
		}
		// Deals on every third customer, some on one day, some a year or
		// more apart, in random order: contact, and buying figures.
		for i := 0; i < 60; i += 3 {
			for range 1 + rng.IntN(4) {
				at := t0.Add(-time.Duration(rng.IntN(500)) * smed.Day).Add(time.Duration(rng.IntN(7200)) * time.Second)
				_, err := s.AddDeal(ctx, team, smed.DealRequest{Candidates: named(fmt.Sprintf("C%02d", i), "order"),
					Amount: int64(1000 * (1 + rng.IntN(50))), Author: "U2", At: at})
				if err != nil {
					t.Fatal(err)
				}
			}
		}
		for i, c := range all(t, s, team) {
			switch i % 7 {
			case 0:
				if _, err := s.Update(ctx, team, c.Customer.ID, smed.Change{CadenceDays: ptr(14)}); err != nil {
					t.Fatal(err)
				}
			case 1:
				if _, err := s.Update(ctx, team, c.Customer.ID, smed.Change{SnoozedUntil: ptr(t0.Add(9 * smed.Day))}); err != nil {
					t.Fatal(err)
				}
			case 2:
				if _, err := s.Update(ctx, team, c.Customer.ID, smed.Change{Owner: ptr("U9")}); err != nil {
					t.Fatal(err)
				}
			}
		}
		checked(t, s, team, "random histories")

		after := t0.Add(2 * time.Hour) // every note is at or before
		contacts := map[string][]loyalty.Contact{}
		deals := map[string][]loyalty.Deal{}
		var customers []smed.Customer
		for _, card := range all(t, s, team) {
			c, entries, _, err := s.History(ctx, team, card.Customer.ID, 0, 1000)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				switch e.Kind {
				case smed.EntryNote:
					contacts[c.ID] = append(contacts[c.ID], loyalty.NoteContact(e.Note))
				case smed.EntryDeal:
					contacts[c.ID] = append(contacts[c.ID], loyalty.Contact{At: e.Deal.At, Kind: loyalty.KindDeal, Author: e.Deal.Author})
					deals[c.ID] = append(deals[c.ID], loyalty.Deal{At: e.Deal.At, Amount: e.Deal.Amount, Author: e.Deal.Author})
				}
			}
			customers = append(customers, c)
			r := loyalty.ContactRhythm(contacts[c.ID], after, time.UTC)
			if want := loyalty.CadenceFor(smed.Customer{CadenceDays: 30, CadenceSet: c.CadenceSet}, r, loyalty.DefaultConfig().Bounds); !c.CadenceSet && c.CadenceDays != want.Days {
				t.Errorf("%s: cadence %d, want %d (%s from gaps %v)", c.Name, c.CadenceDays, want.Days, want.Source, r.Gaps)
			}
		}
		slices.SortFunc(customers, byWorth)
		var learned int
		for _, c := range customers {
			if !c.CadenceSet && len(contacts[c.ID]) >= 4 {
				learned++
			}
		}
		if learned < 10 {
			t.Fatalf("only %d customers learned a cadence: the test data do not test it", learned)
		}

		for _, days := range []int{0, 5, 12, 30, 70} {
			now := after.Add(time.Duration(days) * smed.Day)
			for _, owner := range []string{"", "U1", "U9"} {
				var want []string
				for _, c := range customers {
					if (owner == "" || c.Owner == owner) && loyalty.DriftOf(c, contacts[c.ID], now, time.UTC).State == loyalty.StateDrifting {
						want = append(want, c.Name)
					}
				}
				got, n, err := s.Drifting(ctx, team, owner, now, 1000)
				if err != nil {
					t.Fatal(err)
				}
				var names []string
				for _, d := range got {
					names = append(names, d.Customer.Name)
					if wantGaps := loyalty.DriftOf(d.Customer, contacts[d.Customer.ID], now, time.UTC).Gaps; !slices.Equal(d.Gaps, wantGaps) {
						t.Errorf("+%dd %s: gaps %v, want %v", days, d.Customer.Name, d.Gaps, wantGaps)
					}
				}
				if diff := cmp.Diff(want, names); diff != "" || n != len(want) {
					t.Errorf("drifting at +%dd, owner %q (%d) (-want +got):\n%s", days, owner, n, diff)
				}
			}
			var want []string
			for _, c := range customers {
				if loyalty.KnowledgeOf(contacts[c.ID], now).RestsOnOne() {
					want = append(want, c.Name)
				}
			}
			got, err := s.Concentrated(ctx, team, now, 1000)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range got {
				names = append(names, c.Customer.Name)
			}
			if diff := cmp.Diff(want, names); diff != "" {
				t.Errorf("concentrated at +%dd (-want +got):\n%s", days, diff)
			}
			if days == 0 && len(want) == 0 {
				t.Error("no customer rests on one person: the test data do not test it")
			}
			r := loyalty.RepurchaseRate(deals, now, time.UTC)
			wantR := smed.RepurchaseFigures{Buyers: r.Buyers, Returning: r.Returning, Value: r.Value, RepeatValue: r.RepeatValue}
			if gotR, err := s.Repurchase(ctx, team, now); err != nil || gotR != wantR {
				t.Errorf("repurchase at +%dd = %+v, %v; want %+v", days, gotR, err, wantR)
			}
			if days == 0 && (r.Returning == 0 || r.RepeatValue == 0 || r.Returning == r.Buyers) {
				t.Errorf("repurchase %+v: the test data do not test it", r)
			}
		}
	})

	// Gaps 12 → 19 → 31: drifting before it is overdue, and a note ends it.
	t.Run("DriftEndsWithContact", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		at := t0.Add(-100 * smed.Day)
		var id string
		for _, gap := range []int{0, 20, 20, 12, 19} {
			at = at.Add(time.Duration(gap) * smed.Day)
			id = mustNote(t, s, team, named("Kobber & Co", "x"), "U1", at).Customer.ID
		}
		if _, err := s.Update(ctx, team, id, smed.Change{CadenceDays: ptr(60)}); err != nil {
			t.Fatal(err)
		}
		now := at.Add(20 * smed.Day) // gaps 12 → 19 → 20: growing
		got, n, err := s.Drifting(ctx, team, "U1", now, 5)
		if err != nil || n != 1 || len(got) != 1 || !slices.Equal(got[0].Gaps, []int{12, 19, 20}) {
			t.Fatalf("Drifting = %+v, %d, %v; want Kobber & Co with gaps 12 → 19 → 20", got, n, err)
		}
		mustNote(t, s, team, named("Kobber & Co", "called"), "U2", now)
		if got, n, err := s.Drifting(ctx, team, "", now.Add(smed.Day), 5); err != nil || n != 0 {
			t.Errorf("after a note: Drifting = %+v, %d, %v; want none", got, n, err)
		}
		// Overdue is not drifting: the neglect rule speaks then.
		if got, n, _ := s.Drifting(ctx, team, "", now.Add(61*smed.Day), 5); n != 0 {
			t.Errorf("overdue: Drifting = %+v, want none", got)
		}
		checked(t, s, team, "drift")
	})

	// A learned cadence moves the due time: reminders follow the rhythm.
	t.Run("LearnedCadenceMovesDue", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		var id string
		for i := range 5 {
			id = mustNote(t, s, team, named("Ærø Fisk", "x"), "U1", t0.Add(time.Duration(i*18)*smed.Day)).Customer.ID
		}
		c, err := s.Customer(ctx, team, id)
		if err != nil || c.CadenceDays != 18 || c.CadenceSet {
			t.Fatalf("cadence = %d (set %v), %v; want 18 learned", c.CadenceDays, c.CadenceSet, err)
		}
		if got, want := dueScore(t, s, team, id), toMS(t0.Add(4*18*smed.Day+18*smed.Day)); got != want {
			t.Errorf("due %d, want %d", got, want)
		}
		if _, err := s.Update(ctx, team, id, smed.Change{CadenceDays: ptr(45)}); err != nil {
			t.Fatal(err)
		}
		mustNote(t, s, team, named("Ærø Fisk", "x"), "U1", t0.Add(100*smed.Day))
		if c, _ := s.Customer(ctx, team, id); c.CadenceDays != 45 {
			t.Errorf("a set cadence must win: %d", c.CadenceDays)
		}
		checked(t, s, team, "learned cadence")
	})

	t.Run("CadenceBounds", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		s.floor, s.ceiling = 10, 20
		var id string
		for i := range 5 {
			id = mustNote(t, s, team, named("Daily", "x"), "U1", t0.Add(time.Duration(i)*smed.Day)).Customer.ID
		}
		if c, _ := s.Customer(t.Context(), team, id); c.CadenceDays != 10 {
			t.Errorf("a daily customer learns the floor, 10; got %d", c.CadenceDays)
		}
	})

	// Listings settle into follow-through and runs of ignored reminders.
	t.Run("FollowThrough", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		a := mustNote(t, s, team, named("A", "x"), "U1", t0).Customer.ID
		b := mustNote(t, s, team, named("B", "x"), "U1", t0).Customer.ID
		c := mustNote(t, s, team, named("C", "x"), "U1", t0).Customer.ID
		if _, err := s.Update(ctx, team, c, smed.Change{Value: ptr[int64](2_000_000)}); err != nil {
			t.Fatal(err)
		}
		day := t0.Add(40 * smed.Day)
		for i := range 4 {
			at := day.Add(time.Duration(i*4) * smed.Day)
			if err := s.RecordListing(ctx, team, "U1", []string{a, b, c}, at); err != nil {
				t.Fatal(err)
			}
			switch i {
			case 0:
				mustNote(t, s, team, named("A", "called"), "U2", at.Add(2*smed.Day)) // within three days
				if _, err := s.Update(ctx, team, b, smed.Change{SnoozedUntil: ptr(at.Add(30 * smed.Day)), At: at.Add(smed.Day)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		ft, err := s.FollowThroughs(ctx, team)
		if err != nil {
			t.Fatal(err)
		}
		// A: contacted once, then ignored twice (the 4th listing is still
		// open); B: snoozed, then ignored twice; C: ignored three times.
		want := map[string]smed.FollowThrough{"U1": {Listed: 9, Contacted: 1, Snoozed: 1, Ignored: 7}}
		if diff := cmp.Diff(want, ft); diff != "" {
			t.Errorf("follow-through (-want +got):\n%s", diff)
		}
		runs, err := s.IgnoredRuns(ctx, team, 3, 10)
		if err != nil || len(runs) != 1 || runs[0].Customer.ID != c || runs[0].Times != 3 {
			t.Errorf("IgnoredRuns = %+v, %v; want C ignored 3 times", runs, err)
		}
		mustNote(t, s, team, named("C", "at last"), "U1", day.Add(13*smed.Day))
		if runs, _ := s.IgnoredRuns(ctx, team, 1, 10); slices.ContainsFunc(runs, func(r smed.Ignored) bool { return r.Customer.ID == c }) {
			t.Errorf("a contact ends C's run: %+v", runs)
		}
	})

	t.Run("Snapshots", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		first := smed.TeamSnapshot{Date: "2026-11-01", Customers: 3, Overdue: 1, Value: 900, AtRisk: 300, Buyers: 2, Returning: 1}
		for _, snap := range []smed.TeamSnapshot{first, {Date: "2026-11-01", Customers: 99}} {
			if err := s.SaveSnapshot(ctx, team, snap); err != nil {
				t.Fatal(err)
			}
		}
		if got, err := s.Snapshots(ctx, team, []string{"2026-11-01", "2026-10-31"}); err != nil || !slices.Equal(got, []smed.TeamSnapshot{first}) {
			t.Errorf("the first of a day wins: %+v, %v", got, err)
		}
		if err := s.SaveSnapshot(ctx, team, smed.TeamSnapshot{Date: "2027-03-01", Customers: 4}); err != nil {
			t.Fatal(err)
		}
		got, err := s.Snapshots(ctx, team, []string{"2026-11-01", "2027-03-01", "2027-02-01"})
		if err != nil {
			t.Fatal(err)
		}
		// A snapshot 120 days older than the latest is gone.
		if diff := cmp.Diff([]smed.TeamSnapshot{{Date: "2027-03-01", Customers: 4}}, got); diff != "" {
			t.Errorf("snapshots (-want +got):\n%s", diff)
		}
		if err := s.SaveSnapshot(ctx, team, smed.TeamSnapshot{Date: "1 May"}); !errorsIs(err, smed.ErrInvalid) {
			t.Errorf("bad date: %v", err)
		}
	})
}

// customerFields is every field decodeCustomer reads: a customer read through
// it is the customer HGETALL gives.
func TestCustomerFieldsDecodeWhole(t *testing.T) {
	s := redisStore(t)
	ctx := t.Context()
	id := mustNote(t, s, team, named("Acme Corp", "x"), "U1", t0).Customer.ID
	if _, err := s.Update(ctx, team, id, smed.Change{Value: ptr[int64](5), CadenceDays: ptr(9), SnoozedUntil: ptr(t0.Add(smed.Day))}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddDeal(ctx, team, smed.DealRequest{CustomerID: id, Amount: 70, Author: "U2", At: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Link(ctx, team, "C0ACME", id, "U1", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddTouch(ctx, team, smed.Touch{At: t0.Add(2 * time.Hour), Author: "U9", Side: smed.SideCustomer, Channel: "C0ACME", TS: "1.2"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rename(ctx, team, id, "Acme Corp A/S", "U1", t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	k, _ := s.team("test", team)
	whole, err := s.Customer(ctx, team, id)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := s.hashes(ctx, k, []string{id}, customerFields...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeCustomer(hs[0])
	if diff := cmp.Diff(whole, got); diff != "" || err != nil {
		t.Errorf("through customerFields (-HGETALL +HMGET), %v:\n%s", err, diff)
	}
}

// Who-knows-what through long histories: runs of one author and mixes of
// several, past the 4,000 bytes kauth keeps (so old notes are trimmed as
// new ones come), with a note now and then out of order. After every note
// the customer is in the concentration candidates exactly when some run of
// its latest notes rests on one person (CheckIndexes recomputes it), which
// the quick check after a plain append must agree with.
func TestKnowledgeThroughLongHistories(t *testing.T) {
	t.Parallel()
	s := redisStore(t)
	rng := rand.New(rand.NewPCG(7, 11))
	authors := []string{"U0A", "U0B", "U0C", "U0D"}
	for c := range 6 {
		name := fmt.Sprintf("Kunde %d", c)
		at := t0
		author := authors[0]
		for i := range 400 {
			switch r := rng.IntN(100); {
			case r < 8: // a new run of someone
				author = authors[rng.IntN(len(authors))]
			case r < 8+c*8: // mixes, more of them in later customers
				author = authors[rng.IntN(len(authors))]
			}
			step := time.Duration(1+rng.IntN(20)) * time.Hour
			when := at.Add(step)
			if rng.IntN(30) == 0 {
				when = at.Add(-step) // a note logged late
			} else {
				at = when
			}
			id := mustNote(t, s, team, named(name, "x"), author, when).Customer.ID
			// After a note, kca is exact: someone iff a run rests on one.
			k, _ := s.team("test", team)
			v, err := s.rdb.HMGet(t.Context(), k.customer(id), "kauth", "kca").Result()
			if err != nil {
				t.Fatal(err)
			}
			kauth, _ := v[0].(string)
			kca, _ := v[1].(string)
			if rests := knowledgeSuffix(notesOfKauth(kauth)); rests != (kca != "") {
				t.Fatalf("%s note %d by %s: a run rests on one: %v, kca %q (kauth %d bytes)", name, i, author, rests, kca, len(kauth))
			}
			if i%10 == 9 {
				checked(t, s, team, fmt.Sprintf("%s note %d", name, i))
				if t.Failed() {
					return
				}
			}
		}
	}
}

// one_dropped, which lets a note at the kauth cap keep the customer on the
// author it rests on without reading the whole history again, holds only
// for exactly one oldest entry pushed out and the note appended; anything
// else (two pushed out, a note not last, a different tail) reads it all. In
// the last case a run that rested can stop resting: [A×8 B×2] is 80 % A,
// less its first two and plus an A it is 7 of 9.
func TestOneDroppedIsExactlyOneOut(t *testing.T) {
	s := redisStore(t)
	script := redis.NewScript(prelude + `return one_dropped(ARGV[1], ARGV[2], ARGV[3]) and 1 or 0`)
	was := "1:A;2:A;3:A;4:A;5:A;6:A;7:A;8:A;9:B;10:B"
	for _, c := range []struct {
		kauth, e string
		want     int64
	}{
		{"2:A;3:A;4:A;5:A;6:A;7:A;8:A;9:B;10:B;11:A", "11:A", 1},
		{"3:A;4:A;5:A;6:A;7:A;8:A;9:B;10:B;11:A", "11:A", 0},          // two out
		{"1:A;2:A;3:A;4:A;5:A;6:A;7:A;8:A;9:B;10:B;11:A", "11:A", 0},  // none out (the append path)
		{"2:A;3:A;4:A;5:A;6:A;7:A;8:A;9:B;10:B;11:A;12:A", "12:A", 0}, // more than the note added
		{"2:A;3:A;4:A;5:A;6:A;7:A;8:A;9:B;10:B;11:A", "11:B", 0},      // another tail
		{"2:A;3:A;4:A;5:A;6:A;7:A;8:A;9:B;10:B;0:A;11:A", "11:A", 0},  // something in between
	} {
		got, err := script.Run(t.Context(), s.rdb, nil, was, c.kauth, c.e).Int64()
		if err != nil || got != c.want {
			t.Errorf("one_dropped(%q, %q, %q) = %d, %v; want %d", was, c.kauth, c.e, got, err, c.want)
		}
	}
	if knowledgeSuffix(notesOfKauth("3:A;4:A;5:A;6:A;7:A;8:A;9:B;10:B;11:A")) {
		t.Error("[A×8 B×2] less two plus an A still rests on A; the case above is not the one it claims")
	}
}
