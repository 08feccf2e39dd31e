package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
)

// Rename, Merge and Delete change a customer's name index entries, whose sig
// fields depend on the name: Go reads the name as indexed (its nm record)
// first, then runs the script with those fields and the name as a
// precondition, and retries once when the name changed in between.

// indexedName reads the nm record of a customer.
func (s *Store) indexedName(ctx context.Context, k keys, id string) (meta, error) {
	v, err := s.rdb.HGet(ctx, k.nm(), id).Result()
	if err != nil {
		return meta{}, err
	}
	m, ok := parseMeta(v)
	if !ok {
		return meta{}, fmt.Errorf("name record of %s is malformed", id)
	}
	return m, nil
}

// Rename gives the customer a new display name in one script.
func (s *Store) Rename(ctx context.Context, team, id, name, by string, at time.Time) (smed.Renamed, error) {
	const op = "rename"
	k, err := s.customerKeys(op, team, id)
	if err != nil {
		return smed.Renamed{}, err
	}
	info, ok := nameOf(name)
	if !ok {
		return smed.Renamed{}, invalid(op, "%s", nameRule)
	}
	if err := checkOwner(by); err != nil {
		return smed.Renamed{}, fmt.Errorf("storage: %s: by: %w", op, err)
	}
	for attempt := 0; ; attempt++ {
		old, err := s.indexedName(ctx, k, id)
		if err != nil {
			return smed.Renamed{}, wrap(op, err)
		}
		oi := old.indexed()
		p := postings{k: k}
		words := p.list(info.words)
		keyList := append(k.teamKeys(2+len(p.keys)), k.customer(id), k.revisions(id))
		keyList = append(keyList, p.keys...)
		args := append([]any{old.display, oi.key, oi.fold, oi.sigs}, info.args()...)
		args = append(args, words, by, toMS(at), info.lname)
		args = append(args, p.words...)
		res, err := renameScript.Run(ctx, s.rdb, keyList, args...).Slice()
		if err != nil {
			return smed.Renamed{}, wrap(op, err)
		}
		switch str(res[0]) {
		case "ok":
			c, err := committedCustomer(op, res[1:])
			if err != nil {
				return smed.Renamed{}, err
			}
			s.grewName(k, info)
			return smed.Renamed{Customer: c}, nil
		case "none":
			return smed.Renamed{}, wrap(op, redis.Nil)
		case "taken":
			return smed.Renamed{}, fmt.Errorf("storage: %s: %w: another customer is named %q", op, smed.ErrConflict, info.display)
		case "moved":
			if attempt == 0 {
				continue
			}
			return smed.Renamed{}, fmt.Errorf("storage: %s: %w: the customer was renamed meanwhile", op, smed.ErrConflict)
		}
		return smed.Renamed{}, errorf("%s: unexpected script reply %v", op, res[0])
	}
}

