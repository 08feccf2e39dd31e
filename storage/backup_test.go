package storage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
)

// The backup suite runs on a real redis-server and on memory://, like the
// contract suite, and on a Redis Cluster with it (TestContractCluster).
// The embedded Lua compiles every script it runs, about 50 ms each on a busy
// machine: memory:// streams fewer customers.
func TestBackupRedis(t *testing.T) {
	runBackup(t, func(t *testing.T) *Store { return redisStore(t) }, 3000)
}
func TestBackupMemory(t *testing.T) {
	runBackup(t, func(t *testing.T) *Store { return memoryStore(t) }, 3*backupBatch)
}

// runBackup is the backup suite; bulk is how many customers BackupStreams
// restores and backs up.
func runBackup(t *testing.T, newStore func(t *testing.T) *Store, bulk int) {
	t.Run("BackupRoundTrip", func(t *testing.T) {
		t.Parallel()
		orig := newStore(t)
		backupWorld(t, orig)
		recs := backupOf(t, orig, team)
		kinds := map[smed.RecordKind]int{}
		for _, r := range recs {
			kinds[r.Kind]++
		}
		for _, k := range []smed.RecordKind{smed.RecordCustomer, smed.RecordFact, smed.RecordNote,
			smed.RecordRevision, smed.RecordDeal, smed.RecordTouch, smed.RecordLink} {
			if kinds[k] == 0 {
				t.Errorf("backup has no %s record: %v", k, kinds)
			}
		}

		// In one call, and one customer a call after reserving the fact
		// IDs, as smed restore does.
		for _, how := range []string{"one call", "one customer a call"} {
			s := newStore(t)
			if empty, err := s.Empty(t.Context(), team); err != nil || !empty {
				t.Fatalf("%s: Empty = %v, %v before the restore", how, empty, err)
			}
			if how == "one call" {
				if err := s.Restore(t.Context(), team, recs, false); err != nil {
					t.Fatalf("%s: Restore: %v", how, err)
				}
			} else {
				var top int64
				for _, r := range recs {
					if r.Kind == smed.RecordFact {
						top = max(top, FactSeq(r.Fact.ID))
					}
				}
				if err := s.ReserveEntryIDs(t.Context(), team, top); err != nil {
					t.Fatal(err)
				}
				for _, g := range groupsOf(recs) {
					if err := s.Restore(t.Context(), team, g, false); err != nil {
						t.Fatalf("%s: Restore: %v", how, err)
					}
				}
			}
			if empty, err := s.Empty(t.Context(), team); err != nil || empty {
				t.Errorf("%s: Empty = %v, %v after the restore", how, empty, err)
			}
			if diff := cmp.Diff(recs, backupOf(t, s, team)); diff != "" {
				t.Errorf("%s: backup of the restored team (-original +restored):\n%s", how, diff)
			}
			checked(t, s, team, how)
			postingsAscend(t, s)
			sameAnswers(t, orig, s)
		}
	})

	t.Run("BackupConflictWritesNothing", func(t *testing.T) {
		t.Parallel()
		orig := newStore(t)
		backupWorld(t, orig)
		recs := backupOf(t, orig, team)

		// Into the team itself: every customer exists.
		before := snapshot(t, orig)
		if err := orig.CheckRestore(t.Context(), team, recs, false); !errors.Is(err, smed.ErrConflict) {
			t.Errorf("CheckRestore over itself without merge = %v, want ErrConflict", err)
		}
		if err := orig.CheckRestore(t.Context(), team, recs, true); err != nil {
			t.Errorf("CheckRestore over itself with merge = %v", err)
		}
		if err := orig.Restore(t.Context(), team, recs, false); !errors.Is(err, smed.ErrConflict) {
			t.Errorf("Restore over itself without merge = %v, want ErrConflict", err)
		}
		if diff := cmp.Diff(before, snapshot(t, orig)); diff != "" {
			t.Errorf("a refused restore wrote (-before +after):\n%s", diff)
		}

		// A team that has only the last customer: the ones before it must
		// not be written either.
		groups := groupsOf(recs)
		s := newStore(t)
		if err := s.Restore(t.Context(), team, groups[len(groups)-1], false); err != nil {
			t.Fatal(err)
		}
		before = snapshot(t, s)
		if err := s.Restore(t.Context(), team, recs, false); !errors.Is(err, smed.ErrConflict) {
			t.Errorf("Restore with one customer there = %v, want ErrConflict", err)
		}
		if diff := cmp.Diff(before, snapshot(t, s)); diff != "" {
			t.Errorf("a refused restore wrote (-before +after):\n%s", diff)
		}

		// A name another customer (another ID) holds.
		s = newStore(t)
		mustNote(t, s, team, named("Acme Corp", "hello"), "U1", t0)
		moved := slices.Clone(recs)
		from := id(t, orig, team, "Acme Corp")
		for i := range moved {
			if moved[i].CustomerID == from {
				moved[i].CustomerID = "0000000000ab"
				if moved[i].Kind == smed.RecordCustomer {
					moved[i].Customer.ID = "0000000000ab"
				}
			}
		}
		before = snapshot(t, s)
		if err := s.Restore(t.Context(), team, moved, true); !errors.Is(err, smed.ErrConflict) {
			t.Errorf("Restore of a name held by another ID = %v, want ErrConflict", err)
		}
		if diff := cmp.Diff(before, snapshot(t, s)); diff != "" {
			t.Errorf("a refused restore wrote (-before +after):\n%s", diff)
		}

		// What only the whole file shows: a name or a channel twice.
		check := NewBackupCheck()
		for _, g := range groupsOf(recs) {
			if err := check.Add(g); err != nil {
				t.Fatal(err)
			}
		}
		if check.MaxFactID() < 2 {
			t.Errorf("MaxFactID = %d", check.MaxFactID())
		}
		if err := check.Add(groupsOf(moved)[slices.IndexFunc(groupsOf(moved), func(g []smed.Record) bool { return g[0].CustomerID == "0000000000ab" })]); !errors.Is(err, smed.ErrConflict) {
			t.Errorf("BackupCheck of a name twice = %v, want ErrConflict", err)
		}
		dup := []smed.Record{{Kind: smed.RecordCustomer, CustomerID: "0000000000cd", Customer: smed.Customer{ID: "0000000000cd", Name: "Other", CadenceDays: 1, CreatedAt: t0}},
			{Kind: smed.RecordLink, CustomerID: "0000000000cd", Channel: "C0SHARED"}}
		if err := check.Add(dup); !errors.Is(err, smed.ErrConflict) {
			t.Errorf("BackupCheck of a channel twice = %v, want ErrConflict", err)
		}

		// Bad records are refused before anything is written.
		bad := slices.Clone(recs)
		bad[len(bad)-1].CustomerID = "0000000000ff"
		if err := s.Restore(t.Context(), team, bad, true); !errors.Is(err, smed.ErrInvalid) {
			t.Errorf("Restore of a record without its customer = %v, want ErrInvalid", err)
		}
		if diff := cmp.Diff(before, snapshot(t, s)); diff != "" {
			t.Errorf("a refused restore wrote (-before +after):\n%s", diff)
		}
	})

	t.Run("BackupMergeDoesNotDouble", func(t *testing.T) {
		t.Parallel()
		orig := newStore(t)
		backupWorld(t, orig)
		recs := backupOf(t, orig, team)

		if err := orig.Restore(t.Context(), team, recs, true); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(recs, backupOf(t, orig, team)); diff != "" {
			t.Errorf("merging a team's own backup changed it (-before +after):\n%s", diff)
		}
		checked(t, orig, team, "merge of its own backup")

		// A backup that lacks a note in the middle, the last fact, and a
		// touch and a deal, merged with the whole one, is the whole one.
		acme := id(t, orig, team, "Acme Corp")
		var part []smed.Record
		notes, facts, touches, deals := 0, 0, 0, 0
		for _, r := range recs {
			if r.CustomerID == acme {
				switch r.Kind {
				case smed.RecordNote:
					if notes++; notes == 2 {
						continue
					}
				case smed.RecordFact:
					facts++
				case smed.RecordTouch:
					if touches++; touches == 1 {
						continue
					}
				case smed.RecordDeal:
					if deals++; deals == 1 {
						continue
					}
				}
			}
			part = append(part, r)
		}
		for i := range part {
			if part[i].Kind == smed.RecordCustomer && part[i].CustomerID == acme {
				c := &part[i].Customer
				c.NoteCount--
				c.DealsCount--
				c.DealsSum -= 48000 // the first deal's
			}
		}
		for i := len(part) - 1; i >= 0; i-- {
			if part[i].CustomerID == acme && part[i].Kind == smed.RecordFact {
				part = slices.Delete(part, i, i+1)
				break
			}
		}
		if notes < 3 || facts < 2 || touches < 2 || deals < 2 {
			t.Fatalf("the world has too little: %d notes, %d facts, %d touches, %d deals", notes, facts, touches, deals)
		}
		s := newStore(t)
		if err := s.Restore(t.Context(), team, part, false); err != nil {
			t.Fatal(err)
		}
		if err := s.Restore(t.Context(), team, recs, true); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(recs, backupOf(t, s, team)); diff != "" {
			t.Errorf("part merged with the whole (-whole +merged):\n%s", diff)
		}
		checked(t, s, team, "merge of the whole into a part")
		postingsAscend(t, s)
		sameAnswers(t, orig, s)
	})

	t.Run("BackupStreams", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		n := bulk
		var recs []smed.Record
		for i := range n {
			j := (i*7919)%n + 1 // not in ID order
			cid := fmt.Sprintf("%012x", j)
			c := smed.Customer{ID: cid, Name: fmt.Sprintf("Bulk %d", i), Owner: "U" + strconv.Itoa(1+i%5),
				Value: int64(i * 10), CadenceDays: 1 + i%60, CreatedAt: t0.Add(-time.Duration(i) * time.Hour),
				LastContactAt: t0.Add(-time.Duration(i) * time.Minute), LastContactBy: "U1", NoteCount: 1}
			// Fact IDs fall as IDs rise: each fact restored goes in
			// before the postings of "bulk" already there.
			recs = append(recs,
				smed.Record{Kind: smed.RecordCustomer, CustomerID: cid, Customer: c},
				smed.Record{Kind: smed.RecordFact, CustomerID: cid, Fact: smed.Fact{ID: strconv.Itoa(2*n + 1 - j), Author: "U2", At: t0, Text: "bulk fact"}},
				smed.Record{Kind: smed.RecordNote, CustomerID: cid, Note: smed.Note{Author: "U1", At: c.LastContactAt, Text: "bulk note " + strconv.Itoa(i)}})
		}
		if err := s.Restore(t.Context(), team, recs, false); err != nil {
			t.Fatal(err)
		}
		checked(t, s, team, "a bulk restore")
		postingsAscend(t, s)
		page, err := s.Find(t.Context(), team, "bulk fact", "", 5)
		if err != nil || len(page.Matches) != 5 || page.Next == "" {
			t.Fatalf("Find(bulk fact) = %d matches, next %q, %v; want a full page and more", len(page.Matches), page.Next, err)
		}
		// Most recent first: the highest sequence number, the lowest ID.
		if m := page.Matches[0]; m.Field != "fact" || m.Customer.ID != fmt.Sprintf("%012x", 1) {
			t.Errorf("Find(bulk fact) starts with %s %s, want the fact of %012x", m.Field, m.Customer.ID, 1)
		}
		want := slices.Concat(groupsOf(recs)...)
		slices.SortStableFunc(want, func(a, b smed.Record) int { return strings.Compare(a.CustomerID, b.CustomerID) })

		// Count the customer hashes read before the first record comes.
		var reads atomic.Int64
		s.rdb.AddHook(countHook{prefix: s.prefix, n: &reads})
		var got []smed.Record
		for r, err := range s.Backup(t.Context(), team) {
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 {
				if r := reads.Load(); r > backupBatch {
					t.Errorf("%d customers read before the first record, want at most %d", r, backupBatch)
				}
			}
			got = append(got, r)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("backup of the bulk restore (-want +got):\n%s", diff)
		}
		if r := reads.Load(); r != int64(n) {
			t.Errorf("%d customer hashes read, want %d", r, n)
		}
	})
}

