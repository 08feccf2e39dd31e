package storage

import (
	"strconv"

	"github.com/smedhq/smed"
)

// Every write script gets the T team keys of keys.teamKeys as KEYS[1..T]
// (T = teamKeyCount) and its own keys after them, addressed as KEYS[T + n]. No script builds a key name: what it touches
// is declared, so it runs on Redis Cluster. A script that can only know a key
// after a read (the keys of a name it resolves) is told the keys Go expects
// and checks that precondition first, answering "moved" (or "taken") without
// writing anything when it does not hold; Go then retries once with what the
// script answered.
//
// Lua numbers are doubles: times in ms (≈1.7e12) and values up to
// smed.MaxValue (1e15) are exact, and numbers written back are formatted with
// %.0f so they never turn into "1.7e+12".
//
// A name travels as four ARGV: names.Key, names.Fold, display form, and its
// edit signatures as one string of 8-byte sig fields. An entry's words travel
// as posting keys declared from KEYS[WK+1] on, their texts from ARGV[WA+1] on,
// and per entry a list of indexes into them ("1,4,5").

// prelude is prepended to every write script: the due rule, the indexes and
// the encodings live in one place. It is preludeHead (the keys, constants
// and what resolving a name needs) then preludeBody; a script that may end
// before it writes (writeScript) runs its checks between the two, so an
// early answer does not pay for defining the rest.
var prelude = preludeHead + preludeBody

var preludeHead = `
local K = {names = KEYS[1], nidx = KEYS[2], sig = KEYS[3], nm = KEYS[4],
  due = KEYS[5], odue = KEYS[6], vrank = KEYS[7], ocount = KEYS[8],
  totals = KEYS[9], seq = KEYS[10], refs = KEYS[11], words = KEYS[12],
  days = KEYS[13], vcd = KEYS[14], risk = KEYS[15], cad = KEYS[16],
  undo = KEYS[17], links = KEYS[18], drift = KEYS[19], conc = KEYS[20],
  buy1 = KEYS[21], buy2 = KEYS[22], dval = KEYS[23], ftc = KEYS[24], ign = KEYS[25],
  rmd = KEYS[26]}
local T = ` + strconv.Itoa(teamKeyCount) + `
local WK, WA = 0, 0
local MAXSEQ = ` + strconv.Itoa(maxSeq) + `
local SIGMAX = ` + strconv.Itoa(sigMax) + `
local MAXVALUE = ` + strconv.FormatInt(smed.MaxValue, 10) + `

local function num(v) return tonumber(v or '') or 0 end
local function fmt(n) return string.format('%.0f', tonumber(n)) end

local function hgetall(key)
  local flat = redis.call('HGETALL', key)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t, flat
end
-- first_known is the first of R readings whose name key ARGV[base + step * i]
-- names a customer: its index and ID, or nil.
local function first_known(R, base, step)
  local ks = {}
  for i = 1, R do ks[i] = ARGV[base + step * i] end
  local found = redis.call('HMGET', K.names, unpack(ks))
  for i = 1, R do
    if found[i] then return i, found[i] end
  end
end
`

