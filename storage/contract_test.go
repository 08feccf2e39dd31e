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

func ptr[T any](v T) *T { return &v }

func runContract(t *testing.T, newStore func(t *testing.T) *Store) {
	t.Run("Owners", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		mustNote(t, s, team, named("A", "x"), "U1", t0)
		mustNote(t, s, team, named("B", "x"), "U2", t0)
		mustNote(t, s, team, named("C", "x"), "U2", t0)
		if _, err := s.Update(ctx, team, "A", smed.Change{Owner: ptr("U3")}); err != nil {
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
	})

	t.Run("Totals", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check := func(step string) { t.Helper(); totalsMatch(t, s, team, step) }
		check("nothing")
		mustNote(t, s, team, named("A", "x"), "U1", t0)
		mustNote(t, s, team, named("A", "y"), "U1", t0) // a second note adds no customer
		check("notes")
		if _, err := s.Update(ctx, team, "A", smed.Change{Value: ptr[int64](500)}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Update(ctx, team, "A", smed.Change{Value: ptr[int64](300)}); err != nil {
			t.Fatal(err)
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
			Create: true, CadenceDays: 14,
		})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Created || r.Text != "met at the fair" || r.Customer.ID == "" {
			t.Fatalf("receipt = %+v", r)
		}
		want := smed.Customer{ID: r.Customer.ID, Name: "Acme", Owner: "U1", CadenceDays: 14,
			CreatedAt: t0, LastContactAt: t0, NoteCount: 1}
		if diff := cmp.Diff(want, r.Customer); diff != "" {
			t.Errorf("receipt customer (-want +got):\n%s", diff)
		}
		card, err := s.Card(t.Context(), team, "acme", 5)
		if err != nil {
			t.Fatal(err)
		}
		wantCard := smed.Card{Customer: want, Facts: []smed.Fact{},
			Notes: []smed.Note{{Author: "U1", At: t0, Text: "met at the fair"}}}
		if diff := cmp.Diff(wantCard, card, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("card (-want +got):\n%s", diff)
		}
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
		if r.Created || r.Customer.ID != first.Customer.ID || r.Text != "two <!channel> & more" {
			t.Fatalf("receipt = %+v", r)
		}
		c := r.Customer
		if c.NoteCount != 2 || !c.LastContactAt.Equal(t1) || c.Owner != "U1" || !c.CreatedAt.Equal(t0) {
			t.Errorf("customer after second note = %+v", c)
		}
		card, err := s.Card(t.Context(), team, "ACME", 1)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]smed.Note{{Author: "U2", At: t1, Text: "two <!channel> & more"}}, card.Notes); diff != "" {
			t.Errorf("latest note (-want +got):\n%s", diff)
		}
		got, err := s.Customer(t.Context(), team, "acme")
		if err != nil || got != c {
			t.Errorf("Customer = %+v, %v; want %+v", got, err, c)
		}
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
		if r.Created || r.Customer.ID != corp.Customer.ID || r.Text != "renewal call" {
			t.Errorf("picked %+v; want Acme Corp with text %q", r, "renewal call")
		}
		// Remember resolves the same way.
		f, err := s.Remember(t.Context(), team, words("acme corp prefers calls"), "U2", t0)
		if err != nil || f.Customer.ID != corp.Customer.ID || f.Text != "prefers calls" || f.Customer.NoteCount != 2 {
			t.Errorf("Remember = %+v, %v", f, err)
		}
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
			c, err := s.Customer(t.Context(), team, tc.typed)
			if err != nil || c.ID != r.Customer.ID {
				t.Errorf("Customer(%q) = %+v, %v", tc.typed, c, err)
			}
		}
		// The display form is NFC and space-folded, case kept.
		c, _ := s.Customer(t.Context(), team, "cafe noir")
		c2, err := s.Customer(t.Context(), team, "café noir")
		if err != nil || c2.Name != "Café Noir" {
			t.Errorf("display name = %q (%v), want NFC %q; %+v", c2.Name, err, "Café Noir", c)
		}
		ns, err := s.Names(t.Context(), team)
		if err != nil {
			t.Fatal(err)
		}
		slices.Sort(ns)
		if diff := cmp.Diff([]string{"Acme Corp", "Café", "Café Noir", "Ærø Fisk"}, ns); diff != "" {
			t.Errorf("Names (-want +got):\n%s", diff)
		}
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
			if c, err := s.Update(ctx, team, name, smed.Change{Value: ptr[int64](7)}); err != nil || c.ID != r.Customer.ID {
				t.Errorf("Update = %+v, %v", c, err)
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
		if _, err := s.Customer(ctx, team, tooLong); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("Customer(%d runes): err = %v, want ErrNotFound", smed.MaxNameRunes+1, err)
		}
	})

	t.Run("NotFoundWritesNothing", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		_, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: words("Nobody said hi"), Author: "U1", At: t0})
		if !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("AddNote unknown: %v, want ErrNotFound", err)
		}
		if _, err := s.Remember(ctx, team, words("Nobody likes tea"), "U1", t0); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("Remember unknown: %v", err)
		}
		if _, err := s.Customer(ctx, team, "Nobody"); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("Customer unknown: %v", err)
		}
		if _, err := s.Card(ctx, team, "Nobody", 3); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("Card unknown: %v", err)
		}
		if _, _, err := s.History(ctx, team, "Nobody", 0, 10); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("History unknown: %v", err)
		}
		if _, err := s.Update(ctx, team, "Nobody", smed.Change{Value: ptr[int64](5)}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("Update unknown: %v", err)
		}
		if _, err := s.Customer(ctx, team, "   "); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("Customer blank: %v", err)
		}
		if keys := allKeys(t, s); len(keys) != 0 {
			t.Errorf("not-found paths wrote keys: %q", keys)
		}
		ns, err := s.Names(ctx, team)
		if err != nil || len(ns) != 0 {
			t.Errorf("Names = %q, %v", ns, err)
		}
		cs, err := s.Customers(ctx, team, "")
		if err != nil || len(cs) != 0 {
			t.Errorf("Customers = %v, %v", cs, err)
		}
	})

	t.Run("InvalidInput", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		mustNote(t, s, team, named("Acme", "x"), "U1", t0)
		for name, err := range map[string]error{
			"bad team":     func() error { _, err := s.Names(ctx, "T1}{"); return err }(),
			"empty team":   func() error { _, err := s.Customers(ctx, "", ""); return err }(),
			"owner spaces": func() error { _, err := s.Update(ctx, team, "Acme", smed.Change{Owner: ptr("U1 x")}); return err }(),
			"cadence 0":    func() error { _, err := s.Update(ctx, team, "Acme", smed.Change{CadenceDays: ptr(0)}); return err }(),
			"value < 0":    func() error { _, err := s.Update(ctx, team, "Acme", smed.Change{Value: ptr[int64](-1)}); return err }(),
			"guard key":    func() error { _, err := s.Claim(ctx, team, "a b", time.Second); return err }(),
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
			"import cad 0": func() error { _, err := s.Import(ctx, team, smed.ImportRecord{Name: "New"}, t0); return err }(),
			"owner braces": func() error { _, err := s.Customers(ctx, team, "{U1}"); return err }(),
			"long name": func() error {
				_, err := s.Import(ctx, team, smed.ImportRecord{Name: strings.Repeat("x", 201), CadenceDays: ptr(1)}, t0)
				return err
			}(),
			"bad team note": func() error {
				_, err := s.AddNote(ctx, "a:b", smed.NoteRequest{Candidates: named("Acme", "x"), At: t0})
				return err
			}(),
		} {
			if !errors.Is(err, errInvalid) {
				t.Errorf("%s: err = %v, want invalid input", name, err)
			}
		}
		c, err := s.Customer(ctx, team, "Acme")
		if err != nil || c.CadenceDays != 30 || c.Value != 0 || c.Owner != "U1" {
			t.Errorf("refused updates changed the customer: %+v, %v", c, err)
		}
		if ns, _ := s.Names(ctx, team); len(ns) != 1 {
			t.Errorf("refused creates created: %q", ns)
		}
	})

	t.Run("UpdateFields", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		id := mustNote(t, s, team, named("Acme", "x"), "U1", t0).Customer.ID

		c, err := s.Update(ctx, team, "acme", smed.Change{Value: ptr[int64](120000)})
		if err != nil || c.Value != 120000 || c.Owner != "U1" || c.CadenceDays != 30 {
			t.Fatalf("value: %+v, %v", c, err)
		}
		c, err = s.Update(ctx, team, "acme", smed.Change{CadenceDays: ptr(7)})
		if err != nil || c.CadenceDays != 7 || c.Value != 120000 {
			t.Fatalf("cadence: %+v, %v", c, err)
		}
		c, err = s.Update(ctx, team, "acme", smed.Change{Owner: ptr("U2")})
		if err != nil || c.Owner != "U2" {
			t.Fatalf("owner: %+v, %v", c, err)
		}
		if got := ids(t, s, "U1"); len(got) != 0 {
			t.Errorf("old owner still lists %q", got)
		}
		if got := ids(t, s, "U2"); !slices.Equal(got, []string{id}) {
			t.Errorf("new owner lists %q, want [%s]", got, id)
		}
		until := t0.Add(60 * smed.Day)
		c, err = s.Update(ctx, team, "acme", smed.Change{SnoozedUntil: &until})
		if err != nil || !c.SnoozedUntil.Equal(until) {
			t.Fatalf("snooze: %+v, %v", c, err)
		}
		c, err = s.Update(ctx, team, "acme", smed.Change{SnoozedUntil: &time.Time{}})
		if err != nil || !c.SnoozedUntil.IsZero() {
			t.Fatalf("snooze clear: %+v, %v", c, err)
		}
		c, err = s.Update(ctx, team, "acme", smed.Change{Owner: ptr("")})
		if err != nil || c.Owner != "" || len(ids(t, s, "U2")) != 0 || len(ids(t, s, "")) != 1 {
			t.Fatalf("owner cleared: %+v, %v", c, err)
		}
		// An empty change changes nothing and still answers.
		same, err := s.Update(ctx, team, "acme", smed.Change{})
		if err != nil || same != c {
			t.Errorf("empty change: %+v, %v; want %+v", same, err, c)
		}
	})

	// IfOwner makes a handover conditional on the owner the caller read, in
	// the same step as the write.
	t.Run("UpdateIfOwner", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		id := mustNote(t, s, team, named("Acme", "x"), "U1", t0).Customer.ID

		c, err := s.Update(ctx, team, "acme", smed.Change{IfOwner: ptr("U1"), Owner: ptr("U2")})
		if err != nil || c.Owner != "U2" {
			t.Fatalf("handover with the right owner: %+v, %v", c, err)
		}
		before, err := s.Card(ctx, team, "Acme", 5)
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
			if _, err := s.Update(ctx, team, "Acme", ch); !errors.Is(err, smed.ErrConflict) {
				t.Errorf("%s: err = %v, want ErrConflict", name, err)
			}
		}
		after, err := s.Card(ctx, team, "Acme", 5)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("refused updates changed the card (-before +after):\n%s", diff)
		}
		if diff := cmp.Diff(keysBefore, allKeys(t, s), cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
			t.Errorf("refused updates changed the keys (-before +after):\n%s", diff)
		}
		if got := ids(t, s, "U2"); !slices.Equal(got, []string{id}) || len(ids(t, s, "U3")) != 0 {
			t.Errorf("owner indexes after refused updates: U2 %q, U3 %q", got, ids(t, s, "U3"))
		}

		// The precondition holds for other fields too, and for "nobody".
		if c, err := s.Update(ctx, team, "Acme", smed.Change{IfOwner: ptr("U2"), Owner: ptr("")}); err != nil || c.Owner != "" {
			t.Fatalf("release with the right owner: %+v, %v", c, err)
		}
		if c, err := s.Update(ctx, team, "Acme", smed.Change{IfOwner: ptr(""), Value: ptr[int64](9)}); err != nil || c.Value != 9 {
			t.Fatalf("value with IfOwner nobody: %+v, %v", c, err)
		}
		if _, err := s.Update(ctx, team, "Nobody", smed.Change{IfOwner: ptr("U1"), Owner: ptr("U2")}); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("unknown customer with IfOwner: err = %v, want ErrNotFound", err)
		}
		if _, err := s.Update(ctx, team, "Acme", smed.Change{IfOwner: ptr("U1 x")}); !errors.Is(err, smed.ErrInvalid) {
			t.Errorf("IfOwner with a space: err = %v, want ErrInvalid", err)
		}

		// Racing handovers from the same reading: exactly one wins.
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				_, errs[i] = s.Update(ctx, team, "Acme", smed.Change{IfOwner: ptr(""), Owner: ptr(fmt.Sprintf("U%d", 10+i))})
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
	})

	t.Run("DueIndexMirrorsDueAt", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		check := func(step string, c smed.Customer) {
			t.Helper()
			want := c.DueAt().UnixMilli()
			if got := dueScore(t, s, team, "", c.ID); got != want {
				t.Errorf("%s: team due index %d, DueAt %d (%v)", step, got, want, c.DueAt())
			}
			if c.Owner != "" {
				if got := dueScore(t, s, team, c.Owner, c.ID); got != want {
					t.Errorf("%s: owner due index %d, DueAt %d", step, got, want)
				}
			}
		}
		// Never contacted: due from creation.
		if _, err := s.Import(ctx, team, smed.ImportRecord{Name: "Quiet", Owner: ptr("U1"), CadenceDays: ptr(10)}, t0); err != nil {
			t.Fatal(err)
		}
		c, _ := s.Customer(ctx, team, "Quiet")
		if !c.LastContactAt.IsZero() {
			t.Fatalf("imported without contact has LastContactAt %v", c.LastContactAt)
		}
		check("never contacted", c)
		// Contacted: due from the last contact.
		c = mustNote(t, s, team, named("Quiet", "hello"), "U1", t0.Add(2*smed.Day+123*time.Millisecond)).Customer
		check("contacted", c)
		// A snooze past the due time moves it.
		until := t0.Add(100 * smed.Day)
		c, _ = s.Update(ctx, team, "Quiet", smed.Change{SnoozedUntil: &until})
		check("snoozed past due", c)
		if !c.DueAt().Equal(until) {
			t.Errorf("snoozed due = %v, want %v", c.DueAt(), until)
		}
		// A snooze before the due time does not.
		early := t0.Add(smed.Day)
		c, _ = s.Update(ctx, team, "Quiet", smed.Change{SnoozedUntil: &early})
		check("snoozed before due", c)
		c, _ = s.Update(ctx, team, "Quiet", smed.Change{SnoozedUntil: &time.Time{}, CadenceDays: ptr(3)})
		check("snooze cleared, cadence changed", c)
		c, _ = s.Update(ctx, team, "Quiet", smed.Change{Owner: ptr("U9")})
		check("owner moved", c)
		if got := dueScore(t, s, team, "U1", c.ID); got != -1 {
			t.Errorf("old owner index still has score %d", got)
		}
		// Import moves the clock when later, and the index follows.
		if _, err := s.Import(ctx, team, smed.ImportRecord{Name: "Quiet", Owner: ptr("U9"), CadenceDays: ptr(3),
			LastContactAt: t0.Add(40 * smed.Day)}, t0); err != nil {
			t.Fatal(err)
		}
		c, _ = s.Customer(ctx, team, "Quiet")
		check("imported contact", c)
		// A fact changes nothing about due.
		f, err := s.Remember(ctx, team, named("Quiet", "likes tea"), "U1", t0.Add(90*smed.Day))
		if err != nil {
			t.Fatal(err)
		}
		if f.Customer != c {
			t.Errorf("Remember changed the customer: %+v, want %+v", f.Customer, c)
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
		if _, err := s.Remember(ctx, team, named("Alpha", "fact a"), "U1", t0); err != nil {
			t.Fatal(err)
		}
		b := mustNote(t, s, team, named("Beta", "b1"), "U2", t0)
		cc := mustNote(t, s, team, named("Gamma", "c1"), "U1", t0)
		for name, days := range map[string]int{"Alpha": 1, "Beta": 2, "Gamma": 5} {
			if _, err := s.Update(ctx, team, name, smed.Change{CadenceDays: ptr(days)}); err != nil {
				t.Fatal(err)
			}
		}
		aDue := t0.Add(time.Minute + smed.Day)
		names := func(now time.Time, owner string) []string {
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
				if c.OverdueAt(now) != true {
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
			{t0.Add(3 * smed.Day), "", []string{"Alpha", "Beta"}},
			{t0.Add(6 * smed.Day), "", []string{"Alpha", "Beta", "Gamma"}},
			{t0.Add(6 * smed.Day), "U1", []string{"Alpha", "Gamma"}},
			{t0.Add(6 * smed.Day), "U2", []string{"Beta"}},
			{t0.Add(6 * smed.Day), "U3", nil},
			{t0, "", nil},
		} {
			if diff := cmp.Diff(tc.want, names(tc.now, tc.owner)); diff != "" {
				t.Errorf("Overdue(%v, %q) (-want +got):\n%s", tc.now.Sub(t0), tc.owner, diff)
			}
		}
		cards, err := s.Overdue(ctx, team, t0.Add(6*smed.Day), "U1")
		if err != nil {
			t.Fatal(err)
		}
		wantAlpha := smed.Card{
			Customer: smed.Customer{ID: a.Customer.ID, Name: "Alpha", Owner: "U1", CadenceDays: 1,
				CreatedAt: t0, LastContactAt: t0.Add(time.Minute), NoteCount: 2},
			Facts: []smed.Fact{{Author: "U1", At: t0, Text: "fact a"}},
			Notes: []smed.Note{{Author: "U1", At: t0.Add(time.Minute), Text: "a2"}},
		}
		if diff := cmp.Diff(wantAlpha, cards[0]); diff != "" {
			t.Errorf("overdue card (-want +got):\n%s", diff)
		}
		_, _ = b, cc
	})

	t.Run("CustomersInDueOrder", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		mustNote(t, s, team, named("Late", "x"), "U1", t0.Add(10*smed.Day))
		mustNote(t, s, team, named("Early", "x"), "U2", t0)
		mustNote(t, s, team, named("Middle", "x"), "U1", t0.Add(5*smed.Day))
		for _, tc := range []struct {
			owner string
			want  []string
		}{
			{"", []string{"Early", "Middle", "Late"}},
			{"U1", []string{"Middle", "Late"}},
			{"U2", []string{"Early"}},
			{"U3", nil},
		} {
			cs, err := s.Customers(ctx, team, tc.owner)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range cs {
				got = append(got, c.Name)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Customers(%q) (-want +got):\n%s", tc.owner, diff)
			}
		}
	})

	t.Run("HistoryPaging", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for i := 1; i <= 25; i++ {
			mustNote(t, s, team, named("Acme", fmt.Sprintf("n%d", i)), "U1", t0.Add(time.Duration(i)*time.Hour))
		}
		texts := func(offset, limit int) []string {
			t.Helper()
			c, ns, err := s.History(t.Context(), team, "acme", offset, limit)
			if err != nil {
				t.Fatal(err)
			}
			if c.NoteCount != 25 {
				t.Errorf("NoteCount = %d, want 25", c.NoteCount)
			}
			var out []string
			for _, n := range ns {
				out = append(out, n.Text)
			}
			return out
		}
		for _, tc := range []struct {
			offset, limit int
			want          []string
		}{
			{0, 3, []string{"n25", "n24", "n23"}},
			{3, 2, []string{"n22", "n21"}},
			{22, 10, []string{"n3", "n2", "n1"}},
			{24, 1, []string{"n1"}},
			{25, 10, nil},
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
		n := 10000
		if testing.Short() {
			n = 2000
		}
		ctx := t.Context()
		mustNote(t, s, team, named("Big", "note 1"), "U1", t0)
		for i := 2; i <= n; i++ {
			if _, err := s.AddNote(ctx, team, smed.NoteRequest{
				Candidates: named("Big", fmt.Sprintf("note %d", i)), Author: "U1", At: t0.Add(time.Duration(i) * time.Second),
			}); err != nil {
				t.Fatal(err)
			}
		}
		c, oldest, err := s.History(ctx, team, "Big", n-1, 10)
		if err != nil {
			t.Fatal(err)
		}
		if c.NoteCount != n || len(oldest) != 1 || oldest[0].Text != "note 1" {
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
		if _, err := s.Remember(ctx, team, named("Acme Corp", "Prefers CALLS before 10"), "U2", t0); err != nil {
			t.Fatal(err)
		}
		mustNote(t, s, team, named("Globex", "ACME referral, renewal next year"), "U2", t0.Add(2*time.Hour))
		mustNote(t, s, team, named("Café Ærø", "smørrebrød"), "U2", t0)

		type hit struct{ Name, Field, Text string }
		find := func(q string, limit int) []hit {
			t.Helper()
			ms, err := s.Find(ctx, team, q, limit)
			if err != nil {
				t.Fatal(err)
			}
			var out []hit
			for _, m := range ms {
				out = append(out, hit{m.Customer.Name, m.Field, m.Text})
			}
			return out
		}
		for _, tc := range []struct {
			q     string
			limit int
			want  []hit
		}{
			{"acme", 0, []hit{{"Acme Corp", "name", ""}, {"Globex", "note", "ACME referral, renewal next year"}}},
			{"renewal", 0, []hit{{"Acme Corp", "note", "discussed renewal pricing"}, {"Globex", "note", "ACME referral, renewal next year"}}},
			{"calls BEFORE", 0, []hit{{"Acme Corp", "fact", "Prefers CALLS before 10"}}},
			{"renewal acme", 0, []hit{{"Globex", "note", "ACME referral, renewal next year"}}},
			{"cafe\u0301", 0, []hit{{"Café Ærø", "name", ""}}},
			{"SMØRREBRØD", 0, []hit{{"Café Ærø", "note", "smørrebrød"}}},
			{"acme", 1, []hit{{"Acme Corp", "name", ""}}},
			{"zebra", 0, nil},
			{"  ", 0, nil},
		} {
			if diff := cmp.Diff(tc.want, find(tc.q, tc.limit)); diff != "" {
				t.Errorf("Find(%q, %d) (-want +got):\n%s", tc.q, tc.limit, diff)
			}
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
		before, err := s.Export(ctx, team)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range before {
			got = append(got, c.Name)
		}
		if diff := cmp.Diff([]string{"Existing", "Fresh Co", "Never"}, got); diff != "" {
			t.Errorf("Export order (-want +got):\n%s", diff)
		}
		fresh := before[1]
		wantFresh := smed.Card{
			Customer: smed.Customer{ID: fresh.ID, Name: "Fresh Co", Owner: "U2", Value: 5000, CadenceDays: 14,
				CreatedAt: at, LastContactAt: t0.Add(-3 * smed.Day)},
			Facts: []smed.Fact{{At: at, Text: "pays in instalments"}, {At: at, Text: "special shoe"}},
		}
		if diff := cmp.Diff(wantFresh, fresh); diff != "" {
			t.Errorf("imported card (-want +got):\n%s", diff)
		}
		ex := before[0]
		if ex.Owner != "U3" || ex.Value != 900 || ex.CadenceDays != 60 || !ex.LastContactAt.Equal(t0.Add(10*smed.Day)) || ex.NoteCount != 1 {
			t.Errorf("updated customer = %+v", ex.Customer)
		}
		if got := ids(t, s, "U1"); len(got) != 0 {
			t.Errorf("import left the old owner's index with %q", got)
		}

		// Re-applying the same records (later) changes nothing, and says so.
		for _, r := range recs {
			if got, err := s.Import(ctx, team, r, at.Add(smed.Day)); err != nil || got != smed.ImportUnchanged {
				t.Fatalf("re-Import(%s) = %v, %v; want %v", r.Name, got, err, smed.ImportUnchanged)
			}
		}
		after, err := s.Export(ctx, team)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("re-import changed (-before +after):\n%s", diff)
		}
		for _, c := range after {
			if got := dueScore(t, s, team, "", c.ID); got != c.DueAt().UnixMilli() {
				t.Errorf("%s: due index %d, DueAt %d", c.Name, got, c.DueAt().UnixMilli())
			}
		}

		// A later contact moves the clock; a new fact is added once.
		later := t0.Add(30 * smed.Day)
		upd := recs[1]
		upd.LastContactAt = later
		upd.Facts = []string{"one fact", "two fact", "two fact"}
		if got, err := s.Import(ctx, team, upd, at); err != nil || got != smed.ImportUpdated {
			t.Fatalf("Import(later contact, new fact) = %v, %v; want %v", got, err, smed.ImportUpdated)
		}
		card, _ := s.Card(ctx, team, "Existing", 0)
		if !card.LastContactAt.Equal(later) || len(card.Facts) != 2 {
			t.Errorf("after update: last contact %v, facts %+v", card.LastContactAt, card.Facts)
		}
	})

	// A record without owner, value or cadence (a CSV of names and facts)
	// leaves them as they are, and the due indexes with them.
	t.Run("ImportPartialColumns", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		mustNote(t, s, team, named("Acme", "hi"), "U1", t0)
		until := t0.Add(50 * smed.Day)
		if _, err := s.Update(ctx, team, "Acme", smed.Change{Value: ptr[int64](120000), CadenceDays: ptr(7), SnoozedUntil: &until}); err != nil {
			t.Fatal(err)
		}
		before, err := s.Customer(ctx, team, "Acme")
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
		card, err := s.Card(ctx, team, "Acme", 0)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, card.Customer); diff != "" {
			t.Errorf("import of name and facts changed the customer (-before +after):\n%s", diff)
		}
		if len(card.Facts) != 1 || card.Facts[0].Text != "likes tea" {
			t.Errorf("facts = %+v, want the imported one", card.Facts)
		}
		for _, owner := range []string{"", "U1"} {
			if got := dueScore(t, s, team, owner, before.ID); got != before.DueAt().UnixMilli() {
				t.Errorf("due index %q: score %d, want %d", owner, got, before.DueAt().UnixMilli())
			}
		}
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
		c, _ := s.Customer(ctx, team, "Acme")
		want := before
		want.Value = 5
		if diff := cmp.Diff(want, c); diff != "" {
			t.Errorf("import of name and value (-want +got):\n%s", diff)
		}

		// A new customer without those columns: nobody, 0, the default cadence.
		if got, err := s.Import(ctx, team, smed.ImportRecord{Name: "Fresh", DefaultCadenceDays: 45}, t0); err != nil || got != smed.ImportCreated {
			t.Fatalf("Import(new, name only) = %v, %v", got, err)
		}
		fresh, err := s.Customer(ctx, team, "Fresh")
		if err != nil || fresh.Owner != "" || fresh.Value != 0 || fresh.CadenceDays != 45 || !fresh.LastContactAt.IsZero() {
			t.Errorf("new customer from a name only = %+v, %v", fresh, err)
		}
		if got := dueScore(t, s, team, "", fresh.ID); got != fresh.DueAt().UnixMilli() {
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
			before, err := s.Card(ctx, team, rec.Name, 0)
			if err != nil {
				t.Fatal(err)
			}
			tc.change(&rec)
			if got, err := s.Import(ctx, team, rec, t0.Add(smed.Day)); err != nil || got != tc.want {
				t.Errorf("%s: Import = %v, %v; want %v", tc.name, got, err, tc.want)
			}
			after, err := s.Card(ctx, team, rec.Name, 0)
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
		if _, err := s.Update(ctx, team, "Noted", smed.Change{Value: ptr[int64](120000), CadenceDays: ptr(7)}); err != nil {
			t.Fatal(err)
		}
		noted.Value, noted.CadenceDays = ptr[int64](120000), ptr(7)
		if got, err := s.Import(ctx, team, noted, t0); err != nil || got != smed.ImportUnchanged {
			t.Errorf("Import of an updated customer as it is = %v, %v; want %v", got, err, smed.ImportUnchanged)
		}

		// The totals follow every kind of outcome.
		totalsMatch(t, s, team, "imports of every outcome")
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
			{t0, map[string]int{"U1": 3, "U2": 1}},
			{t0.Add(smed.Day), map[string]int{"U1": 2, "U2": 1}}, // since is inclusive
			{t0.Add(smed.Day + time.Millisecond), map[string]int{"U1": 1, "U2": 1}},
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
		card, err := s.Card(ctx, "T2", "Acme", 10)
		if err != nil || len(card.Notes) != 1 || card.Notes[0].Text != "from T2" {
			t.Errorf("T2 card = %+v, %v", card, err)
		}
		if _, err := s.Customer(ctx, "T3", "Acme"); !errors.Is(err, smed.ErrNotFound) {
			t.Errorf("T3 sees Acme: %v", err)
		}
		mustNote(t, s, "T1", named("Only T1", "x"), "U1", t0)
		ns, _ := s.Names(ctx, "T2")
		if diff := cmp.Diff([]string{"Acme"}, ns); diff != "" {
			t.Errorf("T2 names (-want +got):\n%s", diff)
		}
		if cs, _ := s.Customers(ctx, "T2", "U1"); len(cs) != 1 {
			t.Errorf("T2 owner index has %d customers", len(cs))
		}
	})

	t.Run("KeysHoldNoUserText", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		ctx := t.Context()
		evil := "Evil Corp <!channel> {x}"
		mustNote(t, s, team, named(evil, "note {y} <@U1>"), "U1", t0)
		mustNote(t, s, team, named(evil, "again"), "U1", t0)
		if _, err := s.Remember(ctx, team, named(evil, "fact"), "U1", t0); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Update(ctx, team, evil, smed.Change{Owner: ptr("U2")}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Import(ctx, team, smed.ImportRecord{Name: "Wicked {T0123ABC} Ltd", Owner: ptr("U3"), CadenceDays: ptr(5), Facts: []string{"f"}}, t0); err != nil {
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
			for _, part := range []string{"evil", "corp", "channel", "<", ">", "{", "}", " ", "wicked", "ltd"} {
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
				r, err := s.AddNote(t.Context(), team, smed.NoteRequest{
					Candidates: named("Rush Ltd", fmt.Sprintf("note %d", i)), Author: "U1",
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
		ns, _ := s.Names(t.Context(), team)
		c, err := s.Customer(t.Context(), team, "rush ltd")
		if len(ns) != 1 || err != nil || c.NoteCount != n {
			t.Errorf("names %q, customer %+v, %v; want one customer with %d notes", ns, c, err, n)
		}
	})
}

// ids lists the customer IDs in a due index (owner "" = the team's).
func ids(tb testing.TB, s *Store, owner string) []string {
	tb.Helper()
	cs, err := s.Customers(tb.Context(), team, owner)
	if err != nil {
		tb.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
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
}
