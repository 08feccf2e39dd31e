// Package redistest gives tests a Redis: a real redis-server started once per
// test binary (or $SMED_TEST_REDIS_URL), private servers a test can stop and
// restart, key prefixes so tests share one server in parallel, and real Redis
// Cluster (Cluster) and Sentinel (Sentinel) sets a test owns.
//
// Where no redis-server is installed it falls back to an embedded miniredis,
// unless SMED_REQUIRE_REDIS=1 (CI), where a missing Redis fails the test.
// Clusters and sentinels have no fallback: those tests are skipped (or fail
// with SMED_REQUIRE_REDIS=1).
//
// It talks to Redis only through raw RESP (PING, and the commands that set up
// and inspect clusters and sentinels, resp.go), so it does not import the
// client library that storage owns.
package redistest

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

// Environment variables read here.
const (
	EnvURL     = "SMED_TEST_REDIS_URL" // use this Redis instead of starting one
	EnvRequire = "SMED_REQUIRE_REDIS"  // "1": a missing redis-server fails
)

// The shared server of this test binary. Package-level because it outlives
// every single test; Main stops it.
var (
	sharedOnce sync.Once
	shared     *Proc
	sharedURL  string
	sharedNote string // logged by every URL call when set (fallback in use)
	sharedErr  error
	prefixes   atomic.Uint64
)

// Main runs the tests and stops the shared server afterwards. Use it as
//
//	func TestMain(m *testing.M) { redistest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	if shared != nil {
		shared.stop()
		os.RemoveAll(shared.dir)
	}
	os.Exit(code)
}

// URL returns the URL of a Redis for tests: $SMED_TEST_REDIS_URL when set, else
// one redis-server per test binary on a unix socket in a temporary directory
// (or an embedded miniredis where redis-server is missing). Give every test its
// own Prefix: the server is shared.
func URL(tb testing.TB) string {
	tb.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	sharedOnce.Do(startShared)
	if sharedErr != nil {
		tb.Fatalf("redistest: %v", sharedErr)
	}
	if sharedNote != "" {
		tb.Log(sharedNote)
	}
	return sharedURL
}

func startShared() {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(EnvRequire) == "1" {
			sharedErr = fmt.Errorf("redis-server not found and %s=1", EnvRequire)
			return
		}
		// Lives until the test binary exits.
		m := miniredis.NewMiniRedis()
		m.ClockTTL(true) // TTLs run on the wall clock, as in Redis
		if err := m.Start(); err != nil {
			sharedErr = fmt.Errorf("start embedded redis: %w", err)
			return
		}
		sharedURL = "redis://" + m.Addr()
		sharedNote = "redistest: redis-server not found, using embedded miniredis"
		// Once per test binary, where `go test` shows it without -v: a run
		// that did not test against real Redis must say so.
		fmt.Fprintln(os.Stderr, sharedNote+" (install redis-server, or set SMED_REQUIRE_REDIS=1 to make this a failure)")
		return
	}
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		sharedErr = err
		return
	}
	sock := filepath.Join(dir, "redis.sock")
	p := &Proc{bin: bin, dir: dir, args: []string{"--port", "0", "--unixsocket", sock}}
	if err := p.start(); err != nil {
		os.RemoveAll(dir)
		sharedErr = err
		return
	}
	shared, sharedURL = p, "unix://"+sock
}

// Prefix returns a key prefix no other test (in this or another test binary
// on the same Redis) uses.
func Prefix(tb testing.TB) string {
	h := fnv.New32a()
	h.Write([]byte(tb.Name()))
	return fmt.Sprintf("test:%d:%08x:%d:", os.Getpid(), h.Sum32(), prefixes.Add(1))
}

// Proc is a redis-server owned by one test, on a fixed loopback port, so the
// test can stop it and start it again at the same address.
type Proc struct {
	bin  string
	dir  string
	conf string // config file, passed first (sentinels need one); may be empty
	args []string
	addr string               // "127.0.0.1:port", or the socket path
	mini *miniredis.Miniredis // fallback when redis-server is missing

	proc   *os.Process // nil while stopped
	exited chan error  // receives Wait's result once proc has exited
}

