package names

import (
	"strconv"
	"strings"
)

// The edit index, so that "is a known name a small edit away from what was
// typed?" is answered by looking up a few dozen signatures whose lists hold
// about the names that are near, at a hundred names or at a million.
//
// A name x (a Key or a Fold) of L runes is indexed by:
//
//   - for L ≤ del2Max, its deletion neighbourhood (FastSS): x itself and
//     every string made by deleting one rune of it, and for L > delMax two
//     runes. Two strings k ≤ 2 edits apart share a member of their k-deletion
//     neighbourhoods (a substitution or a swap: both less one rune of it; an
//     insertion: the shorter is the longer less one). Two deletions are kept
//     only for the lengths a two-edit lookup reaches where segments are
//     short (8 to 10 runes): they cost the most entries, and are what keeps
//     a lookup's lists short at a million names.
//   - for L ≥ pairMin, pairs of segments of a four-segment partition
//     (PassJoin's, see segment): two edits leave at least two of four
//     segments untouched, and both appear in the typed string near their own
//     places. A swap across a segment boundary counts against the left
//     segment; the right one then appears with its first rune replaced by
//     the previous segment's last, so segments after the first are also
//     stored in that "left" variant.
//
// The segment index before it (edits.go) stored single segments of a three-
// segment partition; at a million names a segment of two or three letters
// is shared by thousands of them.
//
// Signatures are what the index stores for x; Probes are what a lookup for
// y asks. Every pair within budget shares at least one of them (the
// property test checks it), and the candidates found are verified with
// Distance.
//
// These constants are part of the stored index: a team marked as holding it
// (storage's totals "edits") has its names' signatures by them, so changing
// one needs a new mark and the old probes for teams without it.
const (
	delMax  = 7  // the longest names indexed by one deletion
	del2Max = 10 // the longest names indexed by two deletions
	pairMin = 11 // the shortest names indexed by segment pairs
	pairSeg = 4  // segments of the pairs' partition
)

// deletion is the signature of a deletion-neighbourhood member.
func deletion(z []rune) string { return "d\x00" + string(z) }

// pair is the signature of segments i < j, as a and b, of an l-rune string.
func pair(l, i, j int, a, b []rune) string {
	return "p" + strconv.Itoa(l) + "\x00" + strconv.Itoa(i) + strconv.Itoa(j) + "\x00" + string(a) + "\x00" + string(b)
}

// Signatures returns the edit-index signatures of x (a Key or a Fold), each
// once. Strings shorter than 3 runes have none (no edit budget reaches them).
func Signatures(x string) []string {
	rs := []rune(x)
	l := len(rs)
	if l < 3 {
		return nil
	}
	var out []string
	if l <= del2Max {
		out = append(out, deletion(rs))
		if l > 3 { // a 3-rune name is only ever one deletion from what is typed
			out = appendDeletions(out, rs)
		}
	}
	if l > delMax && l <= del2Max {
		out = appendDeletions2(out, rs)
	}
	if l >= pairMin {
		forms := make([][][]rune, pairSeg+1) // forms[i]: segment i, then its left variant
		for i := 1; i <= pairSeg; i++ {
			p, ln := segment(l, pairSeg, i)
			seg := rs[p : p+ln]
			forms[i] = [][]rune{seg}
			if i > 1 && rs[p-1] != rs[p] {
				forms[i] = append(forms[i], append([]rune{rs[p-1]}, seg[1:]...))
			}
		}
		for i := 1; i < pairSeg; i++ {
			for j := i + 1; j <= pairSeg; j++ {
				for _, a := range forms[i] {
					for _, b := range forms[j] {
						out = append(out, pair(l, i, j, a, b))
					}
				}
			}
		}
	}
	return dedupe(out)
}

// appendDeletions appends the signatures of rs less one rune, each of its
// positions.
func appendDeletions(out []string, rs []rune) []string {
	buf := make([]rune, 0, len(rs))
	for i := range rs {
		if i > 0 && rs[i] == rs[i-1] {
			continue // deleting either of two equal neighbours gives the same
		}
		buf = append(append(buf[:0], rs[:i]...), rs[i+1:]...)
		out = append(out, deletion(buf))
	}
	return out
}

