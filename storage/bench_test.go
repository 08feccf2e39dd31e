package storage

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/internal/redistest"
	"github.com/smedhq/smed/names"
)

// Benchmarks against a real redis-server. Report them as ratios to the Ping
// of the same run (one empty round trip on the same connection), which
// factors out the machine and the transport: each BenchmarkScale case
// reports "x-ping".
//
// BenchmarkScale loads a store of each size with the bulk loader below (the
// import and note scripts, pipelined) and times the request paths on it.
// Sizes: 1k and 100k customers, one note of about 120 bytes each (at least
// 10k notes in all, so the 100k store has the 100k notes the memory figure
// asks for); BENCH_FULL=1 adds 1M; BENCH_QUICK=1 runs 1k only.

func BenchmarkPing(b *testing.B) {
	s := redisStore(b)
	for b.Loop() {
		if err := s.Ping(b.Context()); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAddNote(b *testing.B) {
	s := redisStore(b)
	mustNote(b, s, team, named("Acme Corp", "first"), "U1", t0)
	req := smed.NoteRequest{
		// Unquoted input as the Slack edge sends it: every prefix, longest first.
		Candidates: words("Acme Corp called about the renewal, wants a quote by Friday"),
		Author:     "U1",
		At:         t0,
	}
	i := 0
	for b.Loop() {
		i++
		req.At = t0.Add(time.Duration(i) * time.Second)
		if _, err := s.AddNote(b.Context(), team, req); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCard(b *testing.B) {
	s := redisStore(b)
	var id string
	for i := range 50 {
		id = mustNote(b, s, team, named("Acme Corp", "a note of ordinary length about a call"), "U1", t0.Add(time.Duration(i)*time.Minute)).Customer.ID
	}
	for range 3 {
		fact(b, s, team, named("Acme Corp", "prefers calls before 10"), "U1", t0)
	}
	for b.Loop() {
		if _, err := s.Card(b.Context(), team, id, 5); err != nil {
			b.Fatal(err)
		}
	}
}

func benchSizes() []int {
	switch {
	case os.Getenv("BENCH_FULL") == "1":
		return []int{1000, 100_000, 1_000_000}
	case os.Getenv("BENCH_QUICK") == "1":
		return []int{1000}
	}
	return []int{1000, 100_000}
}

func BenchmarkScale(b *testing.B) {
	for _, n := range benchSizes() {
		srv := redistest.Server(b) // a private server: its memory is this store's
		s := storeAt(b, srv.URL())
		ctx := context.Background()
		start := time.Now()
		st := load(b, s, n, max(n, 10_000))
		b.Logf("loaded %d customers and %d notes (%d text bytes) in %v", st.customers, st.notes, st.textBytes, time.Since(start).Round(time.Millisecond))
		var pingNs float64
		run := func(name string, op func(i int) error) {
			b.Run(fmt.Sprintf("customers=%d/%s", n, name), func(b *testing.B) {
				i := 0
				for b.Loop() {
					if err := op(i); err != nil {
						b.Fatal(err)
					}
					i++
				}
				ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				if name == "Ping" {
					pingNs = ns
				} else if pingNs > 0 {
					b.ReportMetric(ns/pingNs, "x-ping")
				}
			})
		}
		run("Ping", func(int) error { return s.Ping(ctx) })
		run("NoteKnown", func(i int) error {
			_, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: words(st.names[i%len(st.names)] + " " + st.text(i)),
				Author: "U0001", At: t0.Add(time.Duration(i) * time.Millisecond)})
			return err
		})
		fallbacks := 0
		run("NoteCreate", func(i int) error {
			// The unquoted path of an unknown name as app takes it: one
			// step that creates the first word unless a known name may be
			// near what was typed; when one may be, the near-miss lookup
			// and the create (counted, reported below).
			first := fmt.Sprintf("%s%dx", st.word(i*7919), i)
			cands := words(first + " met at the fair about " + st.text(i))
			typed := make([]string, len(cands))
			for j, c := range cands {
				typed[j] = c.Name
			}
			req := smed.NoteRequest{Candidates: cands, Author: "U0001", At: t0.Add(time.Duration(i) * time.Second),
				Create: true, CreateAt: len(cands) - 1, UnlessNear: typed, CadenceDays: 30}
			rc, err := s.AddNote(ctx, team, req)
			if !errorsIs(err, smed.ErrMaybeNear) {
				if err == nil && !rc.Created {
					err = fmt.Errorf("%q: not created", first)
				}
				return err
			}
			fallbacks++
			if _, err := s.NearMisses(ctx, team, typed, 3); err != nil {
				return err
			}
			req.Candidates, req.CreateAt, req.UnlessNear = cands[len(cands)-1:], 0, nil
			_, err = s.AddNote(ctx, team, req)
			return err
		})
		if fallbacks > 0 {
			b.Logf("customers=%d: %d NoteCreate steps found a name that may be near and took the lookup", n, fallbacks)
		}
		missed := 0
		run("NearMisses", func(i int) error {
			ms, err := s.NearMisses(ctx, team, []string{st.typos[i%len(st.typos)]}, 3)
			if err == nil && len(ms) == 0 {
				missed++ // past candidateCap (see names.go); reported below
			}
			return err
		})
		if missed > 0 {
			b.Logf("customers=%d: %d NearMisses lookups of a one-edit typo found nothing", n, missed)
		}
		run("Suggest", func(i int) error {
			_, err := s.Suggest(ctx, team, st.prefixes[i%len(st.prefixes)], 10)
			return err
		})
		run("FindRare", func(i int) error {
			p, err := s.Find(ctx, team, st.rare, "", 20)
			if err == nil && len(p.Matches) == 0 {
				err = fmt.Errorf("rare word %q not found", st.rare)
			}
			return err
		})
		run("FindCommon", func(i int) error {
			p, err := s.Find(ctx, team, st.common, "", 20)
			if err == nil && len(p.Matches) < 20 {
				err = fmt.Errorf("common word %q found %d", st.common, len(p.Matches))
			}
			return err
		})
		run("ListTeam", func(i int) error {
			_, err := s.List(ctx, team, "", st.now, 20)
			return err
		})
		run("ListOwner", func(i int) error {
			_, err := s.List(ctx, team, st.owner(i), st.now, 20)
			return err
		})
		// The loyalty reads of a reminder, the digest and stats.
		run("DriftingOwner", func(i int) error {
			_, _, err := s.Drifting(ctx, team, st.owner(i), st.now, 5)
			return err
		})
		run("Concentrated", func(int) error {
			_, err := s.Concentrated(ctx, team, st.now, 10)
			return err
		})
		run("Repurchase", func(int) error {
			_, err := s.Repurchase(ctx, team, st.now)
			return err
		})
		b.Run(fmt.Sprintf("customers=%d/Memory", n), func(b *testing.B) {
			for b.Loop() {
			}
			b.ReportMetric(st.bytesPerCustomer, "B/customer")
			b.ReportMetric(st.bytesPerNote, "B/note")
			b.ReportMetric(float64(st.textBytes)/float64(st.notes), "text-B/note")
		})
	}
}

// loaded describes a bench store.
type loaded struct {
	customers, notes, textBytes int
	names, typos, prefixes      []string
	owners                      int
	vocab                       []string
	rare, common                string
	now                         time.Time
	bytesPerCustomer            float64
	bytesPerNote                float64
}

func (l *loaded) word(i int) string  { return l.vocab[i%len(l.vocab)] }
func (l *loaded) owner(i int) string { return fmt.Sprintf("U%04d", i%l.owners) }
func (l *loaded) text(i int) string {
	var b strings.Builder
	for j := 0; b.Len() < 110; j++ {
		if j > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(l.vocab[(i*7+j*13)%len(l.vocab)])
	}
	return b.String()
}

// syllables make names and words: a few hundred of them, some Nordic, so
// that names share parts as real ones do (and "A/S" ends a quarter of them).
var syllables = func() []string {
	out := strings.Fields("æ ø å bjør fisk holm strand by gaard møl lund dal berg hav sø")
	rng := rand.New(rand.NewPCG(9, 9))
	const cons, vow = "bcdfghjklmnprstvwz", "aeiouy"
	for len(out) < 400 {
		s := string(cons[rng.IntN(len(cons))]) + string(vow[rng.IntN(len(vow))])
		if rng.IntN(2) == 0 {
			s += string(cons[rng.IntN(len(cons))])
		}
		out = append(out, s)
	}
	return out
}()

// load fills s with n customers (one owner per hundred, values and last
// contacts spread so that about a third are overdue at loaded.now) and
// notes notes of about 120 bytes over a vocabulary of a few thousand words
// (Zipf-distributed), pipelining the store's own import and note scripts.
func load(tb testing.TB, s *Store, n, notes int) *loaded {
	tb.Helper()
	return loadOwners(tb, s, n, notes, max(n/100, 10))
}

// loadOwners is load with the customers spread over owners owners.
func loadOwners(tb testing.TB, s *Store, n, notes, owners int) *loaded {
	tb.Helper()
	ctx := context.Background()
	k, _ := s.team("bench", team)
	rng := rand.New(rand.NewPCG(uint64(n), 42))
	word := func(min int) string {
		var w string
		for len([]rune(w)) < min || rng.IntN(3) == 0 {
			w += syllables[rng.IntN(len(syllables))]
		}
		return w
	}
	started := time.Now()
	st := &loaded{owners: owners, now: t0.Add(60 * smed.Day)}
	seen := map[string]bool{}
	for len(st.vocab) < 4000 {
		if w := word(4); !seen[w] {
			seen[w] = true
			st.vocab = append(st.vocab, w)
		}
	}
	for _, sc := range []*redis.Script{importScript, writeScript} {
		if err := sc.Load(ctx, s.rdb).Err(); err != nil {
			tb.Fatal(err)
		}
	}
	// Its own client: a pipeline's replies share one read deadline, and
	// the store's is a second.
	opt := *s.rdb.(*redis.Client).Options()
	opt.ReadTimeout, opt.WriteTimeout = time.Minute, time.Minute
	loader := redis.NewClient(&opt)
	defer loader.Close()
	// Pipelines of 500 go out from two goroutines, so that Go builds the
	// next batch while Redis runs the last one.
	batches := make(chan redis.Pipeliner, 2)
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			var first error
			for p := range batches {
				if _, err := p.Exec(ctx); err != nil && first == nil {
					first = err
				}
			}
			errs <- first
		}()
	}
	pipe := loader.Pipeline()
	flush := func(force bool) {
		if pipe.Len() >= 500 || force && pipe.Len() > 0 {
			batches <- pipe
			pipe = loader.Pipeline()
		}
	}
	wait := func() {
		close(batches)
		for range 2 {
			if err := <-errs; err != nil {
				tb.Fatal(err)
			}
		}
		batches = make(chan redis.Pipeliner, 2)
		for range 2 {
			go func() {
				var first error
				for p := range batches {
					if _, err := p.Exec(ctx); err != nil && first == nil {
						first = err
					}
				}
				errs <- first
			}()
		}
	}
	ids := make([]string, 0, n)
	keys := map[string]bool{}
	for len(ids) < n {
		name := word(4)
		if rng.IntN(2) == 0 {
			rs := []rune(name)
			name = strings.ToUpper(string(rs[:1])) + string(rs[1:]) + " " + word(3)
		}
		if rng.IntN(4) == 0 {
			name += " A/S"
		}
		info, ok := nameOf(name)
		if !ok || keys[info.key] {
			continue
		}
		keys[info.key] = true
		id := firstID(team, info.key)
		cmd := importCmd{info: info, owner: st.owner(len(ids)), value: int64(rng.IntN(1000)) * 1000, cadence: 30,
			given: "111", last: toMS(st.now.Add(-time.Duration(rng.IntN(45*24)) * time.Hour)), at: toMS(t0)}
		kl, args := cmd.build(k, id)
		pipe.EvalSha(ctx, importScript.Hash(), kl, args...)
		ids = append(ids, id)
		if len(st.names) < 2000 {
			st.names = append(st.names, info.display)
		}
		flush(false)
	}
	flush(true)
	wait()
	loadedCustomers := time.Now()
	mem := func() float64 {
		info, err := s.rdb.Info(ctx, "memory").Result()
		if err != nil {
			tb.Fatal(err)
		}
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, "used_memory:"); ok {
				f, _ := strconv.ParseFloat(v, 64)
				return f
			}
		}
		tb.Fatal("no used_memory")
		return 0
	}
	afterCustomers := mem()
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(len(st.vocab)-1))
	st.common = st.vocab[0]
	st.rare = "zyxquorum"
	for j := range notes {
		var b strings.Builder
		for b.Len() < 115 {
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(st.vocab[zipf.Uint64()])
		}
		if j%(notes/10) == 0 {
			b.WriteString(" " + st.rare)
		}
		text := b.String()
		st.textBytes += len(text)
		id := ids[rng.IntN(len(ids))]
		req := smed.NoteRequest{CustomerID: id, Text: text, Author: st.owner(j), At: st.now.Add(-time.Duration(rng.IntN(90*24)) * time.Hour)}
		kl, args := writeArgs(k, "n", req, []reading{{id: id, text: text}}, nameInfo{}, 0, -1, nil)
		pipe.EvalSha(ctx, writeScript.Hash(), kl, args...)
		flush(false)
	}
	flush(true)
	wait()
	close(batches)
	<-errs
	<-errs
	tb.Logf("customers loaded in %v, notes in %v", loadedCustomers.Sub(started).Round(time.Millisecond), time.Since(loadedCustomers).Round(time.Millisecond))
	afterNotes := mem()
	st.customers, st.notes = len(ids), notes
	// Memory: customers measured from an empty server (its baseline is
	// about a megabyte, spread over n customers); notes by the difference.
	st.bytesPerCustomer = afterCustomers / float64(n)
	st.bytesPerNote = (afterNotes - afterCustomers) / float64(notes)
	for i, nm := range st.names {
		rs := []rune(names.Key(nm))
		for j := 1; j+1 < len(rs); j++ {
			if typo := slicesSwap(rs, (i+j)%(len(rs)-1)); !keys[string(typo)] {
				st.typos = append(st.typos, string(typo))
				break
			}
		}
		st.prefixes = append(st.prefixes, string(rs[:min(3+i%3, len(rs))]))
	}
	return st
}

