// Package slacktest is a fake Slack Web API for tests: an httptest server that
// answers the methods Smed calls the way Slack does (including the refusals:
// invalid_auth, invalid_blocks, no_text, user_not_found), records every call,
// and can be told to fail: HTTP 429 with Retry-After for the next calls of a
// method, or an error for every post to a channel.
//
// One Server can serve several processes at once (the bot and one-shot
// commands of an end-to-end test); it is safe for concurrent use. It also
// serves slash commands' response_url endpoints (/respond/<id>).
//
// It imports only the standard library, so it cannot drift with the Slack
// client it checks.
package slacktest

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// Token is the only bot token the fake accepts.
const Token = "xoxb-test"

// Slack's message limits the fake enforces, as Slack does.
const (
	MaxBlocks      = 50
	MaxSectionText = 3000
	MaxHeaderText  = 150
)

// Call is one request the fake received.
type Call struct {
	Method string     // Web API method ("chat.postMessage"), or "response_url"
	ID     string     // response_url: the <id> of /respond/<id>
	Params url.Values // form fields; for a JSON body its top-level fields (non-strings as JSON)
	Body   []byte     // the raw request body
	Time   time.Time  // when it arrived
	Status int        // HTTP status answered
	Error  string     // Slack error code answered; "" when ok
	TS     string     // chat.postMessage: the ts of the accepted message
}

// OK reports whether the fake accepted the call.
func (c Call) OK() bool { return c.Status == http.StatusOK && c.Error == "" }

// Channel is the call's channel parameter.
func (c Call) Channel() string { return c.Params.Get("channel") }

// Text is what a person sees of a message call: its text and every text in
// its blocks and attachments, one per line.
func (c Call) Text() string {
	var parts []string
	if t := c.Params.Get("text"); t != "" {
		parts = append(parts, t)
	}
	for _, f := range []string{"blocks", "attachments"} {
		if raw := c.Params.Get(f); raw != "" {
			var v any
			if json.Unmarshal([]byte(raw), &v) == nil {
				parts = append(parts, Texts(v)...)
			}
		}
	}
	return strings.Join(parts, "\n")
}

// Blocks returns the call's blocks parameter decoded (nil when absent).
func (c Call) Blocks() []map[string]any {
	var bs []map[string]any
	_ = json.Unmarshal([]byte(c.Params.Get("blocks")), &bs)
	return bs
}

// Texts collects every string under a "text" key in a decoded JSON value, in
// document order: what Slack renders of a message, blocks or view.
func Texts(v any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(x)) {
				if s, ok := x[k].(string); ok && k == "text" {
					out = append(out, s)
					continue
				}
				walk(x[k])
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

type user struct {
	id, name, email string
	deleted         bool
}

type message struct {
	channel, ts, text, blocks string
}

// Server is the fake. Create it with New.
type Server struct {
	srv *httptest.Server

	mu        sync.Mutex
	calls     []Call
	users     map[string]*user
	limited   map[string]int           // method → calls left to answer 429
	failNext  map[string][]string      // method → error codes for the next calls
	broken    map[string][]serverError // method → HTTP 500s for the next calls
	failChan  map[string]string        // channel → error code for posts to it
	delay     map[string]time.Duration // method → how long to wait before answering
	seq       int
	msgs      map[string]message // channel + "/" + ts → posted message
	changed   chan struct{}      // closed and replaced on every call
	teamID    string
	botUserID string
}

// New starts a fake Slack that stops when the test ends.
func New(tb testing.TB) *Server {
	tb.Helper()
	s := &Server{
		users:     map[string]*user{},
		limited:   map[string]int{},
		failNext:  map[string][]string{},
		broken:    map[string][]serverError{},
		failChan:  map[string]string{},
		delay:     map[string]time.Duration{},
		msgs:      map[string]message{},
		changed:   make(chan struct{}),
		teamID:    "T0FAKE",
		botUserID: "UBOT",
	}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.srv.Close)
	return s
}

