package loyalty_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// now is the fixed "today" of most tables: Tuesday 1 December 2026, 09:00 UTC.
var now = at("2026-12-01 09:00")

// at parses "YYYY-MM-DD HH:MM" in UTC.
func at(s string) time.Time { return atIn(time.UTC, s) }

// atIn parses "YYYY-MM-DD HH:MM" as a wall clock in loc.
func atIn(loc *time.Location, s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		panic(err)
	}
	return t
}

func mustLoc(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// approx compares floats to 1e-9: shares like 0.8 are not exact in binary.
var approx = cmpopts.EquateApprox(0, 1e-9)

func diff(want, got any) string { return cmp.Diff(want, got, approx) }
