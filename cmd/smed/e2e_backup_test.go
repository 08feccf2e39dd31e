package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// smed backup, then smed restore into an empty workspace, then smed backup
// again: the two files are the same, byte for byte. A restore into a
// workspace with customers needs --merge (exit 2 and nothing changes
// without it; nothing doubles with it), and a file with a bad line is
// refused by line number before anything is written.
func TestE2EBackupRestore(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	for _, text := range []string{
		`note "Acme Corp" renewal talk, pricing & terms`,
		`remember "Acme Corp" prefers calls before 10`,
		`note "Acme Corp" they want a discount`,
		`value "Acme Corp" 120k`,
		`note Beta first contact`,
		`remember Beta pays in instalments`,
		`cadence Beta 2w`,
		`rename Beta to Betamax`,
		`note Gamma hello world`,
	} {
		h.say(alice, text)
	}
	h.say(bob, `note "Acme Corp" bob was here too`)

	a := filepath.Join(h.dir, "a.jsonl")
	r := h.mustRun("backup", "a.jsonl")
	contains(t, "smed backup a.jsonl", r.stderr, "3 customers", "a.jsonl")
	aData := readFile(t, a)
	lines := strings.Split(strings.TrimSuffix(string(aData), "\n"), "\n")
	if len(lines) < 12 || !strings.HasPrefix(lines[0], `{"kind":"smed-backup","version":1}`) {
		t.Fatalf("a.jsonl does not look like a backup:\n%s", aData)
	}
	contains(t, "a.jsonl", string(aData), `"kind":"revision"`, `"field":"name"`, `"name":"Betamax"`,
		`"formerly":"Beta"`, `"text":"renewal talk, pricing & terms"`, `"kind":"fact"`)
	if out := h.mustRun("backup").stdout; out != string(aData) {
		t.Errorf("smed backup to stdout differs from a.jsonl\n--- stdout ---\n%s\n--- a.jsonl ---\n%s", out, aData)
	}
	leftovers, _ := filepath.Glob(filepath.Join(h.dir, ".a.jsonl*"))
	if len(leftovers) > 0 {
		t.Errorf("smed backup left temporary files: %v", leftovers)
	}

	// Into another, empty workspace on the same Redis.
	h2 := newE2E(t)
	r = h2.smed(nil, "", "restore", a)
	if r.code != 0 {
		t.Fatalf("smed restore into an empty workspace: want exit 0\n%v", r)
	}
	contains(t, "smed restore", r.stdout, "3 customers")
	h2.mustRun("backup", "b.jsonl")
	if b := readFile(t, filepath.Join(h2.dir, "b.jsonl")); !bytes.Equal(aData, b) {
		t.Errorf("b.jsonl (backup of the restore) differs from a.jsonl\n--- a ---\n%s\n--- b ---\n%s", aData, b)
	}
	if err := h2.store().CheckIndexes(context.Background(), h2.team); err != nil {
		t.Errorf("restored workspace: %v", err)
	}
	// The restored workspace answers like the original.
	h2.start()
	for _, q := range []string{"find pricing", "show Betamax", "show acme corp", "list", "history Betamax"} {
		if got, want := h2.say(alice, q), h.say(alice, q); got != want {
			t.Errorf("/customer %s differs after the restore\n--- original ---\n%s\n--- restored ---\n%s", q, want, got)
		}
	}

	// Into a workspace that has customers: refused without --merge.
	r = h.smed(nil, "", "restore", a)
	if r.code != 2 {
		t.Errorf("smed restore into a workspace with customers: want exit 2\n%v", r)
	}
	contains(t, "smed restore without --merge", r.stderr, "--merge", "has customers")
	if now := h.mustRun("backup").stdout; now != string(aData) {
		t.Errorf("a refused restore changed the workspace\n--- before ---\n%s\n--- after ---\n%s", aData, now)
	}
	// With --merge, what is there already is not doubled.
	r = h.smed(nil, "", "restore", "--merge", a)
	if r.code != 0 {
		t.Fatalf("smed restore --merge: want exit 0\n%v", r)
	}
	if now := h.mustRun("backup").stdout; now != string(aData) {
		t.Errorf("restore --merge of the workspace's own backup changed it\n--- before ---\n%s\n--- after ---\n%s", aData, now)
	}

	// A bad line 7: refused by number, nothing written.
	// Acme Corp's records first (customer, fact, three notes, revision:
	// lines 2 to 7), then the others; line 7 gets a bad time and author.
	acme := `"` + h.idOf("Acme Corp") + `"`
	bad := []string{lines[0]}
	for _, l := range lines[1:] {
		if strings.Contains(l, `"id":`+acme) || strings.Contains(l, `"customer":`+acme) {
			bad = append(bad, l)
		}
	}
	if len(bad) != 7 || !strings.Contains(bad[6], `"kind":"revision"`) {
		t.Fatalf("Acme Corp's records are not what the test expects:\n%s", strings.Join(bad, "\n"))
	}
	for _, l := range lines[1:] {
		if !slices.Contains(bad, l) {
			bad = append(bad, l)
		}
	}
	bad[6] = regexp.MustCompile(`"at":"[^"]*"`).ReplaceAllString(bad[6], `"at":"yesterday"`)
	bad[6] = strings.Replace(bad[6], `"by":"U0ALICE"`, `"by":"has space"`, 1)
	badPath := filepath.Join(t.TempDir(), "bad.jsonl")
	if err := os.WriteFile(badPath, []byte(strings.Join(bad, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h3 := newE2E(t)
	r = h3.smed(nil, "", "restore", badPath)
	if r.code != 2 {
		t.Errorf("smed restore of a file with a bad line: want exit 2\n%v", r)
	}
	contains(t, "smed restore of a bad file", r.stderr, "line 7:", "nothing was restored")
	lacks(t, "smed restore of a bad file", r.stderr, "line 6:", "line 8:")
	if empty, err := h3.store().Empty(context.Background(), h3.team); err != nil || !empty {
		t.Errorf("a refused restore wrote: empty = %v, %v", empty, err)
	}

	// Usage mistakes.
	for _, args := range [][]string{{"restore"}, {"restore", "a.jsonl", "b.jsonl"}, {"backup", "a", "b"}, {"restore", "--bogus", "a.jsonl"}} {
		if r := h3.smed(nil, "", args...); r.code != 2 {
			t.Errorf("smed %s: want exit 2\n%v", strings.Join(args, " "), r)
		}
	}
	if r := h3.smed(nil, "", "restore", "missing.jsonl"); r.code != 2 || !strings.Contains(r.stderr, "missing.jsonl") {
		t.Errorf("smed restore of a missing file: want exit 2 naming it\n%v", r)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
