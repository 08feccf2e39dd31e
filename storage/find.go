package storage

import (
	"cmp"
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

// Find matches every word of query (case-insensitive, in normal form) against
// names, facts and notes. Redis has no full-text index here, so Find reads the
// team's data: the display hash, then customers, facts and all notes in
// pipelines of batch customers. It never scans the keyspace (no KEYS/SCAN), and
// stops reading as soon as limit matches are found.
//
// Order: name matches first (by name), then per customer in name order its
// matching facts (oldest first) and notes (newest first). limit <= 0 means no
// limit.
func (s *Store) Find(ctx context.Context, team, query string, limit int) ([]smed.Match, error) {
	const op = "find"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	words := strings.Fields(names.Key(query))
	if len(words) == 0 {
		return nil, nil
	}
	matches := func(text string) bool {
		t := names.Key(text)
		for _, w := range words {
			if !strings.Contains(t, w) {
				return false
			}
		}
		return true
	}
	full := func(ms []smed.Match) bool { return limit > 0 && len(ms) >= limit }

	display, err := s.rdb.HGetAll(ctx, k.display()).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	type named struct{ key, id string }
	all := make([]named, 0, len(display))
	var hits []string
	for id, name := range display {
		all = append(all, named{names.Key(name), id})
	}
	slices.SortFunc(all, func(a, b named) int {
		return cmp.Or(cmp.Compare(a.key, b.key), cmp.Compare(a.id, b.id))
	})
	ids := make([]string, len(all))
	for i, n := range all {
		ids[i] = n.id
		if matches(display[n.id]) && (limit <= 0 || len(hits) < limit) {
			hits = append(hits, n.id)
		}
	}

	var out []smed.Match
	if len(hits) > 0 {
		cards, err := s.cards(ctx, k, hits, 0, false)
		if err != nil {
			return nil, wrap(op, err)
		}
		for _, c := range cards {
			out = append(out, smed.Match{Customer: c.Customer, Field: "name"})
		}
	}
	for chunk := range slices.Chunk(ids, batch) {
		if full(out) {
			break
		}
		pipe := s.rdb.Pipeline()
		hashes := make([]*redis.MapStringStringCmd, len(chunk))
		facts := make([]*redis.StringSliceCmd, len(chunk))
		notes := make([]*redis.StringSliceCmd, len(chunk))
		for i, id := range chunk {
			hashes[i] = pipe.HGetAll(ctx, k.customer(id))
			facts[i] = pipe.LRange(ctx, k.facts(id), 0, -1)
			notes[i] = pipe.LRange(ctx, k.notes(id), 0, -1)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, wrap(op, err)
		}
		for i := range chunk {
			c, err := decodeCustomer(hashes[i].Val())
			if err != nil {
				continue // half-written record: nothing to show
			}
			fs, err := decodeEntries(facts[i].Val())
			if err != nil {
				return nil, wrap(op, err)
			}
			for _, f := range fs {
				if !full(out) && matches(f.Text) {
					out = append(out, smed.Match{Customer: c, Field: "fact", Text: f.Text, At: fromMS(f.At)})
				}
			}
			ns, err := decodeEntries(notes[i].Val())
			if err != nil {
				return nil, wrap(op, err)
			}
			for j := len(ns) - 1; j >= 0 && !full(out); j-- {
				if matches(ns[j].Text) {
					out = append(out, smed.Match{Customer: c, Field: "note", Text: ns[j].Text, At: fromMS(ns[j].At)})
				}
			}
		}
	}
	return out, nil
}

// NoteCounts reads the activity index from since on and counts per author.
func (s *Store) NoteCounts(ctx context.Context, team string, since time.Time) (map[string]int, error) {
	const op = "note counts"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	members, err := s.rdb.ZRangeByScore(ctx, k.activity(), &redis.ZRangeBy{
		Min: strconv.FormatInt(since.UnixMilli(), 10),
		Max: "+inf",
	}).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	counts := make(map[string]int)
	for _, m := range members {
		// "<id>:<n>:<author>": the ID is hex and n digits, so the author is
		// everything after the second colon.
		parts := strings.SplitN(m, ":", 3)
		if len(parts) == 3 {
			counts[parts[2]]++
		}
	}
	return counts, nil
}

// Totals returns how many customers the team has and their summed value, from
// counters the scripts keep (reminders.Totaler: digest coverage without a scan).
func (s *Store) Totals(ctx context.Context, team string) (int, int64, error) {
	const op = "totals"
	k, err := s.team(op, team)
	if err != nil {
		return 0, 0, err
	}
	vals, err := s.rdb.HMGet(ctx, k.totals(), "customers", "value").Result()
	if err != nil {
		return 0, 0, wrap(op, err)
	}
	num := func(v any) int64 {
		s, _ := v.(string)
		n, _ := strconv.ParseInt(s, 10, 64)
		return n
	}
	return int(num(vals[0])), num(vals[1]), nil
}

// Owners returns the team's owners that have at least one customer, sorted.
func (s *Store) Owners(ctx context.Context, team string) ([]string, error) {
	const op = "owners"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	owners, err := s.rdb.SMembers(ctx, k.owners()).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	slices.Sort(owners)
	return owners, nil
}
