package resp

import (
	"sync/atomic"
	"time"

	"github.com/flect-kv/flect/engine"
)

// A session's pub/sub state and the hooks the session loop calls: before
// each command (the RESP2 subscribed-mode restriction, and closing the
// previous command's window of held messages), when it flushes (output
// goes through the outbuf once the session has subscribed), on RESET and
// when it ends.

// pubsubConn is the pub/sub state of a session that has subscribed at
// least once; it keeps its outbuf (and writer) until the session ends.
type pubsubConn struct {
	out *outbuf
	// subs is the session's subscriptions in its namespace; other
	// sessions read the counts (CLIENT LIST).
	subs atomic.Pointer[engine.Subscriptions]
	// top is the top-level command running, to tell an UNSUBSCRIBE sent
	// by the client from one run inside a transaction.
	top *engine.Command
}

// pubsubState holds a session's pubsubConn; other sessions load it.
type pubsubState struct {
	p atomic.Pointer[pubsubConn]
}

// subscribed reports whether the session is in pub/sub mode (Valkey's
// client flag pubsub): subscribed to at least one channel, pattern or
// shard channel.
func (p *pubsubConn) subscribed() bool {
	if p == nil {
		return false
	}
	subs := p.subs.Load()
	return subs != nil && subs.Total() > 0
}

// inPubSub reports whether the session is in pub/sub mode; any goroutine
// may ask.
func (s *session) inPubSub() bool { return s.ps.p.Load().subscribed() }

// subCount returns the session's number of subscriptions of kind (CLIENT
// LIST sub, psub, ssub); any goroutine may ask.
func (s *session) subCount(kind engine.SubKind) int64 {
	p := s.ps.p.Load()
	if p == nil {
		return 0
	}
	if subs := p.subs.Load(); subs != nil {
		return subs.Count(kind)
	}
	return 0
}

// outputPending returns the output waiting to be written (CLIENT LIST
// omem); any goroutine may ask.
func (s *session) outputPending() int64 {
	if p := s.ps.p.Load(); p != nil {
		return p.out.pending()
	}
	return 0
}

// pubsubStart returns the session's subscriptions in its current
// namespace, setting up its output path on the first subscription. It
// runs inside a command, so messages start out held.
func (s *session) pubsubStart() *pubsubConn {
	p := s.ps.p.Load()
	if p == nil {
		p = &pubsubConn{out: newOutbuf(s, true), top: s.ctx.Cmd}
		s.ps.p.Store(p)
	}
	if subs := p.subs.Load(); subs == nil || subs.Namespace() != s.cl.NS {
		if subs != nil {
			subs.Clear()
		}
		p.subs.Store(s.cl.NS.NewSubscriptions(p.out))
	}
	return p
}

// pubsubBegin runs before each command of a session that has subscribed:
// the previous command's reply and the messages held meanwhile go out,
// and messages are held again while this command runs.
func (s *session) pubsubBegin() {
	if p := s.ps.p.Load(); p != nil {
		p.out.take(s.w, true)
	}
}

// pubsubReject applies the RESP2 subscribed mode, in which a client may
// only run (P|S)SUBSCRIBE, (P|S)UNSUBSCRIBE, PING, QUIT and RESET. It
// writes the error and returns true when cmd must not run.
func (s *session) pubsubReject(cmd *engine.Command) bool {
	p := s.ps.p.Load()
	if p == nil {
		return false
	}
	p.top = cmd
	if s.w.Proto() != 2 || !p.subscribed() {
		return false
	}
	if cmd.Parent() == nil {
		switch cmd.Name {
		case "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe",
			"psubscribe", "punsubscribe", "quit", "reset":
			return false
		}
	}
	s.cl.NS.CountRejected(cmd)
	s.w.Error(engine.ErrPubSubContext(cmd.FullName()))
	return true
}

// flushOut sends the pending replies of a subscribed session through its
// outbuf, reporting true; for other sessions it applies the normal class
// of client-output-buffer-limit to the replies about to be written and
// reports false unless the session is over it.
func (s *session) flushOut() (bool, error) {
	if p := s.ps.p.Load(); p != nil {
		if !p.out.take(s.w, false) {
			return true, errOutputLimit
		}
		return true, nil
	}
	n := s.w.Len()
	if n == 0 {
		return false, nil
	}
	if l := &s.srv.node.OutputBufferLimits()[engine.OutputNormal]; l.Hard != 0 && uint64(n) >= l.Hard {
		s.srv.x.outputLimitDisconnections.Add(1)
		s.srv.log.Warn("Client closed for overcoming of output buffer limits.",
			"client", string(s.appendClientInfo(nil, s, time.Now())))
		s.w.Reset()
		return true, errOutputLimit
	}
	return false, nil
}

// pubsubReset unsubscribes from everything without confirmations (RESET).
func (s *session) pubsubReset() {
	if p := s.ps.p.Load(); p != nil {
		if subs := p.subs.Load(); subs != nil {
			subs.Clear()
		}
	}
}

// pubsubClose runs as the session ends: it unsubscribes from everything
// and writes what is still pending.
func (s *session) pubsubClose() {
	if p := s.ps.p.Load(); p != nil {
		if subs := p.subs.Load(); subs != nil {
			subs.Clear()
		}
		p.out.close()
	}
}

// pubsubRebind drops the subscriptions of a session whose namespace
// changes (AUTH as another tenant): messages of one namespace never reach
// a connection bound to another.
func (s *session) pubsubRebind(ns *engine.Namespace) {
	if p := s.ps.p.Load(); p != nil {
		if subs := p.subs.Load(); subs != nil && subs.Namespace() != ns {
			subs.Clear()
		}
	}
}

// commitPushes hands the pushes a subscribe command wrote to the outbuf
// at once when CLIENT REPLY is off or skipping: pushes are not replies,
// and Valkey sends them regardless.
func (s *session) commitPushes() {
	if s.x.reply == replyOn {
		return
	}
	if p := s.ps.p.Load(); p != nil {
		p.out.commit(s.w)
	}
}

// pubsubStats sums the pub/sub figures of every namespace (INFO).
func (s *Server) pubsubStats() engine.PubSubStats {
	var t engine.PubSubStats
	for _, ns := range s.node.Namespaces() {
		st := ns.PubSubStats()
		t.Channels += st.Channels
		t.Patterns += st.Patterns
		t.ShardChannels += st.ShardChannels
		t.Clients += st.Clients
	}
	return t
}
