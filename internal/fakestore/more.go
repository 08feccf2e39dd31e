package fakestore

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"time"

	"github.com/smedhq/smed"
)

// Link implements smed.Links.
func (s *Store) Link(ctx context.Context, teamID, channel, id, by string, at time.Time) (smed.NameRef, error) {
	t, err := s.enter("Link", teamID)
	if err != nil {
		return smed.NameRef{}, err
	}
	defer s.mu.Unlock()
	c := t.customers[id]
	if c == nil {
		return smed.NameRef{}, notFound("link")
	}
	if other, ok := t.links[channel]; ok && other != id {
		o := t.customers[other]
		return smed.NameRef{ID: o.c.ID, Name: o.c.Name}, fmt.Errorf("fakestore: link: %w", smed.ErrConflict)
	}
	t.links[channel] = id
	return smed.NameRef{}, nil
}

// Unlink implements smed.Links.
func (s *Store) Unlink(ctx context.Context, teamID, channel string) (smed.NameRef, error) {
	t, err := s.enter("Unlink", teamID)
	if err != nil {
		return smed.NameRef{}, err
	}
	defer s.mu.Unlock()
	id, ok := t.links[channel]
	if !ok {
		return smed.NameRef{}, notFound("unlink")
	}
	delete(t.links, channel)
	c := t.customers[id]
	return smed.NameRef{ID: c.c.ID, Name: c.c.Name}, nil
}

// LinkedTo implements smed.Links.
func (s *Store) LinkedTo(ctx context.Context, teamID, channel string) (smed.NameRef, error) {
	t, err := s.enter("LinkedTo", teamID)
	if err != nil {
		return smed.NameRef{}, err
	}
	defer s.mu.Unlock()
	id, ok := t.links[channel]
	if !ok {
		return smed.NameRef{}, notFound("linked to")
	}
	c := t.customers[id]
	return smed.NameRef{ID: c.c.ID, Name: c.c.Name}, nil
}

// Links implements smed.Links.
func (s *Store) Links(ctx context.Context, teamID, id string) ([]string, error) {
	t, err := s.enter("Links", teamID)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []string
	for ch, cid := range t.links {
		if cid == id {
			out = append(out, ch)
		}
	}
	slices.Sort(out)
	return out, nil
}

