package storage

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

// Bounds of a near-miss lookup, so that a short or common typed name cannot
// make one request read a large part of the team's names: each prefix range
// reads at most 4×limit (at least 16, at most prefixLimit) members, and at
// most candidateCap distinct candidates are verified at a time (their nm
// records fetched and checked with names.Near). A near-miss lookup whose
// candidates pass the cap, and that found none near in them, reads the next
// candidateCap, up to nearPages pages; the type-ahead reads one. With
// realistic names a lookup finds a handful; a typed "a" in a team of a
// million finds the first prefixLimit names in index order.
//
// A signature holds at most sigMax IDs: past that it stops growing (see
// name_add in the prelude). Such a signature is one that thousands of names
// of one length share, like a legal-form suffix; a near-miss whose only
// intact segments are that common may then not be found.
const (
	prefixLimit  = 200
	candidateCap = 1000
	sigMax       = 2048
)

// nameInfo is a name prepared for the name indexes.
type nameInfo struct {
	key, fold, display string
	lname              string   // lnameOf(display): the name tie-break of List
	sigs               string   // the sig fields of Key's and Fold's signatures, 8 bytes each
	words              []string // names.Words: the name as a search entry
}

// nameOf prepares a name, and says whether it can name a customer at all:
// not empty, and at most smed.MaxNameRunes runes of display form, counted as
// the Slack edge counts them.
func nameOf(name string) (nameInfo, bool) {
	name = clean(name)
	n := nameInfo{key: names.Key(name), display: names.Display(name)}
	if n.key == "" || utf8.RuneCountInString(n.display) > smed.MaxNameRunes {
		return nameInfo{}, false
	}
	n.fold = names.Fold(name)
	n.lname = lnameOf(n.display)
	n.sigs = sigsOf(n.key, n.fold)
	n.words = names.Words(n.key)
	return n, true
}

// lnameOf is how smed.CompareUrgency compares names (strings.ToLower), as
// vcd orders a tie; without NUL, which separates it from the ID there.
func lnameOf(display string) string {
	return strings.ReplaceAll(strings.ToLower(display), "\x00", "")
}

// nameKey is the name's Key and whether it can name a customer (as nameOf
// says), without preparing its index entries.
func nameKey(name string) (string, bool) {
	name = clean(name)
	key := names.Key(name)
	// Display only folds spaces: a name short enough as typed is short
	// enough displayed, and only a long one needs the display form counted.
	if key == "" || utf8.RuneCountInString(name) > smed.MaxNameRunes && utf8.RuneCountInString(names.Display(name)) > smed.MaxNameRunes {
		return "", false
	}
	return key, true
}

// indexed is the nameInfo of a name as the indexes hold it (its nm record),
// whatever names.Key would say of its display form today.
func (m meta) indexed() nameInfo {
	return nameInfo{key: m.key, fold: m.fold, display: m.display, sigs: sigsOf(m.key, m.fold), words: names.Words(m.key)}
}

// sigsOf is the sig fields of a name's Key and Fold, each once.
func sigsOf(key, fold string) string { return fieldsOf(key, fold, names.Signatures) }

// fieldsOf is the sig fields of sigs of a name's Key and of its Fold, each
// once.
func fieldsOf(key, fold string, sigs func(string) []string) string {
	var b strings.Builder
	seen := map[string]bool{}
	for i, x := range [2]string{key, fold} {
		if i == 1 && fold == key {
			break // most names: the same signatures again
		}
		for _, sg := range sigs(x) {
			if f := sigField(sg); !seen[f] {
				seen[f] = true
				b.WriteString(f)
			}
		}
	}
	return b.String()
}

// args are ARGV[1..4] of a name.
func (n nameInfo) args() []any { return []any{n.key, n.fold, n.display, n.sigs} }

// meta is an nm record: Key, Fold and display of a customer's name.
type meta struct{ key, fold, display string }

func parseMeta(v string) (meta, bool) {
	p := strings.SplitN(v, "\x00", 3)
	if len(p) != 3 {
		return meta{}, false
	}
	return meta{p[0], p[1], p[2]}, true
}

// resolveScript finds the first of several name keys that is known.
//
// KEYS[1] names, KEYS[2] nm; ARGV the keys, longest reading first.
// Returns {index (1-based), id, nm record} or {} when none is known.
var resolveScript = newScript("resolve", `
if #ARGV == 0 then return {} end
local ids = redis.call('HMGET', KEYS[1], unpack(ARGV))
for i = 1, #ARGV do
  if ids[i] then return {i, ids[i], redis.call('HGET', KEYS[2], ids[i]) or ''} end
end
return {}
`)

