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
		CreatedAt:     fromMS(num("created_at")),
		LastContactAt: fromMS(num("last_contact_at")),
		SnoozedUntil:  fromMS(num("snoozed_until")),
		NoteCount:     int(num("notes")),
	}
	return c, err
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

// entry is a note or fact as stored in its list.
type entry struct {
	Author string `json:"author"`
	At     int64  `json:"at"`
	Text   string `json:"text"`
}

func decodeEntries(raw []string) ([]entry, error) {
	out := make([]entry, len(raw))
	for i, r := range raw {
		if err := json.Unmarshal([]byte(r), &out[i]); err != nil {
			return nil, fmt.Errorf("decode entry: %w", err)
		}
	}
	return out, nil
}

func notesOf(es []entry) []smed.Note {
	out := make([]smed.Note, len(es))
	for i, e := range es {
		out[i] = smed.Note{Author: e.Author, At: fromMS(e.At), Text: e.Text}
	}
	return out
}

func factsOf(es []entry) []smed.Fact {
	out := make([]smed.Fact, len(es))
	for i, e := range es {
		out[i] = smed.Fact{Author: e.Author, At: fromMS(e.At), Text: e.Text}
	}
	return out
}

// newestFirst reverses notes read oldest first from a list range.
func newestFirst(ns []smed.Note) []smed.Note {
	for i, j := 0, len(ns)-1; i < j; i, j = i+1, j-1 {
		ns[i], ns[j] = ns[j], ns[i]
	}
	return ns
}

// clean makes text safe to store: valid UTF-8 (JSON would mangle anything
// else), so what is read back is what was written.
func clean(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }
