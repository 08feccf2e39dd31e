package storage

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
)

// batch is how many customers one pipeline reads at a time when a method walks
// many of them (Customers, Overdue, Export, Find).
const batch = 200

// Customer returns the customer with that name: two round trips.
func (s *Store) Customer(ctx context.Context, team, name string) (smed.Customer, error) {
	const op = "customer"
	k, id, err := s.resolve(ctx, op, team, name)
	if err != nil {
		return smed.Customer{}, err
	}
	m, err := s.rdb.HGetAll(ctx, k.customer(id)).Result()
	if err != nil {
		return smed.Customer{}, wrap(op, err)
	}
	c, err := decodeCustomer(m)
	if err != nil {
		return smed.Customer{}, wrap(op, notFoundAsNil(err))
	}
	return c, nil
}

// Card returns the customer, its facts and its latest notes: two round trips
// (resolve the name, then one pipeline).
func (s *Store) Card(ctx context.Context, team, name string, notes int) (smed.Card, error) {
	const op = "card"
	k, id, err := s.resolve(ctx, op, team, name)
	if err != nil {
		return smed.Card{}, err
	}
	cards, err := s.cards(ctx, k, []string{id}, notes, true)
	if err != nil {
		return smed.Card{}, wrap(op, err)
	}
	if len(cards) == 0 {
		return smed.Card{}, wrap(op, redis.Nil)
	}
	return cards[0], nil
}

// cards reads customers with their facts (when withFacts) and latest notes
// (at most notes), one pipeline per batch of IDs. IDs whose hash is gone are
// skipped (customers are never deleted, so this only guards against a
// half-written record).
func (s *Store) cards(ctx context.Context, k keys, ids []string, notes int, withFacts bool) ([]smed.Card, error) {
	out := make([]smed.Card, 0, len(ids))
	for chunk := range slices.Chunk(ids, batch) {
		pipe := s.rdb.Pipeline()
		hashes := make([]*redis.MapStringStringCmd, len(chunk))
		facts := make([]*redis.StringSliceCmd, len(chunk))
		latest := make([]*redis.StringSliceCmd, len(chunk))
		for i, id := range chunk {
			hashes[i] = pipe.HGetAll(ctx, k.customer(id))
			if withFacts {
				facts[i] = pipe.LRange(ctx, k.facts(id), 0, -1)
			}
			if notes > 0 {
				latest[i] = pipe.LRange(ctx, k.notes(id), -int64(notes), -1)
			}
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, err
		}
		for i, id := range chunk {
			c, err := decodeCustomer(hashes[i].Val())
			if err != nil {
				if len(hashes[i].Val()) == 0 {
					continue
				}
				return nil, err
			}
			card := smed.Card{Customer: c}
			if facts[i] != nil {
				es, err := decodeEntries(facts[i].Val())
				if err != nil {
					return nil, fmt.Errorf("facts of %s: %w", id, err)
				}
				card.Facts = factsOf(es)
			}
			if latest[i] != nil {
				es, err := decodeEntries(latest[i].Val())
				if err != nil {
					return nil, fmt.Errorf("notes of %s: %w", id, err)
				}
				card.Notes = newestFirst(notesOf(es))
			}
			out = append(out, card)
		}
	}
	return out, nil
}

// Update applies a partial change in one script, precondition included; the
// due indexes follow.
func (s *Store) Update(ctx context.Context, team, name string, ch smed.Change) (smed.Customer, error) {
	const op = "update"
	k, err := s.team(op, team)
	if err != nil {
		return smed.Customer{}, err
	}
	key, _, ok := nameKey(name)
	if !ok {
		return smed.Customer{}, wrap(op, redis.Nil)
	}
	args := []any{key, "0", ""}
	if ch.IfOwner != nil {
		if err := checkOwner(*ch.IfOwner); err != nil {
			return smed.Customer{}, invalid(op, "precondition: %v", err)
		}
		args[1], args[2] = "1", *ch.IfOwner
	}
	if ch.Owner != nil {
		if err := checkOwner(*ch.Owner); err != nil {
			return smed.Customer{}, invalid(op, "%v", err)
		}
		args = append(args, "owner", *ch.Owner)
	}
	if ch.Value != nil {
		if *ch.Value < 0 {
			return smed.Customer{}, invalid(op, "value must not be negative, got %d", *ch.Value)
		}
		args = append(args, "value", *ch.Value)
	}
	if ch.CadenceDays != nil {
		if *ch.CadenceDays < 1 {
			return smed.Customer{}, invalid(op, "cadence must be at least 1 day, got %d", *ch.CadenceDays)
		}
		args = append(args, "cadence_days", *ch.CadenceDays)
	}
	if ch.SnoozedUntil != nil {
		args = append(args, "snoozed_until", toMS(*ch.SnoozedUntil))
	}
	reply, err := updateScript.Run(ctx, s.rdb, []string{k.base}, args...).Result()
	if err != nil {
		return smed.Customer{}, wrap(op, err)
	}
	res, ok := reply.([]any)
	if !ok {
		if n, isInt := reply.(int64); isInt && n == 0 && ch.IfOwner != nil {
			return smed.Customer{}, fmt.Errorf("storage: %s: %w: the owner is no longer %q", op, smed.ErrConflict, *ch.IfOwner)
		}
		return smed.Customer{}, fmt.Errorf("storage: %s: unexpected script reply %T", op, reply)
	}
	c, err := decodeCustomer(pairs(res))
	if err != nil {
		return smed.Customer{}, wrap(op, notFoundAsNil(err))
	}
	return c, nil
}

