package resp

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/flect-kv/flect/engine"
)

// INFO [section ...]: Valkey's sections, fields and field order
// (server.c genValkeyInfoString). Figures flect has no counterpart for
// (forks, AOF, replication offsets, I/O threads) are printed as an idle
// Valkey without them prints them.

func (s *Server) infoCommands() []*engine.Command {
	return []*engine.Command{
		// SelfLocking: the keyspace section reads the namespace's
		// databases under the namespace's shared lock.
		{Name: "info", Arity: -1, Flags: engine.Loading | engine.Stale | engine.SelfLocking, Group: "server", Run: s.cmdInfo},
	}
}

// defaultInfoSections are the sections of INFO and INFO default.
var defaultInfoSections = []string{"server", "clients", "memory", "persistence", "stats",
	"replication", "cpu", "module_list", "errorstats", "cluster", "keyspace"}

func (s *Server) cmdInfo(c *engine.Ctx) {
	sections := map[string]bool{}
	all := false
	if len(c.Args) == 1 {
		for _, n := range defaultInfoSections {
			sections[n] = true
		}
	}
	for _, a := range c.Args[1:] {
		name := strings.ToLower(string(a))
		switch name {
		case "default":
			for _, n := range defaultInfoSections {
				sections[n] = true
			}
		case "all", "everything":
			all = true
		default:
			sections[name] = true
		}
	}
	c.R.Verbatim("txt", s.infoString(c, sections, all))
}

// infoString builds the INFO text for the sections asked for.
func (s *Server) infoString(c *engine.Ctx, sections map[string]bool, all bool) string {
	var b bytes.Buffer
	n := 0
	section := func(names ...string) bool {
		want := all
		for _, name := range names {
			want = want || sections[name]
		}
		if want {
			if n > 0 {
				b.WriteString("\r\n")
			}
			n++
		}
		return want
	}
	now := time.Now()
	if section("server") {
		s.infoServer(&b, now)
	}
	if section("clients") {
		s.infoClients(&b, c.Client.NS)
	}
	if section("memory") {
		s.infoMemory(&b, c.Client.NS) // memory.go
	}
	if section("persistence") {
		s.infoPersistence(&b)
	}
	if section("stats") {
		s.infoStats(&b, c.Client.NS)
	}
	if section("replication") {
		s.infoReplication(&b)
	}
	if section("cpu") {
		infoCPU(&b)
	}
	if section("module_list", "modules") {
		b.WriteString("# Modules\r\n")
	}
	if section("commandstats") {
		s.infoCommandStats(&b, c.Client.NS)
	}
	if section("errorstats") {
		b.WriteString("# Errorstats\r\n")
		for _, e := range s.errorStatsOf(c.Client.NS).snapshot() { // tenancy.go
			fmt.Fprintf(&b, "errorstat_%s:count=%d\r\n", safeInfoString(e.prefix), e.count)
		}
	}
	if section("latencystats") {
		s.infoLatencyStats(&b, c.Client.NS)
	}
	if section("cluster") {
		b.WriteString("# Cluster\r\ncluster_enabled:0\r\n")
	}
	if section("keyspace") {
		b.WriteString("# Keyspace\r\n")
		ns := c.Client.NS
		for i := 0; i < ns.DBCount(); i++ {
			db := ns.DB(i)
			keys, vkeys := db.Len(), db.Volatile()
			if keys != 0 || vkeys != 0 {
				fmt.Fprintf(&b, "db%d:keys=%d,expires=%d,avg_ttl=%d\r\n", i, keys, vkeys, db.AvgTTL(c.NowMs()))
			}
		}
	}
	// Debug only when asked for by name: "all" and "everything" leave it
	// out.
	if sections["debug"] {
		if n > 0 {
			b.WriteString("\r\n")
		}
		s.infoDebug(&b)
	}
	return b.String()
}

