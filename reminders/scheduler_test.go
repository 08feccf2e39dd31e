package reminders

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smedhq/smed"
)

// sleepUntil moves the bubble's fake clock; it takes no wall time.
func sleepUntil(t time.Time) { time.Sleep(time.Until(t)) }

// weekCards: UA has two customers long overdue, UB one, UC none overdue. Nobody
// logs a note during the test, so they stay overdue all week.
func weekCards() []smed.Card {
	long := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := func(id, owner string, value int64, last time.Time) smed.Card {
		return smed.Card{Customer: smed.Customer{ID: id, Name: id, Owner: owner, Value: value, CadenceDays: 14, CreatedAt: long, LastContactAt: last}}
	}
	return []smed.Card{
		c("a1", "UA", 100, long), c("a2", "UA", 200, long),
		c("b1", "UB", 50, long),
		c("c1", "UC", 999, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)),
	}
}

type simulation struct {
	t     *testing.T
	store Store
	guard *memGuard
	note  *memNotifier
	loc   *time.Location
	spec  string
	dspec string
	chans string
}

// start is one process coming up: its own engine and scheduler, the shared
// Redis (guard) and Slack (notifier).
func (s *simulation) start() (*Scheduler, context.CancelFunc) {
	s.t.Helper()
	var opts []Option
	if s.dspec != "" {
		opts = append(opts, WithDigestSchedule(mustSpec(s.t, s.dspec, s.loc)))
	}
	e := NewEngine(s.store, s.guard, s.note, memDirectory{}, s.loc, nil, opts...)
	sch, err := NewScheduler(e, SchedulerConfig{Team: team, RemindSpec: s.spec, DigestChannel: s.chans}, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sch.Start(ctx)
	return sch, cancel
}

func stop(s *Scheduler, cancel context.CancelFunc) {
	s.Stop()
	cancel()
}

// dmDays lists "owner date local-time" per DM, in send order.
func (s *simulation) dmDays() []string {
	s.note.mu.Lock()
	defer s.note.mu.Unlock()
	var out []string
	for i, r := range s.note.reminders {
		out = append(out, r.Owner+" "+r.Date+" "+s.note.at[i].In(s.loc).Format("Mon 15:04"))
	}
	return out
}

func TestSchedulerWeek(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cph := mustLoc(t, "Europe/Copenhagen")
		sim := &simulation{t: t, store: &memStore{cards: weekCards()}, guard: newGuard(), note: &memNotifier{},
			loc: cph, spec: "0 9 * * 1-5", dspec: "0 9 * * 1", chans: "C1"}
		day := func(d, h int) time.Time { return time.Date(2026, 11, 23+d, h, 0, 0, 0, cph) } // d=0: Monday

		sleepUntil(day(0, 0))
		p1, c1 := sim.start()
		sleepUntil(day(2, 10)) // Wednesday 10:00: deploy, a new process
		stop(p1, c1)
		p2, c2 := sim.start() // catch-up finds Wednesday served: no resend
		sleepUntil(day(2, 20))
		stop(p2, c2) // down overnight and through Thursday 09:00
		sleepUntil(day(3, 11))
		p3, c3 := sim.start() // catches up Thursday at 11:00
		sleepUntil(day(7, 0)) // through the weekend
		synctest.Wait()
		stop(p3, c3)

		want := []string{
			"UA 2026-11-23 Mon 09:00", "UB 2026-11-23 Mon 09:00",
			"UA 2026-11-24 Tue 09:00", "UB 2026-11-24 Tue 09:00",
			"UA 2026-11-25 Wed 09:00", "UB 2026-11-25 Wed 09:00",
			"UA 2026-11-26 Thu 11:00", "UB 2026-11-26 Thu 11:00",
			"UA 2026-11-27 Fri 09:00", "UB 2026-11-27 Fri 09:00",
		}
		if diff := cmp.Diff(want, sim.dmDays()); diff != "" {
			t.Errorf("DMs (-want +got):\n%s", diff)
		}
		if len(sim.note.digests) != 1 || sim.note.digests[0].Period != "2026-11-23T09:00" {
			t.Errorf("digests: %+v, want one for 2026-11-23T09:00", sim.note.digests)
		}
		if r := sim.note.reminders[0]; r.Owner != "UA" || !slices.Equal(ids(r.Items), []string{"a2", "a1"}) {
			t.Errorf("first DM: %s %v, want UA a2 a1", r.Owner, ids(r.Items))
		}
	})
}

