// Package smed holds the domain of Smed, a Slack relationship assistant: customers,
// the notes and facts a team keeps about them, the neglect rule, and the contracts
// (interfaces and sentinel errors) that the adapters implement.
//
// It imports only the standard library. Slack lives in package bot, Redis in
// package storage, the scheduler in package reminders; wiring in cmd/smed.
package smed

import (
	"cmp"
	"errors"
	"math"
	"strings"
	"time"
)

// Sentinel errors. Adapters wrap them (fmt.Errorf("...: %w", ErrNotFound)) and the
// Slack edge maps them to what the user sees in one place.
var (
	// ErrNotFound: the named customer (or other record) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrUnavailable: the store could not be reached or did not answer in time.
	// Nothing was written, unless the error is also ErrUnconfirmed.
	ErrUnavailable = errors.New("store unavailable")
	// ErrUnconfirmed comes with ErrUnavailable when a request reached the store
	// but no answer came back in time: the write may or may not have happened,
	// so the user must be told to check before retrying.
	ErrUnconfirmed = errors.New("write not confirmed")
	// ErrInvalid: the caller passed input the store refuses (an ID that cannot
	// be part of a key, a value out of range). Nothing was written.
	ErrInvalid = errors.New("invalid input")
	// ErrConflict: the change could not be applied because the record changed
	// under it (for example a rename onto a name that is already taken).
	ErrConflict = errors.New("conflict")
	// ErrMaybeNear: a note asked to create its customer only when nothing
	// known is near the typed names (NoteRequest.UnlessNear), and the store
	// could not rule that out. Nothing was written; the caller looks the
	// near-misses up (Store.NearMisses) and creates without UnlessNear.
	ErrMaybeNear = errors.New("a known name may be near")
)

// Day is the unit of cadences and snoozes.
const Day = 24 * time.Hour

// MaxNameRunes bounds a customer name, counted in runes (characters) of its
// display form: spaces folded, case kept, as names.Display gives it. The Slack
// edge refuses longer names before asking the store, and the store refuses to
// create them (ErrInvalid), so both agree on what fits. Runes, not bytes, so
// that a name in a script with multi-byte letters gets as many characters as
// one in Latin; the store's index key may be longer (case folding turns "ß"
// into "ss").
const MaxNameRunes = 100

// MaxTextRunes bounds a note or fact, in runes: what one Slack section block
// can show (3,000 characters). Longer text is refused, and shown back so the
// user loses nothing they typed.
const MaxTextRunes = 3000

// Customer is one account the team looks after.
type Customer struct {
	ID            string    // opaque, stable, never user text
	Name          string    // display name, as first typed (or as renamed)
	Owner         string    // Slack user ID of the owner ("" = nobody)
	Value         int64     // lifetime value or potential, whole currency units
	CadenceDays   int       // how often the customer should hear from us
	CadenceSet    bool      // the cadence was set by hand (cadence, import), not the default
	CreatedAt     time.Time // when Smed first heard of the customer
	LastContactAt time.Time // last contact (note); zero when never contacted
	LastContactBy string    // who made the last contact ("" when never, or unknown)
	SnoozedUntil  time.Time // no reminders before; zero when not snoozed
	NoteCount     int       // notes logged in total
	Formerly      string    // the name before the latest rename ("" = never renamed)

	// In linked channels: the last message from the customer's side and
	// from the team's (a customer who stops starting conversations is an
	// early warning even while the team keeps posting). Zero: none yet.
	LastCustomerAt time.Time
	LastTeamAt     time.Time

	DealsSum   int64     // lifetime value: the sum of the customer's deals
	DealsCount int       // how many deals
	LastDealAt time.Time // zero: never bought
}

// Worth is what ranking and value at risk use: the larger of the value set
// (potential) and what the customer actually bought (SPEC "Value").
func (c Customer) Worth() int64 { return max(c.Value, c.DealsSum) }

// Cadence is CadenceDays as a duration.
func (c Customer) Cadence() time.Duration { return time.Duration(c.CadenceDays) * Day }

// DueAt is when the customer should next hear from us: last contact (or creation,
// when never contacted) plus the cadence, moved to at least the end of a snooze.
//
// storage mirrors this rule in Lua to keep its due index; its contract tests
// compare the two.
func (c Customer) DueAt() time.Time {
	due := c.ContactDue()
	if c.SnoozedUntil.After(due) {
		due = c.SnoozedUntil
	}
	return due
}

// ContactDue is when the cadence says the customer should next hear from us,
// snooze aside: last contact (or creation) plus the cadence. Cards show it
// beside a snooze, so nobody forgets how long a snoozed customer has waited.
func (c Customer) ContactDue() time.Time {
	from := c.LastContactAt
	if from.IsZero() {
		from = c.CreatedAt
	}
	return from.Add(c.Cadence())
}

