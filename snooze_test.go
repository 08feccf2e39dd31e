package smed

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// Every snooze form ends as a day begins in the team's zone.
func TestParseSnooze(t *testing.T) {
	cph := mustZone(t, "Europe/Copenhagen")
	now := time.Date(2026, 11, 23, 15, 30, 0, 0, cph) // a Monday afternoon
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, cph) }
	tests := []struct {
		in   string
		want time.Time
	}{
		// off: the zero time clears a snooze
		{"off", time.Time{}}, {"OFF", time.Time{}}, {"none", time.Time{}}, {"0", time.Time{}}, {"0d", time.Time{}}, {"0 d", time.Time{}}, {"ingen", time.Time{}},
		// durations: the start of the n-th day from today
		{"1d", day(2026, 11, 24)}, {"7d", day(2026, 11, 30)}, {"7", day(2026, 11, 30)}, {"2w", day(2026, 12, 7)}, {"2 weeks", day(2026, 12, 7)},
		{"1m", day(2026, 12, 23)}, {"monthly", day(2026, 12, 23)}, {"14 dage", day(2026, 12, 7)}, {"2 uger", day(2026, 12, 7)},
		{"for 2 weeks", day(2026, 12, 7)}, {"in 2 weeks", day(2026, 12, 7)}, {"i 14 dage", day(2026, 12, 7)}, {"i 2 veckor", day(2026, 12, 7)},
		{"3650d", day(2036, 11, 20)},
		// ISO dates
		{"2027-05-01", day(2027, 5, 1)}, {"until 2027-05-01", day(2027, 5, 1)}, {"til 2027-05-01", day(2027, 5, 1)},
		{"2026-11-24", day(2026, 11, 24)},
		// day and month name
		{"until 1 May", day(2027, 5, 1)}, {"until 1 may 2027", day(2027, 5, 1)}, {"1 May", day(2027, 5, 1)}, {"1st May", day(2027, 5, 1)},
		{"May 1", day(2027, 5, 1)}, {"May 1st", day(2027, 5, 1)}, {"May 1, 2027", day(2027, 5, 1)}, {"may 1 2028", day(2028, 5, 1)},
		{"indtil 1. maj", day(2027, 5, 1)}, {"1. maj 2027", day(2027, 5, 1)}, {"til 1. mai", day(2027, 5, 1)}, {"till 1 maj", day(2027, 5, 1)},
		{"tills 1 maj", day(2027, 5, 1)}, {"inntil 17. mai", day(2027, 5, 17)},
		{"24 nov", day(2026, 11, 24)}, {"23 nov", day(2027, 11, 23)}, // today's day without a year: next year's
		{"1 jan", day(2027, 1, 1)}, {"1 januar", day(2027, 1, 1)}, {"1 januari", day(2027, 1, 1)}, {"1 feb", day(2027, 2, 1)},
		{"1 februar", day(2027, 2, 1)}, {"1 februari", day(2027, 2, 1)}, {"1 march", day(2027, 3, 1)}, {"1 mar", day(2027, 3, 1)},
		{"1 marts", day(2027, 3, 1)}, {"1 mars", day(2027, 3, 1)}, {"1 april", day(2027, 4, 1)}, {"1 apr", day(2027, 4, 1)},
		{"1 june", day(2027, 6, 1)}, {"1 jun", day(2027, 6, 1)}, {"1 juni", day(2027, 6, 1)}, {"1 july", day(2027, 7, 1)},
		{"1 jul", day(2027, 7, 1)}, {"1 juli", day(2027, 7, 1)}, {"1 august", day(2027, 8, 1)}, {"1 aug", day(2027, 8, 1)},
		{"1 augusti", day(2027, 8, 1)}, {"1 september", day(2027, 9, 1)}, {"1 sep", day(2027, 9, 1)}, {"1 sept.", day(2027, 9, 1)},
		{"1 october", day(2027, 10, 1)}, {"1 oct", day(2027, 10, 1)}, {"1 oktober", day(2027, 10, 1)}, {"1. okt.", day(2027, 10, 1)},
		{"1 november", day(2027, 11, 1)}, {"1 december", day(2026, 12, 1)}, {"1 dec", day(2026, 12, 1)}, {"1 desember", day(2026, 12, 1)},
		{"1 des", day(2026, 12, 1)},
		{"29 feb", day(2028, 2, 29)}, // the next 29 February
		// day/month, day first
		{"1/5", day(2027, 5, 1)}, {"until 1/5", day(2027, 5, 1)}, {"01/05", day(2027, 5, 1)}, {"24/11", day(2026, 11, 24)},
		{"1/5/2027", day(2027, 5, 1)}, {"1/5-2027", day(2027, 5, 1)}, {"1.5.2027", day(2027, 5, 1)}, {"01.05.2027", day(2027, 5, 1)},
		{"1.5.", day(2027, 5, 1)}, {"01-05-2027", day(2027, 5, 1)},
		// weekdays: the next one after today
		{"friday", day(2026, 11, 27)}, {"until friday", day(2026, 11, 27)}, {"fri", day(2026, 11, 27)}, {"til fredag", day(2026, 11, 27)},
		{"monday", day(2026, 11, 30)}, {"mandag", day(2026, 11, 30)}, {"måndag", day(2026, 11, 30)}, // today is a Monday: a week
		{"tuesday", day(2026, 11, 24)}, {"tue", day(2026, 11, 24)}, {"tirsdag", day(2026, 11, 24)}, {"tisdag", day(2026, 11, 24)},
		{"wednesday", day(2026, 11, 25)}, {"onsdag", day(2026, 11, 25)}, {"thursday", day(2026, 11, 26)}, {"thurs", day(2026, 11, 26)},
		{"torsdag", day(2026, 11, 26)}, {"saturday", day(2026, 11, 28)}, {"lørdag", day(2026, 11, 28)}, {"lördag", day(2026, 11, 28)},
		{"sunday", day(2026, 11, 29)}, {"søndag", day(2026, 11, 29)}, {"söndag", day(2026, 11, 29)},
		// tomorrow, next week, next month
		{"tomorrow", day(2026, 11, 24)}, {"until tomorrow", day(2026, 11, 24)}, {"i morgen", day(2026, 11, 24)}, {"imorgen", day(2026, 11, 24)},
		{"imorgon", day(2026, 11, 24)}, {"i morgon", day(2026, 11, 24)},
		{"next week", day(2026, 11, 30)}, {"næste uge", day(2026, 11, 30)}, {"neste uke", day(2026, 11, 30)}, {"nästa vecka", day(2026, 11, 30)},
		{"next month", day(2026, 12, 1)}, {"næste måned", day(2026, 12, 1)}, {"neste måned", day(2026, 12, 1)}, {"nästa månad", day(2026, 12, 1)},
	}
	for _, tt := range tests {
		got, err := ParseSnooze(tt.in, now, cph)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseSnooze(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			continue
		}
		if !got.IsZero() && got.Location() != cph {
			t.Errorf("ParseSnooze(%q) = %v, want it in %v so that it prints as that day", tt.in, got, cph)
		}
	}
}

