package engine

// Key access for command handlers. Every method requires the key's shard
// lock (held by the dispatcher for the command's declared keys) or the
// namespace's exclusive lock.
//
// Keyspace events: these methods publish those Valkey's lower layers do (a
// new key's "new", a lazily expired key's "expired", a read miss's
// "keymiss"); the command itself calls Notify and Modified for its own
// changes (a write, a deletion), where Valkey's command does.

import "github.com/flect-kv/flect/engine/dict"

// Lookup returns the live entry for key for a read: it counts a keyspace
// hit or miss and touches the key's access time unless the client asked
// for NO-TOUCH.
func (c *Ctx) Lookup(key []byte) *Entry {
	e := c.DB.find(bstr(key), c.nowMs)
	if e == nil {
		c.DB.notify(NotifyKeyMiss, "keymiss", bstr(key))
		c.Client.NS.Stats.KeyspaceMisses.Add(1)
		return nil
	}
	c.Client.NS.Stats.KeyspaceHits.Add(1)
	if !c.Client.NoTouch {
		e.Val.setLRU(c.Client.NS.touchLRU(e.Val.lru(), c.nowMs))
	}
	return e
}

// LookupNoTouch returns the live entry for key for a read that counts a
// keyspace hit or miss but leaves the access time alone (EXISTS, TYPE, TTL,
// OBJECT).
func (c *Ctx) LookupNoTouch(key []byte) *Entry {
	e := c.DB.find(bstr(key), c.nowMs)
	if e == nil {
		c.DB.notify(NotifyKeyMiss, "keymiss", bstr(key))
		c.Client.NS.Stats.KeyspaceMisses.Add(1)
		return nil
	}
	c.Client.NS.Stats.KeyspaceHits.Add(1)
	return e
}

// LookupWrite returns the live entry for key for a write: no hit/miss
// accounting, access time touched.
func (c *Ctx) LookupWrite(key []byte) *Entry {
	e := c.DB.find(bstr(key), c.nowMs)
	if e != nil && !c.Client.NoTouch {
		e.Val.setLRU(c.Client.NS.touchLRU(e.Val.lru(), c.nowMs))
	}
	return e
}

// Exists reports whether key is live, without touching it.
func (c *Ctx) Exists(key []byte) bool { return c.DB.find(bstr(key), c.nowMs) != nil }

// SetValue stores val under key, replacing any value of any type. The TTL
// is cleared unless keepTTL. It returns the entry.
func (c *Ctx) SetValue(key []byte, val any, keepTTL bool) *Entry {
	return c.DB.set(bstr(key), val, keepTTL, c.nowMs)
}

// SetString stores the string b under key as SET does (see DB.setString).
func (c *Ctx) SetString(key, b []byte, keepTTL bool) *Entry {
	return c.DB.setString(bstr(key), b, keepTTL, c.nowMs)
}

// Delete removes key and reports whether it existed (and was live).
func (c *Ctx) Delete(key []byte) bool {
	db := c.DB
	k := bstr(key)
	e := db.find(k, c.nowMs)
	if e == nil {
		return false
	}
	db.removeEntry(db.shardFor(k), e)
	c.Dirty(1)
	db.ns.blocking.signal(db.index, k)
	return true
}

// SetExpire sets the absolute deadline (unix ms) of a live entry; 0 clears
// it.
func (c *Ctx) SetExpire(e *Entry, at int64) {
	c.DB.setExpire(c.DB.shardFor(e.Key()), e, at)
}

// Dirty records n changes for persistence's change counter.
func (c *Ctx) Dirty(n int64) { c.Client.NS.Stats.Dirty.Add(n) }

// set is SetValue for a key given as a string (it may alias a read buffer;
// a new key is copied).
func (db *DB) set(k string, val any, keepTTL bool, now int64) *Entry {
	s, e := db.findLive(k, now)
	if e == nil {
		return db.add(s, k, val, now)
	}
	s.preserve(e) // for a snapshot, in case the command did not declare k
	db.data.untrackStored(e)
	old := acctOf(e.Val.val())
	e.Val.setVal(detachValue(val))
	db.data.revalued(s, e, old)
	db.data.trackStored(e)
	db.overwritten(s, e, keepTTL, now)
	return e
}

// setString is set for a string written whole (SET, MSET ...). An
// existing string value whose buffer fits the new bytes is overwritten in
// place, so that replacing a cached value allocates nothing.
func (db *DB) setString(k string, b []byte, keepTTL bool, now int64) *Entry {
	s, e := db.findLive(k, now)
	if e == nil {
		return db.addString(s, k, b, now)
	}
	s.preserve(e) // for a snapshot, in case the command did not declare k
	db.data.untrackStored(e)
	old := acctOf(e.Val.val())
	e.Val.setVal(overwriteString(e.Val.val(), b))
	db.data.revalued(s, e, old)
	db.overwritten(s, e, keepTTL, now)
	return e
}

// findLive returns k's shard and live entry (nil if absent), deleting the
// entry first if it has expired.
func (db *DB) findLive(k string, now int64) (*shard, *Entry) {
	s := db.shardFor(k)
	e := s.keys.Find(k)
	if e != nil && expiredAt(e, now) {
		db.removeEntry(s, e)
		db.ns.Stats.ExpiredKeys.Add(1)
		db.expiredKey(k)
		e = nil
	}
	return s, e
}

// add stores a new key in shard s.
func (db *DB) add(s *shard, k string, val any, now int64) *Entry {
	return db.added(s, s.keys.Add(k, newItem(detachValue(val), db.ns.initLRU(now))))
}

// addString is add for the string b written whole: a short value that
// fits beside a short key lives in the key's dict node (shortStr).
func (db *DB) addString(s *shard, k string, b []byte, now int64) *Entry {
	if n, ok := parseStrictInt(b); ok {
		return db.add(s, k, boxInt(n), now)
	}
	need := int(shortStrHeader) + len(b)
	if len(k)+need > dict.MaxInline || len(b) > shortStrMax {
		return db.add(s, k, newTextValue(b), now)
	}
	e, tail := s.keys.AddTail(k, newItem(nil, db.ns.initLRU(now)), need)
	cost := dictNodeMem(keyNodeSize, len(k)+len(tail)) - keyMem(len(k))
	e.Val.setVal(newInlineShortStr(tail, b, cost))
	return db.added(s, e)
}

// added does the bookkeeping of add for e, just inserted into s.
func (db *DB) added(s *shard, e *Entry) *Entry {
	s.born(e)
	db.data.stored(s, e)
	db.data.trackStored(e)
	db.ns.Stats.Dirty.Add(1)
	db.notify(NotifyNew, "new", e.Key())
	db.ns.blocking.signal(db.index, e.Key())
	return e
}

// overwritten finishes replacing the value of an existing entry.
func (db *DB) overwritten(s *shard, e *Entry, keepTTL bool, now int64) {
	// Valkey's setKey touches the key through its lookup, then keeps the
	// access data. Callers under LFU have looked the key up already (one
	// counter increment per write, as in Valkey).
	if !db.ns.usesLFU() {
		e.Val.setLRU(lruClock(now))
	}
	if !keepTTL && expireOf(e) != 0 {
		db.setExpire(s, e, 0)
	}
	db.ns.Stats.Dirty.Add(1)
	// A client blocked on the key may be woken by its new type
	// (XREADGROUP fails with WRONGTYPE).
	db.ns.blocking.signal(db.index, e.Key())
}

// lruClock is Valkey's LRU clock: seconds resolution, 24 bits.
func lruClock(nowMs int64) uint32 { return uint32(nowMs/1000) & (1<<24 - 1) }
