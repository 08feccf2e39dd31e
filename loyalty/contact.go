package loyalty

import (
	"slices"
	"time"

	"github.com/smedhq/smed"
)

// Kind says what a contact was.
type Kind string

const (
	KindNote  Kind = "note"  // a logged conversation (/customer note, the modal, the shortcut)
	KindDeal  Kind = "deal"  // a purchase or renewal; a deal is also a contact
	KindTouch Kind = "touch" // a human message in a linked channel
)

// Side says who wrote a touch: someone on the team, or someone at the
// customer (the event's user_team is another organisation's).
type Side string

const (
	SideTeam     Side = "team"     // someone in the workspace
	SideCustomer Side = "customer" // someone from the customer's organisation
)

// Contact is one thing that reset a customer's clock: a note, a deal or a
// touch. Only what the figures need is kept; never the text.
type Contact struct {
	At     time.Time
	Kind   Kind
	Side   Side   // touches only; "" for notes and deals (they are the team's)
	Author string // Slack user ID; "" when unknown (an import)
}

// Deal is one purchase or renewal of a customer.
type Deal struct {
	At     time.Time
	Amount int64  // whole currency units, ≥ 0 (the edge refuses less); a negative one counts as 0
	Author string // Slack user ID of who logged it; "" for an import
	Text   string // as typed; no figure here reads it
}

// Contact is the deal as a contact: a deal resets the clock like a note.
func (d Deal) Contact() Contact { return Contact{At: d.At, Kind: KindDeal, Author: d.Author} }

// NoteContact is a note as a contact, written by its author.
func NoteContact(n smed.Note) Contact { return Contact{At: n.At, Kind: KindNote, Author: n.Author} }

// teamSide reports whether the team made the contact: notes and deals
// always, touches when written on the team's side.
func (c Contact) teamSide() bool { return c.Kind != KindTouch || c.Side == SideTeam }

// dayOf numbers the calendar day of t in loc (nil = UTC): consecutive days
// have consecutive numbers, whatever DST does to their length.
func dayOf(t time.Time, loc *time.Location) int64 {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400
}

// contactDays returns the distinct calendar days (in loc) of times at or
// before now, oldest first, and the latest of those times (zero when none).
func contactDays(times []time.Time, now time.Time, loc *time.Location) (days []int64, last time.Time) {
	for _, t := range times {
		if t.IsZero() || t.After(now) {
			continue
		}
		days = append(days, dayOf(t, loc))
		if t.After(last) {
			last = t
		}
	}
	slices.Sort(days)
	return slices.Compact(days), last
}

// within reports whether t lies in [from, to].
func within(t, from, to time.Time) bool { return !t.Before(from) && !t.After(to) }
