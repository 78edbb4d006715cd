package engine

import (
	"math"
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/flect-kv/flect/engine/dict"
)

// NumShards is the number of independently locked shards of each database.
const NumShards = 16

// shardMask is a set of shard indexes, one bit each.
type shardMask uint64

// expireOf returns e's deadline in unix ms, 0 when it has no TTL.
func expireOf(e *Entry) int64 {
	if t := e.Val.timer(); t != nil {
		return t.expireAt()
	}
	return 0
}

// Entry is a key and its item, as stored in a shard's dict.
type Entry = dict.Node[item]

type shard struct {
	mu   sync.Mutex
	keys *dict.Dict[item]
	// volatile counts keys with a TTL, for INFO keyspace.
	volatile int
	// deadlines is the sum of the volatile keys' deadlines, for avg_ttl.
	deadlines int128
	// snap is the running snapshot while it still has to save this
	// shard's keys (snapshot.go).
	snap *dbSnap
	// mem is the bytes the shard's keys and values cost, buckets the
	// dict bucket count last charged for (memory.go).
	mem     int64
	buckets int
}

// dbData is a database's contents: its shards and the expiry wheel of its
// volatile keys. SWAPDB exchanges two databases' dbData and FLUSHDB
// replaces it, so timers always belong to the data they expire.
type dbData struct {
	shards [NumShards]shard
	// ns is the namespace charged for the memory of the keys; nkeys and
	// nvol count the keys and those with a TTL, for eviction (memory.go).
	ns          *Namespace
	nkeys, nvol atomic.Int64

	wheelMu sync.Mutex
	wheel   *wheel // nil until the first TTL is set
	// hasWheel is set once wheel is, so that the expiry loop can skip
	// databases that never had a TTL without taking their locks.
	hasWheel atomic.Bool

	// hashTTL tracks the hashes with volatile fields (hash_expire.go).
	hashTTL hashTracker
}

func newDBData(ns *Namespace) *dbData {
	d := &dbData{ns: ns}
	for i := range d.shards {
		d.shards[i].keys = dict.New[item]()
	}
	return d
}

// DB is one of a namespace's numbered databases. Its methods that touch
// keys require the caller to hold the key's shard lock (the dispatcher does,
// from the command's key positions) or the namespace's exclusive lock.
type DB struct {
	ns    *Namespace
	index int
	// data changes only under the namespace's exclusive lock (SWAPDB,
	// FLUSHDB, FLUSHALL).
	data *dbData
}

// Namespace is an isolated keyspace: the default one of a plain node, or one
// tenant's store. Each has its own databases (each with its expiry wheel)
// and counters.
type Namespace struct {
	// mu is held shared by ordinary commands and exclusively by
	// transactions, scripts and whole-keyspace commands.
	mu   sync.RWMutex
	node *Node
	name string
	dbs  []*DB

	// Stats are the namespace's counters for INFO stats.
	Stats NamespaceStats

	// blocking is the clients parked by blocking commands (blocking.go).
	blocking blockState
	// watch is the keys clients WATCH (watch.go).
	watch watchTable
	// pubsub is the namespace's pub/sub registry (pubsub.go).
	pubsub pubsubRegistry
	// tracking is the client-side caching table (tracking.go).
	tracking trackingTable
	// mem is the namespace's memory accounting, quota and eviction state
	// (memory.go, evict.go).
	mem nsMemory
	// expiryPausedUntil is set by Namespace.PauseExpiry (node.go).
	expiryPausedUntil atomic.Int64
	// events is the notify-keyspace-events classes in force in the
	// namespace (notify.go): the node's parameter for the default
	// namespace, ownEvents for a tenant's, which sets its own.
	events    *atomic.Int64
	ownEvents atomic.Int64
	// tenant is set for a tenant namespace, which counts its commands in
	// cmdStats too.
	tenant bool
	// cmdStats are a tenant namespace's own command counters, indexed by
	// Command.ID (cmdstats.go); nil until its first command.
	cmdStats atomic.Pointer[[]CommandStats]
	// attached is the front end's own state for the namespace (Attached).
	attached sync.Map
}

// NamespaceStats are counters a namespace keeps for INFO.
type NamespaceStats struct {
	ExpiredKeys    atomic.Int64
	KeyspaceHits   atomic.Int64
	KeyspaceMisses atomic.Int64
	Commands       atomic.Int64
	// Dirty counts changes since the last save, for persistence.
	Dirty atomic.Int64
	// ExpiredFields counts hash fields deleted for their deadline (INFO
	// stats expired_fields in Valkey 9).
	ExpiredFields atomic.Int64
}

func newNamespace(n *Node, name string, dbs int) *Namespace {
	ns := &Namespace{node: n, name: name}
	ns.events = &ns.ownEvents
	ns.tenant = name != ""
	if name == "" {
		ns.events = &n.Config.eng.notifyKeyspaceEvents
	}
	ns.mem.init(n)
	ns.dbs = make([]*DB, dbs)
	for i := range ns.dbs {
		ns.dbs[i] = newDB(ns, i)
	}
	return ns
}