// Resolve returns the first of ns that names a known customer: one round
// trip, none when every name is longer than the team's longest as a script
// told it just now (freshMaxname: a note that missed has, and the whole
// text of that note is then asked about).
func (s *Store) Resolve(ctx context.Context, team string, ns []string) (smed.NameRef, int, error) {
	const op = "resolve"
	k, err := s.team(op, team)
	if err != nil {
		return smed.NameRef{}, 0, err
	}
	maxname := s.freshMaxname(k)
	var args []any
	var at []int // at[i] is the index in ns of the i-th key sent
	for i, n := range ns {
		if key, ok := nameKey(n); ok && (maxname < 0 || utf8.RuneCountInString(key) <= maxname) {
			args = append(args, key)
			at = append(at, i)
		}
	}
	if len(args) == 0 {
		return smed.NameRef{}, 0, wrap(op, redis.Nil)
	}
	res, err := resolveScript.Run(ctx, s.rdb, []string{k.names(), k.nm()}, args...).Slice()
	if err != nil {
		return smed.NameRef{}, 0, wrap(op, err)
	}
	if len(res) != 3 {
		return smed.NameRef{}, 0, wrap(op, redis.Nil)
	}
	i, _ := res[0].(int64)
	id, _ := res[1].(string)
	m, _ := parseMeta(str(res[2]))
	if i < 1 || int(i) > len(at) {
		return smed.NameRef{}, 0, wrapf(op, "script answered reading %d of %d", i, len(at))
	}
	return smed.NameRef{ID: id, Name: m.display}, at[i-1], nil
}

// nearScript gathers near-miss candidates: which readings are known, and the
// customers found by prefix ranges and edit probes, with their nm records.
// It reads only what the lookups name (bounded as the constants above say).
//
// KEYS[1] names, [2] nidx, [3] sig, [4] nm, [5] totals
// ARGV[1] R readings, [2] NP prefixes, [3] NF probes, [4] prefix limit, [5]
// candidate cap, [6] enough: skip the probes when the prefix ranges found
// that many candidates (0: never), [7] the maxname Go knows (-1: none), [8]
// NL narrow legacy probes (-1: none, as the team has the edits mark; the
// script answers {'legacy'} when it has not), [9] NO older legacy probes,
// then R name keys, NP prefixes, NF sig fields, NL and NO legacy sig fields
// (looked up only in a team without the edits mark, the older ones only
// without the narrow mark as well: names.LegacyProbes), and last the number
// of candidates to skip (a later page of the same lookup).
// Returns {known flags (1/0 per reading), candidate IDs, their nm records,
// maxname, 1 when candidates were left past the cap, 1 when the team has
// the edits mark}.
var nearScript = newScript("near", `
local R, NP, NF = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local PLIM, CAP, ENOUGH = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local NL, NO = tonumber(ARGV[8]), tonumber(ARGV[9])
local t = redis.call('HMGET', KEYS[5], 'maxname', 'narrow', 'edits')
local maxname = tonumber(t[1] or '-1')
if tonumber(ARGV[7]) >= 0 and maxname > tonumber(ARGV[7]) then return {'max', maxname} end
-- NL -1: Go left the legacy probes out, having seen the edits mark
if NL < 0 then
  if t[3] ~= '2' then return {'legacy'} end
  NL = 0
end
local known = {}
if R > 0 then
  local ids = redis.call('HMGET', KEYS[1], unpack(ARGV, 10, 9 + R))
  for i = 1, R do known[i] = ids[i] and 1 or 0 end
end
-- SKIP: candidates of earlier pages, in the same (deterministic) order;
-- more: some candidate was left past the cap.
local SKIP = tonumber(ARGV[10 + R + NP + NF + NL + NO] or '0')
local all, seen, n, count, more = {}, {}, 0, 0, 0
local function add(id)
  if seen[id] then return end
  seen[id] = true
  count = count + 1
  if count <= SKIP then return end
  if n < CAP then
    n = n + 1
    all[n] = id
  else
    more = 1
  end
end
for i = 10 + R, 9 + R + NP do
  local p = ARGV[i]
  for _, m in ipairs(redis.call('ZRANGEBYLEX', KEYS[2], '[' .. p, '(' .. p .. '\255', 'LIMIT', 0, PLIM)) do
    add(string.sub(m, -12))
  end
end
-- Probe lists smallest first: when the cap is reached, the candidates
-- dropped are those of the least selective signatures (a common suffix
-- such as " a/s"), and a pair within budget shares some signature.
-- The legacy probes come last: an index kept since before the edit index
-- (no edits mark) needs them too, and the older ones when it was kept since
-- before names of 6 to 8 runes had two-segment signatures (no narrow mark).
local first, last = 10 + R + NP, 9 + R + NP + NF
local edits = t[3] == '2' and 1 or 0
if edits == 0 then
  last = last + NL
  if t[2] ~= '1' then last = last + NO end
end
if ENOUGH > 0 and n >= ENOUGH then last = first - 1 end
local lists = {}
for s = first, last, 500 do
  local vs = redis.call('HMGET', KEYS[3], unpack(ARGV, s, math.min(s + 499, last)))
  for _, v in ipairs(vs) do
    if v then lists[#lists + 1] = v end
  end
end
-- smallest first, equal sizes in probe order: every page sorts alike
for i, v in ipairs(lists) do lists[i] = {v, i} end
table.sort(lists, function(a, b) return #a[1] < #b[1] or (#a[1] == #b[1] and a[2] < b[2]) end)
for _, l in ipairs(lists) do
  if more == 1 then break end
  local v = l[1]
  for o = 1, #v, 12 do
    add(string.sub(v, o, o + 11))
    if more == 1 then break end
  end
end
local metas = {}
for s = 1, n, 500 do
  local vs = redis.call('HMGET', KEYS[4], unpack(all, s, math.min(s + 499, n)))
  for _, v in ipairs(vs) do metas[#metas + 1] = v or '' end
end
return {known, all, metas, maxname, more, edits}
`)

