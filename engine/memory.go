package engine

import (
	"errors"
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// Memory accounting. Every value knows its heap cost in O(1) (memSize,
// kept by running counters in the collection types, memory_size.go for
// the allocator's rules) and remembers the bytes last charged for it
// (acct). The keyspace charges each shard, its namespace and the node by
// deltas:
//
//   - a new key (DB.add) is charged its dict node, key and value;
//   - a removed key (dbData.removeEntry: DEL, expiry, eviction, overwrite
//     by RENAME ...) is credited what was charged for it;
//   - a value replaced whole (DB.set, setString, replaceValue) is
//     credited the old value's charge and charged the new one;
//   - a value changed in place by a write command (HSET on an existing
//     hash, APPEND ...) is reconciled by the dispatcher after the command
//     (afterWrite): one lookup per declared key, and a charge of the
//     difference between the value's size and its previous charge;
//   - TTL timers and the keyspace dicts' bucket arrays as they come and go.
//
// Per-database figures are the sums of the shards' (dbData), so SWAPDB
// swaps them and FLUSHDB drops them along with the data.

// errNegativeQuota is SetQuota's error for a negative quota.
var errNegativeQuota = errors.New("engine: negative memory quota")

// memValue is implemented by the collection types: memSize is the value's
// heap cost, computed in O(1) (O(groups) for a stream); memAcct is where
// the accounting keeps the bytes it charged for the value.
type memValue interface {
	memSize() int64
	memAcct() *int64
}

// memTrack is embedded in every collection type: its accounted charge and
// the running total of its elements' cost. A value built without keeping
// the total (a copy, a loaded value) is not counted: the first memSize
// counts its elements once.
//
// elems holds the total offset by elemsCounted while it is kept, and what
// grow added since recount (or since the value was built, from zero)
// while it is not, so that the zero value reads as not counted without a
// flag of its own (16 bytes, not 24).
type memTrack struct {
	acct  int64
	elems int64
}

// elemsCounted is the offset of a kept total in memTrack.elems. Totals
// and the sums grow adds while not counted stay far below half of it in
// magnitude (2 EiB), so elems at or above half of it means counted.
const elemsCounted = 1 << 62

func (m *memTrack) memAcct() *int64 { return &m.acct }

// grow adds n bytes to the running total.
func (m *memTrack) grow(n int64) { m.elems += n }

// recount makes the next memSize count the elements afresh (after a
// conversion between encodings, which is O(n) anyway).
func (m *memTrack) recount() { m.elems = 0 }

// counted reports whether the running total is kept; memSize counts the
// elements and calls setTotal when it is not.
func (m *memTrack) counted() bool { return m.elems >= elemsCounted/2 }

// setTotal sets the running total to n, counted.
func (m *memTrack) setTotal(n int64) { m.elems = elemsCounted + n }

// total returns the running total; the value is counted.
func (m *memTrack) total() int64 { return m.elems - elemsCounted }

// valueSize returns the heap cost of a stored value.
func valueSize(v any) int64 {
	switch v := v.(type) {
	case int64:
		return intMem(v)
	case *shortStr:
		return v.memSize()
	case *Str:
		return v.memSize()
	case memValue:
		return v.memSize()
	}
	return 0
}

// acctOf returns the bytes charged for a stored value.
func acctOf(v any) int64 {
	switch v := v.(type) {
	case int64:
		return intMem(v) // immutable: its size is its charge
	case *shortStr:
		return v.memSize() // its size never changes
	case *Str:
		return int64(v.acct)
	case memValue:
		return *v.memAcct()
	}
	return 0
}

// chargeValue records the current size of v as its charge and returns it.
func chargeValue(v any) int64 {
	n := valueSize(v)
	switch v := v.(type) {
	case *Str:
		// A string past 4 GiB (possible only with a raised
		// proto-max-bulk-len) is charged 4 GiB.
		v.acct = uint32(min(n, math.MaxUint32))
		n = int64(v.acct)
	case memValue:
		*v.memAcct() = n
	}
	return n
}

// charge adds delta bytes to shard s of d, its namespace and the node.
func (d *dbData) charge(s *shard, delta int64) {
	if delta == 0 {
		return
	}
	s.mem += delta
	d.ns.memAdd(delta)
}

// bucketsDelta returns the change in the cost of shard s's bucket arrays
// since it was last charged, and notes the new count.
func (s *shard) bucketsDelta() int64 {
	b := s.keys.Buckets()
	if b == s.buckets {
		return 0
	}
	delta := bucketsMem(b) - bucketsMem(s.buckets)
	s.buckets = b
	return delta
}

// stored charges a key just added to shard s of d.
func (d *dbData) stored(s *shard, e *Entry) {
	d.nkeys.Add(1)
	d.charge(s, keyMem(len(e.Key()))+chargeValue(e.Val.val())+s.bucketsDelta())
}

// unstored credits a key just deleted from shard s of d (its timer was
// credited when it was dropped).
func (d *dbData) unstored(s *shard, e *Entry) {
	d.nkeys.Add(-1)
	d.charge(s, s.bucketsDelta()-keyMem(len(e.Key()))-acctOf(e.Val.val()))
}

// timerCharge charges (n 1) or credits (n -1) a TTL timer.
func (d *dbData) timerCharge(s *shard, n int64) {
	d.nvol.Add(n)
	d.charge(s, n*timerMem)
}

// revalued charges the value of e, which replaced one charged old bytes.
func (d *dbData) revalued(s *shard, e *Entry, old int64) {
	d.charge(s, chargeValue(e.Val.val())-old)
}

// reconcile charges the change in size of e's value since its last
// charge.
func (d *dbData) reconcile(s *shard, e *Entry) {
	v := e.Val.val()
	if _, ok := v.(int64); ok {
		return
	}
	if old := acctOf(v); valueSize(v) != old {
		d.charge(s, chargeValue(v)-old)
	}
}

// dropped credits the namespace with everything d holds: FLUSHDB and
// FLUSHALL replace it. The caller holds the namespace exclusively.
func (d *dbData) dropped() { d.ns.memAdd(-d.memTotal()) }

// memTotal is the bytes d's keys cost. The caller holds the namespace
// exclusively.
func (d *dbData) memTotal() int64 {
	var n int64
	for i := range d.shards {
		n += d.shards[i].mem
	}
	return n
}

// replaceValue stores v as the value of the live entry e in place of its
// current one (INCR on an integer, a string made raw ...), keeping the
// accounting right.
func (c *Ctx) replaceValue(e *Entry, v any) {
	old := acctOf(e.Val.val())
	e.Val.setVal(v)
	c.DB.data.revalued(c.DB.shardFor(e.Key()), e, old)
}

// afterWrite reconciles the sizes of a write command's keys after it ran
// (see the file comment). The dispatcher calls it with the command's
// locks held.
func (c *Ctx) afterWrite() {
	cmd := c.Cmd
	// PFCOUNT, a read that may rewrite its HyperLogLogs' cached
	// cardinality in place, is flagged may_replicate.
	if cmd.Flags&(Write|MayReplicate) == 0 || !changesInPlace(cmd) {
		return
	}
	d := c.DB.data
	if cmd.Keys == nil && cmd.First > 0 && cmd.First == cmd.Last {
		if cmd.First < len(c.Args) {
			d.reconcileKey(bstr(c.Args[cmd.First]))
		}
		return
	}
	var buf [16]int
	for _, i := range cmd.KeyPositions(buf[:0], c.Args) {
		d.reconcileKey(bstr(c.Args[i]))
	}
}

// changesInPlace reports whether a write command may change a value in
// place, outside the accounted paths (DB.set, setString, add, removeEntry,
// replaceValue): the generic commands and the string commands other than
// APPEND and SETRANGE replace or delete values whole, and need no
// reconciling.
func changesInPlace(cmd *Command) bool {
	switch cmd.Group {
	case "generic":
		return false
	case "string":
		return cmd.Name == "append" || cmd.Name == "setrange"
	}
	return true
}

// reconcileKey reconciles key's value if it exists.
func (d *dbData) reconcileKey(k string) {
	s := d.shardFor(k)
	if e := s.keys.Find(k); e != nil {
		d.reconcile(s, e)
	}
}

// nsMemory is a namespace's share of the accounting, with its quota and
// eviction state (evict.go).
type nsMemory struct {
	// used is the bytes the namespace's keys cost.
	used atomic.Int64
	// pol is the eviction policy in force: the node's (maxmemory-policy)
	// for the default namespace and for stores without a policy of their
	// own, else own.
	pol atomic.Pointer[policyState]
	own policyState
	// quota is the store's maxmemory (0: none).
	quota atomic.Int64
	// evicted counts the keys evicted from the namespace.
	evicted atomic.Int64
	// overSince is when (Node.Mono) the namespace went over its limits
	// with eviction unable to keep up, 0 when it is not; overTotal the
	// time spent so (INFO's *_eviction_exceeded_time).
	overSince, overTotal atomic.Int64
	// ev is the eviction pool and its lock.
	ev evictor
}

func (m *nsMemory) init(n *Node) { m.pol.Store(&n.policy) }

// memAdd adds delta to the namespace's and the node's totals.
func (ns *Namespace) memAdd(delta int64) {
	ns.mem.used.Add(delta)
	ns.node.mem.used.Add(delta)
}

// MemoryUsed returns the bytes the namespace's keys and values cost, as
// memory accounting estimates them (what a store's quota is checked
// against).
func (ns *Namespace) MemoryUsed() int64 { return ns.mem.used.Load() }

// DBMemoryStats are one database's memory figures, for MEMORY STATS.
type DBMemoryStats struct {
	// Keys is the number of keys; Total what they cost with their values.
	Keys, Total int64
	// Main is the keyspace's own share: dict nodes and bucket arrays
	// (Valkey's overhead.hashtable.main); Expires the TTL timers
	// (overhead.hashtable.expires).
	Main, Expires int64
	// Rehashing is the bucket arrays being rehashed away, and
	// RehashingDicts how many of the shards' dicts are rehashing.
	Rehashing      int64
	RehashingDicts int
}

// DBMemory returns the memory figures of database i. The caller holds the
// namespace at least shared.
func (ns *Namespace) DBMemory(i int) DBMemoryStats {
	var st DBMemoryStats
	d := ns.dbs[i].data
	for j := range d.shards {
		s := &d.shards[j]
		s.mu.Lock()
		n := int64(s.keys.Len())
		st.Keys += n
		st.Total += s.mem
		b := s.keys.Buckets()
		st.Main += bucketsMem(b) + n*keyNodeSize
		st.Expires += int64(s.volatile) * timerMem
		if bits.OnesCount(uint(b)) > 1 {
			// Two tables: count the smaller one (the one being emptied
			// when the dict grows).
			st.RehashingDicts++
			st.Rehashing += bucketsMem(b) - bucketsMem(1<<(bits.Len(uint(b))-1))
		}
		s.mu.Unlock()
	}
	return st
}

// nodeMemory is the node's memory accounting.
type nodeMemory struct {
	// used is the bytes every namespace's keys cost.
	used atomic.Int64
	// overhead returns the front end's memory (client buffers ...),
	// added to used for maxmemory (SetMemoryOverhead); overheadVal is its
	// last result, refreshed by the eviction loop's ticks and by
	// MemoryOverhead, so that checking the limits costs no call.
	overhead    atomic.Pointer[func() int64]
	overheadVal atomic.Int64
	// startup is the heap in use when the node started, added to used
	// for maxmemory as Valkey counts its own startup allocation.
	startup atomic.Int64
	// peak is the highest UsedMemory seen.
	peak atomic.Int64
	// gcReserve is the share of the keyspace, in thousandths, counted in
	// UsedMemory for the garbage collector's working room while the
	// runtime's memory limit follows maxmemory (evict_bg.go).
	gcReserve atomic.Int64
	// ev is the background eviction state (evict_bg.go).
	bg evictLoop
}

// KeyspaceMemory returns the bytes every namespace's keys and values cost.
func (n *Node) KeyspaceMemory() int64 { return n.mem.used.Load() }

// SetMemoryOverhead sets the function that reports the memory the front
// end holds besides the keyspace (connections and their buffers). It is
// called a few times a second (see MemoryOverhead).
func (n *Node) SetMemoryOverhead(f func() int64) {
	n.mem.overhead.Store(&f)
	n.MemoryOverhead()
}

// SetStartupMemory records the node's fixed memory at start, counted in
// UsedMemory.
func (n *Node) SetStartupMemory(b int64) { n.mem.startup.Store(b) }

// StartupMemory returns what SetStartupMemory recorded.
func (n *Node) StartupMemory() int64 { return n.mem.startup.Load() }

// MemoryOverhead returns the front end's memory (SetMemoryOverhead), read
// afresh.
func (n *Node) MemoryOverhead() int64 {
	var v int64
	if f := n.mem.overhead.Load(); f != nil {
		v = (*f)()
	}
	n.mem.overheadVal.Store(v)
	return v
}

// UsedMemory is INFO's used_memory and what maxmemory limits: the startup
// memory, the keyspace and the front end's overhead (as last read). It
// also updates the peak.
func (n *Node) UsedMemory() int64 {
	u := n.mem.startup.Load() + n.mem.used.Load() + n.mem.overheadVal.Load() + n.GCReserve()
	for {
		p := n.mem.peak.Load()
		if u <= p || n.mem.peak.CompareAndSwap(p, u) {
			return u
		}
	}
}

// GCReserve returns the memory counted for the garbage collector's
// working room: a share of the keyspace while the Go runtime's memory
// limit follows maxmemory, so that the live heap stays far enough below
// the limit for the collector to run seldom, and the process's resident
// memory close to maxmemory.
func (n *Node) GCReserve() int64 {
	if r := n.mem.gcReserve.Load(); r != 0 {
		return n.mem.used.Load() * r / 1000
	}
	return 0
}

// PeakMemory returns the highest UsedMemory seen.
func (n *Node) PeakMemory() int64 { return max(n.mem.peak.Load(), n.UsedMemory()) }

// SetQuota sets a store's memory quota in bytes (0: none) and its
// eviction policy (a maxmemory-policy name; "" follows the node's
// maxmemory-policy). A store over its quota evicts its own keys by its own
// policy, or refuses denyoom commands under noeviction; the node's
// maxmemory still applies to all namespaces together.
func (ns *Namespace) SetQuota(maxmemory int64, policy string) error {
	if maxmemory < 0 {
		return errNegativeQuota
	}
	if policy == "" {
		ns.mem.pol.Store(&ns.node.policy)
	} else {
		if !ns.mem.own.set(policy) {
			return errUnknownPolicy
		}
		ns.mem.pol.Store(&ns.mem.own)
	}
	ns.mem.quota.Store(maxmemory)
	if ns.policy().evicts() && ns.OverLimit() {
		ns.node.kickEviction(ns)
	}
	return nil
}

// Quota returns the store's quota (0: none) and the name of the eviction
// policy in force in the namespace.
func (ns *Namespace) Quota() (maxmemory int64, policy string) {
	return ns.mem.quota.Load(), ns.policy().name()
}

// EvictedKeys returns how many keys were evicted from the namespace.
func (ns *Namespace) EvictedKeys() int64 { return ns.mem.evicted.Load() }

// EvictionExceeded returns the total time the namespace spent over its
// limits with eviction running or failing, and how long the current such
// stretch has lasted (0 if none), as INFO's total_eviction_exceeded_time
// and current_eviction_exceeded_time.
func (ns *Namespace) EvictionExceeded() (total, current time.Duration) {
	total = time.Duration(ns.mem.overTotal.Load())
	if since := ns.mem.overSince.Load(); since != 0 {
		current = ns.node.Mono() - time.Duration(since)
	}
	return total + current, current
}

// noteEviction records the outcome of an eviction check for the exceeded
// time figures.
func (ns *Namespace) noteEviction(r int) {
	since := ns.mem.overSince.Load()
	switch {
	case r != EvictOK && since == 0:
		ns.mem.overSince.CompareAndSwap(0, int64(ns.node.Mono()))
	case r == EvictOK && since != 0:
		if ns.mem.overSince.CompareAndSwap(since, 0) {
			ns.mem.overTotal.Add(int64(ns.node.Mono()) - since)
		}
	}
}
