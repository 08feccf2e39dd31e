package reminders

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/robfig/cron/v3"
)

// localSim is a deployment with reminders.local_time: replicas with their own
// engine and scheduler over one store, one guard (Redis), one Slack (notifier
// and zones). The engine's zone is loc (reminders.timezone).
type localSim struct {
	t     *testing.T
	store *memStore
	guard *memGuard
	note  *memNotifier
	zones *memZones
	loc   *time.Location
	spec  string
	at    TimeOfDay
	days  Weekdays
}

func newLocalSim(t *testing.T, owners map[string]string, at TimeOfDay, days Weekdays) *localSim {
	s := &localSim{t: t, store: &memStore{}, guard: newGuard(), note: &memNotifier{}, zones: newZones(map[string]*time.Location{}),
		loc: time.UTC, spec: DefaultCheckSpec, at: at, days: days}
	for owner, zone := range owners {
		s.zones.zones[owner] = mustLoc(t, zone)
		s.store.cards = append(s.store.cards, longOverdue("cust-"+owner, owner))
	}
	return s
}

// start brings up one replica.
func (s *localSim) start() func() {
	s.t.Helper()
	e := NewEngine(s.store, s.guard, s.note, memDirectory{}, s.loc, nil, WithLocalTime(s.at, s.days), WithZones(s.zones))
	sch, err := NewScheduler(e, SchedulerConfig{Team: team, RemindSpec: s.spec}, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	sch.Start(ctx)
	return func() { sch.Stop(); cancel() }
}

// run keeps n replicas up from from to to.
func (s *localSim) run(n int, from, to time.Time) {
	sleepUntil(from)
	var stops []func()
	for range n {
		stops = append(stops, s.start())
	}
	sleepUntil(to)
	synctest.Wait()
	for _, stop := range stops {
		stop()
	}
}

// dms lists "owner date local-time" per DM, the time in the owner's zone,
// sorted (replicas race for the same instant).
func (s *localSim) dms(layout string) []string {
	s.note.mu.Lock()
	defer s.note.mu.Unlock()
	var out []string
	for i, r := range s.note.reminders {
		out = append(out, r.Owner+" "+r.Date+" "+s.note.at[i].In(s.zones.zones[r.Owner]).Format(layout))
	}
	slices.Sort(out)
	return out
}

// sentAt is when owner's DM for date went out.
func (s *localSim) sentAt(owner, date string) time.Time {
	s.note.mu.Lock()
	defer s.note.mu.Unlock()
	for i, r := range s.note.reminders {
		if r.Owner == owner && r.Date == date {
			return s.note.at[i]
		}
	}
	return time.Time{}
}

// workdays lists "owner date Mon 09:00" for each Monday to Friday in the
// owner's zone whose 09:00 is in [from, to).
func workdays(t *testing.T, owners map[string]string, from, to time.Time) []string {
	var out []string
	for owner, zone := range owners {
		loc := mustLoc(t, zone)
		for d := from.In(loc).AddDate(0, 0, -1); d.Before(to); d = d.AddDate(0, 0, 1) {
			nine := time.Date(d.Year(), d.Month(), d.Day(), 9, 0, 0, 0, loc)
			if wd := nine.Weekday(); wd == time.Saturday || wd == time.Sunday || nine.Before(from) || !nine.Before(to) {
				continue
			}
			out = append(out, owner+" "+nine.Format("2006-01-02 Mon 15:04"))
		}
	}
	slices.Sort(out)
	return out
}

var threeZones = map[string]string{"UCPH": "Europe/Copenhagen", "UNYC": "America/New_York", "USYD": "Australia/Sydney"}

// Six weeks in spring and six in autumn, each spanning the three zones' DST
// changes (US 8 Mar / 1 Nov, Europe 29 Mar / 25 Oct, Sydney 5 Apr / 4 Oct
// 2026), two replicas checking every 5 minutes: each owner gets one DM per
// local working day, at 09:00 on their own clock, none at weekends.
func TestLocalTimeMonths(t *testing.T) {
	for _, span := range []struct {
		name     string
		from, to time.Time // Saturdays 12:00 UTC: Saturday in all three zones
		// spot checks of the instants either side of each change, by hand
		want map[string]string // "owner date" → UTC
	}{
		{"spring", time.Date(2026, 2, 28, 12, 0, 0, 0, time.UTC), time.Date(2026, 4, 11, 12, 0, 0, 0, time.UTC), map[string]string{
			"UNYC 2026-03-06": "2026-03-06T14:00:00Z", // EST
			"UNYC 2026-03-09": "2026-03-09T13:00:00Z", // EDT
			"UCPH 2026-03-27": "2026-03-27T08:00:00Z", // CET
			"UCPH 2026-03-30": "2026-03-30T07:00:00Z", // CEST
			"USYD 2026-04-03": "2026-04-02T22:00:00Z", // AEDT
			"USYD 2026-04-06": "2026-04-05T23:00:00Z", // AEST
		}},
		{"autumn", time.Date(2026, 9, 26, 12, 0, 0, 0, time.UTC), time.Date(2026, 11, 7, 12, 0, 0, 0, time.UTC), map[string]string{
			"USYD 2026-10-02": "2026-10-01T23:00:00Z", // AEST
			"USYD 2026-10-05": "2026-10-04T22:00:00Z", // AEDT
			"UCPH 2026-10-23": "2026-10-23T07:00:00Z", // CEST
			"UCPH 2026-10-26": "2026-10-26T08:00:00Z", // CET
			"UNYC 2026-10-30": "2026-10-30T13:00:00Z", // EDT
			"UNYC 2026-11-02": "2026-11-02T14:00:00Z", // EST
		}},
	} {
		t.Run(span.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim := newLocalSim(t, threeZones, TimeOfDay{9, 0}, DefaultDays)
				sim.run(2, span.from, span.to)

				want := workdays(t, threeZones, span.from, span.to)
				if len(want) != 3*6*5 {
					t.Fatalf("the expectation has %d DMs, want 90", len(want))
				}
				if diff := cmp.Diff(want, sim.dms("Mon 15:04")); diff != "" {
					t.Errorf("DMs (-want +got):\n%s", diff)
				}
				for key, utc := range span.want {
					owner, date, _ := strings.Cut(key, " ")
					if got := sim.sentAt(owner, date).UTC().Format(time.RFC3339); got != utc {
						t.Errorf("%s sent at %s, want %s", key, got, utc)
					}
				}
				// Cached a day: each replica asks about once a day per owner.
				days := int(span.to.Sub(span.from)/(24*time.Hour)) + 1
				for owner := range threeZones {
					if n := sim.zones.lookups(owner); n > 2*days {
						t.Errorf("%s: %d zone lookups in %d days by 2 replicas", owner, n, days)
					}
				}
			})
		})
	}
}

