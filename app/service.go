// Package app is Smed's application layer: the use cases that every surface
// calls — the slash command, the shell, buttons, modals, App Home, shortcuts
// and events. It owns the rules (who may change what, what counts as contact,
// value at risk, the "did you mean" decision) and returns domain results and
// typed errors; it renders nothing.
//
// It knows neither Slack nor Redis: it imports the domain (smed, names) and
// the reminders engine's types, and talks to the outside through smed.Store,
// Directory and Digester. Package bot parses and renders around it; package
// storage implements the Store. So a rule is tested once, here, without
// either.
//
// To find a behaviour: a /customer verb (bot/registry.go) → a Service method
// here → a smed.Store method (storage/).
package app

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"
	"unicode"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/loyalty"
	"github.com/smedhq/smed/reminders"
)

// Directory answers who is still in the workspace (Slack users.info). An
// error means the answer is unknown.
type Directory interface {
	Deleted(ctx context.Context, userID string) (bool, error)
}

// Digester builds the neglected-accounts digest without posting it
// (*reminders.Engine).
type Digester interface {
	BuildDigest(ctx context.Context, team string, now time.Time) (reminders.Digest, error)
}

// Config configures a Service.
type Config struct {
	Store smed.Store
	// The rest of the system of record, each nil where the store does not
	// offer it yet: the use cases that need it answer ErrUnsupported.
	Links     smed.Links
	Deals     smed.Deals
	Undo      smed.Undo
	Reminders smed.ReminderMessages
	Figures   smed.Loyalty

	Directory Directory // nil: nobody ever leaves (the shell, tests)
	Digest    Digester  // nil: Neglected answers ErrNoDigest
	Now       func() time.Time
	// Location is reminders.timezone: times the Service returns are in it,
	// so every date a surface shows is the team's.
	Location       *time.Location
	DefaultCadence int      // days, for customers created by a note
	Admins         []string // user IDs who may change any customer's owner, delete and merge
	// Loyalty tunes the figures: the bounds of a learned cadence and the
	// health weights (zero: loyalty.DefaultConfig).
	Loyalty loyalty.Config
	Log     *slog.Logger
}

// Service runs Smed's use cases. It is safe for concurrent use and holds no
// state of its own: replicas share the Store.
type Service struct {
	store          smed.Store
	links          smed.Links
	deals          smed.Deals
	undo           smed.Undo
	rmsgs          smed.ReminderMessages
	figures        smed.Loyalty
	dir            Directory
	digest         Digester
	clock          func() time.Time
	loc            *time.Location
	defaultCadence int
	admins         map[string]bool
	loyalty        loyalty.Config
	log            *slog.Logger
}

