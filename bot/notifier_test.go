package bot

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/internal/slacktest"
	"github.com/smedhq/smed/reminders"
)

// apiFor is a Web API client as cmd/smed builds it: 429s waited out and retried.
func apiFor(fake *slacktest.Server) *slack.Client {
	return slack.New("xoxb-test", slack.OptionAPIURL(fake.APIURL()),
		slack.OptionHTTPClient(&http.Client{Timeout: 10 * time.Second}), slack.OptionRetry(5))
}

func reminderFor(owner string, n int) reminders.Reminder {
	r := reminders.Reminder{Owner: owner, Date: "2026-11-23", ValueAtRisk: int64(n) * 1000}
	for i := range n {
		r.Items = append(r.Items, reminders.Item{DaysSince: 40, Card: smed.Card{
			Customer: smed.Customer{Name: fmt.Sprintf("Customer %d <!channel>", i), Owner: owner, Value: 1000, CadenceDays: 30},
			Facts:    []smed.Fact{{Text: "prefers calls before 10"}},
			Notes:    []smed.Note{{Author: owner, Text: "talked about the renewal"}},
		}})
	}
	return r
}

// A thousand DMs go out, each exactly once, even when Slack rate-limits the
// run at the start and half way through.
func TestThousandRemindersNoneLost(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 1,000 DMs with real 429 waits")
	}
	fake := slacktest.New(t)
	n := NewNotifier(apiFor(fake), time.Millisecond, nil, nil)
	fake.RateLimit("conversations.open", 1)
	fake.RateLimit("chat.postMessage", 1)
	ctx := context.Background()
	const owners = 1000
	for i := range owners {
		if i == owners/2 {
			fake.RateLimit("chat.postMessage", 2)
		}
		if err := n.SendReminder(ctx, "T1", reminderFor(fmt.Sprintf("U%04d", i), 1)); err != nil {
			t.Fatalf("DM %d: %v", i, err)
		}
	}
	dms := fake.DMs()
	if len(dms) != owners {
		t.Fatalf("%d owners got DMs, want %d", len(dms), owners)
	}
	for u, msgs := range dms {
		if len(msgs) != 1 {
			t.Errorf("%s got %d DMs, want 1", u, len(msgs))
		}
	}
}

func TestReminderDMContent(t *testing.T) {
	fake := slacktest.New(t)
	n := NewNotifier(apiFor(fake), 0, nil, nil)
	if err := n.SendReminder(context.Background(), "T1", reminderFor("U1", 12)); err != nil {
		t.Fatal(err)
	}
	calls := fake.DMCalls("U1")
	if len(calls) != 1 {
		t.Fatalf("%d DMs", len(calls))
	}
	text := calls[0].Text()
	for _, want := range []string{"12 of your customers", "Customer 0", "prefers calls before 10", "talked about the renewal", "40 days ago", "every 30 days"} {
		if !strings.Contains(text, want) {
			t.Errorf("DM lacks %q", want)
		}
	}
	if strings.Contains(calls[0].Params.Get("blocks"), "<!channel>") {
		t.Error("a customer name reached Slack unescaped")
	}
	if got := strings.Count(calls[0].Params.Get("blocks"), `"action_id":"snooze_7d"`); got != 12 {
		t.Errorf("%d snooze buttons, want one per listed customer", got)
	}
}

// A digest larger than one message's 50 blocks is split, every account in it.
func TestDigestSplitsOverFiftyBlocks(t *testing.T) {
	fake := slacktest.New(t)
	n := NewNotifier(apiFor(fake), 0, nil, nil)
	var d reminders.Digest
	for i := range 700 {
		d.Items = append(d.Items, reminders.Item{DaysSince: 90, Card: smed.Card{Customer: smed.Customer{
			Name: fmt.Sprintf("Account %03d", i), Owner: "U1", Value: int64(1000 - i), CadenceDays: 30}}})
	}
	d.Overdue, d.ValueAtRisk = len(d.Items), 1
	if err := n.PostDigest(context.Background(), "T1", "C1", d); err != nil {
		t.Fatal(err)
	}
	posts := fake.Posts("C1")
	if len(posts) < 2 {
		t.Fatalf("%d messages; want the digest split", len(posts))
	}
	var all strings.Builder
	for _, p := range posts {
		if !p.OK() {
			t.Errorf("Slack refused a digest message: %s", p.Error)
		}
		if b := len(p.Blocks()); b > 50 {
			t.Errorf("a message with %d blocks", b)
		}
		all.WriteString(p.Text())
	}
	for i := range 700 {
		if !strings.Contains(all.String(), fmt.Sprintf("Account %03d", i)) {
			t.Fatalf("Account %03d is missing from the digest", i)
		}
	}
}
