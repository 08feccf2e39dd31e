package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeReindexer answers NeedsReindex and Reindex from scripted results, one
// per call, and counts the calls.
type fakeReindexer struct {
	mu     sync.Mutex
	needs  []error // per NeedsReindex call: nil means "needed"
	moves  []error // per Reindex call
	needN  int
	moveN  int
	onMove func()
	moved  bool // a Reindex succeeded: no more needed
}

func (f *fakeReindexer) NeedsReindex(context.Context, string) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.needN++
	if f.needN <= len(f.needs) {
		return f.needs[f.needN-1] == nil, f.needs[f.needN-1]
	}
	return !f.moved, nil
}

func (f *fakeReindexer) Reindex(context.Context, string) (int, error) {
	f.mu.Lock()
	f.moveN++
	n := f.moveN
	on := f.onMove
	f.mu.Unlock()
	if on != nil {
		on()
	}
	if n <= len(f.moves) {
		return n, f.moves[n-1]
	}
	f.mu.Lock()
	f.moved = true
	f.mu.Unlock()
	return 7, nil
}

var errRedisAway = errors.New("redis: connection refused")

// A reindex that finds Redis away, at the check or halfway, tries again
// after the retry delay and finishes; the log says what happened.
func TestReindexRetriesWhileRedisIsAway(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	f := &fakeReindexer{needs: []error{errRedisAway, nil}, moves: []error{errRedisAway}}
	done := make(chan struct{})
	go func() { reindex(t.Context(), log, f, "T1", time.Millisecond); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("reindex did not finish")
	}
	if f.moveN != 2 {
		t.Errorf("Reindex was called %d times, want 2 (one failed, one done)", f.moveN)
	}
	out := buf.String()
	for _, want := range []string{"trying again in a minute", "customer names moved to the new typo index", "names=7"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

// A reindex stopped with smed returns at once and says so without a warning;
// a team that needs none costs one check and no log line.
func TestReindexStopsWithSmed(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	ctx, cancel := context.WithCancel(t.Context())
	f := &fakeReindexer{needs: []error{nil}, moves: []error{context.Canceled}, onMove: cancel}
	reindex(ctx, log, f, "T1", time.Hour)
	if out := buf.String(); strings.Contains(out, "WARN") || !strings.Contains(out, "stopped with smed") {
		t.Errorf("log of a reindex stopped with smed:\n%s", out)
	}
	buf.Reset()
	idle := &fakeReindexer{moved: true}
	reindex(t.Context(), log, idle, "T1", time.Hour)
	if idle.needN != 1 || idle.moveN != 0 || buf.Len() != 0 {
		t.Errorf("a team that needs no reindex: %d checks, %d moves, log %q", idle.needN, idle.moveN, buf.String())
	}
}
