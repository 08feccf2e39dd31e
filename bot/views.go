package bot

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
	"github.com/smedhq/smed/loyalty"
)

// Action IDs of the buttons Smed puts in messages. Their values carry
// customer IDs, never names: a rename or merge must not make a button act on
// the wrong customer.
const (
	actionHistoryOlder = "history_older" // value: "<page>:<customer ID>"
	actionHistoryNewer = "history_newer"
	actionLogNote      = "log_note"       // value: customer ID
	actionSnooze       = "snooze_7d"      // value: customer ID
	actionDelete       = "delete_confirm" // value: customer ID
	actionCancel       = "cancel"         // value: ""
	actionFindMore     = "find_more"      // value: "<cursor>\x1f<query>"
	actionTakeOver     = "take_over"      // value: customer ID
	actionUseLonger    = "use_longer"     // value: customer ID (made from the first word of its name)
	actionUndoHandover = "undo_handover"  // value: "<from user>:<to user>"
)

// relDay says when t is relative to now in words a person uses: "today",
// "yesterday", "in 3 days", "12 days ago".
//
// Past days are whole 24-hour days elapsed (rounded down), as the reminders
// count them, so every view of a customer agrees; future days are rounded, so
// a check-in due 30 days after a note logged a second ago is "in 30 days".
func relDay(t, now time.Time) string {
	d := t.Sub(now)
	days := wholeDays(d)
	if d > 0 {
		days = int(d.Round(smed.Day) / smed.Day)
	}
	switch {
	case days == 0:
		return "today"
	case days == 1:
		return "tomorrow"
	case days == -1:
		return "yesterday"
	case days > 1:
		return fmt.Sprintf("in %d days", days)
	default:
		return fmt.Sprintf("%d days ago", -days)
	}
}

// plural writes a count with its noun: "1 overdue account", "3 overdue accounts".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	switch {
	case strings.HasSuffix(noun, "ch") || strings.HasSuffix(noun, "s"):
		return fmt.Sprintf("%d %ses", n, noun)
	case strings.HasSuffix(noun, "y") && !strings.HasSuffix(noun, "ay"):
		return fmt.Sprintf("%d %sies", n, strings.TrimSuffix(noun, "y"))
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// wholeDays counts whole days in d, towards zero: 29.9 days ago is 29 days.
func wholeDays(d time.Duration) int { return int(d / smed.Day) }

func days(n int) string {
	switch {
	case n == 1:
		return "day"
	case n%7 == 0 && n < 70:
		if n == 7 {
			return "week"
		}
		return fmt.Sprintf("%d weeks", n/7)
	default:
		return fmt.Sprintf("%d days", n)
	}
}

func owner(id string) string {
	if id == "" {
		return "_nobody_"
	}
	return "<@" + id + ">"
}

func date(t, now time.Time) string { return t.In(now.Location()).Format("Mon 2 Jan") }

// lastContact describes a customer's last contact: "12 days ago" or "never".
func lastContact(c smed.Customer, now time.Time) string {
	if c.LastContactAt.IsZero() {
		return "never"
	}
	return relDay(c.LastContactAt, now)
}

// dueLine says where the customer stands against its cadence: the real due
// date always, and a snooze beside it.
func dueLine(c smed.Customer, now time.Time) string {
	due := c.ContactDue()
	var s string
	switch {
	case now.After(due):
		if n := wholeDays(now.Sub(due)); n >= 1 {
			s = fmt.Sprintf(":red_circle: overdue for %s", plural(n, "day"))
		} else {
			s = ":red_circle: overdue since today"
		}
	default:
		s = fmt.Sprintf(":large_green_circle: due %s", relDay(due, now))
	}
	if c.Snoozed(now) {
		if now.After(due) {
			s = strings.Replace(s, ":red_circle:", ":zzz:", 1)
		}
		s += fmt.Sprintf(" · snoozed until %s", date(c.SnoozedUntil, now))
	}
	return s
}

func noteLine(n smed.Note, now time.Time, limit int) string {
	return fmt.Sprintf("*%s* · %s%s\n%s", owner(n.Author), relDay(n.At, now), provenance(n), quoteBlock(esc(truncate(n.Text, limit))))
}

// provenance says where a saved message came from.
func provenance(n smed.Note) string {
	var s string
	if n.SavedBy != "" && n.SavedBy != n.Author {
		s = " · saved by " + owner(n.SavedBy)
	}
	if n.Link != "" {
		s += " · <" + n.Link + "|message>"
	}
	return s
}

