package engine

import "unsafe"

// shortStr is a string value of at most shortStrMax bytes written whole
// (SET, MSET, GETSET, RESTORE ...), stored as one pointer-free object: a
// capacity byte, a length byte and the bytes. A short value costs one
// small allocation where a Str costs a 32-byte header as well, which is
// most of a cache key's size (Valkey's embstr makes the same trade).
//
// setString overwrites it in place when the new value fits; commands that
// edit a string in place (APPEND, SETRANGE, SETBIT, BITFIELD, PFADD) turn
// it into a raw Str first (rawString). As with a Str, code that keeps the
// bytes beyond the key's lock must copy them. Only a pointer to the start
// of the object is ever held, so the whole object stays alive.
type shortStr struct {
	cap, n uint8
}

// shortStrHeader is the bytes before a shortStr's data.
const shortStrHeader = int64(unsafe.Sizeof(shortStr{}))

// shortStrMax is the longest value a shortStr holds: its object, rounded
// to a size class, must leave at most 255 bytes of capacity.
const shortStrMax = 254

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

// bytes returns the value's bytes, aliasing the object.
func (s *shortStr) bytes() []byte {
	return unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(s), shortStrHeader)), s.n)
}

// overwrite replaces the value with b when it fits the capacity without
// keeping a much larger object for it (the rule setString applies to a
// Str's buffer), reporting whether it did.
func (s *shortStr) overwrite(b []byte) bool {
	if len(b) > int(s.cap) || int(s.cap) > max(64, 2*len(b)) {
		return false
	}
	s.n = uint8(copy(unsafe.Slice((*byte)(unsafe.Add(unsafe.Pointer(s), shortStrHeader)), s.cap), b))
	return true
}

// memSize is the object's heap cost, which never changes.
func (s *shortStr) memSize() int64 { return shortStrHeader + int64(s.cap) }
