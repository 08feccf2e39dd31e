package storage

import (
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

// randomBook is n names of one or two words of syllables with Nordic
// letters and digraphs, distinct by key and of at least 3 runes.
func randomBook(rng *rand.Rand, n int) []string {
	syll := []string{"ak", "me", "ær", "ø", "fisk", "aa", "holm", "by", "ae", "oe", "å", "sen", "tr", "é", "in", "ol", "nord", "lys", "ka"}
	word := func() string {
		var w string
		for range 1 + rng.IntN(3) {
			w += syll[rng.IntN(len(syll))]
		}
		return w
	}
	var known []string
	seen := map[string]bool{}
	for len(known) < n {
		name := word()
		if rng.IntN(2) == 0 {
			name += " " + word()
		}
		if seen[names.Key(name)] || len([]rune(name)) < 3 {
			continue
		}
		seen[names.Key(name)] = true
		known = append(known, name)
	}
	return known
}

// randomEdit makes one random edit of s (a deletion, an insertion or a
// substitution of one of letters, or a swap of neighbours): typos for the
// near-miss tests.
func randomEdit(rng *rand.Rand, s, letters string) string {
	rs, ls := []rune(s), []rune(letters)
	if len(rs) == 0 {
		return s
	}
	switch i := rng.IntN(len(rs)); rng.IntN(4) {
	case 0:
		rs = slices.Delete(rs, i, i+1)
	case 1:
		rs = slices.Insert(rs, i, ls[rng.IntN(len(ls))])
	case 2:
		rs[i] = ls[rng.IntN(len(ls))]
	default:
		if i+1 < len(rs) {
			rs[i], rs[i+1] = rs[i+1], rs[i]
		}
	}
	return string(rs)
}

// NearMisses answers from the indexes exactly what names.NearMiss answers
// over every name of the team: a random store of names with Nordic letters
// and digraphs, typed strings that are random edits of them.
func TestNearMissesMatchBruteForce(t *testing.T) {
	for name, s := range map[string]*Store{"redis": redisStore(t), "memory": memoryStore(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			rng := rand.New(rand.NewPCG(7, 8))
			known := randomBook(rng, 300)
			for _, n := range known {
				if _, err := s.Import(ctx, team, smed.ImportRecord{Name: n, DefaultCadenceDays: 30}, t0); err != nil {
					t.Fatal(err)
				}
			}
			edit := func(s string) string { return randomEdit(rng, s, "aeøåæoksr") }
			hits := 0
			for i := range 400 {
				typed := known[rng.IntN(len(known))]
				for range rng.IntN(3) {
					typed = edit(typed)
				}
				if i%7 == 0 {
					typed = string([]rune(typed)[:max(3, len([]rune(typed))/2)]) // a prefix
				}
				want := names.NearMiss(typed, known, 1000)
				refs, err := s.NearMisses(ctx, team, []string{typed}, 1000)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, r := range refs {
					got = append(got, r.Name)
				}
				hits += len(got)
				if diff := cmp.Diff(want, got, cmpEmpty); diff != "" {
					t.Fatalf("NearMisses(%q) differs from brute force (-want +got):\n%s", typed, diff)
				}
			}
			if hits < 200 {
				t.Errorf("only %d hits in all: the test checks too little", hits)
			}
		})
	}
}

var cmpEmpty = cmp.Comparer(func(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return slices.Equal(a, b)
})

