package redistest

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"
)

// MasterName is the name the sentinels of a SentinelProc monitor.
const MasterName = "mymaster"

// SentinelProc is one master, one replica and three sentinels on loopback
// ports, owned by one test: started by Sentinel, killed when the test ends.
// The sentinels declare a master down after 1 s and fail over with a quorum
// of 2.
type SentinelProc struct {
	Master    *Proc // started as the master (after a failover, no longer it)
	Replica   *Proc // started as its replica
	Sentinels []*Proc

	password         string // data nodes' requirepass
	sentinelPassword string // sentinels' requirepass
}

// SentinelOption configures Sentinel.
type SentinelOption func(*SentinelProc)

// WithPassword protects the master and the replica with password
// (requirepass, masterauth); the sentinels are given it (auth-pass).
func WithPassword(password string) SentinelOption {
	return func(s *SentinelProc) { s.password = password }
}

// WithSentinelPassword protects the sentinels themselves with password
// (requirepass in sentinel.conf; they use it with each other too).
func WithSentinelPassword(password string) SentinelOption {
	return func(s *SentinelProc) { s.sentinelPassword = password }
}

// Sentinel starts the master, the replica (--replicaof) and three sentinels
// (redis-server sentinel.conf --sentinel) and waits until the replica is in
// sync and every sentinel reports the master, knows the two other sentinels
// and sees the replica, so that a failover can happen. Loopback needs no
// announce or resolve-hostnames options: everything is named by IP. Without
// redis-server the test is skipped, or fails when SMED_REQUIRE_REDIS=1.
func Sentinel(tb testing.TB, opts ...SentinelOption) *SentinelProc {
	tb.Helper()
	bin := lookTools(tb, "a Sentinel set", "redis-server")[0]
	s := &SentinelProc{}
	for _, o := range opts {
		o(s)
	}
	auth := func() []string {
		if s.password == "" {
			return nil
		}
		return []string{"--requirepass", s.password, "--masterauth", s.password}
	}
	// No delay before a full sync (7.0 waits 5 s for more replicas to batch).
	sync := []string{"--repl-diskless-sync-delay", "0"}
	s.Master = startOnPort(tb, bin, "sentinel master", "", func(string, int) []string {
		return append(sync, auth()...)
	})
	s.Replica = startOnPort(tb, bin, "sentinel replica", "", func(string, int) []string {
		host, port, _ := strings.Cut(s.Master.addr, ":")
		return append(append([]string{"--replicaof", host, port}, sync...), auth()...)
	})
	host, port, _ := strings.Cut(s.Master.addr, ":")
	conf := fmt.Sprintf("sentinel monitor %s %s %s 2\n", MasterName, host, port) +
		fmt.Sprintf("sentinel down-after-milliseconds %s 1000\n", MasterName) +
		fmt.Sprintf("sentinel failover-timeout %s 5000\n", MasterName) +
		fmt.Sprintf("sentinel parallel-syncs %s 1\n", MasterName)
	if s.password != "" {
		conf += fmt.Sprintf("sentinel auth-pass %s %s\n", MasterName, s.password)
	}
	if s.sentinelPassword != "" {
		conf += fmt.Sprintf("requirepass %s\n", s.sentinelPassword)
	}
	for i := range 3 {
		s.Sentinels = append(s.Sentinels, startOnPort(tb, bin, fmt.Sprintf("sentinel %d", i), conf,
			func(string, int) []string { return []string{"--sentinel"} }))
	}
	waitFor(tb, 20*time.Second, "replica in sync", func() (bool, string) {
		info, err := respString(s.Replica.addr, s.password, "INFO", "replication")
		if err != nil {
			return false, errWhy(s.Replica.addr, err)
		}
		st := infoField(info, "master_link_status")
		return st == "up", "master_link_status:" + st
	})
	waitFor(tb, 30*time.Second, "sentinels agree", func() (bool, string) {
		for _, sn := range s.Sentinels {
			if ok, why := s.sentinelReady(sn.addr); !ok {
				return false, why
			}
		}
		return true, ""
	})
	return s
}

