package loyalty

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/smedhq/smed"
)

// Component names one part of the health score.
type Component string

const (
	ComponentRecency       Component = "recency"       // days since contact against its cadence
	ComponentConversations Component = "conversations" // who starts conversations in linked channels
	ComponentBuying        Component = "buying"        // days since the last order against its buying rhythm
	ComponentKnowledge     Component = "knowledge"     // how much of its notes one person wrote
)

// Weights say how much each component counts in the health score. Only the
// ratios matter; a weight of 0 (or less) leaves the component out.
type Weights struct {
	Recency       float64
	Conversations float64
	Buying        float64
	Knowledge     float64
}

// DefaultWeights are 40 recency, 20 conversations, 25 buying, 15 knowledge
// (of 100). Silence is what Smed exists to make visible, so recency weighs
// most; a customer that stops buying at its usual pace is the next surest
// sign; who starts conversations is a useful but noisy signal (and only
// known for linked channels); knowledge concentration is a risk to the
// company more than a sign of the customer's mood.
func DefaultWeights() Weights {
	return Weights{Recency: 40, Conversations: 20, Buying: 25, Knowledge: 15}
}

// Config holds the tunables of the figures that come from configuration.
// Start from DefaultConfig: a zero Weights leaves every component out, and
// HealthOf then knows no score.
type Config struct {
	Location *time.Location // the team's time zone: what a calendar day is; nil = UTC
	Bounds   Bounds         // clamp of a learned cadence
	Weights  Weights        // of the health score
}

// DefaultConfig is UTC, a learned cadence between 7 and 90 days (reminders
// at most weekly, and nobody left alone for more than a quarter, whatever
// its history), and DefaultWeights.
func DefaultConfig() Config {
	return Config{Location: time.UTC, Bounds: Bounds{Floor: 7, Ceiling: 90}, Weights: DefaultWeights()}
}

// ConversationWindow is how far back conversations count for who starts
// them: 180 days, inclusive, as for knowledge.
const ConversationWindow = 180 * smed.Day

// ConversationQuiet is the silence that separates two conversations in a
// linked channel: a touch at least 24 hours after the previous touch (either
// side) starts a new conversation, and its side started it.
const ConversationQuiet = 24 * time.Hour

// TrendPeriod is how far back the health trend looks: the score as of 30
// days before now.
const TrendPeriod = 30 * smed.Day

// TrendStep is how many points the score must have moved for the arrow to
// point up or down; smaller moves are flat, so the arrow does not flicker
// with a day's noise.
const TrendStep = 5

// Arrow is the direction of a score against TrendPeriod ago.
type Arrow string

const (
	ArrowNone Arrow = ""     // no score then (or now) to compare
	ArrowUp   Arrow = "up"   // at least TrendStep points better
	ArrowDown Arrow = "down" // at least TrendStep points worse
	ArrowFlat Arrow = "flat" // within TrendStep either way
)

// Part is one component of a health score, with what it cost and why.
type Part struct {
	Component Component
	Value     float64 // 0 (worst) to 1 (healthy)
	Weight    float64 // its share of the score after renormalising; the shares of a score sum to 1
	Lost      int     // points of 100 it cost: 100 × Weight × (1 − Value), rounded
	// Detail says why in a few words, e.g. "41 days since contact, usually
	// every 18". N and Of are its figures, so a renderer can say it in
	// another language:
	//   recency        N days since contact (or since creation), Of the cadence in days
	//   conversations  N started by the customer, Of conversations
	//   buying         N days since the last order, Of the buying rhythm in days
	//   knowledge      N notes by Author, Of notes
	Detail string
	N, Of  int
	Author string // knowledge only: who wrote the most notes
}

// Health is a customer's 0–100 health score, explained.
type Health struct {
	Score   int    // 0–100; 0 when not Known
	Known   bool   // false when no component had data
	Parts   []Part // every component that had data, in the order of Weights
	Reasons []Part // the biggest losses, at most three, largest first; parts that cost under half a point are no reason
	// Before is the score as of TrendPeriod before now, from the same data
	// (records dated after then ignored); BeforeKnown false when there was
	// none then.
	Before      int
	BeforeKnown bool
	Arrow       Arrow
}

// HealthOf scores customer c at now from its contacts (notes, deals as
// Deal.Contact, and touches) and its deals, with the calendar days of
// cfg.Location. Each component is 0..1:
//
//   - recency: 1 while the days since the last contact (calendar days; for a
//     customer never contacted, since its creation) are at most its cadence
//     (CadenceFor: set, learned or default), falling linearly to 0 at twice
//     the cadence: 2 − since/cadence, clamped.
//   - conversations: in linked channels over ConversationWindow, the share
//     of conversations (see ConversationQuiet) the customer started, doubled
//     and capped at 1: a customer who starts half of them or more is as
//     engaged as one can wish; one who never does scores 0.
//   - buying: as recency, with the days since the last order against the
//     buying rhythm (BuyingRhythm.Days).
//   - knowledge: over KnowledgeWindow, 1 while the most prolific author wrote
//     at most half of the notes, falling linearly to 0 when one person wrote
//     them all (2 − 2 × share, clamped; 80 % gives 0.4).
//
// Missing data does not punish: a component without data (no touches in the
// window, a buying rhythm not Known, fewer than MinNotes notes, never
// contacted and no creation time) is left out and the weights of the others
// are renormalised to sum to 1. So a customer with no linked channel and no
// deals is scored on recency and knowledge alone, 40:15. Score is
// 100 × Σ weight × value, rounded; each part's Lost is rounded on its own, so
// the Lost of all parts may differ from 100 − Score by rounding.
//
// Snoozes play no part: the score is about the relationship, not the
// reminders. Arrow compares Score with the score computed the same way as of
// now − TrendPeriod, so callers store nothing for the trend.
func HealthOf(c smed.Customer, contacts []Contact, deals []Deal, now time.Time, cfg Config) Health {
	h := scoreAt(c, contacts, deals, now, cfg)
	before := scoreAt(c, contacts, deals, now.Add(-TrendPeriod), cfg)
	h.Before, h.BeforeKnown = before.Score, before.Known
	if h.Known && before.Known {
		switch d := h.Score - before.Score; {
		case d >= TrendStep:
			h.Arrow = ArrowUp
		case d <= -TrendStep:
			h.Arrow = ArrowDown
		default:
			h.Arrow = ArrowFlat
		}
	}
	return h
}

