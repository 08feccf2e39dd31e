package smed

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Lengths of the calendar words, in days. A month is 30 days (SPEC: monthly
// is 30). A quarter is 91 days, not 3 × 30: 13 weeks, so a quarterly meeting
// keeps its weekday and four quarters are a year (364) rather than 360; so
// "quarterly" is 91 while "3 months" is 90. A half-year is two quarters
// (182), a year 365.
const (
	daysPerWeek     = 7
	daysPerMonth    = 30
	daysPerQuarter  = 91
	daysPerHalfYear = 182
	daysPerYear     = 365
)

// durationUnits are the unit words of a duration, folded (see fold): English,
// Danish, Norwegian and Swedish, singular and plural, and common
// abbreviations.
var durationUnits = map[string]int{
	"d": 1, "day": 1, "days": 1, "dag": 1, "dage": 1, "dager": 1, "dagar": 1,
	"w": daysPerWeek, "wk": daysPerWeek, "wks": daysPerWeek, "week": daysPerWeek, "weeks": daysPerWeek,
	"uge": daysPerWeek, "uger": daysPerWeek, "uke": daysPerWeek, "uker": daysPerWeek, "vecka": daysPerWeek, "veckor": daysPerWeek,
	"fortnight": 14, "fortnights": 14,
	"m": daysPerMonth, "mo": daysPerMonth, "mos": daysPerMonth, "mth": daysPerMonth, "mths": daysPerMonth,
	"month": daysPerMonth, "months": daysPerMonth,
	"maned": daysPerMonth, "maneder": daysPerMonth, // måned(er) DA/NO
	"manad": daysPerMonth, "manader": daysPerMonth, // månad(er) SV
	"md": daysPerMonth, "mdr": daysPerMonth, "mnd": daysPerMonth, "mndr": daysPerMonth, "man": daysPerMonth, // mån SV
	"quarter": daysPerQuarter, "quarters": daysPerQuarter, "qtr": daysPerQuarter,
	"kvartal": daysPerQuarter, "kvartaler": daysPerQuarter,
	"halvar": daysPerHalfYear, // halvår
	"y":      daysPerYear, "yr": daysPerYear, "yrs": daysPerYear, "year": daysPerYear, "years": daysPerYear,
	"ar": daysPerYear, // år DA/NO/SV
}

// durationWords are the one-word durations, folded.
var durationWords = map[string]int{
	"daily": 1, "daglig": 1, "dagligt": 1, "dagligen": 1,
	"weekly": daysPerWeek, "ugentlig": daysPerWeek, "ugentligt": daysPerWeek,
	"ukentlig": daysPerWeek, "ukentleg": daysPerWeek, "veckovis": daysPerWeek,
	// biweekly also means "twice a week" to some; in business it is every
	// two weeks, as fortnightly.
	"biweekly": 14, "fortnightly": 14,
	"monthly": daysPerMonth, "manedlig": daysPerMonth, "manedligt": daysPerMonth, "manedsvis": daysPerMonth,
	"manatlig": daysPerMonth, "manatligen": daysPerMonth, "manadsvis": daysPerMonth,
	"quarterly": daysPerQuarter, "kvartalsvis": daysPerQuarter, "kvartalvis": daysPerQuarter,
	"halfyearly": daysPerHalfYear, "semiannual": daysPerHalfYear, "semiannually": daysPerHalfYear,
	"halvarlig": daysPerHalfYear, "halvarligt": daysPerHalfYear, "halvarsvis": daysPerHalfYear,
	"yearly": daysPerYear, "annually": daysPerYear, "annual": daysPerYear,
	"arlig": daysPerYear, "arligt": daysPerYear, "arligen": daysPerYear, "arsvis": daysPerYear,
}

// everyWords start "every 2 weeks", "hver uge", "varje månad"; everyOther
// doubles ("every other week", "hver anden uge", "annenhver uke", "varannan
// vecka"); oneWords are the count 1 ("a week", "en måned", "ett år").
var (
	everyWords      = map[string]bool{"every": true, "each": true, "hver": true, "hvert": true, "varje": true, "var": true, "vart": true}
	otherWords      = map[string]bool{"other": true, "anden": true, "andet": true, "annen": true, "annet": true}
	everyOtherWords = map[string]bool{"annenhver": true, "annethvert": true, "varannan": true, "vartannat": true}
	oneWords        = map[string]bool{"a": true, "an": true, "one": true, "en": true, "et": true, "ett": true, "ei": true}
)

// durationForms is what a duration error shows.
const durationForms = "14d, 2w, 3 weeks, 1m, 1y, monthly or quarterly (also 14 dage, 2 uger, 3 måneder, månedlig)"

// errDurationRange marks a well-formed duration outside 1..MaxDays.
var errDurationRange = errors.New("duration out of range")

type rangeError struct{ inputError }

func (e rangeError) Unwrap() []error { return []error{ErrInvalid, errDurationRange} }

// ParseDuration reads a span of whole days as people write a cadence or a
// snooze, from 1 to MaxDays (CheckCadence). Errors name the input, show forms
// that work and wrap ErrInvalid.
//
// Forms, case-insensitive, with the number and unit together or apart:
//   - a number alone is days: 14.
//   - a number and a unit: 14d, 14 days, 14 dage (DA), 14 dager (NO), 14
//     dagar (SV); 2w, 2 wk, 3 weeks, 2 uger (DA), 2 uker (NO), 2 veckor (SV);
//     1m, 1 mo, 1 month, 3 months, 3 måneder (DA/NO), 3 månader (SV), 3 mdr,
//     3 mnd; 2 quarters, 2 kvartaler; 1 halvår; 1y, 1 yr, 1 year, 1 år; 2
//     fortnights. Singular and plural both work, and "a"/"one"/"en"/"et"/"ett"
//     count as 1 (a week, en måned, ett år).
//   - every / hver / hvert / varje before it: every 2 weeks, every week, hver
//     uge, hver 14. dag, hvert år, varje månad; "every other week", "hver
//     anden uge", "annenhver uke", "varannan vecka" are two weeks.
//   - one word: daily, weekly, biweekly and fortnightly (14), monthly,
//     quarterly, halfyearly/semiannually, yearly/annually; daglig(en),
//     ugentlig, ukentlig, veckovis, månedlig, månedsvis, månatlig(en),
//     månadsvis, kvartalsvis, halvårlig, årlig, årligen, årsvis.
//
// A month is 30 days, a quarter 91 (13 weeks, so "quarterly" is 91 while "3
// months" is 90), a half-year 182, a year 365. Letters may be typed with or
// without their accents, composed or not (NFC or NFD): måned, maaned and
// maned are one word. Fractions (1.5 weeks) and negative numbers are refused.
func ParseDuration(s string) (days int, err error) {
	if len(s) > 100 || !utf8.ValidString(s) {
		return 0, inputErrorf("%.40q is not a duration: write %s", s, durationForms)
	}
	words := durationFields(fold(s))
	if len(words) == 0 {
		return 0, inputErrorf("no duration given: write %s", durationForms)
	}
	bad := func() (int, error) {
		if len(words) > 0 && isNumberWord(words[0]) && strings.ContainsAny(words[0], ".,") {
			return 0, inputErrorf("%q: write a whole number of days or weeks, like 10d", s)
		}
		return 0, inputErrorf("%q is not a duration: write %s", s, durationForms)
	}
	if len(words) == 1 {
		if d, ok := durationWords[words[0]]; ok {
			return d, nil
		}
	}
	mult, every := 1, false
	switch {
	case everyWords[words[0]] && len(words) > 1 && otherWords[words[1]]:
		mult, every, words = 2, true, words[2:]
	case everyOtherWords[words[0]]:
		mult, every, words = 2, true, words[1:]
	case everyWords[words[0]]:
		every, words = true, words[1:]
	}
	unit := 1
	switch {
	case len(words) == 1 && every && mult == 1 && isDigits(strings.TrimSuffix(words[0], ".")):
		// "every 14" is every 14 days
		return checkDays(s, words[0], 1, 1)
	case len(words) == 1 && every:
		// every week
		u, ok := durationUnits[words[0]]
		if !ok {
			return bad()
		}
		unit = u
	case len(words) == 1 && isDigits(words[0]) && mult == 1:
		return checkDays(s, words[0], 1, 1) // 14: days
	case len(words) == 2 && oneWords[words[0]] && mult == 1:
		u, ok := durationUnits[words[1]]
		if !ok {
			return bad()
		}
		unit = u
	case len(words) == 2 && mult == 1:
		n := words[0]
		if every {
			n = strings.TrimSuffix(n, ".") // "hver 14. dag"
		}
		u, ok := durationUnits[words[1]]
		if !ok || !isDigits(n) {
			return bad()
		}
		return checkDays(s, n, u, 1)
	default:
		return bad()
	}
	return checkDays(s, "1", unit, mult)
}

// checkDays is digits × unit × mult days, refused outside 1..MaxDays.
func checkDays(s, digits string, unit, mult int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSuffix(digits, "."))
	if err != nil || n > MaxDays || CheckCadence(n*unit*mult) != nil {
		return 0, rangeError{inputError(fmt.Sprintf("%q is out of range (1 day to %d days, ten years)", s, MaxDays))}
	}
	return n * unit * mult, nil
}

