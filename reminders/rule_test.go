package reminders

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smedhq/smed"
)

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestOverdueRule(t *testing.T) {
	now := mustTime(t, "2026-11-23T09:00:00Z")
	created := mustTime(t, "2026-01-01T00:00:00Z")
	cust := func(id string, value int64, cadence int, last string) smed.Customer {
		c := smed.Customer{ID: id, Name: id, Owner: "U1", Value: value, CadenceDays: cadence, CreatedAt: created}
		if last != "" {
			c.LastContactAt = mustTime(t, last)
		}
		return c
	}
	snoozed := func(c smed.Customer, until string) smed.Customer {
		c.SnoozedUntil = mustTime(t, until)
		return c
	}
	tests := []struct {
		name string
		cs   []smed.Customer
		want []string // IDs, most urgent first
	}{
		{"on time", []smed.Customer{cust("a", 100, 30, "2026-11-01T09:00:00Z")}, nil},
		{"exactly at due is not overdue", []smed.Customer{cust("a", 100, 30, "2026-10-24T09:00:00Z")}, nil},
		{"one second over", []smed.Customer{cust("a", 100, 30, "2026-10-24T08:59:59Z")}, []string{"a"}},
		{"a day over", []smed.Customer{cust("a", 100, 30, "2026-10-23T09:00:00Z")}, []string{"a"}},
		{"snoozed", []smed.Customer{snoozed(cust("a", 100, 30, "2026-01-01T09:00:00Z"), "2026-11-30T00:00:00Z")}, nil},
		{"snooze ends exactly now", []smed.Customer{snoozed(cust("a", 100, 30, "2026-01-01T09:00:00Z"), "2026-11-23T09:00:00Z")}, nil},
		{"snooze expired", []smed.Customer{snoozed(cust("a", 100, 30, "2026-01-01T09:00:00Z"), "2026-11-22T09:00:00Z")}, []string{"a"}},
		{"never contacted counts from creation", []smed.Customer{cust("a", 100, 30, "")}, []string{"a"}},
		{"never contacted, created recently", []smed.Customer{{ID: "a", Value: 1, CadenceDays: 30, CreatedAt: mustTime(t, "2026-11-01T00:00:00Z")}}, nil},
		{"higher value first", []smed.Customer{
			cust("small", 100, 7, "2026-01-01T09:00:00Z"),
			cust("big", 5000, 30, "2026-10-20T09:00:00Z"),
		}, []string{"big", "small"}},
		{"value tie broken by overdue relative to cadence", []smed.Customer{
			// 10 days over a 30-day cadence (0.33) vs 5 days over a 7-day cadence (0.71)
			cust("monthly", 1000, 30, "2026-10-14T09:00:00Z"),
			cust("weekly", 1000, 7, "2026-11-11T09:00:00Z"),
		}, []string{"weekly", "monthly"}},
		{"full tie broken by name", []smed.Customer{
			cust("b", 1000, 7, "2026-11-11T09:00:00Z"),
			cust("a", 1000, 7, "2026-11-11T09:00:00Z"),
		}, []string{"a", "b"}},
		{"zero value still overdue, ranked last", []smed.Customer{
			cust("zero", 0, 1, "2025-01-01T09:00:00Z"),
			cust("one", 1, 30, "2026-10-20T09:00:00Z"),
		}, []string{"one", "zero"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range Overdue(tt.cs, now) {
				got = append(got, c.ID)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Overdue IDs (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRankMatchesOverdue(t *testing.T) {
	now := mustTime(t, "2026-11-23T09:00:00Z")
	cards := []smed.Card{
		{Customer: smed.Customer{ID: "c", Name: "C", Value: 10, CadenceDays: 7, LastContactAt: mustTime(t, "2026-10-01T00:00:00Z")}},
		{Customer: smed.Customer{ID: "a", Name: "A", Value: 99, CadenceDays: 7, LastContactAt: mustTime(t, "2026-11-01T00:00:00Z")}},
		{Customer: smed.Customer{ID: "b", Name: "B", Value: 10, CadenceDays: 7, LastContactAt: mustTime(t, "2026-11-01T00:00:00Z")}},
	}
	Rank(cards, now)
	var got []string
	for _, c := range cards {
		got = append(got, c.ID)
	}
	if diff := cmp.Diff([]string{"a", "c", "b"}, got); diff != "" {
		t.Errorf("Rank (-want +got):\n%s", diff)
	}
}

func TestNewItem(t *testing.T) {
	now := mustTime(t, "2026-11-23T09:00:00Z")
	tests := []struct {
		name string
		c    smed.Customer
		want Item
	}{
		{"contacted", smed.Customer{CadenceDays: 30, LastContactAt: mustTime(t, "2026-10-13T10:00:00Z")},
			Item{DaysSince: 40, OverdueDays: 10}},
		{"never", smed.Customer{CadenceDays: 30, CreatedAt: mustTime(t, "2026-09-01T00:00:00Z")},
			Item{DaysSince: 83, Never: true, OverdueDays: 53}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newItem(smed.Card{Customer: tt.c}, now)
			got.Card = smed.Card{}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("newItem (-want +got):\n%s", diff)
			}
		})
	}
}

// The reminder period is the calendar day in reminders.timezone, also on the
// nights the clocks change, and cadences count 24-hour days across them.
func TestDayKeyAcrossDST(t *testing.T) {
	cph := mustLoc(t, "Europe/Copenhagen")
	tests := []struct {
		now  string
		want string
	}{
		{"2026-03-28T23:30:00Z", "2026-03-29"}, // 00:30 CET on spring-forward day
		{"2026-03-29T00:59:59Z", "2026-03-29"}, // 01:59:59 CET, just before the jump
		{"2026-03-29T01:00:00Z", "2026-03-29"}, // 03:00 CEST
		{"2026-03-29T21:59:59Z", "2026-03-29"}, // 23:59:59 CEST: a 23-hour day
		{"2026-03-29T22:00:00Z", "2026-03-30"},
		{"2026-10-24T22:00:00Z", "2026-10-25"}, // 00:00 CEST, fall-back day
		{"2026-10-25T22:59:59Z", "2026-10-25"}, // 23:59:59 CET: a 25-hour day
		{"2026-10-25T23:00:00Z", "2026-10-26"},
	}
	for _, tt := range tests {
		if got := dayKey(mustTime(t, tt.now), cph); got != tt.want {
			t.Errorf("dayKey(%s) = %s, want %s", tt.now, got, tt.want)
		}
	}
	// 30 days from 09:00 CET is 10:00 CEST: cadences are 24-hour days.
	c := smed.Customer{CadenceDays: 30, LastContactAt: time.Date(2026, 3, 1, 9, 0, 0, 0, cph)}
	if c.OverdueAt(time.Date(2026, 3, 31, 9, 30, 0, 0, cph)) {
		t.Error("overdue at 09:30 CEST, want due at 10:00 CEST")
	}
	if !c.OverdueAt(time.Date(2026, 3, 31, 10, 0, 1, 0, cph)) {
		t.Error("not overdue at 10:00:01 CEST")
	}
}
