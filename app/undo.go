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
func (s *Service) ReminderToClose(ctx context.Context, team string, c smed.Customer, today string, hint smed.ReminderHint) (smed.ReminderMessage, bool) {
	if s.rmsgs == nil || c.Owner == "" || hint.Checked && hint.Date != today {
		return smed.ReminderMessage{}, false
	}
	m, err := s.rmsgs.ReminderMessage(ctx, team, c.Owner)
	if err != nil || m.Date != today {
		return smed.ReminderMessage{}, false
	}
	for _, id := range m.Customers {
		if id == c.ID {
			return m, true
		}
	}
	return smed.ReminderMessage{}, false
}
