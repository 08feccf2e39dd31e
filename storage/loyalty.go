package storage

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/loyalty"
)

var _ smed.Loyalty = (*Store)(nil)

// WithCadenceBounds sets the floor and ceiling of a learned cadence, in days
// (loyalty.Bounds; 0 = no ceiling). The default is loyalty.DefaultConfig's.
// The scripts read them from the team's dval hash, where the Store writes
// them before its first write for a team: replicas should share one
// configuration.
func WithCadenceBounds(floor, ceiling int) Option {
	return func(s *Store) { s.floor, s.ceiling = floor, ceiling }
}

// ensureBounds writes the configured bounds for the team once per Store.
func (s *Store) ensureBounds(ctx context.Context, k keys) error {
	if s.floor == defaultFloor && s.ceiling == defaultCeiling {
		return nil
	}
	if _, done := s.bounded.Load(k.base); done {
		return nil
	}
	if err := s.rdb.HSet(ctx, k.dval(), "floor", s.floor, "ceil", s.ceiling).Err(); err != nil {
		return err
	}
	s.bounded.Store(k.base, true)
	return nil
}

// driftScript reads the drift members of one owner ("" = the team) whose
// start is at or before now, and takes out those whose customer is overdue
// by now (it stays so until a write, which puts it back if it must).
//
// KEYS[1] drift, KEYS[2] due; ARGV[1] owner, ARGV[2] now (ms).
// Returns the IDs, in start order.
var driftScript = newScript("drift", `
local lo = '[' .. ARGV[1] .. '\0'
local hi = '[' .. ARGV[1] .. '\0' .. string.format('%015.0f', tonumber(ARGV[2])) .. '\255'
local now = tonumber(ARGV[2])
local out = {}
for _, m in ipairs(redis.call('ZRANGEBYLEX', KEYS[1], lo, hi)) do
  local id = string.sub(m, -12)
  local due = tonumber(redis.call('ZSCORE', KEYS[2], id) or '')
  if due and due >= now then out[#out + 1] = id else redis.call('ZREM', KEYS[1], m) end
end
return out
`)

// Drifting implements smed.Loyalty: a lex range of the owner's drift
// members, then the hashes of those customers. Its cost grows with the
// customers drifting, not with the team.
func (s *Store) Drifting(ctx context.Context, team, owner string, now time.Time, limit int) ([]smed.DriftingCustomer, int, error) {
	const op = "drifting"
	k, err := s.team(op, team)
	if err != nil {
		return nil, 0, err
	}
	ids, err := driftScript.Run(ctx, s.rdb, []string{k.drift(), k.due()}, owner, toMS(now)).StringSlice()
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	hs, err := s.hashes(ctx, k, ids, slices.Concat(customerFields, []string{"cdays"})...)
	if err != nil {
		return nil, 0, wrap(op, err)
	}
	var out []smed.DriftingCustomer
	for _, m := range hs {
		c, err := decodeCustomer(m)
		if err != nil {
			continue // gone meanwhile
		}
		d := loyalty.DriftOf(c, dayContacts(m["cdays"]), now, time.UTC)
		if d.State != loyalty.StateDrifting {
			continue
		}
		out = append(out, smed.DriftingCustomer{Customer: c, Gaps: d.Gaps})
	}
	slices.SortFunc(out, func(a, b smed.DriftingCustomer) int { return byWorth(a.Customer, b.Customer) })
	return out[:min(len(out), max(limit, 0))], len(out), nil
}

// dayContacts turns a cdays field back into contacts, one at noon of each
// day: what the rhythm and drift rules read of them is their days.
func dayContacts(cdays string) []loyalty.Contact {
	var out []loyalty.Contact
	for f := range strings.SplitSeq(cdays, ",") {
		d, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			continue
		}
		out = append(out, loyalty.Contact{At: time.Unix(d*86400+43200, 0).UTC(), Kind: loyalty.KindNote})
	}
	return out
}

func byWorth(a, b smed.Customer) int {
	return cmp.Or(cmp.Compare(b.Worth(), a.Worth()), cmp.Compare(a.ID, b.ID))
}

