package csvio

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/smedhq/smed"
)

func readFile(t *testing.T, in string, opts Options) File {
	t.Helper()
	if opts.DefaultCadence == 0 {
		opts.DefaultCadence = 30
	}
	if opts.Location == nil {
		opts.Location = cph
	}
	f, err := ReadFile(context.Background(), strings.NewReader(in), opts)
	if err != nil {
		t.Fatalf("ReadFile: %v", err)
	}
	return f
}

// A customers file as Excel saves it in a Danish or Norwegian locale:
// semicolons, Danish amounts and dates, a BOM, CRLF, and a trailing separator.
func TestReadExcelNordic(t *testing.T) {
	in := "\ufeffname;owner;value;cadence_days;last_contact;facts;\r\n" + // 1
		"Kobber & Co;U0123ABCD;75.000;30;02-11-2026;betaler kontant | ringer før 10;\r\n" + // 2
		"Ærø Fisk;U0456EFGH;75.000,00;2w;2.11.2026;;\r\n" + // 3
		"\"Brdr. Dahl; Søn\";;1.500.000 kr.;månedlig;;;\r\n" + // 4
		"Nordlys Møbler;;250\u00a0000,50;quarterly;2026-11-02 09:30;;\r\n" + // 5
		";;;;;;\r\n" // 6: blank
	f := readFile(t, in, Options{})
	if f.Kind != KindCustomers || len(f.Problems) > 0 {
		t.Fatalf("kind %v, problems %v", f.Kind, f.Problems)
	}
	want := []Row{
		{Line: 2, Record: smed.ImportRecord{Name: "Kobber & Co", Owner: ptr("U0123ABCD"), Value: ptr[int64](75000), CadenceDays: ptr(30),
			DefaultCadenceDays: 30, LastContactAt: time.Date(2026, 11, 2, 0, 0, 0, 0, cph), Facts: []string{"betaler kontant", "ringer før 10"}}},
		{Line: 3, Record: smed.ImportRecord{Name: "Ærø Fisk", Owner: ptr("U0456EFGH"), Value: ptr[int64](75000), CadenceDays: ptr(14),
			DefaultCadenceDays: 30, LastContactAt: time.Date(2026, 11, 2, 0, 0, 0, 0, cph)}},
		{Line: 4, Record: smed.ImportRecord{Name: "Brdr. Dahl; Søn", Owner: ptr(""), Value: ptr[int64](1_500_000), CadenceDays: ptr(30), DefaultCadenceDays: 30}},
		{Line: 5, Record: smed.ImportRecord{Name: "Nordlys Møbler", Owner: ptr(""), Value: ptr[int64](250001), CadenceDays: ptr(91),
			DefaultCadenceDays: 30, LastContactAt: time.Date(2026, 11, 2, 9, 30, 0, 0, cph)}},
	}
	if diff := cmp.Diff(want, f.Customers); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// The separator comes from the header line; each works for every row.
func TestReadSeparators(t *testing.T) {
	want := []Row{{Line: 2, Record: smed.ImportRecord{Name: "Acme, Inc", Value: ptr[int64](250000), DefaultCadenceDays: 30}}}
	for _, tt := range []struct{ name, in string }{
		{"comma", "name,value\n\"Acme, Inc\",250000\n"},
		{"comma, quoted header", "\"name\",\"value\"\n\"Acme, Inc\",250000\n"},
		{"semicolon", "name;value\nAcme, Inc;250.000\n"},
		{"semicolon, quoted Danish amount", "name;value\nAcme, Inc;\"250.000,00\"\n"},
		{"tab", "name\tvalue\nAcme, Inc\t250 000\n"},
		{"semicolon after a BOM", "\ufeffname;value\r\nAcme, Inc;250000\r\n"},
		{"a comma inside a quoted header cell does not count", "\"name\";\"value\"\nAcme, Inc;250000\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := readFile(t, tt.in, Options{})
			if len(f.Problems) > 0 {
				t.Fatalf("problems: %v", f.Problems)
			}
			if diff := cmp.Diff(want, f.Customers); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

// Excel's "sep=" first line names the separator and counts as a line.
func TestReadSepLine(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		want     []Row
	}{
		{"sep=;", "sep=;\nname;value\nAcme;5\n", []Row{{Line: 3, Record: smed.ImportRecord{Name: "Acme", Value: ptr[int64](5), DefaultCadenceDays: 30}}}},
		{"SEP=; with CRLF and a BOM", "\ufeffSEP=;\r\nname;value\r\nAcme;5\r\n", []Row{{Line: 3, Record: smed.ImportRecord{Name: "Acme", Value: ptr[int64](5), DefaultCadenceDays: 30}}}},
		{"sep=|", "sep=|\nname|value\nAcme|5\n", []Row{{Line: 3, Record: smed.ImportRecord{Name: "Acme", Value: ptr[int64](5), DefaultCadenceDays: 30}}}},
		{"sep=, over a semicolon-looking header", "sep=,\nname,value\n\"A;B\",5\n", []Row{{Line: 3, Record: smed.ImportRecord{Name: "A;B", Value: ptr[int64](5), DefaultCadenceDays: 30}}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := readFile(t, tt.in, Options{})
			if len(f.Problems) > 0 {
				t.Fatalf("problems: %v", f.Problems)
			}
			if diff := cmp.Diff(tt.want, f.Customers); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
	// Problems are reported on the file's own line numbers.
	f := readFile(t, "sep=;\nname;value\nAcme;lots\n\"bad\"x;1\n", Options{})
	if got := problemLines(f.Problems); len(got) != 2 || !strings.HasPrefix(got[0], "line 3: ") || !strings.HasPrefix(got[1], "line 4: ") {
		t.Errorf("problems %q, want lines 3 and 4", got)
	}
}

func TestReadSeparatorErrors(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"pipe", "name|owner|value\nAcme|U1AB|5\n",
			`csv: header "name|owner|value" has no comma, semicolon or tab between columns: if '|' separates them, use commas, semicolons or tabs instead, or make the first line sep=|`},
		{"colon", "name:value\n", `if ':' separates them`},
		{"two kinds", "name;owner,value\n", `csv: header "name;owner,value": columns are separated by more than one of comma, semicolon and tab; use one`},
		{"bad sep line", "sep=\nname\n", `csv: first line "sep=": want sep= and one separator, like sep=;`},
		{"sep line with a word", "sep=semicolon\nname\n", "want sep= and one separator"},
		{"sep line with a quote", "sep=\"\nname\n", "want sep= and one separator"},
		{"a separator that is not the header's", "name;value\n", ""}, // fine: semicolon
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadFile(context.Background(), strings.NewReader(tt.in), Options{DefaultCadence: 30})
			if tt.want == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// A trailing separator gives a column without a name: rows must leave it
// empty.
func TestReadUnnamedColumn(t *testing.T) {
	in := "name;value;\n" + // 1
		"Acme;5;\n" + // 2
		"Beta;6;oops\n" + // 3
		"Gamma;7\n" + // 4: the trailing separator left out
		"Delta;8;;;\n" + // 5: more of them
		"Eps;9;;x\n" + // 6: not only empty
		"Zeta\n" // 7: a named column missing
	f := readFile(t, in, Options{})
	if diff := cmp.Diff([]string{
		`line 3: column 3 has no name in the header but holds "oops"`,
		`line 6: 4 fields, but the header has 3`,
		`line 7: 1 fields, but the header has 3`,
	}, problemLines(f.Problems)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	var names []string
	for _, r := range f.Customers {
		names = append(names, r.Record.Name)
	}
	if diff := cmp.Diff([]string{"Acme", "Gamma", "Delta"}, names); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}

// fakeLookup is Slack's users.lookupByEmail: it knows some addresses and
// counts its calls.
type fakeLookup struct {
	users map[string]string // address → user ID
	calls map[string]int
	fail  error // returned for every address not in users, if set
}

func (l *fakeLookup) lookup(ctx context.Context, email string) (string, error) {
	if l.calls == nil {
		l.calls = map[string]int{}
	}
	l.calls[email]++
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if id, ok := l.users[strings.ToLower(email)]; ok {
		return id, nil
	}
	if l.fail != nil {
		return "", l.fail
	}
	return "", fmt.Errorf("users_not_found: %w", smed.ErrNotFound)
}

// Every form of an owner, in a Slack workspace and in a local one.
func TestReadOwners(t *testing.T) {
	lk := &fakeLookup{users: map[string]string{"karin@kobber.dk": "U0KARIN", "weird@x.dk": "not an id"}}
	tests := []struct {
		owner string
		opts  Options
		want  string // the owner read, or the problem
	}{
		{"", Options{}, ""},
		{"U0123ABCD", Options{}, "U0123ABCD"},
		{"W0123ABCD", Options{}, "W0123ABCD"},
		{"<@U0123ABCD>", Options{}, "U0123ABCD"},
		{"<@U0123ABCD|karin>", Options{}, "U0123ABCD"},
		{"<@u0123abcd>", Options{}, `problem: owner "<@u0123abcd>" is not a mention of a Slack user (like <@U0123ABCD>)`},
		{"karin@kobber.dk", Options{LookupEmail: lk.lookup}, "U0KARIN"},
		{"Karin@Kobber.DK", Options{LookupEmail: lk.lookup}, "U0KARIN"},
		{"<mailto:karin@kobber.dk|karin@kobber.dk>", Options{LookupEmail: lk.lookup}, "U0KARIN"},
		{"bo@kobber.dk", Options{LookupEmail: lk.lookup}, `problem: owner "bo@kobber.dk": no Slack user has this e-mail address`},
		{"weird@x.dk", Options{LookupEmail: lk.lookup}, `problem: owner "weird@x.dk": the lookup gave "not an id", which is not a user ID`},
		{"karin@kobber.dk", Options{}, `problem: owner "karin@kobber.dk" is an e-mail address, and finding its Slack user needs Slack: write the Slack user ID (U0123ABCD) instead`},
		{"karin@kobber.dk", Options{Local: true}, "problem: owner \"karin@kobber.dk\" is an e-mail address, and finding its Slack user needs Slack"},
		{"bob", Options{}, `problem: owner "bob" is not a Slack user: write a user ID (U0123ABCD), a mention (<@U0123ABCD>) or an e-mail address`},
		{"@bob", Options{}, `problem: owner "@bob" is not a Slack user`},
		{"u0123abcd", Options{}, `problem: owner "u0123abcd" is not a Slack user`},
		{"Karin Holm", Options{}, `problem: owner "Karin Holm" is not a Slack user`},
		{"bob", Options{Local: true}, "bob"},
		{"@bob", Options{Local: true}, "bob"},
		{"alice.smith", Options{Local: true}, "alice.smith"},
		{"U0123ABCD", Options{Local: true}, "U0123ABCD"},
		{"<@U0123ABCD>", Options{Local: true}, "U0123ABCD"},
		{"Karin Holm", Options{Local: true}, `problem: owner "Karin Holm" is not a user: write a name like alice, a Slack user ID (U0123ABCD) or a mention (<@U0123ABCD>)`},
		{"a{b}", Options{Local: true}, `problem: owner "a{b}" is not a user`},
	}
	for _, tt := range tests {
		in := "name,owner\nAcme," + csvQuote(tt.owner) + "\n"
		f := readFile(t, in, tt.opts)
		var got string
		switch {
		case len(f.Problems) > 0:
			got = "problem: " + strings.TrimPrefix(f.Problems[0].Error(), "line 2: ")
		case len(f.Customers) == 1:
			got = *f.Customers[0].Record.Owner
		}
		if ok := got == tt.want || strings.HasPrefix(tt.want, "problem: ") && strings.HasPrefix(got, tt.want); !ok {
			t.Errorf("owner %q (local %v, lookup %v):\n got %s\nwant %s", tt.owner, tt.opts.Local, tt.opts.LookupEmail != nil, got, tt.want)
		}
	}
}

func csvQuote(s string) string {
	if strings.ContainsAny(s, `,"`) {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

// An address is looked up once per file, however many rows it owns and
// however it is capitalised; a failed lookup is each of its rows' problem.
func TestReadLookupOncePerAddress(t *testing.T) {
	lk := &fakeLookup{users: map[string]string{"karin@kobber.dk": "U0KARIN"}, fail: errors.New("ratelimited")}
	in := "name,owner\nA,karin@kobber.dk\nB,KARIN@kobber.dk\nC,bo@kobber.dk\nD,bo@kobber.dk\nE,U0BO\n"
	f := readFile(t, in, Options{LookupEmail: lk.lookup})
	var owners []string
	for _, r := range f.Customers {
		owners = append(owners, r.Record.Name+"="+*r.Record.Owner)
	}
	if diff := cmp.Diff([]string{"A=U0KARIN", "B=U0KARIN", "E=U0BO"}, owners); diff != "" {
		t.Errorf("owners (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{
		`line 4: owner "bo@kobber.dk": looking up the e-mail address failed: ratelimited`,
		`line 5: owner "bo@kobber.dk": looking up the e-mail address failed: ratelimited`,
	}, problemLines(f.Problems)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(map[string]int{"karin@kobber.dk": 1, "bo@kobber.dk": 1}, lk.calls); diff != "" {
		t.Errorf("lookups (-want +got):\n%s", diff)
	}
}

// When ctx ends during the lookups, ReadFile stops and says so, with what it
// read before.
func TestReadLookupCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	lookup := func(ctx context.Context, email string) (string, error) {
		calls++
		if calls == 2 {
			cancel()
			return "", ctx.Err()
		}
		return "U0" + strings.ToUpper(strings.Split(email, "@")[0]), nil
	}
	in := "name,owner\nA,a@x.dk\nB,b@x.dk\nC,c@x.dk\n"
	f, err := ReadFile(ctx, strings.NewReader(in), Options{DefaultCadence: 30, LookupEmail: lookup})
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("err = %v, want context.Canceled at line 3", err)
	}
	if len(f.Customers) != 1 || calls != 2 {
		t.Errorf("read %d rows with %d lookups, want 1 and 2", len(f.Customers), calls)
	}
}

// A deals file: customer,amount,date[,text] in any order.
func TestReadDeals(t *testing.T) {
	in := "customer;amount;date;text\n" + // 1
		"Kobber & Co;75.000;2026-11-02;renewal\n" + // 2
		"Ærø Fisk;1,5 mio kr;2026-11-02T09:30:00+01:00;\n" + // 3
		"Nordlys Møbler;\"12.500,00\";02-11-2026;\"two\nlines\"\n" + // 4-5
		";5;2026-11-02;\n" + // 6
		"Acme;;2026-11-02;x\n" + // 7
		"Acme;lots;;x\n" + // 8
		"Acme;1.500k;02/11/2026;x\n" + // 9
		"Acme;-5;yesterday;x\n" + // 10
		"Acme;5\n" + // 11
		";;;\n" // 12: blank
	f := readFile(t, in, Options{})
	if f.Kind != KindDeals || len(f.Customers) > 0 {
		t.Fatalf("kind %v with %d customers, want deals only", f.Kind, len(f.Customers))
	}
	want := []DealRow{
		{Line: 2, Customer: "Kobber & Co", Amount: 75000, At: time.Date(2026, 11, 2, 0, 0, 0, 0, cph), Text: "renewal"},
		{Line: 3, Customer: "Ærø Fisk", Amount: 1_500_000, At: time.Date(2026, 11, 2, 8, 30, 0, 0, time.UTC)},
		{Line: 4, Customer: "Nordlys Møbler", Amount: 12500, At: time.Date(2026, 11, 2, 0, 0, 0, 0, cph), Text: "two\nlines"},
	}
	if diff := cmp.Diff(want, f.Deals); diff != "" {
		t.Errorf("deals (-want +got):\n%s", diff)
	}
	wantProblems := []string{
		`line 6: customer is empty`,
		`line 7: amount is empty`,
		`line 8: amount "lots" is not an amount: write 120000, 250.000, 250 000, 120k, 1,5 mio or 2 mia; date is empty`,
		`line 9: amount "1.500k" can be read two ways, as 1500 or as 1500000: write 1.5k or 1500k; ` +
			`date "02/11/2026" could be day/month or month/day: write 2026-11-23, 23-11-2026 or 23.11.2026`,
		`line 10: amount "-5": a value cannot be negative; date "yesterday" is not a date (2026-11-23, 23-11-2026 or 23.11.2026) or a time (2026-11-23T09:30:00Z)`,
		`line 11: 2 fields, but the header has 4`,
	}
	if diff := cmp.Diff(wantProblems, problemLines(f.Problems)); diff != "" {
		t.Errorf("problems (-want +got):\n%s", diff)
	}
}

func TestReadDealsHeaders(t *testing.T) {
	at := time.Date(2026, 11, 2, 0, 0, 0, 0, cph)
	for _, tt := range []struct {
		name, in string
		want     []DealRow
		wantErr  string
	}{
		{"without text", "customer,amount,date\nAcme,5k,2026-11-02\n", []DealRow{{Line: 2, Customer: "Acme", Amount: 5000, At: at}}, ""},
		{"any order and case", "Date,TEXT,Customer,Amount\n2026-11-02,hi,Acme,5k\n", []DealRow{{Line: 2, Customer: "Acme", Amount: 5000, At: at, Text: "hi"}}, ""},
		{"tab", "customer\tamount\tdate\nAcme\t5 000\t2.11.2026\n", []DealRow{{Line: 2, Customer: "Acme", Amount: 5000, At: at}}, ""},
		{"no date", "customer,amount\n", nil, "a deals file needs the columns customer, amount and date; it has no date"},
		{"only text", "text\n", nil, "it has no customer, amount, date"},
		{"unknown column", "customer,amount,date,owner2\n", nil, `unknown columns "owner2" (known in a deals file: customer,amount,date,text)`},
		{"mixed", "name,amount,date\n", nil, "mixes the columns of a customers file and a deals file"},
		{"unknown only", "firma,beløb\n", nil, `unknown columns "firma", "beløb" (a customers file has name,owner,value,cadence_days,last_contact,facts; a deals file customer,amount,date,text)`},
		{"duplicate", "customer,amount,date,Date\n", nil, "columns date appear twice"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			// A deals file needs no default cadence.
			f, err := ReadFile(context.Background(), strings.NewReader(tt.in), Options{Location: cph})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || len(f.Problems) > 0 || f.Kind != KindDeals {
				t.Fatalf("err = %v, problems = %v, kind %v", err, f.Problems, f.Kind)
			}
			if diff := cmp.Diff(tt.want, f.Deals); diff != "" {
				t.Errorf("deals (-want +got):\n%s", diff)
			}
		})
	}
}

// Read is for customers files: a deals file is an error that says so.
func TestReadRefusesDeals(t *testing.T) {
	_, _, err := Read(strings.NewReader("customer,amount,date\nAcme,5,2026-11-02\n"), 30, cph)
	if err == nil || !strings.Contains(err.Error(), "this is a deals file") {
		t.Errorf("err = %v, want a deals-file error", err)
	}
	if _, err := ReadFile(context.Background(), strings.NewReader("name\nAcme\n"), Options{}); err == nil || !strings.Contains(err.Error(), "default cadence 0") {
		t.Errorf("customers file without a default cadence: err = %v", err)
	}
}

// cadence_days takes the durations /customer cadence takes; values the
// amounts /customer value takes.
func TestReadValueAndCadenceForms(t *testing.T) {
	tests := []struct {
		value, cadence string
		v              int64
		d              int
	}{
		{"75.000", "30", 75000, 30},
		{"75.000,00", "14d", 75000, 14},
		{"1.500.000", "2w", 1500000, 14},
		{"250 000", "monthly", 250000, 30},
		{"1,2m", "quarterly", 1200000, 91},
		{"1,5 mio", "3 måneder", 1500000, 90},
		{"2 mia", "yearly", 2000000000, 365},
		{"kr. 250.000,-", "2 uger", 250000, 14},
		{"120,000", "14 dage", 120000, 14},
	}
	for _, tt := range tests {
		in := "name;value;cadence_days\nAcme;" + tt.value + ";" + tt.cadence + "\n"
		f := readFile(t, in, Options{})
		if len(f.Problems) > 0 || len(f.Customers) != 1 {
			t.Errorf("%q, %q: problems %v", tt.value, tt.cadence, f.Problems)
			continue
		}
		if r := f.Customers[0].Record; *r.Value != tt.v || *r.CadenceDays != tt.d {
			t.Errorf("%q, %q: value %d, cadence %d; want %d, %d", tt.value, tt.cadence, *r.Value, *r.CadenceDays, tt.v, tt.d)
		}
	}
}

func TestKindString(t *testing.T) {
	for k, want := range map[Kind]string{KindCustomers: "customers", KindDeals: "deals", 0: "Kind(0)"} {
		if got := k.String(); got != want {
			t.Errorf("Kind(%d) = %q, want %q", int(k), got, want)
		}
	}
}

// The separator is found on a reader that gives one byte at a time, without
// reading past the header line first.
func TestReadOneByteAtATime(t *testing.T) {
	in := "sep=;\r\nname;value\r\nAcme;75.000\r\n"
	f, err := ReadFile(context.Background(), iotest.OneByteReader(strings.NewReader(in)), Options{DefaultCadence: 30})
	want := []Row{{Line: 3, Record: smed.ImportRecord{Name: "Acme", Value: ptr[int64](75000), DefaultCadenceDays: 30}}}
	if err != nil || len(f.Problems) > 0 {
		t.Fatalf("err %v, problems %v", err, f.Problems)
	}
	if diff := cmp.Diff(want, f.Customers); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
}
