package resp

import (
	"crypto/subtle"
	"math"
	"strconv"
	"strings"

	"github.com/flect-kv/flect/engine"
)

// Connection commands: PING ECHO QUIT SELECT AUTH HELLO.
func (s *Server) connCommands() []*engine.Command {
	return []*engine.Command{
		{Name: "ping", Arity: -1, Flags: engine.Fast | engine.NoKeyspace, Group: "connection", Run: cmdPing},
		{Name: "echo", Arity: 2, Flags: engine.Loading | engine.Stale | engine.Fast | engine.NoKeyspace, Group: "connection", Run: cmdEcho},
		{Name: "quit", Arity: -1, Flags: engine.AllowBusy | engine.NoScript | engine.Loading | engine.Stale | engine.Fast | engine.NoAuth | engine.NoKeyspace, Group: "connection", Run: cmdQuit},
		{Name: "select", Arity: 2, Flags: engine.Loading | engine.Stale | engine.Fast | engine.NoKeyspace, Group: "connection", Run: cmdSelect},
		{Name: "auth", Arity: -2, Flags: engine.NoScript | engine.Loading | engine.Stale | engine.Fast | engine.NoAuth | engine.AllowBusy | engine.NoKeyspace, Group: "connection", Run: s.cmdAuth},
		{Name: "hello", Arity: -1, Flags: engine.NoScript | engine.Loading | engine.Stale | engine.Fast | engine.NoAuth | engine.AllowBusy | engine.NoKeyspace, Group: "connection", Run: s.cmdHello},
	}
}

// commands returns every command the front end adds to the node's table.
func (s *Server) commands() []*engine.Command {
	var out []*engine.Command
	for _, group := range [][]*engine.Command{
		s.connCommands(),
		s.serverCommands(),
		s.clientCommands(),
		s.infoCommands(),
		s.configCommands(),
		s.commandCommands(),
		s.slowlogCommands(),
		s.latencyCommands(),
		s.pubsubCommands(),
		s.multiCommands(),
		s.scriptCommands(),
		s.kvCommands(),
	} {
		out = append(out, group...)
	}
	return out
}

func sessionOf(c *engine.Ctx) *session { return c.Sess.(*session) }

func cmdPing(c *engine.Ctx) {
	if len(c.Args) <= 2 && c.R.Proto() == 2 && sessionOf(c).inPubSub() {
		pubsubPong(c)
		return
	}
	switch len(c.Args) {
	case 1:
		c.R.Simple("PONG")
	case 2:
		c.R.Bulk(c.Args[1])
	default:
		c.Error(engine.ErrArity("ping"))
	}
}

func cmdEcho(c *engine.Ctx) { c.R.Bulk(c.Args[1]) }

func cmdQuit(c *engine.Ctx) {
	c.OK()
	sessionOf(c).closeAfterReply = true
}

func cmdSelect(c *engine.Ctx) {
	n, err := strconv.ParseInt(string(c.Args[1]), 10, 64)
	if err != nil || !isStrictInt(c.Args[1]) {
		c.Error(engine.ErrNotInt)
		return
	}
	if n < math.MinInt32 || n > math.MaxInt32 {
		c.Error(engine.ErrIntRange)
		return
	}
	if n < 0 || n >= int64(c.Client.NS.DBCount()) {
		c.Error(engine.ErrDBIndex)
		return
	}
	c.Client.DB = int(n)
	sessionOf(c).info.db.Store(n)
	c.OK()
}

// isStrictInt reports whether b is an integer as Valkey's string2ll reads
// one: optional leading minus, no leading zeros, no plus, no spaces.
func isStrictInt(b []byte) bool {
	if len(b) == 0 || len(b) > 20 {
		return false
	}
	if len(b) == 1 && b[0] == '0' {
		return true
	}
	i := 0
	if b[0] == '-' {
		i = 1
	}
	if i >= len(b) || b[i] < '1' || b[i] > '9' {
		return false
	}
	for ; i < len(b); i++ {
		if b[i] < '0' || b[i] > '9' {
			return false
		}
	}
	return true
}

const errAuthNoPassword = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"

