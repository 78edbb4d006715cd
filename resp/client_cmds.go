package resp

import (
	"errors"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/flect-kv/flect/engine"
)

// CLIENT: ID SETNAME GETNAME SETINFO INFO LIST KILL PAUSE UNPAUSE REPLY
// NO-EVICT NO-TOUCH CAPA UNBLOCK HELP; TRACKING, CACHING, GETREDIR and
// TRACKINGINFO are in tracking.go.

func (s *Server) clientCommands() []*engine.Command {
	const base = engine.NoScript | engine.Loading | engine.Stale | engine.NoKeyspace
	return []*engine.Command{
		{Name: "client", Arity: -2, Group: "connection", Subcommands: append([]*engine.Command{
			{Name: "id", Arity: 2, Flags: base, Run: cmdClientID},
			{Name: "setname", Arity: 3, Flags: base, Run: cmdClientSetname},
			{Name: "getname", Arity: 2, Flags: base, Run: cmdClientGetname},
			{Name: "setinfo", Arity: 4, Flags: base, Run: cmdClientSetinfo},
			{Name: "info", Arity: 2, Flags: base, Run: s.cmdClientInfo},
			{Name: "list", Arity: -2, Flags: engine.Admin | base, Run: s.cmdClientList},
			{Name: "kill", Arity: -3, Flags: engine.Admin | base, Run: s.cmdClientKill},
			{Name: "pause", Arity: -3, Flags: engine.Admin | base, Run: s.cmdClientPause},
			{Name: "unpause", Arity: 2, Flags: engine.Admin | base, Run: s.cmdClientUnpause},
			{Name: "reply", Arity: 3, Flags: base, Run: cmdClientReply},
			{Name: "no-evict", Arity: 3, Flags: engine.Admin | base, Run: cmdClientNoEvict},
			{Name: "no-touch", Arity: 3, Flags: base, Run: cmdClientNoTouch},
			{Name: "capa", Arity: -3, Flags: base, Run: cmdClientCapa},
			{Name: "unblock", Arity: -3, Flags: engine.Admin | base, Run: s.cmdClientUnblock},
			{Name: "help", Arity: 2, Flags: engine.Loading | engine.Stale | engine.NoKeyspace, Run: cmdClientHelp},
		}, s.trackingCommands()...)},
	}
}

// atomicString is a string other goroutines read (client name, library).
type atomicString = atomic.Pointer[string]

func cmdClientID(c *engine.Ctx) { c.R.Int(c.Client.ID) }

func cmdClientSetname(c *engine.Ctx) {
	if !validClientName(c.Args[2]) {
		c.Error(errClientName)
		return
	}
	sessionOf(c).setName(c.Args[2])
	c.OK()
}

func cmdClientGetname(c *engine.Ctx) {
	if name := sessionOf(c).info.name.Load(); name != nil {
		c.R.BulkString(*name)
		return
	}
	c.R.Null()
}

func cmdClientSetinfo(c *engine.Ctx) {
	sess := sessionOf(c)
	attr := string(c.Args[2])
	var dst *atomicString
	switch {
	case strings.EqualFold(attr, "lib-name"):
		dst = &sess.info.libName
	case strings.EqualFold(attr, "lib-ver"):
		dst = &sess.info.libVer
	default:
		c.Error(sanitize("ERR Unrecognized option '" + attr + "'"))
		return
	}
	if !validClientName(c.Args[3]) {
		c.Error(sanitize("ERR " + attr + " cannot contain spaces, newlines or special characters."))
		return
	}
	if len(c.Args[3]) == 0 {
		dst.Store(nil)
	} else {
		v := string(c.Args[3])
		dst.Store(&v)
	}
	c.OK()
}

func (s *Server) cmdClientInfo(c *engine.Ctx) {
	sess := sessionOf(c)
	b := sess.appendClientInfo(nil, sess, time.Now())
	b = append(b, '\n')
	c.R.Verbatim("txt", string(b))
}

// Client types of CLIENT LIST TYPE and CLIENT KILL TYPE.
const (
	clientTypeAny = iota - 1
	clientTypeNormal
	clientTypeReplica
	clientTypePubSub
	clientTypePrimary
)

// clientTypeByName is Valkey's getClientTypeByName.
func clientTypeByName(name string) int {
	switch strings.ToLower(name) {
	case "normal":
		return clientTypeNormal
	case "slave", "replica":
		return clientTypeReplica
	case "pubsub":
		return clientTypePubSub
	case "master", "primary":
		return clientTypePrimary
	}
	return clientTypeAny
}

