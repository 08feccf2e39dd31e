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
	// RepeatValue is the value of the window's repeat deals: deals whose
	// customer had bought on an earlier calendar day within RepurchaseWindow
	// before them (that earlier deal may lie before the window).
	RepeatValue int64
	ValueShare  float64 // RepeatValue / Value; 0 when Value is 0
}

// RepurchaseRate computes the repurchase rate at now from each customer's
// deals (by customer ID; any order): customers with two or more deals dated
// in [now − RepurchaseWindow, now] ÷ customers with at least one there, and
// the share of that window's deal value that came from customers buying
// again (repeat deals).
//
// Two deals on one calendar day (in loc, nil = UTC) are one purchase: a
// licence and its training logged together are not a customer coming back.
// A deal is a repeat deal when its customer bought on an earlier day within
// the RepurchaseWindow before it: what a customer's coming back brought in.
// The rule looks only backwards from each deal, so a store keeps the figure
// as deals are logged (no deal changes its kind later), and a first order
// does not turn into returning value when a second one comes.
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
		}
		for _, d := range ds {
			if within(d.At, from, now) && d.Amount > 0 && repeat(d, ds, loc) {
				r.RepeatValue = smed.AddValue(r.RepeatValue, d.Amount)
			}
		}
	}
	if r.Buyers > 0 {
		r.Rate = float64(r.Returning) / float64(r.Buyers)
	}
	if r.Value > 0 {
		r.ValueShare = float64(r.RepeatValue) / float64(r.Value)
	}
	return r
}

// repeat reports whether the customer with deals ds had bought on an earlier
// calendar day within RepurchaseWindow before d.
func repeat(d Deal, ds []Deal, loc *time.Location) bool {
	day := dayOf(d.At, loc)
	for _, e := range ds {
		if dayOf(e.At, loc) < day && !e.At.Before(d.At.Add(-RepurchaseWindow)) {
			return true
		}
	}
	return false
}
