package storage

// The scripts of links, touches, deals and undo. Like every write script they
// get the team keys first (see scripts.go) and go through the prelude's
// index, state (worth) and contact, so the indexes stay exact.

// linkScript links a channel to a customer: the links hash and the
// customer's l: set in one step.
//
// KEYS[1..T] team keys, KEYS[T+1] c:<id>, KEYS[T+2] l:<id>.
// ARGV[1] channel, [2] id.
//
// Returns {"none"} when the customer does not exist, {"conflict", other id}
// when the channel is linked to another customer (nothing written), else
// {"ok", 0 already linked to it | 1 linked now}.
var linkScript = newScript("link", prelude+`
if redis.call('EXISTS', KEYS[T + 1]) == 0 then return {'none'} end
local other = redis.call('HGET', K.links, ARGV[1])
if other and other ~= ARGV[2] then return {'conflict', other} end
if other then return {'ok', 0} end
redis.call('HSET', K.links, ARGV[1], ARGV[2])
redis.call('SADD', KEYS[T + 2], ARGV[1])
return {'ok', 1}
`)

// unlinkScript ends a channel's link. Go read which customer it was linked
// to and declares that customer's keys; the script checks it still is.
//
// KEYS[1..T] team keys, KEYS[T+1] c:<id>, KEYS[T+2] l:<id>.
// ARGV[1] channel, [2] the id Go read.
//
// Returns {"none"} when the channel is not linked, {"moved", id} when it is
// linked to another customer than Go read (nothing written), else {"ok",
// the customer's display name}.
var unlinkScript = newScript("unlink", prelude+`
local id = redis.call('HGET', K.links, ARGV[1])
if not id then return {'none'} end
if id ~= ARGV[2] then return {'moved', id} end
redis.call('HDEL', K.links, ARGV[1])
redis.call('SREM', KEYS[T + 2], ARGV[1])
return {'ok', redis.call('HGET', KEYS[T + 1], 'name') or ''}
`)

// touchScript records a message in a linked channel on the customer it is
// linked to. Which customer that is, is known only after reading links: Go
// read it (HGET) and declares that customer's keys, and the script checks
// the link still holds ("moved" precondition).
//
// KEYS[1..T] team keys, KEYS[T+1] c:<id>, KEYS[T+2] t:<id>.
// ARGV[1] channel, [2] the id Go read, [3] at (ms), [4] author, [5] side
// ("team" or "customer"), [6] the message's ts.
//
// The touch goes into t:<id> in time order. A touch of the same channel and
// ts recorded already (Slack delivered the message twice) is not counted
// again: nothing is written. Otherwise the clock moves forward only
// (contact) and the side's last message time (last_customer_at or
// last_team_at) too.
//
// Returns {"none"} when the channel is not linked (or its customer is gone),
// {"moved", id} (nothing written), else {"ok", 1 recorded | 0 already there,
// HGETALL of the customer after…}.
var touchScript = newScript("touch", prelude+`
local id = redis.call('HGET', K.links, ARGV[1])
if not id then return {'none'} end
if id ~= ARGV[2] then return {'moved', id} end
local ckey = KEYS[T + 1]
local c, flat = hgetall(ckey)
if not c.id then return {'none'} end
local at = ARGV[3]
local tail = '\t' .. ARGV[1] .. '\t' .. ARGV[6]
local rec = at .. '\t' .. ARGV[4] .. '\t' .. ARGV[5] .. tail
local fresh = insert_timed(KEYS[T + 2], rec, num(at), touch_time,
  function(raw) return string.sub(raw, -#tail) == tail end)
if not fresh then return {'ok', 0, unpack(flat)} end
local old = state(c)
local set = {}
local side = ARGV[5] == 'customer' and 'last_customer_at' or 'last_team_at'
if num(at) > num(c[side]) then
  set[#set + 1], set[#set + 2] = side, at
  c[side] = at
end
contact(id, c, set, at, ARGV[4], 't', ARGV[5])
if #set > 0 then redis.call('HSET', ckey, unpack(set)) end
index(id, old, state(c))
local _, after = hgetall(ckey)
return {'ok', 1, unpack(after)}
`)