// Random sequences of every kind of write keep every index equal to what
// the records say, and Find agrees with a scan of the records.
func TestIndexesStayConsistent(t *testing.T) {
	for name, s := range map[string]*Store{"redis": redisStore(t), "memory": memoryStore(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			rng := rand.New(rand.NewPCG(3, 4))
			pool := []string{"Acme", "Acme Corp", "Ærø Fisk", "Aero Fisk", "Globex", "Initech", "Umbrella", "Nordlys Møbler"}
			vocab := []string{"renewal", "pricing", "deck", "call", "ærø", "fisk", "quote", "friday", "tea", "widgets"}
			text := func() string {
				var ws []string
				for range 1 + rng.IntN(5) {
					ws = append(ws, vocab[rng.IntN(len(vocab))])
				}
				return fmt.Sprint(ws)
			}
			at := t0
			ids := func() []string {
				var out []string
				for _, c := range all(t, s, team) {
					out = append(out, c.ID)
				}
				return out
			}
			pick := func() string {
				is := ids()
				if len(is) == 0 {
					return ""
				}
				return is[rng.IntN(len(is))]
			}
			for step := range 300 {
				at = at.Add(time.Duration(rng.IntN(3600)) * time.Second)
				op := rng.IntN(10)
				var err error
				switch op {
				case 0, 1, 2:
					_, err = s.AddNote(ctx, team, smed.NoteRequest{Candidates: named(pool[rng.IntN(len(pool))], text()),
						Author: fmt.Sprintf("U%d", rng.IntN(3)), At: at, Create: true, CadenceDays: 1 + rng.IntN(30)})
				case 3:
					_, err = s.AddFact(ctx, team, smed.NoteRequest{Candidates: named(pool[rng.IntN(len(pool))], text()), Author: "U1", At: at})
				case 4:
					if id := pick(); id != "" {
						_, err = s.Update(ctx, team, id, smed.Change{Owner: ptr(fmt.Sprintf("U%d", rng.IntN(4))),
							Value: ptr(int64(rng.IntN(3) * 100)), CadenceDays: ptr(1 + rng.IntN(9)), By: "U1", At: at})
					}
				case 5:
					if id := pick(); id != "" {
						_, err = s.Rename(ctx, team, id, pool[rng.IntN(len(pool))]+fmt.Sprint(rng.IntN(2)), "U1", at)
					}
				case 6:
					if a, b := pick(), pick(); a != "" && a != b {
						_, err = s.Merge(ctx, team, a, b, "U1", at)
					}
				case 7:
					if rng.IntN(3) == 0 {
						if id := pick(); id != "" {
							_, err = s.Delete(ctx, team, id)
						}
					}
				case 8:
					if id := pick(); id != "" {
						card, _ := s.Card(ctx, team, id, 0)
						if len(card.Facts) > 0 {
							_, err = s.Forget(ctx, team, id, card.Facts[rng.IntN(len(card.Facts))].ID)
						}
					}
				case 9:
					_, err = s.Import(ctx, team, smed.ImportRecord{Name: pool[rng.IntN(len(pool))], Owner: ptr("U2"),
						CadenceDays: ptr(7), LastContactAt: at, Facts: []string{text()}}, at)
				}
				if err != nil && !errorsIsAny(err, smed.ErrConflict, smed.ErrNotFound) {
					t.Fatalf("step %d op %d: %v", step, op, err)
				}
				if step%25 == 0 {
					checked(t, s, team, fmt.Sprintf("step %d", step))
				}
			}
			checked(t, s, team, "random writes")
			totalsMatch(t, s, team, "random writes")
			// Find agrees with a scan of every card.
			for _, q := range []string{"renewal", "fisk", "ærø call", "pri", "acme", "tea widgets"} {
				want := map[string]bool{}
				qs := names.QueryWords(q)
				for _, c := range all(t, s, team) {
					full, _ := s.Card(ctx, team, c.ID, 1<<20)
					if matchesAll(names.Words(c.Name), qs) {
						want["name:"+c.ID] = true
					}
					for _, f := range full.Facts {
						if matchesAll(names.Words(f.Text), qs) {
							want["fact:"+c.ID+":"+f.Text] = true
						}
					}
					for _, n := range full.Notes {
						if matchesAll(names.Words(n.Text), qs) {
							want["note:"+c.ID+":"+n.Text] = true
						}
					}
				}
				got := map[string]bool{}
				for cursor := ""; ; {
					p, err := s.Find(ctx, team, q, cursor, 7)
					if err != nil {
						t.Fatal(err)
					}
					for _, m := range p.Matches {
						k := m.Field + ":" + m.Customer.ID
						if m.Field != "name" {
							k += ":" + m.Text
						}
						got[k] = true
					}
					if cursor = p.Next; cursor == "" {
						break
					}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Errorf("Find(%q) differs from a scan (-scan +find):\n%s", q, diff)
				}
			}
		})
	}
}

func errorsIsAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errorsIs(err, t) {
			return true
		}
	}
	return false
}

// List, on a store large enough that it scans the value index rather than
// reading every overdue customer, ranks exactly as smed.CompareUrgency over
// all customers does, and its value at risk is smed.ValueAtRisk's.
func TestListMatchesBruteForce(t *testing.T) {
	for name, s := range map[string]*Store{"redis": redisStore(t), "memory": memoryStore(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			rng := rand.New(rand.NewPCG(5, 6))
			now := t0.Add(400 * smed.Day)
			n, span := 1500, 90 // about 800 overdue: List scans the value index
			if name == "memory" {
				n, span = 700, 150 // the embedded Lua is slower; still over 512 overdue
			}
			for i := range n {
				owner := fmt.Sprintf("U%d", rng.IntN(3))
				if i%50 == 0 {
					owner = ""
				}
				rec := smed.ImportRecord{Name: fmt.Sprintf("Co %d", i), Owner: ptr(owner), Value: ptr(int64(rng.IntN(40) * 250)),
					CadenceDays: ptr(1 + rng.IntN(60)), LastContactAt: now.Add(-time.Duration(rng.IntN(span*24*60)) * time.Minute)}
				if i%7 == 0 {
					rec.LastContactAt = time.Time{} // never contacted: due from creation
				}
				if _, err := s.Import(ctx, team, rec, t0.Add(time.Duration(rng.IntN(400*24))*time.Hour)); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.Update(ctx, team, id(t, s, team, "Co 3"), smed.Change{SnoozedUntil: ptr(now.Add(smed.Day))}); err != nil {
				t.Fatal(err)
			}
			if name == "redis" {
				checked(t, s, team, "large import")
			}
			cards := all(t, s, team)
			for _, owner := range []string{"", "U1", "U2"} {
				for _, at := range []time.Time{now, now.Add(-20 * smed.Day), now.Add(37*time.Minute + 5*time.Second)} {
					var mine []smed.Customer
					for _, c := range cards {
						if owner == "" || c.Owner == owner {
							mine = append(mine, c.Customer)
						}
					}
					var over, later []smed.Customer
					for _, c := range mine {
						if c.OverdueAt(at) {
							over = append(over, c)
						} else {
							later = append(later, c)
						}
					}
					slices.SortFunc(over, func(a, b smed.Customer) int { return smed.CompareUrgency(a, b, at) })
					slices.SortStableFunc(later, func(a, b smed.Customer) int { return a.DueAt().Compare(b.DueAt()) })
					want := append(over, later...)[:20]
					r, err := s.List(ctx, team, owner, at, 20)
					if err != nil {
						t.Fatal(err)
					}
					if r.Total != len(mine) || r.Overdue != len(over) || r.AtRisk != smed.ValueAtRisk(mine, at) {
						t.Errorf("List(%q, %v): total %d overdue %d risk %d; want %d %d %d", owner, at.Sub(now),
							r.Total, r.Overdue, r.AtRisk, len(mine), len(over), smed.ValueAtRisk(mine, at))
					}
					idsOf := func(cs []smed.Customer) []string {
						var out []string
						for _, c := range cs {
							out = append(out, c.Name)
						}
						return out
					}
					if diff := cmp.Diff(idsOf(want), idsOf(r.Customers)); diff != "" {
						t.Errorf("List(%q, %v) (-want +got):\n%s", owner, at.Sub(now), diff)
					}
				}
			}
		})
	}
}

