package reminders

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/smedhq/smed"
)

// Store is what the engine reads from the system of record; smed.Store
// satisfies it. Every method wraps smed.ErrUnavailable when the store cannot
// be reached.
type Store interface {
	// Overdue returns the cards of the team's customers whose due time is before
	// now, each with its facts and at most its latest note; owner != "" keeps
	// only that owner's. A due-index range query.
	Overdue(ctx context.Context, team string, now time.Time, owner string) ([]smed.Card, error)
	// Totals returns how many customers the team has and their summed value,
	// from kept counters (the digest's coverage).
	Totals(ctx context.Context, team string) (customers int, value int64, err error)
	// Owners returns the owners that have at least one customer: the digest
	// lists every account of an owner who left, overdue or not, so that it is
	// handed over before it goes quiet.
	Owners(ctx context.Context, team string) ([]string, error)
	// OwnedBy returns every customer of owner.
	OwnedBy(ctx context.Context, team, owner string) ([]smed.Customer, error)
}

// Loyalty is what the engine reads and records of the loyalty figures
// (smed.Loyalty).
type Loyalty interface {
	Drifting(ctx context.Context, team, owner string, now time.Time, limit int) ([]smed.DriftingCustomer, int, error)
	Concentrated(ctx context.Context, team string, now time.Time, limit int) ([]smed.Concentration, error)
	IgnoredRuns(ctx context.Context, team string, times, limit int) ([]smed.Ignored, error)
	RecordListing(ctx context.Context, team, owner string, ids []string, at time.Time) error
}

// EscalateAfter is how many reminders in a row a customer may be ignored
// before the digest names it (loyalty.EscalateAfter).
const EscalateAfter = 3

// WithLoyalty adds the loyalty sections: drifting customers in reminders and
// the digest, escalations and knowledge concentration in the digest, and a
// record of every reminder's listing (which teaches follow-through).
func WithLoyalty(l Loyalty) Option { return func(e *Engine) { e.loyalty = l } }

// Notifier delivers what the engine decided to send (package bot: Block Kit
// rendering, chat.postMessage).
type Notifier interface {
	// SendReminder DMs r to r.Owner. It returns nil only when Slack accepted the
	// message; on an error the engine releases the period's claim and a later
	// run (the next scheduled fire, a restart, `smed remind`) tries again,
	// unless the error wraps ErrMaybeSent: then Slack may have posted it, and
	// the engine keeps the claim, so that it is never sent twice, and reports it.
	SendReminder(ctx context.Context, team string, r Reminder) error
	// PostDigest posts d to channel, splitting it over several messages when it
	// does not fit in one. Errors as for SendReminder; a digest that failed
	// after its first message went out wraps ErrMaybeSent (posting it again
	// would repeat that part).
	PostDigest(ctx context.Context, team, channel string, d Digest) error
}

// Directory answers who is still in the workspace (Slack users.info).
type Directory interface {
	// Deleted reports whether userID has left the workspace (deactivated).
	// An unknown user ID is deleted. An error means the answer is unknown: the
	// engine then sends that owner no DM in this run (counted as failed) and
	// lists the owner's accounts under the owner in the digest.
	Deleted(ctx context.Context, userID string) (bool, error)
}

// ErrMaybeSent marks a Notifier error after which Slack may have delivered
// the message (a timeout, a 5xx, a digest that failed part way): the engine
// does not send it again, and counts it in Summary.Unsure.
var ErrMaybeSent = errors.New("Slack may have delivered it")

// Guard timings: the lease outlives a slow send by far, keep outlives the period.
const (
	claimLease   = 10 * time.Minute
	remindKeep   = 8 * 24 * time.Hour
	digestKeep   = 40 * 24 * time.Hour
	maxListed    = 10              // reminder items listed; the rest are counted in More
	cleanupAfter = 5 * time.Second // Confirm/Release after the run's ctx ended
)

