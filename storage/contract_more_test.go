package storage

import (
	"errors"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/smedhq/smed"
)

// The contract of links, touches, deals and undo (smed.Links, smed.Deals,
// smed.Undo, smed.ReminderMessages), on a real redis-server, on memory://
// and (cluster_test.go) on a 3-master cluster. Every step ends with
// CheckIndexes: the indexes must follow every write exactly.
func TestContractMoreRedis(t *testing.T) {
	runContractMore(t, func(t *testing.T) *Store { return redisStore(t) })
}
func TestContractMoreMemory(t *testing.T) {
	runContractMore(t, func(t *testing.T) *Store { return memoryStore(t) })
}

const (
	chanA = "C0AAAAAAA"
	chanB = "C0BBBBBBB"
	chanC = "G0CCCCCCC"
)

func runContractMore(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("Links", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		acme := mustNote(t, s, team, named("Acme", "x"), "U1", t0).Customer.ID
		bolt := mustNote(t, s, team, named("Bolt", "x"), "U1", t0).Customer.ID
		for _, ch := range []string{chanB, chanA} {
			if _, err := s.Link(ctx, team, ch, acme, "U1", t0); err != nil {
				t.Fatalf("Link(%s): %v", ch, err)
			}
		}
		checked(t, s, team, "link")
		if got, err := s.Links(ctx, team, acme); err != nil || !slices.Equal(got, []string{chanA, chanB}) {
			t.Errorf("Links(acme) = %v, %v", got, err)
		}
		if got, err := s.LinkedTo(ctx, team, chanA); err != nil || got != (smed.NameRef{ID: acme, Name: "Acme"}) {
			t.Errorf("LinkedTo(A) = %+v, %v", got, err)
		}
		// Linked again to the same customer: nothing changes.
		if _, err := s.Link(ctx, team, chanA, acme, "U2", t0.Add(time.Hour)); err != nil {
			t.Errorf("relink to the same customer: %v", err)
		}
		// Linked to another: a conflict naming the customer it belongs to.
		other, err := s.Link(ctx, team, chanA, bolt, "U1", t0)
		if !errors.Is(err, smed.ErrConflict) || other != (smed.NameRef{ID: acme, Name: "Acme"}) {
			t.Errorf("Link(A, bolt) = %+v, %v; want conflict with Acme", other, err)
		}
		if got, _ := s.LinkedTo(ctx, team, chanA); got.ID != acme {
			t.Errorf("after the conflict A is linked to %+v", got)
		}
		if got, _ := s.Links(ctx, team, bolt); len(got) != 0 {
			t.Errorf("Links(bolt) = %v", got)
		}
		checked(t, s, team, "conflict")
		if _, err := s.Link(ctx, team, chanC, "0123456789ab", "U1", t0); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("Link to a customer that does not exist: %v", err)
		}
		if _, err := s.Link(ctx, team, "not a channel", acme, "U1", t0); !errors.Is(err, smed.ErrInvalid) {
			t.Errorf("Link of a bad channel ID: %v", err)
		}
		ref, err := s.Unlink(ctx, team, chanA)
		if err != nil || ref != (smed.NameRef{ID: acme, Name: "Acme"}) {
			t.Errorf("Unlink(A) = %+v, %v", ref, err)
		}
		checked(t, s, team, "unlink")
		if _, err := s.Unlink(ctx, team, chanA); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("second Unlink(A): %v", err)
		}
		if _, err := s.LinkedTo(ctx, team, chanA); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("LinkedTo(A) after unlink: %v", err)
		}
		if got, _ := s.Links(ctx, team, acme); !slices.Equal(got, []string{chanB}) {
			t.Errorf("Links(acme) after unlink = %v", got)
		}
		// Free again: it can go to another customer.
		if _, err := s.Link(ctx, team, chanA, bolt, "U1", t0); err != nil {
			t.Errorf("Link(A, bolt) after unlink: %v", err)
		}
		checked(t, s, team, "relink elsewhere")
	})

	t.Run("Touches", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		acme := mustNote(t, s, team, named("Acme", "x"), "U1", t0).Customer.ID
		if _, err := s.Link(ctx, team, chanA, acme, "U1", t0); err != nil {
			t.Fatal(err)
		}
		due0 := dueScore(t, s, team, acme)
		// The customer writes an hour later: clock and customer side move.
		at1 := t0.Add(time.Hour)
		c, err := s.AddTouch(ctx, team, smed.Touch{At: at1, Author: "UEXT1", Side: smed.SideCustomer, Channel: chanA, TS: "1741000000.000100"})
		if err != nil {
			t.Fatal(err)
		}
		if !c.LastContactAt.Equal(at1) || c.LastContactBy != "UEXT1" || !c.LastCustomerAt.Equal(at1) || !c.LastTeamAt.IsZero() {
			t.Errorf("after a customer touch = %+v", c)
		}
		if got := dueScore(t, s, team, acme); got != due0+time.Hour.Milliseconds() {
			t.Errorf("due after the touch = %d, want %d", got, due0+time.Hour.Milliseconds())
		}
		checked(t, s, team, "customer touch")
		// A team message from before (delivered late): the team side moves,
		// the clock does not go back.
		at2 := t0.Add(30 * time.Minute)
		c, err = s.AddTouch(ctx, team, smed.Touch{At: at2, Author: "U2", Side: smed.SideTeam, Channel: chanA, TS: "1741000000.000050"})
		if err != nil {
			t.Fatal(err)
		}
		if !c.LastContactAt.Equal(at1) || c.LastContactBy != "UEXT1" || !c.LastTeamAt.Equal(at2) || !c.LastCustomerAt.Equal(at1) {
			t.Errorf("after an older team touch = %+v", c)
		}
		checked(t, s, team, "older touch")
		// The same message again (same channel and ts): counted once.
		c2, err := s.AddTouch(ctx, team, smed.Touch{At: at2, Author: "U2", Side: smed.SideTeam, Channel: chanA, TS: "1741000000.000050"})
		if err != nil || !c2.LastTeamAt.Equal(at2) || !c2.LastContactAt.Equal(at1) {
			t.Errorf("duplicate touch = %+v, %v", c2, err)
		}
		checked(t, s, team, "duplicate touch")
		if n := touchesIn(t, s, acme); n != 2 {
			t.Errorf("history holds %d touches, want 2", n)
		}
		// A channel that is not linked: ErrNotFound and nothing written.
		before := allKeys(t, s)
		if _, err := s.AddTouch(ctx, team, smed.Touch{At: at1, Author: "U2", Side: smed.SideTeam, Channel: chanB, TS: "1.2"}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("touch in an unlinked channel: %v", err)
		}
		if after := allKeys(t, s); len(after) != len(before) {
			t.Errorf("keys %d → %d after a touch in an unlinked channel", len(before), len(after))
		}
		if c, _ := s.Customer(ctx, team, acme); !c.LastContactAt.Equal(at1) {
			t.Errorf("unlinked touch moved the clock: %+v", c)
		}
		if _, err := s.AddTouch(ctx, team, smed.Touch{At: at1, Author: "U2", Side: "both", Channel: chanA, TS: "1.3"}); !errors.Is(err, smed.ErrInvalid) {
			t.Errorf("touch with a bad side: %v", err)
		}
		// History shows touches, newest first, with side and channel.
		_, es, _, err := s.History(ctx, team, acme, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range es {
			kinds = append(kinds, string(e.Kind)+":"+string(e.Touch.Side)+e.Touch.Channel)
		}
		want := []string{"touch:customer" + chanA, "touch:team" + chanA, "note:"}
		if diff := cmp.Diff(want, kinds); diff != "" {
			t.Errorf("history (-want +got):\n%s", diff)
		}
		// A note later moves the clock as before.
		mustNote(t, s, team, named("Acme", "call"), "U1", t0.Add(2*time.Hour))
		checked(t, s, team, "note after touches")
	})

	t.Run("OutOfOrderKeptInTimeOrder", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		acme := mustNote(t, s, team, named("Acme", "x"), "U1", t0).Customer.ID
		if _, err := s.Link(ctx, team, chanA, acme, "U1", t0); err != nil {
			t.Fatal(err)
		}
		// 150 messages and 150 deals in a scrambled order (a permutation of
		// 0..149, some times shared), each touch delivered twice.
		const n = 150
		for i := range n {
			j := (i * 37) % n
			at := t0.Add(time.Duration(j/2) * time.Minute)
			tc := smed.Touch{At: at, Author: "U2", Side: smed.SideTeam, Channel: chanA, TS: "17." + strconv.Itoa(j)}
			for range 2 {
				if _, err := s.AddTouch(ctx, team, tc); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.AddDeal(ctx, team, smed.DealRequest{CustomerID: acme, Amount: int64(j), Author: "U1", At: at}); err != nil {
				t.Fatal(err)
			}
		}
		checked(t, s, team, "scrambled") // checks both lists' order and no touch twice
		if n := touchesIn(t, s, acme); n != 150 {
			t.Errorf("%d touches, want 150", n)
		}
		ds, _ := s.Deals(ctx, team, acme, time.Time{})
		if len(ds) != n || !ds[0].At.Equal(t0.Add(74*time.Minute)) || !ds[n-1].At.Equal(t0) {
			t.Errorf("%d deals, newest %v, oldest %v", len(ds), ds[0].At, ds[len(ds)-1].At)
		}
		c, _ := s.Customer(ctx, team, acme)
		if c.DealsSum != n*(n-1)/2 || !c.LastContactAt.Equal(t0.Add(74*time.Minute)) || !c.LastTeamAt.Equal(t0.Add(74*time.Minute)) {
			t.Errorf("customer = %+v", c)
		}
	})

	t.Run("DealByCandidatesAndID", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		acme := mustNote(t, s, team, named("Acme Corp", "x"), "U1", t0).Customer.ID
		at := t0.Add(time.Hour)
		rc, err := s.AddDeal(ctx, team, smed.DealRequest{Candidates: words("acme corp renewal 2025"), Amount: 48000, Author: "U2", At: at})
		if err != nil {
			t.Fatal(err)
		}
		c := rc.Customer
		if rc.Duplicate || rc.Matched != 2 || rc.Deal.Text != "renewal 2025" || rc.Deal.Amount != 48000 || rc.Deal.ID == "" {
			t.Errorf("receipt = %+v", rc)
		}
		if c.ID != acme || c.DealsSum != 48000 || c.DealsCount != 1 || !c.LastDealAt.Equal(at) ||
			!c.LastContactAt.Equal(at) || c.LastContactBy != "U2" {
			t.Errorf("customer after the deal = %+v", c)
		}
		checked(t, s, team, "deal by name")
		// By ID, backdated: totals grow, the clock stays.
		old := t0.Add(-24 * time.Hour)
		rc, err = s.AddDeal(ctx, team, smed.DealRequest{CustomerID: acme, Text: "first order", Amount: 2000, Author: "U1", At: old})
		if err != nil {
			t.Fatal(err)
		}
		if c := rc.Customer; c.DealsSum != 50000 || c.DealsCount != 2 || !c.LastDealAt.Equal(at) || !c.LastContactAt.Equal(at) {
			t.Errorf("after a backdated deal = %+v", c)
		}
		checked(t, s, team, "deal by ID")
		ds, err := s.Deals(ctx, team, acme, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, d := range ds {
			texts = append(texts, d.Text)
		}
		if diff := cmp.Diff([]string{"renewal 2025", "first order"}, texts); diff != "" {
			t.Errorf("deals newest first (-want +got):\n%s", diff)
		}
		if ds, _ := s.Deals(ctx, team, acme, t0); len(ds) != 1 || ds[0].Amount != 48000 {
			t.Errorf("deals since t0 = %+v", ds)
		}
		// Unknown customer, bad amounts: nothing written.
		before := allKeys(t, s)
		if _, err := s.AddDeal(ctx, team, smed.DealRequest{Candidates: words("nobody 5"), Amount: 5, Author: "U1", At: at}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("deal on an unknown name: %v", err)
		}
		if _, err := s.AddDeal(ctx, team, smed.DealRequest{CustomerID: "0123456789ab", Amount: 5, Author: "U1", At: at}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("deal on an unknown ID: %v", err)
		}
		if _, err := s.AddDeal(ctx, team, smed.DealRequest{CustomerID: acme, Amount: -1, Author: "U1", At: at}); !errors.Is(err, smed.ErrInvalid) {
			t.Errorf("negative deal: %v", err)
		}
		if after := allKeys(t, s); len(after) != len(before) {
			t.Errorf("keys %d → %d after refused deals", len(before), len(after))
		}
		if _, err := s.Deals(ctx, team, "0123456789ab", time.Time{}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("Deals of an unknown ID: %v", err)
		}
		// A renamed customer is still found by its new name.
		if _, err := s.Rename(ctx, team, acme, "Acme Group", "U1", t0); err != nil {
			t.Fatal(err)
		}
		if rc, err := s.AddDeal(ctx, team, smed.DealRequest{Candidates: named("acme group", "add-on"), Amount: 1, Author: "U1", At: at}); err != nil || rc.Customer.ID != acme {
			t.Errorf("deal after rename = %+v, %v", rc, err)
		}
		checked(t, s, team, "deal after rename")
	})

	t.Run("DealKey", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		acme := mustNote(t, s, team, named("Acme", "x"), "U1", t0).Customer.ID
		req := smed.DealRequest{CustomerID: acme, Amount: 700, Text: "licence", At: t0.Add(-time.Hour), Key: "deals.csv:acme,700,2025-03-03"}
		first, err := s.AddDeal(ctx, team, req)
		if err != nil || first.Duplicate {
			t.Fatalf("first = %+v, %v", first, err)
		}
		again, err := s.AddDeal(ctx, team, req)
		if err != nil || !again.Duplicate || again.Customer.DealsSum != 700 || again.Customer.DealsCount != 1 {
			t.Errorf("again = %+v, %v; want a duplicate and one deal", again, err)
		}
		req.Key = "another row"
		if other, err := s.AddDeal(ctx, team, req); err != nil || other.Duplicate || other.Customer.DealsCount != 2 {
			t.Errorf("another key = %+v, %v", other, err)
		}
		if ds, _ := s.Deals(ctx, team, acme, time.Time{}); len(ds) != 2 {
			t.Errorf("deals = %+v", ds)
		}
		checked(t, s, team, "deal keys")
		// The same keyed deal from several replicas at once: one is added.
		req.Key = "raced"
		var wg sync.WaitGroup
		var mu sync.Mutex
		added := 0
		for range 8 {
			wg.Go(func() {
				rc, err := s.AddDeal(ctx, team, req)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				if !rc.Duplicate {
					added++
				}
			})
		}
		wg.Wait()
		if c, _ := s.Customer(ctx, team, acme); added != 1 || c.DealsCount != 3 || c.DealsSum != 2100 {
			t.Errorf("raced: %d added, customer %+v; want 1 and 3 deals", added, c)
		}
		checked(t, s, team, "raced deal keys")
	})

	t.Run("WorthRanksAndRisks", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		// Both overdue at now; B has the larger value until A buys more.
		a := mustNote(t, s, team, named("A", "x"), "U1", t0).Customer.ID
		b := mustNote(t, s, team, named("B", "x"), "U1", t0).Customer.ID
		for id, v := range map[string]int64{a: 100, b: 1000} {
			if _, err := s.Update(ctx, team, id, smed.Change{Value: ptr(v)}); err != nil {
				t.Fatal(err)
			}
		}
		now := t0.Add(40 * smed.Day)
		r, err := s.List(ctx, team, "", now, 10)
		if err != nil || len(r.Customers) != 2 || r.Customers[0].ID != b || r.AtRisk != 1100 {
			t.Fatalf("before the deal: %+v, %v", r, err)
		}
		// A backdated deal (so A stays overdue) bigger than A's value.
		if _, err := s.AddDeal(ctx, team, smed.DealRequest{CustomerID: a, Amount: 5000, Author: "U1", At: t0.Add(-time.Hour)}); err != nil {
			t.Fatal(err)
		}
		checked(t, s, team, "deal above value")
		totalsMatch(t, s, team, "deal above value")
		r, err = s.List(ctx, team, "", now, 10)
		if err != nil || len(r.Customers) != 2 || r.Customers[0].ID != a || r.AtRisk != 6000 {
			t.Errorf("after the deal: ranked %+v, at risk %d, %v; want A first and 6000 at risk", r.Customers, r.AtRisk, err)
		}
		if r, _ := s.List(ctx, team, "U1", now, 1); len(r.Customers) != 1 || r.Customers[0].ID != a || r.AtRisk != 6000 {
			t.Errorf("owner's list = %+v", r)
		}
		if n, v, err := s.Totals(ctx, team); err != nil || n != 2 || v != 6000 {
			t.Errorf("Totals = %d, %d, %v; want 2, 6000 (summed worth)", n, v, err)
		}
		// A value above the deals counts again.
		if _, err := s.Update(ctx, team, a, smed.Change{Value: ptr[int64](9000)}); err != nil {
			t.Fatal(err)
		}
		checked(t, s, team, "value above deals")
		if r, _ := s.List(ctx, team, "", now, 10); r.AtRisk != 10000 {
			t.Errorf("at risk = %d, want 10000", r.AtRisk)
		}
	})

	t.Run("UndoNote", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		acme := mustNote(t, s, team, named("Acme", "first call"), "U1", t0).Customer.ID
		mustNote(t, s, team, named("Acme", "second call renewal"), "U2", t0.Add(time.Hour))
		at := t0.Add(2 * time.Hour)
		mustNote(t, s, team, named("Acme", "oops wrong customer"), "U1", at)
		due := dueScore(t, s, team, acme)
		w, err := s.LastWritten(ctx, team, "U1", at.Add(-10*time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if w.CustomerID != acme || w.Kind != smed.EntryNote || w.Text != "oops wrong customer" || !w.At.Equal(at) {
			t.Errorf("LastWritten = %+v", w)
		}
		if _, err := s.LastWritten(ctx, team, "U1", at.Add(time.Minute)); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("LastWritten outside the window: %v", err)
		}
		if _, err := s.LastWritten(ctx, team, "U7", time.Time{}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("LastWritten of someone who wrote nothing: %v", err)
		}
		c, err := s.Unwrite(ctx, team, w)
		if err != nil {
			t.Fatal(err)
		}
		// The clock goes back to the second call, by U2.
		if c.NoteCount != 2 || !c.LastContactAt.Equal(t0.Add(time.Hour)) || c.LastContactBy != "U2" {
			t.Errorf("after undo = %+v", c)
		}
		if got := dueScore(t, s, team, acme); got != due-time.Hour.Milliseconds() {
			t.Errorf("due after undo = %d, want %d", got, due-time.Hour.Milliseconds())
		}
		checked(t, s, team, "undo note")
		card, _ := s.Card(ctx, team, acme, 10)
		if len(card.Notes) != 2 || card.Notes[0].Text != "second call renewal" {
			t.Errorf("notes after undo = %+v", card.Notes)
		}
		if p, _ := s.Find(ctx, team, "oops", "", 10); len(p.Matches) != 0 {
			t.Errorf("Find(oops) after undo = %+v", p.Matches)
		}
		if p, _ := s.Find(ctx, team, "renewal", "", 10); len(p.Matches) != 1 {
			t.Errorf("Find(renewal) after undo = %+v", p.Matches)
		}
		if n, _ := s.NoteCounts(ctx, team, t0); n["U1"] != 1 || n["U2"] != 1 {
			t.Errorf("note counts after undo = %v", n)
		}
		// Taken back once: nothing more to undo, and the entry is gone.
		if _, err := s.LastWritten(ctx, team, "U1", time.Time{}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("LastWritten after undo: %v", err)
		}
		if _, err := s.Unwrite(ctx, team, w); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("second Unwrite: %v", err)
		}
		checked(t, s, team, "second undo")
		// A note that was not the last contact: the clock stays.
		mustNote(t, s, team, named("Acme", "backdated"), "U1", t0.Add(30*time.Minute))
		w, err = s.LastWritten(ctx, team, "U1", t0)
		if err != nil || w.Text != "backdated" {
			t.Fatalf("LastWritten = %+v, %v", w, err)
		}
		if c, err := s.Unwrite(ctx, team, w); err != nil || !c.LastContactAt.Equal(t0.Add(time.Hour)) || c.NoteCount != 2 {
			t.Errorf("undo of an older note = %+v, %v", c, err)
		}
		checked(t, s, team, "undo older note")
		// With a touch and a deal after the first note, taking back the
		// last note puts the clock at the latest of them.
		if _, err := s.Link(ctx, team, chanA, acme, "U1", t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddTouch(ctx, team, smed.Touch{At: t0.Add(3 * time.Hour), Author: "UEXT", Side: smed.SideCustomer, Channel: chanA, TS: "1.1"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddDeal(ctx, team, smed.DealRequest{CustomerID: acme, Amount: 10, Author: "U3", At: t0.Add(150 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		mustNote(t, s, team, named("Acme", "latest"), "U1", t0.Add(4*time.Hour))
		w, _ = s.LastWritten(ctx, team, "U1", t0)
		if c, err := s.Unwrite(ctx, team, w); err != nil || !c.LastContactAt.Equal(t0.Add(3*time.Hour)) || c.LastContactBy != "UEXT" {
			t.Errorf("undo with a later touch = %+v, %v", c, err)
		}
		checked(t, s, team, "undo back to a touch")
	})

	t.Run("UndoFactAndCreatedCustomer", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		acme := mustNote(t, s, team, named("Acme", "call"), "U1", t0).Customer.ID
		fact(t, s, team, named("Acme", "prefers calls"), "U1", t0.Add(time.Minute))
		fact(t, s, team, named("Acme", "pays late"), "U1", t0.Add(2*time.Minute))
		w, err := s.LastWritten(ctx, team, "U1", t0)
		if err != nil || w.Kind != smed.EntryFact || w.Text != "pays late" || w.CustomerID != acme {
			t.Fatalf("LastWritten = %+v, %v", w, err)
		}
		c, err := s.Unwrite(ctx, team, w)
		if err != nil || c.NoteCount != 1 || !c.LastContactAt.Equal(t0) {
			t.Errorf("after undoing a fact = %+v, %v", c, err)
		}
		card, _ := s.Card(ctx, team, acme, 10)
		if len(card.Facts) != 1 || card.Facts[0].Text != "prefers calls" {
			t.Errorf("facts = %+v", card.Facts)
		}
		if p, _ := s.Find(ctx, team, "late", "", 10); len(p.Matches) != 0 {
			t.Errorf("Find(late) = %+v", p.Matches)
		}
		checked(t, s, team, "undo fact")
		// The only note of a customer: never contacted again, due from
		// creation.
		b := mustNote(t, s, team, named("Bolt", "hello"), "U2", t0.Add(time.Hour))
		w, _ = s.LastWritten(ctx, team, "U2", t0)
		c, err = s.Unwrite(ctx, team, w)
		if err != nil || !c.LastContactAt.IsZero() || c.LastContactBy != "" || c.NoteCount != 0 {
			t.Errorf("after undoing the only note = %+v, %v", c, err)
		}
		if !c.DueAt().Equal(b.Customer.CreatedAt.Add(30 * smed.Day)) {
			t.Errorf("due = %v", c.DueAt())
		}
		checked(t, s, team, "undo only note")
	})

	t.Run("UndoAfterMerge", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		into := mustNote(t, s, team, named("Acme", "x"), "U1", t0).Customer.ID
		dup := mustNote(t, s, team, named("Acme Inc", "meant for acme"), "U2", t0.Add(time.Hour)).Customer.ID
		fact(t, s, team, named("Acme Inc", "prefers mail"), "U3", t0.Add(time.Hour))
		if _, err := s.Merge(ctx, team, dup, into, "U1", t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		// What U2 and U3 wrote lives on into now, and can still be taken back.
		for _, author := range []string{"U2", "U3"} {
			w, err := s.LastWritten(ctx, team, author, t0)
			if err != nil || w.CustomerID != into {
				t.Fatalf("LastWritten(%s) after merge = %+v, %v", author, w, err)
			}
			if _, err := s.Unwrite(ctx, team, w); err != nil {
				t.Fatalf("Unwrite(%s): %v", author, err)
			}
			checked(t, s, team, "undo after merge by "+author)
			if _, err := s.LastWritten(ctx, team, author, t0); !errors.Is(err, smed.ErrNotFound) {
				t.Errorf("LastWritten(%s) after undo: %v", author, err)
			}
		}
		c, _ := s.Customer(ctx, team, into)
		if c.NoteCount != 1 || !c.LastContactAt.Equal(t0) || c.LastContactBy != "U1" {
			t.Errorf("into after the undos = %+v", c)
		}
		if card, _ := s.Card(ctx, team, into, 10); len(card.Facts) != 0 || len(card.Notes) != 1 {
			t.Errorf("into's card = %+v", card)
		}
	})

	t.Run("MergeCarriesDealsTouchesLinks", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		into := mustNote(t, s, team, named("Acme", "x"), "U1", t0).Customer.ID
		dup := mustNote(t, s, team, named("Acme Inc", "x"), "U2", t0).Customer.ID
		link := func(ch, id string) {
			t.Helper()
			if _, err := s.Link(ctx, team, ch, id, "U1", t0); err != nil {
				t.Fatal(err)
			}
		}
		link(chanA, into)
		link(chanB, dup)
		link(chanC, dup)
		deal := func(id string, amount int64, at time.Time, text string) {
			t.Helper()
			if _, err := s.AddDeal(ctx, team, smed.DealRequest{CustomerID: id, Amount: amount, Text: text, Author: "U1", At: at}); err != nil {
				t.Fatal(err)
			}
		}
		deal(into, 100, t0.Add(time.Hour), "into 1")
		deal(dup, 200, t0.Add(2*time.Hour), "dup 1")
		deal(into, 300, t0.Add(3*time.Hour), "into 2")
		touch := func(ch string, side smed.Side, at time.Time, ts string) {
			t.Helper()
			if _, err := s.AddTouch(ctx, team, smed.Touch{At: at, Author: "U5", Side: side, Channel: ch, TS: ts}); err != nil {
				t.Fatal(err)
			}
		}
		touch(chanA, smed.SideTeam, t0.Add(90*time.Minute), "1.1")
		touch(chanB, smed.SideCustomer, t0.Add(4*time.Hour), "2.1")
		checked(t, s, team, "before merge")
		m, err := s.Merge(ctx, team, dup, into, "U9", t0.Add(5*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		c := m.Into
		if c.DealsSum != 600 || c.DealsCount != 3 || !c.LastDealAt.Equal(t0.Add(3*time.Hour)) ||
			!c.LastCustomerAt.Equal(t0.Add(4*time.Hour)) || !c.LastTeamAt.Equal(t0.Add(90*time.Minute)) ||
			!c.LastContactAt.Equal(t0.Add(4*time.Hour)) {
			t.Errorf("into after merge = %+v", c)
		}
		checked(t, s, team, "merge")
		totalsMatch(t, s, team, "merge")
		ds, _ := s.Deals(ctx, team, into, time.Time{})
		var texts []string
		for _, d := range ds {
			texts = append(texts, d.Text)
		}
		if diff := cmp.Diff([]string{"into 2", "dup 1", "into 1"}, texts); diff != "" {
			t.Errorf("deals after merge (-want +got):\n%s", diff)
		}
		if got, _ := s.Links(ctx, team, into); !slices.Equal(got, []string{chanA, chanB, chanC}) {
			t.Errorf("links after merge = %v", got)
		}
		for _, ch := range []string{chanB, chanC} {
			if r, err := s.LinkedTo(ctx, team, ch); err != nil || r.ID != into {
				t.Errorf("LinkedTo(%s) = %+v, %v", ch, r, err)
			}
		}
		if n := touchesIn(t, s, into); n != 2 {
			t.Errorf("into has %d touches, want 2", n)
		}
		// A touch in the duplicate's channel lands on into now.
		touch(chanC, smed.SideCustomer, t0.Add(6*time.Hour), "3.1")
		if c, _ := s.Customer(ctx, team, into); !c.LastCustomerAt.Equal(t0.Add(6 * time.Hour)) {
			t.Errorf("touch after merge = %+v", c)
		}
		checked(t, s, team, "touch after merge")

		// Delete takes deals, touches and links with it.
		if _, err := s.Delete(ctx, team, into); err != nil {
			t.Fatal(err)
		}
		checked(t, s, team, "delete")
		totalsMatch(t, s, team, "delete")
		for _, ch := range []string{chanA, chanB, chanC} {
			if _, err := s.LinkedTo(ctx, team, ch); !errors.Is(err, smed.ErrNotFound) {
				t.Errorf("LinkedTo(%s) after delete: %v", ch, err)
			}
		}
		if _, err := s.AddTouch(ctx, team, smed.Touch{At: t0, Author: "U5", Side: smed.SideTeam, Channel: chanA, TS: "9.9"}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("touch after delete: %v", err)
		}
		if _, err := s.Deals(ctx, team, into, time.Time{}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("Deals after delete: %v", err)
		}
		// A new customer of the same name starts with nothing.
		again := mustNote(t, s, team, named("Acme", "new start"), "U1", t0.Add(7*time.Hour)).Customer
		if again.DealsSum != 0 || again.DealsCount != 0 {
			t.Errorf("new Acme = %+v", again)
		}
		if got, _ := s.Links(ctx, team, again.ID); len(got) != 0 {
			t.Errorf("new Acme links = %v", got)
		}
		if n := touchesIn(t, s, again.ID); n != 0 {
			t.Errorf("new Acme has %d touches", n)
		}
		checked(t, s, team, "after delete")
	})

	t.Run("ReminderMessages", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		if _, err := s.ReminderMessage(ctx, team, "U1"); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("none yet: %v", err)
		}
		m := smed.ReminderMessage{Date: "2025-03-03", Channel: "D0123", TS: "1.2", Customers: []string{"0123456789ab"}}
		if err := s.SaveReminderMessage(ctx, team, "U1", m); err != nil {
			t.Fatal(err)
		}
		got, err := s.ReminderMessage(ctx, team, "U1")
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(m, got); diff != "" {
			t.Errorf("reminder message (-want +got):\n%s", diff)
		}
		if _, err := s.ReminderMessage(ctx, team, "U2"); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("another owner's: %v", err)
		}
	})

	// A note tells, in its own step, whether its customer is on the
	// owner's latest reminder DM, so the common case needs no lookup.
	t.Run("NoteReminderHint", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		acme := mustNote(t, s, team, named("Acme", "x"), "U1", t0)
		if want := (smed.ReminderHint{Checked: true}); acme.Reminder != want {
			t.Errorf("no DM yet: %+v, want %+v", acme.Reminder, want)
		}
		beta := mustNote(t, s, team, named("Beta", "x"), "U1", t0).Customer
		gamma := mustNote(t, s, team, named("Gamma", "x"), "U2", t0).Customer
		m := smed.ReminderMessage{Date: "2025-03-03", Channel: "D0123", TS: "1.2", Customers: []string{gamma.ID, beta.ID}}
		if err := s.SaveReminderMessage(ctx, team, "U1", m); err != nil {
			t.Fatal(err)
		}
		// Listed, noted by someone else than the owner.
		if got := mustNote(t, s, team, named("Beta", "y"), "U3", t0.Add(time.Hour)).Reminder; got != (smed.ReminderHint{Checked: true, Date: "2025-03-03"}) {
			t.Errorf("Beta on U1's DM: %+v", got)
		}
		// Not listed; and listed on another owner's DM only.
		if got := mustNote(t, s, team, named("Acme", "y"), "U1", t0.Add(time.Hour)).Reminder; got != (smed.ReminderHint{Checked: true}) {
			t.Errorf("Acme, not on the DM: %+v", got)
		}
		if got := mustNote(t, s, team, named("Gamma", "y"), "U2", t0.Add(time.Hour)).Reminder; got != (smed.ReminderHint{Checked: true}) {
			t.Errorf("Gamma, on U1's DM but owned by U2: %+v", got)
		}
		// The next DM replaces the list.
		m.Date, m.Customers = "2025-03-04", []string{acme.Customer.ID}
		if err := s.SaveReminderMessage(ctx, team, "U1", m); err != nil {
			t.Fatal(err)
		}
		if got := mustNote(t, s, team, named("Beta", "z"), "U1", t0.Add(2*time.Hour)).Reminder; got != (smed.ReminderHint{Checked: true}) {
			t.Errorf("Beta after the next DM: %+v", got)
		}
		if got := mustNote(t, s, team, named("Acme", "z"), "U1", t0.Add(2*time.Hour)).Reminder; got.Date != "2025-03-04" {
			t.Errorf("Acme after the next DM: %+v", got)
		}
	})
}