// slicesSwap swaps two neighbouring runes: a typo one edit away.
func slicesSwap(rs []rune, i int) []rune {
	out := append([]rune(nil), rs...)
	if i+1 < len(out) {
		out[i], out[i+1] = out[i+1], out[i]
	}
	return out
}

// BenchmarkMemory measures Redis bytes per note where customers have ten
// notes each (10k customers, 100k notes of about 120 bytes), with the
// breakdown by kind of key from MEMORY USAGE. BenchmarkScale's 100k store
// has one note per customer, so there every note also pays for creating its
// customer's note list. Runs with BENCH_MEMORY=1 or BENCH_FULL=1.
func BenchmarkMemory(b *testing.B) {
	if os.Getenv("BENCH_MEMORY") != "1" && os.Getenv("BENCH_FULL") != "1" {
		b.Skip("BENCH_MEMORY=1 runs it")
	}
	srv := redistest.Server(b)
	s := storeAt(b, srv.URL())
	st := load(b, s, 10_000, 100_000)
	ctx := context.Background()
	k, _ := s.team("bench", team)
	sum := map[string]int64{}
	iter := s.rdb.Scan(ctx, 0, k.base+"*", 1000).Iterator()
	for iter.Next(ctx) {
		kind := strings.TrimPrefix(iter.Val(), k.base)
		if i := strings.IndexByte(kind, ':'); i > 0 {
			kind = kind[:i+1]
		}
		n, err := s.rdb.MemoryUsage(ctx, iter.Val(), 0).Result()
		if err != nil {
			b.Fatal(err)
		}
		sum[kind] += n
	}
	for _, kind := range slices.Sorted(maps.Keys(sum)) {
		b.Logf("%-8s %6.1f B/note %7.1f B/customer", kind, float64(sum[kind])/float64(st.notes), float64(sum[kind])/float64(st.customers))
	}
	for b.Loop() {
	}
	b.ReportMetric(st.bytesPerNote, "B/note")
	b.ReportMetric(float64(st.textBytes)/float64(st.notes), "text-B/note")
	b.ReportMetric(st.bytesPerCustomer, "B/customer")
}
