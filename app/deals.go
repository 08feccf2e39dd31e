package app

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/smedhq/smed"
)

// DealReading is one way to read "<customer> <amount> [text]": the name, the
// amount its words give, and the text after it.
type DealReading struct {
	Name   string
	Amount int64
	Text   string
}

// DealInput is a deal to log: on a customer by ID (a form, an import), or by
// what was typed (Readings, longest name first).
type DealInput struct {
	CustomerID string
	Amount     int64
	Text       string
	Readings   []DealReading
	// At is when it was bought (an import's date); zero means now.
	At time.Time
	// Key makes it idempotent (a deals file imported twice adds nothing).
	Key string
}

// Deal logs a purchase or renewal. A deal is contact: it resets the clock
// (CountsAsContact). An unknown customer is an *UnknownCustomerError with
// near-misses: a deal is never the way a customer is created.
func (s *Service) Deal(ctx context.Context, a Actor, in DealInput) (smed.DealReceipt, error) {
	if s.deals == nil {
		return smed.DealReceipt{}, ErrUnsupported
	}
	at := in.At
	if at.IsZero() {
		at = s.Now()
	}
	req := smed.DealRequest{Author: a.User, At: at, Key: in.Key}
	if in.CustomerID != "" {
		if err := smed.CheckValue(in.Amount); err != nil {
			return smed.DealReceipt{}, err
		}
		req.CustomerID, req.Amount, req.Text = in.CustomerID, in.Amount, strings.TrimSpace(in.Text)
		r, err := s.deals.AddDeal(ctx, a.Team, req)
		return r, s.gone(in.CustomerID, err)
	}
	if len(in.Readings) == 0 {
		return smed.DealReceipt{}, errors.New("app: deal without customer")
	}
	names := make([]string, len(in.Readings))
	for i, r := range in.Readings {
		names[i] = r.Name
	}
	ref, i, err := s.resolve(ctx, a, Target{Names: names})
	if err != nil {
		return smed.DealReceipt{}, err
	}
	r := in.Readings[i]
	if err := smed.CheckValue(r.Amount); err != nil {
		return smed.DealReceipt{}, err
	}
	req.CustomerID, req.Amount, req.Text = ref.ID, r.Amount, strings.TrimSpace(r.Text)
	rc, err := s.deals.AddDeal(ctx, a.Team, req)
	rc.Matched = i
	return rc, s.gone(ref.ID, err)
}
