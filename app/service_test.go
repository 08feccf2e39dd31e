package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/internal/fakestore"
)

var t0 = time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)

const team = "T0TEST"

type fakeDir struct {
	gone map[string]bool
	err  error
}

func (d *fakeDir) Deleted(ctx context.Context, user string) (bool, error) {
	return d.gone[user], d.err
}

type fixture struct {
	svc   *Service
	store *fakestore.Store
	dir   *fakeDir
	now   time.Time
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{store: fakestore.New(), dir: &fakeDir{gone: map[string]bool{}}, now: t0}
	f.svc = New(Config{Store: f.store, Directory: f.dir, Now: func() time.Time { return f.now },
		DefaultCadence: 30, Admins: []string{"U0BOSS"}})
	return f
}

// readings splits words as the parser does for unquoted input.
func readings(s string) []smed.Candidate {
	ws := strings.Fields(s)
	var out []smed.Candidate
	for i := len(ws) - 1; i >= 1; i-- {
		out = append(out, smed.Candidate{Name: strings.Join(ws[:i], " "), Rest: strings.Join(ws[i:], " ")})
	}
	return out
}

func (f *fixture) note(t *testing.T, user, text string) NoteResult {
	t.Helper()
	r, err := f.svc.LogNote(t.Context(), Actor{team, user}, NoteInput{Readings: readings(text)})
	if err != nil {
		t.Fatalf("note %q: %v", text, err)
	}
	return r
}

func (f *fixture) quoted(t *testing.T, user, name, text string) NoteResult {
	t.Helper()
	r, err := f.svc.LogNote(t.Context(), Actor{team, user}, NoteInput{Readings: []smed.Candidate{{Name: name, Rest: text}}, Quoted: true})
	if err != nil {
		t.Fatalf("note %q: %v", name, err)
	}
	return r
}

