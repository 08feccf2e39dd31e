package bot

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

// Limits on what users type. A note or fact must fit one Slack section block
// (3,000 characters) when shown; a name must stay readable in a list.
const (
	maxTextRunes = 3000
	maxNameWords = 8 // longest name tried by the longest-known-prefix rule
)

// command is one parsed /customer invocation.
type command struct {
	verb   string           // subcommand, lower case; "" for help
	cands  []smed.Candidate // note, remember: readings of "<customer> <text>", longest first
	quoted bool             // the customer name was quoted: exact, and note may create it
	name   string           // show, history, owner, value, cadence, snooze
	arg    string           // owner: user ID; value, cadence, snooze: the raw argument
	user   string           // list @user, owner @user: user ID; list mine: "me"
	page   int              // history: 1-based page
	query  string           // find
	topic  string           // help <topic>
}

// usageError is bad input: the reply explains it and shows the verb's usage.
type usageError struct {
	verb string
	msg  string
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
	userMarkup = regexp.MustCompile(`^<@([A-Za-z0-9_-]{2,64})(?:\|[^>]*)?>$`)
	userPlain  = regexp.MustCompile(`^@?([UW][A-Z0-9]{2,})$`)
	anyMarkup  = regexp.MustCompile(`<([@#!]?)([^>|]*)(?:\|([^>]*))?>`)
)

var terminalMention = regexp.MustCompile(`(^|\s)@([A-Za-z0-9_-]{2,64})\b`)

// FromTerminal makes text typed in a terminal look like what Slack sends for
// it (with should_escape): &, < and > escaped, and @name as a mention.
func FromTerminal(s string) string {
	return terminalMention.ReplaceAllString(esc(s), "$1<@$2>")
}

// userID reads a user reference: <@U123|bob>, <@U123>, @U123 or U123.
func userID(raw string) (string, bool) {
	if m := userMarkup.FindStringSubmatch(raw); m != nil {
		return m[1], true
	}
	if m := userPlain.FindStringSubmatch(raw); m != nil {
		return m[1], true
	}
	return "", false
}

