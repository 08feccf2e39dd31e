package storage

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/internal/redistest"
)

// SPEC: when Redis is down, commands answer with a clear error within 3
// seconds, and the bot recovers by itself when Redis is back.
func TestRedisDownThenBack(t *testing.T) {
	t.Parallel()
	srv := redistest.Server(t)
	s := storeAt(t, srv.URL())
	ctx := t.Context()
	acme := mustNote(t, s, team, named("Acme", "before"), "U1", t0).Customer.ID

	srv.Stop()
	for _, op := range []struct {
		name string
		run  func() error
	}{
		{"AddNote", func() error {
			_, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: named("Acme", "during"), Author: "U1", At: t0})
			return err
		}},
		{"Card", func() error { _, err := s.Card(ctx, team, acme, 3); return err }},
		{"Ping", func() error { return s.Ping(ctx) }},
		{"Claim", func() error { _, err := s.Claim(ctx, team, "k", time.Minute); return err }},
	} {
		start := time.Now()
		err := op.run()
		if !errors.Is(err, smed.ErrUnavailable) {
			t.Errorf("%s with Redis down: %v, want ErrUnavailable", op.name, err)
		}
		if errors.Is(err, smed.ErrUnconfirmed) {
			t.Errorf("%s with Redis down: %v; nothing was sent, so it is not ErrUnconfirmed", op.name, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s took %v to fail, want under 2s", op.name, d)
		}
	}

	// Same port, empty data set (no persistence in tests); same Store.
	srv.Restart(t)
	r, err := s.AddNote(ctx, team, smed.NoteRequest{Candidates: named("Acme", "after"), Author: "U1", At: t0, Create: true, CadenceDays: 30})
	if err != nil {
		t.Fatalf("AddNote after restart: %v", err)
	}
	if !r.Created || r.Customer.NoteCount != 1 {
		t.Errorf("after restart: %+v", r)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping after restart: %v", err)
	}
}

// A hung Redis (accepts, never answers) must fail as fast as a dead one.
func TestRedisHung(t *testing.T) {
	t.Parallel()
	srv := redistest.Server(t)
	s := storeAt(t, srv.URL())
	acme := mustNote(t, s, team, named("Acme", "before"), "U1", t0).Customer.ID
	if !srv.Pause() {
		t.Skip("cannot pause the embedded fallback server")
	}
	defer srv.Resume()
	start := time.Now()
	_, err := s.AddNote(t.Context(), team, smed.NoteRequest{Candidates: named("Acme", "during"), Author: "U1", At: t0})
	if !errors.Is(err, smed.ErrUnavailable) || !errors.Is(err, smed.ErrUnconfirmed) {
		t.Errorf("AddNote with Redis hung: %v, want ErrUnavailable and ErrUnconfirmed (it may still run)", err)
	}
	if d := time.Since(start); d > 2500*time.Millisecond {
		t.Errorf("took %v to fail, want well under 3s", d)
	}
	srv.Resume()
	// The timed-out note was not retried behind our back: once Redis runs
	// again, it holds the note the server had already received, or none;
	// never two.
	c, err := s.Customer(t.Context(), team, acme)
	if err != nil {
		t.Fatalf("after resume: %v", err)
	}
	if c.NoteCount > 2 {
		t.Errorf("note applied %d times", c.NoteCount-1)
	}
}

// Errors that mean "Redis cannot serve now" map to ErrUnavailable, others do not.
func TestErrorTranslation(t *testing.T) {
	t.Parallel()
	m := miniredis.RunT(t)
	s := storeAt(t, "redis://"+m.Addr())
	for _, tc := range []struct {
		reply string
		want  error
	}{
		{"LOADING Redis is loading the dataset in memory", smed.ErrUnavailable},
		{"MASTERDOWN Link with MASTER is down", smed.ErrUnavailable},
		{"TRYAGAIN Multiple keys request during rehashing of slot", smed.ErrUnavailable},
		{"ASK 1357 127.0.0.1:7001", smed.ErrUnavailable}, // a redirect budget run out mid-migration
		{"MOVED 1357 127.0.0.1:7001", smed.ErrUnavailable},
		{"ERR something else", nil},
	} {
		m.SetError(tc.reply)
		err := s.Ping(t.Context())
		if err == nil {
			t.Fatalf("%s: no error", tc.reply)
		}
		if tc.want != nil && !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.reply, err, tc.want)
		}
		if tc.want == nil && (errors.Is(err, smed.ErrUnavailable) || errors.Is(err, smed.ErrNotFound)) {
			t.Errorf("%s: %v, want a plain error", tc.reply, err)
		}
	}
	m.SetError("")
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("after clearing: %v", err)
	}
	// The caller's own deadline counts as "did not answer in time".
	ctx, cancel := context.WithTimeout(t.Context(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()
	if err := s.Ping(ctx); !errors.Is(err, smed.ErrUnavailable) {
		t.Errorf("expired context: %v, want ErrUnavailable", err)
	}
}
