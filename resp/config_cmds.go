package resp

import (
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/flect-kv/flect/engine"
)

// CONFIG GET SET RESETSTAT REWRITE HELP, and the configuration parameters
// the front end owns (listening, authentication, client limits, the slow
// log). The engine registers its own parameters (engine/params.go); both
// live in the node's engine.Config.

func (s *Server) configCommands() []*engine.Command {
	const admin = engine.Admin | engine.NoScript | engine.Loading | engine.Stale | engine.NoKeyspace
	return []*engine.Command{
		{Name: "config", Arity: -2, Group: "server", Subcommands: []*engine.Command{
			{Name: "get", Arity: -3, Flags: admin, Run: s.cmdConfigGet},
			{Name: "set", Arity: -4, Flags: admin, Run: s.cmdConfigSet},
			{Name: "resetstat", Arity: 2, Flags: admin, Run: s.cmdConfigResetstat},
			{Name: "rewrite", Arity: 2, Flags: admin, Run: cmdConfigRewrite},
			{Name: "help", Arity: 2, Flags: engine.Loading | engine.Stale | engine.NoKeyspace, Run: cmdConfigHelp},
		}},
	}
}

func (s *Server) cmdConfigGet(c *engine.Ctx) {
	patterns := make([]string, len(c.Args)-2)
	for i, a := range c.Args[2:] {
		patterns[i] = string(a)
	}
	kvs := sessionOf(c).configView(s.node.Config.Get(patterns)) // tenancy.go
	c.R.Map(len(kvs))
	for _, kv := range kvs {
		c.R.BulkString(kv.Name)
		c.R.BulkString(kv.Value)
	}
}

func (s *Server) cmdConfigSet(c *engine.Ctx) {
	if len(c.Args)%2 != 0 {
		c.Error(engine.ErrSyntax)
		return
	}
	if sessionOf(c).kv.store != nil { // its own settings (tenancy_config.go)
		s.storeConfigSet(c, c.Client.NS)
		return
	}
	reqs := make([]engine.SetRequest, 0, (len(c.Args)-2)/2)
	for i := 2; i < len(c.Args); i += 2 {
		reqs = append(reqs, engine.SetRequest{Name: string(c.Args[i]), Value: string(c.Args[i+1])})
	}
	allow := sessionOf(c).allowProtected(s.x.enableProtected)
	if err := s.node.Config.Set(reqs, allow); err != "" {
		c.Error(err)
		return
	}
	c.OK()
}

func (s *Server) cmdConfigResetstat(c *engine.Ctx) {
	if ss := sessionOf(c).kv.state; ss != nil { // its store's only
		s.resetOneStore(ss)
		c.OK()
		return
	}
	s.resetStats()
	c.OK()
}

// resetStats clears the statistics INFO reports, as CONFIG RESETSTAT does.
func (s *Server) resetStats() {
	st := &s.Stats
	st.ConnectionsReceived.Store(0)
	st.RejectedConnections.Store(0)
	st.CommandsProcessed.Store(0)
	st.NetInputBytes.Store(0)
	st.NetOutputBytes.Store(0)
	x := &s.x
	x.reads.Store(0)
	x.writes.Store(0)
	x.outputLimitDisconnections.Store(0)
	x.queryLimitDisconnections.Store(0)
	x.errs.reset()
	s.resetStoreStats() // tenancy_stats.go
	x.lat.resetHistograms(s)
	x.el.reset()
	x.inst.mu.Lock()
	x.inst.samples = [instSamples][5]float64{}
	x.inst.mu.Unlock()
	for _, ns := range s.node.Namespaces() {
		ns.Stats.ExpiredKeys.Store(0)
		ns.Stats.KeyspaceHits.Store(0)
		ns.Stats.KeyspaceMisses.Store(0)
	}
	var walk func([]*engine.Command)
	walk = func(cmds []*engine.Command) {
		for _, cmd := range cmds {
			cs := cmd.Stats()
			cs.Calls.Store(0)
			cs.Usec.Store(0)
			cs.RejectedCalls.Store(0)
			cs.FailedCalls.Store(0)
			walk(cmd.Subcommands)
		}
	}
	walk(s.node.Table().All())
}

func cmdConfigRewrite(c *engine.Ctx) { c.Error("ERR The server is running without a config file") }

func cmdConfigHelp(c *engine.Ctx) {
	replyHelp(c, string(c.Args[0]),
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	)
}

