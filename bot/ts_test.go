package bot

import (
	"testing"
	"time"
)

func TestTSTime(t *testing.T) {
	for ts, want := range map[string]time.Time{
		"1764593206.826000": time.Unix(1764593206, 826000000),
		"1764593206.000001": time.Unix(1764593206, 1000),
		"1764593206":        time.Unix(1764593206, 0),
		"1764593206.5":      time.Unix(1764593206, 500000000),
	} {
		if got, ok := tsTime(ts); !ok || !got.Equal(want) {
			t.Errorf("tsTime(%q) = %v, %v; want %v", ts, got, ok, want)
		}
	}
	for _, bad := range []string{"", "x.1", "-5.1", "1.x", "1.1234567890"} {
		if _, ok := tsTime(bad); ok {
			t.Errorf("tsTime(%q) is ok", bad)
		}
	}
}
