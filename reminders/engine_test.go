package reminders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smedhq/smed"
)

const team = "T1"

var engineNow = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // a Monday

// overdueCard is a customer of owner, days overdue on a 30-day cadence.
func overdueCard(id, owner string, value int64, days int) smed.Card {
	return smed.Card{
		Customer: smed.Customer{
			ID: id, Name: "Customer " + id, Owner: owner, Value: value, CadenceDays: 30,
			CreatedAt:     engineNow.AddDate(-1, 0, 0),
			LastContactAt: engineNow.Add(-time.Duration(30+days) * smed.Day),
		},
		Notes: []smed.Note{{Author: owner, At: engineNow.Add(-time.Duration(30+days) * smed.Day), Text: "called"}},
	}
}

type fixture struct {
	store *memStore
	guard *memGuard
	note  *memNotifier
	dir   memDirectory
	e     *Engine
}

func newFixture(t *testing.T, cards ...smed.Card) *fixture {
	t.Helper()
	f := &fixture{
		store: &memStore{cards: cards},
		guard: newGuard(),
		note:  &memNotifier{fail: map[string]bool{}},
		dir:   memDirectory{gone: map[string]bool{}},
	}
	f.build(t)
	return f
}

func (f *fixture) build(t *testing.T) {
	t.Helper()
	weekly := mustSpec(t, "0 9 * * 1", time.UTC)
	f.e = NewEngine(f.store, f.guard, f.note, f.dir, time.UTC, nil, WithDigestSchedule(weekly))
}

func ids(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Card.ID)
	}
	return out
}

func TestRemindOneDMPerOwnerRanked(t *testing.T) {
	f := newFixture(t,
		overdueCard("a1", "UA", 100, 3),
		overdueCard("a2", "UA", 900, 1),
		overdueCard("a3", "UA", 100, 9),
		overdueCard("b1", "UB", 50, 2),
		overdueCard("n1", "", 10_000, 2), // no owner: digest only
	)
	f.store.cards = append(f.store.cards, smed.Card{Customer: smed.Customer{ID: "ok", Owner: "UA", Value: 1e6, CadenceDays: 30, LastContactAt: engineNow}})
	got, sum, err := f.e.Remind(context.Background(), team, engineNow)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Summary{Sent: 2}, sum); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"UA", "UB"}, f.note.owners()); diff != "" {
		t.Errorf("DMs (-want +got):\n%s", diff)
	}
	ua := f.note.reminders[0]
	if diff := cmp.Diff([]string{"a2", "a3", "a1"}, ids(ua.Items)); diff != "" {
		t.Errorf("UA's items (-want +got):\n%s", diff)
	}
	if ua.ValueAtRisk != 1100 || ua.Date != "2026-11-23" || ua.More != 0 {
		t.Errorf("UA reminder = value %d date %s more %d", ua.ValueAtRisk, ua.Date, ua.More)
	}
	if it := ua.Items[1]; it.DaysSince != 39 || it.OverdueDays != 9 || it.Never || it.Card.Notes[0].Text != "called" {
		t.Errorf("item a3 = %+v", it)
	}
	if len(got) != 2 {
		t.Errorf("returned %d reminders, want the 2 sent", len(got))
	}
	if !f.guard.confirmed[team+"/remind:2026-11-23:UA"] {
		t.Errorf("guard keys %v: want remind:2026-11-23:UA confirmed", f.guard.until)
	}
}

func TestRemindListsTenAndMore(t *testing.T) {
	var cards []smed.Card
	var want int64
	for i := range 13 {
		v := int64(1000 - i)
		want += v
		cards = append(cards, overdueCard(fmt.Sprintf("c%02d", i), "UA", v, 1))
	}
	f := newFixture(t, cards...)
	if _, _, err := f.e.Remind(context.Background(), team, engineNow); err != nil {
		t.Fatal(err)
	}
	r := f.note.reminders[0]
	if len(r.Items) != 10 || r.More != 3 || r.ValueAtRisk != want {
		t.Errorf("items %d more %d value %d; want 10, 3, %d", len(r.Items), r.More, r.ValueAtRisk, want)
	}
	if r.Items[0].Card.ID != "c00" || r.Items[9].Card.ID != "c09" {
		t.Errorf("items %v, want c00..c09", ids(r.Items))
	}
}

