// Package names says when two customer names are the same and when one is a
// near-miss of another. It is shared by the Slack edge (parsing, suggestions) and
// the store (its name index), so both agree on what "the same name" means.
//
// It imports only the standard library and golang.org/x/text.
package names

import (
	"cmp"
	"slices"
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
	if k, ok := asciiKey(name); ok {
		return k
	}
	// Fold case on the NFC form and normalise again: folding can produce
	// sequences that compose differently.
	s := norm.NFC.String(cases.Fold().String(norm.NFC.String(name)))
	return strings.Join(strings.FieldsFunc(s, IsSpace), " ")
}

// asciiKey is Key for pure ASCII, where NFC changes nothing and case folding
// is lower-casing: the common case, without x/text's allocations.
func asciiKey(name string) (string, bool) {
	b := make([]byte, 0, len(name))
	space := true // at the start: drop leading spaces
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= utf8.RuneSelf:
			return "", false
		case c == ' ' || c >= '\t' && c <= '\r':
			if !space {
				b = append(b, ' ')
				space = true
			}
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
		space = false
	}
	if len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return string(b), true
}

// Display tidies a name for showing and storing as typed: NFC, spaces folded,
// case kept.
func Display(name string) string {
	return strings.Join(strings.FieldsFunc(norm.NFC.String(name), IsSpace), " ")
}

// IsSpace reports whether r separates words in a name: Unicode white space and
// the invisible zero-width space and byte-order mark that pasted text carries.
func IsSpace(r rune) bool { return unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' }

// Fold is the form of a name as people type it without special letters: per
// rune of Key(s), æ→a, ø→o, œ→o, ð→d, þ→t, ł→l, đ→d, ı→i, and any other letter
// with diacritics → its base letter (å→a, é→e); then the digraphs "ae"→"a",
// "oe"→"o" and "aa"→"a" collapse, left to right. So "aero fisk", "aeroe fisk"
// and "Ærø Fisk" all fold to "aro fisk", "Aarhus" and "Århus" to "arhus".
//
// A folded name is never longer in runes than its key: each rune maps to one
// rune, and collapsing only shortens.
func Fold(s string) string {
	k := Key(s)
	rs := make([]rune, 0, len(k))
	for _, r := range k {
		rs = append(rs, foldRune(r))
	}
	out := rs[:0]
	for i := 0; i < len(rs); i++ {
		if i+1 < len(rs) && (rs[i] == 'a' && (rs[i+1] == 'e' || rs[i+1] == 'a') || rs[i] == 'o' && rs[i+1] == 'e') {
			out = append(out, rs[i])
			i++
			continue
		}
		out = append(out, rs[i])
	}
	return string(out)
}

// foldRune maps one case-folded rune to the letter people type instead.
func foldRune(r rune) rune {
	switch r {
	case 'æ':
		return 'a'
	case 'ø', 'œ':
		return 'o'
	case 'ð', 'đ':
		return 'd'
	case 'þ':
		return 't'
	case 'ł':
		return 'l'
	case 'ı':
		return 'i'
	}
	if r < utf8.RuneSelf {
		return r
	}
	// A letter with diacritics decomposes (NFD) into its base letter and
	// combining marks. Anything else that decomposes (Hangul syllables into
	// jamo) stays as it is, so Fold never lengthens a name.
	d := []rune(norm.NFD.String(string(r)))
	if len(d) < 2 || !unicode.IsLetter(d[0]) {
		return r
	}
	for _, m := range d[1:] {
		if !unicode.Is(unicode.Mn, m) {
			return r
		}
	}
	return d[0]
}

// NearMiss returns the known names that typed is a near-miss of, closest
// first (prefix hits count as distance 0, ties by Key), at most max. Typed t
// is a near-miss of known s when Key(t) != Key(s) and any of:
//
//   - Key(s) has prefix Key(t) ("Acm" → "Acme Corp");
//   - Fold(s) has prefix Fold(t), Fold(t) not empty ("aero" → "Ærø Fisk";
//     this includes equal folds);
//   - Distance(Key(t), Key(s)) ≤ b, b = editBudget(Key(t)) ("Acme Crop" →
//     "Acme Corp");
//   - Distance(Fold(t), Fold(s)) ≤ min(b, editBudget(Fold(t))).
//
// The fold budget is also capped by the folded length so that the edit index
// (Signatures, Probes) finds every such pair: a fold can be shorter than the
// key ("aarhus" → "arhus"), and edits are counted on what is compared.
//
// When typed is itself known (some Key(s) == Key(t)) there is no miss at all
// and NearMiss returns nil.
func NearMiss(typed string, known []string, max int) []string {
	tk, tf := Key(typed), Fold(typed)
	if tk == "" {
		return nil
	}
	type hit struct {
		name, key string
		dist      int
	}
	var hits []hit
	for _, k := range known {
		kk := Key(k)
		if kk == tk {
			return nil // typed is known: not a miss at all
		}
		if d, ok := Near(tk, tf, kk, Fold(k)); ok {
			hits = append(hits, hit{k, kk, d})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.dist, b.dist), strings.Compare(a.key, b.key))
	})
	out := make([]string, 0, min(len(hits), max))
	for _, h := range hits {
		if len(out) == max {
			break
		}
		out = append(out, h.name)
	}
	return out
}

