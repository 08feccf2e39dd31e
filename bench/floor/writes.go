package main

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"

	"github.com/smedhq/smed/names"
)

// A writeSet queues, inside the floor's one MULTI/EXEC, the writes a note
// makes. The floor must do the same Redis work as Smed's note and nothing
// more, so these mirror Smed's note write and must follow it when it changes.
//
// Today's sets:
//
//	v3       (the default) v2, and for a customer the floor has not seen
//	         yet the Redis work Smed adds when a note creates one (the
//	         create mix): the lookups that find nothing, and the create.
//	v2       the commands of storage v2's note script
//	         (storage/scripts.go, writeScript) for a note on a known
//	         customer: HMGET of the readings' name keys, HMGET of the
//	         customer's reply fields, INCR seq, RPUSH the note record, HSET
//	         notes/last contact, ZADD due, ZREM+ZADD the owner's due and the
//	         two vcd members, HINCRBY the day's counter, ZADD days, SETRANGE
//	         the entry ref, APPEND a posting to each distinct word of the
//	         text, HSET the author's undo pointer.
//	         Left out: the value-at-risk buckets, which a note on a customer
//	         noted within the hour leaves alone (the bench's case).
//	basic    the note path of the storage before v2 (dc81925), reduced to its
//	         writes: RPUSH the note JSON onto the customer's list, HSET the
//	         last contact, HINCRBY the note count, ZADD the team's due index.
//	indexed  basic plus a sequence and word postings, as v2 was expected to be.
//	v1       every write of dc81925's note script: basic plus the activity
//	         entry, the owner's due index and the owners set.
//	none     no Redis at all: the signed request, its check and the fixed
//	         reply. Not a floor of a note but of the machine: what any server
//	         answers in here, which bounds every latency `make bench` can
//	         measure (its "machine" rung, BENCHMARKS.md).
//
// Keys follow Smed's shapes: smed:{<team>}:… with the team as a hash tag, and
// the customer by an ID (a hash of the name), never the typed text.
type writeSet func(ctx context.Context, p redis.Pipeliner, n note)

var writeSets = map[string]writeSet{"v3": v3Writes, "v2": v2Writes, "basic": basicWrites, "indexed": indexedWrites, "v1": v1Writes, "none": nil}

// cadence is Smed's default: a note moves the customer's due time to 30 days on.
const cadenceMS = 30 * 86400 * 1000

func basicWrites(ctx context.Context, p redis.Pipeliner, n note) {
	base := "smed:{" + n.team + "}:"
	id := customerID(n.name)
	ckey := base + "c:" + id
	p.RPush(ctx, base+"notes:"+id, entry(n.user, n.at, n.text))
	p.HSet(ctx, ckey, "last_contact_at", n.at)
	p.HIncrBy(ctx, ckey, "notes", 1)
	p.ZAdd(ctx, base+"due", redis.Z{Score: float64(n.at + cadenceMS), Member: id})
}

func v1Writes(ctx context.Context, p redis.Pipeliner, n note) {
	basicWrites(ctx, p, n)
	base := "smed:{" + n.team + "}:"
	id := customerID(n.name)
	p.ZAdd(ctx, base+"activity", redis.Z{Score: float64(n.at), Member: id + ":" + strconv.FormatInt(n.at, 36) + ":" + n.user})
	p.ZAdd(ctx, base+"due:"+n.user, redis.Z{Score: float64(n.at + cadenceMS), Member: id})
	p.SAdd(ctx, base+"owners", n.user)
}

// maxPostings caps the word index writes of one note.
const maxPostings = 15

func indexedWrites(ctx context.Context, p redis.Pipeliner, n note) {
	basicWrites(ctx, p, n)
	base := "smed:{" + n.team + "}:"
	id := customerID(n.name)
	p.Incr(ctx, base+"seq")
	posting := id + ":" + strconv.FormatInt(n.at, 36) + ";"
	seen := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(n.name+" "+n.text), notWord) {
		if len(seen) == maxPostings {
			break
		}
		if len(w) < 2 || seen[w] {
			continue
		}
		seen[w] = true
		p.Append(ctx, base+"w:"+hash(w), posting)
	}
}

func notWord(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }

// customerID stands in for Smed's customer ID (12 hex digits): the same
// name (case aside) always gives the same ID, so notes on a known customer
// land on its existing keys.
func customerID(name string) string {
	h := fnv.New64a()
	h.Write([]byte(strings.ToLower(name)))
	return fmt.Sprintf("%012x", h.Sum64()&(1<<48-1))
}

// hash names a word's posting key as Smed does: 16 hex digits of FNV-1a 64.
func hash(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return fmt.Sprintf("%016x", h.Sum64())
}

// entry is a note as Smed stores it: {"author","at","text"}.
func entry(author string, at int64, text string) string {
	b, _ := json.Marshal(struct {
		Author string `json:"author"`
		At     int64  `json:"at"`
		Text   string `json:"text"`
	}{author, at, text})
	return string(b)
}

