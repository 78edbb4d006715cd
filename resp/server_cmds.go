package resp

import (
	"crypto/rand"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flect-kv/flect/engine"
)

// Server commands: TIME MEMORY MONITOR DEBUG SHUTDOWN WAIT RESET
// FUNCTION; the per-command hooks of the dispatcher (slow log, MONITOR
// feed, CLIENT PAUSE waits, CLIENT REPLY, error statistics); and the
// server-wide state they share.

func (s *Server) serverCommands() []*engine.Command {
	return []*engine.Command{
		{Name: "time", Arity: 1, Flags: engine.Loading | engine.Stale | engine.Fast | engine.NoKeyspace, Group: "server", Run: cmdTime},
		s.memoryCommand(), // memory.go
		{Name: "monitor", Arity: 1, Flags: engine.Admin | engine.NoScript | engine.Loading | engine.Stale | engine.NoKeyspace, Group: "server", Run: s.cmdMonitor},
		// DEBUG runs with the namespace locked exclusively: DEBUG SLEEP
		// stalls the keyspace as it stalls Valkey's single thread.
		{Name: "debug", Arity: -2, Flags: engine.Admin | engine.NoScript | engine.Loading | engine.Stale | engine.NoKeyspace, Group: "server", Run: s.cmdDebug},
		{Name: "shutdown", Arity: -1, Flags: engine.Admin | engine.NoScript | engine.Loading | engine.Stale | engine.NoMulti | engine.AllowBusy | engine.NoKeyspace, Group: "server", Run: s.cmdShutdown},
		{Name: "wait", Arity: 3, Flags: engine.Blocking | engine.NoKeyspace, Group: "generic", Run: s.cmdWait},
		{Name: "reset", Arity: 1, Flags: engine.NoScript | engine.Loading | engine.Stale | engine.Fast | engine.NoAuth | engine.AllowBusy | engine.NoKeyspace, Group: "connection", Run: s.cmdReset},
		{Name: "function", Arity: -2, Group: "scripting", Subcommands: []*engine.Command{
			{Name: "flush", Arity: -2, Flags: engine.NoScript | engine.Write | engine.NoKeyspace, Run: s.cmdFunctionFlush},
			{Name: "list", Arity: -2, Flags: engine.NoScript | engine.NoKeyspace, Run: cmdFunctionList},
		}},
	}
}

// Bits of serverExt.hooks: conditions the dispatcher must look at before
// or after a command. Zero in the common case, so a command pays one
// atomic load for all of them.
const (
	hookMonitor uint32 = 1 << iota // MONITOR clients exist
	hookPause                      // a CLIENT PAUSE may be in effect
	hookLimits                     // request limits changed (CONFIG SET)
)

// serverExt is the state of the server and introspection commands.
type serverExt struct {
	hooks atomic.Uint32

	runID  string // INFO run_id
	replID string // INFO master_replid
	// stop is closed by Shutdown, waking sessions that wait (CLIENT
	// PAUSE, WAIT, DEBUG SLEEP).
	stop     chan struct{}
	stopOnce sync.Once

	slowlog slowlog
	lat     latencyState
	el      eventLoopStats
	errs    errorStats
	mon     monitorSet
	pause   pauseState

	// limitsGen counts changes of proto-max-bulk-len and
	// client-query-buffer-limit; sessions refresh their reader's limits
	// when it moves.
	limitsGen atomic.Uint64
	// blocked counts sessions waiting in a blocking command or a client
	// pause (INFO blocked_clients).
	blocked atomic.Int64
	// shutdown holds the flags of the SHUTDOWN that stopped the node.
	shutdown                  atomic.Uint32
	reads, writes             atomic.Int64 // total_reads/writes_processed
	outputLimitDisconnections atomic.Int64
	// queryLimitDisconnections counts clients closed for exceeding
	// client-query-buffer-limit.
	queryLimitDisconnections atomic.Int64
	mem                      memSampler
	inst                     instMetrics

	// redisCompat is extended-redis-compatibility.
	redisCompat      atomic.Bool
	availabilityZone atomic.Pointer[string]
	loglevel         atomic.Int64
	// replBacklogSize is repl-backlog-size: with no replicas there is no
	// backlog, and the setting is only kept and reported, as on a Valkey
	// primary that never had a replica.
	replBacklogSize atomic.Int64
	// busyThresholdMs is busy-reply-threshold (lua-time-limit): how long
	// a script runs before other clients of its namespace get BUSY.
	busyThresholdMs atomic.Int64
	// scriptsRunning counts the scripts running on the node, so that
	// commands look for a busy script only while there is one.
	scriptsRunning atomic.Int64
	// Protected actions, enable-debug-command and
	// enable-protected-configs: "no", "yes" or "local".
	enableDebug, enableProtected string
}

