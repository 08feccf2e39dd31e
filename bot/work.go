package bot

import (
	"context"
	"sync"
)

// tracker runs work after an acknowledgement and lets shutdown wait for it.
//
// Shutdown first stops intake (the HTTP server and Socket Mode), then calls
// close, then wait. After close no goroutine is added to the wait group — new
// work runs inline in its caller, which is itself tracked work — so an Add can
// never race the Wait (sync.WaitGroup forbids that once the count may be zero).
type tracker struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

// do runs f on its own goroutine, or inline once the tracker is closed.
func (t *tracker) do(f func()) {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		f()
		return
	}
	t.wg.Add(1)
	t.mu.Unlock()
	go func() {
		defer t.wg.Done()
		f()
	}()
}

// run runs f on the caller's goroutine, counted like the work of do.
func (t *tracker) run(f func()) {
	t.mu.Lock()
	if !t.closed {
		t.wg.Add(1)
		defer t.wg.Done()
	}
	t.mu.Unlock()
	f()
}

func (t *tracker) close() {
	t.mu.Lock()
	t.closed = true
	t.mu.Unlock()
}

// wait closes the tracker and blocks until every goroutine started by do has
// returned, or ctx ends.
func (t *tracker) wait(ctx context.Context) error {
	t.close()
	done := make(chan struct{})
	go func() { t.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
