package storage

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

// listScript reads what List needs from the due and value indexes of the team
// (owner "") or of one owner.
//
// KEYS[1] due, [2] odue, [3] vals, [4] ocount
// ARGV[1] owner ("" = the team), [2] now in ms rounded up (overdue means
// due < ARGV[2]), [3] limit
//
// Returns {total, overdue, value at risk / 1e9, value at risk % 1e9 (summed
// apart so a double keeps them exact), candidate IDs, upcoming IDs}: the
// candidates are the overdue customers whose value is at least the limit-th
// largest among the overdue (so every tie of the last value is there; Go
// ranks them with smed.CompareUrgency), the upcoming ones the first not yet
// due, soonest first, as many as the overdue do not fill.
//
// Cost: O(overdue) for the value at risk (which SPEC allows) and a top-limit
// selection over it, plus O(limit) for the upcoming ones.
var listScript = redis.NewScript(`
local owner, nowc, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local total, ids = 0, {}
local pad = function(n) return string.format('%015.0f', n) end
if owner == '' then
  total = redis.call('ZCARD', KEYS[1])
  ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
else
  total = tonumber(redis.call('HGET', KEYS[4], owner)) or 0
  local ms = redis.call('ZRANGEBYLEX', KEYS[2], '[' .. owner .. '\0', '(' .. owner .. '\0' .. pad(nowc))
  for i, m in ipairs(ms) do ids[i] = string.sub(m, -12) end
end
local hi, lo, vals, top = 0, 0, {}, {}
for s = 1, #ids, 1000 do
  local vs = redis.call('HMGET', KEYS[3], unpack(ids, s, math.min(s + 999, #ids)))
  for i = 1, #vs do
    local n = tonumber(vs[i]) or 0
    vals[s + i - 1] = n
    local h = math.floor(n / 1e9)
    hi, lo = hi + h, lo + (n - h * 1e9)
    if #top < limit then
      local k = #top + 1
      top[k] = n
      while k > 1 and top[k - 1] > top[k] do top[k - 1], top[k] = top[k], top[k - 1]; k = k - 1 end
    elseif limit > 0 and n > top[1] then
      top[1] = n
      local k = 1
      while k < #top and top[k] > top[k + 1] do top[k], top[k + 1] = top[k + 1], top[k]; k = k + 1 end
    end
  end
end
local cands = {}
if limit > 0 then
  local threshold = -1
  if #ids > limit then threshold = top[1] end
  for i = 1, #ids do
    if vals[i] >= threshold then cands[#cands + 1] = ids[i] end
  end
end
local ups, need = {}, limit - math.min(limit, #ids)
if need > 0 then
  if owner == '' then
    ups = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[2], '+inf', 'LIMIT', 0, need)
  else
    local ms = redis.call('ZRANGEBYLEX', KEYS[2], '[' .. owner .. '\0' .. pad(nowc), '(' .. owner .. '\1', 'LIMIT', 0, need)
    for i, m in ipairs(ms) do ups[i] = string.sub(m, -12) end
  end
end
return {total, #ids, string.format('%.0f', hi), string.format('%.0f', lo), cands, ups}
`)

// nowCeil is now in ms rounded up: due < nowCeil ⇔ now > due, for due in
// whole ms and now with a fraction.
func nowCeil(now time.Time) int64 {
	ms := now.UnixMilli()
	if now.After(time.UnixMilli(ms)) {
		ms++
	}
	return ms
}

// List ranks the owner's (or the team's) customers at now: one script, then
// one pipeline for the customers shown (and the ties of the last value).
func (s *Store) List(ctx context.Context, team, owner string, now time.Time, limit int) (smed.Ranked, error) {
	const op = "list"
	k, err := s.team(op, team)
	if err != nil {
		return smed.Ranked{}, err
	}
	if err := checkOwner(owner); err != nil {
		return smed.Ranked{}, wrapf(op, "%w", err)
	}
	limit = max(limit, 0)
	res, err := listScript.Run(ctx, s.rdb, []string{k.due(), k.odue(), k.vals(), k.ocount()},
		owner, nowCeil(now), limit).Slice()
	if err != nil {
		return smed.Ranked{}, wrap(op, err)
	}
	if len(res) != 6 {
		return smed.Ranked{}, errorf("%s: script answered %d values, want 6", op, len(res))
	}
	total, _ := res[0].(int64)
	overdue, _ := res[1].(int64)
	hi, _ := strconv.ParseInt(str(res[2]), 10, 64)
	lo, _ := strconv.ParseInt(str(res[3]), 10, 64)
	r := smed.Ranked{Total: int(total), Overdue: int(overdue), AtRisk: riskSum(hi, lo)}
	cands, ups := strs(res[4]), strs(res[5])
	cards, err := s.cards(ctx, k, append(cands, ups...), 0, false)
	if err != nil {
		return smed.Ranked{}, wrap(op, err)
	}
	var over, later []smed.Customer
	for _, c := range cards {
		if c.OverdueAt(now) {
			over = append(over, c.Customer)
		} else {
			later = append(later, c.Customer)
		}
	}
	slices.SortFunc(over, func(a, b smed.Customer) int { return smed.CompareUrgency(a, b, now) })
	slices.SortStableFunc(later, func(a, b smed.Customer) int { return a.DueAt().Compare(b.DueAt()) })
	r.Customers = append(over[:min(len(over), limit)], later...)
	r.Customers = r.Customers[:min(len(r.Customers), limit)]
	return r, nil
}

