package storage

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/smedhq/smed"
)

// Times are stored as unix milliseconds, 0 meaning "none" (the zero
// time.Time). They come back in UTC.
func toMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms).UTC()
}

// decodeCustomer reads a customer hash (HGETALL). An empty hash is a customer
// that does not exist.
func decodeCustomer(m map[string]string) (smed.Customer, error) {
	if len(m) == 0 || m["id"] == "" {
		return smed.Customer{}, smed.ErrNotFound
	}
	var err error
	num := func(field string) int64 {
		v := m[field]
		if v == "" {
			return 0
		}
		n, e := strconv.ParseInt(v, 10, 64)
		if e != nil && err == nil {
			err = fmt.Errorf("customer %s: field %s: %w", m["id"], field, e)
		}
		return n
	}
	c := smed.Customer{
		ID:            m["id"],
		Name:          m["name"],
		Owner:         m["owner"],
		Value:         num("value"),
		CadenceDays:   int(num("cadence_days")),
		CadenceSet:    m["cadence_set"] == "1",
		CreatedAt:     fromMS(num("created_at")),
		LastContactAt: fromMS(num("last_contact_at")),
		LastContactBy: m["last_contact_by"],
		SnoozedUntil:  fromMS(num("snoozed_until")),
		NoteCount:     int(num("notes")),
		Formerly:      m["formerly"],

		LastCustomerAt: fromMS(num("last_customer_at")),
		LastTeamAt:     fromMS(num("last_team_at")),
		DealsSum:       num("deals_sum"),
		DealsCount:     int(num("deals_count")),
		LastDealAt:     fromMS(num("last_deal_at")),
	}
	return c, err
}

// replyFields are the fields writeScript returns (its REPLY), in order.
var replyFields = []string{"id", "name", "owner", "value", "cadence_days", "created_at",
	"last_contact_at", "snoozed_until", "notes", "lname", "deals_sum", "deals_count",
	"last_deal_at", "last_customer_at", "last_team_at"}

// committedCustomer decodes the customer hash (flat HGETALL) a write script
// answered after it wrote: a reply it cannot read is a write that happened
// (committed), never "nothing was saved".
func committedCustomer(op string, flat []any) (smed.Customer, error) {
	c, err := decodeCustomer(pairs(flat))
	if err != nil {
		return smed.Customer{}, committed(op, err)
	}
	return c, nil
}

// pairs turns a flat [field, value, …] script reply into a map.
func pairs(flat []any) map[string]string {
	m := make(map[string]string, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		k, _ := flat[i].(string)
		v, _ := flat[i+1].(string)
		m[k] = v
	}
	return m
}

// entry is a note or fact as stored in its list: six fields separated by
// tabs, "<seq>\t<at ms>\t<author>\t<saved by>\t<link>\t<text>", the text
// last since only it may hold a tab (see keys.go). Not JSON: the field names
// and quotes would cost about 20 bytes a note.
type entry struct {
	Seq     int64
	At      int64
	Author  string
	SavedBy string
	Link    string
	Text    string
}

func decodeEntry(raw string) (entry, error) {
	p := strings.SplitN(raw, "\t", 6)
	if len(p) != 6 {
		return entry{}, fmt.Errorf("decode entry: %d fields, want 6", len(p))
	}
	seq, err1 := strconv.ParseInt(p[0], 10, 64)
	at, err2 := strconv.ParseInt(p[1], 10, 64)
	if err1 != nil || err2 != nil {
		return entry{}, fmt.Errorf("decode entry: bad number in %q %q", p[0], p[1])
	}
	return entry{Seq: seq, At: at, Author: p[2], SavedBy: p[3], Link: p[4], Text: p[5]}, nil
}

// noTabs keeps a field other than the text free of the separator.
func noTabs(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\r' {
			return -1
		}
		return r
	}, clean(s))
}

func decodeEntries(raw []string) ([]entry, error) {
	out := make([]entry, len(raw))
	for i, r := range raw {
		e, err := decodeEntry(r)
		if err != nil {
			return nil, err
		}
		out[i] = e
	}
	return out, nil
}

func (e entry) note() smed.Note {
	return smed.Note{Author: e.Author, At: fromMS(e.At), Text: e.Text, SavedBy: e.SavedBy, Link: e.Link}
}

func (e entry) fact() smed.Fact {
	return smed.Fact{ID: strconv.FormatInt(e.Seq, 10), Author: e.Author, At: fromMS(e.At), Text: e.Text}
}

// revision is a smed.Revision as stored.
type revision struct {
	At    int64  `json:"t"`
	By    string `json:"b"`
	Field string `json:"f"`
	From  string `json:"o"`
	To    string `json:"n"`
}

func decodeRevision(raw string) (smed.Revision, error) {
	var r revision
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		return smed.Revision{}, fmt.Errorf("decode revision: %w", err)
	}
	return smed.Revision{At: fromMS(r.At), By: r.By, Field: r.Field, From: r.From, To: r.To}, nil
}

// notesNewestFirst decodes notes read oldest first from a list range.
func notesNewestFirst(raw []string) ([]smed.Note, error) {
	out := make([]smed.Note, len(raw))
	for i, r := range raw {
		e, err := decodeEntry(r)
		if err != nil {
			return nil, err
		}
		out[len(raw)-1-i] = e.note()
	}
	return out, nil
}

func factsOf(raw []string) ([]smed.Fact, error) {
	out := make([]smed.Fact, len(raw))
	for i, r := range raw {
		e, err := decodeEntry(r)
		if err != nil {
			return nil, err
		}
		out[i] = e.fact()
	}
	return out, nil
}

// clean makes text safe to store: valid UTF-8 (JSON would mangle anything
// else), so what is read back is what was written.
func clean(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

// u32 encodes a sequence number as a posting (4 bytes, big-endian).
func u32(n int64) string {
	return string([]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)})
}

func getU32(b string) int64 {
	return int64(b[0])<<24 | int64(b[1])<<16 | int64(b[2])<<8 | int64(b[3])
}

// rawID is a customer ID (12 hex digits) as the 6 bytes refs stores.
func rawID(id string) string {
	b := make([]byte, 6)
	for i := range 6 {
		v, _ := strconv.ParseUint(id[2*i:2*i+2], 16, 8)
		b[i] = byte(v)
	}
	return string(b)
}

// ref is one record of the refs string.
type ref struct {
	ID   string
	Kind byte // 'n', 'f', 'c'; 0 when none was written
	Pos  int64
}

func decodeRef(b string) ref {
	if len(b) < refWidth || b[6] == 0 {
		return ref{}
	}
	return ref{ID: fmt.Sprintf("%x", b[:6]), Kind: b[6], Pos: getU32(b[7:11])}
}
