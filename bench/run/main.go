// Command run is `make bench`: the command-path benchmark of issue 8 from a
// clean checkout. It starts a private redis-server, builds and starts `smed
// run` (HTTP mode, the environment of ../shared/CONTRACT-CHECK.md) and the
// floor (bench/floor), drives both with the load generator (bench/load) in
// the same run — closed loop at saturation, alternating floor and Smed, then
// an open loop at a fixed rate, also against the machine rung (the floor with
// no Redis: what any server gets here) — for both mixes, runs the package
// benchmarks, and writes the results (bench/results/, and the results section
// of BENCHMARKS.md on a full run).
//
// Environment:
//
//	BENCH_QUICK=1       everything short (CI): the whole bench in under 2 minutes
//	SMED_BIN=path       measure this smed binary instead of building one
//	SMED_SRC=dir        build smed and run the package benchmarks in dir
//	                    (default: this checkout)
//	BENCH_FLOOR_WRITES  the floor's write set: v3 (default), v2, basic, indexed or v1
//	BENCH_NOTE=text     a line for the results ("old code, provisional")
//	BENCH_CUSTOMERS=n   customers created before each run (default 1000)
//	BENCH_RESULTS=dir   where to write results (default bench/results)
//	BENCH_KEEP=1        keep the temp dir (logs, binaries) after success
//
// Any setup problem (no redis-server, a build failure, a server that does
// not start, a run that answers errors) stops the bench with exit status 1.
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Getenv, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench: FAIL:", err)
		os.Exit(1)
	}
}

// config is the bench's plan, from the environment.
type config struct {
	quick                bool
	root                 string // this checkout
	smedSrc, smedBin     string
	floorWrites, note    string
	resultsDir           string
	keep                 bool
	customers            int
	closedC, openC       int
	rate                 float64
	rounds               int
	warmup, closed, open time.Duration
	drain                time.Duration
	benchtime            string // -benchtime for the package benchmarks; "" = go test's default
	invocation           string // how the bench was started, for the results
}

func loadConfig(getenv func(string) string) (config, error) {
	root, err := os.Getwd()
	if err != nil {
		return config{}, err
	}
	if _, err := os.Stat(filepath.Join(root, "bench", "load")); err != nil {
		return config{}, fmt.Errorf("run from the top of the smed checkout (no bench/load in %s)", root)
	}
	c := config{
		quick: getenv("BENCH_QUICK") == "1", root: root, smedSrc: root,
		smedBin: getenv("SMED_BIN"), floorWrites: "v3", note: getenv("BENCH_NOTE"),
		resultsDir: filepath.Join(root, "bench", "results"), keep: getenv("BENCH_KEEP") == "1",
		customers: 1000, closedC: 32, openC: 128, rate: 1000,
		rounds: 2, warmup: 2 * time.Second, closed: 10 * time.Second, open: 15 * time.Second, drain: 5 * time.Second,
	}
	if c.quick {
		c.rounds, c.warmup, c.closed, c.open, c.drain, c.benchtime = 1, 500*time.Millisecond, 2*time.Second, 2*time.Second, 2*time.Second, "100x"
	}
	if s := getenv("SMED_SRC"); s != "" {
		if c.smedSrc, err = filepath.Abs(s); err != nil {
			return c, err
		}
	}
	if c.smedBin != "" {
		if c.smedBin, err = filepath.Abs(c.smedBin); err != nil {
			return c, err
		}
		if st, err := os.Stat(c.smedBin); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return c, fmt.Errorf("SMED_BIN=%s is not an executable file", c.smedBin)
		}
	}
	if w := getenv("BENCH_FLOOR_WRITES"); w != "" {
		if w != "v3" && w != "v2" && w != "basic" && w != "indexed" && w != "v1" {
			return c, fmt.Errorf("BENCH_FLOOR_WRITES=%q: want v3, v2, basic, indexed or v1", w)
		}
		c.floorWrites = w
	}
	if n := getenv("BENCH_CUSTOMERS"); n != "" {
		if c.customers, err = strconv.Atoi(n); err != nil || c.customers < 1 {
			return c, fmt.Errorf("BENCH_CUSTOMERS=%q: want a positive number", n)
		}
	}
	var set []string
	for _, k := range []string{"BENCH_QUICK", "SMED_BIN", "SMED_SRC", "BENCH_FLOOR_WRITES", "BENCH_CUSTOMERS"} {
		if v := getenv(k); v != "" {
			set = append(set, k+"="+v)
		}
	}
	c.invocation = strings.TrimSpace(strings.Join(set, " ") + " make bench")
	if d := getenv("BENCH_RESULTS"); d != "" {
		if c.resultsDir, err = filepath.Abs(d); err != nil {
			return c, err
		}
	}
	return c, nil
}

