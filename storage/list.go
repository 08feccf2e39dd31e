package storage

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

// listScript reads what List needs from the due, value and risk indexes of
// the team (owner "") or of one owner.
//
// KEYS[1] due, [2] odue, [3] vrank, [4] vcd, [5] ocount, [6] risk, [7] cad,
// [8] nm
// ARGV[1] owner ("" = the team), [2] now in ms rounded up (overdue means
// due < ARGV[2]), [3] limit, [4] now in ms with its fraction
//
// Returns {total, overdue, candidate IDs, upcoming IDs, risk parts}:
//   - candidates: the limit most urgent overdue customers, in
//     smed.CompareUrgency's order (Go sorts them again with it). Beyond
//     directMax overdue, vcd is scanned from the top value down for values
//     with someone overdue, and of each such value the overdue of each
//     cadence are read in due order (which is their order by overdue
//     ratio, then name and ID) and merged, until limit are found. Up to
//     directMax (or past scanMax members with nobody overdue) they are read
//     from the due index and selected by value, then ratio (cad), then
//     name.
//   - upcoming: the first not yet due, soonest first, as many as the
//     overdue do not fill.
//   - risk parts: values (as strings, summed in Go) whose sum is the value
//     at risk: the risk buckets wholly before now, coarse to fine from the
//     earliest due time, and the values of the customers due in the current
//     hour before now.
//
// Cost: O(log n) for the counts; about 90 bucket fields and the customers
// due this hour for the value at risk; for the ranking, one call per 256
// customers not overdue that rank above the ones shown, and per value that
// has someone shown, one lookup per cadence it has and at most limit
// members of each.
var listScript = newScript("list", `
local owner, nowc, limit, now = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local DIRECT, SCAN, CH = `+strconv.Itoa(directMax)+`, `+strconv.Itoa(scanMax)+`, 256
-- gopher-lua (memory://) does not coerce a string for %f: always a number
local pad = function(n) return string.format('%015.0f', tonumber(n)) end
local function ids_of(ms)
  local out = {}
  for i, m in ipairs(ms) do out[i] = string.sub(m, -12) end
  return out
end
local lo = '[' .. owner .. '\0'
local function due_range(from, to, lim, off)
  -- IDs with from <= due < to, in due order
  off = off or 0
  if owner == '' then
    if lim then return redis.call('ZRANGEBYSCORE', KEYS[1], from, '(' .. to, 'LIMIT', off, lim) end
    return redis.call('ZRANGEBYSCORE', KEYS[1], from, '(' .. to)
  end
  local a = from == '-inf' and lo or ('[' .. owner .. '\0' .. pad(from))
  local b = to == '+inf' and ('(' .. owner .. '\1') or ('(' .. owner .. '\0' .. pad(to))
  if lim then return ids_of(redis.call('ZRANGEBYLEX', KEYS[2], a, b, 'LIMIT', off, lim)) end
  return ids_of(redis.call('ZRANGEBYLEX', KEYS[2], a, b))
end
local function values(ids)
  local out = {}
  for s = 1, #ids, 1000 do
    local vs = redis.call('ZMSCORE', KEYS[3], unpack(ids, s, math.min(s + 999, #ids)))
    for i = 1, #vs do out[s + i - 1] = tonumber(vs[i] or '') or 0 end
  end
  return out
end

local total, overdue, mindue
if owner == '' then
  total = redis.call('ZCARD', KEYS[1])
  overdue = redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. ARGV[2])
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  mindue = tonumber(first[2] or '')
else
  total = tonumber(redis.call('HGET', KEYS[5], owner) or '') or 0
  overdue = redis.call('ZLEXCOUNT', KEYS[2], lo, '(' .. owner .. '\0' .. pad(nowc))
  local first = redis.call('ZRANGEBYLEX', KEYS[2], lo, '(' .. owner .. '\1', 'LIMIT', 0, 1)
  if first[1] then mindue = tonumber(string.sub(first[1], #owner + 2, #owner + 16)) end
end

-- the ranking candidates, and the values already read of them
local cands, vmap = {}, {}
local function top(ids, vals)
  -- every id whose value is at least the limit-th largest
  local t = {}
  for i = 1, #ids do
    local n = vals[i]
    if #t < limit then
      local k = #t + 1
      t[k] = n
      while k > 1 and t[k - 1] > t[k] do t[k - 1], t[k] = t[k], t[k - 1]; k = k - 1 end
    elseif n > t[1] then
      t[1] = n
      local k = 1
      while k < #t and t[k] > t[k + 1] do t[k], t[k + 1] = t[k + 1], t[k]; k = k + 1 end
    end
  end
  local threshold = #ids > limit and t[1] or -1
  for i = 1, #ids do
    if vals[i] >= threshold then
      cands[#cands + 1] = ids[i]
      vmap[ids[i]] = vals[i]
    end
  end
end
-- vcd_value returns the room most urgent overdue customers of value v16
-- (16 digits), in order: the overdue of each cadence are read in due order
-- (at most room of each) and merged by ratio, then name and ID.
local P = owner .. '\0'
local function vcd_value(v16, room)
  local vp = P .. v16
  local found, cmin = {}, '[' .. vp
  while true do
    local g = redis.call('ZRANGEBYLEX', KEYS[4], cmin, '(' .. vp .. '\255', 'LIMIT', 0, 1)
    if not g[1] then break end
    local gp = vp .. string.sub(g[1], #vp + 1, #vp + 5)
    local cad = math.max(tonumber(string.sub(gp, -5)) or 1, 1) * 86400000
    local ms = redis.call('ZRANGEBYLEX', KEYS[4], '[' .. gp, '(' .. gp .. pad(nowc), 'LIMIT', 0, room)
    for _, m in ipairs(ms) do
      local d = tonumber(string.sub(m, #gp + 1, #gp + 15))
      found[#found + 1] = {id = string.sub(m, -12), r = (now - d) / cad, name = string.sub(m, #gp + 16, -14)}
    end
    cmin = '(' .. gp .. '\255'
  end
  table.sort(found, function(a, b)
    if a.r ~= b.r then return a.r > b.r end
    if a.name ~= b.name then return a.name < b.name end
    return a.id < b.id
  end)
  local out = {}
  for i = 1, math.min(room, #found) do out[i] = found[i].id end
  return out
end

-- vcd_rank scans vcd from the top value down, CH members a call (the last
-- member read is the cursor); the first overdue member of a value (the
-- members carry their due time) has vcd_value take that value's most
-- urgent. It gives up (nil) after SCAN members with nobody overdue.
local function vcd_rank()
  local out, hi, skipped, done = {}, '(' .. owner .. '\1', 0, {}
  while #out < limit do
    local ms = redis.call('ZREVRANGEBYLEX', KEYS[4], hi, '[' .. P, 'LIMIT', 0, CH)
    if #ms == 0 then break end
    for _, m in ipairs(ms) do
      local v16 = string.sub(m, #P + 1, #P + 16)
      if not done[v16] then
        if tonumber(string.sub(m, #P + 22, #P + 36)) < nowc then
          done[v16] = true
          for _, id in ipairs(vcd_value(v16, limit - #out)) do out[#out + 1] = id end
          if #out >= limit then break end
        else
          skipped = skipped + 1
        end
      end
    end
    if skipped > SCAN then return nil end
    hi = '(' .. ms[#ms]
  end
  return out
end

if limit > 0 and overdue > 0 then
  local ranked = nil
  if overdue > DIRECT then ranked = vcd_rank() end
  if ranked then
    cands = ranked
  else
    local ids = due_range('-inf', ARGV[2])
    top(ids, values(ids))
  end
end

-- Rank the candidates as smed.CompareUrgency does, as far as the indexes
-- know: value, then how overdue relative to the cadence. Go gets the first
-- limit and whatever ties with the last of them (it breaks those by name).
if #cands > limit then
  local vals = {}
  for i, id in ipairs(cands) do vals[i] = vmap[id] end
  local ratios = {}
  for s = 1, #cands, 1000 do
    local part = {unpack(cands, s, math.min(s + 999, #cands))}
    local ds = redis.call('ZMSCORE', KEYS[1], unpack(part))
    local cs = redis.call('HMGET', KEYS[7], unpack(part))
    for i = 1, #part do
      local c = tonumber(cs[i] or '') or 1
      if c < 1 then c = 1 end
      ratios[s + i - 1] = (now - (tonumber(ds[i] or '') or 0)) / (c * 86400000)
    end
  end
  local order = {}
  for i = 1, #cands do order[i] = i end
  table.sort(order, function(a, b)
    if vals[a] ~= vals[b] then return vals[a] > vals[b] end
    return ratios[a] > ratios[b]
  end)
  -- The first limit, and the tie (same value and ratio) that the limit
  -- cuts through: CompareUrgency breaks it by lower-cased name, then ID.
  -- Lua lower-cases ASCII as Go does, so of the ASCII names only the first
  -- ones are kept; names with other letters all go to Go to be ordered.
  local k = order[limit]
  local out, tie = {}, {}
  for n, i in ipairs(order) do
    if vals[i] == vals[k] and math.abs(ratios[i] - ratios[k]) <= 1e-9 * math.max(1, math.abs(ratios[k])) then
      tie[#tie + 1] = cands[i]
    elseif n <= limit then
      out[#out + 1] = cands[i]
    else
      break
    end
  end
  local room = limit - #out
  if #tie > room then
    local ascii, other = {}, {}
    for s = 1, #tie, 1000 do
      local part = {unpack(tie, s, math.min(s + 999, #tie))}
      local ms = redis.call('HMGET', KEYS[8], unpack(part))
      for i = 1, #part do
        local display = string.match(ms[i] or '', '^[^%z]*%z[^%z]*%z(.*)$') or ''
        if string.find(display, '[\128-\255]') then
          other[#other + 1] = part[i]
        else
          ascii[#ascii + 1] = {id = part[i], name = string.lower(display)}
        end
      end
    end
    table.sort(ascii, function(a, b)
      if a.name ~= b.name then return a.name < b.name end
      return a.id < b.id
    end)
    tie = other
    for i = 1, math.min(room, #ascii) do tie[#tie + 1] = ascii[i].id end
  end
  for _, id in ipairs(tie) do out[#out + 1] = id end
  cands = out
end

local ups, need = {}, limit - math.min(limit, overdue)
if need > 0 then ups = due_range(ARGV[2], '+inf', need) end

-- value at risk: whole buckets before now, coarse to fine, then this hour
local parts = {}
if mindue and mindue < nowc then
  local fields = {}
  local LEVELS = {{'y', 88473600000}, {'m', 2764800000}, {'d', 86400000}, {'h', 3600000}}
  local start = math.floor(mindue / LEVELS[1][2]) * LEVELS[1][2]
  for _, l in ipairs(LEVELS) do
    local stop = math.floor(nowc / l[2]) * l[2]
    for b = start / l[2], stop / l[2] - 1 do
      fields[#fields + 1] = owner .. '\0' .. l[1] .. string.format('%.0f', b)
    end
    start = stop
  end
  for s = 1, #fields, 500 do
    local vs = redis.call('HMGET', KEYS[6], unpack(fields, s, math.min(s + 499, #fields)))
    for i = 1, #vs do if vs[i] then parts[#parts + 1] = vs[i] end end
  end
  local ids = due_range(string.format('%.0f', start), ARGV[2])
  if #ids > 0 then
    for s = 1, #ids, 1000 do
      local vs = redis.call('ZMSCORE', KEYS[3], unpack(ids, s, math.min(s + 999, #ids)))
      for i = 1, #vs do if vs[i] then parts[#parts + 1] = vs[i] end end
    end
  end
end
return {total, overdue, cands, ups, parts}
`)