// typedName is one typed reading, normalised once.
type typedName struct {
	key, fold string
}

// mayBeNear rules out, by byte length alone, candidates that names.Near
// would refuse: a typed key longer than the known one cannot be its prefix,
// and two edits change a length by at most 8 bytes (2 runes of at most 4).
func mayBeNear(t typedName, m meta) bool {
	if len(m.key) >= len(t.key) || len(m.fold) >= len(t.fold) {
		return true // a prefix hit is possible
	}
	return len(t.key)-len(m.key) <= 8 || len(t.fold)-len(m.fold) <= 8
}

// candidates runs nearScript for readings (checked for being known) and the
// prefixes and probes of lookups, and returns which readings are known and
// the candidates found: page skip/candidateCap of them, and whether there
// are more.
func (s *Store) candidates(ctx context.Context, k keys, readings, lookups []typedName, limit, enough, skip int) ([]bool, map[string]meta, bool, error) {
	maxname := s.knownMaxname(k)
	for {
		res, err := s.runNear(ctx, k, readings, lookups, limit, enough, maxname, skip)
		if err != nil {
			return nil, nil, false, err
		}
		if len(res) == 2 && str(res[0]) == "max" {
			m, _ := res[1].(int64)
			if int(m) <= maxname {
				return nil, nil, false, errorf("near-miss script: maxname %d is not above %d", m, maxname)
			}
			maxname = int(m)
			s.maxname.Store(k.base, maxname)
			continue
		}
		if len(res) == 1 && str(res[0]) == "legacy" {
			s.edits.Delete(k.base) // the data is not what this process saw
			continue
		}
		if len(res) != 6 {
			return nil, nil, false, errorf("near-miss script answered %d values, want 6", len(res))
		}
		s.seeMaxname(k, res[3])
		if e, _ := res[5].(int64); e == 1 {
			s.edits.Store(k.base, true)
		}
		more, _ := res[4].(int64)
		known, cands := nearResult(readings, res)
		return known, cands, more == 1, nil
	}
}

// grewName follows a name this process gave a customer in the maxname it
// knows (when it knows one: else the next script tells it).
func (s *Store) grewName(k keys, n nameInfo) {
	if s.knownMaxname(k) >= 0 {
		s.growMaxname(k, max(utf8.RuneCountInString(n.key), utf8.RuneCountInString(n.fold)))
	}
}

// freshFor is how long a maxname a script told is trusted without asking
// (Resolve): long enough for the steps of one request, short enough that a
// longer name another replica made is seen soon.
const freshFor = 2 * time.Second

// freshMaxname is the team's maxname when a script told it within freshFor,
// else -1.
func (s *Store) freshMaxname(k keys) int {
	if at, ok := s.maxnameAt.Load(k.base); !ok || time.Since(at.(time.Time)) > freshFor {
		return -1
	}
	return s.knownMaxname(k)
}

