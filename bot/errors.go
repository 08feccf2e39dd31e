package bot

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/app"
)

// present is the one place that decides what a user sees for an error, from a
// slash command, a button, a modal or the shell. v is the verb that failed
// (nil when the text did not parse to one); whether it writes decides between
// "nothing was saved" and "I can't tell whether this was saved".
func present(ctx context.Context, log *slog.Logger, v *verb, req Request, err error) reply {
	verbName, writes := "", false
	if v != nil {
		verbName, writes = v.name, v.writes
	}
	var (
		ue     *usageError
		tl     *app.TooLongError
		nm     *app.NearMissError
		uc     *app.UnknownCustomerError
		mt     *app.MissingTextError
		denied *app.DeniedError
		unk    *app.UnknownOwnerError
		gone   *app.GoneError
		taken  *app.NameTakenError
		choice *app.FactChoiceError
		nofact *app.NoSuchFactError
		linked *app.LinkedElsewhereError
		undo   *app.NothingToUndoError
		same   *app.SameCustomerError
	)
	switch {
	case errors.As(err, &ue):
		name := ue.verb
		if name == "" {
			name = verbName
		}
		r := errorReply(ue.msg) // mrkdwn with its arguments escaped (usagef)
		r.context(usageFor(name))
		return r
	case errors.As(err, &tl):
		n := smed.FormatAmount(int64(tl.Runes))
		if tl.AtLeast {
			n = "at least " + n
		}
		r := errorReply(fmt.Sprintf("That %s has %s characters; the limit is %s. Nothing was saved: split it into several %ss. Here is your text to copy:",
			tl.What, n, smed.FormatAmount(smed.MaxTextRunes), tl.What))
		for chunk := range chunks(tl.Text, 2900) {
			r.section("```" + esc(chunk) + "```")
		}
		return r.withFallback("That " + tl.What + " is too long; nothing was saved.")
	case errors.As(err, &nm):
		return nearMissReply(nm)
	case verbName == "unlink" && errors.Is(err, smed.ErrNotFound):
		return errorReply("This channel is not linked to a customer.")
	case errors.As(err, &uc):
		r := errorReply(fmt.Sprintf("I don't know a customer called *%s*.", esc(uc.Name)))
		if len(uc.Suggestions) > 0 {
			r.parts[0].text += " Did you mean " + orList(uc.Suggestions) + "?"
		} else {
			r.context("Log a first note to create it: `/customer note " + esc(quoteIfSpaced(uc.Name)) + " …`, or look with `/customer find " + esc(uc.Name) + "`.")
		}
		return r
	case errors.As(err, &mt):
		if mt.Customer.Name == "" {
			return errorReply(fmt.Sprintf("The %s is empty: write what you want to keep.", mt.What))
		}
		r := errorReply(fmt.Sprintf("What is the %s? Write it after the customer's name.", mt.What))
		r.context(usageFor(verbName))
		return r
	case errors.As(err, &denied):
		return errorReply(deniedText(denied))
	case errors.As(err, &unk):
		log.WarnContext(ctx, "directory lookup failed", "team_id", req.Team, "user_id", unk.Owner, "err", unk.Err)
		return errorReply(fmt.Sprintf(":warning: I couldn't check with Slack whether <@%s> is still in the workspace, so nothing was changed. Please try again in a minute.", unk.Owner))
	case errors.As(err, &gone):
		return errorReply("That customer no longer exists: it was deleted or merged into another one. Look it up with `/customer find`.")
	case errors.As(err, &taken):
		return errorReply(fmt.Sprintf("Another customer is already called *%s*, so nothing was renamed. To fold the two together: `/customer merge %s into %s`.",
			esc(taken.Other.Name), esc(quoteIfSpaced(taken.Customer.Name)), esc(quoteIfSpaced(taken.Other.Name))))
	case errors.As(err, &same):
		return errorReply(fmt.Sprintf("*%s* is one customer: there is nothing to merge. To fold a duplicate into it: `/customer merge <duplicate> into %s`.",
			esc(same.Customer.Name), esc(quoteIfSpaced(same.Customer.Name))))
	case errors.As(err, &choice):
		r := errorReply(fmt.Sprintf("Several facts of *%s* match; which one? Nothing was removed.", esc(choice.Customer.Name)))
		r.section(factList(choice.Facts))
		return r
	case errors.As(err, &nofact):
		r := errorReply(fmt.Sprintf("*%s* has no remembered fact like “%s”. Nothing was removed.", esc(nofact.Customer.Name), esc(nofact.Words)))
		if len(nofact.Facts) > 0 {
			r.section(factList(nofact.Facts))
		}
		return r
	case errors.As(err, &linked):
		return errorReply(fmt.Sprintf("This channel is linked to *%s* already (a channel links to one customer). `/customer unlink` here first.", esc(linked.Other.Name)))
	case errors.As(err, &undo):
		return errorReply(fmt.Sprintf("Nothing to undo: `undo` takes back your latest note or fact, once, within %d minutes of writing it (a handover has its own Undo button).", int(undo.Window.Minutes())))
	case errors.Is(err, app.ErrUnsupported):
		return errorReply("This Smed cannot do that yet.")
	case errors.Is(err, app.ErrNoDigest):
		return textReply("The neglected-accounts digest is not set up on this Smed.")
	case writes && (errors.Is(err, smed.ErrUnconfirmed) || errors.Is(err, context.DeadlineExceeded)):
		log.WarnContext(ctx, "store did not confirm a write", "verb", verbName, "team_id", req.Team, "user_id", req.User, "err", err)
		return errorReply(":warning: Smed's database did not answer in time, so I " + cantTell + ". " +
			"Please check with `/customer show` in a minute before you try again.")
	case errors.Is(err, smed.ErrConflict):
		return errorReply(":warning: Someone changed that customer just now, so nothing was saved. Check with `/customer show` and try again.")
	case errors.Is(err, smed.ErrInvalid):
		log.WarnContext(ctx, "input refused", "verb", verbName, "team_id", req.Team, "user_id", req.User, "err", err)
		return errorReply(":warning: I can't store that as it is, so nothing was saved. Check the command with `/customer help " + verbName + "`.")
	case errors.Is(err, smed.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		log.WarnContext(ctx, "store unavailable", "verb", verbName, "team_id", req.Team, "user_id", req.User, "err", err)
		if writes {
			r := errorReply(":warning: I can't reach Smed's database right now, so nothing was saved. Please try again in a minute.")
			if typed := strings.TrimSpace(plain(req.Text)); typed != "" {
				// What the user typed, to send again: a note is not lost
				// because the database was away.
				r.context("Here is what you typed, to send again:")
				for chunk := range chunks("/customer "+typed, 2900) {
					r.section("```" + esc(chunk) + "```")
				}
			}
			return r
		}
		return errorReply(":warning: I can't reach Smed's database right now. Please try again in a minute.")
	}
	ref := newRef()
	log.ErrorContext(ctx, "command failed", "verb", verbName, "team_id", req.Team, "user_id", req.User, "ref", ref, "err", err)
	return errorReply(failureText(writes, ref))
}

// cantTell is how every answer after a write that may have happened says so.
const cantTell = "can't tell whether this was saved"

// failureText is the answer to an error nobody foresaw. After a write the
// honest answer is that it may have happened: "nothing was saved" would make
// the user save it twice.
func failureText(writes bool, ref string) string {
	if writes {
		return fmt.Sprintf(":warning: Something went wrong on my side, and I "+cantTell+". "+
			"Check with `/customer show` before you try again; if it keeps happening, tell your Smed admin (ref `%s`).", ref)
	}
	return fmt.Sprintf(":warning: Something went wrong on my side. If it keeps happening, tell your Smed admin (ref `%s`).", ref)
}

// newRef is a short reference that ties what a user saw to a log line.
func newRef() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func deniedText(d *app.DeniedError) string {
	name := esc(d.Customer.Name)
	switch d.Action {
	case app.ActDelete:
		return fmt.Sprintf("Only an admin can delete *%s*. Ask one of your Smed admins.", name)
	case app.ActMerge:
		return fmt.Sprintf("*%s* belongs to <@%s>. Only they or an admin can merge it.", name, d.Owner)
	default:
		return fmt.Sprintf("*%s* belongs to <@%s>. Only they or an admin can hand it over (anyone can, once they have left the workspace).", name, d.Owner)
	}
}

func nearMissReply(nm *app.NearMissError) reply {
	first := nm.Suggestions[0].Name
	text := truncate(nm.Text, 200)
	r := errorReply(fmt.Sprintf(":thinking_face: I don't know *%s* yet. Did you mean %s? Nothing was saved.", esc(nm.Typed), orList(nm.Suggestions)))
	r.context(fmt.Sprintf("To note it on %s: `/customer note %s %s`\nTo create a new customer *%s*, quote the name: `/customer note \"%s\" %s`",
		esc(first), esc(quoteIfSpaced(first)), esc(text), esc(nm.Typed), esc(nm.Typed), esc(text)))
	return r.withFallback(fmt.Sprintf("I don't know %s yet. Did you mean %s?", esc(nm.Typed), esc(first)))
}

func orList(refs []smed.NameRef) string {
	q := make([]string, len(refs))
	for i, s := range refs {
		q[i] = "*" + esc(s.Name) + "*"
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

func factList(fs []smed.Fact) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(":pushpin: " + esc(truncate(f.Text, 300)) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
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
