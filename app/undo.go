package app

import (
	"context"
	"errors"
	"time"

	"github.com/smedhq/smed"
)

// UndoWindow is how long one's own latest note or fact can be taken back.
const UndoWindow = 10 * time.Minute

// Undone says what Undo took back.
type Undone struct {
	Customer smed.Customer // after
	Written  smed.Written
}

// Undo takes back the actor's own latest note or fact, when it is at most
// UndoWindow old; a note's removal puts the clock back unless someone made
// contact since. *NothingToUndoError when there is nothing that recent.
func (s *Service) Undo(ctx context.Context, a Actor) (Undone, error) {
	if s.undo == nil {
		return Undone{}, ErrUnsupported
	}
	w, err := s.undo.LastWritten(ctx, a.Team, a.User, s.Now().Add(-UndoWindow))
	if errors.Is(err, smed.ErrNotFound) {
		return Undone{}, &NothingToUndoError{Window: UndoWindow}
	}
	if err != nil {
		return Undone{}, err
	}
	c, err := s.undo.Unwrite(ctx, a.Team, w)
	if errors.Is(err, smed.ErrNotFound) {
		return Undone{}, &NothingToUndoError{Window: UndoWindow}
	}
	if err != nil {
		return Undone{}, err
	}
	return Undone{Customer: c, Written: w}, nil
}

// ReminderToClose finds the reminder DM of today that lists the customer, so
// it can be rewritten now that the customer heard from us: the owner and the
// message, and false when there is none (or the store cannot say). A hint
// from the write that made the contact (smed.NoteReceipt.Reminder) spares
// the lookup when it says the DM of today does not list the customer.
//
// today is the server's date; a DM is dated in its owner's time zone, which
// may be a day ahead or behind (an owner in San Francisco at 17:00 is on the
// next UTC day). So a DM dated within a day of today counts: the owner's
// latest DM, which the store keeps, is then the one of their today.
func (s *Service) ReminderToClose(ctx context.Context, team string, c smed.Customer, today string, hint smed.ReminderHint) (smed.ReminderMessage, bool) {
	if s.rmsgs == nil || c.Owner == "" || hint.Checked && !sameDay(hint.Date, today) {
		return smed.ReminderMessage{}, false
	}
	m, err := s.rmsgs.ReminderMessage(ctx, team, c.Owner)
	if err != nil || !sameDay(m.Date, today) {
		return smed.ReminderMessage{}, false
	}
	for _, id := range m.Customers {
		if id == c.ID {
			return m, true
		}
	}
	return smed.ReminderMessage{}, false
}

// sameDay reports whether date, in some time zone, can be the same day as
// today in another: at most a day apart (UTC−12 to UTC+14).
func sameDay(date, today string) bool {
	d, err1 := time.Parse(time.DateOnly, date)
	t, err2 := time.Parse(time.DateOnly, today)
	if err1 != nil || err2 != nil {
		return false
	}
	diff := d.Sub(t)
	return diff >= -24*time.Hour && diff <= 24*time.Hour
}