// ParseDays reads a span of days. It is ParseDuration, kept for callers of
// its first version, which read only "14d", "2w" and "14".
//
// Deprecated: use ParseDuration.
func ParseDays(s string) (int, error) { return ParseDuration(s) }

func isDigits(s string) bool {
	return s != "" && strings.IndexFunc(s, func(r rune) bool { return !isDigit(r) }) < 0
}

// isNumberWord reports whether w is digits with dots or commas: 1.5, 1,5.
func isNumberWord(w string) bool {
	return w != "" && isDigit(rune(w[0])) && strings.IndexFunc(w, func(r rune) bool { return !isDigit(r) && r != '.' && r != ',' }) < 0
}

// fold lower-cases s and folds the letters the duration and date words hold
// to what people type without them: å, ä, aa → a; ö, ø → o; æ → ae; é → e;
// combining accents (NFD input) are dropped. It is not general Unicode
// normalisation (that lives outside this standard-library-only package); it
// makes "måned", "ma\u030aned", "maaned" and "maned" one word, which is all
// the vocabulary here needs.
func fold(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			// a combining accent: dropped
		case r == 'å' || r == 'ä' || r == 'á' || r == 'à' || r == 'â':
			b.WriteByte('a')
		case r == 'ö' || r == 'ø' || r == 'ó' || r == 'ò' || r == 'ô':
			b.WriteByte('o')
		case r == 'æ':
			b.WriteString("ae")
		case r == 'é' || r == 'è' || r == 'ê':
			b.WriteByte('e')
		case r == 'ü':
			b.WriteByte('u')
		default:
			b.WriteRune(r)
		}
	}
	return strings.ReplaceAll(b.String(), "aa", "a")
}

