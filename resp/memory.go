package resp

import (
	"bytes"
	"fmt"
	"math"
	"runtime/debug"
	"runtime/metrics"
	"strings"

	"github.com/flect-kv/flect/engine"
)

// Memory: the MEMORY command (USAGE STATS DOCTOR PURGE MALLOC-STATS
// HELP), INFO's memory section, and the maxmemory gate the dispatcher
// runs before commands (Valkey's performEvictions call in
// processCommand). The figures come from the engine's memory accounting:
// used_memory is the node's startup memory, every namespace's keyspace and
// the connections' buffers. A store sees its own figures: its keys, its
// quota and its policy.

// errOOM is Valkey's shared.oomerr.
const errOOM = "OOM command not allowed when used memory > 'maxmemory'."

// memoryCommand is the MEMORY container.
func (s *Server) memoryCommand() *engine.Command {
	return &engine.Command{Name: "memory", Arity: -2, Group: "server", Subcommands: []*engine.Command{
		{Name: "doctor", Arity: 2, Flags: engine.NoKeyspace, Run: s.cmdMemoryDoctor},
		{Name: "help", Arity: 2, Flags: engine.Loading | engine.Stale | engine.NoKeyspace, Run: cmdMemoryHelp},
		{Name: "malloc-stats", Arity: 2, Flags: engine.NoKeyspace, Run: cmdMemoryMallocStats},
		{Name: "purge", Arity: 2, Flags: engine.NoKeyspace, Run: cmdMemoryPurge},
		{Name: "stats", Arity: 2, Flags: engine.NoKeyspace, Run: s.cmdMemoryStats},
		{Name: "usage", Arity: -3, Flags: engine.ReadOnly, First: 2, Last: 2, Step: 1, Run: cmdMemoryUsage},
	}}
}

// initMemory records the node's startup memory (the live heap as the
// last collection measured it, less any keys already loaded) and tells
// the engine how to count the connections' memory.
func (s *Server) initMemory() {
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(live)
	var used int64
	if live[0].Value.Kind() == metrics.KindUint64 {
		used = int64(live[0].Value.Uint64())
	}
	if used == 0 {
		used = int64(s.x.mem.read().used)
	}
	s.node.SetStartupMemory(max(0, used-s.node.KeyspaceMemory()))
	s.node.SetMemoryOverhead(s.clientsMemory)
}

// clientsMemory is the memory of the connections: each one's fixed state
// and its query buffer as last published.
func (s *Server) clientsMemory() int64 {
	var n int64
	for _, sess := range s.sessionList() {
		n += sessionOverhead + sess.x.qbuf.Load() + sess.x.qbufFree.Load()
	}
	return n
}

// oomRefusal runs the maxmemory gate before cmd: eviction for the
// client's namespace when it or the node has a limit, and the OOM
// refusal of a command flagged denyoom (EXEC counts as one when a queued
// command is) when nothing could be freed. It reports whether the command
// was refused (and replied to).
func (s *session) oomRefusal(cmd *engine.Command) bool {
	ns := s.cl.NS
	s.preOOM = false
	if !ns.MemoryLimited() {
		return false
	}
	s.preOOM = ns.PerformEvictions() == engine.EvictFail
	if !s.preOOM || !s.deniedOnOOM(cmd) {
		return false
	}
	s.cl.NS.CountRejected(cmd)
	s.reject(cmd, errOOM)
	return true
}

// deniedOnOOM reports whether cmd is refused when memory is exhausted:
// a denyoom command, or EXEC of a transaction queuing one.
func (s *session) deniedOnOOM(cmd *engine.Command) bool {
	if cmd.Has(engine.DenyOOM) {
		return true
	}
	if cmd.Parent() == nil && cmd.Name == "exec" && s.multi != nil {
		for _, q := range s.multi.queue {
			if q.cmd.Has(engine.DenyOOM) {
				return true
			}
		}
	}
	return false
}

// memOverview is the memory picture INFO and MEMORY report.
type memOverview struct {
	used, peak, startup, clients int64
	// gcReserve is the garbage collector's working room counted in used
	// (engine.Node.GCReserve).
	gcReserve int64
	maxmemory int64
	policy    string
	rss       int64
	// allocated, active and resident are the Go heap's objects, its
	// spans in use, and what the runtime holds from the OS.
	allocated, active, resident int64
	dbs                         []dbMemory
	keys, overhead              int64
	rehashing                   int64
	rehashingDicts              int
	store                       bool
}

type dbMemory struct {
	index int
	engine.DBMemoryStats
}