func TestParseSnoozeRefusals(t *testing.T) {
	cph := mustZone(t, "Europe/Copenhagen")
	now := time.Date(2026, 11, 23, 15, 30, 0, 0, cph)
	tests := []struct{ in, want string }{
		{"", "no snooze given"},
		{"sometime", `"sometime" is not a snooze: write a duration (7d, 2w, 1m, 14 dage) or a day (until 1 May, until 2027-05-01, 1/5, until friday, tomorrow); off ends a snooze`},
		{"until", "not a snooze"},
		{"until off", "not a snooze"},
		{"2026-11-23", `"2026-11-23" is today: a snooze ends on a later day (tomorrow is Tue 24 Nov 2026)`},
		{"23 nov 2026", "is today"},
		{"2026-11-22", `"2026-11-22" is in the past (today is Mon 23 Nov 2026): give a later day`},
		{"1 May 2026", "in the past"},
		{"1/5/2026", "in the past"},
		{"until 2040-01-01", `"until 2040-01-01" is more than 3650 days (ten years) away`},
		{"9999d", `"9999d" is out of range (1 day to 3650 days, ten years)`},
		{"11 years", "out of range"},
		{"31 april", `"31 april" is not a day: April has no day 31`},
		{"30 feb", "February has no day 30"},
		{"29 feb 2027", "February 2027 has no day 29"},
		{"2027-02-30", "February has no day 30"},
		{"2027-5-1", "write dates as 2027-05-01"},
		{"2027-13-01", "write dates as 2027-05-01"},
		{"13/13", "the day comes first, then the month"},
		{"5/13", "the day comes first, then the month"},
		{"1/5/27", "four digits"},
		{"1 smarch", `"smarch" is not a month`},
		{"1.5", `"1.5" could be a date or a number of days: write 1/5 or 1.5. for 1 May, or 2d`},
		{"next friday", `"next friday" can be read two ways: write friday for the coming one (Fri 27 Nov 2026), or 4/12 for the one after`},
		{"næste fredag", "write fredag for the coming one"},
		{"next year", "not a snooze"},
		{"1.5w", "not a snooze"},
		{"-3d", "not a snooze"},
		{"friday 3", "not a snooze"},
		{"1 may 2027 please", "not a snooze"},
		{strings.Repeat("x", 101), "not a snooze"},
	}
	for _, tt := range tests {
		got, err := ParseSnooze(tt.in, now, cph)
		if err == nil {
			t.Errorf("ParseSnooze(%q) = %v, want an error", tt.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseSnooze(%q) error %q (ErrInvalid: %v), want it to contain %q and wrap ErrInvalid",
				tt.in, err, errors.Is(err, ErrInvalid), tt.want)
		}
	}
}