var preludeBody = `
-- move_members takes the members of set om that nw lacks out of the lex
-- index key and puts those of nw that om lacks in (score 0): one ZREM and
-- one ZADD at most.
local function move_members(key, om, nw)
  local rem, add = {}, {}
  for m in pairs(om) do if not nw[m] then rem[#rem + 1] = m end end
  for m in pairs(nw) do
    if not om[m] then add[#add + 1] = 0; add[#add + 1] = m end
  end
  if #rem > 0 then redis.call('ZREM', key, unpack(rem)) end
  if #add > 0 then redis.call('ZADD', key, unpack(add)) end
end
` + loyaltyLua + `

-- due mirrors smed.Customer.DueAt: last contact (or creation when never
-- contacted) plus the cadence, moved to at least the end of a snooze.
local function due(c)
  local from = num(c.last_contact_at)
  if from == 0 then from = num(c.created_at) end
  local d = from + num(c.cadence_days) * 86400000
  local snooze = num(c.snoozed_until)
  if snooze > d then d = snooze end
  return d
end

-- worth mirrors smed.Customer.Worth: the larger of the value set by hand
-- (potential) and the sum of the deals. Ranking (vrank, vcd), value at risk
-- (risk) and totals' value all follow it.
local function worth(c)
  local v, d = num(c.value), num(c.deals_sum)
  if d > v then return d end
  return v
end

-- state is what the indexes know of a customer.
-- Its value is the customer's worth (smed.Customer.Worth): the larger of
-- its potential and the sum of its deals.
local function state(c)
  return {owner = c.owner or '', value = worth(c), due = due(c), cad = num(c.cadence_days),
    lname = c.lname or '', cdays = c.cdays or '', snooze = num(c.snoozed_until)}
end

-- contact is the one place a contact (note, deal, touch) moves a customer's
-- clock: forward only (clock skew between replicas must not make a customer
-- look more neglected), last_contact_by with it. c is the customer's hash as
-- a table (updated), set collects the HSET pairs to write; it returns whether
-- the clock moved. It is also where every kind of contact (kind 'n', 'd' or
-- 't'; side "customer" for a customer's message) teaches the loyalty figures
-- (on_contact): c must then hold the LOYALTY fields.
local function contact(id, c, set, at, by, kind, side)
  on_contact(id, c, at, by, kind, kind ~= 't' or side ~= 'customer', set)
  if num(at) > num(c.last_contact_at) then
    c.last_contact_at, c.last_contact_by = at, by
    set[#set + 1], set[#set + 2] = 'last_contact_at', at
    set[#set + 1], set[#set + 2] = 'last_contact_by', by
    return true
  end
  return false
end

local function odue_member(owner, d, id)
  return owner .. '\0' .. string.format('%015.0f', d) .. id
end

-- vcd_members are a customer's members of vcd: the team's ("" owner) and
-- its owner's, "<owner>\0<value 16><cadence 5><due 15><lower-cased name>\0<id>".
local function vcd_members(s, id)
  local tail = string.format('%016.0f', s.value) .. string.format('%05.0f', s.cad) ..
    string.format('%015.0f', s.due) .. s.lname .. '\0' .. id
  local out = {['\0' .. tail] = true}
  if s.owner ~= '' then out[s.owner .. '\0' .. tail] = true end
  return out
end

-- risk adds v to the value-at-risk buckets of a due time, for the team and
-- the owner: sums per hour, day, 32 days and 1024 days (see listScript).
local RISK = {{'h', 3600000}, {'d', 86400000}, {'m', 2764800000}, {'y', 88473600000}}
local function risk(acc, owner, d, v)
  if v == 0 then return end
  for _, o in ipairs(owner ~= '' and {'', owner} or {''}) do
    for _, l in ipairs(RISK) do
      local f = o .. '\0' .. l[1] .. fmt(math.floor(d / l[2]))
      acc[f] = (acc[f] or 0) + v
    end
  end
end

-- index moves a customer from state old to state new (either may be nil: a
-- customer created or removed) in due, odue, vrank, vcd, cad, risk, ocount
-- and totals.
local function index(id, old, new)
  local dc, dv = 0, 0
  local acc = {}
  if old then
    local moved = not new or old.owner ~= new.owner
    if old.owner ~= '' and (moved or old.due ~= new.due) then
      redis.call('ZREM', K.odue, odue_member(old.owner, old.due, id))
    end
    if old.owner ~= '' and moved then
      if redis.call('HINCRBY', K.ocount, old.owner, -1) <= 0 then
        redis.call('HDEL', K.ocount, old.owner)
      end
    end
    if not new then
      redis.call('ZREM', K.due, id)
      redis.call('ZREM', K.vrank, id)
      redis.call('HDEL', K.cad, id)
      dc = -1
    end
    risk(acc, old.owner, old.due, -old.value)
    dv = dv - old.value
  end
  if new then
    if not old or old.due ~= new.due then redis.call('ZADD', K.due, fmt(new.due), id) end
    local moved = not old or old.owner ~= new.owner
    if new.owner ~= '' and (moved or old.due ~= new.due) then
      redis.call('ZADD', K.odue, 0, odue_member(new.owner, new.due, id))
    end
    if new.owner ~= '' and moved then redis.call('HINCRBY', K.ocount, new.owner, 1) end
    if not old or old.value ~= new.value then redis.call('ZADD', K.vrank, fmt(new.value), id) end
    if not old or old.cad ~= new.cad then redis.call('HSET', K.cad, id, fmt(new.cad)) end
    if not old then dc = 1 end
    risk(acc, new.owner, new.due, new.value)
    dv = dv + new.value
  end
  for f, v in pairs(acc) do
    if v ~= 0 and redis.call('HINCRBY', K.risk, f, fmt(v)) == 0 then redis.call('HDEL', K.risk, f) end
  end
  move_members(K.vcd, old and vcd_members(old, id) or {}, new and vcd_members(new, id) or {})
  loyalty_index(id, old, new)
  if dc ~= 0 then redis.call('HINCRBY', K.totals, 'customers', dc) end
  if dv ~= 0 then redis.call('HINCRBY', K.totals, 'value', fmt(dv)) end
end

-- ids in a sig value are 12 bytes each.
-- find12 is the position of id (12 bytes) in v, a list of 12-byte IDs, or
-- nil: a plain string.find (C speed, no substring per entry), taking only a
-- match at an entry's start.
local function find12(v, id)
  local from = 1
  while true do
    local p = string.find(v, id, from, true)
    if not p or (p - 1) % 12 == 0 then return p end
    from = p + 1
  end
end

-- without is v less id's entry (a list holds an ID at most once).
local function without(v, id)
  local p = find12(v, id)
  if not p then return v end
  return string.sub(v, 1, p - 1) .. string.sub(v, p + 12)
end

-- runes counts the runes of a UTF-8 string (its bytes that do not continue
-- a rune).
local function runes(s)
  local _, n = string.gsub(s, '[^\128-\191]', '')
  return n
end

-- sig_add puts id into the lists of sigs (8-byte sig fields, concatenated).
local function sig_add(id, sigs)
  if #sigs == 0 then return end
  local fs = {}
  for i = 1, #sigs, 8 do fs[#fs + 1] = string.sub(sigs, i, i + 7) end
  local vs = redis.call('HMGET', K.sig, unpack(fs))
  local set = {}
  for i, f in ipairs(fs) do
    local v = vs[i] or ''
    -- A signature shared by sigMax names (a common suffix at one length)
    -- selects nothing and would make every write copy a long value: it
    -- stops growing, and the name is found by its other signatures.
    if #v < SIGMAX * 12 and not find12(v, id) then set[#set + 1], set[#set + 2] = f, v .. id end
  end
  if #set > 0 then redis.call('HSET', K.sig, unpack(set)) end
end

-- sig_del takes id out of the lists of sigs.
local function sig_del(id, sigs)
  for i = 1, #sigs, 8 do
    local f = string.sub(sigs, i, i + 7)
    local v = redis.call('HGET', K.sig, f)
    if v then
      local w = without(v, id)
      if w == '' then redis.call('HDEL', K.sig, f) elseif w ~= v then redis.call('HSET', K.sig, f, w) end
    end
  end
end

-- name_add puts a name into names, nidx, nm and sig.
local function name_add(id, key, fold, display, sigs)
  -- maxname: the most runes of any name's key or fold the team ever had, so
  -- that a near-miss lookup skips readings longer than any name (two edits
  -- beyond it). It only grows. A team that had customers before it was kept
  -- never gets one (its lookups skip nothing).
  local m = math.max(runes(key), runes(fold))
  local have = redis.call('HMGET', K.totals, 'maxname', 'customers')
  if have[1] then
    if m > num(have[1]) then redis.call('HSET', K.totals, 'maxname', m) end
  elseif num(have[2]) == 0 then
    redis.call('HSET', K.totals, 'maxname', m)
  end
  -- edits: every name has its edit-index signatures (names.Signatures),
  -- so a lookup needs no legacy probes. A team without customers has no
  -- signatures at all; one indexed before keeps its lookups' legacy probes.
  if num(have[2]) == 0 then redis.call('HSET', K.totals, 'edits', 2) end
  redis.call('HSET', K.names, key, id)
  redis.call('ZADD', K.nidx, 0, key .. '\0' .. id)
  if fold ~= key and fold ~= '' then redis.call('ZADD', K.nidx, 0, fold .. '\0' .. id) end
  redis.call('HSET', K.nm, id, key .. '\0' .. fold .. '\0' .. display)
  sig_add(id, sigs)
end

-- name_del takes a name out of names, nidx, nm and sig.
local function name_del(id, key, fold, sigs)
  if redis.call('HGET', K.names, key) == id then redis.call('HDEL', K.names, key) end
  redis.call('ZREM', K.nidx, key .. '\0' .. id, fold .. '\0' .. id)
  redis.call('HDEL', K.nm, id)
  sig_del(id, sigs)
end

local function u32(n)
  return string.char(math.floor(n / 16777216) % 256, math.floor(n / 65536) % 256,
    math.floor(n / 256) % 256, n % 256)
end

local function rawid(id)
  local a, b = tonumber(string.sub(id, 1, 6), 16), tonumber(string.sub(id, 7, 12), 16)
  if #id ~= 12 or not a or not b then
    return (string.gsub(id, '..', function(h) return string.char(tonumber(h, 16)) end))
  end
  return string.char(math.floor(a / 65536), math.floor(a / 256) % 256, a % 256,
    math.floor(b / 65536), math.floor(b / 256) % 256, b % 256)
end

local function ref(seq, id, kind, pos)
  if seq > 0 and seq <= MAXSEQ then
    redis.call('SETRANGE', K.refs, seq * 11, rawid(id) .. kind .. u32(pos))
  end
end

-- index_entry records entry seq in refs and appends it to the posting list
-- of each listed word; a word gets into the words set with its first posting.
local function index_entry(seq, id, kind, pos, list)
  if seq > MAXSEQ then return end
  ref(seq, id, kind, pos)
  local s = u32(seq)
  for w in string.gmatch(list, '%d+') do
    local i = tonumber(w)
    if redis.call('APPEND', KEYS[WK + i], s) == 4 then
      redis.call('ZADD', K.words, 0, ARGV[WA + i])
    end
  end
end

-- A note or fact is stored as "<seq>\t<at>\t<author>\t<saved by>\t<link>\t<text>":
-- only the text may hold a tab, and it comes last.
local function record(author, at, text, seq, saved, link)
  return fmt(seq) .. '\t' .. at .. '\t' .. author .. '\t' .. saved .. '\t' .. link .. '\t' .. text
end

local function record_text(raw)
  return string.match(raw, '^[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t[^\t]*\t(.*)$') or ''
end

-- A deal is "<deal id>\t<at>\t<author>\t<amount>\t<text>", a touch
-- "<at>\t<author>\t<side>\t<channel>\t<ts>" (see keys.go).
local function deal_time(raw) return num(string.match(raw, '^[^\t]*\t(%-?%d+)')) end
local function touch_time(raw) return num(string.match(raw, '^(%-?%d+)')) end

-- merged merges two lists of entries {raw, t} sorted by t, a's first on
-- ties; rewrite replaces the list at key by entries, in chunks.
local function merged(a, b)
  local out, i, k = {}, 1, 1
  while i <= #a or k <= #b do
    if k > #b or (i <= #a and a[i].t <= b[k].t) then out[#out + 1] = a[i]; i = i + 1
    else out[#out + 1] = b[k]; k = k + 1 end
  end
  return out
end
local function rewrite(key, list)
  redis.call('DEL', key)
  local chunk = {}
  for i, e in ipairs(list) do
    chunk[#chunk + 1] = e.raw
    if #chunk == 1000 or i == #list then
      redis.call('RPUSH', key, unpack(chunk))
      chunk = {}
    end
  end
end

-- timed reads a list kept in time order as {raw, t} with time(raw).
local function timed(key, time)
  local out = {}
  for _, raw in ipairs(redis.call('LRANGE', key, 0, -1)) do
    out[#out + 1] = {raw = raw, t = time(raw)}
  end
  return out
end

-- insert_timed puts raw into the list key (kept in time order, t its time)
-- after the entries of the same time or earlier, reading from the end (where
-- a new entry usually goes) in chunks. same(entry), when given, is asked of
-- every entry of time t or later; true means raw is there already, and
-- nothing is inserted (insert_timed returns false).
local function insert_timed(key, raw, t, time, same)
  local n = redis.call('LLEN', key)
  local pivot, last = nil, n
  while last > 0 do
    local first = math.max(last - 64, 0)
    local chunk = redis.call('LRANGE', key, first, last - 1)
    for i = #chunk, 1, -1 do
      local et = time(chunk[i])
      if et < t then
        if not pivot then pivot = chunk[i] end
        last = 0
        break
      end
      if same and same(chunk[i]) then return false end
      if et == t and not pivot then pivot = chunk[i] end
    end
    if last > 0 then last = first end
  end
  if pivot == nil then
    if n == 0 then redis.call('RPUSH', key, raw) else redis.call('LPUSH', key, raw) end
  elseif redis.call('LINDEX', key, -1) == pivot then
    redis.call('RPUSH', key, raw)
  else
    redis.call('LINSERT', key, 'AFTER', pivot, raw)
  end
  return true
end

local function revision(rkey, at, by, field, from, to)
  redis.call('RPUSH', rkey, '{"t":' .. at .. ',"b":' .. cjson.encode(by) .. ',"f":' ..
    cjson.encode(field) .. ',"o":' .. cjson.encode(from) .. ',"n":' .. cjson.encode(to) .. '}')
end

-- create writes a new customer's hash, name and indexes, and indexes its name
-- as an entry. later: the caller changes the customer in the same step and
-- indexes it then, once, as new (index(id, nil, state)).
-- It returns the hash as written (field → value).
local CREATED = {'id', 'name', 'owner', 'value', 'cadence_days', 'cadence_set', 'created_at',
  'last_contact_at', 'last_contact_by', 'snoozed_until', 'notes', 'formerly', 'lname', 'nseq'}
local function create(id, ckey, f, key, fold, display, sigs, words, later)
  local seq = redis.call('INCR', K.seq)
  local c = {id = id, name = display, owner = f.owner, value = f.value,
    cadence_days = f.cadence, cadence_set = f.cadence_set, created_at = f.at,
    last_contact_at = f.last, last_contact_by = f.last_by, snoozed_until = '0',
    notes = '0', formerly = '', lname = f.lname, nseq = fmt(seq)}
  local set = {}
  for _, k in ipairs(CREATED) do set[#set + 1], set[#set + 2] = k, c[k] end
  redis.call('HSET', ckey, unpack(set))
  name_add(id, key, fold, display, sigs)
  if not later then index(id, nil, state(c)) end
  index_entry(seq, id, 'c', 0, words)
  return c
end

-- runes_of splits a UTF-8 string into its runes.
local function runes_of(s)
  local t = {}
  for ch in string.gmatch(s, '[%z\1-\127\194-\244][\128-\191]*') do t[#t + 1] = ch end
  return t
end

-- edit_budget mirrors names.editBudget (by runes): no edit counts up to 3,
-- one up to 7, two from 8.
local function edit_budget(n)
  if n <= 3 then return 0 elseif n <= 7 then return 1 end
  return 2
end

-- osa mirrors names.Distance, step for step: the optimal-string-alignment
-- distance of rune lists ra and rb in a band of limit, limit + 1 once it
-- must exceed limit.
local function osa(ra, rb, limit)
  local la, lb = #ra, #rb
  if la - lb > limit or lb - la > limit then return limit + 1 end
  local prev2, prev, cur = {}, {}, {}
  for j = 0, lb do prev2[j], prev[j], cur[j] = 0, j, 0 end
  for i = 1, la do
    local lo, hi = math.max(1, i - limit), math.min(lb, i + limit)
    local rowmin = limit + 1
    if lo == 1 then cur[0] = i; rowmin = i else cur[lo - 1] = limit + 1 end
    for j = lo, hi do
      local cost = 1
      if ra[i] == rb[j] then cost = 0 end
      local v = math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
      if i > 1 and j > 1 and ra[i] == rb[j - 1] and ra[i - 1] == rb[j] then v = math.min(v, prev2[j - 2] + 1) end
      cur[j] = v
      if v < rowmin then rowmin = v end
    end
    if hi < lb then cur[hi + 1] = limit + 1 end
    if rowmin > limit then return limit + 1 end
    -- one at a time: gopher-lua (memory://) gets this rotation wrong as
    -- one multiple assignment
    local t = prev2
    prev2 = prev
    prev = cur
    cur = t
  end
  return math.min(prev[lb], limit + 1)
end

-- typed_name is what near needs of a typed name (key tk, fold tf), worked
-- out once for all the names it is checked against: its runes and budgets.
local function typed_name(tk, tf)
  local rk, rf = runes_of(tk), runes_of(tf)
  local b = edit_budget(#rk)
  return {tk = tk, tf = tf, rk = rk, rf = rf, b = b, bf = math.min(b, edit_budget(#rf))}
end

-- near_known mirrors names.Near: whether typed name t (typed_name) is a
-- near miss of a known one (key sk, fold sf); runes(s) is the runes of sk
-- or sf, which the caller may keep.
local function near_known(t, sk, sf, runes)
  if t.tk == '' or t.tk == sk then return false end
  if string.sub(sk, 1, #t.tk) == t.tk or (t.tf ~= '' and string.sub(sf, 1, #t.tf) == t.tf) then return true end
  if t.b == 0 then return false end
  if osa(t.rk, runes(sk), t.b) <= t.b then return true end
  return t.bf > 0 and (t.tf ~= t.tk or sf ~= sk) and osa(t.rf, runes(sf), t.bf) <= t.bf
end

-- near is names.Near of strings (near_known of typed_name).
local function near(tk, tf, sk, sf)
  return near_known(typed_name(tk, tf), sk, sf, runes_of)
end

-- near_any is whether a create with UnlessNear must not happen: from
-- ARGV[b], NP prefixes, NF sig fields and NT typed names (key, fold)
-- (NoteRequest.UnlessNear's lookups, as nearScript gets them) when ARGV[b]
-- is there. True when some name starts with a prefix, or a name some probe
-- lists is a near miss of a typed name as NearMisses verifies it (near),
-- or when there are more than NEARCAP such names, or the team lacks the
-- edits mark (its lookups need the legacy probes too): Go then looks the
-- near misses up the usual way. False when nothing is asked or the team
-- has no customers.
local NEARCAP = 64
local function near_any(b)
  local np = tonumber(ARGV[b] or '')
  if not np then return false end
  local nf = tonumber(ARGV[b + np + 1])
  if np + nf == 0 then return false end
  local t = redis.call('HMGET', K.totals, 'edits', 'customers')
  if num(t[2]) == 0 then return false end
  if t[1] ~= '2' then return true end
  for i = b + 1, b + np do
    local p = ARGV[i]
    if #redis.call('ZRANGEBYLEX', K.nidx, '[' .. p, '(' .. p .. '\255', 'LIMIT', 0, 1) > 0 then return true end
  end
  local seen, ids = {}, {}
  for s = b + np + 2, b + np + 1 + nf, 500 do
    local vs = redis.call('HMGET', K.sig, unpack(ARGV, s, math.min(s + 499, b + np + 1 + nf)))
    for _, v in pairs(vs) do
      if v then
        for o = 1, #v, 12 do
          local id = string.sub(v, o, o + 11)
          if not seen[id] then
            seen[id] = true
            ids[#ids + 1] = id
            if #ids > NEARCAP then return true end
          end
        end
      end
    end
  end
  if #ids == 0 then return false end
  local tb = b + np + nf + 2
  local nt = tonumber(ARGV[tb] or '')
  if not nt then return true end
  local typed = {}
  for k = 1, nt do typed[k] = typed_name(ARGV[tb + 2 * k - 1], ARGV[tb + 2 * k]) end
  local metas = redis.call('HMGET', K.nm, unpack(ids))
  for i = 1, #ids do
    local m = metas[i]
    if m then
      local z1 = string.find(m, '\0', 1, true)
      local z2 = z1 and string.find(m, '\0', z1 + 1, true)
      if not z2 then return true end
      local sk, sf = string.sub(m, 1, z1 - 1), string.sub(m, z1 + 1, z2 - 1)
      local split = {}
      local function runes(x)
        if not split[x] then split[x] = runes_of(x) end
        return split[x]
      end
      for k = 1, nt do
        if near_known(typed[k], sk, sf, runes) then return true end
      end
    end
  end
  return false
end

-- the fields besides REPLY that a note's state and lessons need
local LOYALTY = {'cadence_set', 'cdays', 'dcad', 'kauth', 'kca', 'lpend', 'lrun'}

-- the fields a note's reply shows (smed.NoteReceipt), in replyFields' order
local REPLY = {'id', 'name', 'owner', 'value', 'cadence_days', 'created_at',
  'last_contact_at', 'snoozed_until', 'notes', 'lname', 'deals_sum', 'deals_count',
  'last_deal_at', 'last_customer_at', 'last_team_at'}
-- REPLY then LOYALTY: what a note reads of its customer in one HMGET
local NOTEFIELDS = {unpack(REPLY)}
for _, f in ipairs(LOYALTY) do NOTEFIELDS[#NOTEFIELDS + 1] = f end
`

