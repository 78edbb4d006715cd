package resp

import (
	"strconv"
	"strings"
	"sync"

	"github.com/flect-kv/flect/engine"
)

// Client-side caching, the front end's part: CLIENT TRACKING, CACHING,
// GETREDIR and TRACKINGINFO; remembering the keys a tracking client reads
// (trackBefore) and the per-command work after (trackAfter); delivering
// invalidations. The tracking table itself is the engine's
// (engine/tracking.go).
//
// Invalidations reach a connection through its outbuf, the asynchronous
// output path pub/sub uses (outbuf.go): a connection gets one when it
// turns tracking on, so that an invalidation produced by another
// connection's write goes out while it waits for input, and one produced
// while it runs a command goes out after that command's reply, as Valkey
// defers them. Those caused by the connection's own command (including a
// blocked command another connection's write serves) are queued on the
// session and written after its reply by trackAfter. A RESP2 client cannot receive pushes: its invalidations go
// to the REDIRECT client, as "message" on __redis__:invalidate when that
// client is RESP2 and subscribed, as an "invalidate" push when it is
// RESP3. A redirect client must have an output path too: one that is
// subscribed, or itself tracking (a RESP3 connection that does neither
// gets none).

// trackingChannel is the pub/sub channel of redirected invalidations.
const trackingChannel = "__redis__:invalidate"

func (s *Server) trackingCommands() []*engine.Command {
	const base = engine.NoScript | engine.Loading | engine.Stale | engine.NoKeyspace
	return []*engine.Command{
		{Name: "tracking", Arity: -3, Flags: base, Run: s.cmdClientTracking},
		{Name: "caching", Arity: 3, Flags: base, Run: cmdClientCaching},
		{Name: "getredir", Arity: 2, Flags: base, Run: cmdClientGetredir},
		{Name: "trackinginfo", Arity: 2, Flags: base, Run: cmdClientTrackinginfo},
	}
}

// cEqual compares an argument with word as C's strcasecmp sees it: up to
// its first NUL byte.
func cEqual(b []byte, word string) bool {
	for i, c := range b {
		if c == 0 {
			b = b[:i]
			break
		}
	}
	return strings.EqualFold(string(b), word)
}

// trackingConn is a session's client-side caching state.
type trackingConn struct {
	t  *engine.Tracker
	mu sync.Mutex
	// own is the invalidations caused by the session's own running
	// command, written after its reply (trackAfter).
	own []byte
}

// trackerOf returns the session's tracker, nil when it never tracked.
func (s *session) trackerOf() *engine.Tracker {
	if tc := s.trk.Load(); tc != nil {
		return tc.t
	}
	return nil
}

// trackingFlags returns the session's Track* flags (0 when it never
// tracked); any goroutine may call it.
func (s *session) trackingFlags() uint32 {
	if t := s.trackerOf(); t != nil {
		return t.Flags()
	}
	return 0
}

// trackingRedirect returns CLIENT LIST's redir= field: the redirect id
// while tracking, else -1.
func (s *session) trackingRedirect() int64 {
	t := s.trackerOf()
	if t == nil || t.Flags()&engine.TrackOn == 0 {
		return -1
	}
	return t.Redirect()
}

// tracker returns the session's tracking state, creating it.
func (s *session) tracker() *engine.Tracker {
	tc := s.trk.Load()
	if tc == nil {
		tc = &trackingConn{t: engine.NewTracker(s.cl.ID, s)}
		s.trk.Store(tc)
	}
	return tc.t
}

