package smed

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// snoozeForms is what a snooze error shows.
const snoozeForms = "a duration (7d, 2w, 1m, 14 dage) or a day (until 1 May, until 2027-05-01, 1/5, until friday, tomorrow); off ends a snooze"

// Words of snoozes and dates, folded (see fold).
var (
	offWords   = map[string]bool{"off": true, "none": true, "0": true, "0d": true, "ingen": true}
	untilWords = map[string]bool{"until": true, "till": true, "til": true, "indtil": true, "inntil": true, "tills": true}
	forWords   = map[string]bool{"for": true, "in": true, "i": true}
	months     = map[string]time.Month{
		"january": 1, "jan": 1, "januar": 1, "januari": 1,
		"february": 2, "feb": 2, "februar": 2, "februari": 2,
		"march": 3, "mar": 3, "marts": 3, "mars": 3,
		"april": 4, "apr": 4,
		"may": 5, "maj": 5, "mai": 5,
		"june": 6, "jun": 6, "juni": 6,
		"july": 7, "jul": 7, "juli": 7,
		"august": 8, "aug": 8, "augusti": 8,
		"september": 9, "sep": 9, "sept": 9,
		"october": 10, "oct": 10, "oktober": 10, "okt": 10,
		"november": 11, "nov": 11,
		"december": 12, "dec": 12, "desember": 12, "des": 12,
	}
	weekdays = map[string]time.Weekday{
		"monday": time.Monday, "mon": time.Monday, "mandag": time.Monday, // mandag DA/NO, måndag SV
		"tuesday": time.Tuesday, "tue": time.Tuesday, "tues": time.Tuesday, "tirsdag": time.Tuesday, "tisdag": time.Tuesday,
		"wednesday": time.Wednesday, "wed": time.Wednesday, "onsdag": time.Wednesday,
		"thursday": time.Thursday, "thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "torsdag": time.Thursday,
		"friday": time.Friday, "fri": time.Friday, "fredag": time.Friday,
		"saturday": time.Saturday, "sat": time.Saturday, "lordag": time.Saturday, // lørdag, lördag
		"sunday": time.Sunday, "sun": time.Sunday, "sondag": time.Sunday, // søndag, söndag
	}
	// nextWords start "next week" and "next month"; "next friday" is refused
	// (the coming Friday to some, the one after to others).
	nextWords      = map[string]bool{"next": true, "naeste": true, "neste": true, "nasta": true}
	weekWords      = map[string]bool{"week": true, "uge": true, "uke": true, "vecka": true}
	monthWords     = map[string]bool{"month": true, "maned": true, "manad": true}
	tomorrowPhrase = map[string]bool{"tomorrow": true, "i morgen": true, "imorgen": true, "i morgon": true, "imorgon": true}
)

