package engine

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Point-in-time snapshots without fork.
//
// BeginSnapshot fixes a point in time T: with every namespace locked
// exclusively for a moment it numbers a new snapshot epoch and marks every
// shard of every database as "being saved". From then on the keyspace keeps
// serving, and each key live at T is emitted exactly once, with its value
// as of T:
//
//   - the walker (Snapshot.Run) visits the shards one small chunk at a time
//     under the shard's lock and emits each key not emitted yet;
//   - a writer about to change or delete a key not emitted yet emits the
//     key's current value first (copy-on-write at the key level), under the
//     lock it holds anyway: the dispatcher does it for a write command's
//     declared keys, dbData.removeEntry for every deletion;
//   - keys created after T carry the epoch from birth and are skipped.
//
// An entry's item.snap records the epoch in which it was emitted. A shard's
// snap pointer is cleared once the walker has finished it, so writes to a
// saved shard cost one nil check. FLUSHDB and SWAPDB replace or exchange a
// database's data object: the walker keeps the objects it captured at T,
// under the database numbers they had then.
//
// Emitting a large value under its shard lock (by the walker or a writer)
// delays that shard's other commands for the time serializing it takes.

// SnapshotRecord is one key of a snapshot. It is valid only during the
// emit call: Value is read under the key's lock and must be serialized
// before emit returns.
type SnapshotRecord struct {
	// NS is the namespace: "" for the default one, else the store's name.
	NS string
	// DB is the database number the key had at the snapshot's time.
	DB int
	// Key is the key; it may alias keyspace memory.
	Key string
	// Value is the stored value (int64, *Str or a collection).
	Value any
	// Expire is the absolute deadline in unix ms, 0 for none.
	Expire int64
}

// SnapshotEmit receives a snapshot's records. It is called concurrently
// (by the walker and by writers preserving the keys they change) and must
// be safe for that and fast. An error stops the snapshot.
type SnapshotEmit func(r *SnapshotRecord) error

// ErrSnapshotRunning is BeginSnapshot's error while another snapshot runs.
var ErrSnapshotRunning = errors.New("a snapshot is already in progress")

// Snapshot is a point-in-time snapshot being taken (see BeginSnapshot).
type Snapshot struct {
	n     *Node
	epoch uint32
	time  time.Time
	ms    int64 // time in unix ms
	dirty int64 // the node's change count at the snapshot's time
	dbs   []*dbSnap
	emit  SnapshotEmit

	// pace, when set, runs between the walker's chunks with no lock held
	// (SetPacer).
	pace func()
	// throttle makes the walker rest as long as it works (SetThrottle);
	// slice is when its current run of work began.
	throttle bool
	slice    time.Time
	// walkEmit and walkFlush, when set, replace emit for the walker's
	// records (SetWalkerEmit).
	walkEmit  SnapshotEmit
	walkFlush func() error

	errMu  sync.Mutex
	err    error
	failed atomic.Bool // err is set
	// total is the number of keys stored at the snapshot's time
	// (expired ones not yet deleted included), for progress figures.
	total int64
	keys  atomic.Int64
}

// dbSnap is one database's part of a snapshot: the data object captured at
// the snapshot's time and where it belonged then.
type dbSnap struct {
	s    *Snapshot
	ns   *Namespace
	db   int
	data *dbData
}

// walkSlice is how long the walker works before it sleeps as long.
const walkSlice = 250 * time.Microsecond

// recordPool recycles the records handed to emit (one per key would be
// garbage proportional to the dataset).
var recordPool = sync.Pool{New: func() any { return new(SnapshotRecord) }}

// walkChunk is how many dict buckets the walker visits per lock hold.
const walkChunk = 32

// BeginSnapshot fixes a point in time across every namespace and database
// and returns the snapshot; Run emits its keys. Only one snapshot runs at
// a time (ErrSnapshotRunning).
func (n *Node) BeginSnapshot(emit SnapshotEmit) (*Snapshot, error) {
	if !n.snapRunning.CompareAndSwap(false, true) {
		return nil, ErrSnapshotRunning
	}
	s := &Snapshot{n: n, emit: emit}
	n.mu.RLock() // no namespace comes or goes while they are all locked
	defer n.mu.RUnlock()
	all := make([]*Namespace, 0, len(n.namespaces)+1)
	all = append(all, n.def)
	for _, ns := range n.namespaces {
		all = append(all, ns)
	}
	for _, ns := range all {
		ns.mu.Lock()
	}
	n.snapEpoch++
	s.epoch = n.snapEpoch
	s.time = n.opts.Clock.Now()
	s.ms = s.time.UnixMilli()
	for _, ns := range all {
		s.dirty += ns.Stats.Dirty.Load()
		for _, db := range ns.dbs {
			s.total += int64(db.Len())
		}
	}
	for _, ns := range all {
		for i, db := range ns.dbs {
			ds := &dbSnap{s: s, ns: ns, db: i, data: db.data}
			for j := range ds.data.shards {
				ds.data.shards[j].snap = ds
			}
			s.dbs = append(s.dbs, ds)
		}
	}
	n.snapActive.Store(true)
	for _, ns := range all {
		ns.mu.Unlock()
	}
	return s, nil
}

