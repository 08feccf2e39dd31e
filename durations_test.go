package smed

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// One row per duration word and form.
func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		// days
		{"14", 14}, {"14d", 14}, {"14 d", 14}, {"14D", 14}, {"14 d.", 14}, {"1 day", 1}, {"14 days", 14}, {"14days", 14},
		{"14 dage", 14}, {"1 dag", 1}, {"14 dager", 14}, {"14 dagar", 14}, {"3650d", 3650},
		// weeks
		{"2w", 14}, {"2 w", 14}, {"2 W", 14}, {"2 wk", 14}, {"2 wks", 14}, {"1 week", 7}, {"1week", 7}, {"3 weeks", 21},
		{"2 uger", 14}, {"1 uge", 7}, {"2 uker", 14}, {"1 uke", 7}, {"2 veckor", 14}, {"1 vecka", 7},
		{"1 fortnight", 14}, {"2 fortnights", 28},
		// months: 30 days
		{"1m", 30}, {"1 m", 30}, {"1 mo", 30}, {"2 mos", 60}, {"1 mth", 30}, {"1 month", 30}, {"3 months", 90},
		{"3 måneder", 90}, {"1 måned", 30}, {"3 maaneder", 90}, {"3 maneder", 90}, {"3 MÅNEDER", 90},
		{"3 ma\u030aneder", 90}, // NFD: a + combining ring
		{"3 månader", 90}, {"1 månad", 30}, {"3 mdr", 90}, {"3 mdr.", 90}, {"3 md", 90}, {"3 mnd", 90}, {"3 mån", 90},
		// quarters: 91 days; half-years 182; years 365
		{"1 quarter", 91}, {"2 quarters", 182}, {"1 qtr", 91}, {"1 kvartal", 91}, {"2 kvartaler", 182},
		{"1 halvår", 182},
		{"1y", 365}, {"2y", 730}, {"1 yr", 365}, {"2 yrs", 730}, {"1 year", 365}, {"10 years", 3650},
		{"1 år", 365}, {"2 år", 730}, {"1 aar", 365}, {"1 Å\u030aR", 365},
		// articles as 1
		{"a week", 7},
		{"one month", 30}, {"en uge", 7}, {"en måned", 30}, {"et år", 365}, {"ett år", 365}, {"ei uke", 7},
		// every …
		{"every day", 1}, {"every week", 7}, {"every 2 weeks", 14}, {"every 14 days", 14}, {"every 14", 14},
		{"each month", 30}, {"every other week", 14}, {"every other month", 60},
		{"hver uge", 7}, {"hver 14. dag", 14}, {"hver 2. uge", 14}, {"hver måned", 30}, {"hvert år", 365}, {"hvert kvartal", 91},
		{"hver anden uge", 14}, {"hvert andet år", 730}, {"hver annen uke", 14}, {"annenhver uke", 14},
		{"varje vecka", 7}, {"varje månad", 30}, {"varannan vecka", 14}, {"vartannat år", 730},
		// one word
		{"daily", 1}, {"daglig", 1}, {"dagligt", 1}, {"dagligen", 1},
		{"weekly", 7}, {"Weekly", 7}, {"ugentlig", 7}, {"ugentligt", 7}, {"ukentlig", 7}, {"veckovis", 7},
		{"biweekly", 14}, {"bi-weekly", 14}, {"fortnightly", 14},
		{"monthly", 30}, {"MONTHLY", 30}, {"månedlig", 30}, {"månedligt", 30}, {"maanedlig", 30}, {"månedsvis", 30},
		{"månatlig", 30}, {"månatligen", 30}, {"månadsvis", 30},
		{"quarterly", 91}, {"kvartalsvis", 91},
		{"halfyearly", 182}, {"half-yearly", 182}, {"semiannually", 182}, {"semi-annually", 182}, {"halvårlig", 182}, {"halvårsvis", 182},
		{"yearly", 365}, {"annually", 365}, {"annual", 365}, {"årlig", 365}, {"årligt", 365}, {"aarlig", 365}, {"årligen", 365}, {"årsvis", 365},
		{"  monthly  ", 30},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

