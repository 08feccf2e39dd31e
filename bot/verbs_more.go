package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
)

var verbLink = &verb{
	name:    "link",
	args:    "<customer>",
	example: "link Acme Corp",
	help:    "Typed in a channel (a Slack Connect channel shared with the customer, or one about the account): messages posted there from now on count as contact.",
	writes:  true,
	parse: func(in input) (action, error) {
		name, err := wholeName(in.verb, in, in.args)
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			if req.Channel == "" {
				return reply{}, usagef("link", "Type `/customer link` in the channel you want to link, in Slack.")
			}
			ref, err := c.svc.Link(ctx, req.actor(), app.ByName(name), req.Channel)
			if err != nil {
				return reply{}, err
			}
			var r reply
			r.section(fmt.Sprintf(":link: <#%s> is linked to *%s*. From now on every message here, from the customer's side or ours, counts as contact.", req.Channel, esc(ref.Name)))
			if c.notify != nil {
				if err := c.notify.JoinChannel(ctx, req.Channel); err != nil {
					r.context("I can't join this channel by myself (it may be private): invite me with `/invite @Smed`, or I won't see its messages.")
				}
			}
			r.context("`/customer unlink` here ends it.")
			return r, nil
		}, nil
	},
}

var verbUnlink = &verb{
	name:    "unlink",
	example: "unlink",
	help:    "Typed in a linked channel: its messages no longer count as contact.",
	writes:  true,
	parse: noArgs(func(ctx context.Context, c *Commands, req Request) (reply, error) {
		if req.Channel == "" {
			return reply{}, usagef("unlink", "Type `/customer unlink` in the linked channel, in Slack.")
		}
		ref, err := c.svc.Unlink(ctx, req.actor(), req.Channel)
		if err != nil {
			return reply{}, err
		}
		var r reply
		r.section(fmt.Sprintf(":link: This channel is no longer linked to *%s*.", esc(ref.Name)))
		return r, nil
	}),
}

var verbDeal = &verb{
	name:    "deal",
	args:    "<customer> <amount> [what was bought]",
	example: "deal Acme Corp 48k renewal for 2027",
	help:    "Log a purchase or renewal. It counts as contact, and the card shows what the customer bought in all.",
	writes:  true,
	parse: func(in input) (action, error) {
		rs := dealReadings(in)
		if len(rs) == 0 {
			return nil, usagef(in.verb, "I need a customer and an amount: `/customer deal Acme Corp 48k renewal`.")
		}
		return func(ctx context.Context, c *Commands, req Request) (reply, error) {
			rc, err := c.svc.Deal(ctx, req.actor(), app.DealInput{Readings: rs})
			if err != nil {
				return reply{}, err
			}
			cu := rc.Customer
			c.heard(ctx, req, cu, smed.ReminderHint{})
			var r reply
			r.section(fmt.Sprintf(":moneybag: Deal on *%s*: %s%s. Lifetime: %s in %s.", esc(cu.Name), c.amount(rc.Deal.Amount),
				textSuffix(rc.Deal.Text), c.amount(cu.DealsSum), plural(cu.DealsCount, "deal")))
			r.context(fmt.Sprintf("Counted as contact. Next check-in due %s.", relDay(cu.DueAt(), c.svc.Now())))
			return r, nil
		}, nil
	},
}

func textSuffix(t string) string {
	if t == "" {
		return ""
	}
	return " (" + esc(truncate(t, 200)) + ")"
}

// dealReadings reads "<customer> <amount> [text]": for every length of the
// name, longest first, the longest run of up to three words after it that is
// an amount ("250 000 kr"), and the rest as the text.
func dealReadings(in input) []app.DealReading {
	var out []app.DealReading
	args := in.args
	for k := min(len(args)-1, maxNameWords); k >= 1; k-- {
		name, err := wholeName(in.verb, in, args[:k])
		if err != nil {
			continue
		}
		for j := min(3, len(args)-k); j >= 1; j-- {
			amount, err := smed.ParseAmount(plain(in.between(k, k+j)))
			if err != nil {
				continue
			}
			text := ""
			if k+j < len(args) {
				text = strings.TrimSpace(plain(in.text[args[k+j].start:]))
			}
			out = append(out, app.DealReading{Name: name, Amount: amount, Text: text})
			break
		}
	}
	return out
}

var verbUndo = &verb{
	name:    "undo",
	example: "undo",
	help:    "Take back your own latest note or fact, within 10 minutes.",
	writes:  true,
	parse: noArgs(func(ctx context.Context, c *Commands, req Request) (reply, error) {
		u, err := c.svc.Undo(ctx, req.actor())
		if err != nil {
			return reply{}, err
		}
		what := "note"
		if u.Written.Kind == smed.EntryFact {
			what = "fact"
		}
		var r reply
		r.section(fmt.Sprintf(":leftwards_arrow_with_hook: Took back your %s on *%s*: ~%s~", what, esc(u.Customer.Name), esc(truncate(u.Written.Text, 300))))
		return r.withFallback("Took back your " + what + " on " + esc(u.Customer.Name) + "."), nil
	}),
}
