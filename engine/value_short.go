package engine

import "unsafe"

// shortStr is a string value of at most shortStrMax bytes written whole
// (SET, MSET, GETSET, RESTORE ...): a capacity byte, a length byte, a
// placement byte and the bytes, in one pointer-free object of its own or,
// for a key created by a write of the whole string when key and value are
// short, in the tail of the key's dict node, as Valkey's embstr shares an
// allocation with its object. A Str costs a 32-byte header as well, which
// is most of a cache key's size.
//
// setString overwrites it in place when the new value fits; commands that
// edit a string in place (APPEND, SETRANGE, SETBIT, BITFIELD, PFADD) turn
// it into a raw Str first (rawString). As with a Str, code that keeps the
// bytes beyond the key's lock must copy them.
type shortStr struct {
	cap, n uint8
	// inl is 0 for a shortStr in an allocation of its own; otherwise
	// the shortStr lives in its key's dict node (newInlineShortStr) and
	// inl-1 is the number of 16-byte units it added to the node.
	inl uint8
}

// shortStrHeader is the bytes before a shortStr's data.
const shortStrHeader = int64(unsafe.Sizeof(shortStr{}))

// shortStrMax is the longest value a shortStr holds: its object, rounded
// to a size class, must leave at most 255 bytes of capacity.
const shortStrMax = 253

// newShortStr returns a shortStr holding a copy of b (len(b) <=
// shortStrMax). The object takes its whole size class (at least 16 bytes,
// so it never shares a tiny block), which the capacity then reports.
func newShortStr(b []byte) *shortStr {
	size := max(tinySize, roundClass(shortStrHeader+int64(len(b))))
	buf := make([]byte, size)
	s := (*shortStr)(unsafe.Pointer(&buf[0]))
	s.cap = uint8(min(size-shortStrHeader, 255))
	s.n = uint8(copy(buf[shortStrHeader:], b))
	return s
}

// newInlineShortStr returns a shortStr holding a copy of b in tail, the
// room AddTail left after a key's bytes in its dict node (at least
// shortStrHeader+len(b) bytes); cost is what the tail added to the node's
// size. The value then costs no allocation of its own. It must not outlive
// the node as a stored value: DB.add and DB.set copy one that moves to
// another key (detachValue).
func newInlineShortStr(tail, b []byte, cost int64) *shortStr {
	s := (*shortStr)(unsafe.Pointer(&tail[0]))
	s.cap = uint8(min(int64(len(tail))-shortStrHeader, 255))
	s.n = uint8(copy(tail[shortStrHeader:], b))
	s.inl = uint8(1 + cost/16)
	return s
}

// detachValue returns v ready to be stored under a key: a copy when it is
// a shortStr living in another key's node (RENAME, MOVE), else v.
func detachValue(v any) any {
	if s, ok := v.(*shortStr); ok && s.inl != 0 {
		return newShortStr(s.bytes())
	}
	return v
}

// data returns the value's storage, aliasing the object: its capacity
// bytes after the header. An empty one may end the object, so no pointer
// past it is made.
func (s *shortStr) data() []byte {
	if s.cap == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(s), shortStrHeader)), s.cap)
}

// bytes returns the value's bytes, aliasing the object.
func (s *shortStr) bytes() []byte {
	if s.n == 0 {
		return []byte{}
	}
	return s.data()[:s.n]
}

// overwrite replaces the value with b when it fits the capacity without
// keeping a much larger object for it (the rule setString applies to a
// Str's buffer), reporting whether it did.
func (s *shortStr) overwrite(b []byte) bool {
	if len(b) > int(s.cap) || int(s.cap) > max(64, 2*len(b)) {
		return false
	}
	s.n = uint8(copy(s.data(), b))
	return true
}

// memSize is the value's heap cost, which never changes: its object's
// size, or what it added to its key's node.
func (s *shortStr) memSize() int64 {
	if s.inl != 0 {
		return int64(s.inl-1) * 16
	}
	return shortStrHeader + int64(s.cap)
}
