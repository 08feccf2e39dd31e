package storage

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

// batch is how many customers one pipeline reads at a time when a method walks
// many of them (Overdue, Export, OwnedBy, List).
const batch = 200

// customerKeys checks a customer ID and returns the team's keys.
func (s *Store) customerKeys(op, team, id string) (keys, error) {
	k, err := s.team(op, team)
	if err != nil {
		return keys{}, err
	}
	if !idRE.MatchString(id) {
		return keys{}, invalid(op, "%q is not a customer ID", id)
	}
	return k, nil
}

// Customer returns the customer with that ID: one HGETALL.
func (s *Store) Customer(ctx context.Context, team, id string) (smed.Customer, error) {
	const op = "customer"
	k, err := s.customerKeys(op, team, id)
	if err != nil {
		return smed.Customer{}, err
	}
	m, err := s.rdb.HGetAll(ctx, k.customer(id)).Result()
	if err != nil {
		return smed.Customer{}, wrap(op, err)
	}
	return customerOf(op, m)
}

func customerOf(op string, m map[string]string) (smed.Customer, error) {
	c, err := decodeCustomer(m)
	if err != nil {
		return smed.Customer{}, wrap(op, notFoundAsNil(err))
	}
	return c, nil
}

// Card returns the customer, its facts and its latest notes: one pipeline.
func (s *Store) Card(ctx context.Context, team, id string, notes int) (smed.Card, error) {
	const op = "card"
	k, err := s.customerKeys(op, team, id)
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
// (at most notes), one pipeline per batch of IDs. IDs whose hash is gone
// (deleted meanwhile) are skipped.
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
			if len(hashes[i].Val()) == 0 {
				continue
			}
			c, err := decodeCustomer(hashes[i].Val())
			if err != nil {
				return nil, err
			}
			card := smed.Card{Customer: c}
			if facts[i] != nil {
				if card.Facts, err = factsOf(facts[i].Val()); err != nil {
					return nil, fmt.Errorf("facts of %s: %w", id, err)
				}
			}
			if latest[i] != nil {
				if card.Notes, err = notesNewestFirst(latest[i].Val()); err != nil {
					return nil, fmt.Errorf("notes of %s: %w", id, err)
				}
			}
			out = append(out, card)
		}
	}
	return out, nil
}

// History merges the newest offset+limit notes, revisions, deals and
// touches (each list is kept in time order) and returns the page: one
// pipeline, whatever the length of the timeline; deep pages cost their
// offset.
func (s *Store) History(ctx context.Context, team, id string, offset, limit int) (smed.Customer, []smed.Entry, int, error) {
	const op = "history"
	k, err := s.customerKeys(op, team, id)
	if err != nil {
		return smed.Customer{}, nil, 0, err
	}
	offset, limit = max(offset, 0), max(limit, 0)
	// Newest first; among entries of the same instant a revision first,
	// then a deal, a touch, a note (the order of lists here).
	lists := []struct {
		key    string
		decode func(string) (smed.Entry, error)
	}{
		{k.revisions(id), func(raw string) (smed.Entry, error) {
			r, err := decodeRevision(raw)
			return smed.Entry{Kind: smed.EntryRevision, Revision: r}, err
		}},
		{k.deals(id), func(raw string) (smed.Entry, error) {
			d, err := decodeDeal(raw)
			return smed.Entry{Kind: smed.EntryDeal, Deal: d}, err
		}},
		{k.touches(id), func(raw string) (smed.Entry, error) {
			t, err := decodeTouch(raw)
			return smed.Entry{Kind: smed.EntryTouch, Touch: t}, err
		}},
		{k.notes(id), func(raw string) (smed.Entry, error) {
			e, err := decodeEntry(raw)
			return smed.Entry{Kind: smed.EntryNote, Note: e.note()}, err
		}},
	}
	pipe := s.rdb.Pipeline()
	hash := pipe.HGetAll(ctx, k.customer(id))
	lens := make([]*redis.IntCmd, len(lists))
	raws := make([]*redis.StringSliceCmd, len(lists))
	for i, l := range lists {
		lens[i] = pipe.LLen(ctx, l.key)
		if limit > 0 {
			raws[i] = pipe.LRange(ctx, l.key, -int64(offset+limit), -1)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return smed.Customer{}, nil, 0, wrap(op, err)
	}
	c, err := customerOf(op, hash.Val())
	if err != nil {
		return smed.Customer{}, nil, 0, err
	}
	total := 0
	for _, n := range lens {
		total += int(n.Val())
	}
	if limit == 0 {
		return c, nil, total, nil
	}
	each := make([][]smed.Entry, len(lists)) // newest first
	for i, l := range lists {
		rv := raws[i].Val()
		each[i] = make([]smed.Entry, len(rv))
		for j, raw := range rv {
			if each[i][len(rv)-1-j], err = l.decode(raw); err != nil {
				return smed.Customer{}, nil, 0, wrapf(op, "%s: %w", id, err)
			}
		}
	}
	next := make([]int, len(lists))
	var out []smed.Entry
	for len(out) < offset+limit {
		best := -1
		for i := range each {
			if next[i] < len(each[i]) && (best < 0 || each[i][next[i]].At().After(each[best][next[best]].At())) {
				best = i
			}
		}
		if best < 0 {
			break
		}
		out = append(out, each[best][next[best]])
		next[best]++
	}
	if offset >= len(out) {
		return c, nil, total, nil
	}
	return c, out[offset:], total, nil
}

// Update applies a partial change in one script, precondition included; the
// indexes follow and revisions record what changed.
func (s *Store) Update(ctx context.Context, team, id string, ch smed.Change) (smed.Updated, error) {
	const op = "update"
	k, err := s.customerKeys(op, team, id)
	if err != nil {
		return smed.Updated{}, err
	}
	args := []any{"0", "", ch.By, toMS(ch.At)}
	if ch.IfOwner != nil {
		if err := checkOwner(*ch.IfOwner); err != nil {
			return smed.Updated{}, fmt.Errorf("storage: %s: precondition: %w", op, err)
		}
		args[0], args[1] = "1", *ch.IfOwner
	}
	if ch.By != "" {
		if err := smed.CheckUserID(ch.By); err != nil {
			return smed.Updated{}, fmt.Errorf("storage: %s: by: %w", op, err)
		}
	}
	if ch.Owner != nil {
		if err := checkOwner(*ch.Owner); err != nil {
			return smed.Updated{}, fmt.Errorf("storage: %s: %w", op, err)
		}
		args = append(args, "owner", *ch.Owner)
	}
	if ch.Value != nil {
		if err := smed.CheckValue(*ch.Value); err != nil {
			return smed.Updated{}, fmt.Errorf("storage: %s: %w", op, err)
		}
		args = append(args, "value", *ch.Value)
	}
	if ch.CadenceDays != nil {
		if err := smed.CheckCadence(*ch.CadenceDays); err != nil {
			return smed.Updated{}, fmt.Errorf("storage: %s: %w", op, err)
		}
		args = append(args, "cadence_days", *ch.CadenceDays)
	}
	if ch.SnoozedUntil != nil {
		args = append(args, "snoozed_until", toMS(*ch.SnoozedUntil))
	}
	keyList := append(k.teamKeys(2), k.customer(id), k.revisions(id))
	res, err := updateScript.Run(ctx, s.rdb, keyList, args...).Slice()
	if err != nil {
		return smed.Updated{}, wrap(op, err)
	}
	switch str(res[0]) {
	case "none":
		return smed.Updated{}, wrap(op, redis.Nil)
	case "conflict":
		return smed.Updated{}, fmt.Errorf("storage: %s: %w: the owner is no longer %q", op, smed.ErrConflict, *ch.IfOwner)
	case "ok":
	default:
		return smed.Updated{}, errorf("%s: unexpected script reply %v", op, res[0])
	}
	n, _ := res[1].(int64)
	if len(res) < 2+int(n) {
		return smed.Updated{}, committed(op, fmt.Errorf("short reply"))
	}
	before, err1 := decodeCustomer(pairs(res[2 : 2+n]))
	after, err2 := decodeCustomer(pairs(res[2+n:]))
	if err1 != nil || err2 != nil {
		return smed.Updated{}, committed(op, fmt.Errorf("decode: %v %v", err1, err2))
	}
	return smed.Updated{Before: before, After: after}, nil
}

// checkOwner accepts "" (nobody) or a user ID.
func checkOwner(owner string) error {
	if owner == "" {
		return nil
	}
	return smed.CheckUserID(owner)
}

// Import creates or updates one customer in one script (see importScript for
// why re-importing changes nothing) and reports which it did.
func (s *Store) Import(ctx context.Context, team string, rec smed.ImportRecord, at time.Time) (smed.ImportOutcome, error) {
	const op = "import"
	k, err := s.team(op, team)
	if err != nil {
		return 0, err
	}
	info, ok := nameOf(rec.Name)
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
			return 0, fmt.Errorf("storage: %s: %w", op, err)
		}
		owner, given[0] = *rec.Owner, '1'
	}
	if rec.Value != nil {
		if err := smed.CheckValue(*rec.Value); err != nil {
			return 0, fmt.Errorf("storage: %s: %w", op, err)
		}
		value, given[1] = *rec.Value, '1'
	}
	if rec.CadenceDays != nil {
		cadence, given[2] = *rec.CadenceDays, '1'
	}
	if err := smed.CheckCadence(cadence); err != nil {
		if rec.CadenceDays == nil {
			return 0, invalid(op, "no cadence given and the default cadence %d is not 1 to %d days", cadence, smed.MaxDays)
		}
		return 0, fmt.Errorf("storage: %s: %w", op, err)
	}
	var facts []string
	for _, f := range rec.Facts {
		if strings.TrimSpace(f) != "" { // "a |  | b" in a CSV cell is two facts
			facts = append(facts, clean(f))
		}
	}
	cmd := importCmd{info: info, owner: owner, value: value, cadence: cadence, given: string(given),
		last: toMS(rec.LastContactAt), at: toMS(at), facts: facts}
	id := firstID(team, info.key)
	for attempt := 0; ; attempt++ {
		keyList, args := cmd.build(k, id)
		res, err := importScript.Run(ctx, s.rdb, keyList, args...).Slice()
		if err != nil {
			return 0, wrap(op, err)
		}
		switch str(res[0]) {
		case "ok":
			n, _ := res[1].(int64)
			switch n {
			case 0:
				return smed.ImportUnchanged, nil
			case 1:
				s.grewName(k, info)
				return smed.ImportCreated, nil
			case 2:
				return smed.ImportUpdated, nil
			}
			return 0, committed(op, fmt.Errorf("script answered %d, want 0, 1 or 2", n))
		case "moved":
			id = str(res[1])
		case "taken":
			id = newID()
		default:
			return 0, errorf("%s: unexpected script reply %v", op, res[0])
		}
		if attempt >= 2 {
			return 0, fmt.Errorf("storage: %s: %w: the customer changed while importing it", op, smed.ErrConflict)
		}
	}
}

