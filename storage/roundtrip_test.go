package storage

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
)

// trips counts round trips: one per command, one per pipeline.
type trips struct{ n atomic.Int64 }

func (h *trips) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h *trips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}
func (h *trips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

// The hot paths' costs are part of the design (SPEC: answer within 3 s, even
// with Redis a network hop away): note on a known customer = 1 round trip,
// card ≤ 2, fact = 1, update = 1.
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	s := redisStore(t)
	h := &trips{}
	s.rdb.AddHook(h)
	ctx := t.Context()
	mustNote(t, s, team, named("Acme Corp", "warm up"), "U1", t0)
	if _, err := s.Remember(ctx, team, named("Acme Corp", "warm up"), "U1", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Update(ctx, team, "Acme Corp", smed.Change{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Card(ctx, team, "Acme Corp", 1); err != nil {
		t.Fatal(err)
	}
	// Scripts are loaded now (EVALSHA hits) and both connection pools (go-redis
	// keeps one for pipelines) hold a connection: what follows is steady state.
	for _, tc := range []struct {
		name string
		max  int64
		run  func() error
	}{
		{"AddNote", 1, func() error {
			_, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: words("Acme Corp renewal went well"), Author: "U2", At: t0})
			return err
		}},
		{"AddNote create", 1, func() error {
			_, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: words("Globex first call"), Author: "U2", At: t0, Create: true, CadenceDays: 30})
			return err
		}},
		{"Remember", 1, func() error {
			_, err := s.Remember(ctx, team, words("Acme Corp pays late"), "U2", t0)
			return err
		}},
		{"Card", 2, func() error { _, err := s.Card(ctx, team, "acme corp", 5); return err }},
		{"Update", 1, func() error {
			_, err := s.Update(ctx, team, "acme corp", smed.Change{Value: ptr[int64](10)})
			return err
		}},
		{"Overdue", 2, func() error { _, err := s.Overdue(ctx, team, t0.Add(100*smed.Day), ""); return err }},
	} {
		before := h.n.Load()
		if err := tc.run(); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := h.n.Load() - before; got > tc.max {
			t.Errorf("%s took %d round trips, want at most %d", tc.name, got, tc.max)
		}
	}
}