// A signature that thousands of names share stops growing at sigMax; the
// indexes stay consistent and the names are still found by their others.
func TestCommonSignatureCapped(t *testing.T) {
	t.Parallel()
	s := redisStore(t)
	ctx := t.Context()
	for i := range sigMax + 50 {
		if _, err := s.Import(ctx, team, smed.ImportRecord{Name: fmt.Sprintf("q%04d a/s", i), DefaultCadenceDays: 30}, t0); err != nil {
			t.Fatal(err)
		}
	}
	checked(t, s, team, "a full signature")
	ms, err := s.NearMisses(ctx, team, []string{"q2090 a/z"}, 3)
	if err != nil || len(ms) == 0 || ms[0].Name != "q2090 a/s" {
		t.Errorf("NearMisses past the cap = %+v, %v", ms, err)
	}
	if _, err := s.Delete(ctx, team, id(t, s, team, "q0003 a/s")); err != nil {
		t.Fatal(err)
	}
	checked(t, s, team, "a delete from a full signature")
}

// A team that sets few values: List ranks the value-0 overdue customers by
// how long they have been overdue (equal cadences: exactly, from the due
// index), without reading them all.
func TestListMostlyZeroValues(t *testing.T) {
	t.Parallel()
	s := redisStore(t)
	ctx := t.Context()
	rng := rand.New(rand.NewPCG(11, 12))
	now := t0.Add(400 * smed.Day)
	for i := range 2000 {
		v := int64(0)
		if i%200 == 0 {
			v = 1000 + int64(i) // ten valued customers
		}
		rec := smed.ImportRecord{Name: fmt.Sprintf("Z %d", i), Owner: ptr(fmt.Sprintf("U%d", i%2)), Value: ptr(v),
			CadenceDays: ptr(30), LastContactAt: now.Add(-time.Duration(rng.IntN(120*24*60)) * time.Minute)}
		if _, err := s.Import(ctx, team, rec, t0); err != nil {
			t.Fatal(err)
		}
	}
	cards := all(t, s, team)
	for _, owner := range []string{"", "U1"} {
		var mine, over []smed.Customer
		for _, c := range cards {
			if owner == "" || c.Owner == owner {
				mine = append(mine, c.Customer)
				if c.OverdueAt(now) {
					over = append(over, c.Customer)
				}
			}
		}
		slices.SortFunc(over, func(a, b smed.Customer) int { return smed.CompareUrgency(a, b, now) })
		r, err := s.List(ctx, team, owner, now, 30)
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for _, c := range r.Customers {
			got = append(got, c.Name)
		}
		for _, c := range over[:30] {
			want = append(want, c.Name)
		}
		if diff := cmp.Diff(want, got); diff != "" || r.AtRisk != smed.ValueAtRisk(mine, now) || r.Overdue != len(over) {
			t.Errorf("List(%q): overdue %d (want %d), risk %d (want %d) (-want +got):\n%s", owner, r.Overdue, len(over),
				r.AtRisk, smed.ValueAtRisk(mine, now), diff)
		}
	}
}

// An import where many customers share value, last contact and cadence
// makes a tie only names break: List reads the names of the tie, not every
// customer, and orders as CompareUrgency does.
func TestListBigTie(t *testing.T) {
	for name, s := range map[string]*Store{"redis": redisStore(t), "memory": memoryStore(t)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			now := t0.Add(100 * smed.Day)
			var mine []smed.Customer
			for i := range 700 {
				n := fmt.Sprintf("Tie %03d", (i*37)%700)
				if i%9 == 0 {
					n = fmt.Sprintf("Tié %03d", i) // not ASCII
				}
				if _, err := s.Import(ctx, team, smed.ImportRecord{Name: n, Value: ptr[int64](0), CadenceDays: ptr(30), LastContactAt: t0}, t0); err != nil {
					t.Fatal(err)
				}
			}
			for _, c := range all(t, s, team) {
				mine = append(mine, c.Customer)
			}
			slices.SortFunc(mine, func(a, b smed.Customer) int { return smed.CompareUrgency(a, b, now) })
			r, err := s.List(ctx, team, "", now, 20)
			if err != nil {
				t.Fatal(err)
			}
			var got, want []string
			for _, c := range r.Customers {
				got = append(got, c.Name)
			}
			for _, c := range mine[:20] {
				want = append(want, c.Name)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("List of a tie (-want +got):\n%s", diff)
			}
		})
	}
}

