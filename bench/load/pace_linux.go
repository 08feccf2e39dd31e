package main

import (
	"context"
	"errors"
	"os"
	"syscall"
	"time"
	"unsafe"
)

// newPacer returns a wait that wakes at t within microseconds, for the open
// loop's schedule. A Go timer does not: when the runtime has nothing to run
// it sleeps in epoll_wait, whose timeout is whole milliseconds (runtime
// netpoll rounds a wait under 1 ms up to 1 ms), so a request due in 0.2 ms
// left up to a millisecond late, and that lateness was in its latency (the
// p99 send lag was 1.3–1.6 ms at 1,000 req/s). A timerfd is a file the
// runtime's poller watches: epoll_wait returns when it expires, whatever its
// timeout. Without timerfd (an old kernel, a sandbox) the wait is a timer.
func newPacer() (func(context.Context, time.Time), func()) {
	const clockMonotonic, tfdNonblock, tfdCloexec = 1, syscall.O_NONBLOCK, syscall.O_CLOEXEC
	fd, _, errno := syscall.Syscall(syscall.SYS_TIMERFD_CREATE, clockMonotonic, tfdNonblock|tfdCloexec, 0)
	if errno != 0 {
		return sleepUntil, func() {}
	}
	f := os.NewFile(fd, "timerfd") // non-blocking: reads park on the poller
	var buf [8]byte
	pace := func(ctx context.Context, t time.Time) {
		d := time.Until(t)
		if d <= 0 || ctx.Err() != nil {
			return
		}
		// struct itimerspec {it_interval, it_value}: one shot, relative.
		spec := [2]syscall.Timespec{{}, syscall.NsecToTimespec(int64(d))}
		if _, _, errno := syscall.Syscall6(syscall.SYS_TIMERFD_SETTIME, fd, 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0); errno != 0 {
			sleepUntil(ctx, t)
			return
		}
		// Wake for ctx too: a deadline on the read ends it when ctx ends.
		if dl, ok := ctx.Deadline(); ok {
			_ = f.SetReadDeadline(dl)
		}
		if _, err := f.Read(buf[:]); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			sleepUntil(ctx, t)
		}
	}
	return pace, func() { f.Close() }
}