func quoteBlock(s string) string { return "> " + strings.ReplaceAll(s, "\n", "\n> ") }

func noteReply(res app.NoteResult, now time.Time) reply {
	name := esc(res.Customer.Name)
	var r reply
	if res.Created {
		r.section(fmt.Sprintf(":memo: Noted. *%s* is a new customer, owned by you; Smed will nudge you if it hears nothing from them for %d days.", name, res.Customer.CadenceDays))
		q := esc(quoteIfSpaced(res.Customer.Name))
		r.context(fmt.Sprintf("Set what they are worth with `/customer value %s 120k` and how often to check in with `/customer cadence %s 2w`.", q, q))
	} else {
		r.section(fmt.Sprintf(":memo: Noted on *%s*. Next check-in due %s.", name, relDay(res.Customer.DueAt(), now)))
	}
	if res.FirstWord && res.Longer != "" {
		r.context(fmt.Sprintf("I took *%s* as the name. If it is *%s*, rename it: `/customer rename %s to %s` (and quote long names next time: `/customer note \"%s\" …`).",
			name, esc(res.Longer), esc(quoteIfSpaced(res.Customer.Name)), esc(res.Longer), esc(res.Longer)))
		r.buttons(button{actionID: actionUseLonger, value: res.Customer.ID, label: "Use “" + res.Longer + "” instead"})
	}
	r.context("> " + esc(truncate(res.Text, 300)))
	return r.withFallback(fmt.Sprintf("Noted on %s.", name))
}

func rememberReply(res app.NoteResult) reply {
	var r reply
	r.section(fmt.Sprintf(":pushpin: Remembered for *%s*: %s", esc(res.Customer.Name), esc(res.Text)))
	r.context("Facts show at the top of the customer's card and in reminders.")
	return r.withFallback("Remembered for " + esc(res.Customer.Name) + ".")
}

// changedReply is the answer to owner, value and cadence: what was done, and
// where the customer stands now.
func changedReply(done string, c smed.Customer, now time.Time) reply {
	var r reply
	r.section(done)
	r.context(fmt.Sprintf("Next check-in due %s.", relDay(c.DueAt(), now)))
	return r
}

func snoozedReply(s app.Snoozed, now time.Time) reply {
	name := esc(s.After.Name)
	var r reply
	switch {
	case s.Until.IsZero():
		r.section(fmt.Sprintf(":alarm_clock: *%s* is no longer snoozed.", name))
	case !s.Moved && s.Before.DueAt().After(s.After.DueAt()):
		// A later snooze was there: the new one replaced it, and so the
		// customer is due sooner than before.
		r.section(fmt.Sprintf(":zzz: *%s* was snoozed until %s. Your snooze replaces that one and ends before it is due anyway, so reminders come when it is due: %s (%s).",
			name, s.Before.SnoozedUntil.In(now.Location()).Format("Mon 2 Jan 2006"), relDay(s.After.DueAt(), now), date(s.After.DueAt(), now)))
	case !s.Moved:
		r.section(fmt.Sprintf(":zzz: *%s* is due %s anyway (%s), after the snooze you asked for ends, so nothing changes: reminders come when it is due.",
			name, relDay(s.After.DueAt(), now), date(s.After.DueAt(), now)))
	default:
		r.section(fmt.Sprintf(":zzz: No reminders for *%s* until %s.", name, s.Until.In(now.Location()).Format("Mon 2 Jan 2006")))
	}
	r.context(fmt.Sprintf("Next check-in due %s.", relDay(s.After.DueAt(), now)))
	return r
}