// URL is the server's base URL.
func (s *Server) URL() string { return s.srv.URL }

// APIURL is what slack.api_url should be: methods are <APIURL><method>.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// ResponseURL is a slash command's response_url whose posts are recorded
// under id.
func (s *Server) ResponseURL(id string) string { return s.srv.URL + "/respond/" + url.PathEscape(id) }

// SetTeam sets the team auth.test answers with.
func (s *Server) SetTeam(teamID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.teamID = teamID
}

// AddUser makes users.info know a user (active). Unknown users get
// user_not_found, as from Slack.
func (s *Server) AddUser(id, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.users[id] = &user{id: id, name: name}
}

// SetDeleted marks a known user as deactivated (users.info deleted:true), or
// active again. The user is added when unknown.
func (s *Server) SetDeleted(id string, deleted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		u = &user{id: id, name: strings.ToLower(id)}
		s.users[id] = u
	}
	u.deleted = deleted
}

// SetEmail gives a user (created if needed) an e-mail address for
// users.lookupByEmail.
func (s *Server) SetEmail(id, email string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u, ok := s.users[id]
	if !ok {
		u = &user{id: id, name: strings.ToLower(id)}
		s.users[id] = u
	}
	u.email = email
}

// RateLimit makes the next n calls of method answer HTTP 429 with
// Retry-After: 1.
func (s *Server) RateLimit(method string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limited[method] += n
}

// Delay makes every call of method wait d before it is answered (0 ends
// that): a slow Slack, for tests of what waits and what gives up.
func (s *Server) Delay(method string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay[method] = d
}

// FailNext makes the next n calls of method answer {"ok":false,"error":code}.
// Calls queue: code "" lets its call through, so FailNext(m, 1, "") then
// FailNext(m, 1, "x") fails the second call.
func (s *Server) FailNext(method string, n int, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failNext[method] = append(s.failNext[method], code)
	}
}

type serverError struct{ delivered bool }

// Heal ends every failure queued or set for method: 429s, ok:false answers,
// 500s and delays.
func (s *Server) Heal(method string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.limited, method)
	delete(s.failNext, method)
	delete(s.broken, method)
	delete(s.delay, method)
}

// ServerError makes the next n calls of method answer HTTP 500. With
// delivered, each call is done first (a message is posted, and counts in
// Posts and DMs) and only its answer is lost: what a client can never tell
// apart from a 500 that did nothing.
func (s *Server) ServerError(method string, n int, delivered bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.broken[method] = append(s.broken[method], serverError{delivered: delivered})
	}
}

// FailChannel makes every chat.postMessage, chat.postEphemeral and chat.update
// to channel answer {"ok":false,"error":code}; code "" ends that.
func (s *Server) FailChannel(channel, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == "" {
		delete(s.failChan, channel)
		return
	}
	s.failChan[channel] = code
}

// Calls returns the recorded calls of method, oldest first ("" = all).
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// Posts returns the chat.postMessage calls to channel that Slack accepted.
func (s *Server) Posts(channel string) []Call {
	var out []Call
	for _, c := range s.Calls("chat.postMessage") {
		if c.OK() && c.Channel() == channel {
			out = append(out, c)
		}
	}
	return out
}

// DMs returns, per user, the text of every accepted chat.postMessage to that
// user's DM channel (D<user>) or to the user ID itself.
func (s *Server) DMs() map[string][]string {
	out := map[string][]string{}
	for _, c := range s.Calls("chat.postMessage") {
		if !c.OK() {
			continue
		}
		if u := dmUser(c.Channel()); u != "" {
			out[u] = append(out[u], c.Text())
		}
	}
	return out
}

