package storage

import "github.com/redis/go-redis/v9"

// Every script gets the team's key base ("<prefix>smed:{T}:") as KEYS[1] and
// builds the team's other keys from it. Those keys are not declared in KEYS,
// which Redis Cluster formally asks for; in practice they all carry the same
// {T} hash tag, so they hash to KEYS[1]'s slot and the scripts run on Cluster.
//
// Lua numbers are doubles: times in ms (≈1.7e12) are exact, and numbers written
// back are formatted with %.0f so they never turn into "1.7e+12".

// prelude is prepended to every script that changes a customer: it keeps the
// due rule in one place.
const prelude = `
local base = KEYS[1]

-- hgetall returns a hash as a table and as the flat reply.
local function hgetall(key)
  local flat = redis.call('HGETALL', key)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t, flat
end

-- due mirrors smed.Customer.DueAt: last contact (or creation when never
-- contacted) plus the cadence, moved to at least the end of a snooze.
local function due(c)
  local from = tonumber(c.last_contact_at) or 0
  if from == 0 then from = tonumber(c.created_at) or 0 end
  local d = from + (tonumber(c.cadence_days) or 0) * 86400000
  local snooze = tonumber(c.snoozed_until) or 0
  if snooze > d then d = snooze end
  return d
end

-- reindex writes the customer's due time into the team's due index and its
-- owner's, moving it out of old_owner's index when the owner changed.
-- The owners set holds exactly the owners whose index is not empty.
local function reindex(id, c, old_owner)
  local d = string.format('%.0f', due(c))
  local owner = c.owner or ''
  redis.call('ZADD', base .. 'due', d, id)
  if old_owner ~= '' and old_owner ~= owner then
    redis.call('ZREM', base .. 'due:' .. old_owner, id)
    if redis.call('ZCARD', base .. 'due:' .. old_owner) == 0 then
      redis.call('SREM', base .. 'owners', old_owner)
    end
  end
  if owner ~= '' then
    redis.call('ZADD', base .. 'due:' .. owner, d, id)
    redis.call('SADD', base .. 'owners', owner)
  end
end

-- totals keeps the team's customer count and summed value up to date, so
-- coverage needs no scan.
local function totals(dcount, dvalue)
  if dcount ~= 0 then redis.call('HINCRBY', base .. 'totals', 'customers', dcount) end
  if dvalue ~= 0 then
    redis.call('HINCRBY', base .. 'totals', 'value', string.format('%.0f', dvalue))
  end
end

-- create adds a customer under a new ID: name index, display name, hash and
-- totals (the caller reindexes). It refuses an ID already in use.
local function create(id, key, display, owner, value, cadence, created_at, last_contact)
  if redis.call('EXISTS', base .. 'c:' .. id) == 1 then
    return redis.error_reply('ERR smed: generated customer ID already in use')
  end
  redis.call('HSET', base .. 'names', key, id)
  redis.call('HSET', base .. 'display', id, display)
  redis.call('HSET', base .. 'c:' .. id, 'id', id, 'name', display,
    'owner', owner, 'value', value, 'cadence_days', cadence, 'created_at', created_at,
    'last_contact_at', last_contact, 'snoozed_until', '0', 'notes', '0')
  totals(1, tonumber(value) or 0)
end

-- entry is a note or fact as stored in its list.
local function entry(author, at, text)
  return '{"author":' .. cjson.encode(author) .. ',"at":' .. at ..
    ',"text":' .. cjson.encode(text) .. '}'
end
`

// writeScript logs a note or remembers a fact on the customer named by the
// first known candidate, creating it on request; resolution and write are one
// round trip.
//
// KEYS[1]  team key base
// ARGV[1]  "note" or "fact"
// ARGV[2]  author (Slack user ID)
// ARGV[3]  at, unix ms
// ARGV[4]  "1": create the first candidate when none is known
// ARGV[5]  ID for a new customer
// ARGV[6]  cadence days for a new customer
// ARGV[7…] candidates, longest first, as triples: names.Key, display name, rest
//
// Returns false when no candidate is known and none was created (nothing was
// written), else {matched triple (1-based), created 0/1, HGETALL of the
// customer…}. A note sets last_contact_at, bumps the count, adds an activity
// entry and reindexes; a fact only appends.
var writeScript = redis.NewScript(prelude + `
local kind, author, at = ARGV[1], ARGV[2], ARGV[3]
local id, idx
for i = 7, #ARGV, 3 do
  local found = redis.call('HGET', base .. 'names', ARGV[i])
  if found then id, idx = found, i break end
end
local created = 0
if not id then
  if ARGV[4] ~= '1' then return false end
  id, idx = ARGV[5], 7
  local err = create(id, ARGV[7], ARGV[8], author, '0', ARGV[6], at, '0')
  if err then return err end
  created = 1
end
local ckey = base .. 'c:' .. id
local e = entry(author, at, ARGV[idx + 2])
if kind == 'note' then
  redis.call('RPUSH', base .. 'notes:' .. id, e)
  local n = redis.call('HINCRBY', ckey, 'notes', 1)
  -- The clock only moves forward: a note stamped earlier (clock skew between
  -- replicas) must not make a customer look more neglected than it is.
  if tonumber(at) > (tonumber(redis.call('HGET', ckey, 'last_contact_at')) or 0) then
    redis.call('HSET', ckey, 'last_contact_at', at)
  end
  redis.call('ZADD', base .. 'activity', at, id .. ':' .. n .. ':' .. author)
else
  redis.call('RPUSH', base .. 'facts:' .. id, e)
end
local c, flat = hgetall(ckey)
if kind == 'note' or created == 1 then reindex(id, c, c.owner or '') end
return {(idx - 7) / 3 + 1, created, unpack(flat)}
`)