// cardReply is the card; links are the channels linked to the customer, ins
// its loyalty figures (nil: not shown).
func cardReply(card smed.Card, links []string, ins *app.Insights, now time.Time) reply {
	var r reply
	c := card.Customer
	r.header(esc(c.Name))
	if c.Formerly != "" {
		r.context("formerly " + esc(c.Formerly))
	}
	if len(card.Facts) > 0 {
		r.section(factList(card.Facts))
	}
	last := lastContact(c, now)
	if c.LastContactBy != "" && !c.LastContactAt.IsZero() {
		last += " by " + owner(c.LastContactBy)
	}
	cadence := "every " + days(c.CadenceDays)
	switch {
	case c.CadenceSet:
		cadence += " (set)"
	case ins != nil && ins.Cadence.Source == loyalty.SourceLearned:
		cadence = fmt.Sprintf("usually every ~%s (learned)", days(ins.Cadence.Days))
	}
	value := smed.FormatAmount(c.Value)
	if c.DealsCount > 0 {
		value += fmt.Sprintf("   *Bought:* %s in %s, last %s", smed.FormatAmount(c.DealsSum), plural(c.DealsCount, "deal"), relDay(c.LastDealAt, now))
	}
	r.section(fmt.Sprintf("*Owner:* %s   *Value:* %s   *Cadence:* %s\n*Last contact:* %s   %s",
		owner(c.Owner), value, cadence, last, dueLine(c, now)))
	if len(links) > 0 {
		r.context(linkedLine(c, links, now))
	}
	if ins != nil {
		if line := insightLine(*ins); line != "" {
			r.context(line)
		}
	}
	if len(card.Notes) == 0 {
		r.context("No notes yet.")
	} else {
		r.divider()
		for _, n := range card.Notes {
			r.section(noteLine(n, now, 600))
		}
		if c.NoteCount > len(card.Notes) {
			r.context(fmt.Sprintf("%s in all. See them with `/customer history %s`.", plural(c.NoteCount, "note"), esc(quoteIfSpaced(c.Name))))
		}
	}
	r.fallback = fmt.Sprintf("%s: owner %s, value %s, last contact %s", esc(c.Name), owner(c.Owner), smed.FormatAmount(c.Value), lastContact(c, now))
	return r
}

// insightLine is the card's loyalty line: health and its biggest reasons,
// drift, buying rhythm, and knowledge that rests on one person.
func insightLine(ins app.Insights) string {
	var parts []string
	if h := ins.Health; h.Known {
		arrow := map[loyalty.Arrow]string{loyalty.ArrowUp: " ↑", loyalty.ArrowDown: " ↓", loyalty.ArrowFlat: " →"}[h.Arrow]
		s := fmt.Sprintf(":heart: Health %d/100%s", h.Score, arrow)
		var why []string
		for _, p := range h.Reasons {
			why = append(why, fmt.Sprintf("%s (−%d)", esc(p.Detail), p.Lost))
		}
		if len(why) > 0 {
			s += ": " + strings.Join(why, "; ")
		}
		parts = append(parts, s)
	}
	if d := ins.Drift; d.State == loyalty.StateDrifting {
		gaps := make([]string, len(d.Gaps))
		for i, g := range d.Gaps {
			gaps[i] = strconv.Itoa(g)
		}
		parts = append(parts, ":warning: drifting: gaps "+strings.Join(gaps, " → ")+" days")
	}
	if b := ins.Buying; b.Known() {
		parts = append(parts, fmt.Sprintf(":shopping_trolley: usually orders every ~%s; last order %d days ago", days(b.Days), b.Since))
	}
	if k := ins.Knowledge; k.RestsOnOne() {
		parts = append(parts, fmt.Sprintf(":bust_in_silhouette: what we know rests on %s (%d of %d notes in 180 days)", owner(k.Author), k.ByAuthor, k.Notes))
	}
	return strings.Join(parts, "\n")
}

// linkedLine says where the customer's channels are and who spoke last on
// each side: "customer wrote 2 days ago; we last wrote 9 days ago".
func linkedLine(c smed.Customer, links []string, now time.Time) string {
	chans := make([]string, len(links))
	for i, ch := range links {
		chans[i] = "<#" + ch + ">"
	}
	s := ":link: " + strings.Join(chans, ", ")
	var sides []string
	if !c.LastCustomerAt.IsZero() {
		sides = append(sides, "customer wrote "+relDay(c.LastCustomerAt, now))
	} else {
		sides = append(sides, "no message from the customer yet")
	}
	if !c.LastTeamAt.IsZero() {
		sides = append(sides, "we last wrote "+relDay(c.LastTeamAt, now))
	}
	return s + ": " + strings.Join(sides, "; ")
}

// revisionLine says what a revision changed: "handed over from @a to @b".
func revisionLine(rv smed.Revision) string {
	by := ""
	if rv.By != "" {
		by = " by " + owner(rv.By)
	}
	switch rv.Field {
	case "owner":
		return fmt.Sprintf(":handshake: handed over from %s to %s%s", owner(rv.From), owner(rv.To), by)
	case "value":
		return fmt.Sprintf(":moneybag: value %s → %s%s", amountText(rv.From), amountText(rv.To), by)
	case "cadence":
		return fmt.Sprintf(":calendar: cadence %s → %s days%s", esc(rv.From), esc(rv.To), by)
	case "name":
		return fmt.Sprintf(":label: renamed from *%s* to *%s*%s", esc(rv.From), esc(rv.To), by)
	case "merge":
		return fmt.Sprintf(":twisted_rightwards_arrows: *%s* merged into *%s*%s", esc(rv.From), esc(rv.To), by)
	}
	return fmt.Sprintf("%s changed%s", esc(rv.Field), by)
}