// Reminder is one owner's DM: their overdue customers, most urgent first.
type Reminder struct {
	Owner string // Slack user ID
	// Date is the local day it is for, YYYY-MM-DD: in the owner's zone with
	// WithLocalTime, else in the engine's.
	Date string
	// Zone is the zone Date is in (the owner's, or the engine's); the zone to
	// show the DM's times in. Nil on a Reminder not built by an Engine.
	Zone        *time.Location
	Items       []Item // at most 10, most urgent first
	More        int    // overdue customers not listed ("and 3 more")
	ValueAtRisk int64  // summed value of all the owner's overdue customers
	// Drifting are the owner's customers not overdue yet but falling out of
	// their own rhythm (WithLoyalty), most valuable first, at most 5.
	Drifting []Item
}

// Digest is the team's neglected-accounts post.
type Digest struct {
	Period string // the schedule's latest fire at or before now, local time ("2026-11-23T09:00")
	Items  []Item // overdue accounts with an owner in the workspace, most urgent first
	// Orphaned lists the accounts whose owner left the workspace or is unset:
	// the overdue ones most urgent first, then (with an OwnerLister) the
	// departed owners' other accounts by value.
	Orphaned []Item
	// Overdue counts the overdue accounts: len(Items) plus the overdue head of
	// Orphaned. The departed owners' accounts that are not overdue, also in
	// Orphaned, do not count, so this is not len(Items) + len(Orphaned).
	Overdue     int
	ValueAtRisk int64 // summed value of all overdue accounts
	Customers   int   // all the team's customers; 0 when the Store is no Totaler
	TotalValue  int64 // their summed worth (smed.Customer.Worth), as ValueAtRisk counts it

	// With WithLoyalty: the team's drifting customers (at most 10 of
	// DriftingCount), the ones whose reminders were ignored EscalateAfter
	// times in a row, and the valuable ones whose knowledge rests on one
	// person.
	Drifting      []Item
	DriftingCount int
	Escalated     []smed.Ignored
	Concentrated  []smed.Concentration
}

// Coverage returns the shares of customers, and of their value, that are not
// overdue; ok is false when the totals are unknown.
func (d Digest) Coverage() (customers, value float64, ok bool) {
	return smed.Coverage(d.Customers, d.Overdue, d.TotalValue, d.ValueAtRisk)
}

// Summary counts what a run did.
type Summary struct {
	Sent     int // delivered by this run
	Skipped  int // already sent this period, or being sent by another process
	Failed   int // not delivered; a later run retries
	Unsure   int // may have been delivered (ErrMaybeSent): not sent again
	Departed int // owners who left the workspace: no DM
	// NotDue counts, with WithLocalTime, the owners with overdue customers
	// whose DM is not due now: their local time has not come today, today is
	// not one of their days, or nothing of theirs was overdue yet at today's
	// local time.
	NotDue int
}

func (s Summary) String() string {
	out := fmt.Sprintf("sent %d, skipped %d (already sent), failed %d, owners gone %d", s.Sent, s.Skipped, s.Failed, s.Departed)
	if s.Unsure > 0 {
		out += fmt.Sprintf(", unsure %d (may have been delivered; not sent again)", s.Unsure)
	}
	if s.NotDue > 0 {
		out += fmt.Sprintf(", not due yet %d", s.NotDue)
	}
	return out
}

// Engine decides what is overdue for whom and sends it at most once per period.
// It never reads the clock: now is a parameter. Safe for concurrent use.
type Engine struct {
	store   Store
	guard   smed.Guard
	notify  Notifier
	dir     Directory
	loc     *time.Location
	digest  cron.Schedule // nil: the digest period is the local day
	loyalty Loyalty       // nil: no loyalty sections
	log     *slog.Logger

	local *localTime // nil: one zone, a DM whenever Remind runs (the schedule's fire)
	zones Zones      // nil: every owner in loc
	zmu   sync.Mutex
	// zcache holds each owner's zone and when to ask again (zones.go).
	zcache map[string]zoneEntry
}

// localTime is reminders.local_time and reminders.days.
type localTime struct {
	at   TimeOfDay
	days Weekdays
}

// Option configures an Engine.
type Option func(*Engine)

// WithDigestSchedule sets the schedule (from ParseSpec) whose fires name the
// digest periods; without it a period is a local day. The Scheduler posts on it.
func WithDigestSchedule(s cron.Schedule) Option { return func(e *Engine) { e.digest = s } }

