package app

import (
	"context"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/reminders"
)

// ListQuery says which accounts a list shows.
type ListQuery struct {
	Owner       string // a user ID; "" is the whole team
	OverdueOnly bool   // only the overdue ones
}

// Listed is a list of accounts as a surface shows it.
type Listed struct {
	smed.Ranked
	Query ListQuery
	Now   time.Time
}

// List returns accounts most urgent first: the overdue ones by value at risk
// (smed.CompareUrgency), then the rest by due time, at most ListMax.
func (s *Service) List(ctx context.Context, a Actor, q ListQuery) (Listed, error) {
	if q.Owner != "" {
		if err := smed.CheckUserID(q.Owner); err != nil {
			return Listed{}, err
		}
	}
	now := s.Now()
	r, err := s.store.List(ctx, a.Team, q.Owner, now, ListMax)
	if err != nil {
		return Listed{}, err
	}
	if q.OverdueOnly {
		r.Customers = r.Customers[:min(len(r.Customers), r.Overdue)]
	}
	return Listed{Ranked: r, Query: q, Now: now}, nil
}

// Find searches names, facts and notes; cursor "" is the first page.
func (s *Service) Find(ctx context.Context, a Actor, query, cursor string) (smed.FindPage, error) {
	return s.store.Find(ctx, a.Team, query, cursor, FindLen)
}

// Stats are the team's key figures.
type Stats struct {
	Customers int
	Overdue   int
	Value     int64 // all customers' summed value
	AtRisk    int64 // the overdue ones' (value at risk)
	// Notes per author in the last 7 and 30 days.
	Week, Month map[string]int
	Now         time.Time
}

// Coverage is the share of customers, and of their value, not overdue.
func (st Stats) Coverage() (share, valueShare float64, ok bool) {
	return smed.Coverage(st.Customers, st.Overdue, st.Value, st.AtRisk)
}

// Stats computes coverage, value at risk and notes per person. It reads the
// kept totals, the overdue part of the due index and the daily note counters:
// nothing that grows with the number of customers that are fine.
func (s *Service) Stats(ctx context.Context, a Actor) (Stats, error) {
	now := s.Now()
	r, err := s.store.List(ctx, a.Team, "", now, 0)
	if err != nil {
		return Stats{}, err
	}
	n, v, err := s.store.Totals(ctx, a.Team)
	if err != nil {
		return Stats{}, err
	}
	week, err := s.store.NoteCounts(ctx, a.Team, now.Add(-7*smed.Day))
	if err != nil {
		return Stats{}, err
	}
	month, err := s.store.NoteCounts(ctx, a.Team, now.Add(-30*smed.Day))
	if err != nil {
		return Stats{}, err
	}
	return Stats{Customers: n, Overdue: r.Overdue, Value: v, AtRisk: r.AtRisk, Week: week, Month: month, Now: now}, nil
}

// Neglected builds the team's digest for whoever asks, now, posting nothing.
func (s *Service) Neglected(ctx context.Context, a Actor) (reminders.Digest, error) {
	if s.digest == nil {
		return reminders.Digest{}, ErrNoDigest
	}
	return s.digest.BuildDigest(ctx, a.Team, s.Now())
}

// Figures are the team's overdue count and value at risk now (no customers
// listed): what /metrics exposes.
func (s *Service) Figures(ctx context.Context, team string) (smed.Ranked, error) {
	return s.store.List(ctx, team, "", s.Now(), 0)
}