// customerFields are the fields decodeCustomer reads: what a list of
// customers needs of their hashes, without who-knows-what (kauth, up to
// 4,000 bytes) and the other loyalty fields.
var customerFields = []string{"id", "name", "owner", "value", "cadence_days", "cadence_set", "created_at",
	"last_contact_at", "last_contact_by", "snoozed_until", "notes", "formerly",
	"deals_sum", "deals_count", "last_deal_at", "last_customer_at", "last_team_at"}

// hashes reads fields of the hashes of ids in pipelined batches, in order; a
// missing customer (or field) is absent from its map.
func (s *Store) hashes(ctx context.Context, k keys, ids []string, fields ...string) ([]map[string]string, error) {
	out := make([]map[string]string, 0, len(ids))
	for chunk := range slices.Chunk(ids, batch) {
		pipe := s.rdb.Pipeline()
		cmds := make([]*redis.SliceCmd, len(chunk))
		for i, id := range chunk {
			cmds[i] = pipe.HMGet(ctx, k.customer(id), fields...)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, err
		}
		for _, c := range cmds {
			m := make(map[string]string, len(fields))
			for i, v := range c.Val() {
				if v, ok := v.(string); ok {
					m[fields[i]] = v
				}
			}
			out = append(out, m)
		}
	}
	return out, nil
}

// Concentrated implements smed.Loyalty: it walks the conc candidates most
// valuable first and checks each at now (loyalty.KnowledgeOf), until limit
// are found.
func (s *Store) Concentrated(ctx context.Context, team string, now time.Time, limit int) ([]smed.Concentration, error) {
	const op = "concentrated"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	var out []smed.Concentration
	const step = 50
	for off := int64(0); len(out) < limit; off += step {
		ids, err := s.rdb.ZRange(ctx, k.conc(), off, off+step-1).Result()
		if err != nil {
			return nil, wrap(op, err)
		}
		hs, err := s.hashes(ctx, k, ids, slices.Concat(customerFields, []string{"kauth"})...)
		if err != nil {
			return nil, wrap(op, err)
		}
		for _, m := range hs {
			c, err := decodeCustomer(m)
			if err != nil {
				continue
			}
			if kn := loyalty.KnowledgeOf(noteContacts(m["kauth"]), now); kn.RestsOnOne() && len(out) < limit {
				out = append(out, smed.Concentration{Customer: c, Author: kn.Author, Notes: kn.Notes, ByAuthor: kn.ByAuthor})
			}
		}
		if len(ids) < step {
			break
		}
	}
	slices.SortStableFunc(out, func(a, b smed.Concentration) int { return byWorth(a.Customer, b.Customer) })
	return out, nil
}

// noteContacts turns a kauth field back into note contacts.
func noteContacts(kauth string) []loyalty.Contact {
	var out []loyalty.Contact
	for e := range strings.SplitSeq(kauth, ";") {
		at, author, ok := strings.Cut(e, ":")
		ms, err := strconv.ParseInt(at, 10, 64)
		if !ok || err != nil {
			continue
		}
		out = append(out, loyalty.Contact{At: fromMS(ms), Kind: loyalty.KindNote, Author: author})
	}
	return out
}

// Repurchase implements smed.Loyalty: two ZCOUNTs and one HMGET of at most
// 449 buckets per sum (the days after the window's first day, the hours
// after its first hour on that day, the minutes from its first minute in
// that hour), so the window is exact to the minute.
func (s *Store) Repurchase(ctx context.Context, team string, now time.Time) (smed.RepurchaseFigures, error) {
	const op = "repurchase"
	k, err := s.team(op, team)
	if err != nil {
		return smed.RepurchaseFigures{}, err
	}
	from := toMS(now.Add(-loyalty.RepurchaseWindow))
	fields := bucketFields(from, toMS(now))
	pipe := s.rdb.Pipeline()
	buyers := pipe.ZCount(ctx, k.buy1(), strconv.FormatInt(from, 10), "+inf")
	returning := pipe.ZCount(ctx, k.buy2(), strconv.FormatInt(from, 10), "+inf")
	vals := pipe.HMGet(ctx, k.dval(), append(prefixed("v", fields), prefixed("r", fields)...)...)
	if _, err := pipe.Exec(ctx); err != nil {
		return smed.RepurchaseFigures{}, wrap(op, err)
	}
	var value, repeat int64
	for i, v := range vals.Val() {
		n, _ := strconv.ParseInt(str(v), 10, 64)
		if i < len(fields) {
			value = smed.AddValue(value, n)
		} else {
			repeat = smed.AddValue(repeat, n)
		}
	}
	return smed.RepurchaseFigures{Buyers: int(buyers.Val()), Returning: int(returning.Val()), Value: value, RepeatValue: repeat}, nil
}

