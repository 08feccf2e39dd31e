package redisdial_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed/internal/redisdial"
	"github.com/smedhq/smed/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// noteScript writes a note the way Smed's scripts do: every key in KEYS,
// all under one team's hash tag, several of them changed at once.
//
// KEYS[1] note key, KEYS[2] the team's log; ARGV[1] note id. Returns the
// log's length.
var noteScript = redis.NewScript(`
redis.call('SET', KEYS[1], ARGV[1])
return redis.call('RPUSH', KEYS[2], ARGV[1])
`)

func dialCluster(t *testing.T, c *redistest.ClusterProc) *redis.ClusterClient {
	t.Helper()
	rdb, closeFn, err := redisdial.Dial(redisdial.Config{Mode: redisdial.Cluster, URL: c.URL()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { closeFn() })
	return rdb.(*redis.ClusterClient)
}

// tagsPerNode finds one team tag ("T0001" …) whose slot each node serves.
func tagsPerNode(t *testing.T, c *redistest.ClusterProc) []string {
	t.Helper()
	tags := make([]string, len(c.Nodes))
	for i, found := 0, 0; found < len(tags); i++ {
		tag := fmt.Sprintf("T%04d", i)
		if n := c.Owner(t, redistest.Slot("{"+tag+"}")); tags[n] == "" {
			tags[n], found = tag, found+1
		}
	}
	return tags
}

func TestClusterCommands(t *testing.T) {
	t.Parallel()
	c := redistest.Cluster(t, 3)
	rdb := dialCluster(t, c)
	ctx := t.Context()

	for node, tag := range tagsPerNode(t, c) {
		note, log := "smed:{"+tag+"}:note:1", "smed:{"+tag+"}:log"
		if err := rdb.Set(ctx, "smed:{"+tag+"}:k", tag, 0).Err(); err != nil {
			t.Fatalf("SET for %s: %v", tag, err)
		}
		// The key is on the node that serves its slot: the client routed it.
		if v, err := c.Do(node, "GET", "smed:{"+tag+"}:k"); v != tag {
			t.Errorf("node %d holds %v, %v for %s", node, v, err, tag)
		}
		// A script with all its keys under one tag runs (EVALSHA, then EVAL
		// on NOSCRIPT: the node had never seen it).
		if n, err := noteScript.Run(ctx, rdb, []string{note, log}, "1").Int(); err != nil || n != 1 {
			t.Errorf("script on node %d: %v, %v", node, n, err)
		}
		// MULTI/EXEC within one slot.
		var incr *redis.IntCmd
		_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			incr = p.Incr(ctx, "smed:{"+tag+"}:n")
			p.RPush(ctx, log, "2")
			return nil
		})
		if err != nil || incr.Val() != 1 {
			t.Errorf("MULTI/EXEC on node %d: %v, %v", node, incr.Val(), err)
		}
		if got, err := rdb.LRange(ctx, log, 0, -1).Result(); err != nil || strings.Join(got, ",") != "1,2" {
			t.Errorf("log on node %d: %v, %v", node, got, err)
		}
	}
	// Keys of two teams in one transaction cannot work on a cluster: go-redis
	// refuses before sending anything.
	tags := tagsPerNode(t, c)
	_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "smed:{"+tags[0]+"}:x", 1, 0)
		p.Set(ctx, "smed:{"+tags[1]+"}:x", 1, 0)
		return nil
	})
	if !errors.Is(err, redis.ErrCrossSlot) {
		t.Errorf("cross-slot MULTI: %v, want ErrCrossSlot", err)
	}
}

// redirects counts the MOVED and ASK replies the nodes give, to show that
// the client saw them and followed them.
type redirects struct{ moved, ask atomic.Int64 }

func (r *redirects) note(err error) {
	switch {
	case err == nil:
	case strings.HasPrefix(err.Error(), "MOVED "):
		r.moved.Add(1)
	case strings.HasPrefix(err.Error(), "ASK "):
		r.ask.Add(1)
	}
}

func (r *redirects) DialHook(next redis.DialHook) redis.DialHook { return next }
func (r *redirects) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		r.note(err)
		return err
	}
}
func (r *redirects) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		err := next(ctx, cmds)
		for _, c := range cmds {
			r.note(c.Err())
		}
		return err
	}
}

