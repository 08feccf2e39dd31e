package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// smed shell on the embedded store: prints the answers, exits 0 at EOF.
func TestE2EShell(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	in := strings.Join([]string{
		"/customer note Foo hi there",
		"/customer show Foo",
		"remember foo likes <b>bold</b> & tea",
		"show foo",
		"frobnicate",
	}, "\n") + "\n"
	r := h.smed(map[string]string{"SMED_REDIS_URL": "memory://"}, in, "shell", "--user", "alice")
	if r.code != 0 {
		t.Fatalf("smed shell: want exit 0 at EOF\n%v", r)
	}
	var hiThere bool
	for _, line := range strings.Split(r.stdout, "\n") {
		if strings.Contains(line, "hi there") && !errorRE.MatchString(line) {
			hiThere = true
		}
	}
	if !hiThere {
		t.Errorf("smed shell: no line with the note \"hi there\"\n%v", r)
	}
	contains(t, "smed shell", r.stdout, "likes <b>bold</b> & tea", "frobnicate")
	lacks(t, "smed shell", r.stdout, "&lt;", "&amp;")
	if m := internalRE.FindString(r.stdout); m != "" {
		t.Errorf("smed shell shows internals (%q)\n%v", m, r)
	}
}

// smed version exits 0; unknown commands, bad flags and bad configuration
// exit 2 naming what is wrong.
func TestE2ECommandLine(t *testing.T) {
	parallel(t)
	h := newE2E(t)

	r := h.smed(nil, "", "version")
	if r.code != 0 || !strings.Contains(r.stdout, "smed") {
		t.Errorf("smed version: want exit 0 and a version\n%v", r)
	}

	r = h.smed(nil, "", "frobnicate")
	if r.code != 2 {
		t.Errorf("smed frobnicate: want exit 2\n%v", r)
	}
	contains(t, "smed frobnicate", r.stderr, "frobnicate")

	r = h.smed(nil, "", "remind", "--bogus")
	if r.code != 2 {
		t.Errorf("smed remind --bogus: want exit 2\n%v", r)
	}
	contains(t, "smed remind --bogus", r.stderr, "bogus")

	if err := os.WriteFile(filepath.Join(h.dir, "c.csv"), []byte("name\nAcme\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := map[string]string{"SMED_REMINDERS_TIMEZONE": "Mars/Base", "SMED_DIGEST_SCHEDULE": "nonsense"}
	for _, args := range [][]string{{"run"}, {"remind"}, {"digest", "--dry-run"}, {"import", "c.csv"}, {"shell"}} {
		r = h.smed(bad, "", args...)
		what := "smed " + strings.Join(args, " ") + " with a bad time zone and schedule"
		if r.code != 2 {
			t.Errorf("%s: want exit 2\n%v", what, r)
		}
		out := strings.ToLower(r.stderr)
		if !strings.Contains(out, "reminders.timezone") && !strings.Contains(out, "smed_reminders_timezone") {
			t.Errorf("%s: the message does not name reminders.timezone\n%v", what, r)
		}
		if !strings.Contains(out, "digest.schedule") && !strings.Contains(out, "smed_digest_schedule") {
			t.Errorf("%s: the message does not name digest.schedule\n%v", what, r)
		}
	}

	r = h.smed(map[string]string{"SMED_DIGEST_CHANNEL": ""}, "", "digest")
	if r.code != 2 || !strings.Contains(r.stderr, "channel") {
		t.Errorf("smed digest with no channel anywhere: want exit 2 naming the channel\n%v", r)
	}

	r = h.smed(map[string]string{"SMED_SLACK_BOT_TOKEN": ""}, "", "remind")
	if r.code != 2 || !strings.Contains(strings.ToLower(r.stderr), "bot_token") {
		t.Errorf("smed remind without a bot token: want exit 2 naming slack.bot_token\n%v", r)
	}
}

// An export to a file is all or nothing: with Redis down it fails and leaves
// no file (and an earlier export under the name as it was); one that works is
// readable by its owner only.
func TestE2EExportFileAllOrNothing(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	if r := h.importCSV("Acme," + alice + ",1000,30,,"); r.code != 0 {
		t.Fatalf("import: %v", r)
	}
	path := filepath.Join(h.dir, "out.csv")
	if r := h.mustRun("export", path); !strings.Contains(r.stderr, "exported 1 customer to") {
		t.Errorf("export: %v", r)
	}
	before, err := os.ReadFile(path)
	if err != nil || !strings.Contains(string(before), "Acme") {
		t.Fatalf("export file: %q, %v", before, err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, want 0600", fi.Mode().Perm())
	}
	r := h.smed(map[string]string{"SMED_REDIS_URL": "redis://127.0.0.1:1/0"}, "", "export", path)
	if r.code != 1 || !strings.Contains(r.stderr, "nothing written to") {
		t.Errorf("export with Redis down: %v", r)
	}
	if after, _ := os.ReadFile(path); string(after) != string(before) {
		t.Errorf("a failed export changed the file:\n%s", after)
	}
	if r := h.smed(map[string]string{"SMED_REDIS_URL": "redis://127.0.0.1:1/0"}, "", "export", filepath.Join(h.dir, "new.csv")); r.code != 1 {
		t.Errorf("export with Redis down: %v", r)
	}
	if _, err := os.Stat(filepath.Join(h.dir, "new.csv")); !os.IsNotExist(err) {
		t.Errorf("a failed export left a file: %v", err)
	}
}
