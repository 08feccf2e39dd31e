package app

import (
	"context"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/loyalty"
)

// insightEntries bounds the timeline Insights reads: enough for 180 days of
// an active account's notes, deals and touches.
const insightEntries = 500

// Insights are the loyalty figures of one customer, as its card shows them:
// its own rhythm (learned from its contacts unless the cadence was set by
// hand), its buying rhythm, whether it is drifting, whose knowledge it rests
// on, and an explainable health score.
type Insights struct {
	Cadence   loyalty.Cadence
	Rhythm    loyalty.Rhythm
	Buying    loyalty.Rhythm
	Drift     loyalty.Drift
	Knowledge loyalty.Knowledge
	Health    loyalty.Health
}

// Insights computes a customer's figures from its recent timeline (at most
// insightEntries entries: the cost of a card, whatever the size of the team).
func (s *Service) Insights(ctx context.Context, a Actor, c smed.Customer) (Insights, error) {
	_, es, _, err := s.store.History(ctx, a.Team, c.ID, 0, insightEntries)
	if err != nil {
		return Insights{}, s.gone(c.ID, err)
	}
	var contacts []loyalty.Contact
	var deals []loyalty.Deal
	for _, e := range es {
		switch e.Kind {
		case smed.EntryNote:
			contacts = append(contacts, loyalty.NoteContact(e.Note))
		case smed.EntryDeal:
			d := loyalty.Deal{At: e.Deal.At, Amount: e.Deal.Amount, Author: e.Deal.Author, Text: e.Deal.Text}
			deals = append(deals, d)
			contacts = append(contacts, d.Contact())
		case smed.EntryTouch:
			side := loyalty.SideTeam
			if e.Touch.Side == smed.SideCustomer {
				side = loyalty.SideCustomer
			}
			contacts = append(contacts, loyalty.Contact{At: e.Touch.At, Kind: loyalty.KindTouch, Side: side, Author: e.Touch.Author})
		}
	}
	now := s.Now()
	cfg := s.loyalty
	cfg.Location = s.loc
	r := loyalty.ContactRhythm(contacts, now, s.loc)
	return Insights{
		Cadence:   loyalty.CadenceFor(c, r, cfg.Bounds),
		Rhythm:    r,
		Buying:    loyalty.BuyingRhythm(deals, now, s.loc),
		Drift:     loyalty.DriftOf(c, contacts, now, s.loc),
		Knowledge: loyalty.KnowledgeOf(contacts, now),
		Health:    loyalty.HealthOf(c, contacts, deals, now, cfg),
	}, nil
}
