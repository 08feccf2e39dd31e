package main

import (
	"bytes"
	"math"
	"slices"
	"time"
)

// What a reply shows, as the contract check reads it (CONTRACT-CHECK.md):
//
//	reads as an error  (?i)(error|unavailable|could ?n[o'’]t|failed|try again|invalid|unknown|not found|did you mean|usage)
//	holding            (?i)working on it|one moment|hourglass   (Smed's answer after its 2 s wait)
//	created            (?i)new customer                         (a note that created the customer)
//
// Matched with plain substring searches on an ASCII-lower-cased copy instead
// of those regular expressions: the regexps cost more CPU than the rest of
// the generator together (TestClassifyMatchesRegexps keeps the two the same).
var (
	errorWords   = [][]byte{[]byte("error"), []byte("unavailable"), []byte("failed"), []byte("try again"), []byte("invalid"), []byte("unknown"), []byte("not found"), []byte("usage")}
	nearMissWord = []byte("did you mean")
	holdingWords = [][]byte{[]byte("working on it"), []byte("one moment"), []byte("hourglass")}
	createdWord  = []byte("new customer")
)

// outcome is what became of one request.
type outcome int

const (
	okReply    outcome = iota // 200 and an answer that does not read as an error
	created                   // okReply, and the answer says a customer was created
	holding                   // 200 with the holding answer: a slow response
	errorReply                // 200 with an answer that reads as an error
	nearMiss                  // errorReply that is "did you mean"
	badStatus                 // any status but 200
	failed                    // no HTTP answer at all (connection, timeout)
	unsent                    // open loop: still not answered when the run ended
	outcomes
)

var outcomeNames = [outcomes]string{"ok", "created", "holding", "error_reply", "did_you_mean", "bad_status", "transport_error", "unfinished"}

// classifier reads 200 answers; it keeps a scratch buffer, so one per worker.
type classifier struct{ low []byte }

func (c *classifier) classify(body []byte) outcome {
	c.low = append(c.low[:0], body...)
	for i, b := range c.low {
		if 'A' <= b && b <= 'Z' {
			c.low[i] = b + 'a' - 'A'
		}
	}
	s := c.low
	switch {
	case len(body) < 400 && containsAny(s, holdingWords):
		return holding
	case bytes.Contains(s, nearMissWord):
		return nearMiss
	case containsAny(s, errorWords) || couldNot(s):
		return errorReply
	case bytes.Contains(s, createdWord):
		return created
	}
	return okReply
}

func containsAny(s []byte, words [][]byte) bool {
	for _, w := range words {
		if bytes.Contains(s, w) {
			return true
		}
	}
	return false
}

// couldNot matches could ?n[o'’]t in lower-cased s.
func couldNot(s []byte) bool {
	for {
		i := bytes.Index(s, []byte("could"))
		if i < 0 {
			return false
		}
		s = s[i+5:]
		t := s
		if len(t) > 0 && t[0] == ' ' {
			t = t[1:]
		}
		if len(t) > 0 && t[0] == 'n' {
			t = t[1:]
			for _, mid := range []string{"o", "'", "’"} {
				if rest, ok := bytes.CutPrefix(t, []byte(mid)); ok && len(rest) > 0 && rest[0] == 't' {
					return true
				}
			}
		}
	}
}

// recorder collects one worker's latencies and outcomes; the run merges them.
type recorder struct {
	lat    []time.Duration
	counts [outcomes]int
	// sendLag (open loop): how late requests left compared with their
	// intended time; large values mean the generator or the connection pool
	// could not keep up, and the latencies already include the wait.
	sendLag []time.Duration
	over3s  int // answered, but later than Slack's 3 s
}

func (r *recorder) add(o outcome, lat time.Duration) {
	r.counts[o]++
	r.lat = append(r.lat, lat)
	if lat > 3*time.Second && o != unsent && o != failed {
		r.over3s++
	}
}

func (r *recorder) merge(o *recorder) {
	r.lat = append(r.lat, o.lat...)
	r.sendLag = append(r.sendLag, o.sendLag...)
	for i := range r.counts {
		r.counts[i] += o.counts[i]
	}
	r.over3s += o.over3s
}

// percentile is the nearest-rank percentile p (0 < p ≤ 100) of sorted: the
// smallest sample such that at least p % of the samples are ≤ it. Exact, no
// interpolation and no histogram buckets; 0 for no samples.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// The epsilon keeps binary rounding (99.9/100·1000 = 999.0000000000001)
	// from moving the rank up by one.
	rank := int(math.Ceil(p/100*float64(len(sorted)) - 1e-9))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// summary is a set of latencies reduced to what the report shows.
type summary struct {
	N                   int
	P50, P90, P99, P999 time.Duration
	Max, Mean           time.Duration
}

func summarise(lat []time.Duration) summary {
	s := slices.Clone(lat)
	slices.Sort(s)
	out := summary{N: len(s)}
	if len(s) == 0 {
		return out
	}
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	out.P50, out.P90 = percentile(s, 50), percentile(s, 90)
	out.P99, out.P999 = percentile(s, 99), percentile(s, 99.9)
	out.Max, out.Mean = s[len(s)-1], sum/time.Duration(len(s))
	return out
}
