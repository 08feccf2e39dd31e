package main

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smedhq/smed/internal/redistest"
)

// onCluster points h at a fresh 3-master Redis Cluster and returns it.
func onCluster(c *redistest.ClusterProc) func(h *e2e) {
	return func(h *e2e) {
		h.env["SMED_REDIS_MODE"] = "cluster"
		h.env["SMED_REDIS_URL"] = c.URL()
	}
}

// The whole product on a real 3-master Redis Cluster: the commands, fixing
// mistakes, import and export, reminders and the digest.
func TestE2ECluster(t *testing.T) {
	parallel(t)
	c := redistest.Cluster(t, 3)
	h := newE2E(t, onCluster(c))
	t.Logf("team %s lives on node %d", h.team, c.Owner(t, redistest.Slot("{"+h.team+"}")))

	if r := h.importCSV(
		"Acme,"+alice+",500000,30,"+daysAgo(45)+",prefers calls before 10",
		"Beta,"+alice+",20000,30,"+daysAgo(40)+",",
		"Gamma,"+bob+",90000,14,"+daysAgo(30)+",",
	); r.code != 0 {
		t.Fatalf("import on the cluster: %v", r)
	}
	h.start()
	contains(t, "note", h.say(alice, "note Delta met the CFO about the renewal"), "Noted")
	contains(t, "show", h.known("Delta"), "met the CFO")
	contains(t, "find", h.say(alice, "find renewal"), "Delta")
	contains(t, "list", h.say(alice, "list"), "Acme", "Gamma")
	contains(t, "value", h.say(alice, "value Delta 75000"), "75,000")
	contains(t, "owner", h.say(alice, "owner Delta <@"+bob+">"), "Delta")
	contains(t, "rename", h.say(alice, "rename Beta to Betamax"), "Betamax")
	contains(t, "formerly", h.known("Betamax"), "formerly", "Beta")
	contains(t, "merge", h.say(bob, "merge Delta into Gamma"), "Gamma")
	contains(t, "merged card", h.known("Gamma"), "met the CFO")
	h.unknown("Delta")
	contains(t, "history", h.say(bob, "history Gamma"), "met the CFO")
	contains(t, "stats", h.say(alice, "stats"), "customers")

	exp := h.mustRun("export")
	contains(t, "export", exp.stdout, "Acme", "Betamax", "Gamma")

	h.mustRun("remind")
	if n := len(h.slack.DMs()[alice]); n != 1 {
		t.Errorf("alice got %d reminder DMs on the cluster, want 1", n)
	}
	h.mustRun("remind")
	if n := len(h.slack.DMs()[alice]); n != 1 {
		t.Errorf("after a second run alice has %d reminder DMs, want 1", n)
	}
	h.mustRun("digest", "--channel", digest)
	if posts := h.slack.Posts(digest); len(posts) == 0 || !strings.Contains(posts[0].Text(), "Acme") {
		t.Errorf("digest on the cluster: %v", posts)
	}
}

var unavailableRE = regexp.MustCompile(`(?i)nothing (was )?saved|can't tell whether`)

