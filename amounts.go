package smed

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// MaxValue bounds customer values so sums over a whole team cannot overflow.
const MaxValue = 1_000_000_000_000_000 // 10^15

// MaxDays bounds cadences and snoozes (ten years).
const MaxDays = 3650

var (
	thousands    = regexp.MustCompile(`^\d{1,3}(,\d{3})+(\.\d+)?$`)
	decimalComma = regexp.MustCompile(`^\d+,\d{1,2}$`)
)

// ParseAmount reads a customer value as people type it: "120000", "120,000",
// "120k", "1.2m", "2.5M", "1bn", and a decimal comma ("1,5m"). A comma that is
// neither a thousands separator nor a decimal comma is refused rather than
// guessed. Fractions of a unit are rounded.
func ParseAmount(s string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.NewReplacer("_", "", " ", "").Replace(t)
	t = strings.TrimLeft(t, "$€£¥")
	mult := 1.0
	for _, suf := range []struct {
		s string
		m float64
	}{{"bn", 1e9}, {"b", 1e9}, {"k", 1e3}, {"m", 1e6}} {
		if strings.HasSuffix(t, suf.s) {
			t, mult = strings.TrimSuffix(t, suf.s), suf.m
			break
		}
	}
	switch {
	case t == "":
		return 0, fmt.Errorf("%q is not an amount (try 120000, 120k or 1.2m)", s)
	case thousands.MatchString(t):
		t = strings.ReplaceAll(t, ",", "") // 1,200,000 or 1,234.5
	case decimalComma.MatchString(t):
		t = strings.Replace(t, ",", ".", 1) // 1,5m as many Europeans write it
	case strings.Contains(t, ","):
		return 0, fmt.Errorf("%q is ambiguous: write 1.5m or 1500000", s)
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) || strings.ContainsAny(t, "eEx") {
		return 0, fmt.Errorf("%q is not an amount (try 120000, 120k or 1.2m)", s)
	}
	v := math.Round(f * mult)
	if v < 0 {
		return 0, errors.New("a value cannot be negative")
	}
	if v > MaxValue {
		return 0, fmt.Errorf("%q is too large (at most %s)", s, FormatAmount(MaxValue))
	}
	return int64(v), nil
}

// FormatAmount writes a value with thousands separators: 1234567 → "1,234,567".
func FormatAmount(v int64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// ParseDays reads a span of days as "14d", "2w" or "14" (days), 1 to MaxDays.
func ParseDays(s string) (int, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	mult := 1
	switch {
	case strings.HasSuffix(t, "days"):
		t = strings.TrimSuffix(t, "days")
	case strings.HasSuffix(t, "day"):
		t = strings.TrimSuffix(t, "day")
	case strings.HasSuffix(t, "d"):
		t = strings.TrimSuffix(t, "d")
	case strings.HasSuffix(t, "weeks"):
		t, mult = strings.TrimSuffix(t, "weeks"), 7
	case strings.HasSuffix(t, "week"):
		t, mult = strings.TrimSuffix(t, "week"), 7
	case strings.HasSuffix(t, "w"):
		t, mult = strings.TrimSuffix(t, "w"), 7
	}
	n, err := strconv.Atoi(strings.TrimSpace(t))
	if err != nil || strings.HasPrefix(t, "+") {
		return 0, fmt.Errorf("%q is not a number of days (try 14d or 2w)", s)
	}
	if n < 1 || n > MaxDays/mult {
		return 0, fmt.Errorf("%q is out of range (1 day to %d days)", s, MaxDays)
	}
	return n * mult, nil
}
