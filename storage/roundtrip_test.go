package storage

import (
	"context"
	"errors"
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
// with Redis a network hop away): a note or fact on a known customer = 1
// round trip, name resolution and word index included; a create by a quoted
// name = 1; card = 1; update = 1; near-misses, type-ahead, resolve = 1.
func TestRoundTrips(t *testing.T) {
	t.Parallel()
	s := redisStore(t)
	h := &trips{}
	s.rdb.AddHook(h)
	ctx := t.Context()
	acme := mustNote(t, s, team, named("Acme Corp", "warm up"), "U1", t0).Customer.ID
	fact(t, s, team, named("Acme Corp", "warm up"), "U1", t0)
	if _, err := s.Update(ctx, team, acme, smed.Change{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Card(ctx, team, acme, 1); err != nil {
		t.Fatal(err)
	}
	for _, warm := range []func() error{
		func() error { _, err := s.NearMisses(ctx, team, []string{"Acme Crop"}, 3); return err },
		func() error { _, _, err := s.Resolve(ctx, team, []string{"x"}); return ignoreNotFound(err) },
		func() error { _, err := s.List(ctx, team, "", t0, 20); return err },
	} {
		if err := warm(); err != nil {
			t.Fatal(err)
		}
	}
	// Scripts are loaded now (EVALSHA hits) and both connection pools (go-redis
	// keeps one for pipelines) hold a connection: what follows is steady state.
	for _, tc := range []struct {
		name string
		max  int64
		run  func() error
	}{
		{"AddNote", 1, func() error {
			_, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: words("Acme Corp renewal went well, call back on Friday about the quote"), Author: "U2", At: t0})
			return err
		}},
		{"AddNote by ID", 1, func() error {
			_, err := s.AddNote(ctx, team, smed.NoteRequest{CustomerID: acme, Text: "from a button", Author: "U2", At: t0})
			return err
		}},
		{"AddNote create quoted", 1, func() error {
			_, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: named("Globex Inc", "first call"), Author: "U2", At: t0, Create: true, CadenceDays: 30})
			return err
		}},
		{"AddNote unknown", 1, func() error {
			_, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: words("Initech said hi"), Author: "U2", At: t0})
			return ignoreNotFound(err)
		}},
		{"AddFact", 1, func() error {
			_, err := s.AddFact(ctx, team, smed.NoteRequest{Candidates: words("Acme Corp pays late"), Author: "U2", At: t0})
			return err
		}},
		{"Card", 1, func() error { _, err := s.Card(ctx, team, acme, 5); return err }},
		{"Update", 1, func() error {
			_, err := s.Update(ctx, team, acme, smed.Change{Value: ptr[int64](10), By: "U1", At: t0})
			return err
		}},
		{"Resolve", 1, func() error { _, _, err := s.Resolve(ctx, team, []string{"acme corp x", "acme corp"}); return err }},
		{"NearMisses", 1, func() error {
			_, err := s.NearMisses(ctx, team, []string{"Acme Crop said", "Acme Crop"}, 3)
			return err
		}},
		{"Suggest", 1, func() error { _, err := s.Suggest(ctx, team, "acm", 10); return err }},
		{"List", 2, func() error { _, err := s.List(ctx, team, "U1", t0.Add(100*smed.Day), 20); return err }},
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

func ignoreNotFound(err error) error {
	if errors.Is(err, smed.ErrNotFound) {
		return nil
	}
	return err
}
