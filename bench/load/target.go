package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// target is the server under test: one keep-alive connection pool of c
// connections, and the request factory.
type target struct {
	client  *http.Client // -client std
	std     bool
	url     string
	secret  string
	timeout time.Duration
	forms   []slashForm // one per user

	born              time.Time // error times are since then
	errMu             sync.Mutex
	firstErr, lastErr string
}

func newTarget(o options) (*target, error) {
	conns := max(o.c, o.setupC)
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	t := &target{born: time.Now(), client: &http.Client{Transport: tr, Timeout: o.timeout}, std: o.client == "std",
		url: o.url, secret: o.secret, timeout: o.timeout}
	for _, u := range o.ids.users {
		t.forms = append(t.forms, newSlashForm(o.ids, u, o.responseURL))
	}
	if !t.std {
		if _, err := newRawConn(o.url, o.timeout); err != nil {
			return nil, usageError{err}
		}
	}
	return t, nil
}

// noteErr keeps the first and the last problem seen, for the report.
func (t *target) noteErr(format string, args ...any) {
	msg := fmt.Sprintf("%.3fs: ", time.Since(t.born).Seconds()) + fmt.Sprintf(format, args...)
	t.errMu.Lock()
	defer t.errMu.Unlock()
	if t.firstErr == "" {
		t.firstErr = msg
	}
	t.lastErr = msg
}

// firstError is the first problem, and the last when there were several.
func (t *target) firstError() string {
	t.errMu.Lock()
	defer t.errMu.Unlock()
	if t.lastErr != t.firstErr {
		return t.firstErr + " … last: " + t.lastErr
	}
	return t.firstErr
}

// doer returns a worker's sender of the commands that text yields. The body
// is built and signed just before sending, with the current timestamp, so it
// is always inside Slack's 5-minute window however long the run.
func (t *target) doer(text func(n uint64) (string, error)) doer {
	s := newSigner(t.secret)
	var cl classifier
	var resp bytes.Buffer
	var body []byte
	var raw *rawConn
	if !t.std {
		raw, _ = newRawConn(t.url, t.timeout) // the URL was checked in newTarget
	}
	return func(ctx context.Context, n uint64) outcome {
		cmd, err := text(n)
		if err != nil {
			t.noteErr("request %d: %v", n, err)
			return failed
		}
		ts := time.Now().Unix()
		var status int
		if raw != nil {
			body = t.forms[n%uint64(len(t.forms))].appendBody(body[:0], cmd, n, ts)
			status, err = raw.post(ctx, ts, s.signBytes(ts, body), body, &resp)
		} else {
			// A fresh body each time: the transport may still hold the
			// previous one when Do returns.
			b := t.forms[n%uint64(len(t.forms))].appendBody(make([]byte, 0, 512+len(cmd)), cmd, n, ts)
			status, err = t.stdPost(ctx, ts, s.sign(ts, b), b, &resp)
		}
		if err != nil {
			if ctx.Err() == nil {
				t.noteErr("POST: %v", err)
			}
			return failed
		}
		if status != http.StatusOK {
			t.noteErr("HTTP %d: %s", status, clip(resp.String(), 200))
			return badStatus
		}
		o := cl.classify(resp.Bytes())
		if o == errorReply || o == nearMiss {
			t.noteErr("error reply to %q: %s", clip(cmd, 80), clip(resp.String(), 300))
		}
		return o
	}
}

// stdPost is post over net/http (-client std).
func (t *target) stdPost(ctx context.Context, ts int64, sig string, body []byte, resp *bytes.Buffer) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", "Slackbot 1.0 (+https://api.slack.com/robots)")
	req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(ts, 10))
	req.Header.Set("X-Slack-Signature", sig)
	res, err := t.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	resp.Reset()
	if _, err := resp.ReadFrom(io.LimitReader(res.Body, 1<<20)); err != nil {
		return 0, err
	}
	return res.StatusCode, nil
}

// setup creates the mix's pre-existing customers, through the same endpoint,
// before anything is measured. Any answer but a plain success is fatal: the
// run would measure something else.
func (t *target) setup(ctx context.Context, m mix, n uint64, c int) error {
	if n == 0 {
		return nil
	}
	var next atomic.Uint64
	var bad atomic.Int64
	var wg sync.WaitGroup
	for range c {
		do := t.doer(m.setup)
		wg.Go(func() {
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= n {
					return
				}
				if o := do(ctx, i); o != okReply && o != created {
					bad.Add(1)
					t.noteErr("setup: %s", outcomeNames[o])
				}
			}
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if b := bad.Load(); b > 0 {
		return fmt.Errorf("creating %d customers: %d failed (first: %s)", n, b, t.firstError())
	}
	return nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
