package resp

import (
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// Error statistics for INFO errorstats and total_error_replies: every
// error reply is counted by its prefix (the first word: ERR, WRONGTYPE,
// NOAUTH ...), as Valkey's afterErrorReply does.

// errorStatsLimit bounds the number of distinct prefixes tracked; further
// new prefixes are counted under errorStatsOverflow, as Valkey does for
// errors raised by scripts.
const (
	errorStatsLimit    = 128
	errorStatsOverflow = "ERRORSTATS_OVERFLOW"
)

// errorStats counts error replies node-wide.
type errorStats struct {
	total atomic.Int64 // total_error_replies
	mu    sync.RWMutex
	m     map[string]*atomic.Int64
}

// errorPrefix returns the error code of an error reply's text: its first
// word if a space occurs within the first 31 bytes, else "ERR".
func errorPrefix(msg string) string {
	limit := min(len(msg), 31)
	if i := strings.IndexByte(msg[:limit], ' '); i > 0 {
		return msg[:i]
	}
	return "ERR"
}

// count records one error reply with text msg.
func (e *errorStats) count(msg string) {
	e.total.Add(1)
	prefix := errorPrefix(msg)
	e.mu.RLock()
	c := e.m[prefix]
	e.mu.RUnlock()
	if c == nil {
		e.mu.Lock()
		if e.m == nil {
			e.m = map[string]*atomic.Int64{}
		}
		if c = e.m[prefix]; c == nil {
			if len(e.m) >= errorStatsLimit {
				prefix = errorStatsOverflow
			}
			if c = e.m[prefix]; c == nil {
				c = new(atomic.Int64)
				e.m[strings.Clone(prefix)] = c
			}
		}
		e.mu.Unlock()
	}
	c.Add(1)
}

// errorCount is one line of INFO errorstats.
type errorCount struct {
	prefix string
	count  int64
}

// snapshot returns the counts sorted by prefix.
func (e *errorStats) snapshot() []errorCount {
	e.mu.RLock()
	out := make([]errorCount, 0, len(e.m))
	for p, c := range e.m {
		out = append(out, errorCount{p, c.Load()})
	}
	e.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].prefix < out[j].prefix })
	return out
}

// get returns the count of one prefix.
func (e *errorStats) get(prefix string) int64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if c := e.m[prefix]; c != nil {
		return c.Load()
	}
	return 0
}

// reset clears every count (CONFIG RESETSTAT).
func (e *errorStats) reset() {
	e.mu.Lock()
	e.m = nil
	e.mu.Unlock()
	e.total.Store(0)
}
