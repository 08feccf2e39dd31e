package names

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
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

func TestFold(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"aero fisk", "aro fisk"},
		{"aeroe fisk", "aro fisk"},
		{"Ærø Fisk", "aro fisk"},
		{"Aarhus", "arhus"},
		{"Århus", "arhus"},
		{"Maersk", "marsk"},
		{"Mærsk", "marsk"},
		{"Café", "cafe"},
		{"Cafe\u0301", "cafe"},
		{"Łódź Þór Ðan ıi", "lodz tor dan ii"},
		{"Œuvre", "ouvre"},
		{"한국", "한국"}, // Hangul decomposes into letters, not marks: kept
		{"", ""},
	} {
		if got := Fold(tt.in); got != tt.want {
			t.Errorf("Fold(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNearMissFold(t *testing.T) {
	known := []string{"Ærø Fisk", "Århus Bryghus", "Mærsk Line", "Nordlys Møbler"}
	for _, tt := range []struct {
		typed string
		want  []string
	}{
		{"aero fisk", []string{"Ærø Fisk"}},
		{"aeroe", []string{"Ærø Fisk"}},
		{"Aarhus", []string{"Århus Bryghus"}},
		{"maersk line", []string{"Mærsk Line"}},
		{"nordlys mobler", []string{"Nordlys Møbler"}},
		{"nordlys moebler", []string{"Nordlys Møbler"}},
		{"nordlys mbler", []string{"Nordlys Møbler"}}, // one edit on the key
		{"ærø fisk", nil},                             // known
	} {
		got := NearMiss(tt.typed, known, 3)
		if diff := cmp.Diff(tt.want, got, cmpEmpty); diff != "" {
			t.Errorf("NearMiss(%q) (-want +got):\n%s", tt.typed, diff)
		}
	}
}

func TestNearMissOrder(t *testing.T) {
	known := []string{"Acme Corps", "Acme Corp", "Acme Crop Ltd", "Acne Corp"}
	got := NearMiss("Acme Corq", known, 10)
	want := []string{"Acme Corp", "Acme Corps", "Acne Corp"} // all one edit: by key
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	if got := NearMiss("acme", known, 2); !cmp.Equal(got, []string{"Acme Corp", "Acme Corps"}) {
		t.Errorf("prefix hits by key, at most max: %q", got)
	}
}

func TestWords(t *testing.T) {
	got := Words("Renewal: ÆRØ Fisk's renewal, x 2025 q3 — café/Cafe\u0301!")
	want := []string{"renewal", "ærø", "fisk", "2025", "q3", "café"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Words (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"r", "ærø"}, QueryWords("R ærø R")); diff != "" {
		t.Errorf("QueryWords (-want +got):\n%s", diff)
	}
}

func TestSegments(t *testing.T) {
	for l := 3; l < 40; l++ {
		n := tau(l) + 1
		next := 0
		for i := 1; i <= n; i++ {
			p, ln := segment(l, n, i)
			if p != next || ln < 1 {
				t.Fatalf("L=%d segment %d = (%d,%d), want start %d", l, i, p, ln, next)
			}
			next = p + ln
		}
		if next != l {
			t.Fatalf("L=%d: segments cover %d runes", l, next)
		}
	}
}

// The ASCII fast path of Key agrees with the general one.
func TestKeyASCII(t *testing.T) {
	for _, s := range []string{"", "  ", "Acme  Corp", "\tA\nb\r\vc\fd ", "x\x1cy\x1fz", "ABC xyz 123 !?", "a\x00b", "K"} {
		fast, ok := asciiKey(s)
		if !ok {
			t.Fatalf("asciiKey(%q) refused ASCII", s)
		}
		s2 := norm.NFC.String(cases.Fold().String(norm.NFC.String(s)))
		if slow := strings.Join(strings.FieldsFunc(s2, IsSpace), " "); fast != slow {
			t.Errorf("asciiKey(%q) = %q, general Key %q", s, fast, slow)
		}
	}
	if _, ok := asciiKey("café"); ok {
		t.Error("asciiKey took non-ASCII")
	}
}

func BenchmarkDistance(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Distance("nordlys møbler a/s", "nordlys mbøler a/s", 2)
	}
}

// Distance is the same with and without the stack buffers (long strings).
func TestDistanceLong(t *testing.T) {
	a := strings.Repeat("ab", 40)
	if d := Distance(a, a[1:]+"x", 3); d != 2 {
		t.Errorf("long distance = %d, want 2", d)
	}
}

// The banded Distance agrees with a plain full-table OSA distance.
func TestDistanceBanded(t *testing.T) {
	osa := func(a, b []rune) int {
		d := make([][]int, len(a)+1)
		for i := range d {
			d[i] = make([]int, len(b)+1)
			d[i][0] = i
		}
		for j := range d[0] {
			d[0][j] = j
		}
		for i := 1; i <= len(a); i++ {
			for j := 1; j <= len(b); j++ {
				cost := 1
				if a[i-1] == b[j-1] {
					cost = 0
				}
				d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
				if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
					d[i][j] = min(d[i][j], d[i-2][j-2]+1)
				}
			}
		}
		return d[len(a)][len(b)]
	}
	alpha := []rune("abcæø")
	seed := uint64(1)
	rnd := func(n int) int { seed = seed*6364136223846793005 + 1442695040888963407; return int(seed>>33) % n }
	for range 20000 {
		a, b := make([]rune, rnd(9)), make([]rune, rnd(9))
		for i := range a {
			a[i] = alpha[rnd(len(alpha))]
		}
		for i := range b {
			b[i] = alpha[rnd(len(alpha))]
		}
		limit := rnd(4)
		want := min(osa(a, b), limit+1)
		if got := Distance(string(a), string(b), limit); got != want {
			t.Fatalf("Distance(%q, %q, %d) = %d, want %d", string(a), string(b), limit, got, want)
		}
	}
}
