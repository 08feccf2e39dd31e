package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/smedhq/smed/internal/redistest"
	"github.com/smedhq/smed/storage"
)

func TestParseMonitorLine(t *testing.T) {
	for _, tc := range []struct {
		line   string
		args   []string
		client bool
	}{
		{`1796165986.428974 [0 127.0.0.1:5555] "evalsha" "ab12" "1" "smed:{T}:c:1" "a\x00b" "tab\there" "q\"uote" "back\\slash"`,
			[]string{"evalsha", "ab12", "1", "smed:{T}:c:1", "a\x00b", "tab\there", `q"uote`, `back\slash`}, true},
		{`1796165986.429072 [0 lua] "HMGET" "smed:{T}:c:1" "id"`, []string{"HMGET", "smed:{T}:c:1", "id"}, false},
		{`1796165986.4 [0 127.0.0.1:1] "set" "k" "\xc3\xa5\n\r\a\b" ""`, []string{"set", "k", "å\n\r\a\b", ""}, true},
		{`OK`, nil, false},
	} {
		args, client, err := parseMonitorLine(tc.line)
		if err != nil || client != tc.client || strings.Join(args, "|") != strings.Join(tc.args, "|") || len(args) != len(tc.args) {
			t.Errorf("parseMonitorLine(%q) = %q, %v, %v; want %q, %v", tc.line, args, client, err, tc.args, tc.client)
		}
	}
	for _, bad := range []string{`1.0 [0 a:1] "unterminated`, `1.0 [0 a:1] "bad \xZZ"`, `1.0 [0 a:1] unquoted`, `1.0 [0 a:1] "end\`} {
		if _, _, err := parseMonitorLine(bad); err == nil {
			t.Errorf("parseMonitorLine(%q): no error", bad)
		}
	}
}

// Every store script is there by name, and the tool prints it.
func TestListAndDump(t *testing.T) {
	names := storage.ScriptNames()
	if len(names) < 10 || !strings.Contains(strings.Join(names, " "), "write") {
		t.Fatalf("ScriptNames = %q", names)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-dump", "write"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	src, _ := storage.ScriptSource("write")
	if out.String() != src || !strings.Contains(src, "redis.call") {
		t.Errorf("-dump write printed %d bytes, want the script's %d", out.Len(), len(src))
	}
	if err := run(context.Background(), []string{"-dump", "nosuch"}, &out, &out); err == nil {
		t.Error("-dump nosuch: no error")
	}
}

// A recording replays with the script given (its SHA replaced), counting the
// answers by kind; the commands scripts issued are not replayed.
func TestReplay(t *testing.T) {
	srv := redistest.Server(t)
	dir := t.TempDir()
	script := filepath.Join(dir, "v.lua")
	os.WriteFile(script, []byte(`redis.call('INCR', KEYS[1]) if ARGV[1] == 'x' then return {'moved'} end return {'ok'}`), 0o644)
	mon := filepath.Join(dir, "rec.mon")
	os.WriteFile(mon, []byte(`OK
1.1 [0 127.0.0.1:9] "evalsha" "0000" "1" "n" "a"
1.2 [0 lua] "INCR" "n"
1.3 [0 127.0.0.1:9] "evalsha" "0000" "1" "n" "x"
1.4 [0 127.0.0.1:9] "get" "n"
1.5 [0 127.0.0.1:9] "EVALSHA" "0000" "1" "n" "b"
`), 0o644)
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-redis", srv.Addr(), "-monitor", mon, "-script", script}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "replayed 3 calls with "+script+": 1 moved, 2 ok") {
		t.Errorf("output:\n%s", out.String())
	}
	out.Reset()
	if err := run(context.Background(), []string{"-redis", srv.Addr(), "-monitor", mon, "-script", script, "-n", "1"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "replayed 1 calls") {
		t.Errorf("-n 1 output:\n%s", out.String())
	}
	if err := run(context.Background(), []string{"-monitor", mon}, &out, &out); err == nil {
		t.Error("no -redis: no error")
	}
}

func TestMain(m *testing.M) { redistest.Main(m) }
