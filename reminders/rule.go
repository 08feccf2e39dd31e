package reminders

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/smedhq/smed"
)

// Overdue returns the customers that are overdue at now (now > DueAt, so a
// snooze in force keeps one out), most urgent first (see Rank). cs is not
// modified.
func Overdue(cs []smed.Customer, now time.Time) []smed.Customer {
	var out []smed.Customer
	for _, c := range cs {
		if c.OverdueAt(now) {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b smed.Customer) int { return compareUrgency(a, b, now) })
	return out
}

// Rank sorts cards in place, most urgent first: higher value first (value at
// risk), then longer overdue relative to the cadence ((now-due)/cadence), then
// by name and ID so the order is stable from run to run.
func Rank(cards []smed.Card, now time.Time) {
	slices.SortFunc(cards, func(a, b smed.Card) int { return compareUrgency(a.Customer, b.Customer, now) })
}

func compareUrgency(a, b smed.Customer, now time.Time) int {
	if c := cmp.Compare(b.Value, a.Value); c != 0 {
		return c
	}
	if c := cmp.Compare(overdueRatio(b, now), overdueRatio(a, now)); c != 0 {
		return c
	}
	if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// overdueRatio is how far past due c is, in cadences (1.0 = one whole cadence
// late). A float: durations multiplied together would overflow int64.
func overdueRatio(c smed.Customer, now time.Time) float64 {
	cad := c.Cadence()
	if cad <= 0 {
		cad = smed.Day // cadences are at least a day; don't divide by zero on bad data
	}
	return float64(now.Sub(c.DueAt())) / float64(cad)
}

// Item is one overdue customer as reminders and digests show it.
type Item struct {
	Card        smed.Card // the customer (value, cadence, owner), its facts and latest note
	DaysSince   int       // whole days since the last contact, or since creation when Never
	Never       bool      // never contacted
	OverdueDays int       // whole days past due
}

func newItem(c smed.Card, now time.Time) Item {
	from := c.LastContactAt
	never := from.IsZero()
	if never {
		from = c.CreatedAt
	}
	return Item{
		Card:        c,
		DaysSince:   wholeDays(now.Sub(from)),
		Never:       never,
		OverdueDays: wholeDays(now.Sub(c.DueAt())),
	}
}

// wholeDays counts elapsed 24-hour days, as cadences do; never negative.
func wholeDays(d time.Duration) int {
	if d < 0 {
		return 0
	}
	return int(d / smed.Day)
}

// addValue sums customer values, saturating: smed.MaxValue bounds one value,
// not a team's sum of thousands of them.
func addValue(sum, v int64) int64 {
	if v > 0 && sum > math.MaxInt64-v {
		return math.MaxInt64
	}
	return sum + v
}

// dayKey is the local calendar day of now in loc, the period of reminder DMs.
func dayKey(now time.Time, loc *time.Location) string {
	return now.In(loc).Format(time.DateOnly)
}