// DMCalls returns the accepted chat.postMessage calls to user's DM.
func (s *Server) DMCalls(userID string) []Call {
	var out []Call
	for _, c := range s.Calls("chat.postMessage") {
		if c.OK() && dmUser(c.Channel()) == userID {
			out = append(out, c)
		}
	}
	return out
}

// Responses returns the posts to the response_url with id, oldest first.
func (s *Server) Responses(id string) []Call {
	var out []Call
	for _, c := range s.Calls("response_url") {
		if c.ID == id {
			out = append(out, c)
		}
	}
	return out
}

// WaitFor polls cond after every recorded call until it holds or timeout
// passes, and reports whether it held.
func (s *Server) WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return cond()
		}
	}
}

func dmUser(channel string) string {
	switch {
	case len(channel) > 1 && channel[0] == 'D':
		return channel[1:]
	case len(channel) > 1 && (channel[0] == 'U' || channel[0] == 'W'):
		return channel
	}
	return ""
}

// record stores a call and wakes WaitFor.
func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	close(s.changed)
	s.changed = make(chan struct{})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 10<<20))
	c := Call{Time: time.Now(), Body: body, Status: http.StatusOK}
	params, jsonBody := decodeParams(r, body)
	c.Params = params
	switch {
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/respond/"):
		c.Method, c.ID = "response_url", strings.TrimPrefix(r.URL.Path, "/respond/")
		s.respond(w, &c, jsonBody)
	case strings.HasPrefix(r.URL.Path, "/api/"):
		c.Method = strings.TrimPrefix(r.URL.Path, "/api/")
		s.api(w, r, &c)
	default:
		c.Method, c.Status = r.URL.Path, http.StatusNotFound
		http.NotFound(w, r)
	}
	s.record(c)
}

// decodeParams reads form or JSON bodies (and the query) into url.Values.
func decodeParams(r *http.Request, body []byte) (url.Values, map[string]any) {
	params := url.Values{}
	for k, vs := range r.URL.Query() {
		params[k] = vs
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var m map[string]any
		if json.Unmarshal(body, &m) == nil {
			for k, v := range m {
				if str, ok := v.(string); ok {
					params.Set(k, str)
				} else {
					b, _ := json.Marshal(v)
					params.Set(k, string(b))
				}
			}
		}
		return params, m
	}
	if form, err := url.ParseQuery(string(body)); err == nil {
		for k, vs := range form {
			params[k] = vs
		}
	}
	return params, nil
}

// respond is a response_url: Slack validates the message like a post.
func (s *Server) respond(w http.ResponseWriter, c *Call, msg map[string]any) {
	if msg == nil {
		c.Status, c.Error = http.StatusBadRequest, "invalid_payload"
		http.Error(w, c.Error, c.Status)
		return
	}
	if code := checkMessage(c.Params.Get("text"), c.Params.Get("blocks")); code != "" {
		c.Status, c.Error = http.StatusBadRequest, code
		http.Error(w, code, c.Status)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "ok")
}

func (s *Server) api(w http.ResponseWriter, r *http.Request, c *Call) {
	s.mu.Lock()
	limited := s.limited[c.Method] > 0
	if limited {
		s.limited[c.Method]--
	}
	delay := s.delay[c.Method]
	s.mu.Unlock()
	if delay > 0 {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
	}
	if limited {
		c.Status, c.Error = http.StatusTooManyRequests, "ratelimited"
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(c.Status)
		_, _ = io.WriteString(w, `{"ok":false,"error":"ratelimited"}`)
		return
	}
	token := c.Params.Get("token")
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		token = bearer
	}
	if token != Token {
		s.fail(w, c, "invalid_auth")
		return
	}
	s.mu.Lock()
	var forced string
	if q := s.failNext[c.Method]; len(q) > 0 {
		forced, s.failNext[c.Method] = q[0], q[1:]
	}
	s.mu.Unlock()
	if forced != "" {
		s.fail(w, c, forced)
		return
	}
	s.mu.Lock()
	var broken *serverError
	if q := s.broken[c.Method]; len(q) > 0 {
		broken, s.broken[c.Method] = &q[0], q[1:]
	}
	s.mu.Unlock()
	if broken != nil {
		if broken.delivered {
			s.answer(httptest.NewRecorder(), r, c) // done, and the answer lost
		} else {
			c.Status, c.Error = http.StatusInternalServerError, "server_error"
		}
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
		return
	}
	s.answer(w, r, c)
}

