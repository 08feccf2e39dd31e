package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func sig(secret string, ts int64, body string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:%s", ts, body)
	return "v0=" + hex.EncodeToString(mac.Sum(nil))
}

func TestSigned(t *testing.T) {
	now := time.Unix(1700000000, 0)
	body := []byte("team_id=T1&text=note+Acme+hi")
	good := sig("s3cret", now.Unix(), string(body))
	ts := func(d time.Duration) string { return fmt.Sprint(now.Add(d).Unix()) }
	for _, tc := range []struct {
		name, ts, sig string
		body          []byte
		want          bool
	}{
		{"valid", ts(0), good, body, true},
		{"4 minutes old", ts(-4 * time.Minute), sig("s3cret", now.Add(-4*time.Minute).Unix(), string(body)), body, true},
		{"6 minutes old", ts(-6 * time.Minute), sig("s3cret", now.Add(-6*time.Minute).Unix(), string(body)), body, false},
		{"6 minutes ahead", ts(6 * time.Minute), sig("s3cret", now.Add(6*time.Minute).Unix(), string(body)), body, false},
		{"other secret", ts(0), sig("other", now.Unix(), string(body)), body, false},
		{"body changed", ts(0), good, append([]byte("x"), body...), false},
		{"no v0 prefix", ts(0), good[3:], body, false},
		{"not hex", ts(0), "v0=zz", body, false},
		{"no timestamp", "", good, body, false},
	} {
		if got := signed([]byte("s3cret"), tc.ts, tc.sig, tc.body, now); got != tc.want {
			t.Errorf("%s: signed = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseNote(t *testing.T) {
	form := func(text string) []byte {
		return []byte("token=x&team_id=T0BENCH&user_id=U0BENCH&command=%2Fcustomer&text=" + url.QueryEscape(text) + "&response_url=x")
	}
	for _, tc := range []struct {
		text, name, note string
		ok               bool
	}{
		{"note Kavelut Møbler Called Bo about 50% off", "Kavelut", "Møbler Called Bo about 50% off", true},
		{`note "Kavelut Møbler" First meeting`, "Kavelut", "First meeting", true},
		{"note   Tilekos hi", "Tilekos", "hi", true},
		{"show Kavelut", "", "", false},
		{`note "open quote`, "", "", false},
	} {
		n, ok := parseNote(form(tc.text))
		if ok != tc.ok || ok && (n.name != tc.name || n.text != tc.note || n.team != "T0BENCH" || n.user != "U0BENCH") {
			t.Errorf("parseNote(%q) = %+v, %v; want name %q text %q", tc.text, n, ok, tc.name, tc.note)
		}
	}
	if customerID("Kavelut") != customerID("KAVELUT") {
		t.Error("customer IDs differ by case")
	}
}

// The machine rung (-writes none) answers a signed note without Redis: its
// client points at a port where nothing listens. A note it cannot parse is
// still refused, and so is a forged one; v3 on the same client fails, so the
// answers did not come through Redis.
func TestWritesNoneAnswersWithoutRedis(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer rdb.Close()
	ws, ok := writeSets["none"]
	if !ok || ws != nil {
		t.Fatal(`writeSets["none"] must be there and be nil`)
	}
	post := func(ws writeSet, text, secret string) *httptest.ResponseRecorder {
		h := verify([]byte("s3cret"), handleNote(rdb, ws, slog.New(slog.DiscardHandler)))
		body := "team_id=T0BENCH&user_id=U0BENCH&text=" + url.QueryEscape(text)
		ts := time.Now().Unix()
		r := httptest.NewRequest("POST", "/slack/commands", strings.NewReader(body))
		r.Header.Set("X-Slack-Request-Timestamp", fmt.Sprint(ts))
		r.Header.Set("X-Slack-Signature", sig(secret, ts, body))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := post(nil, "note Kavelut called", "s3cret"); w.Code != 200 || w.Body.String() != string(noted) {
		t.Errorf("note: %d %q, want 200 %q", w.Code, w.Body.String(), noted)
	}
	if w := post(nil, "show Kavelut", "s3cret"); w.Code != 400 {
		t.Errorf("not a note: %d, want 400", w.Code)
	}
	if w := post(nil, "note Kavelut called", "other"); w.Code != 401 {
		t.Errorf("forged: %d, want 401", w.Code)
	}
	if w := post(writeSets["v3"], "note Kavelut called", "s3cret"); w.Code != 503 {
		t.Errorf("v3 without Redis: %d, want 503", w.Code)
	}
}
