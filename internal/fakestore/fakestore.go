// Package fakestore is an in-memory smed.Store and smed.Guard for tests of the
// application layer and the Slack edge: the contract's semantics by brute
// force (every name compared, every note scanned), so a test can set up a team
// in a line and fail a call on purpose. The real store is package storage,
// which has its own contract suite against Redis.
//
// It imports only the domain.
package fakestore

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

// Store is the fake. The zero value is not usable; call New.
type Store struct {
	mu    sync.Mutex
	teams map[string]*team
	seq   int // entries (notes, facts, deals)
	cseq  int // customers
	// Fail, when set, is asked before every call with the method's name; a
	// non-nil answer is returned as that call's error and nothing happens.
	Fail func(method string) error
	// Calls counts calls per method.
	Calls map[string]int

	guards   map[string]time.Time
	listings map[string][]listing // team/customer → reminder listings
	snaps    map[string]smed.TeamSnapshot

	// Clock is the fake's now for figures that depend on it without a
	// parameter (IgnoredRuns, FollowThroughs); default time.Now.
	Clock func() time.Time
}

type team struct {
	customers map[string]*customer
	links     map[string]string // channel → customer ID
	reminders map[string]smed.ReminderMessage
}

type customer struct {
	c         smed.Customer
	facts     []smed.Fact
	notes     []smed.Note
	noteIDs   []string // parallel to notes
	revs      []smed.Revision
	deals     []smed.Deal
	dealKeys  map[string]bool
	touches   []smed.Touch
	snoozedAt []time.Time // when snoozes were set
}

var (
	_ smed.Store            = (*Store)(nil)
	_ smed.Guard            = (*Store)(nil)
	_ smed.Links            = (*Store)(nil)
	_ smed.Deals            = (*Store)(nil)
	_ smed.Undo             = (*Store)(nil)
	_ smed.ReminderMessages = (*Store)(nil)
	_ smed.Backups          = (*Store)(nil)
)

// New returns an empty fake.
func New() *Store {
	return &Store{teams: map[string]*team{}, Calls: map[string]int{}, guards: map[string]time.Time{}, Clock: time.Now}
}

func (s *Store) enter(method, teamID string) (*team, error) {
	s.mu.Lock()
	s.Calls[method]++
	if s.Fail != nil {
		if err := s.Fail(method); err != nil {
			s.mu.Unlock()
			return nil, err
		}
	}
	if err := smed.CheckTeamID(teamID); err != nil {
		s.mu.Unlock()
		return nil, err
	}
	t := s.teams[teamID]
	if t == nil {
		t = &team{customers: map[string]*customer{}, links: map[string]string{}, reminders: map[string]smed.ReminderMessage{}}
		s.teams[teamID] = t
	}
	return t, nil
}

func (s *Store) newID() string {
	s.cseq++
	return fmt.Sprintf("%012x", s.cseq)
}

func (t *team) byName(name string) *customer {
	k := names.Key(name)
	if k == "" {
		return nil
	}
	for _, c := range t.customers {
		if names.Key(c.c.Name) == k {
			return c
		}
	}
	return nil
}

func (t *team) sorted() []*customer {
	out := make([]*customer, 0, len(t.customers))
	for _, c := range t.customers {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *customer) int {
		return cmp.Or(strings.Compare(names.Key(a.c.Name), names.Key(b.c.Name)), strings.Compare(a.c.ID, b.c.ID))
	})
	return out
}

func notFound(what string) error { return fmt.Errorf("fakestore: %s: %w", what, smed.ErrNotFound) }

// AddNote implements smed.Store.
func (s *Store) AddNote(ctx context.Context, teamID string, req smed.NoteRequest) (smed.NoteReceipt, error) {
	return s.write(teamID, req, true)
}

// AddFact implements smed.Store.
func (s *Store) AddFact(ctx context.Context, teamID string, req smed.NoteRequest) (smed.NoteReceipt, error) {
	return s.write(teamID, req, false)
}

