package smed

import (
	"fmt"
	"strconv"
	"strings"
)

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
