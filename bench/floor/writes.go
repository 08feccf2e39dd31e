package main

import (
	"context"
	"encoding/json"
	"hash/fnv"
	"strconv"
	"strings"
	"unicode"

	"github.com/redis/go-redis/v9"
)

// A writeSet queues, inside the floor's one MULTI/EXEC, the writes a note
// makes. The floor must do the same Redis work as Smed's note and nothing
// more, so these mirror Smed's note write and must follow it when it changes.
//
// ADAPT HERE when the new storage layout lands (storage v2, issue 8): make
// "indexed" (or a new set) issue exactly the commands of v2's note script for a
// note on a known customer, with the same key shapes and value sizes, and make
// it the default in bench/run. Today's sets:
//
//	basic    the note path of the storage before v2 (dc81925), reduced to its
//	         writes: RPUSH the note JSON onto the customer's list, HSET the
//	         last contact, HINCRBY the note count, ZADD the team's due index.
//	indexed  basic plus what v2 is expected to add: INCR a note sequence and
//	         APPEND a posting to the word index key of each distinct word of
//	         the name and text (at most 15, ~15 for the generator's notes).
//	v1       every write of dc81925's note script: basic plus the activity
//	         entry, the owner's due index and the owners set.
//
// Keys follow Smed's shapes: smed:{<team>}:… with the team as a hash tag, and
// the customer by an ID (a hash of the name), never the typed text.
type writeSet func(ctx context.Context, p redis.Pipeliner, n note)

var writeSets = map[string]writeSet{"basic": basicWrites, "indexed": indexedWrites, "v1": v1Writes}

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

// customerID stands in for Smed's random customer ID: the same name (case
// aside) always gives the same ID, so notes on a known customer land on its
// existing keys.
func customerID(name string) string { return hash(strings.ToLower(name)) }

func hash(s string) string {
	h := fnv.New64a()
	h.Write([]byte(s))
	return strconv.FormatUint(h.Sum64(), 36)
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
