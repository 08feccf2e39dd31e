package loyalty

import (
	"cmp"
	"strings"
	"time"

	"github.com/smedhq/smed"
)

// LifetimeValue is what a customer has actually bought: the card shows it
// next to the potential set with `value`.
type LifetimeValue struct {
	Sum   int64     // all deals, saturating at math.MaxInt64
	Count int       // number of deals
	Last  time.Time // the latest deal ("41 days ago"); zero when none
}

// Lifetime sums a customer's deals, all of them: lifetime value has no
// window and no "as of" (a deal dated in the future still counts; the edge
// dates deals when they are logged, imports by their file).
func Lifetime(deals []Deal) LifetimeValue {
	var lv LifetimeValue
	for _, d := range deals {
		lv.Sum = smed.AddValue(lv.Sum, max(d.Amount, 0))
		lv.Count++
		if d.At.After(lv.Last) {
			lv.Last = d.At
		}
	}
	return lv
}

// Worth is the value Smed ranks by and counts at risk (SPEC "Value"): the
// larger of the potential set with `value` and the sum of the customer's
// deals, so a customer who bought more than anyone hoped counts for what it
// bought, and one who has not bought yet counts for its promise.
func Worth(potential int64, deals []Deal) int64 {
	return max(potential, Lifetime(deals).Sum)
}

// WithWorth returns c with Value replaced by Worth(c.Value, deals), so that
// smed.ValueAtRisk, smed.CompareUrgency, smed.Coverage and CompareValue use
// the larger of the two without knowing about deals. c.Value must be the
// potential; do not apply it twice.
func WithWorth(c smed.Customer, deals []Deal) smed.Customer {
	c.Value = Worth(c.Value, deals)
	return c
}

// CompareValue orders customers valuable first, for lists that are not about
// being overdue (knowledge risks, drifting customers): higher Value first,
// then by name and ID so the order is stable. It returns a negative number
// when a comes first. Pass customers through WithWorth to rank by worth.
func CompareValue(a, b smed.Customer) int {
	if c := cmp.Compare(b.Value, a.Value); c != 0 {
		return c
	}
	if c := strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)); c != 0 {
		return c
	}
	return strings.Compare(a.ID, b.ID)
}