func TestLogNote(t *testing.T) {
	f := newFixture(t)
	f.quoted(t, "U0ME", "Acme Corp", "first call")
	f.quoted(t, "U0ME", "Ærø Fisk", "first call")

	t.Run("longest known prefix", func(t *testing.T) {
		r := f.note(t, "U0BOB", "Acme Corp Called Bo about renewal")
		if r.Customer.Name != "Acme Corp" || r.Text != "Called Bo about renewal" || r.Created {
			t.Errorf("got %+v", r)
		}
		if r.Customer.Owner != "U0ME" || r.Customer.LastContactBy != "U0BOB" {
			t.Errorf("a note by someone else must keep the owner and record who made contact: %+v", r.Customer)
		}
	})
	t.Run("typo asks, saves nothing", func(t *testing.T) {
		before := f.store.Calls["AddNote"]
		_, err := f.svc.LogNote(t.Context(), Actor{team, "U0ME"}, NoteInput{Readings: readings("Acme Crop Called Bo")})
		var nm *NearMissError
		if !errors.As(err, &nm) || nm.Typed != "Acme Crop" || nm.Text != "Called Bo" || len(nm.Suggestions) != 1 || nm.Suggestions[0].Name != "Acme Corp" {
			t.Fatalf("err = %#v, want a near miss of Acme Crop → Acme Corp", err)
		}
		// one note, whose create the near name refused (UnlessNear)
		if f.store.Calls["AddNote"] != before+1 {
			t.Errorf("a typo made %d AddNote calls, want only the one whose create was refused", f.store.Calls["AddNote"]-before)
		}
		if _, ok := f.svc.Known(t.Context(), Actor{team, "U0ME"}, "Acme Crop"); ok {
			t.Error("the typo was created as a customer")
		}
	})
	t.Run("folded letters are near misses", func(t *testing.T) {
		_, err := f.svc.LogNote(t.Context(), Actor{team, "U0ME"}, NoteInput{Readings: readings("aero fisk talked nets")})
		var nm *NearMissError
		if !errors.As(err, &nm) || nm.Suggestions[0].Name != "Ærø Fisk" {
			t.Fatalf("err = %v, want did you mean Ærø Fisk", err)
		}
	})
	t.Run("no text after a known name", func(t *testing.T) {
		_, err := f.svc.LogNote(t.Context(), Actor{team, "U0ME"}, NoteInput{Readings: readings("Acme Corp")[:0:0]})
		if err == nil {
			t.Fatal("a note without readings must fail")
		}
		_, err = f.svc.LogNote(t.Context(), Actor{team, "U0ME"}, NoteInput{Readings: []smed.Candidate{{Name: "Acme", Rest: "Corp"}}})
		var mt *MissingTextError
		if !errors.As(err, &mt) || mt.Customer.Name != "Acme Corp" {
			t.Fatalf("err = %v, want missing text for Acme Corp", err)
		}
	})
	t.Run("first word of an unknown name, with the longer guess", func(t *testing.T) {
		r := f.note(t, "U0ME", "Nordlys Møbler Karin called")
		if !r.Created || !r.FirstWord || r.Customer.Name != "Nordlys" || r.Longer != "Nordlys Møbler" || r.Text != "Møbler Karin called" {
			t.Errorf("got %+v", r)
		}
		if r.Customer.Owner != "U0ME" || r.Customer.CadenceDays != 30 {
			t.Errorf("a new customer is the author's with the default cadence: %+v", r.Customer)
		}
	})
	t.Run("quoted creates even near a known name", func(t *testing.T) {
		r := f.quoted(t, "U0ME", "Acme Corp ApS", "the Danish one")
		if !r.Created || r.FirstWord {
			t.Errorf("got %+v", r)
		}
	})
	t.Run("too long is shown back", func(t *testing.T) {
		long := strings.Repeat("x", smed.MaxTextRunes+1)
		_, err := f.svc.LogNote(t.Context(), Actor{team, "U0ME"}, NoteInput{Readings: []smed.Candidate{{Name: "Acme Corp", Rest: long}}, Quoted: true})
		var tl *TooLongError
		if !errors.As(err, &tl) || !strings.Contains(tl.Text, long) {
			t.Fatalf("err = %v, want too long with the text", err)
		}
	})
	t.Run("by ID", func(t *testing.T) {
		ref, _ := f.svc.Known(t.Context(), Actor{team, "U0ME"}, "acme corp")
		r, err := f.svc.LogNote(t.Context(), Actor{team, "U0ME"}, NoteInput{CustomerID: ref.ID, Text: "  from the modal "})
		if err != nil || r.Text != "from the modal" || r.Customer.ID != ref.ID {
			t.Fatalf("got %+v, %v", r, err)
		}
		_, err = f.svc.LogNote(t.Context(), Actor{team, "U0ME"}, NoteInput{CustomerID: "ffffffffffff", Text: "x"})
		var gone *GoneError
		if !errors.As(err, &gone) {
			t.Fatalf("err = %v, want gone", err)
		}
	})
	t.Run("saved for someone else", func(t *testing.T) {
		ref, _ := f.svc.Known(t.Context(), Actor{team, "U0ME"}, "acme corp")
		_, err := f.svc.LogNote(t.Context(), Actor{team, "U0ME"}, NoteInput{CustomerID: ref.ID, Text: "their message", Author: "U0CUST", Link: "https://x.slack.com/p1"})
		if err != nil {
			t.Fatal(err)
		}
		card, _ := f.svc.Card(t.Context(), Actor{team, "U0ME"}, ByID(ref.ID))
		n := card.Notes[0]
		if n.Author != "U0CUST" || n.SavedBy != "U0ME" || n.Link != "https://x.slack.com/p1" {
			t.Errorf("note = %+v", n)
		}
	})
}