// writeScript logs a note or remembers a fact on the customer named by the
// first known reading (or by ID), creating it on request. Resolution and
// write are one round trip: Go declares, for each reading, the keys of the
// customer it expects (firstID of the reading's key) and the script checks
// the expectation.
//
// KEYS[1..T] team keys; KEYS[T+1] d:<day of at>; for reading j
// KEYS[T+2j] c:<id_j> and KEYS[T+1+2j] n:<id_j> (note) or f:<id_j> (fact);
// from KEYS[WK+1], WK = T+1+2R: posting keys of the words.
// ARGV[1] "n" note or "f" fact, [2] author, [3] at (ms), [4] c > 0: create
// reading c when none is known (0: never), [5] cadence days for a new
// customer, [6] R readings, [7] W words, [8] saved by, [9] link, [10] day
// number of at, [11..14] reading c's name as a new customer would get it:
// display, fold, sigs, word list; for reading j ARGV[11+4j] names.Key ("" = address
// ARGV[12+4j] as an ID, no name), [12+4j] expected ID, [13+4j] the text,
// [14+4j] its word list; [15+4R] reading c's lower-cased name (lname) as
// a new customer gets it; [16+4R] the team's longest name as Go last saw it
// (-1: all readings sent); from ARGV[WA+1], WA = 16+4R: the W words; after
// them, for a create that must find nothing near (NoteRequest.UnlessNear),
// NP, NP prefixes, NF, NF sig fields, NT, NT typed names as key and fold
// (near_any).
//
// Returns {"max", maxname} when a longer name came since Go looked, {"none"}
// when no reading is known and none was created, {"near"} when a create
// unless something is near was asked and something may be, {"moved",
// j, id} when reading j is known under another ID than declared, {"taken"}
// when the ID declared for a new customer is in use (nothing written in
// these cases), else {"ok", j, created 0/1, REPLY fields of the customer…}.
// A note appends, bumps the count, moves last contact forward only (contact
// in the prelude), reindexes, and counts the note in the day's counter; a
// fact only appends. Both set the author's undo pointer (K.undo) in the same
// step, so undo takes back exactly what was written last.
var writeScript = newScript("write", writeSrc)