// WithLocalTime sends each owner's DM at at (reminders.local_time) in the
// owner's own zone (see WithZones) on days (reminders.days; 0 is DefaultDays),
// once per owner-local day: Remind then serves exactly the owners for whom
// LocalDue holds at now, so it can run as often as it likes, and the
// Scheduler treats reminders.schedule as how often to check. The DM lists
// what was overdue at the owner's send time today (LocalDue's sendAt), so a
// customer that falls due at 15:00 waits for the next day's DM rather than
// bringing one at 15:05.
func WithLocalTime(at TimeOfDay, days Weekdays) Option {
	if days == 0 {
		days = DefaultDays
	}
	return func(e *Engine) { e.local = &localTime{at: at, days: days} }
}

// WithZones says where to learn each owner's zone for WithLocalTime; without
// it every owner is in the engine's zone. Zones are cached per owner for a
// day; a failed lookup keeps the last known zone, or falls back to the
// engine's, logged, and is asked again later.
func WithZones(z Zones) Option { return func(e *Engine) { e.zones = z } }

// NewEngine returns an engine over its dependencies. loc (reminders.timezone)
// decides where a day begins; nil is UTC.
func NewEngine(store Store, guard smed.Guard, n Notifier, dir Directory, loc *time.Location, log *slog.Logger, opts ...Option) *Engine {
	if loc == nil {
		loc = time.UTC
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	e := &Engine{store: store, guard: guard, notify: n, dir: dir, loc: loc, log: log, zcache: map[string]zoneEntry{}}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Remind sends each owner with overdue customers one DM for now's local day,
// guarded by "remind:<day>:<owner>" so a second run, another replica or a cron
// double fire sends nothing more. Owners who left the workspace and customers
// with no owner get no DM (they are in the digest).
//
// With WithLocalTime, the day is the owner's and only owners whose DM is due
// at now (LocalDue) are served; the others are counted in Summary.NotDue.
//
// It returns the reminders sent. A failed owner does not stop the others; the
// error, non-nil when any failed or the store could not be read, names the
// failed owners, and Summary has the counts.
func (e *Engine) Remind(ctx context.Context, team string, now time.Time) ([]Reminder, Summary, error) {
	return e.remind(ctx, team, now, false)
}

// Reminders builds every reminder Remind would send at now, sending nothing and
// reading no guard (smed remind --dry-run): what would go out whether or not
// today's DMs were already sent. With WithLocalTime that is the owners whose
// local time has come today (Summary.NotDue counts the rest), as for Remind.
func (e *Engine) Reminders(ctx context.Context, team string, now time.Time) ([]Reminder, Summary, error) {
	return e.remind(ctx, team, now, true)
}

func (e *Engine) remind(ctx context.Context, team string, now time.Time, dryRun bool) ([]Reminder, Summary, error) {
	var sum Summary
	cards, err := e.store.Overdue(ctx, team, now, "")
	if err != nil {
		return nil, sum, fmt.Errorf("reminders: read overdue customers: %w", err)
	}
	Rank(cards, now)
	byOwner := map[string][]smed.Card{}
	for _, c := range cards {
		if c.Owner != "" {
			byOwner[c.Owner] = append(byOwner[c.Owner], c)
		}
	}
	owners := make([]string, 0, len(byOwner))
	for o := range byOwner {
		owners = append(owners, o)
	}
	slices.Sort(owners)

	var out []Reminder
	var errs []error
	for _, owner := range owners {
		if err := ctx.Err(); err != nil {
			errs = append(errs, err)
			break
		}
		loc, day, own := e.loc, dayKey(now, e.loc), byOwner[owner]
		if e.local != nil {
			loc = e.zoneOf(ctx, team, owner, now)
			var sendAt time.Time
			var due bool
			day, sendAt, due = LocalDue(now, loc, e.local.at, e.local.days)
			if due {
				own = overdueAt(own, sendAt)
			}
			if !due || len(own) == 0 {
				sum.NotDue++
				continue
			}
		}
		r := newReminder(owner, day, own, now)
		r.Zone = loc
		r.Drifting = e.drifting(ctx, team, owner, now, 5)
		if dryRun {
			gone, err := e.dir.Deleted(ctx, owner)
			switch {
			case err != nil:
				sum.Failed++
				errs = append(errs, fmt.Errorf("owner %s: look up user: %w", owner, err))
			case gone:
				sum.Departed++
			default:
				out = append(out, r)
			}
			continue
		}
		// Claim before asking Slack whether the owner is still here: once the
		// day's DM went out, later runs (with local time, a check every few
		// minutes) end at the guard without a users.info call.
		key := "remind:" + day + ":" + owner
		sent, err := e.once(ctx, team, key, remindKeep, func() error {
			gone, err := e.dir.Deleted(ctx, owner)
			switch {
			case err != nil:
				return fmt.Errorf("look up user: %w", err)
			case gone:
				return errDeparted
			}
			return e.notify.SendReminder(ctx, team, r)
		})
		switch {
		case errors.Is(err, errDeparted):
			sum.Departed++
			e.log.Info("reminder not sent: owner left the workspace", "team_id", team, "user_id", owner, "overdue", len(own))
		case errors.Is(err, ErrMaybeSent):
			sum.Unsure++
			errs = append(errs, fmt.Errorf("owner %s: %w", owner, err))
			e.log.Error("reminder may not have been delivered; not sent again, so that it is never sent twice", "team_id", team, "user_id", owner, "err", err)
		case err != nil:
			sum.Failed++
			errs = append(errs, fmt.Errorf("owner %s: %w", owner, err))
			e.log.Warn("reminder failed", "team_id", team, "user_id", owner, "err", err)
		case !sent:
			sum.Skipped++
		default:
			sum.Sent++
			out = append(out, r)
			e.log.Info("reminder sent", "team_id", team, "user_id", owner, "date", day, "overdue", len(own))
			e.recordListing(ctx, team, r, now)
		}
	}
	if len(errs) > 0 {
		return out, sum, fmt.Errorf("reminders: %s: %w", sum, errors.Join(errs...))
	}
	return out, sum, nil
}

// ReminderFor builds owner's reminder as it stands at now, sending nothing and
// touching no guard: what a reminder DM should show after the owner acted on
// it (logged a note, snoozed). Items is empty when nothing is overdue any more.
func (e *Engine) ReminderFor(ctx context.Context, team, owner string, now time.Time) (Reminder, error) {
	cards, err := e.store.Overdue(ctx, team, now, owner)
	if err != nil {
		return Reminder{}, fmt.Errorf("reminders: read overdue customers of %s: %w", owner, err)
	}
	Rank(cards, now)
	loc := e.loc
	if e.local != nil {
		loc = e.zoneOf(ctx, team, owner, now)
	}
	r := newReminder(owner, dayKey(now, loc), cards, now)
	r.Zone = loc
	return r, nil
}

// drifting is owner's ("" the team's) drifting customers as items, and how
// many there are; nothing without WithLoyalty or when the store fails (the
// reminder goes out without that section).
func (e *Engine) drifting(ctx context.Context, team, owner string, now time.Time, limit int) []Item {
	items, _ := e.driftingCount(ctx, team, owner, now, limit)
	return items
}

func (e *Engine) driftingCount(ctx context.Context, team, owner string, now time.Time, limit int) ([]Item, int) {
	if e.loyalty == nil {
		return nil, 0
	}
	cs, n, err := e.loyalty.Drifting(ctx, team, owner, now, limit)
	if err != nil {
		e.log.Warn("drifting customers unavailable", "team_id", team, "user_id", owner, "err", err)
		return nil, 0
	}
	items := make([]Item, len(cs))
	for i, c := range cs {
		items[i] = newItem(smed.Card{Customer: c.Customer}, now)
		items[i].Gaps = c.Gaps
	}
	return items, n
}

// recordListing records what a sent reminder listed; a failure is logged:
// the DM went out, only the follow-through figures miss it.
func (e *Engine) recordListing(ctx context.Context, team string, r Reminder, now time.Time) {
	if e.loyalty == nil {
		return
	}
	ids := make([]string, 0, len(r.Items))
	for _, it := range r.Items {
		ids = append(ids, it.Card.ID)
	}
	if err := e.loyalty.RecordListing(context.WithoutCancel(ctx), team, r.Owner, ids, now); err != nil {
		e.log.Warn("reminder listing not recorded", "team_id", team, "user_id", r.Owner, "err", err)
	}
}

// errDeparted ends a claimed send whose owner left the workspace: the claim
// is released and the owner counted in Summary.Departed, not Failed.
var errDeparted = errors.New("owner left the workspace")

// overdueAt keeps the cards (ranked, overdue at a later now) that were
// already overdue at t, in order.
func overdueAt(cards []smed.Card, t time.Time) []smed.Card {
	var out []smed.Card
	for _, c := range cards {
		if c.OverdueAt(t) {
			out = append(out, c)
		}
	}
	return out
}

func newReminder(owner, day string, cards []smed.Card, now time.Time) Reminder {
	r := Reminder{Owner: owner, Date: day}
	for i, c := range cards {
		r.ValueAtRisk = smed.AddValue(r.ValueAtRisk, c.AtRisk(now))
		if i < maxListed {
			r.Items = append(r.Items, newItem(c, now))
		} else {
			r.More++
		}
	}
	return r
}

// BuildDigest builds the team's digest at now, posting nothing and reading no
// guard: /customer neglected, and smed digest --dry-run. Accounts whose owner
// left the workspace, or have none, are listed as orphaned. The error is
// non-nil only when the overdue customers could not be read; totals and
// departed owners that cannot be read only leave out coverage or those lines.
func (e *Engine) BuildDigest(ctx context.Context, team string, now time.Time) (Digest, error) {
	cards, err := e.store.Overdue(ctx, team, now, "")
	if err != nil {
		return Digest{}, fmt.Errorf("reminders: read overdue customers: %w", err)
	}
	Rank(cards, now)
	d := Digest{Period: e.period(now), Overdue: len(cards)}
	gone := map[string]bool{}
	for _, c := range cards {
		d.ValueAtRisk = smed.AddValue(d.ValueAtRisk, c.Worth())
		left, known := gone[c.Owner]
		if !known && c.Owner != "" {
			left, err = e.dir.Deleted(ctx, c.Owner)
			if err != nil {
				// Listing the account under its owner is the lesser harm.
				e.log.Warn("digest: owner lookup failed", "team_id", team, "user_id", c.Owner, "err", err)
			}
			gone[c.Owner] = left
		}
		if c.Owner == "" || left {
			d.Orphaned = append(d.Orphaned, newItem(c, now))
		} else {
			d.Items = append(d.Items, newItem(c, now))
		}
	}
	d.Orphaned = append(d.Orphaned, e.departedNotOverdue(ctx, team, gone, now)...)
	if e.loyalty != nil {
		d.Drifting, d.DriftingCount = e.driftingCount(ctx, team, "", now, 10)
		var err error
		if d.Escalated, err = e.loyalty.IgnoredRuns(ctx, team, EscalateAfter, 10); err != nil {
			e.log.Warn("digest: ignored reminders unavailable", "team_id", team, "err", err)
		}
		if d.Concentrated, err = e.loyalty.Concentrated(ctx, team, now, 10); err != nil {
			e.log.Warn("digest: knowledge concentration unavailable", "team_id", team, "err", err)
		}
	}
	n, v, err := e.store.Totals(ctx, team)
	if err != nil {
		e.log.Warn("digest: totals unavailable, no coverage", "team_id", team, "err", err)
	} else {
		d.Customers, d.TotalValue = n, v
	}
	return d, nil
}

// Digest posts the team's digest (BuildDigest) to channel once per digest
// period (the latest fire of the digest schedule at or before now), guarded by
// "digest:<channel>:<period>". The error is non-nil when the store could not
// be read or the post failed (the claim is then released, so the next run
// posts it).
func (e *Engine) Digest(ctx context.Context, team, channel string, now time.Time) (Digest, Summary, error) {
	var sum Summary
	if channel == "" {
		return Digest{}, sum, errors.New("reminders: digest: no channel (set digest.channel)")
	}
	d, err := e.BuildDigest(ctx, team, now)
	if err != nil {
		return Digest{}, sum, err
	}
	key := "digest:" + channel + ":" + d.Period
	sent, err := e.once(ctx, team, key, digestKeep, func() error { return e.notify.PostDigest(ctx, team, channel, d) })
	switch {
	case errors.Is(err, ErrMaybeSent):
		sum.Unsure++
		e.log.Error("digest may not have been delivered in full; not posted again, so that nothing is posted twice", "team_id", team, "channel_id", channel, "period", d.Period, "err", err)
		return d, sum, fmt.Errorf("reminders: digest %s to %s: %w", d.Period, channel, err)
	case err != nil:
		sum.Failed++
		return d, sum, fmt.Errorf("reminders: digest %s to %s: %w", d.Period, channel, err)
	case !sent:
		sum.Skipped++
	default:
		sum.Sent++
		e.log.Info("digest posted", "team_id", team, "channel_id", channel, "period", d.Period, "overdue", d.Overdue)
	}
	return d, sum, nil
}

// departedNotOverdue lists the accounts of owners who left the workspace that
// are not overdue (the overdue ones are already orphaned), by value. gone caches
// the directory's answers of this run. Failures only shorten the list: the
// digest still goes out.
func (e *Engine) departedNotOverdue(ctx context.Context, team string, gone map[string]bool, now time.Time) []Item {
	owners, err := e.store.Owners(ctx, team)
	if err != nil {
		e.log.Warn("digest: owners unavailable, departed owners' accounts not listed", "team_id", team, "err", err)
		return nil
	}
	var out []Item
	for _, o := range owners {
		left, known := gone[o]
		if !known {
			if left, err = e.dir.Deleted(ctx, o); err != nil {
				e.log.Warn("digest: owner lookup failed", "team_id", team, "user_id", o, "err", err)
			}
			gone[o] = left
		}
		if !left {
			continue
		}
		cs, err := e.store.OwnedBy(ctx, team, o)
		if err != nil {
			e.log.Warn("digest: a departed owner's accounts unavailable", "team_id", team, "user_id", o, "err", err)
			continue
		}
		for _, c := range cs {
			if !c.OverdueAt(now) {
				out = append(out, newItem(smed.Card{Customer: c}, now))
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Item) int {
		return cmp.Or(cmp.Compare(b.Card.Worth(), a.Card.Worth()), strings.Compare(a.Card.Name, b.Card.Name))
	})
	return out
}

// period names the digest period that now falls in.
func (e *Engine) period(now time.Time) string {
	if e.digest != nil {
		if p := prevFire(e.digest, now); !p.IsZero() {
			return formatPeriod(p, e.loc)
		}
	}
	return dayKey(now, e.loc)
}

// once runs send at most once per key across processes: Claim → send →
// Confirm, or Release when send fails so that a later run retries. sent is
// false with a nil error when the key was already taken.
//
// A crash between send and Confirm lets the lease expire and the send repeat:
// at least once in that window, exactly once otherwise.
func (e *Engine) once(ctx context.Context, team, key string, keep time.Duration, send func() error) (sent bool, err error) {
	if err := smed.CheckGuardKey(key); err != nil {
		return false, err
	}
	ok, err := e.guard.Claim(ctx, team, key, claimLease)
	if err != nil {
		return false, fmt.Errorf("claim: %w", err)
	}
	if !ok {
		return false, nil
	}
	// Settle the claim even when ctx ended during the send (shutdown): a
	// dangling lease would delay the retry or, after Confirm is lost, repeat it.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupAfter)
	defer cancel()
	if err := send(); err != nil {
		if errors.Is(err, ErrMaybeSent) {
			// Perhaps delivered: keep the claim for the period, so that
			// neither this process nor another sends it again.
			if cerr := e.guard.Confirm(cctx, team, key, keep); cerr != nil {
				err = errors.Join(err, fmt.Errorf("keep the claim on %s (it may repeat after the lease): %w", key, cerr))
			}
			return false, err
		}
		if rerr := e.guard.Release(cctx, team, key); rerr != nil {
			err = errors.Join(err, fmt.Errorf("release %s (retried after the lease ends): %w", key, rerr))
		}
		return false, err
	}
	if err := e.guard.Confirm(cctx, team, key, keep); err != nil {
		// Delivered; only the record of it is missing. Not a failed send.
		e.log.Error("sent but not confirmed: may repeat after the lease", "team_id", team, "key", key, "err", err)
	}
	return true, nil
}
