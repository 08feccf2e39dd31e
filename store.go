package smed

import (
	"context"
	"fmt"
	"time"
)

// Candidate is one reading of what a user typed after a subcommand: the leading
// words taken as a customer name, and the rest (the note or fact text).
//
// For unquoted input the parser offers every prefix of the words, longest first,
// so the store can pick the longest one that names a known customer in the same
// round trip as the write (SPEC: longest known prefix).
type Candidate struct {
	Name string // as typed; the store normalises it
	Rest string // the text that follows that name
}

// NoteRequest asks the store to log a note on the customer named by the first
// candidate that is known.
type NoteRequest struct {
	Candidates []Candidate // longest first; at least one
	Author     string      // Slack user ID
	At         time.Time
	// Create, when set and no candidate is known, creates a customer named
	// Candidates[0].Name owned by Author with CadenceDays, and logs the note on it.
	Create      bool
	CadenceDays int
}

// NoteReceipt says what a note or fact write did.
type NoteReceipt struct {
	Customer Customer // as it is after the write
	Text     string   // the Rest of the candidate that matched: what was stored
	Created  bool     // the customer was created by this write
}

// Change is a partial update of a customer: nil fields stay as they are.
type Change struct {
	Owner        *string
	Value        *int64
	CadenceDays  *int
	SnoozedUntil *time.Time // a zero time clears the snooze

	// IfOwner, when set, is a precondition: the change applies only if the
	// customer's current owner equals *IfOwner ("" = nobody). Otherwise Update
	// writes nothing and returns an error wrapping ErrConflict. The check and
	// the write are one atomic step, so a caller that read the owner, decided
	// it may act, and passes that owner here cannot overwrite a handover that
	// happened in between.
	IfOwner *string
}

// ImportRecord creates or updates one customer from a CSV row (or any bulk source).
//
// Owner, Value and CadenceDays are nil when the source does not have the field
// at all (a CSV file without that column): an existing customer keeps what it
// has, and a new one gets no owner, value 0 and DefaultCadenceDays. So a file
// of only names and facts adds facts without touching owners or cadences. A
// set field applies to new and existing customers alike; *Owner == "" means
// nobody.
type ImportRecord struct {
	Name        string
	Owner       *string // Slack user ID or "" (nobody); nil: keep, nobody when new
	Value       *int64  // nil: keep, 0 when new
	CadenceDays *int    // nil: keep, DefaultCadenceDays when new
	// DefaultCadenceDays is the cadence of a new customer when CadenceDays is
	// nil; it must then be at least 1, since whether the customer is new is
	// only known inside the store's atomic write. It travels with the record,
	// not as an Import parameter, because the reader that leaves CadenceDays
	// nil is the one that knows the default (csvio.Read sets it on every row).
	DefaultCadenceDays int
	LastContactAt      time.Time // zero: keep what is there (or never, for a new customer)
	Facts              []string  // added when not already remembered (exact text)
}

// ImportOutcome says what Store.Import did with a record, so that a report of
// a bulk import can tell a re-import of the same file from real changes.
type ImportOutcome int

const (
	// ImportUnchanged: the customer existed and the record changed nothing:
	// the owner, value and cadence it gives (non-nil) were as stored, the
	// last contact did not move (it was not given, or not later than the
	// stored one) and every fact was already remembered.
	ImportUnchanged ImportOutcome = iota
	// ImportCreated: the customer did not exist and was created.
	ImportCreated
	// ImportUpdated: the customer existed and at least one field the record
	// gives changed, its last contact moved, or a new fact was added.
	ImportUpdated
)

func (o ImportOutcome) String() string {
	switch o {
	case ImportUnchanged:
		return "unchanged"
	case ImportCreated:
		return "created"
	case ImportUpdated:
		return "updated"
	}
	return fmt.Sprintf("ImportOutcome(%d)", int(o))
}

