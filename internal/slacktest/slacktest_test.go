package slacktest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func post(t *testing.T, s *Server, method string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(s.APIURL()+method, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// The fake refuses what Slack refuses and fails on demand.
func TestServer(t *testing.T) {
	s := New(t)
	s.AddUser("U1", "one")
	s.SetDeleted("U2", true)
	tooMany := "[" + strings.TrimSuffix(strings.Repeat(`{"type":"divider"},`, 51), ",") + "]"
	longSection := `[{"type":"section","text":{"type":"mrkdwn","text":"` + strings.Repeat("x", 3001) + `"}}]`
	for _, tc := range []struct {
		name   string
		method string
		form   url.Values
		status int
		err    string
	}{
		{"no token", "auth.test", url.Values{}, 200, "invalid_auth"},
		{"wrong token", "auth.test", url.Values{"token": {"xoxb-wrong"}}, 200, "invalid_auth"},
		{"auth.test", "auth.test", url.Values{"token": {Token}}, 200, ""},
		{"empty message", "chat.postMessage", url.Values{"token": {Token}, "channel": {"C1"}}, 200, "no_text"},
		{"51 blocks", "chat.postMessage", url.Values{"token": {Token}, "channel": {"C1"}, "blocks": {tooMany}}, 200, "invalid_blocks"},
		{"long section", "chat.postMessage", url.Values{"token": {Token}, "channel": {"C1"}, "blocks": {longSection}}, 200, "invalid_blocks"},
		{"post", "chat.postMessage", url.Values{"token": {Token}, "channel": {"DU1"}, "text": {"hi"}}, 200, ""},
		{"unknown user", "users.info", url.Values{"token": {Token}, "user": {"U9"}}, 200, "user_not_found"},
		{"unknown method", "files.upload", url.Values{"token": {Token}}, 200, "unknown_method"},
	} {
		status, out := post(t, s, tc.method, tc.form)
		if status != tc.status || (tc.err == "") != (out["ok"] == true) || (tc.err != "" && out["error"] != tc.err) {
			t.Errorf("%s: HTTP %d %v, want %d error %q", tc.name, status, out, tc.status, tc.err)
		}
	}
	if _, out := post(t, s, "users.info", url.Values{"token": {Token}, "user": {"U2"}}); out["user"].(map[string]any)["deleted"] != true {
		t.Errorf("users.info of a deleted user: %v", out)
	}
	if _, out := post(t, s, "conversations.open", url.Values{"token": {Token}, "users": {"U1"}}); out["channel"].(map[string]any)["id"] != "DU1" {
		t.Errorf("conversations.open: %v", out)
	}

	s.RateLimit("chat.postMessage", 1)
	s.FailChannel("DU3", "channel_not_found")
	form := url.Values{"token": {Token}, "channel": {"DU3"}, "text": {"hi"}}
	if status, _ := post(t, s, "chat.postMessage", form); status != http.StatusTooManyRequests {
		t.Errorf("rate-limited post: HTTP %d, want 429", status)
	}
	if _, out := post(t, s, "chat.postMessage", form); out["error"] != "channel_not_found" {
		t.Errorf("post to a failing channel: %v", out)
	}
	s.FailChannel("DU3", "")
	if _, out := post(t, s, "chat.postMessage", form); out["ok"] != true {
		t.Errorf("post after the channel was fixed: %v", out)
	}
	if got := s.DMs(); len(got["U1"]) != 1 || len(got["U3"]) != 1 || got["U1"][0] != "hi" {
		t.Errorf("DMs = %v", got)
	}

	resp, err := http.Post(s.ResponseURL("r1"), "application/json", strings.NewReader(`{"text":"answer","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"more"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if rs := s.Responses("r1"); len(rs) != 1 || rs[0].Text() != "answer\nmore" {
		t.Errorf("Responses(r1) = %v", rs)
	}
}