// dealScript logs a deal on the customer named by the first known reading
// (or by ID), resolved as writeScript resolves a note: Go declares, for each
// reading, the keys of the customer it expects.
//
// KEYS[1..T] team keys; for reading j KEYS[T+2j-1] c:<id_j>, KEYS[T+2j]
// g:<id_j>.
// ARGV[1] author, [2] at (ms), [3] amount, [4] deal ID ("": the next team
// sequence number; set, derived from the request's Key, it makes the deal
// idempotent), [5] R readings; for reading j ARGV[3+3j] names.Key ("" =
// address ARGV[4+3j] as an ID), [4+3j] the ID expected, [5+3j] the text.
//
// The deal goes into g:<id> in time order; deals_sum (at most
// smed.MaxValue), deals_count and last_deal_at follow, the clock moves
// forward only (contact), and the customer is reindexed: its worth may grow.
//
// Returns {"none"}, {"moved", j, id} (nothing written), {"dup", j, deal ID,
// HGETALL…} when the customer has a deal of that ID already (nothing
// written), else {"ok", j, deal ID, HGETALL of the customer after…}.
var dealScript = newScript("deal", prelude+`
local author, at, amount, did = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local R = tonumber(ARGV[5])
local j, id
if ARGV[6] == '' then
  j, id = 1, ARGV[7]
else
  j, id = first_known(R, 3, 3)
  if not j then return {'none'} end
  if id ~= ARGV[4 + 3 * j] then return {'moved', j, id} end
end
local ckey, gkey = KEYS[T + 2 * j - 1], KEYS[T + 2 * j]
local c, flat = hgetall(ckey)
if not c.id then return {'none'} end
if did ~= '' then
  local head = did .. '\t'
  for _, raw in ipairs(redis.call('LRANGE', gkey, 0, -1)) do
    if string.sub(raw, 1, #head) == head then return {'dup', j, did, unpack(flat)} end
  end
else
  did = fmt(redis.call('INCR', K.seq))
end
local old = state(c)
local before = redis.call('LRANGE', gkey, 0, -1)
insert_timed(gkey, did .. '\t' .. at .. '\t' .. author .. '\t' .. amount .. '\t' .. ARGV[5 + 3 * j],
  num(at), deal_time)
local set = {}
local function put(f, v) set[#set + 1], set[#set + 2] = f, v; c[f] = v end
put('deals_sum', fmt(math.min(num(c.deals_sum) + num(amount), MAXVALUE)))
put('deals_count', fmt(num(c.deals_count) + 1))
if num(at) > num(c.last_deal_at) then put('last_deal_at', at) end
contact(id, c, set, at, author, 'd')
deal_figures(id, before, redis.call('LRANGE', gkey, 0, -1))
redis.call('HSET', ckey, unpack(set))
index(id, old, state(c))
local _, after = hgetall(ckey)
return {'ok', j, did, unpack(after)}
`)

