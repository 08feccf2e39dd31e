package app

import (
	"context"
	"time"

	"github.com/smedhq/smed"
)

// HomeMax is how many accounts App Home lists: the most urgent, within
// Slack's 100 blocks for a view (two blocks an account).
const HomeMax = 40

// Home is what a user's App Home shows: their accounts, most urgent first,
// and the team's value at risk.
type Home struct {
	Mine smed.Ranked // the user's accounts (at most HomeMax of them listed)
	Team smed.Ranked // the team's totals (no customers listed)
	Now  time.Time
}

// Home reads the user's accounts and the team's figures: two ranked reads of
// the due and value indexes, whatever the size of the book.
func (s *Service) Home(ctx context.Context, a Actor) (Home, error) {
	now := s.Now()
	mine, err := s.store.List(ctx, a.Team, a.User, now, HomeMax)
	if err != nil {
		return Home{}, err
	}
	team, err := s.store.List(ctx, a.Team, "", now, 0)
	if err != nil {
		return Home{}, err
	}
	return Home{Mine: mine, Team: team, Now: now}, nil
}
