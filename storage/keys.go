// Package storage is the Redis adapter of Smed: it implements smed.Store and
// smed.Guard over a go-redis UniversalClient (a single node, or Cluster later),
// and an embedded in-process Redis for memory:// URLs.
//
// It is the only package that imports go-redis (and miniredis, for memory://).
// Besides those it imports only the domain (smed, names); never bot or cmd.
//
// # Key layout
//
// Every key is <prefix>smed:{<team>}:… where <prefix> is empty in production
// (WithPrefix isolates tests) and <team> is the Slack team ID (smed.CheckTeamID).
// The team is a Redis Cluster hash tag, so all of a team's keys live in one
// slot and every script touches one slot. Every script declares all the keys
// it touches in KEYS; Go computes every key name. Keys never hold text a user
// typed: customers are keyed by an opaque ID, words by a hash, and names live
// only in hash fields, values and sorted-set members.
//
// Team-wide keys (the first teamKeyCount KEYS of every write script, in this order):
//
//	names   HASH   names.Key(name) → customer ID: exact resolution (one HMGET
//	               for all the readings of a note)
//	nidx    ZSET   score 0, members "<Key>\x00<id>" and "<Fold>\x00<id>" (one
//	               when equal): prefix and fold-prefix ranges (ZRANGEBYLEX)
//	sig     HASH   8-byte FNV-1a of an edit signature (names.Signatures of the
//	               Key and of the Fold) → the IDs that have it, 12 bytes each,
//	               concatenated: the near-miss index, one HMGET of the probes
//	nm      HASH   ID → "<Key>\x00<Fold>\x00<display>": what a near-miss check
//	               needs of a candidate, without touching its hash
//	due     ZSET   ID → due time (unix ms, smed.Customer.DueAt), every customer
//	odue    ZSET   score 0, members "<owner>\x00<due, 15 digits><id>": each
//	               owner's customers in due order, as lex ranges. One team key
//	               rather than one per owner, because the note script learns
//	               the owner only after resolving the name, and a script may
//	               touch only keys it declared.
//	vrank   ZSET   ID → worth, every customer: List scans it from the top.
//	               Worth is max(value, deals_sum) (smed.Customer.Worth);
//	               vcd, risk and totals hold worths too
//	ocount  HASH   owner → number of customers (Owners, List's Total)
//	totals  HASH   customers, value: the team's count and summed worth;
//	               maxname: the most runes of any name's key or fold the team
//	               ever had (only grows; absent in a team that had customers
//	               before it was kept): longer readings cannot be a name;
//	               edits: 2 when every name has its edit-index signatures
//	               (names.Signatures; set when the team's first customer is
//	               made). A team indexed before has names with the segment
//	               index's, and its lookups also send names.LegacyProbes:
//	               its narrow ones, and its older ones too unless narrow
//	               is 1 (its names of 6 to 8 runes have their two-segment
//	               segment signatures)
//	seq     STRING the team's last entry sequence number (INCR): every note,
//	               fact and customer name that the word index knows has one
//	refs    STRING entry records, 11 bytes at offset seq*11 (SETRANGE): 6 bytes
//	               customer ID (the hex ID as bytes), 1 byte kind ('n' note,
//	               'f' fact, 'c' customer name), 4 bytes big-endian position
//	               (a note's index in its list; 0 otherwise)
//	words   ZSET   score 0, every word that has a posting list: prefix
//	               expansion of query words (ZRANGEBYLEX)
//	days    ZSET   day number (unix days, UTC) → itself, for each day with a
//	               note counter
//	vcd     ZSET   score 0, members "<owner>\x00<value, 16 digits><cadence,
//	               5><due, 15><lower-cased name>\x00<id>", owner "" for the
//	               team: List's order. Values are walked from the top; within
//	               one value each cadence's customers are in due order, which
//	               is smed.OverdueRatio's order, then name and ID as
//	               smed.CompareUrgency breaks ties; merging the cadences of a
//	               value gives its customers most urgent first.
//	risk    HASH   "<owner>\x00<level><bucket>" → summed value of the
//	               customers (of that owner; "" = the team) whose due time
//	               falls in that bucket: level h hours, d days, m 32 days, y
//	               1024 days, bucket = floor(due ms / level). Value at risk
//	               at now is the sum of the whole buckets before now (about
//	               90 fields) plus the customers due in the current hour.
//	cad     HASH   ID → cadence days: List ranks a tie in value by how
//	               overdue relative to the cadence without reading hashes
//	undo    HASH   author → "<id>\t<n|f>\t<entry seq>\t<at ms>": the
//	               author's latest note or fact (Undo.LastWritten)
//	links   HASH   channel ID → customer ID (a channel links to one customer)
//	drift   ZSET   loyalty: customers that may drift (see loyalty key docs)
//	conc    ZSET   loyalty: customers whose knowledge may rest on one person
//	buy1    ZSET   loyalty: ID → time of the latest deal (ms)
//	buy2    ZSET   loyalty: ID → time of the second latest deal (ms)
//	dval    HASH   loyalty: deal value per day
//	ftc     HASH   loyalty: follow-through counts of reminder listings
//	ign     ZSET   loyalty: customers listed and not contacted, by run length
//	rmd     HASH   owner → "<date>\t<IDs, 12 bytes each>": the date and the
//	               customers of the owner's latest reminder DM (rm:<owner>
//	               has the rest), so that a note tells in its own step
//	               whether its customer is listed there (NoteReceipt.Reminder)
//	               and the common case needs no second lookup. Written with
//	               rm:<owner>; an entry outlives the DM's two days, and its
//	               date then matches no day a caller asks about.
//
// Per customer, per word, per day:
//
//	c:<id>    HASH  id, name, owner, value, cadence_days, cadence_set (0/1),
//	                created_at, last_contact_at, last_contact_by,
//	                snoozed_until (unix ms; 0 = none), notes (count),
//	                formerly (name before the latest rename), nseq (sequence
//	                of the name's index entry), lname (strings.ToLower of the
//	                name, for vcd), deals_sum (at most smed.MaxValue),
//	                deals_count, last_deal_at, last_customer_at,
//	                last_team_at (ms; linked channels' sides)
//	n:<id>    LIST  notes oldest first, "<seq>\t<at ms>\t<author>\t<saved
//	                by>\t<link>\t<text>" (only the text may hold a tab, and
//	                it comes last); never capped or trimmed
//	f:<id>    LIST  facts oldest first, the same record; the fact's ID is seq
//	r:<id>    LIST  revisions oldest first, JSON {t, b: by, f: field, o: from,
//	                n: to}
//	w:<h>     STRING posting list of one word (h: 16 hex digits of FNV-1a 64 of
//	                the word): 4-byte big-endian sequence numbers, appended,
//	                so ascending; Find reads it from the end
//	d:<day>   HASH  author → notes logged that UTC day (NoteCounts)
//	l:<id>    SET   the channels linked to the customer (mirror of links)
//	t:<id>    LIST  touches oldest first, "<at ms>\t<author>\t<side>\t<channel>\t<ts>"
//	g:<id>    LIST  deals oldest first, "<deal id>\t<at ms>\t<author>\t<amount>\t<text>"
//	rm:<owner> STRING JSON of the owner's latest reminder message, 2 days
//	guard:<key> STRING "pending" while a send is claimed, "sent" after
//
// # Indexes and what they may hold that is stale
//
// Every write keeps names, nidx, sig, nm, due, odue, vrank, vcd, risk,
// cad, ocount, totals, refs and links (with the l: sets it mirrors) exact,
// and a customer's deal totals and side times agree with its g: and t:
// lists (CheckIndexes recomputes all of them from the records), except that a signature shared by sigMax names stops growing
// (see names.go). Posting lists only grow: a rename, merge, delete or forget
// leaves the old postings, and Find drops them when it verifies an entry
// against its current words, as it does hash collisions; a deleted
// customer's refs stay and point at nothing. The refs string holds at most
// maxSeq (48 million) entries, the 512 MB limit of a Redis string; entries
// past it are stored but not searchable. Day counters are not records: a
// deleted customer's notes stay counted (a note taken back by undo does
// not). An undo pointer may name an entry that is gone (deleted, forgotten)
// or a customer merged away: LastWritten finds the entry through its ref, or
// answers ErrNotFound.
//
// Deal and touch lists are kept in time order (a backdated deal or a late
// message is inserted in its place). A deal's ID is 12 hex digits of
// SHA-256 of its idempotency key when it has one, else the team seq it took;
// a touch is the same as one recorded when its channel and ts are.
//
// # Customer IDs
//
// A customer's ID is firstID(team, Key of its name) when it is created and
// that ID is free, else random. So the note script, which resolves a typed
// name, can be told the keys of the customer each reading would be, and
// checks it: a customer renamed since (or created when its first ID was
// taken) answers "moved" and costs a second round trip.
//
// # Memory (BenchmarkMemory: 10k customers, 100k notes of 119 bytes)
//
// About 427 bytes a note in all (the customers' share included), of which
// the note itself and its search entry are about 320 (by MEMORY USAGE: n:
// 185, w: 101, refs 16, words 16, d: 1). A customer costs about 3.8 KB with
// its name, due, value and loyalty indexes (c: 1317, sig 1511, vcd 330,
// drift 257, odue 139, nidx 137, vrank 113, due 106, nm 103, risk 74, names
// 70, cad 68). Its edit signatures are the second largest part:
// names.Signatures gives a name of 8 to 10 runes some 40 to 55, its
// two-deletion neighbourhood (the segment index before it took 295 bytes a
// customer, but its lists grew with the book). Its hash is the largest:
// once who-knows-what (kauth) passes 64 bytes, after two or three notes,
// Redis keeps the hash as a hash table rather than a listpack, about 1 KB
// more. With one note a customer (BenchmarkScale) a note costs about 540
// bytes, and a customer about 3.8 KB at 100k and at 1M customers.
package storage

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"regexp"
	"strconv"

	"github.com/smedhq/smed"
)

