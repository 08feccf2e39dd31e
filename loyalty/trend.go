package loyalty

import (
	"time"
)

// Snapshot is a team's figures on one day, kept daily so the digest and
// stats can compare with 7 and 30 days ago without recomputing history.
type Snapshot struct {
	At             time.Time // when it was taken; its calendar day is the day it stands for
	ValueAtRisk    int64     // smed.ValueAtRisk over customers valued by Worth
	Customers      int       // how many customers Coverage is of; 0 = no coverage figure
	Coverage       float64   // share of customers not overdue (smed.Coverage)
	ValueCoverage  float64   // share of their value not overdue (smed.Coverage)
	Buyers         int       // Repurchase.Buyers; 0 = no repurchase rate
	RepurchaseRate float64   // Repurchase.Rate
}

// SnapshotSlack is how many days older than the day asked for a snapshot
// may be and still stand for it: a missed daily run or two are bridged, but
// a month-old snapshot is not "7 days ago".
const SnapshotSlack = 3

// Change is the team's figures against one earlier day.
type Change struct {
	Then  Snapshot // the snapshot compared with
	Found bool     // false: no snapshot near enough that day; the rest is zero
	// Differences now − then. A rate's difference is 0 when either side had
	// no data for it (Customers or Buyers 0), so check Then before showing it.
	ValueAtRisk    int64
	Coverage       float64 // in shares: 0.05 is 5 percentage points
	ValueCoverage  float64
	RepurchaseRate float64
}

// Trend is the team's figures against 7 and 30 days ago.
type Trend struct {
	Week  Change // against 7 days ago
	Month Change // against 30 days ago
}

// TrendOf compares current (the figures now) with the history of daily
// snapshots, in any order: for 7 and 30 calendar days before now's day (in
// loc, nil = UTC) it takes the latest snapshot taken on or before that day,
// and no more than SnapshotSlack days before it.
func TrendOf(current Snapshot, history []Snapshot, now time.Time, loc *time.Location) Trend {
	today := dayOf(now, loc)
	return Trend{
		Week:  change(current, history, today-7, loc),
		Month: change(current, history, today-30, loc),
	}
}

func change(cur Snapshot, history []Snapshot, day int64, loc *time.Location) Change {
	var ch Change
	for _, s := range history {
		d := dayOf(s.At, loc)
		if d > day || d < day-SnapshotSlack {
			continue
		}
		if !ch.Found || s.At.After(ch.Then.At) {
			ch.Then, ch.Found = s, true
		}
	}
	if !ch.Found {
		return ch
	}
	then := ch.Then
	ch.ValueAtRisk = cur.ValueAtRisk - then.ValueAtRisk
	if cur.Customers > 0 && then.Customers > 0 {
		ch.Coverage = cur.Coverage - then.Coverage
		ch.ValueCoverage = cur.ValueCoverage - then.ValueCoverage
	}
	if cur.Buyers > 0 && then.Buyers > 0 {
		ch.RepurchaseRate = cur.RepurchaseRate - then.RepurchaseRate
	}
	return ch
}
