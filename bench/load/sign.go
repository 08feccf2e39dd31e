package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/url"
	"strconv"
)

// signer computes Slack's v0 request signature: "v0=" + hex(HMAC-SHA256(secret,
// "v0:<timestamp>:<body>")). One signer per worker: the HMAC state (with the
// key schedule already done) is reset and reused, so a signature costs one
// pass of SHA-256 over the ~600-byte body and no allocation besides the header
// string (about 2 µs; see BenchmarkSign). That keeps signing far below the
// cost of the HTTP exchange it precedes, which is what "pre-signed" is for.
type signer struct {
	mac hash.Hash
	sum [sha256.Size]byte
	out [3 + 2*sha256.Size]byte // "v0=" + hex
	buf []byte
}

func newSigner(secret string) *signer {
	s := &signer{mac: hmac.New(sha256.New, []byte(secret))}
	copy(s.out[:], "v0=")
	return s
}

// sign returns the X-Slack-Signature value for body sent at unix time ts.
func (s *signer) sign(ts int64, body []byte) string { return string(s.signBytes(ts, body)) }

// signBytes is sign without the copy: the result is valid until the next call.
func (s *signer) signBytes(ts int64, body []byte) []byte {
	s.mac.Reset()
	s.buf = append(s.buf[:0], "v0:"...)
	s.buf = strconv.AppendInt(s.buf, ts, 10)
	s.buf = append(s.buf, ':')
	s.mac.Write(s.buf)
	s.mac.Write(body)
	hex.Encode(s.out[3:], s.mac.Sum(s.sum[:0]))
	return s.out[:]
}

// slashForm builds the body of a slash command the way Slack posts it
// (application/x-www-form-urlencoded, Slack's field order, '+' for spaces).
// Only text, response_url and trigger_id change from request to request, so
// the fixed parts are escaped once.
type slashForm struct {
	head string // token … command=, up to text=
	mid  string // &api_app_id=…&response_url=<base>
}

type ids struct {
	team, channel string
	users         []string
}

func newSlashForm(id ids, user, responseURL string) slashForm {
	head := "token=legacy-verification-token" +
		"&team_id=" + url.QueryEscape(id.team) +
		"&team_domain=bench" +
		"&channel_id=" + url.QueryEscape(id.channel) +
		"&channel_name=general" +
		"&user_id=" + url.QueryEscape(user) +
		"&user_name=" + url.QueryEscape(user) +
		"&command=%2Fcustomer" +
		"&text="
	mid := "&api_app_id=A0SMED&is_enterprise_install=false&response_url=" + url.QueryEscape(responseURL)
	return slashForm{head: head, mid: mid}
}

// appendBody appends the form for `/customer text` (request number n, sent
// at ts) to dst.
func (f slashForm) appendBody(dst []byte, text string, n uint64, ts int64) []byte {
	dst = append(dst, f.head...)
	dst = append(dst, url.QueryEscape(text)...)
	dst = append(dst, f.mid...)
	dst = append(dst, "%2F"...)
	dst = strconv.AppendUint(dst, n, 10)
	dst = append(dst, "&trigger_id="...)
	dst = strconv.AppendInt(dst, ts, 10)
	dst = append(dst, '.')
	dst = strconv.AppendUint(dst, n, 10)
	dst = append(dst, ".bench"...)
	return dst
}
