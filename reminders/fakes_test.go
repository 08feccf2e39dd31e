package reminders

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/smedhq/smed"
)

// memStore is an in-memory Store over a fixed set of customers.
type memStore struct {
	mu    sync.Mutex
	cards []smed.Card
	err   error
}

func (s *memStore) Overdue(ctx context.Context, team string, now time.Time, owner string) ([]smed.Card, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return nil, s.err
	}
	var out []smed.Card
	for _, c := range s.cards {
		if c.OverdueAt(now) && (owner == "" || c.Owner == owner) {
			out = append(out, c)
		}
	}
	// The real store orders by due time; the engine must not rely on it.
	slices.SortFunc(out, func(a, b smed.Card) int { return a.DueAt().Compare(b.DueAt()) })
	return out, nil
}

func (s *memStore) Totals(ctx context.Context, team string) (int, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var v int64
	for _, c := range s.cards {
		v += c.Value
	}
	return len(s.cards), v, nil
}

func (s *memStore) Owners(ctx context.Context, team string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, c := range s.cards {
		if c.Owner != "" && !seen[c.Owner] {
			seen[c.Owner] = true
			out = append(out, c.Owner)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (s *memStore) OwnedBy(ctx context.Context, team, owner string) ([]smed.Customer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []smed.Customer
	for _, c := range s.cards {
		if c.Owner == owner {
			out = append(out, c.Customer)
		}
	}
	return out, nil
}

// memGuard is smed.Guard in memory, with leases on the (possibly fake) clock.
type memGuard struct {
	mu        sync.Mutex
	until     map[string]time.Time
	confirmed map[string]bool
	claims    int
}

func newGuard() *memGuard {
	return &memGuard{until: map[string]time.Time{}, confirmed: map[string]bool{}}
}

func (g *memGuard) Claim(ctx context.Context, team, key string, lease time.Duration) (bool, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.claims++
	k := team + "/" + key
	if u, ok := g.until[k]; ok && time.Now().Before(u) {
		return false, nil
	}
	g.until[k] = time.Now().Add(lease)
	delete(g.confirmed, k)
	return true, nil
}

func (g *memGuard) Confirm(ctx context.Context, team, key string, keep time.Duration) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := team + "/" + key
	g.until[k] = time.Now().Add(keep)
	g.confirmed[k] = true
	return nil
}

func (g *memGuard) Release(ctx context.Context, team, key string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.until, team+"/"+key)
	return nil
}

func (g *memGuard) held(team, key string) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	_, ok := g.until[team+"/"+key]
	return ok
}

// memNotifier records what was sent; fail makes sends to those owners fail.
type memNotifier struct {
	mu        sync.Mutex
	reminders []Reminder
	digests   []Digest
	channels  []string
	fail      map[string]bool // owner (or channel) → fail
	at        []time.Time     // clock at each reminder send
}

func (n *memNotifier) SendReminder(ctx context.Context, team string, r Reminder) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail[r.Owner] {
		return fmt.Errorf("chat.postMessage to %s: %w", r.Owner, errors.New("ratelimited"))
	}
	n.reminders = append(n.reminders, r)
	n.at = append(n.at, time.Now())
	return nil
}

func (n *memNotifier) PostDigest(ctx context.Context, team, channel string, d Digest) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail[channel] {
		return errors.New("channel_not_found")
	}
	n.digests = append(n.digests, d)
	n.channels = append(n.channels, channel)
	return nil
}

func (n *memNotifier) owners() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, r := range n.reminders {
		out = append(out, r.Owner)
	}
	return out
}

// memDirectory: users in gone have left the workspace; err fails every lookup.
type memDirectory struct {
	gone map[string]bool
	err  error
}

func (d memDirectory) Deleted(ctx context.Context, userID string) (bool, error) {
	if d.err != nil {
		return false, d.err
	}
	return d.gone[userID], nil
}