// initExt sets up the server commands' state and registers the front
// end's configuration parameters; New calls it.
func (s *Server) initExt() {
	x := &s.x
	x.runID = randomHex(40)
	x.replID = randomHex(40)
	x.stop = make(chan struct{})
	x.slowlog.init()
	x.lat.init()
	x.pause.wake = make(chan struct{})
	x.enableDebug, x.enableProtected = "local", "local"
	s.x.mem.startup.Store(s.x.mem.read().used)
	s.initMemory() // memory.go
	s.registerParams()
}

// serverName is HELLO's server and INFO's server_name.
func (s *Server) serverName() string {
	if s.x.redisCompat.Load() {
		return "redis"
	}
	return engine.ServerName
}

// serverVersion is HELLO's version.
func (s *Server) serverVersion() string {
	if s.x.redisCompat.Load() {
		return engine.RedisVersion
	}
	return engine.ValkeyVersion
}

// stopWaiters wakes every session waiting in a pause or a blocking
// command; Shutdown calls it.
func (s *Server) stopWaiters() { s.x.stopOnce.Do(func() { close(s.x.stop) }) }

func randomHex(n int) string {
	b := make([]byte, n/2)
	if _, err := rand.Read(b); err != nil {
		panic("resp: no randomness: " + err.Error())
	}
	return hex.EncodeToString(b)
}

// allowProtected reports whether a protected action configured as mode
// ("no", "yes", "local") is allowed for the session.
func (s *session) allowProtected(mode string) bool {
	return mode == "yes" || (mode == "local" && isLoopback(s.nc.RemoteAddr()))
}

// Session-side state of these commands.

// Client flags shown by CLIENT LIST (sessionExt.flags).
const (
	flagMonitor uint32 = 1 << iota
	flagNoEvict
	flagNoTouch
	flagBlocked
	flagCloseAfterReply
	flagMulti
)

// Reply modes of CLIENT REPLY (sessionExt.reply).
const (
	replyOn       = 0
	replyOff      = 1
	replySkipNext = 2 // set by CLIENT REPLY SKIP, for the next command
	replySkip     = 3 // this command's reply is dropped
)

// sessionExt is a session's state for the server commands. Fields other
// sessions read (CLIENT LIST) are atomics; the rest belong to the
// session's goroutine.
type sessionExt struct {
	// lastCmd and cmdsLocal are the last command and the number of
	// commands run; the session publishes them to cmd and cmds for other
	// sessions when it flushes, so a command pays no atomic operation
	// for them.
	lastCmd   *engine.Command
	cmdsLocal int64
	cmd       atomic.Pointer[engine.Command] // published lastCmd (CLIENT LIST cmd=)
	cmds      atomic.Int64                   // published cmdsLocal (tot-cmds)
	netIn     atomic.Int64                   // tot-net-in
	netOut    atomic.Int64                   // tot-net-out
	flags     atomic.Uint32                  // flag* bits
	// qbuf and qbufFree are the query buffer figures published for
	// other sessions' CLIENT LIST: the bytes of a request not yet
	// complete and the room after them.
	qbuf, qbufFree atomic.Int64

	errored   bool   // an error reply was written during this command
	reply     uint8  // reply* mode
	limitsGen uint64 // serverExt.limitsGen last applied to the reader
	mon       *monitorOut
	capa      uint8 // CLIENT CAPA bits
	// latCmd and latSlot cache the latency histogram slot of the last
	// command run (latency.go).
	latCmd  *engine.Command
	latSlot *cmdLatency
	// elReads and elCmds follow the current cycle: the reader's read
	// count when it began and the commands run in it (eventloop.go).
	elReads uint64
	elCmds  int64
	// dead is closed when the session is killed, ending any wait.
	dead     chan struct{}
	killOnce sync.Once
}