// The lengths of the calendar words, as documented: quarterly is 13 weeks,
// not 3 × 30 days.
func TestParseDurationCalendarLengths(t *testing.T) {
	for in, want := range map[string]int{"monthly": 30, "3 months": 90, "quarterly": 91, "halfyearly": 182, "12 months": 360, "yearly": 365} {
		if got, _ := ParseDuration(in); got != want {
			t.Errorf("ParseDuration(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestParseDurationRefusals(t *testing.T) {
	forms := "write 14d, 2w, 3 weeks, 1m, 1y, monthly or quarterly (also 14 dage, 2 uger, 3 måneder, månedlig)"
	tests := []struct{ in, want string }{
		{"", "no duration given: " + forms},
		{"   ", "no duration given"},
		{"x", `"x" is not a duration: ` + forms},
		{"soon", "not a duration"},
		{"0", `"0" is out of range (1 day to 3650 days, ten years)`},
		{"0d", "out of range"},
		{"3651d", "out of range"},
		{"11 years", "out of range"},
		{"999w", "out of range"},
		{"99999999999999999999d", "out of range"},
		{"-3d", "not a duration"},
		{"+3d", "not a duration"},
		{"1.5d", `"1.5d": write a whole number of days or weeks, like 10d`},
		{"1,5 uger", "whole number"},
		{"d", "not a duration"},
		{"weeks", "not a duration"},
		{"every", "not a duration"},
		{"every other", "not a duration"},
		{"every other 2 weeks", "not a duration"},
		{"annenhver 2 uker", "not a duration"},
		{"a 2 weeks", "not a duration"},
		{"an hour of days", "not a duration"},
		{"2 hours", "not a duration"},
		{"2 weeks 3 days", "not a duration"},
		{"14 dage.x", "not a duration"},
		{"2x", "not a duration"},
		{"0x10", "not a duration"},
		{"monthly please", "not a duration"},
		{"twice a week", "not a duration"},
		{"14\xffd", "not a duration"},
		{strings.Repeat("1", 101), "not a duration"},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if err == nil {
			t.Errorf("ParseDuration(%q) = %d, want an error", tt.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalid) {
			t.Errorf("ParseDuration(%q) error %q (ErrInvalid: %v), want it to contain %q and wrap ErrInvalid",
				tt.in, err, errors.Is(err, ErrInvalid), tt.want)
		}
	}
}

// ParseDays is ParseDuration: everything the first version read still
// reads the same.
func TestParseDays(t *testing.T) {
	good := map[string]int{"14d": 14, "2w": 14, "14": 14, "1d": 1, "3 days": 3, "1week": 7, "3650d": 3650, "2y": 730, "monthly": 30}
	for in, want := range good {
		got, err := ParseDays(in)
		if err != nil || got != want {
			t.Errorf("ParseDays(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0d", "-3d", "x", "3651d", "999w", "+3d", "1.5d"} {
		if got, err := ParseDays(in); err == nil {
			t.Errorf("ParseDays(%q) = %d, want an error", in, got)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Måned": "maned", "ma\u030aned": "maned", "MAANED": "maned", "Lørdag": "lordag", "lördag": "lordag",
		"Næste": "naeste", "nästa": "nasta", "Söndag": "sondag",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzParseDuration(f *testing.F) {
	for _, seed := range []string{"14d", "2 w", "3 weeks", "1m", "monthly", "quarterly", "3 måneder", "ma\u030anedlig",
		"hver 14. dag", "annenhver uke", "every other month", "1.5w", "-3d", "0", "10 years", "a week"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("ParseDuration(%q): error %v does not wrap ErrInvalid", s, err)
			}
			return
		}
		if CheckCadence(d) != nil {
			t.Fatalf("ParseDuration(%q) = %d, out of range", s, d)
		}
		for _, again := range []string{strconv.Itoa(d), strconv.Itoa(d) + "d", strconv.Itoa(d) + " dage"} {
			if e, err := ParseDuration(again); err != nil || e != d {
				t.Fatalf("ParseDuration(%q) = %d, but ParseDuration(%q) = %d, %v", s, d, again, e, err)
			}
		}
		if isASCII(s) {
			if e, err := ParseDuration(strings.ToUpper(s)); err != nil || e != d {
				t.Fatalf("ParseDuration(%q) = %d, but upper-cased %d, %v", s, d, e, err)
			}
		}
	})
}