// memoryOf computes the overview for a client of ns: the node's figures
// for the default namespace, the store's own for a store.
func (s *Server) memoryOf(ns *engine.Namespace) memOverview {
	m := s.x.mem.read()
	o := memOverview{
		allocated: int64(m.used),
		active:    int64(m.heapInuse),
		resident:  int64(m.total - m.freed),
		rss:       int64(m.rss),
	}
	if ns == s.node.Default() {
		o.clients = s.node.MemoryOverhead() // refreshes what UsedMemory adds
		o.used = s.node.UsedMemory()
		o.peak = s.node.PeakMemory()
		o.startup = s.node.StartupMemory()
		o.maxmemory = int64(min(s.node.Maxmemory(), math.MaxInt64))
		o.policy = s.node.MaxmemoryPolicy()
		o.gcReserve = s.node.GCReserve()
	} else {
		o.store = true
		o.used = ns.MemoryUsed()
		o.peak = o.used
		o.maxmemory, o.policy = ns.Quota()
		// The process's figures are not a store's business.
		o.allocated, o.active, o.resident, o.rss = o.used, o.used, o.used, o.used
	}
	o.overhead = o.startup + o.clients + o.gcReserve
	for i := 0; i < ns.DBCount(); i++ {
		st := ns.DB(i).Namespace().DBMemory(i)
		if st.Keys == 0 {
			continue
		}
		o.dbs = append(o.dbs, dbMemory{i, st})
		o.keys += st.Keys
		o.overhead += st.Main + st.Expires
		o.rehashing += st.Rehashing
		o.rehashingDicts += st.RehashingDicts
	}
	return o
}

// dataset is the memory of the data proper: used less the overhead.
func (o *memOverview) dataset() int64 { return max(0, o.used-o.overhead) }

// datasetPerc is the dataset's share of the memory used beyond startup.
func (o *memOverview) datasetPerc() float64 {
	net := int64(1)
	if o.used > o.startup {
		net = o.used - o.startup
	}
	return float64(o.dataset()) * 100 / float64(net)
}

func fratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// infoMemory writes INFO's memory section for a client of ns.
func (s *Server) infoMemory(b *bytes.Buffer, ns *engine.Namespace) {
	o := s.memoryOf(ns)
	_, _, totalSys := hostInfo()
	u64 := func(v int64) uint64 { return uint64(max(v, 0)) }
	f := func(name string, v float64) { fmt.Fprintf(b, "%s:%.2f\r\n", name, v) }
	field(b, "# Memory\r\nused_memory", o.used)
	field(b, "used_memory_human", bytesToHuman(u64(o.used)))
	field(b, "used_memory_rss", o.rss)
	field(b, "used_memory_rss_human", bytesToHuman(u64(o.rss)))
	field(b, "used_memory_peak", o.peak)
	field(b, "used_memory_peak_human", bytesToHuman(u64(o.peak)))
	fmt.Fprintf(b, "used_memory_peak_perc:%.2f%%\r\n", fratio(o.used, o.peak)*100)
	field(b, "used_memory_overhead", o.overhead)
	field(b, "used_memory_startup", o.startup)
	field(b, "used_memory_dataset", o.dataset())
	fmt.Fprintf(b, "used_memory_dataset_perc:%.2f%%\r\n", o.datasetPerc())
	field(b, "allocator_allocated", o.allocated)
	field(b, "allocator_active", o.active)
	field(b, "allocator_resident", o.resident)
	field(b, "allocator_muzzy", 0)
	field(b, "total_system_memory", totalSys)
	field(b, "total_system_memory_human", bytesToHuman(totalSys))
	sc := s.scriptStatsOf(ns) // scripting.go
	field(b, "used_memory_lua", sc.lua)
	field(b, "used_memory_vm_eval", sc.lua)
	field(b, "used_memory_lua_human", bytesToHuman(u64(sc.lua)))
	field(b, "used_memory_scripts_eval", sc.mem)
	field(b, "number_of_cached_scripts", sc.n)
	field(b, "number_of_functions", 0)
	field(b, "number_of_libraries", 0)
	field(b, "used_memory_vm_functions", 0)
	field(b, "used_memory_vm_total", sc.lua)
	field(b, "used_memory_vm_total_human", bytesToHuman(u64(sc.lua)))
	field(b, "used_memory_functions", 0)
	field(b, "used_memory_scripts", sc.mem)
	field(b, "used_memory_scripts_human", bytesToHuman(u64(sc.mem)))
	field(b, "maxmemory", o.maxmemory)
	field(b, "maxmemory_human", bytesToHuman(u64(o.maxmemory)))
	field(b, "maxmemory_policy", o.policy)
	f("allocator_frag_ratio", fratio(o.active, o.allocated))
	field(b, "allocator_frag_bytes", max(0, o.active-o.allocated))
	f("allocator_rss_ratio", fratio(o.resident, o.active))
	field(b, "allocator_rss_bytes", o.resident-o.active)
	f("rss_overhead_ratio", fratio(o.rss, o.resident))
	field(b, "rss_overhead_bytes", o.rss-o.resident)
	f("mem_fragmentation_ratio", fratio(o.rss, o.used))
	field(b, "mem_fragmentation_bytes", o.rss-o.used)
	field(b, "mem_not_counted_for_evict", 0)
	field(b, "mem_replication_backlog", 0)
	field(b, "mem_total_replication_buffers", 0)
	field(b, "mem_clients_slaves", 0)
	field(b, "mem_clients_normal", o.clients)
	field(b, "mem_cluster_links", 0)
	field(b, "mem_aof_buffer", 0)
	field(b, "mem_allocator", "go")
	field(b, "mem_overhead_db_hashtable_rehashing", o.rehashing)
	field(b, "active_defrag_running", 0)
	field(b, "lazyfree_pending_objects", 0)
	field(b, "lazyfreed_objects", 0)
}

