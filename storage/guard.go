package storage

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// Guard: a claimed key holds "pending" for the lease, a confirmed one "sent"
// for keep. SET NX makes the claim exclusive across processes; a lease that
// runs out (the process died mid-send) frees the key for the next run.

// Claim takes key for lease; false when it is sent or being sent.
func (s *Store) Claim(ctx context.Context, team, key string, lease time.Duration) (bool, error) {
	const op = "claim"
	k, err := s.guardKey(op, team, key, lease)
	if err != nil {
		return false, err
	}
	ok, err := s.rdb.SetArgs(ctx, k, "pending", redis.SetArgs{Mode: "NX", TTL: lease}).Result()
	if errors.Is(err, redis.Nil) {
		return false, nil // taken
	}
	if err != nil {
		return false, wrap(op, err)
	}
	return ok == "OK", nil
}

// Confirm marks key as sent for keep.
func (s *Store) Confirm(ctx context.Context, team, key string, keep time.Duration) error {
	const op = "confirm"
	k, err := s.guardKey(op, team, key, keep)
	if err != nil {
		return err
	}
	return wrap(op, s.rdb.Set(ctx, k, "sent", keep).Err())
}

// Release frees key when it is still claimed (never a confirmed one).
func (s *Store) Release(ctx context.Context, team, key string) error {
	const op = "release"
	k, err := s.guardKey(op, team, key, time.Millisecond)
	if err != nil {
		return err
	}
	return wrap(op, releaseScript.Run(ctx, s.rdb, []string{k}).Err())
}

func (s *Store) guardKey(op, team, key string, ttl time.Duration) (string, error) {
	k, err := s.team(op, team)
	if err != nil {
		return "", err
	}
	if err := checkGuardKey(key); err != nil {
		return "", invalid(op, "%v", err)
	}
	if ttl < time.Millisecond {
		return "", invalid(op, "duration must be at least 1ms, got %v", ttl)
	}
	return k.guard(key), nil
}
