// Package csvio reads and writes customers as CSV for `smed import` and
// `smed export`, and reads deals files for `smed import`. It imports only the
// standard library and the root package smed.
//
// A customers file is one header row and one customer per row:
//
//	name,owner,value,cadence_days,last_contact,facts
//	Acme Corp,U0123ABCD,120k,14,2026-11-02,prefers calls before 10 | pays in instalments
//
// On input the columns may come in any order and header names are
// case-insensitive; only name is required. owner is a Slack user ID (U… or
// W…), a mention (<@U…> or <@U…|name>), an e-mail address (looked up with
// Options.LookupEmail) or empty; in a local workspace also a plain name
// (alice). value is an amount as smed.ParseAmount reads it (75.000 and
// 75.000,00 are 75000; empty = 0); cadence_days a duration as
// smed.ParseDuration reads it (30, 2w, monthly; empty = the default);
// last_contact a date (YYYY-MM-DD, or the Nordic DD-MM-YYYY and DD.MM.YYYY
// that spreadsheets write; midnight in the given zone) or a time (RFC 3339, or
// YYYY-MM-DD HH:MM) (empty = never, or keep what the store has); facts are
// separated by " | ". A column the header does not have is left alone: the
// reader leaves that field of the smed.ImportRecord nil, so an existing
// customer keeps its owner, value or cadence (and a new one gets none, 0, the
// default).
//
// A deals file is recognised by its header customer,amount,date[,text]
// (SPEC "CLI"), in any order: one purchase or renewal per row, with the
// customer's name, an amount as smed.ParseAmount reads it, a date or time as
// for last_contact, and an optional text.
//
// Columns are separated by commas, or by semicolons (what Excel writes in
// Danish, Norwegian and many other locales) or tabs: the header line decides,
// and a first line "sep=;" (which Excel writes and reads) says it outright. A
// UTF-8 byte order mark, CRLF line ends, quoted fields holding separators or
// line breaks, and empty columns with no header name (trailing separators)
// are fine. Write produces the comma format, so that an export imports again
// unchanged.
package csvio

