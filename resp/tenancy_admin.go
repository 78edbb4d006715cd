package resp

import (
	"errors"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/tenancy"
)

// FLECT.KV: the administration of stores, which `flect kv` sends. Every
// subcommand but HELP needs the admin credential (isAdmin).
//
//	FLECT.KV CREATE <name> [MAXMEMORY <size>] [POLICY <policy>]  -> URL
//	FLECT.KV LIST                                                -> stores
//	FLECT.KV INFO <name>                                         -> fields
//	FLECT.KV URL <name>                                          -> URL
//	FLECT.KV ROTATE <name> [GRACE <seconds>]                     -> new URL
//	FLECT.KV FLUSH <name>                                        -> OK
//	FLECT.KV DELETE <name>                                       -> OK
//	FLECT.KV SET <name> [MAXMEMORY <size>] [POLICY <policy>]     -> OK

func (s *Server) kvCommands() []*engine.Command {
	const flags = engine.Admin | engine.NoScript | engine.Loading | engine.Stale | engine.NoKeyspace
	return []*engine.Command{
		{Name: "flect.kv", Arity: -2, Group: "server", Subcommands: []*engine.Command{
			{Name: "create", Arity: -3, Flags: flags, Run: s.admin(s.cmdKVCreate)},
			{Name: "list", Arity: 2, Flags: flags, Run: s.admin(s.cmdKVList)},
			{Name: "info", Arity: 3, Flags: flags, Run: s.admin(s.cmdKVInfo)},
			{Name: "url", Arity: 3, Flags: flags, Run: s.admin(s.cmdKVURL)},
			{Name: "rotate", Arity: -3, Flags: flags, Run: s.admin(s.cmdKVRotate)},
			{Name: "flush", Arity: 3, Flags: flags, Run: s.admin(s.cmdKVFlush)},
			{Name: "delete", Arity: 3, Flags: flags, Run: s.admin(s.cmdKVDelete)},
			{Name: "set", Arity: -5, Flags: flags, Run: s.admin(s.cmdKVSet)},
			{Name: "help", Arity: 2, Flags: engine.Loading | engine.Stale | engine.NoKeyspace, Run: cmdKVHelp},
		}},
	}
}

// admin wraps a FLECT.KV handler with the admin check.
func (s *Server) admin(run func(*engine.Ctx)) func(*engine.Ctx) {
	return func(c *engine.Ctx) {
		if !sessionOf(c).isAdmin() {
			c.Error(engine.ErrKVNotAdmin)
			return
		}
		run(c)
	}
}

func cmdKVHelp(c *engine.Ctx) {
	replyHelp(c, "FLECT.KV",
		"CREATE <name> [MAXMEMORY <size>] [POLICY <policy>]",
		"    Create a store; reply with its redis:// URL.",
		"LIST",
		"    List the stores.",
		"INFO <name>",
		"    Show a store's settings and figures.",
		"URL <name>",
		"    Reply with a store's redis:// URL.",
		"ROTATE <name> [GRACE <seconds>]",
		"    Give a store a new secret; the old one stays valid for the grace period.",
		"FLUSH <name>",
		"    Delete every key of a store.",
		"DELETE <name>",
		"    Delete a store, its data, and disconnect its clients.",
		"SET <name> [MAXMEMORY <size>] [POLICY <policy>]",
		"    Set a store's memory quota and eviction policy.")
}

// kvError turns a registry error into its wire text.
func kvError(err error) string {
	switch {
	case errors.Is(err, tenancy.ErrInvalidName):
		return engine.ErrKVName
	case errors.Is(err, tenancy.ErrExists):
		return engine.ErrKVExists
	case errors.Is(err, tenancy.ErrNotFound):
		return engine.ErrKVNoStore
	case errors.Is(err, tenancy.ErrPolicy):
		return engine.ErrKVPolicy
	case errors.Is(err, tenancy.ErrQuota):
		return engine.ErrKVMaxmemory
	case errors.Is(err, tenancy.ErrGrace):
		return engine.ErrKVGrace
	}
	return engine.ErrInternal
}