// countHook counts HGETALLs of customer hashes under prefix.
type countHook struct {
	prefix string
	n      *atomic.Int64
}

func (h countHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h countHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.count(cmd)
		return next(ctx, cmd)
	}
}
func (h countHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			h.count(c)
		}
		return next(ctx, cmds)
	}
}
func (h countHook) count(cmd redis.Cmder) {
	args := cmd.Args()
	if len(args) > 1 && strings.EqualFold(cmd.Name(), "hgetall") {
		if k, _ := args[1].(string); strings.HasPrefix(k, h.prefix) && strings.Contains(k, ":c:") {
			h.n.Add(1)
		}
	}
}

// backupWorld fills a team with a bit of everything: notes (one with a link
// and a saver), facts (one forgotten), value, owner, cadence and snooze
// changes, a rename, a merge, a deletion, an import, and deals, touches and
// links as their keys hold them.
func backupWorld(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	ms := time.Millisecond
	acme := mustNote(t, s, team, named("Acme Corp", "renewal talk, pricing"), "U1", t0.Add(1500*ms)).Customer.ID
	if _, err := s.AddNote(ctx, team, smed.NoteRequest{CustomerID: acme, Text: "they want a discount\ton pricing", Author: "U2",
		At: t0.Add(2*smed.Day + 7*ms), SavedBy: "U9", Link: "https://x.slack.com/archives/C1/p1"}); err != nil {
		t.Fatal(err)
	}
	mustNote(t, s, team, named("Acme Corp", "signed, renewal done"), "U1", t0.Add(3*smed.Day))
	fact(t, s, team, named("Acme Corp", "prefers calls before 10"), "U1", t0.Add(time.Hour))
	gone := fact(t, s, team, named("Acme Corp", "forget me"), "U1", t0.Add(2*time.Hour))
	fact(t, s, team, named("Acme Corp", "pays in instalments"), "U2", t0.Add(3*time.Hour))
	card, err := s.Card(ctx, team, acme, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range card.Facts {
		if f.Text == "forget me" {
			if _, err := s.Forget(ctx, team, acme, f.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	_ = gone

	beta := mustNote(t, s, team, named("Beta", "first contact, pricing sheet sent"), "U2", t0.Add(-40*smed.Day)).Customer.ID
	if _, err := s.Update(ctx, team, beta, smed.Change{Value: ptr[int64](120000), Owner: ptr("U3"), CadenceDays: ptr(14),
		By: "U1", At: t0.Add(-39 * smed.Day)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rename(ctx, team, beta, "Ærø Fisk", "U1", t0.Add(-38*smed.Day)); err != nil {
		t.Fatal(err)
	}
	gamma := mustNote(t, s, team, named("Gamma", "hello world"), "U1", t0.Add(5*smed.Day)).Customer.ID
	dup := mustNote(t, s, team, named("Gamma Dup", "hello again, world"), "U4", t0.Add(6*smed.Day)).Customer.ID
	fact(t, s, team, named("Gamma Dup", "a duplicate's fact"), "U4", t0.Add(6*smed.Day))
	if _, err := s.Merge(ctx, team, dup, gamma, "U1", t0.Add(7*smed.Day)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, team, gamma, smed.Change{SnoozedUntil: ptr(t0.Add(60 * smed.Day)), By: "U1", At: t0}); err != nil {
		t.Fatal(err)
	}
	// A deleted customer, with a fact (no note: day counters keep a deleted
	// customer's notes, and a restore cannot know them).
	if _, err := s.Import(ctx, team, smed.ImportRecord{Name: "Doomed", Facts: []string{"pricing"}, DefaultCadenceDays: 30}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Delete(ctx, team, id(t, s, team, "Doomed")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Import(ctx, team, smed.ImportRecord{Name: "Delta", Owner: ptr("U4"), Value: ptr[int64](500),
		CadenceDays: ptr(7), Facts: []string{"imported fact", "pricing matters"}}, t0.Add(-10*smed.Day)); err != nil {
		t.Fatal(err)
	}

	// Deals, touches and links, through the store's own writes.
	d1, d2 := t0.Add(24*time.Hour+3*ms), t0.Add(48*time.Hour)
	c1, c2 := t0.Add(26*time.Hour), t0.Add(50*time.Hour+9*ms)
	for _, d := range []smed.DealRequest{
		{CustomerID: acme, Amount: 48000, Author: "U1", At: d1, Text: "first order"},
		{CustomerID: acme, Amount: 2000, Author: "U2", At: d2, Text: "renewal\twith a tab"},
	} {
		if _, err := s.AddDeal(ctx, team, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, ch := range []string{"C0SHARED", "C0ACME"} {
		if _, err := s.Link(ctx, team, ch, acme, "U1", t0); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []smed.Touch{
		{At: c1.Add(-time.Hour), Author: "U5", Side: smed.SideCustomer, Channel: "C0SHARED", TS: "1700000000.000100"},
		{At: c1, Author: "U1", Side: smed.SideTeam, Channel: "C0SHARED", TS: "1700000001.000200"},
		{At: c2, Author: "U5", Side: smed.SideCustomer, Channel: "C0ACME", TS: "1700000002.000300"},
	} {
		if _, err := s.AddTouch(ctx, team, tc); err != nil {
			t.Fatal(err)
		}
	}
	checked(t, s, team, "the backup world")
}

// backupOf reads a team's whole backup.
func backupOf(t *testing.T, s *Store, team string) []smed.Record {
	t.Helper()
	var out []smed.Record
	for r, err := range s.Backup(t.Context(), team) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// groupsOf splits records by customer.
func groupsOf(recs []smed.Record) [][]smed.Record {
	var out [][]smed.Record
	for _, r := range recs {
		if r.Kind == smed.RecordCustomer {
			out = append(out, nil)
		}
		out[len(out)-1] = append(out[len(out)-1], r)
	}
	return out
}

// sameAnswers fails unless the read side answers the same on both stores.
func sameAnswers(t *testing.T, want, got *Store) {
	t.Helper()
	ctx := t.Context()
	now := t0.Add(20 * smed.Day)
	type answer struct {
		What string
		V    any
	}
	ask := func(s *Store) []answer {
		var out []answer
		add := func(what string, v any, err error) {
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			out = append(out, answer{what, v})
		}
		for _, q := range []string{"pricing", "renewal", "fisk", "ærø", "hello world", "instal", "prefers", "gamma", "forget", "beta", "doomed"} {
			var ms []smed.Match
			cursor := ""
			for {
				page, err := s.Find(ctx, team, q, cursor, 2)
				if err != nil {
					t.Fatal(err)
				}
				ms = append(ms, page.Matches...)
				if cursor = page.Next; cursor == "" {
					break
				}
			}
			// Restored entries are numbered in restore order: the same
			// matches, not always in the same order.
			slices.SortFunc(ms, func(a, b smed.Match) int {
				return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
			})
			add("find "+q, ms, nil)
		}
		for _, owner := range []string{"", "U1", "U3", "U4"} {
			r, err := s.List(ctx, team, owner, now, 10)
			add("list "+owner, r, err)
			o, err := s.Overdue(ctx, team, now, owner)
			add("overdue "+owner, o, err)
		}
		for _, n := range [][]string{{"acme corp"}, {"AERO FISK", "Ærø  fisk"}, {"beta"}, {"gamma dup", "gamma"}} {
			ref, i, err := s.Resolve(ctx, team, n)
			if errors.Is(err, smed.ErrNotFound) {
				err = nil
			}
			add("resolve "+strings.Join(n, "|"), []any{ref, i}, err)
		}
		for _, n := range []string{"Acme Crop", "aero fisk", "gam", "Delt"} {
			r, err := s.NearMisses(ctx, team, []string{n}, 5)
			add("near misses "+n, r, err)
			r, err = s.Suggest(ctx, team, n, 5)
			add("suggest "+n, r, err)
		}
		for _, card := range all(t, s, team) {
			c, es, n, err := s.History(ctx, team, card.Customer.ID, 0, 50)
			add("history "+card.Customer.Name, []any{c, es, n}, err)
			cd, err := s.Card(ctx, team, card.Customer.ID, 10)
			add("card "+card.Customer.Name, cd, err)
		}
		counts, err := s.NoteCounts(ctx, team, t0.Add(-100*smed.Day))
		add("note counts", counts, err)
		n, v, err := s.Totals(ctx, team)
		add("totals", []any{n, v}, err)
		owners, err := s.Owners(ctx, team)
		add("owners", owners, err)
		add("export", all(t, s, team), nil)
		return out
	}
	if diff := cmp.Diff(ask(want), ask(got), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("answers differ (-original +restored):\n%s", diff)
	}
}

// snapshot is every key of the store with its content.
func snapshot(t *testing.T, s *Store) map[string]string {
	t.Helper()
	ctx := t.Context()
	out := map[string]string{}
	for _, key := range allKeys(t, s) {
		typ, err := s.rdb.Type(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		var v any
		switch typ {
		case "string":
			v, err = s.rdb.Get(ctx, key).Result()
		case "hash":
			v, err = s.rdb.HGetAll(ctx, key).Result()
		case "list":
			v, err = s.rdb.LRange(ctx, key, 0, -1).Result()
		case "set":
			var m []string
			m, err = s.rdb.SMembers(ctx, key).Result()
			slices.Sort(m)
			v = m
		case "zset":
			v, err = s.rdb.ZRangeWithScores(ctx, key, 0, -1).Result()
		}
		if err != nil {
			t.Fatal(err)
		}
		out[key] = typ + " " + fmt.Sprintf("%q", fmt.Sprint(v))
	}
	return out
}

// postingsAscend fails unless every posting list of the store is in
// ascending order without repeats, as Find's binary search needs.
func postingsAscend(t *testing.T, s *Store) {
	t.Helper()
	for _, key := range allKeys(t, s) {
		if !strings.Contains(key, "}:w:") {
			continue
		}
		p, err := s.rdb.Get(t.Context(), key).Result()
		if err != nil {
			t.Fatal(err)
		}
		for i := 4; i+4 <= len(p); i += 4 {
			if getU32(p[i:i+4]) <= getU32(p[i-4:i]) {
				t.Errorf("posting list %s: %d after %d", key, getU32(p[i:i+4]), getU32(p[i-4:i]))
				break
			}
		}
	}
}
