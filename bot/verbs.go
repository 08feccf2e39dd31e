package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
)

// Each verb below is one registry entry: grammar (parse), what it runs (the
// use case in package app) and how the answer looks (views.go). Errors from
// either are rendered by present (errors.go).

var verbNote = &verb{
	name: "note", aliases: []string{"log", "add"},
	args:    "<customer> <what was said>",
	example: `note "Acme Corp" Called Bo about the renewal; wants a quote by Friday`,
	help:    "Log a conversation. It resets the customer's clock. A new name creates the customer with you as owner; a name close to a known one asks first.",
	writes:  true,
	parse: func(in input) (action, error) {
		if len(in.args) == 0 {
			// In Slack, the note modal; elsewhere, what is missing.
			return func(ctx context.Context, c *Commands, req Request) (reply, error) {
				if req.TriggerID == "" {
					return reply{}, usagef("note", "Which customer, and what is the note?")
				}
				return reply{openNote: true, fallback: "Log note"}, nil
			}, nil
		}
		cands, quoted, err := named(in, "note")
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			res, err := c.svc.LogNote(ctx, req.actor(), app.NoteInput{Readings: cands, Quoted: quoted, Ended: nameEnded(in)})
			if err != nil {
				return reply{}, err
			}
			c.heard(ctx, req, res.Customer, res.Reminder)
			return noteReply(res, c.svc.Now()), nil
		}, nil
	},
}

var verbRemember = &verb{
	name: "remember", aliases: []string{"fact"},
	args:    "<customer> <lasting fact>",
	example: "remember Acme Corp prefers calls before 10",
	help:    "A lasting fact, shown at the top of the card and in reminders.",
	writes:  true,
	parse: func(in input) (action, error) {
		cands, _, err := named(in, "fact")
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			res, err := c.svc.Remember(ctx, req.actor(), app.NoteInput{Readings: cands})
			if err != nil {
				return reply{}, err
			}
			return rememberReply(res), nil
		}, nil
	},
}

var verbForget = &verb{
	name:    "forget",
	args:    "<customer> <words of the fact>",
	example: "forget Acme Corp calls before 10",
	help:    "Remove a remembered fact that is no longer true.",
	writes:  true,
	parse: func(in input) (action, error) {
		cands, _, err := named(in, "fact")
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			f, err := c.svc.Forget(ctx, req.actor(), cands)
			if err != nil {
				return reply{}, err
			}
			var r reply
			r.section(fmt.Sprintf(":wastebasket: Forgotten for *%s*: ~%s~", esc(f.Customer.Name), esc(f.Fact.Text)))
			return r.withFallback("Forgotten for " + esc(f.Customer.Name) + "."), nil
		}, nil
	},
}

var verbShow = &verb{
	name: "show", aliases: []string{"card"},
	args:    "<customer>",
	example: "show acme corp",
	help:    "The customer's card: owner, value, cadence, last contact, facts and latest notes.",
	parse: func(in input) (action, error) {
		name, err := wholeName(in.verb, in, in.args)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			card, err := c.svc.Card(ctx, req.actor(), app.ByName(name))
			if err != nil {
				return reply{}, err
			}
			links, err := c.svc.Links(ctx, req.actor(), card.ID)
			if err != nil {
				return reply{}, err
			}
			var ins *app.Insights
			if got, err := c.svc.Insights(ctx, req.actor(), card.Customer); err == nil {
				ins = &got
			} // without its figures the card still shows what is known
			return cardReply(card, links, ins, c.svc.Now()), nil
		}, nil
	},
}

var verbHistory = &verb{
	name:    "history",
	args:    "<customer> [page N]",
	example: "history Acme Corp page 2",
	help:    "Everything that happened with the customer, newest first: notes, handovers, changes.",
	parse: func(in input) (action, error) {
		args, page := in.args, 1
		if n := len(args); n >= 3 && strings.EqualFold(args[n-2].raw, "page") {
			p, err := strconv.Atoi(args[n-1].raw)
			if err != nil || p < 1 {
				return nil, usagef(in.verb, "%q is not a page number.", plain(args[n-1].raw))
			}
			page, args = p, args[:n-2]
		}
		name, err := wholeName(in.verb, in, args)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			return c.history(ctx, req, app.ByName(name), page)
		}, nil
	},
}