// bench is one run of the whole benchmark.
type bench struct {
	cfg     config
	out     io.Writer
	tmp     string
	secret  string
	loadBin string
	smedBin string

	redis, smed, floor *proc
	machine            *proc // the floor without Redis (-writes none): the machine's own latency
	redisAddr          string
	urls               map[string]string // target → slash command URL
	stub               *slackStub

	results  []result
	commands []string
}

func run(ctx context.Context, getenv func(string) string, out io.Writer) (err error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	started := time.Now()
	b := &bench{cfg: cfg, out: out, urls: map[string]string{}}
	if b.tmp, err = os.MkdirTemp("", "smed-bench-"); err != nil {
		return err
	}
	defer func() {
		if err != nil || cfg.keep {
			fmt.Fprintf(out, "bench: logs, binaries and Redis data kept in %s\n", b.tmp)
			return
		}
		os.RemoveAll(b.tmp)
	}()
	mode := "full"
	if cfg.quick {
		mode = "quick (BENCH_QUICK=1)"
	}
	fmt.Fprintf(out, "bench: %s run, temp dir %s\n", mode, b.tmp)

	machine := describeMachine()
	if err := b.build(ctx); err != nil {
		return err
	}
	machine.smed = b.describeSmed(ctx)
	if err := b.startAll(ctx); err != nil {
		b.stopAll()
		return err
	}
	runErr := b.runLoads(ctx)
	b.stopAll()
	if runErr != nil {
		return runErr
	}
	pkg, pkgCmd, pkgErr := b.packageBenchmarks(ctx)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	md := renderResults(cfg, machine, b.results, b.commands, pkgCmd, pkg, pkgErr, time.Since(started))
	if err := b.writeResults(md); err != nil {
		return err
	}
	fmt.Fprintln(out)
	fmt.Fprint(out, summaryText(b.results))
	if pkgErr != nil {
		return fmt.Errorf("package benchmarks (%s in %s): %w", pkgCmd, cfg.smedSrc, pkgErr)
	}
	fmt.Fprintf(out, "bench: done in %v\n", time.Since(started).Round(time.Second))
	return nil
}

// build makes the load generator and the floor from this checkout, and smed
// from SMED_SRC unless SMED_BIN names a binary.
func (b *bench) build(ctx context.Context) error {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return errors.New("redis-server is not on PATH (apt-get install redis-server): the bench needs a real Redis")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		return errors.New("go is not on PATH")
	}
	build := func(dir, out, pkg string) error {
		fmt.Fprintf(b.out, "bench: go build -o %s %s (in %s)\n", out, pkg, dir)
		cmd := exec.CommandContext(ctx, goTool, "build", "-o", out, pkg)
		cmd.Dir = dir
		if o, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s in %s failed: %v\n%s", pkg, dir, err, o)
		}
		return nil
	}
	b.loadBin = filepath.Join(b.tmp, "load")
	if err := build(b.cfg.root, b.loadBin, "./bench/load"); err != nil {
		return err
	}
	if err := build(b.cfg.root, filepath.Join(b.tmp, "floor"), "./bench/floor"); err != nil {
		return err
	}
	if b.cfg.smedBin != "" {
		fmt.Fprintf(b.out, "bench: measuring SMED_BIN=%s (not built from this checkout)\n", b.cfg.smedBin)
		b.smedBin = b.cfg.smedBin
		return nil
	}
	b.smedBin = filepath.Join(b.tmp, "smed")
	return build(b.cfg.smedSrc, b.smedBin, "./cmd/smed")
}

