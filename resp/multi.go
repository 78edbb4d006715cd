package resp

import (
	"runtime/debug"
	"strings"
	"sync/atomic"

	"github.com/flect-kv/flect/engine"
)

// Transactions: MULTI EXEC DISCARD WATCH UNWATCH. Commands sent after
// MULTI are queued (their arguments copied) and run by EXEC with the
// namespace held exclusively, so no other client sees a partial
// transaction.

const (
	errExecAbort       = "EXECABORT Transaction discarded because of previous errors."
	errNotInMulti      = "ERR Command not allowed inside a transaction"
	errExecWithoutMult = "ERR EXEC without MULTI"
	errDiscardNoMulti  = "ERR DISCARD without MULTI"
)

// multiState is a session's open transaction.
type multiState struct {
	queue []queuedCmd
	// aborted is set when a command was rejected while queuing: EXEC
	// then fails with EXECABORT.
	aborted bool
	// count is len(queue), for CLIENT LIST from other sessions.
	count atomic.Int64
}

// queuedCmd is a command waiting for EXEC.
type queuedCmd struct {
	cmd  *engine.Command
	args [][]byte
}

func (s *Server) multiCommands() []*engine.Command {
	const base = engine.NoScript | engine.Loading | engine.Stale
	return []*engine.Command{
		{Name: "multi", Arity: 1, Flags: base | engine.Fast | engine.NoMulti | engine.AllowBusy | engine.NoKeyspace, Group: "transactions", Run: cmdMulti},
		{Name: "exec", Arity: 1, Flags: base | engine.SkipSlowlog | engine.NoKeyspace, Group: "transactions", Run: s.cmdExec},
		{Name: "discard", Arity: 1, Flags: base | engine.Fast | engine.AllowBusy | engine.NoKeyspace, Group: "transactions", Run: cmdDiscard},
		{Name: "watch", Arity: -2, Flags: base | engine.Fast | engine.NoMulti | engine.AllowBusy, First: 1, Last: -1, Step: 1, Group: "transactions", Run: cmdWatch},
		{Name: "unwatch", Arity: 1, Flags: base | engine.Fast | engine.AllowBusy | engine.NoKeyspace, Group: "transactions", Run: cmdUnwatch},
	}
}

// abortMulti marks an open transaction failed after a command was rejected
// while queuing (Valkey's flagTransaction).
func (s *session) abortMulti() {
	if s.multi != nil {
		s.multi.aborted = true
	}
}

// reject replies msg to a command refused before running, and marks an
// open transaction failed. A refused EXEC discards the transaction, as
// Valkey's execCommandAbort.
func (s *session) reject(cmd *engine.Command, msg string) {
	s.abortMulti()
	if cmd != nil && cmd.Parent() == nil && cmd.Name == "exec" {
		s.endMulti()
		s.w.Error("EXECABORT Transaction discarded because of: " + strings.TrimPrefix(msg, "ERR "))
		return
	}
	s.w.Error(msg)
}

// queueMulti queues cmd when a transaction is open and replies QUEUED (or
// rejects a command not allowed in one). It reports false when the command
// must run now: outside a transaction, and EXEC DISCARD QUIT RESET inside.
func (s *session) queueMulti(cmd *engine.Command, args [][]byte) bool {
	m := s.multi
	if m == nil {
		return false
	}
	if cmd.Flags&engine.NoMulti != 0 {
		s.w.Error(errNotInMulti)
		m.aborted = true
		return true
	}
	if cmd.Parent() == nil {
		switch cmd.Name {
		case "exec", "discard", "quit", "reset":
			return false
		}
	}
	m.queue = append(m.queue, queuedCmd{cmd: cmd, args: engine.CopyArgs(args)})
	m.count.Store(int64(len(m.queue)))
	s.w.Simple("QUEUED")
	return true
}

// endMulti closes the transaction and forgets the watched keys.
func (s *session) endMulti() {
	s.multi = nil
	s.x.flags.And(^flagMulti)
	if ws := s.cl.Watch; ws != nil {
		ws.Unwatch()
	}
}

// queuedCount returns CLIENT LIST's multi= field: the queued commands, or
// -1 outside a transaction. Other sessions call it.
func (s *session) queuedCount() int64 {
	if s.x.flags.Load()&flagMulti == 0 {
		return -1
	}
	if m := s.multiView.Load(); m != nil {
		return m.count.Load()
	}
	return 0
}

func cmdMulti(c *engine.Ctx) {
	sess := sessionOf(c)
	m := &multiState{}
	sess.multi = m
	sess.multiView.Store(m)
	sess.x.flags.Or(flagMulti)
	c.OK()
}

func cmdDiscard(c *engine.Ctx) {
	sess := sessionOf(c)
	if sess.multi == nil {
		c.Error(errDiscardNoMulti)
		return
	}
	sess.endMulti()
	c.OK()
}

func (s *Server) cmdExec(c *engine.Ctx) {
	sess := sessionOf(c)
	m := sess.multi
	if m == nil {
		c.Error(errExecWithoutMult)
		return
	}
	defer sess.endMulti()
	if m.aborted {
		c.Error(errExecAbort)
		return
	}
	inner := engine.Ctx{R: c.R, Sess: c.Sess, Client: c.Client, NoBlock: true}
	ran := s.node.Transaction(c, func() {
		c.R.Array(len(m.queue))
		for _, q := range m.queue {
			inner.Args, inner.Cmd = q.args, q.cmd
			s.execQueued(&inner)
		}
	})
	if !ran {
		c.R.NullArray()
	}
}

// execQueued runs one queued command inside EXEC; a panic becomes that
// command's error reply and the transaction goes on.
func (s *Server) execQueued(c *engine.Ctx) {
	mark := c.R.(*Writer).Len()
	defer func() {
		if r := recover(); r != nil {
			c.R.(*Writer).Truncate(mark)
			s.log.Error("panic in command", "command", c.Cmd.FullName(),
				"panic", r, "stack", string(debug.Stack()))
			c.R.Error(engine.ErrInternal)
		}
	}()
	s.node.CallLocked(c)
}

func cmdWatch(c *engine.Ctx) {
	ws := c.Client.Watch
	if ws == nil {
		ws = &engine.WatchSet{}
		c.Client.Watch = ws
	}
	for _, key := range c.Args[1:] {
		c.Watch(ws, key)
	}
	c.OK()
}

func cmdUnwatch(c *engine.Ctx) {
	if ws := c.Client.Watch; ws != nil {
		ws.Unwatch()
	}
	c.OK()
}

// watchCount returns CLIENT LIST's watch= field.
func (s *session) watchCount() int {
	if ws := s.cl.Watch; ws != nil {
		return ws.Len()
	}
	return 0
}