// publish makes the session's last command and command count visible to
// other sessions (CLIENT LIST); flush calls it once per batch.
func (s *session) publish() {
	if s.x.cmd.Load() != s.x.lastCmd {
		s.x.cmd.Store(s.x.lastCmd)
	}
	s.x.cmds.Store(s.x.cmdsLocal)
	var pending, free int64
	if s.rd != nil {
		if pending = int64(s.rd.Buffered()); pending > 0 {
			free = int64(len(s.rd.buf) - s.rd.end)
		}
	}
	s.x.qbuf.Store(pending)
	s.x.qbufFree.Store(free)
}

// countReader counts the bytes a session reads.
type countReader struct {
	sess *session
}

// Read reads from the connection, counting the bytes.
func (r countReader) Read(p []byte) (int, error) {
	if n, err, ok := r.sess.readStash(p); ok {
		return n, err // counted when read
	}
	n, err := r.sess.nc.Read(p)
	if n > 0 {
		r.sess.x.netIn.Add(int64(n))
		r.sess.srv.Stats.NetInputBytes.Add(int64(n))
	}
	r.sess.srv.x.reads.Add(1)
	return n, err
}

// onErrorReply sees every error reply the session writes: it marks the
// running command failed and counts the error by its prefix.
func (s *session) onErrorReply(msg string) {
	s.x.errored = true
	s.srv.x.errs.count(msg)
	if e := s.kv.errs; e != nil { // the store's own (tenancy.go)
		e.count(msg)
	}
}

// beforeCall runs the checks that apply only when a hook bit is set. It
// returns false when the command must not run (its reply is written).
func (s *session) beforeCall(h uint32, cmd *engine.Command) bool {
	if h&hookLimits != 0 {
		s.refreshLimits()
	}
	if s.x.mon != nil {
		// A MONITOR client is a replica to Valkey: it may not touch the
		// keyspace, and it is never paused.
		if cmd.Flags&(engine.Write|engine.ReadOnly|engine.MayReplicate) != 0 {
			s.cl.NS.CountRejected(cmd)
			s.w.Error("ERR Replica can't interact with the keyspace")
			return false
		}
		return true
	}
	if h&hookPause != 0 && !s.waitPause(cmd) {
		return false
	}
	return true
}

// refreshLimits gives the session's reader the current request limits
// (proto-max-bulk-len, client-query-buffer-limit) when CONFIG SET changed
// them. It runs before each blocking read, so that a request is checked
// against the limits in force while it arrives, as Valkey checks every
// read, and before commands when the limits changed.
func (s *session) refreshLimits() {
	x := &s.srv.x
	if g := x.limitsGen.Load(); g != s.x.limitsGen {
		s.x.limitsGen = g
		s.srv.settings.mu.RLock()
		s.rd.limits = s.srv.settings.limits
		s.srv.settings.mu.RUnlock()
		s.rd.limits.MaxBulk = s.srv.node.MaxBulkLen()
	}
}

// afterCall does the bookkeeping after a command ran: statistics, the slow
// log, the MONITOR feed and CLIENT REPLY.
func (s *session) afterCall(h uint32, mark int) {
	srv := s.srv
	cmd := s.ctx.Cmd
	srv.Stats.CommandsProcessed.Add(1)
	s.x.cmdsLocal++
	if s.x.errored {
		s.cl.NS.CountFailed(cmd)
	}
	s.recordLatency(cmd, s.ctx.Usec)
	s.trackCycle()
	if s.ctx.Usec >= srv.x.slowlog.threshold.Load() && cmd.Flags&engine.SkipSlowlog == 0 {
		srv.x.slowlog.push(s, s.ctx.Args, s.ctx.Usec)
	}
	if h&hookMonitor != 0 && cmd.Flags&(engine.Admin|engine.SkipMonitor) == 0 {
		srv.x.mon.feed(s, s.ctx.Args)
	}
	if s.x.reply != replyOn {
		s.applyReplyMode(mark)
	}
}

// afterReply applies CLIENT REPLY to a rejected command's reply.
func (s *session) afterReply(mark int) {
	if s.x.reply != replyOn {
		s.applyReplyMode(mark)
	}
}

// applyReplyMode drops the reply written since mark when replies are off
// or skipped, and moves SKIP on to the next command.
func (s *session) applyReplyMode(mark int) {
	switch s.x.reply {
	case replyOff:
		s.w.Truncate(mark)
	case replySkip:
		s.w.Truncate(mark)
		s.x.reply = replyOn
	case replySkipNext:
		s.x.reply = replySkip
	}
}

