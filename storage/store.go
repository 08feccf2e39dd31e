package storage

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/internal/redisdial"
)

// Store keeps Smed's customers, notes and facts in Redis. It is safe for
// concurrent use; it holds no state besides the client, so several processes
// may share one Redis.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	log    *slog.Logger

	floor, ceiling int      // of a learned cadence (WithCadenceBounds)
	bounded        sync.Map // team key bases whose bounds are written
	maxname        sync.Map // team key base → its maxname as last seen (names.go)
	maxnameAt      sync.Map // team key base → when a script last told it (time.Time)
	edits          sync.Map // team key base → true once a script said it has the edits mark (names.go)
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
	s := &Store{rdb: client, log: slog.New(slog.DiscardHandler), floor: defaultFloor, ceiling: defaultCeiling}
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

// Conn says which Redis to use: redis.url, redis.mode and
// redis.sentinel_master (internal/redisdial documents the URL forms).
type Conn struct {
	URL            string
	Mode           string // "" or "single", "cluster", "sentinel"
	SentinelMaster string
}

// Open connects to the Redis c names: one node (redis://, rediss://,
// unix://), a Redis Cluster, or a master behind Sentinel, or memory:// for an
// embedded Redis (miniredis) that lives as long as the process. Every client
// reports a dead or hung Redis within about a second and never sends a
// command twice (internal/redisdial). Open does not wait for Redis to answer:
// a Redis that is down now is reported by Ping and by every call until it is
// back, and the client reconnects by itself. close releases the client (and
// stops the embedded server).
func Open(ctx context.Context, c Conn, log *slog.Logger, opts ...Option) (*Store, func() error, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rdb, addrs, closeFn, err := dial(c)
	if err != nil {
		return nil, nil, err
	}
	// go-redis logs to a logger of its own (dial failures, pool trouble);
	// send it to ours at debug, so a terminal shows Smed's words only.
	redis.SetLogger(driverLog{log})
	log.DebugContext(ctx, "storage: opened", "mode", cmp.Or(c.Mode, "single"), "addrs", addrs, "embedded", IsMemory(c.URL))
	return New(rdb, append([]Option{WithLogger(log)}, opts...)...), closeFn, nil
}

// driverLog is go-redis's logger, as slog at debug.
type driverLog struct{ log *slog.Logger }

func (d driverLog) Printf(ctx context.Context, format string, v ...any) {
	d.log.DebugContext(ctx, "redis driver: "+fmt.Sprintf(format, v...))
}

// dial makes the client for c (starting the embedded server for memory://),
// the addresses it starts from (for logs), and the function that releases
// both.
func dial(c Conn) (redis.UniversalClient, []string, func() error, error) {
	cfg := redisdial.Config{Mode: redisdial.Mode(c.Mode), URL: c.URL, SentinelMaster: c.SentinelMaster}
	var mini *miniredis.Miniredis
	if IsMemory(c.URL) {
		mini = miniredis.NewMiniRedis()
		mini.ClockTTL(true) // expire keys by the wall clock, as Redis does (Guard leases)
		if err := mini.Start(); err != nil {
			return nil, nil, nil, fmt.Errorf("storage: start embedded redis: %w", err)
		}
		cfg = redisdial.Config{Mode: redisdial.Single, URL: "redis://" + mini.Addr()}
	}
	o, err := redisdial.Parse(cfg)
	if err != nil {
		if mini != nil {
			mini.Close()
		}
		return nil, nil, nil, fmt.Errorf("storage: %w", err) // names the problem, never the password
	}
	rdb := o.NewClient()
	closeFn := func() error {
		err := rdb.Close()
		if mini != nil {
			mini.Close()
		}
		return err
	}
	return rdb, o.Addrs(), closeFn, nil
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