var guardRE = regexp.MustCompile(`^[A-Za-z0-9:_.-]{1,200}$`)

// idRE is the form of a customer ID: 12 lower-case hex digits.
var idRE = regexp.MustCompile(`^[0-9a-f]{12}$`)

// maxSeq bounds the entries of a team's word index: refs is one string of
// refWidth bytes per entry, and a Redis string holds at most 512 MB.
const (
	refWidth = 11
	maxSeq   = (512<<20)/refWidth - 1
)

// keys builds the keys of one team. base is "<prefix>smed:{<team>}:".
type keys struct {
	base string
	team string
}

// team checks the team ID and returns its keys; an invalid team ID is an
// error for op that wraps smed.ErrInvalid.
func (s *Store) team(op, team string) (keys, error) {
	if err := smed.CheckTeamID(team); err != nil {
		return keys{}, fmt.Errorf("storage: %s: %w", op, err)
	}
	return keys{base: s.prefix + "smed:{" + team + "}:", team: team}, nil
}

func (k keys) names() string  { return k.base + "names" }
func (k keys) nidx() string   { return k.base + "nidx" }
func (k keys) sig() string    { return k.base + "sig" }
func (k keys) nm() string     { return k.base + "nm" }
func (k keys) due() string    { return k.base + "due" }
func (k keys) odue() string   { return k.base + "odue" }
func (k keys) vrank() string  { return k.base + "vrank" }
func (k keys) vcd() string    { return k.base + "vcd" }
func (k keys) risk() string   { return k.base + "risk" }
func (k keys) cad() string    { return k.base + "cad" }
func (k keys) ocount() string { return k.base + "ocount" }
func (k keys) totals() string { return k.base + "totals" }
func (k keys) seq() string    { return k.base + "seq" }
func (k keys) refs() string   { return k.base + "refs" }
func (k keys) words() string  { return k.base + "words" }
func (k keys) days() string   { return k.base + "days" }
func (k keys) undo() string   { return k.base + "undo" }
func (k keys) links() string  { return k.base + "links" }
func (k keys) drift() string  { return k.base + "drift" }
func (k keys) conc() string   { return k.base + "conc" }
func (k keys) buy1() string   { return k.base + "buy1" }
func (k keys) buy2() string   { return k.base + "buy2" }
func (k keys) dval() string   { return k.base + "dval" }
func (k keys) ftc() string    { return k.base + "ftc" }
func (k keys) ign() string    { return k.base + "ign" }
func (k keys) snap() string   { return k.base + "snap" }