// clientType is the session's type: monitors count as normal clients,
// as in Valkey.
func (s *session) clientType() int {
	if s.inPubSub() {
		return clientTypePubSub
	}
	return clientTypeNormal
}

func (s *Server) sortedSessions() []*session {
	list := s.sessionList()
	sort.Slice(list, func(i, j int) bool { return list[i].cl.ID < list[j].cl.ID })
	return list
}

func (s *Server) cmdClientList(c *engine.Ctx) {
	self := sessionOf(c)
	args := c.Args
	now := time.Now()
	var out []byte
	switch {
	case len(args) == 4 && strings.EqualFold(string(args[2]), "type"):
		t := clientTypeByName(string(args[3]))
		if t == clientTypeAny {
			c.Error(sanitize("ERR Unknown client type '" + string(args[3]) + "'"))
			return
		}
		for _, sess := range s.visibleSessions(self) {
			if sess.clientType() == t {
				out = self.appendClientInfo(out, sess, now)
				out = append(out, '\n')
			}
		}
	case len(args) > 3 && strings.EqualFold(string(args[2]), "id"):
		ids := make([]int64, 0, len(args)-3)
		for _, a := range args[3:] {
			id, ok := parseLongLong(a)
			if !ok {
				c.Error("ERR Invalid client ID")
				return
			}
			ids = append(ids, id)
		}
		for _, id := range ids {
			if sess := s.visibleSession(self, id); sess != nil {
				out = self.appendClientInfo(out, sess, now)
				out = append(out, '\n')
			}
		}
	case len(args) != 2:
		c.Error(engine.ErrSyntax)
		return
	default:
		for _, sess := range s.visibleSessions(self) {
			out = self.appendClientInfo(out, sess, now)
			out = append(out, '\n')
		}
	}
	c.R.Verbatim("txt", string(out))
}

func (s *Server) sessionByID(id int64) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

// sessionOverhead approximates the memory of a session's fixed state.
const sessionOverhead = 2048

// appendClientInfo appends Valkey's client info line for sess as seen by
// s (the calling session): buffer figures are known exactly only for the
// calling connection, whose buffers its own goroutine owns; other
// connections report the query buffer as they last published it (before
// waiting for input: empty, as an idle Valkey client's, or holding the
// part of a request received so far) and empty reply buffers.
func (s *session) appendClientInfo(b []byte, sess *session, now time.Time) []byte {
	self := s == sess
	num := func(key string, v int64) {
		b = append(b, ' ')
		b = append(b, key...)
		b = append(b, '=')
		b = strconv.AppendInt(b, v, 10)
	}
	str := func(key, v string) {
		b = append(b, ' ')
		b = append(b, key...)
		b = append(b, '=')
		b = append(b, v...)
	}
	load := func(p *atomicString) string {
		if v := p.Load(); v != nil {
			return *v
		}
		return ""
	}
	b = append(b, "id="...)
	b = strconv.AppendInt(b, sess.cl.ID, 10)
	str("addr", sess.addr)
	str("laddr", sess.laddr)
	num("fd", int64(connFD(sess)))
	str("name", load(&sess.info.name))
	num("age", now.Unix()-sess.created.Unix())
	num("idle", now.Unix()-sess.info.lastActive.Load()/1e9)
	str("flags", sess.flagsString())
	num("db", sess.info.db.Load())
	num("sub", sess.subCount(engine.SubChannel))
	num("psub", sess.subCount(engine.SubPattern))
	num("ssub", sess.subCount(engine.SubShard))
	num("multi", sess.queuedCount())
	num("watch", int64(sess.watchCount()))
	var qbuf, qbufFree, argvMem, rbs, totMem int64
	if self {
		argvMem, qbuf, qbufFree = sess.queryBufferUse()
		rbs = int64(cap(sess.w.buf))
		totMem = qbuf + qbufFree + argvMem + rbs
	} else {
		// Between requests, or with part of one received.
		qbuf, qbufFree = sess.x.qbuf.Load(), sess.x.qbufFree.Load()
		totMem = qbuf + qbufFree
	}
	totMem += sessionOverhead
	num("qbuf", qbuf)
	num("qbuf-free", qbufFree)
	num("argv-mem", argvMem)
	num("multi-mem", 0)
	num("rbs", rbs)
	num("rbp", rbs)
	num("obl", 0)
	num("oll", 0)
	omem := sess.outputPending()
	num("omem", omem)
	num("tot-mem", totMem+omem)
	str("events", "r")
	last, cmds := sess.x.cmd.Load(), sess.x.cmds.Load()
	if self {
		last, cmds = sess.x.lastCmd, sess.x.cmdsLocal
	}
	cmd := "NULL"
	if last != nil {
		cmd = last.FullName()
	}
	str("cmd", cmd)
	str("user", sess.userName())
	num("redir", sess.trackingRedirect())
	num("resp", sess.info.proto.Load())
	str("lib-name", load(&sess.info.libName))
	str("lib-ver", load(&sess.info.libVer))
	num("tot-net-in", sess.x.netIn.Load())
	num("tot-net-out", sess.x.netOut.Load())
	num("tot-cmds", cmds)
	return b
}

