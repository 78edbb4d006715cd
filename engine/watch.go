package engine

import (
	"sync"
	"sync/atomic"
)

// WATCH: optimistic locking for MULTI/EXEC. A client's watched keys are
// registered in its namespace; any change to one (Modified, expiry,
// FLUSHDB, SWAPDB ...) marks the client's WatchSet dirty and its next EXEC
// fails.

// WatchSet is one client's watched keys. The front end gives each client
// one (Client.Watch).
type WatchSet struct {
	dirty atomic.Bool
	// entries is changed under the namespace's watch mutex.
	entries []*watchEntry
	ns      *Namespace
	// count is len(entries), for other goroutines (CLIENT LIST).
	count atomic.Int32
}

// watchEntry is one watched key of one client. expired records that the
// key existed but had expired when it was watched (Valkey's
// watchedKey.expired): its deletion is then no change.
type watchEntry struct {
	ws      *WatchSet
	key     blockKey
	expired bool
}

// watchTable is a namespace's watched keys.
type watchTable struct {
	mu sync.Mutex
	// n counts entries; commands read it without the mutex.
	n    atomic.Int32
	keys map[blockKey][]*watchEntry
}

// Dirty reports whether a watched key changed since it was watched.
func (ws *WatchSet) Dirty() bool { return ws.dirty.Load() }

// Len returns how many keys are watched; any goroutine may call it.
func (ws *WatchSet) Len() int { return int(ws.count.Load()) }

// Watch adds key of the command's database to ws, as Valkey's watchForKey.
// The caller holds the key's shard lock (WATCH declares its keys).
func (c *Ctx) Watch(ws *WatchSet, key []byte) {
	ns := c.Client.NS
	t := &ns.watch
	bk := blockKey{c.DB.index, string(key)}
	t.mu.Lock()
	defer t.mu.Unlock()
	if ws.ns != ns {
		ws.ns = ns
	}
	for _, e := range ws.entries {
		if e.key == bk {
			return
		}
	}
	e := &watchEntry{ws: ws, key: bk}
	if it := c.DB.shardFor(bk.key).keys.Find(bk.key); it != nil && expiredAt(it, c.nowMs) {
		e.expired = true
	}
	if t.keys == nil {
		t.keys = map[blockKey][]*watchEntry{}
	}
	t.keys[bk] = append(t.keys[bk], e)
	ws.entries = append(ws.entries, e)
	ws.count.Store(int32(len(ws.entries)))
	t.n.Add(1)
}

// Unwatch forgets every key of ws and clears its dirty mark (UNWATCH, EXEC,
// DISCARD, RESET, disconnect).
func (ws *WatchSet) Unwatch() {
	ws.dirty.Store(false)
	ns := ws.ns
	if ns == nil {
		return
	}
	t := &ns.watch
	t.mu.Lock()
	for _, e := range ws.entries {
		list := t.keys[e.key]
		for i, x := range list {
			if x == e {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(t.keys, e.key)
		} else {
			t.keys[e.key] = list
		}
		t.n.Add(-1)
	}
	ws.entries = nil
	ws.count.Store(0)
	t.mu.Unlock()
	ws.ns = nil
}

// WatchedKeys returns how many distinct keys are watched and how many
// clients watch any (INFO total_watched_keys, watching_clients).
func (ns *Namespace) WatchedKeys() (keys, clients int) {
	t := &ns.watch
	t.mu.Lock()
	defer t.mu.Unlock()
	seen := map[*WatchSet]bool{}
	for _, list := range t.keys {
		for _, e := range list {
			seen[e.ws] = true
		}
	}
	return len(t.keys), len(seen)
}

// Modified records that the command changed key, as Valkey's
// signalModifiedKey: call it where Valkey does. It invalidates WATCH on
// the key (and client-side caches).
func (c *Ctx) Modified(key []byte) { c.DB.modifiedBy(bstr(key), c.Client) }

// modified is Modified for a key of db changed by no client (expiry). The
// caller holds the key's shard lock or the namespace exclusively.
func (db *DB) modified(key string) { db.modifiedBy(key, nil) }

// modifiedBy is Modified for a key of db changed by client by (nil for
// none: NOLOOP spares the writer its own invalidations).
func (db *DB) modifiedBy(key string, by *Client) {
	if db.ns.tracking.live.Load() {
		db.ns.trackingModified(key, by)
	}
	t := &db.ns.watch
	if t.n.Load() == 0 {
		return
	}
	t.mu.Lock()
	for _, e := range t.keys[blockKey{db.index, key}] {
		if e.expired {
			if db.shardFor(key).keys.Find(key) == nil {
				// The stale key is gone: no logical change.
				e.expired = false
				continue
			}
		}
		e.ws.dirty.Store(true)
	}
	t.mu.Unlock()
}

// touchAllWatched marks the clients watching keys of db whose contents are
// about to be emptied (FLUSHDB, FLUSHALL) or replaced by with (SWAPDB), as
// Valkey's touchAllWatchedKeysInDb. The caller holds the namespace
// exclusively, and calls it before the change.
func (db *DB) touchAllWatched(with *dbData, now int64) {
	t := &db.ns.watch
	if t.n.Load() == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	find := func(d *dbData, k string) *Entry { return d.shardFor(k).keys.Find(k) }
	for bk, list := range t.keys {
		if bk.db != db.index {
			continue
		}
		inEmptied := find(db.data, bk.key) != nil
		var repl *Entry
		if with != nil {
			repl = find(with, bk.key)
		}
		if !inEmptied && repl == nil {
			continue
		}
		replExpired := repl != nil && expiredAt(repl, now)
		for _, e := range list {
			if e.expired {
				if repl == nil {
					e.expired = false // the expired key is deleted: no change
					continue
				}
				if replExpired {
					continue // still expired
				}
			} else if !inEmptied && replExpired {
				e.expired = true // a missing key replaced by an expired one
				continue
			}
			e.ws.dirty.Store(true)
		}
	}
}

// watchExpired reports whether a key of ws that was live when watched has
// expired since (Valkey's isWatchedKeyExpired). The caller holds the
// namespace exclusively.
func (ws *WatchSet) watchExpired(now int64) bool {
	if ws.ns == nil {
		return false
	}
	t := &ws.ns.watch
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, e := range ws.entries {
		if e.expired {
			continue
		}
		db := ws.ns.dbs[e.key.db]
		if it := db.shardFor(e.key.key).keys.Find(e.key.key); it != nil && expiredAt(it, now) {
			return true
		}
	}
	return false
}

// Transaction runs fn with the client's namespace held exclusively, as
// EXEC: it returns false without calling fn when a key the client watches
// changed. Clients blocked on keys fn readied are served before the lock is
// released, so they see the transaction's effects all at once.
func (n *Node) Transaction(c *Ctx, fn func()) bool {
	ns := c.Client.NS
	ns.mu.Lock()
	defer ns.mu.Unlock()
	if ws := c.Client.Watch; ws != nil && (ws.Dirty() || ws.watchExpired(n.nowMs())) {
		return false
	}
	fn()
	if ns.blocking.pending.Load() {
		n.serveBlocked(ns)
	}
	return true
}