func (c *Commands) history(ctx context.Context, req Request, t app.Target, page int) (reply, error) {
	h, err := c.svc.History(ctx, req.actor(), t, page)
	if err != nil {
		return reply{}, err
	}
	return historyReply(h, c.svc.Now()), nil
}

var verbOwner = &verb{
	name:    "owner",
	args:    "<customer> @someone",
	example: "owner Acme Corp @alex",
	help:    "Hand the customer over: for its owner or an admin, or anyone once the owner has left.",
	writes:  true,
	parse: func(in input) (action, error) {
		if len(in.args) < 2 {
			return nil, usagef(in.verb, "I need a customer and a person (@someone).")
		}
		last := in.args[len(in.args)-1]
		name, err := wholeName(in.verb, in, in.args[:len(in.args)-1])
		if err != nil {
			return nil, err
		}
		user, ok := mention(last.raw)
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			if !ok {
				// "owner Acme Corp": the words may all be the name, and the
				// person left out.
				whole := name + " " + plain(last.raw)
				if ref, known := c.svc.Known(ctx, req.actor(), whole); known {
					return reply{}, usagef(in.verb, "I need a person for *%s*: `/customer owner %s @alex`", ref.Name, quoteIfSpaced(ref.Name))
				}
				return reply{}, usagef(in.verb, "“%s” is not a person: mention them, like @alex.", plain(last.raw))
			}
			ch, err := c.svc.SetOwner(ctx, req.actor(), app.ByName(name), user)
			if err != nil {
				return reply{}, err
			}
			if user != req.User && ch.Before.Owner != user {
				c.tellNewOwner(ctx, req, app.HandedOver{From: ch.Before.Owner, To: user, Moved: []smed.Card{{Customer: ch.After}}})
			}
			r := changedReply(fmt.Sprintf(":handshake: *%s* now belongs to <@%s>.", esc(ch.After.Name), user), ch.After, c.svc.Now())
			return withUndo(r, ch.Before.Owner, user), nil
		}, nil
	},
}

var verbHandover = &verb{
	name:    "handover",
	args:    "@from @to",
	example: "handover @alex @sam",
	help:    "Move every account of one person to another, with history; the new owner gets a summary. For the owner, an admin, or anyone once they have left.",
	writes:  true,
	parse: func(in input) (action, error) {
		if len(in.args) != 2 {
			return nil, usagef(in.verb, "Name two people: whose accounts, and who takes them: `/customer handover @alex @sam`.")
		}
		from, ok1 := mention(in.args[0].raw)
		to, ok2 := mention(in.args[1].raw)
		if !ok1 || !ok2 {
			return nil, usagef(in.verb, "Mention both people, like `/customer handover @alex @sam`.")
		}
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			h, err := c.svc.Handover(ctx, req.actor(), from, to)
			if err != nil {
				return reply{}, err
			}
			var r reply
			if len(h.Moved) == 0 {
				r.section(fmt.Sprintf("<@%s> owns no accounts, so nothing moved.", from))
				return r, nil
			}
			r.section(fmt.Sprintf(":handshake: %s of <@%s> now belong to <@%s>, with their history.", plural(len(h.Moved), "account"), from, to))
			if h.Skipped > 0 {
				r.context(fmt.Sprintf("%s changed owner meanwhile and stayed as they were.", plural(h.Skipped, "account")))
			}
			if to != req.User {
				c.tellNewOwner(ctx, req, h)
			}
			return withUndo(r, from, to), nil
		}, nil
	},
}

// heard passes on that a command made contact with c (see Bot.contacted).
func (c *Commands) heard(ctx context.Context, req Request, cu smed.Customer, hint smed.ReminderHint) {
	if c.contacted != nil {
		c.contacted(ctx, req.Team, cu, req.User, hint)
	}
}

// withUndo adds the button that takes a handover back (for RevertWindow).
func withUndo(r reply, from, to string) reply {
	if from == "" || to == "" {
		return r
	}
	r.buttons(button{actionID: actionUndoHandover, value: from + ":" + to, label: "Undo"})
	r.context(fmt.Sprintf("Undo is there for %d minutes, in Slack.", int(app.RevertWindow.Minutes())))
	return r
}