// List's bounds: up to directMax overdue customers are ranked by reading
// them all; beyond, vcd is scanned from the top (skipping at most scanMax
// members with nobody overdue; past that the overdue are read after all).
const (
	directMax = 128
	scanMax   = 16384
)

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
	res, err := listScript.Run(ctx, s.rdb, []string{k.due(), k.odue(), k.vrank(), k.vcd(), k.ocount(), k.risk(), k.cad(), k.nm()},
		owner, nowCeil(now), limit, strconv.FormatFloat(float64(now.UnixNano())/1e6, 'f', 6, 64)).Slice()
	if err != nil {
		return smed.Ranked{}, wrap(op, err)
	}
	if len(res) != 5 {
		return smed.Ranked{}, errorf("%s: script answered %d values, want 5", op, len(res))
	}
	total, _ := res[0].(int64)
	overdue, _ := res[1].(int64)
	r := smed.Ranked{Total: int(total), Overdue: int(overdue)}
	for _, p := range strs(res[4]) {
		v, _ := strconv.ParseInt(p, 10, 64)
		r.AtRisk = smed.AddValue(r.AtRisk, max(v, 0))
	}
	cands, ups := strs(res[2]), strs(res[3])
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

// Totals returns how many customers the team has and their summed worth
// (the larger of value and deals, smed.Customer.Worth), from counters the
// scripts keep (reminders.Totaler: digest coverage without a scan).
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
