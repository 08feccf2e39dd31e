package main

import (
	"context"
	"regexp"
	"testing"
	"testing/synctest"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(v ...int) []time.Duration {
		out := make([]time.Duration, len(v))
		for i, x := range v {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1 // 1..100 ms
	}
	thousand := make([]int, 1000)
	for i := range thousand {
		thousand[i] = i + 1
	}
	for _, tc := range []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one sample is every percentile", ms(7), 99.9, 7 * time.Millisecond},
		{"median of 1..100 is 50 (nearest rank)", ms(hundred...), 50, 50 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p99.9 of 1..100 is the max", ms(hundred...), 99.9, 100 * time.Millisecond},
		{"p99.9 of 1..1000", ms(thousand...), 99.9, 999 * time.Millisecond},
		{"p100 is the max", ms(thousand...), 100, 1000 * time.Millisecond},
		{"tiny p is the min", ms(thousand...), 0.0001, 1 * time.Millisecond},
	} {
		if got := percentile(tc.sorted, tc.p); got != tc.want {
			t.Errorf("%s: percentile(p=%v) = %v, want %v", tc.name, tc.p, got, tc.want)
		}
	}
	// summarise sorts a copy and leaves the samples as they were.
	in := ms(30, 10, 20)
	s := summarise(in)
	if s.P50 != 20*time.Millisecond || s.Max != 30*time.Millisecond || s.Mean != 20*time.Millisecond || in[0] != 30*time.Millisecond {
		t.Errorf("summarise = %+v, input now %v", s, in)
	}
}

// A server that stalls once for 200 ms, driven at 1,000 requests/s by one
// connection. Measured from each request's intended send time, the stall
// costs every request that was due during it (about 200 of them, and more
// while the backlog drains); measured from the actual send, as a closed loop
// would, only the one request it was stuck on would look slow — coordinated
// omission.
func TestOpenLoopCountsTheStallForEveryRequestDueDuringIt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var started time.Time
		newDoer := func() doer {
			return func(ctx context.Context, n uint64) outcome {
				if n == 100 {
					time.Sleep(200 * time.Millisecond)
				} else {
					time.Sleep(100 * time.Microsecond)
				}
				return okReply
			}
		}
		w := window{open: func() { started = time.Now() }, close: func() {}}
		rec := openLoop(context.Background(), 1, 1000, 0, time.Second, time.Second, sleepUntil, newDoer, w)
		if started.IsZero() {
			t.Fatal("window never opened")
		}
		if got := rec.counts[okReply]; got != 1000 {
			t.Fatalf("%d requests answered, want all 1000 of the schedule", got)
		}
		slow := 0
		for _, l := range rec.lat {
			if l >= 50*time.Millisecond {
				slow++
			}
		}
		// Requests 100..~250 waited behind the stall at least 50 ms.
		if slow < 150 {
			t.Errorf("%d requests at ≥ 50 ms, want ≥ 150: the stall is not charged to the requests due during it", slow)
		}
		s := summarise(rec.lat)
		if s.P50 > time.Millisecond || s.P99 < 150*time.Millisecond || s.Max < 200*time.Millisecond {
			t.Errorf("p50 %v p99 %v max %v; want p50 ≤ 1ms (no stall), p99 ≥ 150ms, max ≥ 200ms", s.P50, s.P99, s.Max)
		}
		if lag := summarise(rec.sendLag); lag.P90 < 10*time.Millisecond {
			t.Errorf("send lag p90 %v: requests due during the stall should have left late", lag.P90)
		}
	})
}

