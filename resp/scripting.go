package resp

import (
	"context"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/engine/script"
)

// Scripting: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT. Each namespace
// (the default one, each store) has its own script cache and Lua
// interpreter (engine/script). A script runs with its namespace held
// exclusively, as EXEC does, so no other client of the namespace sees it
// half done; the commands it calls run through the node's command table
// with the rules Valkey applies to scripts (scriptCall).

func (s *Server) scriptCommands() []*engine.Command {
	const eval = engine.NoScript | engine.Stale | engine.SkipMonitor | engine.NoMandatoryKeys | engine.Exclusive
	const base = engine.NoScript | engine.NoKeyspace
	keys := engine.NumKeysAt(2)
	return []*engine.Command{
		{Name: "eval", Arity: -3, Flags: eval | engine.MayReplicate, Keys: keys, Group: "scripting", Run: s.cmdEval},
		{Name: "evalsha", Arity: -3, Flags: eval | engine.MayReplicate, Keys: keys, Group: "scripting", Run: s.cmdEval},
		{Name: "eval_ro", Arity: -3, Flags: eval | engine.ReadOnly, Keys: keys, Group: "scripting", Run: s.cmdEval},
		{Name: "evalsha_ro", Arity: -3, Flags: eval | engine.ReadOnly, Keys: keys, Group: "scripting", Run: s.cmdEval},
		{Name: "script", Arity: -2, Group: "scripting", Subcommands: []*engine.Command{
			{Name: "load", Arity: 3, Flags: base | engine.Stale, Run: s.cmdScriptLoad},
			{Name: "exists", Arity: -3, Flags: base, Run: s.cmdScriptExists},
			{Name: "flush", Arity: -2, Flags: base, Run: s.cmdScriptFlush},
			{Name: "kill", Arity: 2, Flags: base | engine.AllowBusy, Run: s.cmdScriptKill},
			{Name: "show", Arity: 3, Flags: base, Run: s.cmdScriptShow},
			{Name: "help", Arity: 2, Flags: engine.Loading | engine.Stale | engine.NoKeyspace, Run: cmdScriptHelp},
		}},
	}
}

// scripts is a namespace's scripting state.
type scripts struct {
	cache *script.Cache
	// mu guards running, which SCRIPT KILL reads from other sessions,
	// and kill, the context scripts run with until SCRIPT KILL cancels
	// it (one for many runs: a context per run costs more than a short
	// script).
	mu      sync.Mutex
	running *runningScript
	kill    context.Context
	killFn  context.CancelFunc
}

// runningScript is the script a namespace is running.
type runningScript struct {
	start time.Time
	// cancel cancels the namespace's kill context.
	cancel context.CancelFunc
	// wrote is set once the script has run a write command: it can no
	// longer be killed.
	wrote atomic.Bool
}

// scriptsKey is the key of a namespace's scripts (engine.Namespace.Attached).
type scriptsKey struct{}

// scriptsOf returns ns's scripting state.
func (s *Server) scriptsOf(ns *engine.Namespace) *scripts {
	return ns.Attached(scriptsKey{}, func() any {
		return &scripts{cache: script.NewCache(script.Options{
			Log:           s.scriptLog,
			ServerVersion: engine.ValkeyVersion,
		})}
	}).(*scripts)
}

// scriptLog writes a redis.log line to the node's log.
func (s *Server) scriptLog(level int, msg string) {
	switch level {
	case script.LogWarning:
		s.log.Warn(msg, "source", "script")
	case script.LogNotice:
		s.log.Info(msg, "source", "script")
	default:
		s.log.Log(context.Background(), slog.LevelDebug, msg, "source", "script")
	}
}