var writeSrc = preludeHead + `
local kind, author, at = ARGV[1], ARGV[2], ARGV[3]
local R = tonumber(ARGV[6])
WK, WA = T + 1 + 2 * R, 16 + 4 * R
-- Go left out the readings longer than the team's longest name as it last
-- saw it: if a longer one came since, it must look again.
local used, maxname = tonumber(ARGV[16 + 4 * R]), nil
if used >= 0 then
  maxname = tonumber(redis.call('HGET', K.totals, 'maxname') or '-1')
  if maxname > used then return {'max', maxname} end
end
local j, id
if ARGV[15] == '' then
  if redis.call('EXISTS', KEYS[T + 2]) == 0 then return {'none', -1} end
  j, id = 1, ARGV[16]
else
  j, id = first_known(R, 11, 4)
  if j and id ~= ARGV[12 + 4 * j] then return {'moved', j, id} end
end
local cj = tonumber(ARGV[4])
if not j and (cj == 0 or kind ~= 'n') then
  -- with the team's maxname: a near-miss lookup usually comes next
  return {'none', maxname or tonumber(redis.call('HGET', K.totals, 'maxname') or '-1')}
end
` + preludeBody + `
local created, written = 0, nil
if not j then
  j, id = cj, ARGV[12 + 4 * cj]
  if near_any(WA + tonumber(ARGV[7]) + 1) then return {'near'} end
  if redis.call('EXISTS', KEYS[T + 2 * j]) == 1 then return {'taken'} end
  written = create(id, KEYS[T + 2 * j], {owner = author, value = '0', cadence = ARGV[5], cadence_set = '0',
    at = at, last = '0', last_by = '', lname = ARGV[15 + 4 * R]}, ARGV[11 + 4 * j], ARGV[12], ARGV[11], ARGV[13], ARGV[14], true)
  created = 1
end
local ckey, lkey = KEYS[T + 2 * j], KEYS[T + 1 + 2 * j]
-- a note reads what its lessons need in the same HMGET as the reply; a
-- customer created above is what was written (false where HMGET has no
-- field, as HMGET answers)
local fields = kind == 'n' and NOTEFIELDS or REPLY
local c = {}
if written then
  for _, f in ipairs(fields) do c[f] = written[f] or false end
else
  local raw = redis.call('HMGET', ckey, unpack(fields))
  for i, f in ipairs(fields) do c[f] = raw[i] end
end
local seq = redis.call('INCR', K.seq)
local text, list = ARGV[13 + 4 * j], ARGV[14 + 4 * j]
if kind == 'n' then
  -- a customer created above is indexed once, after its first note
  local old = created == 0 and state(c) or nil
  local pos = redis.call('RPUSH', lkey, record(author, at, text, seq, ARGV[8], ARGV[9])) - 1
  c.notes = fmt(num(c.notes) + 1)
  local set = {'notes', c.notes}
  contact(id, c, set, at, author, 'n')
  redis.call('HSET', ckey, unpack(set))
  index(id, old, state(c))
  redis.call('HINCRBY', KEYS[T + 1], author, 1)
  redis.call('ZADD', K.days, ARGV[10], ARGV[10])
  index_entry(seq, id, 'n', pos, list)
else
  redis.call('RPUSH', lkey, record(author, at, text, seq, '', ''))
  index_entry(seq, id, 'f', 0, list)
end
-- the author's undo pointer, in the same step (Undo.LastWritten)
redis.call('HSET', K.undo, author, id .. '\t' .. kind .. '\t' .. fmt(seq) .. '\t' .. at)
local out = {'ok', j, created}
for i, f in ipairs(REPLY) do out[3 + i] = c[f] or '' end
-- whether the owner's latest reminder DM lists the customer: its date, or ''
local listed = ''
if kind == 'n' and (c.owner or '') ~= '' then
  local v = redis.call('HGET', K.rmd, c.owner)
  local tab = v and string.find(v, '\t', 1, true)
  if tab and find12(string.sub(v, tab + 1), id) then listed = string.sub(v, 1, tab - 1) end
end
out[#out + 1] = listed
return out
`

