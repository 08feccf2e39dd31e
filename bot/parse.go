package bot

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
	"github.com/smedhq/smed/names"
)

// maxNameWords is the longest name the longest-known-prefix rule tries.
const maxNameWords = 8

// usageError is bad input: the reply explains it and shows the verb's usage.
type usageError struct {
	verb string
	msg  string // mrkdwn; user text in it is escaped (usagef)
}

func (e *usageError) Error() string { return e.msg }

// usagef builds a usage error. Its message is mrkdwn: the format is ours and
// may hold markup, while every string argument (user text, error texts that
// quote it) is escaped here, so no caller can forget to.
func usagef(verb, format string, args ...any) error {
	for i, a := range args {
		if s, ok := a.(string); ok {
			args[i] = esc(s)
		}
	}
	return &usageError{verb: verb, msg: fmt.Sprintf(format, args...)}
}

// token is one word of the command text, with where it starts and ends in it.
type token struct {
	raw        string // as sent, Slack markup included, quotes stripped
	start, end int    // byte offsets of the whole token (quotes included)
	quoted     bool
}

var openQuotes = map[rune]rune{'"': '"', '“': '”', '„': '“', '«': '»', '”': '”'}

// tokenize splits Slack command text into words. A quoted run ("…", “…”, „…“,
// «…») is one word; so is Slack markup such as <@U123|bob> even when it holds
// spaces. It fails only on an unclosed quote.
func tokenize(s string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case names.IsSpace(r):
			i += size
		case r == '\'' || r == '‘':
			// Single quotes quote a name only when closed before a space or
			// the end, so O'Brien and 'tis stay words.
			if k := singleClose(s[i+size:]); k >= 0 {
				j := i + size
				_, csize := utf8.DecodeRuneInString(s[j+k:])
				toks = append(toks, token{raw: s[j : j+k], start: i, end: j + k + csize, quoted: true})
				i = j + k + csize
				continue
			}
			j := wordEnd(s, i)
			toks = append(toks, token{raw: s[i:j], start: i, end: j})
			i = j
		case openQuotes[r] != 0:
			closeQ := openQuotes[r]
			j := i + size
			k := strings.IndexFunc(s[j:], func(c rune) bool { return c == closeQ || (closeQ == '”' && c == '"') || (r == '"' && c == '”') })
			if k < 0 {
				return nil, usagef("", "A quote is never closed (it starts at %s). Close it after the name, like `\"Acme Corp\"`.", clip(plain(s[i:]), 30))
			}
			_, csize := utf8.DecodeRuneInString(s[j+k:])
			toks = append(toks, token{raw: s[j : j+k], start: i, end: j + k + csize, quoted: true})
			i = j + k + csize
		default:
			j := wordEnd(s, i)
			toks = append(toks, token{raw: s[i:j], start: i, end: j})
			i = j
		}
	}
	return toks, nil
}

// wordEnd is where the word starting at i ends: at white space, with Slack
// markup such as <@U1|a b> kept whole.
func wordEnd(s string, i int) int {
	j := i
	for j < len(s) {
		c, cs := utf8.DecodeRuneInString(s[j:])
		if names.IsSpace(c) {
			break
		}
		if c == '<' { // Slack markup: up to the closing '>'
			if k := strings.IndexByte(s[j:], '>'); k > 0 {
				j += k + 1
				continue
			}
		}
		j += cs
	}
	return j
}

// singleClose finds the closing single quote (' or ’) of a quoted name in s:
// one followed by white space or the end. It returns -1 when there is none.
func singleClose(s string) int {
	for k, r := range s {
		if r != '\'' && r != '’' {
			continue
		}
		next, _ := utf8.DecodeRuneInString(s[k+utf8.RuneLen(r):])
		if k+utf8.RuneLen(r) == len(s) || names.IsSpace(next) {
			if k == 0 {
				return -1 // '' is no name
			}
			return k
		}
	}
	return -1
}

var (
	// A person is only ever a real mention: Slack's <@U123> or <@U123|bob>
	// (the shell turns a typed @name into one). A plain word such as "USA"
	// is never a person, however much it looks like a user ID.
	userMarkup = regexp.MustCompile(`^<@([A-Za-z0-9._-]{1,64})(?:\|[^>]*)?>$`)
	anyMarkup  = regexp.MustCompile(`<([@#!]?)([^>|]*)(?:\|([^>]*))?>`)
)