func (s *Store) write(teamID string, req smed.NoteRequest, note bool) (smed.NoteReceipt, error) {
	method := "AddFact"
	if note {
		method = "AddNote"
	}
	t, err := s.enter(method, teamID)
	if err != nil {
		return smed.NoteReceipt{}, err
	}
	defer s.mu.Unlock()
	if err := smed.CheckUserID(req.Author); err != nil {
		return smed.NoteReceipt{}, err
	}
	var c *customer
	text, matched, created := req.Text, 0, false
	if req.CustomerID != "" {
		c = t.customers[req.CustomerID]
	} else {
		for i, cd := range req.Candidates {
			if c = t.byName(cd.Name); c != nil {
				text, matched = cd.Rest, i
				break
			}
		}
		if c == nil && note && req.Create && len(req.Candidates) > 0 {
			if req.CreateAt < 0 || req.CreateAt >= len(req.Candidates) {
				return smed.NoteReceipt{}, fmt.Errorf("fakestore: create: %w", smed.ErrInvalid)
			}
			name := names.Display(req.Candidates[req.CreateAt].Name)
			if names.Key(name) == "" || len([]rune(name)) > smed.MaxNameRunes || req.CadenceDays < 1 {
				return smed.NoteReceipt{}, fmt.Errorf("fakestore: create: %w", smed.ErrInvalid)
			}
			if t.anyNear(req.UnlessNear) {
				return smed.NoteReceipt{}, fmt.Errorf("fakestore: create: %w", smed.ErrMaybeNear)
			}
			c = &customer{c: smed.Customer{ID: s.newID(), Name: name, Owner: req.Author, CadenceDays: req.CadenceDays, CreatedAt: req.At}}
			t.customers[c.c.ID] = c
			text, matched, created = req.Candidates[req.CreateAt].Rest, req.CreateAt, true
		}
	}
	if c == nil {
		return smed.NoteReceipt{}, notFound(method)
	}
	if note {
		c.notes = append(c.notes, smed.Note{Author: req.Author, At: req.At, Text: text, SavedBy: req.SavedBy, Link: req.Link})
		s.seq++
		c.noteIDs = append(c.noteIDs, strconv.Itoa(s.seq))
		c.c.NoteCount++
		if !req.At.Before(c.c.LastContactAt) {
			c.c.LastContactAt, c.c.LastContactBy = req.At, req.Author
		}
	} else {
		s.seq++
		c.facts = append(c.facts, smed.Fact{ID: strconv.Itoa(s.seq), Author: req.Author, At: req.At, Text: text})
	}
	return smed.NoteReceipt{Customer: c.c, Text: text, Created: created, Matched: matched}, nil
}

// Resolve implements smed.Store.
func (s *Store) Resolve(ctx context.Context, teamID string, ns []string) (smed.NameRef, int, error) {
	t, err := s.enter("Resolve", teamID)
	if err != nil {
		return smed.NameRef{}, 0, err
	}
	defer s.mu.Unlock()
	for i, n := range ns {
		if c := t.byName(n); c != nil {
			return smed.NameRef{ID: c.c.ID, Name: c.c.Name}, i, nil
		}
	}
	return smed.NameRef{}, 0, notFound("resolve")
}

// anyNear reports whether a known name is a near-miss of one of typed
// (NoteRequest.UnlessNear), by comparing every name.
func (t *team) anyNear(typed []string) bool {
	if len(typed) == 0 {
		return false
	}
	var known []string
	for _, c := range t.sorted() {
		known = append(known, c.c.Name)
	}
	for _, ty := range typed {
		if len(names.NearMiss(ty, known, 1)) > 0 {
			return true
		}
	}
	return false
}

// NearMisses implements smed.Store by comparing every name.
func (s *Store) NearMisses(ctx context.Context, teamID string, typed []string, limit int) ([]smed.NameRef, error) {
	t, err := s.enter("NearMisses", teamID)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	all := t.sorted()
	known := make([]string, len(all))
	ids := map[string]string{}
	for i, c := range all {
		known[i] = c.c.Name
		ids[c.c.Name] = c.c.ID
	}
	var out []smed.NameRef
	for _, ty := range typed {
		for _, n := range names.NearMiss(ty, known, limit) {
			ref := smed.NameRef{ID: ids[n], Name: n}
			if !slices.Contains(out, ref) && len(out) < limit {
				out = append(out, ref)
			}
		}
	}
	return out, nil
}