func TestRememberUnknownSuggests(t *testing.T) {
	f := newFixture(t)
	f.quoted(t, "U0ME", "Acme Corp", "x")
	_, err := f.svc.Remember(t.Context(), Actor{team, "U0ME"}, NoteInput{Readings: readings("Acme Crop prefers mornings")})
	var uc *UnknownCustomerError
	if !errors.As(err, &uc) || uc.Name != "Acme" && uc.Name != "Acme Crop" || len(uc.Suggestions) == 0 {
		t.Fatalf("err = %v", err)
	}
	if f.store.Calls["AddFact"] != 1 {
		t.Errorf("AddFact calls = %d", f.store.Calls["AddFact"])
	}
}

func TestSetOwnerRule(t *testing.T) {
	f := newFixture(t)
	f.quoted(t, "U0ALICE", "Acme", "x")
	me := Actor{team, "U0BOB"}
	_, err := f.svc.SetOwner(t.Context(), me, ByName("acme"), "U0BOB")
	var denied *DeniedError
	if !errors.As(err, &denied) || denied.Owner != "U0ALICE" {
		t.Fatalf("a stranger took Alice's customer: %v", err)
	}
	f.dir.err = errors.New("slack down")
	_, err = f.svc.SetOwner(t.Context(), me, ByName("acme"), "U0BOB")
	var unk *UnknownOwnerError
	if !errors.As(err, &unk) {
		t.Fatalf("err = %v, want unknown owner when Slack cannot say", err)
	}
	f.dir.err = nil
	f.dir.gone["U0ALICE"] = true
	f.now = f.now.Add(time.Hour)
	ch, err := f.svc.SetOwner(t.Context(), me, ByName("acme"), "U0BOB")
	if err != nil || ch.After.Owner != "U0BOB" || ch.Before.Owner != "U0ALICE" {
		t.Fatalf("taking over a departed owner's customer: %+v, %v", ch, err)
	}
	h, err := f.svc.History(t.Context(), me, ByName("acme"), 1)
	if err != nil || h.Entries[0].Kind != smed.EntryRevision || h.Entries[0].Revision.From != "U0ALICE" {
		t.Errorf("the handover is not in the history: %+v, %v", h.Entries, err)
	}
	if _, err := f.svc.SetOwner(t.Context(), Actor{team, "U0BOSS"}, ByName("acme"), "U0CAROL"); err != nil {
		t.Errorf("an admin hands over anyone's customer: %v", err)
	}
	if _, err := f.svc.SetOwner(t.Context(), me, ByName("acme"), "not a user"); !errors.Is(err, smed.ErrInvalid) {
		t.Errorf("err = %v, want invalid", err)
	}
}

func TestSnoozeThatChangesNothing(t *testing.T) {
	f := newFixture(t)
	f.quoted(t, "U0ME", "Brdr. Dahl", "x")
	s, err := f.svc.Snooze(t.Context(), Actor{team, "U0ME"}, ByName("brdr. dahl"), t0.Add(14*smed.Day))
	if err != nil || s.Moved {
		t.Fatalf("a snooze shorter than the cadence moved the due date: %+v, %v", s, err)
	}
	if !s.After.DueAt().Equal(t0.Add(30 * smed.Day)) {
		t.Errorf("due = %v", s.After.DueAt())
	}
	s, err = f.svc.Snooze(t.Context(), Actor{team, "U0ME"}, ByName("brdr. dahl"), t0.Add(40*smed.Day))
	if err != nil || !s.Moved || !s.After.DueAt().Equal(t0.Add(40*smed.Day)) {
		t.Errorf("a longer snooze: %+v, %v", s, err)
	}
	w1, _ := f.svc.SnoozeWeek(t.Context(), Actor{team, "U0ME"}, s.After.ID)
	f.now = f.now.Add(time.Minute)
	w2, _ := f.svc.SnoozeWeek(t.Context(), Actor{team, "U0ME"}, s.After.ID)
	if !w1.Until.Equal(w2.Until) {
		t.Errorf("a double click a minute apart snoozed to %v then %v", w1.Until, w2.Until)
	}
}

