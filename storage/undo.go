package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
)

var (
	_ smed.Undo             = (*Store)(nil)
	_ smed.ReminderMessages = (*Store)(nil)
)

// pointer is an author's undo pointer as the undo hash keeps it:
// "<id>\t<n|f>\t<entry seq>\t<at ms>", set by the note and fact script.
type pointer struct {
	id   string
	kind string // "n" or "f"
	seq  string
	at   int64
}

func parsePointer(v string) (pointer, bool) {
	p := strings.Split(v, "\t")
	if len(p) != 4 || !idRE.MatchString(p[0]) || (p[1] != "n" && p[1] != "f") {
		return pointer{}, false
	}
	if _, err := strconv.ParseInt(p[2], 10, 64); err != nil {
		return pointer{}, false
	}
	at, err := strconv.ParseInt(p[3], 10, 64)
	if err != nil {
		return pointer{}, false
	}
	return pointer{id: p[0], kind: p[1], seq: p[2], at: at}, true
}

// LastWritten reads the author's undo pointer (one HGET) and the entry it
// points at: where the entry's ref says it is now (a merge moves notes and
// facts to another customer and rewrites their refs), else in the list of
// the customer the pointer names, from its end. ErrNotFound when there is no
// pointer, it is older than since, or its entry is gone (taken back,
// forgotten, or its customer deleted).
func (s *Store) LastWritten(ctx context.Context, team, author string, since time.Time) (smed.Written, error) {
	const op = "last written"
	k, err := s.team(op, team)
	if err != nil {
		return smed.Written{}, err
	}
	if err := smed.CheckUserID(author); err != nil {
		return smed.Written{}, wrapf(op, "author: %w", err)
	}
	v, err := s.rdb.HGet(ctx, k.undo(), author).Result()
	if err != nil {
		return smed.Written{}, wrap(op, err)
	}
	p, ok := parsePointer(v)
	if !ok {
		return smed.Written{}, errorf("%s: undo pointer %q is malformed", op, v)
	}
	if p.at < toMS(since) {
		return smed.Written{}, wrap(op, redis.Nil)
	}
	kind := smed.EntryNote
	if p.kind == "f" {
		kind = smed.EntryFact
	}
	written := func(id, raw string) (smed.Written, error) {
		e, err := decodeEntry(raw)
		if err != nil {
			return smed.Written{}, wrapf(op, "%w", err)
		}
		return smed.Written{CustomerID: id, Kind: kind, EntryID: p.seq, Text: e.Text, At: fromMS(e.At)}, nil
	}
	seq, _ := strconv.ParseInt(p.seq, 10, 64)
	ids := []string{p.id}
	if seq <= maxSeq {
		b, err := s.rdb.GetRange(ctx, k.refs(), seq*refWidth, seq*refWidth+refWidth-1).Result()
		if err != nil {
			return smed.Written{}, wrap(op, err)
		}
		r := decodeRef(b)
		switch {
		case r.Kind == 'n' && p.kind == "n":
			raw, err := s.rdb.LIndex(ctx, k.notes(r.ID), r.Pos).Result()
			if err != nil && err != redis.Nil {
				return smed.Written{}, wrap(op, err)
			}
			if strings.HasPrefix(raw, p.seq+"\t") {
				return written(r.ID, raw)
			}
		case r.Kind == 'f' && p.kind == "f" && r.ID != p.id:
			ids = []string{r.ID, p.id}
		}
	}
	for _, id := range ids {
		list := k.notes(id)
		if p.kind == "f" {
			list = k.facts(id)
		}
		for _, start := range []int64{-64, 0} {
			raw, err := s.rdb.LRange(ctx, list, start, -1).Result()
			if err != nil {
				return smed.Written{}, wrap(op, err)
			}
			for i := len(raw) - 1; i >= 0; i-- {
				if strings.HasPrefix(raw[i], p.seq+"\t") {
					return written(id, raw[i])
				}
			}
			if len(raw) < 64 {
				break // that was the whole list
			}
		}
	}
	return smed.Written{}, wrap(op, redis.Nil)
}