func TestRemindOncePerDay(t *testing.T) {
	f := newFixture(t, overdueCard("a", "UA", 1, 1), overdueCard("b", "UB", 1, 1))
	ctx := context.Background()
	if _, _, err := f.e.Remind(ctx, team, engineNow); err != nil {
		t.Fatal(err)
	}
	// Later the same day, from "another replica" (a second engine, same guard).
	other := NewEngine(f.store, f.guard, f.note, f.dir, time.UTC, nil)
	got, sum, err := other.Remind(ctx, team, engineNow.Add(5*time.Hour))
	if err != nil || len(got) != 0 || sum != (Summary{Skipped: 2}) {
		t.Errorf("second run: %d sent, %v, %v; want nothing sent, 2 skipped", len(got), sum, err)
	}
	// The next day is a new period.
	_, sum, _ = f.e.Remind(ctx, team, engineNow.Add(24*time.Hour))
	if sum.Sent != 2 || len(f.note.reminders) != 4 {
		t.Errorf("next day: %v, %d DMs in all; want 2 more", sum, len(f.note.reminders))
	}
}

func TestRemindFailureReleasedAndRetried(t *testing.T) {
	f := newFixture(t, overdueCard("a", "UA", 1, 1), overdueCard("b", "UB", 1, 1), overdueCard("c", "UC", 1, 1))
	f.note.fail["UB"] = true
	ctx := context.Background()
	_, sum, err := f.e.Remind(ctx, team, engineNow)
	if err == nil || !strings.Contains(err.Error(), "UB") || !strings.Contains(err.Error(), "ratelimited") {
		t.Errorf("err = %v, want one naming UB and the cause", err)
	}
	if sum != (Summary{Sent: 2, Failed: 1}) {
		t.Errorf("summary = %v, want 2 sent, 1 failed", sum)
	}
	if diff := cmp.Diff([]string{"UA", "UC"}, f.note.owners()); diff != "" {
		t.Errorf("DMs (-want +got):\n%s", diff)
	}
	if f.guard.held(team, "remind:2026-11-23:UB") {
		t.Error("UB's claim still held after the failed send")
	}
	delete(f.note.fail, "UB")
	_, sum, err = f.e.Remind(ctx, team, engineNow.Add(time.Hour))
	if err != nil || sum != (Summary{Sent: 1, Skipped: 2}) {
		t.Errorf("rerun: %v, %v; want UB sent, the others skipped", sum, err)
	}
	if diff := cmp.Diff([]string{"UA", "UC", "UB"}, f.note.owners()); diff != "" {
		t.Errorf("DMs (-want +got):\n%s", diff)
	}
}

func TestRemindDryRun(t *testing.T) {
	f := newFixture(t, overdueCard("a", "UA", 1, 1), overdueCard("b", "UB", 1, 1))
	ctx := context.Background()
	for _, stage := range []string{"before the send", "after the send"} {
		claims := f.guard.claims
		got, sum, err := f.e.Reminders(ctx, team, engineNow)
		if err != nil || len(got) != 2 || sum != (Summary{}) {
			t.Errorf("%s: dry run gave %d reminders, %v, %v; want 2", stage, len(got), sum, err)
		}
		if f.guard.claims != claims {
			t.Errorf("%s: dry run touched the guard", stage)
		}
		if stage == "before the send" {
			if len(f.note.reminders) != 0 {
				t.Fatal("dry run sent")
			}
			if _, _, err := f.e.Remind(ctx, team, engineNow); err != nil {
				t.Fatal(err)
			}
		}
	}
	if len(f.note.reminders) != 2 {
		t.Errorf("%d DMs, want the 2 of the real run", len(f.note.reminders))
	}
}