// tellNewOwner DMs the new owner what they were handed, when Slack is there
// to do it. A failed DM does not undo the handover; it is logged.
func (c *Commands) tellNewOwner(ctx context.Context, req Request, h app.HandedOver) {
	if c.notify == nil {
		return
	}
	if err := c.notify.SendHandover(ctx, req.Team, req.User, h); err != nil {
		c.log.WarnContext(ctx, "handover DM failed", "team_id", req.Team, "user_id", h.To, "err", err)
	}
}

var verbValue = &verb{
	name:    "value",
	args:    "<customer> <amount>",
	example: "value Acme Corp 120k",
	also:    "also 120000, 1.2m, 250.000, 1,5 mio",
	help:    "What the customer is worth (lifetime value or potential). Reminders rank by it.",
	writes:  true,
	parse: func(in input) (action, error) {
		return argVerb(in, 4, "an amount", "120k", func(s string) (int64, error) { return smed.ParseAmount(s) },
			func(ctx context.Context, c *Commands, req Request, id string, v int64) (reply, error) {
				ch, err := c.svc.SetValue(ctx, req.actor(), app.ByID(id), v)
				if err != nil {
					return reply{}, err
				}
				return changedReply(fmt.Sprintf(":moneybag: *%s* is now worth %s.", esc(ch.After.Name), c.amount(v)), ch.After, c.svc.Now()), nil
			})
	},
}

var verbCadence = &verb{
	name:    "cadence",
	args:    "<customer> <how often>",
	example: "cadence Acme Corp 2w",
	also:    "also 14d, 3 weeks, monthly, quarterly, 14 dage, månedlig",
	help:    "How often the customer should hear from us.",
	writes:  true,
	parse: func(in input) (action, error) {
		return argVerb(in, 3, "a cadence", "2w", smed.ParseDuration,
			func(ctx context.Context, c *Commands, req Request, id string, d int) (reply, error) {
				ch, err := c.svc.SetCadence(ctx, req.actor(), app.ByID(id), d)
				if err != nil {
					return reply{}, err
				}
				return changedReply(fmt.Sprintf(":calendar: *%s* should hear from us every %s.", esc(ch.After.Name), days(d)), ch.After, c.svc.Now()), nil
			})
	},
}

var verbSnooze = &verb{
	name:    "snooze",
	args:    "<customer> <how long>",
	example: "snooze Acme Corp 14d",
	also:    "also 2 weeks, until 1 May, until 2027-05-01; `off` ends it",
	help:    "No reminders for the customer for a while.",
	writes:  true,
	parse: func(in input) (action, error) {
		parse := func(s string) (time.Time, error) { return smed.ParseSnooze(s, in.now, in.now.Location()) }
		return argVerb(in, 5, "a duration", "7d", parse,
			func(ctx context.Context, c *Commands, req Request, id string, until time.Time) (reply, error) {
				s, err := c.svc.Snooze(ctx, req.actor(), app.ByID(id), until)
				if err != nil {
					return reply{}, err
				}
				return snoozedReply(s, c.svc.Now()), nil
			})
	},
}

// argVerb is the grammar of "<customer> <argument>" verbs whose argument may
// take several words: every split whose argument parses is a reading, and the
// longest name that is known wins. When no split parses, the words may all be
// a known name with the argument left out, which the answer says.
func argVerb[T any](in input, most int, what, example string, parse func(string) (T, error),
	run func(ctx context.Context, c *Commands, req Request, id string, v T) (reply, error)) (action, error) {
	if len(in.args) < 2 {
		return nil, usagef(in.verb, "I need a customer and %s (like %s).", what, example)
	}
	vals := map[string]T{}
	ss := splits(in, most, func(s string) bool {
		v, err := parse(s)
		if err == nil {
			vals[s] = v
		}
		return err == nil
	})
	if len(ss) == 0 {
		_, perr := parse(plain(in.args[len(in.args)-1].raw))
		whole, werr := wholeName(in.verb, in, in.args)
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			if werr == nil {
				if ref, known := c.svc.Known(ctx, req.actor(), whole); known {
					return reply{}, usagef(in.verb, "I need %s for *%s*: `/customer %s %s %s`", what, ref.Name, in.verb, quoteIfSpaced(ref.Name), example)
				}
			}
			return reply{}, usagef(in.verb, "%s", capitalise(perr.Error())+".")
		}, nil
	}
	return func(ctx context.Context, c *Commands, req Request) (reply, error) {
		ref, i, err := c.svc.Resolve(ctx, req.actor(), app.Target{Names: splitNames(ss)})
		if err != nil {
			return reply{}, err
		}
		return run(ctx, c, req, ref.ID, vals[ss[i].arg])
	}, nil
}