// storeURL is the URL clients connect to a store with.
func (s *session) storeURL(name, secret string) string {
	host, port := s.advertisedHost()
	u := url.URL{Scheme: "redis", User: url.UserPassword(name, secret), Host: net.JoinHostPort(host, strconv.Itoa(port))}
	return u.String()
}

// parseQuota reads [MAXMEMORY <size>] [POLICY <policy>] options.
func parseQuota(args [][]byte) (maxMemory *int64, policy *string, errText string) {
	for i := 0; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return nil, nil, engine.ErrSyntax
		}
		opt, val := string(args[i]), string(args[i+1])
		switch {
		case strings.EqualFold(opt, "maxmemory"):
			n, ok := engine.ParseMemory(val)
			if !ok || n > 1<<62 {
				return nil, nil, engine.ErrKVMaxmemory
			}
			v := int64(n)
			maxMemory = &v
		case strings.EqualFold(opt, "policy"):
			p := strings.ToLower(val)
			if !tenancy.ValidPolicy(p) {
				return nil, nil, engine.ErrKVPolicy
			}
			policy = &p
		default:
			return nil, nil, engine.ErrSyntax
		}
	}
	return maxMemory, policy, ""
}

func (s *Server) cmdKVCreate(c *engine.Ctx) {
	name := string(c.Args[2])
	mm, pol, errText := parseQuota(c.Args[3:])
	if errText != "" {
		c.Error(errText)
		return
	}
	var q tenancy.Quota
	if mm != nil {
		q.MaxMemory = *mm
	}
	if pol != nil {
		q.Policy = *pol
	}
	_, secret, err := s.kv.reg.Create(name, q)
	if err != nil {
		c.Error(kvError(err))
		return
	}
	s.log.Info("store created", "store", name)
	c.R.BulkString(sessionOf(c).storeURL(name, secret))
}

func (s *Server) cmdKVURL(c *engine.Ctx) {
	name := string(c.Args[2])
	secret, err := s.kv.reg.Secret(name)
	if err != nil {
		c.Error(kvError(err))
		return
	}
	c.R.BulkString(sessionOf(c).storeURL(name, secret))
}

func (s *Server) cmdKVRotate(c *engine.Ctx) {
	name := string(c.Args[2])
	var grace time.Duration
	switch rest := c.Args[3:]; {
	case len(rest) == 0:
	case len(rest) == 2 && strings.EqualFold(string(rest[0]), "grace"):
		n, ok := parseLongLong(rest[1])
		if !ok || n < 0 || n > int64(tenancy.MaxGrace/time.Second) {
			c.Error(engine.ErrKVGrace)
			return
		}
		grace = time.Duration(n) * time.Second
	default:
		c.Error(engine.ErrSyntax)
		return
	}
	secret, err := s.kv.reg.Rotate(name, grace)
	if err != nil {
		c.Error(kvError(err))
		return
	}
	s.log.Info("store secret rotated", "store", name, "grace", grace)
	c.R.BulkString(sessionOf(c).storeURL(name, secret))
}

func (s *Server) cmdKVFlush(c *engine.Ctx) {
	st := s.kv.reg.Get(string(c.Args[2]))
	if st == nil {
		c.Error(engine.ErrKVNoStore)
		return
	}
	ns := st.Namespace()
	ns.Lock()
	n := ns.Flush()
	ns.Unlock()
	ns.Stats.Dirty.Add(int64(n))
	c.OK()
}

func (s *Server) cmdKVDelete(c *engine.Ctx) {
	name := string(c.Args[2])
	st, err := s.kv.reg.Remove(name)
	if err != nil {
		c.Error(kvError(err))
		return
	}
	for _, sess := range s.storeSessions(st) {
		sess.kill()
	}
	s.kv.reg.Free(st)
	s.forgetStore(st)
	s.log.Info("store deleted", "store", name)
	c.OK()
}

func (s *Server) cmdKVSet(c *engine.Ctx) {
	mm, pol, errText := parseQuota(c.Args[3:])
	if errText != "" {
		c.Error(errText)
		return
	}
	if err := s.kv.reg.SetQuota(string(c.Args[2]), mm, pol); err != nil {
		c.Error(kvError(err))
		return
	}
	c.OK()
}

