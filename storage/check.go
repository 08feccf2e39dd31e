package storage

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

// CheckIndexes recomputes every index of the team from the records (the
// customer hashes and their note, fact, deal and touch lists and linked
// channels) and reports each difference from what Redis holds. Values in
// the indexes are worths (smed.Customer.Worth). It also checks that the
// links hash and the customers' l: sets mirror each other, that a
// customer's deal totals and side times agree with its deal and touch
// lists, and that no deal, touch or link key outlives its customer. It reads everything, SCAN included: an operator's
// and the tests' tool, never a request path. Posting lists may hold stale
// entries (see keys.go); what is checked is that every live entry is in the
// posting list of each of its words and in refs.
func (s *Store) CheckIndexes(ctx context.Context, team string) error {
	const op = "check indexes"
	k, err := s.team(op, team)
	if err != nil {
		return err
	}
	var ids []string
	err = s.scan(ctx, k.base+"c:*", func(key string) {
		ids = append(ids, strings.TrimPrefix(key, k.base+"c:"))
	})
	if err != nil {
		return wrap(op, err)
	}
	slices.Sort(ids)

	want := struct {
		names, nm, vrank, risk, cad, ocount, totals map[string]string
		nidx, odue, vcd                             map[string]bool
		sig                                         map[string][]string
		due                                         map[string]float64
		refs                                        map[int64]string
		postings                                    map[string][]int64 // word → seqs
	}{
		names: map[string]string{}, nm: map[string]string{}, vrank: map[string]string{},
		risk: map[string]string{}, cad: map[string]string{}, ocount: map[string]string{}, totals: map[string]string{},
		nidx: map[string]bool{}, odue: map[string]bool{}, vcd: map[string]bool{},
		sig: map[string][]string{}, due: map[string]float64{},
		refs: map[int64]string{}, postings: map[string][]int64{},
	}
	var count, value int64
	maxRunes := 0 // of any name's key or fold: totals' maxname is at least this
	var diffs []string
	linkWant := map[string]string{} // channel → customer, from the l: sets
	ocount := map[string]int{}
	risk := map[string]int64{}
	entry := func(seq int64, id string, kind byte, pos int64, words []string) {
		if seq < 1 || seq > maxSeq {
			return
		}
		want.refs[seq] = rawID(id) + string(kind) + u32(pos)
		for _, w := range words {
			want.postings[w] = append(want.postings[w], seq)
		}
	}
	for chunk := range slices.Chunk(ids, batch) {
		pipe := s.rdb.Pipeline()
		hs := make([]*redis.MapStringStringCmd, len(chunk))
		ns := make([]*redis.StringSliceCmd, len(chunk))
		fs := make([]*redis.StringSliceCmd, len(chunk))
		gs := make([]*redis.StringSliceCmd, len(chunk))
		ts := make([]*redis.StringSliceCmd, len(chunk))
		ls := make([]*redis.StringSliceCmd, len(chunk))
		for i, id := range chunk {
			gs[i] = pipe.LRange(ctx, k.deals(id), 0, -1)
			ts[i] = pipe.LRange(ctx, k.touches(id), 0, -1)
			ls[i] = pipe.SMembers(ctx, k.linked(id))
			hs[i] = pipe.HGetAll(ctx, k.customer(id))
			ns[i] = pipe.LRange(ctx, k.notes(id), 0, -1)
			fs[i] = pipe.LRange(ctx, k.facts(id), 0, -1)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return wrap(op, err)
		}
		for i, id := range chunk {
			m := hs[i].Val()
			c, err := decodeCustomer(m)
			if err != nil || c.ID != id {
				return wrapf(op, "customer %s: %v", id, err)
			}
			key, fold := names.Key(c.Name), names.Fold(c.Name)
			maxRunes = max(maxRunes, utf8.RuneCountInString(key), utf8.RuneCountInString(fold))
			want.names[key] = id
			want.nidx[key+"\x00"+id] = true
			if fold != "" {
				want.nidx[fold+"\x00"+id] = true
			}
			want.nm[id] = key + "\x00" + fold + "\x00" + c.Name
			for f := range slices.Chunk([]byte(sigsOf(key, fold)), 8) {
				want.sig[string(f)] = append(want.sig[string(f)], id)
			}
			due := toMS(c.DueAt())
			want.due[id] = float64(due)
			worth := c.Worth()
			want.vrank[id] = strconv.FormatInt(worth, 10)
			want.cad[id] = strconv.Itoa(c.CadenceDays)
			owners := []string{""}
			if c.Owner != "" {
				want.odue[c.Owner+"\x00"+pad15(due)+id] = true
				ocount[c.Owner]++
				owners = append(owners, c.Owner)
			}
			for _, o := range owners {
				want.vcd[o+"\x00"+fmt.Sprintf("%016d%05d%015d", worth, c.CadenceDays, due)+lnameOf(c.Name)+"\x00"+id] = true
				for _, l := range riskLevels {
					if worth != 0 {
						risk[o+"\x00"+l.name+strconv.FormatInt(floorDiv(due, l.ms), 10)] += worth
					}
				}
			}
			count++
			value += worth
			if err := checkDeals(c, gs[i].Val()); err != nil {
				diffs = append(diffs, err.Error())
			}
			if err := checkTouches(c, ts[i].Val()); err != nil {
				diffs = append(diffs, err.Error())
			}
			for _, ch := range ls[i].Val() {
				if other, ok := linkWant[ch]; ok {
					diffs = append(diffs, fmt.Sprintf("channel %s is in the l: sets of %s and %s", ch, other, id))
				}
				linkWant[ch] = id
			}
			nseq, _ := strconv.ParseInt(m["nseq"], 10, 64)
			entry(nseq, id, 'c', 0, names.Words(key))
			for pos, raw := range ns[i].Val() {
				e, err := decodeEntry(raw)
				if err != nil {
					return wrapf(op, "note %d of %s: %w", pos, id, err)
				}
				entry(e.Seq, id, 'n', int64(pos), names.Words(e.Text))
			}
			for _, raw := range fs[i].Val() {
				e, err := decodeEntry(raw)
				if err != nil {
					return wrapf(op, "fact of %s: %w", id, err)
				}
				entry(e.Seq, id, 'f', 0, names.Words(e.Text))
			}
		}
	}
	for o, n := range ocount {
		want.ocount[o] = strconv.Itoa(n)
	}
	for f, v := range risk {
		want.risk[f] = strconv.FormatInt(v, 10)
	}
	want.totals["customers"] = strconv.FormatInt(count, 10)
	want.totals["value"] = strconv.FormatInt(value, 10)

	pipe := s.rdb.Pipeline()
	gotNames := pipe.HGetAll(ctx, k.names())
	gotNm := pipe.HGetAll(ctx, k.nm())
	gotRisk := pipe.HGetAll(ctx, k.risk())
	gotCad := pipe.HGetAll(ctx, k.cad())
	gotVrank := pipe.ZRangeWithScores(ctx, k.vrank(), 0, -1)
	gotVcd := pipe.ZRange(ctx, k.vcd(), 0, -1)
	gotOcount := pipe.HGetAll(ctx, k.ocount())
	gotTotals := pipe.HGetAll(ctx, k.totals())
	gotNidx := pipe.ZRange(ctx, k.nidx(), 0, -1)
	gotOdue := pipe.ZRange(ctx, k.odue(), 0, -1)
	gotSig := pipe.HGetAll(ctx, k.sig())
	gotDue := pipe.ZRangeWithScores(ctx, k.due(), 0, -1)
	gotRefs := pipe.Get(ctx, k.refs())
	gotWords := pipe.ZRange(ctx, k.words(), 0, -1)
	gotLinks := pipe.HGetAll(ctx, k.links())
	posts := map[string]*redis.StringCmd{}
	for w := range want.postings {
		posts[w] = pipe.Get(ctx, k.word(w))
	}
	if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
		return wrap(op, err)
	}

	diff := func(format string, args ...any) { diffs = append(diffs, fmt.Sprintf(format, args...)) }
	cmpMap := func(name string, want, got map[string]string) {
		for _, f := range slices.Sorted(maps.Keys(want)) {
			if got[f] != want[f] {
				diff("%s[%q] = %q, want %q", name, f, got[f], want[f])
			}
		}
		for f := range got {
			if _, ok := want[f]; !ok {
				diff("%s[%q] = %q, want none", name, f, got[f])
			}
		}
	}
	cmpSet := func(name string, want map[string]bool, got []string) {
		have := map[string]bool{}
		for _, m := range got {
			have[m] = true
			if !want[m] {
				diff("%s has %q, want not", name, m)
			}
		}
		for m := range want {
			if !have[m] {
				diff("%s lacks %q", name, m)
			}
		}
	}
	cmpMap("links", linkWant, gotLinks.Val())
	live := map[string]bool{}
	for _, id := range ids {
		live[id] = true
	}
	for _, kind := range []string{"g:", "t:", "l:"} {
		err := s.scan(ctx, k.base+kind+"*", func(key string) {
			if id := strings.TrimPrefix(key, k.base+kind); !live[id] {
				diff("%s%s outlives its customer", kind, id)
			}
		})
		if err != nil {
			return wrap(op, err)
		}
	}
	cmpMap("names", want.names, gotNames.Val())
	cmpMap("nm", want.nm, gotNm.Val())
	cmpMap("risk", want.risk, gotRisk.Val())
	cmpMap("cad", want.cad, gotCad.Val())
	vrank := map[string]string{}
	for _, z := range gotVrank.Val() {
		vrank[str(z.Member)] = strconv.FormatFloat(z.Score, 'f', 0, 64)
	}
	cmpMap("vrank", want.vrank, vrank)
	cmpSet("vcd", want.vcd, gotVcd.Val())
	cmpMap("ocount", want.ocount, gotOcount.Val())
	totals := gotTotals.Val()
	if m, ok := totals["maxname"]; ok {
		if n, err := strconv.Atoi(m); err != nil || n < maxRunes {
			diff("totals[maxname] = %q, want at least %d", m, maxRunes)
		}
		delete(totals, "maxname")
	}
	// edits marks an index whose names all have their edit-index
	// signatures (sigsOf, checked above, expects them); narrow, a segment
	// index that was kept since before it (an older Smed's mark).
	for f, want := range map[string]string{"edits": "2", "narrow": "1"} {
		if v, ok := totals[f]; ok {
			if v != want {
				diff("totals[%s] = %q, want %s", f, v, want)
			}
			delete(totals, f)
		}
	}
	for _, f := range []string{"customers", "value"} {
		if totals[f] == "" {
			totals[f] = "0" // never counted yet
		}
	}
	cmpMap("totals", want.totals, totals)
	cmpSet("nidx", want.nidx, gotNidx.Val())
	cmpSet("odue", want.odue, gotOdue.Val())
	sigGot := map[string]string{}
	for f, v := range gotSig.Val() {
		ids := slices.Collect(func(yield func(string) bool) {
			for c := range slices.Chunk([]byte(v), 12) {
				if !yield(string(c)) {
					return
				}
			}
		})
		slices.Sort(ids)
		sigGot[f] = strings.Join(ids, ",")
	}
	sigWant := map[string]string{}
	for f, ids := range want.sig {
		slices.Sort(ids)
		sigWant[f] = strings.Join(ids, ",")
		if len(ids) > sigMax/2 {
			// A signature that was full holds the IDs that came first, less
			// those deleted since (it is not refilled): a subset.
			if got := strings.Split(sigGot[f], ","); len(got) > sigMax/4 && isSubset(got, ids) {
				sigWant[f] = sigGot[f]
			}
		}
	}
	cmpMap("sig", sigWant, sigGot)
	dueGot := map[string]float64{}
	for _, z := range gotDue.Val() {
		dueGot[str(z.Member)] = z.Score
	}
	for id, d := range want.due {
		if g, ok := dueGot[id]; !ok || g != d {
			diff("due[%s] = %v (present %v), want %v", id, g, ok, d)
		}
	}
	for id := range dueGot {
		if _, ok := want.due[id]; !ok {
			diff("due has %s, want not", id)
		}
	}
	refs := gotRefs.Val()
	for seq, r := range want.refs {
		off := int(seq) * refWidth
		if off+refWidth > len(refs) || refs[off:off+refWidth] != r {
			diff("refs[%d] does not point at its entry (%+v)", seq, decodeRef(r))
		}
	}
	words := map[string]bool{}
	for _, w := range gotWords.Val() {
		words[w] = true
	}
	for w, seqs := range want.postings {
		if !words[w] {
			diff("words lacks %q", w)
		}
		have := map[int64]bool{}
		p := posts[w].Val()
		for i := 0; i+4 <= len(p); i += 4 {
			have[getU32(p[i:i+4])] = true
		}
		for _, seq := range seqs {
			if !have[seq] {
				diff("posting list of %q lacks entry %d", w, seq)
			}
		}
	}
	if err := s.checkLoyalty(ctx, k, ids, diff); err != nil {
		return wrap(op, err)
	}
	if len(diffs) == 0 {
		return nil
	}
	slices.Sort(diffs)
	return fmt.Errorf("storage: %s: %w: %d differences: %s", op, errIndex, len(diffs), strings.Join(diffs[:min(len(diffs), 20)], "; "))
}

