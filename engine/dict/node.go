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

// smallClasses are the Go allocator's size classes up to 160 bytes.
var smallClasses = [...]uintptr{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160}

// newRoom returns a node with a copy of key at the start of an array of
// all the bytes its size class leaves after the node (at least need), and
// the array.
func newRoom[V any](key string, val V, need int) (*Node[V], []byte) {
	size := unsafe.Sizeof(Node[V]{})
	room := uintptr(0)
	for _, c := range smallClasses {
		if c >= size+uintptr(need) {
			room = c - size
			break
		}
	}
	var n *Node[V]
	switch room {
	case 8:
		n = newInline[V, [8]byte](key, val)
	case 16:
		n = newInline[V, [16]byte](key, val)
	case 24:
		n = newInline[V, [24]byte](key, val)
	case 32:
		n = newInline[V, [32]byte](key, val)
	case 40:
		n = newInline[V, [40]byte](key, val)
	case 48:
		n = newInline[V, [48]byte](key, val)
	case 56:
		n = newInline[V, [56]byte](key, val)
	case 64:
		n = newInline[V, [64]byte](key, val)
	case 72:
		n = newInline[V, [72]byte](key, val)
	case 80:
		n = newInline[V, [80]byte](key, val)
	default:
		// A node type whose size does not leave a multiple of 8 up
		// to 80 bytes in a class (none in flect): a plain array.
		n, room = newInline[V, [MaxInline]byte](key, val), MaxInline
	}
	base := unsafe.Add(unsafe.Pointer(n), size)
	return n, unsafe.Slice((*byte)(base), room)
}

// newTail returns a node holding a copy of key followed by at least extra
// bytes of tail, which it returns: all the room left in the allocation
// after the key. len(key)+extra must be at most MaxInline.
func newTail[V any](key string, val V, extra int) (*Node[V], []byte) {
	n, room := newRoom(key, val, len(key)+extra)
	return n, room[len(key):]
}

// newNode returns a node holding a copy of key, which may alias memory the
// caller reuses.
func newNode[V any](key string, val V) *Node[V] {
	if n := len(key); n > 0 && n <= MaxInline {
		nd, _ := newRoom(key, val, n)
		return nd
	}
	if key == "" {
		return &Node[V]{Val: val}
	}
	return &Node[V]{Key: strings.Clone(key), Val: val}
}