// OverdueAt reports whether the customer is overdue at now (now > due).
func (c Customer) OverdueAt(now time.Time) bool { return now.After(c.DueAt()) }

// Snoozed reports whether a snooze is in force at now.
func (c Customer) Snoozed(now time.Time) bool { return c.SnoozedUntil.After(now) }

// AtRisk is the customer's worth when it is overdue at now, else 0: what the
// team stands to lose by its silence.
func (c Customer) AtRisk(now time.Time) int64 {
	if c.OverdueAt(now) {
		return c.Worth()
	}
	return 0
}

// ValueAtRisk sums the value of the customers that are overdue at now. The sum
// saturates at math.MaxInt64: MaxValue bounds one value, not a team's sum.
func ValueAtRisk(cs []Customer, now time.Time) int64 {
	var sum int64
	for _, c := range cs {
		sum = AddValue(sum, c.AtRisk(now))
	}
	return sum
}

// Coverage is the share of customers, and of their value, that are not
// overdue; ok is false when there are no customers. A team whose customers are
// worth nothing yet has all its value covered.
func Coverage(customers, overdue int, value, atRisk int64) (share, valueShare float64, ok bool) {
	if customers <= 0 {
		return 0, 0, false
	}
	share = 1 - float64(overdue)/float64(customers)
	valueShare = 1
	if value > 0 {
		valueShare = 1 - float64(atRisk)/float64(value)
	}
	return max(share, 0), max(valueShare, 0), true
}

// AddValue adds two non-negative values, saturating at math.MaxInt64.
func AddValue(sum, v int64) int64 {
	if v > 0 && sum > math.MaxInt64-v {
		return math.MaxInt64
	}
	return sum + v
}

// Note is one logged conversation. Notes are never capped or dropped.
type Note struct {
	Author  string    // Slack user ID of who spoke or wrote it
	At      time.Time // when it was logged
	Text    string    // as typed (unescaped)
	SavedBy string    // who saved it when not the author (message shortcut); ""
	Link    string    // permalink of the Slack message it came from; ""
}

// Fact is a lasting piece of knowledge about a customer ("prefers calls before 10").
type Fact struct {
	ID     string // stable within the customer (Store.Forget); never user text
	Author string
	At     time.Time
	Text   string
}

// Revision is one recorded change of a customer: who changed what, when, from
// what to what. Field is "owner", "value", "cadence", "name" or "merge" (From
// is the duplicate's name, To the name it was merged into).
type Revision struct {
	At       time.Time
	By       string // Slack user ID; "" for an import
	Field    string
	From, To string // as stored: user IDs for owner, whole numbers for value and cadence
}

// EntryKind says what a timeline entry is.
type EntryKind string

const (
	EntryNote     EntryKind = "note"
	EntryRevision EntryKind = "revision"
)

// Entry is one item of a customer's timeline (Store.History): a note, a
// revision, a touch or a deal, whichever Kind says.
type Entry struct {
	Kind     EntryKind
	Note     Note     // Kind == EntryNote
	Revision Revision // Kind == EntryRevision
	Touch    Touch    // Kind == EntryTouch
	Deal     Deal     // Kind == EntryDeal
}

// At is when the entry happened.
func (e Entry) At() time.Time {
	switch e.Kind {
	case EntryRevision:
		return e.Revision.At
	case EntryTouch:
		return e.Touch.At
	case EntryDeal:
		return e.Deal.At
	}
	return e.Note.At
}

// Card is a customer with what is shown about it: remembered facts (oldest first)
// and its latest notes (newest first).
type Card struct {
	Customer
	Facts []Fact
	Notes []Note
}

// CompareUrgency orders customers most urgent first, as reminders, the digest,
// lists and App Home rank them: higher worth first (value at risk), then longer
// overdue relative to the cadence ((now-due)/cadence), then by name and ID so
// the order is stable from run to run. It returns a negative number when a is
// more urgent than b.
func CompareUrgency(a, b Customer, now time.Time) int {
	if c := cmp.Compare(b.Worth(), a.Worth()); c != 0 {
		return c
	}
	if c := cmp.Compare(OverdueRatio(b, now), OverdueRatio(a, now)); c != 0 {
		return c
	}
	if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}

// OverdueRatio is how far past due c is at now, in cadences (1.0 = one whole
// cadence late; negative when not yet due). A float: durations multiplied
// together would overflow int64.
func OverdueRatio(c Customer, now time.Time) float64 {
	cad := c.Cadence()
	if cad <= 0 {
		cad = Day // cadences are at least a day; don't divide by zero on bad data
	}
	return float64(now.Sub(c.DueAt())) / float64(cad)
}