func (k keys) customer(id string) string    { return k.base + "c:" + id }
func (k keys) notes(id string) string       { return k.base + "n:" + id }
func (k keys) facts(id string) string       { return k.base + "f:" + id }
func (k keys) revisions(id string) string   { return k.base + "r:" + id }
func (k keys) guard(key string) string      { return k.base + "guard:" + key }
func (k keys) linked(id string) string      { return k.base + "l:" + id }
func (k keys) touches(id string) string     { return k.base + "t:" + id }
func (k keys) deals(id string) string       { return k.base + "g:" + id }
func (k keys) reminder(owner string) string { return k.base + "rm:" + owner }
func (k keys) rmd() string                  { return k.base + "rmd" }
func (k keys) day(day int64) string         { return k.base + "d:" + strconv.FormatInt(day, 10) }

// word is the posting list of a normalised word (names.Words).
func (k keys) word(w string) string {
	var b [16]byte
	h := fnv64a(w)
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = hexDigits[h&0xf]
		h >>= 4
	}
	return k.base + "w:" + string(b[:])
}

const hexDigits = "0123456789abcdef"

// fnv64a is FNV-1a 64 of s (hash/fnv's New64a), without its allocations: a
// note hashes each of its words, a lookup each of its probes.
func fnv64a(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}

