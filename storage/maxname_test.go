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

// A team indexed by an older Smed (the segment index, no edits mark in
// totals, with or without its narrow mark) still gets its typos caught, by
// the legacy probes; a marked team does not send them, and a process that
// saw the mark finds out when it is gone (the data was replaced).
func TestNearMissesOfASegmentIndex(t *testing.T) {
	s := redisStore(t)
	ctx := t.Context()
	known := map[string]string{"nordlys": "Nordlys", "bakuvo tilasa": "Bakuvo Tilasa"}
	for _, n := range known {
		mustNote(t, s, team, named(n, "x"), "U1", t0)
	}
	k, _ := s.team("test", team)
	if v, err := s.rdb.HGet(ctx, k.totals(), "edits").Result(); err != nil || v != "2" {
		t.Fatalf("a new team's edits mark: %q, %v", v, err)
	}
	checked(t, s, team, "edits mark")
	typos := map[string]string{"Nordlsy": "Nordlys", "Bakuov Tilsaa": "Bakuvo Tilasa"}
	caught := func(s *Store, why string) {
		t.Helper()
		for typo, want := range typos {
			got, err := s.NearMisses(ctx, team, []string{typo}, 3)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[0].Name != want {
				t.Errorf("%s: NearMisses(%q) = %+v, want %s", why, typo, got, want)
			}
		}
	}
	caught(s, "edit index")
	toSegmentIndex(t, s, true)
	if err := s.rdb.HSet(ctx, k.totals(), "edits", 2).Err(); err != nil {
		t.Fatal(err)
	}
	for typo := range typos {
		if got, err := s.NearMisses(ctx, team, []string{typo}, 3); err != nil || len(got) != 0 {
			t.Fatalf("with the edits mark, the legacy probes were looked up: %+v, %v", got, err)
		}
	}
	if err := s.rdb.HDel(ctx, k.totals(), "edits").Err(); err != nil {
		t.Fatal(err)
	}
	caught(s, "segment index, mark gone under a process that saw it")
	caught(New(s.rdb, WithPrefix(s.prefix)), "segment index marked narrow")
	toSegmentIndex(t, s, false)
	caught(New(s.rdb, WithPrefix(s.prefix)), "segment index before the narrow mark")
	// A new customer in a legacy team leaves it unmarked, and is found by
	// its edit-index signatures.
	mustNote(t, s, team, named("Solvang Fiskeri", "x"), "U1", t0)
	if n, _ := s.rdb.HExists(ctx, k.totals(), "edits").Result(); n {
		t.Error("a legacy team was marked by a create")
	}
	typos["Solvnag Fiskeri"] = "Solvang Fiskeri"
	caught(s, "segment index and a new name")
}

// toSegmentIndex makes the team's sig index what an older Smed wrote: the
// segment signatures of every name (with narrow, those of a team marked
// narrow), and no edits mark.
func toSegmentIndex(t *testing.T, s *Store, narrow bool) {
	t.Helper()
	ctx := t.Context()
	k, _ := s.team("test", team)
	if err := s.rdb.Del(ctx, k.sig()).Err(); err != nil {
		t.Fatal(err)
	}
	ids, err := s.rdb.HGetAll(ctx, k.names()).Result()
	if err != nil {
		t.Fatal(err)
	}
	lists := map[string]any{}
	for key, id := range ids {
		for _, sg := range names.LegacySignatures(key, narrow) {
			f := sigField(sg)
			v, _ := lists[f].(string)
			lists[f] = v + id
		}
	}
	if err := s.rdb.HSet(ctx, k.sig(), lists).Err(); err != nil {
		t.Fatal(err)
	}
	if err := s.rdb.HDel(ctx, k.totals(), "edits").Err(); err != nil {
		t.Fatal(err)
	}
	if narrow {
		err = s.rdb.HSet(ctx, k.totals(), "narrow", 1).Err()
	} else {
		err = s.rdb.HDel(ctx, k.totals(), "narrow").Err()
	}
	if err != nil {
		t.Fatal(err)
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
