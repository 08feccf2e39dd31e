package main

import (
	"strings"
	"testing"
)

// A name the Slack edge accepts is one the store accepts: the limit is runes,
// so 80 CJK letters (240 bytes) make a customer, not an internal error.
func TestE2ELongNames(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	for _, name := range []string{
		strings.Repeat("漢", 80),
		strings.Repeat("ß", 50) + strings.Repeat("字", 50), // 100 runes, 250 bytes
	} {
		got := h.say(alice, "note "+name+" hello there")
		if errorRE.MatchString(got) {
			t.Errorf("note on a %d-byte name: want it saved, got:\n%s", len(name), clipText(got))
			continue
		}
		contains(t, "card of the long name", h.known(name), "hello there")
	}
}