func (s *Server) cmdClientTracking(c *engine.Ctx) {
	sess := sessionOf(c)
	args := c.Args
	var redirect int64
	var mode uint32
	var prefixes [][]byte
	for j := 3; j < len(args); j++ {
		more := len(args) - 1 - j
		a := args[j]
		switch {
		case cEqual(a, "redirect") && more > 0:
			j++
			if redirect != 0 {
				c.Error(engine.ErrTrackingRedirectTwice)
				return
			}
			id, ok := parseLongLong(args[j])
			if !ok {
				c.Error(engine.ErrNotInt)
				return
			}
			// The redirect client must exist now, even if it may go away
			// later.
			if r := s.visibleSession(sess, id); r == nil || r.kv.view.Load() != sess.kv.view.Load() {
				c.Error(engine.ErrTrackingRedirectMissing)
				return
			}
			redirect = id
		case cEqual(a, "bcast"):
			mode |= engine.TrackBcast
		case cEqual(a, "optin"):
			mode |= engine.TrackOptIn
		case cEqual(a, "optout"):
			mode |= engine.TrackOptOut
		case cEqual(a, "noloop"):
			mode |= engine.TrackNoLoop
		case cEqual(a, "prefix") && more > 0:
			j++
			prefixes = append(prefixes, args[j])
		default:
			c.Error(engine.ErrSyntax)
			return
		}
	}
	switch {
	case cEqual(args[2], "on"):
		if errText := sess.checkTracking(mode, prefixes); errText != "" {
			c.Error(errText)
			return
		}
		// Copies: the arguments alias the read buffer.
		for i, p := range prefixes {
			prefixes[i] = append([]byte(nil), p...)
		}
		t := sess.tracker()
		sess.cl.NS.EnableTracking(t, redirect, mode, prefixes)
		sess.outputPath()
	case cEqual(args[2], "off"):
		sess.trackingOff()
	default:
		c.Error(engine.ErrSyntax)
		return
	}
	c.OK()
}

// checkTracking validates the options of CLIENT TRACKING ON against each
// other and the session's current mode, returning the error text or "".
// Valkey 8.0 replies both an error and +OK when two given prefixes
// overlap but the first of them is not the first prefix; flect replies
// the error alone and leaves tracking as it was.
func (s *session) checkTracking(mode uint32, prefixes [][]byte) string {
	var cur uint32
	t := s.trackerOf()
	if t != nil {
		cur = t.Flags()
	}
	bcast := mode&engine.TrackBcast != 0
	optin, optout := mode&engine.TrackOptIn != 0, mode&engine.TrackOptOut != 0
	switch {
	case !bcast && len(prefixes) > 0:
		return engine.ErrTrackingPrefixNoBcast
	case cur&engine.TrackOn != 0 && bcast != (cur&engine.TrackBcast != 0):
		return engine.ErrTrackingSwitchBcast
	case bcast && (optin || optout):
		return engine.ErrTrackingOptBcast
	case optin && optout:
		return engine.ErrTrackingOptInOut
	case optin && cur&engine.TrackOptOut != 0 || optout && cur&engine.TrackOptIn != 0:
		return engine.ErrTrackingSwitchOpt
	}
	if bcast {
		if t == nil {
			t = s.tracker()
		}
		return t.CheckPrefixes(prefixes)
	}
	return ""
}

// outputPath gives the session the asynchronous output path that pushes
// from other goroutines need (pubsub_session.go); it runs inside a
// command, so pushes start out held.
func (s *session) outputPath() {
	if s.ps.p.Load() == nil {
		s.ps.p.Store(&pubsubConn{out: newOutbuf(s, true), top: s.ctx.Cmd})
	}
}

// trackingOff turns tracking off (CLIENT TRACKING OFF, RESET,
// disconnect).
func (s *session) trackingOff() {
	if t := s.trackerOf(); t != nil {
		t.Namespace().DisableTracking(t)
	}
}

func cmdClientCaching(c *engine.Ctx) {
	sess := sessionOf(c)
	f := sess.trackingFlags()
	if f&engine.TrackOn == 0 {
		c.Error(engine.ErrCachingNotTracking)
		return
	}
	switch {
	case cEqual(c.Args[2], "yes"):
		if f&engine.TrackOptIn == 0 {
			c.Error(engine.ErrCachingYes)
			return
		}
	case cEqual(c.Args[2], "no"):
		if f&engine.TrackOptOut == 0 {
			c.Error(engine.ErrCachingNo)
			return
		}
	default:
		c.Error(engine.ErrSyntax)
		return
	}
	sess.trackerOf().SetCaching()
	c.OK()
}