func newDB(ns *Namespace, index int) *DB {
	return &DB{ns: ns, index: index, data: newDBData(ns)}
}

// Attached returns the front end's value for key in the namespace (state
// the engine does not know, such as its scripts), made by mk on first use.
func (ns *Namespace) Attached(key any, mk func() any) any {
	if v, ok := ns.attached.Load(key); ok {
		return v
	}
	v, _ := ns.attached.LoadOrStore(key, mk())
	return v
}

// Attachment returns the front end's value for key, or nil if it has none.
func (ns *Namespace) Attachment(key any) any {
	v, _ := ns.attached.Load(key)
	return v
}

// Name returns the namespace's name ("" for the default namespace).
func (ns *Namespace) Name() string { return ns.name }

// DBCount returns the number of databases.
func (ns *Namespace) DBCount() int { return len(ns.dbs) }

// DB returns database i; i must be in range.
func (ns *Namespace) DB(i int) *DB { return ns.dbs[i] }

// Lock takes the namespace exclusively: no command of the namespace runs
// until Unlock. Transactions and scripts run their commands under it with
// Node.CallLocked.
func (ns *Namespace) Lock() { ns.mu.Lock() }

// Unlock releases Lock.
func (ns *Namespace) Unlock() { ns.mu.Unlock() }

// Index returns the database number.
func (db *DB) Index() int { return db.index }

// Namespace returns the namespace the database belongs to.
func (db *DB) Namespace() *Namespace { return db.ns }

// shardOf returns the shard index of key.
func shardOf(key []byte) int {
	// FNV-1a: cheap, and only needs to spread keys over a few shards.
	h := uint32(2166136261)
	for _, c := range key {
		h ^= uint32(c)
		h *= 16777619
	}
	return int(h % NumShards)
}

func (db *DB) shardFor(key string) *shard { return db.data.shardFor(key) }

func (d *dbData) shardFor(key string) *shard {
	return &d.shards[shardOfString(key)]
}

func shardOfString(key string) int {
	h := uint32(2166136261)
	for i := 0; i < len(key); i++ {
		h ^= uint32(key[i])
		h *= 16777619
	}
	return int(h % NumShards)
}

func (db *DB) lockShards(m shardMask) {
	for m != 0 {
		i := bits.TrailingZeros64(uint64(m))
		db.data.shards[i].mu.Lock()
		m &^= 1 << i
	}
}

func (db *DB) unlockShards(m shardMask) {
	for m != 0 {
		i := bits.TrailingZeros64(uint64(m))
		db.data.shards[i].mu.Unlock()
		m &^= 1 << i
	}
}

// Len returns the number of keys, expired-but-not-yet-reaped ones included.
// The caller holds the namespace at least shared (a SelfLocking command
// does; INFO keyspace should be one), since SWAPDB and FLUSHDB replace the
// database's contents under the exclusive lock.
func (db *DB) Len() int {
	n := 0
	d := db.data
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		n += s.keys.Len()
		s.mu.Unlock()
	}
	return n
}

// Volatile returns the number of keys with a TTL. The caller holds the
// namespace at least shared.
func (db *DB) Volatile() int {
	n := 0
	d := db.data
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		n += s.volatile
		s.mu.Unlock()
	}
	return n
}

// AvgTTL returns the average remaining time to live in milliseconds of the
// keys with a TTL, as INFO keyspace prints it (0 when there are none). It
// is exact where Valkey estimates it by sampling. The caller holds the
// namespace at least shared.
func (db *DB) AvgTTL(now int64) int64 {
	var sum int128
	n := 0
	d := db.data
	for i := range d.shards {
		s := &d.shards[i]
		s.mu.Lock()
		sum = sum.add(s.deadlines)
		n += s.volatile
		s.mu.Unlock()
	}
	if n == 0 {
		return 0
	}
	avg := sum.div(int64(n))
	if avg <= now {
		return 0
	}
	return avg - now
}

// find returns the live entry for key, deleting it first if it has expired
// at now (lazy expiry). It neither counts hits nor touches LRU.
func (db *DB) find(key string, now int64) *Entry {
	s := db.shardFor(key)
	e := s.keys.Find(key)
	if e == nil {
		return nil
	}
	// As Valkey's keyIsExpired: a key is gone once now is past its
	// deadline, and still there during the deadline's millisecond.
	if expiredAt(e, now) {
		if db.ns.expiryPaused(now) {
			return nil // expired, but deleting waits for the pause's end
		}
		db.data.removeEntry(s, e)
		db.ns.Stats.ExpiredKeys.Add(1)
		db.expiredKey(key)
		return nil
	}
	return e
}

// removeEntry deletes e from shard s, dropping its timer.
func (db *DB) removeEntry(s *shard, e *Entry) { db.data.removeEntry(s, e) }