// plain turns Slack's escaped markup into the text the user saw when typing it:
// <@U1|bob> → @bob, <!channel> → @channel, <#C1|general> → #general,
// <https://x|label> → https://x, &lt; → <. Stored text is plain; it is escaped
// again whenever it is shown, so a note never pings anyone.
func plain(s string) string {
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

var verbs = []string{"note", "show", "remember", "owner", "value", "cadence", "snooze", "list", "neglected", "find", "history", "stats", "help"}

var aliases = map[string]string{
	"log": "note", "add": "note", "card": "show", "fact": "remember", "search": "find",
	"ls": "list", "overdue": "neglected", "?": "help", "-h": "help", "--help": "help",
}

// parse reads the text of a /customer command (as Slack sends it, escaped).
func parse(text string) (command, error) {
	if !utf8.ValidString(text) {
		return command{}, usagef("", "Your message holds bytes that are not valid text (UTF-8), so I saved nothing. Please type it again.")
	}
	toks, err := tokenize(text)
	if err != nil {
		return command{}, err
	}
	if len(toks) == 0 {
		return command{verb: "help"}, nil
	}
	verb := strings.ToLower(toks[0].raw)
	if a, ok := aliases[verb]; ok {
		verb = a
	}
	c := command{verb: verb}
	args := toks[1:]
	rest := func() string { // the raw text after the verb
		if len(args) == 0 {
			return ""
		}
		return strings.TrimSpace(text[args[0].start:])
	}
	switch verb {
	case "note", "remember":
		return parseNamed(c, text, args)
	case "show", "history":
		if len(args) == 0 {
			return c, usagef(verb, "Which customer?")
		}
		if verb == "history" && len(args) >= 3 && strings.EqualFold(args[len(args)-2].raw, "page") {
			n, err := strconv.Atoi(args[len(args)-1].raw)
			if err != nil || n < 1 {
				return c, usagef(verb, "%q is not a page number.", plain(args[len(args)-1].raw))
			}
			c.page = n
			args = args[:len(args)-2]
		}
		c.name, c.quoted, err = joinName(verb, text, args)
		return c, err
	case "owner", "value", "cadence", "snooze":
		if len(args) < 2 {
			return c, usagef(verb, "I need a customer and %s.", map[string]string{
				"owner": "a person (@someone)", "value": "an amount (120k)",
				"cadence": "a cadence (14d or 2w)", "snooze": "a number of days (7d)"}[verb])
		}
		last := args[len(args)-1]
		c.name, c.quoted, err = joinName(verb, text, args[:len(args)-1])
		if err != nil {
			return c, err
		}
		c.arg = plain(last.raw)
		if verb == "owner" {
			// A word that is no mention is checked when the command runs: it
			// may be the end of a known name with the person left out.
			if id, ok := userID(last.raw); ok {
				c.arg, c.user = id, id
			}
		}
		return c, nil
	case "list":
		switch {
		case len(args) == 0 || (len(args) == 1 && strings.EqualFold(args[0].raw, "all")):
		case len(args) == 1 && strings.EqualFold(args[0].raw, "mine"):
			c.user = "me"
		case len(args) == 1:
			id, ok := userID(args[0].raw)
			if !ok {
				return c, usagef(verb, "%q is not a person: try `list mine` or `list @alex`.", plain(args[0].raw))
			}
			c.user = id
		default:
			return c, usagef(verb, "`list` takes one argument: mine, all or @someone.")
		}
		return c, nil
	case "find":
		c.query = strings.TrimSpace(plain(rest()))
		if c.query == "" {
			return c, usagef(verb, "What should I look for?")
		}
		return c, nil
	case "neglected", "stats":
		if len(args) > 0 {
			return c, usagef(verb, "`%s` takes no arguments.", verb)
		}
		return c, nil
	case "help":
		if len(args) > 0 {
			c.topic = strings.ToLower(args[0].raw)
			if c.topic == "/customer" && len(args) > 1 { // help /customer note
				c.topic = strings.ToLower(args[1].raw)
			}
		}
		return c, nil
	}
	return c, unknownVerb(toks[0].raw)
}

// parseNamed reads "<customer> <text>" for note and remember.
func parseNamed(c command, text string, args []token) (command, error) {
	what := map[string]string{"note": "note", "remember": "fact"}[c.verb]
	if len(args) == 0 {
		return c, usagef(c.verb, "Which customer, and what is the %s?", what)
	}
	if args[0].quoted {
		name := names.Display(plain(args[0].raw))
		if err := checkName(c.verb, name); err != nil {
			return c, err
		}
		body, err := checkText(c.verb, what, text[args[0].end:])
		if err != nil {
			return c, err
		}
		c.quoted = true
		c.cands = []smed.Candidate{{Name: name, Rest: body}}
		return c, nil
	}
	if len(args) == 1 {
		return c, usagef(c.verb, "What is the %s? Write it after the customer's name.", what)
	}
	// A name never runs past the end of the first line.
	most := min(len(args)-1, maxNameWords)
	for i := 1; i < most; i++ {
		if strings.Contains(text[args[i-1].end:args[i].start], "\n") {
			most = i
			break
		}
	}
	for k := most; k >= 1; k-- {
		words := make([]string, k)
		for i := range k {
			words[i] = plain(args[i].raw)
		}
		name := names.Display(strings.Join(words, " "))
		if k == 1 {
			if err := checkName(c.verb, name); err != nil {
				return c, err
			}
		} else if utf8.RuneCountInString(name) > smed.MaxNameRunes {
			continue
		}
		if n := len(c.cands); n > 0 && c.cands[n-1].Name == name {
			continue // words that vanish in the display form (e.g. lone marks)
		}
		c.cands = append(c.cands, smed.Candidate{Name: name, Rest: strings.TrimSpace(plain(text[args[k-1].end:]))})
	}
	// The longest name leaves the shortest text: if even that is too long,
	// every reading is. Readings that are too long are dropped when the
	// command runs (see fitting), once the store says which name is known.
	if len(c.cands) > 0 && utf8.RuneCountInString(c.cands[0].Rest) > maxTextRunes {
		return c, &tooLongError{verb: c.verb, what: what, n: utf8.RuneCountInString(c.cands[0].Rest), atLeast: len(c.cands) > 1,
			text: strings.TrimSpace(plain(text[args[0].start:]))}
	}
	return c, nil
}

// fitting keeps the readings whose text is within the limit, longest name
// first as before. The last reading (the first word as the name) may be
// dropped; the caller checks before creating a customer from it.
func fitting(cands []smed.Candidate) []smed.Candidate {
	var out []smed.Candidate
	for _, cd := range cands {
		if utf8.RuneCountInString(cd.Rest) <= maxTextRunes {
			out = append(out, cd)
		}
	}
	return out
}

// joinName reads the customer name of show, history, owner, value, cadence and
// snooze: all the given words, or one quoted word.
func joinName(verb, text string, args []token) (string, bool, error) {
	if len(args) == 0 {
		return "", false, usagef(verb, "Which customer?")
	}
	var name string
	quoted := len(args) == 1 && args[0].quoted
	for _, a := range args {
		if a.quoted && len(args) > 1 {
			return "", false, usagef(verb, "`%s` takes one customer name: quote all of it, or none of it.", verb)
		}
	}
	if quoted {
		name = plain(args[0].raw)
	} else {
		name = plain(text[args[0].start:args[len(args)-1].end])
	}
	name = names.Display(strings.Trim(name, `"“”`))
	return name, quoted, checkName(verb, name)
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
	case n > maxTextRunes:
		return "", &tooLongError{verb: verb, what: what, n: n, text: body}
	}
	return body, nil
}

// tooLongError carries the rejected text back so the reply can show it: the
// user loses nothing they typed.
type tooLongError struct {
	verb, what, text string
	n                int
	atLeast          bool // n is the shortest reading's length
}

func (e *tooLongError) Error() string {
	return fmt.Sprintf("That %s has %s characters; the limit is %s. Nothing was saved: split it into several %ss. Here is your text to copy:",
		e.what, e.count(), smed.FormatAmount(maxTextRunes), e.what)
}

// count is the length said in the message. When the name was not yet known
// the exact split is not either: every reading of the text is at least n long.
func (e *tooLongError) count() string {
	if e.atLeast {
		return "at least " + smed.FormatAmount(int64(e.n))
	}
	return smed.FormatAmount(int64(e.n))
}

func unknownVerb(typed string) error {
	best, bestD := "", 3
	low := strings.ToLower(typed)
	for _, v := range verbs {
		if d := names.Distance(low, v, bestD); d < bestD {
			best, bestD = v, d
		}
	}
	msg := fmt.Sprintf("I don't know the command %q.", clip(plain(typed), 40))
	if best != "" && bestD <= 2 && len(low) > 2 {
		msg += fmt.Sprintf(" Did you mean `%s`?", best)
	}
	return usagef("", "%s", msg)
}

func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
