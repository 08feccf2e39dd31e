package redisdial

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync"

	"github.com/redis/go-redis/v9"
)

// Why a guard: go-redis's ClusterClient has its own retry loop, bounded by
// MaxRedirects, not by MaxRetries. In v9.23.0 osscluster.go,
// ClusterClient.process loops `for attempt := 0; attempt <= c.opt.MaxRedirects`
// and follows MOVED/ASK (isMovedError), but also re-sends the command when
//
//	shouldRetry(lastErr, cmd.readTimeout() == nil) && !cmd.NoRetry()
//
// holds: first to the same node, then after node.MarkAsFailing() again.
// shouldRetry (error.go) is true for io.EOF, for every net.Error that is not
// a timeout, and for a timeout when the command has no read timeout of its
// own (retryTimeout) — which is every ordinary command, EVALSHA included. So
// with MaxRetries = -1 (node clients do not retry) a script whose reply timed
// out is still sent up to MaxRedirects more times: a note logged twice, and
// against a hung node 4 × the read timeout, past Slack's 3 s. Plain
// pipelines do the same (processPipelineNodeConn and pipelineReadCmds
// re-queue on shouldRetry(err, true)); MULTI/EXEC does not re-send after a
// read error (txReadFatal) but does after a write error. Setting
// MaxRedirects to -1 (0 attempts more) would stop the re-sends, and the
// redirects with them. Upstream knows (redis/go-redis#1481, #2096; PR #1487,
// splitting redirects from retries, was closed unmerged).
//
// So the ClusterClient keeps MaxRedirects, and two hooks keep its retries
// to the safe cases: one on the ClusterClient gives each command (or
// pipeline) a sendGuard in its context; one on every node client records in
// that guard the first error after which the command may have run (or after
// which trying again is pointless: a dial that timed out), and from then on
// answers the loop's further attempts with that error without sending
// anything. Redirects (MOVED, ASK) and rejections (TRYAGAIN, CLUSTERDOWN,
// LOADING, READONLY) are replies from Redis, not recorded: they are still
// followed and retried, as the command did not run.

// guardCluster installs both hooks on c; call it before c's first command.
func guardCluster(c *redis.ClusterClient) {
	c.AddHook(clusterGuard{})
	c.OnNewNode(func(node *redis.Client) { node.AddHook(nodeGuard{}) })
}

// sendGuard belongs to one command or pipeline on the ClusterClient.
type sendGuard struct {
	cmds []redis.Cmder

	mu   sync.Mutex // a pipeline's nodes run concurrently
	stop error      // first error after which nothing more is sent
}

type guardKey struct{}

func guardFrom(ctx context.Context) *sendGuard {
	g, _ := ctx.Value(guardKey{}).(*sendGuard)
	return g
}

// covers reports whether a node call is (part of) the guarded command: the
// same command, or one go-redis made from it (a per-slot copy, the ASKING
// pipeline around it, MULTI/EXEC). The cluster's own bookkeeping on the same
// context (CLUSTER SLOTS while loading the slot map, COMMAND) is not, so a
// seed node that timed out does not keep the next seed from being asked.
func (g *sendGuard) covers(cmds []redis.Cmder) bool {
	for _, c := range cmds {
		for _, own := range g.cmds {
			if c == own {
				return true
			}
			if n := c.Name(); n == own.Name() && n != "cluster" && n != "command" {
				return true
			}
		}
	}
	return false
}

// check returns the recorded error, or nil when sending is still allowed.
func (g *sendGuard) check() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.stop
}

// record keeps err when it ends the attempts.
func (g *sendGuard) record(err error) {
	if !MayHaveRun(err) && !dialTimedOut(err) {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stop == nil {
		g.stop = err
	}
}

// clusterGuard is the ClusterClient's hook: it starts a guard per call.
type clusterGuard struct{}

func (clusterGuard) DialHook(next redis.DialHook) redis.DialHook { return next }

func (clusterGuard) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		return next(context.WithValue(ctx, guardKey{}, &sendGuard{cmds: []redis.Cmder{cmd}}), cmd)
	}
}

func (clusterGuard) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		return next(context.WithValue(ctx, guardKey{}, &sendGuard{cmds: slices.Clone(cmds)}), cmds)
	}
}

// nodeGuard is every node client's hook: it refuses what the guard forbids
// and records what ends the attempts. It also marks dial errors.
type nodeGuard struct{ dialMarker }

func (nodeGuard) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		g := guardFrom(ctx)
		if g == nil || !g.covers([]redis.Cmder{cmd}) {
			return next(ctx, cmd)
		}
		if err := g.check(); err != nil {
			return err // Client.Process sets it on cmd
		}
		err := next(ctx, cmd)
		g.record(err)
		return err
	}
}

func (nodeGuard) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		g := guardFrom(ctx)
		if g == nil || !g.covers(cmds) {
			return next(ctx, cmds)
		}
		if err := g.check(); err != nil {
			// Not sent: every command must say so, or a caller reading
			// the commands' own errors would take them for answered.
			for _, c := range cmds {
				c.SetErr(err)
			}
			return err
		}
		err := next(ctx, cmds)
		// A pipeline's error is its first failed command's; a later one
		// may have lost its connection after an earlier one's error reply.
		for _, c := range cmds {
			g.record(c.Err())
		}
		g.record(err)
		return err
	}
}

// dialMarker marks the errors of the dial phase (for a sentinel client
// including the question to the sentinels), so MayHaveRun can tell "never
// connected" from "sent, and no answer". The marked error unwraps to the
// original: go-redis and callers see what they saw before.
type dialMarker struct{}

func (dialMarker) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		if err != nil {
			return nil, &dialError{err}
		}
		return c, nil
	}
}

func (dialMarker) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

func (dialMarker) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// dialError is an error from connecting: nothing was sent.
type dialError struct{ err error }

func (e *dialError) Error() string { return e.err.Error() }
func (e *dialError) Unwrap() error { return e.err }

// MayHaveRun reports whether err, returned for a command by a client from
// this package, leaves open whether Redis ran the command: it may have been
// sent, and no reply came (a read timeout, a connection dropped, a deadline).
// It is false for a reply from Redis (any error reply, redis.Nil, MOVED,
// TRYAGAIN …), for a failure to connect, and for a pool that had no
// connection to give. Callers tell the user "can't tell whether this was
// saved" when it is true, and must not send a non-idempotent command again.
func MayHaveRun(err error) bool {
	if err == nil || isReply(err) {
		return false
	}
	var de *dialError
	var op *net.OpError
	switch {
	case errors.As(err, &de),
		errors.As(err, &op) && op.Op == "dial",
		errors.Is(err, redis.ErrClosed),
		errors.Is(err, redis.ErrPoolTimeout),
		errors.Is(err, redis.ErrPoolExhausted):
		return false
	}
	return true
}

// isReply reports whether err is Redis's answer rather than a failure to
// get one.
func isReply(err error) bool {
	var re redis.Error
	return errors.As(err, &re)
}

// dialTimedOut reports a connection attempt that timed out: the node is not
// reachable now, and trying again would only spend another dial timeout.
func dialTimedOut(err error) bool {
	var de *dialError
	var ne net.Error
	return errors.As(err, &de) && (errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout())
}
