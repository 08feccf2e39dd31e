package main

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// isBrand says whether w (lower case) is a brand word: the pattern and the
// check letter of names.go.
func isBrand(w string) bool {
	if len(w) != 7 {
		return false
	}
	sum := 0
	for i := range 6 {
		set := consonants
		if i%2 == 1 {
			set = vowels
		}
		k := strings.IndexByte(set, w[i])
		if k < 0 {
			return false
		}
		sum += k
	}
	return strings.IndexByte(consonants, w[6]) == sum%17
}

// No single edit (substitution, insertion, deletion, swap of neighbours)
// turns a brand word into another: any two are at least two edits apart, more
// than the one edit Smed forgives in a 7-rune name. Checked exhaustively over
// a sample of the space.
func TestBrandWordsAreTwoEditsApart(t *testing.T) {
	letters := "abcdefghijklmnopqrstuvwxyz"
	step := uint64(brandSpace / 3000)
	for i := uint64(0); i < brandSpace; i += step {
		b, err := brand(i, 0)
		if err != nil {
			t.Fatal(err)
		}
		w := strings.ToLower(b)
		if !isBrand(w) {
			t.Fatalf("brand(%d) = %q fails its own check", i, w)
		}
		var edits []string
		for p := range len(w) {
			for _, c := range letters {
				if byte(c) != w[p] {
					edits = append(edits, w[:p]+string(c)+w[p+1:]) // substitution
				}
			}
			if p+1 < len(w) {
				edits = append(edits, w[:p]+w[p+1:p+2]+w[p:p+1]+w[p+2:]) // swap
			}
		}
		for _, e := range edits {
			if isBrand(e) {
				t.Fatalf("%q is one edit from brand word %q", e, w)
			}
		}
		// Insertions and deletions change the length, and every brand word
		// has seven letters.
	}
}

func TestBrandSequenceIsDistinctAndReadsAsNoError(t *testing.T) {
	seen := map[string]bool{}
	var c classifier
	for i := uint64(0); i < brandSpace; i += 31 {
		b, _ := brand(i, 0)
		if seen[b] {
			t.Fatalf("brand(%d) = %q repeats", i, b)
		}
		seen[b] = true
		// Smed's answers echo the name: it must not read as an error.
		if o := c.classify([]byte(b)); o != okReply {
			t.Fatalf("brand word %q reads as %s", b, outcomeNames[o])
		}
	}
	if _, err := brand(brandSpace, 0); err == nil {
		t.Fatal("brand beyond the space: no error")
	}
	for _, list := range [][]string{trades, openers, people, roles, topics, details} {
		for _, s := range list {
			if o := c.classify([]byte(s)); o != okReply {
				t.Errorf("%q reads as %s", s, outcomeNames[o])
			}
		}
	}
}

// What Smed does with a create-mix note, by brute force: the typed text's
// readings (first word, first two words, …) against every customer the run
// has made so far, with Smed's near-miss rule (prefix of a known name, or
// within the edit budget: 0 for ≤ 3 runes, 1 for ≤ 7, else 2). None may be a
// near-miss, or the note would get "did you mean" instead of a new customer.
func TestCreateMixNamesAreNeverNearMisses(t *testing.T) {
	n := uint64(600)
	if testing.Short() {
		n = 200
	}
	m := createMix{customers: n / 2}
	var known []string
	for i := range m.customers {
		cmd, _ := m.setup(i)
		name := strings.Trim(strings.TrimPrefix(cmd, "note "), `"`)
		name = name[:strings.IndexByte(name, '"')]
		known = append(known, strings.ToLower(name))
	}
	for k := range n - m.customers {
		cmd, err := m.command(k)
		if err != nil {
			t.Fatal(err)
		}
		words := strings.Fields(strings.ToLower(strings.TrimPrefix(cmd, "note ")))
		for r := 1; r <= 3; r++ {
			typed := strings.Join(words[:r], " ")
			budget := editBudget(typed)
			for _, kn := range known {
				if kn == typed {
					t.Fatalf("request %d: %q is already a customer", k, typed)
				}
				if strings.HasPrefix(kn, typed) || near(typed, kn, budget) {
					t.Fatalf("request %d: %q is a near-miss of customer %q", k, typed, kn)
				}
			}
		}
		known = append(known, words[0]) // Smed creates the first word
	}
}

func editBudget(key string) int {
	switch n := utf8.RuneCountInString(key); {
	case n <= 3:
		return 0
	case n <= 7:
		return 1
	}
	return 2
}

// near says whether a and b are within budget edits; a length difference
// beyond the budget settles it without the table.
func near(a, b string, budget int) bool {
	d := utf8.RuneCountInString(a) - utf8.RuneCountInString(b)
	if d > budget || -d > budget {
		return false
	}
	return osa(a, b) <= budget
}

// osa is the optimal-string-alignment distance, as names.Distance computes it.
func osa(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

func TestNoteTextIsAbout120Bytes(t *testing.T) {
	total, lo, hi := 0, 1<<30, 0
	for n := range uint64(1000) {
		l := len(noteText(n))
		total += l
		lo, hi = min(lo, l), max(hi, l)
	}
	if avg := total / 1000; avg < 100 || avg > 140 {
		t.Errorf("note texts average %d bytes (%d..%d), want about 120", avg, lo, hi)
	}
}
