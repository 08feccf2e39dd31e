package smed

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxValue bounds customer values so sums over a whole team cannot overflow.
const MaxValue = 1_000_000_000_000_000 // 10^15

// MaxDays bounds cadences and snoozes (ten years).
const MaxDays = 3650

// inputError is what the parsers of this package return for text a person
// typed: the message is meant for that person (it names the input and shows
// forms that work) and errors.Is(err, ErrInvalid) holds.
type inputError string

func (e inputError) Error() string { return string(e) }
func (e inputError) Unwrap() error { return ErrInvalid }

func inputErrorf(format string, a ...any) error { return inputError(fmt.Sprintf(format, a...)) }

// amountForms is what an amount error shows: the forms that work.
const amountForms = "120000, 250.000, 250 000, 120k, 1,5 mio or 2 mia"

// ParseAmount reads a customer value in whole currency units as people in the
// Nordics and elsewhere type it, and refuses what could be read two ways.
// Errors name the input, show forms that work and wrap ErrInvalid.
//
// The number:
//   - plain digits: 120000.
//   - thousands in groups of three, separated by dots, commas, spaces, a
//     no-break space (U+00A0), a narrow or thin no-break space (U+202F,
//     U+2009) or underscores, one kind per number: 250.000, 1.500.000,
//     1,500,000, 250 000. The first group has 1–3 digits and no leading zero.
//   - a single dot or comma followed by exactly three digits (1.500, 250,000)
//     is a thousands separator: nobody writes an amount with three decimals.
//   - a decimal part after the last separator when the number has both kinds
//     (1.234,56 Danish, 1,234.56 English, 1 234,56 Swedish), or after a lone
//     dot or comma followed by other than three digits (1,5m, 1.25m, 12,50).
//
// The magnitude after the number, with or without a space and an optional
// dot: k, tusind/tusen/thousand (×1000), m, mn, mio, mill, million(er),
// miljon(er) (×10^6), b, bn, mia, mrd, milliard(er), miljard(er) (×10^9); and
// t only when a currency follows at once (tkr, tsek: thousands of kronor).
// A currency may come before or after the number, with or without a space,
// and is ignored (one currency per workspace): kr, kr., kroner, kronor, krone,
// krona, kronur, DKK, NOK, SEK, ISK, EUR, euro, USD, GBP, €, $, £; so may a
// trailing ",-" or ":-" ("250.000,-", "99:-"). A magnitude may be fused with a
// currency code in front of it (MSEK 12, 12 MNOK, 5 tkr). At most one
// magnitude and one currency.
//
// Decisions on forms that could go wrong:
//   - With a magnitude, a lone dot or comma followed by three digits is
//     refused as ambiguous: 1.500k is 1.5k to an English reader and 1500k to a
//     Danish one. The error shows both unambiguous spellings.
//   - Without a magnitude a decimal part must be two digits (øre, cents:
//     12,50; 1.234,56; 75.000,00) and is rounded to whole units, half away
//     from zero (1.234,56 → 1235). Any other decimal part is refused rather
//     than rounded, even when it is zeros: "1,5" is far more likely a
//     forgotten "m" than one and a half kroner (the error suggests 1,5k, 1,5m
//     and the rounded number), and "1 000,000" may be a million with a
//     mistyped separator (the error shows 1000 and 1000000).
//   - With a magnitude the result must be whole: 1.2345k (1234.5) is refused.
//   - "billion" (and billioner, biljon) is refused: it is 10^9 in English and
//     10^12 in Danish, Norwegian and Swedish. Write mia or bn.
//   - Negative amounts, exponents (1e9), hex and other signs are refused, and
//     so is anything above MaxValue (CheckValue).
func ParseAmount(s string) (int64, error) {
	if len(s) > 100 || !utf8.ValidString(s) {
		return 0, inputErrorf("%.40q is not an amount: write %s", s, amountForms)
	}
	t := strings.ToLower(strings.TrimSpace(s))
	if t == "" {
		return 0, inputErrorf("no amount given: write %s", amountForms)
	}
	first := strings.IndexFunc(t, isDigit)
	if first < 0 {
		return 0, inputErrorf("%q is not an amount: write %s", s, amountForms)
	}
	last := strings.LastIndexFunc(t, isDigit)
	prefix, core, suffix := t[:first], t[first:last+1], t[last+1:]
	if negative(prefix) {
		return 0, inputErrorf("%q: a value cannot be negative", s)
	}
	pre, ok := amountAffix(prefix, true)
	if !ok {
		return 0, inputErrorf("%q is not an amount: write %s", s, amountForms)
	}
	suf, ok := amountAffix(suffix, false)
	if !ok {
		return 0, inputErrorf("%q is not an amount: write %s", s, amountForms)
	}
	if pre.billion || suf.billion {
		return 0, inputErrorf("%q is ambiguous: a billion is 10^9 in English but 10^12 in Danish, Norwegian and Swedish; write mia or bn for 10^9", s)
	}
	if pre.currencies+suf.currencies > 1 || pre.mag != nil && suf.mag != nil {
		return 0, inputErrorf("%q is not an amount: give one currency and one magnitude at most, like 1,5 mio kr", s)
	}
	mag := pre.mag
	if mag == nil {
		mag = suf.mag
	}
	n, err := splitNumber(core)
	if err != nil {
		return 0, inputErrorf("%q is not an amount: %v", s, err)
	}
	mult := int64(1)
	if mag != nil {
		mult = mag.mult
	}
	intPart, frac := n.intDigits, n.fracDigits
	switch {
	case n.threeAfterLone && mag == nil:
		intPart, frac = intPart+frac, "" // 1.500 or 250,000: thousands
	case n.threeAfterLone:
		word := mag.text
		if len(word) > 1 {
			word = " " + word
		}
		asDecimal, asThousands := scaled(intPart, frac, mult), scaled(intPart+frac, "", mult)
		// The decimal reading with fewer decimals (1.5k), or in plain
		// digits when all three are needed (2.125m → 2125000).
		dec := asDecimal
		if d := strings.TrimRight(frac, "0"); len(d) < 3 {
			dec = intPart + strings.TrimSuffix(string(n.sep)+d, string(n.sep)) + word
		}
		return 0, inputErrorf("%q can be read two ways, as %s or as %s: write %s or %s%s", s,
			asDecimal, asThousands, dec, intPart+frac, word)
	}
	v := scaledRat(intPart, frac, mult)
	switch {
	case mag == nil && len(frac) == 2:
		// øre or cents: round half away from zero (values are never negative here)
		v.Add(v, big.NewRat(1, 2))
		v.SetInt(new(big.Int).Quo(v.Num(), v.Denom()))
	case mag == nil && frac != "":
		// Not øre or cents: a forgotten magnitude (1,5 for 1,5m), or a
		// thousands group after thousands separated another way (1 000,000).
		var tries []string
		if n.grouped && len(frac) == 3 {
			tries = append(tries, intPart+frac)
		}
		for _, m := range []struct {
			word string
			mult int64
		}{{"k", 1e3}, {"m", 1e6}} {
			if w := scaledRat(intPart, frac, m.mult); w.IsInt() && !n.grouped {
				tries = append(tries, fmt.Sprintf("%s%s for %s", core, m.word, w.Num()))
			}
		}
		r := new(big.Rat).Add(v, big.NewRat(1, 2))
		tries = append(tries, new(big.Int).Quo(r.Num(), r.Denom()).String())
		if v.IsInt() {
			decimals := "1 decimal"
			if len(frac) > 1 {
				decimals = strconv.Itoa(len(frac)) + " decimals"
			}
			return 0, inputErrorf("%q has %s, not two (øre, cents): write %s", s, decimals, strings.Join(tries, ", or "))
		}
		return 0, inputErrorf("%q has a fraction of a unit, and amounts are whole units: write %s", s, strings.Join(tries, ", or "))
	case v.IsInt():
	default:
		lo := new(big.Int).Quo(v.Num(), v.Denom())
		hi := new(big.Int).Add(lo, big.NewInt(1))
		return 0, inputErrorf("%q is %s, not a whole number of units: write %s or %s", s, scaled(intPart, frac, mult), lo, hi)
	}
	if !v.Num().IsInt64() || CheckValue(v.Num().Int64()) != nil {
		return 0, inputErrorf("%q is too large (at most %s)", s, FormatAmount(MaxValue))
	}
	return v.Num().Int64(), nil
}