func cmdClientGetredir(c *engine.Ctx) { c.R.Int(sessionOf(c).trackingRedirect()) }

func cmdClientTrackinginfo(c *engine.Ctx) {
	sess := sessionOf(c)
	f := sess.trackingFlags()
	flags := make([]string, 0, 6)
	if f&engine.TrackOn != 0 {
		flags = append(flags, "on")
	} else {
		flags = append(flags, "off")
	}
	if f&engine.TrackBcast != 0 {
		flags = append(flags, "bcast")
	}
	if f&engine.TrackOptIn != 0 {
		flags = append(flags, "optin")
		if f&engine.TrackCaching != 0 {
			flags = append(flags, "caching-yes")
		}
	}
	if f&engine.TrackOptOut != 0 {
		flags = append(flags, "optout")
		if f&engine.TrackCaching != 0 {
			flags = append(flags, "caching-no")
		}
	}
	if f&engine.TrackNoLoop != 0 {
		flags = append(flags, "noloop")
	}
	if f&engine.TrackBrokenRedir != 0 {
		flags = append(flags, "broken_redirect")
	}
	c.R.Map(3)
	c.R.BulkString("flags")
	c.R.Set(len(flags))
	for _, fl := range flags {
		c.R.BulkString(fl)
	}
	c.R.BulkString("redirect")
	c.R.Int(sess.trackingRedirect())
	c.R.BulkString("prefixes")
	var prefixes []string
	if t := sess.trackerOf(); t != nil {
		prefixes = t.Prefixes()
	}
	c.R.Array(len(prefixes))
	for _, p := range prefixes {
		c.R.BulkString(p)
	}
}

// trackBefore runs before each command of a session that has tracked:
// it remembers the keys a read-only command is about to read (for EXEC,
// those of the read-only commands it is about to run), as Valkey's
// trackingRememberKeys does after the command. Remembering them first
// closes the window in which another connection could change a key
// between this command's read and its remembering, an invalidation the
// client would miss; a change that comes in between is sent after this
// command's reply, so the client drops what it read.
func (s *session) trackBefore() {
	t := s.trackerOf()
	f := t.Flags()
	if f&engine.TrackOn == 0 || f&engine.TrackBcast != 0 {
		return
	}
	if t.Namespace() != s.cl.NS {
		s.cl.NS.RebindTracking(t)
	}
	cmd := s.ctx.Cmd
	switch {
	case cmd.Has(engine.ReadOnly):
		t.RememberKeys(cmd, s.ctx.Args)
	case cmd.Name == "exec" && s.multi != nil && !s.multi.aborted && (s.cl.Watch == nil || !s.cl.Watch.Dirty()):
		for _, q := range s.multi.queue {
			t.RememberKeys(q.cmd, q.args)
		}
	}
}

// trackAfter runs after each command of a session that has tracked: it
// writes the invalidations the command caused for the session itself
// after its reply, ends the effect of CLIENT CACHING (which lasts one
// command or one transaction) and keeps the tracking table within its
// limit.
func (s *session) trackAfter() {
	tc := s.trk.Load()
	tc.mu.Lock()
	own := tc.own
	tc.own = nil
	tc.mu.Unlock()
	if len(own) > 0 {
		if s.x.reply == replyOn {
			s.w.Raw(own)
		} else {
			s.push(own) // pushes are sent whatever CLIENT REPLY says
		}
	}
	t := tc.t
	f := t.Flags()
	if f&engine.TrackOn == 0 {
		return
	}
	if t.Namespace() != s.cl.NS {
		s.cl.NS.RebindTracking(t)
	}
	cmd := s.ctx.Cmd
	if f&engine.TrackCaching != 0 && s.multi == nil && cmd.Name != "client" && (cmd.Parent() == nil || cmd.Parent().Name != "client") {
		t.ClearCaching()
	}
	s.cl.NS.TrackingLimit(s.srv.node.TrackingTableMaxKeys())
}

