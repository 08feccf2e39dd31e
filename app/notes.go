package app

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

// NoteInput is a note or fact to save. The customer is named either by ID
// (with Text), or by what the user typed: Readings are the ways the words can
// split into a name and the text, longest name first (package bot's parser
// makes them), and Quoted says the name was quoted, so it is exact and a note
// may create it even when it looks like a known name.
type NoteInput struct {
	CustomerID string
	Text       string

	Readings []smed.Candidate
	Quoted   bool
	// Ended says the name's end was marked (a colon after it): a new
	// customer then has the name as typed, not a first word, and the reply
	// offers no longer one.
	Ended bool

	// Author is who spoke or wrote it, when not the actor (the message
	// shortcut saves someone else's message); the actor is then recorded as
	// who saved it. Link is the permalink of that message.
	Author string
	Link   string
}

// NoteResult says what LogNote or Remember saved.
type NoteResult struct {
	Customer smed.Customer // after the write
	Text     string        // what was saved
	Created  bool          // the note created the customer
	// FirstWord: the name was unquoted, unknown and not close to a known
	// one, so by the fallback rule only its first word became the new
	// customer's name. Longer is the name the user may have meant (the
	// first word and the next capitalised one: "Nordlys Møbler"), or "".
	FirstWord bool
	Longer    string
	// Reminder: whether the customer is on its owner's latest reminder DM,
	// as the store saw it in the note's step (see ReminderToClose).
	Reminder smed.ReminderHint
}

// LogNote logs a conversation, which resets the customer's clock (a note is
// contact: CountsAsContact). An unquoted name resolves to the longest reading
// that names a known customer; when none does:
//   - the words as a whole name a known customer → *MissingTextError;
//   - a reading is a near-miss of known names → *NearMissError, nothing saved;
//   - otherwise the first word becomes a new customer owned by the author.
//
// A quoted unknown name becomes a new customer at once.
func (s *Service) LogNote(ctx context.Context, a Actor, in NoteInput) (NoteResult, error) {
	return s.write(ctx, a, in, true)
}

// Remember keeps a lasting fact about a known customer (it is not contact).
// An unknown name is an *UnknownCustomerError with near-misses; a known name
// with nothing after it a *MissingTextError.
func (s *Service) Remember(ctx context.Context, a Actor, in NoteInput) (NoteResult, error) {
	return s.write(ctx, a, in, false)
}

func (s *Service) write(ctx context.Context, a Actor, in NoteInput, note bool) (NoteResult, error) {
	what, kind := "note", KindNote
	if !note {
		what, kind = "fact", KindFact
	}
	req := smed.NoteRequest{Author: a.User, At: s.Now()}
	if in.Author != "" && in.Author != a.User {
		req.Author, req.SavedBy = in.Author, a.User
	}
	req.Link = in.Link
	save := s.store.AddFact
	if CountsAsContact(Happening{Kind: kind}) {
		save = s.store.AddNote
	}

	if in.CustomerID != "" {
		text, err := checkText(what, in.Text)
		if err != nil {
			return NoteResult{}, err
		}
		req.CustomerID, req.Text = in.CustomerID, text
		rc, err := save(ctx, a.Team, req)
		if errors.Is(err, smed.ErrNotFound) {
			return NoteResult{}, &GoneError{ID: in.CustomerID}
		}
		if err != nil {
			return NoteResult{}, err
		}
		return NoteResult{Customer: rc.Customer, Text: rc.Text, Reminder: rc.Reminder}, nil
	}

	if len(in.Readings) == 0 {
		return NoteResult{}, errors.New("app: note without customer")
	}
	readings := fitting(in.Readings)
	if len(readings) == 0 {
		// Even the reading with the longest name leaves too much text.
		r := in.Readings[0]
		return NoteResult{}, &TooLongError{What: what, Runes: utf8.RuneCountInString(r.Rest), AtLeast: len(in.Readings) > 1,
			Text: r.Name + " " + r.Rest}
	}
	req.Candidates = readings
	req.Create = note && in.Quoted
	req.CadenceDays = s.defaultCadence
	typed := make([]string, len(in.Readings))
	for i, r := range in.Readings {
		typed[i] = r.Name
	}
	first := in.Readings[len(in.Readings)-1] // the first word as the name
	// An unquoted note on a name nobody knows usually creates its first
	// word: the store checks in the note's own step that no known name is
	// near what was typed and creates it, and says when one may be
	// (UnlessNear). Not when the first word's text is too long to save.
	oneStep := note && !in.Quoted && readings[len(readings)-1] == first
	if oneStep {
		req.Create, req.CreateAt, req.UnlessNear = true, len(readings)-1, typed
	}
	rc, err := save(ctx, a.Team, req)
	req.Create, req.CreateAt, req.UnlessNear = note && in.Quoted, 0, nil
	switch {
	case oneStep && err == nil && rc.Created:
		return firstWord(rc, in), nil
	case errors.Is(err, smed.ErrMaybeNear):
		// something may be near: look it up below
	case !errors.Is(err, smed.ErrNotFound) || in.Quoted && note:
		if err != nil {
			return NoteResult{}, err
		}
		return NoteResult{Customer: rc.Customer, Text: rc.Text, Created: rc.Created, Reminder: rc.Reminder}, nil
	}

	// No reading names a known customer.
	if whole := wholeName(in.Readings[0]); whole != "" {
		if ref, ok := s.Known(ctx, a, whole); ok {
			return NoteResult{}, &MissingTextError{Customer: ref, What: what}
		}
	}
	if !note {
		return NoteResult{}, s.unknown(ctx, a, first.Name, typed)
	}
	near, err := s.store.NearMisses(ctx, a.Team, typed, SuggestMax)
	if err != nil {
		return NoteResult{}, err
	}
	if len(near) > 0 {
		return NoteResult{}, nearMiss(in.Readings, near)
	}
	if n := utf8.RuneCountInString(first.Rest); n > smed.MaxTextRunes {
		return NoteResult{}, &TooLongError{What: what, Runes: n, Text: first.Name + " " + first.Rest}
	}
	req.Candidates, req.Create = []smed.Candidate{first}, true
	rc, err = s.store.AddNote(ctx, a.Team, req)
	if err != nil {
		return NoteResult{}, err
	}
	return firstWord(rc, in), nil
}

