package loyalty_test

import (
	"testing"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/loyalty"
)

func TestHealthOf(t *testing.T) {
	cfg := loyalty.DefaultConfig() // UTC; learned cadence 7..90; weights 40 20 25 15
	const (
		recency       = loyalty.ComponentRecency
		conversations = loyalty.ComponentConversations
		buying        = loyalty.ComponentBuying
		knowledge     = loyalty.ComponentKnowledge
	)
	setCadence := func(days int, created string) smed.Customer {
		return smed.Customer{ID: "c1", Name: "Acme", CadenceDays: days, CadenceSet: true, CreatedAt: at(created)}
	}
	touch := func(s string, side loyalty.Side) loyalty.Contact {
		return loyalty.Contact{At: at(s), Kind: loyalty.KindTouch, Side: side, Author: "X"}
	}

	// All four components. Deals 90 days apart, the last on 3 Aug (120 days
	// before now); they are contacts too.
	deals := []loyalty.Deal{
		{At: at("2025-11-06 10:00"), Amount: 40_000}, {At: at("2026-02-04 10:00"), Amount: 40_000},
		{At: at("2026-05-05 10:00"), Amount: 40_000}, {At: at("2026-08-03 10:00"), Amount: 40_000},
	}
	var full []loyalty.Contact
	for _, d := range deals {
		full = append(full, d.Contact())
	}
	full = join(full,
		// Notes: U1 7 + 1, U2 2; the last contact of all is 1 Nov 09:00.
		by("U1", 7, "2026-10-01 10:00"), by("U2", 2, "2026-10-20 10:00"), notes("2026-11-01 09:00"),
		[]loyalty.Contact{
			touch("2026-01-05 10:00", loyalty.SideCustomer), // before both windows
			touch("2026-09-01 10:00", loyalty.SideCustomer), // 1: started by the customer
			touch("2026-09-01 11:00", loyalty.SideTeam),
			touch("2026-09-10 10:00", loyalty.SideTeam), // 2
			touch("2026-09-10 12:00", loyalty.SideCustomer),
			touch("2026-10-01 10:00", loyalty.SideTeam), // 3
			touch("2026-10-20 10:00", loyalty.SideTeam), // 4
			touch("2026-10-21 09:00", loyalty.SideTeam), // 23 h later: still 4
		})

	// Recency only: notes 28 Aug, 15 Sep, 3 Oct, 21 Oct (gaps 18, 18, 18), so
	// the learned cadence is 18; 21 Oct → 1 Dec is 41 days; 4 notes are too
	// few for knowledge.
	learned := notes("2026-08-28 09:00", "2026-09-15 09:00", "2026-10-03 09:00", "2026-10-21 09:00")
	// Five notes by U1 only, the last 16 Nov (15 days before now); on 1 Nov
	// only three of them existed.
	alone := notes("2026-10-05 10:00", "2026-10-20 10:00", "2026-11-01 09:00", "2026-11-10 10:00", "2026-11-16 10:00")
	noKnowledge := cfg
	noKnowledge.Weights.Knowledge = 0

	tests := []struct {
		name     string
		c        smed.Customer
		contacts []loyalty.Contact
		deals    []loyalty.Deal
		cfg      loyalty.Config
		want     loyalty.Health
	}{
		// recency       2 − 30/20 = 0.5        × 40 = 20    lost 20
		// conversations 2 × 1/4 = 0.5          × 20 = 10    lost 10
		// buying        2 − 120/90 = 0.667     × 25 = 16.67 lost 8.33 → 8
		// knowledge     2 − 2 × 8/10 = 0.4     × 15 = 6     lost 9
		// score 20 + 10 + 16.67 + 6 = 52.67 → 53; three reasons: 20, 10, 9.
		// 30 days earlier (1 Nov 09:00): recency 0 days → 1, conversations the
		// same 1 of 4, buying 90 days → 1, knowledge the same 8 of 10 (the
		// window then starts 5 May): 40 + 10 + 25 + 6 = 81. 53 − 81: down.
		{"all four components", setCadence(20, "2025-01-01 09:00"), full, deals, cfg, loyalty.Health{
			Score: 53, Known: true,
			Parts: []loyalty.Part{
				{Component: recency, Value: 0.5, Weight: 0.4, Lost: 20, Detail: "30 days since contact, every 20", N: 30, Of: 20},
				{Component: conversations, Value: 0.5, Weight: 0.2, Lost: 10, Detail: "customer started 1 of 4 conversations", N: 1, Of: 4},
				{Component: buying, Value: 2.0 / 3, Weight: 0.25, Lost: 8, Detail: "120 days since last order, usually every 90", N: 120, Of: 90},
				{Component: knowledge, Value: 0.4, Weight: 0.15, Lost: 9, Detail: "U1 wrote 8 of 10 notes", N: 8, Of: 10, Author: "U1"},
			},
			Reasons: []loyalty.Part{
				{Component: recency, Value: 0.5, Weight: 0.4, Lost: 20, Detail: "30 days since contact, every 20", N: 30, Of: 20},
				{Component: conversations, Value: 0.5, Weight: 0.2, Lost: 10, Detail: "customer started 1 of 4 conversations", N: 1, Of: 4},
				{Component: knowledge, Value: 0.4, Weight: 0.15, Lost: 9, Detail: "U1 wrote 8 of 10 notes", N: 8, Of: 10, Author: "U1"},
			},
			Before: 81, BeforeKnown: true, Arrow: loyalty.ArrowDown,
		}},
		// 2 − 41/18 < 0 → 0: all 100 points lost. 30 days earlier: 11 days
		// since contact → 100.
		{"41 days since contact, usually every 18", smed.Customer{ID: "c1", CadenceDays: 30, CreatedAt: at("2026-01-01 09:00")}, learned, nil, cfg, loyalty.Health{
			Score: 0, Known: true,
			Parts:   []loyalty.Part{{Component: recency, Value: 0, Weight: 1, Lost: 100, Detail: "41 days since contact, usually every 18", N: 41, Of: 18}},
			Reasons: []loyalty.Part{{Component: recency, Value: 0, Weight: 1, Lost: 100, Detail: "41 days since contact, usually every 18", N: 41, Of: 18}},
			Before:  100, BeforeKnown: true, Arrow: loyalty.ArrowDown,
		}},
		// No touches, no deals: recency and knowledge only, 40 : 15, so the
		// weights become 40/55 and 15/55. Recency 15 days of 30 → 1; knowledge
		// 5 of 5 → 0. Score 100 × 40/55 = 72.7 → 73; lost 100 × 15/55 = 27.3
		// → 27. On 1 Nov only 3 notes: recency alone, 0 days → 100.
		{"missing data does not punish: weights renormalised", setCadence(30, "2026-01-01 09:00"), alone, nil, cfg, loyalty.Health{
			Score: 73, Known: true,
			Parts: []loyalty.Part{
				{Component: recency, Value: 1, Weight: 40.0 / 55, Lost: 0, Detail: "15 days since contact, every 30", N: 15, Of: 30},
				{Component: knowledge, Value: 0, Weight: 15.0 / 55, Lost: 27, Detail: "U1 wrote 5 of 5 notes", N: 5, Of: 5, Author: "U1"},
			},
			Reasons: []loyalty.Part{{Component: knowledge, Value: 0, Weight: 15.0 / 55, Lost: 27, Detail: "U1 wrote 5 of 5 notes", N: 5, Of: 5, Author: "U1"}},
			Before:  100, BeforeKnown: true, Arrow: loyalty.ArrowDown,
		}},
		{"a weight of 0 leaves a component out", setCadence(30, "2026-01-01 09:00"), alone, nil, noKnowledge, loyalty.Health{
			Score: 100, Known: true,
			Parts:  []loyalty.Part{{Component: recency, Value: 1, Weight: 1, Detail: "15 days since contact, every 30", N: 15, Of: 30}},
			Before: 100, BeforeKnown: true, Arrow: loyalty.ArrowFlat,
		}},
		// Created 17 Oct: 45 days of a 30-day default → 2 − 1.5 = 0.5. On 1 Nov,
		// 15 days → 100.
		{"never contacted counts from creation", smed.Customer{ID: "c1", CadenceDays: 30, CreatedAt: at("2026-10-17 09:00")}, nil, nil, cfg, loyalty.Health{
			Score: 50, Known: true,
			Parts:   []loyalty.Part{{Component: recency, Value: 0.5, Weight: 1, Lost: 50, Detail: "never contacted in 45 days, every 30", N: 45, Of: 30}},
			Reasons: []loyalty.Part{{Component: recency, Value: 0.5, Weight: 1, Lost: 50, Detail: "never contacted in 45 days, every 30", N: 45, Of: 30}},
			Before:  100, BeforeKnown: true, Arrow: loyalty.ArrowDown,
		}},
		{"created within 30 days: no score then, no arrow", smed.Customer{ID: "c1", CadenceDays: 30, CreatedAt: at("2026-11-21 09:00")}, nil, nil, cfg, loyalty.Health{
			Score: 100, Known: true,
			Parts: []loyalty.Part{{Component: recency, Value: 1, Weight: 1, Detail: "never contacted in 10 days, every 30", N: 10, Of: 30}},
		}},
		{"nothing known", smed.Customer{ID: "c1"}, nil, nil, cfg, loyalty.Health{}},
		// 62 days of 60 → 2 − 62/60 = 0.967 → 97 (lost 3.3 → 3); on 1 Nov 32
		// days → 100: −3 is flat.
		{"a small move is flat", setCadence(60, "2026-01-01 09:00"), notes("2026-09-30 09:00"), nil, cfg, loyalty.Health{
			Score: 97, Known: true,
			Parts:   []loyalty.Part{{Component: recency, Value: 2 - 62.0/60, Weight: 1, Lost: 3, Detail: "62 days since contact, every 60", N: 62, Of: 60}},
			Reasons: []loyalty.Part{{Component: recency, Value: 2 - 62.0/60, Weight: 1, Lost: 3, Detail: "62 days since contact, every 60", N: 62, Of: 60}},
			Before:  100, BeforeKnown: true, Arrow: loyalty.ArrowFlat,
		}},
		// 63 days → 2 − 1.05 = 0.95 → 95; exactly 5 down.
		{"exactly 5 points is a move", setCadence(60, "2026-01-01 09:00"), notes("2026-09-29 09:00"), nil, cfg, loyalty.Health{
			Score: 95, Known: true,
			Parts:   []loyalty.Part{{Component: recency, Value: 0.95, Weight: 1, Lost: 5, Detail: "63 days since contact, every 60", N: 63, Of: 60}},
			Reasons: []loyalty.Part{{Component: recency, Value: 0.95, Weight: 1, Lost: 5, Detail: "63 days since contact, every 60", N: 63, Of: 60}},
			Before:  100, BeforeKnown: true, Arrow: loyalty.ArrowDown,
		}},
		// Today's contact after a long silence: on 1 Nov, 22 Sep was 40 days
		// ago, twice the cadence → 0.
		{"back in touch: up", setCadence(20, "2026-01-01 09:00"), notes("2026-09-22 09:00", "2026-12-01 08:00"), nil, cfg, loyalty.Health{
			Score: 100, Known: true,
			Parts:  []loyalty.Part{{Component: recency, Value: 1, Weight: 1, Detail: "0 days since contact, every 20", Of: 20}},
			Before: 0, BeforeKnown: true, Arrow: loyalty.ArrowUp,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := diff(tt.want, loyalty.HealthOf(tt.c, tt.contacts, tt.deals, now, tt.cfg)); d != "" {
				t.Errorf("HealthOf (-want +got):\n%s", d)
			}
		})
	}
}