// answer does what the method does and answers it.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, c *Call) {
	p := c.Params
	switch c.Method {
	case "auth.test":
		s.mu.Lock()
		team, bot := s.teamID, s.botUserID
		s.mu.Unlock()
		s.ok(w, map[string]any{"url": "https://fake.slack.com/", "team": "Fake", "user": "smed",
			"team_id": team, "user_id": bot, "bot_id": "BFAKE"})
	case "conversations.open":
		users := strings.Split(p.Get("users"), ",")
		if p.Get("channel") != "" {
			s.ok(w, map[string]any{"channel": map[string]any{"id": p.Get("channel")}, "already_open": true})
			return
		}
		if len(users) != 1 || users[0] == "" {
			s.fail(w, c, "invalid_arguments")
			return
		}
		s.ok(w, map[string]any{"channel": map[string]any{"id": "D" + users[0], "is_im": true, "user": users[0]}})
	case "chat.postMessage", "chat.postEphemeral", "chat.update":
		s.message(w, c)
	case "views.open":
		if p.Get("trigger_id") == "" {
			s.fail(w, c, "invalid_arguments")
			return
		}
		var view map[string]any
		if json.Unmarshal([]byte(p.Get("view")), &view) != nil {
			s.fail(w, c, "invalid_arguments")
			return
		}
		if bs, _ := view["blocks"].([]any); len(bs) > 100 {
			s.fail(w, c, "invalid_arguments")
			return
		}
		view["id"] = "V" + s.nextTS()
		s.ok(w, map[string]any{"view": view})
	case "views.publish", "views.update":
		var view map[string]any
		if (c.Method == "views.publish" && p.Get("user_id") == "") || json.Unmarshal([]byte(p.Get("view")), &view) != nil {
			s.fail(w, c, "invalid_arguments")
			return
		}
		if bs, _ := view["blocks"].([]any); len(bs) > 100 {
			s.fail(w, c, "invalid_blocks")
			return
		}
		view["id"] = "V" + s.nextTS()
		s.ok(w, map[string]any{"view": view})
	case "chat.getPermalink":
		ch, ts := p.Get("channel"), p.Get("message_ts")
		if ch == "" || ts == "" {
			s.fail(w, c, "invalid_arguments")
			return
		}
		s.ok(w, map[string]any{"channel": ch, "permalink": "https://fake.slack.com/archives/" + ch + "/p" + strings.ReplaceAll(ts, ".", "")})
	case "users.lookupByEmail":
		s.mu.Lock()
		var found *user
		for _, u := range s.users {
			if u.email != "" && strings.EqualFold(u.email, p.Get("email")) {
				cp := *u
				found = &cp
			}
		}
		s.mu.Unlock()
		if found == nil {
			s.fail(w, c, "users_not_found")
			return
		}
		s.ok(w, map[string]any{"user": map[string]any{"id": found.id, "name": found.name, "deleted": found.deleted,
			"profile": map[string]any{"email": found.email}}})
	case "users.info":
		s.mu.Lock()
		u, ok := s.users[p.Get("user")]
		var cp user
		if ok {
			cp = *u
		}
		s.mu.Unlock()
		if !ok {
			s.fail(w, c, "user_not_found")
			return
		}
		s.ok(w, map[string]any{"user": map[string]any{"id": cp.id, "name": cp.name, "deleted": cp.deleted,
			"tz": "Europe/Copenhagen", "profile": map[string]any{"real_name": cp.name}}})
	case "conversations.join":
		s.ok(w, map[string]any{"channel": map[string]any{"id": p.Get("channel")}})
	case "conversations.history":
		s.mu.Lock()
		m, ok := s.msgs[p.Get("channel")+"/"+p.Get("latest")]
		s.mu.Unlock()
		msgs := []any{}
		if ok {
			var blocks any
			_ = json.Unmarshal([]byte(m.blocks), &blocks)
			msgs = append(msgs, map[string]any{"type": "message", "ts": m.ts, "text": m.text, "blocks": blocks})
		}
		s.ok(w, map[string]any{"messages": msgs, "has_more": false})
	default:
		s.fail(w, c, "unknown_method")
	}
}

