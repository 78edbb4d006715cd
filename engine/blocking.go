package engine

import (
	"fmt"
	"math"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
)

// Blocking commands (BLPOP, BZPOPMIN, XREAD BLOCK ...): a client whose
// keys have nothing for it is parked on them until one is signalled ready,
// its timeout passes, or CLIENT UNBLOCK; then its command runs again from
// the start (Valkey 7.2+ reprocessing), so a handler re-checks its keys
// and may block again.
//
// Serving happens on the goroutine of the command that made a key ready,
// under the namespace's exclusive lock and before that command's caller
// runs anything else, so that the woken client gets the element before any
// other client can see it, as in Valkey. While a namespace has blocked
// clients its write commands take the exclusive lock for that reason.

// Blocker is implemented by sessions whose commands may block.
type Blocker interface {
	Session
	// BlockedReply returns an empty reply sink for a command that blocks:
	// when the command is served on another goroutine its reply goes
	// there, and the session copies it out once woken.
	BlockedReply() Reply
}

// Wake says why a blocked client was released.
type Wake int

// The reasons a blocked client is released.
const (
	// WakeServed: its command ran again and wrote its reply.
	WakeServed Wake = iota
	// WakeTimeout: its timeout passed, or CLIENT UNBLOCK ... TIMEOUT; the
	// session replies as on a timeout.
	WakeTimeout
	// WakeError: CLIENT UNBLOCK ... ERROR; the session replies
	// ErrUnblocked.
	WakeError
)

// Waiter is a client parked by a blocking command.
type Waiter struct {
	ns       *Namespace
	db       int
	keys     []string
	args     [][]byte
	cmd      *Command
	sess     Session
	client   *Client
	reply    Reply
	deadline int64
	// btype is the type a key must hold for the waiter to be served;
	// onNoKey also serves it when the key is gone (XREADGROUP).
	btype   string
	onNoKey bool
	// registered is guarded by the namespace's blocking mutex.
	registered bool
	done       chan Wake
}

// Deadline returns the waiter's deadline in unix ms (0: none).
func (w *Waiter) Deadline() int64 { return w.deadline }

// Done delivers the reason the waiter was released, once.
func (w *Waiter) Done() <-chan Wake { return w.done }

// Reply returns the reply sink a served command wrote to.
func (w *Waiter) Reply() Reply { return w.reply }

// Cancel releases a waiter that has not been served (timeout, CLIENT
// UNBLOCK, disconnect) and delivers why on Done. It reports false when the
// waiter is being served or was released already: Done delivers then.
func (w *Waiter) Cancel(why Wake) bool {
	b := &w.ns.blocking
	b.mu.Lock()
	ok := w.registered
	if ok {
		b.removeLocked(w)
	}
	b.mu.Unlock()
	if ok {
		w.done <- why
	}
	return ok
}

type blockKey struct {
	db  int
	key string
}

// blockState is a namespace's blocked clients and ready keys.
type blockState struct {
	mu sync.Mutex
	// clients counts registered waiters; commands read it without the
	// mutex.
	clients atomic.Int32
	// pending is set while ready is not empty.
	pending  atomic.Bool
	keys     map[blockKey][]*Waiter
	ready    []blockKey
	readySet map[blockKey]struct{}
}

func (b *blockState) addLocked(w *Waiter) {
	if b.keys == nil {
		b.keys = map[blockKey][]*Waiter{}
		b.readySet = map[blockKey]struct{}{}
	}
	for _, k := range w.keys {
		bk := blockKey{w.db, k}
		b.keys[bk] = append(b.keys[bk], w)
	}
	w.registered = true
	b.clients.Add(1)
}

