package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
	"github.com/smedhq/smed/internal/fakestore"
)

// slowStore holds every note until release is closed.
type slowStore struct {
	*fakestore.Store
	release chan struct{}
}

func (s *slowStore) AddNote(ctx context.Context, team string, req smed.NoteRequest) (smed.NoteReceipt, error) {
	<-s.release
	return s.Store.AddNote(ctx, team, req)
}

// A slash command over HTTP runs on the request's goroutine; one that takes
// longer than ackWait gets the holding reply within Slack's 3 seconds, as a
// complete HTTP response while the command still runs, and its real answer
// at the response_url once done, exactly once.
func TestSlowCommandHeldOverHTTP(t *testing.T) {
	store := &slowStore{Store: fakestore.New(), release: make(chan struct{})}
	svc := app.New(app.Config{Store: store, DefaultCadence: 30})
	b := New(t.Context(), Config{Commands: NewCommands(CommandsConfig{Service: svc}), Service: svc, SigningSecret: "s"})
	var (
		mu    sync.Mutex
		posts []string
	)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		posts = append(posts, string(body))
		mu.Unlock()
	}))
	defer hook.Close()
	srv := httptest.NewServer(b.Verify(b.HandleCommands()))
	defer srv.Close()

	form := url.Values{"command": {"/customer"}, "text": {`note "Acme Corp" called about the renewal`},
		"team_id": {"T1"}, "user_id": {"U1"}, "response_url": {hook.URL + "/r"}}
	body := form.Encode()
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte("s"))
	fmt.Fprintf(mac, "v0:%s:%s", ts, body)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/slack/commands", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))

	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body) // a complete response: the body ends
	resp.Body.Close()
	took := time.Since(start)
	if err != nil || resp.StatusCode != http.StatusOK || !strings.Contains(string(got), "Working on it") {
		t.Fatalf("slow note: HTTP %d %q (%v), want the holding reply", resp.StatusCode, got, err)
	}
	if took < ackWait || took > 3*time.Second {
		t.Errorf("holding reply after %v, want between %v and 3s", took, ackWait)
	}
	mu.Lock()
	early := len(posts)
	mu.Unlock()
	if early != 0 {
		t.Fatalf("the response_url got %d posts before the note was saved", early)
	}
	close(store.release)
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		n := len(posts)
		var first string
		if n > 0 {
			first = posts[0]
		}
		mu.Unlock()
		if n > 0 {
			if n != 1 || !strings.Contains(first, "Acme Corp") {
				t.Errorf("response_url posts: %d, first %q; want one with the note's answer", n, first)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the real answer never reached the response_url")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := b.Wait(t.Context()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(posts) != 1 {
		t.Errorf("%d response_url posts after the work finished, want 1", len(posts))
	}
}
