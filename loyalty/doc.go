// Package loyalty turns a customer's history into the loyalty figures of
// Smed: lifetime value and worth, each customer's own contact and buying
// rhythm, drift before neglect, knowledge that rests on one person, the
// repurchase rate, reminders that learn (follow-through), an explainable
// health score and the team's trend against 7 and 30 days ago.
//
// Everything here is a pure function: no I/O, no clock, no configuration
// reading. Time is a parameter (now, or the "as of" time of a figure), the
// tunables that come from configuration arrive as parameters (Bounds,
// Weights, Config), and the time zone that decides what a calendar day is
// comes with them. Input slices may be in any order and are never modified.
// Records dated after now are ignored, so every figure can be computed as of
// an earlier time from the same data (Health's trend does that).
//
// It imports only the standard library and the root package smed. Storage
// keeps the records (Contact, Deal, Listing, Snapshot); the app and the Slack
// edge call these functions and render the results.
//
// Days: gaps and "N days ago" are counted in calendar days in the team's
// time zone, so several contacts on one day are one contact day and a note at
// 23:00 and one at 01:00 are a day apart. Windows ("the last 180 days",
// "within 3 days") are measured in 24-hour days back from now, inclusive at
// both ends, as cadences are.
//
// The pieces:
//
//	Lifetime, Worth, WithWorth   sum, count and last deal; the larger of potential and deals
//	ContactRhythm, BuyingRhythm  median gap of the last RhythmDays days with a contact / a deal
//	CadenceFor                   set cadence, else the learned one (clamped), else the default
//	DriftOf                      drifting before overdue, with the gaps that show it
//	KnowledgeOf, KnowledgeRisks  one author wrote ≥ 80 % of ≥ 5 notes in 180 days, ranked by value
//	RepurchaseRate               returning ÷ buying customers over 365 days, and their value share
//	Classify, IgnoredInARow,     what happened after a reminder listed a customer, escalation,
//	FollowThroughRates           and each owner's follow-through
//	HealthOf                     0–100 with its three biggest reasons and a trend arrow
//	TrendOf                      team figures against 7 and 30 days ago, from daily snapshots
package loyalty
