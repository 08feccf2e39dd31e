package main

import (
	"context"
	"testing"
	"time"
)

// The pacer never wakes before a request is due (that would send it early
// and flatter the latency), returns at once for a time already past, and
// ends when its context does, after one shot or many.
func TestPacerWakesNoEarlierThanDue(t *testing.T) {
	pace, done := newPacer()
	defer done()
	ctx := context.Background()
	for i := range 50 {
		due := time.Now().Add(time.Duration(i%7) * 300 * time.Microsecond)
		pace(ctx, due)
		if now := time.Now(); now.Before(due) {
			t.Fatalf("woke %v before the due time", due.Sub(now))
		}
	}
	start := time.Now()
	pace(ctx, start.Add(-time.Second))
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("a past due time waited %v", took)
	}
	// start before the deadline is set: it counts from WithTimeout, and the
	// goroutine may be descheduled between the two lines.
	start = time.Now()
	cctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	pace(cctx, start.Add(time.Hour))
	if took := time.Since(start); took < 20*time.Millisecond || took > 10*time.Second {
		t.Errorf("a wait of an hour under a 20 ms deadline took %v", took)
	}
}