// Match is one hit of a search.
type Match struct {
	Customer Customer
	Field    string // "name", "fact" or "note"
	Text     string // the matching fact or note text ("" for a name hit)
	At       time.Time
}

// Store keeps customers, notes and facts per Slack team. Every method takes the
// team ID; an implementation keeps teams apart. Methods return ErrNotFound when
// the named customer does not exist and wrap ErrUnavailable when the store cannot
// be reached; nothing is written in either case.
type Store interface {
	// AddNote logs a note and moves the customer's clock to req.At (never
	// backwards) in one atomic step. ErrNotFound when no candidate is known and
	// req.Create is false.
	AddNote(ctx context.Context, team string, req NoteRequest) (NoteReceipt, error)
	// Remember adds a lasting fact to the customer named by the first known
	// candidate (longest first). ErrNotFound when none is known.
	Remember(ctx context.Context, team string, cands []Candidate, author string, at time.Time) (NoteReceipt, error)
	// Customer returns the customer with that name (normalised compare).
	Customer(ctx context.Context, team, name string) (Customer, error)
	// Card returns the customer with its facts and its latest notes (at most
	// notes of them, newest first).
	Card(ctx context.Context, team, name string, notes int) (Card, error)
	// History returns notes newest first, skipping offset, at most limit, and
	// the customer (for NoteCount, the total).
	History(ctx context.Context, team, name string, offset, limit int) (Customer, []Note, error)
	// Update applies a partial change to the named customer and returns it.
	// ErrConflict when ch.IfOwner is set and the owner is not that one;
	// nothing is written then.
	Update(ctx context.Context, team, name string, ch Change) (Customer, error)
	// Names returns the display names of all customers of the team (for
	// near-miss suggestions), in no particular order.
	Names(ctx context.Context, team string) ([]string, error)
	// Customers returns the team's customers ordered by due time, earliest
	// first; owner != "" keeps only that owner's (an index lookup, not a scan).
	Customers(ctx context.Context, team, owner string) ([]Customer, error)
	// Overdue returns the cards of customers whose due time is before now, with
	// their facts and latest note (Notes has at most one), ordered by due time.
	// owner != "" keeps only that owner's. It is a range query on a due index:
	// its cost grows with the number overdue, not with the total.
	Overdue(ctx context.Context, team string, now time.Time, owner string) ([]Card, error)
	// Owners returns the owners that have at least one customer, sorted.
	Owners(ctx context.Context, team string) ([]string, error)
	// Find searches customer names, facts and notes for all of the words
	// (case-insensitive), at most limit matches.
	Find(ctx context.Context, team, query string, limit int) ([]Match, error)
	// Export returns every customer of the team with its facts, by name.
	Export(ctx context.Context, team string) ([]Card, error)
	// Import creates the customer or updates the fields of an existing one
	// that the record gives (see ImportRecord for nil fields), and says which
	// it did; applying the same record twice changes nothing the second time,
	// and the second Import reports ImportUnchanged. ErrInvalid when a field
	// is out of range, or when CadenceDays is nil and DefaultCadenceDays is
	// below 1.
	Import(ctx context.Context, team string, rec ImportRecord, at time.Time) (ImportOutcome, error)
	// NoteCounts counts the notes logged since, per author.
	NoteCounts(ctx context.Context, team string, since time.Time) (map[string]int, error)
	// Ping checks that the store answers.
	Ping(ctx context.Context) error
}

// Guard makes a send happen at most once per key, across processes.
//
// The protocol is Claim → send → Confirm on success or Release on failure, so a
// send that failed is retried by the next run and not lost.
type Guard interface {
	// Claim takes the key for lease (a send in progress). It returns false when
	// the key is already taken (sent, or being sent by another process).
	Claim(ctx context.Context, team, key string, lease time.Duration) (bool, error)
	// Confirm marks the key as sent for keep.
	Confirm(ctx context.Context, team, key string, keep time.Duration) error
	// Release frees a claimed key after a failed send.
	Release(ctx context.Context, team, key string) error
}