// storeFigures are a store's live figures.
type storeFigures struct {
	keys, expires []int64 // per database
	totalKeys     int64
	clients       int64
	libs          []string
	memory        int64 // bytes its keys and values cost
	opsPerSec     int64
}

func (s *Server) figures(st *tenancy.Store) storeFigures {
	ns := st.Namespace()
	f := storeFigures{keys: make([]int64, ns.DBCount()), expires: make([]int64, ns.DBCount())}
	for i := range f.keys {
		db := ns.DB(i)
		f.keys[i], f.expires[i] = int64(db.Len()), int64(db.Volatile())
		f.totalKeys += f.keys[i]
	}
	for _, sess := range s.storeSessions(st) {
		f.clients++
		st.NoteLibrary(sess.library())
	}
	f.libs = st.Libraries()
	f.memory = ns.MemoryUsed()
	f.opsPerSec = int64(s.storeState(st).opsPerSec())
	return f
}

func (s *Server) cmdKVList(c *engine.Ctx) {
	type row struct {
		in tenancy.Info
		f  storeFigures
	}
	var rows []row
	for _, in := range s.kv.reg.List() {
		if st := s.kv.reg.Get(in.Name); st != nil { // not deleted meanwhile
			rows = append(rows, row{in, s.figures(st)})
		}
	}
	c.R.Array(len(rows))
	for _, r := range rows {
		in, f := r.in, r.f
		c.R.Map(7)
		c.R.BulkString("name")
		c.R.BulkString(in.Name)
		c.R.BulkString("keys")
		c.R.Int(f.totalKeys)
		c.R.BulkString("memory")
		c.R.Int(f.memory)
		c.R.BulkString("maxmemory")
		c.R.Int(in.MaxMemory)
		c.R.BulkString("policy")
		c.R.BulkString(in.Policy)
		c.R.BulkString("clients")
		c.R.Int(f.clients)
		c.R.BulkString("created")
		c.R.Int(in.Created.Unix())
	}
}

func (s *Server) cmdKVInfo(c *engine.Ctx) {
	name := string(c.Args[2])
	st := s.kv.reg.Get(name)
	in, err := s.kv.reg.Info(name)
	if st == nil || err != nil {
		c.Error(engine.ErrKVNoStore)
		return
	}
	f := s.figures(st)
	ns := st.Namespace()
	unix := func(t time.Time) int64 {
		if t.IsZero() {
			return 0
		}
		return t.Unix()
	}
	var dbs []string
	for i, k := range f.keys {
		if k != 0 || f.expires[i] != 0 {
			dbs = append(dbs, "db"+strconv.Itoa(i)+":keys="+strconv.FormatInt(k, 10)+",expires="+strconv.FormatInt(f.expires[i], 10))
		}
	}
	fields := []struct {
		name string
		val  any
	}{
		{"name", in.Name},
		{"created", in.Created.Unix()},
		{"maxmemory", in.MaxMemory},
		{"policy", in.Policy},
		{"keys", f.totalKeys},
		{"databases", dbs},
		{"memory", f.memory},
		{"clients", f.clients},
		{"libraries", f.libs},
		{"commands", ns.Stats.Commands.Load()},
		{"ops_per_sec", f.opsPerSec},
		{"keyspace_hits", ns.Stats.KeyspaceHits.Load()},
		{"keyspace_misses", ns.Stats.KeyspaceMisses.Load()},
		{"expired_keys", ns.Stats.ExpiredKeys.Load()},
		{"evicted_keys", ns.EvictedKeys()},
		{"auths", in.Auths},
		{"auth_failures", in.AuthFailures},
		{"rotated", unix(in.Rotated)},
		{"grace_until", unix(in.GraceUntil)},
	}
	c.R.Map(len(fields))
	for _, fl := range fields {
		c.R.BulkString(fl.name)
		switch v := fl.val.(type) {
		case string:
			c.R.BulkString(v)
		case int64:
			c.R.Int(v)
		case []string:
			c.R.Array(len(v))
			for _, x := range v {
				c.R.BulkString(x)
			}
		}
	}
}
