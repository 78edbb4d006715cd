package engine

import (
	"encoding/binary"
	"math/rand/v2"
	"strings"
	"unsafe"

	"github.com/flect-kv/flect/engine/dict"
)

// Hash is a hash value. Like Valkey it has two encodings:
//
//   - "listpack" while it is small (at most hash-max-listpack-entries
//     fields, none longer than hash-max-listpack-value bytes): fields and
//     values packed in insertion order in one byte slice, each as a uvarint
//     length and its bytes, searched linearly, as Valkey's listpack is;
//   - "hashtable" once a threshold has been passed: a dict from field to
//     value. A hash never converts back.
//
// The bytes of a listpack below len(lp) never change once written: an
// update or a deletion builds a new slice and a new field is appended. So
// the strings Get, Each and Random return may alias the slice and stay
// valid whatever happens to the hash later (a caller keeping one for long
// should clone it, not to keep the whole slice alive). A hashtable's fields
// and values are immutable Go strings.
//
// Valkey 9's field expiry: a field may have a deadline (hash_ttl.go),
// which converts the hash to a hashtable first. A field past its deadline
// is invisible to reads until the expiry loop (hash_expire.go) deletes it,
// but still counted by Len, as Valkey's HLEN counts it.
type Hash struct {
	memTrack        // memory accounting (memory.go): hashFieldMem of the fields
	lp       []byte // listpack encoding; unused once ht is set
	lpN      uint32 // fields in lp
	lpBytes  uint32 // bytes of the listpack's fields and values, at most hashSizeSafetyLimit
	ht       *dict.Dict[string]
	// fx is the field expiry state (hash_ttl.go): the deadlines of
	// volatile fields and the hash's entry in its database's tracker
	// (hash_expire.go); nil while it has neither. Only a hashtable hash
	// has volatile fields.
	fx *hashFX
}

// lpRead returns the string at off in a listpack and the offset after it.
func lpRead(b []byte, off int) (s string, next int) {
	n, k := binary.Uvarint(b[off:])
	off += k
	if n == 0 {
		return "", off
	}
	return unsafe.String(&b[off], int(n)), off + int(n)
}

// lpAppendPair appends a field and its value to a listpack.
func lpAppendPair(b []byte, field, value string) []byte {
	b = lpGrow(b, uvarintLen(uint64(len(field)))+len(field)+uvarintLen(uint64(len(value)))+len(value))
	b = binary.AppendUvarint(b, uint64(len(field)))
	b = append(b, field...)
	b = binary.AppendUvarint(b, uint64(len(value)))
	return append(b, value...)
}

// hashSizeSafetyLimit is Valkey's SIZE_SAFETY_LIMIT for a listpack: a hash
// whose listpack would grow past it is converted whatever the settings.
// It keeps lpBytes and lpN well inside 32 bits.
const hashSizeSafetyLimit = 1 << 30

// lpSafeToAdd reports whether n more bytes of fields and values keep the
// listpack within hashSizeSafetyLimit (Valkey's lpSafeToAdd).
func (h *Hash) lpSafeToAdd(n int) bool {
	return int64(h.lpBytes)+int64(n) <= hashSizeSafetyLimit
}

// hashPairOverhead approximates the listpack bytes of one field/value pair
// beyond their contents (entry headers and back-lengths).
const hashPairOverhead = 4

func newHash() *Hash { return &Hash{} }

// TypeName implements Typed.
func (h *Hash) TypeName() string { return TypeHash }

// Encoding implements Typed.
func (h *Hash) Encoding() string {
	if h.ht != nil {
		return "hashtable"
	}
	return "listpack"
}

// Len returns the number of fields.
func (h *Hash) Len() int {
	if h.ht != nil {
		return h.ht.Len()
	}
	return int(h.lpN)
}

// Copy implements Copier: a hash with the same encoding and contents.
func (h *Hash) Copy() any {
	if h.ht == nil {
		return &Hash{lp: append([]byte(nil), h.lp...), lpN: h.lpN, lpBytes: h.lpBytes}
	}
	d := dict.New[string]()
	h.ht.Each(func(n *dict.Node[string]) bool {
		d.Add(n.Key(), n.Val)
		return true
	})
	c := &Hash{ht: d}
	c.copyVol(h, d)
	return c
}

// lpIndex returns the offset of field's entry in the listpack, or -1.
func (h *Hash) lpIndex(field []byte) int {
	start, _, _ := h.lpFind(field)
	return start
}