import (
	"bufio"
	"bytes"
	"context"
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

// Header is the column names of a customers file, in the order Write writes them.
var Header = []string{"name", "owner", "value", "cadence_days", "last_contact", "facts"}

// DealsHeader is the column names of a deals file; text is optional.
var DealsHeader = []string{"customer", "amount", "date", "text"}

// FactSep separates facts within the facts field. A fact that itself holds
// " | " comes back from a round trip as two facts.
const FactSep = " | "

// Row is one customer read from the file.
type Row struct {
	Line   int // line the row starts on (the header is line 1)
	Record smed.ImportRecord
}

// DealRow is one deal read from a deals file.
type DealRow struct {
	Line     int    // line the row starts on
	Customer string // the customer's name as written (trimmed); the caller resolves it
	Amount   int64  // whole currency units, 0 to smed.MaxValue
	At       time.Time
	Text     string // "" when the file has no text column or the cell is empty
}

// Kind is what a file holds.
type Kind int

const (
	KindCustomers Kind = iota + 1 // header name,owner,value,…
	KindDeals                     // header customer,amount,date[,text]
)

func (k Kind) String() string {
	switch k {
	case KindCustomers:
		return "customers"
	case KindDeals:
		return "deals"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// File is what ReadFile read: customers or deals, as Kind says, and the rows
// that were left out, with why.
type File struct {
	Kind      Kind
	Customers []Row     // Kind == KindCustomers
	Deals     []DealRow // Kind == KindDeals
	Problems  []LineError
}

// Options say how ReadFile reads a file.
type Options struct {
	// DefaultCadence is the cadence of new customers, 1 to smed.MaxDays. A
	// customers file needs it; a deals file ignores it.
	DefaultCadence int
	// Location is the zone of dates without one (nil: UTC).
	Location *time.Location
	// Local is set for a local workspace (smed shell, no Slack team): an
	// owner may then also be a plain name as smed.CheckUserID accepts it
	// ("alice", or "@alice"). Otherwise an owner must be a Slack user ID
	// (smed.IsSlackUserID), written as such, as a mention or as an e-mail.
	Local bool
	// LookupEmail finds the Slack user ID of an e-mail address (Slack's
	// users.lookupByEmail); it should return an error wrapping
	// smed.ErrNotFound when no user has the address. It is called once per
	// address (compared case-insensitively) and file, in file order. When
	// nil, an e-mail owner is that row's problem, saying Slack is needed.
	LookupEmail func(ctx context.Context, email string) (userID string, err error)
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

// Read reads a customers file from r for a Slack workspace, without e-mail
// lookups: ReadFile with Options{DefaultCadence: defaultCadence, Location:
// loc}. A deals file is an error (use ReadFile). Rows with problems are
// returned in problems (with their line numbers) and left out of rows; the
// other rows import. err is non-nil only when r cannot be read, the header is
// missing or bad (it names the unknown columns), or defaultCadence is out of
// range.
func Read(r io.Reader, defaultCadence int, loc *time.Location) (rows []Row, problems []LineError, err error) {
	f, err := ReadFile(context.Background(), r, Options{DefaultCadence: defaultCadence, Location: loc})
	if err == nil && f.Kind != KindCustomers {
		return nil, nil, fmt.Errorf("csv: this is a deals file (header %s), not a customers file", strings.Join(DealsHeader, ","))
	}
	return f.Customers, f.Problems, err
}

// ReadFile reads a customers file or a deals file from r, whichever its
// header says, and returns its rows; rows with problems are in
// File.Problems, with their line numbers, and left out of the rows. err is
// non-nil only when r cannot be read, the header is missing or bad (it names
// what it saw and what works), Options.DefaultCadence is out of range for a
// customers file, or ctx ends during an e-mail lookup; File then holds what
// was read before.
func ReadFile(ctx context.Context, r io.Reader, opts Options) (File, error) {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); string(bom) == "\ufeff" {
		br.Discard(3)
	}
	comma, skipped, err := separator(br)
	if err != nil {
		return File{}, err
	}
	cr := csv.NewReader(br)
	cr.Comma = comma
	cr.FieldsPerRecord = -1 // a ragged row is that row's problem, not the file's

	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return File{}, fmt.Errorf("csv: empty file: want a header row %s (or %s for deals)", strings.Join(Header, ","), strings.Join(DealsHeader, ","))
	}
	if err != nil {
		return File{}, fmt.Errorf("csv: header: %w", err)
	}
	kind, cols, err := columns(head)
	if err != nil {
		return File{}, err
	}
	if kind == KindCustomers && (opts.DefaultCadence < 1 || opts.DefaultCadence > smed.MaxDays) {
		return File{}, fmt.Errorf("csv: default cadence %d is not 1 to %d days", opts.DefaultCadence, smed.MaxDays)
	}
	rd := &reader{opts: opts, emails: map[string]lookup{}}
	f := File{Kind: kind}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			// A quoting error spoils that row; the reader resumes after it.
			f.Problems = append(f.Problems, LineError{Line: pe.StartLine + skipped, Err: pe.Err})
			continue
		}
		if err != nil {
			return f, fmt.Errorf("csv: %w", err)
		}
		line, _ := cr.FieldPos(0)
		line += skipped
		if blank(rec) {
			continue // spreadsheets leave rows of empty cells at the end
		}
		rec = fit(rec, cols)
		if len(rec) != len(cols) {
			f.Problems = append(f.Problems, LineError{Line: line, Err: fmt.Errorf("%d fields, but the header has %d", len(rec), len(cols))})
			continue
		}
		var rowErr error
		switch kind {
		case KindCustomers:
			var ir smed.ImportRecord
			if ir, rowErr = rd.customer(ctx, rec, cols); rowErr == nil {
				f.Customers = append(f.Customers, Row{Line: line, Record: ir})
			}
		case KindDeals:
			var d DealRow
			if d, rowErr = rd.deal(rec, cols); rowErr == nil {
				d.Line = line
				f.Deals = append(f.Deals, d)
			}
		}
		if err := ctx.Err(); err != nil && rd.looked {
			return f, fmt.Errorf("csv: line %d: looking up an owner: %w", line, err)
		}
		if rowErr != nil {
			f.Problems = append(f.Problems, LineError{Line: line, Err: rowErr})
		}
	}
}