// riskSum is hi*1e9 + lo, saturating at math.MaxInt64 like smed.ValueAtRisk.
func riskSum(hi, lo int64) int64 {
	if hi > (math.MaxInt64-lo)/1e9 {
		return math.MaxInt64
	}
	return hi*1e9 + lo
}

func strs(v any) []string {
	vs, _ := v.([]any)
	out := make([]string, len(vs))
	for i, x := range vs {
		out[i] = str(x)
	}
	return out
}

// ownerRange is the lex range of one owner's members in odue, below due
// upTo (ms; 0 = all).
func ownerRange(owner string, upTo int64) *redis.ZRangeBy {
	r := &redis.ZRangeBy{Min: "[" + owner + "\x00", Max: "(" + owner + "\x01"}
	if upTo != 0 {
		r.Max = "(" + owner + "\x00" + pad15(upTo)
	}
	return r
}

func pad15(n int64) string {
	s := strconv.FormatInt(n, 10)
	return strings.Repeat("0", max(15-len(s), 0)) + s
}

// idsOf takes the IDs out of odue members.
func idsOf(members []string) []string {
	out := make([]string, 0, len(members))
	for _, m := range members {
		if len(m) >= 12 {
			out = append(out, m[len(m)-12:])
		}
	}
	return out
}

// Overdue is a range query on a due index up to now (exclusive), then one
// pipeline per batch for the hashes, facts and latest note.
func (s *Store) Overdue(ctx context.Context, team string, now time.Time, owner string) ([]smed.Card, error) {
	const op = "overdue"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	if err := checkOwner(owner); err != nil {
		return nil, wrapf(op, "%w", err)
	}
	var ids []string
	if owner == "" {
		ids, err = s.rdb.ZRangeByScore(ctx, k.due(), &redis.ZRangeBy{
			Min: "-inf", Max: "(" + strconv.FormatInt(nowCeil(now), 10),
		}).Result()
	} else {
		var ms []string
		ms, err = s.rdb.ZRangeByLex(ctx, k.odue(), ownerRange(owner, nowCeil(now))).Result()
		ids = idsOf(ms)
	}
	if err != nil {
		return nil, wrap(op, err)
	}
	cards, err := s.cards(ctx, k, ids, 1, true)
	return cards, wrap(op, err)
}

// OwnedBy reads the owner's range of odue and the customers, sorted by name.
func (s *Store) OwnedBy(ctx context.Context, team, owner string) ([]smed.Customer, error) {
	const op = "owned by"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	if err := smed.CheckUserID(owner); err != nil {
		return nil, wrapf(op, "%w", err)
	}
	ms, err := s.rdb.ZRangeByLex(ctx, k.odue(), ownerRange(owner, 0)).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	cards, err := s.cards(ctx, k, idsOf(ms), 0, false)
	if err != nil {
		return nil, wrap(op, err)
	}
	out := make([]smed.Customer, len(cards))
	keyOf := make(map[string]string, len(cards))
	for i, c := range cards {
		out[i] = c.Customer
		keyOf[c.ID] = names.Key(c.Name)
	}
	slices.SortFunc(out, func(a, b smed.Customer) int {
		if c := strings.Compare(keyOf[a.ID], keyOf[b.ID]); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// Owners returns the owners that have at least one customer, sorted.
func (s *Store) Owners(ctx context.Context, team string) ([]string, error) {
	const op = "owners"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	owners, err := s.rdb.HKeys(ctx, k.ocount()).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	slices.Sort(owners)
	return owners, nil
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
		n, _ := strconv.ParseInt(str(v), 10, 64)
		return n
	}
	return int(num(vals[0])), num(vals[1]), nil
}

// NoteCounts sums the day counters from the day of since on: one ZRANGE of
// the days that have counters, then one pipeline.
func (s *Store) NoteCounts(ctx context.Context, team string, since time.Time) (map[string]int, error) {
	const op = "note counts"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	days, err := s.rdb.ZRangeByScore(ctx, k.days(), &redis.ZRangeBy{
		Min: strconv.FormatInt(dayOf(since), 10), Max: "+inf",
	}).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	counts := make(map[string]int)
	if len(days) == 0 {
		return counts, nil
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*redis.MapStringStringCmd, len(days))
	for i, d := range days {
		n, _ := strconv.ParseInt(d, 10, 64)
		cmds[i] = pipe.HGetAll(ctx, k.day(n))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wrap(op, err)
	}
	for _, c := range cmds {
		for author, v := range c.Val() {
			n, _ := strconv.Atoi(v)
			counts[author] += n
		}
	}
	return counts, nil
}