// bucketFields are the dval buckets (without their v/r prefix) that cover
// [from, to]: the minutes of from's hour from from's minute on, the hours
// of from's day after from's hour, the days after from's day up to to's.
func bucketFields(from, to int64) []string {
	const minute, hour, day = 60000, 3600000, 86400000
	var out []string
	fm, fh, fd := floorDiv(from, minute), floorDiv(from, hour), floorDiv(from, day)
	for m := fm; m < (fh+1)*60; m++ {
		out = append(out, "m"+strconv.FormatInt(m, 10))
	}
	for h := fh + 1; h < (fd+1)*24; h++ {
		out = append(out, "h"+strconv.FormatInt(h, 10))
	}
	for d := fd + 1; d <= floorDiv(to, day); d++ {
		out = append(out, "d"+strconv.FormatInt(d, 10))
	}
	return out
}

func prefixed(p string, fs []string) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = p + f
	}
	return out
}

// listingScript records that owner's reminder listed the customers at at,
// first settling each one's listings whose three days are over: a listing
// answered by a contact was counted when the contact came (on_contact); one
// with a snooze in its window is snoozed; the rest were ignored, and grow
// the customer's run.
//
// KEYS[1..T] team keys, KEYS[T+i] c:<id_i>; ARGV[1] owner, ARGV[2] at (ms).
var listingScript = newScript("listing", prelude+`
local owner, at = ARGV[1], num(ARGV[2])
for i = T + 1, #KEYS do
  local v = redis.call('HMGET', KEYS[i], 'id', 'lpend', 'lrun')
  if v[1] then
    local c = {lpend = v[2] or '', lrun = v[3] or '0'}
    local id, set, keep, run = v[1], {}, {}, num(v[3])
    for _, l in ipairs(listings(c.lpend)) do
      if at > l.at + FOLLOWMS then
        if l.flag == 's' then
          redis.call('HINCRBY', K.ftc, l.owner .. '\0s', 1)
          run = 0
        else
          redis.call('HINCRBY', K.ftc, l.owner .. '\0i', 1)
          run = run + 1
        end
      else
        keep[#keep + 1] = l
      end
    end
    keep[#keep + 1] = {at = at, owner = owner, flag = 'p'}
    while #keep > 8 do table.remove(keep, 1) end
    set[1], set[2] = 'lpend', listings_str(keep)
    if run ~= num(v[3]) then set_run(id, c, run, set) end
    redis.call('HSET', KEYS[i], unpack(set))
  end
end
return 1
`)

// RecordListing implements smed.Loyalty, one script per batch of customers.
func (s *Store) RecordListing(ctx context.Context, team, owner string, ids []string, at time.Time) error {
	const op = "record listing"
	k, err := s.team(op, team)
	if err != nil {
		return err
	}
	for chunk := range slices.Chunk(ids, batch) {
		keyList := k.teamKeys(len(chunk))
		for _, id := range chunk {
			if !idRE.MatchString(id) {
				return invalid(op, "customer ID %q", id)
			}
			keyList = append(keyList, k.customer(id))
		}
		if err := listingScript.Run(ctx, s.rdb, keyList, owner, toMS(at)).Err(); err != nil {
			return wrap(op, err)
		}
	}
	return nil
}

