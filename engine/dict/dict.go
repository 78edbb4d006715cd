// Package dict is the hash table under flect's keyspace and its hashes and
// sets: a chained table with incremental rehashing, a reverse-binary SCAN
// cursor and uniform random sampling, the three things a Go map cannot give.
//
// The SCAN cursor has Valkey's guarantee: an element present in the table
// from the start to the end of a full iteration is returned at least once,
// however the table grows or shrinks in between. Elements may be returned
// more than once.
//
// A Dict is not safe for concurrent use; its owner serialises access.
package dict

import (
	"hash/maphash"
	"math/bits"
	"math/rand/v2"
)

const (
	minSize = 4
	// rehashStep is the number of buckets moved from the old table to the
	// new one by each write while a rehash is in progress.
	rehashStep = 1
	// emptyVisits bounds the empty buckets one rehash step may skip.
	emptyVisits = 10
	// randomSample and randomSteps bound Random's walk.
	randomSample = 20
	randomSteps  = 200
)

type table[V any] struct {
	buckets []*Node[V]
	mask    uint64
	used    int
}

// Dict is a hash table from string keys to nodes holding V.
type Dict[V any] struct {
	lay   *layout
	seed  maphash.Seed
	ht    [2]table[V] // ht[1] is in use only while rehashing
	rehix int         // next bucket of ht[0] to move; -1 when not rehashing
}

// New returns an empty Dict.
func New[V any]() *Dict[V] {
	return &Dict[V]{lay: layoutOf[V](), seed: maphash.MakeSeed(), rehix: -1}
}

// Len returns the number of elements.
func (d *Dict[V]) Len() int { return d.ht[0].used + d.ht[1].used }

// Buckets returns the number of buckets in use (both tables while
// rehashing), for introspection.
func (d *Dict[V]) Buckets() int { return len(d.ht[0].buckets) + len(d.ht[1].buckets) }

func (d *Dict[V]) hash(key string) uint64 { return maphash.String(d.seed, key) }

func (d *Dict[V]) rehashing() bool { return d.rehix >= 0 }

// Find returns the node for key, or nil.
func (d *Dict[V]) Find(key string) *Node[V] {
	if d.Len() == 0 {
		return nil
	}
	h := d.hash(key)
	for t := 0; t < 2; t++ {
		tb := &d.ht[t]
		if len(tb.buckets) == 0 {
			break
		}
		for n := tb.buckets[h&tb.mask]; n != nil; n = n.next {
			if n.Key() == key {
				return n
			}
		}
		if !d.rehashing() {
			break
		}
	}
	return nil
}

// Upsert returns the node for key, adding an empty one if it is missing;
// added reports whether it did. The Dict keeps its own copy of key.
func (d *Dict[V]) Upsert(key string) (n *Node[V], added bool) {
	if n := d.Find(key); n != nil {
		return n, false
	}
	var zero V
	n, _ = newNode(d.lay, key, zero, 0)
	d.insert(n)
	return n, true
}

// Add inserts a node for a key the caller knows is absent and returns it.
// The Dict keeps its own copy of key.
func (d *Dict[V]) Add(key string, val V) *Node[V] {
	n, _ := newNode(d.lay, key, val, 0)
	d.insert(n)
	return n
}

// AddTail is Add for a short key with room for extra more bytes in the
// node's own allocation (len(key)+extra <= MaxInline), which it returns:
// the caller may keep data there that lives and dies with the node. The
// tail is at least extra bytes long, and zeroed.
func (d *Dict[V]) AddTail(key string, val V, extra int) (*Node[V], []byte) {
	n, tail := newNode(d.lay, key, val, extra)
	d.insert(n)
	return n, tail
}

func (d *Dict[V]) insert(n *Node[V]) {
	d.step()
	d.growIfNeeded()
	t := 0
	if d.rehashing() {
		t = 1
	}
	tb := &d.ht[t]
	i := d.hash(n.Key()) & tb.mask
	n.next = tb.buckets[i]
	tb.buckets[i] = n
	tb.used++
}