// A team's hash slot moves to another node while notes come in: every note
// is answered, every acknowledged one is kept once, and a refused one is not
// kept. A multi-key write that meets the slot half moved (TRYAGAIN) did
// nothing, and is answered so ("nothing was saved").
func TestE2EClusterSlotMoveUnderLoad(t *testing.T) {
	parallel(t)
	c := redistest.Cluster(t, 3)
	h := newE2E(t, onCluster(c))
	h.start()
	for i := range 4 {
		contains(t, "seed", h.say(alice, fmt.Sprintf(`note "Move %d" first`, i)), "Noted")
	}
	type outcome struct{ text, answer string }
	var (
		mu       sync.Mutex
		outcomes []outcome
		wg       sync.WaitGroup
		stop     = make(chan struct{})
	)
	for w := range 4 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				text := fmt.Sprintf("move w%d n%04d", w, i)
				r := h.cmd(alice, fmt.Sprintf(`note "Move %d" %s`, w, text))
				mu.Lock()
				outcomes = append(outcomes, outcome{text, r.text})
				mu.Unlock()
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	slot := redistest.Slot("{" + h.team + "}")
	m := c.StartSlotMove(t, slot, (c.Owner(t, slot)+1)%3)
	for m.MigrateKeys(t, 3) > 0 {
		time.Sleep(30 * time.Millisecond) // half moved for a while
	}
	m.Finish(t)
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()

	store := h.store()
	stored := map[string]int{}
	for i := range 4 {
		id := h.idOf(fmt.Sprintf("Move %d", i))
		_, es, _, err := store.History(t.Context(), h.team, id, 0, 100000)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range es {
			stored[e.Note.Text]++
		}
	}
	var acked, other int
	answers := map[string]int{}
	for _, o := range outcomes {
		if !notedRE.MatchString(o.answer) {
			answers[clipText(o.answer)]++
		}
		switch {
		case notedRE.MatchString(o.answer):
			acked++
			if stored[o.text] != 1 {
				t.Errorf("%q was acknowledged but is stored %d times", o.text, stored[o.text])
			}
		case nothingSaved.MatchString(o.answer) && !cannotTellRE.MatchString(o.answer):
			other++
			if stored[o.text] != 0 {
				t.Errorf("%q was answered %q but is stored", o.text, clipText(o.answer))
			}
		case cannotTellRE.MatchString(o.answer):
			other++
			if stored[o.text] > 1 {
				t.Errorf("%q is stored %d times", o.text, stored[o.text])
			}
		default:
			t.Errorf("%q got an answer that is neither saved nor an honest failure: %q", o.text, clipText(o.answer))
		}
	}
	t.Logf("%d notes during the move: %d acknowledged, %d refused or unsure: %v", len(outcomes), acked, other, answers)
	if acked == 0 {
		t.Error("no note was acknowledged during the move")
	}
	if to := c.Owner(t, slot); to != m.To {
		t.Fatalf("the slot is on node %d after the move, want %d", to, m.To)
	}
	contains(t, "a note after the move", h.say(alice, `note "Move 0" after the move`), "Noted")
}

// Smed on a master behind three sentinels: the master dies, and the same
// smed run keeps taking notes through the promoted replica by itself; what
// was replicated before is still there.
func TestE2ESentinelFailover(t *testing.T) {
	parallel(t)
	s := redistest.Sentinel(t, redistest.WithPassword("data-pw"))
	h := newE2E(t, func(h *e2e) {
		h.env["SMED_REDIS_MODE"] = "sentinel"
		h.env["SMED_REDIS_URL"] = s.URL() + sep(s.URL()) + "password=data-pw"
		h.env["SMED_REDIS_SENTINEL_MASTER"] = redistest.MasterName
	})
	h.start()
	contains(t, "a note before the failover", h.say(alice, "note Acme before the failover"), "Noted")
	time.Sleep(500 * time.Millisecond) // replication is asynchronous: let the replica have it

	killed := time.Now()
	old := s.KillMaster(t)
	answers := map[string]int{}
	for {
		r := h.cmd(alice, "note Acme after the failover")
		if r.elapsed > 3*time.Second {
			t.Errorf("an answer during the failover took %v", r.elapsed)
		}
		if notedRE.MatchString(r.text) {
			break
		}
		if !unavailableRE.MatchString(r.text) {
			t.Fatalf("during the failover: %q, want saved or an honest failure", clipText(r.text))
		}
		answers[clipText(r.text)]++
		if time.Since(killed) > 20*time.Second {
			t.Fatalf("no note taken 20 s after the master died: %v", answers)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("notes taken again %v after the kill; meanwhile %v", time.Since(killed).Round(time.Millisecond), answers)
	if now := s.WaitPromoted(t, old, 5*time.Second); now != s.Replica.Addr() {
		t.Errorf("promoted %s, want the replica %s", now, s.Replica.Addr())
	}
	contains(t, "the card after the failover", h.known("Acme"), "before the failover", "after the failover")
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}