// IgnoredRuns implements smed.Loyalty: a score range of ign, then the
// customers in it.
func (s *Store) IgnoredRuns(ctx context.Context, team string, times, limit int) ([]smed.Ignored, error) {
	const op = "ignored runs"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	zs, err := s.rdb.ZRangeByScoreWithScores(ctx, k.ign(), &redis.ZRangeBy{Min: strconv.Itoa(max(times, 1)), Max: "+inf"}).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	ids := make([]string, len(zs))
	for i, z := range zs {
		ids[i] = str(z.Member)
	}
	hs, err := s.hashes(ctx, k, ids, customerFields...)
	if err != nil {
		return nil, wrap(op, err)
	}
	var out []smed.Ignored
	for i, m := range hs {
		if c, err := decodeCustomer(m); err == nil {
			out = append(out, smed.Ignored{Customer: c, Times: int(zs[i].Score)})
		}
	}
	slices.SortFunc(out, func(a, b smed.Ignored) int { return byWorth(a.Customer, b.Customer) })
	return out[:min(len(out), max(limit, 0))], nil
}

// FollowThroughs implements smed.Loyalty from the ftc counters.
func (s *Store) FollowThroughs(ctx context.Context, team string) (map[string]smed.FollowThrough, error) {
	const op = "follow-through"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	m, err := s.rdb.HGetAll(ctx, k.ftc()).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	out := map[string]smed.FollowThrough{}
	for f, v := range m {
		owner, kind, ok := strings.Cut(f, "\x00")
		n, err := strconv.Atoi(v)
		if !ok || err != nil {
			continue
		}
		ft := out[owner]
		switch kind {
		case "c":
			ft.Contacted += n
		case "s":
			ft.Snoozed += n
		case "i":
			ft.Ignored += n
		default:
			continue
		}
		ft.Listed += n
		out[owner] = ft
	}
	return out, nil
}

// snapshotKeep is how long SaveSnapshot keeps a day's figures.
const snapshotKeep = 60 * smed.Day

// SaveSnapshot implements smed.Loyalty: HSETNX, so the first of a day wins,
// and days older than snapshotKeep go.
func (s *Store) SaveSnapshot(ctx context.Context, team string, snap smed.TeamSnapshot) error {
	const op = "save snapshot"
	k, err := s.team(op, team)
	if err != nil {
		return err
	}
	day, err := time.Parse(time.DateOnly, snap.Date)
	if err != nil {
		return invalid(op, "date %q", snap.Date)
	}
	b, err := json.Marshal(snapshotJSON(snap))
	if err != nil {
		return fmt.Errorf("storage: %s: %w", op, err)
	}
	if err := s.rdb.HSetNX(ctx, k.snap(), snap.Date, b).Err(); err != nil {
		return wrap(op, err)
	}
	dates, err := s.rdb.HKeys(ctx, k.snap()).Result()
	if err != nil {
		return wrap(op, err)
	}
	cut := day.Add(-snapshotKeep).Format(time.DateOnly)
	var old []string
	for _, d := range dates {
		if d < cut {
			old = append(old, d)
		}
	}
	if len(old) > 0 {
		return wrap(op, s.rdb.HDel(ctx, k.snap(), old...).Err())
	}
	return nil
}

type snapshotJSON struct {
	Date      string `json:"date"`
	Customers int    `json:"customers"`
	Overdue   int    `json:"overdue"`
	Value     int64  `json:"value"`
	AtRisk    int64  `json:"at_risk"`
	Buyers    int    `json:"buyers"`
	Returning int    `json:"returning"`
}

// Snapshots implements smed.Loyalty.
func (s *Store) Snapshots(ctx context.Context, team string, dates []string) ([]smed.TeamSnapshot, error) {
	const op = "snapshots"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	if len(dates) == 0 {
		return nil, nil
	}
	vals, err := s.rdb.HMGet(ctx, k.snap(), dates...).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	var out []smed.TeamSnapshot
	for _, v := range vals {
		raw, ok := v.(string)
		if !ok {
			continue
		}
		var j snapshotJSON
		if err := json.Unmarshal([]byte(raw), &j); err != nil {
			return nil, wrapf(op, "snapshot: %v", err)
		}
		out = append(out, smed.TeamSnapshot(j))
	}
	return out, nil
}
