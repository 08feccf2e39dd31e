package storage

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

// createUnlessNear is the note app sends for unquoted input: every reading
// of typed, and when none is known, its first word creates the customer,
// unless a known name may be near one of the readings.
func createUnlessNear(t *testing.T, s *Store, typed, author string) (smed.NoteReceipt, error) {
	t.Helper()
	rs := words(typed)
	var readings []string
	for _, r := range rs {
		readings = append(readings, r.Name)
	}
	return s.AddNote(t.Context(), team, smed.NoteRequest{
		Candidates: rs, Create: true, CreateAt: len(rs) - 1, CadenceDays: 30, Author: author, At: t0,
		UnlessNear: readings,
	})
}

// NoteRequest.UnlessNear: a create that must find nothing near happens in
// one step when nothing is, and writes nothing (ErrMaybeNear) when a known
// name may be near: a typo, a prefix of a known name, or a team whose index
// needs the older probes.
func TestCreateUnlessNear(t *testing.T) {
	for name, s := range map[string]*Store{"redis": redisStore(t), "memory": memoryStore(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			// A team without names has no longest name to learn: its first
			// customer is created the usual way.
			if _, err := createUnlessNear(t, s, "Acmeland Corp called about the renewal", "U1"); !errors.Is(err, smed.ErrMaybeNear) {
				t.Fatalf("first customer of a team: err = %v, want ErrMaybeNear", err)
			}
			mustNote(t, s, team, named("Acmeland", "Corp called about the renewal"), "U1", t0)
			for _, typed := range []string{
				"Acmelnad Corp called",  // a swap: within the typo rule
				"Acme talked about it",  // a prefix of a known name
				"ACMELANDS hi",          // one letter added, any case
				"Akmeland Korp called ", // a substitution
			} {
				_, err := createUnlessNear(t, s, typed, "U2")
				if !errors.Is(err, smed.ErrMaybeNear) {
					t.Errorf("%q: err = %v, want ErrMaybeNear", typed, err)
				}
			}
			if n, _, err := s.Totals(ctx, team); err != nil || n != 1 {
				t.Errorf("customers = %d, %v after refused creates; want 1", n, err)
			}
			if err := s.CheckIndexes(ctx, team); err != nil {
				t.Error(err)
			}
			rc, err := createUnlessNear(t, s, "Nordlys Møbler called Bo", "U2")
			if err != nil || !rc.Created || rc.Customer.Name != "Nordlys" || rc.Customer.Owner != "U2" {
				t.Fatalf("a name far from every known one: %+v, %v; want Nordlys created", rc, err)
			}
			// a known first word is noted, not refused (the note races a create)
			rc, err = createUnlessNear(t, s, "Nordlys again", "U2")
			if err != nil || rc.Created || rc.Customer.Name != "Nordlys" || rc.Text != "again" {
				t.Errorf("a known name: %+v, %v; want a note on Nordlys", rc, err)
			}
			// A team indexed before the edit index: its lookups need the
			// legacy probes, which only NearMisses sends.
			k, _ := s.team("test", team)
			if err := s.rdb.HDel(ctx, k.totals(), "edits").Err(); err != nil {
				t.Fatal(err)
			}
			if _, err := createUnlessNear(t, s, "Zebrafoods hi", "U2"); !errors.Is(err, smed.ErrMaybeNear) {
				t.Errorf("team without the edits mark: err = %v, want ErrMaybeNear", err)
			}
			if err := s.CheckIndexes(ctx, team); err != nil {
				t.Error(err)
			}
		})
	}
}

// A create unless near never creates a name NearMisses would have refused:
// random edits of the names of a random store.
func TestCreateUnlessNearNeverCreatesANearMiss(t *testing.T) {
	s := redisStore(t)
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(11, 12))
	known := randomBook(rng, 300)
	for _, n := range known {
		mustNote(t, s, team, named(n, "first"), "U1", t0)
	}
	created, refused := 0, 0
	for range 400 {
		typed := known[rng.IntN(len(known))]
		for range rng.IntN(4) {
			rs := []rune(typed)
			if len(rs) < 2 {
				break
			}
			i := rng.IntN(len(rs))
			switch rng.IntN(3) {
			case 0:
				rs = slices.Delete(rs, i, i+1)
			case 1:
				rs = slices.Insert(rs, i, []rune("aeøåkx")[rng.IntN(6)])
			default:
				rs[i] = []rune("aeøåkx")[rng.IntN(6)]
			}
			typed = strings.TrimSpace(string(rs))
		}
		if typed == "" || strings.ContainsRune(typed, '"') {
			continue
		}
		input := typed + " talked about the order"
		var readings []string
		for _, r := range words(input) {
			readings = append(readings, r.Name)
		}
		near, err := s.NearMisses(ctx, team, readings, 5)
		if err != nil {
			t.Fatal(err)
		}
		rc, err := createUnlessNear(t, s, input, "U2")
		switch {
		case errors.Is(err, smed.ErrMaybeNear):
			refused++
		case err != nil:
			t.Fatal(err)
		case rc.Created && len(near) > 0:
			t.Fatalf("%q created %q although NearMisses finds %v", input, rc.Customer.Name, near)
		case rc.Created:
			created++
			known = append(known, rc.Customer.Name)
		}
	}
	if created < 20 || refused < 100 {
		t.Errorf("created %d, refused %d: the test checks too little", created, refused)
	}
	if err := s.CheckIndexes(ctx, team); err != nil {
		t.Error(err)
	}
}