// Suggest implements smed.Store.
func (s *Store) Suggest(ctx context.Context, teamID, typed string, limit int) ([]smed.NameRef, error) {
	t, err := s.enter("Suggest", teamID)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	k := names.Key(typed)
	if k == "" {
		return nil, nil
	}
	var out []smed.NameRef
	var known []string
	for _, c := range t.sorted() {
		known = append(known, c.c.Name)
		if strings.HasPrefix(names.Key(c.c.Name), k) && len(out) < limit {
			out = append(out, smed.NameRef{ID: c.c.ID, Name: c.c.Name})
		}
	}
	for _, n := range names.NearMiss(typed, known, limit) {
		c := t.byName(n)
		ref := smed.NameRef{ID: c.c.ID, Name: c.c.Name}
		if !slices.Contains(out, ref) && len(out) < limit {
			out = append(out, ref)
		}
	}
	return out, nil
}

// Customer implements smed.Store.
func (s *Store) Customer(ctx context.Context, teamID, id string) (smed.Customer, error) {
	t, err := s.enter("Customer", teamID)
	if err != nil {
		return smed.Customer{}, err
	}
	defer s.mu.Unlock()
	c := t.customers[id]
	if c == nil {
		return smed.Customer{}, notFound("customer")
	}
	return c.c, nil
}

// Card implements smed.Store.
func (s *Store) Card(ctx context.Context, teamID, id string, notes int) (smed.Card, error) {
	t, err := s.enter("Card", teamID)
	if err != nil {
		return smed.Card{}, err
	}
	defer s.mu.Unlock()
	c := t.customers[id]
	if c == nil {
		return smed.Card{}, notFound("card")
	}
	return card(c, notes), nil
}

func card(c *customer, notes int) smed.Card {
	out := smed.Card{Customer: c.c, Facts: slices.Clone(c.facts)}
	for i := len(c.notes) - 1; i >= 0 && len(out.Notes) < notes; i-- {
		out.Notes = append(out.Notes, c.notes[i])
	}
	return out
}

// History implements smed.Store.
func (s *Store) History(ctx context.Context, teamID, id string, offset, limit int) (smed.Customer, []smed.Entry, int, error) {
	t, err := s.enter("History", teamID)
	if err != nil {
		return smed.Customer{}, nil, 0, err
	}
	defer s.mu.Unlock()
	c := t.customers[id]
	if c == nil {
		return smed.Customer{}, nil, 0, notFound("history")
	}
	// Newest first; among equal times the later written first, as a list
	// read from its end gives them.
	var all []smed.Entry
	for i := len(c.notes) - 1; i >= 0; i-- {
		all = append(all, smed.Entry{Kind: smed.EntryNote, Note: c.notes[i]})
	}
	for i := len(c.revs) - 1; i >= 0; i-- {
		all = append(all, smed.Entry{Kind: smed.EntryRevision, Revision: c.revs[i]})
	}
	for i := len(c.deals) - 1; i >= 0; i-- {
		all = append(all, smed.Entry{Kind: smed.EntryDeal, Deal: c.deals[i]})
	}
	for i := len(c.touches) - 1; i >= 0; i-- {
		all = append(all, smed.Entry{Kind: smed.EntryTouch, Touch: c.touches[i]})
	}
	slices.SortStableFunc(all, func(a, b smed.Entry) int { return b.At().Compare(a.At()) })
	total := len(all)
	offset = min(max(offset, 0), total)
	return c.c, all[offset:min(total, offset+max(limit, 0))], total, nil
}

