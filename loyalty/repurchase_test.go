package loyalty_test

import (
	"testing"
	"time"

	"github.com/smedhq/smed/loyalty"
)

func TestRepurchaseRate(t *testing.T) {
	cph := mustLoc(t, "Europe/Copenhagen")
	d := func(s string, amount int64) loyalty.Deal { return loyalty.Deal{At: at(s), Amount: amount} }
	// The window is [1 Dec 2025 09:00, 1 Dec 2026 09:00].
	team := map[string][]loyalty.Deal{
		"acme": {d("2026-09-01 10:00", 50_000), d("2026-03-01 10:00", 100_000)}, // returning, 150,000
		"bolt": {d("2026-06-01 10:00", 40_000)},                                 // one deal, 40,000
		"cogs": {d("2025-06-01 10:00", 999), d("2026-10-01 10:00", 10_000)},     // one in the window, 10,000
		"dune": {d("2026-05-05 09:00", 20_000), d("2026-05-05 15:00", 5_000)},   // one day: one purchase, 25,000
		"edge": {d("2025-12-01 09:00", 30_000), d("2026-11-30 10:00", 30_000)},  // exactly 365 days: returning, 60,000
		"gone": {d("2024-01-10 10:00", 70_000), d("2024-06-10 10:00", 70_000)},  // not in the window
		"next": {d("2026-12-01 09:01", 80_000), d("2026-11-02 10:00", 1_000)},   // the future deal is not counted
		"none": nil,
	}
	tests := []struct {
		name  string
		deals map[string][]loyalty.Deal
		loc   *time.Location
		want  loyalty.Repurchase
	}{
		{"no deals", nil, nil, loyalty.Repurchase{}},
		// Buyers acme bolt cogs dune edge next = 6; returning acme edge = 2.
		// Value 150,000 + 40,000 + 10,000 + 25,000 + 60,000 + 1,000 = 286,000.
		// Repeat deals: acme's 1 Sep (after 1 Mar) 50,000 and edge's 30 Nov
		// (after 1 Dec 2025, 364 days before) 30,000 = 80,000; cogs's 1 Oct
		// comes 487 days after its last order, dune's two are one day.
		{"a year of deals", team, nil, loyalty.Repurchase{
			Buyers: 6, Returning: 2, Rate: 2.0 / 6, Value: 286_000, RepeatValue: 80_000, ValueShare: 80_000.0 / 286_000,
		}},
		// The first deal is outside the window, so edge is one buyer, not
		// returning in it; its 30 Nov deal still repeats one within 365 days.
		{"a minute more than 365 days is outside", map[string][]loyalty.Deal{
			"edge": {d("2025-12-01 08:59", 30_000), d("2026-11-30 10:00", 30_000)},
		}, nil, loyalty.Repurchase{Buyers: 1, Value: 30_000, RepeatValue: 30_000, ValueShare: 1}},
		{"everyone returns", map[string][]loyalty.Deal{
			"acme": team["acme"], "edge": team["edge"],
		}, nil, loyalty.Repurchase{Buyers: 2, Returning: 2, Rate: 1, Value: 210_000, RepeatValue: 80_000, ValueShare: 80_000.0 / 210_000}},
		{"deals worth nothing: a rate, but no value share", map[string][]loyalty.Deal{
			"free": {d("2026-02-01 10:00", 0), d("2026-03-01 10:00", 0)},
		}, nil, loyalty.Repurchase{Buyers: 1, Returning: 1, Rate: 1}},
		// 21:30 and 22:30 UTC on 5 May are 23:30 and 00:30 (6 May) in Copenhagen.
		{"same day in UTC: one purchase", map[string][]loyalty.Deal{
			"late": {d("2026-05-05 21:30", 1_000), d("2026-05-05 22:30", 1_000)},
		}, time.UTC, loyalty.Repurchase{Buyers: 1, Value: 2_000}},
		{"two days in Copenhagen: returning", map[string][]loyalty.Deal{
			"late": {d("2026-05-05 21:30", 1_000), d("2026-05-05 22:30", 1_000)},
		}, cph, loyalty.Repurchase{Buyers: 1, Returning: 1, Rate: 1, Value: 2_000, RepeatValue: 1_000, ValueShare: 0.5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := diff(tt.want, loyalty.RepurchaseRate(tt.deals, now, tt.loc)); d != "" {
				t.Errorf("RepurchaseRate (-want +got):\n%s", d)
			}
		})
	}
}