func (b *bench) describeSmed(ctx context.Context) string {
	var parts []string
	if b.cfg.smedBin != "" {
		parts = append(parts, "SMED_BIN="+b.cfg.smedBin)
	} else {
		parts = append(parts, "built from "+b.cfg.smedSrc)
	}
	if o, err := exec.CommandContext(ctx, "git", "-C", b.cfg.smedSrc, "log", "-1", "--format=%h %s").Output(); err == nil && b.cfg.smedBin == "" {
		parts = append(parts, "at "+strings.TrimSpace(string(o)))
	}
	if o, err := exec.CommandContext(ctx, b.smedBin, "version").Output(); err == nil {
		parts = append(parts, "`smed version`: "+firstLine(string(o)))
	}
	return strings.Join(parts, ", ")
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return l
}

// startAll starts Redis, the Slack stub, smed run and the floor.
func (b *bench) startAll(ctx context.Context) error {
	var err error
	key := make([]byte, 16)
	rand.Read(key)
	b.secret = hex.EncodeToString(key)

	port, err := freePort()
	if err != nil {
		return err
	}
	b.redisAddr = fmt.Sprintf("127.0.0.1:%d", port)
	b.redis, err = start("redis-server", b.tmp, filepath.Join(b.tmp, "redis.log"), os.Environ(), "redis-server",
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", b.tmp)
	if err != nil {
		return err
	}
	if err := waitRedis(ctx, b.redis, b.redisAddr); err != nil {
		return err
	}
	if b.stub, err = startSlackStub(); err != nil {
		return err
	}

	// smed run, as ../shared/CONTRACT-CHECK.md starts it: an empty working
	// directory, the caller's environment without SMED_*, and these.
	if port, err = freePort(); err != nil {
		return err
	}
	smedAddr := fmt.Sprintf("127.0.0.1:%d", port)
	env := []string{
		"SMED_SLACK_BOT_TOKEN=xoxb-bench",
		"SMED_SLACK_SIGNING_SECRET=" + b.secret,
		"SMED_SLACK_API_URL=" + b.stub.url + "/api/",
		"SMED_REDIS_URL=redis://" + b.redisAddr + "/0",
		"SMED_HTTP_ADDR=" + smedAddr,
		"SMED_SLACK_TEAM_ID=T0BENCH",
		"SMED_REMINDERS_SCHEDULE=0 0 1 1 *", // never fires during a run
		"SMED_DIGEST_SCHEDULE=0 0 1 1 *",
		"SMED_REMINDERS_TIMEZONE=UTC",
		"SMED_DIGEST_CHANNEL=C0DIGEST",
		"SMED_ADMINS=U0BOSS",
	}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SMED_") {
			env = append(env, kv)
		}
	}
	wd := filepath.Join(b.tmp, "smed-wd")
	if err := os.Mkdir(wd, 0o755); err != nil {
		return err
	}
	if b.smed, err = start("smed run", wd, filepath.Join(b.tmp, "smed-run.log"), env, b.smedBin, "run"); err != nil {
		return err
	}
	if err := waitHTTP(ctx, b.smed, "http://"+smedAddr+"/healthz", 20*time.Second); err != nil {
		return err
	}
	b.urls["smed"] = "http://" + smedAddr + "/slack/commands"

	var floorAddr string
	if b.floor, floorAddr, err = b.startFloor(ctx, "floor", b.cfg.floorWrites); err != nil {
		return err
	}
	b.urls["floor"] = "http://" + floorAddr + "/slack/commands"
	// The machine rung: the floor with no Redis. Its open-loop latency is
	// what any server gets here in this hour, which bounds Smed's.
	var machineAddr string
	if b.machine, machineAddr, err = b.startFloor(ctx, "machine", "none"); err != nil {
		return err
	}
	b.urls["machine"] = "http://" + machineAddr + "/slack/commands"
	fmt.Fprintf(b.out, "bench: redis-server %s (pid %s), smed run %s (pid %s), floor %s (pid %s, -writes %s), machine %s (pid %s)\n",
		b.redisAddr, b.redis.pid(), smedAddr, b.smed.pid(), floorAddr, b.floor.pid(), b.cfg.floorWrites, machineAddr, b.machine.pid())
	return nil
}