func TestUnknownTargetSuggests(t *testing.T) {
	f := newFixture(t)
	f.quoted(t, "U0ME", "Kobber & Co", "x")
	_, err := f.svc.SetValue(t.Context(), Actor{team, "U0ME"}, Target{Names: []string{"Kobber & Co 250", "Kobber & Kco"}}, 250000)
	var uc *UnknownCustomerError
	if !errors.As(err, &uc) || len(uc.Suggestions) == 0 || uc.Suggestions[0].Name != "Kobber & Co" {
		t.Fatalf("err = %v", err)
	}
	ch, err := f.svc.SetValue(t.Context(), Actor{team, "U0ME"}, Target{Names: []string{"Kobber & Co 250", "Kobber & Co"}}, 250000)
	if err != nil || ch.Reading != 1 || ch.After.Value != 250000 {
		t.Fatalf("the reading that names the customer wins: %+v, %v", ch, err)
	}
}

func TestStoreErrorsPassThrough(t *testing.T) {
	f := newFixture(t)
	f.quoted(t, "U0ME", "Acme", "x")
	unconfirmed := fmt.Errorf("storage: add note: %w: %w", smed.ErrUnavailable, smed.ErrUnconfirmed)
	f.store.Fail = func(m string) error {
		if m == "AddNote" {
			return unconfirmed
		}
		return nil
	}
	_, err := f.svc.LogNote(t.Context(), Actor{team, "U0ME"}, NoteInput{Readings: readings("Acme hello")})
	if !errors.Is(err, smed.ErrUnconfirmed) {
		t.Fatalf("err = %v, want the store's unconfirmed error kept", err)
	}
}

