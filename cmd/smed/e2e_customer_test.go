package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
)

// Every /customer subcommand through signed HTTP, as a team would use them.
func TestE2ECustomerCommands(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()

	t.Run("note creates, then notes on the same customer by lower-case name", func(t *testing.T) {
		got := h.say(alice, "note Acme Called Bo about renewal")
		contains(t, "first note", got, "Acme", "new customer", "Called Bo about renewal")
		got = h.say(alice, "note acme Sent the quote")
		contains(t, "second note", got, "Acme", "Sent the quote")
		lacks(t, "second note", got, "new customer")
	})
	t.Run("show has notes, owner and value", func(t *testing.T) {
		got := h.known("acme")
		contains(t, "show acme", got, "Called Bo about renewal", "Sent the quote", "<@"+alice+">", "Value")
	})
	t.Run("remember shows the fact on the card", func(t *testing.T) {
		got := h.say(alice, "remember Acme prefers calls before 10")
		contains(t, "remember", got, "prefers calls before 10")
		contains(t, "card after remember", h.known("Acme"), "prefers calls before 10")
	})
	t.Run("value", func(t *testing.T) {
		h.say(alice, "value Acme 120k")
		contains(t, "card after value 120k", h.known("Acme"), "120,000")
		h.say(alice, "value Acme 1.2m")
		contains(t, "card after value 1.2m", h.known("Acme"), "1,200,000")
	})
	t.Run("cadence", func(t *testing.T) {
		got := h.say(alice, "cadence Acme 2w")
		contains(t, "cadence 2w", got, "Acme")
		card := h.known("Acme")
		if !regexp.MustCompile(`(?i)2 weeks|14 days`).MatchString(card) {
			t.Errorf("card after cadence 2w: want a 2-week cadence in:\n%s", card)
		}
	})
	t.Run("snooze", func(t *testing.T) {
		got := h.say(alice, "snooze Acme 7d")
		contains(t, "snooze 7d", got, "Acme")
		contains(t, "card after snooze", h.known("Acme"), "snoozed")
	})
	t.Run("owner, refused for others, allowed for admins", func(t *testing.T) {
		got := h.say(alice, "owner Acme <@"+bob+"|bob>")
		contains(t, "owner by the owner", got, "<@"+bob+">")
		contains(t, "card after hand-over", h.known("Acme"), "<@"+bob+">")

		got = h.say(carol, "owner Acme <@"+carol+"|carol>")
		if !errorRE.MatchString(got) {
			t.Errorf("owner by a non-owner non-admin: want a refusal, got:\n%s", got)
		}
		card := h.known("Acme")
		contains(t, "card after refused hand-over", card, "<@"+bob+">")
		lacks(t, "card after refused hand-over", card, "<@"+carol+">")

		got = h.say(boss, "owner Acme <@"+carol+"|carol>")
		contains(t, "owner by an admin", got, "<@"+carol+">")
		contains(t, "card after admin hand-over", h.known("Acme"), "<@"+carol+">")
	})
	t.Run("list, list mine, list @user", func(t *testing.T) {
		h.say(bob, "note Betamax Demo went well")
		h.say(alice, "note Gamma Intro call")
		all := h.say(alice, "list")
		contains(t, "list", all, "Acme", "Betamax", "Gamma")
		mine := h.say(alice, "list mine")
		contains(t, "list mine (alice)", mine, "Gamma")
		lacks(t, "list mine (alice)", mine, "Betamax", "Acme")
		bobs := h.say(alice, "list <@"+bob+"|bob>")
		contains(t, "list @bob", bobs, "Betamax")
		lacks(t, "list @bob", bobs, "Gamma", "Acme")
	})
	t.Run("find names, facts and notes", func(t *testing.T) {
		contains(t, "find by name", h.say(alice, "find gamma"), "Gamma")
		contains(t, "find by fact", h.say(alice, "find calls before"), "Acme", "calls before 10")
		contains(t, "find by note", h.say(alice, "find demo went"), "Betamax", "Demo went well")
		got := h.say(alice, "find zebra-nowhere")
		lacks(t, "find without hits", got, "Acme", "Betamax", "Gamma")
	})
	t.Run("history is paged", func(t *testing.T) {
		for i := 1; i <= 12; i++ {
			h.say(alice, fmt.Sprintf("note Delta delta note %02d", i))
		}
		p1 := h.say(alice, "history Delta")
		contains(t, "history page 1", p1, "delta note 12", "delta note 03")
		lacks(t, "history page 1", p1, "delta note 02", "delta note 01")
		if !regexp.MustCompile(`(?i)page 1 of 2|page 2`).MatchString(p1) {
			t.Errorf("history page 1: want a pointer to page 2, got:\n%s", p1)
		}
		p2 := h.say(alice, "history Delta page 2")
		contains(t, "history page 2", p2, "delta note 02", "delta note 01")
		lacks(t, "history page 2", p2, "delta note 12")
	})
	t.Run("neglected lists the overdue, with value at risk", func(t *testing.T) {
		if r := h.importCSV("Oldco,"+alice+",50000,30,"+daysAgo(90)+",", "Fresh,"+alice+",70000,30,"+daysAgo(1)+","); r.code != 0 {
			t.Fatalf("import: %v", r)
		}
		got := h.say(bob, "neglected")
		contains(t, "neglected", got, "Oldco", "50,000")
		lacks(t, "neglected", got, "Fresh")
	})
	t.Run("stats", func(t *testing.T) {
		got := h.say(alice, "stats")
		contains(t, "stats", got, "coverage", "at risk", "<@"+alice+">")
	})
	t.Run("help", func(t *testing.T) {
		got := h.say(alice, "help")
		contains(t, "help", got, "note", "show", "remember", "owner", "value", "cadence", "snooze", "list", "find", "history", "neglected", "stats")
	})
}