// queryBufferUse returns the running request's argument bytes (argv-mem)
// and the query buffer figures (qbuf, qbuf-free) of the calling session.
// Valkey parses a request that arrived alone in the thread's shared query
// buffer and hands that buffer back before running the command, so such a
// client reports an empty query buffer; only when more requests follow in
// the same read does the client keep a buffer of its own, holding the
// running request and those after it.
func (s *session) queryBufferUse() (argvMem, qbuf, qbufFree int64) {
	var req int64
	for _, a := range s.ctx.Args {
		argvMem += int64(len(a))
		req += int64(len(a)) + 5 + int64(digits(len(a)))
	}
	rest := s.rd.Buffered()
	if rest == 0 {
		return argvMem, 0, 0
	}
	req += 3 + int64(digits(len(s.ctx.Args)))
	return argvMem, req + int64(rest), int64(len(s.rd.buf) - s.rd.end)
}

// readFailed accounts for a connection whose requests could not be read:
// a client over client-query-buffer-limit is counted and logged as Valkey
// does before closing it.
func (s *session) readFailed(err error) {
	if !errors.Is(err, ErrQueryBufferLimit) {
		return
	}
	s.srv.x.queryLimitDisconnections.Add(1)
	pending := s.rd.buf[s.rd.start:s.rd.end]
	if len(pending) > 64 {
		pending = pending[:64]
	}
	s.srv.log.Warn("Closing client that reached max query buffer length",
		"client", string(s.appendClientInfo(nil, s, time.Now())),
		"qbuf initial bytes", string(appendRepr(nil, pending)))
}

// digits returns the number of decimal digits of n >= 0.
func digits(n int) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

// flagsString returns CLIENT LIST's flags field.
func (s *session) flagsString() string {
	f := s.x.flags.Load()
	var b []byte
	if f&flagMonitor != 0 {
		b = append(b, 'O')
	}
	if s.inPubSub() {
		b = append(b, 'P')
	}
	if f&flagMulti != 0 {
		b = append(b, 'x')
	}
	if f&flagBlocked != 0 {
		b = append(b, 'b')
	}
	b = appendTrackingFlags(b, s.trackingFlags())
	if f&flagCloseAfterReply != 0 {
		b = append(b, 'c')
	}
	if f&flagNoEvict != 0 {
		b = append(b, 'e')
	}
	if f&flagNoTouch != 0 {
		b = append(b, 'T')
	}
	if len(b) == 0 {
		return "N"
	}
	return string(b)
}

// connFD returns the socket's file descriptor, or -1.
func connFD(sess *session) int {
	sc, ok := sess.nc.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	raw.Control(func(f uintptr) { fd = int(f) })
	return fd
}