// firstWord is the result of a note that created its customer from the
// first word of an unquoted name.
func firstWord(rc smed.NoteReceipt, in NoteInput) NoteResult {
	res := NoteResult{Customer: rc.Customer, Text: rc.Text, Created: rc.Created, Reminder: rc.Reminder}
	if rc.Created && !in.Ended {
		res.FirstWord = true
		res.Longer = longerName(rc.Customer.Name, rc.Text)
	}
	return res
}

// nearMiss picks the longest reading that is close to one of the
// suggestions: that is what the user most likely mistyped.
func nearMiss(readings []smed.Candidate, near []smed.NameRef) *NearMissError {
	known := make([]string, len(near))
	for i, n := range near {
		known[i] = n.Name
	}
	pick := readings[len(readings)-1]
	for _, r := range readings {
		if len(names.NearMiss(r.Name, known, 1)) > 0 {
			pick = r
			break
		}
	}
	return &NearMissError{Typed: pick.Name, Text: pick.Rest, Suggestions: near}
}

// fitting keeps the readings whose text is within smed.MaxTextRunes, longest
// name first as before.
func fitting(cands []smed.Candidate) []smed.Candidate {
	out := make([]smed.Candidate, 0, len(cands))
	for _, c := range cands {
		if utf8.RuneCountInString(c.Rest) <= smed.MaxTextRunes {
			out = append(out, c)
		}
	}
	return out
}

// checkText validates a note or fact typed in a form (the parser checks what
// is typed after /customer).
func checkText(what, text string) (string, error) {
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case text == "":
		return "", &MissingTextError{What: what}
	case !utf8.ValidString(text):
		return "", &MissingTextError{What: what}
	case n > smed.MaxTextRunes:
		return "", &TooLongError{What: what, Runes: n, Text: text}
	}
	return text, nil
}

// wholeName is all the words of the longest reading, name and rest together:
// what the user may have meant as a name with nothing after it.
func wholeName(c smed.Candidate) string {
	if strings.ContainsAny(c.Rest, "\n") {
		return ""
	}
	return names.Display(c.Name + " " + c.Rest)
}

// longerName guesses the name a user may have meant when an unquoted new
// name took only its first word: "Nordlys" with a note starting "Møbler …"
// may be "Nordlys Møbler". It returns "" unless the next word starts with a
// capital and is a plain word.
func longerName(name, text string) string {
	next, _, _ := strings.Cut(text, " ")
	next = strings.TrimRight(next, ":,")
	if r, _ := utf8.DecodeRuneInString(next); !unicode.IsUpper(r) || strings.ContainsAny(next, "\n.;!?") {
		return ""
	}
	return name + " " + next
}

// Forgotten says what Forget removed.
type Forgotten struct {
	Customer smed.Customer
	Fact     smed.Fact
}

// FactChoiceError: the words match several remembered facts; Facts are the
// candidates, so the user can be more precise. Nothing was removed.
type FactChoiceError struct {
	Customer smed.Customer
	Facts    []smed.Fact
}

func (e *FactChoiceError) Error() string { return "several facts match" }

