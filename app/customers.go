package app

import (
	"context"
	"errors"
	"time"

	"github.com/smedhq/smed"
)

// Card returns the customer's card: facts and latest notes.
func (s *Service) Card(ctx context.Context, a Actor, t Target) (smed.Card, error) {
	ref, _, err := s.resolve(ctx, a, t)
	if err != nil {
		return smed.Card{}, err
	}
	card, err := s.store.Card(ctx, a.Team, ref.ID, CardNotes)
	return card, s.gone(ref.ID, err)
}

// HistoryPage is one page of a customer's timeline, newest first.
type HistoryPage struct {
	Customer smed.Customer
	Entries  []smed.Entry
	Page     int // 1-based
	Pages    int // at least 1
	Total    int // entries in all
}

// History returns page (1-based; 0 means 1) of the customer's timeline.
func (s *Service) History(ctx context.Context, a Actor, t Target, page int) (HistoryPage, error) {
	ref, _, err := s.resolve(ctx, a, t)
	if err != nil {
		return HistoryPage{}, err
	}
	page = max(page, 1)
	c, es, total, err := s.store.History(ctx, a.Team, ref.ID, (page-1)*HistoryLen, HistoryLen)
	if err != nil {
		return HistoryPage{}, s.gone(ref.ID, err)
	}
	return HistoryPage{Customer: c, Entries: es, Page: page, Total: total,
		Pages: max(1, (total+HistoryLen-1)/HistoryLen)}, nil
}

// Changed is the outcome of a change to one customer. Reading is the index of
// the target's name reading that matched (which split of the words was the
// name), so a surface can tell what the argument was.
type Changed struct {
	smed.Updated
	Reading int
}

// SetOwner hands the customer to owner. Allowed for the current owner, an
// admin, or anyone when the owner has left the workspace or there is none
// (Decide); the check and the change are one atomic step, so a handover in
// between is never overwritten (ErrConflict).
func (s *Service) SetOwner(ctx context.Context, a Actor, t Target, owner string) (Changed, error) {
	if err := smed.CheckUserID(owner); err != nil {
		return Changed{}, err
	}
	return s.change(ctx, a, t, ActOwner, smed.Change{Owner: &owner})
}

// SetValue sets what the customer is worth (lifetime value or potential).
func (s *Service) SetValue(ctx context.Context, a Actor, t Target, v int64) (Changed, error) {
	if err := smed.CheckValue(v); err != nil {
		return Changed{}, err
	}
	return s.change(ctx, a, t, ActValue, smed.Change{Value: &v})
}

// SetCadence sets by hand how often the customer should hear from us.
func (s *Service) SetCadence(ctx context.Context, a Actor, t Target, days int) (Changed, error) {
	if err := smed.CheckCadence(days); err != nil {
		return Changed{}, err
	}
	return s.change(ctx, a, t, ActCadence, smed.Change{CadenceDays: &days})
}

// Snoozed says what a snooze did. Moved is false when the customer is due
// later than the snooze ends anyway, so the snooze decides nothing: reminders
// come when the cadence says (After.DueAt).
type Snoozed struct {
	Changed
	Until time.Time // the snooze asked for; zero when it was ended
	Moved bool
}

// Snooze pauses reminders for the customer until until (a zero until ends a
// snooze).
func (s *Service) Snooze(ctx context.Context, a Actor, t Target, until time.Time) (Snoozed, error) {
	ch, err := s.change(ctx, a, t, ActSnooze, smed.Change{SnoozedUntil: &until})
	if err != nil {
		return Snoozed{}, err
	}
	return Snoozed{Changed: ch, Until: until, Moved: until.After(ch.After.ContactDue())}, nil
}

// SnoozeWeek is the reminder's "Snooze 7 days" button: the same snooze as
// typing "7d" (smed.ParseSnooze: until the seventh day begins), so a double
// click sets the same time and the second click changes nothing.
func (s *Service) SnoozeWeek(ctx context.Context, a Actor, id string) (Snoozed, error) {
	now := s.Now()
	until, err := smed.ParseSnooze("7d", now, now.Location())
	if err != nil {
		return Snoozed{}, err
	}
	return s.Snooze(ctx, a, ByID(id), until)
}

