package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/internal/redisdial"
)

// wrap translates a go-redis error into the domain's vocabulary and names the
// operation: redis.Nil becomes smed.ErrNotFound, anything that means "Redis is
// not there or not answering" becomes smed.ErrUnavailable (with the cause kept
// for logs), the rest is wrapped as it is.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, redis.Nil):
		return fmt.Errorf("storage: %s: %w", op, smed.ErrNotFound)
	case unavailable(err) && unconfirmed(err):
		return fmt.Errorf("storage: %s: %w: %w: %w", op, smed.ErrUnavailable, smed.ErrUnconfirmed, err)
	case unavailable(err):
		return fmt.Errorf("storage: %s: %w: %w", op, smed.ErrUnavailable, err)
	default:
		return fmt.Errorf("storage: %s: %w", op, err)
	}
}

// unconfirmed reports whether the command may have run although no answer
// came: a timeout after it was sent (a frozen server resumes and executes what
// it received), or a connection that dropped after it was sent (Redis killed
// after writing its append-only file). A dial that failed sent nothing
// (redisdial.MayHaveRun tells the two apart).
func unconfirmed(err error) bool { return redisdial.MayHaveRun(err) }

// unavailable reports whether err means the store could not be reached or did
// not answer in time, as opposed to a bug or a refused command.
func unavailable(err error) bool {
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded),
		errors.As(err, &netErr), // dial errors, refused, timeouts, resets
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, syscall.ENOENT), // unix socket gone
		errors.Is(err, redis.ErrClosed), errors.Is(err, redis.ErrPoolTimeout),
		errors.Is(err, redis.ErrPoolExhausted):
		return true
	}
	// Redis is up but cannot serve yet (or any more): loading its data set,
	// replica lost its master, cluster reconfiguring.
	// A demoted master answers READONLY until Sentinel's switch reaches us.
	// A MOVED or ASK that reaches us is a slot migration that outran
	// go-redis's redirect budget (ASK, TRYAGAIN, ASK …): nothing ran.
	return redis.IsLoadingError(err) || redis.IsMasterDownError(err) ||
		redis.IsClusterDownError(err) || redis.IsTryAgainError(err) ||
		redis.IsMaxClientsError(err) || redis.IsReadOnlyError(err) ||
		redirected(err)
}

func redirected(err error) bool {
	_, moved := redis.IsMovedError(err)
	_, ask := redis.IsAskError(err)
	return moved || ask
}

// errorf is an internal failure (a reply the code does not understand).
func errorf(format string, args ...any) error {
	return fmt.Errorf("storage: "+format, args...)
}

func wrapf(op, format string, args ...any) error {
	return fmt.Errorf("storage: %s: "+format, append([]any{op}, args...)...)
}

// committed is the error of a write whose script ran (it answered "ok") but
// whose answer could not be read: the write happened, so the caller must not
// say "nothing was saved" and must not retry blindly (smed.ErrUnconfirmed).
func committed(op string, err error) error {
	return fmt.Errorf("storage: %s: %w: %w: the write ran but its answer is unreadable: %w",
		op, smed.ErrUnavailable, smed.ErrUnconfirmed, err)
}