// sentinelReady reports whether the sentinel at addr could take part in a
// failover now: it names the master, knows both other sentinels and sees the
// replica connected.
func (s *SentinelProc) sentinelReady(addr string) (bool, string) {
	rc, err := dialRESP(addr, s.sentinelPassword)
	if err != nil {
		return false, errWhy(addr, err)
	}
	defer rc.Close()
	if m, err := s.askMaster(rc); err != nil || m != s.Master.addr {
		return false, fmt.Sprintf("%s: master %q, %v", addr, m, err)
	}
	v, err := rc.do("SENTINEL", "SENTINELS", MasterName)
	if peers, _ := v.([]any); err != nil || len(peers) != len(s.Sentinels)-1 {
		return false, fmt.Sprintf("%s: knows %d other sentinels, %v", addr, len(peers), err)
	}
	v, err = rc.do("SENTINEL", "REPLICAS", MasterName)
	reps, _ := v.([]any)
	if err != nil || len(reps) != 1 {
		return false, fmt.Sprintf("%s: sees %d replicas, %v", addr, len(reps), err)
	}
	r := pairs(reps[0])
	if r["flags"] != "slave" || r["master-link-status"] != "ok" {
		return false, fmt.Sprintf("%s: replica flags %q, link %q", addr, r["flags"], r["master-link-status"])
	}
	return true, ""
}

func (s *SentinelProc) askMaster(rc *respConn) (string, error) {
	v, err := rc.do("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MasterName)
	if err != nil {
		return "", err
	}
	a, _ := v.([]any)
	if len(a) != 2 {
		return "", fmt.Errorf("GET-MASTER-ADDR-BY-NAME answered %v", v)
	}
	return fmt.Sprint(a[0]) + ":" + fmt.Sprint(a[1]), nil
}

// SentinelAddrs are the sentinels' host:port addresses.
func (s *SentinelProc) SentinelAddrs() []string {
	a := make([]string, len(s.Sentinels))
	for i, p := range s.Sentinels {
		a[i] = p.addr
	}
	return a
}

// URL names the sentinels the way go-redis's ParseFailoverURL reads them:
// redis://[:sentinel-password@]s1?addr=s2&addr=s3[&password=data-password].
// The master name is not in it; it is MasterName.
func (s *SentinelProc) URL() string {
	u := url.URL{Scheme: "redis", Host: s.Sentinels[0].addr}
	if s.sentinelPassword != "" {
		u.User = url.UserPassword("", s.sentinelPassword)
	}
	q := url.Values{}
	for _, a := range s.SentinelAddrs()[1:] {
		q.Add("addr", a)
	}
	if s.password != "" {
		q.Set("password", s.password)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// MasterAddr is the master's address as the first sentinel that answers
// reports it.
func (s *SentinelProc) MasterAddr(tb testing.TB) string {
	tb.Helper()
	var last error
	for _, sn := range s.Sentinels {
		rc, err := dialRESP(sn.addr, s.sentinelPassword)
		if err != nil {
			last = err
			continue
		}
		m, err := s.askMaster(rc)
		rc.Close()
		if err == nil {
			return m
		}
		last = err
	}
	tb.Fatalf("redistest: no sentinel names the master: %v", last)
	return ""
}

// KillMaster kills (SIGKILL) the server the sentinels report as master and
// returns its address.
func (s *SentinelProc) KillMaster(tb testing.TB) string {
	tb.Helper()
	m := s.MasterAddr(tb)
	for _, p := range []*Proc{s.Master, s.Replica} {
		if p.addr == m {
			p.Kill()
			return m
		}
	}
	tb.Fatalf("redistest: master %s is neither server of the set", m)
	return ""
}

// WaitPromoted waits until every sentinel names a master other than old and
// that server says it is a master (ROLE), and returns its address.
func (s *SentinelProc) WaitPromoted(tb testing.TB, old string, timeout time.Duration) string {
	tb.Helper()
	var now string
	waitFor(tb, timeout, "failover away from "+old, func() (bool, string) {
		for i, sn := range s.Sentinels {
			rc, err := dialRESP(sn.addr, s.sentinelPassword)
			if err != nil {
				return false, errWhy(sn.addr, err)
			}
			m, err := s.askMaster(rc)
			rc.Close()
			if err != nil || m == old || (i > 0 && m != now) {
				return false, fmt.Sprintf("%s: master %s, %v", sn.addr, m, err)
			}
			now = m
		}
		v, err := respDo(now, s.password, "ROLE")
		if role, _ := v.([]any); err != nil || len(role) == 0 || role[0] != "master" {
			return false, fmt.Sprintf("%s: ROLE %v, %v", now, v, err)
		}
		return true, ""
	})
	return now
}
