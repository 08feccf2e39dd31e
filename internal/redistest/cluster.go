package redistest

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ClusterProc is a Redis Cluster of masters without replicas on loopback
// ports, owned by one test: started by Cluster, killed when the test ends.
// Nodes have no persistence, but each keeps its nodes.conf, so a restarted
// node rejoins with its ID and slots (and no keys).
type ClusterProc struct {
	Nodes []*ClusterNode
}

// ClusterNode is one master of a ClusterProc. The embedded Proc stops,
// kills, pauses, resumes and restarts it at the same address.
type ClusterNode struct {
	*Proc
	ID string // the node ID (CLUSTER MYID), stable across restarts
}

// Cluster starts masters (at least 3, the minimum of redis-cli) cluster
// nodes, creates the cluster with redis-cli --cluster create (slots spread
// evenly, no replicas) and waits until every node reports cluster_state:ok
// and knows every other. Without redis-server and redis-cli the test is
// skipped, or fails when SMED_REQUIRE_REDIS=1.
func Cluster(tb testing.TB, masters int) *ClusterProc {
	tb.Helper()
	if masters < 3 {
		tb.Fatalf("redistest: a cluster needs at least 3 masters, asked for %d", masters)
	}
	bins := lookTools(tb, "a Redis Cluster", "redis-server", "redis-cli")
	c := &ClusterProc{}
	for i := range masters {
		p := startOnPort(tb, bins[0], fmt.Sprintf("cluster node %d", i), "", func(dir string, _ int) []string {
			return []string{
				"--cluster-enabled", "yes",
				// In the node's own directory, so that a restart finds it.
				"--cluster-config-file", filepath.Join(dir, "nodes.conf"),
				// A test may pause a node for seconds (SIGSTOP); the default
				// node timeout (15 s) keeps the others from declaring it failed.
				"--cluster-node-timeout", "15000",
			}
		})
		c.Nodes = append(c.Nodes, &ClusterNode{Proc: p})
	}
	args := []string{"--cluster", "create"}
	args = append(args, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, bins[1], args...).CombinedOutput(); err != nil {
		tb.Fatalf("redistest: redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, n := range c.Nodes {
		id, err := respString(n.addr, "", "CLUSTER", "MYID")
		if err != nil {
			tb.Fatalf("redistest: CLUSTER MYID at %s: %v", n.addr, err)
		}
		n.ID = id
	}
	c.WaitOK(tb)
	return c
}

// Addrs are the nodes' host:port addresses, in Nodes order.
func (c *ClusterProc) Addrs() []string {
	a := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		a[i] = n.addr
	}
	return a
}

// URL names every node in the form go-redis's ParseClusterURL reads:
// redis://host1:port1?addr=host2:port2&addr=host3:port3.
func (c *ClusterProc) URL() string {
	a := c.Addrs()
	u := "redis://" + a[0]
	for i, addr := range a[1:] {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		u += sep + "addr=" + addr
	}
	return u
}

// WaitOK waits (up to 20 s) until every node reports cluster_state:ok and
// knows all the others, e.g. after Cluster or after a node restarted.
func (c *ClusterProc) WaitOK(tb testing.TB) {
	tb.Helper()
	waitFor(tb, 20*time.Second, "cluster state ok on every node", func() (bool, string) {
		for _, n := range c.Nodes {
			info, err := respString(n.addr, "", "CLUSTER", "INFO")
			if err != nil {
				return false, errWhy(n.addr, err)
			}
			if s := infoField(info, "cluster_state"); s != "ok" {
				return false, n.addr + ": cluster_state:" + s
			}
			if k := infoField(info, "cluster_known_nodes"); k != strconv.Itoa(len(c.Nodes)) {
				return false, n.addr + ": cluster_known_nodes:" + k
			}
		}
		return true, ""
	})
}

// Do runs one command on node i with raw RESP and returns its reply (string,
// int64, []any or nil), so tests can look at one node directly.
func (c *ClusterProc) Do(i int, args ...string) (any, error) {
	return respDo(c.Nodes[i].addr, "", args...)
}

