package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The raw client against net/http's server: fixed-length and chunked
// answers, Connection: close, and a keep-alive connection the server dropped.
func TestRawConn(t *testing.T) {
	var gotBody, gotSig, gotTS, gotType string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		gotBody, gotSig, gotTS, gotType = string(b), r.Header.Get("X-Slack-Signature"), r.Header.Get("X-Slack-Request-Timestamp"), r.Header.Get("Content-Type")
		switch r.URL.Query().Get("kind") {
		case "chunked":
			w.Write([]byte(strings.Repeat("a", 5000))) // beyond net/http's buffer: chunked
			w.(http.Flusher).Flush()
			w.Write([]byte("end"))
		case "close":
			w.Header().Set("Connection", "close")
			w.Write([]byte("bye"))
		case "status":
			http.Error(w, "unauthorized", http.StatusUnauthorized)
		default:
			w.Write([]byte(`{"text":"Noted."}`))
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	post := func(c *rawConn, body string) (int, string) {
		t.Helper()
		var resp bytes.Buffer
		status, err := c.post(ctx, 1700000000, []byte("v0=abc"), []byte(body), &resp)
		if err != nil {
			t.Fatalf("post: %v", err)
		}
		return status, resp.String()
	}
	c, err := newRawConn(srv.URL+"/slack/commands", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if st, body := post(c, "text=hi"); st != 200 || body != `{"text":"Noted."}` {
		t.Fatalf("plain: %d %q", st, body)
	}
	if gotBody != "text=hi" || gotSig != "v0=abc" || gotTS != "1700000000" || gotType != "application/x-www-form-urlencoded" {
		t.Fatalf("server saw body %q sig %q ts %q type %q", gotBody, gotSig, gotTS, gotType)
	}
	first := c.conn
	post(c, "again")
	if c.conn != first {
		t.Fatal("second request did not reuse the connection")
	}

	chunked, _ := newRawConn(srv.URL+"/?kind=chunked", 5*time.Second)
	if st, body := post(chunked, "x"); st != 200 || body != strings.Repeat("a", 5000)+"end" {
		t.Fatalf("chunked: %d, %d bytes", st, len(body))
	}
	post(chunked, "x") // and the connection is still usable

	closing, _ := newRawConn(srv.URL+"/?kind=close", 5*time.Second)
	if st, body := post(closing, "x"); st != 200 || body != "bye" || closing.conn != nil {
		t.Fatalf("close: %d %q, conn kept: %v", st, body, closing.conn != nil)
	}

	status, _ := newRawConn(srv.URL+"/?kind=status", 5*time.Second)
	if st, _ := post(status, "x"); st != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", st)
	}

	// The server drops idle keep-alive connections; the next request retries
	// on a new one.
	srv.CloseClientConnections()
	if st, _ := post(c, "after drop"); st != 200 || gotBody != "after drop" {
		t.Fatalf("after the server dropped the connection: %d, server saw %q", st, gotBody)
	}

	if _, err := newRawConn("https://example.com/x", time.Second); err == nil {
		t.Fatal("https URL accepted by the plain-HTTP client")
	}
}