// lpFind returns the offsets [start, end) of field's entry (field and
// value) in the listpack and its value; start is -1 when it is missing.
func (h *Hash) lpFind(field []byte) (start, end int, value string) {
	f := bstr(field)
	for off := 0; off < len(h.lp); {
		k, voff := lpRead(h.lp, off)
		v, next := lpRead(h.lp, voff)
		if k == f {
			return off, next, v
		}
		off = next
	}
	return -1, 0, ""
}

// lpReplace returns a new listpack: h's with the bytes [start, end)
// replaced by repl.
func (h *Hash) lpReplace(start, end int, repl []byte) []byte {
	b := make([]byte, 0, lpCap(len(h.lp)-(end-start)+len(repl)))
	b = append(b, h.lp[:start]...)
	b = append(b, repl...)
	return append(b, h.lp[end:]...)
}

// get returns the value of field unless it is missing or past its
// deadline at now.
func (h *Hash) get(field []byte, now int64) (string, bool) {
	if h.hasVolatile() {
		if n := h.liveNode(field, now); n != nil {
			return n.Val, true
		}
		return "", false
	}
	return h.Get(field)
}

// exists reports whether field is present and not past its deadline.
func (h *Hash) exists(field []byte, now int64) bool {
	_, ok := h.get(field, now)
	return ok
}

// Get returns the value of field, whatever its deadline.
func (h *Hash) Get(field []byte) (string, bool) {
	if h.ht != nil {
		if n := h.ht.Find(bstr(field)); n != nil {
			return n.Val, true
		}
		return "", false
	}
	if start, _, v := h.lpFind(field); start >= 0 {
		return v, true
	}
	return "", false
}

// Exists reports whether field is present, whatever its deadline.
func (h *Hash) Exists(field []byte) bool {
	_, ok := h.Get(field)
	return ok
}

// hashLimits are the conversion thresholds in force for one command.
type hashLimits struct {
	entries, value int64
}

func (c *Ctx) hashLimits() hashLimits {
	return hashLimits{entries: c.Node.HashMaxListpackEntries(), value: c.Node.HashMaxListpackValue()}
}

// tryConversion is Valkey's hashTypeTryConversion, run before a command
// writes the field/value arguments args: a listpack hash converts when
// more pairs are written than it may hold (even if some are updates), when
// an argument is longer than the value limit, or when the listpack would
// pass the size safety limit.
func (h *Hash) tryConversion(args [][]byte, lim hashLimits) {
	if h.ht != nil {
		return
	}
	if int64(len(args)/2) > lim.entries {
		h.convert()
		return
	}
	var sum int64
	for _, a := range args {
		if int64(len(a)) > lim.value {
			h.convert()
			return
		}
		sum += int64(len(a))
	}
	if int64(h.lpBytes)+sum+(int64(h.lpN)+int64(len(args)/2))*hashPairOverhead > hashSizeSafetyLimit {
		h.convert()
	}
}

// convert turns a listpack hash into a hashtable one.
func (h *Hash) convert() {
	if h.ht != nil {
		return
	}
	d := dict.New[string]()
	h.Each(func(f, v string) bool {
		d.Add(f, strings.Clone(v)) // Add copies the field
		return true
	})
	h.ht, h.lp, h.lpN, h.lpBytes = d, nil, 0, 0
	h.recount()
}

// Set stores value under field (field may alias a read buffer; it is
// copied when added) and reports whether the field is new. It is Valkey's
// hashTypeSet: a field or value longer than the value limit converts the
// hash first, and a listpack holding more than the entry limit afterwards
// converts. So does a listpack the pair would take past
// hashSizeSafetyLimit (which tryConversion has ruled out for HSET and
// HSETNX), so that its counters cannot overflow.
func (h *Hash) Set(field []byte, value string, lim hashLimits) (added bool) {
	added, _ = h.set(field, value, lim, 0, false)
	return added
}