// A check interval that is not on the minute grid: each DM comes within one
// interval after 09:00 local, still once a day.
func TestLocalTimeCoarseChecks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newLocalSim(t, threeZones, TimeOfDay{9, 0}, DefaultDays)
		sim.spec = "@every 7m"
		from := time.Date(2026, 11, 21, 12, 2, 30, 0, time.UTC) // a Saturday, off the grid
		to := from.AddDate(0, 0, 7)
		sim.run(2, from, to)

		got := sim.dms("Mon")
		want := workdays(t, threeZones, from, to)
		for i := range want {
			want[i] = want[i][:len(want[i])-len(" 09:00")]
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("DMs (-want +got):\n%s", diff)
		}
		for _, r := range sim.note.reminders {
			at := sim.sentAt(r.Owner, r.Date).In(sim.zones.zones[r.Owner])
			nine := time.Date(at.Year(), at.Month(), at.Day(), 9, 0, 0, 0, at.Location())
			if late := at.Sub(nine); late < 0 || late >= 7*time.Minute {
				t.Errorf("%s %s sent at %s, %v after 09:00", r.Owner, r.Date, at.Format("15:04:05"), late)
			}
		}
	})
}

// A local time in each zone's DST gap comes at the jump; one in a repeated
// hour comes once, at its first occurrence. Daily, two replicas.
func TestLocalTimeDSTNights(t *testing.T) {
	for _, tt := range []struct {
		name     string
		owner    string
		at       TimeOfDay
		from, to dayOf // midnight in the owner's zone: three local days
		want     []string
	}{
		{"Copenhagen spring: 02:30 does not exist", "Europe/Copenhagen", TimeOfDay{2, 30}, dayOf{3, 28}, dayOf{3, 31}, []string{
			"U 2026-03-28 02:30 +0100", "U 2026-03-29 03:00 +0200", "U 2026-03-30 02:30 +0200",
		}},
		{"Copenhagen autumn: 02:30 twice", "Europe/Copenhagen", TimeOfDay{2, 30}, dayOf{10, 24}, dayOf{10, 27}, []string{
			"U 2026-10-24 02:30 +0200", "U 2026-10-25 02:30 +0200", "U 2026-10-26 02:30 +0100",
		}},
		{"New York spring: 02:30 does not exist", "America/New_York", TimeOfDay{2, 30}, dayOf{3, 7}, dayOf{3, 10}, []string{
			"U 2026-03-07 02:30 -0500", "U 2026-03-08 03:00 -0400", "U 2026-03-09 02:30 -0400",
		}},
		{"New York autumn: 01:30 twice", "America/New_York", TimeOfDay{1, 30}, dayOf{10, 31}, dayOf{11, 3}, []string{
			"U 2026-10-31 01:30 -0400", "U 2026-11-01 01:30 -0400", "U 2026-11-02 01:30 -0500",
		}},
		{"Sydney spring (October): 02:30 does not exist", "Australia/Sydney", TimeOfDay{2, 30}, dayOf{10, 3}, dayOf{10, 6}, []string{
			"U 2026-10-03 02:30 +1000", "U 2026-10-04 03:00 +1100", "U 2026-10-05 02:30 +1100",
		}},
		{"Sydney autumn (April): 02:30 twice", "Australia/Sydney", TimeOfDay{2, 30}, dayOf{4, 4}, dayOf{4, 7}, []string{
			"U 2026-04-04 02:30 +1100", "U 2026-04-05 02:30 +1100", "U 2026-04-06 02:30 +1000",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				sim := newLocalSim(t, map[string]string{"U": tt.owner}, tt.at, allDays)
				loc := sim.zones.zones["U"]
				sim.run(2, tt.from.in(loc), tt.to.in(loc))
				if diff := cmp.Diff(tt.want, sim.dms("15:04 -0700")); diff != "" {
					t.Errorf("DMs (-want +got):\n%s", diff)
				}
			})
		})
	}
}

