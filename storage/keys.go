// Package storage is the Redis adapter of Smed: it implements smed.Store and
// smed.Guard over a go-redis UniversalClient (a single node, or Cluster later),
// and an embedded in-process Redis for memory:// URLs.
//
// It is the only package that imports go-redis (and miniredis, for memory://).
// Besides those it imports only the domain (smed, names); never bot or cmd.
//
// # Key layout
//
// Every key is <prefix>smed:{<team>}:… where <prefix> is empty in production
// (WithPrefix isolates tests) and <team> is the Slack team ID, validated against
// [A-Za-z0-9_-]{1,64}. The team is a Redis Cluster hash tag, so all of a team's
// keys live in one slot and every script and MULTI touches one slot. Keys never
// hold text a user typed: customers are keyed by a random ID, names live only in
// hash fields and values.
//
//	smed:{T}:names            HASH  names.Key(name) → customer ID; how names resolve
//	smed:{T}:display          HASH  customer ID → display name (Names, Find)
//	smed:{T}:c:<id>           HASH  id, name, owner, value, cadence_days,
//	                                created_at, last_contact_at, snoozed_until
//	                                (unix ms; 0 = none), notes (count)
//	smed:{T}:notes:<id>       LIST  notes oldest first, JSON {author, at, text};
//	                                never capped or trimmed
//	smed:{T}:facts:<id>       LIST  facts, same shape
//	smed:{T}:due              ZSET  id → due time (ms), every customer
//	smed:{T}:due:<owner>      ZSET  the same for one owner (owner validated like
//	                                a team ID, plus '.')
//	smed:{T}:owners           SET   owners with at least one customer (for the
//	                                digest's departed owners), kept by reindex
//	smed:{T}:activity         ZSET  "<id>:<n>:<author>" → ms, one per note (n is
//	                                the note's number on that customer)
//	smed:{T}:totals           HASH  customers, value: the team's count and summed
//	                                value, kept by every script (Totals)
//	smed:{T}:guard:<key>      STRING "pending" while a send is claimed, "sent" after
//
// The due score mirrors smed.Customer.DueAt and is recomputed inside every
// script that changes a customer (see dueLua), so the two cannot drift.
package storage

import (
	"fmt"
	"regexp"
)

// Identifiers that become part of a key. Slack team and user IDs are upper-case
// letters and digits ("T0123ABC", "U0123ABC"); the wider sets admit "local" and
// the names the shell and tests use, never spaces, braces or colons.
var (
	teamRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	ownerRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	guardRE = regexp.MustCompile(`^[A-Za-z0-9:_.-]{1,200}$`)
)

// keys builds the keys of one team. base is "<prefix>smed:{<team>}:"; scripts
// get it as KEYS[1] and derive the rest from it the same way. Store.team
// refuses an invalid team ID with an error for op that wraps smed.ErrInvalid.
type keys struct{ base string }

func (s *Store) team(op, team string) (keys, error) {
	if !teamRE.MatchString(team) {
		return keys{}, invalid(op, "invalid team ID %q (want [A-Za-z0-9_-]{1,64})", team)
	}
	return keys{base: s.prefix + "smed:{" + team + "}:"}, nil
}

func (k keys) names() string             { return k.base + "names" }
func (k keys) display() string           { return k.base + "display" }
func (k keys) customer(id string) string { return k.base + "c:" + id }
func (k keys) notes(id string) string    { return k.base + "notes:" + id }
func (k keys) facts(id string) string    { return k.base + "facts:" + id }
func (k keys) activity() string          { return k.base + "activity" }
func (k keys) totals() string            { return k.base + "totals" }
func (k keys) owners() string            { return k.base + "owners" }
func (k keys) guard(key string) string   { return k.base + "guard:" + key }

// due is the all-customers due index for owner "", else that owner's.
func (k keys) due(owner string) string {
	if owner == "" {
		return k.base + "due"
	}
	return k.base + "due:" + owner
}

func checkOwner(owner string) error {
	if owner != "" && !ownerRE.MatchString(owner) {
		return fmt.Errorf("invalid owner ID %q (want a Slack user ID)", owner)
	}
	return nil
}

func checkGuardKey(key string) error {
	if !guardRE.MatchString(key) {
		return fmt.Errorf("invalid guard key %q (want [A-Za-z0-9:_.-]{1,200})", key)
	}
	return nil
}