// redactions returns the argument positions of args that MONITOR and the
// slow log must not show: passwords of AUTH and HELLO, and values of
// sensitive parameters in CONFIG SET.
func (s *Server) redactions(args [][]byte) []int {
	name := args[0]
	switch {
	case strings.EqualFold(string(name), "auth"):
		var out []int
		for i := 1; i < len(args) && i <= 2; i++ {
			out = append(out, i)
		}
		return out
	case strings.EqualFold(string(name), "hello"):
		var out []int
		for j := 2; j < len(args); j++ {
			if strings.EqualFold(string(args[j]), "auth") && len(args)-1-j >= 2 {
				out = append(out, j+1, j+2)
				j += 2
			} else if strings.EqualFold(string(args[j]), "setname") {
				j++
			}
		}
		return out
	case strings.EqualFold(string(name), "config") && len(args) > 1 && strings.EqualFold(string(args[1]), "set"):
		var out []int
		for i := 2; i+1 < len(args); i += 2 {
			if p := s.node.Config.Lookup(string(args[i])); p != nil && p.Flags&engine.ParamSensitive != 0 {
				out = append(out, i+1)
			}
		}
		return out
	}
	return nil
}

func isRedacted(pos []int, i int) bool {
	for _, p := range pos {
		if p == i {
			return true
		}
	}
	return false
}

// TIME

// cmdTime answers the node clock's time (the command's time, as Valkey's
// cached server time), so that it agrees with expiry under a test clock.
func cmdTime(c *engine.Ctx) {
	now := c.Now()
	c.R.Array(2)
	var buf [20]byte
	c.R.Bulk(strconv.AppendInt(buf[:0], now.Unix(), 10))
	c.R.Bulk(strconv.AppendInt(buf[:0], int64(now.Nanosecond()/1000), 10))
}

// replyHelp writes a subcommand help reply as Valkey's addReplyHelp does;
// name is the container command as the client typed it.
func replyHelp(c *engine.Ctx, name string, lines ...string) {
	c.R.Array(len(lines) + 3)
	c.R.Simple(strings.ToUpper(name) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.R.Simple(l)
	}
	c.R.Simple("HELP")
	c.R.Simple("    Print this help.")
}

// subcommandSyntaxError is Valkey's addReplySubcommandSyntaxError.
func subcommandSyntaxError(c *engine.Ctx) { c.Error(engine.ErrSubcommandSyntax(c.Args)) }

// sanitize replaces CR and LF, which must not appear in an error or status.
func sanitize(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", " ", "\n", " ").Replace(s)
}

// parseLongLong parses b as Valkey's string2ll does.
func parseLongLong(b []byte) (int64, bool) {
	if !isStrictInt(b) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

// DEBUG

func (s *Server) cmdDebug(c *engine.Ctx) {
	sess := sessionOf(c)
	if !sess.allowProtected(s.x.enableDebug) {
		c.Error("ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.")
		return
	}
	args := c.Args
	sub := string(args[1])
	switch {
	case len(args) == 2 && strings.EqualFold(sub, "help"):
		replyHelp(c, string(args[0]),
			"ERROR <string>",
			"    Return a Redis style error with <string> as message. Useful for clients",
			"    unit tests to simulate Redis errors.",
			"LOG <message>",
			"    Write <message> to the server log.",
			"RELOAD [MERGE] [NOFLUSH] [NOSAVE]",
			"    Save the RDB on disk and reload it back to memory. Use MERGE to",
			"    merge the keys of the snapshot with the existing ones, NOFLUSH to",
			"    keep the existing keys, NOSAVE to load the last snapshot without",
			"    saving first.",
			"SLEEP <seconds>",
			"    Stop the server for <seconds>. Decimals allowed.",
		)
	case len(args) == 3 && strings.EqualFold(sub, "sleep"):
		secs := strtod(string(args[2]))
		d := time.Duration(secs*1e6) * time.Microsecond
		if secs*1e6 > float64(math.MaxInt64/int64(time.Microsecond)) {
			d = math.MaxInt64
		}
		if d > 0 {
			// Valkey's whole server sleeps; here the caller's namespace
			// does.
			ns := c.NS()
			ns.Lock()
			defer ns.Unlock()
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-s.x.stop:
				t.Stop()
			}
		}
		c.OK()
	case len(args) == 3 && strings.EqualFold(sub, "error"):
		msg := strings.NewReplacer("\r", " ", "\n", " ").Replace(string(args[2]))
		// Written raw, as Valkey does: not counted as an error reply.
		sess.w.Raw([]byte("-" + msg + "\r\n"))
	case strings.EqualFold(sub, "reload"):
		s.debugReload(c)
	case len(args) == 3 && strings.EqualFold(sub, "log"):
		s.log.Warn("DEBUG LOG: " + string(args[2]))
		c.OK()
	default:
		subcommandSyntaxError(c)
	}
}

