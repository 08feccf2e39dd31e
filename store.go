package smed

import (
	"context"
	"fmt"
	"iter"
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

// NoteRequest asks the store to log a note (or, for AddFact, remember a fact)
// on one customer, named either by ID or by what was typed.
//
// Exactly one of CustomerID and Candidates is set:
//   - CustomerID (buttons, modals, events, anything after a first resolution):
//     the note text is Text. ErrNotFound when no customer has that ID.
//   - Candidates (what a user typed, longest reading first): the note goes to
//     the first candidate whose name is known, and its text is that
//     candidate's Rest. ErrNotFound when none is known and Create is false.
type NoteRequest struct {
	CustomerID string
	Text       string // with CustomerID

	Candidates []Candidate // longest first; at least one when CustomerID is ""

	Author string // Slack user ID of who said or wrote it
	At     time.Time

	// SavedBy is who saved a note written by someone else (the message
	// shortcut saves a customer's message as a note); "" means the Author.
	SavedBy string
	// Link is the permalink of the Slack message the note came from ("").
	Link string

	// Create, when set and no candidate is known, creates a customer named
	// Candidates[CreateAt].Name (the first by default) owned by Author with
	// CadenceDays, and logs the note on it with that candidate's Rest.
	// Ignored by AddFact and with CustomerID.
	Create      bool
	CreateAt    int
	CadenceDays int
	// UnlessNear, with Create, are the names as typed that must have no
	// near-miss (Store.NearMisses) for the create to happen: the store then
	// checks and creates in one step, and answers ErrMaybeNear, writing
	// nothing, when some known name may be near one of them. A store may
	// answer ErrMaybeNear whenever it cannot rule a near-miss out cheaply;
	// the caller then looks them up and creates without UnlessNear.
	UnlessNear []string
}

// NoteReceipt says what a note or fact write did.
type NoteReceipt struct {
	// Customer is the customer as it is after the write. The store may fill
	// only what a reply shows: ID, Name, Owner, Value, CadenceDays,
	// CreatedAt, LastContactAt, SnoozedUntil, NoteCount.
	Customer Customer
	Text     string // what was stored (the matched candidate's Rest, or Text)
	Created  bool   // the customer was created by this write
	// Matched is the index in NoteRequest.Candidates of the reading that was
	// used (0 with CustomerID).
	Matched int
	// Reminder is what the store saw of the owner's latest reminder DM in
	// the note's own step, so that closing the customer's line on it (see
	// ReminderMessages) needs no lookup when it is not there.
	Reminder ReminderHint
}

// ReminderHint tells whether a customer is listed on its owner's latest
// reminder DM. Checked false: the store did not look (a fact, a store that
// cannot tell), and the caller looks itself.
type ReminderHint struct {
	Checked bool
	Date    string // the DM's date when it lists the customer, else ""
}

// NameRef is a customer found by its name: enough to show it and to address
// it by ID afterwards.
type NameRef struct {
	ID   string
	Name string // display name
}

// Change is a partial update of a customer: nil fields stay as they are.
type Change struct {
	Owner        *string
	Value        *int64
	CadenceDays  *int       // sets the cadence by hand (Customer.CadenceSet)
	SnoozedUntil *time.Time // a zero time clears the snooze

	// IfOwner, when set, is a precondition: the change applies only if the
	// customer's current owner equals *IfOwner ("" = nobody). Otherwise Update
	// writes nothing and returns an error wrapping ErrConflict. The check and
	// the write are one atomic step, so a caller that read the owner, decided
	// it may act, and passes that owner here cannot overwrite a handover that
	// happened in between.
	IfOwner *string

	// By is who makes the change (a Slack user ID, or "" for an import). A
	// change of owner, value or cadence is recorded in the customer's
	// history as a Revision by By.
	By string
	At time.Time // when; the revision's time
}

// Updated is a customer before and after an Update, so a reply can say what
// changed ("due in 30 days anyway: the snooze changes nothing").
type Updated struct {
	Before, After Customer
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
	CadenceDays *int    // nil: keep, DefaultCadenceDays when new; set: CadenceSet
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
	Author   string // who wrote the fact or note
	At       time.Time
}

// FindPage is one page of search results, most recent match first.
type FindPage struct {
	Matches []Match
	// Next is the cursor of the next page ("" when there is none): pass it
	// back to Find to continue where this page stopped.
	Next string
}

// Ranked is one owner's (or the team's) customers for a list: the overdue
// ones most urgent first (higher value first, then longer overdue relative to
// the cadence; see reminders.Rank) and then the ones not yet due, soonest first.
type Ranked struct {
	Customers []Customer // at most the limit asked for
	Total     int        // customers in the list, shown or not
	Overdue   int        // of them overdue at now
	AtRisk    int64      // summed value of the overdue ones (ValueAtRisk)
}

// Renamed says what Rename did.
type Renamed struct {
	Customer Customer // after; Customer.Formerly is the old name
}

// Merged says what Merge did: the customer that remains, with everything of
// the one that is gone.
type Merged struct {
	Into     Customer // after the merge
	Gone     NameRef  // the duplicate, which no longer exists
	Notes    int      // notes moved
	Facts    int      // facts moved (a fact already remembered is not doubled)
	Revision Revision // the merge as recorded in Into's history
}

// Deleted says what Delete removed.
type Deleted struct {
	Customer Customer // as it was
	Notes    int
	Facts    int
}

// Store keeps customers and what the team knows about them, per Slack team.
// Every method takes the team ID first; an implementation keeps teams apart.
//
// Customers are addressed by ID. A name is resolved once, where a use case
// begins (Resolve, or the candidates of AddNote and AddFact, which resolve in
// the same round trip as the write); buttons, modals and events carry the ID.
//
// Errors: ErrNotFound when the customer does not exist; ErrInvalid for input
// the store refuses (nothing written); ErrUnavailable when the store cannot be
// reached (nothing written), together with ErrUnconfirmed when a write was sent
// but no answer came back, or came back broken after the write committed (it
// may have happened: the user must check before retrying).
//
// Costs: no method reads a structure whose size grows with the whole team on a
// request path. Names resolve through a name index, near-misses through an
// edit index, Find through a word index, lists through the due and value
// indexes; all of them are updated in the same atomic step as the write.
// Export and the full reads that backup needs stream in batches.
type Store interface {
	// AddNote logs a note and moves the customer's clock to req.At (never
	// backwards) in one atomic step; with Candidates and a known name it is
	// one round trip, name resolution included.
	AddNote(ctx context.Context, team string, req NoteRequest) (NoteReceipt, error)
	// AddFact remembers a lasting fact (req.Text or the matched candidate's
	// Rest). It does not move the clock.
	AddFact(ctx context.Context, team string, req NoteRequest) (NoteReceipt, error)

	// Resolve returns the first of names (longest reading first) that names
	// a known customer, and its index in names. ErrNotFound when none does.
	Resolve(ctx context.Context, team string, names []string) (NameRef, int, error)
	// NearMisses returns the known customers that any of typed is a
	// near-miss of (names.NearMiss: a prefix of a known name, or a small
	// edit away from one, also after folding), closest first, at most limit.
	// It answers from the name and edit indexes, never by reading every name.
	NearMisses(ctx context.Context, team string, typed []string, limit int) ([]NameRef, error)
	// Suggest is the type-ahead of modals: known names that start with
	// typed (after normalising and folding), in name order, then
	// near-misses of typed, at most limit. An empty typed gives nothing.
	Suggest(ctx context.Context, team, typed string, limit int) ([]NameRef, error)

	// Customer returns the customer with that ID.
	Customer(ctx context.Context, team, id string) (Customer, error)
	// Card returns the customer with its facts (oldest first) and its latest
	// notes (at most notes of them, newest first).
	Card(ctx context.Context, team, id string, notes int) (Card, error)
	// History returns the customer's timeline newest first: notes and
	// revisions (changes of owner, value, cadence and name, merges),
	// skipping offset entries and returning at most limit, and how many
	// entries the timeline has in all.
	History(ctx context.Context, team, id string, offset, limit int) (Customer, []Entry, int, error)

	// Update applies a partial change and returns the customer before and
	// after it. ErrConflict when ch.IfOwner is set and the owner is not that
	// one; nothing is written then. ErrInvalid when a field is out of range
	// (CheckValue, CheckCadence, CheckUserID).
	Update(ctx context.Context, team, id string, ch Change) (Updated, error)
	// Rename gives the customer a new display name; notes, facts and
	// history stay, and the old name is free for a new customer at once.
	// ErrConflict when another customer already has that name (nothing
	// written); renaming to a name that normalises to the current one
	// (case, spaces) only changes how it is written.
	Rename(ctx context.Context, team, id, name, by string, at time.Time) (Renamed, error)
	// Merge folds the customer from into the customer into: notes (by time),
	// facts (not doubled) and revisions move, into keeps its own owner,
	// value and cadence, its clock is the later of the two, and from is gone
	// with its name. ErrInvalid when from == into.
	Merge(ctx context.Context, team, from, into, by string, at time.Time) (Merged, error)
	// Delete removes the customer and everything about it from every index.
	Delete(ctx context.Context, team, id string) (Deleted, error)
	// Forget removes one remembered fact (Fact.ID) and returns the customer.
	// ErrNotFound when the customer or that fact does not exist.
	Forget(ctx context.Context, team, id, factID string) (Customer, error)

	// List returns the owner's customers ("": the team's) as Ranked at now:
	// the overdue ones most urgent first, then the others by due time, at
	// most limit. It reads the owner's due and value indexes; its cost grows
	// with limit (and the size of a tie in value), not with the total.
	List(ctx context.Context, team, owner string, now time.Time, limit int) (Ranked, error)
	// Overdue returns the cards of customers whose due time is before now, with
	// their facts and latest note (Notes has at most one), ordered by due time.
	// owner != "" keeps only that owner's. It is a range query on a due index:
	// its cost grows with the number overdue, not with the total.
	Overdue(ctx context.Context, team string, now time.Time, owner string) ([]Card, error)
	// Owners returns the owners that have at least one customer, sorted.
	Owners(ctx context.Context, team string) ([]string, error)
	// OwnedBy returns every customer of owner, by name.
	OwnedBy(ctx context.Context, team, owner string) ([]Customer, error)
	// Totals returns how many customers the team has and their summed
	// value, from counters kept by every write (no scan). The value summed
	// is each customer's Worth (the larger of Value and DealsSum), as
	// ranking and value at risk use it (SPEC "Value").
	Totals(ctx context.Context, team string) (customers int, value int64, err error)

	// Find searches customer names, facts and notes for all of the words of
	// query (normalised: NFC, case-folded; a query word also matches a word
	// it is a prefix of: "renew" finds "renewal"), most recent first, at
	// most limit a page; cursor "" is the first page. Its cost grows with
	// the matches read, not with the notes stored.
	Find(ctx context.Context, team, query, cursor string, limit int) (FindPage, error)
	// NoteCounts counts the notes logged since (whole days in UTC: the day
	// of since counts in full), per author.
	NoteCounts(ctx context.Context, team string, since time.Time) (map[string]int, error)

	// Import creates the customer or updates the fields of an existing one
	// that the record gives (see ImportRecord for nil fields), and says which
	// it did; applying the same record twice changes nothing the second time,
	// and the second Import reports ImportUnchanged. ErrInvalid when a field
	// is out of range, or when CadenceDays is nil and DefaultCadenceDays is
	// below 1.
	Import(ctx context.Context, team string, rec ImportRecord, at time.Time) (ImportOutcome, error)
	// Export yields every customer of the team with its facts, in name
	// order, reading in batches: memory stays bounded for any team size. It
	// stops at the first error, which it yields with a zero Card.
	Export(ctx context.Context, team string) iter.Seq2[Card, error]

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

// Side is who spoke in a linked channel: someone of the team, or the
// customer (a Slack Connect member of another organisation).
type Side string

const (
	SideTeam     Side = "team"
	SideCustomer Side = "customer"
)

// Touch is one human message in a channel linked to a customer: who, when,
// which side, where. Never the text.
type Touch struct {
	At      time.Time
	Author  string // Slack user ID
	Side    Side
	Channel string // channel ID
	TS      string // the message's ts
}

// Deal is one purchase or renewal.
type Deal struct {
	ID     string // stable within the customer; never user text
	At     time.Time
	Author string
	Amount int64
	Text   string
}

// DealRequest logs a deal on a customer named by ID or by what was typed, as
// NoteRequest names it (Create is not offered: a deal needs a known customer).
type DealRequest struct {
	CustomerID string
	Candidates []Candidate // the matched candidate's Rest is the deal's text
	Text       string      // with CustomerID
	Amount     int64       // CheckValue
	Author     string
	At         time.Time
	// Key, when set, makes the deal idempotent: a second AddDeal with the
	// same Key on the same customer adds nothing and reports Duplicate (a
	// deals file imported twice).
	Key string
}

// DealReceipt says what AddDeal did.
type DealReceipt struct {
	Customer  Customer // after the deal (its deal totals included)
	Deal      Deal
	Matched   int  // index of the candidate used
	Duplicate bool // Key was already recorded: nothing was written
}

// Written is a note or fact someone wrote, as LastWritten finds it for undo.
type Written struct {
	CustomerID string
	Kind       EntryKind // EntryNote or EntryFact
	EntryID    string    // the entry within the customer
	Text       string
	At         time.Time
}

// EntryFact and EntryTouch extend the timeline kinds (Store.History shows
// touches; facts appear only as Written).
const (
	EntryFact  EntryKind = "fact"
	EntryTouch EntryKind = "touch"
	EntryDeal  EntryKind = "deal"
)

// ReminderMessage is where an owner's reminder DM of one day was posted and
// which customers it listed, so it can be rewritten as they are contacted.
type ReminderMessage struct {
	Date      string // the owner-local day, YYYY-MM-DD
	Channel   string
	TS        string
	Customers []string // IDs listed
}

// Links keeps which channel belongs to which customer, and the touches its
// messages make.
type Links interface {
	// Link links channel to the customer. A channel links to at most one
	// customer: ErrConflict (with the other customer in the NameRef) when it
	// is linked to another; linking it again to the same one changes nothing.
	Link(ctx context.Context, team, channel, id, by string, at time.Time) (NameRef, error)
	// Unlink ends the channel's link and returns the customer it was linked
	// to; ErrNotFound when it was not linked.
	Unlink(ctx context.Context, team, channel string) (NameRef, error)
	// LinkedTo is the customer a channel is linked to; ErrNotFound when none.
	LinkedTo(ctx context.Context, team, channel string) (NameRef, error)
	// Links returns the channels linked to the customer.
	Links(ctx context.Context, team, id string) ([]string, error)
	// AddTouch records a touch on the customer the touch's channel is linked
	// to, in one atomic step with the lookup: the clock moves to t.At (never
	// back), LastContactBy is t.Author, and the side's last message time
	// moves (Customer.LastCustomerAt or LastTeamAt). ErrNotFound when the
	// channel is not linked (nothing written).
	AddTouch(ctx context.Context, team string, t Touch) (Customer, error)
}

// Deals keeps what customers bought.
type Deals interface {
	// AddDeal logs a deal; it is contact too (the clock moves). ErrNotFound
	// when no candidate (or ID) is known.
	AddDeal(ctx context.Context, team string, req DealRequest) (DealReceipt, error)
	// Deals returns the customer's deals since (zero: all), newest first.
	Deals(ctx context.Context, team, id string, since time.Time) ([]Deal, error)
}

// Undo finds and takes back what someone just wrote.
type Undo interface {
	// LastWritten is author's latest note or fact written at or after since,
	// on any customer; ErrNotFound when there is none.
	LastWritten(ctx context.Context, team, author string, since time.Time) (Written, error)
	// Unwrite removes exactly that entry. Removing a note moves the clock
	// back to where it was before it, unless a contact came after it.
	// ErrNotFound when the entry is gone already.
	Unwrite(ctx context.Context, team string, w Written) (Customer, error)
}

// ReminderMessages remembers the reminder DMs of the day (kept two days).
type ReminderMessages interface {
	SaveReminderMessage(ctx context.Context, team, owner string, m ReminderMessage) error
	// ReminderMessage is the owner's latest; ErrNotFound when none.
	ReminderMessage(ctx context.Context, team, owner string) (ReminderMessage, error)
}

// RecordKind says what a backup record holds.
type RecordKind string

const (
	RecordCustomer RecordKind = "customer"
	RecordFact     RecordKind = "fact"
	RecordNote     RecordKind = "note"
	RecordRevision RecordKind = "revision"
	RecordDeal     RecordKind = "deal"
	RecordTouch    RecordKind = "touch"
	RecordLink     RecordKind = "link"
)

// Record is one piece of a workspace in a backup: a customer, or one thing
// belonging to the customer CustomerID. Only the field Kind names is set.
type Record struct {
	Kind       RecordKind
	CustomerID string
	Customer   Customer // RecordCustomer (Customer.ID == CustomerID)
	Fact       Fact
	Note       Note
	Revision   Revision
	Deal       Deal
	Touch      Touch
	Channel    string // RecordLink
}

// Backups reads and writes a whole workspace, guards excluded.
type Backups interface {
	// Backup yields every record of the team: customers in ID order, each
	// followed by its facts, notes, revisions, deals and touches in stored
	// order and its links by channel. It reads in batches, so memory stays
	// bounded; the first error ends it (yielded with a zero Record).
	Backup(ctx context.Context, team string) iter.Seq2[Record, error]
	// Empty reports whether the team has no customers.
	Empty(ctx context.Context, team string) (bool, error)
	// Restore writes records as they are, IDs and times included, and
	// rebuilds every index: one atomic step per customer (its records must
	// come together, the customer first). A customer that exists already is
	// ErrConflict unless merge is set, when its records are added to it
	// (entries already there are not doubled).
	Restore(ctx context.Context, team string, records []Record, merge bool) error
}

// Concentration is a customer whose recent knowledge rests on one person:
// of its notes of the last 180 days (at least 5), Author wrote ByAuthor, at
// least 80 % (loyalty.KnowledgeOf).
type Concentration struct {
	Customer Customer
	Author   string
	Notes    int
	ByAuthor int
}

// RepurchaseFigures are a team's buying over the 365 days to now: customers
// with at least one deal (Buyers) and with two or more (Returning), the value
// of all deals, and of repeat deals (a deal whose customer bought before in
// the 365 days before it).
type RepurchaseFigures struct {
	Buyers, Returning  int
	Value, RepeatValue int64
}

// DriftingCustomer is a customer drifting out of its own rhythm, and why: its
// latest gaps in days, the last one the silence still going on ("gaps 12 →
// 19 → 31 days").
type DriftingCustomer struct {
	Customer Customer
	Gaps     []int
}

// Ignored is a customer its owner's reminders listed several times in a row
// without a contact or a snooze within three days of each.
type Ignored struct {
	Customer Customer
	Times    int // reminders in a row
}

// FollowThrough counts, for one owner, what became of the customers their
// reminders listed: contacted within three days, snoozed, or ignored.
type FollowThrough struct {
	Listed, Contacted, Snoozed, Ignored int
}

// TeamSnapshot is a team's key figures on one day, kept so that the digest and
// stats can show them against 7 and 30 days ago without recomputing history.
type TeamSnapshot struct {
	Date      string // YYYY-MM-DD in the team's zone
	Customers int
	Overdue   int
	Value     int64 // summed worth
	AtRisk    int64
	Buyers    int
	Returning int
}

// Loyalty keeps what the loyalty figures need across a team, updated by the
// writes themselves, so that no request reads every customer:
//
// Learned cadence. For a customer whose cadence was never set by hand, the
// store keeps its cadence learned from its own contacts (notes, deals,
// touches) as loyalty.ContactRhythm and loyalty.CadenceFor define it, within
// the bounds the store was configured with, and its due time (and so
// reminders, lists, the digest) follows it. Customer.CadenceDays is then the
// learned cadence, and CadenceSet false.
type Loyalty interface {
	// Drifting lists customers drifting at now (loyalty.DriftOf: not overdue
	// or snoozed, and their silence is past 1.5 × their median gap, or their
	// last three gaps each grew), owner "" for the team, most valuable first,
	// at most limit, and how many there are.
	Drifting(ctx context.Context, team, owner string, now time.Time, limit int) ([]DriftingCustomer, int, error)
	// Concentrated lists customers whose knowledge rests on one person,
	// most valuable first, at most limit.
	Concentrated(ctx context.Context, team string, now time.Time, limit int) ([]Concentration, error)
	// Repurchase returns the team's buying figures for the 365 days to now.
	Repurchase(ctx context.Context, team string, now time.Time) (RepurchaseFigures, error)
	// RecordListing records that owner's reminder listed ids at at. It
	// first settles each customer's previous listing whose three days are
	// over (contacted, snoozed or ignored, loyalty.Classify), counting it for
	// the owner and in the customer's run of ignored reminders.
	RecordListing(ctx context.Context, team, owner string, ids []string, at time.Time) error
	// IgnoredRuns lists customers whose last `times` or more reminders in a
	// row were ignored, most valuable first, at most limit.
	IgnoredRuns(ctx context.Context, team string, times, limit int) ([]Ignored, error)
	// FollowThroughs returns each owner's settled listings.
	FollowThroughs(ctx context.Context, team string) (map[string]FollowThrough, error)
	// SaveSnapshot keeps the day's figures (kept at least 40 days); the first
	// of a day wins, so replicas and reruns agree.
	SaveSnapshot(ctx context.Context, team string, s TeamSnapshot) error
	// Snapshots returns the snapshots of the dates asked for that exist.
	Snapshots(ctx context.Context, team string, dates []string) ([]TeamSnapshot, error)
}
