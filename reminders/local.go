package reminders

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// DefaultCheckSpec is the reminders.schedule to recommend with
// reminders.local_time: a check every 5 minutes on the wall-clock grid. Every
// zone's offset is a multiple of 15 minutes, so each owner's HH:MM is itself a
// check and the DM comes on the minute; a coarser check makes it up to one
// interval late (hourly checks: up to an hour, for HH:MM not on the hour).
const DefaultCheckSpec = "*/5 * * * *"

// TimeOfDay is a wall-clock time, reminders.local_time.
type TimeOfDay struct {
	Hour   int // 0–23
	Minute int // 0–59
}

func (t TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", t.Hour, t.Minute) }

var (
	hhmmRE = regexp.MustCompile(`^([0-9]{1,2}):([0-9]{2})$`)
	ampmRE = regexp.MustCompile(`^([0-9]{1,2})(?:[:.]([0-9]{2}))? *([ap])\.?m\.?$`)
)

// ParseTimeOfDay parses reminders.local_time: HH:MM on a 24-hour clock,
// "09:00", "9:00", "17:30", "00:00". Everything else is refused rather than
// guessed: "9" (no minutes), "9am" (the error says to write 09:00), "24:00"
// and "25:00" (hours go to 23), "09:60", "09:00:00", "0900", "9.00". An empty
// value is an error too: the caller treats an unset key as "not enabled" and
// does not call this. Errors do not name the key; the caller adds it.
func ParseTimeOfDay(s string) (TimeOfDay, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return TimeOfDay{}, fmt.Errorf("empty: want a time as HH:MM on a 24-hour clock, like 09:00")
	}
	m := hhmmRE.FindStringSubmatch(s)
	if m == nil {
		if hint := ampmHint(s); hint != "" {
			return TimeOfDay{}, fmt.Errorf("%q: write the time on a 24-hour clock as HH:MM, here %s", s, hint)
		}
		return TimeOfDay{}, fmt.Errorf("%q is not a time as HH:MM on a 24-hour clock, like 09:00 or 17:30", s)
	}
	h, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	if h > 23 {
		return TimeOfDay{}, fmt.Errorf("%q: hour %d is out of range (00 to 23)", s, h)
	}
	if min > 59 {
		return TimeOfDay{}, fmt.Errorf("%q: minute %d is out of range (00 to 59)", s, min)
	}
	return TimeOfDay{Hour: h, Minute: min}, nil
}

// ampmHint turns "9am" or "5:30 pm" into "09:00" or "17:30" for the error
// message; "" when s is not a valid 12-hour time.
func ampmHint(s string) string {
	m := ampmRE.FindStringSubmatch(strings.ToLower(s))
	if m == nil {
		return ""
	}
	h, _ := strconv.Atoi(m[1])
	min := 0
	if m[2] != "" {
		min, _ = strconv.Atoi(m[2])
	}
	if h < 1 || h > 12 || min > 59 {
		return ""
	}
	h %= 12
	if m[3] == "p" {
		h += 12
	}
	return TimeOfDay{h, min}.String()
}

// Weekdays is a set of days of the week, reminders.days: bit d is
// time.Weekday d.
type Weekdays uint8

// DefaultDays is reminders.days when it is not set: Monday to Friday.
const DefaultDays Weekdays = 1<<time.Monday | 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday | 1<<time.Friday

const allDays Weekdays = 1<<7 - 1

// Has reports whether d is in the set.
func (w Weekdays) Has(d time.Weekday) bool { return w&(1<<d) != 0 }

// String writes the set the way ParseDays reads it, runs in week order:
// "mon-fri", "mon,wed,fri", "sun-thu", "fri-mon", "daily"; "none" when empty.
func (w Weekdays) String() string {
	w &= allDays
	switch w {
	case 0:
		return "none"
	case allDays:
		return "daily"
	}
	// Start after a day that is not in the set so that no run is cut in two,
	// the one that wraps past Sunday ("fri-mon") included.
	start := time.Sunday
	for w.Has(start) {
		start++
	}
	var parts []string
	d := (start + 1) % 7
	for i := 0; i < 7; {
		if !w.Has(d) {
			d, i = (d+1)%7, i+1
			continue
		}
		first, n := d, 0
		for i < 7 && w.Has(d) {
			d, i, n = (d+1)%7, i+1, n+1
		}
		last := (first + time.Weekday(n-1)) % 7
		switch n {
		case 1:
			parts = append(parts, dayAbbr[first])
		case 2:
			parts = append(parts, dayAbbr[first], dayAbbr[last])
		default:
			parts = append(parts, dayAbbr[first]+"-"+dayAbbr[last])
		}
	}
	return strings.Join(parts, ",")
}

