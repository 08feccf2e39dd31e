package storage

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

var _ smed.Backups = (*Store)(nil)

// backupBatch is how many customers one pipeline of Backup reads, with all
// their lists.
const backupBatch = 100

// Restore pipelines at most restoreBatch customers' scripts, and at most
// about restoreBytes of their arguments, per round trip: the client's read
// timeout (about a second) bounds the whole pipeline.
const (
	restoreBatch = 50
	restoreBytes = 256 << 10
)

// Backup yields every record of the team, customers in ID order, each with
// its facts, notes, revisions, deals and touches as stored (oldest first)
// and its links by channel.
//
// It first reads every customer ID with ZSCAN of the due index (which holds
// every customer; no SCAN of the key space, so it works the same on Redis
// Cluster) and sorts them: about 30 bytes of memory a customer (30 MB for a
// million). Then it reads the customers backupBatch at a time, one pipeline
// each, and yields their records before reading on: beyond the IDs, memory
// holds one batch.
//
// Each customer is read in one pipeline with its lists, so it is consistent
// in itself only as far as a pipeline is (a write between two of its reads
// is possible); the backup as a whole is not a point-in-time snapshot while
// writes go on. A customer deleted while the backup runs is left out.
func (s *Store) Backup(ctx context.Context, team string) iter.Seq2[smed.Record, error] {
	const op = "backup"
	return func(yield func(smed.Record, error) bool) {
		k, err := s.team(op, team)
		if err != nil {
			yield(smed.Record{}, err)
			return
		}
		ids, err := s.customerIDs(ctx, k)
		if err != nil {
			yield(smed.Record{}, wrap(op, err))
			return
		}
		for chunk := range slices.Chunk(ids, backupBatch) {
			recs, err := s.backupChunk(ctx, k, chunk)
			if err != nil {
				yield(smed.Record{}, wrap(op, err))
				return
			}
			for _, r := range recs {
				if !yield(r, nil) {
					return
				}
			}
		}
	}
}

