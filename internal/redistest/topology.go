package redistest

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Shared by Cluster and Sentinel: several real servers that one test owns.

// lookTools finds the named binaries. Where one is missing the test is
// skipped (a cluster or a sentinel cannot be faked by miniredis), or fails
// when SMED_REQUIRE_REDIS=1.
func lookTools(tb testing.TB, what string, names ...string) []string {
	tb.Helper()
	paths := make([]string, len(names))
	for i, n := range names {
		p, err := exec.LookPath(n)
		if err != nil {
			if os.Getenv(EnvRequire) == "1" {
				tb.Fatalf("redistest: %s needs %s, not found, and %s=1", what, n, EnvRequire)
			}
			tb.Skipf("redistest: %s needs %s, which is not installed (install redis-server and redis-cli; %s=1 makes this a failure)", what, n, EnvRequire)
		}
		paths[i] = p
	}
	return paths
}

// startOnPort starts a redis-server in its own directory on a free loopback
// port (args gets the directory and the port), logging to redis.log there, and kills it when
// the test ends. conf, when not empty, is written to redis.conf and passed
// first. On a failed test the tail of the log is shown.
func startOnPort(tb testing.TB, bin, name, conf string, args func(dir string, port int) []string) *Proc {
	tb.Helper()
	dir := tb.TempDir()
	logPath := filepath.Join(dir, "redis.log")
	var last error
	for range 5 { // the free port can be taken between probe and bind
		port, err := freePort()
		if err != nil {
			tb.Fatalf("redistest: %v", err)
		}
		p := &Proc{bin: bin, dir: dir, args: append([]string{
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--logfile", logPath,
		}, args(dir, port)...)}
		if conf != "" {
			// Sentinels rewrite their config file: one fresh copy per try.
			p.conf = filepath.Join(dir, "redis.conf")
			if err := os.WriteFile(p.conf, []byte(conf), 0o600); err != nil {
				tb.Fatalf("redistest: %v", err)
			}
		}
		if last = p.start(); last == nil {
			tb.Cleanup(func() {
				p.Kill()
				if tb.Failed() {
					logTail(tb, name+" "+p.addr, logPath)
				}
			})
			return p
		}
	}
	logTail(tb, name, logPath)
	tb.Fatalf("redistest: start %s: %v", name, last)
	return nil
}

// logTail shows the last lines of a server log, for a failed test.
func logTail(tb testing.TB, name, path string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return
	}
	lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	tb.Logf("redistest: log of %s:\n%s", name, bytes.Join(lines, []byte("\n")))
}

// waitFor polls cond every 50 ms until it reports done, and fails the test
// with the last reason after timeout.
func waitFor(tb testing.TB, timeout time.Duration, what string, cond func() (done bool, why string)) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		done, why := cond()
		if done {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redistest: %s: not within %v: %s", what, timeout, why)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// errWhy formats a polling failure.
func errWhy(addr string, err error) string { return fmt.Sprintf("%s: %v", addr, err) }
