package smed

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// One row per way of writing an amount, in both notations.
func TestParseAmount(t *testing.T) {
	tests := []struct {
		form, in string
		want     int64
	}{
		{"plain", "120000", 120000},
		{"plain zero", "0", 0},
		{"plain, leading zero", "0120", 120},
		{"at MaxValue", "1000000000000000", MaxValue},
		{"spaces around", "  120000 ", 120000},

		{"k", "120k", 120000},
		{"K", "120K", 120000},
		{"k with a space", "120 k", 120000},
		{"k with a dot", "120k.", 120000},
		{"decimal point k", "0.5k", 500},
		{"decimal comma k", "2,5k", 2500},
		{"tusind (DA)", "250 tusind", 250000},
		{"tusen (NO/SV)", "250 tusen", 250000},
		{"thousand", "5 thousand", 5000},
		{"m, decimal point", "1.2m", 1200000},
		{"m, decimal comma", "1,2m", 1200000},
		{"M", "2.5M", 2500000},
		{"m, two decimals", "1.25m", 1250000},
		{"m, four decimals", "1.2345m", 1234500},
		{"mio, decimal comma", "1,5 mio", 1500000},
		{"mio. with a dot", "1,5 mio.", 1500000},
		{"mio fused", "1,5mio", 1500000},
		{"mn", "3mn", 3000000},
		{"mill. (NO)", "1,5 mill.", 1500000},
		{"million", "2 million", 2000000},
		{"millioner (DA/NO)", "2 millioner", 2000000},
		{"miljoner (SV)", "2 miljoner", 2000000},
		{"mia (DA/NO)", "2 mia", 2000000000},
		{"mia. with a dot", "2 mia.", 2000000000},
		{"mrd", "1,5 mrd", 1500000000},
		{"milliarder", "2 milliarder", 2000000000},
		{"miljarder (SV)", "2 miljarder", 2000000000},
		{"bn", "1bn", 1e9},
		{"b", "1b", 1e9},
		{"leading zero decimal, three digits, with a magnitude", "0.500m", 500000},

		{"thousands dots (DA/NO)", "250.000", 250000},
		{"thousands dots, millions", "1.500.000", 1500000},
		{"lone dot, three digits: thousands", "1.500", 1500},
		{"thousands commas (EN)", "1,500,000", 1500000},
		{"lone comma, three digits: thousands", "120,000", 120000},
		{"thousands spaces (SV/NO)", "250 000", 250000},
		{"thousands spaces, millions", "1 500 000", 1500000},
		{"thousands no-break space", "250\u00a0000", 250000},
		{"thousands narrow no-break space", "1\u202f500\u202f000", 1500000},
		{"thousands thin space", "250\u2009000", 250000},
		{"thousands underscores", "1_500_000", 1500000},
		{"thousands spaces with a magnitude", "1 500 mio", 1500000000},
		{"thousands dots with a magnitude", "1.500.000k", 1500000000},

		{"øre: Danish decimal comma, thousands dots", "1.234,56", 1235},
		{"cents: English decimal point, thousands commas", "1,234.56", 1235},
		{"øre: Swedish decimal comma, thousands spaces", "1 234,56", 1235},
		{"øre: two decimals, rounded down", "12,34", 12},
		{"øre: half rounds up", "12,50", 13},
		{"cents: decimal point", "1234.49", 1234},
		{"zero øre from a spreadsheet", "75.000,00", 75000},
		{"zero cents", "250.00", 250},
		{"thousands and a decimal with a magnitude", "1,234.5k", 1234500},
		{"Danish thousands and decimal with a magnitude", "1.234,5 mio", 1234500000},

		{"kr after", "250.000 kr", 250000},
		{"kr fused", "250000kr", 250000},
		{"kr. after", "250.000 kr.", 250000},
		{"kr. before", "kr. 250.000", 250000},
		{"kr before, fused", "kr250000", 250000},
		{"kroner", "250.000 kroner", 250000},
		{"kronor (SV)", "250 000 kronor", 250000},
		{"DKK before", "DKK 250.000", 250000},
		{"DKK fused", "DKK250000", 250000},
		{"NOK after", "250 000 NOK", 250000},
		{"SEK after", "250 000 SEK", 250000},
		{"ISK", "ISK 5000", 5000},
		{"EUR before", "EUR 5000", 5000},
		{"euro after", "5000 euro", 5000},
		{"€ before", "€5k", 5000},
		{"€ after", "5 €", 5},
		{"$ before", "$5k", 5000},
		{"USD", "USD 1.2m", 1200000},
		{"£", "£300", 300},
		{",- (DA)", "250.000,-", 250000},
		{",– en dash", "250.000,–", 250000},
		{"kr. and ,-", "kr. 250.000,-", 250000},
		{",- then kr", "250.000,- kr", 250000},
		{":- (SV)", "99:-", 99},
		{"magnitude then currency", "1,5 mio kr", 1500000},
		{"magnitude then currency, dots", "1,5 mio. kr.", 1500000},
		{"currency before, magnitude after", "kr 1,5 mio", 1500000},
		{"tkr (SV)", "500 tkr", 500000},
		{"t.kr. (DA)", "500 t.kr.", 500000},
		{"kkr", "500 kkr", 500000},
		{"mkr (SV)", "5 mkr", 5000000},
		{"MSEK before", "MSEK 12", 12000000},
		{"MNOK after (not mn + ok)", "12 MNOK", 12000000},
		{"kDKK after", "250 kDKK", 250000},
		{"mEUR before", "mEUR 3", 3000000},
	}
	for _, tt := range tests {
		got, err := ParseAmount(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("%s: ParseAmount(%q) = %d, %v; want %d", tt.form, tt.in, got, err, tt.want)
		}
	}
}

