// Package backup writes and reads a whole Smed workspace as JSON Lines, for
// `smed backup` and `smed restore`: one record a line, each with a "kind",
// after a first line that names the format and its version. Writing streams
// the store's records as they come; reading checks a whole file first and
// then hands it over in groups, one customer at a time, so memory stays
// bounded for a workspace of any size.
//
// The format is a public contract (operators keep these files for years):
//
//	{"kind":"smed-backup","version":1}
//	{"kind":"customer","id":"…","name":"Acme Corp","owner":"U0123","value":120000,…}
//	{"kind":"fact","customer":"…","id":"…","author":"U0123","at":"2026-…Z","text":"…"}
//	{"kind":"note","customer":"…","author":"U0123","at":"…","text":"…"}
//	{"kind":"revision","customer":"…","at":"…","by":"U0123","field":"owner","from":"…","to":"…"}
//	{"kind":"deal","customer":"…","id":"…","at":"…","author":"…","amount":48000,"text":"…"}
//	{"kind":"touch","customer":"…","at":"…","author":"…","side":"customer","channel":"C…","ts":"…"}
//	{"kind":"link","customer":"…","channel":"C…"}
//
// Times are RFC 3339 in UTC with as many fractional digits as they have, so
// a backup of a restored backup is the same file, byte for byte.
//
// It imports only the standard library and the root package smed.
package backup

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smedhq/smed"
)

// Version is the format version Write writes and Read accepts.
const Version = 1

const header = "smed-backup"

type headerLine struct {
	Kind    string `json:"kind"`
	Version int    `json:"version"`
}

// Looks reports whether start, the first bytes of a file, begin with a
// backup's version line (of any version): a file to restore, not to import.
func Looks(start []byte) bool {
	start = bytes.TrimPrefix(start, []byte("\ufeff"))
	first, _, _ := bytes.Cut(start, []byte("\n"))
	var h headerLine
	return json.Unmarshal(bytes.TrimSpace(first), &h) == nil && h.Kind == header
}

// line is every kind of record line; omitempty keeps each kind to its own
// fields, and field order is fixed by the struct, so files are stable.
type line struct {
	Kind     string `json:"kind"`
	Customer string `json:"customer,omitempty"` // every kind but customer

	// customer
	ID             string `json:"id,omitempty"` // customer, fact, deal
	Name           string `json:"name,omitempty"`
	Owner          string `json:"owner,omitempty"`
	Value          int64  `json:"value,omitempty"`
	CadenceDays    int    `json:"cadence_days,omitempty"`
	CadenceSet     bool   `json:"cadence_set,omitempty"`
	CreatedAt      string `json:"created_at,omitempty"`
	LastContactAt  string `json:"last_contact_at,omitempty"`
	LastContactBy  string `json:"last_contact_by,omitempty"`
	SnoozedUntil   string `json:"snoozed_until,omitempty"`
	NoteCount      int    `json:"note_count,omitempty"`
	Formerly       string `json:"formerly,omitempty"`
	LastCustomerAt string `json:"last_customer_at,omitempty"`
	LastTeamAt     string `json:"last_team_at,omitempty"`
	DealsSum       int64  `json:"deals_sum,omitempty"`
	DealsCount     int    `json:"deals_count,omitempty"`
	LastDealAt     string `json:"last_deal_at,omitempty"`

	// fact, note, deal, touch
	Author string `json:"author,omitempty"`
	At     string `json:"at,omitempty"` // also revision
	Text   string `json:"text,omitempty"`
	// note
	SavedBy string `json:"saved_by,omitempty"`
	Link    string `json:"link,omitempty"`
	// revision
	By    string `json:"by,omitempty"`
	Field string `json:"field,omitempty"`
	From  string `json:"from,omitempty"`
	To    string `json:"to,omitempty"`
	// deal
	Amount int64 `json:"amount,omitempty"`
	// touch, link
	Side    string `json:"side,omitempty"`
	Channel string `json:"channel,omitempty"`
	TS      string `json:"ts,omitempty"`
}