// Server starts a private redis-server for tb on a free loopback port and
// kills it when the test ends; extra are more redis-server arguments, which
// win over the defaults ("--appendonly", "yes", "--appendfsync", "always").
// Without redis-server it uses miniredis (which can also be closed and
// restarted, and ignores extra), unless SMED_REQUIRE_REDIS=1.
func Server(tb testing.TB, extra ...string) *Proc {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		if os.Getenv(EnvRequire) == "1" {
			tb.Fatalf("redistest: redis-server not found and %s=1", EnvRequire)
		}
		tb.Log("redistest: redis-server not found, using embedded miniredis")
		m := miniredis.RunT(tb)
		m.ClockTTL(true)
		return &Proc{mini: m, addr: m.Addr()}
	}
	dir := tb.TempDir()
	var last error
	for range 5 { // the free port can be taken between probe and bind
		port, err := freePort()
		if err != nil {
			tb.Fatalf("redistest: %v", err)
		}
		p := &Proc{bin: bin, dir: dir, args: append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1"}, extra...)}
		if last = p.start(); last == nil {
			tb.Cleanup(p.Kill)
			return p
		}
	}
	tb.Fatalf("redistest: %v", last)
	return nil
}

// URL is the server's redis:// URL; it stays the same across restarts.
func (p *Proc) URL() string { return "redis://" + p.addr }

// Addr is the server's host:port (or socket path); it stays the same across
// restarts.
func (p *Proc) Addr() string { return p.addr }

// Stop shuts the server down (SIGTERM) and waits for it to exit.
func (p *Proc) Stop() {
	if p.mini != nil {
		p.mini.Close()
		return
	}
	p.stop()
}

// Kill ends the server at once (SIGKILL), as a crash would.
func (p *Proc) Kill() {
	if p.mini != nil {
		p.mini.Close()
		return
	}
	if p.proc != nil {
		p.proc.Kill() // works on a paused process too
		<-p.exited
		p.proc = nil
	}
}

// Pause freezes the server (SIGSTOP): connections stay open and nothing
// answers, as with a hung Redis. It reports false where that cannot be done
// (the embedded fallback).
func (p *Proc) Pause() bool {
	return p.proc != nil && p.proc.Signal(syscall.SIGSTOP) == nil
}

// Resume continues a paused server.
func (p *Proc) Resume() {
	if p.proc != nil {
		p.proc.Signal(syscall.SIGCONT)
	}
}

// Real reports whether this is a redis-server process (not the embedded
// fallback), which can be killed, paused and made to keep an append-only file.
func (p *Proc) Real() bool { return p.mini == nil }

// Restart starts a stopped server again at the same address and directory:
// with no data, unless it keeps an append-only file, which it replays.
func (p *Proc) Restart(tb testing.TB) {
	tb.Helper()
	if p.mini != nil {
		if err := p.mini.Restart(); err != nil {
			tb.Fatalf("redistest: restart: %v", err)
		}
		p.mini.FlushAll() // miniredis keeps its data; a restarted test server does not
		return
	}
	p.Kill()
	if err := p.start(); err != nil {
		tb.Fatalf("redistest: restart: %v", err)
	}
}

func (p *Proc) stop() {
	if p.proc != nil {
		p.proc.Signal(syscall.SIGTERM)
		p.proc.Signal(syscall.SIGCONT) // a paused server must run to exit
		select {
		case <-p.exited:
		case <-time.After(5 * time.Second):
			p.proc.Kill()
			<-p.exited
		}
		p.proc = nil
	}
}

// start runs redis-server without persistence and waits until it answers PING.
func (p *Proc) start() error {
	var args []string
	if p.conf != "" {
		args = append(args, p.conf)
	}
	args = append(args, "--save", "", "--appendonly", "no", "--dir", p.dir,
		"--daemonize", "no", "--loglevel", "warning")
	args = append(args, p.args...)
	network, addr := "unix", ""
	for i := 0; i+1 < len(p.args); i++ {
		switch p.args[i] {
		case "--unixsocket":
			addr = p.args[i+1]
		case "--port":
			if p.args[i+1] != "0" {
				network, addr = "tcp", "127.0.0.1:"+p.args[i+1]
			}
		}
	}
	p.addr = addr
	cmd := exec.Command(p.bin, args...)
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if ping(network, addr) == nil {
			p.proc, p.exited = cmd.Process, exited
			return nil
		}
		select {
		case err := <-exited:
			return fmt.Errorf("redis-server exited at start: %v", err)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-exited
			return fmt.Errorf("redis-server at %s did not answer PING within 10s", addr)
		}
	}
}

// ping sends a RESP PING and expects +PONG, or -NOAUTH from a server with a
// password: either way it answers.
func ping(network, addr string) error {
	c, err := net.DialTimeout(network, addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") && !strings.HasPrefix(line, "-NOAUTH") {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
