package redistest

import (
	"net/url"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

func TestPrefixUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		p := Prefix(t)
		if seen[p] {
			t.Fatalf("prefix %q handed out twice", p)
		}
		seen[p] = true
	}
}

func TestURLAnswers(t *testing.T) {
	u, err := url.Parse(URL(t))
	if err != nil {
		t.Fatal(err)
	}
	network, addr := "tcp", u.Host
	if u.Scheme == "unix" {
		network, addr = "unix", u.Path
	}
	if err := ping(network, addr); err != nil {
		t.Fatalf("shared server at %s: %v", URL(t), err)
	}
	if URL(t) != URL(t) {
		t.Error("URL changed between calls: more than one shared server")
	}
}

func TestServerStopRestart(t *testing.T) {
	p := Server(t)
	addr := p.URL()[len("redis://"):]
	if err := ping("tcp", addr); err != nil {
		t.Fatal(err)
	}
	p.Stop()
	if err := ping("tcp", addr); err == nil {
		t.Fatal("stopped server still answers")
	}
	p.Restart(t)
	if err := ping("tcp", addr); err != nil {
		t.Fatalf("restarted server at the same address: %v", err)
	}
	if p.Pause() {
		if err := ping("tcp", addr); err == nil {
			t.Error("paused server answers")
		}
		p.Resume()
		if err := ping("tcp", addr); err != nil {
			t.Errorf("resumed server: %v", err)
		}
	}
}