func ts(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func encode(r smed.Record) line {
	l := line{Kind: string(r.Kind), Customer: r.CustomerID}
	switch r.Kind {
	case smed.RecordCustomer:
		c := r.Customer
		l.Customer = ""
		l.ID, l.Name, l.Owner, l.Value, l.CadenceDays, l.CadenceSet = c.ID, c.Name, c.Owner, c.Value, c.CadenceDays, c.CadenceSet
		l.CreatedAt, l.LastContactAt, l.LastContactBy, l.SnoozedUntil = ts(c.CreatedAt), ts(c.LastContactAt), c.LastContactBy, ts(c.SnoozedUntil)
		l.NoteCount, l.Formerly, l.LastCustomerAt, l.LastTeamAt = c.NoteCount, c.Formerly, ts(c.LastCustomerAt), ts(c.LastTeamAt)
		l.DealsSum, l.DealsCount, l.LastDealAt = c.DealsSum, c.DealsCount, ts(c.LastDealAt)
	case smed.RecordFact:
		l.ID, l.Author, l.At, l.Text = r.Fact.ID, r.Fact.Author, ts(r.Fact.At), r.Fact.Text
	case smed.RecordNote:
		n := r.Note
		l.Author, l.At, l.Text, l.SavedBy, l.Link = n.Author, ts(n.At), n.Text, n.SavedBy, n.Link
	case smed.RecordRevision:
		v := r.Revision
		l.At, l.By, l.Field, l.From, l.To = ts(v.At), v.By, v.Field, v.From, v.To
	case smed.RecordDeal:
		d := r.Deal
		l.ID, l.At, l.Author, l.Amount, l.Text = d.ID, ts(d.At), d.Author, d.Amount, d.Text
	case smed.RecordTouch:
		t := r.Touch
		l.At, l.Author, l.Side, l.Channel, l.TS = ts(t.At), t.Author, string(t.Side), t.Channel, t.TS
	case smed.RecordLink:
		l.Channel = r.Channel
	}
	return l
}

// Write writes the header line and then every record as it comes, and
// returns how many records it wrote. The first error of records stops it.
func Write(w io.Writer, records iter.Seq2[smed.Record, error]) (int, error) {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(headerLine{Kind: header, Version: Version}); err != nil {
		return 0, fmt.Errorf("backup: write: %w", err)
	}
	n := 0
	for r, err := range records {
		if err != nil {
			_ = bw.Flush()
			return n, err
		}
		if err := enc.Encode(encode(r)); err != nil {
			return n, fmt.Errorf("backup: write: %w", err)
		}
		n++
	}
	if err := bw.Flush(); err != nil {
		return n, fmt.Errorf("backup: write: %w", err)
	}
	return n, nil
}

// LineError is what is wrong with one line of a backup file.
type LineError struct {
	Line int
	Err  error
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e LineError) Unwrap() error { return e.Err }

// Problems is every bad line of a file, in order (at most maxProblems).
type Problems []LineError

func (p Problems) Error() string {
	msgs := make([]string, len(p))
	for i, e := range p {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "\n")
}

// maxProblems bounds the report of a file that is not a backup at all.
const maxProblems = 50

// maxLine bounds one line (a note holds 3,000 characters; JSON escapes may
// multiply that).
const maxLine = 1 << 20

// Check reads a whole backup file and reports every bad line: not JSON, an
// unknown kind, a missing or invalid field, a record of a customer that did
// not come first, a customer ID twice, a header that is missing or of
// another version. It keeps only the customer IDs seen, so its memory grows
// with the number of customers, not of lines. records counts the records.
func Check(r io.Reader) (records int, err error) {
	var probs Problems
	seen := map[string]bool{}
	current := ""
	n := 0
	for nl, lerr := range lines(r) {
		lineNo, l := nl.n, nl.l
		if lerr != nil {
			var le LineError
			if errors.As(lerr, &le) {
				probs = append(probs, le)
				if len(probs) >= maxProblems {
					break
				}
				continue
			}
			return n, lerr
		}
		rec, err := decode(l)
		if err != nil {
			probs = append(probs, LineError{lineNo, err})
		} else {
			switch {
			case rec.Kind == smed.RecordCustomer && seen[rec.CustomerID]:
				probs = append(probs, LineError{lineNo, fmt.Errorf("customer %s appears twice", rec.CustomerID)})
			case rec.Kind == smed.RecordCustomer:
				seen[rec.CustomerID] = true
				current = rec.CustomerID
			case rec.CustomerID != current:
				probs = append(probs, LineError{lineNo, fmt.Errorf("a %s of customer %q, which is not the customer of the lines before it", rec.Kind, rec.CustomerID)})
			}
			n++
		}
		if len(probs) >= maxProblems {
			break
		}
	}
	if len(probs) > 0 {
		return n, probs
	}
	return n, nil
}

// Customers reads a backup file that Check accepted and yields it one
// customer at a time: the customer's record and all its own.
func Customers(r io.Reader) iter.Seq2[[]smed.Record, error] {
	return func(yield func([]smed.Record, error) bool) {
		var group []smed.Record
		for nl, err := range lines(r) {
			if err != nil {
				yield(nil, err)
				return
			}
			rec, err := decode(nl.l)
			if err != nil {
				yield(nil, LineError{nl.n, err})
				return
			}
			if rec.Kind == smed.RecordCustomer && len(group) > 0 {
				if !yield(group, nil) {
					return
				}
				group = nil
			}
			group = append(group, rec)
		}
		if len(group) > 0 {
			yield(group, nil)
		}
	}
}

// numbered is a record line and its number in the file (from 1).
type numbered struct {
	n int
	l line
}

// lines yields the record lines of a backup after checking the header line.
// A line that is no record is a LineError and the reading goes on; a reader
// error ends it.
func lines(r io.Reader) iter.Seq2[numbered, error] {
	return func(yield func(numbered, error) bool) {
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64<<10), maxLine)
		n := 0
		for sc.Scan() {
			n++
			raw := sc.Bytes()
			if n == 1 {
				var h headerLine
				if json.Unmarshal(raw, &h) != nil || h.Kind != header {
					yield(numbered{n: n}, LineError{n, fmt.Errorf("not a Smed backup: the first line must be {\"kind\":%q,\"version\":%d}", header, Version)})
					return
				}
				if h.Version != Version {
					yield(numbered{n: n}, LineError{n, fmt.Errorf("backup version %d; this Smed reads version %d", h.Version, Version)})
					return
				}
				continue
			}
			if len(strings.TrimSpace(string(raw))) == 0 {
				continue
			}
			var l line
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&l); err != nil {
				if !yield(numbered{n: n}, LineError{n, fmt.Errorf("not a record: %v", err)}) {
					return
				}
				continue
			}
			if !yield(numbered{n, l}, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil {
			if errors.Is(err, bufio.ErrTooLong) {
				yield(numbered{n: n + 1}, LineError{n + 1, fmt.Errorf("a line longer than %d bytes", maxLine)})
				return
			}
			yield(numbered{n: n}, fmt.Errorf("backup: read: %w", err))
			return
		}
		if n == 0 {
			yield(numbered{n: 1}, LineError{1, errors.New("empty file: not a Smed backup")})
		}
	}
}

