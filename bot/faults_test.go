package bot

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/internal/fakestore"
	"github.com/smedhq/smed/internal/slacktest"
	"github.com/smedhq/smed/reminders"
)

// The notifier's own retries, short for these tests (they run at
// GOMAXPROCS at a time): what is tested is whether it retries, not how long
// it waits.
func init() { retryWaits = []time.Duration{10 * time.Millisecond, 20 * time.Millisecond} }

// Slack failing in each way, on each method a reminder run calls: a run
// either delivers the DM, or says it failed (and the next run delivers it),
// or says it may have been delivered (and nothing sends it again). No DM is
// ever sent twice, none is lost without a word, and nothing panics.
func TestReminderSlackFaults(t *testing.T) {
	type fault struct {
		name   string
		inject func(f *slacktest.Server, method string)
	}
	faults := []fault{
		{"500 before doing it", func(f *slacktest.Server, m string) { f.ServerError(m, 1, false) }},
		{"500 after doing it", func(f *slacktest.Server, m string) { f.ServerError(m, 1, true) }},
		{"500 three times", func(f *slacktest.Server, m string) { f.ServerError(m, 3, false) }},
		{"timeout", func(f *slacktest.Server, m string) { f.Delay(m, time.Second) }},
		{"ok:false internal_error", func(f *slacktest.Server, m string) { f.FailNext(m, 1, "internal_error") }},
		{"ok:false service_unavailable", func(f *slacktest.Server, m string) { f.FailNext(m, 1, "service_unavailable") }},
		{"ok:false for good", func(f *slacktest.Server, m string) { f.FailNext(m, 3, "channel_not_found") }},
		{"429 past every retry", func(f *slacktest.Server, m string) { f.RateLimit(m, 3) }},
	}
	for _, method := range []string{"users.info", "conversations.open", "chat.postMessage"} {
		for _, fl := range faults {
			t.Run(method+"/"+fl.name, func(t *testing.T) {
				t.Parallel()
				fake := slacktest.New(t)
				fake.AddUser("U1", "alice")
				api := slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL()),
					slack.OptionHTTPClient(&http.Client{Timeout: 300 * time.Millisecond})) // no 429 waits: TestThousandRemindersNoneLost has those
				n := NewNotifier(api, time.Millisecond, nil, nil)
				store := fakestore.New()
				ctx := context.Background()
				now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
				if _, err := store.AddNote(ctx, "T1", smed.NoteRequest{Candidates: []smed.Candidate{{Name: "Acme", Rest: "renewal"}},
					Author: "U1", At: now.AddDate(0, 0, -40), Create: true, CadenceDays: 30}); err != nil {
					t.Fatal(err)
				}
				e := reminders.NewEngine(store, store, n, n, time.UTC, nil)

				fl.inject(fake, method)
				_, first, err1 := e.Remind(ctx, "T1", now)
				fake.Heal(method)
				// A later run of the same day: the retry.
				_, second, err2 := e.Remind(ctx, "T1", now.Add(time.Hour))
				if fl.name == "timeout" {
					// A timed-out call is done by the fake after the client gave up.
					time.Sleep(time.Second + 200*time.Millisecond)
				}

				dms := len(fake.DMCalls("U1"))
				t.Logf("first run: %s (%v); second run: %s (%v); DMs: %d", first, err1, second, err2, dms)
				if dms > 1 {
					t.Fatalf("the owner got %d reminder DMs for one day, want at most 1", dms)
				}
				switch {
				case first.Sent == 1:
					if err1 != nil {
						t.Errorf("sent, but the run says %v", err1)
					}
				case first.Unsure == 1:
					if !errors.Is(err1, reminders.ErrMaybeSent) {
						t.Errorf("unsure, but the run's error does not say so: %v", err1)
					}
					if second.Sent+second.Failed+second.Unsure != 0 {
						t.Errorf("the second run tried again after a send that may have happened: %s", second)
					}
				case first.Failed == 1:
					if err1 == nil {
						t.Errorf("failed without an error")
					}
					if second.Sent != 1 || dms != 1 {
						t.Errorf("a send that surely failed was not delivered by the next run: %s, %d DMs", second, dms)
					}
				default:
					t.Errorf("the first run did nothing visible: %s", first)
				}
				if first.Sent+second.Sent == 1 && dms != 1 {
					t.Errorf("the runs say sent, but the owner has %d DMs", dms)
				}
				if dms == 0 && first.Unsure == 0 {
					t.Errorf("no DM, and no run said it may have been delivered: %s / %s", first, second)
				}
			})
		}
	}
}

// A digest in several messages that fails after the first went out is not
// posted again (that would repeat the first part): the run says how far it got.
func TestDigestFailsPartWay(t *testing.T) {
	t.Parallel()
	fake := slacktest.New(t)
	n := NewNotifier(apiFor(fake), 0, nil, nil)
	store := fakestore.New()
	ctx := context.Background()
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	for i := range 120 {
		if _, err := store.AddNote(ctx, "T1", smed.NoteRequest{Candidates: []smed.Candidate{{Name: fmt.Sprintf("Account %03d", i), Rest: "x"}},
			Author: "U1", At: now.AddDate(0, 0, -40), Create: true, CadenceDays: 30}); err != nil {
			t.Fatal(err)
		}
	}
	e := reminders.NewEngine(store, store, n, n, time.UTC, nil)
	fake.FailNext("chat.postMessage", 1, "")
	fake.FailNext("chat.postMessage", 1, "channel_not_found")
	_, first, err := e.Digest(ctx, "T1", "C1", now)
	if first.Unsure != 1 || !errors.Is(err, reminders.ErrMaybeSent) || !strings.Contains(err.Error(), "1 of ") {
		t.Fatalf("first run: %s, %v; want unsure, saying how many messages went out", first, err)
	}
	_, second, err := e.Digest(ctx, "T1", "C1", now.Add(time.Hour))
	if err != nil || second.Skipped != 1 {
		t.Errorf("second run: %s, %v; want it skipped", second, err)
	}
	if posts := fake.Posts("C1"); len(posts) != 1 {
		t.Errorf("%d digest messages accepted, want the first one only, once", len(posts))
	}
}