// startFloor starts bench/floor as name with a write set, on a free port, and
// waits until it answers.
func (b *bench) startFloor(ctx context.Context, name, writes string) (*proc, string, error) {
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p, err := start(name, b.tmp, filepath.Join(b.tmp, name+".log"), append(os.Environ(), "SMED_SLACK_SIGNING_SECRET="+b.secret),
		filepath.Join(b.tmp, "floor"), "-addr", addr, "-redis", "redis://"+b.redisAddr+"/0", "-writes", writes)
	if err != nil {
		return nil, "", err
	}
	return p, addr, waitHTTP(ctx, p, "http://"+addr+"/healthz", 10*time.Second)
}

// servers are the bench's processes, Redis last (stopAll stops it after
// the servers that use it).
func (b *bench) servers() []*proc { return []*proc{b.smed, b.floor, b.machine, b.redis} }

func (b *bench) stopAll() {
	for _, p := range b.servers() {
		if p != nil {
			p.stop(20 * time.Second)
		}
	}
	if b.stub != nil {
		b.stub.srv.Close()
	}
}

// runLoads is the plan: per mix, the closed loop rounds alternating floor and
// smed (A B A B), then the open loop for the machine rung, the floor and smed.
func (b *bench) runLoads(ctx context.Context) error {
	for _, mix := range []string{"known", "create"} {
		for round := 1; round <= b.cfg.rounds; round++ {
			for _, target := range []string{"floor", "smed"} {
				if err := b.load(ctx, mix, target, 0, round); err != nil {
					return err
				}
			}
		}
		for _, target := range []string{"machine", "floor", "smed"} {
			if err := b.load(ctx, mix, target, b.cfg.rate, 1); err != nil {
				return err
			}
		}
	}
	return nil
}

// load is one run of the load generator against one target, on an empty
// Redis and idle servers.
func (b *bench) load(ctx context.Context, mix, target string, rate float64, round int) error {
	server := map[string]*proc{"smed": b.smed, "floor": b.floor, "machine": b.machine}[target]
	for _, p := range b.servers() {
		if p.exited() {
			return fmt.Errorf("%s exited during the bench (%v); its log:\n%s", p.name, p.err, p.tail())
		}
	}
	if took, ok := settle(ctx, b.servers(), 60*time.Second); !ok {
		fmt.Fprintf(b.out, "bench: warning: servers still busy after %v; measuring anyway\n", took.Round(time.Millisecond))
	}
	if _, err := redisCmd(b.redisAddr, "FLUSHALL"); err != nil {
		return fmt.Errorf("FLUSHALL: %w", err)
	}
	args := []string{
		"-url", b.urls[target], "-label", target, "-mix", mix,
		"-customers", strconv.Itoa(b.cfg.customers), "-warmup", b.cfg.warmup.String(),
		"-team", "T0BENCH", "-user", "U0BENCH", "-channel", "C0BENCH",
		"-response-url", b.stub.url + "/response",
		"-server-pid", server.pid(), "-redis-pid", b.redis.pid(),
	}
	if rate > 0 {
		args = append(args, "-rate", strconv.FormatFloat(rate, 'f', -1, 64), "-c", strconv.Itoa(b.cfg.openC),
			"-duration", b.cfg.open.String(), "-drain", b.cfg.drain.String())
	} else {
		args = append(args, "-c", strconv.Itoa(b.cfg.closedC), "-duration", b.cfg.closed.String())
	}
	b.commands = append(b.commands, "load "+strings.Join(args, " "))
	fmt.Fprintf(b.out, "\nbench: %s\n", "load "+strings.Join(args, " "))

	cmd := exec.CommandContext(ctx, b.loadBin, args...)
	cmd.Env = append(os.Environ(), "SMED_SLACK_SIGNING_SECRET="+b.secret)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&stdout, humanOnly{b.out}), &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("load against %s (mix %s): %v\n%s%s", target, mix, err, stderr.String(), b.serverTail(server))
	}
	_ = os.WriteFile(filepath.Join(b.tmp, fmt.Sprintf("load-%02d-%s-%s-%s.out", len(b.commands), mix, modeName(rate), target)), stdout.Bytes(), 0o644)
	var r result
	if err := json.Unmarshal(lastLine(stdout.Bytes()), &r); err != nil {
		return fmt.Errorf("load against %s: no JSON result line: %v", target, err)
	}
	r.Round = round
	b.results = append(b.results, r)
	// Wrong answers mean the run measured something other than notes
	// (a bad signature, a refused team, the generator's names): loud, not a
	// figure.
	if bad := r.failures(); r.BadStatus > 0 || bad*100 > r.Requests {
		return fmt.Errorf("%s answered %d of %d requests with errors (non-200 %d, error replies %d, did you mean %d, transport %d); first: %s%s",
			target, bad, r.Requests, r.BadStatus, r.ErrorReply, r.NearMiss, r.Transport, r.FirstError, b.serverTail(server))
	}
	return nil
}

