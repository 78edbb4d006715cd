package resp

import (
	"errors"
	"net"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/flect-kv/flect/engine"
)

// flushThreshold is the pending output size at which a session writes in
// the middle of a pipelined batch, bounding its buffer.
const flushThreshold = 64 * 1024

// session is one client connection.
type session struct {
	srv *Server
	nc  net.Conn
	rd  *Reader
	w   *Writer
	cl  engine.Client
	ctx engine.Ctx

	addr, laddr string
	created     time.Time
	authed      bool
	// deadline is set while an idle timeout is armed on the connection.
	deadline bool
	// lastCmd and lastName cache the last resolved top-level command.
	lastCmd  *engine.Command
	lastName string
	// closeAfterReply makes the loop flush and close after this command
	// (QUIT, protocol errors, CLIENT KILL of itself).
	closeAfterReply bool
	// preOOM is set when the maxmemory gate before the current command
	// found memory exhausted (Valkey's pre_command_oom_state); scripts
	// read it (scripting.go).
	preOOM bool

	// Fields other connections read (CLIENT LIST, INFO) are atomics or
	// guarded by info.
	info sessionInfo
	// x is the state of the server commands (server_cmds.go).
	x sessionExt
	// blk is the blocking state (blocking.go).
	blk blockedState
	// ps is the pub/sub state (pubsub_session.go).
	ps pubsubState
	// multi is the open transaction (multi.go); multiView publishes it
	// to other sessions' CLIENT LIST.
	multi     *multiState
	multiView atomic.Pointer[multiState]
	// kv is the store the session is bound to (tenancy.go).
	kv kvSession
	// trk is the client-side caching state (tracking.go), nil until the
	// session first turns tracking on.
	trk atomic.Pointer[trackingConn]
}

// sessionInfo is what CLIENT LIST / CLIENT INFO print about a connection.
type sessionInfo struct {
	name       atomic.Pointer[string]
	libName    atomic.Pointer[string]
	libVer     atomic.Pointer[string]
	lastActive atomic.Int64 // unix ns
	db         atomic.Int64
	proto      atomic.Int64
}

// Client implements engine.Session.
func (s *session) Client() *engine.Client { return &s.cl }

func (s *Server) newSession(nc net.Conn) *session {
	sess := &session{srv: s, nc: nc, w: NewWriter(), created: time.Now()}
	sess.addr = nc.RemoteAddr().String()
	sess.laddr = nc.LocalAddr().String()
	sess.cl.ID = s.nextID.Add(1)
	sess.cl.NS = s.node.Default()
	sess.cl.Watch = &engine.WatchSet{}
	sess.x.dead = make(chan struct{})
	sess.x.limitsGen = s.x.limitsGen.Load()
	s.settings.mu.RLock()
	sess.authed = s.settings.requirePass == ""
	limits := s.settings.limits
	s.settings.mu.RUnlock()
	sess.rd = NewReader(countReader{sess}, limits)
	sess.rd.Authenticated = sess.authed
	sess.rd.BeforeBlock = sess.beforeRead
	sess.ctx.R = sess.w
	sess.ctx.Sess = sess
	sess.ctx.Client = &sess.cl
	sess.info.proto.Store(2)
	sess.info.lastActive.Store(time.Now().UnixNano())
	return sess
}

// beforeRead runs before a read that may block: it flushes pending
// replies and arms the idle timeout (CONFIG timeout).
func (s *session) beforeRead() error {
	if err := s.flush(); err != nil {
		return err
	}
	s.refreshLimits()
	// Subscribed clients are never idle-timed out (pubsub_session.go).
	if t := time.Duration(s.srv.settings.timeout.Load()); t > 0 && !s.inPubSub() {
		s.deadline = true
		return s.nc.SetReadDeadline(time.Now().Add(t))
	} else if s.deadline {
		s.deadline = false
		return s.nc.SetReadDeadline(time.Time{})
	}
	return nil
}

// flush writes pending replies.
func (s *session) flush() error {
	s.publish()
	if done, err := s.flushOut(); done { // subscribed: via the outbuf (outbuf.go)
		return err
	}
	if s.w.Len() == 0 {
		return nil
	}
	n, err := s.nc.Write(s.w.Bytes())
	s.srv.Stats.NetOutputBytes.Add(int64(n))
	s.x.netOut.Add(int64(n))
	s.srv.x.writes.Add(1)
	s.w.Reset()
	return err
}

