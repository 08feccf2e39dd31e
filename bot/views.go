package bot

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/reminders"
)

// Action IDs of the buttons Smed puts in messages.
const (
	actionHistoryPage = "history_page"
	actionLogNote     = "log_note"
	actionSnooze      = "snooze_7d"
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
	if strings.HasSuffix(noun, "ch") || strings.HasSuffix(noun, "s") {
		return fmt.Sprintf("%d %ses", n, noun)
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

// lastContact describes a customer's last contact: "12 days ago" or "never".
func lastContact(c smed.Customer, now time.Time) string {
	if c.LastContactAt.IsZero() {
		return "never"
	}
	return relDay(c.LastContactAt, now)
}

// dueLine says where the customer stands against its cadence.
func dueLine(c smed.Customer, now time.Time) string {
	due := c.DueAt()
	switch {
	case c.Snoozed(now):
		return fmt.Sprintf(":zzz: snoozed until %s", c.SnoozedUntil.In(now.Location()).Format("Mon 2 Jan"))
	case c.OverdueAt(now):
		if n := wholeDays(now.Sub(due)); n >= 1 {
			return fmt.Sprintf(":red_circle: overdue for %s", plural(n, "day"))
		}
		return ":red_circle: overdue since today"
	default:
		return fmt.Sprintf(":large_green_circle: due %s", relDay(due, now))
	}
}

func noteLine(n smed.Note, now time.Time, limit int) string {
	return fmt.Sprintf("*%s* · %s\n%s", owner(n.Author), relDay(n.At, now), quoteBlock(esc(truncate(n.Text, limit))))
}

func quoteBlock(s string) string { return "> " + strings.ReplaceAll(s, "\n", "\n> ") }

func cardReply(card smed.Card, now time.Time) reply {
	var r reply
	c := card.Customer
	r.header(esc(c.Name))
	if len(card.Facts) > 0 {
		var b strings.Builder
		for _, f := range card.Facts {
			b.WriteString(":pushpin: " + esc(f.Text) + "\n")
		}
		r.section(strings.TrimRight(b.String(), "\n"))
	}
	r.section(fmt.Sprintf("*Owner:* %s   *Value:* %s   *Cadence:* every %s\n*Last contact:* %s   %s",
		owner(c.Owner), smed.FormatAmount(c.Value), days(c.CadenceDays), lastContact(c, now), dueLine(c, now)))
	if len(card.Notes) == 0 {
		r.context("No notes yet.")
	} else {
		r.divider()
		for _, n := range card.Notes {
			r.section(noteLine(n, now, 600))
		}
		if c.NoteCount > len(card.Notes) {
			r.context(fmt.Sprintf("%d notes in all. See them with `/customer history %s`.", c.NoteCount, esc(quoteIfSpaced(c.Name))))
		}
	}
	r.fallback = fmt.Sprintf("%s: owner %s, value %s, last contact %s", esc(c.Name), owner(c.Owner), smed.FormatAmount(c.Value), lastContact(c, now))
	return r
}

func historyReply(c smed.Customer, notes []smed.Note, page int, now time.Time) reply {
	var r reply
	pages := max(1, (c.NoteCount+historyPage-1)/historyPage)
	r.header(esc(c.Name) + ": history")
	if len(notes) == 0 {
		if c.NoteCount == 0 {
			r.section("No notes yet.")
		} else {
			r.section(fmt.Sprintf("There is no page %d: the history has only %s.", page, plural(pages, "page")))
		}
		return r
	}
	for _, n := range notes {
		r.section(fmt.Sprintf("*%s* · %s · %s\n%s", owner(n.Author), n.At.In(now.Location()).Format("2 Jan 2006 15:04"), relDay(n.At, now), quoteBlock(esc(truncate(n.Text, maxTextRunes)))))
	}
	r.context(fmt.Sprintf("Page %d of %d · %s, newest first", page, pages, plural(c.NoteCount, "note")))
	var bs []button
	if page > 1 {
		bs = append(bs, button{actionID: actionHistoryPage + "_newer", value: fmt.Sprintf("%d\x1f%s", page-1, c.Name), label: "Newer"})
	}
	if page < pages {
		bs = append(bs, button{actionID: actionHistoryPage + "_older", value: fmt.Sprintf("%d\x1f%s", page+1, c.Name), label: "Older"})
	}
	if len(bs) > 0 {
		r.buttons(bs...)
	}
	if page < pages {
		r.context(fmt.Sprintf("Older notes: `/customer history %s page %d`", esc(quoteIfSpaced(c.Name)), page+1))
	}
	return r
}

// rankForList orders customers most urgent first: the overdue ones by the
// neglect rule (reminders.Overdue, as reminders and the digest rank them),
// then the rest by due time.
func rankForList(cs []smed.Customer, now time.Time) []smed.Customer {
	rest := slices.DeleteFunc(slices.Clone(cs), func(c smed.Customer) bool { return c.OverdueAt(now) })
	slices.SortStableFunc(rest, func(a, b smed.Customer) int { return a.DueAt().Compare(b.DueAt()) })
	return append(reminders.Overdue(cs, now), rest...)
}

func listReply(cs []smed.Customer, who, me string, now time.Time) reply {
	var r reply
	title := "All accounts"
	switch who {
	case "":
	case me:
		title = "Your accounts"
	default:
		title = "Accounts of <@" + who + ">"
	}
	if len(cs) == 0 {
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
	ranked := rankForList(cs, now)
	var overdue int
	var atRisk int64
	for _, c := range ranked {
		if c.OverdueAt(now) {
			overdue++
			atRisk += c.Value
		}
	}
	status := "none overdue"
	if overdue > 0 {
		status = fmt.Sprintf("%d overdue, %s at risk", overdue, smed.FormatAmount(atRisk))
	}
	r.section(fmt.Sprintf("*%s*: %s, %s. Most urgent first:", title, plural(len(cs), "account"), status))
	var b strings.Builder
	for i, c := range ranked {
		if i == listMax {
			break
		}
		line := fmt.Sprintf("• *%s* · %s · %s · last contact %s · %s\n", esc(c.Name), smed.FormatAmount(c.Value), owner(c.Owner), lastContact(c, now), dueLine(c, now))
		if b.Len()+len(line) > maxSectionText-100 {
			r.section(strings.TrimRight(b.String(), "\n"))
			b.Reset()
		}
		b.WriteString(line)
	}
	r.section(strings.TrimRight(b.String(), "\n"))
	if len(ranked) > listMax {
		r.context(fmt.Sprintf("… and %d more.", len(ranked)-listMax))
	}
	r.fallback = fmt.Sprintf("%s: %d, %d overdue", title, len(cs), overdue)
	return r
}

func findReply(q string, ms []smed.Match, now time.Time) reply {
	var r reply
	if len(ms) == 0 {
		r.section(fmt.Sprintf("Nothing matches “%s” in names, facts or notes.", esc(q)))
		return r
	}
	r.section(fmt.Sprintf("*%s* for “%s”:", plural(len(ms), "match"), esc(q)))
	var b strings.Builder
	for _, m := range ms {
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
	return r
}

func statsReply(cs []smed.Customer, week, month map[string]int, now time.Time) reply {
	var r reply
	var total, overdue int
	var value, atRisk int64
	for _, c := range cs {
		total++
		value += c.Value
		if c.OverdueAt(now) {
			overdue++
			atRisk += c.Value
		}
	}
	r.header("Smed stats")
	if total == 0 {
		r.section("No customers yet.")
		return r
	}
	covered := float64(total-overdue) / float64(total) * 100
	valueCovered := 100.0
	if value > 0 {
		valueCovered = float64(value-atRisk) / float64(value) * 100
	}
	r.section(fmt.Sprintf("*Coverage:* %.0f%% of customers (%d of %d) and %.0f%% of their value are not overdue.\n*Value at risk:* %s in %s.",
		covered, total-overdue, total, valueCovered, smed.FormatAmount(atRisk), plural(overdue, "overdue account")))
	authors := make([]string, 0, len(month))
	for a := range month {
		authors = append(authors, a)
	}
	slices.SortFunc(authors, func(a, b string) int { return cmp.Or(cmp.Compare(month[b], month[a]), cmp.Compare(a, b)) })
	if len(authors) == 0 {
		r.section("*Notes:* none in the last 30 days.")
		return r
	}
	var b strings.Builder
	b.WriteString("*Notes per person* (last 7 / 30 days):\n")
	for _, a := range authors {
		b.WriteString(fmt.Sprintf("• %s: %d / %d\n", owner(a), week[a], month[a]))
	}
	r.section(strings.TrimRight(b.String(), "\n"))
	return r
}