// Delete removes key and returns its node, or nil if it was absent.
func (d *Dict[V]) Delete(key string) *Node[V] {
	if d.Len() == 0 {
		return nil
	}
	d.step()
	h := d.hash(key)
	for t := 0; t < 2; t++ {
		tb := &d.ht[t]
		if len(tb.buckets) == 0 {
			break
		}
		var prev *Node[V]
		for n := tb.buckets[h&tb.mask]; n != nil; n = n.next {
			if n.Key() == key {
				if prev == nil {
					tb.buckets[h&tb.mask] = n.next
				} else {
					prev.next = n.next
				}
				n.next = nil
				tb.used--
				d.shrinkIfNeeded()
				return n
			}
			prev = n
		}
		if !d.rehashing() {
			break
		}
	}
	return nil
}

// Clear removes every element.
func (d *Dict[V]) Clear() {
	d.ht = [2]table[V]{}
	d.rehix = -1
}

func (d *Dict[V]) growIfNeeded() {
	if d.rehashing() {
		return
	}
	tb := &d.ht[0]
	if len(tb.buckets) == 0 {
		d.ht[0] = newTable[V](minSize)
		return
	}
	if tb.used >= len(tb.buckets) {
		d.resize(tb.used * 2)
	}
}

func (d *Dict[V]) shrinkIfNeeded() {
	if d.rehashing() {
		return
	}
	tb := &d.ht[0]
	if len(tb.buckets) > minSize && tb.used*8 < len(tb.buckets) {
		d.resize(tb.used)
	}
}

func newTable[V any](n int) table[V] {
	size := minSize
	for size < n {
		size <<= 1
	}
	return table[V]{buckets: make([]*Node[V], size), mask: uint64(size - 1)}
}

func (d *Dict[V]) resize(n int) {
	nt := newTable[V](n)
	if len(nt.buckets) == len(d.ht[0].buckets) {
		return
	}
	d.ht[1] = nt
	d.rehix = 0
}

// step moves a few buckets of the old table to the new one.
func (d *Dict[V]) step() { d.Rehash(rehashStep) }

// Rehash moves up to n non-empty buckets of an in-progress rehash and
// reports whether more work remains. Owners may call it from idle time.
func (d *Dict[V]) Rehash(n int) bool {
	if !d.rehashing() {
		return false
	}
	old, nt := &d.ht[0], &d.ht[1]
	empty := n * emptyVisits
	for ; n > 0 && old.used > 0; n-- {
		for old.buckets[d.rehix] == nil {
			d.rehix++
			empty--
			if empty == 0 {
				return true
			}
		}
		for e := old.buckets[d.rehix]; e != nil; {
			next := e.next
			i := d.hash(e.Key()) & nt.mask
			e.next = nt.buckets[i]
			nt.buckets[i] = e
			old.used--
			nt.used++
			e = next
		}
		old.buckets[d.rehix] = nil
		d.rehix++
	}
	if old.used == 0 {
		d.ht[0] = d.ht[1]
		d.ht[1] = table[V]{}
		d.rehix = -1
		// Deletes during the rehash may have left the new table too big:
		// shrink again rather than keep the memory until the next delete.
		d.shrinkIfNeeded()
		return d.rehashing()
	}
	return true
}

// Scan calls fn for the elements of the bucket(s) at cursor and returns the
// next cursor; 0 means the iteration is complete. fn must not add or remove
// elements.
func (d *Dict[V]) Scan(cursor uint64, fn func(*Node[V])) uint64 {
	if d.Len() == 0 {
		return 0
	}
	emit := func(tb *table[V], i uint64) {
		for n := tb.buckets[i]; n != nil; n = n.next {
			fn(n)
		}
	}
	v := cursor
	if !d.rehashing() {
		t0 := &d.ht[0]
		emit(t0, v&t0.mask)
		v |= ^t0.mask
		v = bits.Reverse64(v)
		v++
		return bits.Reverse64(v)
	}
	t0, t1 := &d.ht[0], &d.ht[1]
	if len(t0.buckets) > len(t1.buckets) {
		t0, t1 = t1, t0
	}
	m0, m1 := t0.mask, t1.mask
	emit(t0, v&m0)
	for {
		emit(t1, v&m1)
		v |= ^m1
		v = bits.Reverse64(v)
		v++
		v = bits.Reverse64(v)
		if v&(m0^m1) == 0 {
			break
		}
	}
	return v
}

