package loyalty

import (
	"slices"
	"strings"
	"time"

	"github.com/smedhq/smed"
)

// FollowUpWindow is how long after a reminder listed a customer a contact or
// snooze still counts as the answer to it: 3 days, inclusive (a note exactly
// 72 h after the reminder counts).
const FollowUpWindow = 3 * smed.Day

// EscalateAfter is how many reminders in a row a customer may be ignored in
// before the digest escalates it ("ignored 3 times, 2,000,000 at risk").
const EscalateAfter = 3

// Outcome is what happened after a reminder listed a customer.
type Outcome string

const (
	OutcomePending   Outcome = "pending"   // the window is still open and nobody has made contact yet
	OutcomeContacted Outcome = "contacted" // the team made contact within the window
	OutcomeSnoozed   Outcome = "snoozed"   // no contact, but someone snoozed it within the window
	OutcomeIgnored   Outcome = "ignored"   // the window closed with neither
)

// Classify decides what happened after a reminder listed a customer at
// listedAt, from the customer's contacts and the times a snooze was set on
// it (snoozedAt), as of now. Only what lies in [listedAt, listedAt +
// FollowUpWindow] counts.
//
// Contacted: a contact made by the team (a note or deal, or a touch on the
// team's side), by anyone on the team, not only the owner: the point of the
// reminder is that the customer heard from us. A message from the customer
// is not the team following through. Contact wins over a snooze in the same
// window, and is final as soon as it is seen.
// Snoozed and Ignored are only known once the window has closed (now after
// listedAt + FollowUpWindow), because a contact may still come and would win;
// until then the outcome is Pending. So a non-pending outcome never changes
// and can be stored.
func Classify(listedAt time.Time, contacts []Contact, snoozedAt []time.Time, now time.Time) Outcome {
	end := listedAt.Add(FollowUpWindow)
	for _, c := range contacts {
		if c.teamSide() && within(c.At, listedAt, end) && !c.At.After(now) {
			return OutcomeContacted
		}
	}
	if !now.After(end) {
		return OutcomePending
	}
	for _, t := range snoozedAt {
		if within(t, listedAt, end) {
			return OutcomeSnoozed
		}
	}
	return OutcomeIgnored
}

// Listing is one customer listed in one reminder DM, with what came of it.
type Listing struct {
	Owner      string    // Slack user ID the reminder went to
	CustomerID string    // the customer listed
	At         time.Time // when the reminder was sent
	Outcome    Outcome   // Classify's answer; "" is taken as pending
}

func (l Listing) decided() bool { return l.Outcome != "" && l.Outcome != OutcomePending }

// IgnoredInARow counts, per customer ID, how many of its latest decided
// listings in a row were ignored: a contact or a snooze ends the run (a
// snooze is an answer), pending listings are skipped (not yet known).
// Customers whose latest decided listing was not ignored are left out. The
// digest escalates a customer at EscalateAfter or more.
func IgnoredInARow(listings []Listing) map[string]int {
	sorted := slices.Clone(listings)
	slices.SortStableFunc(sorted, func(a, b Listing) int { return a.At.Compare(b.At) })
	run := map[string]int{}
	for _, l := range sorted {
		switch {
		case !l.decided():
		case l.Outcome == OutcomeIgnored:
			run[l.CustomerID]++
		default:
			delete(run, l.CustomerID)
		}
	}
	return run
}

// FollowThrough is how one owner answered the reminders they got.
type FollowThrough struct {
	Owner     string
	Listed    int // listings in total, pending ones included
	Contacted int
	Snoozed   int
	Ignored   int
	// Rate is Contacted / (Contacted + Ignored); OK is false when that is
	// 0 / 0 (nothing decided, or only snoozes).
	Rate float64
	OK   bool
}

// FollowThroughRates computes each owner's follow-through from the listings
// given (the caller picks the period, e.g. the last 30 days), by owner ID.
//
// Snoozes count neither way: a snooze is a deliberate "not now", so counting
// it as a failure would teach owners to ignore rather than snooze, and
// counting it as follow-through would let them snooze their way to 100 %.
// They are reported beside the rate instead. Pending listings count only in
// Listed.
func FollowThroughRates(listings []Listing) []FollowThrough {
	by := map[string]*FollowThrough{}
	for _, l := range listings {
		f := by[l.Owner]
		if f == nil {
			f = &FollowThrough{Owner: l.Owner}
			by[l.Owner] = f
		}
		f.Listed++
		switch l.Outcome {
		case OutcomeContacted:
			f.Contacted++
		case OutcomeSnoozed:
			f.Snoozed++
		case OutcomeIgnored:
			f.Ignored++
		}
	}
	out := make([]FollowThrough, 0, len(by))
	for _, f := range by {
		if n := f.Contacted + f.Ignored; n > 0 {
			f.Rate, f.OK = float64(f.Contacted)/float64(n), true
		}
		out = append(out, *f)
	}
	slices.SortFunc(out, func(a, b FollowThrough) int { return strings.Compare(a.Owner, b.Owner) })
	return out
}