// separator chooses the column separator from the header line, which it
// leaves unread, or from a first line "sep=X", which it reads and counts in
// skipped. The separator that occurs most often outside quotes in the header
// wins (a one-column header has none: comma). A header with none of them but
// another punctuation mark between its words is refused, naming it.
func separator(br *bufio.Reader) (comma rune, skipped int, err error) {
	// Read no further than the header line's end (or the buffer's), so a
	// slow stream is not waited on for more.
	buf, perr := br.Peek(1)
	for perr == nil && bytes.IndexByte(buf, '\n') < 0 && len(buf) < br.Size() {
		_, perr = br.Peek(len(buf) + 1)
		buf, _ = br.Peek(br.Buffered())
	}
	line, end := buf, len(buf)
	if i := bytes.IndexByte(buf, '\n'); i >= 0 {
		line, end = buf[:i], i+1
	}
	line = bytes.TrimSuffix(line, []byte("\r"))
	if rest, ok := bytes.CutPrefix(bytes.ToLower(line), []byte("sep=")); ok {
		r, n := utf8.DecodeRune(rest)
		if n == 0 || n != len(rest) || r == utf8.RuneError || r == '"' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsSpace(r) && r != '\t' {
			return 0, 0, fmt.Errorf("csv: first line %q: want sep= and one separator, like sep=;", line)
		}
		br.Discard(end)
		return r, 1, nil
	}
	counts := map[rune]int{}
	quoted := false
	var other rune
	for _, r := range string(line) {
		switch {
		case r == '"':
			quoted = !quoted
		case quoted:
		case r == ',' || r == ';' || r == '\t':
			counts[r]++
		case other == 0 && !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != ' ' && r != '\ufeff':
			other = r
		}
	}
	best, n, tie := ',', 0, false
	for _, r := range []rune{',', ';', '\t'} {
		switch c := counts[r]; {
		case c > n:
			best, n, tie = r, c, false
		case c == n && c > 0:
			tie = true
		}
	}
	switch {
	case tie:
		return 0, 0, fmt.Errorf("csv: header %q: columns are separated by more than one of comma, semicolon and tab; use one", line)
	case n == 0 && other != 0:
		return 0, 0, fmt.Errorf("csv: header %q has no comma, semicolon or tab between columns: if %q separates them, use commas, semicolons or tabs instead, or make the first line sep=%c",
			line, other, other)
	}
	return best, 0, nil
}

// columns maps each header cell to a known column name and says which kind
// of file the header is. An empty cell is a column without a name, which rows
// must leave empty (spreadsheets write trailing separators).
func columns(head []string) (Kind, []string, error) {
	known := map[string]Kind{}
	for _, h := range Header {
		known[h] = KindCustomers
	}
	for _, h := range DealsHeader {
		known[h] = KindDeals
	}
	seen := map[string]bool{}
	kinds := map[Kind]bool{}
	var unknown, dup []string
	cols := make([]string, len(head))
	for i, h := range head {
		c := strings.ToLower(strings.TrimSpace(h))
		cols[i] = c
		switch {
		case c == "":
			continue
		case known[c] == 0:
			unknown = append(unknown, strconv.Quote(strings.TrimSpace(h)))
		case seen[c]:
			dup = append(dup, c)
		}
		kinds[known[c]] = true
		seen[c] = true
	}
	formats := fmt.Sprintf("a customers file has %s; a deals file %s", strings.Join(Header, ","), strings.Join(DealsHeader, ","))
	var kind Kind
	switch {
	case kinds[KindCustomers] && kinds[KindDeals]:
		return 0, nil, fmt.Errorf("csv: header: mixes the columns of a customers file and a deals file (%s)", formats)
	case kinds[KindDeals]:
		kind = KindDeals
	default:
		kind = KindCustomers
	}
	switch {
	case len(unknown) > 0 && kind == KindDeals:
		return 0, nil, fmt.Errorf("csv: header: unknown columns %s (known in a deals file: %s)", strings.Join(unknown, ", "), strings.Join(DealsHeader, ","))
	case len(unknown) > 0 && kinds[KindCustomers]:
		return 0, nil, fmt.Errorf("csv: header: unknown columns %s (known: %s)", strings.Join(unknown, ", "), strings.Join(Header, ","))
	case len(unknown) > 0:
		return 0, nil, fmt.Errorf("csv: header: unknown columns %s (%s)", strings.Join(unknown, ", "), formats)
	case len(dup) > 0:
		return 0, nil, fmt.Errorf("csv: header: columns %s appear twice", strings.Join(dup, ", "))
	case kind == KindCustomers && !seen["name"]:
		return 0, nil, fmt.Errorf("csv: header: no name column (%s)", formats)
	case kind == KindDeals && !(seen["customer"] && seen["amount"] && seen["date"]):
		var missing []string
		for _, c := range DealsHeader[:3] {
			if !seen[c] {
				missing = append(missing, c)
			}
		}
		return 0, nil, fmt.Errorf("csv: header: a deals file needs the columns customer, amount and date; it has no %s", strings.Join(missing, ", "))
	}
	return kind, cols, nil
}

