package engine

import (
	"math/bits"
	"sync"
	"sync/atomic"

	"github.com/flect-kv/flect/engine/dict"
)

// NumShards is the number of independently locked shards of each database.
const NumShards = 16

// shardMask is a set of shard indexes, one bit each.
type shardMask uint64

// item is what the keyspace stores under a key.
type item struct {
	val    any   // int64, *Str, or a collection type
	expire int64 // unix ms; 0 when the key has no TTL
	timer  *timer
	lru    uint32 // LRU clock or LFU counter, for OBJECT and eviction
}

// Entry is a key and its item, as stored in a shard's dict.
type Entry = dict.Node[item]

type shard struct {
	mu   sync.Mutex
	keys *dict.Dict[item]
	// volatile counts keys with a TTL, for INFO keyspace.
	volatile int
	_        [40]byte // keep hot shards on separate cache lines
}

// DB is one of a namespace's numbered databases. Its methods that touch
// keys require the caller to hold the key's shard lock (the dispatcher does,
// from the command's key positions) or the namespace's exclusive lock.
type DB struct {
	ns     *Namespace
	index  int
	shards *[NumShards]shard
	seed   uint64
}

// Namespace is an isolated keyspace: the default one of a plain node, or one
// tenant's store. Each has its own databases, expiry wheel and counters.
type Namespace struct {
	// mu is held shared by ordinary commands and exclusively by
	// transactions, scripts and whole-keyspace commands.
	mu   sync.RWMutex
	node *Node
	name string
	dbs  []*DB

	wheelMu sync.Mutex
	wheel   *wheel

	// Stats are the namespace's counters for INFO stats.
	Stats NamespaceStats
}

// NamespaceStats are counters a namespace keeps for INFO.
type NamespaceStats struct {
	ExpiredKeys    atomic.Int64
	KeyspaceHits   atomic.Int64
	KeyspaceMisses atomic.Int64
	Commands       atomic.Int64
	// Dirty counts changes since the last save, for persistence.
	Dirty atomic.Int64
}

func newNamespace(n *Node, name string, dbs int) *Namespace {
	ns := &Namespace{node: n, name: name, wheel: newWheel(n.nowMs())}
	ns.dbs = make([]*DB, dbs)
	for i := range ns.dbs {
		ns.dbs[i] = newDB(ns, i)
	}
	return ns
}

func newDB(ns *Namespace, index int) *DB {
	db := &DB{ns: ns, index: index, shards: new([NumShards]shard)}
	for i := range db.shards {
		db.shards[i].keys = dict.New[item]()
	}
	return db
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

func (db *DB) shardFor(key string) *shard {
	return &db.shards[shardOfString(key)]
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
		db.shards[i].mu.Lock()
		m &^= 1 << i
	}
}

func (db *DB) unlockShards(m shardMask) {
	for m != 0 {
		i := bits.TrailingZeros64(uint64(m))
		db.shards[i].mu.Unlock()
		m &^= 1 << i
	}
}

// lockAll locks every shard; the caller holds the namespace at least shared.
func (db *DB) lockAll()   { db.lockShards(1<<NumShards - 1) }
func (db *DB) unlockAll() { db.unlockShards(1<<NumShards - 1) }

// Len returns the number of keys, expired-but-not-yet-reaped ones included.
// The caller holds the namespace at least shared.
func (db *DB) Len() int {
	n := 0
	for i := range db.shards {
		s := &db.shards[i]
		s.mu.Lock()
		n += s.keys.Len()
		s.mu.Unlock()
	}
	return n
}

// Volatile returns the number of keys with a TTL.
func (db *DB) Volatile() int {
	n := 0
	for i := range db.shards {
		s := &db.shards[i]
		s.mu.Lock()
		n += s.volatile
		s.mu.Unlock()
	}
	return n
}

// find returns the live entry for key, deleting it first if it has expired
// at now (lazy expiry). It neither counts hits nor touches LRU.
func (db *DB) find(key string, now int64) *Entry {
	s := db.shardFor(key)
	e := s.keys.Find(key)
	if e == nil {
		return nil
	}
	if e.Val.expire != 0 && e.Val.expire <= now {
		db.removeEntry(s, e)
		db.ns.Stats.ExpiredKeys.Add(1)
		return nil
	}
	return e
}

// removeEntry deletes e from shard s, dropping its timer.
func (db *DB) removeEntry(s *shard, e *Entry) {
	if e.Val.timer != nil {
		db.ns.dropTimer(e.Val.timer)
		e.Val.timer = nil
		s.volatile--
	}
	s.keys.Delete(e.Key)
}

func (ns *Namespace) dropTimer(t *timer) {
	ns.wheelMu.Lock()
	ns.wheel.remove(t)
	ns.wheelMu.Unlock()
}

// setExpire sets or clears (at == 0) the TTL of e in shard s.
func (db *DB) setExpire(s *shard, e *Entry, at int64) {
	if at == 0 {
		if e.Val.timer != nil {
			db.ns.dropTimer(e.Val.timer)
			e.Val.timer = nil
			s.volatile--
		}
		e.Val.expire = 0
		return
	}
	e.Val.expire = at
	ns := db.ns
	ns.wheelMu.Lock()
	t := e.Val.timer
	if t == nil {
		t = &timer{db: db, key: e.Key, level: -1}
		e.Val.timer = t
		s.volatile++
	} else {
		ns.wheel.remove(t)
	}
	t.deadline = at
	ns.wheel.add(t)
	ns.wheelMu.Unlock()
}

// ExpireDue deletes the keys of the namespace whose deadline is at or
// before now and returns how many it deleted. The node's expiry loop calls
// it; tests call it directly with a manual clock.
func (ns *Namespace) ExpireDue(now int64) int {
	var due []*timer
	ns.wheelMu.Lock()
	ns.wheel.advance(now, func(t *timer) { due = append(due, t) })
	ns.wheelMu.Unlock()
	if len(due) == 0 {
		return 0
	}
	deleted := 0
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	for _, t := range due {
		s := t.db.shardFor(t.key)
		s.mu.Lock()
		if e := s.keys.Find(t.key); e != nil && e.Val.timer == t && e.Val.expire <= now {
			t.db.removeEntry(s, e)
			deleted++
		}
		s.mu.Unlock()
	}
	ns.Stats.ExpiredKeys.Add(int64(deleted))
	return deleted
}