// SetPacer sets a function the walker calls between chunks with no lock
// held, to wait for the output to catch up: emit itself must never block
// (it runs under keyspace locks). Call it before Run.
func (s *Snapshot) SetPacer(fn func()) { s.pace = fn }

// SetWalkerEmit gives the walker an emit of its own, called from one
// goroutine only (so it may batch without locking), and a flush that Run
// calls after the walk. Writers preserving keys still use the emit given
// to BeginSnapshot. Call it before Run.
func (s *Snapshot) SetWalkerEmit(emit SnapshotEmit, flush func() error) {
	s.walkEmit, s.walkFlush = emit, flush
}

// SetThrottle makes the walker work at most half the time, in short
// slices, so that a background snapshot leaves the clients most of the
// CPU (and their latency close to idle) at the price of a slower save.
// Call it before Run.
func (s *Snapshot) SetThrottle(on bool) { s.throttle = on }

// Time returns the snapshot's point in time.
func (s *Snapshot) Time() time.Time { return s.time }

// Dirty returns the node's change count (Node.Dirty) at the snapshot's
// time: a saver subtracts it to count the changes since the last save.
func (s *Snapshot) Dirty() int64 { return s.dirty }

// Dirty returns the number of changes made to the node's data since it
// started, over every namespace.
func (n *Node) Dirty() int64 {
	var d int64
	for _, ns := range n.Namespaces() {
		d += ns.Stats.Dirty.Load()
	}
	return d
}

// Total returns the number of keys stored at the snapshot's time (keys
// already expired but not yet deleted included): Keys reaches about that.
func (s *Snapshot) Total() int64 { return s.total }

// Keys returns how many keys have been emitted so far.
func (s *Snapshot) Keys() int64 { return s.keys.Load() }

// Run walks every key live at the snapshot's time that no writer has
// emitted yet, emitting each once, and returns the first error emit
// returned. When Run returns no more records are emitted, and the node may
// begin another snapshot.
func (s *Snapshot) Run() error {
	defer s.finish()
	s.slice = time.Now()
	for _, ds := range s.dbs {
		for j := range ds.data.shards {
			if err := ds.walkShard(&ds.data.shards[j]); err != nil {
				return err
			}
		}
	}
	if err := s.failure(); err != nil {
		return err
	}
	if s.walkFlush != nil {
		return s.walkFlush()
	}
	return nil
}

// walkShard emits the unsaved keys of one shard, a chunk of buckets per
// lock hold, and marks the shard saved.
func (ds *dbSnap) walkShard(sh *shard) error {
	s := ds.s
	walk := s.walkEmit
	if walk == nil {
		walk = s.emit
	}
	var cursor uint64
	for {
		ds.ns.mu.RLock()
		sh.mu.Lock()
		if s.failure() != nil {
			sh.mu.Unlock()
			ds.ns.mu.RUnlock()
			return s.failure()
		}
		for i := 0; i < walkChunk; i++ {
			cursor = sh.keys.Scan(cursor, func(e *Entry) {
				if e.Val.snap != s.epoch {
					ds.emitWith(e, walk)
				}
			})
			if cursor == 0 {
				break
			}
		}
		if cursor == 0 {
			sh.snap = nil
		}
		sh.mu.Unlock()
		ds.ns.mu.RUnlock()
		if cursor == 0 {
			return nil
		}
		// The walk is CPU-bound: let the goroutines serving clients run
		// between chunks rather than after a 10 ms preemption slice, and
		// wait for the output when it lags.
		runtime.Gosched()
		if d := time.Since(s.slice); s.throttle && d > walkSlice {
			time.Sleep(d) // at most half a core: clients get the rest
			s.slice = time.Now()
		}
		if s.pace != nil {
			s.pace()
		}
	}
}