// NoSuchFactError: no remembered fact of the customer matches the words.
type NoSuchFactError struct {
	Customer smed.Customer
	Words    string
	Facts    []smed.Fact // what is remembered, to choose from
}

func (e *NoSuchFactError) Error() string { return "no fact matches " + e.Words }

// Forget removes the remembered fact that the words identify: the fact whose
// text equals them (case and spaces aside), else the only one that contains
// every word. Readings split the words into customer and fact words as for
// Remember.
func (s *Service) Forget(ctx context.Context, a Actor, readings []smed.Candidate) (Forgotten, error) {
	typed := make([]string, len(readings))
	for i, r := range readings {
		typed[i] = r.Name
	}
	ref, i, err := s.resolve(ctx, a, Target{Names: typed})
	if err != nil {
		return Forgotten{}, err
	}
	card, err := s.store.Card(ctx, a.Team, ref.ID, 0)
	if err != nil {
		return Forgotten{}, s.gone(ref.ID, err)
	}
	if err := s.allowed(ctx, a, ActForget, card.Customer); err != nil {
		return Forgotten{}, err
	}
	words := readings[i].Rest
	f, err := pickFact(card, words)
	if err != nil {
		return Forgotten{}, err
	}
	c, err := s.store.Forget(ctx, a.Team, ref.ID, f.ID)
	if errors.Is(err, smed.ErrNotFound) {
		return Forgotten{}, &NoSuchFactError{Customer: card.Customer, Words: words, Facts: card.Facts}
	}
	if err != nil {
		return Forgotten{}, err
	}
	return Forgotten{Customer: c, Fact: f}, nil
}

// pickFact is the fact the words identify (see Forget).
func pickFact(card smed.Card, words string) (smed.Fact, error) {
	want := names.Key(words)
	var hits []smed.Fact
	for _, f := range card.Facts {
		if names.Key(f.Text) == want {
			return f, nil
		}
		have := names.Key(f.Text)
		all := want != ""
		for _, w := range strings.Fields(want) {
			if !strings.Contains(have, w) {
				all = false
				break
			}
		}
		if all {
			hits = append(hits, f)
		}
	}
	switch len(hits) {
	case 1:
		return hits[0], nil
	case 0:
		return smed.Fact{}, &NoSuchFactError{Customer: card.Customer, Words: words, Facts: card.Facts}
	}
	return smed.Fact{}, &FactChoiceError{Customer: card.Customer, Facts: hits}
}

// FixWindow is how long a first-word customer can be turned into the longer
// name with one click.
const FixWindow = 10 * time.Minute

// ErrNotFixable: UseLonger found the customer changed since the note that
// created it (more notes, facts, a rename, another owner, or too late).
var ErrNotFixable = errors.New("app: that customer can no longer be fixed with one click")

// UseLonger is the one-click fix of a note whose unquoted new name took only
// its first word ("note Nordlys Møbler Karin called" made "Nordlys" with the
// note "Møbler Karin called"): the note moves to the longer name (created if
// need be) without the words that are now the name, and the first-word
// customer goes. Only its creator may, within FixWindow, while the note is
// all there is to it; otherwise ErrNotFixable and nothing changes.
func (s *Service) UseLonger(ctx context.Context, a Actor, id string) (NoteResult, error) {
	card, err := s.store.Card(ctx, a.Team, id, 2)
	if err != nil {
		return NoteResult{}, s.gone(id, err)
	}
	c := card.Customer
	if c.Owner != a.User || c.NoteCount != 1 || len(card.Notes) != 1 || len(card.Facts) != 0 || c.Formerly != "" ||
		s.Now().Sub(c.CreatedAt) > FixWindow || card.Notes[0].Author != a.User {
		return NoteResult{}, ErrNotFixable
	}
	note := card.Notes[0]
	longer := longerName(c.Name, note.Text)
	_, rest, _ := strings.Cut(note.Text, " ")
	rest = strings.TrimSpace(rest)
	if longer == "" || rest == "" {
		return NoteResult{}, ErrNotFixable
	}
	rc, err := s.store.AddNote(ctx, a.Team, smed.NoteRequest{Candidates: []smed.Candidate{{Name: longer, Rest: rest}},
		Author: a.User, At: note.At, Link: note.Link, Create: true, CadenceDays: c.CadenceDays})
	if err != nil {
		return NoteResult{}, err
	}
	// The note is safe on the longer name; now the first-word customer goes.
	// Should that fail, both exist and the user can delete or merge it.
	if _, err := s.store.Delete(ctx, a.Team, id); err != nil {
		s.log.WarnContext(ctx, "first-word customer not removed after the fix", "team_id", a.Team, "customer_id", id, "err", err)
	}
	return NoteResult{Customer: rc.Customer, Text: rc.Text, Created: rc.Created}, nil
}
