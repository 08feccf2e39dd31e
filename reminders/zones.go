package reminders

import (
	"context"
	"errors"
	"time"

	"github.com/smedhq/smed"
)

// Zones answers which time zone a user's clock is in (package bot: Slack
// users.info, the user's tz). Only used with WithLocalTime.
type Zones interface {
	// Zone returns userID's time zone. It wraps smed.ErrNotFound when the user
	// has no zone Smed can use (no tz, or a name the tzdata does not know);
	// the engine then uses its own zone (reminders.timezone) for that user
	// until the next daily refresh. Any other error is taken as transient:
	// the engine keeps the zone it knew, or uses its own, and asks again
	// after zoneRetry. It need not cache: the engine does.
	Zone(ctx context.Context, userID string) (*time.Location, error)
}

// Zone cache timings and bounds. Times are the engine's now, not the clock.
const (
	zoneKeep    = 24 * time.Hour   // "cached, refreshed daily"
	zoneRetry   = 15 * time.Minute // after a failed lookup
	zoneTimeout = 10 * time.Second // one lookup; a slow Slack must not hold up the other owners
	maxZones    = 10_000           // cached users; more and the cache starts afresh
)

type zoneEntry struct {
	loc   *time.Location
	known bool      // loc is the user's own zone, not the engine's fallback
	next  time.Time // ask again at or after this
}

// zoneOf returns owner's zone at now: cached, refreshed daily, and the
// engine's zone when it cannot be known. It never fails: a failed lookup only
// costs that owner the right zone, logged, not the run.
func (e *Engine) zoneOf(ctx context.Context, team, owner string, now time.Time) *time.Location {
	if e.zones == nil {
		return e.loc
	}
	e.zmu.Lock()
	ent, cached := e.zcache[owner]
	e.zmu.Unlock()
	if cached && now.Before(ent.next) {
		return ent.loc
	}

	lctx, cancel := context.WithTimeout(ctx, zoneTimeout)
	loc, err := e.zones.Zone(lctx, owner)
	cancel()
	switch {
	case err == nil && loc != nil:
		ent = zoneEntry{loc: loc, known: true, next: now.Add(zoneKeep)}
	case err == nil || errors.Is(err, smed.ErrNotFound):
		e.log.Info("reminders: owner has no time zone, using reminders.timezone", "team_id", team, "user_id", owner, "zone", e.loc.String())
		ent = zoneEntry{loc: e.loc, next: now.Add(zoneKeep)}
	case ctx.Err() != nil:
		// The run is ending; do not remember a fallback for a lookup it cut short.
		if cached {
			return ent.loc
		}
		return e.loc
	default:
		if !cached || !ent.known {
			ent = zoneEntry{loc: e.loc}
		}
		ent.next = now.Add(zoneRetry)
		e.log.Warn("reminders: owner's time zone lookup failed, using the last known or reminders.timezone", "team_id", team, "user_id", owner, "zone", ent.loc.String(), "err", err)
	}
	e.zmu.Lock()
	if _, ok := e.zcache[owner]; !ok && len(e.zcache) >= maxZones {
		e.pruneZones(now)
	}
	e.zcache[owner] = ent
	e.zmu.Unlock()
	return ent.loc
}

// pruneZones drops the entries due for a refresh, or all of them when none
// is: the cache stays bounded and costs one lookup per owner to refill.
// Called with zmu held.
func (e *Engine) pruneZones(now time.Time) {
	for u, ent := range e.zcache {
		if !now.Before(ent.next) {
			delete(e.zcache, u)
		}
	}
	if len(e.zcache) >= maxZones {
		clear(e.zcache)
	}
}