// emit sends e's current value and marks it emitted in this epoch. The
// caller holds e's shard lock or its namespace exclusively.
func (ds *dbSnap) emit(e *Entry) { ds.emitWith(e, ds.s.emit) }

// emitWith is emit through the given function.
func (ds *dbSnap) emitWith(e *Entry, emit SnapshotEmit) {
	e.Val.snap = ds.s.epoch
	if expiredAt(e, ds.s.ms) {
		return // already dead at the snapshot's time
	}
	if ds.s.failure() != nil {
		return
	}
	r := recordPool.Get().(*SnapshotRecord)
	*r = SnapshotRecord{NS: ds.ns.name, DB: ds.db, Key: e.Key(), Value: e.Val.val(), Expire: expireOf(e)}
	err := emit(r)
	*r = SnapshotRecord{}
	recordPool.Put(r)
	if err != nil {
		ds.s.fail(err)
		return
	}
	ds.s.keys.Add(1)
}

func (s *Snapshot) fail(err error) {
	s.errMu.Lock()
	if s.err == nil {
		s.err = err
		s.failed.Store(true)
	}
	s.errMu.Unlock()
}

// failure returns the error that stopped the snapshot, if any. It is
// checked for every key: the flag keeps the common case lock-free.
func (s *Snapshot) failure() error {
	if !s.failed.Load() {
		return nil
	}
	s.errMu.Lock()
	defer s.errMu.Unlock()
	return s.err
}

// finish detaches the snapshot from every shard the walker did not finish
// (after an error), so that writers stop emitting, and frees the node for
// the next snapshot.
func (s *Snapshot) finish() {
	for _, ds := range s.dbs {
		ds.ns.mu.RLock()
		for j := range ds.data.shards {
			sh := &ds.data.shards[j]
			sh.mu.Lock()
			if sh.snap == ds {
				sh.snap = nil
			}
			sh.mu.Unlock()
		}
		ds.ns.mu.RUnlock()
	}
	s.n.snapActive.Store(false)
	s.n.snapRunning.Store(false)
}

// preserve emits e's value before a change if a snapshot still needs it.
// The caller holds e's shard lock (or the namespace exclusively).
func (sh *shard) preserve(e *Entry) {
	if ds := sh.snap; ds != nil && e.Val.snap != ds.s.epoch {
		ds.emit(e)
	}
}

// born marks a new entry as not part of the running snapshot.
func (sh *shard) born(e *Entry) {
	if ds := sh.snap; ds != nil {
		e.Val.snap = ds.s.epoch
	}
}

// preserveKeys emits, before a write command runs, the keys it declares
// in the client's database that the running snapshot still needs. The
// caller holds their shard locks or the namespace exclusively.
func (c *Ctx) preserveKeys() {
	d := c.DB.data
	var buf [16]int
	for _, i := range c.Cmd.KeyPositions(buf[:0], c.Args) {
		k := bstr(c.Args[i])
		sh := d.shardFor(k)
		if sh.snap == nil {
			continue
		}
		if e := sh.keys.Find(k); e != nil {
			sh.preserve(e)
		}
	}
}

// beforeWrite is the dispatcher's hook before a command runs: a write
// command preserves its keys for a running snapshot.
func (c *Ctx) beforeWrite() {
	if c.Cmd.Flags&Write != 0 && c.Node.snapActive.Load() {
		c.preserveKeys()
	}
}

// SetFlushAllHook sets a function FLUSHALL calls, on a goroutine of its
// own, after it has emptied a namespace: persistence saves then, as
// Valkey does when save rules are configured.
func (n *Node) SetFlushAllHook(fn func()) { n.flushAllHook.Store(&fn) }

// flushedAll runs the FLUSHALL hook, if any.
func (n *Node) flushedAll() {
	if fn := n.flushAllHook.Load(); fn != nil && *fn != nil {
		go (*fn)()
	}
}

// LoadKey stores a key read from a snapshot while the node starts: no
// keyspace events, no change counted. A key already present is replaced.
// expire is an absolute deadline in unix ms (0: none).
func (ns *Namespace) LoadKey(db int, key []byte, val any, expire int64) {
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	d := ns.dbs[db]
	k := bstr(key)
	sh := d.shardFor(k)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if old := sh.keys.Find(k); old != nil {
		d.data.removeEntry(sh, old)
	}
	e := sh.keys.Add(k, newItem(val, ns.initLRU(ns.node.nowMs())))
	d.data.stored(sh, e) // memory.go
	d.data.trackStored(e)
	if expire != 0 {
		d.setExpire(sh, e, expire)
	}
}