// ParseSnooze reads how long a snooze lasts (`/customer snooze <customer> …`)
// and returns when it ends: the start of a day in loc (00:00, or the first
// instant of the day where a DST change skips midnight), which is when
// reminders may come again. "No reminders until 1 May" means reminders resume
// on 1 May, so the snooze ends as 1 May begins, and so does every form: a
// duration of n days ends as the n-th day from today begins (snooze 1d today
// means reminders resume tomorrow, whatever the hour now). Errors name the
// input, show forms that work and wrap ErrInvalid.
//
// Forms (case-insensitive, accents optional as for ParseDuration):
//   - "off", "none", "0", "0d", "ingen": end a snooze. ParseSnooze returns the
//     zero time and no error, which Change.SnoozedUntil takes as "clear".
//   - a duration as ParseDuration reads it (7d, 2w, 1m, monthly, 14 dage),
//     optionally after "for", "in" or "i": for 2 weeks, i 14 dage.
//   - a day in one of the forms below, optionally after "until", "till",
//     "til", "indtil", "inntil" or "tills".
//   - 2027-05-01 (ISO);
//   - day and month name, with an optional year: 1 May, 1. maj, 1st May,
//     May 1, May 1, 2027, 1 mai 2027 (English, Danish, Norwegian and Swedish
//     month names and their abbreviations);
//   - day/month the Nordic way, day first: 1/5 is 1 May, 1/5/2027, 1/5-2027;
//     with dots only with the year or a final dot (1.5.2027, 01.05.2027,
//     1.5.), since a bare 1.5 could be one and a half days; 01-05-2027;
//   - a weekday (friday, fri, fredag, tisdag): the next one after today, so
//     "until friday" typed on a Friday is a week;
//   - tomorrow, i morgen, imorgon; next week, næste uge, neste uke, nästa
//     vecka (Monday of the coming week); next month, næste måned, nästa
//     månad (the 1st of the coming month).
//
// A day without a year is the next such day after today (1 May typed on 1 May
// is next year's). A day with a year that is today or past is refused, and so
// is anything more than MaxDays away. "next friday" is refused as ambiguous.
func ParseSnooze(s string, now time.Time, loc *time.Location) (until time.Time, err error) {
	if loc == nil {
		loc = time.UTC
	}
	if len(s) > 100 {
		return time.Time{}, inputErrorf("%.40q is not a snooze: write %s", s, snoozeForms)
	}
	words := durationFields(fold(s))
	if len(words) == 0 {
		return time.Time{}, inputErrorf("no snooze given: write %s", snoozeForms)
	}
	phrase := strings.Join(words, " ")
	if offWords[strings.Join(words, "")] {
		return time.Time{}, nil
	}
	today := civil(now.In(loc))
	bad := func() (time.Time, error) {
		return time.Time{}, inputErrorf("%q is not a snooze: write %s", s, snoozeForms)
	}
	if untilWords[words[0]] || forWords[words[0]] && !tomorrowPhrase[phrase] {
		words = words[1:]
		phrase = strings.Join(words, " ")
	}
	if len(words) == 0 {
		return bad()
	}
	if tomorrowPhrase[phrase] {
		return day(s, today, today.add(1), loc)
	}
	if d, err := ParseDuration(phrase); err == nil {
		return day(s, today, today.add(d), loc)
	} else if errors.Is(err, errDurationRange) {
		return time.Time{}, rangeError{inputError(fmt.Sprintf("%q is out of range (1 day to %d days, ten years)", s, MaxDays))}
	}
	if len(words) == 2 && nextWords[words[0]] {
		switch {
		case weekWords[words[1]]:
			return day(s, today, nextWeekday(today, time.Monday), loc)
		case monthWords[words[1]]:
			return day(s, today, date{today.y, today.m + 1, 1}.norm(), loc)
		}
		if wd, ok := weekdays[words[1]]; ok {
			coming, after := nextWeekday(today, wd), nextWeekday(today, wd).add(7)
			fs := strings.Fields(s)
			return time.Time{}, inputErrorf("%q can be read two ways: write %s for the coming one (%s), or %d/%d for the one after",
				s, fs[len(fs)-1], coming.format(), after.d, after.m)
		}
		return bad()
	}
	if len(words) == 1 {
		if wd, ok := weekdays[words[0]]; ok {
			return day(s, today, nextWeekday(today, wd), loc)
		}
	}
	d, hasYear, ok, err := parseDate(words)
	if err != nil {
		return time.Time{}, inputErrorf("%q is not a day: %v", s, err)
	}
	if !ok {
		if len(words) == 1 && isNumberWord(words[0]) && strings.Count(words[0], ".") == 1 && !strings.HasSuffix(words[0], ".") {
			return time.Time{}, inputErrorf("%q could be a date or a number of days: write 1/5 or 1.5. for 1 May, or 2d", s)
		}
		return bad()
	}
	if leap := (date{2000, d.m, d.d}); !leap.valid() {
		return time.Time{}, inputErrorf("%q is not a day: %s has no day %d", s, d.m, d.d)
	}
	if !hasYear {
		// the next one after today; a 29 February at most eight years on
		for d.y = today.y; !d.after(today) || !d.valid(); d.y++ {
		}
	}
	if !d.valid() {
		return time.Time{}, inputErrorf("%q is not a day: %s %d has no day %d", s, d.m, d.y, d.d)
	}
	switch {
	case d == today:
		return time.Time{}, inputErrorf("%q is today: a snooze ends on a later day (tomorrow is %s)", s, today.add(1).format())
	case !d.after(today):
		return time.Time{}, inputErrorf("%q is in the past (today is %s): give a later day", s, today.format())
	}
	return day(s, today, d, loc)
}

// day is the start of d in loc, refused when it is more than MaxDays after
// today.
func day(s string, today, d date, loc *time.Location) (time.Time, error) {
	if CheckCadence(d.sub(today)) != nil {
		return time.Time{}, rangeError{inputError(fmt.Sprintf("%q is more than %d days (ten years) away", s, MaxDays))}
	}
	return startOfDay(d, loc), nil
}

