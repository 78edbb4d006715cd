package dict

import (
	"strings"
	"unsafe"
)

// A node and its key bytes are allocated together when the key is short:
// one allocation instead of two, and a lookup that compares the key reads
// memory next to the node instead of following one more pointer.

// inline is a node followed by storage for its key; A is a byte array type.
type inline[V any, A any] struct {
	n Node[V]
	k A
}

func newInline[V any, A any](key string, val V) *Node[V] {
	w := new(inline[V, A])
	b := unsafe.Slice((*byte)(unsafe.Pointer(&w.k)), len(key))
	copy(b, key)
	w.n.Key = unsafe.String(unsafe.SliceData(b), len(b))
	w.n.Val = val
	return &w.n
}

// MaxInline is the most bytes a node stores in its own allocation: its key
// and any tail the caller asks for (AddTail).
const MaxInline = 64

// newTail returns a node holding a copy of key followed by at least extra
// bytes of tail, which it returns: all the room left in the allocation's
// array after the key. len(key)+extra must be at most MaxInline.
func newTail[V any](key string, val V, extra int) (*Node[V], []byte) {
	var n *Node[V]
	switch need := len(key) + extra; {
	case need <= 16:
		n = newInline[V, [16]byte](key, val)
	case need <= 32:
		n = newInline[V, [32]byte](key, val)
	case need <= 48:
		n = newInline[V, [48]byte](key, val)
	default:
		n = newInline[V, [64]byte](key, val)
	}
	// The key's bytes start the array; the tail is the rest of it.
	room := (len(key) + extra + 15) &^ 15
	base := unsafe.Pointer(unsafe.Add(unsafe.Pointer(n), unsafe.Sizeof(*n)))
	return n, unsafe.Slice((*byte)(unsafe.Add(base, len(key))), room-len(key))
}

// newNode returns a node holding a copy of key, which may alias memory the
// caller reuses.
func newNode[V any](key string, val V) *Node[V] {
	switch n := len(key); {
	case n == 0:
		return &Node[V]{Val: val}
	case n <= 16:
		return newInline[V, [16]byte](key, val)
	case n <= 32:
		return newInline[V, [32]byte](key, val)
	case n <= 48:
		return newInline[V, [48]byte](key, val)
	case n <= 64:
		return newInline[V, [64]byte](key, val)
	}
	return &Node[V]{Key: strings.Clone(key), Val: val}
}
