package bot

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
)

// TestSocketModeAcksEveryEnvelope plays Slack's side of Socket Mode: a hello,
// then a slash command, an interaction and an event. Every envelope must be
// acknowledged, and the command's answer must ride in its acknowledgement.
func TestSocketModeAcksEveryEnvelope(t *testing.T) {
	h := newHarness(t)
	acks := make(chan map[string]any, 10)
	var once sync.Once
	upgrader := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/apps.connections.open" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]any{"ok": true, "url": "ws://" + r.Host + "/ws"})
			return
		}
		first := false
		once.Do(func() { first = true })
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil || !first { // only the first connection plays the script
			return
		}
		defer conn.Close()
		// Errors here end the script; the test then fails on missing acks.
		// (t.Error is not safe once the test has returned.)
		send := func(v any) { _ = conn.WriteJSON(v) }
		send(map[string]any{"type": "hello", "num_connections": 1})
		send(map[string]any{"type": "slash_commands", "envelope_id": "env-cmd", "accepts_response_payload": true,
			"payload": map[string]any{"command": "/customer", "text": "note Sockets hello over the socket",
				"team_id": h.team, "user_id": "U1", "channel_id": "C1", "response_url": "http://127.0.0.1:1/none"}})
		send(map[string]any{"type": "events_api", "envelope_id": "env-event",
			"payload": map[string]any{"type": "event_callback", "team_id": h.team, "event": map[string]any{"type": "app_mention"}}})
		send(map[string]any{"type": "interactive", "envelope_id": "env-click",
			"payload": map[string]any{"type": "block_actions", "team": map[string]any{"id": h.team}, "user": map[string]any{"id": "U1"},
				"actions": []any{map[string]any{"action_id": "unknown_action", "value": "x"}}}})
		for range 3 {
			_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
			var ack map[string]any
			if err := conn.ReadJSON(&ack); err != nil {
				return
			}
			acks <- ack
		}
	}))
	defer srv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := New(ctx, Config{Commands: h.cmds, SigningSecret: "s", TeamID: h.team})
	api := slack.New("xoxb-test", slack.OptionAPIURL(srv.URL+"/"), slack.OptionAppLevelToken("xapp-test"))
	go func() { _ = b.RunSocketMode(ctx, api) }()

	got := map[string]map[string]any{}
	timeout := time.After(10 * time.Second)
	for len(got) < 3 {
		select {
		case a := <-acks:
			id, _ := a["envelope_id"].(string)
			if id == "" {
				t.Errorf("an acknowledgement without an envelope ID: %v", a)
			}
			got[id] = a
		case <-timeout:
			t.Fatalf("acks received: %v; want env-cmd, env-event and env-click", got)
		}
	}
	for _, id := range []string{"env-cmd", "env-event", "env-click"} {
		if _, ok := got[id]; !ok {
			t.Errorf("envelope %s was not acknowledged", id)
		}
	}
	payload, _ := json.Marshal(got["env-cmd"]["payload"])
	if !strings.Contains(string(payload), "Sockets") || !strings.Contains(string(payload), `"response_type":"ephemeral"`) {
		t.Errorf("command ack payload = %s; want the ephemeral note answer", payload)
	}
	must(t, h.do("U1", "show Sockets"), "hello over the socket")
}