// knownMaxname is the team's maxname as last seen, -1 when unknown.
func (s *Store) knownMaxname(k keys) int {
	if v, ok := s.maxname.Load(k.base); ok {
		return v.(int)
	}
	return -1
}

// seeMaxname keeps the team's maxname a script answered (an int64; -1: the
// team keeps none), so that the next lookup leaves out readings longer than
// any name. It only grows, as the team's does.
func (s *Store) seeMaxname(k keys, v any) {
	m, ok := v.(int64)
	if !ok || m < 0 {
		return
	}
	s.maxnameAt.Store(k.base, time.Now())
	s.growMaxname(k, int(m))
}

// growMaxname raises the maxname known of the team to m.
func (s *Store) growMaxname(k keys, m int) {
	if old, ok := s.maxname.Load(k.base); !ok || old.(int) < m {
		s.maxname.Store(k.base, m)
	}
}

// longer reports whether a typed name has more runes, key and fold alike,
// than two edits beyond maxname: no name can be near it, nor start with it.
func longer(t typedName, maxname int) bool {
	return maxname >= 0 && min(utf8.RuneCountInString(t.key), utf8.RuneCountInString(t.fold)) > maxname+2
}

// runNear runs nearScript once, leaving out the lookups longer than any name
// the team has (maxname, -1: unknown).
func (s *Store) runNear(ctx context.Context, k keys, readings, lookups []typedName, limit, enough, maxname, skip int) ([]any, error) {
	// A team known to have the edits mark needs no legacy probes (the
	// mark, once set, stays): they are not even computed.
	_, marked := s.edits.Load(k.base)
	prefixes, probes, narrow, older := lookupFields(lookups, maxname, !marked)
	args := make([]any, 0, 10+len(readings)+len(prefixes)+len(probes)+len(narrow)+len(older))
	// The first limit prefix hits by key are among the first members of a
	// range (a key range holds keys in key order, and a fold member only
	// when its fold starts with the typed key): a few times limit suffice.
	plim := min(prefixLimit, max(4*limit, 16))
	nl := len(narrow)
	if marked {
		nl = -1
	}
	args = append(args, len(readings), len(prefixes), len(probes), plim, candidateCap, enough, maxname, nl, len(older))
	for _, r := range readings {
		args = append(args, r.key)
	}
	for _, group := range [][]string{prefixes, probes, narrow, older} {
		for _, f := range group {
			args = append(args, f)
		}
	}
	args = append(args, skip)
	return nearScript.Run(ctx, s.rdb, []string{k.names(), k.nidx(), k.sig(), k.nm(), k.totals()}, args...).Slice()
}

// lookupFields are what nearScript looks up for the lookups within two
// edits of maxname: the prefixes (key and fold) for the name index's ranges,
// the sig fields of their edit-index probes (names.Probes), and with legacy
// those of the index kept before it (names.LegacyProbes), each once.
func lookupFields(lookups []typedName, maxname int, legacy bool) (prefixes, probes, narrow, older []string) {
	seenP, seenF := map[string]bool{}, map[string]bool{}
	field := func(to *[]string, ps []string) {
		for _, pr := range ps {
			if f := sigField(pr); !seenF[f] {
				seenF[f] = true
				*to = append(*to, f)
			}
		}
	}
	for _, t := range lookups {
		if longer(t, maxname) {
			continue
		}
		for _, p := range []string{t.key, t.fold} {
			if p != "" && !seenP[p] {
				seenP[p] = true
				prefixes = append(prefixes, p)
			}
		}
		b, bf := names.Budgets(t.key, t.fold)
		for i, x := range [2]string{t.key, t.fold} {
			if i == 1 {
				if x == t.key {
					break // most names: the same probes again
				}
				b = bf
			}
			field(&probes, names.Probes(x, b))
			if legacy {
				n, o := names.LegacyProbes(x, b)
				field(&narrow, n)
				field(&older, o)
			}
		}
	}
	return prefixes, probes, narrow, older
}

// typedNames normalises typed names for a lookup, leaving out those that
// have no key.
func typedNames(typed []string) []typedName {
	var ts []typedName
	for _, t := range typed {
		if key := names.Key(t); key != "" {
			ts = append(ts, typedName{key, names.Fold(t)})
		}
	}
	return ts
}

