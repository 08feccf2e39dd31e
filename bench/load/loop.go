package main

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// doer sends request number n and says what became of it. Each worker has its
// own doer (its own signer and buffers), so a doer is never called
// concurrently.
type doer func(ctx context.Context, n uint64) outcome

// window marks the measured part of a run: hooks called when it opens and
// closes (the CPU readings), and whether a time falls in it.
type window struct {
	open, close func()
}

// closedLoop runs c workers that each send a request as soon as their
// previous one is answered (saturation: c requests always in flight, on c
// keep-alive connections). Latency is from send to answer. Requests answered
// during [start+warmup, start+warmup+dur] are recorded; in-flight requests at
// the end are finished but not counted.
func closedLoop(ctx context.Context, c int, warmup, dur time.Duration, newDoer func() doer, w window) *recorder {
	var seq atomic.Uint64
	start := time.Now()
	ws, we := start.Add(warmup), start.Add(warmup+dur)
	recs := make([]*recorder, c)
	var wg sync.WaitGroup
	for k := range c {
		rec := &recorder{}
		recs[k] = rec
		do := newDoer()
		wg.Go(func() {
			for ctx.Err() == nil {
				sent := time.Now()
				if !sent.Before(we) {
					return
				}
				o := do(ctx, seq.Add(1)-1)
				done := time.Now()
				if !done.Before(ws) && !done.After(we) {
					rec.add(o, done.Sub(sent))
				}
			}
		})
	}
	sleepUntil(ctx, ws)
	w.open()
	sleepUntil(ctx, we)
	w.close()
	wg.Wait()
	return mergeAll(recs)
}

// openLoop sends requests at a fixed rate whatever the server does: request i
// is due at start + i/rate, and its latency is measured from that intended
// time, not from when a worker got round to sending it. So a server that
// stalls is charged for every request that should have gone out during the
// stall, not only for the one it was stuck on: no coordinated omission (Gil
// Tene; wrk2 does the same). At most c requests are in flight; when all c
// workers are busy the next requests wait, and that wait is in their latency.
//
// One dispatcher keeps the schedule: pace waits until a request is due (the
// generator's own lateness is in every latency, so it must wake on time:
// main passes newPacer's, which wakes within microseconds; a Go timer can
// wake a millisecond late on an idle runtime) and hands it to an idle worker.
//
// Requests due during [start+warmup, start+warmup+dur) are recorded. After the
// schedule ends, answers are awaited for up to drain; requests still
// unanswered then (or never sent) are recorded as unsent with the time they
// had waited so far, a lower bound of their latency.
func openLoop(ctx context.Context, c int, rate float64, warmup, dur, drain time.Duration, pace func(context.Context, time.Time), newDoer func() doer, w window) *recorder {
	lead := 10 * time.Millisecond // time to start the workers before the first slot
	start := time.Now().Add(lead)
	due := func(i uint64) time.Time { return start.Add(time.Duration(float64(i) * 1e9 / rate)) }
	first := uint64(math.Ceil(warmup.Seconds() * rate))         // first recorded slot
	total := uint64(math.Ceil((warmup + dur).Seconds() * rate)) // slots in the schedule
	ws, we := start.Add(warmup), start.Add(warmup+dur)
	stop := we.Add(drain)
	rctx, cancel := context.WithDeadline(ctx, stop)
	defer cancel()

	slots := make(chan uint64) // unbuffered: a slot leaves only to an idle worker
	var handed uint64          // slots handed to workers, read after wg.Wait
	var wg sync.WaitGroup
	wg.Go(func() {
		defer close(slots)
		for ; handed < total; handed++ {
			pace(rctx, due(handed))
			select {
			case slots <- handed:
			case <-rctx.Done():
				return
			}
		}
	})
	recs := make([]*recorder, c)
	for k := range c {
		rec := &recorder{}
		recs[k] = rec
		do := newDoer()
		wg.Go(func() {
			for i := range slots {
				intended := due(i)
				sent := time.Now()
				var o outcome
				if rctx.Err() == nil {
					o = do(rctx, i)
				}
				// Cut off at the end of the drain (a deadline error can come
				// back a moment before the context reports it).
				if rctx.Err() != nil || !time.Now().Before(stop) {
					o = unsent
				}
				done := time.Now()
				if i >= first {
					rec.add(o, done.Sub(intended))
					rec.sendLag = append(rec.sendLag, sent.Sub(intended))
				}
			}
		})
	}
	sleepUntil(ctx, ws)
	w.open()
	sleepUntil(ctx, we)
	w.close()
	wg.Wait()
	rec := mergeAll(recs)
	end := time.Now()
	for i := max(handed, first); i < total; i++ { // never sent
		rec.add(unsent, end.Sub(due(i)))
	}
	return rec
}

func mergeAll(recs []*recorder) *recorder {
	out := &recorder{}
	for _, r := range recs {
		out.merge(r)
	}
	return out
}

// sleepUntil waits until t or until ctx ends.
func sleepUntil(ctx context.Context, t time.Time) {
	d := time.Until(t)
	if d <= 0 {
		return
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
	case <-ctx.Done():
	}
}