// AddTouch implements smed.Links.
func (s *Store) AddTouch(ctx context.Context, teamID string, tc smed.Touch) (smed.Customer, error) {
	t, err := s.enter("AddTouch", teamID)
	if err != nil {
		return smed.Customer{}, err
	}
	defer s.mu.Unlock()
	id, ok := t.links[tc.Channel]
	if !ok {
		return smed.Customer{}, notFound("touch")
	}
	c := t.customers[id]
	// The same message delivered twice (same channel and ts) counts once,
	// as in storage.
	if slices.ContainsFunc(c.touches, func(o smed.Touch) bool { return o.Channel == tc.Channel && o.TS == tc.TS }) {
		return c.c, nil
	}
	c.touches = append(c.touches, tc)
	contact(c, tc.At, tc.Author)
	if tc.Side == smed.SideCustomer {
		c.c.LastCustomerAt = later(c.c.LastCustomerAt, tc.At)
	} else {
		c.c.LastTeamAt = later(c.c.LastTeamAt, tc.At)
	}
	return c.c, nil
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// contact moves a customer's clock forward, never back.
func contact(c *customer, at time.Time, by string) {
	if !at.Before(c.c.LastContactAt) {
		c.c.LastContactAt, c.c.LastContactBy = at, by
	}
}

// AddDeal implements smed.Deals.
func (s *Store) AddDeal(ctx context.Context, teamID string, req smed.DealRequest) (smed.DealReceipt, error) {
	t, err := s.enter("AddDeal", teamID)
	if err != nil {
		return smed.DealReceipt{}, err
	}
	defer s.mu.Unlock()
	if err := smed.CheckValue(req.Amount); err != nil {
		return smed.DealReceipt{}, err
	}
	var c *customer
	text, matched := req.Text, 0
	if req.CustomerID != "" {
		c = t.customers[req.CustomerID]
	} else {
		for i, cd := range req.Candidates {
			if c = t.byName(cd.Name); c != nil {
				text, matched = cd.Rest, i
				break
			}
		}
	}
	if c == nil {
		return smed.DealReceipt{}, notFound("deal")
	}
	if req.Key != "" && c.dealKeys[req.Key] {
		return smed.DealReceipt{Customer: c.c, Matched: matched, Duplicate: true}, nil
	}
	s.seq++
	d := smed.Deal{ID: strconv.Itoa(s.seq), At: req.At, Author: req.Author, Amount: req.Amount, Text: text}
	c.deals = append(c.deals, d)
	if req.Key != "" {
		if c.dealKeys == nil {
			c.dealKeys = map[string]bool{}
		}
		c.dealKeys[req.Key] = true
	}
	c.c.DealsSum = smed.AddValue(c.c.DealsSum, req.Amount)
	c.c.DealsCount++
	c.c.LastDealAt = later(c.c.LastDealAt, req.At)
	contact(c, req.At, req.Author)
	return smed.DealReceipt{Customer: c.c, Deal: d, Matched: matched}, nil
}

// Deals implements smed.Deals.
func (s *Store) Deals(ctx context.Context, teamID, id string, since time.Time) ([]smed.Deal, error) {
	t, err := s.enter("Deals", teamID)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	c := t.customers[id]
	if c == nil {
		return nil, notFound("deals")
	}
	var out []smed.Deal
	for i := len(c.deals) - 1; i >= 0; i-- {
		if !c.deals[i].At.Before(since) {
			out = append(out, c.deals[i])
		}
	}
	slices.SortStableFunc(out, func(a, b smed.Deal) int { return b.At.Compare(a.At) })
	return out, nil
}

// LastWritten implements smed.Undo.
func (s *Store) LastWritten(ctx context.Context, teamID, author string, since time.Time) (smed.Written, error) {
	t, err := s.enter("LastWritten", teamID)
	if err != nil {
		return smed.Written{}, err
	}
	defer s.mu.Unlock()
	var best smed.Written
	for _, c := range t.customers {
		for i, n := range c.notes {
			if n.Author == author && !n.At.Before(since) && !n.At.Before(best.At) {
				best = smed.Written{CustomerID: c.c.ID, Kind: smed.EntryNote, EntryID: c.noteIDs[i], Text: n.Text, At: n.At}
			}
		}
		for _, f := range c.facts {
			if f.Author == author && !f.At.Before(since) && !f.At.Before(best.At) {
				best = smed.Written{CustomerID: c.c.ID, Kind: smed.EntryFact, EntryID: f.ID, Text: f.Text, At: f.At}
			}
		}
	}
	if best.CustomerID == "" {
		return smed.Written{}, notFound("last written")
	}
	return best, nil
}

// Unwrite implements smed.Undo.
func (s *Store) Unwrite(ctx context.Context, teamID string, w smed.Written) (smed.Customer, error) {
	t, err := s.enter("Unwrite", teamID)
	if err != nil {
		return smed.Customer{}, err
	}
	defer s.mu.Unlock()
	c := t.customers[w.CustomerID]
	if c == nil {
		return smed.Customer{}, notFound("unwrite")
	}
	switch w.Kind {
	case smed.EntryFact:
		i := slices.IndexFunc(c.facts, func(f smed.Fact) bool { return f.ID == w.EntryID })
		if i < 0 {
			return smed.Customer{}, notFound("unwrite fact")
		}
		c.facts = slices.Delete(c.facts, i, i+1)
	default:
		i := slices.Index(c.noteIDs, w.EntryID)
		if i < 0 {
			return smed.Customer{}, notFound("unwrite note")
		}
		n := c.notes[i]
		c.notes = slices.Delete(c.notes, i, i+1)
		c.noteIDs = slices.Delete(c.noteIDs, i, i+1)
		c.c.NoteCount--
		if c.c.LastContactAt.Equal(n.At) && c.c.LastContactBy == n.Author {
			// The clock goes back to the latest contact that remains.
			c.c.LastContactAt, c.c.LastContactBy = time.Time{}, ""
			for _, m := range c.notes {
				contact(c, m.At, m.Author)
			}
			for _, d := range c.deals {
				contact(c, d.At, d.Author)
			}
			for _, tc := range c.touches {
				contact(c, tc.At, tc.Author)
			}
		}
	}
	return c.c, nil
}

// SaveReminderMessage implements smed.ReminderMessages.
func (s *Store) SaveReminderMessage(ctx context.Context, teamID, owner string, m smed.ReminderMessage) error {
	t, err := s.enter("SaveReminderMessage", teamID)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	t.reminders[owner] = m
	return nil
}

// ReminderMessage implements smed.ReminderMessages.
func (s *Store) ReminderMessage(ctx context.Context, teamID, owner string) (smed.ReminderMessage, error) {
	t, err := s.enter("ReminderMessage", teamID)
	if err != nil {
		return smed.ReminderMessage{}, err
	}
	defer s.mu.Unlock()
	m, ok := t.reminders[owner]
	if !ok {
		return smed.ReminderMessage{}, notFound("reminder message")
	}
	return m, nil
}

// Backup implements smed.Backups.
func (s *Store) Backup(ctx context.Context, teamID string) iter.Seq2[smed.Record, error] {
	return func(yield func(smed.Record, error) bool) {
		t, err := s.enter("Backup", teamID)
		if err != nil {
			yield(smed.Record{}, err)
			return
		}
		var recs []smed.Record
		ids := make([]string, 0, len(t.customers))
		for id := range t.customers {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			c := t.customers[id]
			add := func(r smed.Record) { r.CustomerID = id; recs = append(recs, r) }
			add(smed.Record{Kind: smed.RecordCustomer, Customer: c.c})
			for _, f := range c.facts {
				add(smed.Record{Kind: smed.RecordFact, Fact: f})
			}
			for _, n := range c.notes {
				add(smed.Record{Kind: smed.RecordNote, Note: n})
			}
			for _, r := range c.revs {
				add(smed.Record{Kind: smed.RecordRevision, Revision: r})
			}
			for _, d := range c.deals {
				add(smed.Record{Kind: smed.RecordDeal, Deal: d})
			}
			for _, tc := range c.touches {
				add(smed.Record{Kind: smed.RecordTouch, Touch: tc})
			}
			var chans []string
			for ch, cid := range t.links {
				if cid == id {
					chans = append(chans, ch)
				}
			}
			slices.Sort(chans)
			for _, ch := range chans {
				add(smed.Record{Kind: smed.RecordLink, Channel: ch})
			}
		}
		s.mu.Unlock()
		for _, r := range recs {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// Empty implements smed.Backups.
func (s *Store) Empty(ctx context.Context, teamID string) (bool, error) {
	t, err := s.enter("Empty", teamID)
	if err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	return len(t.customers) == 0, nil
}

// Restore implements smed.Backups.
func (s *Store) Restore(ctx context.Context, teamID string, records []smed.Record, merge bool) error {
	t, err := s.enter("Restore", teamID)
	if err != nil {
		return err
	}
	defer s.mu.Unlock()
	var c *customer
	for _, r := range records {
		if r.Kind == smed.RecordCustomer {
			if old := t.customers[r.CustomerID]; old != nil {
				if !merge {
					return fmt.Errorf("fakestore: restore %s: %w", r.CustomerID, smed.ErrConflict)
				}
				c = old
				continue
			}
			if o := t.byName(r.Customer.Name); o != nil && o.c.ID != r.CustomerID {
				return fmt.Errorf("fakestore: restore %s: name taken: %w", r.CustomerID, smed.ErrConflict)
			}
			c = &customer{c: r.Customer}
			t.customers[r.CustomerID] = c
			continue
		}
		if c == nil || c.c.ID != r.CustomerID {
			return fmt.Errorf("fakestore: restore: a %s of %s before its customer: %w", r.Kind, r.CustomerID, smed.ErrInvalid)
		}
		switch r.Kind {
		case smed.RecordFact:
			if !slices.ContainsFunc(c.facts, func(f smed.Fact) bool { return f.Text == r.Fact.Text }) {
				c.facts = append(c.facts, r.Fact)
			}
		case smed.RecordNote:
			if !slices.Contains(c.notes, r.Note) {
				c.notes = append(c.notes, r.Note)
				s.seq++
				c.noteIDs = append(c.noteIDs, strconv.Itoa(s.seq))
			}
		case smed.RecordRevision:
			c.revs = append(c.revs, r.Revision)
		case smed.RecordDeal:
			c.deals = append(c.deals, r.Deal)
		case smed.RecordTouch:
			c.touches = append(c.touches, r.Touch)
		case smed.RecordLink:
			t.links[r.Channel] = c.c.ID
		}
	}
	return nil
}