// updateScript applies a partial change to a customer, optionally only while
// it still has the owner the caller saw (smed.Change.IfOwner): check and write
// in one step, so a concurrent handover cannot slip in between. Changes of
// owner, value and cadence are recorded as revisions.
//
// KEYS[1..T] team keys, KEYS[T+1] c:<id>, KEYS[T+2] r:<id>
// ARGV[1] "1": apply only if the current owner is ARGV[2]; [3] by, [4] at
// (ms), [5…] field/value pairs: owner, value, cadence_days, snoozed_until
//
// Returns {"none"} when the customer does not exist, {"conflict", owner} when
// the owner is not the expected one (nothing written in either case), else
// {"ok", #before, HGETALL before…, HGETALL after…}.
var updateScript = newScript("update", prelude+`
local c, before = hgetall(KEYS[T + 1])
if not c.id then return {'none'} end
local old = c.owner or ''
if ARGV[1] == '1' and old ~= ARGV[2] then return {'conflict', old} end
local oldstate = state(c)
local set = {}
for i = 5, #ARGV, 2 do
  local f, v = ARGV[i], ARGV[i + 1]
  local was = c[f] or ''
  if f == 'value' or f == 'cadence_days' then
    if num(was) ~= num(v) then revision(KEYS[T + 2], ARGV[4], ARGV[3], f == 'value' and 'value' or 'cadence', fmt(num(was)), v) end
  elseif f == 'owner' and was ~= v then
    revision(KEYS[T + 2], ARGV[4], ARGV[3], 'owner', was, v)
  end
  if f == 'cadence_days' then set[#set + 1], set[#set + 2] = 'cadence_set', '1' end
  set[#set + 1], set[#set + 2] = f, v
  c[f] = v
  if f == 'snoozed_until' and num(v) > num(ARGV[4]) then snoozed_at(c, ARGV[4], set) end
end
if #set > 0 then redis.call('HSET', KEYS[T + 1], unpack(set)) end
index(c.id, oldstate, state(c))
local _, after = hgetall(KEYS[T + 1])
local out = {'ok', #before}
for _, v in ipairs(before) do out[#out + 1] = v end
for _, v in ipairs(after) do out[#out + 1] = v end
return out
`)