// Every refusal, with what the message must say.
func TestParseAmountRefusals(t *testing.T) {
	forms := "write 120000, 250.000, 250 000, 120k, 1,5 mio or 2 mia"
	tests := []struct {
		why, in, want string
	}{
		{"empty", "", "no amount given: " + forms},
		{"blank", "  ", "no amount given"},
		{"words", "lots", `"lots" is not an amount: ` + forms},
		{"magnitude alone", "k", `"k" is not an amount`},
		{"currency alone", "kr", `"kr" is not an amount`},
		{"NaN", "NaN", "not an amount"},
		{"Inf", "Inf", "not an amount"},
		{"exponent", "1e9", `"1e9" is not an amount: ` + forms},
		{"hex", "0x10", "not an amount"},
		{"negative", "-5", `"-5": a value cannot be negative`},
		{"negative zero", "-0", "cannot be negative"},
		{"negative after a currency", "kr -5", "cannot be negative"},
		{"minus sign", "−5k", "cannot be negative"},
		{"plus sign", "+5", "not an amount"},
		{"too large", "99999999999999999999", `"99999999999999999999" is too large (at most 1,000,000,000,000,000)`},
		{"one above MaxValue", "1000000000000001", "too large"},
		{"too large with a magnitude", "2000000 mia", "too large"},

		{"lone dot, three digits, with k: 1.5k or 1500k", "1.500k", `"1.500k" can be read two ways, as 1500 or as 1500000: write 1.5k or 1500k`},
		{"lone comma, three digits, with mio", "1,500 mio", `as 1500000 or as 1500000000: write 1,5 mio or 1500 mio`},
		{"lone dot, three digits, with m: all three decimals", "2.125m", `as 2125000 or as 2125000000: write 2125000 or 2125m`},
		{"lone dot, zeros, with m", "1.000m", `write 1m or 1000m`},
		{"billion (EN 10^9, DA 10^12)", "2 billion", `"2 billion" is ambiguous: a billion is 10^9 in English but 10^12 in Danish, Norwegian and Swedish; write mia or bn for 10^9`},
		{"billioner", "2 billioner", "ambiguous"},
		{"biljoner", "2 biljoner", "ambiguous"},

		{"a fraction without a magnitude: decimal point", "1.5", `"1.5" has a fraction of a unit, and amounts are whole units: write 1.5k for 1500, or 1.5m for 1500000, or 2`},
		{"a fraction without a magnitude: decimal comma", "1,5", `write 1,5k for 1500, or 1,5m for 1500000, or 2`},
		{"one decimal", "12.5", "fraction of a unit"},
		{"three decimals after a leading zero", "0.500", "fraction of a unit"},
		{"four decimals", "1,2345", "fraction of a unit"},
		{"one decimal after thousands", "1.234,5", "fraction of a unit"},
		{"three decimals after thousands", "1,234.567", "fraction of a unit"},
		{"zero decimals, three, after thousands: maybe a million", "1 000,000", `"1 000,000" has 3 decimals, not two (øre, cents): write 1000000, or 1000`},
		{"zero decimals, three, after Danish thousands", "1.234,000", "write 1234000, or 1234"},
		{"one zero decimal", "75000,0", `"75000,0" has 1 decimal, not two (øre, cents): write 75000`},
		{"four zero decimals", "5,0000", "has 4 decimals"},
		{"three decimals after space thousands", "250 000.500", `has a fraction of a unit, and amounts are whole units: write 250000500, or 250001`},
		{"not whole with a magnitude", "1.2345k", `"1.2345k" is 1234.5, not a whole number of units: write 1234 or 1235`},

		{"groups of two (Indian)", "1,23,456", `"1,23,456" is not an amount: thousands come in groups of three digits (1.500.000, 1,500,000 or 1 500 000)`},
		{"groups of one", "1.2.3", "groups of three digits"},
		{"first group too long", "1234.567.890", "groups of three digits"},
		{"first group with a leading zero", "0.500.000", "groups of three digits"},
		{"space group of one", "1 5 mio", "groups of three digits"},
		{"space group of four", "25 0000", "groups of three digits"},
		{"mixed thousands separators", "1.234 567", "thousands are separated one way"},
		{"decimal separator used twice after thousands", "1.234,567.89", "thousands are separated one way"},
		{"two separators in a row", "1,,000", "two separators in a row"},
		{"a dot and a space in a row", "1. 000", "two separators in a row"},
		{"leading comma", ",5", "not an amount"},
		{"trailing dot", "12.", "not an amount"},
		{"trailing comma", "12,", "not an amount"},
		{"a tab inside", "250\t000", "not an amount"},
		{"two magnitudes", "12kk", "not an amount"},
		{"prefix and suffix magnitude", "MSEK 5m", "one currency and one magnitude at most"},
		{"two currencies", "EUR 5 DKK", "one currency and one magnitude at most"},
		{"the same currency twice", "5 kr kr", "not an amount"},
		{"currency before magnitude", "5 kr mio", "not an amount"},
		{",- before the number", ",- 5", "not an amount"},
		{",- twice", "5,-,-", "not an amount"},
		{"t without a currency", "5t", "not an amount"},
		{"t with a space before the currency", "5 t kr", "not an amount"},
		{"magnitude alone before the number", "k 5", "not an amount"},
		{"mdkr (SV: billions of kronor) is not m + dkr", "5 mdkr", "not an amount"},
		{"unknown word", "5 apples", `"5 apples" is not an amount`},
		{"two numbers", "5 - 10", "not an amount"},
		{"Arabic-Indic digits", "٣٠٠", "not an amount"},
		{"too long", strings.Repeat("1", 101), "not an amount"},
		{"invalid UTF-8", "12\xff", "not an amount"},
	}
	for _, tt := range tests {
		got, err := ParseAmount(tt.in)
		if err == nil {
			t.Errorf("%s: ParseAmount(%q) = %d, want an error", tt.why, tt.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: ParseAmount(%q) error\n %s\nwant it to contain\n %s", tt.why, tt.in, err, tt.want)
		}
		if !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: ParseAmount(%q) error %v does not wrap ErrInvalid", tt.why, tt.in, err)
		}
		if strings.ContainsAny(err.Error(), "\n") {
			t.Errorf("%s: the message spans lines: %q", tt.why, err)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	for in, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := FormatAmount(in); got != want {
			t.Errorf("FormatAmount(%d) = %q, want %q", in, got, want)
		}
	}
}

// What is shown reads back as what was stored, in every place a value is
// written: FormatAmount, plain digits, and the Nordic groupings.
func TestParseAmountReadsFormatted(t *testing.T) {
	for _, v := range []int64{0, 7, 999, 1000, 1500, 75000, 120000, 1234567, 1_000_000_000, MaxValue} {
		for _, s := range []string{FormatAmount(v), strconv.FormatInt(v, 10), groupBy(v, "."), groupBy(v, " "), groupBy(v, "\u202f") + " kr"} {
			if got, err := ParseAmount(s); err != nil || got != v {
				t.Errorf("ParseAmount(%q) = %d, %v; want %d", s, got, err, v)
			}
		}
	}
}

// groupBy writes v with sep between groups of three digits.
func groupBy(v int64, sep string) string {
	return strings.ReplaceAll(FormatAmount(v), ",", sep)
}

func FuzzParseAmount(f *testing.F) {
	for _, seed := range []string{"120000", "120k", "1.2m", "1,5 mio", "2 mia", "250.000", "1 500 000", "1.234,56",
		"kr. 250.000,-", "MSEK 12", "1.500k", "-5", "1e9", "12kk", "1,23,456", "250\u202f000 kr", "0.500m", "99:-"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseAmount(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseAmount(%q): error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if CheckValue(v) != nil {
			t.Fatalf("ParseAmount(%q) = %d, out of range", s, v)
		}
		for _, again := range []string{FormatAmount(v), strconv.FormatInt(v, 10), groupBy(v, ".") + ",-", groupBy(v, " ")} {
			if w, err := ParseAmount(again); err != nil || w != v {
				t.Fatalf("ParseAmount(%q) = %d, but ParseAmount(%q) = %d, %v", s, v, again, w, err)
			}
		}
		// Case does not matter: "1.2M" = "1.2m" (ASCII only; Unicode case
		// mappings can turn a stray letter into a word).
		if isASCII(s) {
			if w, err := ParseAmount(strings.ToUpper(s)); err != nil || w != v {
				t.Fatalf("ParseAmount(%q) = %d, but upper-cased %d, %v", s, v, w, err)
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func TestDueAt(t *testing.T) {
	created := mustTime("2026-01-01T00:00:00Z")
	c := Customer{CadenceDays: 30, CreatedAt: created}
	if got, want := c.DueAt(), created.Add(30*Day); !got.Equal(want) {
		t.Errorf("never contacted: due %v, want %v", got, want)
	}
	c.LastContactAt = created.Add(10 * Day)
	if got, want := c.DueAt(), created.Add(40*Day); !got.Equal(want) {
		t.Errorf("contacted: due %v, want %v", got, want)
	}
	c.SnoozedUntil = created.Add(60 * Day)
	if got, want := c.DueAt(), created.Add(60*Day); !got.Equal(want) {
		t.Errorf("snoozed: due %v, want %v", got, want)
	}
	if c.OverdueAt(created.Add(60*Day)) || !c.OverdueAt(created.Add(60*Day+1)) {
		t.Error("overdue must mean now > due")
	}
}