// durationFields splits folded text into words: at spaces, between digits
// and letters ("14d", "2w"), at a comma after a word or at its end ("may 1,
// 2027"); it drops a dot that ends a word ("mdr.", "okt."; but "14." stays,
// for "hver 14. dag" and "1. maj"), and a hyphen between letters
// (bi-weekly).
func durationFields(s string) []string {
	var out []string
	for _, f := range strings.Fields(s) {
		var cur strings.Builder
		prev := rune(0)
		flush := func() {
			w := cur.String()
			if len(w) > 1 && strings.HasSuffix(w, ".") && !isDigit(rune(w[len(w)-2])) {
				w = w[:len(w)-1]
			}
			if w != "" {
				out = append(out, w)
			}
			cur.Reset()
		}
		rs := []rune(f)
		for i, r := range rs {
			switch {
			case r == '-' && unicode.IsLetter(prev) && i+1 < len(rs) && unicode.IsLetter(rs[i+1]):
				continue // bi-weekly
			case r == ',' && (unicode.IsLetter(prev) || i+1 == len(rs)):
				flush() // "may 1, 2027"
				prev = 0
				continue
			case isDigit(prev) && unicode.IsLetter(r), unicode.IsLetter(prev) && isDigit(r):
				flush()
			}
			cur.WriteRune(r)
			prev = r
		}
		flush()
	}
	return out
}
