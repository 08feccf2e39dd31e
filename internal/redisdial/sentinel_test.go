package redisdial_test

import (
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed/internal/redisdial"
	"github.com/smedhq/smed/internal/redistest"
)

// TestSentinelFailover: a client from Dial writes, the master dies, and the
// same client writes again through the promoted replica by itself. The set
// has a password on the data nodes and another on the sentinels, so the URL
// form for both is proven too.
func TestSentinelFailover(t *testing.T) {
	t.Parallel()
	s := redistest.Sentinel(t, redistest.WithPassword("data-pw"), redistest.WithSentinelPassword("sentinel-pw"))
	rdb, closeFn, err := redisdial.Dial(redisdial.Config{
		Mode: redisdial.Sentinel, URL: s.URL(), SentinelMaster: redistest.MasterName,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	ctx := t.Context()

	if err := rdb.Set(ctx, "smed:{T1}:before", "v", 0).Err(); err != nil {
		t.Fatalf("write before the failover: %v", err)
	}
	// Replication is asynchronous: a write survives a failover only once the
	// replica has it. WAIT makes sure of that here.
	if n, err := rdb.Do(ctx, "WAIT", 1, 900).Int(); err != nil || n != 1 {
		t.Fatalf("WAIT for the replica: %d, %v", n, err)
	}

	killed := time.Now()
	old := s.KillMaster(t)
	var (
		errs = map[string]int{}
		last error
	)
	deadline := killed.Add(15 * time.Second)
	for {
		start := time.Now()
		err := rdb.Set(ctx, "smed:{T1}:after", "v", 0).Err()
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("a write during the failover took %v", took)
		}
		if err == nil {
			break
		}
		o := outcome(err)
		if o != "rejected" && o != "unconfirmed" {
			t.Fatalf("write during the failover: %v (%s)", err, o)
		}
		errs[o]++
		last = err
		if time.Now().After(deadline) {
			t.Fatalf("no write 15 s after the master died; last error: %v", last)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("writes again %v after the kill; failed meanwhile: %v (last: %v)",
		time.Since(killed).Round(time.Millisecond), errs, last)

	now := s.WaitPromoted(t, old, 5*time.Second)
	if now != s.Replica.Addr() {
		t.Fatalf("promoted %s, want the replica %s", now, s.Replica.Addr())
	}
	// The write landed on the promoted replica, and the replicated one is there.
	direct := redis.NewClient(&redis.Options{Addr: now, Password: "data-pw"})
	defer direct.Close()
	for _, k := range []string{"smed:{T1}:before", "smed:{T1}:after"} {
		if v, err := direct.Get(ctx, k).Result(); err != nil || v != "v" {
			t.Errorf("%s on the new master: %q, %v", k, v, err)
		}
	}
}
