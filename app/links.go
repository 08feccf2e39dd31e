package app

import (
	"context"
	"errors"
	"time"

	"github.com/smedhq/smed"
)

// Link links a channel to a customer: from now on its human messages count
// as contact with it (Touch). A channel links to at most one customer: one
// linked elsewhere is a *LinkedElsewhereError.
func (s *Service) Link(ctx context.Context, a Actor, t Target, channel string) (smed.NameRef, error) {
	if s.links == nil {
		return smed.NameRef{}, ErrUnsupported
	}
	if err := smed.CheckChannelID(channel); err != nil {
		return smed.NameRef{}, err
	}
	ref, _, err := s.resolve(ctx, a, t)
	if err != nil {
		return smed.NameRef{}, err
	}
	c, err := s.store.Customer(ctx, a.Team, ref.ID)
	if err != nil {
		return smed.NameRef{}, s.gone(ref.ID, err)
	}
	if err := s.allowed(ctx, a, ActLink, c); err != nil {
		return smed.NameRef{}, err
	}
	other, err := s.links.Link(ctx, a.Team, channel, ref.ID, a.User, s.Now())
	if errors.Is(err, smed.ErrConflict) {
		return smed.NameRef{}, &LinkedElsewhereError{Other: other}
	}
	return ref, s.gone(ref.ID, err)
}

// Unlink ends the channel's link and says which customer it was.
func (s *Service) Unlink(ctx context.Context, a Actor, channel string) (smed.NameRef, error) {
	if s.links == nil {
		return smed.NameRef{}, ErrUnsupported
	}
	return s.links.Unlink(ctx, a.Team, channel)
}

// Message is a message Slack saw in a channel (Events API message), as much
// of it as Touch needs: never its text.
type Message struct {
	Channel  string
	User     string // author
	UserTeam string // the author's own workspace (Slack Connect: another organisation's)
	Subtype  string // "" for a plain message
	Bot      bool   // posted by a bot (bot_id set, or subtype bot_message)
	TS       string
	At       time.Time
}

// Touch records a message in a linked channel as contact with its customer,
// when the contact rule says it is one (a human's plain message or a thread
// reply sent to the channel; not bots, edits or deletions). The side is the
// customer's when the author belongs to another organisation (Slack Connect).
// It returns false, with no error, when the message is not contact or the
// channel is not linked; nothing is written then.
func (s *Service) Touch(ctx context.Context, team string, m Message) (smed.Customer, bool, error) {
	if s.links == nil || m.User == "" {
		return smed.Customer{}, false, nil
	}
	if !CountsAsContact(Happening{Kind: KindMessage, Subtype: m.Subtype, Bot: m.Bot}) {
		return smed.Customer{}, false, nil
	}
	side := smed.SideTeam
	if m.UserTeam != "" && m.UserTeam != team {
		side = smed.SideCustomer
	}
	at := m.At
	if at.IsZero() {
		at = s.Now()
	}
	c, err := s.links.AddTouch(ctx, team, smed.Touch{At: at, Author: m.User, Side: side, Channel: m.Channel, TS: m.TS})
	if errors.Is(err, smed.ErrNotFound) {
		return smed.Customer{}, false, nil
	}
	if err != nil {
		return smed.Customer{}, false, err
	}
	return c, true, nil
}

// Links returns the channels linked to the customer (nil without link support).
func (s *Service) Links(ctx context.Context, a Actor, id string) ([]string, error) {
	if s.links == nil {
		return nil, nil
	}
	return s.links.Links(ctx, a.Team, id)
}
