package main

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/smedhq/smed/internal/redistest"
)

// The fault suite: each test breaks something under Smed while it works and
// checks the promise README's "Reliability" section makes about it.

var (
	notedRE      = regexp.MustCompile(`Noted`)
	nothingSaved = regexp.MustCompile(`(?i)nothing (was )?saved`)
	cannotTellRE = regexp.MustCompile(`(?i)can't tell whether`)
)

// Redis killed with SIGKILL under 32 concurrent writers, with
// appendfsync always: every note Smed acknowledged is there after the
// restart, and no note Smed said was not saved is there.
func TestE2ERedisKilledUnderLoad(t *testing.T) {
	parallel(t)
	rs := redistest.Server(t, "--appendonly", "yes", "--appendfsync", "always")
	h := newE2E(t, func(h *e2e) { h.env["SMED_REDIS_URL"] = rs.URL() })
	h.start()
	const writers = 32
	type outcome struct{ text, answer string }
	var (
		mu       sync.Mutex
		outcomes []outcome
		wg       sync.WaitGroup
	)
	stop := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				text := fmt.Sprintf("load w%02d n%04d", w, i)
				r := h.cmd(alice, fmt.Sprintf(`note "Load %02d" %s`, w%4, text))
				mu.Lock()
				outcomes = append(outcomes, outcome{text, r.text})
				mu.Unlock()
			}
		})
	}
	if !rs.Real() {
		t.Skip("the embedded Redis keeps no append-only file")
	}
	time.Sleep(700 * time.Millisecond) // let the writers get going
	rs.Kill()
	time.Sleep(300 * time.Millisecond) // writes against a dead Redis
	close(stop)
	wg.Wait()
	rs.Restart(t) // replays the append-only file

	store := h.store()
	stored := map[string]int{}
	for c := range 4 {
		ref, _, err := store.Resolve(context.Background(), h.team, []string{fmt.Sprintf("Load %02d", c)})
		if err != nil {
			continue
		}
		_, es, _, err := store.History(context.Background(), h.team, ref.ID, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			stored[e.Note.Text]++
		}
	}
	var acked, refused, unsure int
	for _, o := range outcomes {
		switch {
		case notedRE.MatchString(o.answer):
			acked++
			if stored[o.text] != 1 {
				t.Errorf("%q was acknowledged (%q) but is stored %d times after the restart", o.text, clipText(o.answer), stored[o.text])
			}
		case nothingSaved.MatchString(o.answer) && !cannotTellRE.MatchString(o.answer):
			refused++
			if stored[o.text] != 0 {
				t.Errorf("%q was answered %q but is stored after the restart", o.text, clipText(o.answer))
			}
		default:
			unsure++
			if stored[o.text] > 1 {
				t.Errorf("%q is stored %d times", o.text, stored[o.text])
			}
		}
	}
	t.Logf("%d notes acknowledged, %d refused, %d unsure (\"can't tell\")", acked, refused, unsure)
	if acked == 0 || refused+unsure == 0 {
		t.Errorf("the test did not exercise both sides: %d acknowledged, %d refused or unsure", acked, refused+unsure)
	}
	// And Smed serves again by itself, within a few seconds (the client's
	// pool waits out a burst of failed dials before it dials again).
	var answer string
	for deadline := time.Now().Add(8 * time.Second); time.Now().Before(deadline); time.Sleep(250 * time.Millisecond) {
		if answer = h.say(alice, `note "Load 00" after the restart`); notedRE.MatchString(answer) {
			return
		}
	}
	t.Errorf("no note is taken 8s after Redis is back; the last answer: %q", clipText(answer))
}

// SIGTERM under load: smed run stops taking requests, answers the ones in
// flight, and exits within its grace period.
func TestE2EShutdownUnderLoad(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		broken []string
	)
	stop := make(chan struct{})
	for w := range 8 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				form := h.slashForm(h.team, alice, fmt.Sprintf("note Shutdown%d n%d", w, i), fmt.Sprintf("s%d-%d", w, i))
				resp, body, err := h.tryPost("/slack/commands", form)
				if err != nil {
					return // the server is gone: refused, not broken
				}
				if resp != http.StatusOK || strings.TrimSpace(body) == "" {
					mu.Lock()
					broken = append(broken, fmt.Sprintf("HTTP %d %q", resp, body))
					mu.Unlock()
				}
			}
		})
	}
	time.Sleep(500 * time.Millisecond)
	h.stopped = true
	start := time.Now()
	h.proc.Signal(syscall.SIGTERM)
	select {
	case <-h.exited:
	case <-time.After(20 * time.Second):
		t.Fatal("smed run still running 20s after SIGTERM")
	}
	close(stop)
	wg.Wait()
	if h.exitErr != nil {
		t.Errorf("exit after SIGTERM under load: %v", h.exitErr)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("shutdown took %v, more than the 15s grace", took)
	}
	for _, b := range broken {
		t.Errorf("a request in flight at SIGTERM got a broken answer: %s", b)
	}
}
