package names

import (
	"strconv"
	"strings"
	"unicode"
)

// The segment index, as Smed kept it before the edit index of index.go:
// PassJoin's partition signatures. A team indexed then keeps these
// signatures for the names it had, so its lookups also send LegacyProbes.
//
// A string x of L ≥ 3 runes is cut into τ+1 even segments, τ = 1 when L ≤ 5
// and 2 otherwise (the largest edit budget NearMiss allows at those lengths).
// If y is within b ≤ τ edits of x (optimal string alignment), pigeonhole says
// some segment of x among the first b+1 is untouched and appears in y as a
// plain substring, near its own position: PassJoin's multi-match-aware window
// bounds where. A transposition across a segment boundary (one edit for OSA)
// damages two segments, so the index also stores each segment with its first
// rune replaced by the previous segment's last rune ("left" variant): counting
// such a swap against the left segment, the right one then appears in y in
// exactly that form.
//
// segmentSignatures are what that index stored for x; segmentProbes are
// what a lookup for y asked of it. Every pair within budget shares at least
// one of them (the property test checks it).

// tau is the number of edits the index of an L-rune string tolerates.
func tau(l int) int {
	if l <= 5 {
		return 1
	}
	return 2
}

// segment returns the start and length (in runes) of 1-based segment i of a
// string of l runes cut into n even segments: the first n - l%n segments are
// l/n long, the rest one longer (PassJoin's partition).
func segment(l, n, i int) (start, length int) {
	short := l / n
	longFrom := n - l%n // segments after this one are one longer
	for k := 1; k < i; k++ {
		start += short
		if k > longFrom {
			start++
		}
	}
	length = short
	if i > longFrom {
		length++
	}
	return start, length
}

// narrowMax is the longest length whose names are indexed in a second,
// coarser partition too: a name of 6 to 8 runes (tau 2, three segments of two
// or three runes, which thousands of names share) is also cut in two halves
// of three or four runes. A one-edit lookup (typed names of 4 to 7 runes,
// reaching lengths 3 to 8) probes only two-segment signatures, which select
// a handful of names where three-segment ones select hundreds.
const narrowMax = 8

// partitions are the segment counts of the signatures stored for a string of
// l runes: tau(l)+1, and 2 as well up to narrowMax.
func partitions(l int) []int {
	if n := tau(l) + 1; n != 2 && l <= narrowMax {
		return []int{n, 2}
	}
	return []int{tau(l) + 1}
}

// signature names segment i of an n-segment partition of an l-rune string.
// The partition of tau(l)+1 segments has the original form, so an index
// written before the second partition existed stays valid.
func signature(l, n, i int, seg []rune) string {
	if n == tau(l)+1 {
		return strconv.Itoa(l) + "\x00" + strconv.Itoa(i) + "\x00" + string(seg)
	}
	return strconv.Itoa(l) + "\x00" + strconv.Itoa(n) + ":" + strconv.Itoa(i) + "\x00" + string(seg)
}

// segmentSignatures returns the segment-index signatures of x (a Key or a
// Fold): for each of its partitions, one per segment, plus each segment
// after the first in its "left" swap variant. Strings shorter than 3 runes
// have none (no edit budget reaches them).
func segmentSignatures(x string) []string {
	rs := []rune(x)
	l := len(rs)
	if l < 3 {
		return nil
	}
	var out []string
	for _, n := range partitions(l) {
		for i := 1; i <= n; i++ {
			p, ln := segment(l, n, i)
			seg := rs[p : p+ln]
			out = append(out, signature(l, n, i, seg))
			if i > 1 && rs[p-1] != rs[p] {
				v := append([]rune{rs[p-1]}, seg[1:]...)
				out = append(out, signature(l, n, i, v))
			}
		}
	}
	return dedupe(out)
}

// segmentProbes returns the signatures to look up in a segment index for a
// typed y (a Key or a Fold) with edit budget b: for every length L within b
// of y's and each of the first b+1 segments of an L-rune string, the
// substrings of y inside PassJoin's window. Any x with Distance(y, x) ≤ b ≤
// tau(len(x)) shares a signature with them. A one-edit lookup uses the
// two-segment partition, the most selective one the index had for it. b ≤ 0
// gives none.
func segmentProbes(y string, b int) []string {
	return probes(y, b, func(l int) int {
		if b == 1 && l <= narrowMax {
			return 2
		}
		return tau(l) + 1
	})
}

// preNarrowProbes are the probes a one-edit lookup needs besides
// segmentProbes in a segment index written before names of 6 to 8 runes had
// their two-segment partition: the three-segment probes of those lengths.
// Nil when segmentProbes alone suffices.
func preNarrowProbes(y string, b int) []string {
	if b != 1 {
		return nil
	}
	return probes(y, b, func(l int) int {
		if l <= 5 || l > narrowMax {
			return 0 // Probes has these
		}
		return tau(l) + 1
	})
}

// probes is segmentProbes with the partition of each length chosen by parts (0:
// none for that length).
func probes(y string, b int, parts func(l int) int) []string {
	if b <= 0 {
		return nil
	}
	rs := []rune(y)
	m := len(rs)
	var out []string
	for l := max(m-b, 3); l <= m+b; l++ {
		n := parts(l)
		delta := m - l
		for i := 1; i <= min(b+1, n); i++ {
			p, ln := segment(l, n, i)
			lo := max(-(i - 1), delta-(b+1-i))
			hi := min(i-1, delta+(b+1-i))
			for d := lo; d <= hi; d++ {
				s := p + d
				if s < 0 || s+ln > m {
					continue
				}
				out = append(out, signature(l, n, i, rs[s:s+ln]))
			}
		}
	}
	return dedupe(out)
}

func dedupe(ss []string) []string {
	out := ss[:0]
	seen := make(map[string]bool, len(ss))
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Words splits text into the words the search index keeps: Key of the text
// cut at anything that is not a letter, digit or combining mark, words of at
// least 2 runes, each once, in order of first appearance. Find applies the
// same rule to a query.
func Words(text string) []string {
	fs := strings.FieldsFunc(Key(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
	})
	out := fs[:0]
	seen := make(map[string]bool, len(fs))
	for _, w := range fs {
		if seen[w] || len(w) < 2 || len([]rune(w)) < 2 {
			continue
		}
		seen[w] = true
		out = append(out, w)
	}
	return out
}

// QueryWords splits a search query the way Words splits text, but keeps
// one-rune words too: a query word matches as a prefix ("r" is a prefix of
// "renewal").
func QueryWords(q string) []string {
	fs := strings.FieldsFunc(Key(q), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.Mn, r)
	})
	return dedupe(fs)
}