// nearResult reads nearScript's answer.
func nearResult(readings []typedName, res []any) ([]bool, map[string]meta) {
	flags, _ := res[0].([]any)
	ids, _ := res[1].([]any)
	metas, _ := res[2].([]any)
	known := make([]bool, len(readings))
	for i := range known {
		if i < len(flags) {
			f, _ := flags[i].(int64)
			known[i] = f == 1
		}
	}
	out := make(map[string]meta, len(ids))
	for i, id := range ids {
		if i < len(metas) {
			if m, ok := parseMeta(str(metas[i])); ok {
				out[str(id)] = m
			}
		}
	}
	return known, out
}

// NearMisses answers from the name and edit indexes in one round trip: which
// readings are known (they have no near-misses), and the candidates of the
// others, verified with names.Near.
func (s *Store) NearMisses(ctx context.Context, team string, typed []string, limit int) ([]smed.NameRef, error) {
	const op = "near misses"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	ts := typedNames(typed)
	if len(ts) == 0 || limit <= 0 {
		return nil, nil
	}
	// A lookup whose candidates pass the cap and that found nothing in
	// them reads the next page: a typo then costs more, but is still
	// caught rather than made a second customer.
	for page := 0; ; page++ {
		known, cands, more, err := s.candidates(ctx, k, ts, ts, limit, 0, page*candidateCap)
		if err != nil {
			return nil, wrap(op, err)
		}
		if out := nearHits(ts, known, cands, limit); len(out) > 0 || !more || page+1 == nearPages {
			return out, nil
		}
	}
}

// nearPages is how many pages of candidateCap candidates a near-miss lookup
// reads at most (when the earlier ones held no near-miss).
const nearPages = 5

// nearHits verifies candidates against the typed readings that are not
// known names: the closest first, at most limit.
func nearHits(ts []typedName, known []bool, cands map[string]meta, limit int) []smed.NameRef {
	type hit struct {
		ref  smed.NameRef
		key  string
		dist int
	}
	var out []smed.NameRef
	seen := map[string]bool{}
	for i, t := range ts {
		if known[i] {
			continue
		}
		var hits []hit
		for id, m := range cands {
			if !mayBeNear(t, m) {
				continue
			}
			if d, ok := names.Near(t.key, t.fold, m.key, m.fold); ok {
				hits = append(hits, hit{smed.NameRef{ID: id, Name: m.display}, m.key, d})
			}
		}
		slices.SortFunc(hits, func(a, b hit) int {
			return cmp.Or(cmp.Compare(a.dist, b.dist), strings.Compare(a.key, b.key), strings.Compare(a.ref.ID, b.ref.ID))
		})
		for _, h := range hits {
			if len(out) == limit {
				return out
			}
			if !seen[h.ref.ID] {
				seen[h.ref.ID] = true
				out = append(out, h.ref)
			}
		}
	}
	return out
}

// Suggest is the type-ahead: names that start with typed (by key or fold) in
// name order, then near-misses, closest first; one round trip.
func (s *Store) Suggest(ctx context.Context, team, typed string, limit int) ([]smed.NameRef, error) {
	const op = "suggest"
	k, err := s.team(op, team)
	if err != nil {
		return nil, err
	}
	t := typedName{names.Key(typed), names.Fold(typed)}
	if t.key == "" || limit <= 0 {
		return nil, nil
	}
	// Prefix hits come first: when the ranges alone fill the list, the
	// edit probes (unselective for the few letters typed so far) are not
	// looked up. A fold member can count as a hit there without being
	// one; the list is then short of the edits, never wrong.
	_, cands, _, err := s.candidates(ctx, k, nil, []typedName{t}, limit, 2*limit, 0)
	if err != nil {
		return nil, wrap(op, err)
	}
	type hit struct {
		ref    smed.NameRef
		key    string
		prefix bool
		dist   int
	}
	var hits []hit
	for id, m := range cands {
		h := hit{ref: smed.NameRef{ID: id, Name: m.display}, key: m.key}
		switch d, ok := names.Near(t.key, t.fold, m.key, m.fold); {
		case strings.HasPrefix(m.key, t.key) || t.fold != "" && strings.HasPrefix(m.fold, t.fold):
			h.prefix = true
		case ok:
			h.dist = d
		default:
			continue
		}
		hits = append(hits, h)
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.prefix != b.prefix {
			if a.prefix {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.dist, b.dist), strings.Compare(a.key, b.key), strings.Compare(a.ref.ID, b.ref.ID))
	})
	out := make([]smed.NameRef, 0, min(limit, len(hits)))
	for _, h := range hits[:min(limit, len(hits))] {
		out = append(out, h.ref)
	}
	return out, nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