// dayOf is a 2026 date; in(loc) its midnight there.
type dayOf struct {
	m time.Month
	d int
}

func (d dayOf) in(loc *time.Location) time.Time { return time.Date(2026, d.m, d.d, 0, 0, 0, 0, loc) }

// The engine's own zone going back an hour must not leave that hour without
// checks: Singapore's 09:00 on 25 October 2026 is 01:00 UTC, inside the hour
// Copenhagen repeats.
func TestLocalTimeChecksThroughTheEnginesFallBack(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		sim := newLocalSim(t, map[string]string{"USGP": "Asia/Singapore"}, TimeOfDay{9, 0}, allDays)
		sim.loc = mustLoc(t, "Europe/Copenhagen")
		sim.run(1, time.Date(2026, 10, 24, 18, 0, 0, 0, time.UTC), time.Date(2026, 10, 25, 12, 0, 0, 0, time.UTC))
		if diff := cmp.Diff([]string{"USGP 2026-10-25 09:00"}, sim.dms("15:04")); diff != "" {
			t.Errorf("DMs (-want +got):\n%s", diff)
		}
	})
}

// Down all of an owner's working day: that day's DM is not sent late the next
// day. Back up after 09:00: the day's DM comes at once (the catch-up).
func TestLocalTimeDowntime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		owners := map[string]string{"UNYC": "America/New_York"}
		sim := newLocalSim(t, owners, TimeOfDay{9, 0}, DefaultDays)
		ny := sim.zones.zones["UNYC"]
		at := func(d, h, m int) time.Time { return time.Date(2026, 11, 23+d, h, m, 0, 0, ny) } // d=0: Monday

		sim.run(2, at(0, 0, 0), at(0, 20, 0))   // Monday: sent at 09:00
		sleepUntil(at(2, 8, 0))                 // down all Tuesday
		sim.run(1, at(2, 8, 0), at(2, 10, 0))   // Wednesday: 09:00, not Tuesday's
		sim.run(1, at(3, 11, 17), at(3, 12, 0)) // down at Thursday 09:00, back at 11:17
		want := []string{
			"UNYC 2026-11-23 Mon 09:00", "UNYC 2026-11-25 Wed 09:00", "UNYC 2026-11-26 Thu 11:17",
		}
		if diff := cmp.Diff(want, sim.dms("Mon 15:04")); diff != "" {
			t.Errorf("DMs (-want +got):\n%s", diff)
		}
	})
}

// A coarse check interval is worth a warning; the recommended one is not.
func TestMaxGap(t *testing.T) {
	cph := mustLoc(t, "Europe/Copenhagen")
	from := time.Date(2026, 10, 20, 12, 0, 0, 0, cph)
	for spec, want := range map[string]time.Duration{
		DefaultCheckSpec: 5 * time.Minute, // across the fall-back night too
		"@every 5m":      5 * time.Minute,
		"0 * * * *":      time.Hour,
		"0 9 * * 1-5":    73 * time.Hour, // Friday to Monday, over the night Copenhagen goes back
	} {
		if got := maxGap(mustRaw(t, spec), from); got != want {
			t.Errorf("maxGap(%q) = %v, want %v", spec, got, want)
		}
	}
}

// mustRaw is the check schedule a local-time Scheduler builds from spec.
func mustRaw(t *testing.T, spec string) cron.Schedule {
	t.Helper()
	e := NewEngine(&memStore{}, newGuard(), &memNotifier{}, memDirectory{}, time.UTC, nil, WithLocalTime(TimeOfDay{9, 0}, 0))
	s, err := NewScheduler(e, SchedulerConfig{Team: team, RemindSpec: spec}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s.jobs[0].sched
}
