package resp

import (
	"errors"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/flect-kv/flect/engine"
)

// Blocked clients: a command that blocks (BLPOP ...) leaves its session
// waiting here until the engine serves it, its timeout passes, CLIENT
// UNBLOCK releases it or the connection goes away.

// stashLimit bounds what a blocked session reads ahead from its socket
// (commands pipelined behind the blocking one) while it waits.
const stashLimit = 64 * 1024

// errUnblocked is the reply of a client released by CLIENT UNBLOCK ...
// ERROR.
const errUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK"

// blockedState is a session's blocking state.
type blockedState struct {
	// waiter is set while the session is blocked (CLIENT UNBLOCK reads
	// it from other sessions).
	waiter atomic.Pointer[engine.Waiter]
	// stash holds bytes read from the socket while blocked; the reader
	// consumes them before reading the socket again. stashErr is the read
	// error that ended the watch, if the connection failed.
	stash    []byte
	stashErr error
}

// blockedWriter is the reply sink of a blocked command: the errors it
// writes are kept for the session's error statistics, which it updates
// once woken.
type blockedWriter struct {
	*Writer
	errs []string
}

// BlockedReply implements engine.Blocker.
func (s *session) BlockedReply() engine.Reply {
	bw := &blockedWriter{Writer: NewWriter()}
	bw.SetProto(s.w.Proto())
	bw.onError = func(msg string) { bw.errs = append(bw.errs, msg) }
	return bw
}

// waitBlocked waits until the blocked command of s.ctx is released and
// writes its reply. It reports false when the connection is gone.
func (s *session) waitBlocked(w *engine.Waiter) bool {
	s.blk.waiter.Store(w)
	s.setBlocked(true)
	defer func() {
		s.blk.waiter.Store(nil)
		s.setBlocked(false)
	}()
	if s.deadline { // blocked clients are not subject to the idle timeout
		s.deadline = false
		s.nc.SetReadDeadline(time.Time{})
	}
	if s.flush() != nil {
		s.abandon(w)
		return false
	}
	watch := s.watchConn()
	var timeout <-chan time.Time
	if d := w.Deadline(); d != 0 {
		left := time.Duration(d-s.srv.node.Clock().Now().UnixMilli()) * time.Millisecond
		t := time.NewTimer(max(left, 0))
		defer t.Stop()
		timeout = t.C
	}
	for {
		select {
		case why := <-w.Done():
			if !watch.stop(s) {
				s.finishBlocked(w, why)
				return false
			}
			s.finishBlocked(w, why)
			return true
		case <-timeout:
			if !w.Cancel(engine.WakeTimeout) {
				// Being served right now, or served and blocked again:
				// look again shortly.
				timeout = time.After(time.Millisecond)
			}
		case <-watch.failed:
			s.abandon(w)
			return false
		case <-s.x.dead:
			s.abandon(w)
			return false
		case <-s.srv.x.stop:
			s.abandon(w)
			return false
		}
	}
}

// abandon releases w for a session that is going away and waits until it
// is (a command being served for it finishes first).
func (s *session) abandon(w *engine.Waiter) {
	w.Cancel(engine.WakeTimeout)
	<-w.Done()
}

// finishBlocked writes the reply of a released blocked command.
func (s *session) finishBlocked(w *engine.Waiter, why engine.Wake) {
	switch why {
	case engine.WakeServed:
		bw := w.Reply().(*blockedWriter)
		s.w.Raw(bw.Bytes())
		for _, msg := range bw.errs {
			s.onErrorReply(msg)
		}
		return
	case engine.WakeTimeout:
		s.w.NullArray()
	case engine.WakeError:
		s.w.Error(errUnblocked)
	}
	s.ctx.Client.NS.CountCall(s.ctx.Cmd, 0)
}

// connWatch reads a blocked session's socket in the background, to notice
// a disconnect and to keep what the client sends meanwhile.
type connWatch struct {
	failed chan struct{}
	exited chan struct{}
	// stopping is set by stop before it interrupts the read.
	stopping atomic.Bool
	err      error
	buf      []byte
}

// watchConn starts watching s's socket.
func (s *session) watchConn() *connWatch {
	cw := &connWatch{failed: make(chan struct{}), exited: make(chan struct{})}
	go func() {
		defer close(cw.exited)
		var b [4096]byte
		for len(cw.buf) < stashLimit {
			n, err := s.nc.Read(b[:])
			if n > 0 {
				cw.buf = append(cw.buf, b[:n]...)
				s.x.netIn.Add(int64(n))
				s.srv.Stats.NetInputBytes.Add(int64(n))
			}
			if err != nil {
				if cw.stopping.Load() && errors.Is(err, os.ErrDeadlineExceeded) {
					return
				}
				cw.err = err
				close(cw.failed)
				return
			}
		}
	}()
	return cw
}

// stop ends the watch and hands what it read to the session's reader. It
// reports false when the connection failed.
func (cw *connWatch) stop(s *session) bool {
	cw.stopping.Store(true)
	s.nc.SetReadDeadline(time.Now())
	<-cw.exited
	s.nc.SetReadDeadline(time.Time{})
	s.blk.stash = append(s.blk.stash, cw.buf...)
	if cw.err != nil {
		s.blk.stashErr = cw.err
		return len(s.blk.stash) > 0 // let the reader see what came before
	}
	return true
}

// readStash serves the reader from what a blocked session read ahead; ok
// is false when there is nothing stashed.
func (s *session) readStash(p []byte) (n int, err error, ok bool) {
	if len(s.blk.stash) > 0 {
		n = copy(p, s.blk.stash)
		s.blk.stash = s.blk.stash[n:]
		if len(s.blk.stash) == 0 {
			s.blk.stash = nil
		}
		return n, nil, true
	}
	if s.blk.stashErr != nil {
		return 0, s.blk.stashErr, true
	}
	return 0, nil, false
}

// CLIENT UNBLOCK client-id [TIMEOUT|ERROR]

func (s *Server) cmdClientUnblock(c *engine.Ctx) {
	if len(c.Args) > 4 {
		subcommandSyntaxError(c)
		return
	}
	why := engine.WakeTimeout
	if len(c.Args) == 4 {
		switch {
		case strings.EqualFold(string(c.Args[3]), "timeout"):
		case strings.EqualFold(string(c.Args[3]), "error"):
			why = engine.WakeError
		default:
			c.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	}
	id, ok := parseLongLong(c.Args[2])
	if !ok {
		c.Error(engine.ErrNotInt)
		return
	}
	if target := s.visibleSession(sessionOf(c), id); target != nil { // tenancy.go
		if w := target.blk.waiter.Load(); w != nil && w.Cancel(why) {
			c.R.Int(1)
			return
		}
	}
	c.R.Int(0)
}
