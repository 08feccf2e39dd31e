package reminders

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smedhq/smed"
)

// memZones is Zones over a fixed map; users not in it have no zone (ErrNotFound),
// users in fail get that error. It counts lookups.
type memZones struct {
	mu    sync.Mutex
	zones map[string]*time.Location
	fail  map[string]error
	calls map[string]int
}

func newZones(zones map[string]*time.Location) *memZones {
	return &memZones{zones: zones, fail: map[string]error{}, calls: map[string]int{}}
}

func (z *memZones) Zone(ctx context.Context, userID string) (*time.Location, error) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.calls[userID]++
	if err := z.fail[userID]; err != nil {
		return nil, err
	}
	loc, ok := z.zones[userID]
	if !ok {
		return nil, fmt.Errorf("users.info %s: no tz: %w", userID, smed.ErrNotFound)
	}
	return loc, nil
}

func (z *memZones) lookups(user string) int {
	z.mu.Lock()
	defer z.mu.Unlock()
	return z.calls[user]
}

// longOverdue is a customer of owner that stays overdue for years.
func longOverdue(id, owner string) smed.Card {
	long := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return smed.Card{Customer: smed.Customer{ID: id, Name: id, Owner: owner, Value: 100, CadenceDays: 14, CreatedAt: long, LastContactAt: long}}
}

type localFixture struct {
	store *memStore
	guard *memGuard
	note  *memNotifier
	zones *memZones
	e     *Engine
}

// newLocalFixture: UCPH in Copenhagen, UNYC in New York, USYD in Sydney, each
// with one long-overdue customer; the engine's own zone is UTC; 09:00 mon-fri.
func newLocalFixture(t *testing.T) *localFixture {
	t.Helper()
	f := &localFixture{
		store: &memStore{cards: []smed.Card{longOverdue("c", "UCPH"), longOverdue("n", "UNYC"), longOverdue("s", "USYD")}},
		guard: newGuard(),
		note:  &memNotifier{fail: map[string]bool{}},
		zones: newZones(map[string]*time.Location{
			"UCPH": mustLoc(t, "Europe/Copenhagen"), "UNYC": mustLoc(t, "America/New_York"), "USYD": mustLoc(t, "Australia/Sydney"),
		}),
	}
	f.e = f.engine()
	return f
}

func (f *localFixture) engine() *Engine {
	return NewEngine(f.store, f.guard, f.note, memDirectory{}, time.UTC, nil, WithLocalTime(TimeOfDay{9, 0}, DefaultDays), WithZones(f.zones))
}

// sent lists "owner date" per DM.
func (f *localFixture) sent() []string {
	f.note.mu.Lock()
	defer f.note.mu.Unlock()
	var out []string
	for _, r := range f.note.reminders {
		out = append(out, r.Owner+" "+r.Date)
	}
	return out
}

func TestRemindLocalTime(t *testing.T) {
	f := newLocalFixture(t)
	ctx := context.Background()
	// Monday 14:00 UTC: 15:00 in Copenhagen, 09:00 in New York, Tuesday 01:00 in Sydney.
	now := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	got, sum, err := f.e.Remind(ctx, team, now)
	if err != nil || sum != (Summary{Sent: 2, NotDue: 1}) {
		t.Fatalf("Remind = %v, %v; want 2 sent, Sydney not due", sum, err)
	}
	if diff := cmp.Diff([]string{"UCPH 2026-11-23", "UNYC 2026-11-23"}, f.sent()); diff != "" {
		t.Errorf("DMs (-want +got):\n%s", diff)
	}
	if got[1].Zone.String() != "America/New_York" {
		t.Errorf("Zone = %v, want the owner's", got[1].Zone)
	}
	if !f.guard.confirmed[team+"/remind:2026-11-23:UNYC"] {
		t.Errorf("guard keys %v", f.guard.until)
	}
	if !strings.Contains(sum.String(), "not due yet 1") {
		t.Errorf("summary %q does not say who is not due", sum)
	}

	// Five minutes later, a replica: nothing again.
	_, sum, err = f.engine().Remind(ctx, team, now.Add(5*time.Minute))
	if err != nil || sum != (Summary{Skipped: 2, NotDue: 1}) {
		t.Errorf("replica: %v, %v; want 2 skipped, 1 not due", sum, err)
	}
	// 22:00 UTC is Tuesday 09:00 in Sydney: its DM, dated in Sydney.
	_, sum, _ = f.e.Remind(ctx, team, time.Date(2026, 11, 23, 22, 0, 0, 0, time.UTC))
	if sum.Sent != 1 || f.sent()[2] != "USYD 2026-11-24" {
		t.Errorf("Sydney's morning: %v, DMs %v", sum, f.sent())
	}
}