// customerIDs is every customer ID of the team, sorted, from the due index.
func (s *Store) customerIDs(ctx context.Context, k keys) ([]string, error) {
	var ids []string
	var cursor uint64
	for {
		vals, next, err := s.rdb.ZScan(ctx, k.due(), cursor, "", 1000).Result()
		if err != nil {
			return nil, err
		}
		for i := 0; i < len(vals); i += 2 { // member, score
			if idRE.MatchString(vals[i]) {
				ids = append(ids, vals[i])
			}
		}
		if next == 0 {
			break
		}
		cursor = next
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil // ZSCAN may return a member twice
}

// backupChunk reads customers with all their lists in one pipeline and turns
// them into records; customers whose hash is gone are skipped.
func (s *Store) backupChunk(ctx context.Context, k keys, ids []string) ([]smed.Record, error) {
	pipe := s.rdb.Pipeline()
	type reads struct {
		hash                               *redis.MapStringStringCmd
		facts, notes, revs, deals, touches *redis.StringSliceCmd
		links                              *redis.StringSliceCmd
	}
	rs := make([]reads, len(ids))
	for i, id := range ids {
		rs[i] = reads{
			hash:    pipe.HGetAll(ctx, k.customer(id)),
			facts:   pipe.LRange(ctx, k.facts(id), 0, -1),
			notes:   pipe.LRange(ctx, k.notes(id), 0, -1),
			revs:    pipe.LRange(ctx, k.revisions(id), 0, -1),
			deals:   pipe.LRange(ctx, k.deals(id), 0, -1),
			touches: pipe.LRange(ctx, k.touches(id), 0, -1),
			links:   pipe.SMembers(ctx, k.linked(id)),
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	var out []smed.Record
	for i, id := range ids {
		r := rs[i]
		if len(r.hash.Val()) == 0 {
			continue // deleted since the IDs were read
		}
		c, err := backupCustomer(r.hash.Val())
		if err != nil {
			return nil, err
		}
		add := func(rec smed.Record) { rec.CustomerID = id; out = append(out, rec) }
		add(smed.Record{Kind: smed.RecordCustomer, Customer: c})
		for _, raw := range r.facts.Val() {
			e, err := decodeEntry(raw)
			if err != nil {
				return nil, fmt.Errorf("fact of %s: %w", id, err)
			}
			add(smed.Record{Kind: smed.RecordFact, Fact: e.fact()})
		}
		for _, raw := range r.notes.Val() {
			e, err := decodeEntry(raw)
			if err != nil {
				return nil, fmt.Errorf("note of %s: %w", id, err)
			}
			add(smed.Record{Kind: smed.RecordNote, Note: e.note()})
		}
		for _, raw := range r.revs.Val() {
			v, err := decodeRevision(raw)
			if err != nil {
				return nil, fmt.Errorf("revision of %s: %w", id, err)
			}
			add(smed.Record{Kind: smed.RecordRevision, Revision: v})
		}
		for _, raw := range r.deals.Val() {
			d, err := decodeDeal(raw)
			if err != nil {
				return nil, fmt.Errorf("deal of %s: %w", id, err)
			}
			add(smed.Record{Kind: smed.RecordDeal, Deal: d})
		}
		for _, raw := range r.touches.Val() {
			t, err := decodeTouch(raw)
			if err != nil {
				return nil, fmt.Errorf("touch of %s: %w", id, err)
			}
			add(smed.Record{Kind: smed.RecordTouch, Touch: t})
		}
		links := r.links.Val()
		slices.Sort(links)
		for _, ch := range links {
			add(smed.Record{Kind: smed.RecordLink, Channel: ch})
		}
	}
	return out, nil
}

// backupCustomer decodes a customer hash, naming it in the error.
func backupCustomer(m map[string]string) (smed.Customer, error) {
	c, err := decodeCustomer(m)
	if err != nil {
		return smed.Customer{}, fmt.Errorf("customer %s: %w", m["id"], err)
	}
	return c, nil
}

func encodeDeal(d smed.Deal) string {
	return noTabs(d.ID) + "\t" + strconv.FormatInt(toMS(d.At), 10) + "\t" + noTabs(d.Author) + "\t" +
		strconv.FormatInt(d.Amount, 10) + "\t" + clean(d.Text)
}

func encodeTouch(t smed.Touch) string {
	return strconv.FormatInt(toMS(t.At), 10) + "\t" + noTabs(t.Author) + "\t" + string(t.Side) + "\t" +
		noTabs(t.Channel) + "\t" + noTabs(t.TS)
}

// Empty reports whether the team has no customers: ZCARD of the due index,
// which holds every customer.
func (s *Store) Empty(ctx context.Context, team string) (bool, error) {
	const op = "empty"
	k, err := s.team(op, team)
	if err != nil {
		return false, err
	}
	n, err := s.rdb.ZCard(ctx, k.due()).Result()
	if err != nil {
		return false, wrap(op, err)
	}
	return n == 0, nil
}

// reserveScript raises the entry sequence to at least ARGV[1].
// KEYS[1] seq.
var reserveScript = newScript("reserve", `
if tonumber(redis.call('GET', KEYS[1]) or '0') < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1])
end
return 1
`)

// ReserveEntryIDs raises the team's entry sequence to at least upTo, so that
// no note or name that a later Restore numbers takes a sequence number that
// a fact of the backup keeps as its ID (a fact's ID is its sequence number,
// see keys.go). Restore does the same with the largest fact ID of the
// records it is given; a caller that restores a backup in several calls
// (smed restore, one group of customers at a time) calls this first with
// the largest fact ID of the whole file, or a fact of a later call may find
// its number taken and be numbered anew.
func (s *Store) ReserveEntryIDs(ctx context.Context, team string, upTo int64) error {
	const op = "reserve entry IDs"
	k, err := s.team(op, team)
	if err != nil {
		return err
	}
	if upTo <= 0 {
		return nil
	}
	return wrap(op, reserveScript.Run(ctx, s.rdb, []string{k.seq()}, upTo).Err())
}

// FactSeq is the sequence number a fact ID stands for (ReserveEntryIDs), 0
// when the ID is not one this store gives (or one past the word index's
// bound, maxSeq): Restore numbers such a fact anew.
func FactSeq(id string) int64 {
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil || n < 1 || n > maxSeq || strconv.FormatInt(n, 10) != id {
		return 0
	}
	return n
}

// restoreGroup is one customer of a Restore, checked, ready to become
// restoreScript's KEYS and ARGV.
type restoreGroup struct {
	c        smed.Customer
	info     nameInfo
	facts    []smed.Fact
	factSeq  []int64 // 0: number anew
	notes    []smed.Note
	revs     []smed.Revision
	deals    []smed.Deal
	touches  []smed.Touch
	channels []string
}

// Restore writes the records (one or more customers, each followed by its
// own) as they are, IDs and times included, with every index: one
// restoreScript per customer, several per round trip.
//
// Everything is checked before the first write: the records (ErrInvalid),
// and that no customer exists already unless merge is set, that no name is
// held by another customer and that no channel is linked to another one
// (ErrConflict). A conflict that appears between the check and the write
// (another process writing) stops the restore at that customer; the ones
// before it are written.
//
// Times are kept to the millisecond, as the store keeps them. A fact keeps
// its ID (its sequence number) unless the team used that number already
// (see ReserveEntryIDs); notes and names are numbered anew, in the order
// restored, so Find lists restored entries most recently restored first
// until new ones are written.
func (s *Store) Restore(ctx context.Context, team string, records []smed.Record, merge bool) error {
	const op = "restore"
	k, err := s.team(op, team)
	if err != nil {
		return err
	}
	groups, err := restoreGroups(records)
	if err != nil {
		return fmt.Errorf("storage: %s: %w", op, err)
	}
	if len(groups) == 0 {
		return nil
	}
	if err := s.restoreCheck(ctx, k, groups, merge); err != nil {
		return err
	}
	var floor int64
	for _, g := range groups {
		for _, q := range g.factSeq {
			floor = max(floor, q)
		}
	}
	type script struct {
		id   string
		keys []string
		args []any
	}
	var (
		batch []script
		size  int
	)
	done := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		cmds := make([]*redis.Cmd, len(batch))
		if done == 0 {
			// The first one alone loads the script (EVALSHA, then EVAL).
			cmds[0] = restoreScript.Run(ctx, s.rdb, batch[0].keys, batch[0].args...)
		}
		pipe := s.rdb.Pipeline()
		for i, sc := range batch {
			if cmds[i] == nil {
				cmds[i] = restoreScript.EvalSha(ctx, pipe, sc.keys, sc.args...)
			}
		}
		if pipe.Len() > 0 {
			_, _ = pipe.Exec(ctx) // errors are read per command below
		}
		for i, sc := range batch {
			if err := cmds[i].Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
				// Not run: the node lost its scripts (a restart, a
				// failover). Run it alone, which loads the script.
				cmds[i] = restoreScript.Run(ctx, s.rdb, sc.keys, sc.args...)
			}
			res, err := cmds[i].Slice()
			if err != nil {
				return fmt.Errorf("%w (customer %s; %d restored before it)", wrap(op, err), sc.id, done)
			}
			switch str(res[0]) {
			case "ok":
				done++
			case "exists":
				return fmt.Errorf("storage: %s: customer %s exists (%d restored before it): %w", op, sc.id, done, smed.ErrConflict)
			case "name":
				return fmt.Errorf("storage: %s: customer %s: its name is held by customer %s (%d restored before it): %w", op, sc.id, str(res[1]), done, smed.ErrConflict)
			case "link":
				return fmt.Errorf("storage: %s: customer %s: channel %s is linked to customer %s (%d restored before it): %w", op, sc.id, str(res[1]), str(res[2]), done, smed.ErrConflict)
			default:
				return errorf("%s: unexpected script reply %v", op, res[0])
			}
		}
		batch, size = batch[:0], 0
		return nil
	}
	for _, g := range groups {
		keyList, args, n := g.build(k, floor, merge)
		if len(batch) > 0 && (len(batch) >= restoreBatch || size+n > restoreBytes) {
			if err := flush(); err != nil {
				return err
			}
		}
		batch = append(batch, script{g.c.ID, keyList, args})
		size += n
	}
	return flush()
}

// CheckRestore checks what Restore would check before its first write, and
// writes nothing: the records (ErrInvalid), and against the team as it is
// now that no customer exists unless merge is set, that no name is another
// customer's and no channel linked to another one (ErrConflict). smed
// restore calls it on every part of a file before it restores the first.
func (s *Store) CheckRestore(ctx context.Context, team string, records []smed.Record, merge bool) error {
	const op = "restore"
	k, err := s.team(op, team)
	if err != nil {
		return err
	}
	groups, err := restoreGroups(records)
	if err != nil {
		return fmt.Errorf("storage: %s: %w", op, err)
	}
	return s.restoreCheck(ctx, k, groups, merge)
}

// BackupCheck checks what no part of a backup alone can show, as the parts
// of a file go by: two customers with one name, a channel linked to two
// customers. It keeps a name key per customer and each channel. It also
// finds the largest fact ID, for ReserveEntryIDs.
type BackupCheck struct {
	names    map[string]string // name key → customer ID
	channels map[string]string // channel → customer ID
	top      int64
}

// NewBackupCheck starts a check.
func NewBackupCheck() *BackupCheck {
	return &BackupCheck{names: map[string]string{}, channels: map[string]string{}}
}

// Add checks one customer's records (the customer first) against those
// added before: ErrConflict for a name or channel another customer has.
func (b *BackupCheck) Add(records []smed.Record) error {
	id := ""
	for _, r := range records {
		switch r.Kind {
		case smed.RecordCustomer:
			id = r.CustomerID
			key, ok := nameKey(r.Customer.Name)
			if !ok {
				continue // Restore says why
			}
			if other, ok := b.names[key]; ok && other != id {
				return fmt.Errorf("%w: customers %s and %s have the same name %q", smed.ErrConflict, other, id, r.Customer.Name)
			}
			b.names[key] = id
		case smed.RecordLink:
			if other, ok := b.channels[r.Channel]; ok && other != r.CustomerID {
				return fmt.Errorf("%w: channel %s is linked to customers %s and %s", smed.ErrConflict, r.Channel, other, r.CustomerID)
			}
			b.channels[r.Channel] = r.CustomerID
		case smed.RecordFact:
			b.top = max(b.top, FactSeq(r.Fact.ID))
		}
	}
	return nil
}

// MaxFactID is the largest fact ID (as FactSeq reads it) added so far.
func (b *BackupCheck) MaxFactID() int64 { return b.top }

// restoreGroups checks records and groups them by customer.
func restoreGroups(records []smed.Record) ([]*restoreGroup, error) {
	var (
		groups  []*restoreGroup
		g       *restoreGroup
		seen    = map[string]bool{} // customer IDs
		keysOf  = map[string]string{}
		linked  = map[string]string{}
		factIDs = map[int64]bool{}
	)
	for i, r := range records {
		bad := func(format string, args ...any) error {
			return fmt.Errorf("%w: record %d (%s of %s): %s", smed.ErrInvalid, i+1, r.Kind, r.CustomerID, fmt.Sprintf(format, args...))
		}
		if r.Kind == smed.RecordCustomer {
			c := r.Customer
			if c.ID != r.CustomerID {
				return nil, bad("the customer's ID is %q", c.ID)
			}
			if err := checkCustomer(c); err != nil {
				return nil, bad("%v", err)
			}
			if seen[c.ID] {
				return nil, bad("the customer comes twice")
			}
			seen[c.ID] = true
			info, _ := nameOf(c.Name)
			if other, ok := keysOf[info.key]; ok {
				return nil, fmt.Errorf("%w: customers %s and %s have the same name %q", smed.ErrConflict, other, c.ID, c.Name)
			}
			keysOf[info.key] = c.ID
			g = &restoreGroup{c: c, info: info}
			groups = append(groups, g)
			continue
		}
		if g == nil || r.CustomerID != g.c.ID {
			return nil, bad("it does not follow its customer")
		}
		switch r.Kind {
		case smed.RecordFact:
			f := r.Fact
			if err := checkEntry(f.Author, false, f.At, f.Text); err != nil {
				return nil, bad("%v", err)
			}
			q := FactSeq(f.ID)
			if q > 0 && factIDs[q] {
				q = 0 // an ID twice: the second is numbered anew
			}
			factIDs[q] = true
			g.facts = append(g.facts, f)
			g.factSeq = append(g.factSeq, q)
		case smed.RecordNote:
			n := r.Note
			if err := checkEntry(n.Author, true, n.At, n.Text); err != nil {
				return nil, bad("%v", err)
			}
			if n.SavedBy != "" {
				if err := smed.CheckUserID(n.SavedBy); err != nil {
					return nil, bad("saved by: %v", err)
				}
			}
			g.notes = append(g.notes, n)
		case smed.RecordRevision:
			v := r.Revision
			switch v.Field {
			case "owner", "value", "cadence", "name", "merge":
			default:
				return nil, bad("field %q", v.Field)
			}
			if err := checkEntry(v.By, false, v.At, ""); err != nil {
				return nil, bad("%v", err)
			}
			g.revs = append(g.revs, v)
		case smed.RecordDeal:
			d := r.Deal
			if d.ID == "" || noTabs(d.ID) != d.ID || len(d.ID) > 64 {
				return nil, bad("deal ID %q", d.ID)
			}
			if err := smed.CheckValue(d.Amount); err != nil {
				return nil, bad("%v", err)
			}
			if err := checkEntry(d.Author, false, d.At, d.Text); err != nil {
				return nil, bad("%v", err)
			}
			g.deals = append(g.deals, d)
		case smed.RecordTouch:
			t := r.Touch
			if err := checkEntry(t.Author, true, t.At, ""); err != nil {
				return nil, bad("%v", err)
			}
			if t.Side != smed.SideTeam && t.Side != smed.SideCustomer {
				return nil, bad("side %q", t.Side)
			}
			if err := smed.CheckChannelID(t.Channel); err != nil {
				return nil, bad("%v", err)
			}
			if noTabs(t.TS) != t.TS || len(t.TS) > 40 {
				return nil, bad("ts %q", t.TS)
			}
			g.touches = append(g.touches, t)
		case smed.RecordLink:
			if err := smed.CheckChannelID(r.Channel); err != nil {
				return nil, bad("%v", err)
			}
			if other, ok := linked[r.Channel]; ok {
				if other == g.c.ID {
					continue // twice: once is enough
				}
				return nil, fmt.Errorf("%w: channel %s is linked to customers %s and %s", smed.ErrConflict, r.Channel, other, g.c.ID)
			}
			linked[r.Channel] = g.c.ID
			g.channels = append(g.channels, r.Channel)
		default:
			return nil, bad("unknown kind")
		}
	}
	return groups, nil
}

// checkCustomer refuses what the store would not hold.
func checkCustomer(c smed.Customer) error {
	var errs []error
	if !idRE.MatchString(c.ID) {
		errs = append(errs, fmt.Errorf("%q is not a customer ID of this store (12 hex digits)", c.ID))
	}
	if _, ok := nameOf(c.Name); !ok || clean(c.Name) != c.Name {
		errs = append(errs, errors.New(nameRule))
	}
	for _, u := range []string{c.Owner, c.LastContactBy} {
		if err := checkOwner(u); err != nil {
			errs = append(errs, err)
		}
	}
	if err := smed.CheckValue(c.Value); err != nil {
		errs = append(errs, err)
	}
	if err := smed.CheckCadence(c.CadenceDays); err != nil {
		errs = append(errs, err)
	}
	if c.CreatedAt.IsZero() {
		errs = append(errs, errors.New("no creation time"))
	}
	if c.NoteCount < 0 || c.DealsCount < 0 || c.DealsSum < 0 {
		errs = append(errs, errors.New("a negative count"))
	}
	if utf8.RuneCountInString(c.Formerly) > 4*smed.MaxNameRunes {
		errs = append(errs, errors.New("formerly is too long"))
	}
	return errors.Join(errs...)
}

// checkEntry checks an entry's author (required or "" allowed), time and
// text.
func checkEntry(author string, required bool, at time.Time, text string) error {
	if author != "" || required {
		if err := smed.CheckUserID(author); err != nil {
			return err
		}
	}
	if at.IsZero() {
		return errors.New("no time")
	}
	if utf8.RuneCountInString(text) > smed.MaxTextRunes {
		return fmt.Errorf("text longer than %d characters", smed.MaxTextRunes)
	}
	return nil
}

// restoreCheck checks, before anything is written, that no customer exists
// (unless merging), that no name is another customer's and that no channel
// is linked to another customer.
func (s *Store) restoreCheck(ctx context.Context, k keys, groups []*restoreGroup, merge bool) error {
	const op = "restore"
	for chunk := range slices.Chunk(groups, batch) {
		pipe := s.rdb.Pipeline()
		exists := make([]*redis.IntCmd, len(chunk))
		holders := make([]*redis.StringCmd, len(chunk))
		links := make([]*redis.SliceCmd, len(chunk))
		for i, g := range chunk {
			exists[i] = pipe.Exists(ctx, k.customer(g.c.ID))
			holders[i] = pipe.HGet(ctx, k.names(), g.info.key)
			if len(g.channels) > 0 {
				links[i] = pipe.HMGet(ctx, k.links(), g.channels...)
			}
		}
		if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
			return wrap(op, err)
		}
		for i, g := range chunk {
			there := exists[i].Val() == 1
			if there && !merge {
				return fmt.Errorf("storage: %s: customer %s (%s) exists already: %w", op, g.c.ID, g.c.Name, smed.ErrConflict)
			}
			if h := holders[i].Val(); !there && h != "" && h != g.c.ID {
				return fmt.Errorf("storage: %s: customer %s: the name %q is customer %s's: %w", op, g.c.ID, g.c.Name, h, smed.ErrConflict)
			}
			if links[i] != nil {
				for j, v := range links[i].Val() {
					if h := str(v); h != "" && h != g.c.ID {
						return fmt.Errorf("storage: %s: customer %s: channel %s is linked to customer %s: %w", op, g.c.ID, g.channels[j], h, smed.ErrConflict)
					}
				}
			}
		}
	}
	return nil
}