// TestHealthConversations checks how conversations are told apart and who
// started them.
func TestHealthConversations(t *testing.T) {
	touch := func(s string, side loyalty.Side) loyalty.Contact {
		return loyalty.Contact{At: at(s), Kind: loyalty.KindTouch, Side: side, Author: "X"}
	}
	team, cust := loyalty.SideTeam, loyalty.SideCustomer
	tests := []struct {
		name    string
		touches []loyalty.Contact
		want    *loyalty.Part // nil: no conversations part
	}{
		{"no touches: left out", nil, nil},
		{"23:59 later is the same conversation", []loyalty.Contact{touch("2026-11-10 10:00", team), touch("2026-11-11 09:59", cust)},
			&loyalty.Part{Value: 0, N: 0, Of: 1}},
		{"24 hours of quiet start a new one", []loyalty.Contact{touch("2026-11-10 10:00", team), touch("2026-11-11 10:00", cust)},
			&loyalty.Part{Value: 1, N: 1, Of: 2}},
		{"half started by the customer is full marks", []loyalty.Contact{
			touch("2026-11-01 10:00", cust), touch("2026-11-03 10:00", team), touch("2026-11-05 10:00", cust), touch("2026-11-07 10:00", team),
		}, &loyalty.Part{Value: 1, N: 2, Of: 4}},
		// 1 of 3: 2 × 1/3 = 0.667
		{"a third", []loyalty.Contact{touch("2026-11-01 10:00", cust), touch("2026-11-03 10:00", team), touch("2026-11-05 10:00", team)},
			&loyalty.Part{Value: 2.0 / 3, N: 1, Of: 3}},
		// Started 3 Jun 20:00, before the window (4 Jun 09:00); the reply 14 h
		// later belongs to it.
		{"a conversation started before the window is not counted", []loyalty.Contact{
			touch("2026-06-03 20:00", cust), touch("2026-06-04 10:00", team), touch("2026-07-01 10:00", team),
		}, &loyalty.Part{Value: 0, N: 0, Of: 1}},
		// Without the side-less touch the customer's message comes 34 h after
		// the team's, and starts a conversation.
		{"touches of no known side are left out", []loyalty.Contact{
			touch("2026-11-09 10:00", team), touch("2026-11-10 10:00", ""), touch("2026-11-10 20:00", cust),
		}, &loyalty.Part{Value: 1, N: 1, Of: 2}},
		{"touches after now are not seen", []loyalty.Contact{touch("2026-11-10 10:00", team), touch("2026-12-02 10:00", cust)},
			&loyalty.Part{Value: 0, N: 0, Of: 1}},
	}
	c := smed.Customer{ID: "c1", CadenceDays: 365, CadenceSet: true, CreatedAt: at("2026-01-01 09:00")}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := loyalty.HealthOf(c, tt.touches, nil, now, loyalty.DefaultConfig())
			var got *loyalty.Part
			for _, p := range h.Parts {
				if p.Component == loyalty.ComponentConversations {
					got = &loyalty.Part{Value: p.Value, N: p.N, Of: p.Of}
				}
			}
			if d := diff(tt.want, got); d != "" {
				t.Errorf("conversations (-want +got):\n%s", d)
			}
		})
	}
}
