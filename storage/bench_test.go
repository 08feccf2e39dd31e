package storage

import (
	"testing"
	"time"

	"github.com/smedhq/smed"
)

// Benchmarks against the test redis-server. Report them as ratios to
// BenchmarkPing (one empty round trip on the same connection), which factors
// out the machine and the transport.

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
	for i := range 50 {
		mustNote(b, s, team, named("Acme Corp", "a note of ordinary length about a call"), "U1", t0.Add(time.Duration(i)*time.Minute))
	}
	for range 3 {
		if _, err := s.Remember(b.Context(), team, named("Acme Corp", "prefers calls before 10"), "U1", t0); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		if _, err := s.Card(b.Context(), team, "acme corp", 5); err != nil {
			b.Fatal(err)
		}
	}
}