var terminalMention = regexp.MustCompile(`(^|\s)@([A-Za-z0-9._-]{2,64})\b`)

// FromTerminal makes text typed in a terminal look like what Slack sends for
// it (with should_escape): &, < and > escaped, and @name as a mention.
func FromTerminal(s string) string {
	return terminalMention.ReplaceAllString(esc(s), "$1<@$2>")
}

// mention reads a user mention: <@U123|bob> or <@U123>.
func mention(raw string) (string, bool) {
	m := userMarkup.FindStringSubmatch(raw)
	if m == nil || smed.CheckUserID(m[1]) != nil {
		return "", false
	}
	return m[1], true
}

// plain turns Slack's escaped markup into the text the user saw when typing it:
// <@U1|bob> → @bob, <!channel> → @channel, <#C1|general> → #general,
// <https://x|label> → https://x, &lt; → <. Stored text is plain; it is escaped
// again whenever it is shown, so a note never pings anyone.
func plain(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return s // no markup, no entity: the common note, without a regexp pass
	}
	s = anyMarkup.ReplaceAllStringFunc(s, func(m string) string {
		p := anyMarkup.FindStringSubmatch(m)
		kind, target, label := p[1], p[2], p[3]
		switch kind {
		case "@":
			if label != "" {
				return "@" + label
			}
			return "@" + target
		case "#":
			if label != "" {
				return "#" + label
			}
			return "#" + target
		case "!":
			if label != "" {
				return label
			}
			if i := strings.IndexByte(target, '^'); i >= 0 { // <!subteam^S1>
				target = target[:i]
			}
			return "@" + target
		default:
			return target // a link: keep the address, which Slack links again
		}
	})
	return unescaper.Replace(s)
}

// input is what follows the verb, as the verb's parser sees it.
type input struct {
	verb string
	text string    // the whole command text, as Slack sent it
	args []token   // the words after the verb
	now  time.Time // when it was typed, in the team's zone ("until Friday")
}

// rest is the raw text after the verb.
func (in input) rest() string {
	if len(in.args) == 0 {
		return ""
	}
	return strings.TrimSpace(in.text[in.args[0].start:])
}

// between is the raw text of args[i:j].
func (in input) between(i, j int) string {
	if i >= j {
		return ""
	}
	return in.text[in.args[i].start:in.args[j-1].end]
}

// nameEnded reports whether a word among the first that may name a customer
// ends in a colon: the name's end is marked ("note Nordlys: Karin
// confirmed"), so it is not a first word taken for the name.
func nameEnded(in input) bool {
	for i := 0; i < min(len(in.args)-1, maxNameWords); i++ {
		if !in.args[i].quoted && strings.HasSuffix(in.args[i].raw, ":") {
			return true
		}
	}
	return false
}

// nameEnd trims what may follow a name without being part of it: a colon or a
// comma ("note Nordlys Møbler: Karin confirmed").
func nameEnd(s string) string { return strings.TrimRight(s, ":,;") }

// mentionLike reports whether an unquoted word is a Slack mention (<@U1>,
// <!channel>, <#C1>) or reads as one (@bob, typed without picking the
// person).
func mentionLike(raw string) bool {
	return strings.HasPrefix(raw, "<@") || strings.HasPrefix(raw, "<!") || strings.HasPrefix(raw, "<#") ||
		strings.HasPrefix(raw, "@") && len(raw) > 1
}

