package smed

import (
	"fmt"
	"regexp"
)

// One validator per identifier and range. Configuration, the CSV reader, the
// /customer parser and the store all call these, so they agree on what is
// valid. Each returns an error wrapping ErrInvalid that names the rule.

var (
	userIDRE  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	slackIDRE = regexp.MustCompile(`^[UW][A-Z0-9]{2,63}$`)
	teamIDRE  = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	channelRE = regexp.MustCompile(`^[CGD][A-Z0-9]{2,63}$`)
	guardRE   = regexp.MustCompile(`^[A-Za-z0-9:_.-]{1,200}$`)
)

// CheckUserID accepts what can own a customer or write a note: a Slack user ID
// (U0123ABCD; W… on Enterprise Grid) or, in a local workspace (smed shell), a
// plain name such as "alice". Never spaces, braces or colons, since the ID
// becomes part of Redis keys.
func CheckUserID(id string) error {
	if !userIDRE.MatchString(id) {
		return fmt.Errorf("%w: %q is not a user ID (like U0123ABCD)", ErrInvalid, id)
	}
	return nil
}

// IsSlackUserID reports whether id has the form of a Slack user ID (U… or W…,
// upper-case letters and digits). Where Slack is the workspace (a configured
// team), owners must have this form; the shell's local names do not.
func IsSlackUserID(id string) bool { return slackIDRE.MatchString(id) }

// CheckTeamID accepts a Slack team ID (T0123ABCD) or the local workspace's
// name ("local"): letters, digits, '_' and '-', at most 64.
func CheckTeamID(id string) error {
	if !teamIDRE.MatchString(id) {
		return fmt.Errorf("%w: %q is not a team ID (like T0123ABCD)", ErrInvalid, id)
	}
	return nil
}

// CheckChannelID accepts a Slack channel ID: C… (public), G… (private), D… (DM).
func CheckChannelID(id string) error {
	if !channelRE.MatchString(id) {
		return fmt.Errorf("%w: %q is not a channel ID (like C0123ABCD)", ErrInvalid, id)
	}
	return nil
}

// CheckValue accepts a customer value from 0 to MaxValue.
func CheckValue(v int64) error {
	if v < 0 || v > MaxValue {
		return fmt.Errorf("%w: value %d is out of range (0 to %s)", ErrInvalid, v, FormatAmount(MaxValue))
	}
	return nil
}

// CheckCadence accepts a cadence (or any span of days) from 1 to MaxDays.
func CheckCadence(days int) error {
	if days < 1 || days > MaxDays {
		return fmt.Errorf("%w: %d days is out of range (1 to %d)", ErrInvalid, days, MaxDays)
	}
	return nil
}

// CheckGuardKey accepts a once-per-period key of a Guard ("remind:2026-12-01:U0123",
// "event:Ev0123"): letters, digits and ":_.-", at most 200. Guard keys become
// part of Redis keys, which never hold user text.
func CheckGuardKey(key string) error {
	if !guardRE.MatchString(key) {
		return fmt.Errorf("%w: guard key %q has characters outside [A-Za-z0-9:_.-] or is longer than 200", ErrInvalid, key)
	}
	return nil
}
