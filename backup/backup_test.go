package backup

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/internal/fakestore"
)

var t0 = time.Date(2026, 11, 2, 9, 30, 0, 123456789, time.UTC)

// workspace fills a store with one of everything a backup holds.
func workspace(t *testing.T) *fakestore.Store {
	t.Helper()
	s := fakestore.New()
	ctx := context.Background()
	r, err := s.AddNote(ctx, "T1", smed.NoteRequest{Candidates: []smed.Candidate{{Name: "Ærø Fisk", Rest: "nets \"arrived\" & <!here>\nline two"}},
		Author: "U1", At: t0, Create: true, CadenceDays: 14})
	if err != nil {
		t.Fatal(err)
	}
	id := r.Customer.ID
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err = s.AddFact(ctx, "T1", smed.NoteRequest{CustomerID: id, Text: "prefers calls before 10", Author: "U2", At: t0.Add(time.Hour)})
	must(err)
	owner, value := "U3", int64(250000)
	_, err = s.Update(ctx, "T1", id, smed.Change{Owner: &owner, Value: &value, By: "U1", At: t0.Add(2 * time.Hour)})
	must(err)
	_, err = s.AddDeal(ctx, "T1", smed.DealRequest{CustomerID: id, Amount: 48000, Text: "renewal 2027", Author: "U3", At: t0.Add(3 * time.Hour)})
	must(err)
	_, err = s.Link(ctx, "T1", "C0SHARED", id, "U3", t0)
	must(err)
	_, err = s.AddTouch(ctx, "T1", smed.Touch{At: t0.Add(4 * time.Hour), Author: "U0KARIN", Side: smed.SideCustomer, Channel: "C0SHARED", TS: "1700000000.000100"})
	must(err)
	_, err = s.AddNote(ctx, "T1", smed.NoteRequest{Candidates: []smed.Candidate{{Name: "Beta", Rest: "second customer"}},
		Author: "U2", At: t0, Create: true, CadenceDays: 30, SavedBy: "U1", Link: "https://x.slack.com/archives/C1/p1"})
	must(err)
	return s
}

func backupOf(t *testing.T, s *fakestore.Store) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Write(&buf, s.Backup(context.Background(), "T1")); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func restore(t *testing.T, data []byte, s *fakestore.Store) {
	t.Helper()
	if _, err := Check(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	for group, err := range Customers(bytes.NewReader(data)) {
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Restore(context.Background(), "T1", group, false); err != nil {
			t.Fatal(err)
		}
	}
}

// backup → restore into an empty workspace → backup gives the same file.
func TestRoundTripIsIdentical(t *testing.T) {
	first := backupOf(t, workspace(t))
	for _, want := range []string{`{"kind":"smed-backup","version":1}`, `"kind":"customer"`, `"kind":"fact"`, `"kind":"note"`,
		`"kind":"revision"`, `"kind":"deal"`, `"kind":"touch"`, `"kind":"link"`, `2026-11-02T09:30:00.123456789Z`, `<!here>`} {
		if !bytes.Contains(first, []byte(want)) {
			t.Errorf("backup lacks %s:\n%s", want, first)
		}
	}
	fresh := fakestore.New()
	restore(t, first, fresh)
	if second := backupOf(t, fresh); !bytes.Equal(first, second) {
		t.Errorf("a backup of the restored workspace differs:\n--- first\n%s\n--- second\n%s", first, second)
	}
}

func TestCheckReportsEveryBadLine(t *testing.T) {
	good := backupOf(t, workspace(t))
	lines := strings.Split(strings.TrimSpace(string(good)), "\n")
	lines[2] = `{"kind":"note","customer":"000000000001","at":"yesterday","text":"x"}` // no author, bad time
	lines[3] = `not json`
	lines = append(lines, `{"kind":"gossip","customer":"000000000001"}`, `{"kind":"fact","customer":"ffffffffffff","id":"9","at":"2026-11-02T09:30:00Z","text":"orphan"}`)
	_, err := Check(strings.NewReader(strings.Join(lines, "\n")))
	var probs Problems
	if !errors.As(err, &probs) {
		t.Fatalf("err = %v, want the bad lines", err)
	}
	got := probs.Error()
	for _, want := range []string{"line 3: author", `"yesterday" is not an RFC 3339 time`, "line 4: not a record", `kind "gossip"`, "which is not the customer of the lines before it"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if _, err := Check(strings.NewReader(`{"kind":"customer"}`)); err == nil || !strings.Contains(err.Error(), "line 1: not a Smed backup") {
		t.Errorf("a file without the header: %v", err)
	}
	if _, err := Check(strings.NewReader(`{"kind":"smed-backup","version":9}`)); err == nil || !strings.Contains(err.Error(), "version 9") {
		t.Errorf("another version: %v", err)
	}
	if _, err := Check(strings.NewReader("")); err == nil {
		t.Error("an empty file passed")
	}
}

// FuzzDecode checks that no line makes the reader panic, and that a line it
// accepts writes back as a line it accepts again, the same.
func FuzzDecode(f *testing.F) {
	for _, l := range strings.Split(string(backupOfF(f)), "\n") {
		f.Add(l)
	}
	f.Add(`{"kind":"touch","customer":"a","at":"2026-01-01T00:00:00Z","author":"U1","side":"customer","channel":"C1"}`)
	f.Add(`{"kind":"customer","id":"x","name":"\u0000","cadence_days":1,"created_at":"2026-01-01T00:00:00Z"}`)
	f.Fuzz(func(t *testing.T, l string) {
		data := `{"kind":"smed-backup","version":1}` + "\n" + l
		if _, err := Check(strings.NewReader(data)); err != nil {
			return
		}
		for group, err := range Customers(strings.NewReader(data)) {
			if err != nil {
				t.Fatalf("checked but not readable: %v", err)
			}
			var buf bytes.Buffer
			if _, err := Write(&buf, func(yield func(smed.Record, error) bool) {
				for _, r := range group {
					if !yield(r, nil) {
						return
					}
				}
			}); err != nil {
				t.Fatal(err)
			}
			if _, err := Check(&buf); err != nil {
				t.Fatalf("a record read back from %q does not check: %v", l, err)
			}
		}
	})
}

func backupOfF(f *testing.F) []byte {
	f.Helper()
	var buf bytes.Buffer
	s := fakestore.New()
	_, _ = s.AddNote(context.Background(), "T1", smed.NoteRequest{Candidates: []smed.Candidate{{Name: "Seed", Rest: "seed note"}}, Author: "U1", At: t0, Create: true, CadenceDays: 30})
	_, _ = Write(&buf, s.Backup(context.Background(), "T1"))
	return buf.Bytes()
}

func TestLooks(t *testing.T) {
	for in, want := range map[string]bool{
		`{"kind":"smed-backup","version":1}` + "\n" + `{"kind":"customer"}`: true,
		"\ufeff" + `{"kind":"smed-backup","version":7}`:                     true,
		`  {"version":1,"kind":"smed-backup"}  ` + "\r\n":                   true,
		"name,owner,value\nAcme,U1,5\n":                                     false,
		`{"kind":"customer"}`:                                               false,
		"":                                                                  false,
	} {
		if got := Looks([]byte(in)); got != want {
			t.Errorf("Looks(%q) = %v, want %v", in, got, want)
		}
	}
}
