package engine

import (
	"strconv"
	"unsafe"
)

// Str is a string value that is not stored as an integer. Values written
// whole (SET, INCRBYFLOAT) report "embstr" up to 44 bytes like Valkey;
// values changed in place (APPEND, SETRANGE, SETBIT, BITFIELD) or built by
// BITOP become "raw".
//
// Those commands edit B in place, under the key's shard lock: code that
// keeps a *Str beyond the lock (COPY, snapshots, DUMP) must copy B.
type Str struct {
	B   []byte
	Raw bool
	// inl is the size, in 16-byte units, of the array allocated with the
	// Str for short values (newStr); acct is the bytes memory accounting
	// last charged for the value (memory.go).
	inl  uint8
	acct uint32
}

// Type names as TYPE prints them.
const (
	TypeString = "string"
	TypeList   = "list"
	TypeSet    = "set"
	TypeZSet   = "zset"
	TypeHash   = "hash"
	TypeStream = "stream"
)

// Typed is implemented by every collection value type.
type Typed interface {
	// TypeName is what TYPE replies.
	TypeName() string
	// Encoding is what OBJECT ENCODING replies.
	Encoding() string
}

// typeName returns TYPE's reply for a stored value.
func typeName(v any) string {
	switch v := v.(type) {
	case int64, *Str, *shortStr:
		return TypeString
	case Typed:
		return v.TypeName()
	}
	return "none"
}

// encodingName returns OBJECT ENCODING's reply for a stored value.
func encodingName(v any) string {
	switch v := v.(type) {
	case int64:
		return "int"
	case *Str:
		if v.Raw || len(v.B) > 44 {
			return "raw"
		}
		return "embstr"
	case *shortStr:
		if v.n > 44 {
			return "raw"
		}
		return "embstr"
	case Typed:
		return v.Encoding()
	}
	return ""
}

// newStringValue returns the stored form of a string written whole: an
// int64 when Valkey would use the int encoding, else a *shortStr or (past
// shortStrMax bytes) a *Str holding a copy.
func newStringValue(b []byte) any {
	if n, ok := parseStrictInt(b); ok {
		return boxInt(n)
	}
	return newTextValue(b)
}

// newTextValue is newStringValue for bytes known not to be an integer.
func newTextValue(b []byte) any {
	if len(b) <= shortStrMax {
		return newShortStr(b)
	}
	return newStr(b)
}

// overwriteString returns the stored form of b written whole over the
// value old: old itself, overwritten, when it is a string whose storage
// fits b (so that replacing a cached value allocates nothing), else a new
// value as newStringValue makes it.
func overwriteString(old any, b []byte) any {
	if n, ok := parseStrictInt(b); ok {
		return boxInt(n)
	}
	switch v := old.(type) {
	case *shortStr:
		if v.overwrite(b) {
			return v
		}
	case *Str:
		if len(b) > shortStrMax && cap(v.B) >= len(b) && cap(v.B) <= max(64, 2*len(b)) {
			v.B = append(v.B[:0], b...)
			v.Raw = false
			return v
		}
	}
	return newTextValue(b)
}

// sharedInts holds the boxed values of the integers 0 to 9999, which Valkey
// shares between keys too (OBJ_SHARED_INTEGERS): storing a small counter
// allocates nothing.
var sharedInts = func() (t [10000]any) {
	for i := range t {
		t[i] = int64(i)
	}
	return t
}()

// boxInt returns n as a stored value (an int64 in an interface).
func boxInt(n int64) any {
	if n >= 0 && n < int64(len(sharedInts)) {
		return sharedInts[n]
	}
	return n
}

// strInline is a Str followed by storage for its bytes; A is a byte array.
type strInline[A any] struct {
	s Str
	b A
}

func newStrInline[A any](b []byte) *Str {
	w := new(strInline[A])
	buf := unsafe.Slice((*byte)(unsafe.Pointer(&w.b)), unsafe.Sizeof(w.b))
	w.s.B = append(buf[:0], b...)
	w.s.inl = uint8(unsafe.Sizeof(w.b) / 16)
	return &w.s
}

// newStr returns a Str holding a copy of b. Short values share one
// allocation with their header, as Valkey's embstr shares one with its
// object.
func newStr(b []byte) *Str {
	switch n := len(b); {
	case n <= 16:
		return newStrInline[[16]byte](b)
	case n <= 32:
		return newStrInline[[32]byte](b)
	case n <= 48:
		return newStrInline[[48]byte](b)
	}
	return &Str{B: append([]byte(nil), b...)}
}

// ParseInt parses b as Valkey's string2ll does (parseStrictInt).
func ParseInt(b []byte) (int64, bool) { return parseStrictInt(b) }

// parseStrictInt parses b as Valkey's string2ll does: an optional minus,
// no leading zeros, no spaces or plus sign, within int64. "-0" is refused.
func parseStrictInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	i := 0
	if b[0] == '-' {
		i = 1
		if len(b) == 1 {
			return 0, false
		}
	}
	if b[i] < '1' || b[i] > '9' {
		return 0, false
	}
	for ; i < len(b); i++ {
		if b[i] < '0' || b[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseInt(bstr(b), 10, 64)
	return n, err == nil
}

// stringBytes returns the bytes of a string value, formatting an int64
// into buf. ok is false when v is not a string.
func stringBytes(v any, buf []byte) (b []byte, ok bool) {
	switch v := v.(type) {
	case *shortStr:
		return v.bytes(), true
	case *Str:
		return v.B, true
	case int64:
		return strconv.AppendInt(buf[:0], v, 10), true
	}
	return nil, false
}
