package storage

import (
	"context"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed/internal/redistest"
	"github.com/smedhq/smed/reminders"
)

type sentDMs struct {
	mu sync.Mutex
	n  int
}

func (s *sentDMs) SendReminder(ctx context.Context, team string, r reminders.Reminder) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	return nil
}

func (s *sentDMs) PostDigest(ctx context.Context, team, channel string, d reminders.Digest) error {
	return nil
}

type nobodyLeft struct{}

func (nobodyLeft) Deleted(ctx context.Context, user string) (bool, error) { return false, nil }

// A reminder pass reads the due index and pipelines what it lists: its
// round trips to Redis per owner DMed stay the same when the team has ten
// times the owners and customers (ten customers an owner, a third overdue).
func TestReminderPassRoundTripsPerOwner(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("loads 22,000 customers")
	}
	per := map[int]float64{}
	for _, n := range []int{2000, 20000} {
		srv := redistest.Server(t)
		s := storeAt(t, srv.URL())
		st := loadOwners(t, s, n, n, n/10)
		var rt trips
		s.rdb.(*redis.Client).AddHook(&rt)
		dms := &sentDMs{}
		e := reminders.NewEngine(s, s, dms, nobodyLeft{}, nil, nil, reminders.WithLoyalty(s))
		_, sum, err := e.Remind(context.Background(), team, st.now)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Sent == 0 || sum.Sent != dms.n || sum.Failed != 0 {
			t.Fatalf("%d customers: %+v, %d DMs", n, sum, dms.n)
		}
		per[n] = float64(rt.n.Load()) / float64(sum.Sent)
		t.Logf("%d customers, %d owners DMed: %d round trips, %.2f an owner", n, sum.Sent, rt.n.Load(), per[n])
	}
	if per[20000] > per[2000]*1.1 || per[20000] > 10 {
		t.Errorf("round trips an owner: %.2f at 2k customers, %.2f at 20k: want the same, and a few", per[2000], per[20000])
	}
}
