package csvio

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smedhq/smed"
)

var cph = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	if err != nil {
		panic(err)
	}
	return loc
}()

func ptr[T any](v T) *T { return &v }

func problemLines(ps []LineError) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Error())
	}
	return out
}

func TestReadGoodAndBadRows(t *testing.T) {
	in := "name,owner,value,cadence_days,last_contact,facts\n" + // 1
		"Acme Corp,U0123ABCD,120k,14,2026-11-02,prefers calls before 10 | pays in instalments\n" + // 2
		"Beta,,,,,\n" + // 3
		"Gamma,bob,1,1,,\n" + // 4
		"\"Delta, Inc\",W012AB,\"1,200\",7,2026-11-02T09:30:00+01:00,\"a fact\nover two lines\"\n" + // 5-6
		"Epsilon,U1AB,abc,7,,\n" + // 7
		"Zeta,U1AB,5,0,,\n" + // 8
		"Eta,U1AB,5,7,02/11/2026,\n" + // 9
		",U1AB,5,7,,\n" + // 10
		"Theta,U1AB,5\n" + // 11
		",,,,,\n" + // 12: blank, skipped
		"Iota,U1AB,-5,7,,\n" + // 13
		"Kappa,U1AB,1m,3650,,\n" // 14
	rows, problems, err := Read(strings.NewReader(in), 30, cph)
	if err != nil {
		t.Fatal(err)
	}
	want := []Row{
		{Line: 2, Record: smed.ImportRecord{Name: "Acme Corp", Owner: ptr("U0123ABCD"), Value: ptr[int64](120000), CadenceDays: ptr(14),
			DefaultCadenceDays: 30, LastContactAt: time.Date(2026, 11, 2, 0, 0, 0, 0, cph),
			Facts: []string{"prefers calls before 10", "pays in instalments"}}},
		// Empty cells of present columns: nobody, 0, and a cadence not
		// set by hand (the default for a new customer, kept otherwise).
		{Line: 3, Record: smed.ImportRecord{Name: "Beta", Owner: ptr(""), Value: ptr[int64](0), DefaultCadenceDays: 30}},
		{Line: 5, Record: smed.ImportRecord{Name: "Delta, Inc", Owner: ptr("W012AB"), Value: ptr[int64](1200), CadenceDays: ptr(7),
			DefaultCadenceDays: 30, LastContactAt: time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC), Facts: []string{"a fact\nover two lines"}}},
		{Line: 14, Record: smed.ImportRecord{Name: "Kappa", Owner: ptr("U1AB"), Value: ptr[int64](1_000_000), CadenceDays: ptr(3650), DefaultCadenceDays: 30}},
	}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	wantProblems := []string{
		`line 4: owner "bob" is not a Slack user: write a user ID (U0123ABCD), a mention (<@U0123ABCD>) or an e-mail address`,
		`line 7: value "abc" is not an amount: write 120000, 250.000, 250 000, 120k, 1,5 mio or 2 mia`,
		`line 8: cadence_days "0" is out of range (1 day to 3650 days, ten years)`,
		`line 9: last_contact "02/11/2026" could be day/month or month/day: write 2026-11-23, 23-11-2026 or 23.11.2026`,
		`line 10: name is empty`,
		`line 11: 3 fields, but the header has 6`,
		`line 13: value "-5": a value cannot be negative`,
	}
	if diff := cmp.Diff(wantProblems, problemLines(problems)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

// A row with several bad fields reports all of them on its line, in column
// order, so it needs one round of fixing.
func TestReadAllProblemsOfARow(t *testing.T) {
	in := "name,owner,value,cadence_days,last_contact,facts\n" + // 1
		"Good,U0123ABCD,1,1,,\n" + // 2
		"Two,bob,lots,7,,\n" + // 3
		"Acme,bob,lots,0,yesterday,a fact\n" + // 4
		",U1AB,5,7,,\n" + // 5
		",\xff,5,x,,\n" // 6
	rows, problems, err := Read(strings.NewReader(in), 30, cph)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Record.Name != "Good" {
		t.Errorf("rows = %+v, want only Good", rows)
	}
	want := []string{
		`line 3: owner "bob" is not a Slack user: write a user ID (U0123ABCD), a mention (<@U0123ABCD>) or an e-mail address; ` +
			`value "lots" is not an amount: write 120000, 250.000, 250 000, 120k, 1,5 mio or 2 mia`,
		`line 4: owner "bob" is not a Slack user: write a user ID (U0123ABCD), a mention (<@U0123ABCD>) or an e-mail address; ` +
			`value "lots" is not an amount: write 120000, 250.000, 250 000, 120k, 1,5 mio or 2 mia; ` +
			`cadence_days "0" is out of range (1 day to 3650 days, ten years); ` +
			`last_contact "yesterday" is not a date (2026-11-23, 23-11-2026 or 23.11.2026) or a time (2026-11-23T09:30:00Z)`,
		`line 5: name is empty`,
		`line 6: name is empty; owner is not UTF-8 text (save the file as CSV UTF-8); ` +
			`cadence_days "x" is not a duration: write 14d, 2w, 3 weeks, 1m, 1y, monthly or quarterly (also 14 dage, 2 uger, 3 måneder, månedlig)`,
	}
	if diff := cmp.Diff(want, problemLines(problems)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	for _, p := range problems {
		if strings.Contains(p.Error(), "\n") {
			t.Errorf("line %d: the report spans lines: %q", p.Line, p.Error())
		}
	}
	// Each problem stays reachable for errors.Is and errors.As.
	if len(problems) < 2 {
		t.FailNow()
	}
	multi, ok := problems[1].Err.(interface{ Unwrap() []error })
	if !ok || len(multi.Unwrap()) != 4 {
		t.Fatalf("line 4: Err = %#v, want the 4 problems behind Unwrap() []error", problems[1].Err)
	}
	if !errors.Is(problems[1], multi.Unwrap()[2]) {
		t.Error("line 4: errors.Is does not see the cadence problem")
	}
}

func TestReadHeaderVariants(t *testing.T) {
	tests := []struct {
		name, in string
		want     []Row
		wantErr  string
	}{
		// Columns the header lacks stay nil: the store keeps what it has.
		{"BOM and CRLF", "\ufeffname,owner\r\nAcme,U1AB\r\n", []Row{{Line: 2, Record: smed.ImportRecord{Name: "Acme", Owner: ptr("U1AB"), DefaultCadenceDays: 30}}}, ""},
		{"any case and order, spaces", " Facts , NAME ,Cadence_Days\nx | y,Acme,9\n",
			[]Row{{Line: 2, Record: smed.ImportRecord{Name: "Acme", CadenceDays: ptr(9), DefaultCadenceDays: 30, Facts: []string{"x", "y"}}}}, ""},
		{"name only", "name\nAcme\n\nBeta\n", []Row{
			{Line: 2, Record: smed.ImportRecord{Name: "Acme", DefaultCadenceDays: 30}},
			{Line: 4, Record: smed.ImportRecord{Name: "Beta", DefaultCadenceDays: 30}}}, ""},
		{"name and facts", "name,facts\nAcme,likes tea\n", []Row{
			{Line: 2, Record: smed.ImportRecord{Name: "Acme", DefaultCadenceDays: 30, Facts: []string{"likes tea"}}}}, ""},
		{"empty cells of present columns", "name,owner,value,cadence_days,last_contact\nAcme,,,,\n", []Row{
			{Line: 2, Record: smed.ImportRecord{Name: "Acme", Owner: ptr(""), Value: ptr[int64](0), DefaultCadenceDays: 30}}}, ""},
		{"unknown columns named", "name,owner,email,Phone\n", nil, `unknown columns "email", "Phone"`},
		{"no name column", "owner,value\n", nil, "no name column"},
		{"duplicate column", "name,Name\n", nil, "columns name appear twice"},
		{"empty file", "", nil, "empty file"},
		{"BOM only", "\ufeff", nil, "empty file"},
		{"broken header quote", "\"name,owner\n", nil, "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, problems, err := Read(strings.NewReader(tt.in), 30, cph)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(problems) > 0 {
				t.Fatalf("err = %v, problems = %v", err, problems)
			}
			if diff := cmp.Diff(tt.want, rows); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

// A quoting error spoils its row only; later rows keep their line numbers.
func TestReadQuoteErrorThenMore(t *testing.T) {
	in := "name,value\n" +
		"Acme,1\n" +
		"Bad \"quote,2\n" + // bare quote in an unquoted field
		"\"Multi\nline\",3\n" +
		"Last,4\n"
	rows, problems, err := Read(strings.NewReader(in), 30, cph)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, fmt.Sprintf("%d %q", r.Line, r.Record.Name))
	}
	if diff := cmp.Diff([]string{`2 "Acme"`, `6 "Last"`}, got); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{
		`line 3: bare " in non-quoted-field`,
		`line 4: name "Multi\nline" holds a line break or control character`,
	}, problemLines(problems)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestRoundTrip(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	cards := []smed.Card{
		{Customer: smed.Customer{Name: "Acme Corp", Owner: "U0123ABCD", Value: 120000, CadenceDays: 14, CadenceSet: true, LastContactAt: at("2026-11-02T09:30:00.123+01:00")},
			Facts: []smed.Fact{{Text: "prefers calls before 10"}, {Text: "pays, in \"instalments\""}}},
		{Customer: smed.Customer{Name: "Ærø Fisk, \"the\" best", Value: smed.MaxValue, CadenceDays: smed.MaxDays, CadenceSet: true},
			Facts: []smed.Fact{{Text: "two\nlines"}}},
		{Customer: smed.Customer{Name: "Nobody's", CadenceDays: 1, CadenceSet: true}},
		// A cadence never set (the default, or learned) is written empty,
		// so an import elsewhere does not set it by hand.
		{Customer: smed.Customer{Name: "Learning", CadenceDays: 18}},
	}
	var buf bytes.Buffer
	if _, err := Write(&buf, seq(cards), cph); err != nil {
		t.Fatal(err)
	}
	if first, _, _ := strings.Cut(buf.String(), "\n"); first != strings.Join(Header, ",") {
		t.Errorf("header %q", first)
	}
	rows, problems, err := Read(&buf, 30, cph)
	if err != nil || len(problems) > 0 {
		t.Fatalf("Read: %v %v", err, problems)
	}
	var got []smed.ImportRecord
	for _, r := range rows {
		got = append(got, r.Record)
	}
	var want []smed.ImportRecord
	for _, c := range cards {
		rec := smed.ImportRecord{Name: c.Name, Owner: ptr(c.Owner), Value: ptr(c.Value),
			DefaultCadenceDays: 30, LastContactAt: c.LastContactAt}
		if c.CadenceSet {
			rec.CadenceDays = ptr(c.CadenceDays)
		}
		for _, f := range c.Facts {
			rec.Facts = append(rec.Facts, f.Text)
		}
		want = append(want, rec)
	}
	// cmp compares times with Time.Equal: the same instant, whatever the zone.
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestWriteUTC(t *testing.T) {
	var buf bytes.Buffer
	c := smed.Card{Customer: smed.Customer{Name: "A", CadenceDays: 7, CadenceSet: true, LastContactAt: time.Date(2026, 11, 2, 10, 0, 0, 0, cph)}}
	if _, err := Write(&buf, seq([]smed.Card{c}), cph); err != nil {
		t.Fatal(err)
	}
	want := "name,owner,value,cadence_days,last_contact,facts\nA,,0,7,2026-11-02T09:00:00Z,\n"
	if got := buf.String(); got != want {
		t.Errorf("Write = %q, want %q", got, want)
	}
}

func TestReadDefaultCadence(t *testing.T) {
	if _, _, err := Read(strings.NewReader("name\n"), 0, nil); err == nil {
		t.Error("default cadence 0: want an error")
	}
}

func FuzzRead(f *testing.F) {
	for _, seed := range []string{
		"name,owner,value,cadence_days,last_contact,facts\nAcme,U1AB,120k,14,2026-11-02,a | b\n",
		"\ufeffNAME\r\n\"x\ny\",\n",
		"name,value\n\"unterminated,1\n",
		"name,facts\na,\"q\"\"q | r\"\nb\xff,c\n",
		"name,value\nA,1e9999\nB,NaN\nC,-0\n",
		"\ufeffname;owner;value;cadence_days;last_contact;facts;\r\nKobber;<@U1AB|k>;75.000,00;2w;02-11-2026;;\r\n",
		"sep=;\nname;owner\nA;a@x.dk\nB;@bob\n",
		"name\towner\nA\tbob\n",
		"customer;amount;date;text\nAcme;1,5 mio;2026-11-02;renewal\n;x;;\n",
		"name|value\n",
	} {
		f.Add(seed, false)
	}
	lookup := func(ctx context.Context, email string) (string, error) {
		if strings.HasPrefix(email, "a") {
			return "U0" + strings.ToUpper(strconv.Itoa(len(email))), nil
		}
		return "", smed.ErrNotFound
	}
	f.Fuzz(func(t *testing.T, in string, local bool) {
		opts := Options{DefaultCadence: 30, Location: time.UTC, Local: local, LookupEmail: lookup}
		file, err := ReadFile(context.Background(), strings.NewReader(in), opts)
		if err != nil {
			if file.Kind != 0 || len(file.Customers) > 0 || len(file.Deals) > 0 || len(file.Problems) > 0 {
				t.Fatalf("rows and problems alongside a header error %v", err)
			}
			return
		}
		switch file.Kind {
		case KindCustomers:
			if len(file.Deals) > 0 {
				t.Fatal("deals in a customers file")
			}
		case KindDeals:
			if len(file.Customers) > 0 {
				t.Fatal("customers in a deals file")
			}
		default:
			t.Fatalf("kind %v", file.Kind)
		}
		for _, r := range file.Customers {
			rec := r.Record
			if rec.Name == "" || rec.DefaultCadenceDays < 1 || r.Line < 2 ||
				rec.CadenceDays != nil && smed.CheckCadence(*rec.CadenceDays) != nil || rec.Value != nil && smed.CheckValue(*rec.Value) != nil {
				t.Fatalf("accepted a bad row: %+v", r)
			}
			if rec.Owner != nil && *rec.Owner != "" && (smed.CheckUserID(*rec.Owner) != nil || !local && !smed.IsSlackUserID(*rec.Owner)) {
				t.Fatalf("accepted a bad owner: %+v", r)
			}
		}
		for _, d := range file.Deals {
			if d.Customer == "" || d.Line < 2 || smed.CheckValue(d.Amount) != nil || d.At.IsZero() {
				t.Fatalf("accepted a bad deal: %+v", d)
			}
		}
		for _, p := range file.Problems {
			if p.Line < 2 || p.Err == nil || strings.Contains(p.Error(), "\n") {
				t.Fatalf("bad problem: %+v", p)
			}
		}
		// Read agrees with ReadFile on customers files in Slack mode.
		if !local && file.Kind == KindCustomers && !strings.Contains(in, "@") {
			rows, problems, err := Read(strings.NewReader(in), 30, time.UTC)
			if err != nil || len(rows) != len(file.Customers) || len(problems) != len(file.Problems) {
				t.Fatalf("Read: %d rows, %d problems, %v; ReadFile: %d, %d", len(rows), len(problems), err, len(file.Customers), len(file.Problems))
			}
		}
	})
}

// seq yields cards as Store.Export does.
func seq(cards []smed.Card) func(func(smed.Card, error) bool) {
	return func(yield func(smed.Card, error) bool) {
		for _, c := range cards {
			if !yield(c, nil) {
				return
			}
		}
	}
}
