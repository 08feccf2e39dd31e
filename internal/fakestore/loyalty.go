package fakestore

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/loyalty"
)

var _ smed.Loyalty = (*Store)(nil)

// The loyalty figures by brute force over every customer, with the rules of
// package loyalty (UTC days). The learned cadence is not fed back into due
// times here: the fake keeps CadenceDays as set.

func contactsOf(c *customer) []loyalty.Contact {
	var out []loyalty.Contact
	for _, n := range c.notes {
		out = append(out, loyalty.NoteContact(n))
	}
	for _, d := range c.deals {
		out = append(out, loyalty.Contact{At: d.At, Kind: loyalty.KindDeal, Author: d.Author})
	}
	for _, t := range c.touches {
		side := loyalty.SideTeam
		if t.Side == smed.SideCustomer {
			side = loyalty.SideCustomer
		}
		out = append(out, loyalty.Contact{At: t.At, Kind: loyalty.KindTouch, Side: side, Author: t.Author})
	}
	return out
}

func byWorth(a, b smed.Customer) int {
	return cmp.Or(cmp.Compare(b.Worth(), a.Worth()), cmp.Compare(a.ID, b.ID))
}

// Drifting implements smed.Loyalty.
func (s *Store) Drifting(ctx context.Context, teamID, owner string, now time.Time, limit int) ([]smed.DriftingCustomer, int, error) {
	t, err := s.enter("Drifting", teamID)
	if err != nil {
		return nil, 0, err
	}
	defer s.mu.Unlock()
	var out []smed.DriftingCustomer
	for _, c := range t.customers {
		if owner != "" && c.c.Owner != owner {
			continue
		}
		if d := loyalty.DriftOf(c.c, contactsOf(c), now, time.UTC); d.State == loyalty.StateDrifting {
			out = append(out, smed.DriftingCustomer{Customer: c.c, Gaps: d.Gaps})
		}
	}
	slices.SortFunc(out, func(a, b smed.DriftingCustomer) int { return byWorth(a.Customer, b.Customer) })
	return out[:min(len(out), limit)], len(out), nil
}

// Concentrated implements smed.Loyalty.
func (s *Store) Concentrated(ctx context.Context, teamID string, now time.Time, limit int) ([]smed.Concentration, error) {
	t, err := s.enter("Concentrated", teamID)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []smed.Concentration
	for _, c := range t.customers {
		if k := loyalty.KnowledgeOf(contactsOf(c), now); k.RestsOnOne() {
			out = append(out, smed.Concentration{Customer: c.c, Author: k.Author, Notes: k.Notes, ByAuthor: k.ByAuthor})
		}
	}
	slices.SortFunc(out, func(a, b smed.Concentration) int { return byWorth(a.Customer, b.Customer) })
	return out[:min(len(out), limit)], nil
}

// Repurchase implements smed.Loyalty.
func (s *Store) Repurchase(ctx context.Context, teamID string, now time.Time) (smed.RepurchaseFigures, error) {
	t, err := s.enter("Repurchase", teamID)
	if err != nil {
		return smed.RepurchaseFigures{}, err
	}
	defer s.mu.Unlock()
	deals := map[string][]loyalty.Deal{}
	for id, c := range t.customers {
		for _, d := range c.deals {
			deals[id] = append(deals[id], loyalty.Deal{At: d.At, Amount: d.Amount, Author: d.Author})
		}
	}
	r := loyalty.RepurchaseRate(deals, now, time.UTC)
	return smed.RepurchaseFigures{Buyers: r.Buyers, Returning: r.Returning, Value: r.Value, RepeatValue: r.RepeatValue}, nil
}

type listing struct {
	owner string
	at    time.Time
	out   loyalty.Outcome
}

// RecordListing implements smed.Loyalty.
func (s *Store) RecordListing(ctx context.Context, teamID, owner string, ids []string, at time.Time) error {
	t, err := s.enter("RecordListing", teamID)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.listings == nil {
		s.listings = map[string][]listing{}
	}
	for _, id := range ids {
		if t.customers[id] == nil {
			continue
		}
		s.listings[teamID+"/"+id] = append(s.listings[teamID+"/"+id], listing{owner: owner, at: at})
	}
	return nil
}

// settled is the customer's listings with their outcomes as of now.
func (s *Store) settled(teamID string, c *customer, now time.Time) []loyalty.Listing {
	var out []loyalty.Listing
	for _, l := range s.listings[teamID+"/"+c.c.ID] {
		o := loyalty.Classify(l.at, contactsOf(c), c.snoozedAt, now)
		out = append(out, loyalty.Listing{Owner: l.owner, CustomerID: c.c.ID, At: l.at, Outcome: o})
	}
	return out
}

// IgnoredRuns implements smed.Loyalty.
func (s *Store) IgnoredRuns(ctx context.Context, teamID string, times, limit int) ([]smed.Ignored, error) {
	t, err := s.enter("IgnoredRuns", teamID)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	now := s.Clock()
	var out []smed.Ignored
	for _, c := range t.customers {
		if n := loyalty.IgnoredInARow(s.settled(teamID, c, now))[c.c.ID]; n >= times {
			out = append(out, smed.Ignored{Customer: c.c, Times: n})
		}
	}
	slices.SortFunc(out, func(a, b smed.Ignored) int { return byWorth(a.Customer, b.Customer) })
	return out[:min(len(out), limit)], nil
}

// FollowThroughs implements smed.Loyalty.
func (s *Store) FollowThroughs(ctx context.Context, teamID string) (map[string]smed.FollowThrough, error) {
	t, err := s.enter("FollowThroughs", teamID)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	now := s.Clock()
	out := map[string]smed.FollowThrough{}
	for _, c := range t.customers {
		for _, l := range s.settled(teamID, c, now) {
			ft := out[l.Owner]
			switch l.Outcome {
			case loyalty.OutcomeContacted:
				ft.Listed++
				ft.Contacted++
			case loyalty.OutcomeSnoozed:
				ft.Listed++
				ft.Snoozed++
			case loyalty.OutcomeIgnored:
				ft.Listed++
				ft.Ignored++
			default:
				continue
			}
			out[l.Owner] = ft
		}
	}
	return out, nil
}

// SaveSnapshot implements smed.Loyalty.
func (s *Store) SaveSnapshot(ctx context.Context, teamID string, snap smed.TeamSnapshot) error {
	if _, err := s.enter("SaveSnapshot", teamID); err != nil {
		return err
	}
	defer s.mu.Unlock()
	if s.snaps == nil {
		s.snaps = map[string]smed.TeamSnapshot{}
	}
	k := teamID + "/" + snap.Date
	if _, ok := s.snaps[k]; !ok {
		s.snaps[k] = snap
	}
	return nil
}

// Snapshots implements smed.Loyalty.
func (s *Store) Snapshots(ctx context.Context, teamID string, dates []string) ([]smed.TeamSnapshot, error) {
	if _, err := s.enter("Snapshots", teamID); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []smed.TeamSnapshot
	for _, d := range dates {
		if snap, ok := s.snaps[teamID+"/"+d]; ok {
			out = append(out, snap)
		}
	}
	return out, nil
}
