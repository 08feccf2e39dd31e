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
	// Drifting lists the customers drifting out of their own rhythm
	// instead (not overdue yet), most valuable first.
	Drifting bool
}

// Listed is a list of accounts as a surface shows it.
type Listed struct {
	smed.Ranked
	Query ListQuery
	Now   time.Time
	// With Query.Drifting: the drifting customers shown (Customers holds
	// them too) with their gaps, and how many there are (Total).
	Drifting []smed.DriftingCustomer
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
	if q.Drifting {
		if s.figures == nil {
			return Listed{}, ErrUnsupported
		}
		ds, n, err := s.figures.Drifting(ctx, a.Team, q.Owner, now, ListMax)
		if err != nil {
			return Listed{}, err
		}
		l := Listed{Query: q, Now: now, Drifting: ds}
		l.Total = n
		for _, d := range ds {
			l.Customers = append(l.Customers, d.Customer)
		}
		return l, nil
	}
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
	Value     int64 // all customers' summed worth (value or deals, the larger), as AtRisk counts it
	AtRisk    int64 // the overdue ones' (value at risk)
	// Notes per author in the last 7 and 30 days.
	Week, Month map[string]int
	Now         time.Time

	// With the loyalty figures (nil store: zero):
	Repurchase    smed.RepurchaseFigures
	Concentrated  []smed.Concentration          // knowledge resting on one person, most valuable first
	FollowThrough map[string]smed.FollowThrough // per owner
	// WeekAgo and MonthAgo are the snapshots 7 and 30 days ago (nil when
	// there is none), for the trend.
	WeekAgo, MonthAgo *smed.TeamSnapshot
}

// RepurchaseRate is the share of buyers of the last 365 days who bought on
// two or more days; ok is false when nobody bought.
func (st Stats) RepurchaseRate() (float64, bool) {
	if st.Repurchase.Buyers == 0 {
		return 0, false
	}
	return float64(st.Repurchase.Returning) / float64(st.Repurchase.Buyers), true
}

// Snapshot is today's figures as they are kept for the trend.
func (st Stats) Snapshot() smed.TeamSnapshot {
	return smed.TeamSnapshot{Date: st.Now.Format(time.DateOnly), Customers: st.Customers, Overdue: st.Overdue, Value: st.Value,
		AtRisk: st.AtRisk, Buyers: st.Repurchase.Buyers, Returning: st.Repurchase.Returning}
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
	st := Stats{Customers: n, Overdue: r.Overdue, Value: v, AtRisk: r.AtRisk, Week: week, Month: month, Now: now}
	if s.figures == nil {
		return st, nil
	}
	if st.Repurchase, err = s.figures.Repurchase(ctx, a.Team, now); err != nil {
		return Stats{}, err
	}
	if st.Concentrated, err = s.figures.Concentrated(ctx, a.Team, now, 10); err != nil {
		return Stats{}, err
	}
	if st.FollowThrough, err = s.figures.FollowThroughs(ctx, a.Team); err != nil {
		return Stats{}, err
	}
	week7, month30 := now.AddDate(0, 0, -7).Format(time.DateOnly), now.AddDate(0, 0, -30).Format(time.DateOnly)
	snaps, err := s.figures.Snapshots(ctx, a.Team, []string{week7, month30})
	if err != nil {
		return Stats{}, err
	}
	for i := range snaps {
		switch snaps[i].Date {
		case week7:
			st.WeekAgo = &snaps[i]
		case month30:
			st.MonthAgo = &snaps[i]
		}
	}
	// Today's figures join the history the trend reads (the first of a
	// day is kept).
	if err := s.figures.SaveSnapshot(ctx, a.Team, st.Snapshot()); err != nil {
		s.log.WarnContext(ctx, "snapshot not kept", "team_id", a.Team, "err", err)
	}
	return st, nil
}

// KeepSnapshot records the team's figures of today for the trend; the
// scheduler calls it once a day (stats does too), the first of a day wins.
func (s *Service) KeepSnapshot(ctx context.Context, team string) error {
	if s.figures == nil {
		return nil
	}
	_, err := s.Stats(ctx, Actor{Team: team})
	return err
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