// A longer name made by another process since this one last saw the team's
// longest name: the create must look that far too.
func TestCreateUnlessNearSeesALongerName(t *testing.T) {
	a := redisStore(t)
	b := New(a.rdb, WithPrefix(a.prefix))
	ctx := t.Context()
	mustNote(t, a, team, named("Acme", "first"), "U1", t0)
	// a learns the longest name (4 runes) from a note that finds nothing
	if _, err := a.AddNote(ctx, team, smed.NoteRequest{Candidates: words("Zed hi"), Author: "U1", At: t0}); err == nil {
		t.Fatal("Zed is not known")
	}
	if m := a.knownMaxname(mustKeys(t, a)); m != 4 {
		t.Fatalf("a knows maxname %d, want 4", m)
	}
	mustNote(t, b, team, named("Nordlysmøbler Holding", "first"), "U1", t0)
	if _, err := createUnlessNear(t, a, "Nordlysmøbler Holdinf called", "U2"); !errors.Is(err, smed.ErrMaybeNear) {
		t.Errorf("err = %v, want ErrMaybeNear (a typo of a name longer than a last saw)", err)
	}
	if n, _, _ := a.Totals(ctx, team); n != 2 {
		t.Errorf("customers = %d, want 2", n)
	}
}

func mustKeys(t *testing.T, s *Store) keys {
	t.Helper()
	k, err := s.team("test", team)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// CreateAt names the reading a create makes the customer of; its ID may
// be taken (a customer renamed away from the name keeps it), and the create
// then takes another.
func TestCreateAtALaterReading(t *testing.T) {
	for name, s := range map[string]*Store{"redis": redisStore(t), "memory": memoryStore(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			if _, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: words("Nordlys hi"), Create: true, CreateAt: 5,
				CadenceDays: 30, Author: "U1", At: t0}); !errors.Is(err, smed.ErrInvalid) {
				t.Errorf("CreateAt past the candidates: err = %v, want ErrInvalid", err)
			}
			old := mustNote(t, s, team, named("Nordlys", "first"), "U1", t0)
			if _, err := s.Rename(ctx, team, old.Customer.ID, "Sydlys", "U1", t0); err != nil {
				t.Fatal(err)
			}
			rc, err := createUnlessNear(t, s, "Nordlys Møbler called Bo", "U2")
			if errors.Is(err, smed.ErrMaybeNear) {
				// A process that does not know the team's longest name
				// (a rename forgets it) learns it and looks up the usual way.
				if n, _, _ := s.Totals(ctx, team); n != 1 {
					t.Fatalf("customers = %d after ErrMaybeNear, want 1", n)
				}
				rc, err = createUnlessNear(t, s, "Nordlys Møbler called Bo", "U2")
			}
			if err != nil || !rc.Created || rc.Customer.Name != "Nordlys" || rc.Text != "Møbler called Bo" || rc.Customer.ID == old.Customer.ID {
				t.Fatalf("got %+v, %v; want a new Nordlys with its own ID and the rest as its note", rc, err)
			}
			if rc.Matched != 3 {
				t.Errorf("Matched = %d, want 3 (the first-word reading)", rc.Matched)
			}
			if err := s.CheckIndexes(ctx, team); err != nil {
				t.Error(err)
			}
		})
	}
}

