package smed

import "testing"

func TestParseDays(t *testing.T) {
	good := map[string]int{"14d": 14, "2w": 14, "14": 14, "1d": 1, "3 days": 3, "1week": 7, "3650d": 3650}
	for in, want := range good {
		got, err := ParseDays(in)
		if err != nil || got != want {
			t.Errorf("ParseDays(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0d", "-3d", "x", "2y", "3651d", "999w", "+3d", "1.5d"} {
		if got, err := ParseDays(in); err == nil {
			t.Errorf("ParseDays(%q) = %d, want an error", in, got)
		}
	}
}