// named reads "<customer> <text>" for note and remember: the readings of the
// words, longest name first, and whether the name was quoted. A name never
// runs past the end of the first line; a word that ends in a colon ends it.
func named(in input, what string) ([]smed.Candidate, bool, error) {
	verb, args, text := in.verb, in.args, in.text
	if len(args) == 0 {
		return nil, false, usagef(verb, "Which customer, and what is the %s?", what)
	}
	if args[0].quoted {
		name := names.Display(plain(args[0].raw))
		if err := checkName(verb, name); err != nil {
			return nil, false, err
		}
		body, err := checkText(verb, what, text[args[0].end:])
		if err != nil {
			return nil, false, err
		}
		return []smed.Candidate{{Name: name, Rest: body}}, true, nil
	}
	if len(args) == 1 {
		return nil, false, usagef(verb, "What is the %s? Write it after the customer's name.", what)
	}
	if mentionLike(args[0].raw) {
		// "note @bob called": a person (or @channel) where the customer
		// goes would become a customer named after them.
		return nil, false, usagef(verb, "%s is a mention, not a customer. Start with the customer's name: `/customer %s Acme Corp called %s`. A customer whose name starts with @ or # goes in quotes.",
			plain(args[0].raw), verb, plain(args[0].raw))
	}
	most := min(len(args)-1, maxNameWords)
	for i := 1; i < most; i++ {
		if strings.Contains(text[args[i-1].end:args[i].start], "\n") {
			most = i
			break
		}
	}
	least := 1
	for i := 0; i < most; i++ {
		if strings.HasSuffix(args[i].raw, ":") {
			// "Nordlys Møbler: Karin confirmed": the colon ends the name,
			// so that is the only reading (and the name a new customer
			// gets), not its first word.
			most, least = i+1, i+1
			break
		}
	}
	var cands []smed.Candidate
	for k := most; k >= least; k-- {
		name := names.Display(nameEnd(plain(in.between(0, k))))
		if k == least {
			if err := checkName(verb, name); err != nil {
				return nil, false, err
			}
		} else if utf8.RuneCountInString(name) > smed.MaxNameRunes || names.Key(name) == "" {
			continue
		}
		if n := len(cands); n > 0 && cands[n-1].Name == name {
			continue // words that vanish in the display form (e.g. lone marks)
		}
		cands = append(cands, smed.Candidate{Name: name, Rest: strings.TrimSpace(plain(text[args[k-1].end:]))})
	}
	// The longest name leaves the shortest text: if even that is too long,
	// every reading is.
	if n := utf8.RuneCountInString(cands[0].Rest); n > smed.MaxTextRunes {
		return nil, false, &app.TooLongError{What: what, Runes: n, AtLeast: len(cands) > 1,
			Text: strings.TrimSpace(plain(in.rest()))}
	}
	return cands, false, nil
}

// wholeName reads the customer name of show and history: all the words, or
// one quoted word.
func wholeName(verb string, in input, args []token) (string, error) {
	if len(args) == 0 {
		return "", usagef(verb, "Which customer?")
	}
	for _, a := range args {
		if a.quoted && len(args) > 1 {
			return "", usagef(verb, "`%s` takes one customer name: quote all of it, or none of it.", verb)
		}
	}
	var name string
	if len(args) == 1 && args[0].quoted {
		name = plain(args[0].raw)
	} else {
		name = plain(in.text[args[0].start:args[len(args)-1].end])
	}
	name = names.Display(strings.Trim(name, `"“”`))
	return name, checkName(verb, name)
}

// split is one way to read "<customer> <argument>": the name and the raw
// argument words after it.
type split struct {
	name string
	arg  string
}

// splits reads "<customer> <argument>" where the argument may take up to most
// words ("250 000", "3 weeks", "until 1 May"): every split whose argument ok
// accepts, longest name first. The store then picks the longest name that is
// known. none is the message for when no split's argument is acceptable.
func splits(in input, most int, ok func(string) bool) []split {
	args := in.args
	var out []split
	for k := 1; k <= most && k < len(args); k++ {
		arg := plain(in.between(len(args)-k, len(args)))
		if !ok(arg) {
			continue
		}
		nameToks := args[:len(args)-k]
		name, err := wholeName(in.verb, in, nameToks)
		if err != nil {
			continue
		}
		out = append(out, split{name: name, arg: arg})
	}
	return out
}

func splitNames(ss []split) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = s.name
	}
	return out
}

func checkName(verb, name string) error {
	switch n := utf8.RuneCountInString(name); {
	case names.Key(name) == "":
		return usagef(verb, "The customer's name is empty.")
	case n > smed.MaxNameRunes:
		return usagef(verb, "A customer's name can be at most %d characters; that one has %d.", smed.MaxNameRunes, n)
	}
	return nil
}

// checkText validates and decodes a note or fact body.
func checkText(verb, what, raw string) (string, error) {
	body := strings.TrimSpace(plain(raw))
	switch n := utf8.RuneCountInString(body); {
	case body == "":
		return "", usagef(verb, "The %s is empty: write it after the customer's name.", what)
	case n > smed.MaxTextRunes:
		return "", &app.TooLongError{What: what, Runes: n, Text: body}
	}
	return body, nil
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
