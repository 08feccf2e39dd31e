package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// Requests that are not signed by Slack with our secret get 401 on every
// Slack endpoint, and change nothing.
func TestE2ESecurityUnsignedRequests(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	h.say(alice, "note Acme first contact")
	cardBefore := h.known("Acme")

	bodies := map[string]struct{ contentType, body string }{
		"/slack/commands": {"application/x-www-form-urlencoded", h.slashForm(h.team, alice, "note Forged hello from an attacker", "forged")},
		"/slack/interactions": {"application/x-www-form-urlencoded", "payload=" + url.QueryEscape(
			h.blockAction(h.team, alice, "snooze_7d", "Acme", "D"+alice, "1700000000.000100", "forged"))},
		"/slack/events": {"application/json", `{"token":"x","challenge":"forged-challenge","type":"url_verification"}`},
	}
	otherSecret := randomHex(16)
	signers := map[string]func(req *http.Request, body string){
		"unsigned": nil,
		"forged signature": func(req *http.Request, body string) {
			req.Header.Set("X-Slack-Request-Timestamp", itoa(time.Now().Unix()))
			req.Header.Set("X-Slack-Signature", "v0="+randomHex(32))
		},
		"stale timestamp": func(req *http.Request, body string) {
			sign(req, h.secret, time.Now().Add(-6*time.Minute).Unix(), body)
		},
		"future timestamp": func(req *http.Request, body string) {
			sign(req, h.secret, time.Now().Add(6*time.Minute).Unix(), body)
		},
		"another secret": func(req *http.Request, body string) {
			sign(req, otherSecret, time.Now().Unix(), body)
		},
		"body changed after signing": func(req *http.Request, body string) {
			sign(req, h.secret, time.Now().Unix(), strings.Replace(body, "Forged", "Other", 1)+"&x=1")
		},
		"signature without v0 prefix": func(req *http.Request, body string) {
			sign(req, h.secret, time.Now().Unix(), body)
			req.Header.Set("X-Slack-Signature", strings.TrimPrefix(req.Header.Get("X-Slack-Signature"), "v0="))
		},
	}
	for path, b := range bodies {
		for name, signer := range signers {
			resp, body := h.post(path, b.contentType, b.body, signer)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s, %s: got HTTP %d (%q), want 401", path, name, resp.StatusCode, clipText(body))
			}
			if strings.Contains(body, "forged-challenge") {
				t.Errorf("%s, %s: answered the challenge of an unsigned request", path, name)
			}
		}
	}
	h.unknown("Forged")
	h.unknown("Other")
	if after := h.known("Acme"); after != cardBefore {
		t.Errorf("forged requests changed Acme:\nbefore:\n%s\nafter:\n%s", cardBefore, after)
	}
	if rs := h.slack.Responses("forged"); len(rs) > 0 {
		t.Errorf("forged requests got %d response_url posts: %s", len(rs), rs[0].Text())
	}
}

// A body over 1 MiB is refused before anything reads it, without a crash.
func TestE2ESecurityHugeBody(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	huge := h.slashForm(h.team, alice, "note Bigco "+strings.Repeat("x", 1<<20+1000), "huge")
	for _, path := range []string{"/slack/commands", "/slack/interactions", "/slack/events"} {
		resp, body := h.post(path, "application/x-www-form-urlencoded", huge, h.signed)
		if resp.StatusCode != http.StatusRequestEntityTooLarge && resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s with a %d-byte body: got HTTP %d (%q), want 413 or 401", path, len(huge), resp.StatusCode, clipText(body))
		}
	}
	if resp, err := http.Get(h.base + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("after huge bodies, /healthz: %v %v", resp, err)
	}
	h.unknown("Bigco")
}

// With SMED_SLACK_TEAM_ID set, a validly signed request from another
// workspace is refused and stores nothing.
func TestE2ESecurityOtherTeam(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	h.say(alice, "note Acme first contact")
	other := h.team + "OTHER"

	r := h.cmdFrom(other, alice, "note Intruder hello")
	if r.status == http.StatusOK && !errorRE.MatchString(r.text) && !strings.Contains(strings.ToLower(r.text), "another workspace") {
		t.Errorf("note from team %s: want a refusal, got %v", other, r)
	}
	r = h.cmdFrom(other, alice, "show Acme")
	if strings.Contains(r.text, "first contact") {
		t.Errorf("show from team %s revealed another workspace's notes: %v", other, r)
	}
	resp, body := h.post("/slack/interactions", "application/x-www-form-urlencoded",
		"payload="+url.QueryEscape(h.blockAction(other, alice, "snooze_7d", "Acme", "D"+alice, "1700000000.000100", "otherteam")), h.signed)
	if resp.StatusCode >= 500 {
		t.Errorf("interaction from team %s: HTTP %d %s", other, resp.StatusCode, body)
	}
	h.unknown("Intruder")
	lacks(t, "Acme after a snooze click from another team", h.known("Acme"), "snoozed")
	// The other team's namespace must be empty too: run as that team.
	res := h.smed(map[string]string{"SMED_SLACK_TEAM_ID": other}, "", "export")
	if res.code != 0 {
		t.Fatalf("export as %s: %v", other, res)
	}
	lacks(t, "export of the other team", res.stdout, "Intruder", "Acme")
}

// url_verification on /slack/events returns the challenge.
func TestE2EURLVerification(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	resp, body := h.post("/slack/events", "application/json",
		`{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`, h.signed)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P") {
		t.Errorf("url_verification: got HTTP %d %q, want 200 with the challenge", resp.StatusCode, body)
	}
	// Any other event is acknowledged.
	resp, body = h.post("/slack/events", "application/json",
		`{"token":"x","team_id":"`+h.team+`","type":"event_callback","event":{"type":"app_mention","user":"`+alice+`","text":"<@UBOT> hi","ts":"1.2","channel":"C0E2E"},"event_id":"Ev1","event_time":1}`, h.signed)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("event_callback: got HTTP %d %q, want 200", resp.StatusCode, body)
	}
}