// decode turns a line into a record, checking every field.
func decode(l line) (smed.Record, error) {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	tm := func(field, s string, required bool) time.Time {
		if s == "" {
			if required {
				bad("%s is missing", field)
			}
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			bad("%s %q is not an RFC 3339 time", field, s)
		}
		return t
	}
	user := func(field, s string, required bool) {
		if s == "" && !required {
			return
		}
		if err := smed.CheckUserID(s); err != nil {
			bad("%s %q is not a user ID", field, s)
		}
	}
	text := func(field, s string, max int) {
		if !utf8.ValidString(s) {
			bad("%s is not valid UTF-8", field)
		}
		if utf8.RuneCountInString(s) > max {
			bad("%s has more than %d characters", field, max)
		}
	}
	id := func(field, s string) {
		if s == "" || len(s) > 64 || strings.ContainsAny(s, " {}:\n") {
			bad("%s %q is not an ID", field, s)
		}
	}
	rec := smed.Record{Kind: smed.RecordKind(l.Kind), CustomerID: l.Customer}
	switch rec.Kind {
	case smed.RecordCustomer:
		id("id", l.ID)
		rec.CustomerID = l.ID
		if strings.TrimSpace(l.Name) == "" {
			bad("name is missing")
		}
		text("name", l.Name, smed.MaxNameRunes)
		text("formerly", l.Formerly, smed.MaxNameRunes)
		user("owner", l.Owner, false)
		user("last_contact_by", l.LastContactBy, false)
		if err := smed.CheckValue(l.Value); err != nil {
			bad("value %d is out of range", l.Value)
		}
		if err := smed.CheckCadence(l.CadenceDays); err != nil {
			bad("cadence_days %d is out of range", l.CadenceDays)
		}
		if l.NoteCount < 0 || l.DealsCount < 0 || l.DealsSum < 0 {
			bad("a count is negative")
		}
		rec.Customer = smed.Customer{ID: l.ID, Name: l.Name, Owner: l.Owner, Value: l.Value, CadenceDays: l.CadenceDays,
			CadenceSet: l.CadenceSet, CreatedAt: tm("created_at", l.CreatedAt, true), LastContactAt: tm("last_contact_at", l.LastContactAt, false),
			LastContactBy: l.LastContactBy, SnoozedUntil: tm("snoozed_until", l.SnoozedUntil, false), NoteCount: l.NoteCount,
			Formerly: l.Formerly, LastCustomerAt: tm("last_customer_at", l.LastCustomerAt, false), LastTeamAt: tm("last_team_at", l.LastTeamAt, false),
			DealsSum: l.DealsSum, DealsCount: l.DealsCount, LastDealAt: tm("last_deal_at", l.LastDealAt, false)}
	case smed.RecordFact:
		id("id", l.ID)
		user("author", l.Author, false)
		text("text", l.Text, smed.MaxTextRunes)
		rec.Fact = smed.Fact{ID: l.ID, Author: l.Author, At: tm("at", l.At, true), Text: l.Text}
	case smed.RecordNote:
		user("author", l.Author, true)
		user("saved_by", l.SavedBy, false)
		text("text", l.Text, smed.MaxTextRunes)
		text("link", l.Link, 1000)
		rec.Note = smed.Note{Author: l.Author, At: tm("at", l.At, true), Text: l.Text, SavedBy: l.SavedBy, Link: l.Link}
	case smed.RecordRevision:
		user("by", l.By, false)
		switch l.Field {
		case "owner", "value", "cadence", "name", "merge":
		default:
			bad("field %q is not owner, value, cadence, name or merge", l.Field)
		}
		text("from", l.From, 200)
		text("to", l.To, 200)
		rec.Revision = smed.Revision{At: tm("at", l.At, true), By: l.By, Field: l.Field, From: l.From, To: l.To}
	case smed.RecordDeal:
		id("id", l.ID)
		user("author", l.Author, false)
		if err := smed.CheckValue(l.Amount); err != nil {
			bad("amount %d is out of range", l.Amount)
		}
		text("text", l.Text, smed.MaxTextRunes)
		rec.Deal = smed.Deal{ID: l.ID, At: tm("at", l.At, true), Author: l.Author, Amount: l.Amount, Text: l.Text}
	case smed.RecordTouch:
		user("author", l.Author, true)
		if l.Side != string(smed.SideTeam) && l.Side != string(smed.SideCustomer) {
			bad("side %q is not team or customer", l.Side)
		}
		if err := smed.CheckChannelID(l.Channel); err != nil {
			bad("channel %q is not a channel ID", l.Channel)
		}
		text("ts", l.TS, 40)
		rec.Touch = smed.Touch{At: tm("at", l.At, true), Author: l.Author, Side: smed.Side(l.Side), Channel: l.Channel, TS: l.TS}
	case smed.RecordLink:
		if err := smed.CheckChannelID(l.Channel); err != nil {
			bad("channel %q is not a channel ID", l.Channel)
		}
		rec.Channel = l.Channel
	default:
		return smed.Record{}, fmt.Errorf("kind %q is not one of customer, fact, note, revision, deal, touch, link", l.Kind)
	}
	if rec.Kind != smed.RecordCustomer {
		id("customer", l.Customer)
	}
	if len(errs) > 0 {
		return smed.Record{}, errors.Join(errs...)
	}
	return rec, nil
}