// scan calls f with every key matching pattern. On Redis Cluster a SCAN
// covers one node only, so it runs on every master.
func (s *Store) scan(ctx context.Context, pattern string, f func(string)) error {
	one := func(ctx context.Context, c redis.UniversalClient) error {
		iter := c.Scan(ctx, 0, pattern, 1000).Iterator()
		for iter.Next(ctx) {
			f(iter.Val())
		}
		return iter.Err()
	}
	if cc, ok := s.rdb.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		return cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			mu.Lock() // f is not safe for concurrent use
			defer mu.Unlock()
			return one(ctx, c)
		})
	}
	return one(ctx, s.rdb)
}

func isSubset(a, b []string) bool {
	for _, x := range a {
		if _, ok := slices.BinarySearch(b, x); !ok {
			return false
		}
	}
	return true
}

// riskLevels are the bucket sizes of the risk hash (see the prelude).
var riskLevels = []struct {
	name string
	ms   int64
}{{"h", 3600000}, {"d", 86400000}, {"m", 2764800000}, {"y", 88473600000}}

// checkDeals says how a customer's deal totals differ from its deal list
// (deals in time order; the sum at most smed.MaxValue), or nil.
func checkDeals(c smed.Customer, raw []string) error {
	var sum, last int64
	for i, r := range raw {
		d, err := decodeDeal(r)
		if err != nil {
			return fmt.Errorf("deal %d of %s: %v", i, c.ID, err)
		}
		at := toMS(d.At)
		if at < last {
			return fmt.Errorf("deals of %s are not in time order at %d", c.ID, i)
		}
		last = at
		sum = min(sum+d.Amount, smed.MaxValue)
	}
	if c.DealsSum != sum || c.DealsCount != len(raw) || toMS(c.LastDealAt) != last {
		return fmt.Errorf("deal totals of %s = %d, %d, %d; want %d, %d, %d from its deals",
			c.ID, c.DealsSum, c.DealsCount, toMS(c.LastDealAt), sum, len(raw), last)
	}
	return nil
}

