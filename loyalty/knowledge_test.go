package loyalty_test

import (
	"testing"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/loyalty"
)

// by returns n notes by author, a day apart from start.
func by(author string, n int, start string) []loyalty.Contact {
	var cs []loyalty.Contact
	for i := range n {
		cs = append(cs, loyalty.Contact{At: at(start).AddDate(0, 0, i), Kind: loyalty.KindNote, Author: author})
	}
	return cs
}

func join(lists ...[]loyalty.Contact) []loyalty.Contact {
	var out []loyalty.Contact
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

func TestKnowledgeOf(t *testing.T) {
	// The window is [4 Jun 09:00, 1 Dec 09:00]: 180 × 24 h before now.
	tests := []struct {
		name  string
		cs    []loyalty.Contact
		want  loyalty.Knowledge
		rests bool
	}{
		{"no notes", nil, loyalty.Knowledge{}, false},
		{"four of four: too few notes", by("U1", 4, "2026-11-01 10:00"), loyalty.Knowledge{Notes: 4, Author: "U1", ByAuthor: 4, Share: 1}, false},
		{"exactly 80 %: four of five", join(by("U1", 4, "2026-11-01 10:00"), by("U2", 1, "2026-11-10 10:00")),
			loyalty.Knowledge{Notes: 5, Author: "U1", ByAuthor: 4, Share: 0.8}, true},
		{"eight of ten", join(by("U2", 8, "2026-10-01 10:00"), by("U1", 2, "2026-10-20 10:00")),
			loyalty.Knowledge{Notes: 10, Author: "U2", ByAuthor: 8, Share: 0.8}, true},
		// 7 / 9 = 77.8 %
		{"seven of nine is under 80 %", join(by("U1", 7, "2026-10-01 10:00"), by("U2", 2, "2026-10-20 10:00")),
			loyalty.Knowledge{Notes: 9, Author: "U1", ByAuthor: 7, Share: 7.0 / 9}, false},
		{"a note exactly 180 days old counts", join(by("U1", 4, "2026-11-01 10:00"), by("U2", 1, "2026-06-04 09:00")),
			loyalty.Knowledge{Notes: 5, Author: "U1", ByAuthor: 4, Share: 0.8}, true},
		{"a minute older does not", join(by("U1", 4, "2026-11-01 10:00"), by("U2", 1, "2026-06-04 08:59")),
			loyalty.Knowledge{Notes: 4, Author: "U1", ByAuthor: 4, Share: 1}, false},
		{"future notes do not count", join(by("U1", 4, "2026-11-01 10:00"), by("U1", 3, "2026-12-01 09:01")),
			loyalty.Knowledge{Notes: 4, Author: "U1", ByAuthor: 4, Share: 1}, false},
		{"deals and touches are not notes", join(by("U1", 5, "2026-11-01 10:00"), []loyalty.Contact{
			{At: at("2026-11-02 10:00"), Kind: loyalty.KindDeal, Author: "U2"},
			{At: at("2026-11-02 10:00"), Kind: loyalty.KindTouch, Side: loyalty.SideTeam, Author: "U2"},
			{At: at("2026-11-03 10:00"), Kind: loyalty.KindTouch, Side: loyalty.SideCustomer, Author: "W1"},
		}), loyalty.Knowledge{Notes: 5, Author: "U1", ByAuthor: 5, Share: 1}, true},
		{"imported notes count for nobody", join(by("U1", 4, "2026-11-01 10:00"), by("", 1, "2026-10-01 00:00")),
			loyalty.Knowledge{Notes: 5, Author: "U1", ByAuthor: 4, Share: 0.8}, true},
		{"only imported notes rest on nobody", by("", 6, "2026-10-01 00:00"), loyalty.Knowledge{Notes: 6}, false},
		{"a tie goes to the smaller ID", join(by("U2", 3, "2026-11-01 10:00"), by("U1", 3, "2026-11-10 10:00")),
			loyalty.Knowledge{Notes: 6, Author: "U1", ByAuthor: 3, Share: 0.5}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := loyalty.KnowledgeOf(tt.cs, now)
			if d := diff(tt.want, got); d != "" {
				t.Errorf("KnowledgeOf (-want +got):\n%s", d)
			}
			if got.RestsOnOne() != tt.rests {
				t.Errorf("RestsOnOne = %v, want %v", got.RestsOnOne(), tt.rests)
			}
		})
	}
}

func TestKnowledgeRisks(t *testing.T) {
	c := func(id, name string, value int64) smed.Customer {
		return smed.Customer{ID: id, Name: name, Value: value}
	}
	all := by("U1", 5, "2026-11-01 10:00")                                           // 100 %
	most := join(by("U1", 4, "2026-11-01 10:00"), by("U2", 1, "2026-11-20 10:00"))   // 80 %
	shared := join(by("U1", 3, "2026-11-01 10:00"), by("U2", 2, "2026-11-20 10:00")) // 60 %
	customers := []smed.Customer{
		c("a", "Acme", 1_000), c("b", "Bolt", 5_000), c("c", "Cogs", 9_000),
		c("d", "Aardvark", 1_000), c("e", "Able", 1_000), c("f", "Fjord", 20_000),
	}
	notes := map[string][]loyalty.Contact{"a": all, "b": most, "c": shared, "d": most, "e": all}
	// f has no notes at all. Cogs is the most valuable with notes, but its
	// knowledge is shared. Among the 1,000s: higher share first, then name.
	want := []loyalty.KnowledgeRisk{
		{Customer: c("b", "Bolt", 5_000), Knowledge: loyalty.Knowledge{Notes: 5, Author: "U1", ByAuthor: 4, Share: 0.8}},
		{Customer: c("e", "Able", 1_000), Knowledge: loyalty.Knowledge{Notes: 5, Author: "U1", ByAuthor: 5, Share: 1}},
		{Customer: c("a", "Acme", 1_000), Knowledge: loyalty.Knowledge{Notes: 5, Author: "U1", ByAuthor: 5, Share: 1}},
		{Customer: c("d", "Aardvark", 1_000), Knowledge: loyalty.Knowledge{Notes: 5, Author: "U1", ByAuthor: 4, Share: 0.8}},
	}
	if d := diff(want, loyalty.KnowledgeRisks(customers, notes, now)); d != "" {
		t.Errorf("KnowledgeRisks (-want +got):\n%s", d)
	}
	if got := loyalty.KnowledgeRisks(nil, nil, now); len(got) != 0 {
		t.Errorf("KnowledgeRisks of nothing = %v", got)
	}
}
