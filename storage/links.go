package storage

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
)

var _ smed.Links = (*Store)(nil)

// Link links channel to the customer in one script (links hash and l: set).
// A channel linked to another customer is ErrConflict, with that customer.
func (s *Store) Link(ctx context.Context, team, channel, id, by string, at time.Time) (smed.NameRef, error) {
	const op = "link"
	k, err := s.customerKeys(op, team, id)
	if err != nil {
		return smed.NameRef{}, err
	}
	if err := smed.CheckChannelID(channel); err != nil {
		return smed.NameRef{}, wrapf(op, "%w", err)
	}
	if err := checkOwner(by); err != nil {
		return smed.NameRef{}, wrapf(op, "by: %w", err)
	}
	keyList := append(k.teamKeys(2), k.customer(id), k.linked(id))
	res, err := linkScript.Run(ctx, s.rdb, keyList, channel, id).Slice()
	if err != nil {
		return smed.NameRef{}, wrap(op, err)
	}
	switch str(res[0]) {
	case "ok":
		return smed.NameRef{}, nil
	case "none":
		return smed.NameRef{}, wrap(op, redis.Nil)
	case "conflict":
		other := str(res[1])
		ref := smed.NameRef{ID: other}
		if idRE.MatchString(other) {
			ref.Name, _ = s.rdb.HGet(ctx, k.customer(other), "name").Result()
		}
		return ref, fmt.Errorf("storage: %s: %w: the channel is linked to another customer", op, smed.ErrConflict)
	}
	return smed.NameRef{}, errorf("%s: unexpected script reply %v", op, res[0])
}

// Unlink ends the channel's link: Go reads which customer it is linked to,
// and the script checks that it still is (retried once when it changed).
func (s *Store) Unlink(ctx context.Context, team, channel string) (smed.NameRef, error) {
	const op = "unlink"
	k, id, err := s.channelLink(ctx, op, team, channel)
	if err != nil {
		return smed.NameRef{}, err
	}
	for attempt := 0; ; attempt++ {
		if !idRE.MatchString(id) {
			return smed.NameRef{}, errorf("%s: links holds %q", op, id)
		}
		keyList := append(k.teamKeys(2), k.customer(id), k.linked(id))
		res, err := unlinkScript.Run(ctx, s.rdb, keyList, channel, id).Slice()
		if err != nil {
			return smed.NameRef{}, wrap(op, err)
		}
		switch str(res[0]) {
		case "ok":
			return smed.NameRef{ID: id, Name: str(res[1])}, nil
		case "none":
			return smed.NameRef{}, wrap(op, redis.Nil)
		case "moved":
			if attempt >= 1 {
				return smed.NameRef{}, fmt.Errorf("storage: %s: %w: the link changed meanwhile", op, smed.ErrConflict)
			}
			id = str(res[1])
			continue
		}
		return smed.NameRef{}, errorf("%s: unexpected script reply %v", op, res[0])
	}
}

// LinkedTo reads the links hash, then the customer's name.
func (s *Store) LinkedTo(ctx context.Context, team, channel string) (smed.NameRef, error) {
	const op = "linked to"
	k, id, err := s.channelLink(ctx, op, team, channel)
	if err != nil {
		return smed.NameRef{}, err
	}
	name, err := s.rdb.HGet(ctx, k.customer(id), "name").Result()
	if err != nil {
		return smed.NameRef{}, wrap(op, err)
	}
	return smed.NameRef{ID: id, Name: name}, nil
}

// Links returns the channels linked to the customer (its l: set), sorted.
func (s *Store) Links(ctx context.Context, team, id string) ([]string, error) {
	const op = "links"
	k, err := s.customerKeys(op, team, id)
	if err != nil {
		return nil, err
	}
	chans, err := s.rdb.SMembers(ctx, k.linked(id)).Result()
	if err != nil {
		return nil, wrap(op, err)
	}
	slices.Sort(chans)
	return chans, nil
}

// AddTouch records a touch on the customer the channel is linked to: Go
// reads the link, the script checks it still holds and writes (see
// touchScript); a touch already recorded (same channel and ts, looked for
// among the touches at or after its time: the Slack edge takes a message's
// time from its ts) changes nothing and returns the customer as it is.
func (s *Store) AddTouch(ctx context.Context, team string, t smed.Touch) (smed.Customer, error) {
	const op = "add touch"
	if err := smed.CheckUserID(t.Author); err != nil {
		return smed.Customer{}, wrapf(op, "author: %w", err)
	}
	if t.Side != smed.SideTeam && t.Side != smed.SideCustomer {
		return smed.Customer{}, invalid(op, "side %q is neither %q nor %q", t.Side, smed.SideTeam, smed.SideCustomer)
	}
	if t.At.IsZero() {
		return smed.Customer{}, invalid(op, "no time given")
	}
	ts := noTabs(t.TS)
	if ts == "" {
		return smed.Customer{}, invalid(op, "no message ts given")
	}
	k, id, err := s.channelLink(ctx, op, team, t.Channel)
	if err != nil {
		return smed.Customer{}, err
	}
	for attempt := 0; ; attempt++ {
		if !idRE.MatchString(id) {
			return smed.Customer{}, errorf("%s: links holds %q", op, id)
		}
		keyList := append(k.teamKeys(2), k.customer(id), k.touches(id))
		res, err := touchScript.Run(ctx, s.rdb, keyList, t.Channel, id, toMS(t.At), t.Author, string(t.Side), ts).Slice()
		if err != nil {
			return smed.Customer{}, wrap(op, err)
		}
		switch str(res[0]) {
		case "ok":
			return committedCustomer(op, res[2:])
		case "none":
			return smed.Customer{}, wrap(op, redis.Nil)
		case "moved":
			if attempt >= 1 {
				return smed.Customer{}, fmt.Errorf("storage: %s: %w: the link changed meanwhile", op, smed.ErrConflict)
			}
			id = str(res[1])
			continue
		}
		return smed.Customer{}, errorf("%s: unexpected script reply %v", op, res[0])
	}
}

// channelLink checks the team and the channel, and reads which customer the
// channel is linked to (wrapping smed.ErrNotFound when none).
func (s *Store) channelLink(ctx context.Context, op, team, channel string) (keys, string, error) {
	k, err := s.team(op, team)
	if err != nil {
		return keys{}, "", err
	}
	if err := smed.CheckChannelID(channel); err != nil {
		return keys{}, "", wrapf(op, "%w", err)
	}
	id, err := s.rdb.HGet(ctx, k.links(), channel).Result()
	if err != nil {
		return keys{}, "", wrap(op, err)
	}
	if !idRE.MatchString(id) {
		return keys{}, "", errorf("%s: links holds %q", op, id)
	}
	return k, id, nil
}
