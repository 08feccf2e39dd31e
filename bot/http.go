package bot

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
)

// maxBody bounds what a Slack request may carry before it is verified. Slash
// command text is small; interaction payloads carry whole messages and views.
const maxBody = 1 << 20

// Verify is middleware that lets through only requests signed with the signing
// secret (v0 scheme, timestamp at most 5 minutes old). It reads the raw body,
// bounded, before anything parses it, and answers 401 with no details otherwise.
// The body is restored for the next handler.
func (b *Bot) Verify(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			http.Error(w, "request too large", http.StatusRequestEntityTooLarge)
			return
		}
		sv, err := slack.NewSecretsVerifier(r.Header, b.secret)
		if err == nil {
			_, _ = sv.Write(body)
			err = sv.Ensure()
		}
		if err != nil || b.secret == "" {
			b.log.WarnContext(r.Context(), "rejected unsigned or forged request", "path", r.URL.Path, "remote", r.RemoteAddr)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// HandleCommands serves POST /slack/commands (form-encoded, as Slack sends them).
func (b *Bot) HandleCommands() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sc, err := slack.SlashCommandParse(r)
		if err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		ack := &httpAck{w: w}
		// However the handler ends (a panic too), the timer may not write
		// to w after it returned.
		defer ack.claim()
		resp := b.handle(r.Context(), envelope{kind: kindCommand, command: sc, ack: ack})
		if _, done := resp.(answered); done || !ack.claim() {
			return // answered with the holding reply
		}
		if resp == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
		writeJSON(w, resp)
	})
}

// HandleEvents serves POST /slack/events: the url_verification handshake, and
// event callbacks (answered at once; their work runs after the answer).
func (b *Bot) HandleEvents() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var outer struct {
			Type      string `json:"type"`
			Challenge string `json:"challenge"`
		}
		if err := json.Unmarshal(body, &outer); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		if outer.Type == slackevents.URLVerification {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = io.WriteString(w, outer.Challenge)
			return
		}
		ev, err := slackevents.ParseEvent(body, slackevents.OptionNoVerifyToken())
		if err != nil {
			// An event type slack-go does not know is not a bad request:
			// Slack must not retry it.
			b.log.DebugContext(r.Context(), "unparsed event", "err", err)
			w.WriteHeader(http.StatusOK)
			return
		}
		retry, _ := strconv.Atoi(r.Header.Get("X-Slack-Retry-Num"))
		if _, again := b.handle(r.Context(), envelope{kind: kindEvent, event: ev, retry: retry}).(retryLater); again {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	})
}

// HandleInteractions serves POST /slack/interactions (payload=<json>).
func (b *Bot) HandleInteractions() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		form, err := url.ParseQuery(string(body))
		if err != nil || form.Get("payload") == "" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var cb slack.InteractionCallback
		if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		resp := b.handle(r.Context(), envelope{kind: kindInteraction, interaction: cb})
		if resp == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
		writeJSON(w, resp)
	})
}

// answered is what handle returns for a slash command whose acknowledgement
// has been written already (the holding reply).
type answered struct{}

// httpAck is the acknowledgement of one slash command over HTTP, which
// either the request's goroutine writes (claim, then the reply) or a timer
// (hold), never both: whoever comes first decides, under mu.
type httpAck struct {
	w     http.ResponseWriter
	mu    sync.Mutex
	state int // 0 open, 1 held: the holding reply is written, 2 claimed by the request
}

// hold writes msg as the acknowledgement, complete (with its length, and
// flushed) so that Slack has it while the command still runs; false when
// the request claimed the acknowledgement first.
func (a *httpAck) hold(msg any) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.state != 0 {
		return false
	}
	a.state = 1
	b, err := marshalReply(msg)
	if err != nil {
		http.Error(a.w, "internal error", http.StatusInternalServerError)
		return true
	}
	a.w.Header().Set("Content-Type", "application/json")
	a.w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = a.w.Write(b)
	if f, ok := a.w.(http.Flusher); ok {
		f.Flush()
	}
	return true
}

// claim reserves the acknowledgement for the request's goroutine; false when
// the holding reply has gone out instead.
func (a *httpAck) claim() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.state == 0 {
		a.state = 2
	}
	return a.state == 2
}

// marshalReply is the JSON of a reply, with <, > and & as they are (a
// reply carries Slack's own escapes, which JSON's would hide).
func marshalReply(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(v)
	return buf.Bytes(), err
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	b, _ := marshalReply(v)
	_, _ = w.Write(b)
}