// removeEntry deletes e from shard s of d, dropping its timer.
func (d *dbData) removeEntry(s *shard, e *Entry) {
	s.preserve(e)
	d.untrackStored(e)
	if e.Val.timer() != nil {
		d.dropTimer(s, e)
	}
	s.keys.Delete(e.Key())
	d.unstored(s, e)
}

// dropTimer unlinks e's timer and forgets its deadline; e has a timer.
func (d *dbData) dropTimer(s *shard, e *Entry) {
	t := e.Val.timer()
	d.wheelMu.Lock()
	d.wheel.remove(t)
	d.wheelMu.Unlock()
	e.Val.makePersistent()
	d.timerCharge(s, -1)
	s.volatile--
	s.deadlines = s.deadlines.sub(t.expireAt())
	if s.volatile == 0 {
		s.deadlines = int128{}
	}
}

// setExpire sets or clears (at == 0) the TTL of e in shard s.
func (db *DB) setExpire(s *shard, e *Entry, at int64) {
	d := db.data
	if at == 0 {
		if e.Val.timer() != nil {
			d.dropTimer(s, e)
		}
		return
	}
	d.wheelMu.Lock()
	if d.wheel == nil {
		d.wheel = newWheel(db.ns.node.nowMs())
		d.hasWheel.Store(true)
	}
	t := e.Val.timer()
	if t == nil {
		t = e.Val.makeVolatile()
		t.key, t.level = e.Key(), -1
		d.timerCharge(s, 1)
		s.volatile++
	} else {
		d.wheel.remove(t)
		s.deadlines = s.deadlines.sub(t.expireAt())
	}
	t.setExpireAt(at)
	d.wheel.add(t)
	d.wheelMu.Unlock()
	s.deadlines = s.deadlines.add64(at)
}

// expireBatch is how many due timers ExpireDue handles per lock hold.
const expireBatch = 256

// ExpireDue deletes the keys of the namespace whose deadline is before now
// (a key lives through its deadline's millisecond, as in Valkey) and
// returns how many it deleted. The node's expiry loop calls
// it; tests call it directly with a manual clock. It works in batches,
// releasing its locks between them, so that a mass expiry does not stall
// other commands.
func (ns *Namespace) ExpireDue(now int64) int {
	// Find the databases that have timers under one shared lock: most
	// namespaces have few or none.
	var armed uint64 // bit i: database i has a wheel; bit 63: any of 63 and up
	ns.mu.RLock()
	for i, db := range ns.dbs {
		if db.data.hasWheel.Load() {
			armed |= 1 << min(i, 63)
		}
	}
	ns.mu.RUnlock()
	if armed == 0 {
		return 0
	}
	var buf [expireBatch]*timer
	deleted := 0
	for i := 0; i < len(ns.dbs); i++ {
		if armed&(1<<min(i, 63)) == 0 {
			continue
		}
		for {
			n, gone := ns.expireBatch(i, now, buf[:])
			deleted += gone
			if n < len(buf) {
				break
			}
		}
	}
	if deleted > 0 {
		ns.Stats.ExpiredKeys.Add(int64(deleted))
	}
	return deleted
}

// expireBatch takes up to len(buf) due timers from database i's wheel and
// deletes their keys. It returns how many timers came due and how many keys
// it deleted.
func (ns *Namespace) expireBatch(i int, now int64, buf []*timer) (due, deleted int) {
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	db := ns.dbs[i]
	d := db.data
	d.wheelMu.Lock()
	if d.wheel != nil {
		due = d.wheel.advance(now, buf)
	}
	d.wheelMu.Unlock()
	for j, t := range buf[:due] {
		buf[j] = nil
		s := d.shardFor(t.key)
		s.mu.Lock()
		// The key may have been deleted, re-created or given a new TTL
		// since its timer came due.
		if e := s.keys.Find(t.key); e != nil && e.Val.timer() == t && t.expireAt() < now {
			d.removeEntry(s, e)
			deleted++
			db.expiredKey(t.key)
		}
		s.mu.Unlock()
	}
	return due, deleted
}

// int128 is a signed 128-bit integer, enough to sum any number of int64
// deadlines exactly.
type int128 struct {
	hi int64
	lo uint64
}

func (a int128) add(b int128) int128 {
	lo, carry := bits.Add64(a.lo, b.lo, 0)
	return int128{hi: a.hi + b.hi + int64(carry), lo: lo}
}

func (a int128) add64(v int64) int128 { return a.add(int128{hi: v >> 63, lo: uint64(v)}) }

func (a int128) sub(v int64) int128 { return a.add64(-v) }

// div returns a/n rounded toward zero, clamped to the int64 range; n > 0.
func (a int128) div(n int64) int64 {
	neg := a.hi < 0
	hi, lo := uint64(a.hi), a.lo
	if neg {
		// Two's complement negation.
		lo = ^lo + 1
		hi = ^hi
		if lo == 0 {
			hi++
		}
	}
	d := uint64(n)
	if hi >= d {
		if neg {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, d)
	if q > math.MaxInt64 {
		if neg {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	if neg {
		return -int64(q)
	}
	return int64(q)
}
