package storage

// restoreScript writes one customer of a backup with everything it holds, IDs
// and times as given, and every index a write keeps: names, nidx, sig, nm,
// due, odue, vrank, vcd, risk, cad, ocount, totals (index and name_add of the
// prelude), the word index (refs, words, postings) of its name, facts and
// notes, the day counters of its notes, and links. One customer, one atomic
// step.
//
// KEYS[1..T] team keys; KEYS[T+1..T+7] c:, n:, f:, r:, g:, t:, l: of the
// customer; KEYS[T+8..T+7+D] d:<day> of the days its notes fall on; from
// KEYS[WK+1], WK = T+7+D: posting keys of the words.
//
// ARGV[1] "1": merge into a customer with this ID that exists; [2] the ID;
// [3..6] the name (key, fold, display, sigs), [7] its word list, [8] its
// lname; [9] the entry sequence floor: the counter is raised to it first, so
// that no entry this restore numbers takes a sequence number that a fact of
// the backup keeps as its ID; [10] D, [11..10+D] the day numbers of the day
// keys; then, read in order: P and P field/value pairs of the customer hash;
// F and per fact: ID (its sequence number; "0": number it anew), at, author,
// text, word list; N and per note: at, author, saved by, link, text, index of
// its day key (1..D), word list; V and per revision: at, by, field, from, to;
// G and per deal: the stored record, its ID, at, author, amount; H and per
// touch: the stored record, at, author, side; L and the linked channels;
// from ARGV[WA+1] (WA: the last of those): the words.
//
// Returns {"exists"} when the customer exists and merge is not set, {"name",
// holder} when another customer has the name, {"link", channel, holder} when
// a channel is linked to another customer (nothing written in these cases),
// else {"ok", created 0/1, facts, notes, revisions, deals, touches added}.
//
// A fact keeps its ID when that sequence number was never used in the team
// (its refs record is empty); else it is numbered anew (a merge into a team
// that used it). Postings are inserted in order (binary search, then the
// tail moves by 4 bytes), since a fact's number can be below postings
// already there; a number at the end, as every new one is, is an APPEND.
//
// A new customer gets its hash as given. On a merge into an existing
// customer its own fields stay; what is added and not already there (a fact
// by text, a note by all its fields, a revision, deal by ID and touch as
// stored) is merged into its lists by time, and its counters follow as if the
// entries had been written now: notes, the clock (forward only), deals_sum,
// deals_count, last_deal_at, last_customer_at, last_team_at.
var restoreScript = newScript("restore", prelude+`
local merge, id = ARGV[1] == '1', ARGV[2]
local nkey, nfold, ndisplay, nsigs, nwords, nlname = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local floor = num(ARGV[9])
local D = tonumber(ARGV[10])
local ckey, nlist, flist, rlist = KEYS[T + 1], KEYS[T + 2], KEYS[T + 3], KEYS[T + 4]
local glist, tlist, lset = KEYS[T + 5], KEYS[T + 6], KEYS[T + 7]
local p = 10 + D
local function nxt() p = p + 1 return ARGV[p] end

local flat = {}
for i = 1, tonumber(nxt()) * 2 do flat[i] = nxt() end
local facts, notes, revs, deals, touches, links = {}, {}, {}, {}, {}, {}
for i = 1, tonumber(nxt()) do
  facts[i] = {seq = num(nxt()), at = nxt(), author = nxt(), text = nxt(), words = nxt()}
end
for i = 1, tonumber(nxt()) do
  notes[i] = {at = nxt(), author = nxt(), saved = nxt(), link = nxt(), text = nxt(), day = tonumber(nxt()), words = nxt()}
end
for i = 1, tonumber(nxt()) do
  revs[i] = {at = nxt(), by = nxt(), field = nxt(), from = nxt(), to = nxt()}
end
for i = 1, tonumber(nxt()) do
  deals[i] = {raw = nxt(), id = nxt(), at = nxt(), author = nxt(), amount = num(nxt())}
end
for i = 1, tonumber(nxt()) do
  touches[i] = {raw = nxt(), at = nxt(), author = nxt(), side = nxt()}
end
for i = 1, tonumber(nxt()) do links[i] = nxt() end
WK, WA = T + 7 + D, p

-- preconditions: nothing is written unless all hold
local exists = redis.call('EXISTS', ckey) == 1
if exists and not merge then return {'exists'} end
if not exists then
  local holder = redis.call('HGET', K.names, nkey)
  if holder and holder ~= id then return {'name', holder} end
end
for _, ch in ipairs(links) do
  local holder = redis.call('HGET', K.links, ch)
  if holder and holder ~= id then return {'link', ch, holder} end
end

if floor > num(redis.call('GET', K.seq)) then redis.call('SET', K.seq, fmt(floor)) end

local function at32(s, i)
  local a, b, c, d = string.byte(s, i, i + 3)
  return ((a * 256 + b) * 256 + c) * 256 + d
end
-- post puts seq into a posting list, keeping it ascending. tails caches
-- each list's last posting once read: the notes of one customer come with
-- rising numbers, and after the first each is a plain APPEND.
-- Those appends wait in bufs, one APPEND per list at the end (flush_all).
local tails, bufs = {}, {}
local function flush(key)
  local b = bufs[key]
  if b then
    redis.call('APPEND', key, table.concat(b))
    bufs[key] = nil
  end
end
local function flush_all()
  for key in pairs(bufs) do flush(key) end
end
local function post(key, seq)
  local s = u32(seq)
  local last = tails[key]
  if last and last < seq then
    local b = bufs[key]
    if not b then b = {} bufs[key] = b end
    b[#b + 1] = s
    tails[key] = seq
    return
  end
  flush(key)
  local len = redis.call('STRLEN', key) / 4
  if len == 0 then
    redis.call('APPEND', key, s)
    tails[key] = seq
    return
  end
  last = at32(redis.call('GETRANGE', key, len * 4 - 4, len * 4 - 1), 1)
  tails[key] = last
  if last < seq then
    redis.call('APPEND', key, s)
    tails[key] = seq
    return
  end
  if last == seq then return end
  local lo, hi = 0, len - 1
  while lo < hi do
    local mid = math.floor((lo + hi) / 2)
    if at32(redis.call('GETRANGE', key, mid * 4, mid * 4 + 3), 1) < seq then lo = mid + 1 else hi = mid end
  end
  if at32(redis.call('GETRANGE', key, lo * 4, lo * 4 + 3), 1) == seq then return end
  local tail = redis.call('GETRANGE', key, lo * 4, -1)
  redis.call('SETRANGE', key, lo * 4, s .. tail)
end
local worded = {}
local function index_sorted(seq, kind, pos, list)
  if seq > MAXSEQ then return end
  ref(seq, id, kind, pos)
  for w in string.gmatch(list, '%d+') do
    local i = tonumber(w)
    post(KEYS[WK + i], seq)
    if not worded[i] then
      worded[i] = true
      redis.call('ZADD', K.words, 0, ARGV[WA + i])
    end
  end
end
local EMPTY = string.rep('\0', 11)
-- fact_seq is the sequence number a fact gets: its own ID when that number
-- was never used in the team, else a new one.
local function fact_seq(s)
  if s >= 1 then
    local used = s <= MAXSEQ and redis.call('GETRANGE', K.refs, s * 11, s * 11 + 10) or ''
    if used == '' or used == EMPTY then
      if s > num(redis.call('GET', K.seq)) then redis.call('SET', K.seq, fmt(s)) end
      return s
    end
  end
  return redis.call('INCR', K.seq)
end
local function note_body(n)
  return n.at .. '\t' .. n.author .. '\t' .. n.saved .. '\t' .. n.link .. '\t' .. n.text
end
local dayed = {}
local function count_note(n)
  redis.call('HINCRBY', KEYS[T + 7 + n.day], n.author, 1)
  if not dayed[n.day] then
    dayed[n.day] = true
    local day = ARGV[10 + n.day]
    redis.call('ZADD', K.days, day, day)
  end
end
local function link_all()
  for _, ch in ipairs(links) do
    redis.call('HSET', K.links, ch, id)
    redis.call('SADD', lset, ch)
  end
end
-- learn rebuilds the loyalty fields from everything the customer has now
-- (its notes, deals and touches, read back), as the writes keep them: its
-- contact days and learned cadence, who knows it, its drift and conc
-- entries, and the team's buying figures (from its deals before the
-- restore, before, to those it has now).
local function learn(before)
  local c = hgetall(ckey)
  local old = state(c)
  local times, known = {}, {}
  for _, raw in ipairs(redis.call('LRANGE', nlist, 0, -1)) do
    local _, t, a = string.match(raw, '^(%d+)\t(%-?%d+)\t([^\t]*)\t')
    times[#times + 1], known[#known + 1] = num(t), {num(t), a or ''}
  end
  local after = redis.call('LRANGE', glist, 0, -1)
  for _, r in ipairs(after) do times[#times + 1] = num(string.match(r, '^[^\t]*\t(%-?%d+)\t')) end
  for _, r in ipairs(redis.call('LRANGE', tlist, 0, -1)) do times[#times + 1] = num(string.match(r, '^(%-?%d+)\t')) end
  local set = {}
  c.cdays, c.kauth = days_of(times), kauth_of(known)
  set[1], set[2], set[3], set[4] = 'cdays', c.cdays, 'kauth', c.kauth
  relearn(c, set)
  conc_mark(id, c, set)
  redis.call('HSET', ckey, unpack(set))
  index(id, old, state(c))
  deal_figures(id, before, after)
end

if not exists then
  redis.call('HSET', ckey, unpack(flat))
  name_add(id, nkey, nfold, ndisplay, nsigs)
  local c = hgetall(ckey)
  index(id, nil, state(c))
  local seq = redis.call('INCR', K.seq)
  redis.call('HSET', ckey, 'nseq', seq)
  index_sorted(seq, 'c', 0, nwords)
  for _, f in ipairs(facts) do
    local q = fact_seq(f.seq)
    redis.call('RPUSH', flist, record(f.author, f.at, f.text, q, '', ''))
    index_sorted(q, 'f', 0, f.words)
  end
  local base, chunk = redis.call('LLEN', nlist), {}
  for i, n in ipairs(notes) do
    local q = redis.call('INCR', K.seq)
    chunk[#chunk + 1] = record(n.author, n.at, n.text, q, n.saved, n.link)
    if #chunk == 1000 or i == #notes then
      redis.call('RPUSH', nlist, unpack(chunk))
      chunk = {}
    end
    index_sorted(q, 'n', base + i - 1, n.words)
    count_note(n)
  end
  for _, r in ipairs(revs) do revision(rlist, r.at, r.by, r.field, r.from, r.to) end
  for _, d in ipairs(deals) do redis.call('RPUSH', glist, d.raw) end
  for _, t in ipairs(touches) do redis.call('RPUSH', tlist, t.raw) end
  link_all()
  learn({})
  flush_all()
  return {'ok', 1, #facts, #notes, #revs, #deals, #touches}
end

-- merge into the customer that exists
local c = hgetall(ckey)
local oldstate = state(c)
local dealsbefore = redis.call('LRANGE', glist, 0, -1)
local set = {}
local last, lastby = num(c.last_contact_at), c.last_contact_by or ''
local function contact(at, by)
  if num(at) > last then last, lastby = num(at), by end
end

local function list(key, pattern)
  local out = {}
  for _, raw in ipairs(redis.call('LRANGE', key, 0, -1)) do
    out[#out + 1] = {raw = raw, t = num(string.match(raw, pattern))}
  end
  return out
end
-- add merges the entries of add (oldest first) into the list at key by time,
-- the ones there first on ties; it returns the merged list.
local function add(key, have, new)
  if #new == 0 then return have end
  local out = merged(have, new)
  if #have == 0 then
    for _, e in ipairs(new) do redis.call('RPUSH', key, e.raw) end
  else
    rewrite(key, out)
  end
  return out
end

-- facts: those not remembered yet (same text)
local texts, fadded = {}, 0
for _, raw in ipairs(redis.call('LRANGE', flist, 0, -1)) do texts[record_text(raw)] = true end
for _, f in ipairs(facts) do
  if not texts[f.text] then
    texts[f.text] = true
    local q = fact_seq(f.seq)
    redis.call('RPUSH', flist, record(f.author, f.at, f.text, q, '', ''))
    index_sorted(q, 'f', 0, f.words)
    fadded = fadded + 1
  end
end

-- notes: those not there yet (same time, author, saved by, link and text)
local ENTRY = '^%d+\t(%-?%d+)\t'
local have = list(nlist, ENTRY)
local bodies = {}
for _, e in ipairs(have) do
  e.q = num(string.match(e.raw, '^(%d+)\t'))
  bodies[string.match(e.raw, '^%d+\t(.*)$') or ''] = true
end
local new = {}
for _, n in ipairs(notes) do
  local b = note_body(n)
  if not bodies[b] then
    bodies[b] = true
    local q = redis.call('INCR', K.seq)
    new[#new + 1] = {raw = record(n.author, n.at, n.text, q, n.saved, n.link), t = num(n.at), q = q, n = n}
  end
end
if #new > 0 then
  local all = add(nlist, have, new)
  for pos, e in ipairs(all) do
    if e.n then index_sorted(e.q, 'n', pos - 1, e.n.words) else ref(e.q, id, 'n', pos - 1) end
  end
  for _, e in ipairs(new) do
    count_note(e.n)
    contact(e.n.at, e.n.author)
  end
  set[#set + 1], set[#set + 2] = 'notes', fmt(num(c.notes) + #new)
end

-- revisions: those not there yet (as stored)
local rhave = list(rlist, '^{"t":(%-?%d+)')
local rseen = {}
for _, e in ipairs(rhave) do rseen[e.raw] = true end
local rnew = {}
for _, r in ipairs(revs) do
  -- the stored form, as revision() writes it
  local raw = '{"t":' .. r.at .. ',"b":' .. cjson.encode(r.by) .. ',"f":' .. cjson.encode(r.field) ..
    ',"o":' .. cjson.encode(r.from) .. ',"n":' .. cjson.encode(r.to) .. '}'
  if not rseen[raw] then
    rseen[raw] = true
    rnew[#rnew + 1] = {raw = raw, t = num(r.at)}
  end
end
add(rlist, rhave, rnew)

-- deals: those whose ID is not there yet
local ghave = list(glist, '^[^\t]*\t(%-?%d+)\t')
local gseen = {}
for _, e in ipairs(ghave) do gseen[string.match(e.raw, '^([^\t]*)\t') or ''] = true end
local gnew = {}
local sum, count, lastdeal = num(c.deals_sum), num(c.deals_count), num(c.last_deal_at)
for _, d in ipairs(deals) do
  if not gseen[d.id] then
    gseen[d.id] = true
    gnew[#gnew + 1] = {raw = d.raw, t = num(d.at)}
    sum, count = sum + d.amount, count + 1
    if num(d.at) > lastdeal then lastdeal = num(d.at) end
    contact(d.at, d.author)
  end
end
add(glist, ghave, gnew)
if #gnew > 0 then
  set[#set + 1], set[#set + 2] = 'deals_sum', fmt(sum)
  set[#set + 1], set[#set + 2] = 'deals_count', fmt(count)
  set[#set + 1], set[#set + 2] = 'last_deal_at', fmt(lastdeal)
end

-- touches: those not there yet (as stored)
local thave = list(tlist, '^(%-?%d+)\t')
local tseen = {}
for _, e in ipairs(thave) do tseen[e.raw] = true end
local tnew = {}
local side = {customer = num(c.last_customer_at), team = num(c.last_team_at)}
local sidemoved = false
for _, t in ipairs(touches) do
  if not tseen[t.raw] then
    tseen[t.raw] = true
    tnew[#tnew + 1] = {raw = t.raw, t = num(t.at)}
    local s = t.side == 'customer' and 'customer' or 'team'
    if num(t.at) > side[s] then side[s], sidemoved = num(t.at), true end
    contact(t.at, t.author)
  end
end
add(tlist, thave, tnew)
if sidemoved then
  set[#set + 1], set[#set + 2] = 'last_customer_at', fmt(side.customer)
  set[#set + 1], set[#set + 2] = 'last_team_at', fmt(side.team)
end

link_all()

if last ~= num(c.last_contact_at) then
  set[#set + 1], set[#set + 2] = 'last_contact_at', fmt(last)
  set[#set + 1], set[#set + 2] = 'last_contact_by', lastby
end
if #set > 0 then
  redis.call('HSET', ckey, unpack(set))
  index(id, oldstate, state(hgetall(ckey)))
end
learn(dealsbefore)
flush_all()
return {'ok', 0, fadded, #new, #rnew, #gnew, #tnew}
`)
