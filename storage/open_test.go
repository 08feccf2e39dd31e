package storage

import (
	"strings"
	"testing"

	"github.com/smedhq/smed/internal/redistest"
)

func TestOpenMemory(t *testing.T) {
	t.Parallel()
	s, closeFn, err := Open(t.Context(), Conn{URL: "memory://"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
	r := mustNote(t, s, "local", named("Acme", "hi"), "U1", t0)
	if !r.Created {
		t.Errorf("receipt %+v", r)
	}
	if err := closeFn(); err != nil {
		t.Fatal(err)
	}
}

func TestOpenRedisURL(t *testing.T) {
	t.Parallel()
	s, closeFn, err := Open(t.Context(), Conn{URL: redistest.URL(t)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeFn()
	if err := s.Ping(t.Context()); err != nil {
		t.Fatal(err)
	}
}

func TestOpenBadURL(t *testing.T) {
	t.Parallel()
	_, _, err := Open(t.Context(), Conn{URL: "postgres://user:s3cret@db/0"}, nil)
	if err == nil {
		t.Fatal("no error for a non-Redis URL")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestIsMemory(t *testing.T) {
	t.Parallel()
	for url, want := range map[string]bool{
		"memory://":                true,
		"MEMORY://":                true,
		" memory:// ":              true,
		"redis://localhost:6379/0": false,
		"unix:///tmp/redis.sock":   false,
		"":                         false,
	} {
		if got := IsMemory(url); got != want {
			t.Errorf("IsMemory(%q) = %v, want %v", url, got, want)
		}
	}
}