// Merge folds from into into in one script.
func (s *Store) Merge(ctx context.Context, team, from, into, by string, at time.Time) (smed.Merged, error) {
	const op = "merge"
	k, err := s.customerKeys(op, team, from)
	if err != nil {
		return smed.Merged{}, err
	}
	if !idRE.MatchString(into) {
		return smed.Merged{}, invalid(op, "%q is not a customer ID", into)
	}
	if from == into {
		return smed.Merged{}, invalid(op, "a customer cannot be merged into itself")
	}
	if err := checkOwner(by); err != nil {
		return smed.Merged{}, fmt.Errorf("storage: %s: by: %w", op, err)
	}
	for attempt := 0; ; attempt++ {
		old, err := s.indexedName(ctx, k, from)
		if err != nil {
			return smed.Merged{}, wrap(op, err)
		}
		oi := old.indexed()
		keyList := append(k.teamKeys(14), k.customer(from), k.notes(from), k.facts(from), k.revisions(from),
			k.customer(into), k.notes(into), k.facts(into), k.revisions(into),
			k.deals(from), k.touches(from), k.linked(from), k.deals(into), k.touches(into), k.linked(into))
		res, err := mergeScript.Run(ctx, s.rdb, keyList, old.display, oi.key, oi.fold, oi.sigs, by, toMS(at)).Slice()
		if err != nil {
			return smed.Merged{}, wrap(op, err)
		}
		switch str(res[0]) {
		case "ok":
			notes, _ := res[1].(int64)
			facts, _ := res[2].(int64)
			c, err := decodeCustomer(pairs(res[3:]))
			if err != nil {
				return smed.Merged{}, committed(op, err)
			}
			return smed.Merged{
				Into: c, Gone: smed.NameRef{ID: from, Name: old.display}, Notes: int(notes), Facts: int(facts),
				Revision: smed.Revision{At: fromMS(toMS(at)), By: by, Field: "merge", From: old.display, To: c.Name},
			}, nil
		case "none":
			return smed.Merged{}, wrap(op, redis.Nil)
		case "moved":
			if attempt == 0 {
				continue
			}
			return smed.Merged{}, fmt.Errorf("storage: %s: %w: the customer was renamed meanwhile", op, smed.ErrConflict)
		}
		return smed.Merged{}, errorf("%s: unexpected script reply %v", op, res[0])
	}
}

// Delete removes the customer and everything about it in one script.
func (s *Store) Delete(ctx context.Context, team, id string) (smed.Deleted, error) {
	const op = "delete"
	k, err := s.customerKeys(op, team, id)
	if err != nil {
		return smed.Deleted{}, err
	}
	for attempt := 0; ; attempt++ {
		old, err := s.indexedName(ctx, k, id)
		if err != nil {
			return smed.Deleted{}, wrap(op, err)
		}
		oi := old.indexed()
		keyList := append(k.teamKeys(7), k.customer(id), k.notes(id), k.facts(id), k.revisions(id),
			k.deals(id), k.touches(id), k.linked(id))
		res, err := deleteScript.Run(ctx, s.rdb, keyList, old.display, oi.key, oi.fold, oi.sigs).Slice()
		if err != nil {
			return smed.Deleted{}, wrap(op, err)
		}
		switch str(res[0]) {
		case "ok":
			notes, _ := res[1].(int64)
			facts, _ := res[2].(int64)
			c, err := decodeCustomer(pairs(res[3:]))
			if err != nil {
				return smed.Deleted{}, committed(op, err)
			}
			return smed.Deleted{Customer: c, Notes: int(notes), Facts: int(facts)}, nil
		case "none":
			return smed.Deleted{}, wrap(op, redis.Nil)
		case "moved":
			if attempt == 0 {
				continue
			}
			return smed.Deleted{}, fmt.Errorf("storage: %s: %w: the customer was renamed meanwhile", op, smed.ErrConflict)
		}
		return smed.Deleted{}, errorf("%s: unexpected script reply %v", op, res[0])
	}
}

// Forget removes one fact in one script. Its postings stay and are dropped by
// Find's verification.
func (s *Store) Forget(ctx context.Context, team, id, factID string) (smed.Customer, error) {
	const op = "forget"
	k, err := s.customerKeys(op, team, id)
	if err != nil {
		return smed.Customer{}, err
	}
	if n, err := strconv.ParseInt(factID, 10, 64); err != nil || n < 1 || strconv.FormatInt(n, 10) != factID {
		return smed.Customer{}, wrap(op, redis.Nil) // no fact has that ID
	}
	res, err := forgetScript.Run(ctx, s.rdb, []string{k.customer(id), k.facts(id)}, factID).Slice()
	if err != nil {
		return smed.Customer{}, wrap(op, err)
	}
	switch str(res[0]) {
	case "ok":
		return committedCustomer(op, res[1:])
	case "none", "nofact":
		return smed.Customer{}, wrap(op, redis.Nil)
	}
	return smed.Customer{}, errorf("%s: unexpected script reply %v", op, res[0])
}