// cmdEval is EVAL, EVALSHA, EVAL_RO and EVALSHA_RO: the dispatcher holds
// the namespace exclusively (the Exclusive flag, or EXEC's lock).
func (s *Server) cmdEval(c *engine.Ctx) {
	n, ok := parseLongLong(c.Args[2])
	switch {
	case !ok:
		c.Error(engine.ErrNotInt)
		return
	case n < 0:
		c.Error(script.ErrNumKeysNegative)
		return
	case n > int64(len(c.Args)-3):
		c.Error(script.ErrNumKeysTooBig)
		return
	}
	st := s.scriptsOf(c.Client.NS)
	var sc *script.Script
	if strings.HasPrefix(c.Cmd.Name, "evalsha") {
		if sc = st.cache.Get(string(c.Args[1])); sc == nil {
			c.Error(script.ErrNoScript)
			return
		}
	} else {
		var bad *script.Value
		if sc, bad = st.cache.PutEval(c.Args[1]); bad != nil {
			script.Write(c.R, *bad)
			return
		}
	}
	sess := sessionOf(c)
	pol := sc.Policy(c.Cmd.Has(engine.ReadOnly), false)
	if msg := sc.PrecheckError(c.Cmd.Has(engine.ReadOnly), sess.preOOM); msg != "" {
		// Outside a transaction Valkey's command-level check, which
		// takes a shebang script's flags as EVAL's, refuses first.
		if msg == script.ErrScriptOOM && sess.multi == nil {
			msg = errOOM
		}
		c.Error(msg)
		return
	}
	run := &runningScript{start: time.Now()}
	st.mu.Lock()
	if st.kill == nil || st.kill.Err() != nil {
		st.kill, st.killFn = context.WithCancel(context.Background())
	}
	ctx := st.kill
	run.cancel = st.killFn
	st.running = run
	st.mu.Unlock()
	s.x.scriptsRunning.Add(1)
	defer func() {
		s.x.scriptsRunning.Add(-1)
		st.mu.Lock()
		st.running = nil
		st.mu.Unlock()
	}()
	cl := *c.Client // SELECT in a script does not change the caller's database
	caller := &scriptCaller{
		srv: s, sess: sess, client: &cl, run: run, pol: pol, preOOM: sess.preOOM,
	}
	v := st.cache.Run(sc, script.RunOptions{
		Keys: c.Args[3 : 3+n], Args: c.Args[3+n:], Resp: c.R.Proto(), Ctx: ctx,
	}, caller)
	script.Write(c.R, v)
}

// scriptCaller runs a script's server.call commands (Valkey's scriptCall).
type scriptCaller struct {
	srv    *Server
	sess   *session
	client *engine.Client
	run    *runningScript
	pol    script.Policy
	// preOOM is the memory state before the script started.
	preOOM bool
	rec    *script.Recorder
}

// Call implements script.Caller.
func (sc *scriptCaller) Call(args [][]byte, resp int) script.Value {
	cmd, errText := sc.srv.node.Table().Resolve(args)
	switch {
	case cmd == nil:
		return errValue(script.ErrUnknownCommand)
	case errText != "":
		if strings.HasPrefix(errText, "ERR wrong number of arguments") {
			return errValue(script.ErrWrongArityFromScript)
		}
		return errValue(errText)
	case cmd.Has(engine.NoScript):
		return errValue(script.ErrNotAllowedFromScript)
	case sc.pol.ReadOnly && (cmd.Has(engine.Write) || cmd.Has(engine.MayReplicate)):
		return errValue(script.ErrWriteFromReadOnly)
	}
	if sc.sess.kv.store != nil {
		if msg := sc.sess.storeRefusal(cmd, args); msg != "" {
			return errValue(msg)
		}
	}
	// Valkey's scriptVerifyOOM: with memory exhausted when the script
	// started, its first write that may grow memory is refused; later
	// ones run, since the script cannot be stopped halfway.
	if !sc.pol.AllowOOM && sc.preOOM && !sc.run.wrote.Load() && cmd.Has(engine.DenyOOM) {
		return errValue(script.ErrOOMFromScript)
	}
	if sc.rec == nil || sc.rec.Proto() != resp {
		sc.rec = script.NewRecorder(resp)
	} else {
		sc.rec.Reset()
	}
	c := engine.Ctx{Args: args, Cmd: cmd, R: sc.rec, Sess: sc.sess, Client: sc.client, NoBlock: true}
	sc.call(&c)
	if cmd.Has(engine.Write) {
		sc.run.wrote.Store(true)
	}
	return sc.rec.Value()
}

// call runs one command for the script under the namespace lock the
// script holds; a panic becomes the command's error reply.
func (sc *scriptCaller) call(c *engine.Ctx) {
	defer func() {
		if r := recover(); r != nil {
			sc.srv.log.Error("panic in command", "command", c.Cmd.FullName(),
				"panic", r, "stack", string(debug.Stack()))
			sc.rec.Reset()
			sc.rec.Error(engine.ErrInternal)
		}
	}()
	sc.srv.node.CallLocked(c)
}

// errValue returns an error reply.
func errValue(msg string) script.Value { return script.Value{Kind: script.KindError, Str: msg} }