// Owner returns the index of the node that serves slot, by each node's own
// account (its "myself" line in CLUSTER NODES).
func (c *ClusterProc) Owner(tb testing.TB, slot int) int {
	tb.Helper()
	for i, n := range c.Nodes {
		nodes, err := respString(n.addr, "", "CLUSTER", "NODES")
		if err != nil {
			tb.Fatalf("redistest: CLUSTER NODES at %s: %v", n.addr, err)
		}
		for _, l := range strings.Split(nodes, "\n") {
			f := strings.Fields(l)
			if len(f) < 8 || !strings.Contains(f[2], "myself") {
				continue
			}
			for _, r := range f[8:] { // "0-5460", "5461", or "[5461->-id]" (migrating)
				if strings.HasPrefix(r, "[") {
					continue
				}
				lo, hi, _ := strings.Cut(r, "-")
				a, _ := strconv.Atoi(lo)
				b := a
				if hi != "" {
					b, _ = strconv.Atoi(hi)
				}
				if a <= slot && slot <= b {
					return i
				}
			}
		}
	}
	tb.Fatalf("redistest: no node serves slot %d", slot)
	return -1
}

// SlotMove is a slot being moved from one node to another, step by step as
// redis-cli --cluster reshard does it, so a test can run traffic while the
// slot is half migrated (clients then get ASK, and TRYAGAIN for multi-key
// commands whose keys are split between the nodes).
type SlotMove struct {
	c        *ClusterProc
	Slot     int
	From, To int // node indexes
}

// StartSlotMove marks slot as importing on node to and migrating on its
// owner, in that order (the order Redis documents: a client redirected by
// ASK must find the target ready). No key moves yet.
func (c *ClusterProc) StartSlotMove(tb testing.TB, slot, to int) *SlotMove {
	tb.Helper()
	from := c.Owner(tb, slot)
	if from == to {
		tb.Fatalf("redistest: slot %d is already on node %d", slot, to)
	}
	m := &SlotMove{c: c, Slot: slot, From: from, To: to}
	s := strconv.Itoa(slot)
	m.must(tb, to, "CLUSTER", "SETSLOT", s, "IMPORTING", c.Nodes[from].ID)
	m.must(tb, from, "CLUSTER", "SETSLOT", s, "MIGRATING", c.Nodes[to].ID)
	return m
}

// MigrateKeys moves up to n of the slot's keys to the target (CLUSTER
// GETKEYSINSLOT, then one MIGRATE … KEYS …) and returns how many it moved:
// 0 once the source holds none.
func (m *SlotMove) MigrateKeys(tb testing.TB, n int) int {
	tb.Helper()
	v := m.must(tb, m.From, "CLUSTER", "GETKEYSINSLOT", strconv.Itoa(m.Slot), strconv.Itoa(n))
	keys, _ := v.([]any)
	if len(keys) == 0 {
		return 0
	}
	host, port, _ := strings.Cut(m.c.Nodes[m.To].addr, ":")
	args := []string{"MIGRATE", host, port, "", "0", "5000", "KEYS"}
	for _, k := range keys {
		args = append(args, k.(string))
	}
	m.must(tb, m.From, args...)
	return len(keys)
}

// Finish moves the keys still left, then assigns the slot to the target on
// the target first, the source next, then every other node, so that no node
// still believes the source owns it.
func (m *SlotMove) Finish(tb testing.TB) {
	tb.Helper()
	for m.MigrateKeys(tb, 100) > 0 {
	}
	s, id := strconv.Itoa(m.Slot), m.c.Nodes[m.To].ID
	m.must(tb, m.To, "CLUSTER", "SETSLOT", s, "NODE", id)
	m.must(tb, m.From, "CLUSTER", "SETSLOT", s, "NODE", id)
	for i := range m.c.Nodes {
		if i != m.To && i != m.From {
			m.must(tb, i, "CLUSTER", "SETSLOT", s, "NODE", id)
		}
	}
}

// MoveSlot moves slot, with its keys, to node to in one call.
func (c *ClusterProc) MoveSlot(tb testing.TB, slot, to int) {
	tb.Helper()
	c.StartSlotMove(tb, slot, to).Finish(tb)
}

func (m *SlotMove) must(tb testing.TB, node int, args ...string) any {
	tb.Helper()
	v, err := m.c.Do(node, args...)
	if err != nil {
		tb.Fatalf("redistest: %s at node %d: %v", strings.Join(args[:min(len(args), 4)], " "), node, err)
	}
	return v
}

// Slot is the cluster hash slot of key: CRC16 (XMODEM) of the key, or of
// its hash tag (the part between the first { and the next }, when not
// empty), modulo 16384, as Redis computes it.
func Slot(key string) int {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i+1:], '}'); j > 0 {
			key = key[i+1 : i+1+j]
		}
	}
	var crc uint16
	for i := 0; i < len(key); i++ {
		crc ^= uint16(key[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return int(crc % 16384)
}