// A process that has not seen the team's longest name yet would look up
// every reading, however long: it answers ErrMaybeNear instead (after
// noting on a known reading as usual), writing nothing, and knows it then.
func TestCreateUnlessNearLearnsTheLongestName(t *testing.T) {
	a := redisStore(t)
	mustNote(t, a, team, named("Acme", "first"), "U1", t0)
	b := New(a.rdb, WithPrefix(a.prefix)) // a fresh process
	if m := b.knownMaxname(mustKeys(t, b)); m != -1 {
		t.Fatalf("a fresh store knows maxname %d", m)
	}
	if rc, err := createUnlessNear(t, b, "Acme called", "U2"); err != nil || rc.Created || rc.Customer.Name != "Acme" {
		t.Errorf("a known name: %+v, %v; want a note on Acme", rc, err)
	}
	b = New(a.rdb, WithPrefix(a.prefix))
	if _, err := createUnlessNear(t, b, "Zebra Foods called", "U2"); !errors.Is(err, smed.ErrMaybeNear) {
		t.Errorf("err = %v, want ErrMaybeNear from a process without the longest name", err)
	}
	if n, _, _ := b.Totals(t.Context(), team); n != 1 {
		t.Errorf("customers = %d, want 1 (nothing written)", n)
	}
	if m := b.knownMaxname(mustKeys(t, b)); m != 4 {
		t.Errorf("maxname = %d after the answer, want 4", m)
	}
	if rc, err := createUnlessNear(t, b, "Zebra Foods called", "U2"); err != nil || !rc.Created || rc.Customer.Name != "Zebra" {
		t.Errorf("then: %+v, %v; want Zebra created", rc, err)
	}
}

// Words that as a whole are a known name ("note Acme Corp", no text): the
// first word's create is refused, so app can answer that the note is
// missing rather than create "Acme".
func TestCreateUnlessNearRefusesAPrefixOfTheWholeName(t *testing.T) {
	s := redisStore(t)
	mustNote(t, s, team, named("Acme Corp", "first"), "U1", t0)
	mustNote(t, s, team, named("Zed", "first"), "U1", t0)
	// learn the longest name as app's first call does
	if _, err := s.AddNote(t.Context(), team, smed.NoteRequest{Candidates: words("Qux hi"), Author: "U1", At: t0}); err == nil {
		t.Fatal("Qux is not known")
	}
	_, err := s.AddNote(t.Context(), team, smed.NoteRequest{
		Candidates: []smed.Candidate{{Name: "Acme", Rest: "Corp"}}, Create: true, CadenceDays: 30,
		Author: "U2", At: t0, UnlessNear: []string{"Acme"},
	})
	if !errors.Is(err, smed.ErrMaybeNear) {
		t.Errorf("err = %v, want ErrMaybeNear", err)
	}
}

// near, the prelude's port of names.Near that lets a create rule out the
// names its probes find, answers exactly as names.Near does, on Redis and
// on memory:// (gopher-lua): typos of every kind, prefixes, case and
// folding, non-ASCII, names of every length about the edit budgets.
func TestLuaNearIsNamesNear(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	book := randomBook(rng, 300)
	edit := func(s string) string {
		for range 1 + rng.IntN(3) {
			s = randomEdit(rng, s, "aøeé kæoA") // a space splits a word, A and é fold
		}
		return s
	}
	var args []any
	var want []int64
	for len(want) < 3000 {
		known := book[rng.IntN(len(book))]
		typed := book[rng.IntN(len(book))]
		switch rng.IntN(4) {
		case 0, 1:
			typed = edit(known)
		case 2:
			typed = string([]rune(known)[:1+rng.IntN(len([]rune(known)))]) // a prefix
			if rng.IntN(2) == 0 {
				typed = strings.ToUpper(typed)
			}
		}
		tk, tf, sk, sf := names.Key(typed), names.Fold(typed), names.Key(known), names.Fold(known)
		if tk == "" {
			continue
		}
		_, ok := names.Near(tk, tf, sk, sf)
		args = append(args, tk, tf, sk, sf)
		want = append(want, map[bool]int64{false: 0, true: 1}[ok])
	}
	if n := slices.Index(want, 1); n < 0 || slices.Index(want, 0) < 0 {
		t.Fatal("the pairs are all near or all not")
	}
	script := redis.NewScript(prelude + `
local out = {}
for i = 1, #ARGV, 4 do out[#out + 1] = near(ARGV[i], ARGV[i + 1], ARGV[i + 2], ARGV[i + 3]) and 1 or 0 end
return out`)
	for name, s := range map[string]*Store{"redis": redisStore(t), "memory": memoryStore(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for from := 0; from < len(args); from += 800 {
				to := min(from+800, len(args))
				got, err := script.Run(t.Context(), s.rdb, nil, args[from:to]...).Int64Slice()
				if err != nil {
					t.Fatal(err)
				}
				for i, g := range got {
					if w := want[from/4+i]; g != w {
						a := args[from+4*i:]
						t.Errorf("near(%q, %q, %q, %q) = %d, names.Near says %d", a[0], a[1], a[2], a[3], g, w)
					}
				}
			}
		})
	}
}
