package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"time"
)

// rawConn is one keep-alive HTTP/1.1 connection that sends slash commands
// and reads the answers with as little work as possible: the request is
// written with one syscall from one buffer, the answer parsed for its status,
// Content-Length or chunks, and Connection: close. On two shared cores every
// microsecond the generator spends is taken from the server it measures;
// net/http's client costs about as much CPU per request as the floor server
// (-client std keeps it available as a cross-check).
type rawConn struct {
	addr, host, path string
	timeout          time.Duration

	conn net.Conn
	br   *bufio.Reader
	wbuf []byte
	used bool // the connection has carried a request already
}

func newRawConn(target string, timeout time.Duration) (*rawConn, error) {
	u, err := url.Parse(target)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("-url %q: the raw client speaks plain http://host:port/path only (use -client std otherwise)", target)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	path := u.RequestURI()
	return &rawConn{addr: addr, host: u.Host, path: path, timeout: timeout}, nil
}

// post sends one form body with the Slack signature headers and reads the
// answer's body into resp. A request on a reused connection that fails
// before any answer arrived, other than by timing out, is retried once on a
// fresh one (the server may have closed an idle connection).
func (c *rawConn) post(ctx context.Context, ts int64, sig, body []byte, resp *bytes.Buffer) (int, error) {
	c.wbuf = c.wbuf[:0]
	c.wbuf = append(c.wbuf, "POST "...)
	c.wbuf = append(c.wbuf, c.path...)
	c.wbuf = append(c.wbuf, " HTTP/1.1\r\nHost: "...)
	c.wbuf = append(c.wbuf, c.host...)
	c.wbuf = append(c.wbuf, "\r\nUser-Agent: Slackbot 1.0 (+https://api.slack.com/robots)\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\n"+
		"X-Slack-Request-Timestamp: "...)
	c.wbuf = strconv.AppendInt(c.wbuf, ts, 10)
	c.wbuf = append(c.wbuf, "\r\nX-Slack-Signature: "...)
	c.wbuf = append(c.wbuf, sig...)
	c.wbuf = append(c.wbuf, "\r\nContent-Length: "...)
	c.wbuf = strconv.AppendInt(c.wbuf, int64(len(body)), 10)
	c.wbuf = append(c.wbuf, "\r\n\r\n"...)
	c.wbuf = append(c.wbuf, body...)
	for attempt := 0; ; attempt++ {
		reused := c.conn != nil && c.used
		status, answered, err := c.roundTrip(ctx, resp)
		if err == nil {
			return status, nil
		}
		c.close()
		// Retry only what an idle connection closed by the server looks like
		// (EOF, reset), never a timeout: that is the server being slow.
		var ne net.Error
		if answered || !reused || attempt > 0 || ctx.Err() != nil || errors.As(err, &ne) && ne.Timeout() {
			return 0, err
		}
	}
}

func (c *rawConn) roundTrip(ctx context.Context, resp *bytes.Buffer) (status int, answered bool, err error) {
	deadline := time.Now().Add(c.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if c.conn == nil {
		d := net.Dialer{Deadline: deadline, KeepAlive: 30 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return 0, false, err
		}
		c.conn, c.used = conn, false
		if c.br == nil {
			c.br = bufio.NewReaderSize(conn, 16<<10)
		} else {
			c.br.Reset(conn)
		}
	}
	if err := c.conn.SetDeadline(deadline); err != nil {
		return 0, false, err
	}
	if _, err := c.conn.Write(c.wbuf); err != nil {
		return 0, false, err
	}
	c.used = true
	status, keep, err := readResponse(c.br, resp)
	if err != nil {
		return 0, status != 0, err
	}
	if !keep {
		c.close()
	}
	return status, true, nil
}

func (c *rawConn) close() {
	if c.conn != nil {
		c.conn.Close()
		c.conn = nil
	}
}

var errMalformed = errors.New("malformed HTTP answer")

// readResponse reads one HTTP/1.1 answer: its status, and its body into resp
// (Content-Length, chunked, or up to EOF). keep reports whether the
// connection can carry another request.
func readResponse(br *bufio.Reader, resp *bytes.Buffer) (status int, keep bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, errMalformed
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, errMalformed
	}
	keep = line[7] == '1' // HTTP/1.1 keeps the connection unless told otherwise
	length, chunked := -1, false
	for {
		line, err = br.ReadSlice('\n')
		if err != nil {
			return status, false, err
		}
		if len(line) <= 2 { // the blank line ending the headers
			break
		}
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			return status, false, errMalformed
		}
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(v)); err != nil || length < 0 {
				return status, false, errMalformed
			}
		case bytes.EqualFold(k, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(v, []byte("chunked"))
		case bytes.EqualFold(k, []byte("Connection")):
			if bytes.EqualFold(v, []byte("close")) {
				keep = false
			}
		}
	}
	resp.Reset()
	switch {
	case chunked:
		err = readChunked(br, resp)
	case length >= 0:
		_, err = io.CopyN(resp, br, int64(length))
	default:
		_, err = resp.ReadFrom(br)
		keep = false
	}
	if err != nil {
		return status, false, err
	}
	return status, keep, nil
}

func readChunked(br *bufio.Reader, resp *bytes.Buffer) error {
	for {
		line, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		sz, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(";"))
		n, err := strconv.ParseInt(string(sz), 16, 64)
		if err != nil || n < 0 {
			return errMalformed
		}
		if n == 0 { // trailers, then a blank line
			for {
				line, err = br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(line) <= 2 {
					return nil
				}
			}
		}
		if _, err := io.CopyN(resp, br, n); err != nil {
			return err
		}
		if _, err := br.Discard(2); err != nil { // CRLF after the chunk
			return err
		}
	}
}