// How names are read: longest known prefix, near-misses, quotes, Unicode.
func TestE2ECustomerNames(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()

	got := h.say(alice, `note "Acme Corp" Kickoff meeting`)
	contains(t, `note "Acme Corp"`, got, "Acme Corp", "new customer")

	t.Run("longest known prefix", func(t *testing.T) {
		got := h.say(alice, "note Acme Corp called about pricing")
		contains(t, "note Acme Corp called", got, "Acme Corp")
		lacks(t, "note Acme Corp called", got, "new customer")
		contains(t, "card of Acme Corp", h.known(`"Acme Corp"`), "called about pricing")
		h.unknown("Acme") // no customer "Acme" with the note "Corp called …"
	})
	t.Run("spaces and case fold", func(t *testing.T) {
		contains(t, "show ACME  corp", h.known("ACME  corp"), "Acme Corp", "Kickoff meeting")
	})
	t.Run("near-miss asks and creates nothing", func(t *testing.T) {
		got := h.say(alice, "note Acme Crop hi")
		contains(t, "note Acme Crop", got, "did you mean", "Acme Corp")
		h.unknown("Acme Crop")
		h.unknown(`"Acme Crop"`)
	})
	t.Run("a quoted name forces creation", func(t *testing.T) {
		got := h.say(alice, `note "Acme Crop" hi there`)
		contains(t, `note "Acme Crop"`, got, "Acme Crop", "new customer")
		contains(t, "card of Acme Crop", h.known(`"Acme Crop"`), "hi there")
		lacks(t, "card of Acme Corp", h.known(`"Acme Corp"`), "hi there")
	})
	t.Run("curly quotes", func(t *testing.T) {
		got := h.say(alice, "note “Beta Max” first call")
		contains(t, "note “Beta Max”", got, "Beta Max", "new customer")
		contains(t, "card of Beta Max", h.known("beta max"), "first call")
	})
	t.Run("Unicode names", func(t *testing.T) {
		got := h.say(alice, `note "Ærø Fisk" wants herring`)
		contains(t, "note Ærø Fisk", got, "Ærø Fisk", "new customer")
		got = h.say(alice, "note ærø fisk more herring")
		contains(t, "second note on ærø fisk", got, "Ærø Fisk")
		lacks(t, "second note on ærø fisk", got, "new customer")
		contains(t, "card of Ærø Fisk", h.known("ÆRØ FISK"), "wants herring", "more herring")
	})
	t.Run("combining accents find the precomposed name", func(t *testing.T) {
		h.say(alice, "note Café espresso machine")
		got := h.say(alice, "note Cafe\u0301 second visit")
		contains(t, "note Cafe+U+0301", got, "Café")
		lacks(t, "note Cafe+U+0301", got, "new customer")
		contains(t, "show Cafe+U+0301", h.known("Cafe\u0301"), "Café", "espresso machine", "second visit")
	})
	t.Run("<!channel> is echoed escaped", func(t *testing.T) {
		r := h.cmd(alice, "note Gamma heads up <!channel> and <!here> we won")
		h.checkReply("note with <!channel>", r)
		noPing(t, "note reply", r)
		s := h.cmd(alice, "show Gamma")
		h.checkReply("show Gamma", s)
		noPing(t, "show", s)
		contains(t, "show Gamma", s.text, "we won")
		if !regexp.MustCompile(`&lt;!channel&gt;|@channel`).MatchString(s.text) {
			t.Errorf("show: want the note's @channel shown as text, got:\n%s", s.text)
		}
	})
	t.Run("a name typed with <!channel> is echoed escaped everywhere", func(t *testing.T) {
		// Slack sends typed < and > as &lt; and &gt;.
		const typed = `"Evil &lt;!channel&gt; Co"`
		for _, text := range []string{"note " + typed + " hi", "show " + typed, "history " + typed,
			"list", "find Evil", "value " + typed + " 10k", "remember " + typed + " likes tea", "note Evil &lt;!here&gt; hi"} {
			r := h.cmd(alice, text)
			h.checkReply(text, r)
			noPing(t, text, r)
		}
	})
}

