package storage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
)

var _ smed.Deals = (*Store)(nil)

// dealIDOf is the ID of a deal with an idempotency key: 12 hex digits of
// SHA-256 of the key, so the same key makes the same deal ID on any store
// (a deals file imported twice, also after a backup and restore). Deals
// without a key get the next team sequence number (digits only), so the two
// kinds of ID cannot meet in practice.
func dealIDOf(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:6])
}

// AddDeal logs a deal in one script, resolving the name as a note does (see
// dealScript); with Key, a second deal of the same Key on the customer
// writes nothing and reports Duplicate.
func (s *Store) AddDeal(ctx context.Context, team string, req smed.DealRequest) (smed.DealReceipt, error) {
	const op = "add deal"
	k, err := s.team(op, team)
	if err != nil {
		return smed.DealReceipt{}, err
	}
	if req.At.IsZero() {
		return smed.DealReceipt{}, invalid(op, "no time given")
	}
	if err := smed.CheckValue(req.Amount); err != nil {
		return smed.DealReceipt{}, wrapf(op, "%w", err)
	}
	if err := checkOwner(req.Author); err != nil {
		return smed.DealReceipt{}, wrapf(op, "author: %w", err)
	}
	rs, err := readingsOf(op, team, req.CustomerID, req.Text, req.Candidates)
	if err != nil {
		return smed.DealReceipt{}, err
	}
	if len(rs) == 0 {
		return smed.DealReceipt{}, wrap(op, redis.Nil)
	}
	did := ""
	if req.Key != "" {
		did = dealIDOf(req.Key)
	}
	at := toMS(req.At)
	for attempt := 0; ; attempt++ {
		keyList := k.teamKeys(2 * len(rs))
		args := []any{req.Author, at, req.Amount, did, len(rs)}
		for _, r := range rs {
			keyList = append(keyList, k.customer(r.id), k.deals(r.id))
			args = append(args, r.key, r.id, r.text)
		}
		res, err := dealScript.Run(ctx, s.rdb, keyList, args...).Slice()
		if err != nil {
			return smed.DealReceipt{}, wrap(op, err)
		}
		status := str(res[0])
		switch {
		case status == "ok" || status == "dup":
			if len(res) < 3 {
				return smed.DealReceipt{}, committed(op, errors.New("short reply"))
			}
			j, _ := res[1].(int64)
			if j < 1 || int(j) > len(rs) {
				return smed.DealReceipt{}, committed(op, fmt.Errorf("script matched reading %d of %d", j, len(rs)))
			}
			c, err := decodeCustomer(pairs(res[3:]))
			if err != nil {
				return smed.DealReceipt{}, committed(op, err)
			}
			r := rs[j-1]
			rc := smed.DealReceipt{Customer: c, Matched: r.at}
			if status == "dup" {
				rc.Duplicate = true
				return rc, nil
			}
			rc.Deal = smed.Deal{ID: str(res[2]), At: fromMS(at), Author: req.Author, Amount: req.Amount, Text: r.text}
			return rc, nil
		case status == "none":
			return smed.DealReceipt{}, wrap(op, redis.Nil)
		case status == "moved" && len(res) == 3 && attempt < 2:
			j, _ := res[1].(int64)
			if j < 1 || int(j) > len(rs) {
				return smed.DealReceipt{}, errorf("%s: script moved reading %d of %d", op, j, len(rs))
			}
			rs[j-1].id = str(res[2])
		case status == "moved":
			return smed.DealReceipt{}, fmt.Errorf("storage: %s: %w: the customer changed while resolving it", op, smed.ErrConflict)
		default:
			return smed.DealReceipt{}, errorf("%s: unexpected script reply %q", op, status)
		}
	}
}

// Deals reads the customer's deal list (kept oldest first) and returns the
// deals at or after since, newest first.
func (s *Store) Deals(ctx context.Context, team, id string, since time.Time) ([]smed.Deal, error) {
	const op = "deals"
	k, err := s.customerKeys(op, team, id)
	if err != nil {
		return nil, err
	}
	pipe := s.rdb.Pipeline()
	exists := pipe.Exists(ctx, k.customer(id))
	raw := pipe.LRange(ctx, k.deals(id), 0, -1)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, wrap(op, err)
	}
	if exists.Val() == 0 {
		return nil, wrap(op, redis.Nil)
	}
	var out []smed.Deal
	list := raw.Val()
	for i := len(list) - 1; i >= 0; i-- {
		d, err := decodeDeal(list[i])
		if err != nil {
			return nil, wrapf(op, "deal of %s: %w", id, err)
		}
		if !d.At.Before(since) {
			out = append(out, d)
		}
	}
	slices.SortStableFunc(out, func(a, b smed.Deal) int { return b.At.Compare(a.At) })
	return out, nil
}

// decodeDeal reads "<deal id>\t<at ms>\t<author>\t<amount>\t<text>" (only the
// text may hold a tab, and it comes last).
func decodeDeal(raw string) (smed.Deal, error) {
	p := strings.SplitN(raw, "\t", 5)
	if len(p) != 5 {
		return smed.Deal{}, fmt.Errorf("decode deal: %d fields, want 5", len(p))
	}
	at, err1 := strconv.ParseInt(p[1], 10, 64)
	amount, err2 := strconv.ParseInt(p[3], 10, 64)
	if err1 != nil || err2 != nil {
		return smed.Deal{}, fmt.Errorf("decode deal: bad number in %q %q", p[1], p[3])
	}
	return smed.Deal{ID: p[0], At: fromMS(at), Author: p[2], Amount: amount, Text: p[4]}, nil
}

// decodeTouch reads "<at ms>\t<author>\t<side>\t<channel>\t<ts>".
func decodeTouch(raw string) (smed.Touch, error) {
	p := strings.Split(raw, "\t")
	if len(p) != 5 {
		return smed.Touch{}, fmt.Errorf("decode touch: %d fields, want 5", len(p))
	}
	at, err := strconv.ParseInt(p[0], 10, 64)
	if err != nil {
		return smed.Touch{}, fmt.Errorf("decode touch: bad time %q", p[0])
	}
	return smed.Touch{At: fromMS(at), Author: p[1], Side: smed.Side(p[2]), Channel: p[3], TS: p[4]}, nil
}
