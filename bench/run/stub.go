package main

import (
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
)

// slackStub stands in for Slack's Web API and the commands' response_urls.
// A note makes no Web API call, but smed run may (auth.test at start, say, in
// a later version); every method answers ok so nothing fails for want of
// Slack. Slow commands post their real answer to the response_url: those are
// counted, so the report can say how many there were.
type slackStub struct {
	srv       *http.Server
	url       string
	api       atomic.Int64 // Web API calls
	responses atomic.Int64 // response_url posts
}

func startSlackStub() (*slackStub, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &slackStub{url: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.api.Add(1)
		method := strings.TrimPrefix(r.URL.Path, "/api/")
		reply := map[string]any{"ok": true}
		switch method {
		case "auth.test":
			reply = map[string]any{"ok": true, "team_id": "T0BENCH", "team": "bench", "user_id": "UBOT", "user": "smed", "bot_id": "BBOT", "url": "https://bench.slack.com/"}
		case "users.info":
			reply = map[string]any{"ok": true, "user": map[string]any{"id": r.FormValue("user"), "deleted": false, "tz": "Europe/Copenhagen"}}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(reply)
	})
	mux.HandleFunc("/response/", func(w http.ResponseWriter, r *http.Request) {
		s.responses.Add(1)
		w.WriteHeader(http.StatusOK)
	})
	s.srv = &http.Server{Handler: mux}
	go s.srv.Serve(ln)
	return s, nil
}
