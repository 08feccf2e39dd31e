package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
)

// A minimal RESP2 client, enough to set up and inspect clusters and sentinels
// without the client library storage owns (see the package doc).

// respError is an error reply from the server ("-ERR …", "-MOVED …").
type respError string

func (e respError) Error() string { return string(e) }

// respConn is one connection; not safe for concurrent use.
type respConn struct {
	c net.Conn
	r *bufio.Reader
}

// dialRESP connects to addr (host:port) and authenticates with password when
// it is not empty.
func dialRESP(addr, password string) (*respConn, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	rc := &respConn{c: c, r: bufio.NewReader(c)}
	if password != "" {
		if _, err := rc.do("AUTH", password); err != nil {
			c.Close()
			return nil, fmt.Errorf("AUTH at %s: %w", addr, err)
		}
	}
	return rc, nil
}

func (rc *respConn) Close() error { return rc.c.Close() }

// do sends one command and returns its reply: string (simple or bulk), int64,
// []any, nil (null), or a respError as the error.
func (rc *respConn) do(args ...string) (any, error) {
	// MIGRATE with a timeout of 5 s must not be cut short by our deadline.
	rc.c.SetDeadline(time.Now().Add(10 * time.Second))
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := io.WriteString(rc.c, b.String()); err != nil {
		return nil, err
	}
	v, err := readReply(rc.r)
	if err != nil {
		return nil, err
	}
	if e, ok := v.(respError); ok {
		return nil, e
	}
	return v, nil
}

// respDo runs one command on a fresh connection to addr.
func respDo(addr, password string, args ...string) (any, error) {
	rc, err := dialRESP(addr, password)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return rc.do(args...)
}

// respString runs one command whose reply is a string.
func respString(addr, password string, args ...string) (string, error) {
	v, err := respDo(addr, password, args...)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("%s: reply %v is not a string", args[0], v)
	}
	return s, nil
}

// readReply reads one reply; an error reply is returned as a respError value,
// so that one inside an array does not stop the read.
func readReply(r *bufio.Reader) (any, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return nil, err
	}
	line = strings.TrimSuffix(line, "\r\n")
	if line == "" {
		return nil, errors.New("empty reply line")
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return body, nil
	case '-':
		return respError(body), nil
	case ':':
		return strconv.ParseInt(body, 10, 64)
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err // $-1: null
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return nil, err
		}
		return string(buf[:n]), nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < 0 {
			return nil, err // *-1: null
		}
		out := make([]any, n)
		for i := range out {
			if out[i], err = readReply(r); err != nil {
				return nil, err
			}
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected reply %q", line)
}

// infoField returns field's value from an INFO or CLUSTER INFO text.
func infoField(info, field string) string {
	for _, l := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), field+":"); ok {
			return v
		}
	}
	return ""
}

// pairs turns a flat [k1 v1 k2 v2 …] reply (SENTINEL REPLICAS entries) into a map.
func pairs(v any) map[string]string {
	m := map[string]string{}
	a, _ := v.([]any)
	for i := 0; i+1 < len(a); i += 2 {
		k, _ := a[i].(string)
		s, _ := a[i+1].(string)
		m[k] = s
	}
	return m
}
