package loyalty

import (
	"time"

	"github.com/smedhq/smed"
)

// RepurchaseWindow is the period of the repurchase rate: the last 365 days,
// inclusive (a deal exactly 365 × 24 h old counts).
const RepurchaseWindow = 365 * smed.Day

// Repurchase is the team's repurchase rate and where its deal value came
// from, over RepurchaseWindow.
type Repurchase struct {
	Buyers    int     // customers with at least one deal in the window
	Returning int     // of those, customers that bought on two or more days
	Rate      float64 // Returning / Buyers; 0 when no Buyers
	Value     int64   // all deal value in the window (saturating)
	// ReturningValue is the value of every deal in the window of a returning
	// customer, its first one included.
	ReturningValue int64
	ValueShare     float64 // ReturningValue / Value; 0 when Value is 0
}

// RepurchaseRate computes the repurchase rate at now from each customer's
// deals (by customer ID; any order): customers with two or more deals dated
// in [now − RepurchaseWindow, now] ÷ customers with at least one there, and
// the share of that window's deal value that came from returning customers.
//
// Two deals on one calendar day (in loc, nil = UTC) are one purchase: a
// licence and its training logged together are not a customer coming back.
// A returning customer's value is all its deals in the window, the first
// included: "the share of deal value that came from returning customers" is
// what customers who buy again are worth, not only what their later orders
// added; a first order inside the window is part of a relationship that
// repeated within it.
func RepurchaseRate(deals map[string][]Deal, now time.Time, loc *time.Location) Repurchase {
	var r Repurchase
	from := now.Add(-RepurchaseWindow)
	for _, ds := range deals {
		var times []time.Time
		var value int64
		for _, d := range ds {
			if within(d.At, from, now) {
				times = append(times, d.At)
				value = smed.AddValue(value, max(d.Amount, 0))
			}
		}
		if len(times) == 0 {
			continue
		}
		r.Buyers++
		r.Value = smed.AddValue(r.Value, value)
		if days, _ := contactDays(times, now, loc); len(days) >= 2 {
			r.Returning++
			r.ReturningValue = smed.AddValue(r.ReturningValue, value)
		}
	}
	if r.Buyers > 0 {
		r.Rate = float64(r.Returning) / float64(r.Buyers)
	}
	if r.Value > 0 {
		r.ValueShare = float64(r.ReturningValue) / float64(r.Value)
	}
	return r
}