// touchesIn counts the touches in the customer's history.
func touchesIn(tb testing.TB, s *Store, id string) int {
	tb.Helper()
	_, es, _, err := s.History(tb.Context(), team, id, 0, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	n := 0
	for _, e := range es {
		if e.Kind == smed.EntryTouch {
			n++
		}
	}
	return n
}

// CheckIndexes itself must see a link, deal total or side time that
// disagrees with the records, or the contract's checks would prove nothing.
func TestCheckIndexesSeesLinksAndDeals(t *testing.T) {
	s := memoryStore(t)
	ctx := t.Context()
	k, _ := s.team("test", team)
	acme := mustNote(t, s, team, named("Acme", "x"), "U1", t0).Customer.ID
	bolt := mustNote(t, s, team, named("Bolt", "x"), "U1", t0).Customer.ID
	if _, err := s.Link(ctx, team, chanA, acme, "U1", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddDeal(ctx, team, smed.DealRequest{CustomerID: acme, Amount: 10, Author: "U1", At: t0}); err != nil {
		t.Fatal(err)
	}
	checked(t, s, team, "setup")
	for _, tc := range []struct {
		name          string
		break_, mend_ func() error
	}{
		{"links without l:", func() error { return s.rdb.HSet(ctx, k.links(), chanB, acme).Err() },
			func() error { return s.rdb.HDel(ctx, k.links(), chanB).Err() }},
		{"l: without links", func() error { return s.rdb.SAdd(ctx, k.linked(acme), chanC).Err() },
			func() error { return s.rdb.SRem(ctx, k.linked(acme), chanC).Err() }},
		{"a channel in two l: sets", func() error { return s.rdb.SAdd(ctx, k.linked(bolt), chanA).Err() },
			func() error { return s.rdb.SRem(ctx, k.linked(bolt), chanA).Err() }},
		{"deals_sum", func() error { return s.rdb.HSet(ctx, k.customer(acme), "deals_sum", 11).Err() },
			func() error { return s.rdb.HSet(ctx, k.customer(acme), "deals_sum", 10).Err() }},
		{"orphan touches", func() error { return s.rdb.RPush(ctx, k.touches("0123456789ab"), "1\tU1\tteam\tC0AAAAAAA\t1.1").Err() },
			func() error { return s.rdb.Del(ctx, k.touches("0123456789ab")).Err() }},
	} {
		if err := tc.break_(); err != nil {
			t.Fatal(err)
		}
		if err := s.CheckIndexes(ctx, team); !errors.Is(err, errIndex) {
			t.Errorf("%s: CheckIndexes = %v, want a difference", tc.name, err)
		}
		if err := tc.mend_(); err != nil {
			t.Fatal(err)
		}
		checked(t, s, team, "mended "+tc.name)
	}
}