// Loglevels, in Valkey's order.
var loglevels = []engine.EnumValue{
	{Name: "debug", Value: 0}, {Name: "verbose", Value: 1}, {Name: "notice", Value: 2},
	{Name: "warning", Value: 3}, {Name: "nothing", Value: 4},
}

// slogLevels maps Valkey's loglevels (by value) to slog levels.
var slogLevels = []slog.Level{slog.LevelDebug, slog.LevelDebug + 2, slog.LevelInfo, slog.LevelWarn, slog.LevelError + 4}

// loglevelOf returns the Valkey loglevel of a slog level.
func loglevelOf(l slog.Level) int64 {
	for i := len(slogLevels) - 1; i >= 0; i-- {
		if l >= slogLevels[i] {
			return int64(i)
		}
	}
	return 0
}

// registerParams registers the front end's parameters with the node.
func (s *Server) registerParams() {
	cfg := s.node.Config
	st := &s.settings
	x := &s.x
	const intMax, uintMax, longMax = 1<<31 - 1, 1<<32 - 1, 1<<63 - 1

	// setting registers an integer parameter backed by the settings.
	setting := func(d engine.NumParam, get func() int64, set func(int64)) {
		d.Default = get()
		d.OnSet = set
		p := engine.NewNumParam(d, new(atomic.Int64))
		p.Get = func() string {
			v := get()
			if d.Unsigned || d.Memory {
				return strconv.FormatUint(uint64(v), 10)
			}
			return strconv.FormatInt(v, 10)
		}
		cfg.Register(p)
	}
	locked := func(f func()) {
		st.mu.Lock()
		f()
		st.mu.Unlock()
	}
	rlocked := func(f func() int64) int64 {
		st.mu.RLock()
		defer st.mu.RUnlock()
		return f()
	}

	cfg.Register(&engine.Param{
		Name: "bind",
		Get: func() string {
			st.mu.RLock()
			defer st.mu.RUnlock()
			return st.bind
		},
		Set: func(v string) error {
			st.mu.RLock()
			port := st.port
			st.mu.RUnlock()
			return s.relisten(v, port, errBind)
		},
	})
	setting(engine.NumParam{Name: "port", Min: 0, Max: 65535},
		func() int64 { return rlocked(func() int64 { return int64(st.port) }) },
		func(v int64) {})
	// port's OnSet cannot fail, so its Set is replaced by one that moves
	// the listener first.
	portParam := cfg.Lookup("port")
	parsePort := portParam.Set
	portParam.Set = func(v string) error {
		st.mu.RLock()
		bind, old := st.bind, st.port
		st.mu.RUnlock()
		if err := parsePort(v); err != nil {
			return err
		}
		n, _ := strconv.Atoi(v)
		if n == old {
			return nil
		}
		return s.relisten(bind, n, errPort)
	}
	cfg.Register(&engine.Param{
		Name:  "requirepass",
		Flags: engine.ParamSensitive,
		Get: func() string {
			st.mu.RLock()
			defer st.mu.RUnlock()
			return st.requirePass
		},
		Set: func(v string) error {
			locked(func() { st.requirePass = v })
			return nil
		},
	})
	setting(engine.NumParam{Name: "maxclients", Min: 1, Max: uintMax, Unsigned: true},
		func() int64 { return rlocked(func() int64 { return int64(st.maxClients) }) },
		func(v int64) { locked(func() { st.maxClients = int(v) }) })
	setting(engine.NumParam{Name: "timeout", Min: 0, Max: intMax},
		func() int64 { return int64(time.Duration(st.timeout.Load()) / time.Second) },
		func(v int64) { st.timeout.Store(int64(time.Duration(v) * time.Second)) })
	var protected atomic.Bool
	cfg.Register(engine.NewBoolParam("protected-mode", nil, 0, st.protectedMode, &protected, func(b bool) {
		locked(func() { st.protectedMode = b })
	}))
	setting(engine.NumParam{Name: "client-query-buffer-limit", Min: 1 << 20, Max: longMax, Unsigned: true, Memory: true},
		func() int64 { return rlocked(func() int64 { return st.limits.MaxQueryBuffer }) },
		func(v int64) {
			locked(func() { st.limits.MaxQueryBuffer = v })
			s.limitsChanged()
		})
	// proto-max-bulk-len is the engine's (engine/limits.go); the readers
	// of every connection follow it.
	if st.limits.MaxBulk > 0 {
		s.node.SetMaxBulkLen(st.limits.MaxBulk)
	}
	if p := cfg.Lookup("proto-max-bulk-len"); p != nil {
		set := p.Set
		p.Set = func(v string) error {
			if err := set(v); err != nil {
				return err
			}
			n := s.node.MaxBulkLen()
			locked(func() { st.limits.MaxBulk = n })
			s.limitsChanged()
			return nil
		}
	}
	setting(engine.NumParam{Name: "slowlog-log-slower-than", Min: -1, Max: longMax},
		x.slowlog.getSlowerThan, x.slowlog.setSlowerThan)
	setting(engine.NumParam{Name: "slowlog-max-len", Min: 0, Max: longMax, Unsigned: true},
		x.slowlog.getMaxLen, x.slowlog.setMaxLen)
	lv := s.logLevel
	cfg.Register(engine.NewEnumParam("loglevel", 0, loglevels, loglevelOf(lv.Level()), &x.loglevel,
		func(v int64) { lv.Set(slogLevels[v]) }))
	s.registerLatencyParams()
	// repl-backlog-size: values under 16kb are raised to it, as Valkey's
	// resizeReplicationBacklog does.
	cfg.Register(engine.NewNumParam(engine.NumParam{Name: "repl-backlog-size", Min: 1, Max: longMax, Memory: true,
		Default: 10 << 20, OnSet: func(v int64) { x.replBacklogSize.Store(max(v, replBacklogMinSize)) }}, &x.replBacklogSize))
	cfg.Register(engine.NewNumParam(engine.NumParam{Name: "busy-reply-threshold", Aliases: []string{"lua-time-limit"},
		Min: 0, Max: longMax, Default: 5000}, &x.busyThresholdMs))
	cfg.Register(engine.ConstParam("enable-debug-command", nil, x.enableDebug))
	cfg.Register(engine.ConstParam("enable-protected-configs", nil, x.enableProtected))
	cfg.Register(engine.NewBoolParam("extended-redis-compatibility", nil, 0, false, &x.redisCompat, nil))
	cfg.Register(engine.NewStringParam("availability-zone", nil, 0, "", &x.availabilityZone, nil))
	cfg.Register(engine.ConstParam("daemonize", nil, "no"))
}