// v2 state the script reads from Redis and the floor keeps in memory: the
// sequence (the script's INCR result) and each customer's last due time
// (for the members it replaces).
var (
	v2Seq  atomic.Int64
	v2Due  sync.Map     // customer ID → due ms
	v2Max  atomic.Int64 // runes of the longest name seen (storage's maxname)
	v2Days sync.Map     // customer ID → its contact days, as storage's cdays
	v2Know sync.Map     // customer ID → its kauth, as storage keeps it (at most 4000 bytes)
)

// loyaltyFields are the fields the note script reads besides replyFields
// (storage LOYALTY).
var loyaltyFields = []string{"cadence_set", "cdays", "dcad", "kauth", "kca", "lpend", "lrun"}

// replyFields are the customer fields the note script reads (storage REPLY).
var replyFields = []string{"id", "name", "owner", "value", "cadence_days", "created_at",
	"last_contact_at", "snoozed_until", "notes", "lname", "deals_sum", "deals_count",
	"last_deal_at", "last_customer_at", "last_team_at"}

func v2Writes(ctx context.Context, p redis.Pipeliner, n note) {
	base := "smed:{" + n.team + "}:"
	id := customerID(n.name)
	ckey := base + "c:" + id
	// The readings: every prefix of the words, up to 8, longest first
	// (bot/parse.go), less those longer than any name (storage's maxname).
	if r := int64(utf8.RuneCountInString(names.Key(n.name))); r > v2Max.Load() {
		v2Max.Store(r)
	}
	words := strings.Fields(n.name + " " + n.text)
	var keys []string
	for k := min(len(words)-1, 8); k >= 1; k-- {
		if key := names.Key(strings.Join(words[:k], " ")); int64(utf8.RuneCountInString(key)) <= v2Max.Load() || k == 1 {
			keys = append(keys, key)
		}
	}
	p.HMGet(ctx, base+"totals", "maxname") // HMGET: a field not there yet is no error
	p.HMGet(ctx, base+"names", keys...)
	p.HMGet(ctx, ckey, append(replyFields[:len(replyFields):len(replyFields)], loyaltyFields...)...)
	p.Incr(ctx, base+"seq")
	seq := v2Seq.Add(1)
	p.RPush(ctx, base+"n:"+id, strconv.FormatInt(seq, 10)+"\t"+strconv.FormatInt(n.at, 10)+"\t"+n.user+"\t\t\t"+n.text)
	p.HIncrBy(ctx, ckey, "notes", 1)
	p.HSet(ctx, ckey, "last_contact_at", n.at, "last_contact_by", n.user)
	// what a note teaches the loyalty figures: its day, who wrote it
	day0 := strconv.FormatInt(n.at/86400000, 10)
	if prev, _ := v2Days.Swap(id, day0); prev != day0 {
		p.HSet(ctx, ckey, "cdays", day0)
	}
	k := strconv.FormatInt(n.at, 10) + ":" + n.user
	if prev, ok := v2Know.Load(id); ok {
		k = prev.(string) + ";" + k
		for len(k) > 4000 {
			_, k, _ = strings.Cut(k, ";")
		}
	}
	v2Know.Store(id, k)
	p.HSet(ctx, ckey, "kauth", k)
	due := n.at + cadenceMS
	prev, _ := v2Due.Swap(id, due)
	p.ZAdd(ctx, base+"due", redis.Z{Score: float64(due), Member: id})
	member := func(owner string, d int64) string { return fmt.Sprintf("%s\x00%015d%s", owner, d, id) }
	vcd := func(owner string, d int64) string {
		return fmt.Sprintf("%s\x00%016d%05d%015d%s\x00%s", owner, 0, 30, d, strings.ToLower(n.name), id)
	}
	if prev != nil {
		p.ZRem(ctx, base+"odue", member(n.user, prev.(int64)))
		p.ZRem(ctx, base+"vcd", vcd("", prev.(int64)), vcd(n.user, prev.(int64)))
	}
	p.ZAdd(ctx, base+"odue", redis.Z{Member: member(n.user, due)})
	p.ZAdd(ctx, base+"vcd", redis.Z{Member: vcd("", due)}, redis.Z{Member: vcd(n.user, due)})
	day := n.at / 86400000
	p.HIncrBy(ctx, base+"d:"+strconv.FormatInt(day, 10), n.user, 1)
	p.ZAdd(ctx, base+"days", redis.Z{Score: float64(day), Member: day})
	entryWrites(ctx, p, base, id, 'n', seq, names.Words(n.text), false)
	// the author's undo pointer, set in the same step as the note
	p.HSet(ctx, base+"undo", n.user, id+"\tn\t"+strconv.FormatInt(seq, 10)+"\t"+strconv.FormatInt(n.at, 10))
	// whether the owner's reminder DM lists the customer (rmd)
	p.HMGet(ctx, base+"rmd", n.user)
}

