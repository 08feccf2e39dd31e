package loyalty

import (
	"cmp"
	"slices"
	"time"

	"github.com/smedhq/smed"
)

// KnowledgeWindow is how far back notes count for who holds a customer's
// knowledge: 180 days, inclusive (a note exactly 180 × 24 h old counts).
const KnowledgeWindow = 180 * smed.Day

// MinNotes is how many notes in the window it takes before knowledge can be
// said to rest on one person: with fewer, one busy week would decide.
const MinNotes = 5

// Knowledge is who wrote a customer's recent notes.
type Knowledge struct {
	Notes    int     // notes in the window, by anyone (imports included)
	Author   string  // who wrote the most of them; "" when nobody known did
	ByAuthor int     // how many Author wrote
	Share    float64 // ByAuthor / Notes; 0 when no notes
}

// RestsOnOne reports whether the customer's knowledge rests on one person:
// at least MinNotes notes, and one author wrote at least 80 % of them
// (exactly 80 % counts: 4 of 5).
func (k Knowledge) RestsOnOne() bool {
	return k.Notes >= MinNotes && k.Author != "" && 5*k.ByAuthor >= 4*k.Notes
}

// KnowledgeOf looks at the notes (contacts of KindNote; deals and touches
// are not knowledge kept for the team) dated in [now − KnowledgeWindow, now].
// A note without an author (an import) counts towards Notes but for nobody:
// what came from a file is already the company's. Among authors with equally
// many notes the smallest ID is Author, so the answer does not depend on the
// order of the input.
func KnowledgeOf(contacts []Contact, now time.Time) Knowledge {
	var k Knowledge
	by := map[string]int{}
	for _, c := range contacts {
		if c.Kind != KindNote || !within(c.At, now.Add(-KnowledgeWindow), now) {
			continue
		}
		k.Notes++
		if c.Author != "" {
			by[c.Author]++
		}
	}
	for a, n := range by {
		if n > k.ByAuthor || n == k.ByAuthor && a < k.Author {
			k.Author, k.ByAuthor = a, n
		}
	}
	if k.Notes > 0 {
		k.Share = float64(k.ByAuthor) / float64(k.Notes)
	}
	return k
}

// KnowledgeRisk is a customer whose knowledge rests on one person: an
// account the company would lose with that person.
type KnowledgeRisk struct {
	Customer  smed.Customer
	Knowledge Knowledge
}

// KnowledgeRisks lists the customers whose knowledge rests on one person
// (Knowledge.RestsOnOne at now), valuable first (CompareValue: pass
// customers through WithWorth to rank by worth), and among equally valuable
// ones the higher share first. notes holds each customer's contacts by
// customer ID (only its notes are read). Callers cut the list to what they
// show.
func KnowledgeRisks(customers []smed.Customer, notes map[string][]Contact, now time.Time) []KnowledgeRisk {
	var out []KnowledgeRisk
	for _, c := range customers {
		if k := KnowledgeOf(notes[c.ID], now); k.RestsOnOne() {
			out = append(out, KnowledgeRisk{Customer: c, Knowledge: k})
		}
	}
	slices.SortFunc(out, func(a, b KnowledgeRisk) int {
		if c := cmp.Compare(b.Customer.Value, a.Customer.Value); c != 0 {
			return c
		}
		if c := cmp.Compare(b.Knowledge.Share, a.Knowledge.Share); c != 0 {
			return c
		}
		return CompareValue(a.Customer, b.Customer)
	})
	return out
}
