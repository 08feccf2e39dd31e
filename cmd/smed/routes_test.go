package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/smedhq/smed/bot"
)

type fakePinger struct{ err error }

func (f *fakePinger) Ping(context.Context) error { return f.err }

func TestOperatorEndpoints(t *testing.T) {
	p := &fakePinger{}
	reg := newRegistry()
	b := bot.New(t.Context(), bot.Config{Commands: bot.NewCommands(bot.CommandsConfig{}), SigningSecret: "s", Metrics: reg})
	mux := http.NewServeMux()
	addRoutes(mux, b, p, reg)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if code, _ := get("/healthz"); code != 200 {
		t.Errorf("/healthz = %d", code)
	}
	if code, _ := get("/readyz"); code != 200 {
		t.Errorf("/readyz with Redis up = %d", code)
	}
	p.err = errors.New("connection refused")
	if code, _ := get("/readyz"); code != 503 {
		t.Errorf("/readyz with Redis down = %d, want 503", code)
	}
	// An unsigned command is refused and counted.
	resp, err := http.Post(srv.URL+"/slack/commands", "application/x-www-form-urlencoded", strings.NewReader("text=help"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("unsigned command = %d, want 401", resp.StatusCode)
	}
	_, metrics := get("/metrics")
	for _, want := range []string{`smed_http_requests_total{code="401",route="commands"} 1`, "go_goroutines"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if code, _ := get("/slack/commands"); code != http.StatusMethodNotAllowed {
		t.Errorf("GET /slack/commands = %d, want 405", code)
	}
}
