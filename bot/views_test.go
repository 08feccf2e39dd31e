package bot

import (
	"testing"
	"time"

	"github.com/smedhq/smed"
)

func TestRelDayCountsWholeDaysLikeReminders(t *testing.T) {
	now := time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		t    time.Time
		want string
	}{
		{now, "today"},
		{now.Add(-23 * time.Hour), "today"},
		{now.Add(-25 * time.Hour), "yesterday"},
		{now.Add(-(82*smed.Day + 20*time.Hour)), "82 days ago"}, // reminders say 82 too
		{now.Add(30 * smed.Day), "in 30 days"},
		{now.Add(30*smed.Day - time.Second), "in 30 days"},
		{now.Add(2 * time.Hour), "today"},
		{now.Add(30 * time.Hour), "tomorrow"},
	}
	for _, tt := range tests {
		if got := relDay(tt.t, now); got != tt.want {
			t.Errorf("relDay(now%+v) = %q, want %q", tt.t.Sub(now), got, tt.want)
		}
	}
	c := smed.Customer{CadenceDays: 30, LastContactAt: now.Add(-(82*smed.Day + 20*time.Hour))}
	if got := dueLine(c, now); got != ":red_circle: overdue for 52 days" {
		t.Errorf("dueLine = %q", got)
	}
}