// appendDeletions2 appends the signatures of rs less two runes.
func appendDeletions2(out []string, rs []rune) []string {
	less := make([]rune, 0, len(rs))
	for i := range rs {
		if i > 0 && rs[i] == rs[i-1] {
			continue
		}
		less = append(append(less[:0], rs[:i]...), rs[i+1:]...)
		out = appendDeletions(out, less)
	}
	return out
}

// Probes returns the signatures to look up for a typed y (a Key or a Fold)
// with edit budget b (1, or 2 for y of at least 8 runes, as NearMiss
// allows): any x of at least 3 runes with Distance(y, x) ≤ b shares one of
// them. b ≤ 0 gives none.
//
// For lengths L < pairMin it asks for y less k runes, for each k that can
// meet a member of x's deletion neighbourhood within budget. For longer L
// it asks for the segment pairs of an L-rune partition where y holds them:
// segment i moved by di, j by dj, where the edits before i, between i and
// j and after j must account for di, dj - di and len(y) - L - dj.
func Probes(y string, b int) []string {
	if b <= 0 {
		return nil
	}
	rs := []rune(y)
	m := len(rs)
	var out []string
	// depth[k]: ask for y less k runes. An x of l ≤ del2Max runes is
	// indexed down to r ≤ 2 deletions (r = 1 when one edit is enough to
	// compare), and x less r' ≤ r runes equals y less k = m-l+r' runes.
	var depth [3]bool
	for l := max(m-b, 3); l <= m+b; l++ {
		if l >= pairMin {
			out = appendPairProbes(out, rs, l, b)
			continue
		}
		r := b
		if l <= delMax {
			r = 1
		}
		for k := max(0, m-l); k <= min(b, m-l+r); k++ {
			depth[k] = true
		}
	}
	if depth[0] {
		out = append(out, deletion(rs))
	}
	if depth[1] {
		out = appendDeletions(out, rs)
	}
	if depth[2] {
		out = appendDeletions2(out, rs)
	}
	return dedupe(out)
}

// appendPairProbes appends the pair probes of y (rs) for names of l runes
// within b edits.
func appendPairProbes(out []string, rs []rune, l, b int) []string {
	m := len(rs)
	delta := m - l
	abs := func(n int) int {
		if n < 0 {
			return -n
		}
		return n
	}
	for i := 1; i < pairSeg; i++ {
		pi, li := segment(l, pairSeg, i)
		for j := i + 1; j <= pairSeg; j++ {
			pj, lj := segment(l, pairSeg, j)
			for di := -b; di <= b; di++ {
				if i == 1 && di != 0 {
					continue // nothing before the first segment moves it
				}
				for dj := di - b; dj <= di+b; dj++ {
					if j == i+1 && dj != di || j == pairSeg && dj != delta {
						continue // no segment between, or none after, to edit
					}
					if abs(di)+abs(dj-di)+abs(delta-dj) > b {
						continue
					}
					si, sj := pi+di, pj+dj
					if si < 0 || si+li > m || sj < 0 || sj+lj > m {
						continue
					}
					out = append(out, pair(l, i, j, rs[si:si+li], rs[sj:sj+lj]))
				}
			}
		}
	}
	return out
}

// LegacyProbes are the probes a lookup needs besides Probes in a team whose
// names were indexed before this edit index (it has no mark of it): narrow,
// those of the segment index (edits.go); older, those it needs besides when
// the names of 6 to 8 runes lack their two-segment partition as well (no
// narrow mark either).
func LegacyProbes(y string, b int) (narrow, older []string) {
	return segmentProbes(y, b), preNarrowProbes(y, b)
}

// LegacySignatures are the signatures an older Smed stored for x in the
// segment index: with narrow, those of a team marked narrow, else those of
// one indexed before that too. Lookups reach them through LegacyProbes.
func LegacySignatures(x string, narrow bool) []string {
	if narrow {
		return segmentSignatures(x)
	}
	return preNarrowSignatures(x)
}

// preNarrowSignatures are the signatures a segment index held before the
// two-segment partition of 6 to 8 rune names: only the tau+1 partition.
func preNarrowSignatures(x string) []string {
	n := tau(len([]rune(x))) + 1
	var out []string
	for _, s := range segmentSignatures(x) {
		if !strings.Contains(s, ":") || n == 2 {
			out = append(out, s)
		}
	}
	return out
}
