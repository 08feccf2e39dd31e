package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
	"github.com/smedhq/smed/reminders"
)

// Sizes of what the commands show.
const (
	cardNotes   = 5
	historyPage = 10
	listMax     = 25
	findMax     = 20
	suggestMax  = 3
)

// Digester builds the neglected-accounts digest for /customer neglected.
type Digester interface {
	Digest(ctx context.Context, team, channel string, now time.Time, dryRun bool) (reminders.Digest, reminders.Summary, error)
}

// Commands runs /customer. Both Slack transports and the shell call it, so a
// command behaves the same wherever it is typed.
type Commands struct {
	store          smed.Store
	digest         Digester
	now            func() time.Time
	defaultCadence int
	admins         map[string]bool
	log            *slog.Logger
}

// CommandsConfig configures Commands.
type CommandsConfig struct {
	Store          smed.Store
	Digest         Digester // nil: /customer neglected answers that no digest is set up
	Now            func() time.Time
	DefaultCadence int            // days, for customers created by a note
	Location       *time.Location // reminders.timezone: dates are shown in it (nil = UTC)
	Admins         []string       // Slack user IDs allowed to hand over anybody's customer
	Log            *slog.Logger
}

// NewCommands returns the /customer command runner.
func NewCommands(cfg CommandsConfig) *Commands {
	c := &Commands{store: cfg.Store, digest: cfg.Digest, now: cfg.Now, defaultCadence: cfg.DefaultCadence,
		admins: map[string]bool{}, log: cfg.Log}
	if c.now == nil {
		c.now = time.Now
	}
	if loc := cfg.Location; loc != nil {
		// Every date a reply shows is in the team's zone; views take it
		// from now.Location().
		clock := c.now
		c.now = func() time.Time { return clock().In(loc) }
	}
	if c.defaultCadence <= 0 {
		c.defaultCadence = 30
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for _, a := range cfg.Admins {
		c.admins[a] = true
	}
	return c
}

// Request is one /customer invocation.
type Request struct {
	Team string // Slack team ID
	User string // Slack user ID of who typed it
	Text string // what followed /customer, as Slack sends it (escaped)
}

// RunText runs a command and returns the answer as readable text (the shell).
func (c *Commands) RunText(ctx context.Context, req Request) string {
	return c.run(ctx, req).plain()
}

// run parses and executes one command. It always returns something to show:
// errors become replies here, in one place (see errorText).
func (c *Commands) run(ctx context.Context, req Request) reply {
	cmd, err := parse(req.Text)
	if err != nil {
		r := c.fail(ctx, req, "", err)
		r.verb = "invalid"
		return r
	}
	var r reply
	switch cmd.verb {
	case "note":
		r, err = c.note(ctx, req, cmd)
	case "remember":
		r, err = c.remember(ctx, req, cmd)
	case "show":
		r, err = c.show(ctx, req, cmd)
	case "history":
		r, err = c.history(ctx, req, cmd)
	case "owner", "value", "cadence", "snooze":
		r, err = c.update(ctx, req, cmd)
	case "list":
		r, err = c.list(ctx, req, cmd)
	case "find":
		r, err = c.find(ctx, req, cmd)
	case "neglected":
		r, err = c.neglected(ctx, req)
	case "stats":
		r, err = c.stats(ctx, req)
	default:
		r = helpReply(cmd.topic)
	}
	if err != nil {
		r = c.fail(ctx, req, cmd.verb, err)
	}
	r.verb = cmd.verb
	return r
}

// note logs a conversation. Unquoted names resolve to the longest known prefix;
// when none is known, a near-miss of a known name is not created but asked about.
func (c *Commands) note(ctx context.Context, req Request, cmd command) (reply, error) {
	nr := smed.NoteRequest{Candidates: fitting(cmd.cands), Author: req.User, At: c.now(), Create: cmd.quoted, CadenceDays: c.defaultCadence}
	fellBack := false // the name is the first word only, by the fallback rule
	rc, err := c.store.AddNote(ctx, req.Team, nr)
	if errors.Is(err, smed.ErrNotFound) {
		known, nerr := c.store.Names(ctx, req.Team)
		if nerr != nil {
			return reply{}, nerr
		}
		if whole := wholeName(cmd.cands[0]); whole != "" && slices.ContainsFunc(known, func(k string) bool { return names.Key(k) == names.Key(whole) }) {
			// "note Acme Corp" with no text: the words name a known customer.
			return reply{}, usagef("note", "What is the note? Write it after the customer's name.")
		}
		if sugg := suggest(cmd.cands, known); len(sugg) > 0 {
			return nearMissReply(cmd, sugg), nil
		}
		first := cmd.cands[len(cmd.cands)-1] // the first word is the name
		if n := utf8.RuneCountInString(first.Rest); n > maxTextRunes {
			return reply{}, &tooLongError{verb: "note", what: "note", n: n, text: first.Name + " " + first.Rest}
		}
		nr.Candidates, nr.Create = []smed.Candidate{first}, true
		rc, err = c.store.AddNote(ctx, req.Team, nr)
		fellBack = true
	}
	if err != nil {
		return reply{}, err
	}
	name := esc(rc.Customer.Name)
	var r reply
	if rc.Created {
		r.section(fmt.Sprintf(":memo: Noted. *%s* is a new customer, owned by you; Smed will nudge you if it hears nothing from them for %d days.", name, rc.Customer.CadenceDays))
		r.context(fmt.Sprintf("Set what they are worth with `/customer value %s 120k` and how often to check in with `/customer cadence %s 2w`.", esc(quoteIfSpaced(rc.Customer.Name)), esc(quoteIfSpaced(rc.Customer.Name))))
	} else {
		r.section(fmt.Sprintf(":memo: Noted on *%s*. Next check-in due %s.", name, relDay(rc.Customer.DueAt(), c.now())))
	}
	if guess := longerName(rc.Customer.Name, rc.Text); fellBack && guess != "" {
		r.context(fmt.Sprintf("If the name is longer, quote it next time: `/customer note \"%s\" …`", esc(guess)))
	}
	r.context("> " + esc(truncate(rc.Text, 300)))
	return r.withFallback(fmt.Sprintf("Noted on %s.", name)), nil
}

func (c *Commands) remember(ctx context.Context, req Request, cmd command) (reply, error) {
	rc, err := c.store.Remember(ctx, req.Team, fitting(cmd.cands), req.User, c.now())
	if errors.Is(err, smed.ErrNotFound) {
		if c.known(ctx, req.Team, wholeName(cmd.cands[0])) {
			return reply{}, usagef("remember", "What is the fact? Write it after the customer's name.")
		}
		return c.notFound(ctx, req.Team, cmd.cands[len(cmd.cands)-1].Name, cmd.cands)
	}
	if err != nil {
		return reply{}, err
	}
	var r reply
	r.section(fmt.Sprintf(":pushpin: Remembered for *%s*: %s", esc(rc.Customer.Name), esc(rc.Text)))
	r.context("Facts show at the top of the customer's card and in reminders.")
	return r.withFallback("Remembered for " + esc(rc.Customer.Name) + "."), nil
}

func (c *Commands) show(ctx context.Context, req Request, cmd command) (reply, error) {
	card, err := c.store.Card(ctx, req.Team, cmd.name, cardNotes)
	if errors.Is(err, smed.ErrNotFound) {
		return c.notFound(ctx, req.Team, cmd.name, nil)
	}
	if err != nil {
		return reply{}, err
	}
	return cardReply(card, c.now()), nil
}

func (c *Commands) history(ctx context.Context, req Request, cmd command) (reply, error) {
	page := max(cmd.page, 1)
	cust, notes, err := c.store.History(ctx, req.Team, cmd.name, (page-1)*historyPage, historyPage)
	if errors.Is(err, smed.ErrNotFound) {
		return c.notFound(ctx, req.Team, cmd.name, nil)
	}
	if err != nil {
		return reply{}, err
	}
	return historyReply(cust, notes, page, c.now()), nil
}

// update runs owner, value, cadence and snooze.
func (c *Commands) update(ctx context.Context, req Request, cmd command) (reply, error) {
	var ch smed.Change
	now := c.now()
	var done string
	// "value Acme Corp" reads as customer Acme, amount "Corp": when the words
	// together name a known customer, the argument was left out.
	missing := func(what, example string) error {
		whole := cmd.name + " " + cmd.arg
		if !c.known(ctx, req.Team, whole) {
			return nil
		}
		return usagef(cmd.verb, "I need %s for *%s*: `/customer %s %s %s`", what, whole, cmd.verb, quoteIfSpaced(whole), example)
	}
	switch cmd.verb {
	case "owner":
		if cmd.user == "" {
			if err := missing("a person", "@alex"); err != nil {
				return reply{}, err
			}
			return reply{}, usagef("owner", "“%s” is not a person: mention them, like @alex.", cmd.arg)
		}
		cur, err := c.store.Customer(ctx, req.Team, cmd.name)
		if errors.Is(err, smed.ErrNotFound) {
			return c.notFound(ctx, req.Team, cmd.name, nil)
		}
		if err != nil {
			return reply{}, err
		}
		if cur.Owner != "" && cur.Owner != req.User && !c.admins[req.User] {
			return reply{}, &deniedError{fmt.Sprintf("*%s* belongs to <@%s>. Only they or an admin can hand it over.", esc(cur.Name), cur.Owner)}
		}
		ch.Owner = &cmd.arg
		ch.IfOwner = &cur.Owner // a handover since the check above is not overwritten
		done = fmt.Sprintf(":handshake: *%%s* now belongs to <@%s>.", cmd.arg)
	case "value":
		v, err := smed.ParseAmount(cmd.arg)
		if err != nil {
			return reply{}, cmp.Or(missing("an amount", "120k"), usagef("value", "%s", capitalise(err.Error())+"."))
		}
		ch.Value = &v
		done = ":moneybag: *%s* is now worth " + smed.FormatAmount(v) + "."
	case "cadence":
		d, err := smed.ParseDays(cmd.arg)
		if err != nil {
			return reply{}, cmp.Or(missing("a cadence", "2w"), usagef("cadence", "%s", capitalise(err.Error())+"."))
		}
		ch.CadenceDays = &d
		done = fmt.Sprintf(":calendar: *%%s* should hear from us every %s.", days(d))
	case "snooze":
		if a := strings.ToLower(cmd.arg); a == "off" || a == "0" || a == "0d" || a == "none" {
			zero := time.Time{}
			ch.SnoozedUntil = &zero
			done = ":alarm_clock: *%s* is no longer snoozed."
			break
		}
		d, err := smed.ParseDays(cmd.arg)
		if err != nil {
			return reply{}, cmp.Or(missing("a number of days", "7d"), usagef("snooze", "%s", capitalise(err.Error())+"."))
		}
		until := now.Add(time.Duration(d) * smed.Day)
		ch.SnoozedUntil = &until
		done = fmt.Sprintf(":zzz: No reminders for *%%s* until %s.", until.Format("Mon 2 Jan 2006"))
	}
	cust, err := c.store.Update(ctx, req.Team, cmd.name, ch)
	if errors.Is(err, smed.ErrNotFound) {
		return c.notFound(ctx, req.Team, cmd.name, nil)
	}
	if err != nil {
		return reply{}, err
	}
	var r reply
	r.section(fmt.Sprintf(done, esc(cust.Name)))
	r.context(fmt.Sprintf("Next check-in due %s.", relDay(cust.DueAt(), now)))
	return r, nil
}

func (c *Commands) list(ctx context.Context, req Request, cmd command) (reply, error) {
	owner := cmd.user
	if owner == "me" {
		owner = req.User
	}
	cs, err := c.store.Customers(ctx, req.Team, owner)
	if err != nil {
		return reply{}, err
	}
	return listReply(cs, owner, req.User, c.now()), nil
}

func (c *Commands) find(ctx context.Context, req Request, cmd command) (reply, error) {
	ms, err := c.store.Find(ctx, req.Team, cmd.query, findMax)
	if err != nil {
		return reply{}, err
	}
	return findReply(cmd.query, ms, c.now()), nil
}

func (c *Commands) neglected(ctx context.Context, req Request) (reply, error) {
	if c.digest == nil {
		return textReply("The neglected-accounts digest is not set up on this Smed."), nil
	}
	d, _, err := c.digest.Digest(ctx, req.Team, "", c.now(), true)
	if err != nil {
		return reply{}, err
	}
	return digestReply(d, c.now()), nil
}

func (c *Commands) stats(ctx context.Context, req Request) (reply, error) {
	cs, err := c.store.Customers(ctx, req.Team, "")
	if err != nil {
		return reply{}, err
	}
	now := c.now()
	week, err := c.store.NoteCounts(ctx, req.Team, now.Add(-7*smed.Day))
	if err != nil {
		return reply{}, err
	}
	month, err := c.store.NoteCounts(ctx, req.Team, now.Add(-30*smed.Day))
	if err != nil {
		return reply{}, err
	}
	return statsReply(cs, week, month, now), nil
}

// notFound answers for a customer that does not exist, with near-miss
// suggestions when there are some.
func (c *Commands) notFound(ctx context.Context, team, name string, cands []smed.Candidate) (reply, error) {
	known, err := c.store.Names(ctx, team)
	if err != nil {
		return reply{}, err
	}
	if len(cands) == 0 {
		cands = []smed.Candidate{{Name: name}}
	}
	r := errorReply(fmt.Sprintf("I don't know a customer called *%s*.", esc(name)))
	if sugg := suggest(cands, known); len(sugg) > 0 {
		r.parts[0].text += " Did you mean " + orList(sugg) + "?"
	} else {
		r.context("Log a first note to create it: `/customer note " + esc(quoteIfSpaced(name)) + " …`, or look with `/customer find " + esc(name) + "`.")
	}
	return r, nil
}

// known reports whether name is a known customer (false when the store fails:
// the caller then gives its ordinary answer).
func (c *Commands) known(ctx context.Context, team, name string) bool {
	if name == "" {
		return false
	}
	_, err := c.store.Customer(ctx, team, name)
	return err == nil
}

// longerName guesses the name a user may have meant when an unquoted new
// name took only its first word: "Ærø" with a note starting "Fisk …" may be
// "Ærø Fisk". It returns "" when the note does not start with a capital.
func longerName(name, text string) string {
	next, _, _ := strings.Cut(text, " ")
	if r, _ := utf8.DecodeRuneInString(next); !unicode.IsUpper(r) || strings.ContainsAny(next, "\n.,;:!?") {
		return ""
	}
	return name + " " + next
}

// wholeName is all the words of the longest reading, name and rest together.
func wholeName(c smed.Candidate) string {
	if strings.ContainsAny(c.Rest, "\n") {
		return ""
	}
	return names.Display(c.Name + " " + c.Rest)
}

// suggest collects near-misses of every reading of the name, best first.
func suggest(cands []smed.Candidate, known []string) []string {
	var out []string
	for _, cd := range cands {
		for _, s := range names.NearMiss(cd.Name, known, suggestMax) {
			if !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	return out[:min(len(out), suggestMax)]
}

func nearMissReply(cmd command, sugg []string) reply {
	typed := cmd.cands[len(cmd.cands)-1].Name
	text := cmd.cands[len(cmd.cands)-1].Rest
	for _, cd := range cmd.cands { // the longest reading that is close to a known name
		if len(names.NearMiss(cd.Name, sugg, 1)) > 0 {
			typed, text = cd.Name, cd.Rest
			break
		}
	}
	r := errorReply(fmt.Sprintf(":thinking_face: I don't know *%s* yet. Did you mean %s? Nothing was saved.", esc(typed), orList(sugg)))
	r.context(fmt.Sprintf("To note it on %s: `/customer note %s %s`\nTo create a new customer *%s*, quote the name: `/customer note \"%s\" %s`",
		esc(sugg[0]), esc(quoteIfSpaced(sugg[0])), esc(truncate(text, 200)), esc(typed), esc(typed), esc(truncate(text, 200))))
	return r.withFallback(fmt.Sprintf("I don't know %s yet. Did you mean %s?", esc(typed), esc(sugg[0])))
}

func orList(ss []string) string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = "*" + esc(s) + "*"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func quoteIfSpaced(name string) string {
	if strings.ContainsAny(name, " \t") {
		return `"` + name + `"`
	}
	return name
}

func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// writes are the subcommands that change the store.
var writes = map[string]bool{"note": true, "remember": true, "owner": true, "value": true, "cadence": true, "snooze": true}

// deniedError is a refusal the user can understand as it stands.
type deniedError struct{ msg string }

func (e *deniedError) Error() string { return e.msg }

// fail is the one place that decides what a user sees for an error.
func (c *Commands) fail(ctx context.Context, req Request, verb string, err error) reply {
	var ue *usageError
	var tl *tooLongError
	var de *deniedError
	switch {
	case errors.As(err, &tl):
		r := errorReply(esc(tl.Error()))
		for chunk := range chunks(tl.text, 2900) {
			r.section("```" + esc(chunk) + "```")
		}
		return r.withFallback("That " + tl.what + " is too long; nothing was saved.")
	case errors.As(err, &ue):
		v := ue.verb
		if v == "" {
			v = verb
		}
		r := errorReply(ue.msg) // mrkdwn with its arguments escaped (usagef)
		r.context(usageFor(v))
		return r
	case errors.As(err, &de):
		return errorReply(de.msg)
	case writes[verb] && (errors.Is(err, smed.ErrUnconfirmed) || errors.Is(err, context.DeadlineExceeded)):
		c.log.WarnContext(ctx, "store did not confirm a write", "verb", verb, "team_id", req.Team, "user_id", req.User, "err", err)
		return errorReply(":warning: Smed's database did not answer in time, so I can't tell whether this was saved. " +
			"Please check with `/customer show` in a minute before you try again.")
	case errors.Is(err, smed.ErrConflict):
		return errorReply(":warning: Someone changed that customer just now, so nothing was saved. Check with `/customer show` and try again.")
	case errors.Is(err, smed.ErrInvalid):
		c.log.WarnContext(ctx, "store refused input", "verb", verb, "team_id", req.Team, "user_id", req.User, "err", err)
		return errorReply(":warning: I can't store that as it is, so nothing was saved. Check the command with `/customer help " + verb + "`.")
	case errors.Is(err, smed.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		c.log.WarnContext(ctx, "store unavailable", "verb", verb, "team_id", req.Team, "user_id", req.User, "err", err)
		return errorReply(":warning: I can't reach Smed's database right now, so nothing was saved. Please try again in a minute.")
	default:
		ref := fmt.Sprintf("%x", time.Now().UnixNano()&0xffffff)
		c.log.ErrorContext(ctx, "command failed", "verb", verb, "team_id", req.Team, "user_id", req.User, "ref", ref, "err", err)
		return errorReply(fmt.Sprintf(":warning: Something went wrong on my side and nothing was saved. If it keeps happening, tell your Smed admin (ref `%s`).", ref))
	}
}

// chunks splits s into pieces of at most n runes.
func chunks(s string, n int) func(func(string) bool) {
	return func(yield func(string) bool) {
		r := []rune(s)
		for len(r) > 0 {
			k := min(n, len(r))
			if !yield(string(r[:k])) {
				return
			}
			r = r[k:]
		}
	}
}