func TestListAndStats(t *testing.T) {
	f := newFixture(t)
	for i, v := range []int64{100, 300, 200} {
		r := f.quoted(t, "U0ME", fmt.Sprintf("C%d", i), "x")
		if _, err := f.svc.SetValue(t.Context(), Actor{team, "U0ME"}, ByID(r.Customer.ID), v); err != nil {
			t.Fatal(err)
		}
	}
	f.quoted(t, "U0BOB", "Fresh", "x")
	f.now = t0.Add(31 * smed.Day)
	f.note(t, "U0BOB", "Fresh again") // contact today

	l, err := f.svc.List(t.Context(), Actor{team, "U0ME"}, ListQuery{Owner: "U0ME", OverdueOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range l.Customers {
		got = append(got, c.Name)
	}
	if strings.Join(got, ",") != "C1,C2,C0" || l.AtRisk != 600 || l.Overdue != 3 {
		t.Errorf("overdue list = %v, at risk %d, overdue %d", got, l.AtRisk, l.Overdue)
	}
	st, err := f.svc.Stats(t.Context(), Actor{team, "U0ME"})
	if err != nil {
		t.Fatal(err)
	}
	share, valueShare, _ := st.Coverage()
	if st.Customers != 4 || st.Overdue != 3 || st.AtRisk != 600 || share != 0.25 || valueShare != 0 {
		t.Errorf("stats = %+v, coverage %v/%v", st, share, valueShare)
	}
	if st.Month["U0BOB"] != 1 || st.Month["U0ME"] != 0 {
		t.Errorf("notes per person in the last 30 days = %v", st.Month)
	}
}

func TestUseLonger(t *testing.T) {
	f := newFixture(t)
	me := Actor{team, "U0ME"}
	r := f.note(t, "U0ME", "Nordlys Møbler Karin called about chairs")
	if _, err := f.svc.UseLonger(t.Context(), Actor{team, "U0BOB"}, r.Customer.ID); !errors.Is(err, ErrNotFixable) {
		t.Errorf("someone else fixed my customer: %v", err)
	}
	fixed, err := f.svc.UseLonger(t.Context(), me, r.Customer.ID)
	if err != nil || fixed.Customer.Name != "Nordlys Møbler" || fixed.Text != "Karin called about chairs" {
		t.Fatalf("fix = %+v, %v", fixed, err)
	}
	if _, ok := f.svc.Known(t.Context(), me, "Nordlys"); ok {
		t.Error("the first-word customer is still there")
	}
	card, _ := f.svc.Card(t.Context(), me, ByName("nordlys møbler"))
	if len(card.Notes) != 1 || card.Notes[0].Text != "Karin called about chairs" || card.Owner != "U0ME" {
		t.Errorf("card after the fix = %+v", card)
	}
	// Not once more notes were logged, nor after the window.
	r = f.note(t, "U0ME", "Brdr Dahl visited the shop")
	f.note(t, "U0BOB", "Brdr more news")
	if _, err := f.svc.UseLonger(t.Context(), me, r.Customer.ID); !errors.Is(err, ErrNotFixable) {
		t.Errorf("a customer with two notes was fixed: %v", err)
	}
	r = f.note(t, "U0ME", "Kobber Smith called")
	f.now = f.now.Add(FixWindow + time.Second)
	if _, err := f.svc.UseLonger(t.Context(), me, r.Customer.ID); !errors.Is(err, ErrNotFixable) {
		t.Errorf("fixed after the window: %v", err)
	}
}

// countingReminders is a ReminderMessages that counts its lookups.
type countingReminders struct {
	m       smed.ReminderMessage
	lookups int
}

func (r *countingReminders) SaveReminderMessage(ctx context.Context, team, owner string, m smed.ReminderMessage) error {
	r.m = m
	return nil
}

func (r *countingReminders) ReminderMessage(ctx context.Context, team, owner string) (smed.ReminderMessage, error) {
	r.lookups++
	if r.m.Date == "" {
		return smed.ReminderMessage{}, smed.ErrNotFound
	}
	return r.m, nil
}

// The reminder DM to rewrite after a contact: a hint from the write that
// says the customer is not on today's DM spares the lookup; without one
// (a deal, a touch, a store that cannot tell) the DM is looked up.
func TestReminderToCloseUsesTheHint(t *testing.T) {
	rm := &countingReminders{m: smed.ReminderMessage{Date: "2026-12-01", Channel: "D1", TS: "1.1", Customers: []string{"0123456789ab"}}}
	svc := New(Config{Store: fakestore.New(), Reminders: rm})
	c := smed.Customer{ID: "0123456789ab", Owner: "U1"}
	ctx := t.Context()
	for _, tc := range []struct {
		name    string
		hint    smed.ReminderHint
		ok      bool
		lookups int
	}{
		{"no hint", smed.ReminderHint{}, true, 1},
		{"listed today", smed.ReminderHint{Checked: true, Date: "2026-12-01"}, true, 1},
		{"not listed", smed.ReminderHint{Checked: true}, false, 0},
		{"listed on a DM of the owner's today, a day behind", smed.ReminderHint{Checked: true, Date: "2026-11-30"}, true, 1},
		{"listed on an older DM", smed.ReminderHint{Checked: true, Date: "2026-11-29"}, false, 0},
	} {
		rm.lookups = 0
		m, ok := svc.ReminderToClose(ctx, team, c, "2026-12-01", tc.hint)
		if ok != tc.ok || rm.lookups != tc.lookups || ok && m.TS != "1.1" {
			t.Errorf("%s: %+v, %v after %d lookups; want %v after %d", tc.name, m, ok, rm.lookups, tc.ok, tc.lookups)
		}
	}
	// The DM is dated in its owner's zone: a day ahead of the server's
	// date is their today; two days is an old DM.
	for date, want := range map[string]bool{"2026-12-02": true, "2026-11-30": true, "2026-12-03": false, "2026-11-29": false, "": false} {
		rm.m.Date = date
		if _, ok := svc.ReminderToClose(ctx, team, c, "2026-12-01", smed.ReminderHint{}); ok != want {
			t.Errorf("DM dated %q on server day 2026-12-01: %v, want %v", date, ok, want)
		}
	}
}
