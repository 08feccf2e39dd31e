package smed

import "testing"

func TestParseAmount(t *testing.T) {
	good := map[string]int64{
		"120000": 120000, "120,000": 120000, "120k": 120000, "120K": 120000,
		"1.2m": 1200000, "2.5M": 2500000, "1bn": 1e9, "$5k": 5000, "0": 0, "0.5k": 500,
		"9000000": 9000000, "1,5m": 1500000, "2,5k": 2500, "12,34": 12, "1,234.5k": 1234500, "1,200,000": 1200000,
	}
	for in, want := range good {
		got, err := ParseAmount(in)
		if err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "-5", "1e9", "k", "1.2.3", "NaN", "Inf", "99999999999999999999", "0x10", "12kk", "1,2345", "1,23,456", ",5", "1,,000"} {
		if got, err := ParseAmount(in); err == nil {
			t.Errorf("ParseAmount(%q) = %d, want an error", in, got)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := FormatAmount(in); got != want {
			t.Errorf("FormatAmount(%d) = %q, want %q", in, got, want)
		}
	}
}

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

func TestDueAt(t *testing.T) {
	created := mustTime("2026-01-01T00:00:00Z")
	c := Customer{CadenceDays: 30, CreatedAt: created}
	if got, want := c.DueAt(), created.Add(30*Day); !got.Equal(want) {
		t.Errorf("never contacted: due %v, want %v", got, want)
	}
	c.LastContactAt = created.Add(10 * Day)
	if got, want := c.DueAt(), created.Add(40*Day); !got.Equal(want) {
		t.Errorf("contacted: due %v, want %v", got, want)
	}
	c.SnoozedUntil = created.Add(60 * Day)
	if got, want := c.DueAt(), created.Add(60*Day); !got.Equal(want) {
		t.Errorf("snoozed: due %v, want %v", got, want)
	}
	if c.OverdueAt(created.Add(60*Day)) || !c.OverdueAt(created.Add(60*Day+1)) {
		t.Error("overdue must mean now > due")
	}
}
