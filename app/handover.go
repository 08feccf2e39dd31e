package app

import (
	"context"
	"errors"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/loyalty"
)

// RevertWindow is how long the person who handed customers over may take it
// back with one click.
const RevertWindow = 10 * time.Minute

// HandedOver says what Handover (or a revert) did.
type HandedOver struct {
	From, To string
	Moved    []smed.Card // the accounts that moved, with facts and latest note (for the new owner's summary)
	Skipped  int         // accounts that changed owner in between and were left alone
	// RestsOn is, by customer ID, the moved accounts whose knowledge rests
	// on one person (loyalty.Knowledge.RestsOnOne): what the new owner must
	// learn from that person while they can.
	RestsOn map[string]loyalty.Knowledge
}

// Handover moves every account of from to to, each in one atomic step that
// keeps its history (a revision by the actor). The rule is the one for a
// single owner change (Decide): from themself, an admin, or anyone once from
// has left the workspace. An account whose owner changed meanwhile is
// skipped, not overwritten.
func (s *Service) Handover(ctx context.Context, a Actor, from, to string) (HandedOver, error) {
	for _, u := range []string{from, to} {
		if err := smed.CheckUserID(u); err != nil {
			return HandedOver{}, err
		}
	}
	if from == to {
		return HandedOver{}, smed.ErrInvalid
	}
	if err := s.allowed(ctx, a, ActHandover, smed.Customer{Owner: from}); err != nil {
		return HandedOver{}, err
	}
	cs, err := s.store.OwnedBy(ctx, a.Team, from)
	if err != nil {
		return HandedOver{}, err
	}
	return s.move(ctx, a, cs, from, to, nil)
}

// move hands cs from → to, skipping those whose owner is no longer from, or
// that keep is false for.
func (s *Service) move(ctx context.Context, a Actor, cs []smed.Customer, from, to string, keep func(smed.Customer) bool) (HandedOver, error) {
	out := HandedOver{From: from, To: to}
	now := s.Now()
	for _, c := range cs {
		if keep != nil && !keep(c) {
			continue
		}
		owner := to
		_, err := s.store.Update(ctx, a.Team, c.ID, smed.Change{Owner: &owner, IfOwner: &from, By: a.User, At: now})
		switch {
		case errors.Is(err, smed.ErrConflict), errors.Is(err, smed.ErrNotFound):
			out.Skipped++
			continue
		case err != nil:
			return out, err
		}
		card, err := s.store.Card(ctx, a.Team, c.ID, 1)
		if err != nil {
			card = smed.Card{Customer: c} // moved; the summary shows less
			card.Owner = to
		}
		out.Moved = append(out.Moved, card)
		if ins, err := s.Insights(ctx, a, card.Customer); err == nil && ins.Knowledge.RestsOnOne() {
			if out.RestsOn == nil {
				out.RestsOn = map[string]loyalty.Knowledge{}
			}
			out.RestsOn[c.ID] = ins.Knowledge
		}
	}
	return out, nil
}

// RevertHandover takes back, within RevertWindow, the accounts the actor moved
// from → to (a handover, a single owner change, a take-over): each account
// that to still owns and whose latest change of owner is the actor's from →
// to goes back to from.
func (s *Service) RevertHandover(ctx context.Context, a Actor, from, to string) (HandedOver, error) {
	cs, err := s.store.OwnedBy(ctx, a.Team, to)
	if err != nil {
		return HandedOver{}, err
	}
	since := s.Now().Add(-RevertWindow)
	keep := func(c smed.Customer) bool {
		_, es, _, err := s.store.History(ctx, a.Team, c.ID, 0, HistoryLen)
		if err != nil {
			return false
		}
		for _, e := range es {
			if e.Kind != smed.EntryRevision || e.Revision.Field != "owner" {
				continue
			}
			rv := e.Revision
			return rv.By == a.User && rv.From == from && rv.To == to && !rv.At.Before(since)
		}
		return false
	}
	return s.move(ctx, a, cs, to, from, keep)
}
