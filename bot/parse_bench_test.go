package bot

import (
	"strings"
	"testing"
	"time"
)

var benchText = `note "Acme Corp" Called Bo about the renewal; he wants a quote by Friday and asked about <@U123|alex>'s visit`

// BenchmarkFields is the baseline: splitting the same text into words.
func BenchmarkFields(b *testing.B) {
	for b.Loop() {
		_ = strings.Fields(benchText)
	}
}

// BenchmarkParse parses a typical quoted note.
func BenchmarkParse(b *testing.B) {
	for b.Loop() {
		if _, _, err := parse(benchText, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseUnquoted parses a note whose name is resolved by prefixes.
func BenchmarkParseUnquoted(b *testing.B) {
	text := strings.Replace(benchText, `"Acme Corp"`, "Acme Corp", 1)
	for b.Loop() {
		if _, _, err := parse(text, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