var dayAbbr = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// dayNames are the names ParseDays knows: English (three letters, the usual
// longer abbreviations, full) and Danish (three letters, full), as SPEC
// durations take Danish too.
var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday, "søn": time.Sunday, "søndag": time.Sunday,
	"mon": time.Monday, "monday": time.Monday, "man": time.Monday, "mandag": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday, "tir": time.Tuesday, "tirsdag": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday, "ons": time.Wednesday, "onsdag": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday, "tor": time.Thursday, "torsdag": time.Thursday,
	"fri": time.Friday, "friday": time.Friday, "fre": time.Friday, "fredag": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday, "lør": time.Saturday, "lørdag": time.Saturday,
}

// dayWords name whole sets.
var dayWords = map[string]Weekdays{
	"daily": allDays, "every day": allDays, "everyday": allDays, "all": allDays,
	"dagligt": allDays, "alle dage": allDays,
	"weekdays": DefaultDays, "hverdage": DefaultDays,
}

var (
	dashRE  = regexp.MustCompile(`\s*[-–]\s*`)
	splitRE = regexp.MustCompile(`[,\s]+`)
)

// ParseDays parses reminders.days, case-insensitively: day names and ranges
// separated by commas or spaces ("mon-fri", "mon,wed,fri", "sun-thu",
// "Mon, Wed"), or one word for a set ("daily", "every day", "weekdays",
// Danish "hverdage", "dagligt"). A range runs forward from its first day to
// its last and may wrap past Sunday: "fri-mon" is Friday to Monday, "sat-wed"
// a Saturday-to-Wednesday week. Refused, with an error naming the part: an
// unknown name ("fxi"), cron's numbers ("1-5"), a range from a day to itself
// ("mon-mon": one day or seven?), and an empty value (the caller uses
// DefaultDays when the key is unset).
func ParseDays(s string) (Weekdays, error) {
	norm := strings.Join(strings.Fields(strings.ToLower(s)), " ")
	if norm == "" {
		return 0, fmt.Errorf("empty: want days like mon-fri, mon,wed,fri or daily")
	}
	if w, ok := dayWords[norm]; ok {
		return w, nil
	}
	norm = dashRE.ReplaceAllString(norm, "-")
	var w Weekdays
	for _, part := range splitRE.Split(norm, -1) {
		if part == "" {
			continue
		}
		ends := strings.Split(part, "-")
		if len(ends) > 2 {
			return 0, fmt.Errorf("%q: a range has two ends, like mon-fri", part)
		}
		var ds []time.Weekday
		for _, name := range ends {
			d, err := parseDay(name, part)
			if err != nil {
				return 0, err
			}
			ds = append(ds, d)
		}
		if len(ds) == 1 {
			w |= 1 << ds[0]
			continue
		}
		if ds[0] == ds[1] {
			return 0, fmt.Errorf("%q runs from a day to itself: write %s for that day alone, or daily", part, dayAbbr[ds[0]])
		}
		for d := ds[0]; ; d = (d + 1) % 7 {
			w |= 1 << d
			if d == ds[1] {
				break
			}
		}
	}
	if w == 0 {
		return 0, fmt.Errorf("%q names no day: want days like mon-fri, mon,wed,fri or daily", s)
	}
	return w, nil
}

func parseDay(name, part string) (time.Weekday, error) {
	if d, ok := dayNames[name]; ok {
		return d, nil
	}
	in := ""
	if name != part {
		in = fmt.Sprintf(" (in %q)", part)
	}
	if name == "" {
		return 0, fmt.Errorf("%q: a range needs a day at both ends, like mon-fri", part)
	}
	if _, err := strconv.Atoi(name); err == nil {
		return 0, fmt.Errorf("%q%s is a number: write day names, like mon-fri for 1-5", name, in)
	}
	return 0, fmt.Errorf("%q%s is not a day: use mon, tue, wed, thu, fri, sat, sun (or daily)", name, in)
}

// LocalDue is the rule for reminders.local_time: is owner's DM due at now, for
// an owner whose clock is in loc? It is when, in loc, today is one of days and
// the clock has reached at. date is the owner's local day (the guard key's
// period, Reminder.Date) and sendAt the instant at that day's at:
//
//   - at falls in a spring-forward gap (02:30 when 02:00 jumps to 03:00):
//     sendAt is the jump, so the day keeps its DM;
//   - at happens twice (the hour repeated when the clocks go back): sendAt is
//     the first time, and as date is the same for both, it is sent once.
//
// Only the current local day is ever due: a day that ended without a send (the
// process was down) is not made up the next day; at 23:59 the day's DM is
// still due, at 00:00 the next day's is not yet.
func LocalDue(now time.Time, loc *time.Location, at TimeOfDay, days Weekdays) (date string, sendAt time.Time, due bool) {
	if loc == nil {
		loc = time.UTC
	}
	l := now.In(loc)
	sendAt = instant(time.Date(l.Year(), l.Month(), l.Day(), at.Hour, at.Minute, 0, 0, time.UTC), loc)
	return l.Format(time.DateOnly), sendAt, days.Has(l.Weekday()) && !now.Before(sendAt)
}