// Names returns every display name of the team (one HVALS).
func (s *Store) Names(ctx context.Context, team string) ([]string, error) {
	const op = "names"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	ns, err := s.rdb.HVals(ctx, k.display()).Result()
	return ns, wrap(op, err)
}

// Customers reads the due index (the team's or the owner's) in due order and
// the customers' hashes in pipelines.
func (s *Store) Customers(ctx context.Context, team, owner string) ([]smed.Customer, error) {
	const op = "customers"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	if err := checkOwner(owner); err != nil {
		return nil, invalid(op, "%v", err)
	}
	ids, err := s.rdb.ZRange(ctx, k.due(owner), 0, -1).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	cards, err := s.cards(ctx, k, ids, 0, false)
	if err != nil {
		return nil, wrap(op, err)
	}
	out := make([]smed.Customer, len(cards))
	for i, c := range cards {
		out[i] = c.Customer
	}
	return out, nil
}

// Overdue is a range query on the due index up to now (exclusive), then one
// pipeline per batch for the hashes, facts and latest note.
func (s *Store) Overdue(ctx context.Context, team string, now time.Time, owner string) ([]smed.Card, error) {
	const op = "overdue"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	if err := checkOwner(owner); err != nil {
		return nil, invalid(op, "%v", err)
	}
	// Overdue means now > due, i.e. due < now. Scores are whole ms and now may
	// have a fraction: due < now ⇔ due < ceil(now in ms).
	limit := now.UnixMilli()
	if now.After(time.UnixMilli(limit)) {
		limit++
	}
	ids, err := s.rdb.ZRangeByScore(ctx, k.due(owner), &redis.ZRangeBy{
		Min: "-inf",
		Max: "(" + strconv.FormatInt(limit, 10),
	}).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	cards, err := s.cards(ctx, k, ids, 1, true)
	return cards, wrap(op, err)
}

// Export returns every customer with its facts, ordered by normalised name.
// It walks the names index: a full read by design.
func (s *Store) Export(ctx context.Context, team string) ([]smed.Card, error) {
	const op = "export"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	byKey, err := s.rdb.HGetAll(ctx, k.names()).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	type named struct{ key, id string }
	all := make([]named, 0, len(byKey))
	for key, id := range byKey {
		all = append(all, named{key, id})
	}
	slices.SortFunc(all, func(a, b named) int { return cmp.Compare(a.key, b.key) })
	ids := make([]string, len(all))
	for i, n := range all {
		ids[i] = n.id
	}
	cards, err := s.cards(ctx, k, ids, 0, true)
	return cards, wrap(op, err)
}

// Import creates or updates one customer in one script (see importScript for
// why re-importing changes nothing) and reports which it did.
func (s *Store) Import(ctx context.Context, team string, rec smed.ImportRecord, at time.Time) (smed.ImportOutcome, error) {
	const op = "import"
	k, err := s.team(op, team)
	if err != nil {
		return 0, err
	}
	key, display, ok := nameKey(rec.Name)
	switch {
	case !ok:
		return 0, invalid(op, "%s", nameRule)
	case at.IsZero():
		return 0, invalid(op, "no time given")
	}
	// Absent fields are sent as what a new customer gets, marked "0" in
	// given so that an existing customer keeps its own (see importScript).
	owner, value, cadence := "", int64(0), rec.DefaultCadenceDays
	given := []byte("000")
	if rec.Owner != nil {
		if err := checkOwner(*rec.Owner); err != nil {
			return 0, invalid(op, "%v", err)
		}
		owner, given[0] = *rec.Owner, '1'
	}
	if rec.Value != nil {
		if *rec.Value < 0 || *rec.Value > smed.MaxValue {
			// The script compares values as Lua doubles: exact up to MaxValue.
			return 0, invalid(op, "value must be 0 to %d, got %d", int64(smed.MaxValue), *rec.Value)
		}
		value, given[1] = *rec.Value, '1'
	}
	if rec.CadenceDays != nil {
		cadence, given[2] = *rec.CadenceDays, '1'
	}
	switch {
	case cadence >= 1:
	case rec.CadenceDays != nil:
		return 0, invalid(op, "cadence must be at least 1 day, got %d", cadence)
	default:
		return 0, invalid(op, "no cadence given and the default cadence %d is not at least 1 day", cadence)
	}
	args := []any{key, display, newID(), owner, value, cadence, string(given),
		toMS(rec.LastContactAt), toMS(at)}
	for _, f := range rec.Facts {
		if strings.TrimSpace(f) != "" { // "a |  | b" in a CSV cell is two facts
			args = append(args, clean(f))
		}
	}
	res, err := importScript.Run(ctx, s.rdb, []string{k.base}, args...).Int()
	if err != nil {
		return 0, wrap(op, err)
	}
	switch res {
	case 0:
		return smed.ImportUnchanged, nil
	case 1:
		return smed.ImportCreated, nil
	case 2:
		return smed.ImportUpdated, nil
	}
	return 0, fmt.Errorf("storage: %s: script answered %d, want 0, 1 or 2", op, res)
}
