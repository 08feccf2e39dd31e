package reminders

import (
	"strings"
	"testing"
	"time"
)

func TestParseTimeOfDay(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want TimeOfDay
	}{
		{"09:00", TimeOfDay{9, 0}},
		{"9:00", TimeOfDay{9, 0}},
		{" 17:30 ", TimeOfDay{17, 30}},
		{"00:00", TimeOfDay{0, 0}},
		{"23:59", TimeOfDay{23, 59}},
	} {
		got, err := ParseTimeOfDay(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseTimeOfDay(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ in, wantErr string }{
		{"", "empty"},
		{"9", `"9" is not a time as HH:MM`},
		{"9am", "here 09:00"},
		{"5:30 pm", "here 17:30"},
		{"12am", "here 00:00"},
		{"12 PM", "here 12:00"},
		{"13pm", "is not a time as HH:MM"},
		{"25:00", "hour 25 is out of range (00 to 23)"},
		{"24:00", "hour 24 is out of range"},
		{"09:60", "minute 60 is out of range (00 to 59)"},
		{"09:00:00", "is not a time as HH:MM"},
		{"0900", "is not a time as HH:MM"},
		{"9.00", "is not a time as HH:MM"},
		{"09:5", "is not a time as HH:MM"},
		{"-1:00", "is not a time as HH:MM"},
		{"nine", "is not a time as HH:MM"},
	} {
		_, err := ParseTimeOfDay(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseTimeOfDay(%q) error = %v, want one with %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestParseDays(t *testing.T) {
	days := func(ds ...time.Weekday) Weekdays {
		var w Weekdays
		for _, d := range ds {
			w |= 1 << d
		}
		return w
	}
	sun, mon, tue, wed, thu, fri, sat := time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday
	for _, tt := range []struct {
		in   string
		want Weekdays
	}{
		{"mon-fri", DefaultDays},
		{"MON-FRI", DefaultDays},
		{"Mon - Fri", DefaultDays},
		{"mon–fri", DefaultDays}, // an en dash, as word processors write it
		{"weekdays", DefaultDays},
		{"mon,wed,fri", days(mon, wed, fri)},
		{"mon, wed, fri", days(mon, wed, fri)},
		{"mon wed fri", days(mon, wed, fri)},
		{"sun-thu", days(sun, mon, tue, wed, thu)},
		{"fri-mon", days(fri, sat, sun, mon)}, // wraps past Sunday
		{"sat-wed", days(sat, sun, mon, tue, wed)},
		{"daily", allDays},
		{"Every  Day", allDays},
		{"everyday", allDays},
		{"mon-fri,sat", days(mon, tue, wed, thu, fri, sat)},
		{"mon-fri, wed", DefaultDays}, // overlaps are harmless
		{"monday", days(mon)},
		{"tues,thurs", days(tue, thu)},
		{"man-fre", DefaultDays},
		{"Lørdag, søndag", days(sat, sun)},
		{"hverdage", DefaultDays},
		{"dagligt", allDays},
	} {
		got, err := ParseDays(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDays(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, tt := range []struct{ in, wantErr string }{
		{"", "empty"},
		{"  ", "empty"},
		{"mon-fxi", `"fxi" (in "mon-fxi") is not a day`},
		{"funday", `"funday" is not a day: use mon, tue`},
		{"1-5", `"1" (in "1-5") is a number: write day names`},
		{"mon-mon", `"mon-mon" runs from a day to itself: write mon for that day alone, or daily`},
		{"mon-", `"mon-": a range needs a day at both ends`},
		{"mon-wed-fri", `"mon-wed-fri": a range has two ends`},
		{",", "names no day"},
		{"weekend", `"weekend" is not a day`},
	} {
		_, err := ParseDays(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("ParseDays(%q) error = %v, want one with %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestWeekdaysString(t *testing.T) {
	for in, want := range map[string]string{
		"mon-fri": "mon-fri", "mon,wed,fri": "mon,wed,fri", "sun-thu": "sun-thu",
		"fri-mon": "fri-mon", "every day": "daily", "sat,sun": "sat,sun",
		"mon,tue,thu-sat": "mon,tue,thu-sat", "sun": "sun",
	} {
		w, err := ParseDays(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := w.String(); got != want {
			t.Errorf("ParseDays(%q).String() = %q, want %q", in, got, want)
		}
	}
	if got := Weekdays(0).String(); got != "none" {
		t.Errorf("empty set: %q", got)
	}
	// Every set reads back as itself.
	for w := Weekdays(1); w <= allDays; w++ {
		if back, err := ParseDays(w.String()); err != nil || back != w {
			t.Errorf("%07b: String %q parses to %07b, %v", w, w.String(), back, err)
		}
	}
}

func TestLocalDue(t *testing.T) {
	cph := mustLoc(t, "Europe/Copenhagen")
	ny := mustLoc(t, "America/New_York")
	syd := mustLoc(t, "Australia/Sydney")
	nine := TimeOfDay{9, 0}
	half2 := TimeOfDay{2, 30}
	sunThu, _ := ParseDays("sun-thu")
	tests := []struct {
		name     string
		now      string // RFC 3339
		loc      *time.Location
		at       TimeOfDay
		days     Weekdays
		wantDate string
		wantAt   string // sendAt, RFC 3339 in UTC
		wantDue  bool
	}{
		{"a second before", "2026-11-23T08:59:59+01:00", cph, nine, DefaultDays, "2026-11-23", "2026-11-23T08:00:00Z", false},
		{"on the minute", "2026-11-23T09:00:00+01:00", cph, nine, DefaultDays, "2026-11-23", "2026-11-23T08:00:00Z", true},
		{"late the same day", "2026-11-23T23:59:00+01:00", cph, nine, DefaultDays, "2026-11-23", "2026-11-23T08:00:00Z", true},
		{"next day before nine: not yesterday's", "2026-11-24T00:00:00+01:00", cph, nine, DefaultDays, "2026-11-24", "2026-11-24T08:00:00Z", false},
		{"Saturday", "2026-11-28T10:00:00+01:00", cph, nine, DefaultDays, "2026-11-28", "2026-11-28T08:00:00Z", false},
		{"Sunday in a sun-thu week", "2026-11-29T10:00:00+01:00", cph, nine, sunThu, "2026-11-29", "2026-11-29T08:00:00Z", true},
		{"Friday in a sun-thu week", "2026-11-27T10:00:00+01:00", cph, nine, sunThu, "2026-11-27", "2026-11-27T08:00:00Z", false},
		// One instant, three owners.
		{"NY at its nine", "2026-11-23T14:00:00Z", ny, nine, DefaultDays, "2026-11-23", "2026-11-23T14:00:00Z", true},
		{"Sydney already Tuesday 01:00", "2026-11-23T14:00:00Z", syd, nine, DefaultDays, "2026-11-24", "2026-11-23T22:00:00Z", false},
		{"Sydney Tuesday nine", "2026-11-23T22:00:00Z", syd, nine, DefaultDays, "2026-11-24", "2026-11-23T22:00:00Z", true},
		{"NY Friday evening is Saturday in UTC", "2026-11-28T02:00:00Z", ny, nine, DefaultDays, "2026-11-27", "2026-11-27T14:00:00Z", true},
		{"Sydney Saturday", "2026-11-28T02:00:00Z", syd, nine, DefaultDays, "2026-11-28", "2026-11-27T22:00:00Z", false},
		{"nil zone is UTC", "2026-11-23T09:00:00Z", nil, nine, DefaultDays, "2026-11-23", "2026-11-23T09:00:00Z", true},
		{"no days: never", "2026-11-23T10:00:00Z", time.UTC, nine, 0, "2026-11-23", "2026-11-23T09:00:00Z", false},

		// Spring forward: 02:30 does not exist; due from the jump (03:00 local).
		{"CPH gap: before the jump", "2026-03-29T01:59:59+01:00", cph, half2, allDays, "2026-03-29", "2026-03-29T01:00:00Z", false},
		{"CPH gap: at the jump", "2026-03-29T03:00:00+02:00", cph, half2, allDays, "2026-03-29", "2026-03-29T01:00:00Z", true},
		{"NY gap: before", "2026-03-08T01:59:00-05:00", ny, half2, allDays, "2026-03-08", "2026-03-08T07:00:00Z", false},
		{"NY gap: at the jump", "2026-03-08T03:00:00-04:00", ny, half2, allDays, "2026-03-08", "2026-03-08T07:00:00Z", true},
		{"Sydney gap (October)", "2026-10-04T03:00:00+11:00", syd, half2, allDays, "2026-10-04", "2026-10-03T16:00:00Z", true},
		{"Sydney gap: before", "2026-10-04T01:59:00+10:00", syd, half2, allDays, "2026-10-04", "2026-10-03T16:00:00Z", false},
		// Fall back: 02:30 happens twice; due from the first, the date the same.
		{"CPH repeat: first pass", "2026-10-25T02:30:00+02:00", cph, half2, allDays, "2026-10-25", "2026-10-25T00:30:00Z", true},
		{"CPH repeat: second pass, same day", "2026-10-25T02:29:00+01:00", cph, half2, allDays, "2026-10-25", "2026-10-25T00:30:00Z", true},
		{"CPH repeat: before the first", "2026-10-25T02:29:00+02:00", cph, half2, allDays, "2026-10-25", "2026-10-25T00:30:00Z", false},
		{"Sydney repeat (April): before the first", "2026-04-05T02:15:00+11:00", syd, half2, allDays, "2026-04-05", "2026-04-04T15:30:00Z", false},
		{"Sydney repeat: second pass", "2026-04-05T02:15:00+10:00", syd, half2, allDays, "2026-04-05", "2026-04-04T15:30:00Z", true},
		{"NY repeat 01:30: second pass", "2026-11-01T01:10:00-05:00", ny, TimeOfDay{1, 30}, allDays, "2026-11-01", "2026-11-01T05:30:00Z", true},
		{"NY repeat 01:30: before the first", "2026-11-01T01:10:00-04:00", ny, TimeOfDay{1, 30}, allDays, "2026-11-01", "2026-11-01T05:30:00Z", false},
		// Nine o'clock either side of each change is nine local time.
		{"CPH Monday after spring forward", "2026-03-30T07:00:00Z", cph, nine, DefaultDays, "2026-03-30", "2026-03-30T07:00:00Z", true},
		{"Sydney Monday after fall back", "2026-04-05T23:00:00Z", syd, nine, DefaultDays, "2026-04-06", "2026-04-05T23:00:00Z", true},
		{"Sydney an hour early is not due", "2026-04-05T22:00:00Z", syd, nine, DefaultDays, "2026-04-06", "2026-04-05T23:00:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			date, at, due := LocalDue(mustTime(t, tt.now), tt.loc, tt.at, tt.days)
			if got := at.UTC().Format(time.RFC3339); date != tt.wantDate || got != tt.wantAt || due != tt.wantDue {
				t.Errorf("LocalDue = %s, %s, %v; want %s, %s, %v", date, got, due, tt.wantDate, tt.wantAt, tt.wantDue)
			}
		})
	}
}
