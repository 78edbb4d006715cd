package engine

import (
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// Eviction, as Valkey's evict.c. Before a command runs, the front end
// calls PerformEvictions for the client's namespace when a limit is set:
// the node's maxmemory (against UsedMemory) or the store's quota (against
// the namespace's own keys). Keys of that namespace are deleted, by its
// policy, until it is within both limits or a time budget (from
// maxmemory-eviction-tenacity) runs out; then the background loop
// (evict_bg.go) carries on, one bounded step at a time. A namespace only
// ever evicts its own keys: a store cannot push out another's.
//
// The LRU, LFU and volatile-ttl policies keep an eviction pool per
// namespace: each round samples maxmemory-samples keys of every database
// that has candidates and keeps the best 16 candidates seen, sorted by
// idle score (idle time, inverse frequency, or closeness of the
// deadline); the best candidate still present is evicted.

// PerformEvictions results, as Valkey's EVICT_*.
const (
	// EvictOK: within the limits (or nothing to do).
	EvictOK = iota
	// EvictRunning: over a limit, but eviction goes on in the background;
	// commands are not refused.
	EvictRunning
	// EvictFail: over a limit with nothing that can be evicted: commands
	// flagged denyoom are refused with the OOM error.
	EvictFail
)

// evpoolSize is EVPOOL_SIZE; evpoolCachedKey the key length a pool entry
// holds without allocating (EVPOOL_CACHED_SDS_SIZE).
const (
	evpoolSize      = 16
	evpoolCachedKey = 255
)

// poolEntry is a candidate for eviction.
type poolEntry struct {
	idle   uint64 // the higher, the better a candidate
	db     int
	key    []byte // nil: empty; else cached[:n] or a longer copy
	cached []byte
}

// evictor is a namespace's eviction state. mu serialises evictions of the
// namespace (foreground and background), and is taken before the
// namespace lock, never while holding it.
type evictor struct {
	mu     sync.Mutex
	pool   [evpoolSize]poolEntry
	nextDB int
	// rnd holds the key picked by a random policy.
	rnd []byte
	// bg is set while the background loop has work for the namespace
	// (Valkey's isEvictionProcRunning).
	bg bool
}

// evictionTimeLimit is Valkey's evictionTimeLimitUs: how long one call
// may evict before handing over to the background.
func (n *Node) evictionTimeLimit() time.Duration {
	t := n.MaxmemoryEvictionTenacity()
	switch {
	case t <= 10:
		return time.Duration(50*t) * time.Microsecond
	case t < 100:
		return time.Duration(500*math.Pow(1.15, float64(t-10))) * time.Microsecond
	}
	return math.MaxInt64
}

// MemoryLimited reports whether the namespace has a limit to enforce: the
// node's maxmemory or its own quota. When it does not, PerformEvictions
// need not be called.
func (ns *Namespace) MemoryLimited() bool {
	return ns.node.Config.eng.maxmemory.Load() != 0 || ns.mem.quota.Load() != 0
}

// memToFree returns how many bytes the namespace must free to be within
// its quota and the node's maxmemory; 0 when it is.
func (ns *Namespace) memToFree() int64 {
	var need int64
	if q := ns.mem.quota.Load(); q > 0 {
		if u := ns.mem.used.Load(); u > q {
			need = u - q
		}
	}
	if mm := ns.node.Maxmemory(); mm > 0 && mm <= math.MaxInt64 {
		if u := ns.node.UsedMemory(); u > int64(mm) {
			need = max(need, u-int64(mm))
		}
	}
	return need
}

// OverLimit reports whether the namespace is over its quota or the node
// over its maxmemory.
func (ns *Namespace) OverLimit() bool { return ns.memToFree() > 0 }

// PerformEvictions evicts keys of the namespace until it and the node
// are within their limits, for at most the eviction time budget, and
// returns EvictOK, EvictRunning or EvictFail (see those). The caller holds
// no lock of the namespace.
func (ns *Namespace) PerformEvictions() int {
	r := ns.performEvictions()
	ns.noteEviction(r)
	return r
}

func (ns *Namespace) performEvictions() int {
	if ns.memToFree() == 0 {
		return EvictOK
	}
	if ns.expiryPaused(ns.node.nowMs()) {
		// CLIENT PAUSE holds back evictions as it holds back expiry;
		// as in Valkey the command goes on as if within the limits.
		return EvictOK
	}
	if !ns.policy().evicts() {
		return EvictFail // over the limit, and the policy forbids evicting
	}
	ev := &ns.mem.ev
	ev.mu.Lock()
	defer ev.mu.Unlock()
	r := ns.evictLocked(ns.node.evictionTimeLimit())
	if r == EvictRunning && !ev.bg {
		ev.bg = true
		ns.node.kickEviction(ns)
	}
	return r
}

// evictLocked evicts until the namespace is within its limits, it runs
// out of candidates (EvictFail) or budget has passed (EvictRunning). The
// caller holds ns.mem.ev.mu.
func (ns *Namespace) evictLocked(budget time.Duration) int {
	need := ns.memToFree()
	if need == 0 {
		return EvictOK
	}
	pol := ns.policy()
	flags := pol.flags()
	if !pol.evicts() {
		return EvictFail
	}
	node := ns.node
	start := node.Mono()
	now := node.nowMs()
	if ns.expiryPaused(now) {
		return EvictOK
	}
	ns.mu.RLock()
	defer ns.mu.RUnlock()
	var freed int64
	keys := 0
	usePool := flags&(policyLRU|policyLFU|policyTTL) != 0
	allKeys := flags&policyAllKeys != 0
	samples := node.MaxmemorySamples()
	for freed < need {
		var db int
		var key []byte
		var ok bool
		if usePool {
			db, key, ok = ns.poolVictim(pol, allKeys, samples, now)
		} else {
			db, key, ok = ns.randomVictim(allKeys)
		}
		if !ok {
			return EvictFail
		}
		freed += ns.evictKey(db, key, allKeys)
		keys++
		if keys%16 == 0 && node.Mono()-start > budget {
			if ns.memToFree() == 0 {
				return EvictOK
			}
			return EvictRunning
		}
	}
	return EvictOK
}

// evictKey deletes key from database i, as Valkey's eviction does: an
// "evicted" event, WATCH and tracking invalidation, the evicted_keys
// count. A key that is gone (or, for a volatile policy, lost its TTL)
// since it was sampled is skipped. It returns the bytes freed.
func (ns *Namespace) evictKey(i int, key []byte, allKeys bool) int64 {
	db := ns.dbs[i]
	d := db.data
	k := bstr(key)
	s := d.shardFor(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.keys.Find(k)
	if e == nil || !allKeys && e.Val.timer() == nil {
		return 0
	}
	before := s.mem
	d.removeEntry(s, e)
	ns.mem.evicted.Add(1)
	db.modified(k)
	db.notify(NotifyEvicted, "evicted", k)
	ns.blocking.signal(i, k)
	return before - s.mem
}

// candidates reports how many keys of d a policy may evict: all its keys,
// or those with a TTL.
func (d *dbData) candidates(allKeys bool) int64 {
	if allKeys {
		return d.nkeys.Load()
	}
	return d.nvol.Load()
}

// poolVictim fills the pool with samples from every database that has
// candidates and takes out the best one still present; ok is false when
// no database has any. The caller holds the namespace shared and
// ns.mem.ev.mu.
func (ns *Namespace) poolVictim(pol *policyState, allKeys bool, samples int, now int64) (db int, key []byte, ok bool) {
	pool := &ns.mem.ev.pool
	for round := 0; ; round++ {
		var total int64
		for i, d := range ns.dbs {
			n := d.data.candidates(allKeys)
			if n == 0 {
				continue
			}
			total += n
			ns.samplePool(i, pol, allKeys, samples, now)
		}
		if total == 0 {
			return 0, nil, false
		}
		for k := evpoolSize - 1; k >= 0; k-- {
			p := &pool[k]
			if p.key == nil {
				continue
			}
			db, key = p.db, p.key
			p.key = nil
			if ns.present(db, key, allKeys) {
				return db, key, true
			}
		}
		if round > 64 {
			// Candidates are counted but none could be sampled (a
			// race with deletions): give up for now.
			return 0, nil, false
		}
	}
}

// present reports whether key is in database i (with a TTL unless
// allKeys).
func (ns *Namespace) present(i int, key []byte, allKeys bool) bool {
	d := ns.dbs[i].data
	k := bstr(key)
	s := d.shardFor(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	e := s.keys.Find(k)
	return e != nil && (allKeys || e.Val.timer() != nil)
}

// samplePool samples up to samples candidates of database i and offers
// them to the pool.
func (ns *Namespace) samplePool(i int, pol *policyState, allKeys bool, samples int, now int64) {
	d := ns.dbs[i].data
	flags := pol.flags()
	score := func(e *Entry) uint64 {
		switch {
		case flags&policyLRU != 0:
			return uint64(idleMs(e.Val.lru(), now))
		case flags&policyLFU != 0:
			return 255 - uint64(ns.node.lfuCounter(e.Val.lru(), now))
		}
		return math.MaxUint64 - uint64(expireOf(e)) // volatile-ttl
	}
	offer := func(e *Entry) { ns.mem.ev.offer(i, e.Key(), score(e)) }
	if !allKeys && d.sparseVolatile() {
		d.sampleWheel(samples, offer)
		return
	}
	got := 0
	start := rand.IntN(NumShards)
	for j := 0; j < NumShards && got < samples; j++ {
		s := &d.shards[(start+j)%NumShards]
		s.mu.Lock()
		got += d.sampleShard(s, allKeys, samples-got, offer)
		s.mu.Unlock()
		if got > 0 && d.candidates(allKeys) < int64(samples)*10 {
			break // few keys: do not scan every shard for more
		}
	}
}

// sampleShard calls fn for up to want random candidates of shard s
// (locked) and returns how many it found: keys drawn at random, those
// with a TTL only unless allKeys.
func (d *dbData) sampleShard(s *shard, allKeys bool, want int, fn func(*Entry)) int {
	n := s.keys.Len()
	if n == 0 || !allKeys && s.volatile == 0 {
		return 0
	}
	if allKeys {
		return s.keys.Sample(want, fn)
	}
	// Keys with a TTL are at least a quarter of the keys here
	// (sparseVolatile): a few rounds of samples find enough of them.
	got := 0
	for round := 0; round < 8 && got < want; round++ {
		s.keys.Sample(want, func(e *Entry) {
			if got < want && e.Val.timer() != nil {
				fn(e)
				got++
			}
		})
	}
	return got
}

// sparseVolatile reports whether d has so few keys with a TTL that
// drawing random keys would rarely find one: volatile candidates then come
// from the expiry wheel (sampleWheel).
func (d *dbData) sparseVolatile() bool { return d.nvol.Load()*4 < d.nkeys.Load() }

// sampleWheel calls fn for up to want keys with a TTL taken from random
// slots of the expiry wheel, each with its shard locked, and returns how
// many it found.
func (d *dbData) sampleWheel(want int, fn func(*Entry)) int {
	var keys [64]string
	d.wheelMu.Lock()
	m := 0
	if w := d.wheel; w != nil && w.n > 0 {
		m = w.sample(keys[:min(want*2, len(keys))])
	}
	d.wheelMu.Unlock()
	got := 0
	for _, k := range keys[:m] {
		if got == want {
			break
		}
		s := d.shardFor(k)
		s.mu.Lock()
		if e := s.keys.Find(k); e != nil && e.Val.timer() != nil {
			fn(e)
			got++
		}
		s.mu.Unlock()
	}
	return got
}

// sample copies into out the keys of timers of one random non-empty slot
// of the wheel (more slots while out has room) and returns how many.
func (w *wheel) sample(out []string) int {
	n := 0
	lvl := rand.IntN(wheelLevels)
	for l := 0; l < wheelLevels && n < len(out); l++ {
		level := (lvl + l) % wheelLevels
		if w.counts[level] == 0 {
			continue
		}
		start := rand.IntN(wheelSlots)
		for j := 0; j < wheelSlots && n < len(out); j++ {
			for t := w.slots[level][(start+j)%wheelSlots].head; t != nil && n < len(out); t = t.next {
				out[n] = t.key
				n++
			}
		}
	}
	return n
}

// offer inserts a candidate into the pool, as evictionPoolPopulate: the
// pool is sorted by ascending idle; a candidate worse than every entry of
// a full pool is dropped, else it takes its place and pushes the worst
// one out.
func (ev *evictor) offer(db int, key string, idle uint64) {
	pool := &ev.pool
	k := 0
	for k < evpoolSize && pool[k].key != nil && pool[k].idle < idle {
		k++
	}
	switch {
	case k == 0 && pool[evpoolSize-1].key != nil:
		return // worse than everything in a full pool
	case k < evpoolSize && pool[k].key == nil:
		// An empty slot.
	case pool[evpoolSize-1].key == nil:
		// Room on the right: shift k.. right by one.
		cached := pool[evpoolSize-1].cached
		copy(pool[k+1:], pool[k:evpoolSize-1])
		pool[k] = poolEntry{cached: cached}
	default:
		// Full: drop the worst (leftmost) and insert before k.
		k--
		cached := pool[0].cached
		copy(pool[:k], pool[1:k+1])
		pool[k] = poolEntry{cached: cached}
	}
	p := &pool[k]
	if len(key) > evpoolCachedKey {
		p.key = []byte(key)
	} else {
		if p.cached == nil {
			p.cached = make([]byte, 0, evpoolCachedKey)
		}
		p.key = append(p.cached[:0], key...)
	}
	p.idle, p.db = idle, db
}

// randomVictim picks a random candidate from the next database that has
// one (allkeys-random, volatile-random).
func (ns *Namespace) randomVictim(allKeys bool) (db int, key []byte, ok bool) {
	ev := &ns.mem.ev
	for range ns.dbs {
		ev.nextDB = (ev.nextDB + 1) % len(ns.dbs)
		d := ns.dbs[ev.nextDB].data
		if d.candidates(allKeys) == 0 {
			continue
		}
		pick := func(e *Entry) {
			ev.rnd = append(ev.rnd[:0], e.Key()...)
			key = ev.rnd
		}
		if !allKeys && d.sparseVolatile() {
			d.sampleWheel(1, pick)
		} else {
			start := rand.IntN(NumShards)
			for j := 0; j < NumShards && key == nil; j++ {
				s := &d.shards[(start+j)%NumShards]
				s.mu.Lock()
				d.sampleShard(s, allKeys, 1, pick)
				s.mu.Unlock()
			}
		}
		if key != nil {
			return ev.nextDB, key, true
		}
	}
	return 0, nil, false
}
