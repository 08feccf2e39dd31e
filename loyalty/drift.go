package loyalty

import (
	"slices"
	"time"

	"github.com/smedhq/smed"
)

// DriftFactor is how far past its own median gap a customer's silence must
// grow before it is drifting: strictly more than 1.5 times.
const DriftFactor = 1.5

// State is where a customer stands between steady and neglected. The states
// exclude each other, so the digest's overdue and drifting sections never
// list the same customer.
type State string

const (
	StateSteady    State = "steady"             // in its rhythm
	StateDrifting  State = "drifting"           // not overdue yet, but its silence is growing
	StateOverdue   State = "overdue"            // past due (smed.Customer.OverdueAt): the neglect rule speaks
	StateSnoozed   State = "snoozed"            // someone said "not now"; no reminder, no drift
	StateTooLittle State = "too little history" // fewer than MinRhythmDays contact days
)

// Drift says whether a customer is drifting, and shows why.
type Drift struct {
	State State
	// Gaps are the latest up to three gaps in days, oldest first, the last
	// being the open one (days since the last contact): "gaps 12 → 19 → 31
	// days". Nil when the customer was never contacted.
	Gaps []int
	// Median is the customer's own median gap (Rhythm.Median); 0 with too
	// little history.
	Median float64
	// Longer: the open gap is more than DriftFactor × Median.
	Longer bool
	// Growing: each of the three Gaps is longer than the one before.
	Growing bool
}

// DriftOf decides whether c is drifting at now, from its contacts (any
// kind, either side) and its calendar days in loc (nil = UTC).
//
// The rule: a customer is drifting when its latest gap has grown past
// DriftFactor times its own median gap (Longer), or its last three gaps each
// grew (Growing: g1 < g2 < g3). The latest gap is the open one, from the
// last contact to now: a completed gap ends with a contact, so the customer
// has just heard from us, and flagging it then would be exactly wrong; the
// silence that is still going on is what drifts.
//
// First come the states that rule drift out, in this order: overdue
// (c.OverdueAt(now), so the customer's own cadence and snooze decide, as
// for reminders), snoozed, and too little history (fewer than MinRhythmDays
// contact days, so fewer than 3 completed gaps to know a rhythm from).
// Gaps, Median, Longer and Growing are filled whatever the state, as far as
// the history allows.
func DriftOf(c smed.Customer, contacts []Contact, now time.Time, loc *time.Location) Drift {
	r := ContactRhythm(contacts, now, loc)
	d := Drift{Median: r.Median}
	if r.Count > 0 {
		gaps := append(slices.Clone(r.Gaps[max(0, len(r.Gaps)-2):]), r.Since)
		d.Gaps = gaps
		d.Longer = r.Known() && float64(r.Since) > DriftFactor*r.Median
		d.Growing = len(gaps) == 3 && gaps[0] < gaps[1] && gaps[1] < gaps[2]
	}
	switch {
	case c.OverdueAt(now):
		d.State = StateOverdue
	case c.Snoozed(now):
		d.State = StateSnoozed
	case !r.Known():
		d.State = StateTooLittle
	case d.Longer || d.Growing:
		d.State = StateDrifting
	default:
		d.State = StateSteady
	}
	return d
}
