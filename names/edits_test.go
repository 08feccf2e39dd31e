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
			if rng.IntN(2) == 0 { // a boundary of either partition
				ps := partitions(len(rs))
				_, ln := segment(len(rs), ps[rng.IntN(len(ps))], 1)
				i = min(max(ln-1, 0), len(rs)-2)
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
			// An index written before the two-segment partition holds
			// only the tau+1 one: the legacy probes must reach it.
			old := legacySignatures(xs)
			all := append(Probes(ys, b), LegacyProbes(ys, b)...)
			if !slices.ContainsFunc(all, func(p string) bool { return slices.Contains(old, p) }) {
				t.Fatalf("typed %q (budget %d) is within budget of %q but no probe meets a legacy signature\nprobes %q\nsigs %q",
					ys, b, xs, all, old)
			}
		}
	}
	if checked < 10000 {
		t.Fatalf("only %d pairs within budget checked", checked)
	}
}

// legacySignatures are the signatures an index held before the two-segment
// partition of 6 to 8 rune names: only the tau+1 partition.
func legacySignatures(x string) []string {
	n := tau(len([]rune(x))) + 1
	var out []string
	for _, s := range Signatures(x) {
		if !strings.Contains(s, ":") || n == 2 {
			out = append(out, s)
		}
	}
	return out
}

// A one-edit lookup of a 7-rune name probes only two-segment signatures
// (three or four runes each), never the two-rune segments that thousands of
// names of that length share.
func TestOneEditProbesAreNarrow(t *testing.T) {
	for _, p := range Probes("tilekos", 1) {
		seg := p[strings.LastIndex(p, "\x00")+1:]
		if len([]rune(seg)) < 3 {
			t.Errorf("probe %q has a segment of %d runes", p, len([]rune(seg)))
		}
	}
	if len(LegacyProbes("tilekos", 1)) == 0 {
		t.Error("no legacy probes for a 7-rune name")
	}
	if LegacyProbes("nordlys møbler", 2) != nil || LegacyProbes("acme", 1) != nil {
		t.Error("legacy probes where Probes suffices")
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

func BenchmarkProbes(b *testing.B) {
	k, f := Key("Nordlys Møbler A/S"), Fold("Nordlys Møbler A/S")
	for b.Loop() {
		Probes(k, 2)
		Probes(f, 2)
	}
}