// outcome sorts a command's error the way storage has to: "ok"; "rejected"
// (Redis refused it or could not be reached: nothing ran, the user is told
// Redis is unavailable); "unconfirmed" (it may have run: "can't tell whether
// this was saved"); anything else is a bug (say, a redirect not followed).
func isRedirect(err error) bool {
	_, moved := redis.IsMovedError(err)
	_, ask := redis.IsAskError(err)
	return moved || ask
}

func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case redis.IsTryAgainError(err), redis.IsClusterDownError(err), redis.IsLoadingError(err),
		redis.IsMasterDownError(err), redis.IsReadOnlyError(err):
		return "rejected"
	case isRedirect(err):
		// go-redis's redirect budget ran out mid-migration (ASK,
		// TRYAGAIN, ASK …): a reply, so nothing ran; storage says so.
		return "rejected"
	case redisdial.MayHaveRun(err):
		return "unconfirmed"
	}
	var re redis.Error
	if errors.As(err, &re) {
		return "wrong: " + err.Error()
	}
	return "rejected" // no connection: nothing was sent
}

// TestClusterSlotMigration moves a team's slot step by step and checks what
// each kind of command gets at each step.
func TestClusterSlotMigration(t *testing.T) {
	t.Parallel()
	c := redistest.Cluster(t, 3)
	rdb := dialCluster(t, c)
	var seen redirects
	rdb.OnNewNode(func(n *redis.Client) { n.AddHook(&seen) })
	ctx := t.Context()
	const tag = "{T0123}"
	key := func(s string) string { return "smed:" + tag + ":" + s }
	if err := rdb.Set(ctx, key("old"), "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	slot := redistest.Slot(tag)
	from := c.Owner(t, slot)
	m := c.StartSlotMove(t, slot, (from+1)%3)

	// Migrating, no key moved yet. A key still on the source is served there.
	if v, err := rdb.Get(ctx, key("old")).Result(); err != nil || v != "v" {
		t.Errorf("GET of a key not yet moved: %q, %v", v, err)
	}
	// A new key is not on the source: ASK, followed to the target.
	if err := rdb.Set(ctx, key("new1"), "v", 0).Err(); err != nil {
		t.Errorf("SET of a new key while migrating: %v", err)
	}
	if seen.ask.Load() == 0 {
		t.Error("no ASK seen for a new key while migrating")
	}
	// A script over a key on the source and a new one: the keys are split,
	// TRYAGAIN (after go-redis's own retries), and nothing ran.
	err := noteScript.Run(ctx, rdb, []string{key("new2"), key("old")}, "x").Err()
	if !redis.IsTryAgainError(err) {
		t.Errorf("script over split keys: %v, want TRYAGAIN", err)
	} else if outcome(err) != "rejected" || redisdial.MayHaveRun(err) {
		t.Errorf("TRYAGAIN sorted as %q", outcome(err))
	}
	if n, err := rdb.Exists(ctx, key("new2")).Result(); n != 0 || err != nil {
		t.Errorf("a script refused with TRYAGAIN left its key: %v, %v", n, err)
	}
	// The same in MULTI/EXEC: go-redis follows the queue-time redirect and
	// reports TRYAGAIN; EXECABORT guarantees nothing ran.
	_, err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, key("new3"), "v", 0)
		p.Get(ctx, key("old"))
		return nil
	})
	if outcome(err) != "rejected" {
		t.Errorf("MULTI over split keys: %v (%s), want a rejection", err, outcome(err))
	}

	// All keys moved, slot not yet reassigned: everything is ASKed to the
	// target; the script's new key is still missing there, so TRYAGAIN.
	for m.MigrateKeys(t, 10) > 0 {
	}
	if v, err := rdb.Get(ctx, key("old")).Result(); err != nil || v != "v" {
		t.Errorf("GET of a moved key, by ASK: %q, %v", v, err)
	}
	if err := noteScript.Run(ctx, rdb, []string{key("new4"), key("old")}, "x").Err(); outcome(err) != "rejected" {
		t.Errorf("script on the importing node with a new key: %v, want a rejection", err)
	}

	// Reassigned: a client whose slot map is stale is MOVED, follows it, and
	// everything works on the new owner. rdb's map may be current already:
	// go-redis reloads it in the background after every ASK, and on a slow
	// machine that reload can come after the reassignment. So the MOVED is
	// checked on a client that learned the map before it and has had no
	// redirect since (it reloads only on one, or after a minute).
	stale := dialCluster(t, c)
	var staleSeen redirects
	stale.OnNewNode(func(n *redis.Client) { n.AddHook(&staleSeen) })
	other := "{T0123x}"
	for i := 0; redistest.Slot(other) == slot; i++ {
		other = fmt.Sprintf("{T0123x%d}", i)
	}
	if err := stale.Get(ctx, "smed:"+other+":probe").Err(); err != nil && err != redis.Nil {
		t.Fatal(err)
	}
	m.Finish(t)
	if n, err := noteScript.Run(ctx, stale, []string{key("new5"), key("log")}, "5").Int(); err != nil || n != 1 {
		t.Errorf("script after the move: %v, %v", n, err)
	}
	if staleSeen.moved.Load() == 0 {
		t.Error("no MOVED seen by a client with the old slot map after the slot was reassigned")
	}
	if n, err := noteScript.Run(ctx, rdb, []string{key("new6"), key("log")}, "6").Int(); err != nil || n != 2 {
		t.Errorf("script after the move, on the client that saw the migration: %v, %v", n, err)
	}
	for _, k := range []string{"old", "new1", "new5"} {
		if v, err := c.Do(m.To, "EXISTS", key(k)); v != int64(1) {
			t.Errorf("%s on the new owner: %v, %v", k, v, err)
		}
	}
}

