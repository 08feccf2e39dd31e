package main

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/smedhq/smed/internal/redistest"
)

// Many people noting on a new customer at once: one customer, every note kept.
func TestE2EConcurrentNotes(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	const n = 12
	var wg sync.WaitGroup
	replies := make([]reply, n)
	users := []string{alice, bob, carol}
	for i := range n {
		wg.Go(func() { replies[i] = h.cmd(users[i%3], fmt.Sprintf("note Newco parallel note %02d", i)) })
	}
	wg.Wait()
	created := 0
	for i, r := range replies {
		h.checkReply("parallel note", r)
		if errorRE.MatchString(r.text) {
			t.Errorf("parallel note %d: %s", i, r.text)
		}
		if strings.Contains(r.text, "new customer") {
			created++
		}
	}
	if created != 1 {
		t.Errorf("%d of %d parallel first notes said they created Newco, want 1", created, n)
	}
	list := h.say(alice, "list")
	if c := strings.Count(list, "Newco"); c != 1 {
		t.Errorf("list after parallel notes names Newco %d times, want 1:\n%s", c, list)
	}
	hist := h.say(alice, "history Newco") + h.say(alice, "history Newco page 2")
	for i := range n {
		contains(t, "history after parallel notes", hist, fmt.Sprintf("parallel note %02d", i))
	}
}