func (b *blockState) removeLocked(w *Waiter) {
	for _, k := range w.keys {
		bk := blockKey{w.db, k}
		list := b.keys[bk]
		for i, x := range list {
			if x == w {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(b.keys, bk)
		} else {
			b.keys[bk] = list
		}
	}
	w.registered = false
	b.clients.Add(-1)
}

// signal marks key of database db ready if clients are blocked on it.
func (b *blockState) signal(db int, key string) {
	if b.clients.Load() == 0 {
		return
	}
	b.mu.Lock()
	bk := blockKey{db, key}
	if _, ok := b.keys[bk]; ok {
		if _, dup := b.readySet[bk]; !dup {
			bk.key = strings.Clone(key)
			b.readySet[bk] = struct{}{}
			b.ready = append(b.ready, bk)
			b.pending.Store(true)
		}
	}
	b.mu.Unlock()
}

// signalDB marks every key of database db that clients block on ready
// (FLUSHDB, SWAPDB: the serving check sorts out which can be served).
func (b *blockState) signalDB(db int) {
	if b.clients.Load() == 0 {
		return
	}
	b.mu.Lock()
	for bk := range b.keys {
		if bk.db != db {
			continue
		}
		if _, dup := b.readySet[bk]; !dup {
			b.readySet[bk] = struct{}{}
			b.ready = append(b.ready, bk)
			b.pending.Store(true)
		}
	}
	b.mu.Unlock()
}

// BlockingKeys returns how many keys clients are blocked on, and how many
// of them have a client that is woken by the key's deletion (INFO
// total_blocking_keys and total_blocking_keys_on_nokey).
func (ns *Namespace) BlockingKeys() (keys, onNoKey int) {
	b := &ns.blocking
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, list := range b.keys {
		for _, w := range list {
			if w.onNoKey {
				onNoKey++
				break
			}
		}
	}
	return len(b.keys), onNoKey
}

// BlockedWithTimeout returns how many blocked clients have a timeout
// (INFO clients_in_timeout_table).
func (ns *Namespace) BlockedWithTimeout() int {
	b := &ns.blocking
	b.mu.Lock()
	defer b.mu.Unlock()
	seen := map[*Waiter]bool{}
	for _, list := range b.keys {
		for _, w := range list {
			if w.deadline != 0 {
				seen[w] = true
			}
		}
	}
	return len(seen)
}

// CanBlock reports whether the command may block: false inside MULTI/EXEC
// and scripts, where a blocking command behaves as if its timeout had
// passed at once, and for callers that cannot wait.
func (c *Ctx) CanBlock() bool {
	if c.NoBlock {
		return false
	}
	_, ok := c.Sess.(Blocker)
	return ok
}

// Block parks the calling client on keys of its database until one is
// signalled ready or until deadline (unix ms; 0 waits forever). The handler
// writes no reply and returns right after. On timeout the client gets a
// null array, as Valkey's replyToBlockedClientTimedOut. Before calling it a
// handler may replace elements of c.Args (XREAD turns `$` into the last
// ID) since the command runs again from those arguments; Block copies them.
// Call it only when CanBlock.
func (c *Ctx) Block(keys [][]byte, deadline int64) {
	b := &c.Client.NS.blocking
	if w := c.reproc; w != nil {
		// Served but still nothing for it: wait again, keeping the
		// original deadline.
		b.mu.Lock()
		b.addLocked(w)
		b.mu.Unlock()
		c.blocked = w
		return
	}
	w := &Waiter{
		ns: c.Client.NS, db: c.Client.DB, cmd: c.Cmd, sess: c.Sess, client: c.Client,
		reply: c.Sess.(Blocker).BlockedReply(), deadline: deadline, done: make(chan Wake, 1),
	}
	w.btype, w.onNoKey = blockedType(c.Cmd)
	w.args = CopyArgs(c.Args)
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if !seen[string(k)] {
			seen[string(k)] = true
			w.keys = append(w.keys, string(k))
		}
	}
	b.mu.Lock()
	b.addLocked(w)
	b.mu.Unlock()
	c.blocked = w
}