// field writes "name:value\r\n".
func field(b *bytes.Buffer, name string, v any) {
	b.WriteString(name)
	b.WriteByte(':')
	switch v := v.(type) {
	case string:
		b.WriteString(v)
	case int:
		b.WriteString(strconv.Itoa(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case uint64:
		b.WriteString(strconv.FormatUint(v, 10))
	case bool:
		if v {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	default:
		fmt.Fprint(b, v)
	}
	b.WriteString("\r\n")
}

// safeInfoString replaces the characters INFO's format reserves.
func safeInfoString(s string) string {
	if !strings.ContainsAny(s, "#:\r\n") {
		return s
	}
	return strings.NewReplacer("#", "_", ":", "_", "\r", "_", "\n", "_").Replace(s)
}

var (
	unameOnce               sync.Once
	unameText, buildIDText  string
	totalSystemMemoryMemory uint64
)

// hostInfo caches what INFO reports about the host: it never changes.
func hostInfo() (uname, buildID string, totalMem uint64) {
	unameOnce.Do(func() {
		release := "unknown"
		if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
			release = strings.TrimSpace(string(b))
		}
		sys := strings.ToUpper(runtime.GOOS[:1]) + runtime.GOOS[1:]
		machine := runtime.GOARCH
		switch machine {
		case "amd64":
			machine = "x86_64"
		case "arm64":
			if runtime.GOOS == "linux" {
				machine = "aarch64"
			}
		case "386":
			machine = "i686"
		}
		unameText = sys + " " + release + " " + machine
		h := fnv.New64a()
		h.Write([]byte(engine.ValkeyVersion))
		if bi, ok := debug.ReadBuildInfo(); ok {
			h.Write([]byte(bi.String()))
		}
		buildIDText = strconv.FormatUint(h.Sum64(), 16)
		if b, err := os.ReadFile("/proc/meminfo"); err == nil {
			for _, line := range strings.Split(string(b), "\n") {
				if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
					kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
					totalSystemMemoryMemory = kb * 1024
				}
			}
		}
	})
	return unameText, buildIDText, totalSystemMemoryMemory
}

func (s *Server) infoServer(b *bytes.Buffer, now time.Time) {
	uname, buildID, _ := hostInfo()
	uptime := now.Unix() - s.startTime.Unix()
	field(b, "# Server\r\nredis_version", engine.RedisVersion)
	field(b, "server_name", engine.ServerName)
	field(b, "valkey_version", engine.ValkeyVersion)
	field(b, "redis_git_sha1", "00000000")
	field(b, "redis_git_dirty", 0)
	field(b, "redis_build_id", buildID)
	// Valkey 8 names this field server_mode, or redis_mode when
	// extended-redis-compatibility is on (never both: its test suite checks).
	if s.x.redisCompat.Load() {
		field(b, "redis_mode", "standalone")
	} else {
		field(b, "server_mode", "standalone")
	}
	field(b, "os", uname)
	field(b, "arch_bits", strconv.Itoa(32<<(^uint(0)>>63)))
	field(b, "monotonic_clock", "POSIX clock_gettime")
	field(b, "multiplexing_api", "epoll")
	field(b, "gcc_version", "0.0.0")
	field(b, "process_id", os.Getpid())
	field(b, "process_supervised", "no")
	field(b, "run_id", s.x.runID)
	s.settings.mu.RLock()
	port, bind := s.settings.port, s.settings.bind
	s.settings.mu.RUnlock()
	field(b, "tcp_port", port)
	field(b, "server_time_usec", now.UnixMicro())
	field(b, "uptime_in_seconds", uptime)
	field(b, "uptime_in_days", uptime/(3600*24))
	field(b, "hz", s.node.Hz())
	field(b, "configured_hz", s.node.ConfiguredHz())
	field(b, "lru_clock", uint64(now.Unix())&(1<<24-1))
	exe, _ := os.Executable()
	field(b, "executable", exe)
	field(b, "config_file", "")
	field(b, "io_threads_active", 0)
	field(b, "availability_zone", *s.x.availabilityZone.Load())
	fmt.Fprintf(b, "listener0:name=tcp,bind=%s,port=%d\r\n", strings.ReplaceAll(bind, " ", ",bind="), port)
}

func (s *Server) infoClients(b *bytes.Buffer, ns *engine.Namespace) {
	s.settings.mu.RLock()
	maxc := s.settings.maxClients
	s.settings.mu.RUnlock()
	connected, blocked, pubsubClients := s.clientCounts(ns) // tenancy.go: a store's own
	field(b, "# Clients\r\nconnected_clients", connected)
	field(b, "cluster_connections", 0)
	field(b, "maxclients", maxc)
	field(b, "client_recent_max_input_buffer", 0)
	field(b, "client_recent_max_output_buffer", 0)
	field(b, "blocked_clients", blocked)
	field(b, "tracking_clients", s.trackingStats(ns).Clients)
	field(b, "pubsub_clients", pubsubClients)
	watchedKeys, watching := ns.WatchedKeys()
	blockingKeys, onNoKey := ns.BlockingKeys()
	field(b, "watching_clients", watching)
	field(b, "clients_in_timeout_table", ns.BlockedWithTimeout())
	field(b, "total_watched_keys", watchedKeys)
	field(b, "total_blocking_keys", blockingKeys)
	field(b, "total_blocking_keys_on_nokey", onNoKey)
}

// memStats are the memory figures INFO and the peak tracking use, read
// from runtime/metrics (which does not stop the world) and cached briefly.
type memStats struct {
	at                            time.Time
	used, heapInuse, total, freed uint64
	rss                           uint64
}

// memSampler caches memStats for memCacheFor.
type memSampler struct {
	mu      sync.Mutex
	last    memStats
	peak    atomic.Uint64
	startup atomic.Uint64
}

const memCacheFor = 100 * time.Millisecond

var memMetrics = []string{
	"/memory/classes/heap/objects:bytes",
	"/memory/classes/heap/unused:bytes",
	"/memory/classes/total:bytes",
	"/memory/classes/heap/released:bytes",
}

func (m *memSampler) read() memStats {
	m.mu.Lock()
	defer m.mu.Unlock()
	if time.Since(m.last.at) < memCacheFor {
		return m.last
	}
	samples := make([]metrics.Sample, len(memMetrics))
	for i, name := range memMetrics {
		samples[i].Name = name
	}
	metrics.Read(samples)
	v := func(i int) uint64 {
		if samples[i].Value.Kind() == metrics.KindUint64 {
			return samples[i].Value.Uint64()
		}
		return 0
	}
	st := memStats{at: time.Now(), used: v(0), heapInuse: v(0) + v(1), total: v(2), freed: v(3)}
	st.rss = processRSS()
	if st.rss == 0 {
		st.rss = st.total - st.freed
	}
	m.last = st
	for {
		p := m.peak.Load()
		if st.used <= p || m.peak.CompareAndSwap(p, st.used) {
			break
		}
	}
	return st
}

// processRSS returns the resident set size from /proc, or 0.
func processRSS() uint64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseUint(f[1], 10, 64)
	return pages * uint64(os.Getpagesize())
}