// Unwrite takes back exactly that note or fact in one script (see
// unwriteScript): every index stays exact, and a note that was the last
// contact puts the clock back to the latest contact that remains.
func (s *Store) Unwrite(ctx context.Context, team string, w smed.Written) (smed.Customer, error) {
	const op = "unwrite"
	k, err := s.customerKeys(op, team, w.CustomerID)
	if err != nil {
		return smed.Customer{}, err
	}
	seq, err := strconv.ParseInt(w.EntryID, 10, 64)
	if err != nil || seq < 1 || strconv.FormatInt(seq, 10) != w.EntryID {
		return smed.Customer{}, wrap(op, redis.Nil) // no entry has that ID
	}
	id := w.CustomerID
	kind, list := "n", k.notes(id)
	switch w.Kind {
	case smed.EntryNote:
	case smed.EntryFact:
		kind, list = "f", k.facts(id)
	default:
		return smed.Customer{}, invalid(op, "cannot take back a %q", w.Kind)
	}
	day := dayOf(w.At)
	keyList := append(k.teamKeys(5), k.customer(id), list, k.deals(id), k.touches(id), k.day(day))
	res, err := unwriteScript.Run(ctx, s.rdb, keyList, kind, w.EntryID, day).Slice()
	if err != nil {
		return smed.Customer{}, wrap(op, err)
	}
	switch str(res[0]) {
	case "ok":
		return committedCustomer(op, res[1:])
	case "none":
		return smed.Customer{}, wrap(op, redis.Nil)
	}
	return smed.Customer{}, errorf("%s: unexpected script reply %v", op, res[0])
}

// reminderKeep is how long an owner's reminder message is kept.
const reminderKeep = 2 * smed.Day

// reminderMessage is smed.ReminderMessage as rm:<owner> stores it (JSON).
type reminderMessage struct {
	Date      string   `json:"date"`
	Channel   string   `json:"channel"`
	TS        string   `json:"ts"`
	Customers []string `json:"customers"`
}

// SaveReminderMessage keeps the owner's latest reminder message for two days.
func (s *Store) SaveReminderMessage(ctx context.Context, team, owner string, m smed.ReminderMessage) error {
	const op = "save reminder message"
	k, err := s.team(op, team)
	if err != nil {
		return err
	}
	if err := smed.CheckUserID(owner); err != nil {
		return wrapf(op, "owner: %w", err)
	}
	for _, id := range m.Customers {
		if !idRE.MatchString(id) {
			return invalid(op, "%q is not a customer ID", id)
		}
	}
	if strings.Contains(m.Date, "\t") {
		return invalid(op, "%q is not a date", m.Date)
	}
	b, err := json.Marshal(reminderMessage{Date: m.Date, Channel: m.Channel, TS: m.TS, Customers: m.Customers})
	if err != nil {
		return wrap(op, err)
	}
	// rmd lets a note tell in its own step whether it is listed (keys.go).
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, k.reminder(owner), b, reminderKeep)
		p.HSet(ctx, k.rmd(), owner, m.Date+"\t"+strings.Join(m.Customers, ""))
		return nil
	})
	return wrap(op, err)
}

// ReminderMessage reads the owner's latest reminder message.
func (s *Store) ReminderMessage(ctx context.Context, team, owner string) (smed.ReminderMessage, error) {
	const op = "reminder message"
	k, err := s.team(op, team)
	if err != nil {
		return smed.ReminderMessage{}, err
	}
	if err := smed.CheckUserID(owner); err != nil {
		return smed.ReminderMessage{}, wrapf(op, "owner: %w", err)
	}
	b, err := s.rdb.Get(ctx, k.reminder(owner)).Bytes()
	if err != nil {
		return smed.ReminderMessage{}, wrap(op, err)
	}
	var m reminderMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return smed.ReminderMessage{}, wrapf(op, "%w", fmt.Errorf("decode: %w", err))
	}
	return smed.ReminderMessage{Date: m.Date, Channel: m.Channel, TS: m.TS, Customers: m.Customers}, nil
}
