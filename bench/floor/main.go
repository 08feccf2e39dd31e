// Command floor is the least server that does the Redis work of a Smed note:
// bare net/http, Slack's v0 signature check, a minimal read of the form's
// text, one MULTI/EXEC with the writes a note makes, and a fixed reply. It is
// the yardstick in `make bench`: what a note costs when nothing but the
// essentials runs (BENCHMARKS.md).
//
//	floor -addr 127.0.0.1:3001 -redis redis://127.0.0.1:6379/0 -secret S [-writes v3|v2|basic|indexed|v1|none]
package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:3001", "listen address")
	redisURL := fs.String("redis", "redis://127.0.0.1:6379/0", "Redis URL")
	secret := fs.String("secret", getenv("SMED_SLACK_SIGNING_SECRET"), "Slack signing secret (default $SMED_SLACK_SIGNING_SECRET)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the floor to this file until it stops")
	writes := fs.String("writes", "v3", "the write set of a note: v3, v2, basic, indexed, v1, or none for no Redis at all (see writes.go)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *secret == "" {
		return errors.New("-secret (or SMED_SLACK_SIGNING_SECRET) is required")
	}
	ws, ok := writeSets[*writes]
	if !ok {
		return fmt.Errorf("-writes %q: want v3, v2, basic, indexed, v1 or none", *writes)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	opt, err := redis.ParseURL(*redisURL)
	if err != nil {
		return fmt.Errorf("-redis: %w", err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	log := slog.New(slog.NewTextHandler(stderr, nil))

	mux := http.NewServeMux()
	mux.Handle("POST /slack/commands", verify([]byte(*secret), handleNote(rdb, ws, log)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusOK) })
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("-addr: %w", err)
	}
	log.Info("floor is running", "addr", ln.Addr().String(), "writes", *writes)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}

// maxBody bounds a request before it is verified, as Smed does.
const maxBody = 1 << 20

// verify passes on only requests with a valid v0 signature: HMAC-SHA256 of
// "v0:<timestamp>:<raw body>" with the signing secret, compared in constant
// time, timestamp at most 5 minutes from now. Everything else gets 401.
func verify(secret []byte, next func(w http.ResponseWriter, r *http.Request, body []byte)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil || !signed(secret, r.Header.Get("X-Slack-Request-Timestamp"), r.Header.Get("X-Slack-Signature"), body, time.Now()) {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		next(w, r, body)
	})
}

func signed(secret []byte, ts, sig string, body []byte, now time.Time) bool {
	t, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || now.Sub(time.Unix(t, 0)).Abs() > 5*time.Minute || len(sig) < 3 || sig[:3] != "v0=" {
		return false
	}
	got, err := hex.DecodeString(sig[3:])
	if err != nil {
		return false
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte("v0:" + ts + ":"))
	mac.Write(body)
	return hmac.Equal(got, mac.Sum(nil))
}

var noted = []byte(`{"response_type":"ephemeral","text":"Noted."}`)

// handleNote writes the note in one MULTI/EXEC and answers with a fixed reply;
// with no write set (-writes none) it answers without Redis.
func handleNote(rdb *redis.Client, ws writeSet, log *slog.Logger) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, r *http.Request, body []byte) {
		n, ok := parseNote(body)
		if !ok {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		n.at = time.Now().UnixMilli()
		if ws != nil {
			if _, err := rdb.TxPipelined(r.Context(), func(p redis.Pipeliner) error {
				ws(r.Context(), p, n)
				return nil
			}); err != nil {
				log.Warn("note failed", "err", err)
				http.Error(w, "redis", http.StatusServiceUnavailable)
				return
			}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(noted)
	}
}

// note is what the floor reads from a slash command.
type note struct {
	team, user string
	name, text string // the customer as typed, and the note
	at         int64  // unix ms
}

// parseNote reads team_id, user_id and text from the form without parsing
// the rest, and splits the text "note <name> <text>". The customer is the
// first word of the name, quoted or not: the load generator's names are
// unique in their first word (bench/load/names.go), so that is enough to hit
// the same customer on every note without Smed's longest-known-prefix
// lookups. The rest of the text is the note.
func parseNote(body []byte) (note, bool) {
	var n note
	var text []byte
	for len(body) > 0 {
		var kv []byte
		kv, body, _ = bytes.Cut(body, []byte("&"))
		k, v, _ := bytes.Cut(kv, []byte("="))
		switch string(k) {
		case "team_id":
			n.team = unescape(v)
		case "user_id":
			n.user = unescape(v)
		case "text":
			text = []byte(unescape(v))
		}
	}
	rest, ok := bytes.CutPrefix(text, []byte("note "))
	if !ok || n.team == "" {
		return n, false
	}
	rest = bytes.TrimLeft(rest, " ")
	if len(rest) > 0 && rest[0] == '"' { // "Kavelut Møbler" text: the quoted name's first word
		name, after, found := bytes.Cut(rest[1:], []byte(`"`))
		if !found {
			return n, false
		}
		first, _, _ := bytes.Cut(name, []byte(" "))
		n.name, n.text = string(first), string(bytes.TrimSpace(after))
		return n, n.name != ""
	}
	name, after, _ := bytes.Cut(rest, []byte(" "))
	n.name, n.text = string(name), string(bytes.TrimSpace(after))
	return n, n.name != ""
}

// unescape decodes a form value ('+' is a space, %XX a byte).
func unescape(v []byte) string {
	s, err := url.QueryUnescape(string(v))
	if err != nil {
		return string(v)
	}
	return s
}