// The DM lists what was overdue at the owner's local time: a customer that
// falls due in the afternoon brings no DM at the next check, but is in the
// next day's.
func TestRemindLocalTimeCutoff(t *testing.T) {
	cph := mustLoc(t, "Europe/Copenhagen")
	f := newLocalFixture(t)
	dueAt := time.Date(2026, 11, 23, 14, 0, 0, 0, cph) // Monday 14:00
	late := smed.Card{Customer: smed.Customer{ID: "late", Name: "late", Owner: "UCPH", Value: 5, CadenceDays: 14, LastContactAt: dueAt.Add(-14 * smed.Day)}}
	f.store.cards = []smed.Card{late}
	ctx := context.Background()
	_, sum, err := f.e.Remind(ctx, team, dueAt.Add(5*time.Minute))
	if err != nil || sum != (Summary{NotDue: 1}) || len(f.note.reminders) != 0 {
		t.Errorf("afternoon: %v, %v, %d DMs; want none, 1 not due", sum, err, len(f.note.reminders))
	}
	// The owner had an older overdue customer too: the DM at a later check
	// lists only that one. (Monday's is sent now, as a restart would.)
	f.store.cards = append(f.store.cards, longOverdue("old", "UCPH"))
	_, sum, _ = f.e.Remind(ctx, team, dueAt.Add(10*time.Minute))
	if sum.Sent != 1 || !cmp.Equal(ids(f.note.reminders[0].Items), []string{"old"}) {
		t.Errorf("with an older one: %v, items %v; want [old]", sum, ids(f.note.reminders[0].Items))
	}
	_, sum, _ = f.e.Remind(ctx, team, time.Date(2026, 11, 24, 9, 0, 0, 0, cph))
	if sum.Sent != 1 || !cmp.Equal(ids(f.note.reminders[1].Items), []string{"old", "late"}) {
		t.Errorf("Tuesday: %v, items %v; want [old late]", sum, ids(f.note.reminders[1].Items))
	}
}

func TestRemindersLocalDryRun(t *testing.T) {
	f := newLocalFixture(t)
	now := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)
	if _, _, err := f.e.Remind(context.Background(), team, now); err != nil {
		t.Fatal(err)
	}
	claims := f.guard.claims
	rs, sum, err := f.e.Reminders(context.Background(), team, now)
	if err != nil || sum != (Summary{NotDue: 1}) || len(rs) != 2 {
		t.Fatalf("dry run: %d reminders, %v, %v; want Copenhagen's and New York's, sent or not", len(rs), sum, err)
	}
	if f.guard.claims != claims || len(f.note.reminders) != 2 {
		t.Errorf("dry run touched the guard or sent")
	}
}

func TestReminderForLocalDate(t *testing.T) {
	f := newLocalFixture(t)
	now := time.Date(2026, 11, 23, 20, 0, 0, 0, time.UTC) // Tuesday 07:00 in Sydney
	r, err := f.e.ReminderFor(context.Background(), team, "USYD", now)
	if err != nil || r.Date != "2026-11-24" || r.Zone.String() != "Australia/Sydney" || len(r.Items) != 1 {
		t.Errorf("ReminderFor = %s %v %v, %v; want Sydney's 2026-11-24 with one item", r.Date, r.Zone, ids(r.Items), err)
	}
}