// scoreAt is the score as of asOf: what HealthOf says, without the trend.
func scoreAt(c smed.Customer, contacts []Contact, deals []Deal, asOf time.Time, cfg Config) Health {
	var parts []Part
	add := func(weight float64, p Part, ok bool) {
		if ok && weight > 0 {
			p.Weight = weight
			parts = append(parts, p)
		}
	}
	w := cfg.Weights
	p, ok := recencyPart(c, contacts, asOf, cfg)
	add(w.Recency, p, ok)
	p, ok = conversationsPart(contacts, asOf)
	add(w.Conversations, p, ok)
	p, ok = buyingPart(deals, asOf, cfg.Location)
	add(w.Buying, p, ok)
	p, ok = knowledgePart(contacts, asOf)
	add(w.Knowledge, p, ok)
	var h Health
	var total float64
	for _, p := range parts {
		total += p.Weight
	}
	if total == 0 {
		return h
	}
	var score float64
	for i := range parts {
		p := &parts[i]
		p.Weight /= total
		score += 100 * p.Weight * p.Value
		p.Lost = int(math.Round(100 * p.Weight * (1 - p.Value)))
	}
	h.Score, h.Known, h.Parts = int(math.Round(score)), true, parts
	for _, p := range parts {
		if p.Lost > 0 {
			h.Reasons = append(h.Reasons, p)
		}
	}
	slices.SortStableFunc(h.Reasons, func(a, b Part) int { return b.Lost - a.Lost })
	h.Reasons = h.Reasons[:min(3, len(h.Reasons))]
	return h
}

// against scores days since something against a usual number of days: 1 up
// to usual, 0 from twice usual on.
func against(since, usual int) float64 {
	return min(max(2-float64(since)/cadenceDays(usual), 0), 1)
}

func recencyPart(c smed.Customer, contacts []Contact, asOf time.Time, cfg Config) (Part, bool) {
	r := ContactRhythm(contacts, asOf, cfg.Location)
	cad := CadenceFor(c, r, cfg.Bounds)
	p := Part{Component: ComponentRecency, Of: cad.Days}
	usually := ""
	if cad.Source == SourceLearned {
		usually = "usually "
	}
	switch {
	case r.Count > 0:
		p.N = r.Since
		p.Detail = fmt.Sprintf("%d days since contact, %severy %d", p.N, usually, p.Of)
	case !c.CreatedAt.IsZero() && !c.CreatedAt.After(asOf):
		p.N = daysSince(c.CreatedAt, asOf, cfg.Location)
		p.Detail = fmt.Sprintf("never contacted in %d days, every %d", p.N, p.Of)
	default:
		return p, false
	}
	p.Value = against(p.N, p.Of)
	return p, true
}

func conversationsPart(contacts []Contact, asOf time.Time) (Part, bool) {
	var touches []Contact
	for _, c := range contacts {
		if c.Kind == KindTouch && (c.Side == SideTeam || c.Side == SideCustomer) && !c.At.After(asOf) {
			touches = append(touches, c)
		}
	}
	slices.SortStableFunc(touches, func(a, b Contact) int { return a.At.Compare(b.At) })
	p := Part{Component: ComponentConversations}
	from := asOf.Add(-ConversationWindow)
	for i, t := range touches {
		starts := i == 0 || t.At.Sub(touches[i-1].At) >= ConversationQuiet
		if !starts || t.At.Before(from) {
			continue
		}
		p.Of++
		if t.Side == SideCustomer {
			p.N++
		}
	}
	if p.Of == 0 {
		return p, false
	}
	p.Value = min(2*float64(p.N)/float64(p.Of), 1)
	p.Detail = fmt.Sprintf("customer started %d of %d conversations", p.N, p.Of)
	return p, true
}

func buyingPart(deals []Deal, asOf time.Time, loc *time.Location) (Part, bool) {
	r := BuyingRhythm(deals, asOf, loc)
	if !r.Known() {
		return Part{}, false
	}
	p := Part{Component: ComponentBuying, N: r.Since, Of: r.Days, Value: against(r.Since, r.Days)}
	p.Detail = fmt.Sprintf("%d days since last order, usually every %d", p.N, p.Of)
	return p, true
}

func knowledgePart(contacts []Contact, asOf time.Time) (Part, bool) {
	k := KnowledgeOf(contacts, asOf)
	if k.Notes < MinNotes {
		return Part{}, false
	}
	p := Part{Component: ComponentKnowledge, N: k.ByAuthor, Of: k.Notes, Author: k.Author}
	p.Value = min(max(2-2*k.Share, 0), 1)
	p.Detail = fmt.Sprintf("%s wrote %d of %d notes", k.Author, p.N, p.Of)
	if k.Author == "" {
		p.Detail = fmt.Sprintf("%d notes, none by a known author", p.Of)
	}
	return p, true
}
