package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"testing"
	"time"
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
