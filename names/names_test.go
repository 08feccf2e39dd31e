package names

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKey(t *testing.T) {
	tests := []struct{ a, b string }{
		{"ACME  corp", "Acme Corp"},
		{"Cafe\u0301", "Café"},
		{"Ærø Fisk", "ærø fisk"},
		{"  Acme\tCorp ", "acme corp"},
		{"STRASSE", "straße"},
		{"Acme\u00a0Corp", "acme corp"},
	}
	for _, tt := range tests {
		if Key(tt.a) != Key(tt.b) {
			t.Errorf("Key(%q) = %q, Key(%q) = %q; want equal", tt.a, Key(tt.a), tt.b, Key(tt.b))
		}
	}
	if Key("Acme") == Key("Acme Corp") {
		t.Error("different names share a key")
	}
}

func TestDisplay(t *testing.T) {
	if got := Display("  Cafe\u0301   Noir "); got != "Café Noir" {
		t.Errorf("Display = %q", got)
	}
}

func TestNearMiss(t *testing.T) {
	known := []string{"Acme Corp", "Ærø Fisk", "Rob", "Globex"}
	tests := []struct {
		typed string
		want  []string
	}{
		{"Acme Crop", []string{"Acme Corp"}},
		{"acme", []string{"Acme Corp"}},
		{"Acm", []string{"Acme Corp"}},
		{"ACME CORP", nil}, // known: no miss
		{"Bob", nil},       // too short for an edit
		{"ærø fsik", []string{"Ærø Fisk"}},
		{"Globx", []string{"Globex"}},
		{"Initech", nil},
		{"", nil},
	}
	for _, tt := range tests {
		got := NearMiss(tt.typed, known, 3)
		if diff := cmp.Diff(tt.want, got, cmpEmpty); diff != "" {
			t.Errorf("NearMiss(%q) (-want +got):\n%s", tt.typed, diff)
		}
	}
}

var cmpEmpty = cmp.Comparer(func(a, b []string) bool {
	if len(a) == 0 && len(b) == 0 {
		return true
	}
	return cmp.Equal([]string(a), []string(b))
})

func TestDistance(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"corp", "crop", 1}, {"abc", "abc", 0}, {"kitten", "sitting", 3}, {"ærø", "aero", 3},
	} {
		if got := Distance(tt.a, tt.b, 5); got != tt.want {
			t.Errorf("distance(%q,%q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
