package loyalty_test

import (
	"slices"
	"testing"
	"time"

	"github.com/smedhq/smed/loyalty"
)

func TestTrendOf(t *testing.T) {
	cph := mustLoc(t, "Europe/Copenhagen")
	snap := func(s string, var_ int64) loyalty.Snapshot {
		return loyalty.Snapshot{At: at(s), ValueAtRisk: var_, Customers: 10, Coverage: 0.8, ValueCoverage: 0.7, Buyers: 5, RepurchaseRate: 0.4}
	}
	current := loyalty.Snapshot{At: now, ValueAtRisk: 1_500, Customers: 12, Coverage: 0.9, ValueCoverage: 0.75, Buyers: 6, RepurchaseRate: 0.5}
	// Today is 1 Dec: a week ago is 24 Nov, a month ago 1 Nov.
	history := []loyalty.Snapshot{
		snap("2026-11-25 00:05", 5_000), // after the week's day
		snap("2026-11-24 00:05", 1_000),
		snap("2026-11-24 23:00", 1_100), // the latest of 24 Nov
		snap("2026-10-31 00:05", 3_000), // 1 Nov missing: 31 Oct stands for it
		snap("2026-10-20 00:05", 9_999),
	}
	// Coverage 0.9 − 0.8, value coverage 0.75 − 0.7, repurchase 0.5 − 0.4.
	changed := func(then loyalty.Snapshot, var_ int64) loyalty.Change {
		return loyalty.Change{Then: then, Found: true, ValueAtRisk: var_, Coverage: 0.1, ValueCoverage: 0.05, RepurchaseRate: 0.1}
	}
	tests := []struct {
		name    string
		history []loyalty.Snapshot
		loc     *time.Location
		want    loyalty.Trend
	}{
		{"no history", nil, nil, loyalty.Trend{}},
		// 1,500 − 1,100 = +400; 1,500 − 3,000 = −1,500.
		{"the latest snapshot on or before each day", history, nil, loyalty.Trend{
			Week:  changed(history[2], 400),
			Month: changed(history[3], -1_500),
		}},
		{"three days older still stands for the day", []loyalty.Snapshot{snap("2026-10-29 23:59", 2_000)}, nil, loyalty.Trend{
			Month: changed(snap("2026-10-29 23:59", 2_000), -500),
		}},
		{"four days older does not", []loyalty.Snapshot{snap("2026-10-28 23:59", 2_000)}, nil, loyalty.Trend{}},
		// 23:30 UTC on 24 Nov is 00:30 on 25 Nov in Copenhagen (CET, UTC+1).
		{"days are the team's: 24 Nov in UTC", []loyalty.Snapshot{snap("2026-11-24 23:30", 1_000)}, time.UTC, loyalty.Trend{
			Week: changed(snap("2026-11-24 23:30", 1_000), 500),
		}},
		{"days are the team's: 25 Nov in Copenhagen", []loyalty.Snapshot{snap("2026-11-24 23:30", 1_000)}, cph, loyalty.Trend{}},
		{"a rate without data on one side does not change", []loyalty.Snapshot{{At: at("2026-11-24 12:00"), ValueAtRisk: 0}}, nil, loyalty.Trend{
			Week: loyalty.Change{Then: loyalty.Snapshot{At: at("2026-11-24 12:00")}, Found: true, ValueAtRisk: 1_500},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(tt.history)
			if d := diff(tt.want, loyalty.TrendOf(current, tt.history, now, tt.loc)); d != "" {
				t.Errorf("TrendOf (-want +got):\n%s", d)
			}
			if d := diff(before, tt.history); d != "" {
				t.Errorf("input modified:\n%s", d)
			}
		})
	}
}