func TestZoneCache(t *testing.T) {
	ctx := context.Background()
	cph := mustLoc(t, "Europe/Copenhagen")
	now := time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC)

	t.Run("cached a day, then refreshed", func(t *testing.T) {
		f := newLocalFixture(t)
		for _, d := range []time.Duration{0, time.Hour, 23*time.Hour + 59*time.Minute} {
			if loc := f.e.zoneOf(ctx, team, "UCPH", now.Add(d)); loc != f.zones.zones["UCPH"] {
				t.Fatalf("zone %v", loc)
			}
		}
		if n := f.zones.lookups("UCPH"); n != 1 {
			t.Errorf("%d lookups within a day, want 1", n)
		}
		// The user moved to New York; the next day's refresh sees it.
		f.zones.zones["UCPH"] = f.zones.zones["UNYC"]
		if loc := f.e.zoneOf(ctx, team, "UCPH", now.Add(24*time.Hour)); loc.String() != "America/New_York" || f.zones.lookups("UCPH") != 2 {
			t.Errorf("after a day: %v after %d lookups", loc, f.zones.lookups("UCPH"))
		}
	})
	t.Run("no zone: the engine's, for a day", func(t *testing.T) {
		f := newLocalFixture(t)
		f.e.loc = cph
		for _, d := range []time.Duration{0, 12 * time.Hour} {
			if loc := f.e.zoneOf(ctx, team, "UNOBODY", now.Add(d)); loc != cph {
				t.Errorf("zone %v, want the engine's", loc)
			}
		}
		if n := f.zones.lookups("UNOBODY"); n != 1 {
			t.Errorf("%d lookups, want 1", n)
		}
	})
	t.Run("failed: the last known zone, asked again later", func(t *testing.T) {
		f := newLocalFixture(t)
		f.e.zoneOf(ctx, team, "USYD", now)
		f.zones.fail["USYD"] = errors.New("users.info: timeout")
		later := now.Add(25 * time.Hour)
		if loc := f.e.zoneOf(ctx, team, "USYD", later); loc.String() != "Australia/Sydney" {
			t.Errorf("zone %v, want the last known", loc)
		}
		f.e.zoneOf(ctx, team, "USYD", later.Add(time.Minute))
		if n := f.zones.lookups("USYD"); n != 2 {
			t.Errorf("%d lookups, want 2 (no retry within %v)", n, zoneRetry)
		}
		f.e.zoneOf(ctx, team, "USYD", later.Add(zoneRetry))
		if n := f.zones.lookups("USYD"); n != 3 {
			t.Errorf("%d lookups, want a retry after %v", n, zoneRetry)
		}
	})
	t.Run("failed, never known: the engine's", func(t *testing.T) {
		f := newLocalFixture(t)
		f.zones.fail["UNYC"] = errors.New("users.info: timeout")
		if loc := f.e.zoneOf(ctx, team, "UNYC", now); loc != time.UTC {
			t.Errorf("zone %v, want the engine's UTC", loc)
		}
		delete(f.zones.fail, "UNYC")
		if loc := f.e.zoneOf(ctx, team, "UNYC", now.Add(zoneRetry)); loc.String() != "America/New_York" {
			t.Errorf("after the retry: %v", loc)
		}
	})
	t.Run("bounded", func(t *testing.T) {
		f := newLocalFixture(t)
		for i := range maxZones {
			f.e.zcache[fmt.Sprintf("U%d", i)] = zoneEntry{loc: cph, known: true, next: now.Add(time.Duration(i%2) * time.Hour)}
		}
		f.e.zoneOf(ctx, team, "UCPH", now)
		if n := len(f.e.zcache); n != maxZones/2+1 {
			t.Errorf("%d cached, want the %d fresh ones and the new one", n, maxZones/2)
		}
	})
}

// A failing zone lookup costs that owner the right zone, not the others their DM.
func TestRemindLocalZoneLookupFails(t *testing.T) {
	f := newLocalFixture(t)
	f.zones.fail["USYD"] = errors.New("users.info: ratelimited")
	// 14:00 UTC: USYD falls back to UTC, where it is Monday 14:00: due.
	_, sum, err := f.e.Remind(context.Background(), team, time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC))
	if err != nil || sum.Sent != 3 {
		t.Errorf("%v, %v; want all three sent", sum, err)
	}
	if diff := cmp.Diff([]string{"UCPH 2026-11-23", "UNYC 2026-11-23", "USYD 2026-11-23"}, f.sent()); diff != "" {
		t.Errorf("DMs (-want +got):\n%s", diff)
	}
}

// Without local time, zones are not asked and the one zone rules, as before.
func TestRemindWithoutLocalTimeIgnoresZones(t *testing.T) {
	f := newLocalFixture(t)
	f.e = NewEngine(f.store, f.guard, f.note, memDirectory{}, time.UTC, nil, WithZones(f.zones))
	_, sum, err := f.e.Remind(context.Background(), team, time.Date(2026, 11, 23, 23, 0, 0, 0, time.UTC))
	if err != nil || sum != (Summary{Sent: 3}) || f.zones.lookups("USYD") != 0 {
		t.Errorf("%v, %v, %d lookups; want 3 sent at once, no lookups", sum, err, f.zones.lookups("USYD"))
	}
	for _, r := range f.note.reminders {
		if r.Date != "2026-11-23" || r.Zone != time.UTC {
			t.Errorf("%s: date %s zone %v; want the engine's", r.Owner, r.Date, r.Zone)
		}
	}
}

func TestRemindLocalDepartedOwnerReleased(t *testing.T) {
	f := newLocalFixture(t)
	f.e = NewEngine(f.store, f.guard, f.note, memDirectory{gone: map[string]bool{"UNYC": true}}, time.UTC, nil,
		WithLocalTime(TimeOfDay{9, 0}, DefaultDays), WithZones(f.zones))
	_, sum, err := f.e.Remind(context.Background(), team, time.Date(2026, 11, 23, 14, 0, 0, 0, time.UTC))
	if err != nil || sum != (Summary{Sent: 1, Departed: 1, NotDue: 1}) {
		t.Errorf("%v, %v; want Copenhagen sent, New York departed", sum, err)
	}
	if f.guard.held(team, "remind:2026-11-23:UNYC") {
		t.Error("the departed owner's claim is still held")
	}
}