// Requests the server never answers are not dropped from the report: each
// counts as unfinished with the time it had waited, in flight or never sent.
func TestOpenLoopReportsUnansweredRequests(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		newDoer := func() doer {
			return func(ctx context.Context, n uint64) outcome {
				if n < 10 {
					return okReply
				}
				<-ctx.Done() // a server that stops answering
				return failed
			}
		}
		w := window{open: func() {}, close: func() {}}
		rec := openLoop(context.Background(), 2, 100, 0, time.Second, 500*time.Millisecond, sleepUntil, newDoer, w)
		if rec.counts[okReply] != 10 || rec.counts[unsent] != 90 || len(rec.lat) != 100 {
			t.Fatalf("ok %d, unfinished %d, samples %d; want 10, 90, 100", rec.counts[okReply], rec.counts[unsent], len(rec.lat))
		}
		// The first one was due at 100 ms and the run ended at 1 s + 0.5 s drain.
		if s := summarise(rec.lat); s.Max != 1400*time.Millisecond {
			t.Errorf("max %v, want 1.4s: the first unanswered request waited from 100ms to the end of the drain", s.Max)
		}
	})
}

func TestClosedLoopRecordsTheWindowOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		newDoer := func() doer {
			return func(ctx context.Context, n uint64) outcome {
				time.Sleep(time.Millisecond)
				return okReply
			}
		}
		var open, closed time.Time
		w := window{open: func() { open = time.Now() }, close: func() { closed = time.Now() }}
		start := time.Now()
		rec := closedLoop(context.Background(), 4, 500*time.Millisecond, time.Second, newDoer, w)
		if open.Sub(start) != 500*time.Millisecond || closed.Sub(open) != time.Second {
			t.Errorf("window %v..%v after start, want 500ms..1.5s", open.Sub(start), closed.Sub(start))
		}
		// 4 connections × 1 ms per request × 1 s.
		if n := rec.counts[okReply]; n < 3996 || n > 4004 {
			t.Errorf("%d requests recorded, want 4000 ± 4", n)
		}
	})
}

// The substring classifier is the contract check's regular expressions,
// cheaper.
func TestClassifyMatchesRegexps(t *testing.T) {
	errorRE := regexp.MustCompile(`(?i)(error|unavailable|could ?n[o'’]t|failed|try again|invalid|unknown|not found|did you mean|usage)`)
	nearMissRE := regexp.MustCompile(`(?i)did you mean`)
	holdingRE := regexp.MustCompile(`(?i)working on it|one moment|hourglass`)
	createdRE := regexp.MustCompile(`(?i)new customer`)
	want := func(body []byte) outcome {
		switch {
		case holdingRE.Match(body) && len(body) < 400:
			return holding
		case nearMissRE.Match(body):
			return nearMiss
		case errorRE.Match(body):
			return errorReply
		case createdRE.Match(body):
			return created
		}
		return okReply
	}
	bodies := []string{
		`{"response_type":"ephemeral","text":"Noted."}`,
		`{"text":":hourglass_flowing_sand: Working on it…"}`,
		`{"text":"Noted. *Kavelut* is a New Customer, owned by you"}`,
		`{"text":"Did you mean *Kavelut Møbler*? To make a new customer, quote it"}`,
		`{"text":"Redis is UNAVAILABLE, try again"}`,
		`{"text":"I couldn’t save that"}`, `{"text":"I couldnt"}`, `{"text":"could not"}`, `{"text":"could n't"}`,
		`{"text":"could nat"}`, `{"text":"coulda"}`, `{"text":"Usage: /customer note"}`, `{"text":"ERROR"}`,
		`{"text":"Customer not found"}`, `{"text":"one moment please"}`,
	}
	var c classifier
	for _, b := range bodies {
		if got, w := c.classify([]byte(b)), want([]byte(b)); got != w {
			t.Errorf("classify(%s) = %s, want %s", b, outcomeNames[got], outcomeNames[w])
		}
	}
}

func TestParseStat(t *testing.T) {
	// A command name with spaces and a parenthesis, as /proc allows.
	line := "4242 (smed (x) run) S 1 4242 4242 0 -1 4194560 3000 0 0 0 250 75 0 0 20 0 9 0 100 0 0"
	got, err := parseStat([]byte(line))
	if err != nil || got != 3250*time.Millisecond {
		t.Fatalf("parseStat = %v, %v; want 3.25s (325 ticks)", got, err)
	}
	if _, err := cpuTime("self"); err != nil {
		t.Fatalf("cpuTime(self): %v", err)
	}
}
