package storage

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/internal/redistest"
	"github.com/smedhq/smed/names"
)

// A near-miss lookup leaves out readings longer than any name, and still
// finds a long name another replica created since it last looked.
func TestNearMissesSeeLongerNamesOfOtherReplicas(t *testing.T) {
	a := redisStore(t)
	b := New(a.rdb, WithPrefix(a.prefix)) // another process on the same Redis
	ctx := t.Context()
	mustNote(t, a, team, named("Acme Corp", "x"), "U1", t0)
	if _, err := a.NearMisses(ctx, team, []string{"Acme Crop"}, 3); err != nil {
		t.Fatal(err)
	}
	if v, _ := a.maxname.Load(a.prefix + "smed:{" + team + "}:"); v != 9 {
		t.Fatalf("maxname seen %v, want 9", v)
	}
	long := "Nordisk Træ og Byggemarked Holding"
	mustNote(t, b, team, named(long, "x"), "U2", t0)
	got, err := a.NearMisses(ctx, team, []string{"Nordisk Trae og Byggemarket Holding"}, 3)
	if err != nil || len(got) != 1 || got[0].Name != long {
		t.Fatalf("NearMisses = %+v, %v; want %s", got, err, long)
	}
	// A reading longer than every name by more than two edits is not looked
	// up, and is no near-miss of anything.
	if got, err := a.NearMisses(ctx, team, []string{long + " and a long tail of words after it"}, 3); err != nil || len(got) != 0 {
		t.Errorf("a long reading: %+v, %v", got, err)
	}
	if got, err := a.NearMisses(ctx, team, []string{"Acme Crop and a long tail of words after it", "Acme Crop"}, 3); err != nil || len(got) != 1 || got[0].Name != "Acme Corp" {
		t.Errorf("the short reading of a long input: %+v, %v", got, err)
	}
	checked(t, a, team, "maxname")
}

// A note typed unquoted offers only the readings that can be a name, and
// still finds a long name another replica created since.
func TestNoteSeesLongerNamesOfOtherReplicas(t *testing.T) {
	a := redisStore(t)
	b := New(a.rdb, WithPrefix(a.prefix))
	mustNote(t, a, team, named("Acme Corp", "x"), "U1", t0)
	r := mustNote(t, a, team, words("Acme Corp called about the renewal and the price list for spring"), "U1", t0)
	if r.Customer.Name != "Acme Corp" || r.Text != "called about the renewal and the price list for spring" {
		t.Fatalf("note = %+v", r)
	}
	if _, err := a.NearMisses(t.Context(), team, []string{"Acme Crop"}, 3); err != nil {
		t.Fatal(err)
	}
	k, _ := a.team("test", team)
	if m := a.knownMaxname(k); m != 9 {
		t.Fatalf("maxname known: %d, want 9", m)
	}
	long := "Nordisk Træ og Byggemarked Holding"
	mustNote(t, b, team, named(long, "x"), "U2", t0)
	r, err := a.AddNote(t.Context(), team, smed.NoteRequest{Candidates: words(long + " called about the order"), Author: "U1", At: t0})
	if err != nil || r.Customer.Name != long || r.Text != "called about the order" {
		t.Fatalf("note on %s typed unquoted = %+v, %v", long, r, err)
	}
	if m := a.knownMaxname(k); m != 34 {
		t.Errorf("maxname known after the note: %d, want 34 (the script told it)", m)
	}
	checked(t, a, team, "notes")
}

// A team indexed before names of 6 to 8 runes had two-segment signatures
// (no narrow mark in totals) still gets its one-edit typos caught, by the
// legacy probes; a marked team does not send them.
func TestNearMissesOfAnIndexWithoutNarrowSignatures(t *testing.T) {
	s := redisStore(t)
	ctx := t.Context()
	mustNote(t, s, team, named("Nordlys", "x"), "U1", t0)
	k, _ := s.team("test", team)
	if v, err := s.rdb.HGet(ctx, k.totals(), "narrow").Result(); err != nil || v != "1" {
		t.Fatalf("a new team's narrow mark: %q, %v", v, err)
	}
	checked(t, s, team, "narrow")
	// Make the index what an older Smed wrote: no two-segment signatures.
	for _, sg := range names.Signatures("nordlys") {
		if strings.Contains(sg, ":") {
			if err := s.rdb.HDel(ctx, k.sig(), sigField(sg)).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	typo := func() []smed.NameRef {
		t.Helper()
		got, err := s.NearMisses(ctx, team, []string{"Nordlsy"}, 3)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := typo(); len(got) != 0 {
		t.Fatalf("with the mark, the legacy probes were looked up: %+v", got)
	}
	if err := s.rdb.HDel(ctx, k.totals(), "narrow").Err(); err != nil {
		t.Fatal(err)
	}
	if got := typo(); len(got) != 1 || got[0].Name != "Nordlys" {
		t.Fatalf("legacy index: NearMisses = %+v, want Nordlys", got)
	}
	// A new customer in a legacy team leaves it unmarked.
	mustNote(t, s, team, named("Solvang", "x"), "U1", t0)
	if n, _ := s.rdb.HExists(ctx, k.totals(), "narrow").Result(); n {
		t.Error("a legacy team was marked narrow by a create")
	}
}

// Right after a note missed, Resolve of a text longer than any name asks
// Redis nothing (the app asks about a missed note's whole text); a longer
// name another replica made is seen once the maxname is older than
// freshFor.
func TestResolveSkipsReadingsLongerThanAnyName(t *testing.T) {
	t.Parallel()
	srv := redistest.Server(t) // its own server: the call count is this test's
	a := storeAt(t, srv.URL())
	b := New(a.rdb, WithPrefix(a.prefix))
	ctx := t.Context()
	mustNote(t, a, team, named("Acme", "x"), "U1", t0)
	long := "Nordisk Træ og Byggemarked Holding"
	if _, err := a.AddNote(ctx, team, smed.NoteRequest{Candidates: words("Nobody we know called"), Author: "U1", At: t0}); !errors.Is(err, smed.ErrNotFound) {
		t.Fatalf("a note on nobody: %v", err)
	}
	calls := func() int64 {
		info, err := a.rdb.Info(ctx, "commandstats").Result()
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, l := range strings.Split(info, "\r\n") {
			if rest, ok := strings.CutPrefix(l, "cmdstat_evalsha:calls="); ok {
				n, _ = strconv.ParseInt(rest[:strings.IndexByte(rest, ',')], 10, 64)
			}
		}
		return n
	}
	before := calls()
	if _, _, err := a.Resolve(ctx, team, []string{long}); !errors.Is(err, smed.ErrNotFound) {
		t.Fatalf("Resolve of a long text: %v", err)
	}
	if n := calls() - before; n != 0 {
		t.Errorf("Resolve of a text longer than any name ran %d scripts", n)
	}
	mustNote(t, b, team, named(long, "x"), "U2", t0)
	time.Sleep(freshFor + 100*time.Millisecond)
	if ref, _, err := a.Resolve(ctx, team, []string{long}); err != nil || ref.Name != long {
		t.Errorf("a longer name of another replica, later: %+v, %v", ref, err)
	}
}
