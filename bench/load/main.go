// Command load drives `smed run` (or the floor, bench/floor) with signed
// `/customer note` slash commands, as Slack sends them, and reports
// throughput, latency percentiles, error counts and the CPU the server and
// Redis spent per request. See BENCHMARKS.md.
//
//	load -url http://127.0.0.1:3000/slack/commands -secret S -mix known -c 32 -duration 10s \
//	     -server-pid 123 -redis-pid 456
//	load ... -rate 1000          # open loop at 1,000 requests/s
//
// It prints a human summary and, as its last line, one JSON object.
// Standard library only.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

type usageError struct{ error }

// options are the command line.
type options struct {
	url, secret, mixName, label, client string
	c                                   int
	rate                                float64
	warmup, duration, drain, timeout    time.Duration
	customers, seed                     uint64
	setupC, procs                       int
	ids                                 ids
	responseURL, cpuProfile             string
	pids                                map[string]string
}

func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.url, "url", "http://127.0.0.1:3000/slack/commands", "the slash command endpoint")
	fs.StringVar(&o.secret, "secret", getenv("SMED_SLACK_SIGNING_SECRET"), "Slack signing secret (default $SMED_SLACK_SIGNING_SECRET)")
	fs.StringVar(&o.mixName, "mix", "known", "known: notes on customers created first; create: every note names a new customer")
	fs.StringVar(&o.label, "label", "", "name of the target in the report (e.g. smed, floor)")
	fs.IntVar(&o.c, "c", 32, "connections: concurrent requests (closed loop), most in flight (open loop)")
	fs.Float64Var(&o.rate, "rate", 0, "requests per second for an open loop; 0 = closed loop at saturation")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "time before measuring")
	fs.DurationVar(&o.duration, "duration", 10*time.Second, "measured time")
	fs.DurationVar(&o.drain, "drain", 5*time.Second, "open loop: how long to wait for answers after the schedule ends")
	fs.StringVar(&o.client, "client", "raw", "raw: a minimal HTTP/1.1 client (cheap on CPU); std: net/http")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "per-request limit")
	fs.Uint64Var(&o.customers, "customers", 1000, "customers created before measuring (both mixes)")
	fs.IntVar(&o.setupC, "setup-c", 8, "concurrency while creating the customers")
	fs.Uint64Var(&o.seed, "seed", 0, "selects another sequence of names (to run again without flushing Redis)")
	fs.StringVar(&o.ids.team, "team", "T0BENCH", "team_id of every request")
	users := fs.String("user", "U0BENCH", "user_id of the requests; a comma-separated list is used in turn")
	fs.StringVar(&o.ids.channel, "channel", "C0BENCH", "channel_id of every request")
	fs.StringVar(&o.responseURL, "response-url", "http://127.0.0.1:9/response", "base of each request's response_url (where a slow answer is posted)")
	fs.IntVar(&o.procs, "procs", 1, "GOMAXPROCS of the generator: one core keeps it from competing with the server for both (it saturates at ~35k req/s; the report warns when it is the bottleneck)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the load generator's own CPU profile to this file")
	serverPID := fs.String("server-pid", "", "pid of the server: report its CPU per request")
	redisPID := fs.String("redis-pid", "", "pid of redis-server: report its CPU per request")
	if err := fs.Parse(args); err != nil {
		return o, usageError{err}
	}
	if fs.NArg() > 0 {
		return o, usageError{fmt.Errorf("unexpected arguments: %q", fs.Args())}
	}
	for _, u := range strings.Split(*users, ",") {
		if u = strings.TrimSpace(u); u != "" {
			o.ids.users = append(o.ids.users, u)
		}
	}
	var bad []string
	if o.secret == "" {
		bad = append(bad, "-secret (or SMED_SLACK_SIGNING_SECRET) is required")
	}
	if len(o.ids.users) == 0 {
		bad = append(bad, "-user: at least one user ID")
	}
	if o.client != "raw" && o.client != "std" {
		bad = append(bad, "-client: raw or std")
	}
	if o.c < 1 || o.setupC < 1 || o.procs < 1 {
		bad = append(bad, "-c, -setup-c and -procs must be at least 1")
	}
	if o.rate < 0 || o.duration <= 0 || o.warmup < 0 {
		bad = append(bad, "-rate, -warmup must not be negative and -duration must be positive")
	}
	o.pids = map[string]string{"loadgen": strconv.Itoa(os.Getpid())}
	if *serverPID != "" {
		o.pids["server"] = *serverPID
	}
	if *redisPID != "" {
		o.pids["redis"] = *redisPID
	}
	if len(bad) > 0 {
		return o, usageError{errors.New(strings.Join(bad, "; "))}
	}
	return o, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	o, err := parseOptions(args, getenv, stderr)
	if err != nil {
		return err
	}
	runtime.GOMAXPROCS(o.procs)
	m, err := newMix(o.mixName, o.customers, o.seed)
	if err != nil {
		return usageError{err}
	}
	t, err := newTarget(o)
	if err != nil {
		return err
	}

	setupStart := time.Now()
	if err := t.setup(ctx, m, o.customers, o.setupC); err != nil {
		return err
	}
	setupTook := time.Since(setupStart)

	var meter *cpuMeter
	var used map[string]time.Duration
	var meterErr error
	w := window{
		open: func() { meter, meterErr = newCPUMeter(o.pids) },
		close: func() {
			if meterErr == nil {
				used, meterErr = meter.used()
			}
		},
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	newDoer := func() doer { return t.doer(m.command) }
	var rec *recorder
	if o.rate > 0 {
		pace, closePacer := newPacer()
		defer closePacer()
		rec = openLoop(ctx, o.c, o.rate, o.warmup, o.duration, o.drain, pace, newDoer, w)
	} else {
		rec = closedLoop(ctx, o.c, o.warmup, o.duration, newDoer, w)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if meterErr != nil {
		return meterErr
	}
	r := newReport(o, rec, used, t.firstError())
	r.SetupSeconds = round1(setupTook.Seconds())
	printHuman(stdout, r)
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}
