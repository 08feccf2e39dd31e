// Package csvio reads and writes customers as CSV for `smed import` and
// `smed export`. It imports only the standard library and the root package smed.
//
// The format is one header row and one customer per row:
//
//	name,owner,value,cadence_days,last_contact,facts
//	Acme Corp,U0123ABCD,120k,14,2026-11-02,prefers calls before 10 | pays in instalments
//
// On input the columns may come in any order and header names are
// case-insensitive; only name is required. owner is a Slack user ID (U… or W…)
// or empty; value is an amount as smed.ParseAmount reads it (empty = 0);
// cadence_days a whole number of days (empty = the default given to Read);
// last_contact a date (YYYY-MM-DD, midnight in the given zone) or an RFC 3339
// time (empty = never, or keep what the store has); facts are separated by " | ".
// A column the header does not have is left alone: Read leaves that field of
// the smed.ImportRecord nil, so an existing customer keeps its owner, value or
// cadence (and a new one gets none, 0, the default).
// A UTF-8 byte order mark, CRLF line ends and quoted fields holding commas or
// line breaks are fine. Write produces the same format, so that an export
// imports again unchanged.
package csvio

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"iter"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/smedhq/smed"
)

// Header is the column names, in the order Write writes them.
var Header = []string{"name", "owner", "value", "cadence_days", "last_contact", "facts"}

// FactSep separates facts within the facts field. A fact that itself holds
// " | " comes back from a round trip as two facts.
const FactSep = " | "

// Row is one customer read from the file.
type Row struct {
	Line   int // line the row starts on (the header is line 1)
	Record smed.ImportRecord
}

// LineError is what is wrong with one row; the row is not imported. When
// several fields are bad, Err holds all of them (errors.Is and errors.As find
// each) and Error reads "line 4: owner …; value …" on one line.
type LineError struct {
	Line int // line the row starts on
	Err  error
}

func (e LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }
func (e LineError) Unwrap() error { return e.Err }

// slackUser matches Slack user IDs (U0123ABCD, and W… for Enterprise Grid).
var slackUser = regexp.MustCompile(`^[UW][A-Z0-9]{2,}$`)

// Read reads customers from r. Rows with problems are returned in problems
// (with their line numbers) and left out of rows; the other rows import. err is
// non-nil only when r cannot be read, the header is missing or bad (it names
// the unknown columns), or defaultCadence is out of range.
func Read(r io.Reader, defaultCadence int, loc *time.Location) (rows []Row, problems []LineError, err error) {
	if defaultCadence < 1 || defaultCadence > smed.MaxDays {
		return nil, nil, fmt.Errorf("csv: default cadence %d is not 1 to %d days", defaultCadence, smed.MaxDays)
	}
	if loc == nil {
		loc = time.UTC
	}
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(3); string(bom) == "\ufeff" {
		br.Discard(3)
	}
	cr := csv.NewReader(br)
	cr.FieldsPerRecord = -1 // a ragged row is that row's problem, not the file's

	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("csv: empty file: want a header row %s", strings.Join(Header, ","))
	}
	if err != nil {
		return nil, nil, fmt.Errorf("csv: header: %w", err)
	}
	cols, err := columns(head)
	if err != nil {
		return nil, nil, err
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, problems, nil
		}
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			// A quoting error spoils that row; the reader resumes after it.
			problems = append(problems, LineError{Line: pe.StartLine, Err: pe.Err})
			continue
		}
		if err != nil {
			return rows, problems, fmt.Errorf("csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if blank(rec) {
			continue // spreadsheets leave rows of empty cells at the end
		}
		if len(rec) != len(cols) {
			problems = append(problems, LineError{Line: line, Err: fmt.Errorf("%d fields, but the header has %d", len(rec), len(cols))})
			continue
		}
		ir, err := record(rec, cols, defaultCadence, loc)
		if err != nil {
			problems = append(problems, LineError{Line: line, Err: err})
			continue
		}
		rows = append(rows, Row{Line: line, Record: ir})
	}
}

// columns maps each header cell to a known column name.
func columns(head []string) ([]string, error) {
	known := map[string]bool{}
	for _, h := range Header {
		known[h] = true
	}
	seen := map[string]bool{}
	var unknown, dup []string
	cols := make([]string, len(head))
	for i, h := range head {
		c := strings.ToLower(strings.TrimSpace(h))
		switch {
		case !known[c]:
			unknown = append(unknown, strconv.Quote(strings.TrimSpace(h)))
		case seen[c]:
			dup = append(dup, c)
		}
		seen[c] = true
		cols[i] = c
	}
	switch {
	case len(unknown) > 0:
		return nil, fmt.Errorf("csv: header: unknown columns %s (known: %s)", strings.Join(unknown, ", "), strings.Join(Header, ","))
	case len(dup) > 0:
		return nil, fmt.Errorf("csv: header: columns %s appear twice", strings.Join(dup, ", "))
	case !seen["name"]:
		return nil, fmt.Errorf("csv: header: no name column (columns: %s)", strings.Join(Header, ","))
	}
	return cols, nil
}