// set is Set with Valkey 9's field expiry (hashTypeSet): an existing field
// loses its deadline unless keepTTL, and one already past its deadline at
// now is replaced as if it were new (added, without its old deadline). It
// also returns the field's dict node for a hashtable hash.
func (h *Hash) set(field []byte, value string, lim hashLimits, now int64, keepTTL bool) (added bool, n *dict.Node[string]) {
	if h.ht == nil && (int64(len(field)) > lim.value || int64(len(value)) > lim.value ||
		!h.lpSafeToAdd(len(field)+len(value))) {
		h.convert()
	}
	if h.ht != nil {
		n, added = h.ht.Upsert(bstr(field))
		if added {
			h.grow(hashFieldMem(n.Key(), value, true))
		} else {
			h.grow(strMem(len(value)) - strMem(len(n.Val)))
		}
		n.Val = value
		if !added && h.hasVolatile() {
			if h.fieldExpired(n.Key(), now) {
				added = true
				h.clearFieldExpiry(n.Key())
			} else if !keepTTL {
				h.clearFieldExpiry(n.Key())
			}
		}
		return added, n
	}
	if start, end, old := h.lpFind(field); start >= 0 {
		h.lpBytes += uint32(len(value)) - uint32(len(old))
		var buf [128]byte
		h.lp = h.lpReplace(start, end, lpAppendPair(buf[:0], bstr(field), value))
		return false, nil
	}
	h.lp = lpAppendPair(h.lp, bstr(field), value)
	h.lpN++
	h.lpBytes += uint32(len(field) + len(value))
	if int64(h.lpN) > lim.entries {
		h.convert()
		return true, h.ht.Find(bstr(field))
	}
	return true, nil
}

// Delete removes field and reports whether it was present.
func (h *Hash) Delete(field []byte) bool {
	if h.ht != nil {
		n := h.ht.Delete(bstr(field))
		if n != nil {
			h.grow(-hashFieldMem(n.Key(), n.Val, true))
			if h.hasVolatile() {
				h.clearFieldExpiry(n.Key())
			}
		}
		return n != nil
	}
	start, end, v := h.lpFind(field)
	if start < 0 {
		return false
	}
	h.lpBytes -= uint32(len(field) + len(v))
	h.lp = h.lpReplace(start, end, nil)
	h.lpN--
	return true
}

// Each calls fn for every field and value, in insertion order for a
// listpack hash, until fn returns false. fn must not change the hash.
func (h *Hash) Each(fn func(field, value string) bool) {
	if h.ht != nil {
		h.ht.Each(func(n *dict.Node[string]) bool { return fn(n.Key(), n.Val) })
		return
	}
	for off := 0; off < len(h.lp); {
		f, voff := lpRead(h.lp, off)
		v, next := lpRead(h.lp, voff)
		if !fn(f, v) {
			return
		}
		off = next
	}
}

// eachLive is Each over the fields not past their deadline at now.
func (h *Hash) eachLive(now int64, fn func(field, value string) bool) {
	if !h.hasVolatile() {
		h.Each(fn)
		return
	}
	h.Each(func(f, v string) bool {
		if h.fieldExpired(f, now) {
			return true
		}
		return fn(f, v)
	})
}

// Random returns a uniformly chosen field and its value. The hash must not
// be empty.
func (h *Hash) Random() (field, value string) {
	if h.ht != nil {
		n := h.ht.Random()
		return n.Key(), n.Val
	}
	i := rand.IntN(int(h.lpN))
	h.Each(func(f, v string) bool {
		if i == 0 {
			field, value = f, v
			return false
		}
		i--
		return true
	})
	return field, value
}

// Heap costs of a hash's parts (memory_size.go).
var (
	hashStructMem = scanMem(int64(unsafe.Sizeof(Hash{})))
	hashNodeSize  = int64(unsafe.Sizeof(dict.Node[string]{}))
)

// hashFieldMem is the cost of one field and its value in a hashtable
// hash: a dict node holding the field, and the value's string. (A
// listpack hash costs its byte slice.)
func hashFieldMem(field, value string, ht bool) int64 {
	if ht {
		return dictNodeMem(hashNodeSize, len(field)) + strMem(len(value))
	}
	return 0
}

// memSize implements memValue.
func (h *Hash) memSize() int64 {
	if !h.counted() {
		var sum int64
		h.Each(func(f, v string) bool {
			sum += hashFieldMem(f, v, h.ht != nil)
			return true
		})
		h.setTotal(sum)
	}
	n := hashStructMem + h.total()
	if h.ht != nil {
		n += dictMem + bucketsMem(h.ht.Buckets())
	} else {
		n += scanMem(int64(cap(h.lp)))
	}
	if h.fx != nil {
		n += h.fx.memSize()
	}
	return n
}
