package engine

import (
	"time"
	"unsafe"
)

// Client is the per-connection state the engine reads and writes: which
// namespace and database the connection uses, and its engine-visible flags.
// The front end owns it (one per connection) and serialises access.
type Client struct {
	// ID is the connection's unique id (CLIENT ID).
	ID int64
	// NS is the namespace the connection is bound to.
	NS *Namespace
	// DB is the selected database number.
	DB int
	// NoTouch is CLIENT NO-TOUCH: reads do not update LRU/LFU.
	NoTouch bool
	// NoEvict is CLIENT NO-EVICT.
	NoEvict bool
	// Watch is the client's WATCHed keys (nil until it watches).
	Watch *WatchSet
}

// Session is the front end's connection object as the engine sees it.
// Commands registered by the front end type-assert it to their own type.
type Session interface {
	Client() *Client
}

// Ctx carries one command execution: its arguments, where to reply, and
// the connection and database it runs for.
type Ctx struct {
	// Args is argv, name included. The slices alias the connection's read
	// buffer and are valid only during the call: copy what you keep.
	Args [][]byte
	// R receives the reply.
	R Reply
	// Cmd is the resolved command (a subcommand for containers).
	Cmd *Command
	// Node is the node the command runs on.
	Node *Node
	// Sess is the calling connection.
	Sess Session
	// Client is Sess.Client(), cached.
	Client *Client
	// DB is the client's selected database, set by the dispatcher.
	DB *DB
	// Usec is how long the last Call or CallLocked took, in microseconds
	// (the slow log reads it).
	Usec int64
	// Start and End are the command's start and end on the node's
	// monotonic clock (Node.Mono). A caller may set Start (for example to
	// the previous command's End within a pipelined batch) for the next
	// Call only; zero means now.
	Start, End time.Duration

	// NoBlock makes blocking commands behave as if their timeout had
	// passed at once (inside MULTI/EXEC and scripts).
	NoBlock bool
	// blocked is the waiter the command parked its client on; reproc is
	// the waiter whose command is running again.
	blocked, reproc *Waiter

	now   time.Time
	nowMs int64
	// scratch formats small replies (integers as strings) without
	// allocating.
	scratch [32]byte
}

// Now returns the command's time: fixed for the whole command, as Valkey
// caches the time while a command runs.
func (c *Ctx) Now() time.Time { return c.now }

// NowMs returns Now in unix milliseconds.
func (c *Ctx) NowMs() int64 { return c.nowMs }

// NS returns the client's namespace.
func (c *Ctx) NS() *Namespace { return c.Client.NS }

// Error writes an error reply.
func (c *Ctx) Error(msg string) { c.R.Error(msg) }

// OK writes +OK.
func (c *Ctx) OK() { c.R.Simple("OK") }

// bstr views b as a string without copying, for lookups that do not keep
// the string.
func bstr(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// Call runs a resolved command with the locks its flags ask for and updates
// its statistics. The caller has checked arity, authentication and MULTI
// state. A panic in the handler propagates after the locks are released.
func (n *Node) Call(c *Ctx) {
	c.Node = n
	cl := c.Client
	ns := cl.NS
	c.DB = ns.dbs[cl.DB]
	n.startClock(c)
	cmd := c.Cmd
	c.blocked = nil
	switch {
	case cmd.Flags&NoKeyspace != 0:
		cmd.Run(c)
	case cmd.Flags&Exclusive != 0 || cmd.Flags&Write != 0 && ns.blocking.clients.Load() > 0:
		// While clients are blocked, a write that readies a key serves
		// them before anyone else sees the key.
		n.callExclusive(ns, c)
	case cmd.Flags&SelfLocking != 0:
		callShared(ns, c)
	default:
		callKeys(ns, c)
	}
	if ns.blocking.pending.Load() {
		ns.mu.Lock()
		n.serveBlocked(ns)
		ns.mu.Unlock()
	}
	n.stopClock(c)
	if c.blocked != nil {
		return // counted when it is served or times out
	}
	// countCall (cmdstats.go), written out: it is too large to inline.
	cmd.stats.Calls.Add(1)
	cmd.stats.Usec.Add(c.Usec)
	ns.Stats.Commands.Add(1)
	if ns.tenant {
		ns.countOwnCall(cmd, c.Usec)
	}
}

// CallLocked runs a command while the caller holds the namespace
// exclusively (inside EXEC or a script): no further locks are taken.
func (n *Node) CallLocked(c *Ctx) {
	c.Node = n
	c.blocked = nil
	c.DB = c.Client.NS.dbs[c.Client.DB]
	n.startClock(c)
	c.beforeWrite()
	c.Cmd.Run(c)
	c.afterWrite()
	n.stopClock(c)
	c.Client.NS.countCall(c.Cmd, c.Usec)
}

// startClock sets the command's time. A command's duration is measured on
// the node's monotonic clock from c.Start, which a front end running a
// pipelined batch sets to the previous command's End: back-to-back
// commands then cost one clock read each. With the system clock the
// command's wall time is derived from the same reading.
func (n *Node) startClock(c *Ctx) {
	if c.Start == 0 {
		c.Start = n.Mono()
	}
	if n.sysClock {
		c.now = time.Unix(0, int64(c.Start)+n.wallOffset.Load())
	} else {
		c.now = n.opts.Clock.Now()
	}
	c.nowMs = c.now.UnixMilli()
}

// stopClock records the command's end and duration.
func (n *Node) stopClock(c *Ctx) {
	c.End = n.Mono()
	c.Usec = int64((c.End - c.Start) / time.Microsecond)
	c.Start = 0 // consumed: the next command measures afresh unless told
}

// Mono returns the time elapsed on the node's monotonic clock since it
// started; never zero.
func (n *Node) Mono() time.Duration { return time.Since(n.monoBase) + 1 }

// syncWall re-anchors wall time derived from the monotonic clock to the
// system clock, so that a step of the system clock (NTP) is followed.
func (n *Node) syncWall() {
	n.wallOffset.Store(time.Now().UnixNano() - int64(n.Mono()))
}

func (n *Node) callExclusive(ns *Namespace, c *Ctx) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	c.beforeWrite()
	c.Cmd.Run(c)
	c.afterWrite()
	if ns.blocking.pending.Load() {
		n.serveBlocked(ns)
	}
}

func callShared(ns *Namespace, c *Ctx) {
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	c.Cmd.Run(c)
}

func callKeys(ns *Namespace, c *Ctx) {
	m := keyShards(c.Cmd, c.Args)
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	c.DB.lockShards(m)
	defer c.DB.unlockShards(m)
	c.beforeWrite()
	c.Cmd.Run(c)
	c.afterWrite()
}

// keyShards returns the shards holding the command's keys.
func keyShards(cmd *Command, args [][]byte) shardMask {
	if cmd.Keys == nil && cmd.First > 0 && cmd.First == cmd.Last {
		if cmd.First < len(args) {
			return 1 << shardOf(args[cmd.First])
		}
		return 0
	}
	var buf [16]int
	var m shardMask
	for _, i := range cmd.KeyPositions(buf[:0], args) {
		m |= 1 << shardOf(args[i])
	}
	return m
}