// fit pads or trims rec to the header's width when what is missing or extra
// is only empty cells at the end, without a column name (a spreadsheet that
// wrote trailing separators on some rows and not on others).
func fit(rec, cols []string) []string {
	for len(rec) < len(cols) && cols[len(rec)] == "" {
		rec = append(rec, "")
	}
	for len(rec) > len(cols) && strings.TrimSpace(rec[len(rec)-1]) == "" {
		rec = rec[:len(rec)-1]
	}
	return rec
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

func (e rowErrors) err() error {
	switch len(e) {
	case 0:
		return nil
	case 1:
		return e[0]
	}
	return e
}

// reader is the state of one ReadFile: its options and the e-mail lookups
// made so far.
type reader struct {
	opts   Options
	emails map[string]lookup // by lower-cased address
	looked bool              // LookupEmail was called
}

type lookup struct {
	id  string
	err error
}

// customer checks one row of a customers file and returns every problem at
// once, so a row needs one round of fixing, not one per field. A present
// owner or value is set even when empty (nobody, 0): only a column the file
// lacks leaves its field nil. An empty cadence_days is a cadence not set by
// hand, as a column the file lacks.
func (rd *reader) customer(ctx context.Context, rec, cols []string) (smed.ImportRecord, error) {
	ir := smed.ImportRecord{DefaultCadenceDays: rd.opts.DefaultCadence}
	var errs rowErrors
	for i, raw := range rec {
		col := cols[i]
		s, err := cell(col, raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch col {
		case "":
			err = unnamed(i, s)
		case "name":
			ir.Name, err = name("name", s)
		case "owner":
			var o string
			if o, err = rd.owner(ctx, s); err == nil {
				ir.Owner = &o
			}
		case "value":
			v := int64(0)
			if s != "" {
				v, err = smed.ParseAmount(s)
				err = named("value", s, err)
			}
			ir.Value = &v
		case "cadence_days":
			// Empty: not set by hand. A new customer gets the default
			// (and may learn its own rhythm), an existing one keeps its
			// cadence: what export writes for a cadence never set.
			if s != "" {
				var d int
				d, err = smed.ParseDuration(s)
				err = named("cadence_days", s, err)
				ir.CadenceDays = &d
			}
		case "last_contact":
			if s != "" {
				ir.LastContactAt, err = parseTime("last_contact", s, rd.opts.Location)
			}
		case "facts":
			for f := range strings.SplitSeq(raw, FactSep) {
				if f = strings.TrimSpace(f); f != "" {
					ir.Facts = append(ir.Facts, f)
				}
			}
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return ir, errs.err()
}

// deal checks one row of a deals file, every problem at once.
func (rd *reader) deal(rec, cols []string) (DealRow, error) {
	var d DealRow
	var errs rowErrors
	for i, raw := range rec {
		col := cols[i]
		s, err := cell(col, raw)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		switch col {
		case "":
			err = unnamed(i, s)
		case "customer":
			d.Customer, err = name("customer", s)
		case "amount":
			if s == "" {
				err = errors.New("amount is empty")
				break
			}
			d.Amount, err = smed.ParseAmount(s)
			err = named("amount", s, err)
		case "date":
			if s == "" {
				err = errors.New("date is empty")
				break
			}
			d.At, err = parseTime("date", s, rd.opts.Location)
		case "text":
			d.Text = s
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return d, errs.err()
}

// cell is a field's text, trimmed, or why it cannot be read.
func cell(col, raw string) (string, error) {
	if !utf8.ValidString(raw) {
		if col == "" {
			col = "a column without a name"
		}
		return "", fmt.Errorf("%s is not UTF-8 text (save the file as CSV UTF-8)", col)
	}
	return strings.TrimSpace(raw), nil
}

func unnamed(i int, s string) error {
	if s == "" {
		return nil
	}
	return fmt.Errorf("column %d has no name in the header but holds %q", i+1, s)
}

func name(col, s string) (string, error) {
	if s == "" {
		return "", fmt.Errorf("%s is empty", col)
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return "", fmt.Errorf("%s %q holds a line break or control character", col, s)
	}
	return s, nil
}

// named puts the column's name in front of a parser's error, which names the
// input already when it starts with a quote.
func named(col, s string, err error) error {
	switch {
	case err == nil:
		return nil
	case strings.HasPrefix(err.Error(), `"`):
		return fmt.Errorf("%s %w", col, err)
	}
	return fmt.Errorf("%s %q: %w", col, s, err)
}

var (
	mentionRE = regexp.MustCompile(`^<@([A-Za-z0-9]+)(?:\|[^<>]*)?>$`)
	mailtoRE  = regexp.MustCompile(`^<mailto:([^|<>]+)(?:\|[^<>]*)?>$`) // as Slack links an address
	emailRE   = regexp.MustCompile(`^[^@\s<>"]+@[^@\s<>"]+\.[^@\s<>".]+$`)
)

// owner reads an owner cell: empty (nobody), a Slack user ID, a mention, an
// e-mail address or, in a local workspace, a local name.
func (rd *reader) owner(ctx context.Context, s string) (string, error) {
	local := rd.opts.Local
	if m := mailtoRE.FindStringSubmatch(s); m != nil {
		s = m[1]
	}
	switch m := mentionRE.FindStringSubmatch(s); {
	case s == "":
		return "", nil
	case m != nil:
		if !smed.IsSlackUserID(m[1]) {
			return "", fmt.Errorf("owner %q is not a mention of a Slack user (like <@U0123ABCD>)", s)
		}
		return m[1], nil
	case emailRE.MatchString(s):
		return rd.email(ctx, s)
	case smed.IsSlackUserID(s):
		return s, nil
	case local && smed.CheckUserID(strings.TrimPrefix(s, "@")) == nil:
		return strings.TrimPrefix(s, "@"), nil
	case local:
		return "", fmt.Errorf("owner %q is not a user: write a name like alice, a Slack user ID (U0123ABCD) or a mention (<@U0123ABCD>)", s)
	}
	return "", fmt.Errorf("owner %q is not a Slack user: write a user ID (U0123ABCD), a mention (<@U0123ABCD>) or an e-mail address", s)
}

// email looks an owner's e-mail address up, once per address and file.
func (rd *reader) email(ctx context.Context, s string) (string, error) {
	if rd.opts.LookupEmail == nil {
		return "", fmt.Errorf("owner %q is an e-mail address, and finding its Slack user needs Slack: write the Slack user ID (U0123ABCD) instead", s)
	}
	key := strings.ToLower(s)
	l, ok := rd.emails[key]
	if !ok {
		rd.looked = true
		l.id, l.err = rd.opts.LookupEmail(ctx, s)
		switch {
		case errors.Is(l.err, smed.ErrNotFound):
			l.err = fmt.Errorf("owner %q: no Slack user has this e-mail address", s)
		case l.err != nil:
			l.err = fmt.Errorf("owner %q: looking up the e-mail address failed: %w", s, l.err)
		case !smed.IsSlackUserID(l.id) && !(rd.opts.Local && smed.CheckUserID(l.id) == nil):
			l.err = fmt.Errorf("owner %q: the lookup gave %q, which is not a user ID", s, l.id)
		}
		if ctx.Err() == nil {
			rd.emails[key] = l // a lookup cut short by ctx is not an answer
		}
	}
	return l.id, l.err
}

// timeLayouts are what parseTime reads, with what is in the error message.
var timeLayouts = []string{time.DateOnly, "02-01-2006", "2-1-2006", "02.01.2006", "2.1.2006", "2006-01-02 15:04", "2006-01-02 15:04:05"}

// parseTime reads a date (midnight in loc) or a time. Dates with slashes are
// refused: 02/11/2026 is 2 November in the Nordics and 11 February in the
// United States, and an import must not guess.
func parseTime(col, s string, loc *time.Location) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range timeLayouts {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if strings.Count(s, "/") == 2 {
		return time.Time{}, fmt.Errorf("%s %q could be day/month or month/day: write 2026-11-23, 23-11-2026 or 23.11.2026", col, s)
	}
	return time.Time{}, fmt.Errorf("%s %q is not a date (2026-11-23, 23-11-2026 or 23.11.2026) or a time (2026-11-23T09:30:00Z)", col, s)
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
		cadence := "" // never set by hand: the default, or learned from its rhythm
		if c.CadenceSet {
			cadence = strconv.Itoa(c.CadenceDays)
		}
		rec := []string{c.Name, c.Owner, strconv.FormatInt(c.Value, 10), cadence, last, strings.Join(facts, FactSep)}
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
