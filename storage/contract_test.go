package storage

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/smedhq/smed"
)

// The contract suite runs against a real redis-server and against the embedded
// memory:// store: both must behave the same, Lua included.
func TestContractRedis(t *testing.T) {
	runContract(t, func(t *testing.T) *Store { return redisStore(t) })
}
func TestContractMemory(t *testing.T) {
	runContract(t, func(t *testing.T) *Store { return memoryStore(t) })
}

func runContract(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("Owners", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		a := mustNote(t, s, team, named("A", "x"), "U1", t0).Customer.ID
		mustNote(t, s, team, named("B", "x"), "U2", t0)
		mustNote(t, s, team, named("C", "x"), "U2", t0)
		if _, err := s.Update(ctx, team, a, smed.Change{Owner: ptr("U3")}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Import(ctx, team, smed.ImportRecord{Name: "B", Owner: ptr("U4"), CadenceDays: ptr(30)}, t0); err != nil {
			t.Fatal(err)
		}
		got, err := s.Owners(ctx, team)
		if err != nil {
			t.Fatal(err)
		}
		// U1 handed over its only customer: gone. U2 still has C.
		if diff := cmp.Diff([]string{"U2", "U3", "U4"}, got); diff != "" {
			t.Errorf("owners (-want +got):\n%s", diff)
		}
		owned, err := s.OwnedBy(ctx, team, "U2")
		if err != nil || len(owned) != 1 || owned[0].Name != "C" {
			t.Errorf("OwnedBy(U2) = %+v, %v", owned, err)
		}
		checked(t, s, team, "owner changes")
	})

	t.Run("Totals", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check := func(step string) { t.Helper(); totalsMatch(t, s, team, step); checked(t, s, team, step) }
		check("nothing")
		a := mustNote(t, s, team, named("A", "x"), "U1", t0).Customer.ID
		mustNote(t, s, team, named("A", "y"), "U1", t0) // a second note adds no customer
		check("notes")
		for _, v := range []int64{500, 300} {
			if _, err := s.Update(ctx, team, a, smed.Change{Value: ptr(v)}); err != nil {
				t.Fatal(err)
			}
		}
		check("value changes")
		rec := smed.ImportRecord{Name: "B", Owner: ptr("U2"), Value: ptr[int64](9000), CadenceDays: ptr(30)}
		for _, want := range []smed.ImportOutcome{smed.ImportCreated, smed.ImportUnchanged} { // re-import changes nothing
			if got, err := s.Import(ctx, team, rec, t0); err != nil || got != want {
				t.Fatalf("Import(B) = %v, %v; want %v", got, err, want)
			}
		}
		rec.Name, rec.Value = "a", ptr[int64](100) // import updating A
		if _, err := s.Import(ctx, team, rec, t0); err != nil {
			t.Fatal(err)
		}
		check("imports")
	})

	t.Run("CreateByNote", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		r, err := s.AddNote(t.Context(), team, smed.NoteRequest{
			Candidates: named("Acme", "met at the fair"), Author: "U1", At: t0,
			Create: true, CadenceDays: 14, SavedBy: "U9", Link: "https://x.slack.com/archives/C1/p1",
		})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Created || r.Text != "met at the fair" || r.Customer.ID == "" || r.Matched != 0 {
			t.Fatalf("receipt = %+v", r)
		}
		want := smed.Customer{ID: r.Customer.ID, Name: "Acme", Owner: "U1", CadenceDays: 14,
			CreatedAt: t0, LastContactAt: t0, NoteCount: 1}
		if diff := cmp.Diff(want, r.Customer); diff != "" {
			t.Errorf("receipt customer (-want +got):\n%s", diff)
		}
		card, err := s.Card(t.Context(), team, id(t, s, team, "acme"), 5)
		if err != nil {
			t.Fatal(err)
		}
		want.LastContactBy = "U1"
		wantCard := smed.Card{Customer: want, Facts: []smed.Fact{},
			Notes: []smed.Note{{Author: "U1", At: t0, Text: "met at the fair", SavedBy: "U9", Link: "https://x.slack.com/archives/C1/p1"}}}
		if diff := cmp.Diff(wantCard, card, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("card (-want +got):\n%s", diff)
		}
		checked(t, s, team, "create")
	})

	t.Run("NoteOnKnownCustomer", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		first := mustNote(t, s, team, named("Acme", "one"), "U1", t0)
		t1 := t0.Add(3*smed.Day + 1500*time.Millisecond)
		r, err := s.AddNote(t.Context(), team, smed.NoteRequest{
			Candidates: words("Acme two <!channel> & more"), Author: "U2", At: t1,
		})
		if err != nil {
			t.Fatal(err)
		}
		if r.Created || r.Customer.ID != first.Customer.ID || r.Text != "two <!channel> & more" || r.Matched != 4 {
			t.Fatalf("receipt = %+v", r)
		}
		c := r.Customer
		if c.NoteCount != 2 || !c.LastContactAt.Equal(t1) || c.Owner != "U1" || !c.CreatedAt.Equal(t0) {
			t.Errorf("customer after second note = %+v", c)
		}
		card, err := s.Card(t.Context(), team, c.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]smed.Note{{Author: "U2", At: t1, Text: "two <!channel> & more"}}, card.Notes); diff != "" {
			t.Errorf("latest note (-want +got):\n%s", diff)
		}
		got, err := s.Customer(t.Context(), team, c.ID)
		c.LastContactBy = "U2"
		if err != nil || got != c {
			t.Errorf("Customer = %+v, %v; want %+v", got, err, c)
		}
		// By ID, as buttons and modals address it.
		r, err = s.AddNote(t.Context(), team, smed.NoteRequest{CustomerID: c.ID, Text: "three", Author: "U3", At: t1})
		if err != nil || r.Customer.NoteCount != 3 || r.Text != "three" {
			t.Errorf("note by ID = %+v, %v", r, err)
		}
		if _, err := s.AddNote(t.Context(), team, smed.NoteRequest{CustomerID: "0123456789ab", Text: "x", Author: "U3", At: t1}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("note on an unknown ID: %v, want ErrNotFound", err)
		}
		checked(t, s, team, "notes")
	})

	t.Run("LongestKnownPrefix", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		acme := mustNote(t, s, team, named("Acme", "x"), "U1", t0)
		corp := mustNote(t, s, team, named("Acme Corp", "y"), "U1", t0)
		if acme.Customer.ID == corp.Customer.ID {
			t.Fatal("Acme and Acme Corp share an ID")
		}
		r, err := s.AddNote(t.Context(), team, smed.NoteRequest{
			Candidates: []smed.Candidate{
				{Name: "Acme Corp renewal", Rest: "call"},
				{Name: "Acme Corp", Rest: "renewal call"},
				{Name: "Acme", Rest: "Corp renewal call"},
			},
			Author: "U1", At: t0.Add(time.Hour), Create: true, CadenceDays: 30,
		})
		if err != nil {
			t.Fatal(err)
		}
		if r.Created || r.Customer.ID != corp.Customer.ID || r.Text != "renewal call" || r.Matched != 1 {
			t.Errorf("picked %+v; want Acme Corp with text %q", r, "renewal call")
		}
		// AddFact resolves the same way.
		f, err := s.AddFact(t.Context(), team, smed.NoteRequest{Candidates: words("acme corp prefers calls"), Author: "U2", At: t0})
		if err != nil || f.Customer.ID != corp.Customer.ID || f.Text != "prefers calls" || f.Customer.NoteCount != 2 {
			t.Errorf("AddFact = %+v, %v", f, err)
		}
		ref, i, err := s.Resolve(t.Context(), team, []string{"acme corp renewal", "ACME corp", "acme"})
		if err != nil || ref.ID != corp.Customer.ID || ref.Name != "Acme Corp" || i != 1 {
			t.Errorf("Resolve = %+v, %d, %v", ref, i, err)
		}
		checked(t, s, team, "prefixes")
	})

	t.Run("NormalisedNames", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for _, tc := range []struct{ created, typed string }{
			{"Acme Corp", "ACME  corp"},
			{"Café", "Cafe\u0301"},
			{"Cafe\u0301 Noir", "CAFÉ noir"},
			{"Ærø Fisk", "ærø   FISK"},
		} {
			r := mustNote(t, s, team, named(tc.created, "first"), "U1", t0)
			got, err := s.AddNote(t.Context(), team, smed.NoteRequest{
				Candidates: named(tc.typed, "again"), Author: "U1", At: t0, Create: true, CadenceDays: 30,
			})
			if err != nil || got.Created || got.Customer.ID != r.Customer.ID {
				t.Errorf("%q after %q: created=%v id=%s (want %s), err %v",
					tc.typed, tc.created, got.Created, got.Customer.ID, r.Customer.ID, err)
			}
			if c, err := byName(t, s, team, tc.typed); err != nil || c.ID != r.Customer.ID {
				t.Errorf("Resolve(%q) = %+v, %v", tc.typed, c, err)
			}
		}
		// The display form is NFC and space-folded, case kept.
		c2, err := byName(t, s, team, "café noir")
		if err != nil || c2.Name != "Café Noir" {
			t.Errorf("display name = %q (%v), want NFC %q", c2.Name, err, "Café Noir")
		}
		var ns []string
		for _, c := range all(t, s, team) {
			ns = append(ns, c.Name)
		}
		if diff := cmp.Diff([]string{"Acme Corp", "Café", "Café Noir", "Ærø Fisk"}, ns); diff != "" {
			t.Errorf("Export names (-want +got):\n%s", diff)
		}
		checked(t, s, team, "normalised names")
	})

	// The name limit is smed.MaxNameRunes runes of the display form, as the
	// Slack edge counts it: not bytes (CJK letters take three) and not the
	// folded key ("ß" folds to "ss").
	t.Run("NameLength", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		for _, name := range []string{
			strings.Repeat("漢", 80),                           // 240 bytes
			strings.Repeat("ß", smed.MaxNameRunes),            // key: 200 runes
			strings.Repeat("ß", 50) + strings.Repeat("漢", 50), // 250 bytes, key 150 runes
		} {
			r, err := s.AddNote(ctx, team, smed.NoteRequest{
				Candidates: named(name, "hello"), Author: "U1", At: t0, Create: true, CadenceDays: 30,
			})
			if err != nil || !r.Created || r.Customer.Name != name {
				t.Errorf("note creating a %d-rune name: %+v, %v", utf8.RuneCountInString(name), r, err)
				continue
			}
			// Found again by every path that takes a name.
			again, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: words(name + " again"), Author: "U2", At: t0})
			if err != nil || again.Customer.ID != r.Customer.ID || again.Text != "again" {
				t.Errorf("second note on the %d-rune name = %+v, %v", utf8.RuneCountInString(name), again, err)
			}
			if u, err := s.Update(ctx, team, r.Customer.ID, smed.Change{Value: ptr[int64](7)}); err != nil || u.After.Value != 7 {
				t.Errorf("Update = %+v, %v", u, err)
			}
			if got, err := s.Import(ctx, team, smed.ImportRecord{Name: name, Owner: ptr("U1"), Value: ptr[int64](7), CadenceDays: ptr(30)}, t0); err != nil || got != smed.ImportUnchanged {
				t.Errorf("Import of the %d-rune name as it is = %v, %v", utf8.RuneCountInString(name), got, err)
			}
			imported := "X" + string([]rune(name)[1:]) // a new name of the same length
			if got, err := s.Import(ctx, team, smed.ImportRecord{Name: imported, CadenceDays: ptr(30)}, t0); err != nil || got != smed.ImportCreated {
				t.Errorf("Import creating %d runes = %v, %v", utf8.RuneCountInString(imported), got, err)
			}
		}
		tooLong := strings.Repeat("ß", smed.MaxNameRunes+1)
		if _, err := s.AddNote(ctx, team, smed.NoteRequest{
			Candidates: named(tooLong, "hello"), Author: "U1", At: t0, Create: true, CadenceDays: 30,
		}); !errors.Is(err, smed.ErrInvalid) {
			t.Errorf("note creating %d runes: err = %v, want ErrInvalid", smed.MaxNameRunes+1, err)
		}
		if _, err := s.Import(ctx, team, smed.ImportRecord{Name: tooLong, CadenceDays: ptr(30)}, t0); !errors.Is(err, smed.ErrInvalid) {
			t.Errorf("Import of %d runes: err = %v, want ErrInvalid", smed.MaxNameRunes+1, err)
		}
		if _, _, err := s.Resolve(ctx, team, []string{tooLong}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("Resolve(%d runes): err = %v, want ErrNotFound", smed.MaxNameRunes+1, err)
		}
		checked(t, s, team, "long names")
	})

	t.Run("NotFoundWritesNothing", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		const nobody = "0123456789ab"
		for name, err := range map[string]error{
			"AddNote": func() error {
				_, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: words("Nobody said hi"), Author: "U1", At: t0})
				return err
			}(),
			"AddFact": func() error {
				_, err := s.AddFact(ctx, team, smed.NoteRequest{Candidates: words("Nobody likes tea"), Author: "U1", At: t0})
				return err
			}(),
			"AddNote ID": func() error {
				_, err := s.AddNote(ctx, team, smed.NoteRequest{CustomerID: nobody, Text: "x", Author: "U1", At: t0})
				return err
			}(),
			"Resolve":  func() error { _, _, err := s.Resolve(ctx, team, []string{"Nobody", "   "}); return err }(),
			"Customer": func() error { _, err := s.Customer(ctx, team, nobody); return err }(),
			"Card":     func() error { _, err := s.Card(ctx, team, nobody, 3); return err }(),
			"History":  func() error { _, _, _, err := s.History(ctx, team, nobody, 0, 10); return err }(),
			"Update":   func() error { _, err := s.Update(ctx, team, nobody, smed.Change{Value: ptr[int64](5)}); return err }(),
			"Rename":   func() error { _, err := s.Rename(ctx, team, nobody, "New", "U1", t0); return err }(),
			"Merge":    func() error { _, err := s.Merge(ctx, team, nobody, "0123456789ac", "U1", t0); return err }(),
			"Delete":   func() error { _, err := s.Delete(ctx, team, nobody); return err }(),
			"Forget":   func() error { _, err := s.Forget(ctx, team, nobody, "1"); return err }(),
		} {
			if !errors.Is(err, smed.ErrNotFound) {
				t.Errorf("%s unknown: %v, want ErrNotFound", name, err)
			}
		}
		if ms, err := s.NearMisses(ctx, team, []string{"Nobody"}, 3); err != nil || len(ms) != 0 {
			t.Errorf("NearMisses = %v, %v", ms, err)
		}
		if keys := allKeys(t, s); len(keys) != 0 {
			t.Errorf("not-found paths wrote keys: %q", keys)
		}
		if cs := all(t, s, team); len(cs) != 0 {
			t.Errorf("Export = %v", cs)
		}
	})

	t.Run("InvalidInput", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		acme := mustNote(t, s, team, named("Acme", "x"), "U1", t0).Customer.ID
		keysBefore := allKeys(t, s)
		for name, err := range map[string]error{
			"bad team":     func() error { _, err := s.Customer(ctx, "T1}{", acme); return err }(),
			"empty team":   func() error { _, err := s.List(ctx, "", "", t0, 10); return err }(),
			"bad ID":       func() error { _, err := s.Customer(ctx, team, "{x}"); return err }(),
			"owner spaces": func() error { _, err := s.Update(ctx, team, acme, smed.Change{Owner: ptr("U1 x")}); return err }(),
			"cadence 0":    func() error { _, err := s.Update(ctx, team, acme, smed.Change{CadenceDays: ptr(0)}); return err }(),
			"cadence big": func() error {
				_, err := s.Update(ctx, team, acme, smed.Change{CadenceDays: ptr(smed.MaxDays + 1)})
				return err
			}(),
			"value < 0": func() error { _, err := s.Update(ctx, team, acme, smed.Change{Value: ptr[int64](-1)}); return err }(),
			"value big": func() error {
				_, err := s.Update(ctx, team, acme, smed.Change{Value: ptr[int64](smed.MaxValue + 1)})
				return err
			}(),
			"guard key": func() error { _, err := s.Claim(ctx, team, "a b", time.Second); return err }(),
			"create blank": func() error {
				_, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: named(" ", "x"), Author: "U1", At: t0, Create: true, CadenceDays: 1})
				return err
			}(),
			"create cad 0": func() error {
				_, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: named("New", "x"), Author: "U1", At: t0, Create: true})
				return err
			}(),
			"no time": func() error {
				_, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: named("Acme", "x"), Author: "U1"})
				return err
			}(),
			"no author": func() error {
				_, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: named("Acme", "x"), At: t0})
				return err
			}(),
			"ID and names": func() error {
				_, err := s.AddNote(ctx, team, smed.NoteRequest{CustomerID: acme, Candidates: named("Acme", "x"), Author: "U1", At: t0})
				return err
			}(),
			"import cad 0": func() error { _, err := s.Import(ctx, team, smed.ImportRecord{Name: "New"}, t0); return err }(),
			"owner braces": func() error { _, err := s.List(ctx, team, "{U1}", t0, 10); return err }(),
			"long name": func() error {
				_, err := s.Import(ctx, team, smed.ImportRecord{Name: strings.Repeat("x", 201), CadenceDays: ptr(1)}, t0)
				return err
			}(),
			"bad team note": func() error {
				_, err := s.AddNote(ctx, "a:b", smed.NoteRequest{Candidates: named("Acme", "x"), Author: "U1", At: t0})
				return err
			}(),
			"rename blank":  func() error { _, err := s.Rename(ctx, team, acme, "  ", "U1", t0); return err }(),
			"merge itself":  func() error { _, err := s.Merge(ctx, team, acme, acme, "U1", t0); return err }(),
			"find cursor":   func() error { _, err := s.Find(ctx, team, "x", "nope", 10); return err }(),
			"owned by none": func() error { _, err := s.OwnedBy(ctx, team, ""); return err }(),
		} {
			if !errors.Is(err, smed.ErrInvalid) {
				t.Errorf("%s: err = %v, want invalid input", name, err)
			}
		}
		c, err := s.Customer(ctx, team, acme)
		if err != nil || c.CadenceDays != 30 || c.Value != 0 || c.Owner != "U1" || c.NoteCount != 1 {
			t.Errorf("refused updates changed the customer: %+v, %v", c, err)
		}
		if diff := cmp.Diff(keysBefore, allKeys(t, s), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("refused input wrote keys (-before +after):\n%s", diff)
		}
	})

	t.Run("UpdateFields", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		acme := mustNote(t, s, team, named("Acme", "x"), "U1", t0).Customer.ID
		upd := func(ch smed.Change) smed.Customer {
			t.Helper()
			ch.By, ch.At = "U7", t0.Add(time.Hour)
			u, err := s.Update(ctx, team, acme, ch)
			if err != nil {
				t.Fatal(err)
			}
			return u.After
		}
		u, err := s.Update(ctx, team, acme, smed.Change{Value: ptr[int64](120000), By: "U7", At: t0})
		if err != nil || u.Before.Value != 0 || u.After.Value != 120000 || u.After.Owner != "U1" || u.After.CadenceDays != 30 {
			t.Fatalf("value: %+v, %v", u, err)
		}
		c := upd(smed.Change{CadenceDays: ptr(7)})
		if c.CadenceDays != 7 || !c.CadenceSet || c.Value != 120000 {
			t.Fatalf("cadence: %+v", c)
		}
		c = upd(smed.Change{Owner: ptr("U2")})
		if owned, _ := s.OwnedBy(ctx, team, "U1"); c.Owner != "U2" || len(owned) != 0 {
			t.Fatalf("owner: %+v, U1 still owns %v", c, owned)
		}
		until := t0.Add(60 * smed.Day)
		if c = upd(smed.Change{SnoozedUntil: &until}); !c.SnoozedUntil.Equal(until) {
			t.Fatalf("snooze: %+v", c)
		}
		if c = upd(smed.Change{SnoozedUntil: &time.Time{}}); !c.SnoozedUntil.IsZero() {
			t.Fatalf("snooze clear: %+v", c)
		}
		if c = upd(smed.Change{Owner: ptr("")}); c.Owner != "" {
			t.Fatalf("owner cleared: %+v", c)
		}
		// An empty change changes nothing and still answers.
		same, err := s.Update(ctx, team, acme, smed.Change{})
		if err != nil || same.After != c || same.Before != c {
			t.Errorf("empty change: %+v, %v; want %+v", same, err, c)
		}
		// Owner, value and cadence changes are in the history, newest first.
		_, es, total, err := s.History(ctx, team, acme, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		var revs []smed.Revision
		for _, e := range es {
			if e.Kind == smed.EntryRevision {
				revs = append(revs, e.Revision)
			}
		}
		at := t0.Add(time.Hour)
		want := []smed.Revision{
			{At: at, By: "U7", Field: "owner", From: "U2", To: ""},
			{At: at, By: "U7", Field: "owner", From: "U1", To: "U2"},
			{At: at, By: "U7", Field: "cadence", From: "30", To: "7"},
			{At: t0, By: "U7", Field: "value", From: "0", To: "120000"},
		}
		if diff := cmp.Diff(want, revs); diff != "" || total != 5 {
			t.Errorf("revisions (total %d, want 5) (-want +got):\n%s", total, diff)
		}
		checked(t, s, team, "updates")
	})

	// IfOwner makes a handover conditional on the owner the caller read, in
	// the same step as the write.
	t.Run("UpdateIfOwner", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		acme := mustNote(t, s, team, named("Acme", "x"), "U1", t0).Customer.ID

		u, err := s.Update(ctx, team, acme, smed.Change{IfOwner: ptr("U1"), Owner: ptr("U2")})
		if err != nil || u.After.Owner != "U2" || u.Before.Owner != "U1" {
			t.Fatalf("handover with the right owner: %+v, %v", u, err)
		}
		before, err := s.Card(ctx, team, acme, 5)
		if err != nil {
			t.Fatal(err)
		}
		keysBefore := allKeys(t, s)
		for name, ch := range map[string]smed.Change{
			"stale owner":         {IfOwner: ptr("U1"), Owner: ptr("U3")},
			"stale owner, value":  {IfOwner: ptr("U1"), Value: ptr[int64](5), CadenceDays: ptr(3)},
			"nobody, but owned":   {IfOwner: ptr(""), Owner: ptr("U3")},
			"stale owner, snooze": {IfOwner: ptr("U3"), SnoozedUntil: ptr(t0.Add(9 * smed.Day))},
		} {
			if _, err := s.Update(ctx, team, acme, ch); !errors.Is(err, smed.ErrConflict) {
				t.Errorf("%s: err = %v, want ErrConflict", name, err)
			}
		}
		after, err := s.Card(ctx, team, acme, 5)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("refused updates changed the card (-before +after):\n%s", diff)
		}
		if diff := cmp.Diff(keysBefore, allKeys(t, s), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("refused updates changed the keys (-before +after):\n%s", diff)
		}
		// The precondition holds for other fields too, and for "nobody".
		if u, err := s.Update(ctx, team, acme, smed.Change{IfOwner: ptr("U2"), Owner: ptr("")}); err != nil || u.After.Owner != "" {
			t.Fatalf("release with the right owner: %+v, %v", u, err)
		}
		if u, err := s.Update(ctx, team, acme, smed.Change{IfOwner: ptr(""), Value: ptr[int64](9)}); err != nil || u.After.Value != 9 {
			t.Fatalf("value with IfOwner nobody: %+v, %v", u, err)
		}
		if _, err := s.Update(ctx, team, acme, smed.Change{IfOwner: ptr("U1 x")}); !errors.Is(err, smed.ErrInvalid) {
			t.Errorf("IfOwner with a space: err = %v, want ErrInvalid", err)
		}
		// Racing handovers from the same reading: exactly one wins.
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = s.Update(ctx, team, acme, smed.Change{IfOwner: ptr(""), Owner: ptr(fmt.Sprintf("U%d", 10+i))})
			})
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, smed.ErrConflict):
				t.Errorf("handover %d: %v", i, err)
			}
		}
		if won != 1 {
			t.Errorf("%d racing handovers applied, want exactly 1", won)
		}
		checked(t, s, team, "handovers")
	})

	t.Run("DueIndexMirrorsDueAt", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check := func(step string, c smed.Customer) {
			t.Helper()
			if got, want := dueScore(t, s, team, c.ID), c.DueAt().UnixMilli(); got != want {
				t.Errorf("%s: due index %d, DueAt %d (%v)", step, got, want, c.DueAt())
			}
			checked(t, s, team, step)
		}
		upd := func(ch smed.Change) smed.Customer {
			t.Helper()
			u, err := s.Update(ctx, team, id(t, s, team, "Quiet"), ch)
			if err != nil {
				t.Fatal(err)
			}
			return u.After
		}
		// Never contacted: due from creation.
		if _, err := s.Import(ctx, team, smed.ImportRecord{Name: "Quiet", Owner: ptr("U1"), CadenceDays: ptr(10)}, t0); err != nil {
			t.Fatal(err)
		}
		c, _ := byName(t, s, team, "Quiet")
		if !c.LastContactAt.IsZero() {
			t.Fatalf("imported without contact has LastContactAt %v", c.LastContactAt)
		}
		check("never contacted", c)
		c = mustNote(t, s, team, named("Quiet", "hello"), "U1", t0.Add(2*smed.Day+123*time.Millisecond)).Customer
		check("contacted", c)
		until := t0.Add(100 * smed.Day)
		c = upd(smed.Change{SnoozedUntil: &until})
		check("snoozed past due", c)
		if !c.DueAt().Equal(until) {
			t.Errorf("snoozed due = %v, want %v", c.DueAt(), until)
		}
		early := t0.Add(smed.Day)
		check("snoozed before due", upd(smed.Change{SnoozedUntil: &early}))
		check("snooze cleared, cadence changed", upd(smed.Change{SnoozedUntil: &time.Time{}, CadenceDays: ptr(3)}))
		check("owner moved", upd(smed.Change{Owner: ptr("U9")}))
		if _, err := s.Import(ctx, team, smed.ImportRecord{Name: "Quiet", Owner: ptr("U9"), CadenceDays: ptr(3),
			LastContactAt: t0.Add(40 * smed.Day)}, t0); err != nil {
			t.Fatal(err)
		}
		c, _ = byName(t, s, team, "Quiet")
		check("imported contact", c)
		// A fact changes nothing about due.
		f := fact(t, s, team, named("Quiet", "likes tea"), "U1", t0.Add(90*smed.Day))
		c.LastContactBy, c.CadenceSet = "", false // a receipt holds what a reply shows
		if f.Customer != c {
			t.Errorf("AddFact changed the customer: %+v, want %+v", f.Customer, c)
		}
		check("after fact", f.Customer)
	})

	t.Run("OverdueStrictlyByTime", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		// Due times: a at t0+1d, b at t0+2d (owner U2), c at t0+5d.
		a := mustNote(t, s, team, named("Alpha", "a1"), "U1", t0)
		mustNote(t, s, team, named("Alpha", "a2"), "U1", t0.Add(time.Minute))
		fact(t, s, team, named("Alpha", "fact a"), "U1", t0)
		mustNote(t, s, team, named("Beta", "b1"), "U2", t0)
		mustNote(t, s, team, named("Gamma", "c1"), "U1", t0)
		for name, days := range map[string]int{"Alpha": 1, "Beta": 2, "Gamma": 5} {
			if _, err := s.Update(ctx, team, id(t, s, team, name), smed.Change{CadenceDays: ptr(days)}); err != nil {
				t.Fatal(err)
			}
		}
		aDue := t0.Add(time.Minute + smed.Day)
		listed := func(now time.Time, owner string) []string {
			t.Helper()
			cards, err := s.Overdue(ctx, team, now, owner)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range cards {
				if len(c.Notes) > 1 {
					t.Errorf("%s: %d notes, want the latest only", c.Name, len(c.Notes))
				}
				if !c.OverdueAt(now) {
					t.Errorf("%s listed as overdue at %v but due %v", c.Name, now, c.DueAt())
				}
				out = append(out, c.Name)
			}
			return out
		}
		for _, tc := range []struct {
			now   time.Time
			owner string
			want  []string
		}{
			{aDue, "", nil}, // due == now is not overdue
			{aDue.Add(time.Nanosecond), "", []string{"Alpha"}},
			{aDue.Add(500 * time.Microsecond), "", []string{"Alpha"}},
			{aDue.Add(time.Millisecond), "", []string{"Alpha"}},
			{aDue.Add(time.Nanosecond), "U1", []string{"Alpha"}},
			{aDue, "U1", nil},
			{t0.Add(3 * smed.Day), "", []string{"Alpha", "Beta"}},
			{t0.Add(6 * smed.Day), "", []string{"Alpha", "Beta", "Gamma"}},
			{t0.Add(6 * smed.Day), "U1", []string{"Alpha", "Gamma"}},
			{t0.Add(6 * smed.Day), "U2", []string{"Beta"}},
			{t0.Add(6 * smed.Day), "U3", nil},
			{t0, "", nil},
		} {
			if diff := cmp.Diff(tc.want, listed(tc.now, tc.owner)); diff != "" {
				t.Errorf("Overdue(%v, %q) (-want +got):\n%s", tc.now.Sub(t0), tc.owner, diff)
			}
		}
		cards, err := s.Overdue(ctx, team, t0.Add(6*smed.Day), "U1")
		if err != nil {
			t.Fatal(err)
		}
		wantAlpha := smed.Card{
			Customer: smed.Customer{ID: a.Customer.ID, Name: "Alpha", Owner: "U1", CadenceDays: 1, CadenceSet: true,
				CreatedAt: t0, LastContactAt: t0.Add(time.Minute), LastContactBy: "U1", NoteCount: 2},
			Facts: []smed.Fact{{ID: cards[0].Facts[0].ID, Author: "U1", At: t0, Text: "fact a"}},
			Notes: []smed.Note{{Author: "U1", At: t0.Add(time.Minute), Text: "a2"}},
		}
		if diff := cmp.Diff(wantAlpha, cards[0]); diff != "" {
			t.Errorf("overdue card (-want +got):\n%s", diff)
		}
	})

	// List ranks the overdue by smed.CompareUrgency, then the others by due
	// time, and counts without reading every customer.
	t.Run("ListRanking", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		type spec struct {
			name  string
			owner string
			value int64
			cad   int
			last  time.Duration // before now
		}
		now := t0.Add(100 * smed.Day)
		specs := []spec{
			{"Big late", "U1", 1000, 10, 30 * smed.Day},
			{"Big later", "U1", 1000, 10, 50 * smed.Day},
			{"Big tie b", "U2", 1000, 10, 30 * smed.Day},
			{"Small late", "U1", 10, 10, 90 * smed.Day},
			{"Zero late", "U2", 0, 10, 40 * smed.Day},
			{"Soon", "U1", 5000, 10, 9 * smed.Day},
			{"Later", "U2", 5000, 30, 1 * smed.Day},
			{"Nobody's", "", 7, 5, 20 * smed.Day},
		}
		for _, sp := range specs {
			if _, err := s.Import(ctx, team, smed.ImportRecord{Name: sp.name, Owner: ptr(sp.owner), Value: ptr(sp.value),
				CadenceDays: ptr(sp.cad), LastContactAt: now.Add(-sp.last)}, t0); err != nil {
				t.Fatal(err)
			}
		}
		names := func(owner string, limit int) ([]string, smed.Ranked) {
			t.Helper()
			r, err := s.List(ctx, team, owner, now, limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, c := range r.Customers {
				out = append(out, c.Name)
			}
			return out, r
		}
		for _, tc := range []struct {
			owner   string
			limit   int
			want    []string
			total   int
			overdue int
			risk    int64
		}{
			{"", 20, []string{"Big later", "Big late", "Big tie b", "Small late", "Nobody's", "Zero late", "Soon", "Later"}, 8, 6, 3017},
			{"", 2, []string{"Big later", "Big late"}, 8, 6, 3017},
			{"", 3, []string{"Big later", "Big late", "Big tie b"}, 8, 6, 3017},
			{"U1", 20, []string{"Big later", "Big late", "Small late", "Soon"}, 4, 3, 2010},
			{"U1", 1, []string{"Big later"}, 4, 3, 2010},
			{"U2", 20, []string{"Big tie b", "Zero late", "Later"}, 3, 2, 1000},
			{"U3", 20, nil, 0, 0, 0},
			{"", 0, nil, 8, 6, 3017},
		} {
			got, r := names(tc.owner, tc.limit)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("List(%q, %d) (-want +got):\n%s", tc.owner, tc.limit, diff)
			}
			if r.Total != tc.total || r.Overdue != tc.overdue || r.AtRisk != tc.risk {
				t.Errorf("List(%q): total %d overdue %d risk %d; want %d %d %d", tc.owner, r.Total, r.Overdue, r.AtRisk, tc.total, tc.overdue, tc.risk)
			}
		}
		// The same order as the domain's, customer for customer.
		r, _ := s.List(ctx, team, "", now, 20)
		var over []smed.Customer
		for _, c := range r.Customers {
			if c.OverdueAt(now) {
				over = append(over, c)
			}
		}
		if !slices.IsSortedFunc(over, func(a, b smed.Customer) int { return smed.CompareUrgency(a, b, now) }) {
			t.Errorf("overdue part not in CompareUrgency order")
		}
	})

	t.Run("HistoryPaging", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		var acme string
		for i := 1; i <= 25; i++ {
			acme = mustNote(t, s, team, named("Acme", fmt.Sprintf("n%d", i)), "U1", t0.Add(time.Duration(i)*time.Hour)).Customer.ID
			if i == 10 {
				if _, err := s.Update(t.Context(), team, acme, smed.Change{Value: ptr[int64](5), By: "U2", At: t0.Add(10*time.Hour + time.Minute)}); err != nil {
					t.Fatal(err)
				}
			}
		}
		texts := func(offset, limit int) []string {
			t.Helper()
			c, es, total, err := s.History(t.Context(), team, acme, offset, limit)
			if err != nil {
				t.Fatal(err)
			}
			if c.NoteCount != 25 || total != 26 {
				t.Errorf("NoteCount = %d, total %d; want 25, 26", c.NoteCount, total)
			}
			var out []string
			for _, e := range es {
				if e.Kind == smed.EntryRevision {
					out = append(out, e.Revision.Field)
				} else {
					out = append(out, e.Note.Text)
				}
			}
			return out
		}
		for _, tc := range []struct {
			offset, limit int
			want          []string
		}{
			{0, 3, []string{"n25", "n24", "n23"}},
			{3, 2, []string{"n22", "n21"}},
			{14, 3, []string{"n11", "value", "n10"}},
			{23, 10, []string{"n3", "n2", "n1"}},
			{25, 1, []string{"n1"}},
			{26, 10, nil},
			{100, 10, nil},
			{0, 0, nil},
			{-5, 1, []string{"n25"}},
		} {
			if diff := cmp.Diff(tc.want, texts(tc.offset, tc.limit)); diff != "" {
				t.Errorf("History(%d, %d) (-want +got):\n%s", tc.offset, tc.limit, diff)
			}
		}
	})

	t.Run("ManyNotesAllKept", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		n := 3000
		if testing.Short() {
			n = 500
		}
		ctx := t.Context()
		big := mustNote(t, s, team, named("Big", "note 1"), "U1", t0).Customer.ID
		for i := 2; i <= n; i++ {
			if _, err := s.AddNote(ctx, team, smed.NoteRequest{
				CustomerID: big, Text: fmt.Sprintf("note %d", i), Author: "U1", At: t0.Add(time.Duration(i) * time.Second),
			}); err != nil {
				t.Fatal(err)
			}
		}
		c, oldest, _, err := s.History(ctx, team, big, n-1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if c.NoteCount != n || len(oldest) != 1 || oldest[0].Note.Text != "note 1" {
			t.Errorf("after %d notes: count %d, oldest page %+v", n, c.NoteCount, oldest)
		}
		k, _ := s.team("test", team)
		if got := s.rdb.LLen(ctx, k.notes(c.ID)).Val(); got != int64(n) {
			t.Errorf("notes list holds %d, want %d", got, n)
		}
	})

	t.Run("Find", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		mustNote(t, s, team, named("Acme Corp", "discussed renewal pricing"), "U1", t0)
		mustNote(t, s, team, named("Acme Corp", "sent the deck"), "U1", t0.Add(time.Hour))
		fact(t, s, team, named("Acme Corp", "Prefers CALLS before 10"), "U2", t0)
		mustNote(t, s, team, named("Globex", "ACME referral, renewal next year"), "U2", t0.Add(2*time.Hour))
		mustNote(t, s, team, named("Café Ærø", "smørrebrød"), "U2", t0)

		type hit struct{ Name, Field, Text string }
		find := func(q string, limit int) []hit {
			t.Helper()
			p, err := s.Find(ctx, team, q, "", limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []hit
			for _, m := range p.Matches {
				out = append(out, hit{m.Customer.Name, m.Field, m.Text})
			}
			return out
		}
		// Most recent entry first (names count from when they were given).
		for _, tc := range []struct {
			q     string
			limit int
			want  []hit
		}{
			{"acme", 0, []hit{{"Globex", "note", "ACME referral, renewal next year"}, {"Acme Corp", "name", ""}}},
			{"renewal", 0, []hit{{"Globex", "note", "ACME referral, renewal next year"}, {"Acme Corp", "note", "discussed renewal pricing"}}},
			{"renew", 0, []hit{{"Globex", "note", "ACME referral, renewal next year"}, {"Acme Corp", "note", "discussed renewal pricing"}}},
			{"calls BEFORE", 0, []hit{{"Acme Corp", "fact", "Prefers CALLS before 10"}}},
			{"renewal acme", 0, []hit{{"Globex", "note", "ACME referral, renewal next year"}}},
			{"cafe\u0301", 0, []hit{{"Café Ærø", "name", ""}}},
			{"ÆRØ", 0, []hit{{"Café Ærø", "name", ""}}},
			{"SMØRREBRØD", 0, []hit{{"Café Ærø", "note", "smørrebrød"}}},
			{"acme", 1, []hit{{"Globex", "note", "ACME referral, renewal next year"}}},
			{"zebra", 0, nil},
			{"newal", 0, nil}, // words match by prefix, not inside
			{"  ", 0, nil},
		} {
			if diff := cmp.Diff(tc.want, find(tc.q, tc.limit)); diff != "" {
				t.Errorf("Find(%q, %d) (-want +got):\n%s", tc.q, tc.limit, diff)
			}
		}
	})

	t.Run("FindPages", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		acme := mustNote(t, s, team, named("Acme", "first"), "U1", t0).Customer.ID
		for i := range 25 {
			text := fmt.Sprintf("call %d about pricing", i)
			if i%2 == 1 {
				text = fmt.Sprintf("call %d about renewals", i)
			}
			if _, err := s.AddNote(ctx, team, smed.NoteRequest{CustomerID: acme, Text: text, Author: "U1", At: t0.Add(time.Duration(i) * time.Minute)}); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		cursor, pages := "", 0
		for {
			p, err := s.Find(ctx, team, "call pric", cursor, 4)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, m := range p.Matches {
				got = append(got, m.Text)
			}
			if cursor = p.Next; cursor == "" || pages > 10 {
				break
			}
		}
		var want []string
		for i := 24; i >= 0; i -= 2 {
			want = append(want, fmt.Sprintf("call %d about pricing", i))
		}
		if diff := cmp.Diff(want, got); diff != "" || pages != 4 {
			t.Errorf("paged Find (%d pages, want 4) (-want +got):\n%s", pages, diff)
		}
	})

	t.Run("Import", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		mustNote(t, s, team, named("Existing", "hi"), "U1", t0.Add(10*smed.Day))
		recs := []smed.ImportRecord{
			{Name: "Fresh Co", Owner: ptr("U2"), Value: ptr[int64](5000), CadenceDays: ptr(14), LastContactAt: t0.Add(-3 * smed.Day),
				Facts: []string{"pays in instalments", "special shoe"}},
			{Name: "existing", Owner: ptr("U3"), Value: ptr[int64](900), CadenceDays: ptr(60), LastContactAt: t0, // earlier: clock stays
				Facts: []string{"one fact"}},
			{Name: "Never", Owner: ptr(""), Value: ptr[int64](1), CadenceDays: ptr(1)},
		}
		at := t0.Add(20 * smed.Day)
		for i, want := range []smed.ImportOutcome{smed.ImportCreated, smed.ImportUpdated, smed.ImportCreated} {
			got, err := s.Import(ctx, team, recs[i], at)
			if err != nil || got != want {
				t.Fatalf("Import(%s) = %v, %v; want %v", recs[i].Name, got, err, want)
			}
		}
		checked(t, s, team, "import")
		before := all(t, s, team)
		var got []string
		for _, c := range before {
			got = append(got, c.Name)
		}
		if diff := cmp.Diff([]string{"Existing", "Fresh Co", "Never"}, got); diff != "" {
			t.Fatalf("Export order (-want +got):\n%s", diff)
		}
		fresh := before[1]
		wantFresh := smed.Card{
			Customer: smed.Customer{ID: fresh.ID, Name: "Fresh Co", Owner: "U2", Value: 5000, CadenceDays: 14, CadenceSet: true,
				CreatedAt: at, LastContactAt: t0.Add(-3 * smed.Day)},
			Facts: []smed.Fact{{ID: fresh.Facts[0].ID, At: at, Text: "pays in instalments"}, {ID: fresh.Facts[1].ID, At: at, Text: "special shoe"}},
		}
		if diff := cmp.Diff(wantFresh, fresh); diff != "" {
			t.Errorf("imported card (-want +got):\n%s", diff)
		}
		ex := before[0]
		if ex.Owner != "U3" || ex.Value != 900 || ex.CadenceDays != 60 || !ex.LastContactAt.Equal(t0.Add(10*smed.Day)) || ex.NoteCount != 1 {
			t.Errorf("updated customer = %+v", ex.Customer)
		}
		if owned, _ := s.OwnedBy(ctx, team, "U1"); len(owned) != 0 {
			t.Errorf("import left the old owner with %v", owned)
		}
		// Re-applying the same records (later) changes nothing, and says so.
		for _, r := range recs {
			if got, err := s.Import(ctx, team, r, at.Add(smed.Day)); err != nil || got != smed.ImportUnchanged {
				t.Fatalf("re-Import(%s) = %v, %v; want %v", r.Name, got, err, smed.ImportUnchanged)
			}
		}
		if diff := cmp.Diff(before, all(t, s, team)); diff != "" {
			t.Errorf("re-import changed (-before +after):\n%s", diff)
		}
		// A later contact moves the clock; a new fact is added once.
		later := t0.Add(30 * smed.Day)
		upd := recs[1]
		upd.LastContactAt = later
		upd.Facts = []string{"one fact", "two fact", "two fact"}
		if got, err := s.Import(ctx, team, upd, at); err != nil || got != smed.ImportUpdated {
			t.Fatalf("Import(later contact, new fact) = %v, %v; want %v", got, err, smed.ImportUpdated)
		}
		card, _ := s.Card(ctx, team, ex.ID, 0)
		if !card.LastContactAt.Equal(later) || len(card.Facts) != 2 {
			t.Errorf("after update: last contact %v, facts %+v", card.LastContactAt, card.Facts)
		}
		checked(t, s, team, "re-import")
	})

	// A record without owner, value or cadence (a CSV of names and facts)
	// leaves them as they are, and the due indexes with them.
	t.Run("ImportPartialColumns", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		acme := mustNote(t, s, team, named("Acme", "hi"), "U1", t0).Customer.ID
		until := t0.Add(50 * smed.Day)
		if _, err := s.Update(ctx, team, acme, smed.Change{Value: ptr[int64](120000), CadenceDays: ptr(7), SnoozedUntil: &until}); err != nil {
			t.Fatal(err)
		}
		before, err := s.Customer(ctx, team, acme)
		if err != nil {
			t.Fatal(err)
		}
		n0, v0, err := s.Totals(ctx, team)
		if err != nil {
			t.Fatal(err)
		}
		rec := smed.ImportRecord{Name: "acme", DefaultCadenceDays: 30, Facts: []string{"likes tea"}}
		for _, want := range []smed.ImportOutcome{smed.ImportUpdated, smed.ImportUnchanged} {
			if got, err := s.Import(ctx, team, rec, t0.Add(smed.Day)); err != nil || got != want {
				t.Fatalf("Import(name, facts) = %v, %v; want %v", got, err, want)
			}
		}
		card, err := s.Card(ctx, team, acme, 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, card.Customer); diff != "" {
			t.Errorf("import of name and facts changed the customer (-before +after):\n%s", diff)
		}
		if len(card.Facts) != 1 || card.Facts[0].Text != "likes tea" {
			t.Errorf("facts = %+v, want the imported one", card.Facts)
		}
		if got := dueScore(t, s, team, before.ID); got != before.DueAt().UnixMilli() {
			t.Errorf("due index: score %d, want %d", got, before.DueAt().UnixMilli())
		}
		checked(t, s, team, "partial import")
		if owners, err := s.Owners(ctx, team); err != nil || !slices.Equal(owners, []string{"U1"}) {
			t.Errorf("Owners = %q, %v; want [U1]", owners, err)
		}
		if n, v, err := s.Totals(ctx, team); err != nil || n != n0 || v != v0 {
			t.Errorf("Totals = %d, %d, %v; want %d, %d", n, v, err, n0, v0)
		}

		// One column given changes that field only.
		if got, err := s.Import(ctx, team, smed.ImportRecord{Name: "Acme", Value: ptr[int64](5), DefaultCadenceDays: 30}, t0); err != nil || got != smed.ImportUpdated {
			t.Fatalf("Import(name, value) = %v, %v", got, err)
		}
		c, _ := s.Customer(ctx, team, acme)
		want := before
		want.Value = 5
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("import of name and value (-want +got):\n%s", diff)
		}

		// A new customer without those columns: nobody, 0, the default cadence.
		if got, err := s.Import(ctx, team, smed.ImportRecord{Name: "Fresh", DefaultCadenceDays: 45}, t0); err != nil || got != smed.ImportCreated {
			t.Fatalf("Import(new, name only) = %v, %v", got, err)
		}
		fresh, err := byName(t, s, team, "Fresh")
		if err != nil || fresh.Owner != "" || fresh.Value != 0 || fresh.CadenceDays != 45 || !fresh.LastContactAt.IsZero() {
			t.Errorf("new customer from a name only = %+v, %v", fresh, err)
		}
		if got := dueScore(t, s, team, fresh.ID); got != fresh.DueAt().UnixMilli() {
			t.Errorf("new customer due score %d, want %d", got, fresh.DueAt().UnixMilli())
		}
		// Without a cadence the default is needed, new customer or not.
		for _, name := range []string{"Acme", "Newer"} {
			if _, err := s.Import(ctx, team, smed.ImportRecord{Name: name}, t0); !errors.Is(err, smed.ErrInvalid) {
				t.Errorf("Import(%s) without cadence or default: err = %v, want ErrInvalid", name, err)
			}
		}
	})

	// Import reports a change only when the record changed something, so a
	// re-import of the same file does not read as updates.
	t.Run("ImportOutcome", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		base := smed.ImportRecord{Owner: ptr("U1"), Value: ptr[int64](5000), CadenceDays: ptr(14),
			LastContactAt: t0, Facts: []string{"likes tea"}}
		for _, tc := range []struct {
			name   string
			change func(r *smed.ImportRecord)
			want   smed.ImportOutcome
		}{
			{"same record", func(r *smed.ImportRecord) {}, smed.ImportUnchanged},
			{"name spelled differently", func(r *smed.ImportRecord) { r.Name = "  " + strings.ToUpper(r.Name) + " " }, smed.ImportUnchanged},
			{"no last contact given", func(r *smed.ImportRecord) { r.LastContactAt = time.Time{} }, smed.ImportUnchanged},
			{"earlier last contact", func(r *smed.ImportRecord) { r.LastContactAt = t0.Add(-smed.Day) }, smed.ImportUnchanged},
			{"same instant in another zone", func(r *smed.ImportRecord) { r.LastContactAt = t0.In(time.FixedZone("X", 3600)) }, smed.ImportUnchanged},
			{"known facts only", func(r *smed.ImportRecord) { r.Facts = nil }, smed.ImportUnchanged},
			{"known fact twice", func(r *smed.ImportRecord) { r.Facts = []string{"likes tea", "likes tea"} }, smed.ImportUnchanged},
			{"owner", func(r *smed.ImportRecord) { r.Owner = ptr("U2") }, smed.ImportUpdated},
			{"owner cleared", func(r *smed.ImportRecord) { r.Owner = ptr("") }, smed.ImportUpdated},
			{"value", func(r *smed.ImportRecord) { r.Value = ptr[int64](5001) }, smed.ImportUpdated},
			{"value zero", func(r *smed.ImportRecord) { r.Value = ptr[int64](0) }, smed.ImportUpdated},
			{"largest value", func(r *smed.ImportRecord) { r.Value = ptr[int64](smed.MaxValue) }, smed.ImportUpdated},
			{"cadence", func(r *smed.ImportRecord) { r.CadenceDays = ptr(15) }, smed.ImportUpdated},
			{"later last contact", func(r *smed.ImportRecord) { r.LastContactAt = t0.Add(time.Millisecond) }, smed.ImportUpdated},
			{"new fact", func(r *smed.ImportRecord) { r.Facts = []string{"likes tea", "hates coffee"} }, smed.ImportUpdated},
			// A file without a column re-imports as unchanged.
			{"no owner column", func(r *smed.ImportRecord) { r.Owner = nil }, smed.ImportUnchanged},
			{"no value column", func(r *smed.ImportRecord) { r.Value = nil }, smed.ImportUnchanged},
			{"no cadence column", func(r *smed.ImportRecord) { r.CadenceDays, r.DefaultCadenceDays = nil, 30 }, smed.ImportUnchanged},
			{"name and facts only", func(r *smed.ImportRecord) {
				*r = smed.ImportRecord{Name: r.Name, DefaultCadenceDays: 30, Facts: r.Facts}
			}, smed.ImportUnchanged},
			{"name and value only", func(r *smed.ImportRecord) {
				*r = smed.ImportRecord{Name: r.Name, Value: ptr[int64](6000), DefaultCadenceDays: 30}
			}, smed.ImportUpdated},
		} {
			rec := base
			rec.Name = "Co " + tc.name
			if got, err := s.Import(ctx, team, rec, t0); err != nil || got != smed.ImportCreated {
				t.Fatalf("%s: first Import = %v, %v; want %v", tc.name, got, err, smed.ImportCreated)
			}
			before, err := s.Card(ctx, team, id(t, s, team, rec.Name), 0)
			if err != nil {
				t.Fatal(err)
			}
			tc.change(&rec)
			if got, err := s.Import(ctx, team, rec, t0.Add(smed.Day)); err != nil || got != tc.want {
				t.Errorf("%s: Import = %v, %v; want %v", tc.name, got, err, tc.want)
			}
			after, err := s.Card(ctx, team, id(t, s, team, rec.Name), 0)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == smed.ImportUnchanged {
				if diff := cmp.Diff(before, after); diff != "" {
					t.Errorf("%s: reported unchanged but changed (-before +after):\n%s", tc.name, diff)
				}
			} else if cmp.Equal(before, after) {
				t.Errorf("%s: reported updated but the card is the same", tc.name)
			}
			if got, err := s.Import(ctx, team, rec, t0.Add(2*smed.Day)); err != nil || got != smed.ImportUnchanged {
				t.Errorf("%s: Import again = %v, %v; want %v", tc.name, got, err, smed.ImportUnchanged)
			}
		}

		// Customers written by other paths compare equal too: a note writes
		// value "0", Update writes the numbers itself.
		mustNote(t, s, team, named("Noted", "hi"), "U1", t0)
		noted := smed.ImportRecord{Name: "Noted", Owner: ptr("U1"), Value: ptr[int64](0), CadenceDays: ptr(30)}
		if got, err := s.Import(ctx, team, noted, t0); err != nil || got != smed.ImportUnchanged {
			t.Errorf("Import of a noted customer as it is = %v, %v; want %v", got, err, smed.ImportUnchanged)
		}
		if _, err := s.Update(ctx, team, id(t, s, team, "Noted"), smed.Change{Value: ptr[int64](120000), CadenceDays: ptr(7)}); err != nil {
			t.Fatal(err)
		}
		noted.Value, noted.CadenceDays = ptr[int64](120000), ptr(7)
		if got, err := s.Import(ctx, team, noted, t0); err != nil || got != smed.ImportUnchanged {
			t.Errorf("Import of an updated customer as it is = %v, %v; want %v", got, err, smed.ImportUnchanged)
		}

		// The totals follow every kind of outcome.
		totalsMatch(t, s, team, "imports of every outcome")
		checked(t, s, team, "imports of every outcome")
	})

	t.Run("NoteCounts", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		mustNote(t, s, team, named("A", "x"), "U1", t0)
		mustNote(t, s, team, named("A", "x"), "U1", t0.Add(smed.Day))
		mustNote(t, s, team, named("B", "x"), "U2", t0.Add(2*smed.Day))
		mustNote(t, s, team, named("B", "x"), "U1", t0.Add(3*smed.Day))
		for _, tc := range []struct {
			since time.Time
			want  map[string]int
		}{
			{t0.Add(-smed.Day), map[string]int{"U1": 3, "U2": 1}},
			{t0, map[string]int{"U1": 3, "U2": 1}},
			{t0.Add(smed.Day), map[string]int{"U1": 2, "U2": 1}},
			// Whole UTC days: the day of since counts in full.
			{t0.Add(smed.Day + time.Hour), map[string]int{"U1": 2, "U2": 1}},
			{t0.Add(4 * smed.Day), map[string]int{}},
		} {
			got, err := s.NoteCounts(t.Context(), team, tc.since)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("NoteCounts(%v) (-want +got):\n%s", tc.since.Sub(t0), diff)
			}
		}
	})

	t.Run("Guard", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		claim := func(key string, lease time.Duration) bool {
			t.Helper()
			ok, err := s.Claim(ctx, team, key, lease)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		const key = "remind:2025-03-03:U1"
		if !claim(key, time.Minute) {
			t.Fatal("first claim refused")
		}
		if claim(key, time.Minute) {
			t.Error("second claim granted while pending")
		}
		if err := s.Release(ctx, team, key); err != nil {
			t.Fatal(err)
		}
		if !claim(key, time.Minute) {
			t.Fatal("claim after release refused")
		}
		if err := s.Confirm(ctx, team, key, time.Hour); err != nil {
			t.Fatal(err)
		}
		if err := s.Release(ctx, team, key); err != nil { // too late: already sent
			t.Fatal(err)
		}
		if claim(key, time.Minute) {
			t.Error("claim granted after confirm (+ stray release)")
		}
		// Another team's key of the same name is independent.
		if ok, err := s.Claim(ctx, "T2", key, time.Minute); err != nil || !ok {
			t.Errorf("other team's claim = %v, %v", ok, err)
		}
		// A lease that runs out (the sender died) frees the key.
		const crashed = "digest:2025-W10"
		if !claim(crashed, 30*time.Millisecond) {
			t.Fatal("claim refused")
		}
		deadline := time.Now().Add(3 * time.Second)
		for !claim(crashed, time.Minute) {
			if time.Now().After(deadline) {
				t.Fatal("expired lease never freed the key")
			}
			time.Sleep(10 * time.Millisecond) // waiting on Redis's clock, not ours
		}
	})

	t.Run("TeamsApart", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		a := mustNote(t, s, "T1", named("Acme", "from T1"), "U1", t0)
		b := mustNote(t, s, "T2", named("Acme", "from T2"), "U1", t0)
		if !b.Created || a.Customer.ID == b.Customer.ID {
			t.Fatalf("T2's Acme was not created separately: %+v", b)
		}
		card, err := s.Card(ctx, "T2", b.Customer.ID, 10)
		if err != nil || len(card.Notes) != 1 || card.Notes[0].Text != "from T2" {
			t.Errorf("T2 card = %+v, %v", card, err)
		}
		if _, err := s.Customer(ctx, "T3", a.Customer.ID); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("T3 sees T1's Acme: %v", err)
		}
		if _, _, err := s.Resolve(ctx, "T3", []string{"Acme"}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("T3 resolves Acme: %v", err)
		}
		mustNote(t, s, "T1", named("Only T1", "x"), "U1", t0)
		if cs := all(t, s, "T2"); len(cs) != 1 || cs[0].Name != "Acme" {
			t.Errorf("T2 customers = %+v", cs)
		}
		if r, _ := s.List(ctx, "T2", "U1", t0, 10); r.Total != 1 {
			t.Errorf("T2 owner list has %d customers", r.Total)
		}
		if p, _ := s.Find(ctx, "T2", "only", "", 10); len(p.Matches) != 0 {
			t.Errorf("T2 finds T1's words: %+v", p)
		}
		if ms, _ := s.NearMisses(ctx, "T2", []string{"Only T"}, 5); len(ms) != 0 {
			t.Errorf("T2 near-misses T1's names: %+v", ms)
		}
	})

	t.Run("KeysHoldNoUserText", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		evil := "Evil Corp <!channel> {x}"
		r := mustNote(t, s, team, named(evil, "note {y} <@U1> zanzibar"), "U1", t0)
		mustNote(t, s, team, named(evil, "again"), "U1", t0)
		fact(t, s, team, named(evil, "fact"), "U1", t0)
		if _, err := s.Update(ctx, team, r.Customer.ID, smed.Change{Owner: ptr("U2")}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Import(ctx, team, smed.ImportRecord{Name: "Wicked {T0123ABC} Ltd", Owner: ptr("U3"), CadenceDays: ptr(5), Facts: []string{"f"}}, t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Rename(ctx, team, r.Customer.ID, "Evil Corp Renamed", "U1", t0); err != nil {
			t.Fatal(err)
		}
		if ok, err := s.Claim(ctx, team, "remind:2025-03-03:U2", time.Minute); err != nil || !ok {
			t.Fatal(ok, err)
		}
		keys := allKeys(t, s)
		if len(keys) < 8 {
			t.Fatalf("only %d keys: %q", len(keys), keys)
		}
		for _, k := range keys {
			rest := strings.TrimPrefix(k, s.prefix)
			if !strings.HasPrefix(rest, "smed:{"+team+"}:") {
				t.Errorf("key %q lacks the team hash tag", k)
			}
			rest = strings.TrimPrefix(rest, "smed:{"+team+"}:")
			for _, part := range []string{"evil", "corp", "channel", "<", ">", "{", "}", " ", "wicked", "ltd", "zanzibar", "renamed"} {
				if strings.Contains(strings.ToLower(rest), part) {
					t.Errorf("key %q holds user text %q", k, part)
				}
			}
		}
	})

	t.Run("ConcurrentCreate", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		const n = 50
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			created int
			ids     = map[string]bool{}
		)
		for i := range n {
			wg.Go(func() {
				name := "Rush Ltd"
				if i%5 == 0 {
					name = "RUSH  ltd" // the same customer, typed otherwise
				}
				r, err := s.AddNote(t.Context(), team, smed.NoteRequest{
					Candidates: named(name, fmt.Sprintf("note %d", i)), Author: "U1",
					At: t0.Add(time.Duration(i) * time.Second), Create: true, CadenceDays: 30,
				})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				ids[r.Customer.ID] = true
				if r.Created {
					created++
				}
			})
		}
		wg.Wait()
		if created != 1 || len(ids) != 1 {
			t.Errorf("%d creations, %d distinct IDs; want 1 and 1", created, len(ids))
		}
		cs := all(t, s, team)
		if len(cs) != 1 || cs[0].NoteCount != n {
			t.Errorf("customers %+v; want one customer with %d notes", cs, n)
		}
		checked(t, s, team, "concurrent creates")
	})

	t.Run("Rename", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		acme := mustNote(t, s, team, named("Acme Crop", "first note about widgets"), "U1", t0).Customer.ID
		fact(t, s, team, named("Acme Crop", "likes widgets"), "U1", t0)
		other := mustNote(t, s, team, named("Globex", "x"), "U2", t0).Customer.ID
		r, err := s.Rename(ctx, team, acme, "Acme  Corp", "U3", t0.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if r.Customer.Name != "Acme Corp" || r.Customer.Formerly != "Acme Crop" || r.Customer.NoteCount != 1 {
			t.Errorf("renamed = %+v", r.Customer)
		}
		checked(t, s, team, "rename")
		// The new name resolves, the old one is free at once.
		if got := id(t, s, team, "acme corp"); got != acme {
			t.Errorf("new name resolves to %s, want %s", got, acme)
		}
		if _, _, err := s.Resolve(ctx, team, []string{"Acme Crop"}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("old name still resolves: %v", err)
		}
		// A note by the new name (the customer's ID is no longer the first
		// ID of its name) and by the old one, which creates a new customer.
		n, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: words("Acme Corp second"), Author: "U1", At: t0.Add(2 * time.Hour)})
		if err != nil || n.Customer.ID != acme || n.Customer.NoteCount != 2 {
			t.Errorf("note by the new name = %+v, %v", n, err)
		}
		fresh := mustNote(t, s, team, named("Acme Crop", "a new one"), "U1", t0.Add(3*time.Hour))
		if !fresh.Created || fresh.Customer.ID == acme {
			t.Errorf("old name did not make a new customer: %+v", fresh)
		}
		again := mustNote(t, s, team, named("acme crop", "and again"), "U1", t0.Add(4*time.Hour))
		if again.Created || again.Customer.ID != fresh.Customer.ID {
			t.Errorf("second note on the reused name = %+v", again)
		}
		// Search follows: the old name is not found as a name, the new is.
		p, err := s.Find(ctx, team, "crop", "", 10)
		if err != nil || len(p.Matches) != 1 || p.Matches[0].Customer.ID != fresh.Customer.ID {
			t.Errorf("Find(crop) = %+v, %v", p, err)
		}
		p, err = s.Find(ctx, team, "widgets", "", 10)
		if err != nil || len(p.Matches) != 2 || p.Matches[0].Customer.Name != "Acme Corp" {
			t.Errorf("Find(widgets) = %+v, %v", p, err)
		}
		if ms, _ := s.NearMisses(ctx, team, []string{"Acme Cor"}, 5); len(ms) != 2 || ms[0].ID != acme { // prefix first, then the edit
			t.Errorf("NearMisses(Acme Cor) = %+v", ms)
		}
		// Only how it is written.
		r, err = s.Rename(ctx, team, acme, "ACME corp", "U3", t0)
		if err != nil || r.Customer.Name != "ACME corp" || r.Customer.Formerly != "Acme Crop" {
			t.Errorf("case-only rename = %+v, %v", r, err)
		}
		// Onto a taken name: refused, nothing written.
		if _, err := s.Rename(ctx, team, acme, "globex", "U3", t0); !errors.Is(err, smed.ErrConflict) {
			t.Errorf("rename onto Globex: %v, want ErrConflict", err)
		}
		if got := id(t, s, team, "Globex"); got != other {
			t.Errorf("Globex now %s", got)
		}
		_, es, _, _ := s.History(ctx, team, acme, 0, 10)
		var revs []string
		for _, e := range es {
			if e.Kind == smed.EntryRevision {
				revs = append(revs, e.Revision.From+" → "+e.Revision.To)
			}
		}
		if diff := cmp.Diff([]string{"Acme Corp → ACME corp", "Acme Crop → Acme Corp"}, revs, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("name revisions (-want +got):\n%s", diff)
		}
		checked(t, s, team, "renames")
	})

	t.Run("Merge", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		into := mustNote(t, s, team, named("Acme Corp", "into 1"), "U1", t0).Customer.ID
		dup := mustNote(t, s, team, named("ACME Corporation", "dup 1 renewal"), "U2", t0.Add(time.Hour)).Customer.ID
		mustNote(t, s, team, named("Acme Corp", "into 2"), "U1", t0.Add(2*time.Hour))
		mustNote(t, s, team, named("ACME Corporation", "dup 2"), "U2", t0.Add(5*time.Hour))
		fact(t, s, team, named("Acme Corp", "likes tea"), "U1", t0)
		fact(t, s, team, named("ACME Corporation", "likes tea"), "U2", t0)
		fact(t, s, team, named("ACME Corporation", "pays late"), "U2", t0)
		if _, err := s.Update(ctx, team, into, smed.Change{Value: ptr[int64](100), CadenceDays: ptr(7), By: "U1", At: t0.Add(3 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Update(ctx, team, dup, smed.Change{Value: ptr[int64](50), By: "U2", At: t0.Add(4 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		m, err := s.Merge(ctx, team, dup, into, "U9", t0.Add(6*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if m.Notes != 2 || m.Facts != 1 || m.Gone.ID != dup || m.Gone.Name != "ACME Corporation" {
			t.Errorf("merged = %+v", m)
		}
		c := m.Into
		if c.Owner != "U1" || c.Value != 100 || c.CadenceDays != 7 || c.NoteCount != 4 ||
			!c.LastContactAt.Equal(t0.Add(5*time.Hour)) || c.LastContactBy != "U2" {
			t.Errorf("into after merge = %+v", c)
		}
		checked(t, s, team, "merge")
		card, _ := s.Card(ctx, team, into, 10)
		var notes, facts []string
		for _, n := range card.Notes {
			notes = append(notes, n.Text)
		}
		for _, f := range card.Facts {
			facts = append(facts, f.Text)
		}
		if diff := cmp.Diff([]string{"dup 2", "into 2", "dup 1 renewal", "into 1"}, notes); diff != "" {
			t.Errorf("notes by time (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"likes tea", "pays late"}, facts); diff != "" {
			t.Errorf("facts (-want +got):\n%s", diff)
		}
		if _, err := s.Customer(ctx, team, dup); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("duplicate still there: %v", err)
		}
		if _, _, err := s.Resolve(ctx, team, []string{"acme corporation"}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("duplicate's name still resolves: %v", err)
		}
		// Search finds the moved notes on into; the duplicate's name is gone.
		p, _ := s.Find(ctx, team, "renewal", "", 10)
		if len(p.Matches) != 1 || p.Matches[0].Customer.ID != into || p.Matches[0].Text != "dup 1 renewal" {
			t.Errorf("Find(renewal) = %+v", p)
		}
		if p, _ := s.Find(ctx, team, "corporation", "", 10); len(p.Matches) != 0 {
			t.Errorf("Find(corporation) = %+v", p)
		}
		_, es, total, _ := s.History(ctx, team, into, 0, 20)
		var revs []string
		for _, e := range es {
			if e.Kind == smed.EntryRevision {
				revs = append(revs, e.Revision.Field+":"+e.Revision.From+"→"+e.Revision.To)
			}
		}
		if diff := cmp.Diff([]string{"merge:ACME Corporation→Acme Corp", "value:0→50", "cadence:30→7", "value:0→100"}, revs); diff != "" || total != 8 {
			t.Errorf("history revisions (total %d, want 8) (-want +got):\n%s", total, diff)
		}
		if m.Revision.Field != "merge" || m.Revision.By != "U9" {
			t.Errorf("merge revision = %+v", m.Revision)
		}
		if owned, _ := s.OwnedBy(ctx, team, "U2"); len(owned) != 0 {
			t.Errorf("U2 still owns %+v", owned)
		}
		totalsMatch(t, s, team, "merge")
		// A note on into by name still works, and the name is free for others.
		mustNote(t, s, team, named("Acme Corporation", "new one"), "U1", t0.Add(7*time.Hour))
		checked(t, s, team, "after merge")
	})

	t.Run("DeleteAndForget", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		gone := mustNote(t, s, team, named("Doomed Ltd", "secret plans"), "U1", t0).Customer.ID
		fact(t, s, team, named("Doomed Ltd", "hates secrets"), "U1", t0)
		if _, err := s.Update(ctx, team, gone, smed.Change{Value: ptr[int64](70)}); err != nil {
			t.Fatal(err)
		}
		keep := mustNote(t, s, team, named("Keeper", "secret too"), "U2", t0)
		f := fact(t, s, team, named("Keeper", "secret handshake"), "U2", t0)
		fact(t, s, team, named("Keeper", "likes tea"), "U2", t0)
		d, err := s.Delete(ctx, team, gone)
		if err != nil || d.Notes != 1 || d.Facts != 1 || d.Customer.Name != "Doomed Ltd" || d.Customer.Value != 70 {
			t.Errorf("Delete = %+v, %v", d, err)
		}
		checked(t, s, team, "delete")
		totalsMatch(t, s, team, "delete")
		if _, err := s.Customer(ctx, team, gone); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("deleted customer: %v", err)
		}
		p, _ := s.Find(ctx, team, "secret", "", 10)
		if len(p.Matches) != 2 || p.Matches[0].Customer.ID != keep.Customer.ID {
			t.Errorf("Find(secret) after delete = %+v", p)
		}
		if ms, _ := s.NearMisses(ctx, team, []string{"Doomed"}, 5); len(ms) != 0 {
			t.Errorf("NearMisses(Doomed) = %+v", ms)
		}
		card, _ := s.Card(ctx, team, keep.Customer.ID, 0)
		var factID string
		for _, x := range card.Facts {
			if x.Text == "secret handshake" {
				factID = x.ID
			}
		}
		_ = f
		c, err := s.Forget(ctx, team, keep.Customer.ID, factID)
		if err != nil || c.ID != keep.Customer.ID {
			t.Fatalf("Forget = %+v, %v", c, err)
		}
		if _, err := s.Forget(ctx, team, keep.Customer.ID, factID); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("Forget twice: %v", err)
		}
		card, _ = s.Card(ctx, team, keep.Customer.ID, 0)
		if len(card.Facts) != 1 || card.Facts[0].Text != "likes tea" {
			t.Errorf("facts after Forget = %+v", card.Facts)
		}
		p, _ = s.Find(ctx, team, "secret", "", 10)
		if len(p.Matches) != 1 || p.Matches[0].Field != "note" {
			t.Errorf("Find(secret) after Forget = %+v", p)
		}
		checked(t, s, team, "forget")
		// The name of a deleted customer is free.
		if r := mustNote(t, s, team, named("Doomed Ltd", "back"), "U1", t0); !r.Created {
			t.Errorf("re-create after delete = %+v", r)
		}
		checked(t, s, team, "re-create")
	})

	// Typos ("did you mean") and type-ahead, from the indexes.
	t.Run("NearMissesAndSuggest", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		for _, n := range []string{"Acme Corp", "Ærø Fisk", "Rob", "Globex", "Århus Bryghus", "Acme Corps"} {
			mustNote(t, s, team, named(n, "x"), "U1", t0)
		}
		near := func(limit int, typed ...string) []string {
			t.Helper()
			ms, err := s.NearMisses(ctx, team, typed, limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ms {
				out = append(out, m.Name)
			}
			return out
		}
		for _, tc := range []struct {
			typed []string
			want  []string
		}{
			{[]string{"Acme Crop"}, []string{"Acme Corp", "Acme Corps"}},
			{[]string{"Acm"}, []string{"Acme Corp", "Acme Corps"}},
			{[]string{"ACME CORP"}, nil}, // known
			{[]string{"Bob"}, nil},       // too short for an edit
			{[]string{"ærø fsik"}, []string{"Ærø Fisk"}},
			{[]string{"aero fisk"}, []string{"Ærø Fisk"}},
			{[]string{"Aarhus"}, []string{"Århus Bryghus"}},
			{[]string{"Globx"}, []string{"Globex"}},
			{[]string{"Initech"}, nil},
			// Readings longest first, as a note's words give them.
			{[]string{"Acme Crop said hi", "Acme Crop said", "Acme Crop", "Acme"}, []string{"Acme Corp", "Acme Corps"}},
			{[]string{"Globx called", "Globx"}, []string{"Globex"}},
		} {
			if diff := cmp.Diff(tc.want, near(5, tc.typed...)); diff != "" {
				t.Errorf("NearMisses(%q) (-want +got):\n%s", tc.typed, diff)
			}
		}
		if got := near(1, "Acme Crop"); !slices.Equal(got, []string{"Acme Corp"}) {
			t.Errorf("limit 1: %q", got)
		}
		sug := func(typed string) []string {
			t.Helper()
			ms, err := s.Suggest(ctx, team, typed, 3)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ms {
				out = append(out, m.Name)
			}
			return out
		}
		for typed, want := range map[string][]string{
			"acme":      {"Acme Corp", "Acme Corps"},
			"ACME CORP": {"Acme Corp", "Acme Corps"},
			"aro":       {"Ærø Fisk"},
			"glbex":     {"Globex"},
			"a":         {"Acme Corp", "Acme Corps", "Århus Bryghus"}, // by key: å before æ
			"":          nil,
			"zzz":       nil,
		} {
			if diff := cmp.Diff(want, sug(typed)); diff != "" {
				t.Errorf("Suggest(%q) (-want +got):\n%s", typed, diff)
			}
		}
	})
}

// A note stamped before the last contact (clock skew between replicas) is
// kept, but does not move the customer's clock backwards.
func TestBackdatedNoteKeepsClock(t *testing.T) {
	for name, s := range map[string]*Store{"redis": redisStore(t), "memory": memoryStore(t)} {
		t.Run(name, func(t *testing.T) { testBackdatedNote(t, s) })
	}
}

func testBackdatedNote(t *testing.T, s *Store) {
	ctx := t.Context()
	at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	cands := []smed.Candidate{{Name: "Skew", Rest: "late"}}
	if _, err := s.AddNote(ctx, "TSKEW", smed.NoteRequest{Candidates: cands, Author: "U1", At: at, Create: true, CadenceDays: 30}); err != nil {
		t.Fatal(err)
	}
	rc, err := s.AddNote(ctx, "TSKEW", smed.NoteRequest{Candidates: []smed.Candidate{{Name: "Skew", Rest: "early"}}, Author: "U2", At: at.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if !rc.Customer.LastContactAt.Equal(at) || rc.Customer.NoteCount != 2 {
		t.Errorf("last contact %v, notes %d; want %v and 2", rc.Customer.LastContactAt, rc.Customer.NoteCount, at)
	}
	if c, _ := s.Customer(ctx, "TSKEW", rc.Customer.ID); c.LastContactBy != "U1" {
		t.Errorf("last contact by %q, want U1 (the later note's author)", c.LastContactBy)
	}
}