// unwriteScript takes back one note or fact (undo): the entry whose record
// starts with its sequence number.
//
// KEYS[1..T] team keys, KEYS[T+1] c:<id>, KEYS[T+2] n:<id> (note) or
// f:<id> (fact), KEYS[T+3] g:<id>, KEYS[T+4] t:<id>, KEYS[T+5] d:<day> of
// the entry's time as Go knows it.
// ARGV[1] "n" or "f", [2] the entry's sequence number, [3] that day number.
//
// A note's removal lowers the note count and the author's count of that day,
// rewrites the refs of the notes after it (their positions moved), and, when
// it was the last contact, moves the clock back to the latest contact that
// remains (notes, deals, touches; none: never contacted); the customer is
// reindexed. The entry's ref is cleared (so LastWritten and Find see it
// gone). The author's undo pointer is cleared when it still points at the
// entry.
//
// Returns {"none"} when the customer or the entry is gone, else {"ok",
// HGETALL of the customer after…}.
var unwriteScript = newScript("unwrite", prelude+`
local kind, seq = ARGV[1], ARGV[2]
local ckey, lkey = KEYS[T + 1], KEYS[T + 2]
local c = hgetall(ckey)
if not c.id then return {'none'} end
local head = seq .. '\t'
local list = redis.call('LRANGE', lkey, 0, -1)
local pos, raw
for i, r in ipairs(list) do
  if string.sub(r, 1, #head) == head then pos, raw = i, r break end
end
if not pos then return {'none'} end
local _, at, author = string.match(raw, '^(%d+)\t(%-?%d+)\t([^\t]*)\t')
redis.call('LREM', lkey, 1, raw)
if num(seq) <= MAXSEQ then redis.call('SETRANGE', K.refs, num(seq) * 11, string.rep('\0', 11)) end
if kind == 'n' then
  for i = pos + 1, #list do
    ref(num(string.match(list[i], '^(%d+)\t')), c.id, 'n', i - 2)
  end
  local old = state(c)
  c.notes = fmt(math.max(num(c.notes) - 1, 0))
  local set = {'notes', c.notes}
  if num(at) == num(c.last_contact_at) and author == (c.last_contact_by or '') then
    -- back to the latest contact that remains (the later one on ties)
    local best, by = 0, ''
    local function see(t, a)
      if num(t) > 0 and num(t) >= best then best, by = num(t), a end
    end
    for i, r in ipairs(list) do
      if i ~= pos then
        local _, t, a = string.match(r, '^(%d+)\t(%-?%d+)\t([^\t]*)\t')
        see(t, a)
      end
    end
    -- deals and touches are kept in time order: their latest is their last
    local d = redis.call('LINDEX', KEYS[T + 3], -1)
    if d then see(string.match(d, '^[^\t]*\t(%-?%d+)\t([^\t]*)\t')) end
    local tc = redis.call('LINDEX', KEYS[T + 4], -1)
    if tc then see(string.match(tc, '^(%-?%d+)\t([^\t]*)\t')) end
    c.last_contact_at, c.last_contact_by = fmt(best), by
    set[3], set[4], set[5], set[6] = 'last_contact_at', c.last_contact_at, 'last_contact_by', by
  end
  -- the loyalty fields, from the contacts that remain
  local times, known = {}, {}
  for i, r in ipairs(list) do
    if i ~= pos then
      local _, t, a = string.match(r, '^(%d+)\t(%-?%d+)\t([^\t]*)\t')
      times[#times + 1], known[#known + 1] = num(t), {num(t), a or ''}
    end
  end
  for _, r in ipairs(redis.call('LRANGE', KEYS[T + 3], 0, -1)) do
    times[#times + 1] = num(string.match(r, '^[^\t]*\t(%-?%d+)\t'))
  end
  for _, r in ipairs(redis.call('LRANGE', KEYS[T + 4], 0, -1)) do
    times[#times + 1] = num(string.match(r, '^(%-?%d+)\t'))
  end
  c.cdays, c.kauth = days_of(times), kauth_of(known)
  set[#set + 1], set[#set + 2] = 'cdays', c.cdays
  set[#set + 1], set[#set + 2] = 'kauth', c.kauth
  relearn(c, set)
  conc_mark(c.id, c, set)
  redis.call('HSET', ckey, unpack(set))
  index(c.id, old, state(c))
  if ARGV[3] == fmt(math.floor(num(at) / 86400000)) then
    if redis.call('HINCRBY', KEYS[T + 5], author, -1) <= 0 then redis.call('HDEL', KEYS[T + 5], author) end
  end
end
-- the pointer may name the customer the entry was merged away from: an
-- entry is known by its kind and sequence number alone
local ptr = redis.call('HGET', K.undo, author)
if ptr then
  local pk, pq = string.match(ptr, '^[^\t]*\t([nf])\t(%d+)\t')
  if pk == kind and pq == seq then redis.call('HDEL', K.undo, author) end
end
local _, after = hgetall(ckey)
return {'ok', unpack(after)}
`)
