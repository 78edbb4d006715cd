package engine

import (
	"unsafe"

	"github.com/flect-kv/flect/engine/dict"
)

// Field expiry of a hash (Valkey 9's volatile set). A hash whose fields
// have deadlines is hashtable-encoded and holds a hashFX with a hashVol:
// the deadline of each volatile field, and a min-heap of them so that the
// earliest is found in O(1) and reaping the due fields costs O(log n)
// each. A field is gone once the clock is past its deadline (it lives
// through the deadline's millisecond, as keys do); until the reaper
// deletes it, reads skip it.

// hfTTL is one volatile field: its name (the dict node's key, shared), its
// deadline in unix ms and its index in the heap.
type hfTTL struct {
	field string
	at    int64
	i     int
}

// hashVol is the volatile set of a hash; the zero value is empty.
type hashVol struct {
	m    map[string]*hfTTL
	heap deadlineHeap[*hfTTL]
}

// hashFX is the field expiry state of a hash, which holds one only while
// some field has a deadline or the hash is registered: the volatile set,
// and the hash's entry in its database's tracker of hashes with volatile
// fields (hash_expire.go), nil when untracked. Kept apart from Hash so
// that a hash without deadlines (nearly all) pays one pointer for it.
type hashFX struct {
	vol hashVol
	reg *hashReg
}

// Heap costs of the field expiry state (memory_size.go): the hashFX, per
// volatile field its hfTTL and its map slot (a key header and a pointer in
// a group of eight with its control byte, at the map's typical 7/8 load),
// and the registration.
var (
	hashFXMem        = scanMem(int64(unsafe.Sizeof(hashFX{})))
	hashVolFieldSize = scanMem(int64(unsafe.Sizeof(hfTTL{}))) + (8*24+8)/7
	hashRegMem       = scanMem(int64(unsafe.Sizeof(hashReg{})))
)

// memSize is the heap cost of the field expiry state.
func (x *hashFX) memSize() int64 {
	n := hashFXMem + x.vol.memSize()
	if x.reg != nil {
		n += hashRegMem
	}
	return n
}

// memSize is the volatile set's heap cost beyond its header: its fields
// and the heap's array.
func (v *hashVol) memSize() int64 {
	return int64(v.len())*hashVolFieldSize + scanMem(int64(cap(v.heap))*8)
}

func (v *hashVol) len() int { return len(v.heap) }

func (t *hfTTL) deadline() int64 { return t.at }
func (t *hfTTL) setIndex(i int)  { t.i = i }

// set gives field (a string the caller keeps alive, the dict key) the
// deadline at, adding or moving it.
func (v *hashVol) set(field string, at int64) {
	if t := v.m[field]; t != nil {
		old := t.at
		t.at = at
		if at != old {
			v.heap.fix(t.i)
		}
		return
	}
	t := &hfTTL{field: field, at: at}
	v.m[field] = t
	v.heap.push(t)
}

// remove forgets field's deadline and reports whether it had one.
func (v *hashVol) remove(field string) bool {
	t := v.m[field]
	if t == nil {
		return false
	}
	delete(v.m, field)
	v.heap.removeAt(t.i)
	return true
}

// min returns the earliest deadline; the set must not be empty.
func (v *hashVol) min() int64 { return v.heap[0].at }

// expiredCount returns how many fields are past their deadline at now.
// It walks only the heap's part that is due.
func (v *hashVol) expiredCount(now int64) int {
	n := 0
	var walk func(i int)
	walk = func(i int) {
		if i >= len(v.heap) || v.heap[i].at >= now {
			return
		}
		n++
		walk(2*i + 1)
		walk(2*i + 2)
	}
	walk(0)
	return n
}

// fieldAt returns the deadline of field (0 when it has none).
func (h *Hash) fieldAt(field string) int64 {
	if h.fx == nil {
		return 0
	}
	if t := h.fx.vol.m[field]; t != nil {
		return t.at
	}
	return 0
}

// fieldExpired reports whether field has a deadline before now.
func (h *Hash) fieldExpired(field string, now int64) bool {
	at := h.fieldAt(field)
	return at != 0 && at < now
}

// hasVolatile reports whether some field has a deadline.
func (h *Hash) hasVolatile() bool { return h.fx != nil && h.fx.vol.len() > 0 }

// minExpiry returns the earliest field deadline, or 0.
func (h *Hash) minExpiry() int64 {
	if !h.hasVolatile() {
		return 0
	}
	return h.fx.vol.min()
}

// setFieldExpiry gives the existing field node n the deadline at (0 clears
// it). The hash is hashtable-encoded.
func (h *Hash) setFieldExpiry(n *dict.Node[string], at int64) {
	if at == 0 {
		h.clearFieldExpiry(n.Key())
		return
	}
	if h.fx == nil {
		h.fx = &hashFX{}
	}
	if h.fx.vol.m == nil {
		h.fx.vol.m = map[string]*hfTTL{}
	}
	h.fx.vol.set(n.Key(), at)
}

// clearFieldExpiry drops field's deadline and reports whether it had one.
// The volatile set goes with its last deadline.
func (h *Hash) clearFieldExpiry(field string) bool {
	if h.fx == nil || !h.fx.vol.remove(field) {
		return false
	}
	if h.fx.vol.len() == 0 {
		h.fx.vol = hashVol{}
		h.releaseFX()
	}
	return true
}

// releaseFX drops the field expiry state (h.fx is set) once it holds
// neither a deadline nor a registration.
func (h *Hash) releaseFX() {
	if h.fx.vol.len() == 0 && h.fx.reg == nil {
		h.fx = nil
	}
}

// expiredCount returns how many fields are past their deadline at now but
// not reaped yet.
func (h *Hash) expiredCount(now int64) int {
	if !h.hasVolatile() {
		return 0
	}
	return h.fx.vol.expiredCount(now)
}

// liveLen returns the number of fields not past their deadline.
func (h *Hash) liveLen(now int64) int { return h.Len() - h.expiredCount(now) }

// liveNode returns the dict node of a live field of a hashtable hash, or nil.
func (h *Hash) liveNode(field []byte, now int64) *dict.Node[string] {
	if h.ht == nil {
		return nil
	}
	n := h.ht.Find(bstr(field))
	if n == nil || h.fieldExpired(n.Key(), now) {
		return nil
	}
	return n
}

// reapExpired deletes up to max fields whose deadline is before now, the
// earliest first, and returns how many it deleted.
func (h *Hash) reapExpired(now int64, max int) int {
	n := 0
	for n < max && h.hasVolatile() {
		t := h.fx.vol.heap[0]
		if t.at >= now {
			break
		}
		f := t.field
		h.clearFieldExpiry(f)
		if dn := h.ht.Delete(f); dn != nil {
			h.grow(-hashFieldMem(dn.Key(), dn.Val, true))
		}
		n++
	}
	return n
}

// copyVol duplicates the volatile set of src into h, a copy of src whose
// dict d holds the same fields.
func (h *Hash) copyVol(src *Hash, d *dict.Dict[string]) {
	if !src.hasVolatile() {
		return
	}
	for _, t := range src.fx.vol.heap {
		if n := d.Find(t.field); n != nil {
			h.setFieldExpiry(n, t.at)
		}
	}
}