// Near is the near-miss rule of NearMiss on names already normalised: tk, tf
// are Key and Fold of what was typed, sk, sf those of a known name. It
// reports whether typed is a near-miss of the known name and how close (0 for
// a prefix hit, else the edit distance). Equal keys are not a near-miss.
func Near(tk, tf, sk, sf string) (int, bool) {
	if tk == "" || tk == sk {
		return 0, false
	}
	if strings.HasPrefix(sk, tk) || tf != "" && strings.HasPrefix(sf, tf) {
		return 0, true
	}
	best := -1
	if b := editBudget(tk); b > 0 {
		if d := Distance(tk, sk, b); d <= b {
			best = d
		}
		// Where folding changes nothing (most names), the fold distance is
		// the key distance again.
		if bf := min(b, editBudget(tf)); bf > 0 && (tf != tk || sf != sk) {
			if d := Distance(tf, sf, bf); d <= bf && (best < 0 || d < best) {
				best = d
			}
		}
	}
	return best, best >= 0
}

// Budgets returns the edit budgets NearMiss allows for a typed name already
// normalised: b for its key, bf for its fold (0: no edit counts).
func Budgets(tk, tf string) (b, bf int) {
	b = editBudget(tk)
	return b, min(b, editBudget(tf))
}

func appendRunes(buf []rune, s string) []rune {
	for _, r := range s {
		buf = append(buf, r)
	}
	return buf
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
	// Lengths first: most pairs a near-miss lookup checks differ by more
	// than the budget, and counting runes allocates nothing.
	if d := utf8.RuneCountInString(a) - utf8.RuneCountInString(b); d > limit || -d > limit {
		return limit + 1
	}
	// On the stack for names of up to 64 runes: a near-miss lookup checks
	// hundreds of candidates.
	var bufA, bufB [64]rune
	var rows [3][65]int
	ra, rb := appendRunes(bufA[:0], a), appendRunes(bufB[:0], b)
	var prev2, prev, cur []int
	if n := len(rb) + 1; n <= len(rows[0]) {
		prev2, prev, cur = rows[0][:n], rows[1][:n], rows[2][:n]
	} else {
		prev2, prev, cur = make([]int, n), make([]int, n), make([]int, n)
	}
	for j := range prev {
		prev[j] = j
	}
	// Only cells within limit of the diagonal can stay within limit: the
	// band is computed, the cell just outside it on each side holds
	// limit+1.
	for i := 1; i <= len(ra); i++ {
		lo, hi := max(1, i-limit), min(len(rb), i+limit)
		rowMin := limit + 1
		if lo == 1 {
			cur[0] = i
			rowMin = i
		} else {
			cur[lo-1] = limit + 1
		}
		for j := lo; j <= hi; j++ {
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
		if hi < len(rb) {
			cur[hi+1] = limit + 1
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(rb)], limit+1)
}