// amountText formats a stored whole number as an amount.
func amountText(s string) string {
	var v int64
	if _, err := fmt.Sscan(s, &v); err != nil {
		return esc(s)
	}
	return smed.FormatAmount(v)
}

func historyReply(h app.HistoryPage, now time.Time) reply {
	var r reply
	c := h.Customer
	r.header(esc(c.Name) + ": history")
	if len(h.Entries) == 0 {
		if h.Total == 0 {
			r.section("Nothing yet.")
		} else {
			r.section(fmt.Sprintf("There is no page %d: the history has only %s.", h.Page, plural(h.Pages, "page")))
		}
		return r
	}
	for _, e := range h.Entries {
		when := e.At().In(now.Location()).Format("2 Jan 2006 15:04") + " · " + relDay(e.At(), now)
		switch e.Kind {
		case smed.EntryRevision:
			r.context(when + " · " + revisionLine(e.Revision))
			continue
		case smed.EntryTouch:
			side := ""
			if e.Touch.Side == smed.SideCustomer {
				side = " (the customer)"
			}
			r.context(fmt.Sprintf("%s · :speech_balloon: message in <#%s> by %s%s", when, e.Touch.Channel, owner(e.Touch.Author), side))
			continue
		case smed.EntryDeal:
			r.section(fmt.Sprintf("*%s* · %s\n:moneybag: deal %s%s", owner(e.Deal.Author), when, smed.FormatAmount(e.Deal.Amount), textSuffix(e.Deal.Text)))
			continue
		}
		n := e.Note
		r.section(fmt.Sprintf("*%s* · %s%s\n%s", owner(n.Author), when, provenance(n), quoteBlock(esc(truncate(n.Text, smed.MaxTextRunes)))))
	}
	r.context(fmt.Sprintf("Page %d of %d · %s, newest first", h.Page, h.Pages, plural(h.Total, "entry")))
	var bs []button
	if h.Page > 1 {
		bs = append(bs, button{actionID: actionHistoryNewer, value: fmt.Sprintf("%d:%s", h.Page-1, c.ID), label: "Newer"})
	}
	if h.Page < h.Pages {
		bs = append(bs, button{actionID: actionHistoryOlder, value: fmt.Sprintf("%d:%s", h.Page+1, c.ID), label: "Older"})
	}
	if len(bs) > 0 {
		r.buttons(bs...)
	}
	if h.Page < h.Pages {
		r.context(fmt.Sprintf("Older entries: `/customer history %s page %d`", esc(quoteIfSpaced(c.Name)), h.Page+1))
	}
	return r
}

// driftingReply is `list drifting`: not overdue yet, quieter than usual for
// them, with why.
func driftingReply(l app.Listed, title string) reply {
	var r reply
	title = strings.Replace(title, "ccounts", "ccounts drifting", 1)
	if l.Total == 0 {
		r.section(fmt.Sprintf(":large_green_circle: *%s*: none. Every customer with a rhythm of its own is keeping to it (or is overdue already: `/customer list overdue`).", title))
		return r
	}
	r.section(fmt.Sprintf(":hourglass: *%s*: %s not overdue yet, but quieter than usual for them, most valuable first:", title, plural(l.Total, "account")))
	var b strings.Builder
	for _, d := range l.Drifting {
		c := d.Customer
		gaps := make([]string, len(d.Gaps))
		for i, g := range d.Gaps {
			gaps[i] = strconv.Itoa(g)
		}
		line := fmt.Sprintf("• *%s* · %s · %s · gaps %s days · %s\n", esc(c.Name), smed.FormatAmount(c.Worth()), owner(c.Owner), strings.Join(gaps, " → "), dueLine(c, l.Now))
		if b.Len()+len(line) > maxSectionText-100 {
			r.section(strings.TrimRight(b.String(), "\n"))
			b.Reset()
		}
		b.WriteString(line)
	}
	r.section(strings.TrimRight(b.String(), "\n"))
	if l.Total > len(l.Drifting) {
		r.context(fmt.Sprintf("and %d more.", l.Total-len(l.Drifting)))
	}
	return r
}