// A hung Redis (accepting connections, answering nothing) still gets users
// a clear answer within 3 s.
func TestE2EHungRedis(t *testing.T) {
	parallel(t)
	rs := redistest.Server(t)
	h := newE2E(t, func(h *e2e) { h.env["SMED_REDIS_URL"] = rs.URL() })
	h.start()
	h.say(alice, "note Acme before")
	if !rs.Pause() {
		t.Skip("this Redis cannot be paused")
	}
	defer rs.Resume()
	start := time.Now()
	r := h.cmd(alice, "note Acme while Redis hangs")
	seen := time.Since(start)
	if r.holding {
		calls := h.slack.Calls("response_url")
		seen = calls[len(calls)-1].Time.Sub(start)
	}
	if r.status != http.StatusOK || seen > 3*time.Second {
		t.Errorf("note with Redis hung: %v, seen after %v (want 200 within 3s)", r, seen)
	}
	if !unreachableRE.MatchString(r.text) {
		t.Errorf("note with Redis hung: want a clear database error, got:\n%s", r.text)
	}
	if m := internalRE.FindString(r.text); m != "" {
		t.Errorf("note with Redis hung shows internals (%q): %s", m, r.text)
	}
	st := time.Now()
	if code, _ := h.get("/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("/readyz with Redis hung: %d, want 503", code)
	}
	if d := time.Since(st); d > 2*time.Second {
		t.Errorf("/readyz with Redis hung took %v", d)
	}
	rs.Resume()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := h.cmd(alice, "show Acme")
		if got.status == http.StatusOK && strings.Contains(got.text, "before") {
			// The user was told whether the note was saved; it must be true,
			// or a retry logs it twice.
			saidNothing := regexp.MustCompile(`(?i)nothing (was )?saved|not saved`).MatchString(r.text)
			if saidNothing && strings.Contains(got.text, "while Redis hangs") {
				t.Errorf("with Redis hung the user was told nothing was saved, but once Redis resumed the note is on the card "+
					"(a retry would log it twice):\nanswer then: %s\ncard now:\n%s", r.text, got.text)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("10s after Redis resumed, show still fails: %v", got)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// One-shot commands with Redis down fail fast with a clear message, exit 1.
func TestE2EOneShotRedisDown(t *testing.T) {
	parallel(t)
	rs := redistest.Server(t)
	h := newE2E(t, func(h *e2e) { h.env["SMED_REDIS_URL"] = rs.URL() })
	importOverdue(h)
	rs.Stop()
	for _, args := range [][]string{{"remind"}, {"remind", "--dry-run"}, {"digest", "--channel", digest}, {"export"}} {
		start := time.Now()
		r := h.smed(nil, "", args...)
		what := "smed " + strings.Join(args, " ") + " with Redis down"
		if r.code != 1 {
			t.Errorf("%s: want exit 1\n%v", what, r)
		}
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("%s took %v", what, d)
		}
		if !regexp.MustCompile(`(?i)redis|store|database|unavailable`).MatchString(r.stderr) {
			t.Errorf("%s: the message does not say Redis is the problem\n%v", what, r)
		}
	}
	if n := len(h.slack.Calls("chat.postMessage")); n != 0 {
		t.Errorf("with Redis down, %d messages were posted", n)
	}
}

// What users typed is escaped in DMs and the digest too, so an imported name,
// fact or note holding <!channel> pings nobody.
func TestE2EEscapingInDMsAndDigest(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	r := h.importCSV(
		`"Evil <!channel> Corp",`+alice+`,900000,30,`+daysAgo(60)+`,"<!here> call them | a & b > c"`,
		`"<@U0BOSS> Inc",`+alice+`,800000,30,`+daysAgo(60)+`,`,
	)
	if r.code != 0 {
		t.Fatalf("import: %v", r)
	}
	h.addOldNote("Evil <!channel> Corp", alice, "they said <!everyone> & <https://evil.example|click>", 60)
	h.mustRun("remind")
	h.mustRun("digest", "--channel", digest)
	var msgs []string
	for _, c := range h.slack.Calls("chat.postMessage") {
		if !c.OK() {
			t.Errorf("Slack refused a message: %s", c.Error)
		}
		msgs = append(msgs, c.Text()) // decoded: what Slack would render
	}
	if len(msgs) < 2 {
		t.Fatalf("want a DM and a digest, got %d messages", len(msgs))
	}
	for _, m := range msgs {
		for _, tok := range []string{"<!channel>", "<!here>", "<!everyone>", "<@U0BOSS>", "<https://evil"} {
			if strings.Contains(m, tok) {
				t.Errorf("a message holds the raw token %s:\n%s", tok, clipText(m))
			}
		}
	}
	all := strings.Join(msgs, "\n")
	contains(t, "messages", all, "Evil &lt;!channel&gt; Corp", "&amp;")
}

// The digest waits out a 429, joins a channel it is not in, and a refused
// digest is posted by the next run.
func TestE2EDigestSlackTrouble(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	importOverdue(h)

	h.slack.FailNext("chat.postMessage", 1, "not_in_channel")
	h.slack.RateLimit("chat.postMessage", 1)
	h.mustRun("digest", "--channel", digest)
	if len(h.slack.Calls("conversations.join")) == 0 {
		t.Errorf("digest after not_in_channel: no conversations.join")
	}
	if n := len(h.slack.Posts(digest)); n != 1 {
		t.Errorf("digest after a 429 and not_in_channel: %d posts, want 1", n)
	}

	const other = "C0OTHER"
	h.slack.FailChannel(other, "channel_not_found")
	r := h.smed(nil, "", "digest", "--channel", other)
	if r.code != 1 {
		t.Errorf("digest to a channel Slack refuses: want exit 1\n%v", r)
	}
	contains(t, "refused digest", r.stdout+r.stderr, "failed 1")
	h.slack.FailChannel(other, "")
	h.mustRun("digest", "--channel", other)
	if n := len(h.slack.Posts(other)); n != 1 {
		t.Errorf("digest rerun after the channel was fixed: %d posts, want 1", n)
	}
}

// Three digest processes at once post one digest.
func TestE2EDigestConcurrent(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	importOverdue(h)
	var wg sync.WaitGroup
	res := make([]result, 3)
	for i := range res {
		wg.Go(func() { res[i] = h.smed(nil, "", "digest", "--channel", digest) })
	}
	wg.Wait()
	for i, r := range res {
		if r.code != 0 {
			t.Errorf("digest process %d: %v", i, r)
		}
	}
	if n := len(h.slack.Posts(digest)); n != 1 {
		t.Errorf("three concurrent digests posted %d messages, want 1", n)
	}
}

// Smaller corners of the commands.
func TestE2ECommandCorners(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	h.say(alice, "note Acme hello")

	t.Run("history past the last page", func(t *testing.T) {
		got := h.say(alice, "history Acme page 3")
		lacks(t, "history page 3", got, "hello")
		if !regexp.MustCompile(`(?i)no page|only|has 1`).MatchString(got) {
			t.Errorf("history page 3 of 1: want it to say there is no such page, got:\n%s", got)
		}
	})
	t.Run("negative and huge values", func(t *testing.T) {
		for _, v := range []string{"-5", "1e9", "99999999999999999999", "NaN", "0x10"} {
			got := h.say(alice, "value Acme "+v)
			if !errorRE.MatchString(got) && !regexp.MustCompile(`(?i)not an amount|negative|too large`).MatchString(got) {
				t.Errorf("value Acme %s: want a refusal, got:\n%s", v, got)
			}
		}
		contains(t, "card after bad values", h.known("Acme"), "Value:* 0")
	})
	t.Run("a decimal comma is not read as a thousands separator", func(t *testing.T) {
		for v, wrong := range map[string]string{"1,5m": "15,000,000", "12,34": "1,234", "2,5k": "25,000"} {
			got := h.say(alice, "value Acme "+v)
			card := h.known("Acme")
			if strings.Contains(got, wrong) || strings.Contains(card, "Value:* "+wrong) {
				t.Errorf("value Acme %s: read as %s (a European user meant %s); want it refused or read as a decimal:\n%s",
					v, wrong, map[string]string{"1,5m": "1,500,000", "12,34": "12", "2,5k": "2,500"}[v], got)
			}
		}
		h.say(alice, "value Acme 0")
	})
	t.Run("snooze off", func(t *testing.T) {
		h.say(alice, "snooze Acme 14d")
		contains(t, "card after snooze 14d", h.known("Acme"), "snoozed")
		h.say(alice, "snooze Acme off")
		lacks(t, "card after snooze off", h.known("Acme"), "snoozed")
	})
	t.Run("name length limit", func(t *testing.T) {
		long := strings.Repeat("n", 101)
		got := h.say(alice, `note "`+long+`" hi`)
		if !errorRE.MatchString(got) {
			t.Errorf("note on a 101-character name: want a refusal, got:\n%s", clipText(got))
		}
		lacks(t, "list after the refused long name", h.say(alice, "list"), long[:100])
		ok := strings.Repeat("m", 100)
		contains(t, "note on a 100-character name", h.say(alice, `note "`+ok+`" hi`), "new customer")
	})
	t.Run("a mention in a note is shown as a name, not a ping to someone else", func(t *testing.T) {
		r := h.cmd(alice, "note Acme talked to <@U0BOB|bob> about it")
		h.checkReply("note with a mention", r)
		contains(t, "note with a mention", r.text, "bob")
	})
	t.Run("list beyond 25 accounts", func(t *testing.T) {
		var rows []string
		for i := range 30 {
			rows = append(rows, fmt.Sprintf("Bulk %02d,%s,%d,30,%s,", i, carol, 1000+i, daysAgo(1)))
		}
		if r := h.importCSV(rows...); r.code != 0 {
			t.Fatalf("import: %v", r)
		}
		got := h.say(alice, "list <@"+carol+">")
		if !regexp.MustCompile(`(?i)and \d+ more|more not shown`).MatchString(got) {
			t.Errorf("list of 30 accounts: want a note that more exist, got:\n%s", got)
		}
	})
	t.Run("neglected with nothing overdue", func(t *testing.T) {
		got := h.say(alice, "neglected")
		lacks(t, "neglected", got, "Acme")
	})
	t.Run("snooze button on a customer that does not exist", func(t *testing.T) {
		code, body, _ := h.interact(h.blockAction(h.team, alice, "snooze_7d", "Ghost Co", "D"+alice, "1700000000.000100", "ghost"))
		if code != http.StatusOK {
			t.Fatalf("click: HTTP %d %s", code, body)
		}
		if !h.slack.WaitFor(5*time.Second, func() bool { return h.clickAnswered("ghost", "D"+alice) }) {
			t.Errorf("snooze of an unknown customer: the clicker heard nothing")
		}
		h.checkAnswers("ghost", "D"+alice)
		h.unknown(`"Ghost Co"`)
	})
}