// message serves chat.postMessage, chat.postEphemeral and chat.update.
func (s *Server) message(w http.ResponseWriter, c *Call) {
	p := c.Params
	ch := p.Get("channel")
	if ch == "" {
		s.fail(w, c, "channel_not_found")
		return
	}
	s.mu.Lock()
	code := s.failChan[ch]
	s.mu.Unlock()
	if code != "" {
		s.fail(w, c, code)
		return
	}
	if code := checkMessage(p.Get("text"), p.Get("blocks")); code != "" {
		s.fail(w, c, code)
		return
	}
	switch c.Method {
	case "chat.postEphemeral":
		s.ok(w, map[string]any{"message_ts": s.nextTS()})
	case "chat.update":
		s.ok(w, map[string]any{"channel": ch, "ts": p.Get("ts"), "text": p.Get("text")})
	default:
		ts := s.nextTS()
		c.TS = ts
		s.mu.Lock()
		s.msgs[ch+"/"+ts] = message{channel: ch, ts: ts, text: p.Get("text"), blocks: p.Get("blocks")}
		s.mu.Unlock()
		s.ok(w, map[string]any{"channel": ch, "ts": ts, "message": map[string]any{"text": p.Get("text"), "ts": ts}})
	}
}

// checkMessage returns the error code Slack gives a message it refuses.
func checkMessage(text, blocks string) string {
	var bs []map[string]any
	if blocks != "" && blocks != "null" {
		if err := json.Unmarshal([]byte(blocks), &bs); err != nil {
			return "invalid_blocks_format"
		}
	}
	if strings.TrimSpace(text) == "" && len(bs) == 0 {
		return "no_text"
	}
	if len(bs) > MaxBlocks {
		return "invalid_blocks"
	}
	for _, b := range bs {
		t, _ := b["text"].(map[string]any)
		s, _ := t["text"].(string)
		switch b["type"] {
		case "section":
			if utf8.RuneCountInString(s) > MaxSectionText {
				return "invalid_blocks"
			}
			if t == nil && b["fields"] == nil {
				return "invalid_blocks"
			}
		case "header":
			if utf8.RuneCountInString(s) > MaxHeaderText || s == "" {
				return "invalid_blocks"
			}
		case "context":
			els, _ := b["elements"].([]any)
			if len(els) == 0 || len(els) > 10 {
				return "invalid_blocks"
			}
			for _, e := range els {
				em, _ := e.(map[string]any)
				if txt, _ := em["text"].(string); utf8.RuneCountInString(txt) > MaxSectionText {
					return "invalid_blocks"
				}
			}
		case "actions":
			els, _ := b["elements"].([]any)
			if len(els) == 0 || len(els) > 25 {
				return "invalid_blocks"
			}
		}
	}
	return ""
}

func (s *Server) nextTS() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	return fmt.Sprintf("%d.%06d", time.Now().Unix(), s.seq)
}

func (s *Server) ok(w http.ResponseWriter, fields map[string]any) {
	fields["ok"] = true
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(fields)
}

func (s *Server) fail(w http.ResponseWriter, c *Call, code string) {
	c.Error = code
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"ok": false, "error": code})
}