func (s *Server) cmdClientKill(c *engine.Ctx) {
	self := sessionOf(c)
	args := c.Args
	var addr, laddr, user string
	var haveAddr, haveLaddr, haveUser bool
	typ := clientTypeAny
	var id, maxAge int64
	skipMe := true
	if len(args) == 3 {
		// Old form: CLIENT KILL addr, which may kill the caller.
		addr, haveAddr, skipMe = string(args[2]), true, false
	} else {
		for i := 2; i < len(args); i += 2 {
			opt := string(args[i])
			if i+1 >= len(args) {
				c.Error(engine.ErrSyntax)
				return
			}
			val := args[i+1]
			switch {
			case strings.EqualFold(opt, "id"):
				n, ok := parseLongLong(val)
				if !ok || n < 1 {
					c.Error("ERR client-id should be greater than 0")
					return
				}
				id = n
			case strings.EqualFold(opt, "maxage"):
				n, ok := parseLongLong(val)
				if !ok {
					c.Error("ERR maxage is not an integer or out of range")
					return
				}
				if n <= 0 {
					c.Error("ERR maxage should be greater than 0")
					return
				}
				maxAge = n
			case strings.EqualFold(opt, "type"):
				typ = clientTypeByName(string(val))
				if typ == clientTypeAny {
					c.Error(sanitize("ERR Unknown client type '" + string(val) + "'"))
					return
				}
			case strings.EqualFold(opt, "addr"):
				addr, haveAddr = string(val), true
			case strings.EqualFold(opt, "laddr"):
				laddr, haveLaddr = string(val), true
			case strings.EqualFold(opt, "user"):
				if !self.knowsUser(string(val)) { // tenancy.go: default or a store
					c.Error(sanitize("ERR No such user '" + string(val) + "'"))
					return
				}
				user, haveUser = string(val), true
			case strings.EqualFold(opt, "skipme"):
				switch {
				case strings.EqualFold(string(val), "yes"):
					skipMe = true
				case strings.EqualFold(string(val), "no"):
					skipMe = false
				default:
					c.Error(engine.ErrSyntax)
					return
				}
			default:
				c.Error(engine.ErrSyntax)
				return
			}
		}
	}
	now := time.Now()
	killed := 0
	for _, sess := range s.visibleSessions(self) {
		switch {
		case haveAddr && sess.addr != addr,
			haveLaddr && sess.laddr != laddr,
			haveUser && sess.userName() != user,
			typ != clientTypeAny && sess.clientType() != typ,
			id != 0 && sess.cl.ID != id,
			sess == self && skipMe,
			maxAge != 0 && now.Unix()-sess.created.Unix() < maxAge:
			continue
		}
		if sess == self {
			self.closeAfterReply = true
		} else {
			sess.kill()
		}
		killed++
	}
	if len(args) == 3 {
		if killed == 0 {
			c.Error("ERR No such client")
		} else {
			c.OK()
		}
		return
	}
	c.R.Int(int64(killed))
}

// CLIENT PAUSE / UNPAUSE

// pauseState is the current CLIENT PAUSE.
type pauseState struct {
	mu  sync.Mutex
	end time.Time // zero when not paused
	all bool      // ALL (every command) rather than WRITE
	// wake is closed and replaced whenever the pause changes, so that
	// waiting sessions look again.
	wake chan struct{}
}

func (s *Server) cmdClientPause(c *engine.Ctx) {
	args := c.Args
	if len(args) > 4 {
		subcommandSyntaxError(c)
		return
	}
	all := true
	if len(args) == 4 {
		switch {
		case strings.EqualFold(string(args[3]), "write"):
			all = false
		case strings.EqualFold(string(args[3]), "all"):
		default:
			c.Error("ERR CLIENT PAUSE mode must be WRITE or ALL")
			return
		}
	}
	end, ok := parseTimeoutMs(c, args[2])
	if !ok {
		return
	}
	if ss := sessionOf(c).kv.state; ss != nil { // a store's own (tenancy_pause.go)
		s.pauseStore(ss, all, end)
		c.OK()
		return
	}
	p := &s.x.pause
	p.mu.Lock()
	p.all = all
	if e := time.UnixMilli(end); end != 0 && e.After(p.end) {
		p.end = e
	}
	s.node.PauseExpiry(p.end.UnixMilli())
	close(p.wake)
	p.wake = make(chan struct{})
	s.x.hooks.Or(hookPause)
	p.mu.Unlock()
	c.OK()
}

func (s *Server) cmdClientUnpause(c *engine.Ctx) {
	if ss := sessionOf(c).kv.state; ss != nil { // a store's own (tenancy_pause.go)
		s.unpauseStore(ss)
		c.OK()
		return
	}
	p := &s.x.pause
	p.mu.Lock()
	p.end, p.all = time.Time{}, false
	s.node.PauseExpiry(0)
	close(p.wake)
	p.wake = make(chan struct{})
	s.clearPauseHookLocked(time.Now()) // stores' pauses may remain (tenancy_pause.go)
	p.mu.Unlock()
	c.OK()
}