// bytesToHuman formats n as Valkey's bytesToHuman does.
func bytesToHuman(n uint64) string {
	const k = 1024.0
	d := float64(n)
	switch {
	case n < 1024:
		return strconv.FormatUint(n, 10) + "B"
	case d < k*k:
		return fmt.Sprintf("%.2fK", d/k)
	case d < k*k*k:
		return fmt.Sprintf("%.2fM", d/(k*k))
	case d < k*k*k*k:
		return fmt.Sprintf("%.2fG", d/(k*k*k))
	case d < k*k*k*k*k:
		return fmt.Sprintf("%.2fT", d/(k*k*k*k))
	case d < k*k*k*k*k*k:
		return fmt.Sprintf("%.2fP", d/(k*k*k*k*k))
	}
	return strconv.FormatUint(n, 10) + "B"
}

// dirty returns the changes since the node started over every namespace.
func (s *Server) dirty() int64 { return s.node.Dirty() }

func (s *Server) infoStats(b *bytes.Buffer, of *engine.Namespace) {
	var expired, expiredFields, hits, misses, evicted int64
	var exceeded, exceededNow time.Duration
	for _, ns := range s.statsNamespaces(of) { // tenancy.go: a store sees its own
		evicted += ns.EvictedKeys()
		tot, cur := ns.EvictionExceeded()
		exceeded, exceededNow = exceeded+tot, max(exceededNow, cur)
		expired += ns.Stats.ExpiredKeys.Load()
		expiredFields += ns.Stats.ExpiredFields.Load()
		hits += ns.Stats.KeyspaceHits.Load()
		misses += ns.Stats.KeyspaceMisses.Load()
	}
	ops, in, out := s.x.inst.rates(s)
	st := &s.Stats
	v := s.storeStatsView(of, statsView{conns: st.ConnectionsReceived.Load(), netIn: st.NetInputBytes.Load(),
		netOut: st.NetOutputBytes.Load(), ops: ops, inRate: in, outRate: out}) // tenancy_stats.go: a store's own
	field(b, "# Stats\r\ntotal_connections_received", v.conns)
	field(b, "total_commands_processed", s.commandsProcessed(of))
	field(b, "instantaneous_ops_per_sec", int64(v.ops))
	field(b, "total_net_input_bytes", v.netIn)
	field(b, "total_net_output_bytes", v.netOut)
	field(b, "total_net_repl_input_bytes", 0)
	field(b, "total_net_repl_output_bytes", 0)
	fmt.Fprintf(b, "instantaneous_input_kbps:%.2f\r\n", float32(v.inRate)/1024)
	fmt.Fprintf(b, "instantaneous_output_kbps:%.2f\r\n", float32(v.outRate)/1024)
	field(b, "instantaneous_input_repl_kbps", "0.00")
	field(b, "instantaneous_output_repl_kbps", "0.00")
	field(b, "rejected_connections", st.RejectedConnections.Load())
	field(b, "sync_full", 0)
	field(b, "sync_partial_ok", 0)
	field(b, "sync_partial_err", 0)
	field(b, "expired_keys", expired)
	field(b, "expired_fields", expiredFields) // Valkey 9, with hash-field expiry
	field(b, "expired_stale_perc", "0.00")
	field(b, "expired_time_cap_reached_count", 0)
	field(b, "expire_cycle_cpu_milliseconds", 0)
	field(b, "evicted_keys", evicted)
	field(b, "evicted_clients", 0)
	field(b, "evicted_scripts", s.scriptStatsOf(of).evicted) // scripting.go
	field(b, "total_eviction_exceeded_time", exceeded.Milliseconds())
	field(b, "current_eviction_exceeded_time", exceededNow.Milliseconds())
	field(b, "keyspace_hits", hits)
	field(b, "keyspace_misses", misses)
	ps := s.pubsubStatsOf(of)
	field(b, "pubsub_channels", ps.Channels)
	field(b, "pubsub_patterns", ps.Patterns)
	field(b, "pubsubshard_channels", ps.ShardChannels)
	field(b, "latest_fork_usec", 0)
	field(b, "total_forks", 0)
	field(b, "migrate_cached_sockets", 0)
	field(b, "slave_expires_tracked_keys", 0)
	field(b, "active_defrag_hits", 0)
	field(b, "active_defrag_misses", 0)
	field(b, "active_defrag_key_hits", 0)
	field(b, "active_defrag_key_misses", 0)
	field(b, "total_active_defrag_time", 0)
	field(b, "current_active_defrag_time", 0)
	trk := s.trackingStats(of)
	field(b, "tracking_total_keys", trk.Keys)
	field(b, "tracking_total_items", trk.Items)
	field(b, "tracking_total_prefixes", trk.Prefixes)
	field(b, "unexpected_error_replies", 0)
	field(b, "total_error_replies", s.errorStatsOf(of).total.Load())
	field(b, "dump_payload_sanitizations", 0)
	field(b, "total_reads_processed", s.x.reads.Load())
	field(b, "total_writes_processed", s.x.writes.Load())
	field(b, "io_threaded_reads_processed", 0)
	field(b, "io_threaded_writes_processed", 0)
	field(b, "io_threaded_freed_objects", 0)
	field(b, "io_threaded_poll_processed", 0)
	field(b, "io_threaded_total_prefetch_batches", 0)
	field(b, "io_threaded_total_prefetch_entries", 0)
	field(b, "client_query_buffer_limit_disconnections", s.x.queryLimitDisconnections.Load())
	field(b, "client_output_buffer_limit_disconnections", s.x.outputLimitDisconnections.Load())
	field(b, "reply_buffer_shrinks", 0)
	field(b, "reply_buffer_expands", 0)
	cycles, elUsec, cmdUsec := s.eventLoopTotals()
	cyclesPerSec, usecPerCycle := s.x.inst.eventLoopRates(s)
	field(b, "eventloop_cycles", cycles)
	field(b, "eventloop_duration_sum", elUsec)
	field(b, "eventloop_duration_cmd_sum", cmdUsec)
	field(b, "instantaneous_eventloop_cycles_per_sec", cyclesPerSec)
	field(b, "instantaneous_eventloop_duration_usec", usecPerCycle)
	// Failed authentications are the WRONGPASS errors.
	field(b, "acl_access_denied_auth", s.errorStatsOf(of).get("WRONGPASS"))
	field(b, "acl_access_denied_cmd", 0)
	field(b, "acl_access_denied_key", 0)
	field(b, "acl_access_denied_channel", 0)
}

