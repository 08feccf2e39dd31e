// Command replay runs the script calls of a Redis MONITOR recording again,
// with one of the store's scripts (or a variant of it from a file), against
// a Redis you name: the way BENCHMARKS.md measures what a note costs Redis,
// part by part, without the noise of a shared machine (run that Redis under
// valgrind's callgrind and compare instruction counts, or read the µs a
// call from INFO commandstats).
//
//	replay -redis 127.0.0.1:6397 -monitor notes.mon [-script write|file.lua] [-n 500]
//	replay -list                 the store's script names
//	replay -dump write           a script's Lua, to edit into a variant
//
// It replays every EVALSHA a client sent (not the commands scripts issued)
// with the SHA of the script it loads, so the recording must be of that
// script's calls, on a Redis holding the data they were recorded on (a copy
// of its dump.rdb). It writes: never point it at a Redis whose data matters.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed/storage"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("redis", "", "host:port of the Redis to replay against (required: it is written to)")
	monitor := fs.String("monitor", "", "a redis-cli MONITOR recording")
	script := fs.String("script", "write", "the store's script by name, or a .lua file (a variant)")
	n := fs.Int("n", 0, "replay the first n calls (0: all)")
	list := fs.Bool("list", false, "list the store's script names and exit")
	dump := fs.String("dump", "", "print the Lua of this store script and exit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *list:
		fmt.Fprintln(stdout, strings.Join(storage.ScriptNames(), "\n"))
		return nil
	case *dump != "":
		src, ok := storage.ScriptSource(*dump)
		if !ok {
			return fmt.Errorf("no store script %q (replay -list names them)", *dump)
		}
		fmt.Fprint(stdout, src)
		return nil
	case *addr == "" || *monitor == "":
		return errors.New("-redis and -monitor are required (replay -h)")
	}
	src, err := scriptSource(*script)
	if err != nil {
		return err
	}
	f, err := os.Open(*monitor)
	if err != nil {
		return err
	}
	calls, err := readCalls(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", *monitor, err)
	}
	if *n > 0 && *n < len(calls) {
		calls = calls[:*n]
	}
	rdb := redis.NewClient(&redis.Options{Addr: *addr})
	defer rdb.Close()
	sha, err := rdb.ScriptLoad(ctx, src).Result()
	if err != nil {
		return fmt.Errorf("SCRIPT LOAD: %w", err)
	}
	before := evalStats(ctx, rdb)
	answers := map[string]int{}
	var firstErr error
	for _, c := range calls {
		cmd := make([]any, 0, len(c)+1)
		cmd = append(cmd, "EVALSHA", sha)
		for _, a := range c[2:] {
			cmd = append(cmd, a)
		}
		v, err := rdb.Do(ctx, cmd...).Result()
		if err != nil {
			answers["error"]++
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		answers[first(v)]++
	}
	after := evalStats(ctx, rdb)
	fmt.Fprintf(stdout, "replayed %d calls with %s: %s\n", len(calls), *script, summary(answers))
	if ran := after.calls - before.calls; ran > 0 {
		fmt.Fprintf(stdout, "Redis: %.1f µs a call (INFO commandstats)\n", (after.usec-before.usec)/float64(ran))
	}
	if firstErr != nil {
		fmt.Fprintf(stdout, "first error: %v\n", firstErr)
	}
	return nil
}

// scriptSource is a store script by name, else the file of that name.
func scriptSource(s string) (string, error) {
	if src, ok := storage.ScriptSource(s); ok {
		return src, nil
	}
	b, err := os.ReadFile(s)
	if err != nil {
		return "", fmt.Errorf("-script %s: not a store script (replay -list) nor a readable file: %w", s, err)
	}
	return string(b), nil
}

// first is how a script answered: the first element of an array reply
// ("ok", "moved", …), else the reply's kind.
func first(v any) string {
	if a, ok := v.([]any); ok && len(a) > 0 {
		if s, ok := a[0].(string); ok {
			return s
		}
	}
	return fmt.Sprintf("%T", v)
}

func summary(answers map[string]int) string {
	keys := make([]string, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d %s", answers[k], k)
	}
	if len(parts) == 0 {
		return "nothing to replay"
	}
	return strings.Join(parts, ", ")
}

type stats struct {
	calls int
	usec  float64
}

// evalStats is EVALSHA's line of INFO commandstats (zero when absent).
func evalStats(ctx context.Context, rdb *redis.Client) stats {
	info, err := rdb.Info(ctx, "commandstats").Result()
	if err != nil {
		return stats{}
	}
	var s stats
	for _, l := range strings.Split(info, "\n") {
		rest, ok := strings.CutPrefix(strings.TrimSpace(l), "cmdstat_evalsha:")
		if !ok {
			continue
		}
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "calls":
				s.calls, _ = strconv.Atoi(v)
			case "usec":
				s.usec, _ = strconv.ParseFloat(v, 64)
			}
		}
	}
	return s
}

// readCalls is every EVALSHA a client sent in a MONITOR recording, as its
// arguments (EVALSHA, sha, numkeys, keys and args).
func readCalls(r io.Reader) ([][]string, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	var calls [][]string
	for line := 1; sc.Scan(); line++ {
		args, client, err := parseMonitorLine(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if client && len(args) >= 3 && strings.EqualFold(args[0], "evalsha") {
			calls = append(calls, args)
		}
	}
	return calls, sc.Err()
}

// parseMonitorLine splits a MONITOR line,
//
//	1733090000.123456 [0 127.0.0.1:5555] "evalsha" "ab…" "2" "k\x00"
//
// into its arguments, undoing Redis's quoting (sdscatrepr: \\ \" \n \r \t
// \a \b and \xHH). client is false for the commands a script issued
// ([0 lua]). Lines that are not commands ("OK") give no arguments.
func parseMonitorLine(line string) (args []string, client bool, err error) {
	open := strings.IndexByte(line, '[')
	end := strings.Index(line, "] ")
	if open < 0 || end < open {
		return nil, false, nil
	}
	client = !strings.HasSuffix(line[open:end], " lua")
	s := line[end+2:]
	for s != "" {
		if s[0] == ' ' {
			s = s[1:]
			continue
		}
		if s[0] != '"' {
			return nil, false, fmt.Errorf("expected a quoted argument at %q", cut(s))
		}
		var b []byte
		i := 1
		for {
			if i >= len(s) {
				return nil, false, errors.New("unterminated argument")
			}
			c := s[i]
			if c == '"' {
				i++
				break
			}
			if c != '\\' {
				b = append(b, c)
				i++
				continue
			}
			if i+1 >= len(s) {
				return nil, false, errors.New("escape at the end of the line")
			}
			switch e := s[i+1]; e {
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'a':
				b = append(b, '\a')
			case 'b':
				b = append(b, '\b')
			case 'x':
				if i+3 >= len(s) {
					return nil, false, errors.New("short \\x escape")
				}
				v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
				if err != nil {
					return nil, false, fmt.Errorf("bad \\x escape %q", s[i:i+4])
				}
				b = append(b, byte(v))
				i += 2
			default: // \\ and \"
				b = append(b, e)
			}
			i += 2
		}
		args = append(args, string(b))
		s = s[i:]
	}
	return args, client, nil
}

func cut(s string) string {
	if len(s) > 20 {
		return s[:20] + "…"
	}
	return s
}