// updateScript applies a partial change to a known customer, optionally only
// while it still has the owner the caller saw (smed.Change.IfOwner): check and
// write in one step, so a concurrent handover cannot slip in between.
//
// KEYS[1]  team key base
// ARGV[1]  names.Key of the customer
// ARGV[2]  "1": apply only if the current owner is ARGV[3]; "0": no condition
// ARGV[3]  the expected owner ("" = nobody); ignored when ARGV[2] is "0"
// ARGV[4…] field/value pairs to set: owner, value, cadence_days, snoozed_until
//
// Returns false when the customer is unknown, 0 when the owner is not the
// expected one (nothing written in either case), else HGETALL of the customer
// after the change.
var updateScript = redis.NewScript(prelude + `
local id = redis.call('HGET', base .. 'names', ARGV[1])
if not id then return false end
local ckey = base .. 'c:' .. id
local old = redis.call('HGET', ckey, 'owner') or ''
if ARGV[2] == '1' and old ~= ARGV[3] then return 0 end
local oldv = tonumber(redis.call('HGET', ckey, 'value')) or 0
for i = 4, #ARGV, 2 do redis.call('HSET', ckey, ARGV[i], ARGV[i + 1]) end
local c, flat = hgetall(ckey)
totals(0, (tonumber(c.value) or 0) - oldv)
reindex(id, c, old)
return flat
`)

// importScript creates a customer or updates an existing one so that applying
// the same record twice changes nothing the second time, and says which
// happened so a re-import is not reported as updates.
//
// KEYS[1]  team key base
// ARGV[1]  names.Key, ARGV[2] display name, ARGV[3] ID for a new customer
// ARGV[4]  owner, ARGV[5] value, ARGV[6] cadence days, as a new customer gets them
// ARGV[7]  which of ARGV[4..6] the record gives: three characters for owner,
// value and cadence, "1" given or "0" absent ("011": no owner column). An
// existing customer takes the given ones and keeps its own for the absent
// ones; a new customer takes ARGV[4..6] as they are (Go sends the defaults
// for absent fields: no owner, 0, the default cadence).
// ARGV[8]  last contact, unix ms; 0 keeps what is there
// ARGV[9]  at, unix ms: creation time of a new customer, time of new facts
// ARGV[10…] facts; each is appended unless a fact with that exact text exists
//
// Returns 1 when the customer was created; 2 when an existing one changed
// (a given owner, value or cadence differed, the last contact moved, or a
// fact was appended); 0 when nothing changed, in which case nothing was
// written.
//
// The last contact is applied when it is later than the stored one or none is
// stored. Value and cadence are compared as numbers: both sides are decimal
// integers (Go writes them), exact as Lua doubles up to smed.MaxValue, and a
// missing field reads as 0 as it does in due().
var importScript = redis.NewScript(prelude + `
local id = redis.call('HGET', base .. 'names', ARGV[1])
local outcome, old = 0, ''
local at = ARGV[9]
if not id then
  id = ARGV[3]
  local err = create(id, ARGV[1], ARGV[2], ARGV[4], ARGV[5], ARGV[6], at, ARGV[8])
  if err then return err end
  outcome = 1
else
  local ckey = base .. 'c:' .. id
  local c = hgetall(ckey)
  old = c.owner or ''
  local given = function(i) return string.sub(ARGV[7], i, i) == '1' end
  local set = {}
  if given(1) and old ~= ARGV[4] then
    set[#set + 1], set[#set + 2] = 'owner', ARGV[4]
  end
  local oldv, newv = tonumber(c.value) or 0, tonumber(ARGV[5]) or 0
  if given(2) and oldv ~= newv then
    totals(0, newv - oldv)
    set[#set + 1], set[#set + 2] = 'value', ARGV[5]
  end
  if given(3) and (tonumber(c.cadence_days) or 0) ~= (tonumber(ARGV[6]) or 0) then
    set[#set + 1], set[#set + 2] = 'cadence_days', ARGV[6]
  end
  if #set > 0 then
    redis.call('HSET', ckey, unpack(set))
    outcome = 2
  end
  local last = tonumber(c.last_contact_at) or 0
  local contact = tonumber(ARGV[8]) or 0
  if contact ~= 0 and (last == 0 or contact > last) then
    redis.call('HSET', ckey, 'last_contact_at', ARGV[8])
    outcome = 2
  end
end
local fkey = base .. 'facts:' .. id
local have = {}
for _, raw in ipairs(redis.call('LRANGE', fkey, 0, -1)) do
  local ok, f = pcall(cjson.decode, raw)
  if ok and type(f) == 'table' and f.text then have[f.text] = true end
end
for i = 10, #ARGV do
  if not have[ARGV[i]] then
    redis.call('RPUSH', fkey, entry('', at, ARGV[i]))
    have[ARGV[i]] = true
    if outcome == 0 then outcome = 2 end
  end
end
if outcome ~= 0 then reindex(id, hgetall(base .. 'c:' .. id), old) end
return outcome
`)

// releaseScript frees a guard key only while it is still claimed, so a late
// Release cannot undo another process's Confirm.
//
// KEYS[1]  the guard key
// Returns 1 when the key was released, else 0.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == 'pending' then
  return redis.call('DEL', KEYS[1])
end
return 0
`)
