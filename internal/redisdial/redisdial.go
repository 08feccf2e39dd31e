// Package redisdial makes Smed's go-redis client for each redis.mode
// (single, cluster, sentinel) from redis.url and redis.sentinel_master, every
// one tuned the same way: a dead or hung Redis is reported within about a
// second, and no command is ever sent twice by the client library.
//
// It is storage's dialer, kept apart so that it compiles and is tested on
// its own; it imports go-redis and nothing of Smed.
//
// URL forms (go-redis's own parsers, so its query options work too):
//
//	single    redis://[user:pass@]host:port[/db]   rediss:// for TLS
//	          unix://[user:pass@]/path/redis.sock[?db=N]
//	cluster   redis://[user:pass@]host:port?addr=host2:port&addr=host3:port
//	          (rediss:// for TLS; database 0 only, as Redis Cluster has no other)
//	sentinel  redis://[suser:spass@]s1:26379[/db]?addr=s2:26379&addr=s3:26379[&username=user][&password=pass]
//	          (rediss:// for TLS) with redis.sentinel_master naming the master
//
// In sentinel mode the user and password before the @ are the sentinels'
// own (their requirepass or ACL user), and the query parameters username=
// and password= are the master's and replicas' (what the data nodes'
// requirepass or ACL asks for). Deployments that protect only the data nodes
// write redis://s1:26379?addr=…&password=pass. This is how go-redis's
// ParseFailoverURL reads the URL; Smed adds no syntax of its own.
//
// TLS: go-redis verifies every certificate against the host of the URL's
// first address (its parsers set tls.Config.ServerName once), also for the
// cluster nodes and masters it discovers: their certificates must be valid
// for that name. skip_verify=true (single and sentinel mode) turns
// verification off.
package redisdial

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Mode is how Smed reaches Redis: the redis.mode setting.
type Mode string

// The modes of redis.mode.
const (
	Single   Mode = "single"
	Cluster  Mode = "cluster"
	Sentinel Mode = "sentinel"
)

// ParseMode reads a redis.mode value; empty means Single.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return Single, nil
	case Single, Cluster, Sentinel:
		return m, nil
	}
	return "", fmt.Errorf("redis.mode: unknown mode %q (want single, cluster or sentinel)", s)
}

// Config is what the configuration says about Redis.
type Config struct {
	Mode           Mode   // redis.mode; empty means Single
	URL            string // redis.url
	SentinelMaster string // redis.sentinel_master; required in Sentinel mode only
}

// Client timeouts: a command against a dead or hung Redis must fail well
// within Slack's 3 seconds, so the user gets a clear error rather than
// Slack's timeout.
const (
	dialTimeout = time.Second
	ioTimeout   = time.Second
	// maxRedirects bounds how many MOVED/ASK redirects (and TRYAGAIN or
	// CLUSTERDOWN rejections) one cluster command follows; go-redis's default.
	maxRedirects = 3
)

// Options are the parsed client options of one mode: exactly one of Single,
// Cluster and Failover is set. Parse fills in Smed's timeouts and retry
// policy wherever the URL does not set them.
type Options struct {
	Mode     Mode
	Single   *redis.Options
	Cluster  *redis.ClusterOptions
	Failover *redis.FailoverOptions
}

// Parse checks cfg and turns it into client options without connecting. Its
// errors name every problem found (joined) and never contain a password, so
// configuration validation can report them as they are.
func Parse(cfg Config) (*Options, error) {
	mode, err := ParseMode(string(cfg.Mode))
	if err != nil {
		return nil, err
	}
	raw := strings.TrimSpace(cfg.URL)
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the whole URL, password included: keep its reason only.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, redact(fmt.Errorf("redis.url: %w", err), cfg.URL)
	}
	var (
		o    = &Options{Mode: mode}
		errs []error
	)
	addrs := u.Query()["addr"]
	master := strings.TrimSpace(cfg.SentinelMaster)
	if mode != Sentinel && master != "" {
		errs = append(errs, fmt.Errorf("redis.sentinel_master: set, but redis.mode is %s (it is read in sentinel mode only)", mode))
	}
	if mode != Single && u.Scheme != "redis" && u.Scheme != "rediss" {
		// No unix:// (nor anything else) for a set of nodes.
		return nil, redact(errors.Join(append(errs, fmt.Errorf("redis.url: scheme %q: redis.mode %s takes redis:// or rediss://", u.Scheme, mode))...), cfg.URL)
	}
	switch mode {
	case Single:
		if len(addrs) > 0 {
			errs = append(errs, errors.New("redis.url: addr= names more nodes, which redis.mode single does not use (set redis.mode to cluster or sentinel)"))
			break
		}
		if o.Single, err = redis.ParseURL(raw); err != nil {
			errs = append(errs, fmt.Errorf("redis.url: %w", err))
		}
	case Cluster:
		if db := strings.Trim(u.Path, "/"); db != "" && db != "0" {
			errs = append(errs, fmt.Errorf("redis.url: database %q in cluster mode: Redis Cluster has database 0 only", db))
		}
		if u.Query().Has("db") {
			errs = append(errs, errors.New("redis.url: db= in cluster mode: Redis Cluster has database 0 only"))
			break
		}
		// ParseClusterURL ignores the path: checked above.
		if o.Cluster, err = redis.ParseClusterURL(raw); err != nil {
			errs = append(errs, fmt.Errorf("redis.url: %w", err))
		}
	case Sentinel:
		if master == "" {
			errs = append(errs, errors.New("redis.sentinel_master: required when redis.mode is sentinel (the name the sentinels monitor)"))
		}
		if o.Failover, err = redis.ParseFailoverURL(raw); err != nil {
			errs = append(errs, fmt.Errorf("redis.url: %w", err))
			break
		}
		if n := o.Failover.MasterName; n != "" && master != "" && n != master {
			errs = append(errs, fmt.Errorf("redis.url: master_name=%q differs from redis.sentinel_master %q", n, master))
		}
		o.Failover.MasterName = master
	}
	if err := errors.Join(errs...); err != nil {
		return nil, redact(err, cfg.URL)
	}
	o.tune()
	return o, nil
}

