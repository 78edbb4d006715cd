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
