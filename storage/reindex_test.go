package storage

import (
	"fmt"
	"testing"
)

// Reindex moves a team indexed by an older Smed to the edit index: every
// name's segment signatures go, its new ones come, the team is marked, and
// its typos are caught by the new probes alone (a process that never saw
// the team sends no legacy probes once it is marked). Run again, it has
// nothing to do.
func TestReindexMovesASegmentIndex(t *testing.T) {
	for _, narrow := range []bool{true, false} {
		t.Run(fmt.Sprintf("narrow=%v", narrow), func(t *testing.T) {
			s := redisStore(t)
			ctx := t.Context()
			known := []string{"Nordlys", "Bakuvo Tilasa", "Acme Corp", "Solvang Fiskeri og Søn", "Kavelut"}
			for _, n := range known {
				mustNote(t, s, team, named(n, "x"), "U1", t0)
			}
			toSegmentIndex(t, s, narrow)
			if need, err := s.NeedsReindex(ctx, team); err != nil || !need {
				t.Fatalf("NeedsReindex of a segment index = %v, %v", need, err)
			}
			n, err := s.Reindex(ctx, team)
			if err != nil || n != len(known) {
				t.Fatalf("Reindex = %d, %v; want %d moved", n, err, len(known))
			}
			checked(t, s, team, "reindexed") // the sig index is exactly the edit index
			if need, err := s.NeedsReindex(ctx, team); err != nil || need {
				t.Fatalf("NeedsReindex after Reindex = %v, %v", need, err)
			}
			fresh := New(s.rdb, WithPrefix(s.prefix))
			for typo, want := range map[string]string{"Nordlsy": "Nordlys", "Bakuov Tilsaa": "Bakuvo Tilasa", "Acme Crop": "Acme Corp"} {
				got, err := fresh.NearMisses(ctx, team, []string{typo}, 3)
				if err != nil || len(got) != 1 || got[0].Name != want {
					t.Errorf("after Reindex, NearMisses(%q) = %+v, %v; want %s", typo, got, err, want)
				}
			}
			if n, err := s.Reindex(ctx, team); err != nil || n != 0 {
				t.Errorf("Reindex of a marked team = %d, %v", n, err)
			}
		})
	}
}

// A name renamed between Reindex's read and its step keeps what the rename
// wrote (the step leaves a customer whose record changed alone), and an
// empty team needs nothing.
func TestReindexLeavesANameChangedMeanwhile(t *testing.T) {
	s := redisStore(t)
	ctx := t.Context()
	if need, err := s.NeedsReindex(ctx, team); err != nil || need {
		t.Fatalf("NeedsReindex of an empty team = %v, %v", need, err)
	}
	r := mustNote(t, s, team, named("Nordlys", "x"), "U1", t0)
	k, _ := s.team("test", team)
	rec, err := s.rdb.HGet(ctx, k.nm(), r.Customer.ID).Result()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rename(ctx, team, r.Customer.ID, "Solvang", "U1", t0); err != nil {
		t.Fatal(err)
	}
	m, _ := parseMeta(rec)
	n, err := reindexScript.Run(ctx, s.rdb, k.teamKeys(0), r.Customer.ID, rec, m.key, legacySigsOf(m.key, m.fold), sigsOf(m.key, m.fold)).Int()
	if err != nil || n != 0 {
		t.Fatalf("a step with the record from before the rename moved %d, %v", n, err)
	}
	checked(t, s, team, "renamed meanwhile")
	got, err := s.NearMisses(ctx, team, []string{"Solvagn"}, 3)
	if err != nil || len(got) != 1 || got[0].ID != r.Customer.ID {
		t.Fatalf("NearMisses(Solvagn) = %+v, %v", got, err)
	}
}