// parseDate reads the date forms of ParseSnooze from words (see
// durationFields). ok is false when words are no date form at all; err says
// what is wrong with one that is (month 13, no such month name).
func parseDate(words []string) (d date, hasYear, ok bool, err error) {
	num := func(w string, lo, hi int) (int, bool) {
		n, err := strconv.Atoi(w)
		return n, err == nil && lo <= n && n <= hi
	}
	year := func(w string) (int, bool) { return num(w, 1, 9999) }
	dayWord := func(ws []string) (int, []string, bool) {
		if len(ws) == 0 {
			return 0, nil, false
		}
		n, ok := num(strings.TrimSuffix(ws[0], "."), 1, 31)
		ws = ws[1:]
		if ok && len(ws) > 0 && ordinal(ws[0]) {
			ws = ws[1:] // 1st, 2nd
		}
		return n, ws, ok
	}
	switch len(words) {
	case 1:
		w := words[0]
		if parts := strings.Split(w, "-"); len(parts) == 3 && len(parts[0]) == 4 {
			// 2027-05-01
			y, ok1 := year(parts[0])
			m, ok2 := num(parts[1], 1, 12)
			dd, ok3 := num(parts[2], 1, 31)
			if !ok1 || !ok2 || !ok3 || len(parts[1]) != 2 || len(parts[2]) != 2 {
				return date{}, false, false, errors.New("write dates as 2027-05-01")
			}
			return date{y, time.Month(m), dd}, true, true, nil
		}
		var dm, rest string
		switch {
		case strings.Contains(w, "/"):
			// 1/5, 1/5/2027, 1/5-2027
			dm, rest = w, ""
			if i := strings.IndexAny(w, "-"); i >= 0 {
				dm, rest = w[:i], w[i+1:]
			}
			parts := strings.Split(dm, "/")
			if len(parts) == 3 && rest == "" {
				dm, rest = parts[0]+"/"+parts[1], parts[2]
			} else if len(parts) != 2 {
				return date{}, false, false, nil
			}
			return dayMonth(strings.Split(dm, "/"), rest)
		case strings.Count(w, ".") == 2 && !strings.HasPrefix(w, "."):
			// 1.5.2027, 01.05.2027, 1.5.
			parts := strings.Split(w, ".")
			return dayMonth(parts[:2], parts[2])
		case strings.Count(w, "-") == 2:
			parts := strings.Split(w, "-") // 01-05-2027
			if parts[2] == "" {
				return date{}, false, false, nil
			}
			return dayMonth(parts[:2], parts[2])
		}
		return date{}, false, false, nil
	}
	// day month [year]: 1 may, 1. maj 2027, 1st may
	if n, ws, isDay := dayWord(words); isDay && len(ws) >= 1 && len(ws) <= 2 {
		m, ok := months[ws[0]]
		if !ok {
			return date{}, false, false, fmt.Errorf("%q is not a month (write 1 May, 1. maj or 1/5)", ws[0])
		}
		d := date{0, m, n}
		if len(ws) == 2 {
			y, ok := year(ws[1])
			if !ok {
				return date{}, false, false, nil
			}
			d.y = y
		}
		return d, len(ws) == 2, true, nil
	}
	// month day [year]: may 1, may 1st 2027
	if m, ok := months[words[0]]; ok {
		n, ws, isDay := dayWord(words[1:])
		if !isDay || len(ws) > 1 {
			return date{}, false, false, nil
		}
		d := date{0, m, n}
		if len(ws) == 1 {
			y, ok := year(ws[0])
			if !ok {
				return date{}, false, false, nil
			}
			d.y = y
		}
		return d, len(ws) == 1, true, nil
	}
	return date{}, false, false, nil
}

// dayMonth reads a numeric day and month, day first, and a year ("" = none).
func dayMonth(dm []string, y string) (date, bool, bool, error) {
	dd, err1 := strconv.Atoi(dm[0])
	m, err2 := strconv.Atoi(dm[1])
	if err1 != nil || err2 != nil || len(dm[0]) > 2 || len(dm[1]) > 2 {
		return date{}, false, false, nil
	}
	if m < 1 || m > 12 || dd < 1 || dd > 31 {
		return date{}, false, false, fmt.Errorf("the day comes first, then the month: %d/%d is no date (write 1/5 for 1 May)", dd, m)
	}
	d := date{0, time.Month(m), dd}
	if y == "" {
		return d, false, true, nil
	}
	if len(y) != 4 {
		return date{}, false, false, fmt.Errorf("write the year with four digits (1/5/2027)")
	}
	yy, err := strconv.Atoi(y)
	if err != nil {
		return date{}, false, false, nil
	}
	d.y = yy
	return d, true, true, nil
}

func ordinal(w string) bool { return w == "st" || w == "nd" || w == "rd" || w == "th" }

// date is a civil date, without a time or zone.
type date struct {
	y int
	m time.Month
	d int
}

func civil(t time.Time) date {
	y, m, d := t.Date()
	return date{y, m, d}
}

func (d date) utc() time.Time { return time.Date(d.y, d.m, d.d, 0, 0, 0, 0, time.UTC) }

// norm is d with an overflowing month or day carried (month 13 → January).
func (d date) norm() date            { return civil(d.utc()) }
func (d date) valid() bool           { return d.norm() == d }
func (d date) add(days int) date     { return civil(d.utc().AddDate(0, 0, days)) }
func (d date) sub(e date) int        { return int(d.utc().Sub(e.utc()) / Day) }
func (d date) after(e date) bool     { return d.utc().After(e.utc()) }
func (d date) weekday() time.Weekday { return d.utc().Weekday() }
func (d date) format() string        { return d.utc().Format("Mon 2 Jan 2006") }
func nextWeekday(from date, wd time.Weekday) date {
	ahead := (int(wd) - int(from.weekday()) + 7) % 7
	if ahead == 0 {
		ahead = 7
	}
	return from.add(ahead)
}

// startOfDay is the first instant of d in loc: midnight, or where a DST change
// skips midnight, the instant the day begins.
func startOfDay(d date, loc *time.Location) time.Time {
	t := time.Date(d.y, d.m, d.d, 0, 0, 0, 0, loc)
	if civil(t) == d {
		return t
	}
	// Midnight does not exist that day and time.Date chose the previous
	// day's side of the gap: the day begins where the zone changes.
	start, _ := time.Date(d.y, d.m, d.d, 12, 0, 0, 0, loc).ZoneBounds()
	return start
}