func (s *Server) cmdScriptLoad(c *engine.Ctx) {
	sc, bad := s.scriptsOf(c.Client.NS).cache.Put(c.Args[2])
	if bad != nil {
		script.Write(c.R, *bad)
		return
	}
	c.R.BulkString(sc.SHA)
}

func (s *Server) cmdScriptExists(c *engine.Ctx) {
	cache := s.scriptsOf(c.Client.NS).cache
	c.R.Array(len(c.Args) - 2)
	for _, sha := range c.Args[2:] {
		if cache.Exists(string(sha)) {
			c.R.Int(1)
		} else {
			c.R.Int(0)
		}
	}
}

func (s *Server) cmdScriptFlush(c *engine.Ctx) {
	if len(c.Args) > 3 {
		c.Error(script.ErrFlushOption)
		return
	}
	if len(c.Args) == 3 {
		switch strings.ToLower(string(c.Args[2])) {
		case "sync", "async":
		default:
			c.Error(script.ErrFlushOption)
			return
		}
	}
	s.scriptsOf(c.Client.NS).cache.Flush()
	c.OK()
}

// cmdScriptShow replies a cached script's body (Valkey 8).
func (s *Server) cmdScriptShow(c *engine.Ctx) {
	sc := s.scriptsOf(c.Client.NS).cache.Get(string(c.Args[2]))
	if sc == nil {
		c.Error(script.ErrNoScript)
		return
	}
	c.R.BulkString(sc.Body)
}

// cmdScriptKill stops the namespace's running script unless it has
// written. It takes no keyspace lock: the script holds the namespace.
func (s *Server) cmdScriptKill(c *engine.Ctx) {
	st := s.scriptsOf(c.Client.NS)
	st.mu.Lock()
	defer st.mu.Unlock()
	// Cancelling under the lock cancels the script that is running: a
	// later one finds the context cancelled and makes a fresh one.
	switch run := st.running; {
	case run == nil:
		c.Error(script.ErrNotBusy)
	case run.wrote.Load():
		c.Error(script.ErrUnkillable)
	default:
		run.cancel()
		c.OK()
	}
}

var scriptHelp = []string{
	"EXISTS <sha1> [<sha1> ...]",
	"    Return information about the existence of the scripts in the script cache.",
	"FLUSH [ASYNC|SYNC]",
	"    Flush the Lua scripts cache. Very dangerous on replicas.",
	"    When called without the optional mode argument, the behavior is determined",
	"     by the lazyfree-lazy-user-flush configuration directive. Valid modes are:",
	"    * ASYNC: Asynchronously flush the scripts cache.",
	"    * SYNC: Synchronously flush the scripts cache.",
	"KILL",
	"    Kill the currently executing Lua script.",
	"LOAD <script>",
	"    Load a script into the scripts cache without executing it.",
	"SHOW <sha1>",
	"    Show a script from the scripts cache.",
}

func cmdScriptHelp(c *engine.Ctx) { replyHelp(c, string(c.Args[0]), scriptHelp...) }

// scriptStats are INFO's figures of a namespace's scripts.
type scriptStats struct {
	n, mem, lua, evicted int64
}

// scriptStatsOf returns ns's script figures; a namespace that never ran a
// script reports a fresh interpreter, as Valkey does.
func (s *Server) scriptStatsOf(ns *engine.Namespace) scriptStats {
	st, _ := ns.Attachment(scriptsKey{}).(*scripts)
	if st == nil {
		return scriptStats{lua: script.FreshLuaMemory}
	}
	c := st.cache
	return scriptStats{n: int64(c.Len()), mem: c.Memory(), lua: c.LuaMemory(), evicted: c.Evicted()}
}

// busyRefusal returns Valkey's BUSY error for a command of a namespace
// whose script has run longer than busy-reply-threshold, or "".
func (s *session) busyRefusal(cmd *engine.Command) string {
	if s.srv.x.scriptsRunning.Load() == 0 || cmd.Has(engine.AllowBusy) {
		return ""
	}
	st, _ := s.cl.NS.Attachment(scriptsKey{}).(*scripts)
	if st == nil {
		return ""
	}
	st.mu.Lock()
	run := st.running
	st.mu.Unlock()
	if run == nil || time.Since(run.start) < time.Duration(s.srv.x.busyThresholdMs.Load())*time.Millisecond {
		return ""
	}
	return script.ErrBusy
}