// strtod parses the longest prefix of s that is a decimal number, as C's
// strtod does for DEBUG SLEEP (garbage reads as 0).
func strtod(s string) float64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	best := 0.0
	for i := 1; i <= len(s) && i <= 64; i++ {
		if f, err := strconv.ParseFloat(s[:i], 64); err == nil || isRangeErr(err) {
			best = f
		}
	}
	return best
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// SHUTDOWN

// ShutdownFlags are the options of the SHUTDOWN that stopped the node.
type ShutdownFlags uint32

// SHUTDOWN options.
const (
	ShutdownNoSave ShutdownFlags = 1 << iota
	ShutdownSave
	ShutdownNow
	ShutdownForce
)

// ShutdownRequest returns the options of the SHUTDOWN command that closed
// Done (zero if none): persistence decides from them whether to save.
func (s *Server) ShutdownRequest() ShutdownFlags { return ShutdownFlags(s.x.shutdown.Load()) }

func (s *Server) cmdShutdown(c *engine.Ctx) {
	var flags ShutdownFlags
	abort := false
	for _, a := range c.Args[1:] {
		switch {
		case strings.EqualFold(string(a), "nosave"):
			flags |= ShutdownNoSave
		case strings.EqualFold(string(a), "save"):
			flags |= ShutdownSave
		case strings.EqualFold(string(a), "now"):
			flags |= ShutdownNow
		case strings.EqualFold(string(a), "force"):
			flags |= ShutdownForce
		case strings.EqualFold(string(a), "abort"):
			abort = true
		default:
			c.Error(engine.ErrSyntax)
			return
		}
	}
	if (abort && flags != 0) || (flags&ShutdownNoSave != 0 && flags&ShutdownSave != 0) {
		c.Error(engine.ErrSyntax)
		return
	}
	if abort {
		// A shutdown here is immediate: there is never one in progress.
		c.Error("ERR No shutdown in progress.")
		return
	}
	s.log.Warn("user requested shutdown", "addr", sessionOf(c).addr)
	if p := s.persistence(); p != nil && flags&ShutdownNoSave == 0 {
		if err := p.ShutdownSave(flags&ShutdownSave != 0); err != nil && flags&ShutdownForce == 0 {
			s.log.Warn("error trying to save the DB, can't exit", "err", err)
			c.Error("ERR Errors trying to SHUTDOWN. Check logs.")
			return
		}
	}
	s.x.shutdown.Store(uint32(flags))
	s.requestShutdown()
	// As in Valkey the client gets no reply: the connection closes as the
	// node stops.
	sessionOf(c).closeAfterReply = true
}

// WAIT: flect has no replicas, so WAIT 0 returns at once and WAIT n>0
// returns 0 when its timeout expires (a timeout of 0 waits until the node
// stops, as Valkey waits for replicas that never come).

func (s *Server) cmdWait(c *engine.Ctx) {
	n, ok := parseLongLong(c.Args[1])
	if !ok {
		c.Error(engine.ErrNotInt)
		return
	}
	deadline, ok := parseTimeoutMs(c, c.Args[2])
	if !ok {
		return
	}
	// With no replicas no write is ever acknowledged. Inside MULTI or a
	// script (NoBlock) WAIT answers at once, as Valkey's does for a
	// client that may not block.
	if n <= 0 || c.NoBlock {
		c.R.Int(0)
		return
	}
	sess := sessionOf(c)
	sess.setBlocked(true)
	defer sess.setBlocked(false)
	var timeout <-chan time.Time
	if deadline > 0 {
		t := time.NewTimer(time.Until(time.UnixMilli(deadline)))
		defer t.Stop()
		timeout = t.C
	}
	select {
	case <-timeout:
	case <-s.x.stop:
	case <-sess.x.dead:
		// Killed while waiting: Valkey frees the client without a reply.
		sess.closeAfterReply = true
		return
	}
	c.R.Int(0)
}

