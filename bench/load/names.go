package main

import (
	"fmt"
	"strings"
)

// Customer names and note texts, generated from word lists so every run sends
// the same realistic traffic without a data file.
//
// A name is a brand word plus a trade word: "Kavelut Møbler", "Tilekos & Co".
// The brand word is what makes every name distinct, and it is built so that
// the create mix really creates a customer with every note, unquoted:
//
//   - Smed reads an unquoted name as the longest known prefix of the words,
//     else as the first word alone (SPEC.md). A new unquoted name therefore
//     becomes its first word, so the first word alone has to be new each time
//     (a unique suffix on the last word would hit the same customer again).
//   - An unknown name that is a prefix of a known one, or a small edit away,
//     gets "did you mean" instead of a new customer: names of 4–7 runes allow
//     one edit, longer ones two (names.NearMiss). Brand words are exactly 7
//     letters and any two differ by at least two edits, so a new brand word is
//     never a near-miss of an earlier one, and with equal lengths never a prefix.
//
// The brand word is consonant-vowel-consonant-vowel-consonant-vowel-check
// ("Kavelut"). The check consonant is the sum of the other six letters' indices
// mod 17 (17 consonants, a prime): changing any one letter for another of its
// class changes the sum and so breaks the check, swapping two neighbours puts a
// vowel where a consonant belongs, and an insertion or deletion changes the
// length. So no single edit turns one brand word into another. Multi-word
// readings of a typed name ("Kavelut Møbler") are at least 5 runes longer than
// any known single brand word, further than the two edits allowed.
// TestBrandWordsNeverNearMiss checks all of this by brute force.

const (
	// 17 consonants (a prime, for the check letter). No g: with it a brand
	// word could contain "usage", which reads as an error reply.
	consonants = "bcdfhjklmnprstvwz"
	vowels     = "aeiouy"
	// brandSpace is how many brand words exist: 17³ · 6³.
	brandSpace = 17 * 17 * 17 * 6 * 6 * 6
	// brandStride spreads consecutive indices over the space (coprime with
	// 2, 3 and 17, so i ↦ i·stride mod space is a bijection) and keeps
	// neighbouring customers from sharing their first letters.
	brandStride = 7919
)

// brand is the i-th brand word of the sequence selected by seed, capitalised.
func brand(i, seed uint64) (string, error) {
	if i >= brandSpace {
		return "", fmt.Errorf("more than %d distinct customer names in one run", brandSpace)
	}
	j := (i*brandStride + seed*104729) % brandSpace
	var d [6]int
	for k := range 3 {
		d[k] = int(j % 17)
		j /= 17
	}
	for k := 3; k < 6; k++ {
		d[k] = int(j % 6)
		j /= 6
	}
	check := (d[0] + d[1] + d[2] + d[3] + d[4] + d[5]) % 17
	b := []byte{
		consonants[d[0]] - 'a' + 'A', vowels[d[3]],
		consonants[d[1]], vowels[d[4]],
		consonants[d[2]], vowels[d[5]],
		consonants[check],
	}
	return string(b), nil
}

// trades complete a brand word to a company name. None ends in punctuation,
// which Smed would not read as part of an unquoted name.
var trades = []string{
	"Møbler", "Fisk", "Byg", "Transport", "VVS", "Revision", "Bageri",
	"Tømrer", "Marine", "& Co", "Holding", "Gartneri", "Auto", "Design",
	"Consult", "Logistik", "Energi", "Data", "Maskiner", "Trælast", "Invest",
	"Bryggeri", "El-service", "Ejendomme",
}

// customerName is the i-th customer's full name.
func customerName(i, seed uint64) (string, error) {
	b, err := brand(i, seed)
	if err != nil {
		return "", err
	}
	return b + " " + trades[int(mix64(i+seed)%uint64(len(trades)))], nil
}

// Parts of a note, about 120 bytes once joined. No part contains a word that
// reads as an error reply (error, failed, invalid, unknown, usage, …), so a
// reply that echoes the note never looks like one.
var (
	openers = []string{"Called", "Met", "Visited", "Emailed", "Video call with", "Lunch with", "Phoned", "Quick chat with"}
	people  = []string{"Bo", "Søren", "Mette", "Åse", "Lars", "Bjørn", "Karin", "Jens", "Ingrid", "Mads", "Sofie", "Ole"}
	roles   = []string{"their buyer", "the CFO", "the new purchasing lead", "the owner", "the plant manager", "the head of IT"}
	topics  = []string{
		"about the renewal of the service agreement",
		"about the spring order",
		"about moving to the yearly plan",
		"about the late delivery in week 12",
		"about a second warehouse in Aarhus",
		"about prices for next year",
	}
	details = []string{
		"they want an updated price list before the board meets in March.",
		"next step is a visit at their office on Thursday.",
		"send the draft contract and the reference case by Friday.",
		"they compare us with two other suppliers, decision in May.",
		"happy with support so far, wants training for three new people.",
		"asked for samples of the new range and a quote for 40 units.",
	}
)

// noteText is the text of note n: "Called Bo, their buyer, about …; …".
func noteText(n uint64) string {
	h := mix64(n)
	pick := func(list []string) string {
		s := list[h%uint64(len(list))]
		h /= uint64(len(list))
		return s
	}
	var b strings.Builder
	b.Grow(140)
	b.WriteString(pick(openers))
	b.WriteByte(' ')
	b.WriteString(pick(people))
	b.WriteString(", ")
	b.WriteString(pick(roles))
	b.WriteString(", ")
	b.WriteString(pick(topics))
	b.WriteString("; ")
	b.WriteString(pick(details))
	return b.String()
}

// mix64 is a cheap bijective hash (SplitMix64's finaliser) for picking list
// entries without a shared random source.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