// Update implements smed.Store.
func (s *Store) Update(ctx context.Context, teamID, id string, ch smed.Change) (smed.Updated, error) {
	t, err := s.enter("Update", teamID)
	if err != nil {
		return smed.Updated{}, err
	}
	defer s.mu.Unlock()
	c := t.customers[id]
	if c == nil {
		return smed.Updated{}, notFound("update")
	}
	if ch.IfOwner != nil && *ch.IfOwner != c.c.Owner {
		return smed.Updated{}, fmt.Errorf("fakestore: update: %w", smed.ErrConflict)
	}
	if ch.Owner != nil && *ch.Owner != "" {
		if err := smed.CheckUserID(*ch.Owner); err != nil {
			return smed.Updated{}, err
		}
	}
	if ch.Value != nil {
		if err := smed.CheckValue(*ch.Value); err != nil {
			return smed.Updated{}, err
		}
	}
	if ch.CadenceDays != nil {
		if err := smed.CheckCadence(*ch.CadenceDays); err != nil {
			return smed.Updated{}, err
		}
	}
	before := c.c
	rev := func(field, from, to string) {
		if from != to {
			c.revs = append(c.revs, smed.Revision{At: ch.At, By: ch.By, Field: field, From: from, To: to})
		}
	}
	if ch.Owner != nil {
		rev("owner", c.c.Owner, *ch.Owner)
		c.c.Owner = *ch.Owner
	}
	if ch.Value != nil {
		rev("value", strconv.FormatInt(c.c.Value, 10), strconv.FormatInt(*ch.Value, 10))
		c.c.Value = *ch.Value
	}
	if ch.CadenceDays != nil {
		rev("cadence", strconv.Itoa(c.c.CadenceDays), strconv.Itoa(*ch.CadenceDays))
		c.c.CadenceDays, c.c.CadenceSet = *ch.CadenceDays, true
	}
	if ch.SnoozedUntil != nil {
		c.c.SnoozedUntil = *ch.SnoozedUntil
		if !ch.SnoozedUntil.IsZero() {
			c.snoozedAt = append(c.snoozedAt, ch.At)
		}
	}
	return smed.Updated{Before: before, After: c.c}, nil
}

// Rename implements smed.Store.
func (s *Store) Rename(ctx context.Context, teamID, id, name, by string, at time.Time) (smed.Renamed, error) {
	t, err := s.enter("Rename", teamID)
	if err != nil {
		return smed.Renamed{}, err
	}
	defer s.mu.Unlock()
	c := t.customers[id]
	if c == nil {
		return smed.Renamed{}, notFound("rename")
	}
	name = names.Display(name)
	if names.Key(name) == "" || len([]rune(name)) > smed.MaxNameRunes {
		return smed.Renamed{}, fmt.Errorf("fakestore: rename: %w", smed.ErrInvalid)
	}
	if o := t.byName(name); o != nil && o != c {
		return smed.Renamed{}, fmt.Errorf("fakestore: rename: %w", smed.ErrConflict)
	}
	if name != c.c.Name {
		c.revs = append(c.revs, smed.Revision{At: at, By: by, Field: "name", From: c.c.Name, To: name})
		c.c.Formerly, c.c.Name = c.c.Name, name
	}
	return smed.Renamed{Customer: c.c}, nil
}