func (s *Server) serveConn(nc net.Conn) {
	defer s.wg.Done()
	sess := s.newSession(nc)
	defer nc.Close()
	if msg := s.admissionError(nc); msg != "" {
		s.Stats.RejectedConnections.Add(1)
		sess.w.Error(msg)
		sess.flush()
		return
	}
	if !s.register(sess) {
		s.Stats.RejectedConnections.Add(1)
		sess.w.Error("ERR max number of clients reached")
		sess.flush()
		return
	}
	defer s.unregister(sess)
	defer sess.pubsubClose()
	defer sess.trackingOff()
	for {
		reads := sess.rd.reads
		args, err := sess.rd.ReadCommand()
		if err != nil {
			sess.readFailed(err)
			var perr ProtocolError
			if errors.As(err, &perr) {
				sess.w.Error("ERR " + string(perr))
				sess.flush()
			}
			return
		}
		// A request that came in the same read as the previous one starts
		// when that one ended: one clock read per pipelined command.
		if sess.rd.reads == reads {
			sess.ctx.Start = sess.ctx.End
		}
		sess.handle(args)
		if sess.closeAfterReply {
			sess.flush()
			return
		}
		if sess.w.Len() >= flushThreshold {
			if sess.flush() != nil {
				return
			}
		}
	}
}

// admissionError returns the error a new connection gets before any
// command, or "" to admit it.
func (s *Server) admissionError(nc net.Conn) string {
	s.settings.mu.RLock()
	protected := s.settings.protectedMode && s.settings.requirePass == ""
	s.settings.mu.RUnlock()
	if protected && !isLoopback(nc.RemoteAddr()) {
		return protectedModeError
	}
	return ""
}

func isLoopback(a net.Addr) bool {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	return false
}

// protectedModeError is Valkey's text for a non-loopback client of a node
// in protected mode without a password.
const protectedModeError = "DENIED Valkey is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Valkey you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Valkey from the same host the server is running, however MAKE SURE Valkey is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Valkey configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside."

// handle runs one request.
func (s *session) handle(args [][]byte) {
	s.pubsubBegin()
	mark := s.w.Len()
	cmd, errText := s.resolve(args)
	s.x.lastCmd = cmd
	if errText != "" {
		if cmd != nil {
			s.cl.NS.CountRejected(cmd)
		}
		s.reject(cmd, errText)
		s.afterReply(mark)
		return
	}
	if !s.authed && !cmd.Has(engine.NoAuth) {
		s.cl.NS.CountRejected(cmd)
		s.reject(cmd, engine.ErrNoAuth)
		s.afterReply(mark)
		return
	}
	if s.srv.persist.loading.Load() && !cmd.Has(engine.Loading) {
		s.cl.NS.CountRejected(cmd)
		s.reject(cmd, ErrLoading)
		s.afterReply(mark)
		return
	}
	if msg := s.busyRefusal(cmd); msg != "" { // scripting.go
		s.cl.NS.CountRejected(cmd)
		s.reject(cmd, msg)
		s.afterReply(mark)
		return
	}
	if s.srv.diskError(cmd) {
		s.cl.NS.CountRejected(cmd)
		s.reject(cmd, ErrMisconf)
		s.afterReply(mark)
		return
	}
	if s.kv.store != nil {
		if msg := s.storeRefusal(cmd, args); msg != "" { // tenancy_policy.go
			s.cl.NS.CountRejected(cmd)
			s.reject(cmd, msg)
			s.afterReply(mark)
			return
		}
	}
	if s.oomRefusal(cmd) { // memory.go
		s.afterReply(mark)
		return
	}
	if s.pubsubReject(cmd) {
		s.abortMulti()
		s.afterReply(mark)
		return
	}
	h := s.srv.x.hooks.Load()
	if h != 0 && !s.beforeCall(h, cmd) {
		s.abortMulti()
		s.afterReply(mark)
		return
	}
	if s.queueMulti(cmd, args) {
		s.afterReply(mark)
		return
	}
	s.ctx.Args = args
	s.ctx.Cmd = cmd
	s.x.errored = false
	if s.trk.Load() != nil {
		s.trackBefore()
	}
	s.call()
	if w := s.ctx.Blocked(); w != nil && !s.waitBlocked(w) {
		s.closeAfterReply = true
	}
	if s.trk.Load() != nil {
		s.trackAfter()
	}
	s.afterCall(h, mark)
	s.info.lastActive.Store(s.ctx.Now().UnixNano())
}

// resolve finds the command for args. A pipelined batch usually repeats
// one command, so the last top-level command is remembered by its exact
// name bytes and reused without a table lookup.
func (s *session) resolve(args [][]byte) (*engine.Command, string) {
	if c := s.lastCmd; c != nil && string(args[0]) == s.lastName {
		if !c.CheckArity(len(args)) {
			return c, engine.ErrArity(c.FullName())
		}
		return c, ""
	}
	cmd, errText := s.srv.node.Table().Resolve(args)
	if errText == "" && cmd.Parent() == nil && len(cmd.Subcommands) == 0 {
		s.lastCmd, s.lastName = cmd, string(args[0])
	}
	return cmd, errText
}

// call runs s.ctx on the node, turning a panic into an error reply so that
// one bad command cannot take the node down.
func (s *session) call() {
	mark := s.w.Len()
	defer func() {
		if r := recover(); r != nil {
			s.w.Truncate(mark)
			s.srv.log.Error("panic in command", "command", s.ctx.Cmd.FullName(),
				"panic", r, "stack", string(debug.Stack()))
			s.w.Error(engine.ErrInternal)
		}
	}()
	s.srv.node.Call(&s.ctx)
}