// tune applies Smed's policy to every option the URL left unset.
func (o *Options) tune() {
	// Pointers to the same knobs in whichever options struct is in use.
	var (
		dial, read, write *time.Duration
		dialerRetries     *int
		maxRetries        *int
		ctxTimeout        *bool
	)
	switch {
	case o.Single != nil:
		s := o.Single
		dial, read, write, dialerRetries, maxRetries, ctxTimeout = &s.DialTimeout, &s.ReadTimeout, &s.WriteTimeout, &s.DialerRetries, &s.MaxRetries, &s.ContextTimeoutEnabled
	case o.Cluster != nil:
		c := o.Cluster
		dial, read, write, dialerRetries, maxRetries, ctxTimeout = &c.DialTimeout, &c.ReadTimeout, &c.WriteTimeout, &c.DialerRetries, &c.MaxRetries, &c.ContextTimeoutEnabled
		if c.MaxRedirects == 0 {
			c.MaxRedirects = maxRedirects
		}
	case o.Failover != nil:
		f := o.Failover
		dial, read, write, dialerRetries, maxRetries, ctxTimeout = &f.DialTimeout, &f.ReadTimeout, &f.WriteTimeout, &f.DialerRetries, &f.MaxRetries, &f.ContextTimeoutEnabled
	}
	if *dial == 0 {
		*dial = dialTimeout
	}
	for _, d := range []*time.Duration{read, write} {
		if *d == 0 {
			*d = ioTimeout
		}
	}
	if *dialerRetries == 0 {
		// One dial attempt: go-redis's default of 5 with backoff turns a dead
		// Redis into a half-second wait, a black-holed one into 5 s.
		*dialerRetries = 1
	}
	if *maxRetries == 0 {
		// No automatic retries: Smed's scripts are not idempotent, and a
		// retry after a read timeout or a dropped connection can apply a note
		// twice (the first attempt may have run). The user retries instead,
		// after a clear error. Connections a Redis restart closed are still
		// replaced without an error: the pool checks an idle connection
		// before reuse. (Cluster mode has a second retry loop; see guard.go.)
		*maxRetries = -1
	}
	// A caller's deadline bounds the network I/O too, not only the wait for
	// a connection.
	*ctxTimeout = true
}

// NewClient makes the client; it does not connect until the first command.
// In Cluster mode it is a *redis.ClusterClient with redirects followed and
// re-sends refused (see guard.go); in Sentinel mode a failover client that
// asks the sentinels for the master on every new connection and drops its
// connections to the old master when they announce a switch.
func (o *Options) NewClient() redis.UniversalClient {
	switch {
	case o.Cluster != nil:
		c := redis.NewClusterClient(o.Cluster)
		guardCluster(c)
		return c
	case o.Failover != nil:
		c := redis.NewFailoverClient(o.Failover)
		c.AddHook(dialMarker{})
		return c
	default:
		c := redis.NewClient(o.Single)
		c.AddHook(dialMarker{})
		return c
	}
}

// Addrs are the addresses the client starts from, for logs: the server (or
// socket), the seed nodes, or the sentinels. They hold no credentials.
func (o *Options) Addrs() []string {
	switch {
	case o.Cluster != nil:
		return append([]string(nil), o.Cluster.Addrs...)
	case o.Failover != nil:
		return append([]string(nil), o.Failover.SentinelAddrs...)
	default:
		return []string{o.Single.Addr}
	}
}

// Dial parses cfg and makes its client; close releases it. Like the client,
// it does not wait for Redis: one that is down now is reported by every
// command until it is back, and the client reconnects by itself.
func Dial(cfg Config) (rdb redis.UniversalClient, closeFn func() error, err error) {
	o, err := Parse(cfg)
	if err != nil {
		return nil, nil, err
	}
	rdb = o.NewClient()
	return rdb, rdb.Close, nil
}

// redact removes every password in rawURL (before the @ and in password=)
// from err's text. go-redis's parse errors do not quote passwords today; this
// keeps it so if one ever does.
func redact(err error, rawURL string) error {
	msg := err.Error()
	var secrets []string
	if u, perr := url.Parse(strings.TrimSpace(rawURL)); perr == nil {
		if p, ok := u.User.Password(); ok {
			secrets = append(secrets, p)
		}
		secrets = append(secrets, u.Query()["password"]...)
	} else if at := strings.LastIndex(rawURL, "@"); at >= 0 {
		// Unparsable: drop everything that could be userinfo.
		if i := strings.Index(rawURL, "://"); i >= 0 && i+3 < at {
			secrets = append(secrets, rawURL[i+3:at])
		}
	}
	for _, s := range secrets {
		if len(s) >= 3 { // shorter ones would blank out ordinary words
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}
