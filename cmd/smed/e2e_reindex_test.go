package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// smed run moves a team whose names an older Smed indexed (no edits mark)
// to the new typo index in the background, says so in its log, and the
// team's typos are caught after as before.
func TestE2ERunReindexesATeamOfAnOlderSmed(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	if r := h.importCSV("Nordlys Møbler,U0ALICE,1000,30,"+daysAgo(3)+",", "Bakuvo Tilasa,U0BOB,500,30,"+daysAgo(3)+","); r.code != 0 {
		t.Fatalf("import: %v", r)
	}
	st := h.store()
	ctx := context.Background()
	if need, err := st.NeedsReindex(ctx, h.team); err != nil || need {
		t.Fatalf("a team made by this Smed needs a reindex: %v, %v", need, err)
	}
	// What an older Smed leaves: no edits mark.
	opt, err := redis.ParseURL(h.env["SMED_REDIS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opt)
	defer rdb.Close()
	if err := rdb.HDel(ctx, "smed:{"+h.team+"}:totals", "edits").Err(); err != nil {
		t.Fatal(err)
	}
	if need, err := st.NeedsReindex(ctx, h.team); err != nil || !need {
		t.Fatalf("an unmarked team needs no reindex: %v, %v", need, err)
	}
	h.start()
	deadline := time.Now().Add(10 * time.Second)
	for {
		need, err := st.NeedsReindex(ctx, h.team)
		if err == nil && !need {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("smed run did not reindex within 10s (%v, %v)\n%s", need, err, tail(h.log(), 20))
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !h.slack.WaitFor(5*time.Second, func() bool { return strings.Contains(h.log(), "customer names moved to the new typo index") }) {
		t.Fatalf("no log line for the reindex:\n%s", tail(h.log(), 20))
	}
	contains(t, "the log says how many names", h.log(), "names=2")
	contains(t, "a typo after the reindex", h.say(alice, "note Nordlys Mobelr called"), "Nordlys Møbler")
}
