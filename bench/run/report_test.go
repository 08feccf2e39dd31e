package main

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Rounds pool as one long run: all requests over all measured time, all CPU
// over all requests (not a mean of per-run ratios).
func TestPool(t *testing.T) {
	rs := []result{
		{Label: "floor", Mix: "known", Mode: "closed", Requests: 30000, Duration: 2, ServerCPU: 2.0, RedisCPU: 0.6},
		{Label: "floor", Mix: "known", Mode: "closed", Requests: 10000, Duration: 2, ServerCPU: 1.0, RedisCPU: 0.2},
		{Label: "floor", Mix: "known", Mode: "open", Requests: 2000, Duration: 2, ServerCPU: 9, RedisCPU: 9},
		{Label: "smed", Mix: "known", Mode: "closed", Requests: 8000, Duration: 4, ServerCPU: 2.0, RedisCPU: 0.4},
	}
	f, s := pool(rs, "known", "floor"), pool(rs, "known", "smed")
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
	if f.n != 2 || !near(f.rps, 10000) || !near(f.serverReq, 75) || !near(f.redisReq, 20) {
		t.Errorf("floor pooled = %+v, want 2 runs, 10000 req/s, 75 µs, 20 µs", f)
	}
	if !near(ratio(s.rps, f.rps), 0.2) || !near(ratio(s.serverReq, f.serverReq), 250.0/75) {
		t.Errorf("ratios %v %v", ratio(s.rps, f.rps), ratio(s.serverReq, f.serverReq))
	}
	if p := pool(rs, "create", "smed"); p.rps != 0 || ratio(1, p.rps) != 0 {
		t.Errorf("no runs: %+v", p)
	}
}

func TestReplaceResults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	doc := "# B\n\nintro\n\n" + beginMark + "\nold figures\n" + endMark + "\n\nafter\n"
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	ok, err := replaceResults(path, "new figures\n")
	if err != nil || !ok {
		t.Fatalf("replaceResults = %v, %v", ok, err)
	}
	got, _ := os.ReadFile(path)
	want := "# B\n\nintro\n\n" + beginMark + "\nnew figures\n" + endMark + "\n\nafter\n"
	if string(got) != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if ok, err := replaceResults(filepath.Join(t.TempDir(), "none.md"), "x"); ok || err != nil {
		t.Errorf("missing file: %v, %v", ok, err)
	}
}

func TestLastLineAndHumanOnly(t *testing.T) {
	out := "floor · mix known\n  throughput 1 req/s\n{\"label\":\"a\"}\n{\"label\":\"b\"}\n"
	if got := string(lastLine([]byte(out))); got != `{"label":"b"}` {
		t.Errorf("lastLine = %q", got)
	}
	var b strings.Builder
	humanOnly{&b}.Write([]byte(out))
	if b.String() != "floor · mix known\n  throughput 1 req/s\n" {
		t.Errorf("humanOnly passed %q", b.String())
	}
}

// The open-loop verdict says when the machine rung was itself above the
// target, and only then; the table lists the machine rung before the floor.
func TestP99VerdictNamesTheMachine(t *testing.T) {
	rs := []result{
		{Label: "machine", Mix: "known", Mode: "open", Requests: 100, P99: 2.7},
		{Label: "floor", Mix: "known", Mode: "open", Requests: 100, P99: 4.7},
		{Label: "smed", Mix: "known", Mode: "open", Requests: 100, P99: 7.7},
		{Label: "machine", Mix: "create", Mode: "open", Requests: 100, P99: 1.1},
		{Label: "smed", Mix: "create", Mode: "open", Requests: 100, P99: 4.2},
	}
	if got, want := p99Verdict(rs, "known", rs[2]), "≤ 2 ms: **missed** (the machine alone: 2.700 ms)"; got != want {
		t.Errorf("known: %q, want %q", got, want)
	}
	if got, want := p99Verdict(rs, "create", rs[4]), "≤ 5 ms: met"; got != want {
		t.Errorf("create: %q, want %q", got, want)
	}
	md := renderResults(config{rate: 1000}, machine{}, rs, nil, "go test", "", nil, time.Second)
	mi, fi := strings.Index(md, "| known | machine (no Redis) | "), strings.Index(md, "| known | floor | ")
	if mi < 0 || fi < 0 || mi > fi {
		t.Errorf("open-loop table: machine row at %d, floor row at %d:\n%s", mi, fi, md)
	}
}