func blank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// rowErrors is every problem of one row, in column order. It reads as one
// line, so a report shows one line per row; errors.Is and errors.As see each
// problem.
type rowErrors []error

func (e rowErrors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e rowErrors) Unwrap() []error { return e }

// record checks one row's fields and returns every problem at once, so a
// row needs one round of fixing, not one per field.
func record(rec, cols []string, defaultCadence int, loc *time.Location) (smed.ImportRecord, error) {
	ir := smed.ImportRecord{DefaultCadenceDays: defaultCadence}
	var errs rowErrors
	for i, raw := range rec {
		if err := field(&ir, cols[i], raw, defaultCadence, loc); err != nil {
			errs = append(errs, err)
		}
	}
	switch len(errs) {
	case 0:
		return ir, nil
	case 1:
		return ir, errs[0]
	}
	return ir, errs
}

// field checks one field and sets it on ir. A present owner, value or
// cadence_days is set even when empty (nobody, 0, the default): only a column
// the file lacks leaves its field nil.
func field(ir *smed.ImportRecord, col, raw string, defaultCadence int, loc *time.Location) error {
	if !utf8.ValidString(raw) {
		return fmt.Errorf("%s is not valid UTF-8 text", col)
	}
	s := strings.TrimSpace(raw)
	switch col {
	case "name":
		if s == "" {
			return errors.New("name is empty")
		}
		if strings.ContainsFunc(s, unicode.IsControl) {
			return fmt.Errorf("name %q holds a line break or control character", s)
		}
		ir.Name = s
	case "owner":
		if s != "" && !slackUser.MatchString(s) {
			return fmt.Errorf("owner %q is not a Slack user ID (like U0123ABCD)", s)
		}
		ir.Owner = &s
	case "value":
		if s == "" {
			ir.Value = new(int64)
			return nil
		}
		v, err := smed.ParseAmount(s)
		if err != nil {
			if strings.HasPrefix(err.Error(), `"`) { // names the input already
				return fmt.Errorf("value %w", err)
			}
			return fmt.Errorf("value %q: %w", s, err)
		}
		ir.Value = &v
	case "cadence_days":
		if s == "" {
			ir.CadenceDays = &defaultCadence
			return nil
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > smed.MaxDays {
			return fmt.Errorf("cadence_days %q is not a whole number of days from 1 to %d", s, smed.MaxDays)
		}
		ir.CadenceDays = &n
	case "last_contact":
		if s == "" {
			return nil
		}
		t, err := parseTime(s, loc)
		if err != nil {
			return err
		}
		ir.LastContactAt = t
	case "facts":
		for f := range strings.SplitSeq(raw, FactSep) {
			if f = strings.TrimSpace(f); f != "" {
				ir.Facts = append(ir.Facts, f)
			}
		}
	}
	return nil
}

func parseTime(s string, loc *time.Location) (time.Time, error) {
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("last_contact %q is not a date (2026-11-23) or an RFC 3339 time (2026-11-23T09:30:00Z)", s)
}

// Write writes cards as CSV with a Header row, one row per card in the order
// they come, and returns how many it wrote. It reads cards as it writes, so an
// export of any size needs memory for one card at a time; the first error of
// cards stops it. value is a plain integer, last_contact RFC 3339 in UTC
// (empty when never contacted), facts joined by FactSep. Times are written in
// UTC so a file means the same in every zone; loc is accepted for symmetry
// with Read and not used.
func Write(w io.Writer, cards iter.Seq2[smed.Card, error], loc *time.Location) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(Header); err != nil {
		return 0, fmt.Errorf("csv: write: %w", err)
	}
	n := 0
	for c, err := range cards {
		if err != nil {
			cw.Flush()
			return n, err
		}
		last := ""
		if !c.LastContactAt.IsZero() {
			last = c.LastContactAt.UTC().Format(time.RFC3339Nano)
		}
		facts := make([]string, 0, len(c.Facts))
		for _, f := range c.Facts {
			facts = append(facts, f.Text)
		}
		rec := []string{c.Name, c.Owner, strconv.FormatInt(c.Value, 10), strconv.Itoa(c.CadenceDays), last, strings.Join(facts, FactSep)}
		if err := cw.Write(rec); err != nil {
			return n, fmt.Errorf("csv: write %q: %w", c.Name, err)
		}
		n++
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return n, fmt.Errorf("csv: write: %w", err)
	}
	return n, nil
}
