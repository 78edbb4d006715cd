package engine

import "unsafe"

// item is what the keyspace stores under a key, in 16 bytes: with the
// dict node's next pointer and the key's bytes after it (dict.Node), a
// key of 10 bytes and a 5-byte value fit a 48-byte allocation, where an
// interface, a timer pointer and a string header would take 80.
//
// The value is kept as the data word of its interface (the pointer, or an
// int64's box) and the index of its type in valueKinds, from which val
// rebuilds the interface. A key with a TTL keeps its value and its timer
// in a volatile instead, which costs nothing to keys without one.
type item struct {
	ptr unsafe.Pointer
	// meta holds the LRU clock or LFU counter (lru) in its low 24 bits,
	// the value's kind in the next 7 and volatileBit.
	meta uint32
	snap uint32 // the snapshot epoch in which the key was saved (snapshot.go)
}

// volatile is the value and expiry timer of a key with a TTL.
type volatile struct {
	val   any
	timer timer
}

const (
	lruMask     = 1<<24 - 1
	kindShift   = 24
	kindMask    = 0x7f << kindShift
	volatileBit = 1 << 31
)

// eface is the memory layout of an interface value of type any.
type eface struct{ typ, data unsafe.Pointer }

// valueKinds are the types of stored values, by kind; kind 0 is no value.
// A value of any other type (tests store some) is kept in a cell of its
// own, as kindBoxed.
var valueKinds = [...]any{nil, int64(0), (*shortStr)(nil), (*Str)(nil), (*List)(nil),
	(*Hash)(nil), (*Set)(nil), (*ZSet)(nil), (*Stream)(nil)}

const kindBoxed = len(valueKinds)

// kindTypes are the type words of valueKinds' interfaces.
var kindTypes = func() (t [len(valueKinds)]unsafe.Pointer) {
	for i := range valueKinds {
		t[i] = (*eface)(unsafe.Pointer(&valueKinds[i])).typ
	}
	return t
}()

// newItem returns an item holding v with lru as its LRU clock or LFU
// counter.
func newItem(v any, lru uint32) item {
	var it item
	it.setVal(v)
	it.setLRU(lru)
	return it
}

// val returns the stored value.
func (it *item) val() any {
	if it.meta&volatileBit != 0 {
		return (*volatile)(it.ptr).val
	}
	k := int(it.meta&kindMask) >> kindShift
	if k == kindBoxed {
		return *(*any)(it.ptr)
	}
	var v any
	e := (*eface)(unsafe.Pointer(&v))
	e.typ, e.data = kindTypes[k], it.ptr
	return v
}

// setVal replaces the stored value, keeping the key's TTL.
func (it *item) setVal(v any) {
	if it.meta&volatileBit != 0 {
		(*volatile)(it.ptr).val = v
		return
	}
	e := (*eface)(unsafe.Pointer(&v))
	for k, t := range kindTypes {
		if t == e.typ {
			it.ptr = e.data
			it.meta = it.meta&^kindMask | uint32(k)<<kindShift
			return
		}
	}
	cell := new(any)
	*cell = v
	it.ptr = unsafe.Pointer(cell)
	it.meta = it.meta&^kindMask | uint32(kindBoxed)<<kindShift
}

// lru returns the key's LRU clock or LFU counter (24 bits).
func (it *item) lru() uint32 { return it.meta & lruMask }

// setLRU sets the key's LRU clock or LFU counter.
func (it *item) setLRU(v uint32) { it.meta = it.meta&^lruMask | v&lruMask }

// timer returns the key's registration in the expiry wheel, which holds
// its deadline (expireOf), or nil when the key has no TTL.
func (it *item) timer() *timer {
	if it.meta&volatileBit == 0 {
		return nil
	}
	return &(*volatile)(it.ptr).timer
}

// makeVolatile moves the value into a volatile and returns its timer,
// unlinked; the key has no TTL.
func (it *item) makeVolatile() *timer {
	vol := &volatile{val: it.val()}
	it.ptr = unsafe.Pointer(vol)
	it.meta |= volatileBit
	return &vol.timer
}

// makePersistent drops the key's volatile, keeping its value; the key has
// a TTL, whose timer the caller has unlinked.
func (it *item) makePersistent() {
	v := (*volatile)(it.ptr).val
	it.meta &^= volatileBit
	it.setVal(v)
}