func modeName(rate float64) string {
	if rate > 0 {
		return "open"
	}
	return "closed"
}

func (b *bench) serverTail(p *proc) string { return "\n" + p.name + " log (tail):\n" + p.tail() }

// humanOnly passes on the generator's human lines and drops its JSON line.
type humanOnly struct{ w io.Writer }

func (h humanOnly) Write(p []byte) (int, error) {
	for _, l := range bytes.SplitAfter(p, []byte("\n")) {
		if !bytes.HasPrefix(l, []byte("{")) {
			h.w.Write(l)
		}
	}
	return len(p), nil
}

func lastLine(b []byte) []byte {
	var last []byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if l := bytes.TrimSpace(sc.Bytes()); bytes.HasPrefix(l, []byte("{")) {
			last = append(last[:0], l...)
		}
	}
	return last
}

// packageBenchmarks runs the Go benchmarks of the smed source, servers
// stopped so they have the machine.
func (b *bench) packageBenchmarks(ctx context.Context) (string, string, error) {
	args := []string{"test", "-run", "^$", "-bench", ".", "-benchmem"}
	if b.cfg.benchtime != "" {
		args = append(args, "-benchtime", b.cfg.benchtime)
	}
	args = append(args, "./...")
	cmdline := "go " + strings.Join(args, " ")
	fmt.Fprintf(b.out, "\nbench: %s (in %s)\n", cmdline, b.cfg.smedSrc)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = b.cfg.smedSrc
	var buf bytes.Buffer
	cmd.Stdout = io.MultiWriter(&buf, b.out)
	cmd.Stderr = cmd.Stdout
	err := cmd.Run()
	return buf.String(), cmdline, err
}

func (b *bench) writeResults(md string) error {
	name := "latest"
	if b.cfg.quick {
		name = "quick"
	}
	if err := os.MkdirAll(b.cfg.resultsDir, 0o755); err != nil {
		return err
	}
	mdPath := filepath.Join(b.cfg.resultsDir, name+".md")
	if err := os.WriteFile(mdPath, []byte(md), 0o644); err != nil {
		return err
	}
	var js bytes.Buffer
	for _, r := range b.results {
		line, _ := json.Marshal(r)
		js.Write(line)
		js.WriteByte('\n')
	}
	if err := os.WriteFile(filepath.Join(b.cfg.resultsDir, name+".jsonl"), js.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(b.out, "\nbench: results in %s\n", mdPath)
	if b.cfg.quick {
		return nil
	}
	updated, err := replaceResults(filepath.Join(b.cfg.root, "BENCHMARKS.md"), md)
	if err != nil {
		return err
	}
	if updated {
		fmt.Fprintln(b.out, "bench: BENCHMARKS.md results section updated")
	}
	return nil
}

const (
	beginMark = "<!-- bench:results:begin (written by make bench; edit bench/run instead) -->"
	endMark   = "<!-- bench:results:end -->"
)

// replaceResults puts md between the markers of path; false when the file or
// its markers are missing.
func replaceResults(path, md string) (bool, error) {
	raw, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	s := string(raw)
	i, j := strings.Index(s, beginMark), strings.Index(s, endMark)
	if i < 0 || j < i {
		return false, nil
	}
	s = s[:i+len(beginMark)] + "\n" + md + s[j:]
	return true, os.WriteFile(path, []byte(s), 0o644)
}
