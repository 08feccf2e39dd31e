package reminders

import (
	"fmt"
	"time"

	"github.com/robfig/cron/v3"
)

// ParseSpec parses a robfig/cron spec ("0 9 * * 1-5", "@daily", "@every 10s",
// optionally prefixed "CRON_TZ=Area/City ") for a scheduler running in loc.
//
// Fixed-time specs are returned as a schedule that follows the wall clock across
// DST changes, unlike cron.SpecSchedule (see WallClock); "@every" specs are
// returned as they are.
func ParseSpec(spec string, loc *time.Location) (cron.Schedule, error) {
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid cron spec %q: %w", spec, err)
	}
	if ss, ok := s.(*cron.SpecSchedule); ok {
		return WallClock(ss, loc), nil
	}
	return s, nil
}

// ValidateSpec reports whether spec is a cron spec ParseSpec accepts.
func ValidateSpec(spec string) error {
	_, err := ParseSpec(spec, time.UTC)
	return err
}

// WallClock returns a schedule that fires when the wall clock in loc (or in the
// spec's own CRON_TZ) shows a time the spec names, once per such wall time:
//
//   - cron.SpecSchedule (robfig/cron v3.0.1) skips a fire whose wall time falls
//     in a spring-forward gap for the whole day (02:30 on the night Europe/
//     Copenhagen goes from 02:00 to 03:00 never fires). WallClock fires at the
//     jump instead (03:00 CEST), as cron(8) does, so the day keeps its run.
//   - cron.SpecSchedule fires twice for a wall time that happens twice when the
//     clocks go back. WallClock fires at the first occurrence only.
//
// The per-period guard keys make doubles harmless anyway; WallClock is what
// keeps a day from being skipped.
func WallClock(s *cron.SpecSchedule, loc *time.Location) cron.Schedule {
	if s.Location != nil && s.Location != time.Local {
		loc = s.Location // CRON_TZ= wins, as in robfig/cron
	}
	w := *s
	w.Location = time.UTC // UTC has no DST: Next walks the wall clock
	return wallClock{wall: &w, loc: loc}
}

type wallClock struct {
	wall *cron.SpecSchedule // the spec, evaluated on wall-clock fields read as UTC
	loc  *time.Location
}

// Next returns the earliest instant after t at which a wall time of the spec
// happens (by instant(), which is monotonic in the wall time), so Next is the
// successor of t in one fixed, ordered set of fires; prevFire relies on that.
func (s wallClock) Next(t time.Time) time.Time {
	lt := t.In(s.loc)
	w := wallOf(lt)
	// Wall times before wall(t) map to instants ≤ t; in a repeated hour some after
	// it do too (at most one hour's worth of fires), hence the loop.
	for range 10_000 {
		w = s.wall.Next(w)
		if w.IsZero() {
			return time.Time{}
		}
		if at := instant(w, s.loc); at.After(t) {
			return at.In(t.Location())
		}
	}
	// Unreachable for 5-field specs (at most 60 fires per repeated hour); fall
	// back to robfig's own rule rather than never firing again.
	local := *s.wall
	local.Location = s.loc
	return local.Next(t)
}

// wallOf reads t's wall-clock fields in its location as a UTC time.
func wallOf(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// instant returns the first instant at which the clocks in loc show wall (whose
// fields are read as wall time); for a wall time that a DST jump skips, the
// instant of the jump. time.Date alone does neither consistently: for a
// skipped or repeated time it picks differently east and west of UTC.
func instant(wall time.Time, loc *time.Location) time.Time {
	t := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, loc)
	if !wallOf(t).Equal(wall) {
		// In a gap: the zone in effect a few hours before ends at the jump.
		if _, end := t.Add(-3 * time.Hour).ZoneBounds(); !end.IsZero() && wallOf(end).After(wall) {
			return end
		}
		return t
	}
	// Repeated after the clocks went back? Then an earlier instant, with the
	// previous (larger) offset, shows the same wall time.
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	_, off := t.Zone()
	_, prevOff := start.Add(-time.Second).Zone()
	if prevOff > off {
		if e := t.Add(-time.Duration(prevOff-off) * time.Second); e.Before(start) && wallOf(e).Equal(wall) {
			return e
		}
	}
	return t
}

// searchWindows are how far back prevFire looks for the latest fire, growing,
// so that frequent specs cost little and yearly ones are still found.
var searchWindows = []time.Duration{time.Hour, 24 * time.Hour, 8 * 24 * time.Hour, 32 * 24 * time.Hour, 367 * 24 * time.Hour}

// prevFire returns the latest fire of s at or before now, or the zero time when
// s has not fired within a year. For "@every d" it is now truncated to d (cron
// counts those from the start of the process, so any fixed grid will do as a
// period). Otherwise it finds the smallest window back from now that holds a
// fire and bisects it; this needs Next to be monotonic, which SpecSchedule and
// WallClock are. The cost is bounded: about 30 calls of Next per window.
func prevFire(s cron.Schedule, now time.Time) time.Time {
	if cd, ok := s.(cron.ConstantDelaySchedule); ok {
		return now.Truncate(cd.Delay)
	}
	for _, w := range searchWindows {
		lo := now.Add(-w)
		first := s.Next(lo)
		if first.IsZero() || first.After(now) {
			continue
		}
		// Invariant: Next(lo) ≤ now < Next(hi). Fires fall on whole seconds,
		// so once hi-lo ≤ 1s, Next(lo) is the last fire ≤ now.
		hi := now
		for hi.Sub(lo) > time.Second {
			mid := lo.Add(hi.Sub(lo) / 2)
			if n := s.Next(mid); !n.IsZero() && !n.After(now) {
				lo = mid
			} else {
				hi = mid
			}
		}
		return s.Next(lo)
	}
	return time.Time{}
}

// formatPeriod names a fire for keys and people: local wall time to the minute,
// with seconds when the fire is not on a whole minute ("@every 10s").
func formatPeriod(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	if t.Second() != 0 {
		return t.Format("2006-01-02T15:04:05")
	}
	return t.Format("2006-01-02T15:04")
}