func (s *Server) infoReplication(b *bytes.Buffer) {
	field(b, "# Replication\r\nrole", "master")
	field(b, "connected_slaves", 0)
	field(b, "replicas_waiting_psync", 0)
	field(b, "master_failover_state", "no-failover")
	field(b, "master_replid", s.x.replID)
	field(b, "master_replid2", "0000000000000000000000000000000000000000")
	field(b, "master_repl_offset", 0)
	field(b, "second_repl_offset", -1)
	field(b, "repl_backlog_active", 0)
	field(b, "repl_backlog_size", s.x.replBacklogSize.Load())
	field(b, "repl_backlog_first_byte_offset", 0)
	field(b, "repl_backlog_histlen", 0)
}

func infoCPU(b *bytes.Buffer) {
	var self, children syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children)
	tv := func(name string, t syscall.Timeval) {
		fmt.Fprintf(b, "%s:%d.%06d\r\n", name, int64(t.Sec), int64(t.Usec))
	}
	b.WriteString("# CPU\r\n")
	tv("used_cpu_sys", self.Stime)
	tv("used_cpu_user", self.Utime)
	tv("used_cpu_sys_children", children.Stime)
	tv("used_cpu_user_children", children.Utime)
	// flect runs commands on every core; the process figures stand for
	// Valkey's main thread.
	tv("used_cpu_sys_main_thread", self.Stime)
	tv("used_cpu_user_main_thread", self.Utime)
}