// textWords, which splits each reading's text once per new head, gives
// what names.Words gives each text alone, for the readings of random
// inputs (Nordic letters, combining marks, odd spaces, repeats).
func TestTextWordsMatchWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	vocab := strings.Fields("acme Acme ÆRØ ærø fisk a b x renewal Renewal, 2025 café cafe\u0301 o\u0308l øl -- A/S")
	spaces := []string{" ", "  ", "\t", "\u00a0", "\u200b"}
	for range 5000 {
		var b strings.Builder
		for i := range 1 + rng.IntN(12) {
			if i > 0 {
				b.WriteString(spaces[rng.IntN(len(spaces))])
			}
			b.WriteString(vocab[rng.IntN(len(vocab))])
		}
		var rs []reading
		for _, c := range words(b.String()) {
			rs = append(rs, reading{text: clean(c.Rest)})
		}
		got := textWords(rs)
		for i, r := range rs {
			if want := names.Words(r.text); !slices.Equal(got[i], want) && !(len(got[i]) == 0 && len(want) == 0) {
				t.Fatalf("input %q, text %q: textWords %q, Words %q", b.String(), r.text, got[i], want)
			}
		}
	}
}

// The word and signature keys are FNV-1a 64 as hash/fnv computes it: an
// index written before keeps its keys.
func TestKeyHashesMatchHashFNV(t *testing.T) {
	k := keys{base: "smed:{T1}:"}
	for _, s := range []string{"", "a", "renewal", "ærø", "7\x001\x00til", strings.Repeat("x", 300)} {
		h := fnv.New64a()
		h.Write([]byte(s))
		if got, want := k.word(s), "smed:{T1}:w:"+hex.EncodeToString(h.Sum(nil)); got != want {
			t.Errorf("word(%q) = %q, want %q", s, got, want)
		}
		if got, want := sigField(s), string(h.Sum(nil)); got != want {
			t.Errorf("sigField(%q) = %x, want %x", s, got, want)
		}
	}
}

// A typo whose name is only among candidates past the cap (its intact
// segments are shared with 1,500 other names) is still caught: the lookup
// reads the next page when the first held no near-miss.
func TestNearMissPastTheCandidateCap(t *testing.T) {
	t.Parallel()
	s := redisStore(t)
	ctx := t.Context()
	const alphabet = "0123456789qxzjkw" // nothing of "dyl": no decoy is near
	for i := range 1500 {
		mid := string([]byte{alphabet[i%16], alphabet[i/16%16], alphabet[i/256%16]})
		if _, err := s.Import(ctx, team, smed.ImportRecord{Name: "Nor" + mid + "sab", DefaultCadenceDays: 30}, t0); err != nil {
			t.Fatal(err)
		}
	}
	mustNote(t, s, team, named("Nordlysab", "x"), "U1", t0)
	got, err := s.NearMisses(ctx, team, []string{"Nordylsab"}, 3)
	if err != nil || len(got) != 1 || got[0].Name != "Nordlysab" {
		t.Errorf("NearMisses of a typo past the cap = %+v, %v; want Nordlysab", got, err)
	}
	// A name near nothing reads its pages and finds nothing.
	if got, err := s.NearMisses(ctx, team, []string{"Norvvvsab"}, 3); err != nil || len(got) != 0 {
		t.Errorf("NearMisses of an unknown name = %+v, %v", got, err)
	}
}
