package main

import (
	"fmt"
	"net/http"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// replica is a second `smed run` of the same team, Redis and Slack, on its
// own HTTP address.
func (h *e2e) replica() *e2e {
	r := &e2e{t: h.t, slack: h.slack, team: h.team, secret: h.secret, dir: h.t.TempDir(), env: map[string]string{}}
	for k, v := range h.env {
		r.env[k] = v
	}
	r.env["SMED_HTTP_ADDR"] = "127.0.0.1:" + strconv.Itoa(freePort(h.t))
	return r
}

// Three replicas whose scheduler fires every second still send each owner one
// reminder a day (the "same holds with three replicas").
func TestE2EReplicasSendOnce(t *testing.T) {
	parallel(t)
	h := newE2E(t, func(h *e2e) { h.env["SMED_REMINDERS_SCHEDULE"] = "@every 1s" })
	importOverdue(h)
	h2, h3 := h.replica(), h.replica()
	h.start()
	h2.start()
	h3.start()
	want := map[string]int{alice: 1, bob: 1, carol: 1}
	if !h.slack.WaitFor(15*time.Second, func() bool {
		got := countDMs(h)
		return got[alice] > 0 && got[bob] > 0 && got[carol] > 0
	}) {
		t.Fatalf("the scheduled reminders did not arrive within 15s: %v", countDMs(h))
	}
	// Several more fires of both replicas: nobody gets a second DM.
	h.slack.WaitFor(3500*time.Millisecond, func() bool {
		for _, n := range countDMs(h) {
			if n > 1 {
				return true
			}
		}
		return false
	})
	wantDMs(t, "three replicas firing every second", h, want)
	// Both replicas serve commands from the same Redis.
	h.say(alice, "note Acme via replica one")
	contains(t, "replica two shows the note of replica one", h2.say(alice, "show Acme"), "via replica one")
	contains(t, "replica three too", h3.say(alice, "show Acme"), "via replica one")
}

// SIGTERM stops smed run cleanly and promptly, and first finishes what it
// promised: a command that was answered "Working on it…" still gets its real
// answer through response_url before the process exits.
func TestE2EGracefulShutdown(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	h.importCSV("Acme," + bob + ",90000,30," + daysAgo(60) + ",")
	// neglected asks Slack whether Acme's owner is still here; a slow Slack
	// makes the command outlive its acknowledgement.
	h.slack.Delay("users.info", 3*time.Second)
	id := fmt.Sprintf("r%d", h.seq.Add(1))
	resp, body := h.post("/slack/commands", "application/x-www-form-urlencoded", h.slashForm(h.team, alice, "neglected", id), h.signed)
	if text, _ := shown(resp.Header.Get("Content-Type"), body); resp.StatusCode != http.StatusOK || !isHolding(text) {
		t.Fatalf("neglected with a slow Slack: HTTP %d %q, want the holding answer", resp.StatusCode, body)
	}
	h.stopped = true
	start := time.Now()
	h.proc.Signal(syscall.SIGTERM)
	select {
	case <-h.exited:
		if h.exitErr != nil {
			t.Errorf("smed run after SIGTERM: %v, want exit 0", h.exitErr)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("smed run still running 20s after SIGTERM (the shutdown grace is 15s)")
	}
	took := time.Since(start)
	posts := h.slack.Responses(id)
	if len(posts) == 0 {
		t.Fatalf("smed run exited %v after SIGTERM without posting the held answer", took)
	}
	contains(t, "the held answer", posts[0].Text(), "Acme")
	if took < time.Second || took > 15*time.Second {
		t.Errorf("shutdown took %v: want it to wait for the held answer (about 3s), and no longer than the 15s grace", took)
	}
}