func listReply(l app.Listed, me string, amount func(int64) string) reply {
	var r reply
	who, now := l.Query.Owner, l.Now
	title := "All accounts"
	switch who {
	case "":
	case me:
		title = "Your accounts"
	default:
		title = "Accounts of <@" + who + ">"
	}
	if l.Query.OverdueOnly {
		title = strings.Replace(title, "ccounts", "ccounts overdue", 1)
	}
	if l.Query.Drifting {
		return driftingReply(l, title)
	}
	if l.Total == 0 {
		switch who {
		case "":
			r.section("No accounts yet. Log a first note with `/customer note <customer> <what was said>`.")
		case me:
			r.section("You own no accounts. A note on a new customer makes you its owner; `/customer owner` hands one over.")
		default:
			r.section(fmt.Sprintf("<@%s> owns no accounts.", who))
		}
		return r
	}
	status := "none overdue"
	if l.Overdue > 0 {
		status = fmt.Sprintf("%d overdue, %s at risk", l.Overdue, amount(l.AtRisk))
	}
	lead := "Most urgent first:"
	if len(l.Customers) == 0 {
		lead = ":tada: nothing to catch up on."
	}
	r.section(fmt.Sprintf("*%s*: %s, %s. %s", title, plural(l.Total, "account"), status, lead))
	var b strings.Builder
	for _, c := range l.Customers {
		line := fmt.Sprintf("• *%s* · %s · %s · last contact %s · %s\n", esc(c.Name), smed.FormatAmount(c.Worth()), owner(c.Owner), lastContact(c, now), dueLine(c, now))
		if b.Len()+len(line) > maxSectionText-100 {
			r.section(strings.TrimRight(b.String(), "\n"))
			b.Reset()
		}
		b.WriteString(line)
	}
	if b.Len() > 0 {
		r.section(strings.TrimRight(b.String(), "\n"))
	}
	shown := l.Total
	if l.Query.OverdueOnly {
		shown = l.Overdue
	}
	if more := shown - len(l.Customers); more > 0 {
		r.context(fmt.Sprintf("… and %d more.", more))
	}
	r.fallback = fmt.Sprintf("%s: %d, %d overdue", title, l.Total, l.Overdue)
	return r
}

func findReply(q string, p smed.FindPage, more bool, now time.Time) reply {
	var r reply
	if len(p.Matches) == 0 {
		if more {
			r.section(fmt.Sprintf("No more matches for “%s”.", esc(q)))
		} else {
			r.section(fmt.Sprintf("Nothing matches “%s” in names, facts or notes.", esc(q)))
		}
		return r
	}
	head := "Most recent first"
	if more {
		head = "More, most recent first"
	}
	r.section(fmt.Sprintf("%s for “%s”:", head, esc(q)))
	var b strings.Builder
	for _, m := range p.Matches {
		var line string
		switch m.Field {
		case "name":
			line = fmt.Sprintf("• *%s* (customer, owner %s)\n", esc(m.Customer.Name), owner(m.Customer.Owner))
		case "fact":
			line = fmt.Sprintf("• *%s* :pushpin: %s\n", esc(m.Customer.Name), esc(truncate(m.Text, 200)))
		default:
			line = fmt.Sprintf("• *%s* · %s: %s\n", esc(m.Customer.Name), relDay(m.At, now), esc(truncate(m.Text, 200)))
		}
		if b.Len()+len(line) > maxSectionText-100 {
			r.section(strings.TrimRight(b.String(), "\n"))
			b.Reset()
		}
		b.WriteString(line)
	}
	r.section(strings.TrimRight(b.String(), "\n"))
	if p.Next != "" {
		r.buttons(button{actionID: actionFindMore, value: truncate(p.Next+"\x1f"+q, 1900), label: "More results"})
	}
	return r
}

