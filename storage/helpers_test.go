package storage

import (
	"context"
	"errors"
	"github.com/redis/go-redis/v9"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// t0 is the fixed "now" of the tests; times are parameters, never the clock.
var t0 = time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)

const team = "T0123ABC"

// redisStore is a Store on the shared test redis-server under a fresh prefix.
func redisStore(tb testing.TB) *Store {
	tb.Helper()
	return storeAt(tb, redistest.URL(tb))
}

// memoryStore is a Store on its own embedded Redis, opened as cmd opens it.
func memoryStore(tb testing.TB) *Store {
	tb.Helper()
	return storeAt(tb, "memory://")
}

func storeAt(tb testing.TB, url string) *Store {
	tb.Helper()
	rdb, _, closeFn, err := dial(Conn{URL: url})
	if err != nil {
		tb.Fatal(err)
	}
	if IsMemory(url) {
		// The embedded Lua is slow on a busy machine, and no test of
		// memory:// is about timeouts (the outage tests use redis-server).
		rdb.(*redis.Client).Options().ReadTimeout = 10 * time.Second
	}
	tb.Cleanup(func() { closeFn() })
	s := New(rdb, WithPrefix(redistest.Prefix(tb)))
	if os.Getenv(redistest.EnvURL) != "" {
		// Someone else's Redis: leave it as we found it. Runs before the
		// client closes (cleanups run last-in first-out).
		tb.Cleanup(func() {
			ctx := context.Background() // the test's context is done by now
			iter := rdb.Scan(ctx, 0, s.prefix+"*", 1000).Iterator()
			for iter.Next(ctx) {
				rdb.Del(ctx, iter.Val())
			}
		})
	}
	return s
}

// words offers every prefix of the input as a candidate name, longest first,
// as the Slack edge does for unquoted input.
func words(input string) []smed.Candidate {
	ws := strings.Fields(input)
	var out []smed.Candidate
	for i := len(ws); i >= 1; i-- {
		out = append(out, smed.Candidate{Name: strings.Join(ws[:i], " "), Rest: strings.Join(ws[i:], " ")})
	}
	return out
}

// named is the candidate list of quoted input: exactly that name.
func named(name, rest string) []smed.Candidate {
	return []smed.Candidate{{Name: name, Rest: rest}}
}

// mustNote logs a note, creating the customer when needed, and fails on error.
func mustNote(tb testing.TB, s *Store, team string, cands []smed.Candidate, author string, at time.Time) smed.NoteReceipt {
	tb.Helper()
	r, err := s.AddNote(tb.Context(), team, smed.NoteRequest{
		Candidates: cands, Author: author, At: at, Create: true, CadenceDays: 30,
	})
	if err != nil {
		tb.Fatalf("AddNote(%q): %v", cands[0].Name, err)
	}
	return r
}

// allKeys lists the store's keys (its prefix only) with SCAN, never KEYS.
func allKeys(tb testing.TB, s *Store) []string {
	tb.Helper()
	var out []string
	if err := s.scan(tb.Context(), s.prefix+"*", func(k string) { out = append(out, k) }); err != nil {
		tb.Fatal(err)
	}
	return out
}

// dueScore is the customer's score in the team's due index (-1 when absent).
func dueScore(tb testing.TB, s *Store, team, id string) int64 {
	tb.Helper()
	k, err := s.team("test", team)
	if err != nil {
		tb.Fatal(err)
	}
	f, err := s.rdb.ZScore(tb.Context(), k.due(), id).Result()
	if err != nil {
		return -1
	}
	return int64(f)
}

// checked fails unless every index of team agrees with the records.
func checked(tb testing.TB, s *Store, team, step string) {
	tb.Helper()
	if err := s.CheckIndexes(context.Background(), team); err != nil {
		tb.Errorf("after %s: %v", step, err)
	}
}

// all reads every customer of the team (Export).
func all(tb testing.TB, s *Store, team string) []smed.Card {
	tb.Helper()
	var out []smed.Card
	for c, err := range s.Export(context.Background(), team) {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// totalsMatch fails unless Totals agrees with a full read of the customers.
func totalsMatch(tb testing.TB, s *Store, team, step string) {
	tb.Helper()
	n, v, err := s.Totals(context.Background(), team)
	if err != nil {
		tb.Fatal(err)
	}
	var want int64
	cs := all(tb, s, team)
	for _, c := range cs {
		want += c.Worth() // totals sum worth: the larger of value and deals
	}
	if n != len(cs) || v != want {
		tb.Errorf("after %s: Totals = %d customers, %d value; want %d, %d", step, n, v, len(cs), want)
	}
}

// id resolves a name (or fails).
func id(tb testing.TB, s *Store, team, name string) string {
	tb.Helper()
	r, _, err := s.Resolve(context.Background(), team, []string{name})
	if err != nil {
		tb.Fatalf("Resolve(%q): %v", name, err)
	}
	return r.ID
}

// byName reads the customer of a name.
func byName(tb testing.TB, s *Store, team, name string) (smed.Customer, error) {
	tb.Helper()
	r, _, err := s.Resolve(context.Background(), team, []string{name})
	if err != nil {
		return smed.Customer{}, err
	}
	return s.Customer(context.Background(), team, r.ID)
}

// fact remembers a fact by name.
func fact(tb testing.TB, s *Store, team string, cands []smed.Candidate, author string, at time.Time) smed.NoteReceipt {
	tb.Helper()
	r, err := s.AddFact(context.Background(), team, smed.NoteRequest{Candidates: cands, Author: author, At: at})
	if err != nil {
		tb.Fatalf("AddFact(%q): %v", cands[0].Name, err)
	}
	return r
}

func ptr[T any](v T) *T { return &v }

func errorsIs(err, target error) bool { return errors.Is(err, target) }
