package redisdial

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/redis/go-redis/v9"
)

// parsed is what a test checks of Options: where, who, which database, TLS.
type parsed struct {
	Mode               Mode
	Network            string // single only
	Addrs              []string
	User, Pass         string // data nodes
	SentUser, SentPass string // sentinels
	DB                 int
	TLS                bool
	Master             string
}

func summary(o *Options) parsed {
	p := parsed{Mode: o.Mode, Addrs: o.Addrs()}
	switch {
	case o.Single != nil:
		s := o.Single
		p.Network, p.User, p.Pass, p.DB, p.TLS = s.Network, s.Username, s.Password, s.DB, s.TLSConfig != nil
	case o.Cluster != nil:
		c := o.Cluster
		p.User, p.Pass, p.TLS = c.Username, c.Password, c.TLSConfig != nil
	case o.Failover != nil:
		f := o.Failover
		p.User, p.Pass, p.SentUser, p.SentPass = f.Username, f.Password, f.SentinelUsername, f.SentinelPassword
		p.DB, p.TLS, p.Master = f.DB, f.TLSConfig != nil, f.MasterName
	}
	return p
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want parsed
	}{
		{"single default mode", Config{URL: "redis://localhost:6379/0"},
			parsed{Mode: Single, Network: "tcp", Addrs: []string{"localhost:6379"}}},
		{"single with db and password", Config{Mode: Single, URL: "redis://:pw@h:7000/3"},
			parsed{Mode: Single, Network: "tcp", Addrs: []string{"h:7000"}, Pass: "pw", DB: 3}},
		{"single ACL user", Config{Mode: Single, URL: "redis://smed:s3cret@h:6379/0"},
			parsed{Mode: Single, Network: "tcp", Addrs: []string{"h:6379"}, User: "smed", Pass: "s3cret"}},
		{"single TLS", Config{Mode: Single, URL: "rediss://smed:s3cret@redis.example.com:6380/1"},
			parsed{Mode: Single, Network: "tcp", Addrs: []string{"redis.example.com:6380"}, User: "smed", Pass: "s3cret", DB: 1, TLS: true}},
		{"single unix socket", Config{Mode: Single, URL: "unix:///run/redis/redis.sock?db=2"},
			parsed{Mode: Single, Network: "unix", Addrs: []string{"/run/redis/redis.sock"}, DB: 2}},
		{"mode is case-insensitive", Config{Mode: " Single ", URL: "redis://h:1"},
			parsed{Mode: Single, Network: "tcp", Addrs: []string{"h:1"}}},
		{"cluster with one seed", Config{Mode: Cluster, URL: "redis://h1:7000"},
			parsed{Mode: Cluster, Addrs: []string{"h1:7000"}}},
		{"cluster with three seeds and ACL user", Config{Mode: Cluster, URL: "redis://smed:pw@h1:7000?addr=h2:7001&addr=h3:7002"},
			parsed{Mode: Cluster, Addrs: []string{"h1:7000", "h2:7001", "h3:7002"}, User: "smed", Pass: "pw"}},
		{"cluster db 0 is fine", Config{Mode: Cluster, URL: "redis://h1:7000/0?addr=h2:7001"},
			parsed{Mode: Cluster, Addrs: []string{"h1:7000", "h2:7001"}}},
		{"cluster TLS", Config{Mode: Cluster, URL: "rediss://h1:7000?addr=h2:7001"},
			parsed{Mode: Cluster, Addrs: []string{"h1:7000", "h2:7001"}, TLS: true}},
		{"sentinel", Config{Mode: Sentinel, URL: "redis://s1:26379?addr=s2:26379&addr=s3:26379", SentinelMaster: "mymaster"},
			parsed{Mode: Sentinel, Addrs: []string{"s1:26379", "s2:26379", "s3:26379"}, Master: "mymaster"}},
		{"sentinel: data password in the query, db in the path", Config{Mode: Sentinel, URL: "redis://s1:26379/2?addr=s2:26379&password=data", SentinelMaster: "m"},
			parsed{Mode: Sentinel, Addrs: []string{"s1:26379", "s2:26379"}, Pass: "data", DB: 2, Master: "m"}},
		{"sentinel: sentinel and data credentials apart", Config{Mode: Sentinel, URL: "rediss://sent:spw@s1:26379?addr=s2:26379&username=smed&password=data", SentinelMaster: "m"},
			parsed{Mode: Sentinel, Addrs: []string{"s1:26379", "s2:26379"}, User: "smed", Pass: "data", SentUser: "sent", SentPass: "spw", TLS: true, Master: "m"}},
		{"sentinel: master_name agreeing", Config{Mode: Sentinel, URL: "redis://s1:26379?master_name=m", SentinelMaster: "m"},
			parsed{Mode: Sentinel, Addrs: []string{"s1:26379"}, Master: "m"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Parse(tt.cfg)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if d := cmp.Diff(tt.want, summary(o)); d != "" {
				t.Errorf("Parse(%+v) (-want +got):\n%s", tt.cfg, d)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want []string // each must be in the error
	}{
		{"unknown mode", Config{Mode: "clutser", URL: "redis://h:1"}, []string{`redis.mode: unknown mode "clutser"`}},
		{"addr= on single", Config{URL: "redis://:s3cret@h1:1?addr=h2:2"}, []string{"redis.url: addr= names more nodes", "redis.mode"}},
		{"unix socket in cluster mode", Config{Mode: Cluster, URL: "unix:///tmp/r.sock"}, []string{`redis.url: scheme "unix": redis.mode cluster takes redis:// or rediss://`}},
		{"unix socket in sentinel mode", Config{Mode: Sentinel, URL: "unix:///tmp/r.sock", SentinelMaster: "m"}, []string{`scheme "unix"`}},
		{"cluster with a db", Config{Mode: Cluster, URL: "redis://h1:1/3?addr=h2:2"}, []string{`database "3" in cluster mode`}},
		{"cluster with db=", Config{Mode: Cluster, URL: "redis://h1:1?addr=h2:2&db=1"}, []string{"db= in cluster mode"}},
		{"sentinel without master", Config{Mode: Sentinel, URL: "redis://s1:26379?addr=s2:26379"}, []string{"redis.sentinel_master: required"}},
		{"sentinel master on single", Config{URL: "redis://h:1", SentinelMaster: "m"}, []string{"redis.sentinel_master: set, but redis.mode is single"}},
		{"sentinel master_name disagreeing", Config{Mode: Sentinel, URL: "redis://s1:1?master_name=a", SentinelMaster: "b"}, []string{`master_name="a" differs`}},
		{"bad addr", Config{Mode: Cluster, URL: "redis://:s3cret@h1:1?addr=nohostport"}, []string{"redis.url:", "addr"}},
		{"unknown option", Config{Mode: Cluster, URL: "redis://h1:1?bogus=1"}, []string{"unexpected option: bogus"}},
		{"every problem at once", Config{Mode: Sentinel, URL: "redis://s1:1?bogus=1"}, []string{"redis.sentinel_master: required", "unexpected option: bogus"}},
		{"bad port, password kept out", Config{URL: "redis://smed:s3cret@h:notaport/0"}, []string{"redis.url:", "invalid port"}},
		{"bad host, password kept out", Config{Mode: Cluster, URL: "redis://smed:s3cret@h st:1"}, []string{"redis.url:", "invalid character"}},
		{"no scheme", Config{URL: "localhost:6379"}, []string{"redis.url:"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Parse(tt.cfg)
			if err == nil {
				t.Fatalf("Parse(%+v) = %+v, want an error", tt.cfg, summary(o))
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "s3cret") {
				t.Errorf("error %q shows the password", err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	err := redact(errors.New("x s3cret y data-pw z"), "redis://u:s3cret@h:1?password=data-pw")
	if got, want := err.Error(), "x xxxxx y xxxxx z"; got != want {
		t.Errorf("redact = %q, want %q", got, want)
	}
	// An URL that does not parse: everything between :// and @ goes.
	err = redact(errors.New("bad u:s3cret@h st"), "redis://u:s3cret@h st")
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("redact = %q", err)
	}
}

// Smed's policy, in every mode, wherever the URL leaves it unset.
func TestParseTunes(t *testing.T) {
	type knobs struct {
		Dial, Read, Write time.Duration
		DialerRetries     int
		MaxRetries        int
		CtxTimeout        bool
		MaxRedirects      int
	}
	want := knobs{time.Second, time.Second, time.Second, 1, -1, true, 0}
	for _, cfg := range []Config{
		{URL: "redis://h:1"},
		{Mode: Cluster, URL: "redis://h:1?addr=h:2"},
		{Mode: Sentinel, URL: "redis://h:1", SentinelMaster: "m"},
	} {
		o, err := Parse(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var got knobs
		w := want
		switch {
		case o.Single != nil:
			s := o.Single
			got = knobs{s.DialTimeout, s.ReadTimeout, s.WriteTimeout, s.DialerRetries, s.MaxRetries, s.ContextTimeoutEnabled, 0}
		case o.Cluster != nil:
			c := o.Cluster
			got = knobs{c.DialTimeout, c.ReadTimeout, c.WriteTimeout, c.DialerRetries, c.MaxRetries, c.ContextTimeoutEnabled, c.MaxRedirects}
			w.MaxRedirects = 3
		case o.Failover != nil:
			f := o.Failover
			got = knobs{f.DialTimeout, f.ReadTimeout, f.WriteTimeout, f.DialerRetries, f.MaxRetries, f.ContextTimeoutEnabled, 0}
		}
		if d := cmp.Diff(w, got); d != "" {
			t.Errorf("%s (-want +got):\n%s", o.Mode, d)
		}
	}
	// What the URL says wins: an operator's explicit choice.
	o, err := Parse(Config{URL: "redis://h:1?read_timeout=3s&max_retries=2"})
	if err != nil {
		t.Fatal(err)
	}
	if o.Single.ReadTimeout != 3*time.Second || o.Single.MaxRetries != 2 {
		t.Errorf("URL options lost: read %v, retries %d", o.Single.ReadTimeout, o.Single.MaxRetries)
	}
}

func TestMayHaveRun(t *testing.T) {
	timeout := &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}
	for _, tt := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"a reply", redis.Nil, false},
		{"read timeout", timeout, true},
		{"dial refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}, false},
		{"marked dial error", &dialError{errors.New("redis: all sentinels specified in configuration are unreachable")}, false},
		{"pool timeout", redis.ErrPoolTimeout, false},
		{"closed", redis.ErrClosed, false},
		{"EOF", errors.New("EOF"), true},
	} {
		if got := MayHaveRun(tt.err); got != tt.want {
			t.Errorf("%s: MayHaveRun(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}
