package storage

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

// Bounds of one Find call. A query word expands to at most maxExpansions
// indexed words it is a prefix of (in word order: "re" may miss "rezone"
// behind 64 others); one page reads at most readBudget postings of the
// driving word, so a rare word whose entries rarely hold the other words
// returns a short page with a cursor rather than reading on.
const (
	maxExpansions = 64
	readBudget    = 5000
	findBatch     = 128
	maxFindLimit  = 100
)

// findScript reads postings of the driving query word newest first: the
// posting lists of its expansions merged by sequence number, below a bound,
// with each entry's refs record.
//
// KEYS[1] refs, KEYS[2…] the posting lists
// ARGV[1] bound: only sequence numbers below it (0 = no bound), [2] at most
// that many entries
//
// Returns {more (1 when postings below the last one remain), seq, ref, seq,
// ref, …}, highest seq first. A list is entered by binary search (GETRANGE)
// and read from the end in chunks, so the cost is O(log postings) plus the
// entries returned.
var findScript = newScript("find", `
local bound, n, CH = tonumber(ARGV[1]), tonumber(ARGV[2]), 64
local function at(s, i)
  local a, b, c, d = string.byte(s, i, i + 3)
  return ((a * 256 + b) * 256 + c) * 256 + d
end
local lists = {}
for k = 2, #KEYS do
  local len = redis.call('STRLEN', KEYS[k]) / 4
  local lo, hi = 0, len
  if bound > 0 then
    while lo < hi do
      local mid = math.floor((lo + hi) / 2)
      if at(redis.call('GETRANGE', KEYS[k], mid * 4, mid * 4 + 3), 1) < bound then lo = mid + 1 else hi = mid end
    end
  else
    lo = len
  end
  lists[#lists + 1] = {key = KEYS[k], pos = lo, buf = '', bi = 0}
end
local function head(l)
  if l.bi < 1 then
    if l.pos <= 0 then return nil end
    local from = math.max(l.pos - CH, 0)
    l.buf = redis.call('GETRANGE', l.key, from * 4, l.pos * 4 - 1)
    l.bi = l.pos - from
    l.pos = from
  end
  return at(l.buf, (l.bi - 1) * 4 + 1)
end
local out, count, last = {}, 0, -1
while count < n do
  local best
  for _, l in ipairs(lists) do
    local v = head(l)
    if v and (not best or v > best) then best = v end
  end
  if not best then break end
  for _, l in ipairs(lists) do
    if head(l) == best then l.bi = l.bi - 1 end
  end
  if best ~= last then
    last = best
    count = count + 1
    out[#out + 1] = best
    out[#out + 1] = redis.call('GETRANGE', KEYS[1], best * 11, best * 11 + 10)
  end
end
local more = 0
for _, l in ipairs(lists) do
  if head(l) then more = 1 end
end
return {more, unpack(out)}
`)