// parseTimeoutMs parses a millisecond timeout as Valkey's
// getTimeoutFromObjectOrReply does and returns the absolute deadline in
// unix ms (0 for no timeout), or writes the error.
func parseTimeoutMs(c *engine.Ctx, arg []byte) (int64, bool) {
	t, ok := parseLongLong(arg)
	if !ok {
		c.Error("ERR timeout is not an integer or out of range")
		return 0, false
	}
	if t < 0 {
		c.Error(engine.ErrTimeoutNegative)
		return 0, false
	}
	if t == 0 {
		return 0, true
	}
	now := c.NowMs()
	if t > math.MaxInt64-now {
		c.Error("ERR timeout is out of range")
		return 0, false
	}
	return now + t, true
}

func (s *session) setBlocked(b bool) {
	if b {
		s.publish()
		s.x.flags.Or(flagBlocked)
		s.srv.x.blocked.Add(1)
	} else {
		s.x.flags.And(^flagBlocked)
		s.srv.x.blocked.Add(-1)
	}
}

// RESET

func (s *Server) cmdReset(c *engine.Ctx) {
	sess := sessionOf(c)
	sess.reset()
	c.R.Simple("RESET")
}

// reset returns the connection to the state of a new one, as Valkey's
// clearClientConnectionState does; the library name and version stay.
func (s *session) reset() {
	if s.x.mon != nil {
		s.srv.x.mon.remove(s)
	}
	s.pubsubReset()
	s.trackingOff()
	s.endMulti()
	s.cl.DB = 0
	s.info.db.Store(0)
	s.w.SetProto(2)
	s.info.proto.Store(2)
	s.srv.settings.mu.RLock()
	needAuth := s.srv.settings.requirePass != ""
	s.srv.settings.mu.RUnlock()
	// A store's client stays its store's: dropping it into the default
	// namespace would send its next writes to the wrong keyspace
	// (tenancy.go).
	if needAuth && s.kv.store == nil {
		s.authed = false
		s.rd.Authenticated = false
	}
	s.info.name.Store(nil)
	s.x.reply = replyOn
	s.cl.NoTouch = false
	s.cl.NoEvict = false
	s.x.flags.And(^(flagNoTouch | flagNoEvict))
}

// FUNCTION: the function registry is empty until scripting lands, so
// FLUSH has nothing to free and LIST nothing to list.

func (s *Server) cmdFunctionFlush(c *engine.Ctx) {
	if len(c.Args) > 3 {
		subcommandSyntaxError(c)
		return
	}
	if len(c.Args) == 3 && !strings.EqualFold(string(c.Args[2]), "sync") && !strings.EqualFold(string(c.Args[2]), "async") {
		c.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option")
		return
	}
	c.Dirty(1)
	c.OK()
}

func cmdFunctionList(c *engine.Ctx) {
	withCode, haveName := false, false
	for i := 2; i < len(c.Args); i++ {
		a := string(c.Args[i])
		if !withCode && strings.EqualFold(a, "withcode") {
			withCode = true
			continue
		}
		if !haveName && strings.EqualFold(a, "libraryname") {
			if i >= len(c.Args)-1 {
				c.Error("ERR library name argument was not given")
				return
			}
			haveName = true
			i++
			continue
		}
		c.Error(sanitize("ERR Unknown argument " + a))
		return
	}
	c.R.Array(0)
}

// kill disconnects the session from another goroutine (CLIENT KILL, a
// monitor over its output limit): its connection closes and any wait it
// is in ends.
func (s *session) kill() {
	// Close the socket first: a command woken by dead must find it
	// closed, so that nothing more reaches the killed client.
	s.nc.Close()
	s.x.killOnce.Do(func() { close(s.x.dead) })
}

// sessionClosed cleans up after a session ends; the server's unregister
// calls it.
func (s *Server) sessionClosed(sess *session) {
	s.kvSessionClosed(sess) // tenancy.go
	s.x.mon.remove(sess)
	sess.endMulti()
}
