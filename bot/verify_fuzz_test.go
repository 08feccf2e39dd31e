package bot

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzVerify throws arbitrary bodies, timestamps and signatures at the
// signature check. It must never panic, never let a request through without
// the right signature, and always let a correctly signed fresh one through.
func FuzzVerify(f *testing.F) {
	f.Add("command=%2Fcustomer&text=note+Acme+hi", int64(0), "", true)
	f.Add("", int64(-301), "v0=00", false)
	f.Add("payload=%7B%7D", int64(1), "v0=zz", false)
	f.Add(strings.Repeat("a", 5000), int64(299), "v1=abc", true)
	const secret = "fuzz-secret"
	b := New(context.Background(), Config{SigningSecret: secret})
	passed := false
	h := b.Verify(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { passed = true }))
	f.Fuzz(func(t *testing.T, body string, age int64, sig string, sign bool) {
		passed = false
		ts := strconv.FormatInt(time.Now().Unix()-age, 10)
		if sign {
			mac := hmac.New(sha256.New, []byte(secret))
			fmt.Fprintf(mac, "v0:%s:%s", ts, body)
			sig = "v0=" + hex.EncodeToString(mac.Sum(nil))
		}
		r := httptest.NewRequest(http.MethodPost, "/slack/commands", strings.NewReader(body))
		r.Header.Set("X-Slack-Request-Timestamp", ts)
		r.Header.Set("X-Slack-Signature", sig)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		fresh := age > -60 && age < 5*60-5 // inside Slack's five minutes, with slack for the clock
		valid := sign && fresh && len(body) <= maxBody
		if passed && !sign {
			// A forged signature can only pass if it happens to be the right one.
			mac := hmac.New(sha256.New, []byte(secret))
			fmt.Fprintf(mac, "v0:%s:%s", ts, body)
			if !hmac.Equal([]byte(sig), []byte("v0="+hex.EncodeToString(mac.Sum(nil)))) {
				t.Fatalf("a wrong signature %q passed", sig)
			}
		}
		if valid && !passed {
			t.Fatalf("a correctly signed fresh request was refused: %d", w.Code)
		}
		if !passed && w.Code != http.StatusUnauthorized && w.Code != http.StatusRequestEntityTooLarge {
			t.Fatalf("refused with %d, want 401", w.Code)
		}
		if age > 5*60+5 && passed {
			t.Fatalf("a request %ds old passed", age)
		}
	})
}
