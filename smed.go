// Package smed holds the domain of Smed, a Slack relationship assistant: customers,
// the notes and facts a team keeps about them, the neglect rule, and the contracts
// (interfaces and sentinel errors) that the adapters implement.
//
// It imports only the standard library. Slack lives in package bot, Redis in
// package storage, the scheduler in package reminders; wiring in cmd/smed.
package smed

import (
	"errors"
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

// Customer is one account the team looks after.
type Customer struct {
	ID            string    // opaque, stable, never user text
	Name          string    // display name, as first typed
	Owner         string    // Slack user ID of the owner ("" = nobody)
	Value         int64     // lifetime value or potential, whole currency units
	CadenceDays   int       // how often the customer should hear from us
	CreatedAt     time.Time // when Smed first heard of the customer
	LastContactAt time.Time // last note; zero when never contacted
	SnoozedUntil  time.Time // no reminders before; zero when not snoozed
	NoteCount     int       // notes logged in total
}

// Cadence is CadenceDays as a duration.
func (c Customer) Cadence() time.Duration { return time.Duration(c.CadenceDays) * Day }

// DueAt is when the customer should next hear from us: last contact (or creation,
// when never contacted) plus the cadence, moved to at least the end of a snooze.
//
// storage mirrors this rule in Lua to keep its due index; its contract tests
// compare the two.
func (c Customer) DueAt() time.Time {
	from := c.LastContactAt
	if from.IsZero() {
		from = c.CreatedAt
	}
	due := from.Add(c.Cadence())
	if c.SnoozedUntil.After(due) {
		due = c.SnoozedUntil
	}
	return due
}

// OverdueAt reports whether the customer is overdue at now (now > due).
func (c Customer) OverdueAt(now time.Time) bool { return now.After(c.DueAt()) }

// Snoozed reports whether a snooze is in force at now.
func (c Customer) Snoozed(now time.Time) bool { return c.SnoozedUntil.After(now) }

// Note is one logged conversation. Notes are never capped or dropped.
type Note struct {
	Author string    // Slack user ID
	At     time.Time // when it was logged
	Text   string    // as typed (unescaped)
}

// Fact is a lasting piece of knowledge about a customer ("prefers calls before 10").
type Fact struct {
	Author string
	At     time.Time
	Text   string
}

// Card is a customer with what is shown about it: remembered facts (oldest first)
// and its latest notes (newest first).
type Card struct {
	Customer
	Facts []Fact
	Notes []Note
}