// New returns a Service.
func New(cfg Config) *Service {
	s := &Service{store: cfg.Store, links: cfg.Links, deals: cfg.Deals, undo: cfg.Undo, rmsgs: cfg.Reminders, figures: cfg.Figures, dir: cfg.Directory, digest: cfg.Digest, clock: cfg.Now,
		loc: cfg.Location, defaultCadence: cfg.DefaultCadence, admins: map[string]bool{}, log: cfg.Log}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.loc == nil {
		s.loc = time.UTC
	}
	if s.defaultCadence <= 0 {
		s.defaultCadence = 30
	}
	if s.dir == nil {
		s.dir = everyoneHere{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	for _, a := range cfg.Admins {
		s.admins[a] = true
	}
	s.loyalty = cfg.Loyalty
	if s.loyalty.Weights == (loyalty.Weights{}) && s.loyalty.Bounds == (loyalty.Bounds{}) {
		s.loyalty = loyalty.DefaultConfig()
	}
	return s
}

// Now is the Service's clock in the team's zone.
func (s *Service) Now() time.Time { return s.clock().In(s.loc) }

// IsAdmin reports whether user is one of the configured admins.
func (s *Service) IsAdmin(user string) bool { return s.admins[user] }

// Actor is who asks, and in which workspace.
type Actor struct {
	Team string // Slack team ID (or "local")
	User string // Slack user ID (or a local name in the shell)
}

// Target names the customer a use case acts on: by ID (buttons, modals,
// events: anything after a first resolution), or by the names a user may have
// meant, longest reading first (the parser offers several when an argument
// follows the name: "value Kobber & Co 250 000").
type Target struct {
	ID    string
	Names []string
}

// ByID targets a customer by its ID.
func ByID(id string) Target { return Target{ID: id} }

// ByName targets a customer by one typed name.
func ByName(name string) Target { return Target{Names: []string{name}} }

// resolve finds the target's customer. For names it returns the index of the
// reading that matched; when none does, an *UnknownCustomerError with the
// near-misses of every reading.
func (s *Service) resolve(ctx context.Context, a Actor, t Target) (smed.NameRef, int, error) {
	if t.ID != "" {
		c, err := s.store.Customer(ctx, a.Team, t.ID)
		if errors.Is(err, smed.ErrNotFound) {
			return smed.NameRef{}, 0, &GoneError{ID: t.ID}
		}
		if err != nil {
			return smed.NameRef{}, 0, err
		}
		return smed.NameRef{ID: c.ID, Name: c.Name}, 0, nil
	}
	if len(t.Names) == 0 {
		return smed.NameRef{}, 0, errors.New("app: target has neither ID nor name")
	}
	ref, i, err := s.store.Resolve(ctx, a.Team, t.Names)
	if errors.Is(err, smed.ErrNotFound) {
		return smed.NameRef{}, 0, s.unknown(ctx, a, t.Names[len(t.Names)-1], t.Names)
	}
	return ref, i, err
}

// unknown builds the answer for a name that names no customer: the
// near-misses of every reading the user may have meant.
func (s *Service) unknown(ctx context.Context, a Actor, name string, readings []string) error {
	near, err := s.store.NearMisses(ctx, a.Team, readings, SuggestMax)
	if err != nil {
		return err
	}
	return &UnknownCustomerError{Name: name, Suggestions: near}
}

// Known reports whether name names a customer, and which. A store failure
// reads as unknown: callers use it to choose between two answers, never to
// write.
func (s *Service) Known(ctx context.Context, a Actor, name string) (smed.NameRef, bool) {
	if name == "" {
		return smed.NameRef{}, false
	}
	ref, _, err := s.store.Resolve(ctx, a.Team, []string{name})
	return ref, err == nil
}

// Sizes of what the use cases return.
const (
	SuggestMax = 3  // "did you mean" names
	CardNotes  = 5  // latest notes on a card
	HistoryLen = 10 // timeline entries a page
	FindLen    = 20 // search matches a page
	ListMax    = 25 // customers a list shows
)

// everyoneHere is the Directory where there is no Slack to ask.
type everyoneHere struct{}

func (everyoneHere) Deleted(context.Context, string) (bool, error) { return false, nil }

// Resolve finds the customer a target names, and for names the index of the
// reading that matched: a surface that offered several splits of the words
// ("value Kobber & Co 250 000") learns which one was the name. An unknown
// name is an *UnknownCustomerError with near-misses; a missing ID a
// *GoneError.
func (s *Service) Resolve(ctx context.Context, a Actor, t Target) (smed.NameRef, int, error) {
	return s.resolve(ctx, a, t)
}

// Suggest is the type-ahead of a customer field: names that start with what
// was typed, then near-misses, at most limit, from the name index.
func (s *Service) Suggest(ctx context.Context, a Actor, typed string, limit int) ([]smed.NameRef, error) {
	return s.store.Suggest(ctx, a.Team, typed, limit)
}

// mentionWords and mentionLen bound Mentioned: the first words of a message,
// and names of up to four words.
const (
	mentionWords = 40
	mentionLen   = 4
)

// Mentioned finds a known customer that a message names: the longest run of
// up to four words, among its first forty, that is a customer's name. One
// lookup in the name index; false when none (or the store cannot say).
func (s *Service) Mentioned(ctx context.Context, a Actor, text string) (smed.NameRef, bool) {
	words := strings.FieldsFunc(text, func(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune(".,;:!?()[]\"“”«»", r) })
	words = words[:min(len(words), mentionWords)]
	var cands []string
	for n := mentionLen; n >= 1; n-- {
		for i := 0; i+n <= len(words); i++ {
			cands = append(cands, strings.Join(words[i:i+n], " "))
		}
	}
	if len(cands) == 0 {
		return smed.NameRef{}, false
	}
	ref, _, err := s.store.Resolve(ctx, a.Team, cands)
	return ref, err == nil
}