var verbList = &verb{
	name: "list", aliases: []string{"ls"},
	args:    "[mine|@someone] [overdue|drifting]",
	example: "list mine overdue",
	help:    "Accounts, most urgent first.",
	parse: func(in input) (action, error) {
		var q app.ListQuery
		mine := false
		for _, a := range in.args {
			switch w := strings.ToLower(a.raw); {
			case w == "mine" || w == "me" || w == "my":
				mine = true
			case w == "all" || w == "team":
			case w == "overdue" || w == "late" || w == "neglected":
				q.OverdueOnly = true
			case w == "drifting" || w == "drift" || w == "quiet":
				q.Drifting = true
			default:
				id, ok := mention(a.raw)
				if !ok {
					return nil, usagef(in.verb, "%q is not something I can list by: try `list mine`, `list @alex`, `list overdue`, `list drifting`.", plain(a.raw))
				}
				q.Owner = id
			}
		}
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			if mine {
				q.Owner = req.User
			}
			l, err := c.svc.List(ctx, req.actor(), q)
			if err != nil {
				return reply{}, err
			}
			return listReply(l, req.User, c.amount), nil
		}, nil
	},
}

var verbNeglected = &verb{
	name: "neglected", aliases: []string{"overdue"},
	example: "neglected",
	help:    "Overdue accounts across the team, ranked by value at risk.",
	parse: noArgs(func(ctx context.Context, c *Commands, req Request) (reply, error) {
		d, err := c.svc.Neglected(ctx, req.actor())
		if err != nil {
			return reply{}, err
		}
		return digestReply(d), nil
	}),
}

var verbFind = &verb{
	name: "find", aliases: []string{"search"},
	args:    "<words>",
	example: "find renewal",
	help:    "Search names, facts and notes, most recent first.",
	parse: func(in input) (action, error) {
		q := strings.TrimSpace(plain(in.rest()))
		if q == "" {
			return nil, usagef(in.verb, "What should I look for?")
		}
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			return c.find(ctx, req, q, "")
		}, nil
	},
}

func (c *Commands) find(ctx context.Context, req Request, q, cursor string) (reply, error) {
	p, err := c.svc.Find(ctx, req.actor(), q, cursor)
	if err != nil {
		return reply{}, err
	}
	return findReply(q, p, cursor != "", c.svc.Now()), nil
}

var verbStats = &verb{
	name:    "stats",
	example: "stats",
	help:    "Coverage, value at risk and notes per person.",
	parse: noArgs(func(ctx context.Context, c *Commands, req Request) (reply, error) {
		st, err := c.svc.Stats(ctx, req.actor())
		if err != nil {
			return reply{}, err
		}
		return statsReply(st, c.amount), nil
	}),
}

var verbRename = &verb{
	name:    "rename",
	args:    "<customer> to <new name>",
	example: "rename Acme Corp to Acme Corp A/S",
	help:    "Fix a customer's name. Notes, facts and history stay; the old name is shown as “formerly”.",
	writes:  true,
	parse: func(in input) (action, error) {
		pairs, err := around(in, "to")
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			ref, i, err := c.svc.Resolve(ctx, req.actor(), app.Target{Names: firsts(pairs)})
			if err != nil {
				return reply{}, err
			}
			r, err := c.svc.Rename(ctx, req.actor(), app.ByID(ref.ID), pairs[i][1])
			if err != nil {
				return reply{}, err
			}
			var rep reply
			if r.Customer.Formerly == "" || r.Customer.Name == ref.Name {
				rep.section(fmt.Sprintf(":label: *%s* keeps its name.", esc(r.Customer.Name)))
			} else {
				rep.section(fmt.Sprintf(":label: *%s* is now called *%s*. Its notes, facts and history stay.", esc(ref.Name), esc(r.Customer.Name)))
			}
			return rep, nil
		}, nil
	},
}