func TestDeletedOwnerOrphaned(t *testing.T) {
	f := newFixture(t,
		overdueCard("a", "UA", 100, 1),
		overdueCard("gone1", "UGONE", 500, 1),
		overdueCard("nobody", "", 300, 5),
	)
	f.dir.gone["UGONE"] = true
	f.build(t)
	ctx := context.Background()
	_, sum, err := f.e.Remind(ctx, team, engineNow)
	if err != nil || sum != (Summary{Sent: 1, Departed: 1}) {
		t.Errorf("remind: %v, %v; want 1 sent, 1 departed", sum, err)
	}
	if diff := cmp.Diff([]string{"UA"}, f.note.owners()); diff != "" {
		t.Errorf("DMs (-want +got):\n%s", diff)
	}
	d, _, err := f.e.Digest(ctx, team, "C1", engineNow)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a"}, ids(d.Items)); diff != "" {
		t.Errorf("digest items (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"gone1", "nobody"}, ids(d.Orphaned)); diff != "" {
		t.Errorf("orphaned (-want +got):\n%s", diff)
	}
}

func TestDigestTotalsAndOnce(t *testing.T) {
	f := newFixture(t,
		overdueCard("a", "UA", 100, 1),
		overdueCard("b", "UB", 400, 10),
		overdueCard("c", "UA", 400, 20),
	)
	f.store.cards = append(f.store.cards, smed.Card{Customer: smed.Customer{ID: "fine", Owner: "UA", Value: 1100, CadenceDays: 30, LastContactAt: engineNow}})
	ctx := context.Background()
	now := engineNow.Add(26 * time.Hour) // Tuesday: period is Monday 09:00
	d, sum, err := f.e.Digest(ctx, team, "C1", now)
	if err != nil || sum != (Summary{Sent: 1}) {
		t.Fatalf("digest: %v, %v", sum, err)
	}
	want := Digest{Period: "2026-11-23T09:00", Overdue: 3, ValueAtRisk: 900, Customers: 4, TotalValue: 2000}
	got := d
	got.Items, got.Orphaned = nil, nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("digest (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"c", "b", "a"}, ids(d.Items)); diff != "" {
		t.Errorf("ranking (-want +got):\n%s", diff)
	}
	if c, v, ok := d.Coverage(); !ok || c != 0.25 || v != 0.55 {
		t.Errorf("coverage = %v %v %v, want 0.25 0.55", c, v, ok)
	}
	if !f.guard.confirmed[team+"/digest:C1:2026-11-23T09:00"] {
		t.Errorf("guard keys %v", f.guard.until)
	}
	// Same period again, a manual run: nothing. Dry run: still the digest.
	if _, sum, _ := f.e.Digest(ctx, team, "C1", now.Add(time.Hour)); sum != (Summary{Skipped: 1}) {
		t.Errorf("second run: %v, want skipped", sum)
	}
	if dd, err := f.e.BuildDigest(ctx, team, now.Add(time.Hour)); err != nil || dd.Overdue != 3 {
		t.Errorf("dry run: %d overdue, %v; want 3", dd.Overdue, err)
	}
	if len(f.note.digests) != 1 {
		t.Errorf("%d digests posted, want 1", len(f.note.digests))
	}
	// Next week's period posts again.
	if _, sum, _ := f.e.Digest(ctx, team, "C1", now.Add(7*24*time.Hour)); sum.Sent != 1 {
		t.Errorf("next week: %v", sum)
	}
}