// importCmd is a checked import record, ready to become importScript's
// KEYS and ARGV for an expected ID.
type importCmd struct {
	info     nameInfo
	owner    string
	value    int64
	cadence  int
	given    string
	last, at int64
	facts    []string
}

func (c importCmd) build(k keys, id string) ([]string, []any) {
	p := postings{k: k}
	nameWords := p.list(c.info.words)
	factLists := make([]string, len(c.facts))
	for i, f := range c.facts {
		factLists[i] = p.list(names.Words(f))
	}
	keyList := append(k.teamKeys(3+len(p.keys)), k.customer(id), k.facts(id), k.revisions(id))
	keyList = append(keyList, p.keys...)
	args := append(c.info.args(), nameWords, id, c.owner, c.value, c.cadence, c.given,
		c.last, c.at, len(c.facts))
	for i, f := range c.facts {
		args = append(args, f, factLists[i])
	}
	args = append(args, c.info.lname)
	return keyList, append(args, p.words...)
}

// Export walks the name index in name order, a batch at a time: memory stays
// bounded for any team size.
func (s *Store) Export(ctx context.Context, team string) iter.Seq2[smed.Card, error] {
	const op = "export"
	return func(yield func(smed.Card, error) bool) {
		k, err := s.team(op, team)
		if err != nil {
			yield(smed.Card{}, err)
			return
		}
		from := "-"
		for {
			members, err := s.rdb.ZRangeByLex(ctx, k.nidx(), &redis.ZRangeBy{Min: from, Max: "+", Count: batch}).Result()
			if err != nil {
				yield(smed.Card{}, wrap(op, err))
				return
			}
			if len(members) == 0 {
				return
			}
			from = "(" + members[len(members)-1]
			ids := make([]string, 0, len(members))
			keysOf := make([]string, 0, len(members))
			for _, m := range members {
				if i := strings.LastIndexByte(m, 0); i >= 0 {
					ids = append(ids, m[i+1:])
					keysOf = append(keysOf, m[:i])
				}
			}
			metas, err := s.rdb.HMGet(ctx, k.nm(), ids...).Result()
			if err != nil {
				yield(smed.Card{}, wrap(op, err))
				return
			}
			// A member is the customer's Key or its Fold: export it once,
			// under its Key.
			var keep []string
			for i, v := range metas {
				if m, ok := parseMeta(str(v)); ok && m.key == keysOf[i] {
					keep = append(keep, ids[i])
				}
			}
			cards, err := s.cards(ctx, k, keep, 0, true)
			if err != nil {
				yield(smed.Card{}, wrap(op, err))
				return
			}
			for _, c := range cards {
				if !yield(c, nil) {
					return
				}
			}
		}
	}
}

// notFoundAsNil lets wrap turn a missing hash into ErrNotFound like redis.Nil.
func notFoundAsNil(err error) error {
	if err == smed.ErrNotFound {
		return redis.Nil
	}
	return err
}