// Merge implements smed.Store.
func (s *Store) Merge(ctx context.Context, teamID, from, into, by string, at time.Time) (smed.Merged, error) {
	t, err := s.enter("Merge", teamID)
	if err != nil {
		return smed.Merged{}, err
	}
	defer s.mu.Unlock()
	if from == into {
		return smed.Merged{}, fmt.Errorf("fakestore: merge: %w", smed.ErrInvalid)
	}
	f, i := t.customers[from], t.customers[into]
	if f == nil || i == nil {
		return smed.Merged{}, notFound("merge")
	}
	m := smed.Merged{Gone: smed.NameRef{ID: f.c.ID, Name: f.c.Name}, Notes: len(f.notes)}
	i.notes = append(i.notes, f.notes...)
	slices.SortStableFunc(i.notes, func(a, b smed.Note) int { return a.At.Compare(b.At) })
	for _, fact := range f.facts {
		if !slices.ContainsFunc(i.facts, func(x smed.Fact) bool { return x.Text == fact.Text }) {
			i.facts = append(i.facts, fact)
			m.Facts++
		}
	}
	i.revs = append(i.revs, f.revs...)
	i.deals = append(i.deals, f.deals...)
	i.touches = append(i.touches, f.touches...)
	i.noteIDs = append(i.noteIDs, f.noteIDs...)
	i.c.DealsSum = smed.AddValue(i.c.DealsSum, f.c.DealsSum)
	i.c.DealsCount += f.c.DealsCount
	i.c.LastDealAt = later(i.c.LastDealAt, f.c.LastDealAt)
	i.c.LastCustomerAt = later(i.c.LastCustomerAt, f.c.LastCustomerAt)
	i.c.LastTeamAt = later(i.c.LastTeamAt, f.c.LastTeamAt)
	for ch, id := range t.links {
		if id == from {
			t.links[ch] = into
		}
	}
	m.Revision = smed.Revision{At: at, By: by, Field: "merge", From: f.c.Name, To: i.c.Name}
	i.revs = append(i.revs, m.Revision)
	i.c.NoteCount += f.c.NoteCount
	if f.c.LastContactAt.After(i.c.LastContactAt) {
		i.c.LastContactAt, i.c.LastContactBy = f.c.LastContactAt, f.c.LastContactBy
	}
	delete(t.customers, from)
	m.Into = i.c
	return m, nil
}

// Delete implements smed.Store.
func (s *Store) Delete(ctx context.Context, teamID, id string) (smed.Deleted, error) {
	t, err := s.enter("Delete", teamID)
	if err != nil {
		return smed.Deleted{}, err
	}
	defer s.mu.Unlock()
	c := t.customers[id]
	if c == nil {
		return smed.Deleted{}, notFound("delete")
	}
	delete(t.customers, id)
	for ch, cid := range t.links {
		if cid == id {
			delete(t.links, ch)
		}
	}
	return smed.Deleted{Customer: c.c, Notes: len(c.notes), Facts: len(c.facts)}, nil
}

// Forget implements smed.Store.
func (s *Store) Forget(ctx context.Context, teamID, id, factID string) (smed.Customer, error) {
	t, err := s.enter("Forget", teamID)
	if err != nil {
		return smed.Customer{}, err
	}
	defer s.mu.Unlock()
	c := t.customers[id]
	if c == nil {
		return smed.Customer{}, notFound("forget")
	}
	i := slices.IndexFunc(c.facts, func(f smed.Fact) bool { return f.ID == factID })
	if i < 0 {
		return smed.Customer{}, notFound("forget fact")
	}
	c.facts = slices.Delete(c.facts, i, i+1)
	return c.c, nil
}

// List implements smed.Store.
func (s *Store) List(ctx context.Context, teamID, owner string, now time.Time, limit int) (smed.Ranked, error) {
	t, err := s.enter("List", teamID)
	if err != nil {
		return smed.Ranked{}, err
	}
	defer s.mu.Unlock()
	var over, rest []smed.Customer
	for _, c := range t.customers {
		if owner != "" && c.c.Owner != owner {
			continue
		}
		if c.c.OverdueAt(now) {
			over = append(over, c.c)
		} else {
			rest = append(rest, c.c)
		}
	}
	slices.SortFunc(over, func(a, b smed.Customer) int { return smed.CompareUrgency(a, b, now) })
	slices.SortFunc(rest, func(a, b smed.Customer) int { return cmp.Or(a.DueAt().Compare(b.DueAt()), strings.Compare(a.ID, b.ID)) })
	all := append(over, rest...)
	return smed.Ranked{Customers: all[:min(len(all), limit)], Total: len(all), Overdue: len(over),
		AtRisk: smed.ValueAtRisk(over, now)}, nil
}

