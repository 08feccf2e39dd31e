package storage

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
)

// checkLoyalty recomputes, for CheckIndexes, what the loyalty part of the
// prelude keeps (scripts_loyalty.go) from the records: each customer's
// contact days, learned cadence and who-knows-what, and the team's drift,
// conc, ign, buy1, buy2 and dval. Drift members may be missing: Drifting
// takes out those it finds overdue, and a write puts them back.
func (s *Store) checkLoyalty(ctx context.Context, k keys, ids []string, diff func(string, ...any)) error {
	bounds, err := s.rdb.HMGet(ctx, k.dval(), "floor", "ceil").Result()
	if err != nil {
		return err
	}
	floor, ceil := int64(defaultFloor), int64(defaultCeiling)
	if v, err := strconv.ParseInt(str(bounds[0]), 10, 64); err == nil {
		floor = v
	}
	if v, err := strconv.ParseInt(str(bounds[1]), 10, 64); err == nil {
		ceil = v
	}
	wantDrift, wantConc, wantIgn := map[string]bool{}, map[string]float64{}, map[string]float64{}
	wantBuy1, wantBuy2, wantDval := map[string]float64{}, map[string]float64{}, map[string]int64{}
	for chunk := range slices.Chunk(ids, batch) {
		pipe := s.rdb.Pipeline()
		hs := make([]*redis.MapStringStringCmd, len(chunk))
		ns := make([]*redis.StringSliceCmd, len(chunk))
		gs := make([]*redis.StringSliceCmd, len(chunk))
		ts := make([]*redis.StringSliceCmd, len(chunk))
		for i, id := range chunk {
			hs[i] = pipe.HGetAll(ctx, k.customer(id))
			ns[i] = pipe.LRange(ctx, k.notes(id), 0, -1)
			gs[i] = pipe.LRange(ctx, k.deals(id), 0, -1)
			ts[i] = pipe.LRange(ctx, k.touches(id), 0, -1)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return err
		}
		for i, id := range chunk {
			m := hs[i].Val()
			c, err := decodeCustomer(m)
			if err != nil {
				continue // CheckIndexes reports it
			}
			var times []int64
			var notes []authored
			for _, raw := range ns[i].Val() {
				if e, err := decodeEntry(raw); err == nil {
					times = append(times, e.At)
					notes = append(notes, authored{e.At, e.Author})
				}
			}
			var deals []dealRow
			for _, raw := range gs[i].Val() {
				f := strings.SplitN(raw, "\t", 5)
				if len(f) < 4 {
					diff("deal of %s: %q", id, raw)
					continue
				}
				at, _ := strconv.ParseInt(f[1], 10, 64)
				amount, _ := strconv.ParseInt(f[3], 10, 64)
				times = append(times, at)
				deals = append(deals, dealRow{at, max(amount, 0)})
			}
			for _, raw := range ts[i].Val() {
				at, _ := strconv.ParseInt(strings.SplitN(raw, "\t", 2)[0], 10, 64)
				times = append(times, at)
			}
			cdays := daysOf(times)
			if m["cdays"] != cdays {
				diff("c:%s cdays = %q, want %q", id, m["cdays"], cdays)
			}
			if ka := kauthOf(notes); m["kauth"] != ka {
				diff("c:%s kauth = %q, want %q", id, m["kauth"], ka)
			}
			ds := parseDays(cdays)
			if !c.CadenceSet && len(ds) >= minRhythmDays {
				want := int64(math.Floor(medianOf(gapsOf(ds)) + 0.5))
				if ceil > 0 {
					want = min(want, ceil)
				}
				want = max(want, floor)
				if int64(c.CadenceDays) != want {
					diff("c:%s cadence_days = %d, want %d learned from %s", id, c.CadenceDays, want, cdays)
				}
			}
			if st, ok := driftStartOf(ds, toMS(c.DueAt()), toMS(c.SnoozedUntil)); ok {
				tail := fmt.Sprintf("%015d", st) + id
				wantDrift["\x00"+tail] = true
				if c.Owner != "" {
					wantDrift[c.Owner+"\x00"+tail] = true
				}
			}
			// A customer that rested on someone stays in conc until a
			// write says otherwise (Concentrated checks it at its now).
			if knowledgeSuffix(notesOfKauth(m["kauth"])) || m["kca"] != "" {
				wantConc[id] = float64(-c.Worth())
			}
			if knowledgeSuffix(notesOfKauth(m["kauth"])) && m["kca"] == "" {
				diff("c:%s rests on someone, and kca is empty", id)
			}
			if run, _ := strconv.Atoi(m["lrun"]); run > 0 {
				wantIgn[id] = float64(run)
			}
			dealFigures(id, deals, wantBuy1, wantBuy2, wantDval)
		}
	}
	pipe := s.rdb.Pipeline()
	gotDrift := pipe.ZRange(ctx, k.drift(), 0, -1)
	gotConc := pipe.ZRangeWithScores(ctx, k.conc(), 0, -1)
	gotIgn := pipe.ZRangeWithScores(ctx, k.ign(), 0, -1)
	gotBuy1 := pipe.ZRangeWithScores(ctx, k.buy1(), 0, -1)
	gotBuy2 := pipe.ZRangeWithScores(ctx, k.buy2(), 0, -1)
	gotDval := pipe.HGetAll(ctx, k.dval())
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	for _, m := range gotDrift.Val() {
		if !wantDrift[m] {
			diff("drift has %q, want not", m)
		}
	}
	cmpScores := func(name string, want map[string]float64, got []redis.Z) {
		have := map[string]float64{}
		for _, z := range got {
			have[str(z.Member)] = z.Score
		}
		for id, w := range want {
			if g, ok := have[id]; !ok || g != w {
				diff("%s[%s] = %v (present %v), want %v", name, id, g, ok, w)
			}
		}
		for id := range have {
			if _, ok := want[id]; !ok {
				diff("%s has %s, want not", name, id)
			}
		}
	}
	cmpScores("conc", wantConc, gotConc.Val())
	cmpScores("ign", wantIgn, gotIgn.Val())
	cmpScores("buy1", wantBuy1, gotBuy1.Val())
	cmpScores("buy2", wantBuy2, gotBuy2.Val())
	got := gotDval.Val()
	for f, v := range wantDval {
		if v != 0 && got[f] != strconv.FormatInt(v, 10) {
			diff("dval[%s] = %q, want %d", f, got[f], v)
		}
	}
	for f, v := range got {
		if f != "floor" && f != "ceil" && wantDval[f] == 0 {
			diff("dval[%s] = %q, want none", f, v)
		}
	}
	return nil
}