// importScript creates a customer or updates an existing one so that applying
// the same record twice changes nothing the second time, and says which
// happened so a re-import is not reported as updates.
//
// KEYS[1..T] team keys, KEYS[T+1] c:<id>, [T+2] f:<id>, [T+3] r:<id> of the
// ID expected (the existing customer's, or the one a new customer gets);
// from KEYS[WK+1], WK = T+3: posting keys.
// ARGV[1..4] the name (key, fold, display, sigs), [5] its word list, [6]
// expected ID, [7] owner, [8] value, [9] cadence days, as a new customer gets
// them, [10] which of [7..9] the record gives: three characters "1" given or
// "0" absent; [11] last contact (ms, 0 keeps), [12] at (ms), [13] F facts,
// then per fact text and word list, [14+2F] the lower-cased name; from
// ARGV[WA+1], WA = 14+2F: the words.
//
// Returns {"moved", id} when the name belongs to another ID, {"taken"} when
// the expected ID of a new customer is in use (nothing written), else {"ok",
// outcome}: 1 created, 2 an existing customer changed (a given owner, value
// or cadence differed, the last contact moved, or a fact was added), 0
// nothing changed and nothing was written.
var importScript = newScript("import", prelude+`
local id = redis.call('HGET', K.names, ARGV[1])
local F = tonumber(ARGV[13])
WK, WA = T + 3, 14 + 2 * F
local at = ARGV[12]
local outcome = 0
if id and id ~= ARGV[6] then return {'moved', id} end
if not id then
  id = ARGV[6]
  if redis.call('EXISTS', KEYS[T + 1]) == 1 then return {'taken'} end
  create(id, KEYS[T + 1], {owner = ARGV[7], value = ARGV[8], cadence = ARGV[9],
    cadence_set = string.sub(ARGV[10], 3, 3), at = at, last = ARGV[11], last_by = '',
    lname = ARGV[14 + 2 * F]},
    ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
  outcome = 1
else
  local c = hgetall(KEYS[T + 1])
  local oldstate = state(c)
  local given = function(i) return string.sub(ARGV[10], i, i) == '1' end
  local set = {}
  if given(1) and (c.owner or '') ~= ARGV[7] then
    revision(KEYS[T + 3], at, '', 'owner', c.owner or '', ARGV[7])
    set[#set + 1], set[#set + 2] = 'owner', ARGV[7]
  end
  if given(2) and num(c.value) ~= num(ARGV[8]) then
    revision(KEYS[T + 3], at, '', 'value', fmt(num(c.value)), ARGV[8])
    set[#set + 1], set[#set + 2] = 'value', ARGV[8]
  end
  if given(3) and num(c.cadence_days) ~= num(ARGV[9]) then
    revision(KEYS[T + 3], at, '', 'cadence', fmt(num(c.cadence_days)), ARGV[9])
    set[#set + 1], set[#set + 2] = 'cadence_days', ARGV[9]
    set[#set + 1], set[#set + 2] = 'cadence_set', '1'
  end
  local last, contact = num(c.last_contact_at), num(ARGV[11])
  if contact ~= 0 and (last == 0 or contact > last) then
    set[#set + 1], set[#set + 2] = 'last_contact_at', ARGV[11]
    set[#set + 1], set[#set + 2] = 'last_contact_by', ''
  end
  if #set > 0 then
    outcome = 2
    redis.call('HSET', KEYS[T + 1], unpack(set))
    index(id, oldstate, state(hgetall(KEYS[T + 1])))
  end
end
local have = {}
for _, raw in ipairs(redis.call('LRANGE', KEYS[T + 2], 0, -1)) do have[record_text(raw)] = true end
for i = 1, F do
  local text = ARGV[12 + 2 * i]
  if not have[text] then
    have[text] = true
    local seq = redis.call('INCR', K.seq)
    redis.call('RPUSH', KEYS[T + 2], record('', at, text, seq, '', ''))
    index_entry(seq, id, 'f', 0, ARGV[13 + 2 * i])
    if outcome == 0 then outcome = 2 end
  end
end
return {'ok', outcome}
`)

