package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/smedhq/smed/internal/redistest"
)

func (h *e2e) get(path string) (int, string) {
	h.t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(h.base + path)
	if err != nil {
		h.t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var unreachableRE = regexp.MustCompile(`(?i)(database|redis|store|storage).*(reach|unavailable|down|answer)|(reach|unavailable|down).*(database|redis|store|storage)`)

// Redis goes away under a running bot: commands answer a clear error within
// Slack's 3 seconds, /readyz says 503, and the same process recovers by
// itself when Redis is back.
func TestE2ERedisDown(t *testing.T) {
	parallel(t)
	rs := redistest.Server(t)
	h := newE2E(t, func(h *e2e) { h.env["SMED_REDIS_URL"] = rs.URL() })
	h.start()
	h.say(alice, "note Acme before the outage")
	if code, body := h.get("/readyz"); code != http.StatusOK {
		t.Fatalf("/readyz with Redis up: %d %s", code, body)
	}

	rs.Stop()
	for _, text := range []string{"note Acme during the outage", "show Acme", "list"} {
		start := time.Now()
		r := h.cmd(alice, text)
		seen := time.Since(start)
		if r.holding {
			calls := h.slack.Calls("response_url")
			seen = calls[len(calls)-1].Time.Sub(start)
		}
		if r.status != http.StatusOK {
			t.Errorf("%s with Redis down: %v", text, r)
			continue
		}
		if seen > 3*time.Second {
			t.Errorf("%s with Redis down: the user saw the answer after %v, want ≤ 3s", text, seen)
		}
		if !unreachableRE.MatchString(r.text) {
			t.Errorf("%s with Redis down: want an answer saying the database can't be reached, got:\n%s", text, r.text)
		}
		if strings.HasPrefix(text, "note") && !regexp.MustCompile(`(?i)nothing (was )?saved|not saved`).MatchString(r.text) {
			t.Errorf("%s with Redis down: want it to say nothing was saved, got:\n%s", text, r.text)
		}
		if m := internalRE.FindString(r.text); m != "" {
			t.Errorf("%s with Redis down: the answer shows internals (%q):\n%s", text, m, r.text)
		}
		t.Logf("%s with Redis down: answered in %v (holding: %v)", text, seen.Round(time.Millisecond), r.holding)
	}
	if code, body := h.get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with Redis down: %d %s, want 503", code, body)
	}
	if code, _ := h.get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz with Redis down: %d, want 200 (the process runs)", code)
	}

	rs.Restart(t) // same port, empty data
	deadline := time.Now().Add(15 * time.Second)
	for {
		r := h.cmd(alice, "note Acme after the outage")
		if r.status == http.StatusOK && !unreachableRE.MatchString(r.text) && !errorRE.MatchString(r.text) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("15s after Redis came back, note still fails: %v", r)
		}
		time.Sleep(100 * time.Millisecond)
	}
	card := h.known("Acme")
	contains(t, "card after the outage", card, "after the outage")
	lacks(t, "card after the outage", card, "during the outage")
	deadline = time.Now().Add(15 * time.Second)
	for {
		code, _ := h.get("/readyz")
		if code == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz still %d 15s after Redis came back", code)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// /healthz, /readyz and /metrics answer as SPEC.md says.
func TestE2EHealthAndMetrics(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	h.say(alice, "note Acme hello")
	if code, _ := h.get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
	if code, _ := h.get("/readyz"); code != http.StatusOK {
		t.Errorf("/readyz: %d", code)
	}
	h.importCSV("Overdue Co," + bob + ",5000,30," + daysAgo(60) + ",")
	h.say(alice, "neglected") // asks Slack whether bob is still here
	code, body := h.get("/metrics")
	if code != http.StatusOK || !strings.Contains(body, "# TYPE") {
		t.Errorf("/metrics: %d, want Prometheus text, got %s", code, clipText(body))
	}
	for _, want := range []string{
		`smed_overdue_customers{team_id="` + h.team + `"} 1`,
		`smed_value_at_risk{team_id="` + h.team + `"} 5000`,
		`smed_slack_api_calls_total{method="users.info",result="ok"}`,
		`smed_commands_total{command="note",outcome="ok"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(body, h.secret) || strings.Contains(body, "xoxb-") {
		t.Errorf("/metrics shows a secret")
	}
	if strings.Contains(h.log(), h.secret) || strings.Contains(h.log(), "xoxb-test") {
		t.Errorf("the log shows the signing secret or the bot token")
	}
	// The container's HEALTHCHECK: smed healthcheck asks the running smed.
	if r := h.smed(nil, "", "healthcheck"); r.code != 0 || !strings.Contains(r.stdout, "ok") {
		t.Errorf("smed healthcheck against a running smed: %v", r)
	}
	if r := h.smed(map[string]string{"SMED_HTTP_ADDR": "127.0.0.1:1"}, "", "healthcheck"); r.code != 1 {
		t.Errorf("smed healthcheck with nothing listening: %v, want exit 1", r)
	}
}
