package redistest

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestSlot(t *testing.T) {
	// Values from the Redis Cluster specification and redis-cli CLUSTER KEYSLOT.
	for key, want := range map[string]int{
		"123456789":            12739, // the spec's CRC16 check value 0x31C3
		"foo":                  12182,
		"{user1000}.following": Slot("user1000"),
		"{}x":                  Slot("{}x"), // empty tag: the whole key
		"smed:{T0123}:c:1":     Slot("T0123"),
	} {
		if got := Slot(key); got != want {
			t.Errorf("Slot(%q) = %d, want %d", key, got, want)
		}
	}
	if Slot("{}x") == Slot("") {
		t.Error("an empty hash tag must not count as a tag")
	}
}

func TestCluster(t *testing.T) {
	t.Parallel()
	start := time.Now()
	c := Cluster(t, 3)
	t.Logf("cluster of 3 ready in %v", time.Since(start).Round(time.Millisecond))
	if !strings.HasPrefix(c.URL(), "redis://"+c.Nodes[0].Addr()+"?addr=") || strings.Count(c.URL(), "addr=") != 2 {
		t.Errorf("URL = %q", c.URL())
	}
	// The slot the server computes matches ours.
	for _, k := range []string{"foo", "smed:{T0123}:x"} {
		v, err := c.Do(0, "CLUSTER", "KEYSLOT", k)
		if err != nil || v != int64(Slot(k)) {
			t.Errorf("CLUSTER KEYSLOT %s = %v, %v; Slot = %d", k, v, err, Slot(k))
		}
	}

	// Move a tag's slot with its keys, step by step.
	key := "smed:{T0123}:k"
	slot := Slot(key)
	from := c.Owner(t, slot)
	to := (from + 1) % len(c.Nodes)
	for i := range 5 {
		if _, err := c.Do(from, "SET", fmt.Sprint(key, i), "v"); err != nil {
			t.Fatal(err)
		}
	}
	m := c.StartSlotMove(t, slot, to)
	if n := m.MigrateKeys(t, 2); n != 2 {
		t.Errorf("first batch moved %d keys, want 2", n)
	}
	// Half migrated: the source redirects the moved keys with ASK and
	// serves the others.
	asks := 0
	for i := range 5 {
		v, err := c.Do(from, "GET", fmt.Sprint(key, i))
		switch {
		case err != nil && strings.HasPrefix(err.Error(), "ASK "):
			asks++
		case err != nil || v != "v":
			t.Errorf("GET key %d at the source while migrating: %v, %v", i, v, err)
		}
	}
	if asks != 2 {
		t.Errorf("%d keys redirected with ASK, want the 2 moved", asks)
	}
	m.Finish(t)
	if got := c.Owner(t, slot); got != to {
		t.Fatalf("after the move, slot %d is on node %d, want %d", slot, got, to)
	}
	for i := range 5 {
		if v, err := c.Do(to, "GET", fmt.Sprint(key, i)); v != "v" {
			t.Errorf("key %d on the target: %v, %v", i, v, err)
		}
	}
	if _, err := c.Do(from, "GET", key+"0"); err == nil || !strings.HasPrefix(err.Error(), "MOVED ") {
		t.Errorf("source after the move: %v, want MOVED", err)
	}

	// A restarted node rejoins with its ID and slots.
	c.Nodes[2].Restart(t)
	c.WaitOK(t)
	if id, err := c.Do(2, "CLUSTER", "MYID"); err != nil || id != c.Nodes[2].ID {
		t.Errorf("restarted node: ID %v, %v; want %s", id, err, c.Nodes[2].ID)
	}
}

func TestSentinel(t *testing.T) {
	t.Parallel()
	start := time.Now()
	s := Sentinel(t, WithPassword("data-secret"), WithSentinelPassword("sentinel-secret"))
	t.Logf("sentinel set ready in %v", time.Since(start).Round(time.Millisecond))
	if got := s.MasterAddr(t); got != s.Master.Addr() {
		t.Fatalf("master = %s, want %s", got, s.Master.Addr())
	}
	if want := "redis://:sentinel-secret@" + s.Sentinels[0].Addr() + "?addr="; !strings.HasPrefix(s.URL(), want) ||
		!strings.HasSuffix(s.URL(), "&password=data-secret") {
		t.Errorf("URL = %q", s.URL())
	}
	if _, err := respDo(s.Master.Addr(), "", "SET", "k", "v"); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
		t.Errorf("master without password: %v, want NOAUTH", err)
	}
	start = time.Now()
	old := s.KillMaster(t)
	now := s.WaitPromoted(t, old, 20*time.Second)
	t.Logf("failover done %v after the kill", time.Since(start).Round(time.Millisecond))
	if now != s.Replica.Addr() {
		t.Errorf("promoted %s, want the replica %s", now, s.Replica.Addr())
	}
}