// renameScript gives a customer a new display name, keeping every index
// consistent; the old name is free at once and kept in formerly.
//
// KEYS[1..T] team keys, KEYS[T+1] c:<id>, [T+2] r:<id>; from KEYS[WK+1],
// WK = T+2: posting keys of the new name's words.
// ARGV[1] the display name Go read (precondition), [2..4] its key, fold and
// sigs, [5..8] the new name (key, fold, display, sigs), [9] its word list,
// [10] by, [11] at (ms), [12] its lower-cased name; from ARGV[WA+1],
// WA = 12: the words.
//
// Returns {"none"}, {"moved"} when the name is no longer ARGV[1], {"taken",
// id} when another customer has the new name (nothing written), else {"ok",
// HGETALL after…}.
var renameScript = newScript("rename", prelude+`
WK, WA = T + 2, 12
local ckey = KEYS[T + 1]
local c = hgetall(ckey)
if not c.id then return {'none'} end
if c.name ~= ARGV[1] then return {'moved'} end
local holder = redis.call('HGET', K.names, ARGV[5])
if holder and holder ~= c.id then return {'taken', holder} end
local oldstate = state(c)
if ARGV[5] == ARGV[2] then
  if ARGV[7] ~= c.name then
    redis.call('HSET', ckey, 'name', ARGV[7], 'lname', ARGV[12])
    redis.call('HSET', K.nm, c.id, ARGV[5] .. '\0' .. ARGV[6] .. '\0' .. ARGV[7])
    revision(KEYS[T + 2], ARGV[11], ARGV[10], 'name', c.name, ARGV[7])
  end
else
  name_del(c.id, ARGV[2], ARGV[3], ARGV[4])
  name_add(c.id, ARGV[5], ARGV[6], ARGV[7], ARGV[8])
  local seq = redis.call('INCR', K.seq)
  redis.call('HSET', ckey, 'name', ARGV[7], 'formerly', c.name, 'nseq', seq, 'lname', ARGV[12])
  index_entry(seq, c.id, 'c', 0, ARGV[9])
  revision(KEYS[T + 2], ARGV[11], ARGV[10], 'name', c.name, ARGV[7])
end
local after, flat = hgetall(ckey)
index(c.id, oldstate, state(after))
return {'ok', unpack(flat)}
`)