func TestDigestFailureReleased(t *testing.T) {
	f := newFixture(t, overdueCard("a", "UA", 100, 1))
	f.note.fail["C1"] = true
	ctx := context.Background()
	_, sum, err := f.e.Digest(ctx, team, "C1", engineNow)
	if err == nil || sum != (Summary{Failed: 1}) {
		t.Fatalf("digest: %v, %v; want a failure", sum, err)
	}
	delete(f.note.fail, "C1")
	if _, sum, err := f.e.Digest(ctx, team, "C1", engineNow); err != nil || sum.Sent != 1 {
		t.Errorf("retry: %v, %v", sum, err)
	}
	if _, _, err := f.e.Digest(ctx, team, "", engineNow); err == nil {
		t.Error("no channel: want an error")
	}
}

func TestRemindErrors(t *testing.T) {
	t.Run("store down", func(t *testing.T) {
		f := newFixture(t)
		f.store.err = fmt.Errorf("storage: overdue: %w", smed.ErrUnavailable)
		if _, _, err := f.e.Remind(context.Background(), team, engineNow); !errors.Is(err, smed.ErrUnavailable) {
			t.Errorf("err = %v, want ErrUnavailable", err)
		}
	})
	t.Run("directory down", func(t *testing.T) {
		f := newFixture(t, overdueCard("a", "UA", 1, 1))
		f.dir.err = errors.New("users.info: timeout")
		f.build(t)
		_, sum, err := f.e.Remind(context.Background(), team, engineNow)
		if err == nil || sum != (Summary{Failed: 1}) || len(f.note.reminders) != 0 {
			t.Errorf("%v, %v, %d DMs; want 1 failed and no DM", sum, err, len(f.note.reminders))
		}
	})
	t.Run("owner ID unfit for a key", func(t *testing.T) {
		f := newFixture(t, overdueCard("a", "U 1", 1, 1), overdueCard("b", "UB", 1, 1))
		_, sum, err := f.e.Remind(context.Background(), team, engineNow)
		if err == nil || sum != (Summary{Sent: 1, Failed: 1}) {
			t.Errorf("%v, %v; want UB sent and the bad ID failed", sum, err)
		}
	})
}

func TestReminderForOneOwnerSendsNothing(t *testing.T) {
	f := newFixture(t,
		overdueCard("a1", "UA", 100, 3),
		overdueCard("a2", "UA", 900, 1),
		overdueCard("b1", "UB", 50, 2),
	)
	r, err := f.e.ReminderFor(context.Background(), team, "UA", engineNow)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"a2", "a1"}, ids(r.Items)); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if r.Owner != "UA" || r.ValueAtRisk != 1000 {
		t.Errorf("reminder = %+v", r)
	}
	if len(f.note.reminders) != 0 || f.guard.claims != 0 {
		t.Errorf("ReminderFor sent %d DMs and made %d claims; want none", len(f.note.reminders), f.guard.claims)
	}
}

// A departed owner's accounts are all listed for handover, not only the
// overdue ones; value at risk still counts only the overdue.
func TestDigestListsAllAccountsOfDepartedOwners(t *testing.T) {
	fresh := func(id string, value int64) smed.Card {
		return smed.Card{Customer: smed.Customer{ID: id, Name: id, Owner: "UGONE", Value: value, CadenceDays: 30, LastContactAt: engineNow.Add(-smed.Day)}}
	}
	cards := []smed.Card{overdueCard("late", "UGONE", 100, 1), fresh("small", 10), fresh("big", 900), overdueCard("a", "UA", 50, 1)}
	f := newFixture(t)
	f.dir.gone["UGONE"] = true
	f.e = NewEngine(&memStore{cards: cards}, f.guard, f.note, f.dir, time.UTC, nil)
	d, err := f.e.BuildDigest(context.Background(), team, engineNow)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"late", "big", "small"}, ids(d.Orphaned)); diff != "" {
		t.Errorf("orphaned (-want +got):\n%s", diff)
	}
	if d.ValueAtRisk != 150 || d.Overdue != 2 {
		t.Errorf("value at risk %d over %d accounts; want 150 over 2", d.ValueAtRisk, d.Overdue)
	}
}
