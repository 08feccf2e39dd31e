package reminders

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/robfig/cron/v3"
)

func mustSpec(t *testing.T, spec string, loc *time.Location) cron.Schedule {
	t.Helper()
	s, err := ParseSpec(spec, loc)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fires(s cron.Schedule, from time.Time, n int) []time.Time {
	var out []time.Time
	for range n {
		from = s.Next(from)
		out = append(out, from)
	}
	return out
}

// TestRobfigDST pins down what robfig/cron v3.0.1 itself does on DST nights,
// the behaviour WallClock exists to correct.
func TestRobfigDST(t *testing.T) {
	cph := mustLoc(t, "Europe/Copenhagen")
	raw, err := cron.ParseStandard("30 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	raw.(*cron.SpecSchedule).Location = cph
	spring := fires(raw, time.Date(2026, 3, 28, 12, 0, 0, 0, cph), 2)
	if got := spring[0].Format(time.DateOnly); got != "2026-03-30" {
		t.Errorf("robfig after 03-28: fires %s; the test assumes it skips 2026-03-29", got)
	}
	fall := fires(raw, time.Date(2026, 10, 24, 12, 0, 0, 0, cph), 2)
	if !fall[1].Equal(fall[0].Add(time.Hour)) {
		t.Errorf("robfig on fall-back night: %v; the test assumes it fires twice", fall)
	}
}

func TestWallClockDST(t *testing.T) {
	cph := mustLoc(t, "Europe/Copenhagen")
	ny := mustLoc(t, "America/New_York")
	at := func(loc *time.Location, s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04 -0700", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name string
		spec string
		loc  *time.Location
		from time.Time
		want []string // RFC 3339 with the offset in force
	}{
		{"spring gap fires at the jump", "30 2 * * *", cph, at(cph, "2026-03-28 12:00 +0100"),
			[]string{"2026-03-29T03:00:00+02:00", "2026-03-30T02:30:00+02:00"}},
		{"fall-back fires once", "30 2 * * *", cph, at(cph, "2026-10-24 12:00 +0200"),
			[]string{"2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"}},
		{"from inside the repeated hour", "30 2 * * *", cph, at(cph, "2026-10-25 02:10 +0100"),
			[]string{"2026-10-26T02:30:00+01:00"}},
		{"west of UTC: gap", "30 2 * * *", ny, at(ny, "2026-03-07 12:00 -0500"),
			[]string{"2026-03-08T03:00:00-04:00", "2026-03-09T02:30:00-04:00"}},
		{"west of UTC: repeated 01:30 once", "30 1 * * *", ny, at(ny, "2026-10-31 12:00 -0400"),
			[]string{"2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}},
		{"hourly through the gap", "0 * * * *", cph, at(cph, "2026-03-29 00:30 +0100"),
			[]string{"2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"}},
		{"weekdays 09:00", "0 9 * * 1-5", cph, at(cph, "2026-11-20 10:00 +0100"),
			[]string{"2026-11-23T09:00:00+01:00", "2026-11-24T09:00:00+01:00"}},
		{"CRON_TZ wins over the scheduler zone", "CRON_TZ=America/New_York 0 9 * * *", cph, at(cph, "2026-11-20 10:00 +0100"),
			[]string{"2026-11-20T15:00:00+01:00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range fires(mustSpec(t, tt.spec, tt.loc), tt.from, len(tt.want)) {
				got = append(got, f.Format(time.RFC3339))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fires (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPrevFire(t *testing.T) {
	cph := mustLoc(t, "Europe/Copenhagen")
	now := time.Date(2026, 11, 25, 10, 17, 33, 500, cph) // a Wednesday
	tests := []struct {
		spec string
		now  time.Time
		want string // local, "" = zero
	}{
		{"@every 10s", now, "2026-11-25T10:17:30"},
		{"@every 1h", now, "2026-11-25T10:00:00"}, // an hour grid in UTC; CET is whole hours off
		{"*/5 * * * *", now, "2026-11-25T10:15:00"},
		{"0 9 * * 1-5", now, "2026-11-25T09:00:00"},
		{"0 9 * * 1-5", time.Date(2026, 11, 25, 9, 0, 0, 0, cph), "2026-11-25T09:00:00"}, // at the fire itself
		{"0 9 * * 1-5", time.Date(2026, 11, 25, 8, 59, 59, 0, cph), "2026-11-24T09:00:00"},
		{"0 9 * * 1", now, "2026-11-23T09:00:00"},
		{"0 9 * * 1-5", time.Date(2026, 11, 29, 12, 0, 0, 0, cph), "2026-11-27T09:00:00"}, // Sunday → Friday
		{"0 9 1 * *", now, "2026-11-01T09:00:00"},
		{"0 0 29 2 *", now, ""}, // last fire 2024-02-29, beyond a year: not found
		{"30 2 * * *", time.Date(2026, 3, 29, 12, 0, 0, 0, cph), "2026-03-29T03:00:00"},
		{"@yearly", now, "2026-01-01T00:00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.spec+" "+tt.now.Format(time.DateTime), func(t *testing.T) {
			got := prevFire(mustSpec(t, tt.spec, cph), tt.now)
			gotS := ""
			if !got.IsZero() {
				gotS = got.In(cph).Format("2006-01-02T15:04:05")
			}
			if gotS != tt.want {
				t.Errorf("prevFire = %q, want %q", gotS, tt.want)
			}
		})
	}
}

func TestFormatPeriod(t *testing.T) {
	cph := mustLoc(t, "Europe/Copenhagen")
	if got := formatPeriod(time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), cph); got != "2026-11-23T09:00" {
		t.Errorf("got %s", got)
	}
	if got := formatPeriod(time.Date(2026, 11, 23, 8, 0, 10, 0, time.UTC), cph); got != "2026-11-23T09:00:10" {
		t.Errorf("got %s", got)
	}
}

func TestValidateSpec(t *testing.T) {
	for _, ok := range []string{"0 9 * * 1-5", "@every 10s", "@daily", "CRON_TZ=Europe/Copenhagen 0 9 * * *"} {
		if err := ValidateSpec(ok); err != nil {
			t.Errorf("ValidateSpec(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "0 25 * * *", "every day", "0 9 * * 1-5 *", "@every x"} {
		if err := ValidateSpec(bad); err == nil {
			t.Errorf("ValidateSpec(%q) = nil, want error", bad)
		}
	}
}