// teamKeyCount is how many team keys every write script gets (T in Lua).
const teamKeyCount = 26

// teamKeys are KEYS[1..teamKeyCount] of every write script, in the prelude's
// order.
func (k keys) teamKeys(extra int) []string {
	out := make([]string, 0, teamKeyCount+extra)
	return append(out, k.names(), k.nidx(), k.sig(), k.nm(), k.due(), k.odue(),
		k.vrank(), k.ocount(), k.totals(), k.seq(), k.refs(), k.words(), k.days(),
		k.vcd(), k.risk(), k.cad(),
		k.undo(), k.links(), k.drift(), k.conc(), k.buy1(), k.buy2(), k.dval(), k.ftc(), k.ign(), k.rmd())
}

// firstID is the ID a customer gets when it is created under that name key and
// the ID is free: a hash of team and key. Because of it, a note by name can
// declare the keys of the customer it will most likely touch before knowing
// whether it exists, and stay one round trip (see writeScript). It is not user
// text: 48 bits of SHA-256. A customer created when that ID is taken (the name
// was used before, by a customer since renamed) gets a random one.
func firstID(team, key string) string {
	h := sha256.Sum256([]byte(team + "\x00" + key))
	return hex.EncodeToString(h[:6])
}

// sigField is the sig hash field of an edit signature.
func sigField(sig string) string {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], fnv64a(sig))
	return string(b[:])
}

func checkGuardKey(key string) error {
	if !guardRE.MatchString(key) {
		return fmt.Errorf("invalid guard key %q (want [A-Za-z0-9:_.-]{1,200})", key)
	}
	return nil
}