// Overdue implements smed.Store.
func (s *Store) Overdue(ctx context.Context, teamID string, now time.Time, owner string) ([]smed.Card, error) {
	t, err := s.enter("Overdue", teamID)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []smed.Card
	for _, c := range t.customers {
		if c.c.OverdueAt(now) && (owner == "" || c.c.Owner == owner) {
			out = append(out, card(c, 1))
		}
	}
	slices.SortFunc(out, func(a, b smed.Card) int { return cmp.Or(a.DueAt().Compare(b.DueAt()), strings.Compare(a.ID, b.ID)) })
	return out, nil
}

// Owners implements smed.Store.
func (s *Store) Owners(ctx context.Context, teamID string) ([]string, error) {
	t, err := s.enter("Owners", teamID)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []string
	for _, c := range t.customers {
		if c.c.Owner != "" && !slices.Contains(out, c.c.Owner) {
			out = append(out, c.c.Owner)
		}
	}
	slices.Sort(out)
	return out, nil
}

// OwnedBy implements smed.Store.
func (s *Store) OwnedBy(ctx context.Context, teamID, owner string) ([]smed.Customer, error) {
	t, err := s.enter("OwnedBy", teamID)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	var out []smed.Customer
	for _, c := range t.sorted() {
		if c.c.Owner == owner {
			out = append(out, c.c)
		}
	}
	return out, nil
}

// Totals implements smed.Store.
func (s *Store) Totals(ctx context.Context, teamID string) (int, int64, error) {
	t, err := s.enter("Totals", teamID)
	if err != nil {
		return 0, 0, err
	}
	defer s.mu.Unlock()
	var v int64
	for _, c := range t.customers {
		v = smed.AddValue(v, c.c.Worth())
	}
	return len(t.customers), v, nil
}