// negative reports whether the words before an amount's number are a minus
// sign, before or after a currency: "-5", "- 5", "kr -5", "-kr 5".
func negative(prefix string) bool {
	p := strings.TrimSpace(prefix)
	for _, minus := range []string{"-", "−", "–"} {
		if rest, ok := strings.CutPrefix(p, minus); ok {
			if _, ok := amountAffix(rest, true); ok {
				return true
			}
		}
		if rest, ok := strings.CutSuffix(p, minus); ok && !strings.HasSuffix(rest, ",") && !strings.HasSuffix(rest, ":") {
			if _, ok := amountAffix(rest, true); ok {
				return true
			}
		}
	}
	return false
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

// scaledRat is intDigits.fracDigits × mult, exactly.
func scaledRat(intDigits, fracDigits string, mult int64) *big.Rat {
	r, _ := new(big.Rat).SetString(intDigits + "." + fracDigits + "0")
	return r.Mul(r, new(big.Rat).SetInt64(mult))
}

// scaled writes intDigits.fracDigits × mult in plain digits (no grouping:
// grouping is what is in question when it is shown).
func scaled(intDigits, fracDigits string, mult int64) string {
	v := scaledRat(intDigits, fracDigits, mult)
	if v.IsInt() {
		return v.Num().String()
	}
	return strings.TrimRight(v.FloatString(len(fracDigits)), "0")
}

// number is the digits of an amount, split where its decimal separator is.
type number struct {
	intDigits, fracDigits string // fracDigits "" when there is no decimal part
	// threeAfterLone: the number is digits, one dot or comma, then exactly
	// three digits (1.500): thousands or a decimal, the magnitude decides.
	// intDigits and fracDigits then hold the two sides, sep the separator.
	threeAfterLone bool
	sep            rune
	grouped        bool // the integer digits had thousands separators
}

// splitNumber splits the digits and separators of an amount (from its
// first digit to its last) into integer and decimal digits; see ParseAmount
// for the rules. Its errors say what is wrong with the grouping.
func splitNumber(core string) (number, error) {
	var groups []string
	var seps []rune
	start := 0
	for i, r := range core {
		if isDigit(r) {
			continue
		}
		sep := r
		switch r {
		case '.', ',':
		case ' ', '\u00a0', '\u202f', '\u2009', '\u2007', '_':
			sep = ' '
		default:
			return number{}, fmt.Errorf("write %s", amountForms)
		}
		if i == start {
			return number{}, fmt.Errorf("two separators in a row; write %s", amountForms)
		}
		groups = append(groups, core[start:i])
		seps = append(seps, sep)
		start = i + utf8.RuneLen(r)
	}
	groups = append(groups, core[start:])
	if len(seps) == 0 {
		return number{intDigits: groups[0]}, nil
	}
	last := seps[len(seps)-1]
	lastCount := strings.Count(string(seps), string(last))
	decimal := false
	switch {
	case len(seps) == 1 && last != ' ':
		g0, g1 := groups[0], groups[1]
		if len(g1) == 3 && len(g0) <= 3 && g0[0] != '0' {
			return number{intDigits: g0, fracDigits: g1, threeAfterLone: true, sep: last}, nil
		}
		return number{intDigits: g0, fracDigits: g1, sep: last}, nil
	case last != ' ' && lastCount == 1:
		decimal = true // 1.234,56 or 1 234,56: the last, lone separator is the decimal one
	}
	thousands := seps
	intGroups := groups
	if decimal {
		thousands, intGroups = seps[:len(seps)-1], groups[:len(groups)-1]
	}
	for _, sep := range thousands {
		if sep != thousands[0] {
			return number{}, fmt.Errorf("thousands are separated one way (1.500.000, 1,500,000 or 1 500 000), with a different decimal separator after them (1.234,56)")
		}
	}
	for i, g := range intGroups {
		if i == 0 && (len(g) > 3 || g[0] == '0') || i > 0 && len(g) != 3 {
			return number{}, fmt.Errorf("thousands come in groups of three digits (1.500.000, 1,500,000 or 1 500 000)")
		}
	}
	n := number{intDigits: strings.Join(intGroups, ""), grouped: len(intGroups) > 1}
	if decimal {
		n.fracDigits, n.sep = groups[len(groups)-1], last
	}
	return n, nil
}

// amountWord is a word that may come before or after the number of an amount.
type amountWord struct {
	text     string
	kind     amountWordKind
	mult     int64 // magnitude
	attached bool  // magnitude only with a currency right after it: tkr
	billion  bool  // a magnitude that means different things by language
}

type amountWordKind int

const (
	magnitude amountWordKind = iota
	currency
	dash // ",-" as in "250.000,-"
)

// amountWords are lower-case. Longer words come first only for readability:
// amountAffix tries every reading.
var amountWords = func() []amountWord {
	var ws []amountWord
	mag := func(mult int64, words ...string) {
		for _, w := range words {
			ws = append(ws, amountWord{text: w, kind: magnitude, mult: mult})
		}
	}
	mag(1e3, "k", "tusind", "tusen", "thousand")
	mag(1e6, "m", "mn", "mio", "mill", "million", "millions", "millioner", "miljon", "miljoner")
	mag(1e9, "b", "bn", "mia", "mrd", "milliard", "milliarder", "miljard", "miljarder")
	ws = append(ws, amountWord{text: "t", kind: magnitude, mult: 1e3, attached: true})
	for _, w := range []string{"billion", "billions", "billioner", "biljon", "biljoner"} {
		ws = append(ws, amountWord{text: w, kind: magnitude, billion: true})
	}
	for _, w := range []string{"kr", "kroner", "krone", "kronor", "krona", "kronur", "dkk", "nok", "sek", "isk",
		"eur", "euro", "euros", "usd", "gbp", "€", "$", "£"} {
		ws = append(ws, amountWord{text: w, kind: currency})
	}
	for _, w := range []string{",-", ",–", ":-", ":–"} {
		ws = append(ws, amountWord{text: w, kind: dash})
	}
	return ws
}()

// affix is what amountAffix found before or after the number.
type affix struct {
	mag        *amountWord
	currencies int
	billion    bool
}

type amountToken struct {
	w     *amountWord
	space bool // whitespace before it
}

// amountAffix reads the words before (prefix) or after the number. A word
// may end in a dot (mio., kr.). After the number: [magnitude] then at most
// one currency and one ",-" in either order. Before it: a currency, maybe
// with a magnitude fused to its front (MSEK). Every way of splitting s into
// words is tried, so "mnok" is m + nok although "mn" is a word too.
func amountAffix(s string, prefix bool) (affix, bool) {
	if strings.TrimSpace(s) == "" {
		return affix{}, true
	}
	if len(s) > 32 {
		return affix{}, false
	}
	var found *affix
	var walk func(s string, acc []amountToken)
	walk = func(s string, acc []amountToken) {
		if found != nil {
			return
		}
		t := strings.TrimLeftFunc(s, unicode.IsSpace)
		if t == "" {
			if a, ok := checkAffix(acc, prefix); ok {
				found = &a
			}
			return
		}
		for i := range amountWords {
			w := &amountWords[i]
			if !strings.HasPrefix(t, w.text) {
				continue
			}
			rest := t[len(w.text):]
			next := append(acc, amountToken{w: w, space: len(t) < len(s)})
			walk(rest, next)
			if w.kind != dash && strings.HasPrefix(rest, ".") {
				walk(rest[1:], next)
			}
		}
	}
	walk(s, nil)
	if found == nil {
		return affix{}, false
	}
	return *found, true
}

func checkAffix(toks []amountToken, prefix bool) (affix, bool) {
	var a affix
	dashes := 0
	for i, tk := range toks {
		switch tk.w.kind {
		case magnitude:
			curNext := i+1 < len(toks) && toks[i+1].w.kind == currency && !toks[i+1].space
			if i != 0 || (tk.w.attached || prefix) && !curNext {
				return affix{}, false
			}
			a.mag, a.billion = tk.w, tk.w.billion
		case currency:
			a.currencies++
		case dash:
			if prefix {
				return affix{}, false
			}
			dashes++
		}
	}
	return a, a.currencies <= 1 && dashes <= 1
}

// FormatAmount writes a value with thousands separators: 1234567 → "1,234,567".
// ParseAmount reads the result back as the same value.
func FormatAmount(v int64) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}
