package loyalty

import (
	"math"
	"slices"
	"time"

	"github.com/smedhq/smed"
)

// RhythmDays is how many of the latest contact days (or deal days) a rhythm
// is learned from: 9 days, 8 gaps. Recent enough to follow a customer whose
// pace changed (about four months at a fortnightly pace), long enough that
// the median shrugs off up to three odd gaps (a holiday, a busy week).
const RhythmDays = 9

// MinRhythmDays is how many contact days a rhythm needs before it is known:
// 4 days, so 3 gaps. With fewer, one odd gap would be the rhythm.
const MinRhythmDays = 4

// Rhythm is a customer's own pace: how many days usually pass between two
// days on which it was in contact (ContactRhythm) or bought (BuyingRhythm).
type Rhythm struct {
	// Gaps are the days between consecutive ones of the latest RhythmDays
	// days, oldest first. Completed gaps only: the silence since Last is
	// Since, not a gap.
	Gaps []int
	// Median of Gaps (the mean of the middle two when their number is
	// even); 0 while the rhythm is not Known.
	Median float64
	// Days is Median rounded to whole days, halves up (17.5 → 18): "usually
	// every ~18 days". 0 while not Known.
	Days int
	// Last is the latest contact (or deal) at or before now; zero when none.
	Last time.Time
	// Since is the number of calendar days from Last's day to now's day
	// ("last order 130 days ago"); 0 when there is no Last.
	Since int
	// Count is the number of days with a contact (or deal) up to now, in all
	// history, not only the latest RhythmDays.
	Count int
}

// Known reports whether there was enough history to learn the rhythm
// (MinRhythmDays days, so at least 3 gaps).
func (r Rhythm) Known() bool { return r.Count >= MinRhythmDays }

// ContactRhythm learns how often a customer is in contact from its contacts
// up to now (notes, deals and touches, either side): the median gap between
// the latest RhythmDays calendar days (in loc, nil = UTC) that had a
// contact. Several contacts on one day are one contact day: a call and its
// follow-up note are one conversation, and counting them as a gap of 0 would
// drag the median towards nothing. Contacts after now are ignored.
func ContactRhythm(contacts []Contact, now time.Time, loc *time.Location) Rhythm {
	times := make([]time.Time, len(contacts))
	for i, c := range contacts {
		times[i] = c.At
	}
	return rhythm(times, now, loc)
}

// BuyingRhythm learns how often a customer buys, exactly as ContactRhythm
// does but from its deals: "usually orders every ~90 days" is Days, "last
// order 130 days ago" is Since. Several deals on one day are one order.
func BuyingRhythm(deals []Deal, now time.Time, loc *time.Location) Rhythm {
	times := make([]time.Time, len(deals))
	for i, d := range deals {
		times[i] = d.At
	}
	return rhythm(times, now, loc)
}

func rhythm(times []time.Time, now time.Time, loc *time.Location) Rhythm {
	days, last := contactDays(times, now, loc)
	r := Rhythm{Last: last, Count: len(days)}
	if len(days) == 0 {
		return r
	}
	r.Since = int(dayOf(now, loc) - days[len(days)-1])
	recent := days[max(0, len(days)-RhythmDays):]
	for i := 1; i < len(recent); i++ {
		r.Gaps = append(r.Gaps, int(recent[i]-recent[i-1]))
	}
	if r.Known() {
		r.Median = median(r.Gaps)
		r.Days = int(math.Round(r.Median))
	}
	return r
}

// median of a non-empty list; the list is not modified.
func median(xs []int) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}

// Bounds clamp a learned cadence (configuration): no customer is learned
// into daily reminders, nor left alone for a year, because of its history.
// 0 means no bound on that side. A set cadence is never clamped.
type Bounds struct {
	Floor   int // days; a learned cadence is at least this
	Ceiling int // days; a learned cadence is at most this
}

func (b Bounds) clamp(days int) int {
	if b.Ceiling > 0 {
		days = min(days, b.Ceiling)
	}
	return max(days, b.Floor)
}

// Source says where a cadence came from, so the card can say "usually every
// ~18 days (learned)" or "every 14 days (set)".
type Source string

const (
	SourceSet     Source = "set"     // set by hand (cadence, import)
	SourceLearned Source = "learned" // the customer's own contact rhythm
	SourceDefault Source = "default" // neither: the team's default cadence
)

// Cadence is how often a customer should hear from us, and why.
type Cadence struct {
	Days   int
	Source Source
}

// CadenceFor decides a customer's cadence: a cadence set by hand always
// wins; else its learned contact rhythm (r.Days clamped to b) once r is
// Known; else c.CadenceDays, which for a customer whose cadence was never
// set is the team's default.
func CadenceFor(c smed.Customer, r Rhythm, b Bounds) Cadence {
	switch {
	case c.CadenceSet:
		return Cadence{Days: c.CadenceDays, Source: SourceSet}
	case r.Known():
		return Cadence{Days: b.clamp(r.Days), Source: SourceLearned}
	}
	return Cadence{Days: c.CadenceDays, Source: SourceDefault}
}

// cadenceDays is days as a divisor: cadences are at least a day.
func cadenceDays(days int) float64 { return float64(max(days, 1)) }

// daysSince counts calendar days (in loc) from t's day to now's day.
func daysSince(t, now time.Time, loc *time.Location) int {
	return int(dayOf(now, loc) - dayOf(t, loc))
}