// Two replicas on one Redis, and the nights the clocks change in Copenhagen:
// every day gets its DM, once.
func TestSchedulerDSTAndReplicas(t *testing.T) {
	for _, tt := range []struct {
		name     string
		from, to time.Time
		want     []string
	}{
		{"spring forward: 02:30 does not exist", date(2026, 3, 28), date(2026, 3, 31), []string{
			"UB 2026-03-28 Sat 02:30", "UB 2026-03-29 Sun 03:00", "UB 2026-03-30 Mon 02:30",
		}},
		{"fall back: 02:30 happens twice", date(2026, 10, 24), date(2026, 10, 27), []string{
			"UB 2026-10-24 Sat 02:30", "UB 2026-10-25 Sun 02:30", "UB 2026-10-26 Mon 02:30",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cph := mustLoc(t, "Europe/Copenhagen")
				sim := &simulation{t: t, store: &memStore{cards: weekCards()[2:3]}, guard: newGuard(), note: &memNotifier{}, loc: cph, spec: "30 2 * * *"}
				sleepUntil(time.Date(tt.from.Year(), tt.from.Month(), tt.from.Day(), 0, 0, 0, 0, cph))
				a, ca := sim.start()
				b, cb := sim.start()
				sleepUntil(time.Date(tt.to.Year(), tt.to.Month(), tt.to.Day(), 0, 0, 0, 0, cph))
				synctest.Wait()
				stop(a, ca)
				stop(b, cb)
				if diff := cmp.Diff(tt.want, sim.dmDays()); diff != "" {
					t.Errorf("DMs (-want +got):\n%s", diff)
				}
			})
		})
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// "@every 10s" (a developer's setting): reminders still once a day, the digest
// once per 10-second period.
func TestSchedulerEvery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := &simulation{t: t, store: &memStore{cards: weekCards()}, guard: newGuard(), note: &memNotifier{},
			loc: time.UTC, spec: "@every 10s", dspec: "@every 10s", chans: "C1"}
		start := time.Date(2026, 11, 23, 12, 0, 5, 0, time.UTC)
		sleepUntil(start)
		s, cancel := sim.start()
		sleepUntil(start.Add(time.Minute))
		synctest.Wait()
		stop(s, cancel)
		if got := len(sim.note.reminders); got != 2 {
			t.Errorf("%d DMs in a minute, want 2 (UA and UB once)", got)
		}
		// Catch-up at 12:00:05 for period 12:00:00, then fires at :15, :25, … :05.
		if got := len(sim.note.digests); got != 7 {
			t.Errorf("%d digests in a minute, want 7", got)
		}
	})
}

// A job that panics is recovered and runs again at its next fire.
func TestSchedulerRecoversPanics(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		panicky := &panicStore{memStore: &memStore{cards: weekCards()}, left: 1}
		sim := &simulation{t: t, store: panicky, guard: newGuard(), note: &memNotifier{}, loc: time.UTC, spec: "0 9 * * *"}
		sleepUntil(time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
		s, cancel := sim.start()
		sleepUntil(time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC))
		synctest.Wait()
		stop(s, cancel)
		if got := sim.dmDays(); len(got) != 2 || !strings.Contains(got[0], "2026-11-24") {
			t.Errorf("DMs %v: want the 24th's after the 23rd's run panicked", got)
		}
	})
}

type panicStore struct {
	*memStore
	left int
}

func (p *panicStore) Overdue(ctx context.Context, team string, now time.Time, owner string) ([]smed.Card, error) {
	if p.left > 0 {
		p.left--
		panic("boom")
	}
	return p.memStore.Overdue(ctx, team, now, owner)
}

func TestNewSchedulerErrors(t *testing.T) {
	e := NewEngine(&memStore{}, newGuard(), &memNotifier{}, memDirectory{}, time.UTC, nil)
	if _, err := NewScheduler(e, SchedulerConfig{Team: team, RemindSpec: "0 9 * *"}, nil); err == nil || !strings.Contains(err.Error(), "reminders.schedule") {
		t.Errorf("bad spec: err = %v, want one naming reminders.schedule", err)
	}
	if _, err := NewScheduler(e, SchedulerConfig{Team: team, RemindSpec: "@daily", DigestChannel: "C1"}, nil); err == nil || !strings.Contains(err.Error(), "digest.schedule") {
		t.Errorf("digest without schedule: err = %v", err)
	}
}
