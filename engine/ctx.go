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
	start := n.startClock(c)
	cmd := c.Cmd
	switch {
	case cmd.Flags&NoKeyspace != 0:
		cmd.Run(c)
	case cmd.Flags&Exclusive != 0:
		callExclusive(ns, c)
	case cmd.Flags&SelfLocking != 0:
		callShared(ns, c)
	default:
		callKeys(ns, c)
	}
	c.Usec = int64(time.Since(start) / time.Microsecond)
	cmd.stats.Calls.Add(1)
	cmd.stats.Usec.Add(c.Usec)
	ns.Stats.Commands.Add(1)
}

// CallLocked runs a command while the caller holds the namespace
// exclusively (inside EXEC or a script): no further locks are taken.
func (n *Node) CallLocked(c *Ctx) {
	c.Node = n
	c.DB = c.Client.NS.dbs[c.Client.DB]
	start := n.startClock(c)
	c.Cmd.Run(c)
	c.Usec = int64(time.Since(start) / time.Microsecond)
	c.Cmd.stats.Calls.Add(1)
	c.Cmd.stats.Usec.Add(c.Usec)
	c.Client.NS.Stats.Commands.Add(1)
}

// startClock sets the command's time and returns the instant its duration
// is measured from: one clock read per command with the system clock.
func (n *Node) startClock(c *Ctx) time.Time {
	start := time.Now()
	if n.sysClock {
		c.now = start
	} else {
		c.now = n.opts.Clock.Now()
	}
	c.nowMs = c.now.UnixMilli()
	return start
}

func callExclusive(ns *Namespace, c *Ctx) {
	ns.mu.Lock()
	defer ns.mu.Unlock()
	c.Cmd.Run(c)
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
	c.Cmd.Run(c)
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
