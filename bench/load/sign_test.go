package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"testing"
)

// Slack's own example (api.slack.com, "Verifying requests from Slack").
func TestSignSlackExample(t *testing.T) {
	const (
		secret = "8f742231b10e8888abcd99yyyzzz85a5"
		ts     = 1531420618
		body   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
		want   = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	)
	s := newSigner(secret)
	if got := s.sign(ts, []byte(body)); got != want {
		t.Fatalf("sign = %s, want %s", got, want)
	}
	// The reused HMAC state gives the same answer again, and a different one
	// for another body or time.
	if got := s.sign(ts, []byte(body)); got != want {
		t.Fatalf("second sign = %s, want %s", got, want)
	}
	if s.sign(ts+1, []byte(body)) == want || s.sign(ts, []byte(body+"x")) == want {
		t.Fatal("signature does not depend on timestamp and body")
	}
}

// The body is the form Slack posts, signed as cmd/smed/e2e_test.go signs it.
func TestSlashFormBody(t *testing.T) {
	f := newSlashForm(ids{team: "T0BENCH", channel: "C0BENCH"}, "U0BENCH", "http://127.0.0.1:9/response")
	text := `note "Kavelut Møbler" Called Bo & Åse about 50% off + more`
	body := f.appendBody(nil, text, 42, 1700000000)
	v, err := url.ParseQuery(string(body))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"team_id": "T0BENCH", "channel_id": "C0BENCH", "user_id": "U0BENCH", "command": "/customer",
		"text": text, "response_url": "http://127.0.0.1:9/response/42", "trigger_id": "1700000000.42.bench",
		"token": "legacy-verification-token", "api_app_id": "A0SMED",
	}
	for k, w := range want {
		if got := v.Get(k); got != w {
			t.Errorf("%s = %q, want %q", k, got, w)
		}
	}
	mac := hmac.New(sha256.New, []byte("secret"))
	fmt.Fprintf(mac, "v0:%d:%s", 1700000000, body)
	if got, want := newSigner("secret").sign(1700000000, body), "v0="+hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Fatalf("sign = %s, want %s", got, want)
	}
}

func BenchmarkSign(b *testing.B) {
	f := newSlashForm(ids{team: "T0BENCH", channel: "C0BENCH"}, "U0BENCH", "http://127.0.0.1:9/response")
	s := newSigner("0123456789abcdef0123456789abcdef")
	var body []byte
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body = f.appendBody(body[:0], "note Kavelut Møbler "+noteText(uint64(i)), uint64(i), 1700000000)
		s.signBytes(1700000000, body)
	}
}