// Invalidate implements engine.InvalidationSink for a tracking session,
// as Valkey's sendTrackingMessage: the message goes to the session
// itself, or to its REDIRECT client; keys nil means every key.
func (s *session) Invalidate(keys []string, own bool) {
	tc := s.trk.Load()
	t := tc.t
	target, redirected := s, false
	if id := t.Redirect(); id != 0 {
		r := s.srv.sessionByID(id)
		if r == nil || r.kv.view.Load() != s.kv.view.Load() {
			t.SetBrokenRedirect()
			if s.info.proto.Load() == 3 {
				msg := append([]byte(">2\r\n$21\r\ntracking-redir-broken\r\n:"), strconv.FormatInt(id, 10)...)
				tc.deliver(s, append(msg, '\r', '\n'), own)
			}
			return
		}
		target, redirected = r, true
	}
	var msg []byte
	switch {
	case target.info.proto.Load() == 3:
		msg = append(msg, ">2\r\n$10\r\ninvalidate\r\n"...)
	case redirected && target.inPubSub():
		msg = append(msg, "*3\r\n$7\r\nmessage\r\n$20\r\n"+trackingChannel+"\r\n"...)
	default:
		// A RESP2 connection cannot take pushes.
		return
	}
	if keys == nil {
		// The null of the tracking client's protocol, as Valkey sends.
		if s.info.proto.Load() == 3 {
			msg = append(msg, "_\r\n"...)
		} else {
			msg = append(msg, "$-1\r\n"...)
		}
	} else {
		msg = append(msg, '*')
		msg = strconv.AppendInt(msg, int64(len(keys)), 10)
		msg = append(msg, '\r', '\n')
		for _, k := range keys {
			msg = appendBulk(msg, []byte(k))
		}
	}
	if redirected {
		target.push(msg)
		return
	}
	tc.deliver(s, msg, own)
}

// deliver queues msg for s (the session tc belongs to): after the reply
// of its running command when own, else on its output path at once.
func (tc *trackingConn) deliver(s *session, msg []byte, own bool) {
	if !own {
		s.push(msg)
		return
	}
	tc.mu.Lock()
	tc.own = append(tc.own, msg...)
	tc.mu.Unlock()
}

// push queues an encoded push message on the session's output path (it
// has none when it neither subscribed nor tracked: the message is
// dropped). Any goroutine may call it; it never blocks.
func (s *session) push(msg []byte) {
	if p := s.ps.p.Load(); p != nil {
		p.out.push(msg)
	}
}

// push queues msg as Deliver queues a published message.
func (o *outbuf) push(msg []byte) {
	o.mu.Lock()
	if o.mu.closed {
		o.mu.Unlock()
		return
	}
	if o.mu.busy {
		o.mu.held = append(o.mu.held, msg...)
	} else {
		o.mu.buf = append(o.mu.buf, msg...)
	}
	class := engine.OutputNormal
	if o.sess.inPubSub() {
		class = engine.OutputPubSub
	}
	over := o.overLocked(class)
	busy := o.mu.busy
	o.mu.Unlock()
	switch {
	case over:
		o.disconnect()
	case !busy:
		o.signal()
	}
}

// appendTrackingFlags appends CLIENT LIST's tracking flags: t (tracking),
// R (broken redirect), B (BCAST).
func appendTrackingFlags(b []byte, f uint32) []byte {
	if f&engine.TrackOn != 0 {
		b = append(b, 't')
	}
	if f&engine.TrackBrokenRedir != 0 {
		b = append(b, 'R')
	}
	if f&engine.TrackBcast != 0 {
		b = append(b, 'B')
	}
	return b
}

// trackingStats sums the tracking figures of the namespaces INFO reports
// for a client of of.
func (s *Server) trackingStats(of *engine.Namespace) engine.TrackingStats {
	var t engine.TrackingStats
	for _, ns := range s.statsNamespaces(of) {
		st := ns.TrackingStats()
		t.Clients += st.Clients
		t.Keys += st.Keys
		t.Items += st.Items
		t.Prefixes += st.Prefixes
	}
	return t
}