// infoCommandStats writes INFO commandstats for a client of ns: the node's
// counters, or a store's own for its clients.
func (s *Server) infoCommandStats(b *bytes.Buffer, ns *engine.Namespace) {
	b.WriteString("# Commandstats\r\n")
	var walk func(cmds []*engine.Command)
	walk = func(cmds []*engine.Command) {
		for _, c := range cmds {
			st := ns.CommandStats(c)
			calls, usec := st.Calls.Load(), st.Usec.Load()
			rejected, failed := st.RejectedCalls.Load(), st.FailedCalls.Load()
			if calls != 0 || rejected != 0 || failed != 0 {
				per := float32(0)
				if calls != 0 {
					per = float32(usec) / float32(calls)
				}
				fmt.Fprintf(b, "cmdstat_%s:calls=%d,usec=%d,usec_per_call=%.2f,rejected_calls=%d,failed_calls=%d\r\n",
					safeInfoString(c.FullName()), calls, usec, per, rejected, failed)
			}
			if len(c.Subcommands) > 0 {
				subs := append([]*engine.Command(nil), c.Subcommands...)
				sort.Slice(subs, func(i, j int) bool { return subs[i].Name < subs[j].Name })
				walk(subs)
			}
		}
	}
	walk(s.node.Table().All())
}

// instMetrics samples the counters behind INFO's instantaneous_* figures
// every 100ms and averages the last 16 samples, as Valkey does.
type instMetrics struct {
	once sync.Once
	mu   sync.Mutex
	// per second: commands, input bytes, output bytes, event loop
	// cycles; then the event loop's microseconds per cycle
	samples [16][5]float64
	n       int
}

const instSamples = 16

func (m *instMetrics) start(s *Server) {
	go func() {
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		last := time.Now()
		read := func() [5]int64 {
			cycles, usec, _ := s.eventLoopTotals()
			return [5]int64{s.Stats.CommandsProcessed.Load(), s.Stats.NetInputBytes.Load(), s.Stats.NetOutputBytes.Load(), cycles, usec}
		}
		prev := read()
		for {
			select {
			case <-s.x.stop:
				return
			case now := <-t.C:
				begin := time.Now()
				cur := read()
				dt := now.Sub(last).Seconds()
				var d [5]int64
				for i := range cur {
					d[i] = max(cur[i]-prev[i], 0) // negative after CONFIG RESETSTAT
				}
				m.mu.Lock()
				smp := &m.samples[m.n%instSamples]
				for i := 0; i < 4; i++ {
					smp[i] = float64(d[i]) / dt
				}
				smp[4] = 0
				if d[3] > 0 {
					smp[4] = float64(d[4] / d[3])
				}
				m.n++
				m.mu.Unlock()
				prev, last = cur, now
				// The sampler is flect's cron: each tick is an event loop
				// cycle of its own.
				s.x.el.cronTick(begin)
			}
		}
	}()
}

// rates returns the averaged per-second commands, input and output bytes;
// the sampler starts on first use.
func (m *instMetrics) rates(s *Server) (ops, in, out float64) {
	sum := m.sums(s)
	return sum[0] / instSamples, sum[1] / instSamples, sum[2] / instSamples
}

// eventLoopRates returns instantaneous_eventloop_cycles_per_sec and
// instantaneous_eventloop_duration_usec: means of integer samples, as
// Valkey's getInstantaneousMetric.
func (m *instMetrics) eventLoopRates(s *Server) (cycles, usec int64) {
	m.once.Do(func() { m.start(s) })
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, smp := range m.samples {
		cycles += int64(smp[3])
		usec += int64(smp[4])
	}
	return cycles / instSamples, usec / instSamples
}

func (m *instMetrics) sums(s *Server) [5]float64 {
	m.once.Do(func() { m.start(s) })
	m.mu.Lock()
	defer m.mu.Unlock()
	var sum [5]float64
	for _, smp := range m.samples {
		for i := range sum {
			sum[i] += smp[i]
		}
	}
	return sum
}