// waitPause holds the session while a CLIENT PAUSE covers cmd: every
// command under PAUSE ALL, commands that write or may replicate under
// PAUSE WRITE. It returns false when the session was killed or the server
// stopped meanwhile.
func (s *session) waitPause(cmd *engine.Command) bool {
	x := &s.srv.x
	p := &x.pause
	blocked := false
	defer func() {
		if blocked {
			s.setBlocked(false)
		}
	}()
	for {
		p.mu.Lock()
		now := time.Now()
		end := s.pauseCoversLocked(cmd, now) // the node's or the store's (tenancy_pause.go)
		if end.IsZero() {
			p.mu.Unlock()
			return true
		}
		wake, left := p.wake, end.Sub(now)
		p.mu.Unlock()
		if !blocked {
			blocked = true
			s.setBlocked(true)
		}
		t := time.NewTimer(left)
		select {
		case <-wake:
		case <-t.C:
		case <-x.stop:
			t.Stop()
			return false
		case <-s.x.dead:
			t.Stop()
			return false
		}
		t.Stop()
	}
}

// CLIENT REPLY / NO-EVICT / NO-TOUCH / CAPA / HELP

func cmdClientReply(c *engine.Ctx) {
	sess := sessionOf(c)
	switch v := string(c.Args[2]); {
	case strings.EqualFold(v, "on"):
		sess.x.reply = replyOn
		c.OK()
	case strings.EqualFold(v, "off"):
		sess.x.reply = replyOff
	case strings.EqualFold(v, "skip"):
		if sess.x.reply != replyOff {
			sess.x.reply = replySkipNext
		}
	default:
		c.Error(engine.ErrSyntax)
	}
}

// onOff parses ON/OFF, writing a syntax error otherwise.
func onOff(c *engine.Ctx, arg []byte) (on, ok bool) {
	switch {
	case strings.EqualFold(string(arg), "on"):
		return true, true
	case strings.EqualFold(string(arg), "off"):
		return false, true
	}
	c.Error(engine.ErrSyntax)
	return false, false
}

func cmdClientNoEvict(c *engine.Ctx) {
	on, ok := onOff(c, c.Args[2])
	if !ok {
		return
	}
	sess := sessionOf(c)
	sess.cl.NoEvict = on
	sess.setFlag(flagNoEvict, on)
	c.OK()
}

func cmdClientNoTouch(c *engine.Ctx) {
	on, ok := onOff(c, c.Args[2])
	if !ok {
		return
	}
	sess := sessionOf(c)
	sess.cl.NoTouch = on
	sess.setFlag(flagNoTouch, on)
	c.OK()
}

func (s *session) setFlag(f uint32, on bool) {
	if on {
		s.x.flags.Or(f)
	} else {
		s.x.flags.And(^f)
	}
}

// capaRedirect is CLIENT CAPA REDIRECT: the client can follow -REDIRECT
// replies (sent only by replicas, which flect never is).
const capaRedirect = 1

func cmdClientCapa(c *engine.Ctx) {
	sess := sessionOf(c)
	for _, a := range c.Args[2:] {
		if strings.EqualFold(string(a), "redirect") {
			sess.x.capa |= capaRedirect
		}
	}
	c.OK()
}

func cmdClientHelp(c *engine.Ctx) {
	replyHelp(c, string(c.Args[0]),
		"CACHING (YES|NO)",
		"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
		"CAPA <option> [options...]",
		"    The client claims its some capability options. Options are:",
		"    * REDIRECT",
		"      The client can handle redirection during primary and replica failover in standalone mode.",
		"GETREDIR",
		"    Return the client ID we are redirecting to when tracking is enabled.",
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"    * ID <client-id>",
		"      Kill connections by client id.",
		"    * MAXAGE <maxage>",
		"      Kill connections older than the specified age.",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|PRIMARY|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"UNPAUSE",
		"    Stop the current client pause, resuming traffic.",
		"PAUSE <timeout> [WRITE|ALL]",
		"    Suspend all, or just write, clients for <timeout> milliseconds.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"SETINFO <option> <value>",
		"    Set client meta attr. Options are:",
		"    * LIB-NAME: the client lib name.",
		"    * LIB-VER: the client lib version.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"    Unblock the specified blocked client.",
		"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
		"         [OPTIN] [OPTOUT] [NOLOOP]",
		"    Control server assisted client side caching.",
		"TRACKINGINFO",
		"    Report tracking status for the current connection.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
		"NO-TOUCH (ON|OFF)",
		"    Will not touch LRU/LFU stats when this mode is on.",
	)
}
