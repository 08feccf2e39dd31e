// Package names says when two customer names are the same and when one is a
// near-miss of another. It is shared by the Slack edge (parsing, suggestions) and
// the store (its name index), so both agree on what "the same name" means.
//
// It imports only the standard library and golang.org/x/text.
package names

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Key is the normal form of a name: Unicode NFC, case-folded, runs of white space
// folded to one space, trimmed. Two names are the same customer iff their keys are
// equal ("ACME  corp" = "Acme Corp"; "Café" with a combining accent = "Café").
func Key(name string) string {
	// Fold case on the NFC form and normalise again: folding can produce
	// sequences that compose differently.
	s := norm.NFC.String(cases.Fold().String(norm.NFC.String(name)))
	return strings.Join(strings.FieldsFunc(s, IsSpace), " ")
}

// Display tidies a name for showing and storing as typed: NFC, spaces folded,
// case kept.
func Display(name string) string {
	return strings.Join(strings.FieldsFunc(norm.NFC.String(name), IsSpace), " ")
}

// IsSpace reports whether r separates words in a name: Unicode white space and
// the invisible zero-width space and byte-order mark that pasted text carries.
func IsSpace(r rune) bool { return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' }

// NearMiss returns the known names that typed is a near-miss of: typed is not
// itself known, and either typed is a prefix of a known name ("Acm" → "Acme
// Corp") or a small edit away from one ("Acme Crop" → "Acme Corp"). Known names
// are compared by Key; the result keeps their display form, closest first, at
// most max.
func NearMiss(typed string, known []string, max int) []string {
	t := Key(typed)
	if t == "" {
		return nil
	}
	type hit struct {
		name string
		dist int
	}
	var hits []hit
	limit := editBudget(t)
	for _, k := range known {
		kk := Key(k)
		if kk == t {
			return nil // typed is known: not a miss at all
		}
		switch {
		case strings.HasPrefix(kk, t):
			hits = append(hits, hit{k, 0})
		default:
			if d := Distance(t, kk, limit); d <= limit {
				hits = append(hits, hit{k, d})
			}
		}
	}
	// Insertion sort: lists are short and the order must be stable.
	for i := 1; i < len(hits); i++ {
		for j := i; j > 0 && (hits[j].dist < hits[j-1].dist ||
			hits[j].dist == hits[j-1].dist && Key(hits[j].name) < Key(hits[j-1].name)); j-- {
			hits[j], hits[j-1] = hits[j-1], hits[j]
		}
	}
	out := make([]string, 0, min(len(hits), max))
	for _, h := range hits {
		if len(out) == max {
			break
		}
		out = append(out, h.name)
	}
	return out
}

// editBudget is how many edits still count as a typo: none for very short names
// (any three-letter word is one edit from many others), one for short, two for
// longer ones.
func editBudget(key string) int {
	switch n := utf8.RuneCountInString(key); {
	case n <= 3:
		return 0
	case n <= 7:
		return 1
	default:
		return 2
	}
}

// Distance is the optimal-string-alignment edit distance between a and b (a
// swap of two neighbours counts as one edit, so "Crop" is one from "Corp"). It
// stops early and returns limit+1 once the distance must exceed limit.
func Distance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > limit || -d > limit {
		return limit + 1
	}
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