// mergeScript folds customer "from" into customer "into": notes merged by
// time (their refs rewritten), facts not doubled, revisions merged by time
// plus a "merge" revision, into's owner, value and cadence kept, its clock the
// later of the two; from and its name are gone.
//
// Deals and touches are merged by time too, from's links (links entries and
// its l: set) become into's, and into's deal totals and side times take in
// from's.
//
// KEYS[1..T] team keys, KEYS[T+1..T+4] c:, n:, f:, r: of from, KEYS[T+5..T+8]
// the same of into, KEYS[T+9..T+11] g:, t:, l: of from, KEYS[T+12..T+14]
// the same of into.
// ARGV[1] from's display name as Go read it (precondition), [2..4] its key,
// fold and sigs, [5] by, [6] at (ms).
//
// Returns {"none", "from"|"into"}, {"moved"} (nothing written), else {"ok",
// notes moved, facts moved, HGETALL of into after…}.
var mergeScript = newScript("merge", prelude+`
local from, into = hgetall(KEYS[T + 1]), hgetall(KEYS[T + 5])
if not from.id then return {'none', 'from'} end
if not into.id then return {'none', 'into'} end
if from.name ~= ARGV[1] then return {'moved'} end
local fid, iid = from.id, into.id

-- notes: both lists merged by time (into's first on ties), refs rewritten
local function entries(key)
  local out = {}
  for _, raw in ipairs(redis.call('LRANGE', key, 0, -1)) do
    local q, t = string.match(raw, '^(%d+)\t(%-?%d+)\t')
    out[#out + 1] = {raw = raw, t = num(t), q = num(q)}
  end
  return out
end
local function revisions(key)
  local out = {}
  for _, raw in ipairs(redis.call('LRANGE', key, 0, -1)) do
    out[#out + 1] = {raw = raw, t = num(string.match(raw, '^{"t":(%-?%d+)'))}
  end
  return out
end
local fnotes = entries(KEYS[T + 2])
local notes = merged(entries(KEYS[T + 6]), fnotes)
rewrite(KEYS[T + 6], notes)
for pos, e in ipairs(notes) do ref(e.q, iid, 'n', pos - 1) end

-- facts: those into does not have yet (same text) move
local have = {}
for _, e in ipairs(entries(KEYS[T + 7])) do
  have[record_text(e.raw)] = true
end
local moved = 0
for _, e in ipairs(entries(KEYS[T + 3])) do
  local x = record_text(e.raw)
  if not have[x] then
    have[x] = true
    moved = moved + 1
    redis.call('RPUSH', KEYS[T + 7], e.raw)
    ref(e.q, iid, 'f', 0)
  end
end

-- revisions, then the merge itself
rewrite(KEYS[T + 8], merged(revisions(KEYS[T + 8]), revisions(KEYS[T + 4])))
revision(KEYS[T + 8], ARGV[6], ARGV[5], 'merge', from.name, into.name)

-- deals and touches: merged by time (into's first on ties)
local fdeals, ideals = redis.call('LRANGE', KEYS[T + 9], 0, -1), redis.call('LRANGE', KEYS[T + 12], 0, -1)
rewrite(KEYS[T + 12], merged(timed(KEYS[T + 12], deal_time), timed(KEYS[T + 9], deal_time)))
rewrite(KEYS[T + 13], merged(timed(KEYS[T + 13], touch_time), timed(KEYS[T + 10], touch_time)))

-- links: from's channels are into's now
local chans = redis.call('SMEMBERS', KEYS[T + 11])
for _, ch in ipairs(chans) do
  redis.call('HSET', K.links, ch, iid)
  redis.call('SADD', KEYS[T + 14], ch)
end

-- into's hash: counts, deal totals, side times and clock
local oldstate = state(into)
local set = {'notes', fmt(num(into.notes) + num(from.notes))}
local function add(f, v) set[#set + 1], set[#set + 2] = f, v; into[f] = v end
if num(from.deals_count) > 0 then
  add('deals_sum', fmt(math.min(num(into.deals_sum) + num(from.deals_sum), MAXVALUE)))
  add('deals_count', fmt(num(into.deals_count) + num(from.deals_count)))
end
for _, f in ipairs({'last_deal_at', 'last_customer_at', 'last_team_at'}) do
  if num(from[f]) > num(into[f]) then add(f, from[f]) end
end
if num(from.last_contact_at) > num(into.last_contact_at) then
  add('last_contact_at', from.last_contact_at)
  add('last_contact_by', from.last_contact_by or '')
end
-- loyalty: into learns its rhythm, who knows it and its buying from all it
-- now has
local times, known = {}, {}
for _, e in ipairs(notes) do
  times[#times + 1] = e.t
  known[#known + 1] = {e.t, string.match(e.raw, '^[^\t]*\t[^\t]*\t([^\t]*)\t') or ''}
end
local deals = redis.call('LRANGE', KEYS[T + 12], 0, -1)
for _, r in ipairs(deals) do times[#times + 1] = num(string.match(r, '^[^\t]*\t(%-?%d+)\t')) end
for _, r in ipairs(redis.call('LRANGE', KEYS[T + 13], 0, -1)) do times[#times + 1] = num(string.match(r, '^(%-?%d+)\t')) end
deal_figures(fid, fdeals, nil)
deal_figures(iid, ideals, deals)
into.cdays, into.kauth = days_of(times), kauth_of(known)
set[#set + 1], set[#set + 2] = 'cdays', into.cdays
set[#set + 1], set[#set + 2] = 'kauth', into.kauth
relearn(into, set)
conc_mark(iid, into, set)
redis.call('HSET', KEYS[T + 5], unpack(set))
index(iid, oldstate, state(into))

-- from is gone
name_del(fid, ARGV[2], ARGV[3], ARGV[4])
index(fid, state(from), nil)
redis.call('DEL', KEYS[T + 1], KEYS[T + 2], KEYS[T + 3], KEYS[T + 4], KEYS[T + 9], KEYS[T + 10], KEYS[T + 11])
local _, flat = hgetall(KEYS[T + 5])
return {'ok', #fnotes, moved, unpack(flat)}
`)

// deleteScript removes a customer and everything about it from every index.
// Its postings stay and are dropped by Find's verification (the entries are
// gone).
//
// Its deals, touches and links go with it.
//
// KEYS[1..T] team keys, KEYS[T+1..T+4] c:, n:, f:, r: of the customer,
// KEYS[T+5..T+7] its g:, t:, l:.
// ARGV[1] its display name as Go read it (precondition), [2..4] key, fold,
// sigs.
//
// Returns {"none"}, {"moved"} (nothing written), else {"ok", notes, facts,
// HGETALL before…}.
var deleteScript = newScript("delete", prelude+`
local c, flat = hgetall(KEYS[T + 1])
if not c.id then return {'none'} end
if c.name ~= ARGV[1] then return {'moved'} end
local notes, facts = redis.call('LLEN', KEYS[T + 2]), redis.call('LLEN', KEYS[T + 3])
name_del(c.id, ARGV[2], ARGV[3], ARGV[4])
index(c.id, state(c), nil)
for _, ch in ipairs(redis.call('SMEMBERS', KEYS[T + 7])) do
  if redis.call('HGET', K.links, ch) == c.id then redis.call('HDEL', K.links, ch) end
end
deal_figures(c.id, redis.call('LRANGE', KEYS[T + 5], 0, -1), nil)
redis.call('DEL', KEYS[T + 1], KEYS[T + 2], KEYS[T + 3], KEYS[T + 4], KEYS[T + 5], KEYS[T + 6], KEYS[T + 7])
return {'ok', notes, facts, unpack(flat)}
`)

// forgetScript removes one fact by its ID (its sequence number).
//
// KEYS[1] c:<id>, KEYS[2] f:<id>; ARGV[1] the fact ID.
// Returns {"none"} (no customer), {"nofact"}, else {"ok", HGETALL…}.
var forgetScript = newScript("forget", `
if redis.call('EXISTS', KEYS[1]) == 0 then return {'none'} end
local head = ARGV[1] .. '\t'
for _, raw in ipairs(redis.call('LRANGE', KEYS[2], 0, -1)) do
  if string.sub(raw, 1, #head) == head then
    redis.call('LREM', KEYS[2], 1, raw)
    return {'ok', unpack(redis.call('HGETALL', KEYS[1]))}
  end
end
return {'nofact'}
`)

// releaseScript frees a guard key only while it is still claimed, so a late
// Release cannot undo another process's Confirm.
//
// KEYS[1]  the guard key
// Returns 1 when the key was released, else 0.
var releaseScript = newScript("release", `
if redis.call('GET', KEYS[1]) == 'pending' then
  return redis.call('DEL', KEYS[1])
end
return 0
`)
