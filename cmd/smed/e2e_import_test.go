package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// summaryLine is the first line of smed import's report.
func summaryLine(t *testing.T, r result) string {
	t.Helper()
	first, _, _ := strings.Cut(r.stdout, "\n")
	if !strings.HasPrefix(first, "import ") {
		t.Fatalf("import: want a summary line first\n%v", r)
	}
	_, counts, _ := strings.Cut(first, ": ")
	return counts
}

// smed import counts what really happened: a re-import of the same file is
// "unchanged", not "updated", and the counts read as English.
func TestE2EImportReport(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	rows := []string{
		"Acme Corp," + alice + ",120k,14," + daysAgo(40) + ",prefers calls before 10", // line 2
		"Beta," + bob + ",5000,30,,", // line 3
		"Gamma,,,,,",                 // line 4
		"Badowner,bob,1000,30,,",     // line 5
	}
	for _, step := range []struct {
		what       string
		rows       []string
		wantCounts string
		wantErr    string
		wantLines  []string // problem lines of the report
	}{
		{"first import", rows, "3 created, 0 updated, 0 unchanged, 1 row with problems", "1 row was not imported (see above)",
			[]string{`line 5: owner "bob" is not a Slack user: write a user ID (U0123ABCD), a mention (<@U0123ABCD>) or an e-mail address`}},
		{"same file again", rows, "0 created, 0 updated, 3 unchanged, 1 row with problems", "1 row was not imported (see above)", nil},
		{"one value changed, the bad row fixed", []string{rows[0], "Beta," + bob + ",6000,30,,", rows[2], "Badowner," + bob + ",1000,30,,"},
			"1 created, 1 updated, 2 unchanged, 0 rows with problems", "", nil},
		{"a new fact, two bad rows", []string{rows[0] + " | pays in instalments", "Delta,U0DELTA,lots,30,,", "Epsilon,bob,,0,,"},
			"0 created, 1 updated, 0 unchanged, 2 rows with problems", "2 rows were not imported (see above)",
			// Every problem of a row is on its line.
			[]string{`line 3: value "lots"`, `line 4: owner "bob" is not a Slack user`, `; cadence_days "0"`}},
	} {
		r := h.importCSV(step.rows...)
		if got := summaryLine(t, r); got != step.wantCounts {
			t.Errorf("%s: summary %q, want %q\n%v", step.what, got, step.wantCounts, r)
		}
		contains(t, step.what, r.stdout, step.wantLines...)
		if step.wantErr == "" {
			if r.code != 0 {
				t.Errorf("%s: want exit 0\n%v", step.what, r)
			}
			continue
		}
		if r.code != 1 {
			t.Errorf("%s: want exit 1\n%v", step.what, r)
		}
		contains(t, step.what, r.stderr, step.wantErr)
	}
}

// A file with only some columns changes only those: importing names and facts
// keeps every owner, value and cadence, so owners keep their reminders.
func TestE2EImportPartialColumns(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	if r := h.importCSV("Acme Corp,"+alice+",120k,14,,", "Beta,"+bob+",5000,7,,"); r.code != 0 {
		t.Fatalf("full import: %v", r)
	}
	before := h.mustRun("export").stdout

	path := filepath.Join(t.TempDir(), "facts.csv")
	data := "name,facts\nAcme Corp,prefers calls before 10\nBeta,\nGamma,new here\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"1 created, 1 updated, 1 unchanged, 0 rows with problems",
		"0 created, 0 updated, 3 unchanged, 0 rows with problems",
	} {
		r := h.smed(nil, "", "import", path)
		if got := summaryLine(t, r); got != want || r.code != 0 {
			t.Errorf("import of name,facts: summary %q, want %q\n%v", got, want, r)
		}
	}
	after := h.mustRun("export").stdout
	for _, line := range []string{
		"Acme Corp," + alice + ",120000,14,,prefers calls before 10",
		"Beta," + bob + ",5000,7,,",
		"Gamma,,0,,,new here", // new: nobody, 0, the default cadence
	} {
		contains(t, "export after name,facts import", after, line)
	}
	lacks(t, "export before", before, "Gamma")
}

// A backup given to import by mistake is named for what it is, with the
// command that takes it, and changes nothing (exit 2, a usage mistake).
func TestE2EImportOfABackup(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.importCSV("Acme Corp," + alice + ",120k,14,,")
	path := filepath.Join(t.TempDir(), "smed.jsonl")
	h.mustRun("backup", path)
	before := h.mustRun("export").stdout
	r := h.smed(nil, "", "import", path)
	if r.code != 2 || !strings.Contains(r.stderr, "is a Smed backup") || !strings.Contains(r.stderr, "smed restore "+path) {
		t.Errorf("import of a backup: %v\nwant exit 2 naming smed restore", r)
	}
	if after := h.mustRun("export").stdout; after != before {
		t.Errorf("import of a backup changed the workspace:\n%s\nwas\n%s", after, before)
	}
}