// build makes restoreScript's KEYS and ARGV for the group, and about how
// many bytes they are.
func (g *restoreGroup) build(k keys, floor int64, merge bool) ([]string, []any, int) {
	c, id := g.c, g.c.ID
	p := postings{k: k}
	nameWords := p.list(g.info.words)
	factLists := make([]string, len(g.facts))
	for i, f := range g.facts {
		factLists[i] = p.list(names.Words(clean(f.Text)))
	}
	noteLists := make([]string, len(g.notes))
	var days []int64
	dayAt := map[int64]int{}
	noteDay := make([]int, len(g.notes))
	for i, n := range g.notes {
		noteLists[i] = p.list(names.Words(clean(n.Text)))
		d := dayOf(n.At)
		if _, ok := dayAt[d]; !ok {
			days = append(days, d)
			dayAt[d] = len(days)
		}
		noteDay[i] = dayAt[d]
	}

	keyList := k.teamKeys(7 + len(days) + len(p.keys))
	keyList = append(keyList, k.customer(id), k.notes(id), k.facts(id), k.revisions(id),
		k.deals(id), k.touches(id), k.linked(id))
	for _, d := range days {
		keyList = append(keyList, k.day(d))
	}
	keyList = append(keyList, p.keys...)

	flag := "0"
	if merge {
		flag = "1"
	}
	ms := func(t time.Time) string { return strconv.FormatInt(toMS(t), 10) }
	args := []any{flag, id}
	args = append(args, g.info.args()...)
	args = append(args, nameWords, g.info.lname, floor, len(days))
	for _, d := range days {
		args = append(args, d)
	}
	cadenceSet := "0"
	if c.CadenceSet {
		cadenceSet = "1"
	}
	fields := []any{"id", id, "name", g.info.display, "owner", c.Owner, "value", c.Value,
		"cadence_days", c.CadenceDays, "cadence_set", cadenceSet, "created_at", ms(c.CreatedAt),
		"last_contact_at", ms(c.LastContactAt), "last_contact_by", noTabs(c.LastContactBy),
		"snoozed_until", ms(c.SnoozedUntil), "notes", c.NoteCount, "formerly", clean(c.Formerly),
		"lname", g.info.lname}
	for _, f := range []struct {
		name string
		v    int64
	}{{"deals_sum", c.DealsSum}, {"deals_count", int64(c.DealsCount)}, {"last_deal_at", toMS(c.LastDealAt)},
		{"last_customer_at", toMS(c.LastCustomerAt)}, {"last_team_at", toMS(c.LastTeamAt)}} {
		if f.v != 0 {
			fields = append(fields, f.name, f.v)
		}
	}
	args = append(args, len(fields)/2)
	args = append(args, fields...)
	args = append(args, len(g.facts))
	for i, f := range g.facts {
		args = append(args, g.factSeq[i], ms(f.At), noTabs(f.Author), clean(f.Text), factLists[i])
	}
	args = append(args, len(g.notes))
	for i, n := range g.notes {
		args = append(args, ms(n.At), noTabs(n.Author), noTabs(n.SavedBy), noTabs(n.Link), clean(n.Text), noteDay[i], noteLists[i])
	}
	args = append(args, len(g.revs))
	for _, v := range g.revs {
		args = append(args, ms(v.At), v.By, v.Field, clean(v.From), clean(v.To))
	}
	args = append(args, len(g.deals))
	for _, d := range g.deals {
		args = append(args, encodeDeal(d), noTabs(d.ID), ms(d.At), noTabs(d.Author), d.Amount)
	}
	args = append(args, len(g.touches))
	for _, t := range g.touches {
		args = append(args, encodeTouch(t), ms(t.At), noTabs(t.Author), string(t.Side))
	}
	args = append(args, len(g.channels))
	for _, ch := range g.channels {
		args = append(args, ch)
	}
	args = append(args, p.words...)

	size := 0
	for _, a := range args {
		if s, ok := a.(string); ok {
			size += len(s) + 8
		} else {
			size += 12
		}
	}
	for _, k := range keyList {
		size += len(k) + 8
	}
	return keyList, args, size
}
