package storage

import (
	"context"

	"github.com/smedhq/smed/names"
)

// A team whose customers were made by an older Smed has their names in the
// segment index (names.LegacySignatures) and no edits mark: its lookups send
// the legacy probes too, whose lists grow with the book. Reindex moves every
// name to the edit index and then marks the team, in small atomic steps
// while the team goes on working: a name made or renamed meanwhile gets its
// new signatures from that write, and a lookup finds a name whichever index
// holds it until the mark says all are moved.

// reindexScript moves customers' names from their segment signatures to
// their edit-index ones. A customer whose nm record is no longer the one Go
// read (renamed or deleted meanwhile, which wrote its new signatures) is
// left alone.
//
// KEYS[1..T] the team keys. ARGV per customer, 5 each: ID, nm record as
// read, Key, old sig fields, new sig fields (8 bytes each, concatenated).
// Returns how many were moved.
var reindexScript = newScript("reindex", prelude+`
local n = 0
for i = 1, #ARGV, 5 do
  local id = ARGV[i]
  if redis.call('HGET', K.nm, id) == ARGV[i + 1] and redis.call('HGET', K.names, ARGV[i + 2]) == id then
    sig_del(id, ARGV[i + 3])
    sig_add(id, ARGV[i + 4])
    n = n + 1
  end
end
return n
`)

// reindexBatch is how many customers one reindex step moves: a step is
// atomic, and at 25 holds Redis for a few milliseconds at most (100k
// customers moved in 17 s, 4 ms a step with Go's share and the round trip),
// which the commands running meanwhile can wait.
const reindexBatch = 25

// NeedsReindex reports whether the team's names are (partly) in the segment
// index of an older Smed: it has customers and no edits mark.
func (s *Store) NeedsReindex(ctx context.Context, team string) (bool, error) {
	const op = "needs reindex"
	k, err := s.team(op, team)
	if err != nil {
		return false, err
	}
	v, err := s.rdb.HMGet(ctx, k.totals(), "edits", "customers").Result()
	if err != nil {
		return false, wrap(op, err)
	}
	return str(v[0]) != "2" && str(v[1]) != "" && str(v[1]) != "0", nil
}

// Reindex moves the team's names to the edit index and marks the team (see
// above), and says how many names it moved. It is safe to run while the
// team works, more than once, and from two processes at a time; one that
// stops halfway leaves the team working as before, unmarked. A team already
// marked costs one read.
func (s *Store) Reindex(ctx context.Context, team string) (int, error) {
	const op = "reindex"
	k, err := s.team(op, team)
	if err != nil {
		return 0, err
	}
	need, err := s.NeedsReindex(ctx, team)
	if err != nil || !need {
		return 0, err
	}
	moved := 0
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		n, err := reindexScript.Run(ctx, s.rdb, k.teamKeys(0), args...).Int()
		if err != nil {
			return wrap(op, err)
		}
		moved += n
		args = args[:0]
		return nil
	}
	// HSCAN returns every customer there from start to end at least once
	// (a step is idempotent, so twice does no harm); one made meanwhile was
	// indexed by its create.
	var cursor uint64
	for {
		kv, next, err := s.rdb.HScan(ctx, k.nm(), cursor, "", 2*reindexBatch).Result()
		if err != nil {
			return moved, wrap(op, err)
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m, ok := parseMeta(kv[i+1])
			if !ok {
				continue
			}
			args = append(args, kv[i], kv[i+1], m.key, legacySigsOf(m.key, m.fold), sigsOf(m.key, m.fold))
			if len(args) >= 5*reindexBatch {
				if err := flush(); err != nil {
					return moved, err
				}
			}
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	if err := flush(); err != nil {
		return moved, err
	}
	if err := s.rdb.HSet(ctx, k.totals(), "edits", 2).Err(); err != nil {
		return moved, wrap(op, err)
	}
	s.edits.Store(k.base, true)
	return moved, nil
}

// legacySigsOf is the sig fields a segment index may hold for a name: its
// narrow-era signatures, which include those of the index before them.
func legacySigsOf(key, fold string) string {
	return fieldsOf(key, fold, func(x string) []string { return names.LegacySignatures(x, true) })
}