// checkTouches says how a customer's side times differ from its touches
// (in time order, one per channel and ts), or nil.
func checkTouches(c smed.Customer, raw []string) error {
	var last, cust, team int64
	seen := map[string]bool{}
	for i, r := range raw {
		t, err := decodeTouch(r)
		if err != nil {
			return fmt.Errorf("touch %d of %s: %v", i, c.ID, err)
		}
		at := toMS(t.At)
		if at < last {
			return fmt.Errorf("touches of %s are not in time order at %d", c.ID, i)
		}
		last = at
		if seen[t.Channel+"\t"+t.TS] {
			return fmt.Errorf("touches of %s hold %s %s twice", c.ID, t.Channel, t.TS)
		}
		seen[t.Channel+"\t"+t.TS] = true
		if t.Side == smed.SideCustomer {
			cust = max(cust, at)
		} else {
			team = max(team, at)
		}
	}
	if toMS(c.LastCustomerAt) != cust || toMS(c.LastTeamAt) != team {
		return fmt.Errorf("side times of %s = %d, %d; want %d, %d from its touches",
			c.ID, toMS(c.LastCustomerAt), toMS(c.LastTeamAt), cust, team)
	}
	return nil
}

// errIndex marks a difference CheckIndexes found.
var errIndex = fmt.Errorf("index differs from the records (%w)", smed.ErrConflict)
