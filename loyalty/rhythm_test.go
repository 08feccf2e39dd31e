package loyalty_test

import (
	"slices"
	"testing"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/loyalty"
)

func notes(times ...string) []loyalty.Contact {
	var cs []loyalty.Contact
	for _, s := range times {
		cs = append(cs, loyalty.Contact{At: at(s), Kind: loyalty.KindNote, Author: "U1"})
	}
	return cs
}

func TestContactRhythm(t *testing.T) {
	cph := mustLoc(t, "Europe/Copenhagen")
	syd := mustLoc(t, "Australia/Sydney")
	// Four contact days: gaps 14 (1→15 Oct), 17 (15 Oct→1 Nov), 19 (1→20 Nov);
	// median 17; 20 Nov → 1 Dec is 11 days.
	four := notes("2026-10-01 09:00", "2026-10-15 09:00", "2026-11-01 09:00", "2026-11-20 09:00")
	mixed := append(notes("2026-10-15 09:00", "2026-11-01 09:00", "2026-11-01 17:30"),
		loyalty.Contact{At: at("2026-10-01 09:00"), Kind: loyalty.KindNote, Author: "U1"},
		loyalty.Contact{At: at("2026-10-01 15:00"), Kind: loyalty.KindDeal, Author: "U2"},
		loyalty.Contact{At: at("2026-10-01 16:00"), Kind: loyalty.KindTouch, Side: loyalty.SideCustomer, Author: "W9"},
		loyalty.Contact{At: at("2026-11-20 09:00"), Kind: loyalty.KindTouch, Side: loyalty.SideTeam, Author: "U3"},
	)
	tests := []struct {
		name     string
		contacts []loyalty.Contact
		now      time.Time
		loc      *time.Location
		want     loyalty.Rhythm
		known    bool
	}{
		{"no contacts", nil, now, nil, loyalty.Rhythm{}, false},
		{"one contact: no gap, 30 days since", notes("2026-11-01 09:00"), now, nil,
			loyalty.Rhythm{Last: at("2026-11-01 09:00"), Since: 30, Count: 1}, false},
		{"three contact days: gaps, but not known", notes("2026-09-30 09:00", "2026-10-12 09:00", "2026-10-31 09:00"), now, nil,
			loyalty.Rhythm{Gaps: []int{12, 19}, Last: at("2026-10-31 09:00"), Since: 31, Count: 3}, false},
		{"four contact days: known", four, now, nil,
			loyalty.Rhythm{Gaps: []int{14, 17, 19}, Median: 17, Days: 17, Last: at("2026-11-20 09:00"), Since: 11, Count: 4}, true},
		{"same-day contacts of any kind and side are one contact day", mixed, now, nil,
			loyalty.Rhythm{Gaps: []int{14, 17, 19}, Median: 17, Days: 17, Last: at("2026-11-20 09:00"), Since: 11, Count: 4}, true},
		{"input order does not matter", []loyalty.Contact{four[2], four[0], four[3], four[1]}, now, nil,
			loyalty.Rhythm{Gaps: []int{14, 17, 19}, Median: 17, Days: 17, Last: at("2026-11-20 09:00"), Since: 11, Count: 4}, true},
		{"contacts after now are ignored", append(notes("2026-12-01 09:01", "2026-12-24 09:00"), four...), now, nil,
			loyalty.Rhythm{Gaps: []int{14, 17, 19}, Median: 17, Days: 17, Last: at("2026-11-20 09:00"), Since: 11, Count: 4}, true},
		{"a contact exactly at now counts: since 0", append(notes("2026-12-01 09:00"), four...), now, nil,
			loyalty.Rhythm{Gaps: []int{14, 17, 19, 11}, Median: 15.5, Days: 16, Last: at("2026-12-01 09:00"), Count: 5}, true},
		// Gaps 10, 17, 18, 30: median (17+18)/2 = 17.5, shown as 18 (halves up).
		{"even number of gaps: mean of the middle two, rounded half up",
			notes("2026-08-01 09:00", "2026-08-11 09:00", "2026-08-28 09:00", "2026-09-15 09:00", "2026-10-15 09:00"),
			at("2026-10-20 09:00"), nil,
			loyalty.Rhythm{Gaps: []int{10, 17, 18, 30}, Median: 17.5, Days: 18, Last: at("2026-10-15 09:00"), Since: 5, Count: 5}, true},
		// Eleven contact days, gaps 40 40 10 10 10 10 20 20 20 20. Only the last
		// nine days (eight gaps) count: median of 10 10 10 10 20 20 20 20 is 15.
		// All ten gaps would give 20. 20 Jul → 1 Dec is 134 days.
		{"only the last nine contact days count",
			notes("2026-01-01 09:00", "2026-02-10 09:00", "2026-03-22 09:00", "2026-04-01 09:00", "2026-04-11 09:00", "2026-04-21 09:00",
				"2026-05-01 09:00", "2026-05-21 09:00", "2026-06-10 09:00", "2026-06-30 09:00", "2026-07-20 09:00"), now, nil,
			loyalty.Rhythm{Gaps: []int{10, 10, 10, 10, 20, 20, 20, 20}, Median: 15, Days: 15, Last: at("2026-07-20 09:00"), Since: 134, Count: 11}, true},
		// 21:30 and 22:30 UTC on 1 Oct are 23:30 on 1 Oct and 00:30 on 2 Oct in
		// Copenhagen (CEST, UTC+2).
		{"days are the team's: one day in UTC", notes("2026-10-01 21:30", "2026-10-01 22:30"), at("2026-10-05 09:00"), time.UTC,
			loyalty.Rhythm{Last: at("2026-10-01 22:30"), Since: 4, Count: 1}, false},
		{"days are the team's: two days in Copenhagen", notes("2026-10-01 21:30", "2026-10-01 22:30"), at("2026-10-05 09:00"), cph,
			loyalty.Rhythm{Gaps: []int{1}, Last: at("2026-10-01 22:30"), Since: 3, Count: 2}, false},
		// Copenhagen leaves summer time on 25 Oct 2026: 24 Oct 12:00 to 26 Oct
		// 12:00 local is 49 hours, and two calendar days.
		{"a DST night does not bend a gap", []loyalty.Contact{
			{At: atIn(cph, "2026-10-24 12:00"), Kind: loyalty.KindNote},
			{At: atIn(cph, "2026-10-26 12:00"), Kind: loyalty.KindNote},
		}, atIn(cph, "2026-10-26 18:00"), cph,
			loyalty.Rhythm{Gaps: []int{2}, Last: atIn(cph, "2026-10-26 12:00"), Count: 2}, false},
		// 08:00 on 1 Dec in Sydney (AEDT, UTC+11) is 21:00 UTC on 30 Nov; now is
		// 20:00 on 1 Dec there.
		{"since counts the team's days: Sydney", []loyalty.Contact{{At: atIn(syd, "2026-12-01 08:00"), Kind: loyalty.KindNote}}, now, syd,
			loyalty.Rhythm{Last: atIn(syd, "2026-12-01 08:00"), Count: 1}, false},
		{"since counts the team's days: the same instant in UTC", []loyalty.Contact{{At: atIn(syd, "2026-12-01 08:00"), Kind: loyalty.KindNote}}, now, nil,
			loyalty.Rhythm{Last: atIn(syd, "2026-12-01 08:00"), Since: 1, Count: 1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := slices.Clone(tt.contacts)
			got := loyalty.ContactRhythm(tt.contacts, tt.now, tt.loc)
			if d := diff(tt.want, got); d != "" {
				t.Errorf("ContactRhythm (-want +got):\n%s", d)
			}
			if got.Known() != tt.known {
				t.Errorf("Known = %v, want %v", got.Known(), tt.known)
			}
			if d := diff(before, tt.contacts); d != "" {
				t.Errorf("input modified:\n%s", d)
			}
		})
	}
}