// CopyArgs returns a copy of args that does not alias them, in one
// allocation for the bytes.
func CopyArgs(args [][]byte) [][]byte {
	size := 0
	for _, a := range args {
		size += len(a)
	}
	buf := make([]byte, 0, size)
	out := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		out[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	return out
}

// blockedType returns the type a key must hold to serve cmd, and whether
// its deletion serves it too.
func blockedType(cmd *Command) (string, bool) {
	switch cmd.Group {
	case "list":
		return "list", false
	case "sorted-set":
		return "zset", false
	}
	return "stream", cmd.Name == "xreadgroup"
}

// Blocked returns the waiter the command parked its client on, or nil.
func (c *Ctx) Blocked() *Waiter { return c.blocked }

// Reprocessing reports whether the command is running again for a client
// that was blocked (Valkey's CLIENT_REPROCESSING_COMMAND).
func (c *Ctx) Reprocessing() bool { return c.reproc != nil }

// SignalReady marks key as ready for the clients blocked on it, as
// Valkey's signalKeyAsReady. Creating or deleting a key does it
// implicitly; XADD on an existing stream calls it.
func (c *Ctx) SignalReady(key []byte) { c.DB.ns.blocking.signal(c.DB.index, bstr(key)) }

// serveBlocked runs the commands of the clients blocked on ready keys, in
// the order the keys became ready and, for each key, in the order the
// clients blocked. The caller holds the namespace exclusively.
func (n *Node) serveBlocked(ns *Namespace) {
	b := &ns.blocking
	now := n.nowMs()
	for {
		b.mu.Lock()
		if len(b.ready) == 0 {
			b.pending.Store(false)
			b.ready = nil
			b.mu.Unlock()
			return
		}
		bk := b.ready[0]
		b.ready = b.ready[1:]
		delete(b.readySet, bk)
		list := append([]*Waiter(nil), b.keys[bk]...)
		b.mu.Unlock()
		db := ns.dbs[bk.db]
		for _, w := range list {
			e := db.find(bk.key, now)
			if !w.onNoKey && (e == nil || typeName(e.Val.val()) != w.btype) {
				continue
			}
			b.mu.Lock()
			ok := w.registered
			if ok {
				b.removeLocked(w)
			}
			b.mu.Unlock()
			if ok {
				n.reprocess(w)
			}
		}
	}
}

// reprocess runs a released waiter's command again; it either replies (the
// waiter is done) or blocks again.
func (n *Node) reprocess(w *Waiter) {
	c := &Ctx{Args: w.args, R: w.reply, Cmd: w.cmd, Sess: w.sess, Client: w.client, reproc: w}
	c.Node = n
	c.DB = w.ns.dbs[w.client.DB]
	n.startClock(c)
	func() {
		defer func() {
			if r := recover(); r != nil {
				n.Logger().Error("panic in command", "command", w.cmd.FullName(),
					"panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				c.blocked = nil
				c.R.Error(ErrInternal)
			}
		}()
		c.beforeWrite()
		w.cmd.Run(c)
		c.afterWrite()
	}()
	n.stopClock(c)
	if c.blocked != nil {
		return
	}
	w.ns.countCall(w.cmd, c.Usec)
	w.done <- WakeServed
}

// parseTimeout parses a blocking command's timeout as Valkey's
// getTimeoutFromObjectOrReply: seconds (a float, BLPOP) or milliseconds
// (an integer, XREAD BLOCK). It returns the deadline in unix ms, 0 for
// none, or replies an error.
func (c *Ctx) parseTimeout(arg []byte, seconds bool) (deadline int64, ok bool) {
	var ms int64
	if seconds {
		f, ok := ParseDouble(arg)
		if !ok || math.IsNaN(f) {
			c.Error(ErrTimeoutNotFloat)
			return 0, false
		}
		f = math.Ceil(f * 1000)
		if f >= math.MaxInt64 {
			c.Error(ErrTimeoutOutOfRange)
			return 0, false
		}
		if f < 0 {
			c.Error(ErrTimeoutNegative)
			return 0, false
		}
		ms = int64(f)
	} else {
		n, ok := parseStrictInt(arg)
		if !ok {
			c.Error(ErrTimeoutNotInteger)
			return 0, false
		}
		if n < 0 {
			c.Error(ErrTimeoutNegative)
			return 0, false
		}
		ms = n
	}
	if ms == 0 {
		return 0, true
	}
	if ms > math.MaxInt64-c.nowMs {
		c.Error(ErrTimeoutOutOfRange)
		return 0, false
	}
	return c.nowMs + ms, true
}
