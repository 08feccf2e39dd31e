package names

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// The edit index must find every pair that NearMiss's edit rule accepts: for
// random names and random edits of them within budget (transpositions at
// segment boundaries, Nordic letters, multi-byte runes included), the probes
// of the typed string always meet the signatures of the known one.
func TestProbesMeetSignatures(t *testing.T) {
	alphabet := []rune("abcdeæøåéß漢 ab")
	rng := rand.New(rand.NewPCG(1, 2))
	randString := func(n int) []rune {
		rs := make([]rune, n)
		for i := range rs {
			rs[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return rs
	}
	edit := func(rs []rune) []rune {
		rs = slices.Clone(rs)
		switch k := rng.IntN(4); {
		case k == 0 && len(rs) > 0: // delete
			i := rng.IntN(len(rs))
			return slices.Delete(rs, i, i+1)
		case k == 1: // insert
			i := rng.IntN(len(rs) + 1)
			return slices.Insert(rs, i, alphabet[rng.IntN(len(alphabet))])
		case k == 2 && len(rs) > 0: // substitute
			rs[rng.IntN(len(rs))] = alphabet[rng.IntN(len(alphabet))]
		case len(rs) > 1: // transpose, often at a segment boundary
			i := rng.IntN(len(rs) - 1)
			if rng.IntN(2) == 0 { // a boundary of some partition
				ps := append(partitions(len(rs)), pairSeg)
				n := ps[rng.IntN(len(ps))]
				p, _ := segment(len(rs), n, 2+rng.IntN(n-1))
				i = min(max(p-1, 0), len(rs)-2)
			}
			rs[i], rs[i+1] = rs[i+1], rs[i]
		}
		return rs
	}
	checked := 0
	for range 200000 {
		x := randString(3 + rng.IntN(12))
		y := x
		for range 1 + rng.IntN(2) {
			y = edit(y)
		}
		xs, ys := string(x), string(y)
		for _, b := range []int{1, 2} {
			if len(y) < 4 || b == 2 && len(y) < 8 || b > tau(len(x)) {
				continue // budgets NearMiss never uses with these lengths
			}
			if Distance(ys, xs, b) > b {
				continue
			}
			checked++
			sigs := Signatures(xs)
			if !slices.ContainsFunc(Probes(ys, b), func(p string) bool { return slices.Contains(sigs, p) }) {
				t.Fatalf("typed %q (budget %d) is within budget of %q but no probe meets a signature\nprobes %q\nsigs %q",
					ys, b, xs, Probes(ys, b), sigs)
			}
			// A segment index (before this edit index) holds
			// segmentSignatures, or only their tau+1 partition when it was
			// written before the two-segment one: the legacy probes must
			// reach both.
			narrow, older := LegacyProbes(ys, b)
			for _, old := range [][]string{segmentSignatures(xs), preNarrowSignatures(xs)} {
				all := append(slices.Clone(narrow), older...)
				if !slices.ContainsFunc(all, func(p string) bool { return slices.Contains(old, p) }) {
					t.Fatalf("typed %q (budget %d) is within budget of %q but no probe meets a legacy signature\nprobes %q\nsigs %q",
						ys, b, xs, all, old)
				}
			}
			if old := segmentSignatures(xs); !slices.ContainsFunc(narrow, func(p string) bool { return slices.Contains(old, p) }) {
				t.Fatalf("typed %q (budget %d) is within budget of %q but no narrow legacy probe meets a segment signature", ys, b, xs)
			}
		}
	}
	if checked < 10000 {
		t.Fatalf("only %d pairs within budget checked", checked)
	}
}

// Probes select: a one-edit lookup asks for deletions only (strings of the
// typed length or one less), a two-edit lookup of a long name for segment
// pairs of at least four runes, never the two- or three-rune segments that
// thousands of names of a length share at a million names.
func TestProbesAreSelective(t *testing.T) {
	for _, p := range Probes("tilekos", 1) {
		z, ok := strings.CutPrefix(p, "d\x00")
		if n := len([]rune(z)); !ok || n < 6 {
			t.Errorf("one-edit probe %q: a deletion of %d runes", p, n)
		}
	}
	for _, y := range []string{"nordlys møbler", "tilekosam", "bakuvotilasa"} {
		ps := Probes(y, 2)
		for _, p := range ps {
			if rest, ok := strings.CutPrefix(p, "p"); ok {
				f := strings.Split(rest, "\x00")
				if n := len([]rune(f[2] + f[3])); len(f) != 4 || n < 4 {
					t.Errorf("two-edit probe %q of %q holds %d runes", p, y, n)
				}
			} else if z, ok := strings.CutPrefix(p, "d\x00"); !ok || len([]rune(z)) < 6 {
				t.Errorf("two-edit probe %q of %q", p, y)
			}
		}
		if len(ps) > 200 {
			t.Errorf("%q: %d probes", y, len(ps))
		}
	}
	if n, o := LegacyProbes("tilekos", 1); len(n) == 0 || len(o) == 0 {
		t.Error("no legacy probes for a 7-rune name")
	}
	if _, o := LegacyProbes("nordlys møbler", 2); o != nil {
		t.Error("pre-narrow probes where the segment probes suffice")
	}
}

// Every budget NearMiss hands to the index is one the index tolerates at
// every length it probes.
func TestBudgetsWithinTau(t *testing.T) {
	for m := 0; m < 40; m++ {
		b := editBudget(string(make([]rune, m)))
		for l := max(m-b, 0); l <= m+b && b > 0; l++ {
			if l < 3 || tau(l) < b {
				t.Errorf("typed of %d runes, budget %d, reaches length %d with tau %d", m, b, l, tau(l))
			}
		}
	}
}

func BenchmarkSignatures(b *testing.B) {
	k := Key("Nordlys Møbler A/S")
	for b.Loop() {
		Signatures(k)
	}
}

func BenchmarkProbes(b *testing.B) {
	k, f := Key("Nordlys Møbler A/S"), Fold("Nordlys Møbler A/S")
	for b.Loop() {
		Probes(k, 2)
		Probes(f, 2)
	}
}
