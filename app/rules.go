package app

import (
	"context"

	"github.com/smedhq/smed"
)

// Action is something a user may do to a customer.
type Action string

const (
	ActNote     Action = "note"     // log a conversation
	ActFact     Action = "remember" // keep a lasting fact
	ActForget   Action = "forget"   // remove a fact
	ActValue    Action = "value"    // set the value
	ActCadence  Action = "cadence"  // set the cadence
	ActSnooze   Action = "snooze"   // pause reminders
	ActRename   Action = "rename"   // change the display name
	ActOwner    Action = "owner"    // hand the customer to someone (owner, handover, take over)
	ActMerge    Action = "merge"    // fold a duplicate into another customer
	ActDelete   Action = "delete"   // remove the customer and everything about it
	ActUndo     Action = "undo"     // take back one's own latest note or fact
	ActLink     Action = "link"     // link a channel to the customer
	ActDealLog  Action = "deal"     // log a purchase
	ActHandover Action = "handover" // move every account of one owner
)

// who may take an action on someone else's customer.
type who int

const (
	anyone       who = iota // the whole team: knowledge belongs to the company
	ownerOrAdmin            // the owner, an admin, or anyone once the owner has left or when there is none
	adminOnly               // admins only
)

// policy is the permission model, in one place: every change a user may make
// to a customer someone else owns is allowed or refused here. What the team
// learns (notes, facts, deals) and how often a customer is looked after
// (value, cadence, snooze, the name) is anyone's to record, and every change
// is kept in the customer's history with who made it. Ownership moves only
// with the owner's or an admin's hand — or anyone's when the owner has left
// the workspace or there is none, so a departed seller's accounts are never
// stuck (SPEC: "Who may change ownership"). Deleting is for admins.
var policy = map[Action]who{
	ActNote: anyone, ActFact: anyone, ActForget: anyone, ActValue: anyone, ActCadence: anyone,
	ActSnooze: anyone, ActRename: anyone, ActLink: anyone, ActDealLog: anyone, ActUndo: anyone,
	ActOwner: ownerOrAdmin, ActHandover: ownerOrAdmin,
	ActMerge:  ownerOrAdmin, // asked of both customers
	ActDelete: adminOnly,
}

// Rule is the decision the policy makes for one actor, action and customer
// owner, before asking whether the owner has left: Allow, Deny, or
// AllowIfOwnerGone (the caller must ask the Directory).
type Rule int

const (
	Deny Rule = iota
	Allow
	AllowIfOwnerGone
)

// Decide is the permission rule as a pure function: may user (an admin or not)
// take action on a customer owned by owner ("" = nobody)?
func Decide(action Action, user string, admin bool, owner string) Rule {
	switch policy[action] {
	case anyone:
		return Allow
	case adminOnly:
		if admin {
			return Allow
		}
		return Deny
	default: // ownerOrAdmin
		if admin || owner == "" || owner == user {
			return Allow
		}
		return AllowIfOwnerGone
	}
}

// allowed applies Decide, asking the Directory when the answer depends on
// whether the owner has left. It returns nil, a *DeniedError, or an
// *UnknownOwnerError when the Directory could not answer.
func (s *Service) allowed(ctx context.Context, a Actor, action Action, c smed.Customer) error {
	switch Decide(action, a.User, s.admins[a.User], c.Owner) {
	case Allow:
		return nil
	case AllowIfOwnerGone:
		gone, err := s.dir.Deleted(ctx, c.Owner)
		if err != nil {
			return &UnknownOwnerError{Owner: c.Owner, Err: err}
		}
		if gone {
			return nil
		}
	}
	return &DeniedError{Action: action, Customer: c, Owner: c.Owner}
}

// Kind of something that happened with a customer, for CountsAsContact.
type Kind int

const (
	KindNote    Kind = iota // a logged conversation (/customer note, the modal, the shortcut)
	KindFact                // a remembered fact
	KindDeal                // a purchase or renewal
	KindMessage             // a message in a linked channel
	KindChange              // owner, value, cadence, snooze, name
)

// Happening is what CountsAsContact looks at.
type Happening struct {
	Kind Kind
	// For KindMessage: the Events API message's subtype ("" for a plain
	// message), and whether a bot posted it.
	Subtype string
	Bot     bool
}

// CountsAsContact is the contact rule: what resets a customer's clock. A
// conversation counts (a note, a deal, a human message in a linked channel —
// a plain one or a thread reply also sent to the channel); what the team
// writes for itself does not (facts, changes), nor do bots, edits and
// deletions in a linked channel.
func CountsAsContact(h Happening) bool {
	switch h.Kind {
	case KindNote, KindDeal:
		return true
	case KindMessage:
		return !h.Bot && (h.Subtype == "" || h.Subtype == "thread_broadcast")
	}
	return false
}
