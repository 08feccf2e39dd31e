package main

import (
	"runtime/debug"
	"testing"
)

// Without GOGC in the environment smed collects at defaultGOGC; with it,
// the environment's value stands.
func TestGCDefault(t *testing.T) {
	old := debug.SetGCPercent(100)
	defer debug.SetGCPercent(old)
	gcDefault(func(string) string { return "" })
	if got := debug.SetGCPercent(100); got != defaultGOGC {
		t.Errorf("GOGC unset: %d, want %d", got, defaultGOGC)
	}
	gcDefault(func(k string) string {
		if k == "GOGC" {
			return "50"
		}
		return ""
	})
	if got := debug.SetGCPercent(100); got != 100 {
		t.Errorf("GOGC set: smed changed the percentage to %d", got)
	}
}