// TestClusterSlotMigrationUnderLoad moves a slot while a writer adds notes
// every 2 ms: every write answers, and every acknowledged one is there.
func TestClusterSlotMigrationUnderLoad(t *testing.T) {
	t.Parallel()
	c := redistest.Cluster(t, 3)
	rdb := dialCluster(t, c)
	var seen redirects
	rdb.OnNewNode(func(n *redis.Client) { n.AddHook(&seen) })
	ctx := t.Context()
	const tag = "{T0456}"
	key := func(s string) string { return "smed:" + tag + ":" + s }
	// Keys for MIGRATE to move in batches, so the slot stays half moved a while.
	if _, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range 300 {
			p.Set(ctx, key(fmt.Sprint("seed:", i)), "v", 0)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	type write struct {
		id, kind string
		err      error
		took     time.Duration
	}
	var (
		writes []write
		wg     sync.WaitGroup
		stop   = make(chan struct{})
		after  atomic.Int64 // writes finished after the slot was reassigned
		moved  atomic.Bool
	)
	wg.Add(1)
	go func() { // the writer owns writes until wg.Wait
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
			id := fmt.Sprint(i)
			w := write{id: id}
			start := time.Now()
			switch i % 3 {
			case 0:
				w.kind, w.err = "set", rdb.Set(ctx, key("note:"+id), id, 0).Err()
			case 1:
				w.kind, w.err = "script", noteScript.Run(ctx, rdb, []string{key("note:" + id), key("log")}, id).Err()
			case 2:
				w.kind = "multi"
				_, w.err = rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.Set(ctx, key("note:"+id), id, 0)
					p.RPush(ctx, key("log"), id)
					return nil
				})
			}
			w.took = time.Since(start)
			writes = append(writes, w)
			if moved.Load() {
				after.Add(1)
			}
		}
	}()

	time.Sleep(50 * time.Millisecond)
	slot := redistest.Slot(tag)
	m := c.StartSlotMove(t, slot, (c.Owner(t, slot)+1)%3)
	for m.MigrateKeys(t, 20) > 0 {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // all keys on the target, slot not reassigned
	m.Finish(t)
	moved.Store(true)
	// However slow the machine, the writer goes on until some writes have
	// reached the new owner.
	for deadline := time.Now().Add(10 * time.Second); after.Load() < 10 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	close(stop)
	wg.Wait()

	logged := map[string]bool{}
	log, err := rdb.LRange(ctx, key("log"), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range log {
		if logged[id] {
			t.Errorf("note %s logged twice", id)
		}
		logged[id] = true
	}
	counts := map[string]int{}
	var slowest time.Duration
	for _, w := range writes {
		o := outcome(w.err)
		counts[w.kind+" "+o]++
		slowest = max(slowest, w.took)
		v, err := rdb.Get(ctx, key("note:"+w.id)).Result()
		if err != nil && err != redis.Nil {
			t.Fatalf("reading note %s: %v", w.id, err)
		}
		there := err == nil && v == w.id
		if w.kind != "set" && there != logged[w.id] {
			t.Errorf("%s %s: note there %v, logged %v: not atomic", w.kind, w.id, there, logged[w.id])
		}
		switch {
		case o == "ok" && !there:
			t.Errorf("%s %s acknowledged, but lost", w.kind, w.id)
		case o == "rejected" && there:
			t.Errorf("%s %s refused (%v), but applied", w.kind, w.id, w.err)
		case strings.HasPrefix(o, "wrong"):
			t.Errorf("%s %s: %s", w.kind, w.id, o)
		}
	}
	t.Logf("%d writes: %v; redirects followed: %d ASK, %d MOVED; slowest write %v",
		len(writes), counts, seen.ask.Load(), seen.moved.Load(), slowest.Round(time.Millisecond))
	// ASK proves the writes met the half-moved slot. MOVED is not asserted
	// here: a TRYAGAIN makes go-redis reload its slot map in the background,
	// and a reload that lands after the reassignment learns the new owner
	// without ever being redirected (TestClusterSlotMigration checks MOVED
	// step by step).
	if seen.ask.Load() == 0 {
		t.Error("the load saw no ASK: the migration was not exercised")
	}
	if n := after.Load(); n < 10 {
		t.Errorf("only %d writes after the slot was reassigned", n)
	}
	if slowest > 2*time.Second {
		t.Errorf("a write took %v, more than Slack's budget allows", slowest)
	}
}

// TestClusterTimeoutNotResent freezes the node that holds a counter: an
// INCR whose reply times out is sent once by a client from Dial, and it says
// it may have run. A bare go-redis ClusterClient with the same options sends
// it again on idle connections (the retry loop described in guard.go), so
// the frozen node, once resumed, counts more than one.
func TestClusterTimeoutNotResent(t *testing.T) {
	t.Parallel()
	c := redistest.Cluster(t, 3)
	const counter = "smed:{T0789}:n"
	node := c.Nodes[c.Owner(t, redistest.Slot(counter))]

	incrFrozen := func(rdb *redis.ClusterClient) (err error, took time.Duration, count int64) {
		t.Helper()
		ctx := t.Context()
		if err := rdb.Del(ctx, counter).Err(); err != nil {
			t.Fatal(err)
		}
		// Fill the pool: the retry loop takes idle connections, which are
		// initialised and ready to carry the command.
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { rdb.BLPop(ctx, 50*time.Millisecond, counter+":wait") })
		}
		wg.Wait()
		if !node.Pause() {
			t.Skip("cannot pause a node here")
		}
		start := time.Now()
		err = rdb.Incr(ctx, counter).Err()
		took = time.Since(start)
		node.Resume()
		// The resumed node runs what it had received before the client
		// gave up; wait until it has.
		time.Sleep(300 * time.Millisecond)
		v, gerr := c.Do(c.Owner(t, redistest.Slot(counter)), "GET", counter)
		if gerr != nil {
			t.Fatal(gerr)
		}
		fmt.Sscan(fmt.Sprint(v), &count)
		return err, took, count
	}

	err, took, count := incrFrozen(dialCluster(t, c))
	if err == nil || !redisdial.MayHaveRun(err) {
		t.Errorf("INCR on a frozen node: %v, want an error that may have run", err)
	}
	if count != 1 {
		t.Errorf("the frozen node ran INCR %d times, want once", count)
	}
	if took > 2*time.Second {
		t.Errorf("INCR on a frozen node took %v", took)
	}
	t.Logf("guarded: %v after %v, counted %d", err, took.Round(time.Millisecond), count)

	// The reason for the guard, kept visible: if go-redis stops re-sending
	// (count 1 here), the guard in guard.go could go.
	o, perr := redisdial.Parse(redisdial.Config{Mode: redisdial.Cluster, URL: c.URL()})
	if perr != nil {
		t.Fatal(perr)
	}
	bare := redis.NewClusterClient(o.Cluster)
	defer bare.Close()
	err, took, count = incrFrozen(bare)
	t.Logf("bare go-redis: %v after %v, counted %d", err, took.Round(time.Millisecond), count)
	if count < 2 {
		t.Errorf("bare go-redis ran INCR %d times on the frozen node; expected the retry loop to re-send it", count)
	}
}
