package storage

import "strconv"

// loyaltyLua is the part of the prelude that keeps the loyalty figures
// (smed.Loyalty) as the writes happen, so no request reads every customer.
// Days are UTC calendar days (unix ms / 86400000), as loyalty computes them
// with a nil location.
//
// Per customer, in its hash c:<id>:
//
//	cdays  the latest RHYTHM distinct contact days, ascending, "d1,d2,…":
//	       the contact rhythm (loyalty.ContactRhythm) and, for a customer
//	       whose cadence was never set, its learned cadence
//	dcad   the cadence the customer had before one was learned (the team's
//	       default), restored when its history shrinks below MINDAYS
//	kauth  its notes of the 180 days before its latest note, "<at>:<author>;…"
//	       ascending, at most KNOWBYTES (about 130 notes): who holds its
//	       knowledge
//	kca    the author some run of its latest notes rests on ("" = none): it
//	       is in conc exactly when kca is set
//	lpend  reminder listings not yet settled, "<at>:<owner>:<p|s>;…" (s: a
//	       snooze was set within the listing's three days)
//	lrun   how many of its latest settled listings in a row were ignored
//
// Team-wide (declared team keys): drift ZSET, score 0, members
// "<owner>\0<start 15 digits><id>" (owner "" for the team): the time from
// which the customer drifts, only while that comes before its due time (a
// customer found overdue there is taken out by Drifting: it stays overdue
// until a write, which puts it back); conc ZSET id →
// −worth, the customers some suffix of whose recent notes rests on one
// author (candidates: Concentrated checks each at now); buy1/buy2 ZSET id →
// time of its latest deal / of its latest deal on an earlier day; dval HASH
// deal value (v) and repeat-deal value (r) per day (d), hour (h) and minute
// (m), "vd<day>", "rh<hour>", …, and the learned-cadence bounds "floor",
// "ceil"; ftc HASH "<owner>\0<c|s|i>" → settled listings; ign ZSET id → lrun
// for customers whose run is at least 1.
var loyaltyLua = `
local DAYMS = 86400000
local RHYTHM, MINDAYS, DRIFT = ` + strconv.Itoa(rhythmDays) + `, ` + strconv.Itoa(minRhythmDays) + `, 1.5
local KNOWMS, KNOWBYTES = ` + strconv.Itoa(knowWindowDays) + ` * DAYMS, ` + strconv.Itoa(knowBytes) + `
local FOLLOWMS = ` + strconv.Itoa(followUpDays) + ` * DAYMS
local YEARMS = ` + strconv.Itoa(repurchaseDays) + ` * DAYMS

local function dayof(ms) return math.floor(num(ms) / DAYMS) end

local function nums(s)
  local t = {}
  for x in string.gmatch(s or '', '[^,]+') do t[#t + 1] = tonumber(x) end
  return t
end

local function gaps_of(days)
  local g = {}
  for i = 2, #days do g[#g + 1] = days[i] - days[i - 1] end
  return g
end

local function median(xs)
  local s = {}
  for i, v in ipairs(xs) do s[i] = v end
  table.sort(s)
  local n = #s
  if n % 2 == 1 then return s[(n + 1) / 2] end
  return (s[n / 2] + s[n / 2 + 1]) / 2
end

-- days_of turns contact times (ms) into the cdays string.
local function days_of(times)
  local seen, ds = {}, {}
  for _, t in ipairs(times) do
    local d = dayof(t)
    if num(t) ~= 0 and not seen[d] then seen[d] = true; ds[#ds + 1] = d end
  end
  table.sort(ds)
  local out = {}
  for i = math.max(1, #ds - RHYTHM + 1), #ds do out[#out + 1] = fmt(ds[i]) end
  return table.concat(out, ',')
end

-- add_day puts the day of at into a cdays string.
local function add_day(cdays, at)
  local d = dayof(at)
  local ds = nums(cdays)
  for _, x in ipairs(ds) do if x == d then return cdays end end
  if #ds >= RHYTHM and d < ds[1] then return cdays end
  ds[#ds + 1] = d
  table.sort(ds)
  local out = {}
  for i = math.max(1, #ds - RHYTHM + 1), #ds do out[#out + 1] = fmt(ds[i]) end
  return table.concat(out, ',')
end

local BOUNDS
local function bounds()
  if not BOUNDS then
    local b = redis.call('HMGET', K.dval, 'floor', 'ceil')
    BOUNDS = {tonumber(b[1] or '') or ` + strconv.Itoa(defaultFloor) + `, tonumber(b[2] or '') or ` + strconv.Itoa(defaultCeiling) + `}
  end
  return BOUNDS[1], BOUNDS[2]
end

-- relearn sets c.cadence_days from c.cdays when the cadence was never set by
-- hand (loyalty.CadenceFor): the median gap rounded half up, clamped to the
-- bounds, once there are MINDAYS days; the default again below that. It
-- appends the changed fields to set.
local function relearn(c, set)
  if c.cadence_set == '1' then return end
  local ds = nums(c.cdays)
  local want
  if #ds >= MINDAYS then
    local floor, ceil = bounds()
    want = math.floor(median(gaps_of(ds)) + 0.5)
    if ceil > 0 and want > ceil then want = ceil end
    if want < floor then want = floor end
    if not c.dcad or c.dcad == '' then
      c.dcad = c.cadence_days or ''
      set[#set + 1], set[#set + 2] = 'dcad', c.dcad
    end
  elseif c.dcad and c.dcad ~= '' then
    want = num(c.dcad)
  end
  if want and num(c.cadence_days) ~= want then
    c.cadence_days = fmt(want)
    set[#set + 1], set[#set + 2] = 'cadence_days', c.cadence_days
  end
end

-- drift_start is when a customer in state s starts drifting (loyalty.DriftOf),
-- in ms, or nil when it cannot before it is overdue: its open gap passes
-- DRIFT × its median gap, or its last two gaps grew and the open one grows
-- past them; not while snoozed.
local function drift_start(s)
  local ds = nums(s.cdays)
  if #ds < MINDAYS then return nil end
  local g = gaps_of(ds)
  local k = math.floor(DRIFT * median(g)) + 1
  if g[#g - 1] < g[#g] and g[#g] + 1 < k then k = g[#g] + 1 end
  local start = (ds[#ds] + k) * DAYMS
  if s.snooze > start then start = s.snooze end
  if start > s.due then return nil end
  return start
end

-- knowledge_suffix returns an author with at least 80 % of some run of a
-- customer's latest notes (at least 5), or nil: as older notes leave the 180
-- days, what remains is such a run, so only these customers can rest on one
-- person (loyalty.KnowledgeOf) without another write.
local function knowledge_suffix(kauth)
  local as = {}
  for a in string.gmatch(kauth or '', ':([^;]*)') do as[#as + 1] = a end
  local counts, best, who, n = {}, 0, nil, 0
  for i = #as, 1, -1 do
    n = n + 1
    local a = as[i]
    if a ~= '' then
      counts[a] = (counts[a] or 0) + 1
      if counts[a] > best then best, who = counts[a], a end
    end
    if n >= 5 and 5 * best >= 4 * n then return who end
  end
  return nil
end

-- knowledge_after_append is knowledge_suffix for a kauth that is one on
-- which nobody rested (kca empty), less some of its oldest entries, plus the
-- latest note, by author. Every run that was not there before ends with
-- that note, so only its author can now hold 80 % of a run of six notes or
-- more, and anyone else only of the last five, with four of them. The
-- author's runs are read from the latest note back (the string reversed),
-- only as far as one could still reach 80 % if every older entry were the
-- author's (as many as the bytes left could hold): a few entries, not every
-- one.
local function knowledge_after_append(kauth, author)
  if author == '' then return knowledge_suffix(kauth) end
  local rev, ra = string.reverse(kauth), string.reverse(author)
  -- an entry of the author's takes at least this many bytes: its time (the
  -- entries go up in time, so no fewer digits than the first one's, when
  -- that is not negative), a colon, the author and a semicolon
  local first = string.match(kauth, '^(%d+):') or '0'
  local least = #first + #author + 2
  local pos, n, mine, counts, best, who = 1, 0, 0, {}, 0, nil
  while true do
    local _, e, a = string.find(rev, '^([^;:]*):[^;]*', pos)
    if not e then return nil end
    pos = e + 2
    n = n + 1
    if a == ra then mine = mine + 1 end
    if n <= 5 and a ~= '' then
      counts[a] = (counts[a] or 0) + 1
      if counts[a] > best then best, who = counts[a], a end
      if n == 5 and best >= 4 then return string.reverse(who) end
    end
    if n >= 5 then
      if 5 * mine >= 4 * n then return author end
      if 5 * mine - 4 * n + math.floor((#rev - pos + 2) / least) < 0 then return nil end
    end
  end
end

-- appended_to says whether kauth is was, less some of its oldest entries,
-- with e appended: what add_note_author makes of the latest note.
local function appended_to(was, kauth, e)
  local n = #kauth - #e
  if string.sub(kauth, n + 1) ~= e then return false end
  if n == 0 then return true end
  if string.sub(kauth, n, n) ~= ';' then return false end
  local rest = string.sub(kauth, 1, n - 1)
  return #rest <= #was and string.sub(was, #was - #rest + 1) == rest and
    (#rest == #was or string.sub(was, #was - #rest, #was - #rest) == ';')
end

-- one_dropped says whether kauth is was less its first entry, with e
-- appended: a note at the KNOWBYTES cap, which pushes the oldest note out.
-- A run of was that rested on e's author still does then: a run that kept
-- all its entries grows by one of theirs, and the whole of was, if it was
-- the run, loses one entry and gains one of theirs (never a lower share).
local function one_dropped(was, kauth, e)
  local p = string.find(was, ';', 1, true)
  return p ~= nil and #kauth == #was - p + 1 + #e and string.sub(kauth, -#e - 1) == ';' .. e and
    string.sub(kauth, 1, #kauth - #e - 1) == string.sub(was, p + 1)
end

-- trim_kauth drops entries from the front of a kauth string that are older
-- than cut, or while it is longer than KNOWBYTES; the last entry stays.
local function trim_kauth(k, cut)
  while true do
    local first = tonumber(string.match(k, '^(%-?%d+):') or '')
    if not first or (first >= cut and #k <= KNOWBYTES) then return k end
    local p = string.find(k, ';', 1, true)
    if not p then return k end
    k = string.sub(k, p + 1)
  end
end

-- kauth_of builds the kauth string from notes {at, author}: ascending by
-- time (then author), those of the 180 days before the latest, at most
-- KNOWBYTES long.
local function kauth_of(notes)
  if #notes == 0 then return '' end
  table.sort(notes, function(a, b) return a[1] < b[1] or (a[1] == b[1] and a[2] < b[2]) end)
  local out = {}
  for _, e in ipairs(notes) do out[#out + 1] = fmt(e[1]) .. ':' .. e[2] end
  return trim_kauth(table.concat(out, ';'), notes[#notes][1] - KNOWMS)
end

-- add_note_author adds a note to c.kauth: appended when it is the latest
-- (the usual case, no parsing), else the string is rebuilt.
local function add_note_author(c, at, author)
  local k, e = c.kauth or '', fmt(at) .. ':' .. (author or '')
  -- the last entry: an anchored greedy find is linear (an unanchored
  -- match of '(%d+):[^;]*$' would try every position)
  local _, semi = string.find(k, '^.*;')
  local last = tonumber(string.match(string.sub(k, (semi or 0) + 1), '^(%-?%d+):') or '')
  if k == '' then
    c.kauth = e
  elseif last and num(at) > last then
    c.kauth = trim_kauth(k .. ';' .. e, num(at) - KNOWMS)
  else
    local notes = {}
    for at0, a in string.gmatch(k, '(%-?%d+):([^;]*)') do notes[#notes + 1] = {tonumber(at0), a} end
    notes[#notes + 1] = {num(at), author or ''}
    c.kauth = kauth_of(notes)
  end
end

-- worth of a customer hash or state table
local function worth_of(c)
  local v, d = num(c.value), num(c.deals_sum)
  if d > v then return d end
  return v
end

-- conc_mark puts the customer into conc, or takes it out, and keeps in kca
-- the author it would rest on ("" when not in conc).
local function conc_mark(id, c, set, who)
  who = who or knowledge_suffix(c.kauth) or ''
  if who ~= '' then
    redis.call('ZADD', K.conc, fmt(-worth_of(c)), id)
  elseif (c.kca or '') ~= '' then
    redis.call('ZREM', K.conc, id)
  end
  if who ~= (c.kca or '') then
    c.kca = who
    set[#set + 1], set[#set + 2] = 'kca', who
  end
end

-- listings: "<at>:<owner>:<flag>" entries of c.lpend
local function listings(lpend)
  local out = {}
  for at, owner, flag in string.gmatch(lpend or '', '(%-?%d+):([^:;]*):(%a)') do
    out[#out + 1] = {at = tonumber(at), owner = owner, flag = flag}
  end
  return out
end

local function listings_str(ls)
  local out = {}
  for _, l in ipairs(ls) do out[#out + 1] = fmt(l.at) .. ':' .. l.owner .. ':' .. l.flag end
  return table.concat(out, ';')
end

local function set_run(id, c, run, set)
  c.lrun = fmt(run)
  set[#set + 1], set[#set + 2] = 'lrun', c.lrun
  if run > 0 then redis.call('ZADD', K.ign, run, id) else redis.call('ZREM', K.ign, id) end
end

-- followed: a contact by the team at at answers every pending listing whose
-- three days hold it (loyalty.Classify: contact wins, and is final).
local function followed(id, c, at, set)
  if not c.lpend or c.lpend == '' then return end
  local keep, hit = {}, false
  for _, l in ipairs(listings(c.lpend)) do
    if num(at) >= l.at and num(at) <= l.at + FOLLOWMS then
      redis.call('HINCRBY', K.ftc, l.owner .. '\0c', 1)
      hit = true
    else
      keep[#keep + 1] = l
    end
  end
  if hit then
    c.lpend = listings_str(keep)
    set[#set + 1], set[#set + 2] = 'lpend', c.lpend
    set_run(id, c, 0, set)
  end
end

-- snoozed_at: a snooze set at at marks the pending listings whose three days
-- hold it.
local function snoozed_at(c, at, set)
  if not c.lpend or c.lpend == '' then return end
  local ls, hit = listings(c.lpend), false
  for _, l in ipairs(ls) do
    if l.flag == 'p' and num(at) >= l.at and num(at) <= l.at + FOLLOWMS then l.flag = 's'; hit = true end
  end
  if hit then
    c.lpend = listings_str(ls)
    set[#set + 1], set[#set + 2] = 'lpend', c.lpend
  end
end

-- on_contact is what every contact (note 'n', deal 'd', touch 't') teaches
-- the loyalty figures: the contact day joins the rhythm (and the learned
-- cadence follows), a note joins who-knows-what, and a contact on the team's
-- side (team = true) answers pending reminder listings. It updates c and
-- appends the fields it changed to set; the caller writes set and then
-- reindexes (index) from the state before to the state after.
local function on_contact(id, c, at, author, kind, team, set)
  local cd = add_day(c.cdays, at)
  if cd ~= (c.cdays or '') then
    c.cdays = cd
    set[#set + 1], set[#set + 2] = 'cdays', cd
    relearn(c, set)
  end
  if kind == 'n' then
    local was = c.kauth or ''
    add_note_author(c, at, author)
    set[#set + 1], set[#set + 2] = 'kauth', c.kauth
    -- A customer that rests on this author still does after a note of
    -- theirs that is its latest: every run it had grows by one of theirs
    -- (the runs that lost old notes to the 180 days are checked at query),
    -- also when the note pushed the oldest entry out (one_dropped).
    local appended = #c.kauth > #was and string.sub(c.kauth, 1, #was) == was
    if (c.kca or '') ~= '' and c.kca == author and (appended or one_dropped(was, c.kauth, fmt(at) .. ':' .. author)) then
      -- still rests on them
    elseif (c.kca or '') == '' and appended_to(was, c.kauth, fmt(at) .. ':' .. (author or '')) then
      conc_mark(id, c, set, knowledge_after_append(c.kauth, author or '') or '')
    else
      conc_mark(id, c, set)
    end
  end
  if team then followed(id, c, at, set) end
end

-- deal_rows parses a deals list (g:<id>) into {at, amount}, ascending.
local function deal_rows(raws)
  local out = {}
  for _, raw in ipairs(raws) do
    local at, amount = string.match(raw, '^[^\t]*\t(%-?%d+)\t[^\t]*\t(%-?%d+)')
    out[#out + 1] = {num(at), math.max(num(amount), 0)}
  end
  table.sort(out, function(a, b) return a[1] < b[1] end)
  return out
end

-- deal_buckets adds sign × each deal's value to the day, hour and minute
-- buckets, and to the repeat buckets when the customer had bought on an
-- earlier day within the year before it (loyalty.RepurchaseRate).
local function deal_buckets(ds, sign, acc)
  for i, d in ipairs(ds) do
    local rep = false
    local day = dayof(d[1])
    for j = i - 1, 1, -1 do
      if ds[j][1] < d[1] - YEARMS then break end
      if dayof(ds[j][1]) < day then rep = true break end
    end
    if d[2] > 0 then
      local ks = {'d' .. fmt(day), 'h' .. fmt(math.floor(d[1] / 3600000)), 'm' .. fmt(math.floor(d[1] / 60000))}
      for _, k in ipairs(ks) do
        acc['v' .. k] = (acc['v' .. k] or 0) + sign * d[2]
        if rep then acc['r' .. k] = (acc['r' .. k] or 0) + sign * d[2] end
      end
    end
  end
end

-- deal_figures moves the team's buying figures of customer id from its
-- deals before (raw g: records) to its deals after; nil after: it is gone.
local function deal_figures(id, before, after)
  local acc = {}
  deal_buckets(deal_rows(before or {}), -1, acc)
  local ds = deal_rows(after or {})
  deal_buckets(ds, 1, acc)
  for f, v in pairs(acc) do
    if v ~= 0 and redis.call('HINCRBY', K.dval, f, fmt(v)) == 0 then redis.call('HDEL', K.dval, f) end
  end
  if #ds == 0 then
    redis.call('ZREM', K.buy1, id, id)
    redis.call('ZREM', K.buy2, id)
    return
  end
  local last = ds[#ds][1]
  redis.call('ZADD', K.buy1, fmt(last), id)
  local second
  for i = #ds, 1, -1 do
    if dayof(ds[i][1]) < dayof(last) then second = ds[i][1] break end
  end
  if second then redis.call('ZADD', K.buy2, fmt(second), id) else redis.call('ZREM', K.buy2, id) end
end

-- drift_members are a customer's drift members for its start st: the
-- team's ("" owner) and its owner's, "<owner>\0<start, 15 digits><id>", so
-- that an owner's drifting customers are one lex range.
local function drift_members(s, id, st)
  local tail = string.format('%015.0f', st) .. id
  local out = {['\0' .. tail] = true}
  if s.owner ~= '' then out[s.owner .. '\0' .. tail] = true end
  return out
end

-- loyalty_index follows a customer's move from state old to new (see
-- index): its drift members, the worth its conc entry is ranked by, and
-- nothing left of it when it is gone.
local function loyalty_index(id, old, new)
  if not new then
    redis.call('ZREM', K.conc, id)
    redis.call('ZREM', K.ign, id)
  end
  if not old or not new or old.cdays ~= new.cdays or old.due ~= new.due or old.snooze ~= new.snooze or old.owner ~= new.owner then
    local os = old and drift_start(old)
    local ns = new and drift_start(new)
    move_members(K.drift, os and drift_members(old, id, os) or {}, ns and drift_members(new, id, ns) or {})
  end
  if new and old and old.value ~= new.value and redis.call('ZSCORE', K.conc, id) then
    redis.call('ZADD', K.conc, fmt(-new.value), id)
  end
end
`

// The rules of package loyalty as the scripts apply them (loyalty_test.go in
// this package checks they agree with the package's constants).
const (
	rhythmDays     = 9    // loyalty.RhythmDays
	minRhythmDays  = 4    // loyalty.MinRhythmDays
	knowWindowDays = 180  // loyalty.KnowledgeWindow
	knowBytes      = 4000 // of a kauth field: about 130 notes kept for who-knows-what
	followUpDays   = 3    // loyalty.FollowUpWindow
	repurchaseDays = 365  // loyalty.RepurchaseWindow
	defaultFloor   = 7    // loyalty.DefaultConfig().Bounds
	defaultCeiling = 90
)
