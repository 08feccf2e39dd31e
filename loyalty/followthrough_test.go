package loyalty_test

import (
	"slices"
	"testing"
	"time"

	"github.com/smedhq/smed/loyalty"
)

func TestClassify(t *testing.T) {
	listed := now // the reminder went out 1 Dec 09:00; the window closes 4 Dec 09:00
	note := func(s, author string) loyalty.Contact {
		return loyalty.Contact{At: at(s), Kind: loyalty.KindNote, Author: author}
	}
	touch := func(s string, side loyalty.Side) loyalty.Contact {
		return loyalty.Contact{At: at(s), Kind: loyalty.KindTouch, Side: side, Author: "X"}
	}
	tests := []struct {
		name     string
		contacts []loyalty.Contact
		snoozes  []string
		now      string
		want     loyalty.Outcome
	}{
		{"contacted the next day: known at once", []loyalty.Contact{note("2026-12-02 10:00", "U1")}, nil, "2026-12-02 10:00", loyalty.OutcomeContacted},
		{"nothing yet, window open", nil, nil, "2026-12-03 09:00", loyalty.OutcomePending},
		{"nothing, window closes exactly now: still open", nil, nil, "2026-12-04 09:00", loyalty.OutcomePending},
		{"nothing, window closed", nil, nil, "2026-12-04 09:01", loyalty.OutcomeIgnored},
		{"contact exactly 3 days later counts", []loyalty.Contact{note("2026-12-04 09:00", "U1")}, nil, "2026-12-10 09:00", loyalty.OutcomeContacted},
		{"a minute later does not", []loyalty.Contact{note("2026-12-04 09:01", "U1")}, nil, "2026-12-10 09:00", loyalty.OutcomeIgnored},
		{"contact at the listing itself counts", []loyalty.Contact{note("2026-12-01 09:00", "U1")}, nil, "2026-12-10 09:00", loyalty.OutcomeContacted},
		{"contact before the listing does not", []loyalty.Contact{note("2026-11-30 17:00", "U1")}, nil, "2026-12-10 09:00", loyalty.OutcomeIgnored},
		{"anyone on the team will do", []loyalty.Contact{note("2026-12-02 10:00", "U9")}, nil, "2026-12-10 09:00", loyalty.OutcomeContacted},
		{"a deal is contact", []loyalty.Contact{{At: at("2026-12-03 10:00"), Kind: loyalty.KindDeal}}, nil, "2026-12-10 09:00", loyalty.OutcomeContacted},
		{"a team message in a linked channel is contact", []loyalty.Contact{touch("2026-12-03 10:00", loyalty.SideTeam)}, nil, "2026-12-10 09:00", loyalty.OutcomeContacted},
		{"the customer writing is not the team following through", []loyalty.Contact{touch("2026-12-03 10:00", loyalty.SideCustomer)}, nil, "2026-12-10 09:00", loyalty.OutcomeIgnored},
		{"snoozed, window open: a contact may still come", nil, []string{"2026-12-01 09:05"}, "2026-12-02 09:00", loyalty.OutcomePending},
		{"snoozed, window closed", nil, []string{"2026-12-01 09:05"}, "2026-12-05 09:00", loyalty.OutcomeSnoozed},
		{"snoozed exactly 3 days later", nil, []string{"2026-12-04 09:00"}, "2026-12-05 09:00", loyalty.OutcomeSnoozed},
		{"snoozed before the listing is no answer to it", nil, []string{"2026-11-30 09:00"}, "2026-12-05 09:00", loyalty.OutcomeIgnored},
		{"contact beats a snooze", []loyalty.Contact{note("2026-12-03 10:00", "U1")}, []string{"2026-12-01 09:05"}, "2026-12-05 09:00", loyalty.OutcomeContacted},
		{"a contact dated after now is not seen yet", []loyalty.Contact{note("2026-12-03 10:00", "U1")}, nil, "2026-12-02 09:00", loyalty.OutcomePending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var snoozes []time.Time
			for _, s := range tt.snoozes {
				snoozes = append(snoozes, at(s))
			}
			if got := loyalty.Classify(listed, tt.contacts, snoozes, at(tt.now)); got != tt.want {
				t.Errorf("Classify = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestIgnoredInARow(t *testing.T) {
	const (
		c = loyalty.OutcomeContacted
		s = loyalty.OutcomeSnoozed
		i = loyalty.OutcomeIgnored
		p = loyalty.OutcomePending
	)
	var ls []loyalty.Listing
	add := func(id string, outcomes ...loyalty.Outcome) {
		for n, o := range outcomes {
			ls = append(ls, loyalty.Listing{Owner: "U1", CustomerID: id, At: at("2026-11-01 09:00").AddDate(0, 0, n), Outcome: o})
		}
	}
	add("three", i, i, i)
	add("answered", i, i, c)
	add("two", c, i, i)
	add("snooze ends it", i, s, i)
	add("pending skipped", i, i, i, p)
	add("unset is pending", i, i, i, "")
	add("only pending", p, p)
	add("four", c, i, i, i, i)
	// Out of order: contacted on 1 Nov, ignored on 2 and 3 Nov.
	ls = append(ls,
		loyalty.Listing{CustomerID: "shuffled", At: at("2026-11-03 09:00"), Outcome: i},
		loyalty.Listing{CustomerID: "shuffled", At: at("2026-11-01 09:00"), Outcome: c},
		loyalty.Listing{CustomerID: "shuffled", At: at("2026-11-02 09:00"), Outcome: i},
	)
	before := slices.Clone(ls)
	want := map[string]int{"three": 3, "two": 2, "snooze ends it": 1, "pending skipped": 3, "unset is pending": 3, "four": 4, "shuffled": 2}
	if d := diff(want, loyalty.IgnoredInARow(ls)); d != "" {
		t.Errorf("IgnoredInARow (-want +got):\n%s", d)
	}
	if d := diff(before, ls); d != "" {
		t.Errorf("input modified:\n%s", d)
	}
	if got := loyalty.IgnoredInARow(nil); len(got) != 0 {
		t.Errorf("IgnoredInARow(nil) = %v", got)
	}
}

func TestFollowThroughRates(t *testing.T) {
	l := func(owner string, o loyalty.Outcome) loyalty.Listing {
		return loyalty.Listing{Owner: owner, CustomerID: "x", At: now, Outcome: o}
	}
	tests := []struct {
		name     string
		listings []loyalty.Listing
		want     []loyalty.FollowThrough
	}{
		{"nothing", nil, []loyalty.FollowThrough{}},
		// U1: 3 contacted, 1 ignored: 3 / (3 + 1) = 75 %; the 2 snoozes and 1
		// pending count only as listed.
		{"snoozes and pending count neither way", []loyalty.Listing{
			l("U1", loyalty.OutcomeContacted), l("U1", loyalty.OutcomeSnoozed), l("U1", loyalty.OutcomeContacted),
			l("U1", loyalty.OutcomeIgnored), l("U1", loyalty.OutcomePending), l("U1", loyalty.OutcomeSnoozed),
			l("U1", loyalty.OutcomeContacted),
		}, []loyalty.FollowThrough{{Owner: "U1", Listed: 7, Contacted: 3, Snoozed: 2, Ignored: 1, Rate: 0.75, OK: true}}},
		{"by owner, sorted", []loyalty.Listing{
			l("U2", loyalty.OutcomeSnoozed), l("U3", ""), l("U1", loyalty.OutcomeIgnored), l("U2", loyalty.OutcomeSnoozed),
			l("U4", loyalty.OutcomeContacted),
		}, []loyalty.FollowThrough{
			{Owner: "U1", Listed: 1, Ignored: 1, Rate: 0, OK: true},
			{Owner: "U2", Listed: 2, Snoozed: 2}, // only snoozes: no rate
			{Owner: "U3", Listed: 1},             // only pending: no rate
			{Owner: "U4", Listed: 1, Contacted: 1, Rate: 1, OK: true},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := diff(tt.want, loyalty.FollowThroughRates(tt.listings)); d != "" {
				t.Errorf("FollowThroughRates (-want +got):\n%s", d)
			}
		})
	}
}