// authenticate checks a user and password; user is nil for the one-argument
// form. It returns the namespace to bind to.
func (s *Server) authenticate(user, pass []byte) (*engine.Namespace, bool) {
	s.settings.mu.RLock()
	rp := s.settings.requirePass
	s.settings.mu.RUnlock()
	if user != nil && string(user) != "default" {
		return s.storeAuth(user, pass) // a store's name (tenancy.go)
	}
	if rp == "" {
		// The default user has no password: any password is accepted for
		// AUTH default <anything>, as Valkey's nopass user does.
		return s.node.Default(), true
	}
	if subtle.ConstantTimeCompare([]byte(rp), pass) != 1 {
		return nil, false
	}
	return s.node.Default(), true
}

func (s *Server) cmdAuth(c *engine.Ctx) {
	sess := sessionOf(c)
	var user, pass []byte
	switch len(c.Args) {
	case 2:
		if ns, ok := s.storeAuthSecret(c.Args[1]); ok { // phpredis: a store's secret alone
			sess.bind(ns)
			c.OK()
			return
		}
		s.settings.mu.RLock()
		rp := s.settings.requirePass
		s.settings.mu.RUnlock()
		if rp == "" {
			// Valkey's answer without a password, whether or not the
			// node has stores: it must not reveal that they exist.
			c.Error(errAuthNoPassword)
			return
		}
		pass = c.Args[1]
	case 3:
		user, pass = c.Args[1], c.Args[2]
	default:
		c.Error(engine.ErrSyntax)
		return
	}
	ns, ok := s.authenticate(user, pass)
	if !ok {
		c.Error(engine.ErrWrongPass)
		return
	}
	sess.bind(ns)
	c.OK()
}

// bind marks the session authenticated for ns.
func (s *session) bind(ns *engine.Namespace) {
	s.authed = true
	s.rd.Authenticated = true
	if s.cl.NS != ns {
		s.pubsubRebind(ns)
		s.cl.NS = ns
		s.cl.DB = 0
		s.info.db.Store(0)
	}
	s.bindStore(ns)
}

// validClientName reports whether name may be a client name: no spaces,
// newlines or other characters outside '!'..'~'.
func validClientName(name []byte) bool {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}

const errClientName = "ERR Client names cannot contain spaces, newlines or special characters."

func (s *Server) cmdHello(c *engine.Ctx) {
	sess := sessionOf(c)
	args := c.Args
	ver := int64(0)
	next := 1
	if len(args) >= 2 {
		n, err := strconv.ParseInt(string(args[1]), 10, 64)
		if err != nil || !isStrictInt(args[1]) {
			c.Error("ERR Protocol version is not an integer or out of range")
			return
		}
		if n < 2 || n > 3 {
			c.Error("NOPROTO unsupported protocol version")
			return
		}
		ver = n
		next = 2
	}
	var user, pass, name []byte
	hasName := false
	for j := next; j < len(args); j++ {
		more := len(args) - 1 - j
		opt := args[j]
		switch {
		case strings.EqualFold(string(opt), "auth") && more >= 2:
			user, pass = args[j+1], args[j+2]
			j += 2
		case strings.EqualFold(string(opt), "setname") && more >= 1:
			name = args[j+1]
			if !validClientName(name) {
				c.Error(errClientName)
				return
			}
			hasName = true
			j++
		default:
			c.Error("ERR Syntax error in HELLO option '" + string(opt) + "'")
			return
		}
	}
	if user != nil {
		ns, ok := s.authenticate(user, pass)
		if !ok {
			c.Error(engine.ErrWrongPass)
			return
		}
		sess.bind(ns)
	}
	if !sess.authed {
		c.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if hasName {
		sess.setName(name)
	}
	if ver != 0 {
		sess.w.SetProto(int(ver))
		sess.info.proto.Store(ver)
	}
	r := c.R
	r.Map(7)
	r.BulkString("server")
	r.BulkString(s.serverName())
	r.BulkString("version")
	r.BulkString(s.serverVersion())
	r.BulkString("proto")
	r.Int(int64(sess.w.Proto()))
	r.BulkString("id")
	r.Int(c.Client.ID)
	r.BulkString("mode")
	r.BulkString("standalone")
	r.BulkString("role")
	r.BulkString("master")
	r.BulkString("modules")
	r.Array(0)
}

// setName sets the client name; an empty name clears it.
func (s *session) setName(name []byte) {
	if len(name) == 0 {
		s.info.name.Store(nil)
		return
	}
	n := string(name)
	s.info.name.Store(&n)
}