func TestBuyingRhythm(t *testing.T) {
	deal := func(s string, amount int64) loyalty.Deal { return loyalty.Deal{At: at(s), Amount: amount} }
	// "usually orders every ~90 days; last order 130 days ago": orders 90
	// days apart (27 Oct → 25 Jan → 25 Apr → 24 Jul), 24 Jul → 1 Dec is 130.
	quarterly := []loyalty.Deal{
		deal("2026-07-24 10:00", 40_000), deal("2025-10-27 10:00", 40_000),
		deal("2026-04-25 10:00", 40_000), deal("2026-01-25 10:00", 40_000),
	}
	tests := []struct {
		name  string
		deals []loyalty.Deal
		want  loyalty.Rhythm
	}{
		{"no deals", nil, loyalty.Rhythm{}},
		{"usually every ~90 days, last order 130 days ago", quarterly,
			loyalty.Rhythm{Gaps: []int{90, 90, 90}, Median: 90, Days: 90, Last: at("2026-07-24 10:00"), Since: 130, Count: 4}},
		{"two deals on one day are one order", append(slices.Clone(quarterly), deal("2026-04-25 15:00", 5_000)),
			loyalty.Rhythm{Gaps: []int{90, 90, 90}, Median: 90, Days: 90, Last: at("2026-07-24 10:00"), Since: 130, Count: 4}},
		{"three orders: not known yet", []loyalty.Deal{quarterly[0], quarterly[2], quarterly[3]},
			loyalty.Rhythm{Gaps: []int{90, 90}, Last: at("2026-07-24 10:00"), Since: 130, Count: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := diff(tt.want, loyalty.BuyingRhythm(tt.deals, now, time.UTC)); d != "" {
				t.Errorf("BuyingRhythm (-want +got):\n%s", d)
			}
		})
	}
}