// v3 state: the words that have a posting, so a new one is added to the
// words index as Smed's script does with a word's first posting.
var v3Words sync.Map

// v3Writes is v2Writes, and for a customer the floor has not seen the Redis
// work of Smed's new-customer note besides the note itself:
//   - the lookups that found no known reading and no near miss: the prefix
//     range of each reading's name key in the name index, and the
//     edit-index probes of the readings (names.Probes), within two runes of
//     the longest name as storage skips the longer ones (v2 already reads
//     the readings' name keys);
//   - the create: the customer's hash, its name in names, nidx and nm, its
//     edit-index signatures (read, then written), a sequence number, ref and
//     posting for the name as an entry (a first posting: into the words
//     index), the value rank, cadence, owner's count and customer count.
//
// Left out, as the least code would: storage's maxname and edits marks
// (the floor keeps the longest name in memory), and the separate round trips
// Smed takes (one MULTI here).
func v3Writes(ctx context.Context, p redis.Pipeliner, n note) {
	id := customerID(n.name)
	if _, known := v2Due.Load(id); !known {
		createWrites(ctx, p, n, id)
	}
	v2Writes(ctx, p, n)
}

func createWrites(ctx context.Context, p redis.Pipeliner, n note, id string) {
	base := "smed:{" + n.team + "}:"
	ckey := base + "c:" + id
	reach := v2Max.Load() + 2
	words := strings.Fields(n.name + " " + n.text)
	var probes []string
	for k := min(len(words)-1, 8); k >= 1; k-- {
		typed := strings.Join(words[:k], " ")
		key, fold := names.Key(typed), names.Fold(typed)
		if int64(utf8.RuneCountInString(key)) > reach && k > 1 {
			continue
		}
		p.ZRangeByLex(ctx, base+"nidx", &redis.ZRangeBy{Min: "[" + key, Max: "[" + key + "\xff", Count: 64})
		b, bf := names.Budgets(key, fold)
		for _, pr := range names.Probes(key, b) {
			probes = append(probes, sigField(pr))
		}
		if fold != key {
			for _, pr := range names.Probes(fold, bf) {
				probes = append(probes, sigField(pr))
			}
		}
	}
	if len(probes) > 0 {
		p.HMGet(ctx, base+"sig", probes...)
	}

	key, fold := names.Key(n.name), names.Fold(n.name)
	seq := v2Seq.Add(1)
	p.Incr(ctx, base+"seq")
	p.HSet(ctx, ckey, "id", id, "name", n.name, "owner", n.user, "value", "0", "cadence_days", "30",
		"cadence_set", "0", "created_at", n.at, "last_contact_at", "0", "last_contact_by", "",
		"snoozed_until", "0", "notes", "0", "formerly", "", "lname", strings.ToLower(n.name), "nseq", seq)
	p.HSet(ctx, base+"names", key, id)
	p.ZAdd(ctx, base+"nidx", redis.Z{Member: key + "\x00" + id})
	p.HSet(ctx, base+"nm", id, key+"\x00"+fold+"\x00"+n.name)
	var fields, set []string
	for _, sg := range names.Signatures(key) {
		fields = append(fields, sigField(sg))
	}
	for _, f := range fields {
		set = append(set, f, id)
	}
	if len(fields) > 0 {
		p.HMGet(ctx, base+"sig", fields...)
		p.HSet(ctx, base+"sig", set)
	}
	entryWrites(ctx, p, base, id, 'c', seq, names.Words(n.name), true)
	p.ZAdd(ctx, base+"vrank", redis.Z{Member: id})
	p.HSet(ctx, base+"cad", id, "30")
	p.HIncrBy(ctx, base+"ocount", n.user, 1)
	p.HIncrBy(ctx, base+"totals", "customers", 1)
}

// entryWrites records entry seq of customer id (kind 'n' note, 'c' name) in
// refs and appends a posting to each word; with newWords a word's first
// posting also adds it to the words index (v2 leaves that out).
func entryWrites(ctx context.Context, p redis.Pipeliner, base, id string, kind byte, seq int64, words []string, newWords bool) {
	ref := make([]byte, 11)
	hex.Decode(ref, []byte(id))
	ref[6] = kind
	p.SetRange(ctx, base+"refs", seq*11, string(ref))
	var posting [4]byte
	binary.BigEndian.PutUint32(posting[:], uint32(seq))
	for _, w := range words {
		p.Append(ctx, base+"w:"+hash(w), string(posting[:]))
		if !newWords {
			continue
		}
		if _, had := v3Words.LoadOrStore(w, true); !had {
			p.ZAdd(ctx, base+"words", redis.Z{Member: w})
		}
	}
}

// sigField is storage's field of an edit-index signature: 8 bytes of FNV-1a 64.
func sigField(sig string) string {
	h := fnv.New64a()
	h.Write([]byte(sig))
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], h.Sum64())
	return string(b[:])
}
