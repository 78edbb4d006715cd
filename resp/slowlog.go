package resp

import (
	"container/list"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flect-kv/flect/engine"
)

// The slow log: commands that ran at least slowlog-log-slower-than
// microseconds, newest first, at most slowlog-max-len of them. SLOWLOG
// GET/LEN/RESET/HELP read and clear it. Each namespace has a log of its
// own, as each private server has: a store's clients see and reset their
// store's entries, the default namespace's clients the default
// namespace's. The two settings are the node's.

// Limits on what one entry keeps, as Valkey's SLOWLOG_ENTRY_MAX_ARGC and
// SLOWLOG_ENTRY_MAX_STRING.
const (
	slowlogMaxArgc   = 32
	slowlogMaxString = 128
)

type slowlogEntry struct {
	id, unix, usec int64
	args           []string
	addr, name     string
}

// slowEntries is one namespace's log; the slowlog's mutex guards it.
type slowEntries struct {
	nextID  int64
	entries list.List // of *slowlogEntry, newest at the front
}

type slowlog struct {
	// threshold is the effective slowlog-log-slower-than: math.MaxInt64
	// when the log is disabled (negative threshold or max length 0), so
	// the dispatcher needs one comparison.
	threshold atomic.Int64

	mu         sync.Mutex
	slowerThan int64 // slowlog-log-slower-than as configured
	maxLen     int64 // slowlog-max-len
	def        slowEntries
	// stores are the stores' logs, trimmed with def when slowlog-max-len
	// shrinks.
	stores map[*slowEntries]struct{}
}

func (l *slowlog) init() {
	l.slowerThan, l.maxLen = 10000, 128
	l.updateThreshold()
}

// updateThreshold recomputes threshold; l.mu is held or l is not shared yet.
func (l *slowlog) updateThreshold() {
	t := l.slowerThan
	if t < 0 || l.maxLen == 0 {
		t = math.MaxInt64
	}
	l.threshold.Store(t)
}

func (l *slowlog) setSlowerThan(v int64) {
	l.mu.Lock()
	l.slowerThan = v
	l.updateThreshold()
	l.mu.Unlock()
}

func (l *slowlog) getSlowerThan() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.slowerThan
}

func (l *slowlog) setMaxLen(v int64) {
	l.mu.Lock()
	l.maxLen = v
	l.updateThreshold()
	l.trimLocked(&l.def)
	for e := range l.stores {
		l.trimLocked(e)
	}
	l.mu.Unlock()
}

func (l *slowlog) getMaxLen() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.maxLen
}

// addLog and removeLog register a store's log for trimming.
func (l *slowlog) addLog(e *slowEntries) {
	l.mu.Lock()
	if l.stores == nil {
		l.stores = map[*slowEntries]struct{}{}
	}
	l.stores[e] = struct{}{}
	l.trimLocked(e)
	l.mu.Unlock()
}

func (l *slowlog) removeLog(e *slowEntries) {
	l.mu.Lock()
	delete(l.stores, e)
	e.entries.Init()
	l.mu.Unlock()
}

func (l *slowlog) trimLocked(e *slowEntries) {
	for int64(e.entries.Len()) > l.maxLen {
		e.entries.Remove(e.entries.Back())
	}
}

// logOf returns the log of the session's namespace.
func (l *slowlog) logOf(sess *session) *slowEntries {
	if st := sess.kv.state; st != nil {
		return &st.slow
	}
	return &l.def
}

// push records a command of sess that took usec microseconds, in the log
// of sess's namespace. args are copied (trimmed as Valkey trims them),
// with redacted arguments replaced.
func (l *slowlog) push(sess *session, args [][]byte, usec int64) {
	argc := len(args)
	n := min(argc, slowlogMaxArgc)
	e := &slowlogEntry{usec: usec, unix: time.Now().Unix(), args: make([]string, n), addr: sess.addr}
	if name := sess.info.name.Load(); name != nil {
		e.name = *name
	}
	redact := sess.srv.redactions(args)
	for j := 0; j < n; j++ {
		switch {
		case n != argc && j == n-1:
			e.args[j] = "... (" + strconv.Itoa(argc-n+1) + " more arguments)"
		case isRedacted(redact, j):
			e.args[j] = "(redacted)"
		case len(args[j]) > slowlogMaxString:
			e.args[j] = string(args[j][:slowlogMaxString]) + "... (" +
				strconv.Itoa(len(args[j])-slowlogMaxString) + " more bytes)"
		default:
			e.args[j] = string(args[j])
		}
	}
	log := l.logOf(sess)
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.slowerThan < 0 || l.maxLen == 0 || usec < l.slowerThan {
		return
	}
	e.id = log.nextID
	log.nextID++
	log.entries.PushFront(e)
	l.trimLocked(log)
}

func (s *Server) slowlogCommands() []*engine.Command {
	return []*engine.Command{
		{Name: "slowlog", Arity: -2, Group: "server", Subcommands: []*engine.Command{
			{Name: "get", Arity: -2, Flags: engine.Admin | engine.Loading | engine.Stale | engine.NoKeyspace, Run: s.cmdSlowlogGet},
			{Name: "len", Arity: 2, Flags: engine.Admin | engine.Loading | engine.Stale | engine.NoKeyspace, Run: s.cmdSlowlogLen},
			{Name: "reset", Arity: 2, Flags: engine.Admin | engine.Loading | engine.Stale | engine.NoKeyspace, Run: s.cmdSlowlogReset},
			{Name: "help", Arity: 2, Flags: engine.Loading | engine.Stale | engine.NoKeyspace, Run: cmdSlowlogHelp},
		}},
	}
}

func (s *Server) cmdSlowlogGet(c *engine.Ctx) {
	if len(c.Args) > 3 {
		subcommandSyntaxError(c)
		return
	}
	l := &s.x.slowlog
	log := l.logOf(sessionOf(c))
	count := int64(10)
	if len(c.Args) == 3 {
		n, ok := parseLongLong(c.Args[2])
		if !ok || n < -1 {
			c.Error("ERR count should be greater than or equal to -1")
			return
		}
		count = n
	}
	l.mu.Lock()
	if count == -1 || count > int64(log.entries.Len()) {
		count = int64(log.entries.Len())
	}
	entries := make([]*slowlogEntry, 0, count)
	for el := log.entries.Front(); el != nil && int64(len(entries)) < count; el = el.Next() {
		entries = append(entries, el.Value.(*slowlogEntry))
	}
	l.mu.Unlock()
	c.R.Array(len(entries))
	for _, e := range entries {
		c.R.Array(6)
		c.R.Int(e.id)
		c.R.Int(e.unix)
		c.R.Int(e.usec)
		c.R.Array(len(e.args))
		for _, a := range e.args {
			c.R.BulkString(a)
		}
		c.R.BulkString(e.addr)
		c.R.BulkString(e.name)
	}
}

func (s *Server) cmdSlowlogLen(c *engine.Ctx) {
	l := &s.x.slowlog
	log := l.logOf(sessionOf(c))
	l.mu.Lock()
	n := log.entries.Len()
	l.mu.Unlock()
	c.R.Int(int64(n))
}

func (s *Server) cmdSlowlogReset(c *engine.Ctx) {
	l := &s.x.slowlog
	log := l.logOf(sessionOf(c))
	l.mu.Lock()
	log.entries.Init()
	l.mu.Unlock()
	c.OK()
}

func cmdSlowlogHelp(c *engine.Ctx) {
	replyHelp(c, string(c.Args[0]),
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	)
}