// noPing fails when a reply holds a raw Slack broadcast token where Slack
// parses markup: the top-level text and every mrkdwn text (plain_text, as in
// headers, is shown literally).
func noPing(t *testing.T, what string, r reply) {
	t.Helper()
	var msg any
	if json.Unmarshal([]byte(r.body), &msg) != nil {
		msg = map[string]any{"text": r.text}
	}
	for _, s := range parsedTexts(msg) {
		for _, tok := range []string{"<!channel>", "<!here>", "<!everyone>"} {
			if strings.Contains(s, tok) {
				t.Errorf("%s: holds the raw %s token where Slack parses it (it pings everyone):\n%s", what, tok, s)
			}
		}
	}
}

// parsedTexts returns the texts Slack parses as mrkdwn in a message: the
// top-level text and text objects not of type plain_text.
func parsedTexts(v any) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if s, ok := x["text"].(string); ok && x["type"] != "plain_text" {
				out = append(out, s)
			}
			for k, e := range x {
				if k != "text" {
					walk(e)
				} else if _, ok := e.(string); !ok {
					walk(e)
				}
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// Bad input gets a clear answer, no internals, and changes nothing.
func TestE2EBadInput(t *testing.T) {
	parallel(t)
	h := newE2E(t)
	h.start()
	h.say(alice, "note Acme first contact")
	cardBefore := h.known("Acme")

	clear := func(t *testing.T, text string) string {
		t.Helper()
		got := h.say(alice, text)
		if !errorRE.MatchString(got) {
			t.Errorf("/customer %s: want an answer that says what is wrong, got:\n%s", clipText(text), clipText(got))
		}
		return got
	}
	t.Run("empty text shows help", func(t *testing.T) {
		contains(t, "empty", h.say(alice, ""), "/customer note", "/customer show")
	})
	t.Run("unknown subcommand", func(t *testing.T) {
		got := clear(t, "frobnicate Acme")
		contains(t, "unknown subcommand", got, "frobnicate", "help")
	})
	t.Run("10,000-character note", func(t *testing.T) {
		got := clear(t, "note Longco "+strings.Repeat("blah ", 2000))
		contains(t, "long note", got, "too long")
		if !regexp.MustCompile(`(?i)nothing (was )?saved|not saved`).MatchString(got) {
			t.Errorf("long note: want it to say nothing was saved, got:\n%s", clipText(got))
		}
		h.unknown("Longco")
	})
	t.Run("bad amount", func(t *testing.T) {
		contains(t, "value lots", clear(t, "value Acme lots"), "lots")
	})
	t.Run("bad duration", func(t *testing.T) {
		contains(t, "cadence soon", clear(t, "cadence Acme soon"), "soon")
	})
	t.Run("show of an unknown customer", func(t *testing.T) {
		contains(t, "show Nobody", clear(t, "show Nobody"), "Nobody")
	})
	t.Run("unterminated quote", func(t *testing.T) {
		clear(t, `note "Open Quote hi`)
		h.unknown(`"Open Quote"`)
		h.unknown("Open")
	})
	t.Run("invalid UTF-8", func(t *testing.T) {
		got := h.say(alice, "note Bad\xff\xfeName hello \xc3\x28 there")
		if !errorRE.MatchString(got) {
			t.Errorf("note with invalid UTF-8: want it refused with a clear answer, got:\n%s", got)
		}
		// show of the same bytes is refused the same way; the list below
		// proves nothing was created.
		h.unknown("BadName")
		h.unknown("Bad\uFFFD\uFFFDName")
		h.say(alice, "value Acme \xff\xfe")
	})
	t.Run("a huge number of words", func(t *testing.T) {
		words := strings.Repeat("w ", 20000)
		clear(t, "show "+words)
		clear(t, "note "+words)
		clear(t, "value "+words+" 10k")
		h.say(alice, "find "+words)
		h.unknown("w")
	})
	if after := h.known("Acme"); after != cardBefore {
		t.Errorf("bad input changed the card of Acme:\nbefore:\n%s\nafter:\n%s", cardBefore, after)
	}
	list := h.say(alice, "list")
	contains(t, "list after bad input", list, "Acme")
	lacks(t, "list after bad input", list, "Longco", "Open", "Bad", "*w*", "Name")
}
