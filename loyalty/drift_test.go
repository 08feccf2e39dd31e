package loyalty_test

import (
	"testing"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/loyalty"
)

func TestDriftOf(t *testing.T) {
	// A customer with a 45-day cadence set by hand: not overdue at now for
	// any last contact after 16 Oct 09:00.
	cust := func(cs []loyalty.Contact, mod ...func(*smed.Customer)) smed.Customer {
		c := smed.Customer{ID: "c1", Name: "Acme", Value: 2_000_000, CadenceDays: 45, CadenceSet: true, CreatedAt: at("2026-01-01 09:00")}
		for _, x := range cs {
			if x.At.After(c.LastContactAt) && !x.At.After(now) {
				c.LastContactAt = x.At
			}
		}
		for _, f := range mod {
			f(&c)
		}
		return c
	}
	// The issue's example: contacts 20 Sep, 30 Sep, 12 Oct, 31 Oct; completed
	// gaps 10, 12, 19 (median 12, 1.5 × 12 = 18) and 31 days of silence since.
	issue := notes("2026-09-20 09:00", "2026-09-30 09:00", "2026-10-12 09:00", "2026-10-31 09:00")
	// Gaps 14, 14, 14 (median 14, 1.5 × 14 = 21) ending 20 Oct (+21 days = 10 Nov).
	even := notes("2026-09-08 09:00", "2026-09-22 09:00", "2026-10-06 09:00", "2026-10-20 09:00")
	// Gaps 20, 10, 12 (median 12, 1.5 × 12 = 18) ending 1 Nov.
	uneven := notes("2026-09-10 09:00", "2026-09-30 09:00", "2026-10-10 09:00", "2026-10-22 09:00")
	tests := []struct {
		name     string
		contacts []loyalty.Contact
		c        func([]loyalty.Contact) smed.Customer
		now      time.Time
		want     loyalty.Drift
	}{
		{"the issue's example: gaps 12 → 19 → 31 days", issue, nil, now,
			loyalty.Drift{State: loyalty.StateDrifting, Gaps: []int{12, 19, 31}, Median: 12, Longer: true, Growing: true}},
		{"same-day contacts do not make a gap of 0", append(notes("2026-10-31 16:00", "2026-09-30 11:00"), issue...), nil, now,
			loyalty.Drift{State: loyalty.StateDrifting, Gaps: []int{12, 19, 31}, Median: 12, Longer: true, Growing: true}},
		// 20 Oct → 11 Nov is 22 > 21; the gaps 14, 14, 22 do not each grow.
		{"past 1.5 × median only", even, nil, at("2026-11-11 09:00"),
			loyalty.Drift{State: loyalty.StateDrifting, Gaps: []int{14, 14, 22}, Median: 14, Longer: true}},
		{"exactly 1.5 × median is not past it", even, nil, at("2026-11-10 09:00"),
			loyalty.Drift{State: loyalty.StateSteady, Gaps: []int{14, 14, 21}, Median: 14}},
		{"exactly 1.5 × median, late in the day: days are calendar days", even, nil, at("2026-11-10 23:59"),
			loyalty.Drift{State: loyalty.StateSteady, Gaps: []int{14, 14, 21}, Median: 14}},
		// 22 Oct → 4 Nov is 13: not past 18, but 10 < 12 < 13.
		{"the last three gaps each grew", uneven, nil, at("2026-11-04 09:00"),
			loyalty.Drift{State: loyalty.StateDrifting, Gaps: []int{10, 12, 13}, Median: 12, Growing: true}},
		{"a gap as long as the one before did not grow", uneven, nil, at("2026-11-03 09:00"),
			loyalty.Drift{State: loyalty.StateSteady, Gaps: []int{10, 12, 12}, Median: 12}},
		// A contact today closes the 31-day gap: gaps 10 12 19 31, median 15.5,
		// and the open gap is 0.
		{"a contact ends the drift", append(notes("2026-12-01 08:00"), issue...), nil, now,
			loyalty.Drift{State: loyalty.StateSteady, Gaps: []int{19, 31, 0}, Median: 15.5}},
		{"overdue is overdue, not drifting",
			issue, func(cs []loyalty.Contact) smed.Customer {
				return cust(cs, func(c *smed.Customer) { c.CadenceDays = 30 }) // due 30 Nov 09:00
			}, now,
			loyalty.Drift{State: loyalty.StateOverdue, Gaps: []int{12, 19, 31}, Median: 12, Longer: true, Growing: true}},
		{"exactly at due is not overdue yet, so it can drift",
			issue, func(cs []loyalty.Contact) smed.Customer {
				return cust(cs, func(c *smed.Customer) { c.CadenceDays = 31 }) // due 1 Dec 09:00 = now
			}, now,
			loyalty.Drift{State: loyalty.StateDrifting, Gaps: []int{12, 19, 31}, Median: 12, Longer: true, Growing: true}},
		{"snoozed: no reminder, no drift",
			issue, func(cs []loyalty.Contact) smed.Customer {
				return cust(cs, func(c *smed.Customer) { c.SnoozedUntil = at("2026-12-08 00:00") })
			}, now,
			loyalty.Drift{State: loyalty.StateSnoozed, Gaps: []int{12, 19, 31}, Median: 12, Longer: true, Growing: true}},
		{"a snooze that moved due past now is still a snooze, not overdue",
			issue, func(cs []loyalty.Contact) smed.Customer {
				return cust(cs, func(c *smed.Customer) { c.CadenceDays = 7; c.SnoozedUntil = at("2026-12-08 00:00") })
			}, now,
			loyalty.Drift{State: loyalty.StateSnoozed, Gaps: []int{12, 19, 31}, Median: 12, Longer: true, Growing: true}},
		{"three contact days are too little history, whatever the gaps", issue[1:], nil, now,
			loyalty.Drift{State: loyalty.StateTooLittle, Gaps: []int{12, 19, 31}, Growing: true}},
		{"one contact", notes("2026-10-31 09:00"), nil, now,
			loyalty.Drift{State: loyalty.StateTooLittle, Gaps: []int{31}}},
		{"never contacted", nil, func(cs []loyalty.Contact) smed.Customer {
			return cust(cs, func(c *smed.Customer) { c.CreatedAt = at("2026-11-20 09:00") })
		}, now, loyalty.Drift{State: loyalty.StateTooLittle}},
		{"never contacted and overdue since creation", nil, nil, now, loyalty.Drift{State: loyalty.StateOverdue}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cust(tt.contacts)
			if tt.c != nil {
				c = tt.c(tt.contacts)
			}
			if d := diff(tt.want, loyalty.DriftOf(c, tt.contacts, tt.now, time.UTC)); d != "" {
				t.Errorf("DriftOf (-want +got):\n%s", d)
			}
		})
	}
}