// Random returns an element chosen close to uniformly at random, or nil if
// the Dict is empty.
//
// Picking a random bucket and then a random element of its chain would
// favour elements in short chains. Like Valkey's dictGetFairRandomKey, it
// walks the buckets from a random one until it has seen randomSample
// elements (or walked randomSteps buckets having seen one) and returns one
// of those uniformly: exact for small dicts, whose walk covers everything.
func (d *Dict[V]) Random() *Node[V] {
	if d.Len() == 0 {
		return nil
	}
	d.step()
	// The live buckets: ht[0] from rehix on (those below are empty while
	// rehashing), then ht[1].
	segs := [2][]*Node[V]{d.ht[0].buckets, nil}
	if d.rehashing() {
		segs[0] = d.ht[0].buckets[d.rehix:]
		segs[1] = d.ht[1].buckets
	}
	total := len(segs[0]) + len(segs[1])
	i := rand.IntN(total)
	var pick *Node[V]
	seen := 0
	for steps := 0; steps < total; steps++ {
		var b *Node[V]
		if i < len(segs[0]) {
			b = segs[0][i]
		} else {
			b = segs[1][i-len(segs[0])]
		}
		for n := b; n != nil; n = n.next {
			seen++
			if rand.IntN(seen) == 0 {
				pick = n
			}
		}
		if seen >= randomSample || (seen > 0 && steps >= randomSteps) {
			break
		}
		if i++; i == total {
			i = 0
		}
	}
	return pick
}

// Sample calls fn for up to count elements taken from consecutive buckets
// starting at a random one, as Valkey's dictGetSomeKeys does for eviction:
// cheaper than count calls of Random (which visits about 20 elements for
// each one it returns) but not uniformly distributed, and in a large
// table an element may come twice. It visits at most 10*count buckets and
// returns the number of elements passed to fn. fn must not add or remove
// elements.
func (d *Dict[V]) Sample(count int, fn func(*Node[V])) int {
	if d.Len() == 0 || count <= 0 {
		return 0
	}
	d.step()
	// The walk goes over ht[0]'s indexes. While a rehash grows the table,
	// ht[0]'s bucket i spreads over ht[1]'s buckets i, i+len(ht[0]) ...,
	// visited with it; while it shrinks, ht[1]'s bucket i comes with
	// ht[0]'s bucket i. Either way each index sees the elements of one
	// bucket's worth of keys.
	t0, t1 := &d.ht[0], &d.ht[1]
	mask := t0.mask
	i := rand.Uint64() & mask
	got, empty := 0, 0
	visit := func(b *Node[V]) bool {
		found := b != nil
		for n := b; n != nil && got < count; n = n.next {
			fn(n)
			got++
		}
		return found
	}
	// A table of fewer than 10*count buckets is walked once at most.
	for steps := 0; steps < 10*count && uint64(steps) <= mask && got < count; steps++ {
		found := false
		if !d.rehashing() || i >= uint64(d.rehix) {
			found = visit(t0.buckets[i])
		}
		if d.rehashing() {
			for j := i; j <= t1.mask && got < count; j += mask + 1 {
				found = visit(t1.buckets[j]) || found
			}
		}
		// A run of empty buckets (a sparse table after deletions) moves
		// the walk to another random place, as Valkey's does.
		if empty++; found {
			empty = 0
		} else if empty >= 5 && empty > count && mask >= uint64(10*count) {
			i, empty = rand.Uint64()&mask, 0
			continue
		}
		i = (i + 1) & mask
	}
	return got
}

// Each calls fn for every element until fn returns false. fn must not add
// or remove elements.
func (d *Dict[V]) Each(fn func(*Node[V]) bool) {
	for t := 0; t < 2; t++ {
		for _, b := range d.ht[t].buckets {
			for n := b; n != nil; n = n.next {
				if !fn(n) {
					return
				}
			}
		}
	}
}