// Find answers from the word index: expand each query word to the indexed
// words it is a prefix of, drive from the one with the fewest postings, read
// its postings newest first and verify each entry against its current words.
// Round trips: 2, then 2 per batch of postings read.
func (s *Store) Find(ctx context.Context, team, query, cursor string, limit int) (smed.FindPage, error) {
	const op = "find"
	k, err := s.team(op, team)
	if err != nil {
		return smed.FindPage{}, err
	}
	var bound int64
	if cursor != "" {
		if bound, err = strconv.ParseInt(cursor, 10, 64); err != nil || bound < 1 {
			return smed.FindPage{}, invalid(op, "malformed cursor %q", cursor)
		}
	}
	if limit <= 0 || limit > maxFindLimit {
		limit = maxFindLimit
	}
	qs := names.QueryWords(query)
	if len(qs) == 0 {
		return smed.FindPage{}, nil
	}

	// Expansions, then how many postings each query word has.
	pipe := s.rdb.Pipeline()
	ranges := make([]*redis.StringSliceCmd, len(qs))
	for i, q := range qs {
		ranges[i] = pipe.ZRangeByLex(ctx, k.words(), &redis.ZRangeBy{Min: "[" + q, Max: "(" + q + "\xff", Count: maxExpansions})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return smed.FindPage{}, wrap(op, err)
	}
	exp := make([][]string, len(qs))
	for i, q := range qs {
		ws := ranges[i].Val()
		if utf8.RuneCountInString(q) >= 2 && !slices.Contains(ws, q) {
			ws = append(ws, q) // its list may exist under a colliding word
		}
		exp[i] = ws
	}
	pipe = s.rdb.Pipeline()
	lens := make([][]*redis.IntCmd, len(qs))
	for i := range qs {
		for _, w := range exp[i] {
			lens[i] = append(lens[i], pipe.StrLen(ctx, k.word(w)))
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return smed.FindPage{}, wrap(op, err)
	}
	driver, least := -1, int64(-1)
	for i := range qs {
		var n int64
		for _, c := range lens[i] {
			n += c.Val()
		}
		if n == 0 {
			return smed.FindPage{}, nil // a word nothing has
		}
		if least < 0 || n < least {
			driver, least = i, n
		}
	}
	keyList := []string{k.refs()}
	for j, w := range exp[driver] {
		if lens[driver][j].Val() > 0 {
			keyList = append(keyList, k.word(w))
		}
	}

	var page smed.FindPage
	// The first batch is about a page (most postings of the driving word
	// verify when the query has one word); later ones grow.
	n := limit + 1
	for read := 0; read < readBudget; n = min(2*n, findBatch) {
		res, err := findScript.Run(ctx, s.rdb, keyList, bound, n).Slice()
		if err != nil {
			return smed.FindPage{}, wrap(op, err)
		}
		more, _ := res[0].(int64)
		type hit struct {
			seq int64
			ref ref
		}
		var hits []hit
		for i := 1; i+1 < len(res); i += 2 {
			seq, _ := res[i].(int64)
			hits = append(hits, hit{seq, decodeRef(str(res[i+1]))})
		}
		if len(hits) == 0 {
			return page, nil
		}
		read += len(hits)
		refs := make([]ref, len(hits))
		seqs := make([]int64, len(hits))
		for i, h := range hits {
			refs[i], seqs[i] = h.ref, h.seq
		}
		ms, err := s.entries(ctx, k, refs, seqs)
		if err != nil {
			return smed.FindPage{}, wrap(op, err)
		}
		for i, m := range ms {
			if m == nil || !matchesAll(m.words, qs) {
				continue
			}
			page.Matches = append(page.Matches, m.Match)
			if len(page.Matches) == limit {
				if i < len(ms)-1 || more == 1 {
					page.Next = strconv.FormatInt(seqs[i], 10)
				}
				return page, nil
			}
		}
		bound = seqs[len(seqs)-1]
		if more == 0 {
			return page, nil
		}
	}
	page.Next = strconv.FormatInt(bound, 10) // read budget spent: a short page
	return page, nil
}

// found is an entry read back for verification.
type found struct {
	smed.Match
	words []string
}

// entries reads the entries that refs point to (one pipeline) and returns
// them in the same order; nil where the entry is gone or no longer the one
// the posting was made for (renamed, merged away, deleted, forgotten).
func (s *Store) entries(ctx context.Context, k keys, refs []ref, seqs []int64) ([]*found, error) {
	pipe := s.rdb.Pipeline()
	hashes := map[string]*redis.MapStringStringCmd{}
	facts := map[string]*redis.StringSliceCmd{}
	notes := make([]*redis.StringCmd, len(refs))
	for i, r := range refs {
		if r.Kind == 0 {
			continue
		}
		if hashes[r.ID] == nil {
			hashes[r.ID] = pipe.HGetAll(ctx, k.customer(r.ID))
		}
		switch r.Kind {
		case 'n':
			notes[i] = pipe.LIndex(ctx, k.notes(r.ID), r.Pos)
		case 'f':
			if facts[r.ID] == nil {
				facts[r.ID] = pipe.LRange(ctx, k.facts(r.ID), 0, -1)
			}
		}
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return nil, err
	}
	out := make([]*found, len(refs))
	for i, r := range refs {
		if r.Kind == 0 {
			continue
		}
		m := hashes[r.ID].Val()
		c, err := decodeCustomer(m)
		if err != nil {
			continue // deleted
		}
		switch r.Kind {
		case 'c':
			if m["nseq"] == strconv.FormatInt(seqs[i], 10) {
				out[i] = &found{smed.Match{Customer: c, Field: "name", At: c.CreatedAt}, names.Words(c.Name)}
			}
		case 'n':
			raw, err := notes[i].Result()
			if err != nil {
				continue
			}
			if e, err := decodeEntry(raw); err == nil && e.Seq == seqs[i] {
				out[i] = &found{smed.Match{Customer: c, Field: "note", Text: e.Text, Author: e.Author, At: fromMS(e.At)}, names.Words(e.Text)}
			}
		case 'f':
			for _, raw := range facts[r.ID].Val() {
				if e, err := decodeEntry(raw); err == nil && e.Seq == seqs[i] {
					out[i] = &found{smed.Match{Customer: c, Field: "fact", Text: e.Text, Author: e.Author, At: fromMS(e.At)}, names.Words(e.Text)}
					break
				}
			}
		}
	}
	return out, nil
}

// matchesAll reports whether every query word is a prefix of one of words.
func matchesAll(words, qs []string) bool {
	for _, q := range qs {
		if !slices.ContainsFunc(words, func(w string) bool { return strings.HasPrefix(w, q) }) {
			return false
		}
	}
	return true
}