type authored struct {
	at     int64
	author string
}

type dealRow struct{ at, amount int64 }

const dayMS = 86400000

// daysOf mirrors days_of: the latest rhythmDays distinct UTC days of times.
func daysOf(times []int64) string {
	var ds []int64
	for _, t := range times {
		if t != 0 {
			ds = append(ds, floorDiv(t, dayMS))
		}
	}
	slices.Sort(ds)
	ds = slices.Compact(ds)
	ds = ds[max(0, len(ds)-rhythmDays):]
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = strconv.FormatInt(d, 10)
	}
	return strings.Join(out, ",")
}

func parseDays(s string) []int64 {
	var out []int64
	for f := range strings.SplitSeq(s, ",") {
		if d, err := strconv.ParseInt(f, 10, 64); err == nil {
			out = append(out, d)
		}
	}
	return out
}

func gapsOf(ds []int64) []int64 {
	var g []int64
	for i := 1; i < len(ds); i++ {
		g = append(g, ds[i]-ds[i-1])
	}
	return g
}

func medianOf(xs []int64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return float64(s[n/2])
	}
	return float64(s[n/2-1]+s[n/2]) / 2
}

// driftStartOf mirrors drift_start.
func driftStartOf(ds []int64, due, snooze int64) (int64, bool) {
	if len(ds) < minRhythmDays {
		return 0, false
	}
	g := gapsOf(ds)
	k := int64(math.Floor(1.5*medianOf(g))) + 1
	if g[len(g)-2] < g[len(g)-1] && g[len(g)-1]+1 < k {
		k = g[len(g)-1] + 1
	}
	start := max((ds[len(ds)-1]+k)*dayMS, snooze)
	return start, start <= due
}

// kauthOf mirrors kauth_of.
func kauthOf(notes []authored) string {
	if len(notes) == 0 {
		return ""
	}
	s := slices.Clone(notes)
	slices.SortFunc(s, func(a, b authored) int { return cmp.Or(cmp.Compare(a.at, b.at), strings.Compare(a.author, b.author)) })
	out := make([]string, len(s))
	for i, n := range s {
		out[i] = strconv.FormatInt(n.at, 10) + ":" + n.author
	}
	// trim_kauth: from the front, what is older than 180 days before the
	// latest, then while longer than knowBytes; the last entry stays.
	cut, size := s[len(s)-1].at-knowWindowDays*dayMS, len(strings.Join(out, ";"))
	i := 0
	for ; i < len(s)-1 && (s[i].at < cut || size > knowBytes); i++ {
		size -= len(out[i]) + 1
	}
	return strings.Join(out[i:], ";")
}

func notesOfKauth(kauth string) []string {
	var out []string
	for e := range strings.SplitSeq(kauth, ";") {
		if _, a, ok := strings.Cut(e, ":"); ok {
			out = append(out, a)
		}
	}
	return out
}

// knowledgeSuffix mirrors knowledge_suffix on the authors, oldest first.
func knowledgeSuffix(authors []string) bool {
	counts, best := map[string]int{}, 0
	for n, i := 1, len(authors)-1; i >= 0; n, i = n+1, i-1 {
		if a := authors[i]; a != "" {
			counts[a]++
			best = max(best, counts[a])
		}
		if n >= 5 && 5*best >= 4*n {
			return true
		}
	}
	return false
}

// dealFigures mirrors deal_figures for one customer's deals.
func dealFigures(id string, deals []dealRow, buy1, buy2 map[string]float64, dval map[string]int64) {
	if len(deals) == 0 {
		return
	}
	ds := slices.Clone(deals)
	slices.SortStableFunc(ds, func(a, b dealRow) int { return int(min(max(a.at-b.at, -1), 1)) })
	year := int64(repurchaseDays) * dayMS
	for i, d := range ds {
		rep := false
		for j := i - 1; j >= 0 && ds[j].at >= d.at-year; j-- {
			if floorDiv(ds[j].at, dayMS) < floorDiv(d.at, dayMS) {
				rep = true
				break
			}
		}
		if d.amount <= 0 {
			continue
		}
		for _, b := range []string{"d" + strconv.FormatInt(floorDiv(d.at, dayMS), 10),
			"h" + strconv.FormatInt(floorDiv(d.at, 3600000), 10), "m" + strconv.FormatInt(floorDiv(d.at, 60000), 10)} {
			dval["v"+b] = smed.AddValue(dval["v"+b], d.amount)
			if rep {
				dval["r"+b] = smed.AddValue(dval["r"+b], d.amount)
			}
		}
	}
	last := ds[len(ds)-1].at
	buy1[id] = float64(last)
	for i := len(ds) - 1; i >= 0; i-- {
		if floorDiv(ds[i].at, dayMS) < floorDiv(last, dayMS) {
			buy2[id] = float64(ds[i].at)
			break
		}
	}
}