// cmdMemoryStats is MEMORY STATS: Valkey's fields, in its order.
func (s *Server) cmdMemoryStats(c *engine.Ctx) {
	o := s.memoryOf(c.Client.NS)
	c.R.Map(31 + len(o.dbs))
	kv := func(k string, v int64) {
		c.R.BulkString(k)
		c.R.Int(v)
	}
	kd := func(k string, v float64) {
		c.R.BulkString(k)
		c.R.Double(v)
	}
	kv("peak.allocated", o.peak)
	kv("total.allocated", o.used)
	kv("startup.allocated", o.startup)
	kv("replication.backlog", 0)
	kv("clients.slaves", 0)
	kv("clients.normal", o.clients)
	kv("cluster.links", 0)
	kv("aof.buffer", 0)
	kv("lua.caches", 0)
	kv("functions.caches", 0)
	for _, d := range o.dbs {
		c.R.BulkString(fmt.Sprintf("db.%d", d.index))
		c.R.Map(2)
		kv("overhead.hashtable.main", d.Main)
		kv("overhead.hashtable.expires", d.Expires)
	}
	kv("overhead.db.hashtable.lut", 0)
	kv("overhead.db.hashtable.rehashing", o.rehashing)
	kv("overhead.total", o.overhead)
	kv("db.dict.rehashing.count", int64(o.rehashingDicts))
	kv("keys.count", o.keys)
	var perKey int64
	if o.keys > 0 {
		perKey = o.dataset() / o.keys
	}
	kv("keys.bytes-per-key", perKey)
	kv("dataset.bytes", o.dataset())
	kd("dataset.percentage", o.datasetPerc())
	kd("peak.percentage", fratio(o.used*100, o.peak))
	kv("allocator.allocated", o.allocated)
	kv("allocator.active", o.active)
	kv("allocator.resident", o.resident)
	kv("allocator.muzzy", 0)
	kd("allocator-fragmentation.ratio", fratio(o.active, o.allocated))
	kv("allocator-fragmentation.bytes", max(0, o.active-o.allocated))
	kd("allocator-rss.ratio", fratio(o.resident, o.active))
	kv("allocator-rss.bytes", o.resident-o.active)
	kd("rss-overhead.ratio", fratio(o.rss, o.resident))
	kv("rss-overhead.bytes", o.rss-o.resident)
	kd("fragmentation", fratio(o.rss, o.used))
	kv("fragmentation.bytes", o.rss-o.used)
}

// cmdMemoryDoctor is MEMORY DOCTOR: Valkey's report, from the same checks.
func (s *Server) cmdMemoryDoctor(c *engine.Ctx) {
	c.R.Verbatim("txt", s.memoryDoctor(s.memoryOf(c.Client.NS)))
}

