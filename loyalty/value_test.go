package loyalty_test

import (
	"math"
	"slices"
	"testing"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/loyalty"
)

func TestLifetimeAndWorth(t *testing.T) {
	three := []loyalty.Deal{
		{At: at("2026-09-01 10:00"), Amount: 50_000},
		{At: at("2026-10-21 10:00"), Amount: 120_000}, // the last, though not last in the slice
		{At: at("2026-03-01 10:00"), Amount: 30_000},
	}
	tests := []struct {
		name      string
		potential int64
		deals     []loyalty.Deal
		want      loyalty.LifetimeValue
		worth     int64
	}{
		{"no deals: worth is the potential", 500_000, nil, loyalty.LifetimeValue{}, 500_000},
		{"no deals, no potential", 0, nil, loyalty.LifetimeValue{}, 0},
		// 50,000 + 120,000 + 30,000 = 200,000 < 500,000
		{"potential larger", 500_000, three, loyalty.LifetimeValue{Sum: 200_000, Count: 3, Last: at("2026-10-21 10:00")}, 500_000},
		{"deals larger", 100_000, three, loyalty.LifetimeValue{Sum: 200_000, Count: 3, Last: at("2026-10-21 10:00")}, 200_000},
		{"equal", 200_000, three, loyalty.LifetimeValue{Sum: 200_000, Count: 3, Last: at("2026-10-21 10:00")}, 200_000},
		{"a negative amount counts as 0", 0, []loyalty.Deal{{At: at("2026-10-01 10:00"), Amount: -5}, {At: at("2026-10-02 10:00"), Amount: 7}},
			loyalty.LifetimeValue{Sum: 7, Count: 2, Last: at("2026-10-02 10:00")}, 7},
		{"future deals count: lifetime has no as-of", 0, []loyalty.Deal{{At: at("2027-01-01 10:00"), Amount: 9}},
			loyalty.LifetimeValue{Sum: 9, Count: 1, Last: at("2027-01-01 10:00")}, 9},
		{"saturates", 0, []loyalty.Deal{{Amount: math.MaxInt64}, {Amount: 1}},
			loyalty.LifetimeValue{Sum: math.MaxInt64, Count: 2}, math.MaxInt64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(tt.deals)
			if d := diff(tt.want, loyalty.Lifetime(tt.deals)); d != "" {
				t.Errorf("Lifetime (-want +got):\n%s", d)
			}
			if got := loyalty.Worth(tt.potential, tt.deals); got != tt.worth {
				t.Errorf("Worth = %d, want %d", got, tt.worth)
			}
			c := loyalty.WithWorth(smed.Customer{ID: "c1", Value: tt.potential}, tt.deals)
			if c.Value != tt.worth || c.ID != "c1" {
				t.Errorf("WithWorth = %+v, want Value %d", c, tt.worth)
			}
			if d := diff(before, tt.deals); d != "" {
				t.Errorf("input modified:\n%s", d)
			}
		})
	}
}

func TestCompareValue(t *testing.T) {
	cs := []smed.Customer{
		{ID: "3", Name: "bolt", Value: 100},
		{ID: "2", Name: "Acme", Value: 100},
		{ID: "1", Name: "acme", Value: 100}, // same name, any case: by ID
		{ID: "4", Name: "Zeta", Value: 9_000},
		{ID: "5", Name: "Able", Value: 0},
	}
	slices.SortFunc(cs, loyalty.CompareValue)
	var got []string
	for _, c := range cs {
		got = append(got, c.ID)
	}
	if d := diff([]string{"4", "1", "2", "3", "5"}, got); d != "" {
		t.Errorf("order (-want +got):\n%s", d)
	}
}

func TestAsContacts(t *testing.T) {
	d := loyalty.Deal{At: at("2026-11-02 10:00"), Amount: 5, Author: "U1", Text: "renewal"}
	if d := diff(loyalty.Contact{At: at("2026-11-02 10:00"), Kind: loyalty.KindDeal, Author: "U1"}, d.Contact()); d != "" {
		t.Errorf("Deal.Contact (-want +got):\n%s", d)
	}
	n := smed.Note{Author: "U2", At: at("2026-11-03 10:00"), Text: "called", SavedBy: "U3"}
	if d := diff(loyalty.Contact{At: at("2026-11-03 10:00"), Kind: loyalty.KindNote, Author: "U2"}, loyalty.NoteContact(n)); d != "" {
		t.Errorf("NoteContact (-want +got):\n%s", d)
	}
}