// Today is today in the team's zone, not in the zone of now.
func TestParseSnoozeToday(t *testing.T) {
	cph := mustZone(t, "Europe/Copenhagen")
	late := time.Date(2026, 11, 23, 23, 30, 0, 0, time.UTC) // already 24 Nov in Copenhagen
	got, err := ParseSnooze("1d", late, cph)
	if want := time.Date(2026, 11, 25, 0, 0, 0, 0, cph); err != nil || !got.Equal(want) {
		t.Errorf("1d at %v: %v, %v; want %v", late, got, err, want)
	}
	if _, err := ParseSnooze("2026-11-24", late, cph); err == nil || !strings.Contains(err.Error(), "is today") {
		t.Errorf("2026-11-24 at %v: err = %v, want today", late, err)
	}
	got, err = ParseSnooze("2026-11-24", late, nil) // nil: UTC, where it is still the 23rd
	if want := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC); err != nil || !got.Equal(want) {
		t.Errorf("nil zone: %v, %v; want %v", got, err, want)
	}
}

// Where DST skips midnight, the day begins when the clocks jump; a day whose
// midnight exists begins at midnight, whatever the offset.
func TestParseSnoozeDST(t *testing.T) {
	santiago := mustZone(t, "America/Santiago") // 6 Sep 2026: 00:00 → 01:00
	now := time.Date(2026, 9, 1, 12, 0, 0, 0, santiago)
	got, err := ParseSnooze("2026-09-06", now, santiago)
	if want := time.Date(2026, 9, 6, 4, 0, 0, 0, time.UTC); err != nil || !got.Equal(want) {
		t.Errorf("Santiago, 6 Sep 2026: %v, %v; want %v (01:00 -03)", got, err, want.In(santiago))
	}
	if y, m, d := got.In(santiago).Date(); y != 2026 || m != 9 || d != 6 {
		t.Errorf("Santiago: %v is not on 6 Sep", got.In(santiago))
	}
	cph := mustZone(t, "Europe/Copenhagen") // 29 Mar 2026: 02:00 → 03:00, midnight exists
	got, err = ParseSnooze("7d", time.Date(2026, 3, 23, 9, 0, 0, 0, cph), cph)
	if want := time.Date(2026, 3, 30, 0, 0, 0, 0, cph); err != nil || !got.Equal(want) {
		t.Errorf("Copenhagen over DST: %v, %v; want %v", got, err, want)
	}
}

func FuzzParseSnooze(f *testing.F) {
	for _, seed := range []string{"7d", "off", "until 1 May", "1/5", "2027-05-01", "til fredag", "next week", "29 feb",
		"1.5.", "May 1, 2027", "i morgen", "31 april", "next friday"} {
		f.Add(seed, int64(1795000000))
	}
	cph := mustZone(f, "Europe/Copenhagen")
	f.Fuzz(func(t *testing.T, s string, unix int64) {
		now := time.Unix(unix%(1<<34), 0) // years 1425 to 2514
		until, err := ParseSnooze(s, now, cph)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseSnooze(%q): error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if until.IsZero() {
			return // off
		}
		if !until.After(now) || until.Sub(now) > (MaxDays+1)*Day {
			t.Fatalf("ParseSnooze(%q) at %v = %v: not within 1 to %d days", s, now, until, MaxDays)
		}
		// Copenhagen's clocks never skip midnight: every snooze ends at 00:00.
		if h, m, sec := until.In(cph).Clock(); h != 0 || m != 0 || sec != 0 {
			t.Fatalf("ParseSnooze(%q) = %v: not the start of a day", s, until.In(cph))
		}
	})
}
