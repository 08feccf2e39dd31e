package main

import (
	"strconv"
	"strings"
	"testing"
)

const previewWarning = "could not ask Slack who has left the workspace"

// A dry run sends nothing, so it previews even when Slack cannot say who has
// left the workspace: every owner counts as present, one warning says so, and
// the exit status is 0. Slack is asked once, not once per owner.
func TestE2EDryRunWithoutSlack(t *testing.T) {
	for _, tc := range []struct {
		name  string
		slack string // "ok", "failing" (users.info answers an error), "unreachable"
		cmd   string
	}{
		{"remind users.info failing", "failing", "remind"},
		{"digest users.info failing", "failing", "digest"},
		{"remind Slack unreachable", "unreachable", "remind"},
		{"digest Slack unreachable", "unreachable", "digest"},
		{"remind Slack answering", "ok", "remind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parallel(t)
			h := newE2E(t)
			importOverdue(h)
			var over map[string]string
			switch tc.slack {
			case "failing":
				h.slack.FailNext("users.info", 100, "fatal_error")
			case "unreachable":
				// A port nobody listens on: the dial fails as without a network.
				over = map[string]string{"SMED_SLACK_API_URL": "http://127.0.0.1:" + strconv.Itoa(freePort(t)) + "/api/"}
			}
			r := h.smed(over, "", tc.cmd, "--dry-run")
			if r.code != 0 {
				t.Errorf("want exit 0\n%v", r)
			}
			contains(t, "preview", r.stdout, "Acme", "Beta", "Gamma", "Delta", "Epsilon")
			lacks(t, "preview", r.stdout, "Fresh")
			lacks(t, "preview", r.stdout, "dial tcp", "fatal_error")
			want := 1
			if tc.slack == "ok" {
				want = 0
			}
			if n := strings.Count(r.stderr, previewWarning); n != want {
				t.Errorf("want the warning %q %d times on stderr, got %d\n%v", previewWarning, want, n, r)
			}
			if n := len(h.slack.Calls("users.info")); tc.slack == "failing" && n != 1 {
				t.Errorf("Slack was asked %d times after it failed, want once", n)
			}
			if n := len(h.slack.Calls("chat.postMessage")); n != 0 {
				t.Errorf("a dry run posted %d messages", n)
			}
		})
	}
}
