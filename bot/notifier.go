package bot

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
	"github.com/smedhq/smed/reminders"
)

// Notifier sends reminders and digests through the Slack Web API. It
// implements reminders.Notifier and reminders.Directory.
//
// Rate limits: the client is built with slack.OptionRetry, which waits out a
// 429's Retry-After and tries again; on top of that the notifier paces its own
// calls so a run of 1,000 DMs stays under Slack's per-minute tiers instead of
// leaning on 429s.
type Notifier struct {
	api  *slack.Client
	log  *slog.Logger
	loc  *time.Location // dates in DMs
	pace *pacer

	msgs smed.ReminderMessages // where today's DMs went; nil: not remembered

	mu    sync.Mutex
	dms   map[string]string    // user ID → DM channel ID (conversations.open)
	users map[string]userState // users.info answers, briefly cached
}

type userState struct {
	deleted bool
	tz      string // IANA zone name ("" unknown)
	at      time.Time
}

const userCacheFor = 10 * time.Minute

var (
	_ reminders.Notifier  = (*Notifier)(nil)
	_ reminders.Directory = (*Notifier)(nil)
	_ reminders.Zones     = (*Notifier)(nil)
)

// NewNotifier returns a Notifier over api. interval is the least time between
// two Web API calls (0 = 20 ms); loc is the zone dates are shown in (nil = UTC).
func NewNotifier(api *slack.Client, interval time.Duration, loc *time.Location, log *slog.Logger) *Notifier {
	if interval <= 0 {
		interval = 20 * time.Millisecond
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if loc == nil {
		loc = time.UTC
	}
	return &Notifier{api: api, log: log, loc: loc, pace: &pacer{every: interval},
		dms: map[string]string{}, users: map[string]userState{}}
}

// RememberReminders makes the notifier record where each reminder DM went and
// what it listed, so the DM can be rewritten as its customers are contacted.
func (n *Notifier) RememberReminders(m smed.ReminderMessages) { n.msgs = m }

// pacer spaces calls at least every apart, across goroutines.
type pacer struct {
	mu    sync.Mutex
	every time.Duration
	next  time.Time
}

func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	now := time.Now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(p.every)
	p.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// SendReminder DMs the owner their overdue customers.
func (n *Notifier) SendReminder(ctx context.Context, team string, r reminders.Reminder) error {
	ch, err := n.dm(ctx, r.Owner)
	if err != nil {
		return err
	}
	ts, err := n.postTS(ctx, ch, reminderReply(r, cmp.Or(r.Zone, n.loc)))
	if err != nil || n.msgs == nil {
		return err
	}
	ids := make([]string, len(r.Items))
	for i, it := range r.Items {
		ids[i] = it.Card.ID
	}
	// Delivered: a failure to remember it only means the DM will not be
	// rewritten as its customers are contacted.
	m := smed.ReminderMessage{Date: r.Date, Channel: ch, TS: ts, Customers: ids}
	if err := n.msgs.SaveReminderMessage(context.WithoutCancel(ctx), team, r.Owner, m); err != nil {
		n.log.WarnContext(ctx, "reminder DM not remembered", "team_id", team, "user_id", r.Owner, "err", err)
	}
	return nil
}

// PostDigest posts the digest to channel, in several messages when it does not
// fit in one. It joins a public channel it is not in yet.
func (n *Notifier) PostDigest(ctx context.Context, team, channel string, d reminders.Digest) error {
	msgs := splitReply(digestReply(d))
	for i, msg := range msgs {
		err := n.post(ctx, channel, msg)
		if i == 0 && isSlackError(err, "not_in_channel") {
			if err := n.pace.wait(ctx); err != nil {
				return err
			}
			if _, _, _, jerr := n.api.JoinConversationContext(ctx, channel); jerr != nil {
				return fmt.Errorf("slack: join %s for the digest: %w", channel, jerr)
			}
			err = n.post(ctx, channel, msg)
		}
		if err != nil && i > 0 && !errors.Is(err, reminders.ErrMaybeSent) {
			// Posting it again would repeat the messages that went out.
			return fmt.Errorf("%d of %d messages posted, then: %w (%w)", i, len(msgs), err, reminders.ErrMaybeSent)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// JoinChannel joins a channel (conversations.join): public channels only;
// for a private one Slack refuses and Smed has to be invited.
func (n *Notifier) JoinChannel(ctx context.Context, channel string) error {
	if err := n.pace.wait(ctx); err != nil {
		return err
	}
	if _, _, _, err := n.api.JoinConversationContext(ctx, channel); err != nil {
		return fmt.Errorf("slack: conversations.join %s: %w", channel, err)
	}
	return nil
}

// SendHandover DMs the new owner what they were handed: each account's value,
// last contact, facts and latest note, so they can pick up the thread.
func (n *Notifier) SendHandover(ctx context.Context, team, by string, h app.HandedOver) error {
	ch, err := n.dm(ctx, h.To)
	if err != nil {
		return err
	}
	for _, msg := range splitReply(handoverReply(h, by, time.Now().In(n.loc))) {
		if err := n.post(ctx, ch, msg); err != nil {
			return err
		}
	}
	return nil
}

// handoverReply is the new owner's summary of a handover.
func handoverReply(h app.HandedOver, by string, now time.Time) reply {
	var r reply
	from := "nobody"
	if h.From != "" {
		from = "<@" + h.From + ">"
	}
	r.header(fmt.Sprintf("You now look after %s", plural(len(h.Moved), "account")))
	r.section(fmt.Sprintf("<@%s> handed you these accounts from %s. Here is what the team knows, so you can pick up the thread:", by, from))
	for _, c := range h.Moved {
		r.divider()
		var b strings.Builder
		fmt.Fprintf(&b, "*%s* · %s · last contact %s · %s", esc(c.Name), smed.FormatAmount(c.Worth()), lastContact(c.Customer, now), dueLine(c.Customer, now))
		for _, f := range c.Facts {
			b.WriteString("\n:pushpin: " + esc(truncate(f.Text, 300)))
		}
		if k, ok := h.RestsOn[c.ID]; ok {
			fmt.Fprintf(&b, "\n:bust_in_silhouette: What we know rests on %s (%d of %d notes in 180 days): ask them while you can.", owner(k.Author), k.ByAuthor, k.Notes)
		}
		if len(c.Notes) > 0 {
			nt := c.Notes[0]
			fmt.Fprintf(&b, "\n_Latest note (%s, %s):_\n%s", owner(nt.Author), nt.At.In(now.Location()).Format("2 Jan 2006"), quoteBlock(esc(truncate(nt.Text, 500))))
		}
		r.section(safeCut(b.String(), maxSectionText))
	}
	r.fallback = fmt.Sprintf("You now look after %s", plural(len(h.Moved), "account"))
	return r
}

// Deleted says whether a user has left the workspace (users.info).
func (n *Notifier) Deleted(ctx context.Context, userID string) (bool, error) {
	st, err := n.user(ctx, userID)
	return st.deleted, err
}

// Zone is the user's time zone from Slack (users.info tz), for reminders at
// each owner's own local time. It wraps smed.ErrNotFound when Slack knows no
// usable zone for them.
func (n *Notifier) Zone(ctx context.Context, userID string) (*time.Location, error) {
	st, err := n.user(ctx, userID)
	if err != nil {
		return nil, err
	}
	if st.deleted || st.tz == "" {
		return nil, fmt.Errorf("slack: users.info %s: no time zone: %w", userID, smed.ErrNotFound)
	}
	loc, err := time.LoadLocation(st.tz)
	if err != nil {
		return nil, fmt.Errorf("slack: users.info %s: tz %q: %w", userID, st.tz, smed.ErrNotFound)
	}
	return loc, nil
}

// user is what users.info says of a user, cached for userCacheFor.
func (n *Notifier) user(ctx context.Context, userID string) (userState, error) {
	n.mu.Lock()
	st, ok := n.users[userID]
	n.mu.Unlock()
	if ok && time.Since(st.at) < userCacheFor {
		return st, nil
	}
	if err := n.pace.wait(ctx); err != nil {
		return userState{}, err
	}
	var u *slack.User
	err := n.retry(ctx, func() error {
		var err error
		u, err = n.api.GetUserInfoContext(ctx, userID)
		return err
	})
	switch {
	case isSlackError(err, "user_not_found"):
		st = userState{deleted: true}
	case err != nil:
		return userState{}, fmt.Errorf("slack: users.info %s: %w", userID, err)
	default:
		st = userState{deleted: u.Deleted, tz: u.TZ}
	}
	st.at = time.Now()
	n.mu.Lock()
	if len(n.users) > 50_000 { // bounded: forget everyone rather than grow
		clear(n.users)
	}
	n.users[userID] = st
	n.mu.Unlock()
	return st, nil
}

// LookupEmail finds the Slack user with that e-mail address
// (users.lookupByEmail, scope users:read.email): CSV imports may name owners
// by e-mail. It wraps smed.ErrNotFound when no user has the address.
func (n *Notifier) LookupEmail(ctx context.Context, email string) (string, error) {
	if err := n.pace.wait(ctx); err != nil {
		return "", err
	}
	u, err := n.api.GetUserByEmailContext(ctx, email)
	switch {
	case isSlackError(err, "users_not_found"):
		return "", fmt.Errorf("slack: no user has the address %s: %w", email, smed.ErrNotFound)
	case err != nil:
		return "", fmt.Errorf("slack: users.lookupByEmail: %w", err)
	}
	return u.ID, nil
}

// dm returns the DM channel with a user, opening it once per process.
func (n *Notifier) dm(ctx context.Context, user string) (string, error) {
	n.mu.Lock()
	ch, ok := n.dms[user]
	n.mu.Unlock()
	if ok {
		return ch, nil
	}
	if err := n.pace.wait(ctx); err != nil {
		return "", err
	}
	var c *slack.Channel
	err := n.retry(ctx, func() error {
		var err error
		c, _, _, err = n.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("slack: conversations.open %s: %w", user, err)
	}
	n.mu.Lock()
	n.dms[user] = c.ID
	n.mu.Unlock()
	return c.ID, nil
}

func (n *Notifier) post(ctx context.Context, channel string, r reply) error {
	_, err := n.postTS(ctx, channel, r)
	return err
}

// postTS posts and returns the message's ts. An error after which Slack may
// have posted it wraps reminders.ErrMaybeSent; one after which it surely did
// not, and may soon, is tried again (twice, a second apart at most).
func (n *Notifier) postTS(ctx context.Context, channel string, r reply) (string, error) {
	var ts string
	err := n.retry(ctx, func() error {
		if err := n.pace.wait(ctx); err != nil {
			return err
		}
		var err error
		_, ts, err = n.api.PostMessageContext(ctx, channel,
			slack.MsgOptionText(r.fallbackText(), false), slack.MsgOptionBlocks(r.blocks()...))
		return err
	})
	switch {
	case err == nil:
		return ts, nil
	case classify(err) == maybeDone:
		return "", fmt.Errorf("slack: chat.postMessage to %s: %w (%w)", channel, err, reminders.ErrMaybeSent)
	}
	return "", fmt.Errorf("slack: chat.postMessage to %s: %w", channel, err)
}

// fault sorts a Web API error by what Slack did with the call.
type fault int

const (
	// refused: Slack answered that it did not do it, for good (a bad
	// channel, a user who cannot be messaged, a missing scope).
	refused fault = iota
	// notYet: it surely did not, and may soon (connection refused, still
	// rate limited after the client's own retries, service_unavailable).
	notYet
	// maybeDone: it may have (a timeout, an HTTP 5xx, a connection lost
	// mid-call, internal_error and fatal_error, which Slack documents as
	// "some aspect of the operation may have succeeded").
	maybeDone
)

func classify(err error) fault {
	var (
		se  slack.SlackErrorResponse
		rl  *slack.RateLimitedError
		sc  slack.StatusCodeError
		op  *net.OpError
		dns *net.DNSError
	)
	switch {
	case errors.As(err, &rl):
		return notYet
	case errors.As(err, &se):
		switch se.Err {
		case "service_unavailable", "ratelimited":
			return notYet
		case "internal_error", "fatal_error":
			return maybeDone
		}
		return refused
	case errors.As(err, &sc):
		if sc.Code >= 500 {
			return maybeDone
		}
		return refused
	case errors.As(err, &op) && op.Op == "dial", errors.As(err, &dns):
		return notYet
	}
	return maybeDone
}

// Notifier retries: a send that surely did not happen is tried again this
// soon, so a blip does not cost a day's reminder.
var retryWaits = []time.Duration{250 * time.Millisecond, time.Second}

// retry runs f again, after each of retryWaits, while it fails with notYet:
// a call that surely was not done. Anything else is the caller's to handle
// (a timeout is not tried again: each costs the client's whole timeout, and
// a post may have been done).
func (n *Notifier) retry(ctx context.Context, f func() error) error {
	err := f()
	for _, wait := range retryWaits {
		if err == nil || classify(err) != notYet {
			return err
		}
		n.log.DebugContext(ctx, "slack call failed; trying again", "err", err, "in", wait)
		select {
		case <-ctx.Done():
			return errors.Join(err, ctx.Err())
		case <-time.After(wait):
		}
		err = f()
	}
	return err
}

func isSlackError(err error, code string) bool {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err == code
	}
	return err != nil && strings.Contains(err.Error(), code)
}

// splitReply cuts a reply into messages of at most maxBlocks blocks each,
// repeating nothing: later messages continue where the previous one stopped.
func splitReply(r reply) []reply {
	if len(r.parts) <= maxBlocks {
		return []reply{r}
	}
	var out []reply
	for i := 0; i < len(r.parts); i += maxBlocks {
		part := reply{fallback: r.fallback, parts: r.parts[i:min(i+maxBlocks, len(r.parts))]}
		if i > 0 {
			part.fallback = r.fallback + " (continued)"
		}
		out = append(out, part)
	}
	return out
}

// reminderReply renders one owner's reminder DM: most urgent first, each with
// days since contact, value, cadence, facts and the latest note, and buttons.
func reminderReply(r reminders.Reminder, loc *time.Location) reply {
	var rep reply
	total := len(r.Items) + r.More
	rep.header(fmt.Sprintf("%d of your customers are waiting to hear from you", total))
	if total == 1 {
		rep.parts[0].text = "One of your customers is waiting to hear from you"
	}
	rep.section(fmt.Sprintf("Most urgent first. *%s* at risk in all.", smed.FormatAmount(r.ValueAtRisk)))
	for _, it := range r.Items {
		rep.divider()
		rep.section(itemText(it, loc))
		rep.buttons(
			button{actionID: actionLogNote, value: it.Card.ID, label: "Log note", style: "primary"},
			button{actionID: actionSnooze, value: it.Card.ID, label: "Snooze 7 days"},
		)
	}
	if r.More > 0 {
		rep.context(fmt.Sprintf("… and %d more. See them all with `/customer list mine`.", r.More))
	}
	if len(r.Drifting) > 0 {
		rep.divider()
		rep.section(":hourglass: *Drifting:* not overdue yet, but quieter than usual for them:\n" + driftList(r.Drifting))
	}
	rep.fallback = fmt.Sprintf("%d of your customers are waiting to hear from you (%s at risk)", total, smed.FormatAmount(r.ValueAtRisk))
	return rep
}

// itemText is one overdue customer: name, value, cadence, silence, and, in a
// reminder (loc != nil: the zone its dates are shown in), what the owner needs
// to pick up the thread: facts and latest note. The digest passes nil.
func itemText(it reminders.Item, loc *time.Location) string {
	c := it.Card
	since := fmt.Sprintf("last contact %d days ago", it.DaysSince)
	if it.Never {
		since = fmt.Sprintf("never contacted (added %d days ago)", it.DaysSince)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%s* · %s · every %s · %s", esc(c.Name), smed.FormatAmount(c.Worth()), days(c.CadenceDays), since)
	if loc == nil {
		fmt.Fprintf(&b, " · %s", owner(c.Owner))
		return b.String()
	}
	for _, f := range c.Facts {
		b.WriteString("\n:pushpin: " + esc(truncate(f.Text, 300)))
	}
	if len(c.Notes) > 0 {
		n := c.Notes[0]
		b.WriteString(fmt.Sprintf("\n_Latest note (%s, %s):_\n%s", owner(n.Author), n.At.In(loc).Format("2 Jan 2006"), quoteBlock(esc(truncate(n.Text, 500)))))
	}
	return safeCut(b.String(), maxSectionText)
}

// digestReply renders the neglected-accounts digest, ranked by value at risk.
// Sections hold up to ten accounts each; splitReply spreads them over messages.
func digestReply(d reminders.Digest) reply {
	var r reply
	r.header("Neglected accounts")
	quiet := len(d.Drifting) == 0 && len(d.Escalated) == 0 && len(d.Concentrated) == 0
	if d.Overdue == 0 && len(d.Orphaned) == 0 && quiet {
		r.section(":tada: No account is overdue. Every customer has heard from us on time.")
		r.fallback = "No neglected accounts"
		return r
	}
	summary := fmt.Sprintf("*%s*, *%s* at risk.", plural(d.Overdue, "overdue account"), smed.FormatAmount(d.ValueAtRisk))
	if d.Overdue == 0 {
		summary = ":tada: No account is overdue."
	}
	if cust, val, ok := d.Coverage(); ok {
		summary += fmt.Sprintf(" Coverage: %.0f%% of customers, %.0f%% of their value.", cust*100, val*100)
	}
	if len(d.Items) > 0 {
		summary += " Ranked by value at risk:"
	}
	r.section(summary)
	list := func(items []reminders.Item) {
		var b strings.Builder
		for i, it := range items {
			line := fmt.Sprintf("%d. %s\n", i+1, itemText(it, nil))
			if (i > 0 && i%10 == 0) || b.Len()+len(line) > maxSectionText-200 {
				r.section(strings.TrimRight(b.String(), "\n"))
				b.Reset()
			}
			b.WriteString(line)
		}
		if b.Len() > 0 {
			r.section(strings.TrimRight(b.String(), "\n"))
		}
	}
	list(d.Items)
	if len(d.Escalated) > 0 {
		var b strings.Builder
		for _, ig := range d.Escalated {
			fmt.Fprintf(&b, "• *%s* · %s: ignored %d times, %s at risk\n", esc(ig.Customer.Name), owner(ig.Customer.Owner), ig.Times, smed.FormatAmount(ig.Customer.Worth()))
		}
		r.section(":rotating_light: *Reminders ignored again and again:*\n" + strings.TrimRight(b.String(), "\n"))
	}
	if len(d.Drifting) > 0 {
		head := fmt.Sprintf(":hourglass: *Drifting:* %s not overdue yet, but quieter than usual for them", plural(d.DriftingCount, "account"))
		r.section(head + ":\n" + driftList(d.Drifting))
	}
	if len(d.Concentrated) > 0 {
		var b strings.Builder
		for _, k := range d.Concentrated {
			fmt.Fprintf(&b, "• *%s* · %s: %d of %d notes in 180 days by %s\n", esc(k.Customer.Name), smed.FormatAmount(k.Customer.Worth()), k.ByAuthor, k.Notes, owner(k.Author))
		}
		r.section(":bust_in_silhouette: *Knowledge that rests on one person* (what we would lose with them):\n" + strings.TrimRight(b.String(), "\n"))
	}
	if len(d.Orphaned) > 0 {
		r.section(fmt.Sprintf("*Orphaned:* %s whose owner has left the workspace (or was never set). Take one over, or hand them over with `/customer handover @them @someone`:", plural(len(d.Orphaned), "account")))
		for _, it := range d.Orphaned {
			r.sectionWith(itemText(it, nil), button{actionID: actionTakeOver, value: it.Card.ID, label: "Take over"})
		}
	}
	r.fallback = fmt.Sprintf("Neglected accounts: %d overdue, %s at risk", d.Overdue, smed.FormatAmount(d.ValueAtRisk))
	return r
}

// driftList is drifting customers with why: "gaps 12 → 19 → 31 days".
func driftList(items []reminders.Item) string {
	var b strings.Builder
	for _, it := range items {
		gaps := make([]string, len(it.Gaps))
		for i, g := range it.Gaps {
			gaps[i] = strconv.Itoa(g)
		}
		fmt.Fprintf(&b, "• *%s* · %s · %s: gaps %s days\n", esc(it.Card.Name), smed.FormatAmount(it.Card.Worth()), owner(it.Card.Owner), strings.Join(gaps, " → "))
	}
	return strings.TrimRight(b.String(), "\n")
}

// ReminderText renders a reminder as plain text (smed remind --dry-run), with
// dates in loc.
func ReminderText(r reminders.Reminder, loc *time.Location) string {
	return reminderReply(r, loc).plain()
}

// DigestText renders a digest as plain text (smed digest --dry-run).
func DigestText(d reminders.Digest) string { return digestReply(d).plain() }
