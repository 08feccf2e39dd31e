package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

// nameKey returns the name's index key (names.Key) and display form, and
// whether it can name a customer at all: not empty, and at most
// smed.MaxNameRunes runes of display form, counted as the Slack edge counts
// them. Names that fail cannot be customers, so they are not sent to Redis.
func nameKey(name string) (key, display string, ok bool) {
	display = names.Display(name)
	key = names.Key(name)
	return key, display, key != "" && utf8.RuneCountInString(display) <= smed.MaxNameRunes
}

// nameRule is how a refused name is explained.
var nameRule = fmt.Sprintf("customer name must be 1 to %d characters", smed.MaxNameRunes)

// AddNote logs a note on the first known candidate (creating Candidates[0] when
// req.Create is set and none is known) in one script: one round trip, name
// resolution included.
func (s *Store) AddNote(ctx context.Context, team string, req smed.NoteRequest) (smed.NoteReceipt, error) {
	const op = "add note"
	if req.Create {
		if err := checkOwner(req.Author); err != nil {
			return smed.NoteReceipt{}, invalid(op, "%v", err)
		}
		if req.CadenceDays < 1 {
			return smed.NoteReceipt{}, invalid(op, "cadence must be at least 1 day, got %d", req.CadenceDays)
		}
	}
	return s.write(ctx, op, team, "note", req.Candidates, req.Author, req.At, req.Create, req.CadenceDays)
}

// Remember adds a fact to the first known candidate in one round trip.
func (s *Store) Remember(ctx context.Context, team string, cands []smed.Candidate, author string, at time.Time) (smed.NoteReceipt, error) {
	return s.write(ctx, "remember", team, "fact", cands, author, at, false, 0)
}

// write runs writeScript for a note or a fact.
func (s *Store) write(ctx context.Context, op, team, kind string, cands []smed.Candidate,
	author string, at time.Time, create bool, cadence int) (smed.NoteReceipt, error) {
	k, err := s.team(op, team)
	if err != nil {
		return smed.NoteReceipt{}, err
	}
	if at.IsZero() {
		return smed.NoteReceipt{}, invalid(op, "no time given")
	}
	id := newID()
	flag := "0"
	if create {
		flag = "1"
	}
	args := []any{kind, clean(author), toMS(at), flag, id, cadence}
	var sent []int // sent[i] is the index in cands of the i-th triple
	for i, c := range cands {
		key, display, ok := nameKey(c.Name)
		if !ok {
			if i == 0 && create {
				return smed.NoteReceipt{}, invalid(op, "%s", nameRule)
			}
			continue // cannot name a customer
		}
		args = append(args, key, display, clean(c.Rest))
		sent = append(sent, i)
	}
	if len(sent) == 0 {
		if create {
			return smed.NoteReceipt{}, invalid(op, "no customer name given")
		}
		return smed.NoteReceipt{}, wrap(op, redis.Nil)
	}
	res, err := writeScript.Run(ctx, s.rdb, []string{k.base}, args...).Slice()
	if err != nil {
		return smed.NoteReceipt{}, wrap(op, err)
	}
	if len(res) < 2 {
		return smed.NoteReceipt{}, fmt.Errorf("storage: %s: short script reply (%d values)", op, len(res))
	}
	matched, _ := res[0].(int64)
	createdFlag, _ := res[1].(int64)
	if matched < 1 || int(matched) > len(sent) {
		return smed.NoteReceipt{}, fmt.Errorf("storage: %s: script matched candidate %d of %d", op, matched, len(sent))
	}
	c, err := decodeCustomer(pairs(res[2:]))
	if err != nil {
		return smed.NoteReceipt{}, fmt.Errorf("storage: %s: %w", op, err)
	}
	return smed.NoteReceipt{
		Customer: c,
		Text:     clean(cands[sent[matched-1]].Rest),
		Created:  createdFlag == 1,
	}, nil
}

// History returns the customer and its notes newest first, skipping offset and
// returning at most limit: two round trips however long the history is.
func (s *Store) History(ctx context.Context, team, name string, offset, limit int) (smed.Customer, []smed.Note, error) {
	const op = "history"
	k, id, err := s.resolve(ctx, op, team, name)
	if err != nil {
		return smed.Customer{}, nil, err
	}
	offset = max(offset, 0)
	pipe := s.rdb.Pipeline()
	hash := pipe.HGetAll(ctx, k.customer(id))
	var raw *redis.StringSliceCmd
	if limit > 0 {
		// The list is oldest first: the newest offset+1.. offset+limit notes
		// are the range -(offset+limit) .. -(offset+1).
		raw = pipe.LRange(ctx, k.notes(id), -int64(offset+limit), -int64(offset+1))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return smed.Customer{}, nil, wrap(op, err)
	}
	c, err := decodeCustomer(hash.Val())
	if err != nil {
		return smed.Customer{}, nil, wrap(op, notFoundAsNil(err))
	}
	if raw == nil {
		return c, nil, nil
	}
	es, err := decodeEntries(raw.Val())
	if err != nil {
		return smed.Customer{}, nil, fmt.Errorf("storage: %s %s: %w", op, id, err)
	}
	return c, newestFirst(notesOf(es)), nil
}

// resolve finds the ID of the customer with that name (one round trip).
func (s *Store) resolve(ctx context.Context, op, team, name string) (keys, string, error) {
	k, err := s.team(op, team)
	if err != nil {
		return keys{}, "", err
	}
	key, _, ok := nameKey(name)
	if !ok {
		return keys{}, "", wrap(op, redis.Nil)
	}
	id, err := s.rdb.HGet(ctx, k.names(), key).Result()
	if err != nil {
		return keys{}, "", wrap(op, err)
	}
	return k, id, nil
}

// notFoundAsNil lets wrap turn a missing hash into ErrNotFound like redis.Nil.
func notFoundAsNil(err error) error {
	if errors.Is(err, smed.ErrNotFound) {
		return redis.Nil
	}
	return err
}

// newID returns a fresh customer ID: 12 random hex digits, never user text.
// The scripts refuse an ID that is already taken (48 bits: practically never).
func newID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return hex.EncodeToString(b[:])
}
