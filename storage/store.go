package storage

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
)

// Store keeps Smed's customers, notes and facts in Redis. It is safe for
// concurrent use; it holds no state besides the client, so several processes
// may share one Redis.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	log    *slog.Logger
}

var (
	_ smed.Store = (*Store)(nil)
	_ smed.Guard = (*Store)(nil)
)

// Option configures a Store.
type Option func(*Store)

// WithPrefix puts p in front of every key, so tests can share one Redis.
func WithPrefix(p string) Option { return func(s *Store) { s.prefix = p } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Store) { s.log = l } }

// New returns a Store over client. The client's timeouts decide how fast a dead
// Redis is reported; Open sets short ones.
func New(client redis.UniversalClient, opts ...Option) *Store {
	s := &Store{rdb: client, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(s)
	}
	return s
}

// IsMemory reports whether url asks for the embedded in-process store, whose
// data does not survive the process.
func IsMemory(url string) bool {
	return strings.HasPrefix(strings.ToLower(strings.TrimSpace(url)), "memory:")
}

// Client timeouts: a command against a dead or hung Redis must fail well within
// Slack's 3 seconds (dial or read 1 s, no retry), so the user gets a clear
// error rather than Slack's timeout.
const (
	dialTimeout = time.Second
	ioTimeout   = time.Second
)

// Open connects to the Redis at url: redis://, rediss:// or unix:// (as
// redis.ParseURL reads them), or memory:// for an embedded Redis (miniredis)
// that lives as long as the process. It does not wait for Redis to answer: a
// Redis that is down now is reported by Ping and by every call until it is back,
// and the client reconnects by itself. close releases the client (and stops the
// embedded server).
func Open(ctx context.Context, url string, log *slog.Logger) (*Store, func() error, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rdb, closeFn, err := dial(url)
	if err != nil {
		return nil, nil, err
	}
	opt := rdb.Options()
	log.DebugContext(ctx, "storage: opened", "network", opt.Network, "addr", opt.Addr, "embedded", IsMemory(url))
	return New(rdb, WithLogger(log)), closeFn, nil
}

// dial makes the client for url (starting the embedded server for memory://)
// and the function that releases both.
func dial(url string) (*redis.Client, func() error, error) {
	var (
		opt  *redis.Options
		mini *miniredis.Miniredis
	)
	if IsMemory(url) {
		mini = miniredis.NewMiniRedis()
		mini.ClockTTL(true) // expire keys by the wall clock, as Redis does (Guard leases)
		if err := mini.Start(); err != nil {
			return nil, nil, fmt.Errorf("storage: start embedded redis: %w", err)
		}
		opt = &redis.Options{Addr: mini.Addr()}
	} else {
		var err error
		if opt, err = redis.ParseURL(url); err != nil {
			// The URL may hold a password: name the problem, not the URL.
			return nil, nil, fmt.Errorf("storage: redis url: %w", err)
		}
	}
	if opt.DialTimeout == 0 {
		opt.DialTimeout = dialTimeout
	}
	if opt.ReadTimeout == 0 {
		opt.ReadTimeout = ioTimeout
	}
	if opt.WriteTimeout == 0 {
		opt.WriteTimeout = ioTimeout
	}
	if opt.DialerRetries == 0 {
		// One dial attempt: go-redis's default of 5 with backoff turns a
		// dead Redis into a half-second wait, a black-holed one into 5 s.
		opt.DialerRetries = 1
	}
	if opt.MaxRetries == 0 {
		// No automatic retries: the scripts are not idempotent, and a retry
		// after a read timeout or a dropped connection can apply a note twice
		// (the first attempt may have run). The user retries instead, after a
		// clear error. Connections a Redis restart closed are still replaced
		// without an error: the pool checks an idle connection before reuse.
		opt.MaxRetries = -1
	}
	opt.ContextTimeoutEnabled = true
	rdb := redis.NewClient(opt)
	closeFn := func() error {
		err := rdb.Close()
		if mini != nil {
			mini.Close()
		}
		return err
	}
	return rdb, closeFn, nil
}

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	return wrap("ping", s.rdb.Ping(ctx).Err())
}

// invalid marks bad input from the caller: it wraps smed.ErrInvalid, so the
// Slack edge can tell refused input from a failure of the store.
func invalid(op, format string, args ...any) error {
	return fmt.Errorf("storage: %s: %w: %s", op, smed.ErrInvalid, fmt.Sprintf(format, args...))
}
