package engine

import (
	"sync"
	"sync/atomic"
)

// Active expiry of hash fields. Each database tracks its hashes that have
// volatile fields in a min-heap ordered by their earliest field deadline
// (Valkey 9 keeps them in a per-database kvstore it scans). The tracker
// lives in the database's dbData, so SWAPDB and FLUSHDB carry or drop it
// with the keys; storing a hash under a key (RENAME, MOVE, COPY go through
// DB.set/add) registers it under its new name and database, and removing
// an entry unregisters it. The node's expiry loop calls
// Namespace.ExpireHashFields, which reaps a bounded number of fields per
// lock hold and deletes a hash whose last field went.

// hashReg is a hash's registration in a tracker. Guarded by the tracker's
// mutex; key and h do not change once registered.
type hashReg struct {
	key string // the key holding the hash (a dict key, stable)
	h   *Hash
	t   *hashTracker
	at  int64 // the hash's earliest field deadline
	i   int   // heap index, -1 once removed
}

// hashTracker is a database's heap of hashes with volatile fields.
type hashTracker struct {
	mu   sync.Mutex
	heap deadlineHeap[*hashReg]
	// armed is set once a hash was registered, so that the reaper skips
	// databases that never had volatile fields without locking.
	armed atomic.Bool
}

func (r *hashReg) deadline() int64 { return r.at }
func (r *hashReg) setIndex(i int)  { r.i = i }

// removeLocked unlinks r; the tracker's mutex is held.
func (t *hashTracker) removeLocked(r *hashReg) {
	if r.i < 0 {
		return
	}
	t.heap.removeAt(r.i)
	r.i = -1
}

// reg returns h's registration, or nil.
func (h *Hash) reg() *hashReg {
	if h.fx == nil {
		return nil
	}
	return h.fx.reg
}

// untrack removes h's registration, wherever it is.
func (h *Hash) untrack() {
	r := h.reg()
	if r == nil {
		return
	}
	r.t.mu.Lock()
	r.t.removeLocked(r)
	r.t.mu.Unlock()
	h.fx.reg = nil
	h.releaseFX()
}

// trackHash brings the registration of h, stored under key (a dict key) in
// d, up to date: registered with its earliest deadline while it has
// volatile fields, unregistered otherwise. The caller holds the key's
// shard lock or the namespace exclusively.
func (d *dbData) trackHash(key string, h *Hash) {
	if !h.hasVolatile() {
		h.untrack()
		return
	}
	t := &d.hashTTL
	if r := h.fx.reg; r != nil && (r.t != t || r.key != key) {
		h.untrack()
	}
	at := h.minExpiry()
	t.mu.Lock()
	// A registration the reaper dropped as stale (i < 0) is replaced.
	if r := h.fx.reg; r != nil && r.i >= 0 {
		old := r.at
		r.at = at
		if at != old {
			t.heap.fix(r.i)
		}
	} else {
		r := &hashReg{key: key, h: h, t: t, at: at}
		t.heap.push(r)
		h.fx.reg = r
		t.armed.Store(true)
	}
	t.mu.Unlock()
}

// trackStored registers the value of e if it is a hash with volatile
// fields: DB.set and DB.add call it, so that a hash renamed, moved or
// copied is tracked under its new key and database.
func (d *dbData) trackStored(e *Entry) {
	if h, ok := e.Val.val().(*Hash); ok && h.fx != nil {
		d.trackHash(e.Key(), h)
	}
}

// untrackStored drops the registration of e's value if it is a hash
// registered under e's key in d: removing or overwriting an entry calls
// it. A hash already registered elsewhere (MOVE stores the destination
// first) is left alone.
func (d *dbData) untrackStored(e *Entry) {
	h, ok := e.Val.val().(*Hash)
	if !ok {
		return
	}
	if r := h.reg(); r != nil && r.t == &d.hashTTL && r.key == e.Key() {
		h.untrack()
	}
}

// KeysWithVolatileItems returns the number of hashes of db that have
// fields with a deadline (Valkey 9's INFO keyspace keys_with_volatile_items).
// The caller holds the namespace at least shared.
func (db *DB) KeysWithVolatileItems() int {
	t := &db.data.hashTTL
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.heap)
}

// hashTracked updates the tracking of the hash h stored in e after a
// command changed its fields or their deadlines.
func (c *Ctx) hashTracked(e *Entry, h *Hash) {
	if h.fx != nil {
		c.DB.data.trackHash(e.Key(), h)
	}
}

// Reaping bounds: fields deleted per lock hold, and per database and call.
const (
	hashReapBatch    = 256
	hashReapPerCycle = 4096
)

// ExpireHashFields deletes the hash fields of the namespace whose deadline
// is before now, at most hashReapPerCycle per database and call, and
// returns how many it deleted. A hash left empty is deleted. The node's
// expiry loop calls it; tests call it directly with a manual clock.
func (ns *Namespace) ExpireHashFields(now int64) int {
	var armed uint64
	ns.mu.RLock()
	for i, db := range ns.dbs {
		if db.data.hashTTL.armed.Load() {
			armed |= 1 << min(i, 63)
		}
	}
	ns.mu.RUnlock()
	if armed == 0 {
		return 0
	}
	total := 0
	for i := range ns.dbs {
		if armed&(1<<min(i, 63)) == 0 {
			continue
		}
		budget := hashReapPerCycle
		for budget > 0 {
			n, more := ns.reapHashBatch(i, now, min(budget, hashReapBatch))
			total += n
			if !more {
				break
			}
			budget -= max(n, 1)
		}
	}
	return total
}

// reapHashBatch reaps up to max due fields of the hash with the earliest
// deadline in database i. more is false when nothing was due.
func (ns *Namespace) reapHashBatch(i int, now int64, max int) (reaped int, more bool) {
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	db := ns.dbs[i]
	d := db.data
	t := &d.hashTTL
	t.mu.Lock()
	if len(t.heap) == 0 || t.heap[0].at >= now {
		t.mu.Unlock()
		return 0, false
	}
	r := t.heap[0]
	key := r.key
	t.mu.Unlock()

	s := d.shardFor(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.keys.Find(key)
	if e == nil || e.Val.val() != any(r.h) {
		// Stale: the key no longer holds the hash (a path that replaced
		// the value without untracking it). The hash is not touched: it
		// is garbage, or a later trackHash replaces the dropped
		// registration.
		t.mu.Lock()
		t.removeLocked(r)
		t.mu.Unlock()
		return 0, true
	}
	h := r.h
	if expiredAt(e, now) {
		// The key itself is gone: expire it as the key wheel would.
		d.removeEntry(s, e)
		ns.Stats.ExpiredKeys.Add(1)
		db.expiredKey(key)
		return 0, true
	}
	reaped = h.reapExpired(now, max)
	d.reconcile(s, e) // memory.go
	if reaped > 0 {
		ns.Stats.ExpiredFields.Add(int64(reaped))
		db.notify(NotifyHash, "hexpired", key)
		db.modified(key)
	}
	if h.Len() == 0 {
		d.removeEntry(s, e)
		db.notify(NotifyGeneric, "del", key)
		return reaped, true
	}
	d.trackHash(e.Key(), h)
	return reaped, true
}
