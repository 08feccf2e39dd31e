package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed"
	"github.com/smedhq/smed/names"
)

// nameRule is how a refused name is explained.
var nameRule = fmt.Sprintf("customer name must be 1 to %d characters", smed.MaxNameRunes)

// postings collects the posting keys and word texts of the entries one
// script indexes: each entry's words become a list of indexes into them.
type postings struct {
	k     keys
	keys  []string
	words []any
	at    map[string]int
}

func (p *postings) list(words []string) string {
	if p.at == nil {
		p.at = map[string]int{}
	}
	var b strings.Builder
	for _, w := range words {
		i, ok := p.at[w]
		if !ok {
			p.keys = append(p.keys, p.k.word(w))
			p.words = append(p.words, w)
			i = len(p.keys)
			p.at[w] = i
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(i))
	}
	return b.String()
}

// reading is one candidate the write script may pick.
type reading struct {
	key  string // names.Key; "" addresses id directly
	id   string // the ID expected for it
	text string
	at   int // index in NoteRequest.Candidates
	pos  int // index among all the readings (write)
}

// within keeps the readings that can name a customer of a team whose
// longest name has maxname runes (-1: unknown, all of them): a typed
// reading is known only when it is some name's key, and a note typed
// unquoted offers every prefix of its words, most far longer than any name.
// The one at candidate index keep stays (it is the new customer; -1: none),
// and the shortest when nothing else would: the script checks maxname still
// holds.
func within(all []reading, maxname int, keep int) []reading {
	out := make([]reading, 0, len(all))
	for i, r := range all {
		r.pos = i
		if maxname < 0 || r.key == "" || r.at == keep || utf8.RuneCountInString(r.key) <= maxname {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		r := all[len(all)-1]
		r.pos = len(all) - 1
		out = append(out, r)
	}
	return out
}

// AddNote logs a note: one round trip for a known name (or an ID), name
// resolution and word index included; see writeScript.
func (s *Store) AddNote(ctx context.Context, team string, req smed.NoteRequest) (smed.NoteReceipt, error) {
	return s.write(ctx, "add note", team, "n", req)
}

// AddFact remembers a fact the same way; it does not move the clock.
func (s *Store) AddFact(ctx context.Context, team string, req smed.NoteRequest) (smed.NoteReceipt, error) {
	req.Create = false
	return s.write(ctx, "add fact", team, "f", req)
}

func (s *Store) write(ctx context.Context, op, team, kind string, req smed.NoteRequest) (smed.NoteReceipt, error) {
	k, err := s.team(op, team)
	if err != nil {
		return smed.NoteReceipt{}, err
	}
	if req.At.IsZero() {
		return smed.NoteReceipt{}, invalid(op, "no time given")
	}
	if err := smed.CheckUserID(req.Author); err != nil {
		return smed.NoteReceipt{}, fmt.Errorf("storage: %s: author: %w", op, err)
	}
	if err := s.ensureBounds(ctx, k); err != nil {
		return smed.NoteReceipt{}, wrap(op, err)
	}
	if req.SavedBy != "" {
		if err := smed.CheckUserID(req.SavedBy); err != nil {
			return smed.NoteReceipt{}, fmt.Errorf("storage: %s: saved by: %w", op, err)
		}
	}
	var (
		first  nameInfo // Candidates[CreateAt] as a new customer
		create = req.Create && req.CustomerID == ""
		keep   = -1 // the candidate index of the new customer
	)
	rs, err := readingsOf(op, team, req.CustomerID, req.Text, req.Candidates)
	switch {
	case err != nil:
		return smed.NoteReceipt{}, err
	case create && len(req.Candidates) == 0:
		return smed.NoteReceipt{}, invalid(op, "no customer name given")
	case create && (req.CreateAt < 0 || req.CreateAt >= len(req.Candidates)):
		return smed.NoteReceipt{}, invalid(op, "no candidate %d to create", req.CreateAt)
	case create && !slices.ContainsFunc(rs, func(r reading) bool { return r.at == req.CreateAt }):
		return smed.NoteReceipt{}, invalid(op, "%s", nameRule)
	case create:
		first, _ = nameOf(req.Candidates[req.CreateAt].Name) // the index entries of a new customer
		keep = req.CreateAt
	case len(rs) == 0:
		return smed.NoteReceipt{}, wrap(op, redis.Nil)
	}
	if create {
		if err := smed.CheckCadence(req.CadenceDays); err != nil {
			return smed.NoteReceipt{}, fmt.Errorf("storage: %s: %w", op, err)
		}
	}
	all, maxname, grew := rs, s.knownMaxname(k), 0
	if req.CustomerID != "" {
		maxname = -1 // by ID: no reading to leave out, nothing for the script to check
	}
	// UnlessNear: the lookups a create must find empty (near_any in
	// writeScript). Without the team's longest name this process would look
	// up every reading, however long: it writes the note if a reading is
	// known and else learns the longest name and answers ErrMaybeNear (the
	// lookup that follows uses it, and so do later creates).
	var near []typedName
	unsure := create && len(req.UnlessNear) > 0 && maxname < 0
	switch {
	case unsure:
		keep = -1
	case create:
		near = typedNames(req.UnlessNear)
	}
	rs = within(all, maxname, keep)
	for attempt := 0; ; attempt++ {
		res, err := s.runWrite(ctx, k, kind, req, rs, first, newAt(rs, keep), maxname, near)
		if err != nil {
			return smed.NoteReceipt{}, wrap(op, err)
		}
		status := str(res[0])
		switch {
		case status == "max" && len(res) == 2 && grew < 3:
			// A longer name came since this process last looked: offer
			// the readings it may be.
			m, _ := res[1].(int64)
			grew, attempt = grew+1, attempt-1
			s.seeMaxname(k, m)
			maxname = int(m)
			rs = within(all, maxname, keep)
		case status == "ok":
			rc, err := receipt(res, rs, kind)
			if err != nil {
				return smed.NoteReceipt{}, committed(op, err)
			}
			if rc.Created {
				s.grewName(k, first)
			}
			return rc, nil
		case status == "near":
			return smed.NoteReceipt{}, fmt.Errorf("storage: %s: %w", op, smed.ErrMaybeNear)
		case status == "none":
			if len(res) == 2 {
				s.seeMaxname(k, res[1])
			}
			if unsure {
				return smed.NoteReceipt{}, fmt.Errorf("storage: %s: %w", op, smed.ErrMaybeNear)
			}
			return smed.NoteReceipt{}, wrap(op, redis.Nil)
		case attempt >= 2:
			return smed.NoteReceipt{}, fmt.Errorf("storage: %s: %w: the customer changed while resolving it", op, smed.ErrConflict)
		case status == "moved" && len(res) == 3:
			// The name belongs to a customer with another ID (renamed,
			// or created when its first ID was taken): address that one.
			j, _ := res[1].(int64)
			if j < 1 || int(j) > len(rs) {
				return smed.NoteReceipt{}, errorf("%s: script moved reading %d of %d", op, j, len(rs))
			}
			rs[j-1].id = str(res[2])
			all[rs[j-1].pos].id = rs[j-1].id
		case status == "taken":
			j := newAt(rs, keep) - 1
			rs[j].id = newID()
			all[rs[j].pos].id = rs[j].id
		default:
			return smed.NoteReceipt{}, errorf("%s: unexpected script reply %q", op, status)
		}
	}
}

// newAt is the 1-based position in rs of the reading at candidate index
// keep (the new customer), or 0 (no create).
func newAt(rs []reading, keep int) int {
	if keep < 0 {
		return 0
	}
	for i, r := range rs {
		if r.at == keep {
			return i + 1
		}
	}
	return 0
}

// runWrite runs writeScript once with the keys of the expected IDs.
func (s *Store) runWrite(ctx context.Context, k keys, kind string, req smed.NoteRequest,
	rs []reading, first nameInfo, create int, maxname int, near []typedName) ([]any, error) {
	keyList, args := writeArgs(k, kind, req, rs, first, create, maxname, near)
	res, err := writeScript.Run(ctx, s.rdb, keyList, args...).Slice()
	if err == nil && len(res) == 0 {
		err = errors.New("empty script reply")
	}
	return res, err
}

// readingsOf is what a write addresses: the customer of id, or each
// candidate that can name a customer, with the ID its name would have
// (firstID), in the candidates' order.
func readingsOf(op, team, id, text string, cands []smed.Candidate) ([]reading, error) {
	switch {
	case id != "" && len(cands) > 0:
		return nil, invalid(op, "both a customer ID and candidates given")
	case id != "":
		if !idRE.MatchString(id) {
			return nil, invalid(op, "%q is not a customer ID", id)
		}
		return []reading{{id: id, text: clean(text)}}, nil
	}
	var rs []reading
	for i, c := range cands {
		if key, ok := nameKey(c.Name); ok {
			rs = append(rs, reading{key: key, id: firstID(team, key), text: clean(c.Rest), at: i})
		}
	}
	return rs, nil
}

// textWords is names.Words of each reading's text. The readings of one
// input come longest name first, so each text is usually the one before
// with a word or two in front: those are split alone, and the rest is
// taken from the text before (the same words, as a space separates them).
func textWords(rs []reading) [][]string {
	out := make([][]string, len(rs))
	for i, r := range rs {
		if i > 0 && rs[i-1].text != "" && len(r.text) > len(rs[i-1].text) && strings.HasSuffix(r.text, rs[i-1].text) {
			head := r.text[:len(r.text)-len(rs[i-1].text)]
			if last, _ := utf8.DecodeLastRuneInString(head); names.IsSpace(last) {
				out[i] = mergeWords(names.Words(head), out[i-1])
				continue
			}
		}
		out[i] = names.Words(r.text)
	}
	return out
}

// mergeWords is head then the words of tail not in head: names.Words of
// the two texts joined.
func mergeWords(head, tail []string) []string {
	if len(head) == 0 {
		return tail
	}
	out := append(make([]string, 0, len(head)+len(tail)), head...)
	for _, w := range tail {
		if !slices.Contains(head, w) {
			out = append(out, w)
		}
	}
	return out
}

// writeArgs builds writeScript's KEYS and ARGV; with near (a create's
// UnlessNear) the lookups it must find empty come last.
func writeArgs(k keys, kind string, req smed.NoteRequest, rs []reading, first nameInfo, create int, maxname int, near []typedName) ([]string, []any) {
	at := toMS(req.At)
	day := floorDiv(at, 86400000)
	p := postings{k: k}
	var nameWords string
	if create > 0 {
		nameWords = p.list(first.words)
	}
	lists := make([]string, len(rs))
	for i, ws := range textWords(rs) {
		lists[i] = p.list(ws)
	}
	keyList := k.teamKeys(1 + 2*len(rs) + len(p.keys))
	keyList = append(keyList, k.day(day))
	for _, r := range rs {
		list := k.notes(r.id)
		if kind == "f" {
			list = k.facts(r.id)
		}
		keyList = append(keyList, k.customer(r.id), list)
	}
	keyList = append(keyList, p.keys...)
	flag := strconv.Itoa(create)
	args := make([]any, 0, 14+4*len(rs)+len(p.words))
	args = append(args, kind, req.Author, at, flag, req.CadenceDays, len(rs), len(p.keys),
		req.SavedBy, noTabs(req.Link), day, first.display, first.fold, first.sigs, nameWords)
	for i, r := range rs {
		args = append(args, r.key, r.id, r.text, lists[i])
	}
	args = append(args, first.lname, maxname)
	args = append(args, p.words...)
	if len(near) > 0 {
		// Legacy probes are not sent: the script answers "near" in a
		// team without the edits mark, and NearMisses sends them.
		prefixes, probes, _, _ := lookupFields(near, maxname, false)
		args = append(args, len(prefixes))
		for _, x := range prefixes {
			args = append(args, x)
		}
		args = append(args, len(probes))
		for _, x := range probes {
			args = append(args, x)
		}
		// The typed names the lookups were of, to verify what the
		// probes find as NearMisses does.
		nt := len(args)
		args = append(args, 0)
		for _, t := range near {
			if !longer(t, maxname) {
				args = append(args, t.key, t.fold)
			}
		}
		args[nt] = (len(args) - nt - 1) / 2
	}
	return keyList, args
}

// receipt reads an "ok" reply of writeScript.
func receipt(res []any, rs []reading, kind string) (smed.NoteReceipt, error) {
	if len(res) != 4+len(replyFields) {
		return smed.NoteReceipt{}, fmt.Errorf("reply has %d values, want %d", len(res), 4+len(replyFields))
	}
	j, _ := res[1].(int64)
	created, _ := res[2].(int64)
	if j < 1 || int(j) > len(rs) {
		return smed.NoteReceipt{}, fmt.Errorf("script matched reading %d of %d", j, len(rs))
	}
	m := make(map[string]string, len(replyFields))
	for i, f := range replyFields {
		m[f] = str(res[3+i])
	}
	c, err := decodeCustomer(m)
	if err != nil {
		return smed.NoteReceipt{}, err
	}
	r := rs[j-1]
	return smed.NoteReceipt{Customer: c, Text: r.text, Created: created == 1, Matched: r.at,
		Reminder: smed.ReminderHint{Checked: kind == "n", Date: str(res[3+len(replyFields)])}}, nil
}

// newID returns a random customer ID: 12 hex digits, never user text. The
// scripts refuse an ID that is already taken (48 bits: practically never).
func newID() string {
	var b [6]byte
	_, _ = rand.Read(b[:]) // never fails since Go 1.24
	return hex.EncodeToString(b[:])
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// dayOf is the UTC day number of t.
func dayOf(t time.Time) int64 { return floorDiv(t.UnixMilli(), 86400000) }