// change resolves the target, checks the policy against its current owner,
// and applies ch only while that is still the owner.
func (s *Service) change(ctx context.Context, a Actor, t Target, action Action, ch smed.Change) (Changed, error) {
	ref, reading, err := s.resolve(ctx, a, t)
	if err != nil {
		return Changed{}, err
	}
	cur, err := s.store.Customer(ctx, a.Team, ref.ID)
	if err != nil {
		return Changed{}, s.gone(ref.ID, err)
	}
	if err := s.allowed(ctx, a, action, cur); err != nil {
		return Changed{}, err
	}
	ch.IfOwner = &cur.Owner
	ch.By, ch.At = a.User, s.Now()
	up, err := s.store.Update(ctx, a.Team, ref.ID, ch)
	if err != nil {
		return Changed{}, s.gone(ref.ID, err)
	}
	return Changed{Updated: up, Reading: reading}, nil
}

// Rename gives a customer a new display name; its history stays and the old
// name is free at once. A name another customer has is a *NameTakenError.
func (s *Service) Rename(ctx context.Context, a Actor, t Target, name string) (smed.Renamed, error) {
	ref, _, err := s.resolve(ctx, a, t)
	if err != nil {
		return smed.Renamed{}, err
	}
	cur, err := s.store.Customer(ctx, a.Team, ref.ID)
	if err != nil {
		return smed.Renamed{}, s.gone(ref.ID, err)
	}
	if err := s.allowed(ctx, a, ActRename, cur); err != nil {
		return smed.Renamed{}, err
	}
	r, err := s.store.Rename(ctx, a.Team, ref.ID, name, a.User, s.Now())
	if errors.Is(err, smed.ErrConflict) {
		if other, ok := s.Known(ctx, a, name); ok && other.ID != ref.ID {
			return smed.Renamed{}, &NameTakenError{Name: name, Customer: ref, Other: other}
		}
	}
	return r, s.gone(ref.ID, err)
}

// Merge folds the customer from into the customer into. The actor must be
// allowed to change the owner of both (Decide).
func (s *Service) Merge(ctx context.Context, a Actor, from, into Target) (smed.Merged, error) {
	f, _, err := s.resolve(ctx, a, from)
	if err != nil {
		return smed.Merged{}, err
	}
	i, _, err := s.resolve(ctx, a, into)
	if err != nil {
		return smed.Merged{}, err
	}
	if f.ID == i.ID {
		return smed.Merged{}, &SameCustomerError{Customer: f}
	}
	for _, id := range []string{f.ID, i.ID} {
		c, err := s.store.Customer(ctx, a.Team, id)
		if err != nil {
			return smed.Merged{}, s.gone(id, err)
		}
		if err := s.allowed(ctx, a, ActMerge, c); err != nil {
			return smed.Merged{}, err
		}
	}
	m, err := s.store.Merge(ctx, a.Team, f.ID, i.ID, a.User, s.Now())
	return m, s.gone(f.ID, err)
}

// DeletePreview is what a delete would remove, for the confirmation.
func (s *Service) DeletePreview(ctx context.Context, a Actor, t Target) (smed.Card, error) {
	ref, _, err := s.resolve(ctx, a, t)
	if err != nil {
		return smed.Card{}, err
	}
	card, err := s.store.Card(ctx, a.Team, ref.ID, 0)
	if err != nil {
		return smed.Card{}, s.gone(ref.ID, err)
	}
	return card, s.allowed(ctx, a, ActDelete, card.Customer)
}

// Delete removes the customer and everything about it (admins only). It is
// called from the confirmation button, by ID.
func (s *Service) Delete(ctx context.Context, a Actor, id string) (smed.Deleted, error) {
	c, err := s.store.Customer(ctx, a.Team, id)
	if err != nil {
		return smed.Deleted{}, s.gone(id, err)
	}
	if err := s.allowed(ctx, a, ActDelete, c); err != nil {
		return smed.Deleted{}, err
	}
	d, err := s.store.Delete(ctx, a.Team, id)
	return d, s.gone(id, err)
}

// gone turns "no customer with that ID" into a *GoneError: the customer was
// there a moment ago (resolved, or on a button), so it was deleted or merged.
func (s *Service) gone(id string, err error) error {
	if errors.Is(err, smed.ErrNotFound) {
		return &GoneError{ID: id}
	}
	return err
}