// Find implements smed.Store by scanning everything: name hits, then facts
// and notes, newest first; the cursor is an offset.
func (s *Store) Find(ctx context.Context, teamID, query, cursor string, limit int) (smed.FindPage, error) {
	t, err := s.enter("Find", teamID)
	if err != nil {
		return smed.FindPage{}, err
	}
	defer s.mu.Unlock()
	words := strings.FieldsFunc(names.Key(query), func(r rune) bool { return !isWordRune(r) })
	if len(words) == 0 {
		return smed.FindPage{}, nil
	}
	match := func(text string) bool {
		have := strings.FieldsFunc(names.Key(text), func(r rune) bool { return !isWordRune(r) })
		for _, w := range words {
			if !slices.ContainsFunc(have, func(h string) bool { return strings.HasPrefix(h, w) }) {
				return false
			}
		}
		return true
	}
	var all []smed.Match
	for _, c := range t.sorted() {
		if match(c.c.Name) {
			all = append(all, smed.Match{Customer: c.c, Field: "name", At: c.c.CreatedAt})
		}
		for _, f := range c.facts {
			if match(f.Text) {
				all = append(all, smed.Match{Customer: c.c, Field: "fact", Text: f.Text, Author: f.Author, At: f.At})
			}
		}
		for _, n := range c.notes {
			if match(n.Text) {
				all = append(all, smed.Match{Customer: c.c, Field: "note", Text: n.Text, Author: n.Author, At: n.At})
			}
		}
	}
	slices.SortStableFunc(all, func(a, b smed.Match) int { return b.At.Compare(a.At) })
	off, _ := strconv.Atoi(cursor)
	off = min(off, len(all))
	end := min(len(all), off+limit)
	page := smed.FindPage{Matches: all[off:end]}
	if end < len(all) {
		page.Next = strconv.Itoa(end)
	}
	return page, nil
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// NoteCounts implements smed.Store, counting whole UTC days from since.
func (s *Store) NoteCounts(ctx context.Context, teamID string, since time.Time) (map[string]int, error) {
	t, err := s.enter("NoteCounts", teamID)
	if err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	day := since.UTC().Truncate(smed.Day)
	out := map[string]int{}
	for _, c := range t.customers {
		for _, n := range c.notes {
			if !n.At.Before(day) {
				out[n.Author]++
			}
		}
	}
	return out, nil
}

// Import implements smed.Store.
func (s *Store) Import(ctx context.Context, teamID string, rec smed.ImportRecord, at time.Time) (smed.ImportOutcome, error) {
	t, err := s.enter("Import", teamID)
	if err != nil {
		return 0, err
	}
	defer s.mu.Unlock()
	c := t.byName(rec.Name)
	outcome := smed.ImportUnchanged
	if c == nil {
		cad := rec.DefaultCadenceDays
		if rec.CadenceDays != nil {
			cad = *rec.CadenceDays
		}
		if smed.CheckCadence(cad) != nil {
			return 0, fmt.Errorf("fakestore: import: %w", smed.ErrInvalid)
		}
		c = &customer{c: smed.Customer{ID: s.newID(), Name: names.Display(rec.Name), CadenceDays: cad, CadenceSet: rec.CadenceDays != nil, CreatedAt: at}}
		t.customers[c.c.ID] = c
		outcome = smed.ImportCreated
	}
	set := func(changed bool) {
		if changed && outcome == smed.ImportUnchanged {
			outcome = smed.ImportUpdated
		}
	}
	if rec.Owner != nil {
		set(c.c.Owner != *rec.Owner)
		c.c.Owner = *rec.Owner
	}
	if rec.Value != nil {
		if smed.CheckValue(*rec.Value) != nil {
			return 0, fmt.Errorf("fakestore: import: %w", smed.ErrInvalid)
		}
		set(c.c.Value != *rec.Value)
		c.c.Value = *rec.Value
	}
	if rec.CadenceDays != nil {
		set(c.c.CadenceDays != *rec.CadenceDays)
		c.c.CadenceDays, c.c.CadenceSet = *rec.CadenceDays, true
	}
	if rec.LastContactAt.After(c.c.LastContactAt) {
		set(true)
		c.c.LastContactAt = rec.LastContactAt
	}
	for _, f := range rec.Facts {
		if !slices.ContainsFunc(c.facts, func(x smed.Fact) bool { return x.Text == f }) {
			s.seq++
			c.facts = append(c.facts, smed.Fact{ID: strconv.Itoa(s.seq), At: at, Text: f})
			set(true)
		}
	}
	return outcome, nil
}

// Export implements smed.Store.
func (s *Store) Export(ctx context.Context, teamID string) iter.Seq2[smed.Card, error] {
	return func(yield func(smed.Card, error) bool) {
		t, err := s.enter("Export", teamID)
		if err != nil {
			yield(smed.Card{}, err)
			return
		}
		var cards []smed.Card
		for _, c := range t.sorted() {
			cards = append(cards, card(c, 0))
		}
		s.mu.Unlock()
		for _, c := range cards {
			if !yield(c, nil) {
				return
			}
		}
	}
}

// Ping implements smed.Store.
func (s *Store) Ping(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Fail != nil {
		return s.Fail("Ping")
	}
	return nil
}

// Claim implements smed.Guard with leases on the wall clock.
func (s *Store) Claim(ctx context.Context, teamID, key string, lease time.Duration) (bool, error) {
	if _, err := s.enter("Claim", teamID); err != nil {
		return false, err
	}
	defer s.mu.Unlock()
	k := teamID + "/" + key
	if until, ok := s.guards[k]; ok && time.Now().Before(until) {
		return false, nil
	}
	s.guards[k] = time.Now().Add(lease)
	return true, nil
}

// Confirm implements smed.Guard.
func (s *Store) Confirm(ctx context.Context, teamID, key string, keep time.Duration) error {
	if _, err := s.enter("Confirm", teamID); err != nil {
		return err
	}
	defer s.mu.Unlock()
	s.guards[teamID+"/"+key] = time.Now().Add(keep)
	return nil
}

// Release implements smed.Guard.
func (s *Store) Release(ctx context.Context, teamID, key string) error {
	if _, err := s.enter("Release", teamID); err != nil {
		return err
	}
	defer s.mu.Unlock()
	delete(s.guards, teamID+"/"+key)
	return nil
}