// replBacklogMinSize is Valkey's CONFIG_REPL_BACKLOG_MIN_SIZE.
const replBacklogMinSize = 16 << 10

// limitsChanged makes every connection pick up new request limits before
// its next request.
func (s *Server) limitsChanged() {
	s.x.limitsGen.Add(1)
	s.x.hooks.Or(hookLimits)
}

// relisten moves the listening sockets to bind and port, as CONFIG SET
// bind and port do (resp/listen.go reads the bind list); failure is the
// error to report if it cannot. As in Valkey, the current sockets are
// closed first, so that the new ones may take their addresses, and are
// opened again when the new ones cannot be. Port 0 or an empty bind list
// stops TCP listening. Before Listen it only records the settings.
func (s *Server) relisten(bind string, port int, failure error) error {
	s.settings.mu.RLock()
	curBind, curPort := s.settings.bind, s.settings.port
	s.settings.mu.RUnlock()
	if len(strings.Fields(bind)) > bindAddrMax {
		return errTooManyBind
	}
	if bind == curBind && port == curPort {
		return nil
	}
	s.mu.Lock()
	if s.ln != nil {
		s.ln.Close()
		ln, err := s.listenOn(bind, port)
		if err != nil {
			s.log.Warn("could not create server TCP listening socket", "bind", bind, "port", port, "err", err)
			if back, err := s.listenOn(curBind, curPort); err == nil {
				s.ln = back
			} else {
				s.ln = newIdleListener()
				s.log.Error("could not listen again on the previous address", "bind", curBind, "port", curPort, "err", err)
			}
			s.mu.Unlock()
			return failure
		}
		s.ln = ln
	}
	s.mu.Unlock()
	s.settings.mu.Lock()
	s.settings.bind, s.settings.port = bind, port
	s.settings.mu.Unlock()
	return nil
}

// listenOn is bindListen with Valkey's port 0: no TCP listening.
func (s *Server) listenOn(bind string, port int) (net.Listener, error) {
	if port == 0 {
		return newIdleListener(), nil
	}
	return bindListen(bind, port)
}

// CONFIG SET bind/port failure reasons, as Valkey words them.
var (
	errBind = paramErr("Failed to bind to specified addresses.")
	errPort = paramErr("Unable to listen on this port. Check server logs.")
)

type paramErr string

// Error returns the reason.
func (e paramErr) Error() string { return string(e) }
