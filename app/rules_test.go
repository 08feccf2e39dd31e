package app

import (
	"testing"
	"time"

	"github.com/smedhq/smed"
)

func TestDecideOwnership(t *testing.T) {
	const me, bob = "U0ME", "U0BOB"
	tests := []struct {
		name   string
		action Action
		admin  bool
		owner  string
		want   Rule
	}{
		{"owner hands over", ActOwner, false, me, Allow},
		{"admin hands over anyone's", ActOwner, true, bob, Allow},
		{"stranger: only if the owner left", ActOwner, false, bob, AllowIfOwnerGone},
		{"nobody owns it: anyone", ActOwner, false, "", Allow},
		{"handover follows the same rule", ActHandover, false, bob, AllowIfOwnerGone},
		{"merge follows the same rule", ActMerge, false, bob, AllowIfOwnerGone},
		{"merge by the owner", ActMerge, false, me, Allow},
		{"delete: admins only", ActDelete, false, me, Deny},
		{"delete by an admin", ActDelete, true, bob, Allow},
		{"a note on someone else's customer", ActNote, false, bob, Allow},
		{"a fact on someone else's customer", ActFact, false, bob, Allow},
		{"value is anyone's to record", ActValue, false, bob, Allow},
		{"cadence too", ActCadence, false, bob, Allow},
		{"and a snooze", ActSnooze, false, bob, Allow},
		{"and the name", ActRename, false, bob, Allow},
	}
	for _, tt := range tests {
		if got := Decide(tt.action, me, tt.admin, tt.owner); got != tt.want {
			t.Errorf("%s: Decide(%s, admin=%v, owner=%q) = %v, want %v", tt.name, tt.action, tt.admin, tt.owner, got, tt.want)
		}
	}
}

func TestEveryActionHasARule(t *testing.T) {
	for _, a := range []Action{ActNote, ActFact, ActForget, ActValue, ActCadence, ActSnooze, ActRename,
		ActOwner, ActMerge, ActDelete, ActUndo, ActLink, ActDealLog, ActHandover} {
		if _, ok := policy[a]; !ok {
			t.Errorf("action %q has no rule in policy (it would be open to anyone by accident)", a)
		}
	}
}

func TestCountsAsContact(t *testing.T) {
	tests := []struct {
		name string
		h    Happening
		want bool
	}{
		{"a note", Happening{Kind: KindNote}, true},
		{"a deal", Happening{Kind: KindDeal}, true},
		{"a fact is what we know, not a conversation", Happening{Kind: KindFact}, false},
		{"a change of value or owner", Happening{Kind: KindChange}, false},
		{"a human message in a linked channel", Happening{Kind: KindMessage}, true},
		{"a thread reply sent to the channel too", Happening{Kind: KindMessage, Subtype: "thread_broadcast"}, true},
		{"a bot's message", Happening{Kind: KindMessage, Bot: true}, false},
		{"an edit", Happening{Kind: KindMessage, Subtype: "message_changed"}, false},
		{"a deletion", Happening{Kind: KindMessage, Subtype: "message_deleted"}, false},
		{"someone joining", Happening{Kind: KindMessage, Subtype: "channel_join"}, false},
	}
	for _, tt := range tests {
		if got := CountsAsContact(tt.h); got != tt.want {
			t.Errorf("%s: CountsAsContact = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestValueAtRiskAndCoverage(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	cust := func(value int64, daysSince int) smed.Customer {
		return smed.Customer{Value: value, CadenceDays: 30, CreatedAt: now.AddDate(-1, 0, 0), LastContactAt: now.Add(-time.Duration(daysSince) * smed.Day)}
	}
	snoozed := cust(5000, 40)
	snoozed.SnoozedUntil = now.Add(smed.Day)
	cs := []smed.Customer{
		cust(1000, 31),  // overdue by a day
		cust(2000, 90),  // long overdue
		cust(4000, 29),  // due tomorrow
		cust(8000, 30),  // due exactly now: not yet overdue (now > due)
		snoozed,         // overdue but snoozed: not at risk
		cust(16000, 31), // overdue
	}
	if got, want := smed.ValueAtRisk(cs, now), int64(1000+2000+16000); got != want {
		t.Errorf("ValueAtRisk = %d, want %d", got, want)
	}
	share, valueShare, ok := smed.Coverage(len(cs), 3, 36000, 19000)
	if !ok || share != 0.5 || valueShare != 1-19000.0/36000 {
		t.Errorf("Coverage = %v, %v, %v; want 0.5, %v", share, valueShare, ok, 1-19000.0/36000)
	}
	if _, v, _ := smed.Coverage(2, 1, 0, 0); v != 1 {
		t.Errorf("value coverage of a team worth nothing = %v, want 1", v)
	}
	if _, _, ok := smed.Coverage(0, 0, 0, 0); ok {
		t.Error("coverage of no customers should be unknown")
	}
}