// memoryDoctor is Valkey's getMemoryDoctorReport.
func (s *Server) memoryDoctor(o memOverview) string {
	const mb = 1 << 20
	empty := o.used < 5*mb
	bigPeak := !empty && o.used > 0 && float64(o.peak)/float64(o.used) > 1.5
	frag := fratio(o.rss, o.used)
	highFrag := !empty && frag > 1.4 && o.rss-o.used > 10*mb
	allocFrag := fratio(o.active, o.allocated)
	highAllocFrag := !empty && allocFrag > 1.1 && o.active-o.allocated > 10*mb
	allocRSS := fratio(o.resident, o.active)
	highAllocRSS := !empty && allocRSS > 1.1 && o.resident-o.active > 10*mb
	procRSS := fratio(o.rss, o.resident)
	highProcRSS := !empty && procRSS > 1.1 && o.rss-o.resident > 10*mb
	bigClientBuf := false
	if n := int64(s.ConnectedClients()); !empty && n > 0 && !o.store {
		bigClientBuf = o.clients/n > 200*1024
	}
	reports := 0
	for _, r := range []bool{empty, bigPeak, highFrag, highAllocFrag, highAllocRSS, highProcRSS, bigClientBuf} {
		if r {
			reports++
		}
	}
	switch {
	case reports == 0:
		return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
	case empty:
		return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
	}
	var b strings.Builder
	b.WriteString("Sam, I detected a few issues in this Valkey instance memory implants:\n\n")
	if bigPeak {
		b.WriteString(" * Peak memory: In the past this instance used more than 150% the memory that is currently using. The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, however this is actually harmless and is only due to the memory peak, and if the Valkey instance Resident Set Size (RSS) is currently bigger than expected, the memory will be used as soon as you fill the Valkey instance with more data. If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, otherwise the only other option is to shutdown and restart the instance.\n\n")
	}
	if highFrag {
		fmt.Fprintf(&b, " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 (this means that the Resident Set Size of the Valkey process is much larger than the sum of the logical allocations Valkey performed). This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. Note: The currently used allocator is \"%s\".\n\n", "go")
	}
	if highAllocFrag {
		fmt.Fprintf(&b, " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n")
	}
	if highAllocRSS {
		fmt.Fprintf(&b, " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), you can try the MEMORY PURGE command to reclaim it.\n\n")
	}
	if highProcRSS {
		fmt.Fprintf(&b, " * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 (this means that the Resident Set Size of the Valkey process is much larger than the RSS the allocator holds). This problem may be due to Lua scripts or Modules.\n\n")
	}
	if bigClientBuf {
		b.WriteString(" * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, so that data piles on the Valkey instance output buffer, or clients sending commands with large replies or very large sequences of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems in your instance, or to understand better why certain clients are using a big amount of memory.\n\n")
	}
	b.WriteString("I'm here to keep you safe, Sam. I want to help you.\n")
	return b.String()
}

func cmdMemoryUsage(c *engine.Ctx) {
	for j := 3; j < len(c.Args); j++ {
		if strings.EqualFold(string(c.Args[j]), "samples") && j+1 < len(c.Args) {
			// The count is checked as Valkey checks it; flect's sizes are
			// exact whatever it is (engine.Ctx.MemoryUsage).
			n, ok := parseLongLong(c.Args[j+1])
			if !ok {
				c.Error(engine.ErrNotInt)
				return
			}
			if n < 0 {
				c.Error(engine.ErrSyntax)
				return
			}
			j++
			continue
		}
		c.Error(engine.ErrSyntax)
		return
	}
	n, ok := c.MemoryUsage(c.Args[2])
	if !ok {
		c.R.Null()
		return
	}
	c.R.Int(n)
}

// cmdMemoryPurge returns freed memory to the operating system.
func cmdMemoryPurge(c *engine.Ctx) {
	debug.FreeOSMemory()
	c.OK()
}

// cmdMemoryMallocStats reports the Go runtime's memory figures, as
// Valkey reports jemalloc's: every runtime/metrics memory class and the
// collector's settings and counters, one "name: value" line each.
func cmdMemoryMallocStats(c *engine.Ctx) {
	var samples []metrics.Sample
	for _, d := range metrics.All() {
		if (strings.HasPrefix(d.Name, "/memory/classes/") || strings.HasPrefix(d.Name, "/gc/")) && !d.Cumulative ||
			d.Name == "/gc/cycles/total:gc-cycles" {
			samples = append(samples, metrics.Sample{Name: d.Name})
		}
	}
	metrics.Read(samples)
	var b strings.Builder
	b.WriteString("Go runtime memory (runtime/metrics)\n")
	for _, s := range samples {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			fmt.Fprintf(&b, "%s: %d\n", s.Name, s.Value.Uint64())
		case metrics.KindFloat64:
			fmt.Fprintf(&b, "%s: %g\n", s.Name, s.Value.Float64())
		}
	}
	c.R.Verbatim("txt", b.String())
}

func cmdMemoryHelp(c *engine.Ctx) {
	replyHelp(c, "MEMORY",
		"DOCTOR",
		"    Return memory problems reports.",
		"MALLOC-STATS",
		"    Return internal statistics report from the memory allocator.",
		"PURGE",
		"    Attempt to purge dirty pages for reclamation by the allocator.",
		"STATS",
		"    Return information about the memory usage of the server.",
		"USAGE <key> [SAMPLES <count>]",
		"    Return memory in bytes used by <key> and its value. Nested values are",
		"    sampled up to <count> times (default: 5, 0 means sample all).",
	)
}
