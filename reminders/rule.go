package reminders

import (
	"slices"
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
	slices.SortFunc(out, func(a, b smed.Customer) int { return smed.CompareUrgency(a, b, now) })
	return out
}

// Rank sorts cards in place, most urgent first: higher value first (value at
// risk), then longer overdue relative to the cadence ((now-due)/cadence), then
// by name and ID so the order is stable from run to run.
func Rank(cards []smed.Card, now time.Time) {
	slices.SortFunc(cards, func(a, b smed.Card) int { return smed.CompareUrgency(a.Customer, b.Customer, now) })
}

// Item is one overdue customer as reminders and digests show it.
type Item struct {
	Card        smed.Card // the customer (value, cadence, owner), its facts and latest note
	DaysSince   int       // whole days since the last contact, or since creation when Never
	Never       bool      // never contacted
	OverdueDays int       // whole days past due
	Gaps        []int     // a drifting customer's latest gaps in days, the last one still open
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

// dayKey is the local calendar day of now in loc, the period of reminder DMs.
func dayKey(now time.Time, loc *time.Location) string {
	return now.In(loc).Format(time.DateOnly)
}