func statsReply(st app.Stats, amount func(int64) string) reply {
	var r reply
	r.header("Smed stats")
	share, valueShare, ok := st.Coverage()
	if !ok {
		r.section("No customers yet.")
		return r
	}
	r.section(fmt.Sprintf("*Coverage:* %.0f%% of customers (%d of %d) and %.0f%% of their value are not overdue.\n*Value at risk:* %s in %s.",
		share*100, st.Customers-st.Overdue, st.Customers, valueShare*100, amount(st.AtRisk), plural(st.Overdue, "overdue account")))
	if rate, ok := st.RepurchaseRate(); ok {
		line := fmt.Sprintf("*Repurchase rate:* %.0f%% of the %s of the last 365 days bought again (%d of %d).", rate*100, plural(st.Repurchase.Buyers, "buyer"), st.Repurchase.Returning, st.Repurchase.Buyers)
		if st.Repurchase.Value > 0 {
			line += fmt.Sprintf(" %.0f%% of deal value came from customers buying again.", float64(st.Repurchase.RepeatValue)/float64(st.Repurchase.Value)*100)
		}
		r.section(line)
	}
	if t := trendLine(st, amount); t != "" {
		r.context(t)
	}
	authors := make([]string, 0, len(st.Month))
	for a := range st.Month {
		authors = append(authors, a)
	}
	slices.SortFunc(authors, func(a, b string) int { return cmp.Or(cmp.Compare(st.Month[b], st.Month[a]), cmp.Compare(a, b)) })
	if len(authors) == 0 {
		r.section("*Notes:* none in the last 30 days.")
		statsLoyalty(&r, st, amount)
		return r
	}
	var b strings.Builder
	b.WriteString("*Notes per person* (last 7 / 30 days):\n")
	for _, a := range authors {
		b.WriteString(fmt.Sprintf("• %s: %d / %d\n", owner(a), st.Week[a], st.Month[a]))
	}
	r.section(strings.TrimRight(b.String(), "\n"))
	statsLoyalty(&r, st, amount)
	return r
}

// statsLoyalty adds follow-through per owner and knowledge concentration.
func statsLoyalty(r *reply, st app.Stats, amount func(int64) string) {
	if len(st.FollowThrough) > 0 {
		owners := make([]string, 0, len(st.FollowThrough))
		for o := range st.FollowThrough {
			owners = append(owners, o)
		}
		slices.Sort(owners)
		var b strings.Builder
		b.WriteString("*Follow-through* (customers a reminder listed, contacted within 3 days):\n")
		for _, o := range owners {
			ft := st.FollowThrough[o]
			if decided := ft.Contacted + ft.Ignored; decided > 0 {
				fmt.Fprintf(&b, "• %s: %.0f%% (%d contacted, %d ignored, %d snoozed)\n", owner(o), float64(ft.Contacted)/float64(decided)*100, ft.Contacted, ft.Ignored, ft.Snoozed)
			}
		}
		if strings.Count(b.String(), "\n") > 1 {
			r.section(strings.TrimRight(b.String(), "\n"))
		}
	}
	if len(st.Concentrated) > 0 {
		var b strings.Builder
		b.WriteString("*Knowledge that rests on one person* (≥ 80 % of the notes of 180 days):\n")
		for _, k := range st.Concentrated {
			fmt.Fprintf(&b, "• *%s* · %s: %s wrote %d of %d\n", esc(k.Customer.Name), amount(k.Customer.Worth()), owner(k.Author), k.ByAuthor, k.Notes)
		}
		r.section(strings.TrimRight(b.String(), "\n"))
	}
}

// trendLine compares value at risk, coverage and the repurchase rate with 7
// and 30 days ago, from the kept snapshots.
func trendLine(st app.Stats, amount func(int64) string) string {
	var parts []string
	for _, p := range []struct {
		label string
		s     *smed.TeamSnapshot
	}{{"a week ago", st.WeekAgo}, {"30 days ago", st.MonthAgo}} {
		if p.s == nil {
			continue
		}
		cov, _, _ := smed.Coverage(p.s.Customers, p.s.Overdue, p.s.Value, p.s.AtRisk)
		s := fmt.Sprintf("%s: %s at risk, coverage %.0f%%", p.label, amount(p.s.AtRisk), cov*100)
		if p.s.Buyers > 0 {
			s += fmt.Sprintf(", repurchase %.0f%%", float64(p.s.Returning)/float64(p.s.Buyers)*100)
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return ""
	}
	return ":chart_with_upwards_trend: " + strings.Join(parts, " · ")
}

func deleteConfirmReply(card smed.Card) reply {
	c := card.Customer
	var r reply
	r.section(fmt.Sprintf(":warning: Delete *%s* and everything about it: %s, %s and its history? This cannot be undone.",
		esc(c.Name), plural(c.NoteCount, "note"), plural(len(card.Facts), "fact")))
	r.buttons(button{actionID: actionDelete, value: c.ID, label: "Delete " + truncate(c.Name, 60), style: "danger"},
		button{actionID: actionCancel, label: "Cancel"})
	r.context("Press the button to delete (in Slack; admins only). To keep the knowledge but fix a duplicate, use `/customer merge` instead.")
	return r.withFallback("Delete " + esc(c.Name) + "?")
}