func TestCadenceFor(t *testing.T) {
	known := func(days int) loyalty.Rhythm {
		return loyalty.Rhythm{Gaps: []int{days, days, days}, Median: float64(days), Days: days, Count: 4}
	}
	unset := smed.Customer{CadenceDays: 30} // the team default
	set := smed.Customer{CadenceDays: 14, CadenceSet: true}
	bounds := loyalty.Bounds{Floor: 7, Ceiling: 90}
	tests := []struct {
		name string
		c    smed.Customer
		r    loyalty.Rhythm
		b    loyalty.Bounds
		want loyalty.Cadence
	}{
		{"learned: usually every ~18 days", unset, known(18), bounds, loyalty.Cadence{Days: 18, Source: loyalty.SourceLearned}},
		{"set always wins", set, known(18), bounds, loyalty.Cadence{Days: 14, Source: loyalty.SourceSet}},
		{"set wins without history too", set, loyalty.Rhythm{}, bounds, loyalty.Cadence{Days: 14, Source: loyalty.SourceSet}},
		{"a set cadence is not clamped", smed.Customer{CadenceDays: 2, CadenceSet: true}, known(18), bounds, loyalty.Cadence{Days: 2, Source: loyalty.SourceSet}},
		{"too little history: the default", unset, loyalty.Rhythm{Gaps: []int{5, 5}, Count: 3}, bounds, loyalty.Cadence{Days: 30, Source: loyalty.SourceDefault}},
		{"clamped to the floor", unset, known(3), bounds, loyalty.Cadence{Days: 7, Source: loyalty.SourceLearned}},
		{"exactly the floor", unset, known(7), bounds, loyalty.Cadence{Days: 7, Source: loyalty.SourceLearned}},
		{"clamped to the ceiling", unset, known(200), bounds, loyalty.Cadence{Days: 90, Source: loyalty.SourceLearned}},
		{"no bounds", unset, known(200), loyalty.Bounds{}, loyalty.Cadence{Days: 200, Source: loyalty.SourceLearned}},
		{"contacts on consecutive days, no floor", unset, known(1), loyalty.Bounds{}, loyalty.Cadence{Days: 1, Source: loyalty.SourceLearned}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := diff(tt.want, loyalty.CadenceFor(tt.c, tt.r, tt.b)); d != "" {
				t.Errorf("CadenceFor (-want +got):\n%s", d)
			}
		})
	}
}