var verbMerge = &verb{
	name:    "merge",
	args:    "<duplicate> into <customer>",
	example: "merge Acme Corporation into Acme Corp",
	help:    "Fold a duplicate into a customer: notes, facts and history move, the duplicate is gone. For the owner of both, or an admin.",
	writes:  true,
	parse: func(in input) (action, error) {
		pairs, err := around(in, "into")
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			from, i, err := c.svc.Resolve(ctx, req.actor(), app.Target{Names: firsts(pairs)})
			if err != nil {
				return reply{}, err
			}
			m, err := c.svc.Merge(ctx, req.actor(), app.ByID(from.ID), app.ByName(pairs[i][1]))
			if err != nil {
				return reply{}, err
			}
			var rep reply
			rep.section(fmt.Sprintf(":twisted_rightwards_arrows: Merged *%s* into *%s*: %s and %s moved. *%s* is gone.",
				esc(m.Gone.Name), esc(m.Into.Name), plural(m.Notes, "note"), plural(m.Facts, "new fact"), esc(m.Gone.Name)))
			return rep, nil
		}, nil
	},
}

var verbDelete = &verb{
	name:    "delete",
	args:    "<customer>",
	example: "delete Test Customer",
	help:    "Remove a customer and everything about it, after you confirm (admins only).",
	writes:  true,
	parse: func(in input) (action, error) {
		name, err := wholeName(in.verb, in, in.args)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			card, err := c.svc.DeletePreview(ctx, req.actor(), app.ByName(name))
			if err != nil {
				return reply{}, err
			}
			return deleteConfirmReply(card), nil
		}, nil
	},
}

var verbHelp = &verb{
	name: "help", aliases: []string{"?", "-h", "--help"},
	args:    "[command]",
	example: "help note",
	help:    "This help.",
	parse: func(in input) (action, error) {
		topic := ""
		if len(in.args) > 0 {
			topic = strings.ToLower(in.args[0].raw)
			if topic == "/customer" && len(in.args) > 1 { // help /customer note
				topic = strings.ToLower(in.args[1].raw)
			}
		}
		return func(context.Context, *Commands, Request) (reply, error) { return helpReply(topic), nil }, nil
	},
}

// noArgs is the grammar of a verb that takes nothing after it.
func noArgs(run action) func(in input) (action, error) {
	return func(in input) (action, error) {
		if len(in.args) > 0 {
			return nil, usagef(in.verb, "`%s` takes no arguments.", in.verb)
		}
		return run, nil
	}
}

// around splits "<a> <sep> <b>" at every standalone sep ("to", "into"), since
// names may hold the word too ("Back to Basics"): each split is a pair, the
// one with the longest first name first.
func around(in input, sep string) ([][2]string, error) {
	var out [][2]string
	for i := len(in.args) - 2; i >= 1; i-- {
		if in.args[i].quoted || !strings.EqualFold(in.args[i].raw, sep) {
			continue
		}
		a, err := wholeName(in.verb, in, in.args[:i])
		if err != nil {
			continue
		}
		b, err := wholeName(in.verb, in, in.args[i+1:])
		if err != nil {
			return nil, err
		}
		out = append(out, [2]string{a, b})
	}
	if len(out) == 0 {
		return nil, usagef(in.verb, "Write it as `/customer %s %s`.", in.verb, in.verbArgs())
	}
	return out, nil
}

func firsts(pairs [][2]string) []string {
	out := make([]string, len(pairs))
	for i, p := range pairs {
		out[i] = p[0]
	}
	return out
}

// verbArgs is the usage of the input's verb after its name.
func (in input) verbArgs() string {
	if v, ok := verbs[in.verb]; ok {
		return v.args
	}
	return ""
}
