package dict

import (
	"reflect"
	"strings"
	"sync"
	"unsafe"
)

// A node's key lives after it, in the same allocation: one allocation per
// element instead of two, no 16-byte string header in the node, and a
// lookup that compares the key reads memory next to the node instead of
// following one more pointer.
//
// The bytes after a node are its key storage. For a key of at most
// MaxShortKey bytes: a length byte, the key's bytes, then any tail the
// caller asked for (AddTail), in the room the allocation's size class
// leaves. For a longer key: longMark and a string header (longTail), with
// the key's bytes in an allocation of their own.

// Node is one element of a Dict. Val belongs to the caller.
type Node[V any] struct {
	next *Node[V]
	Val  V
}

const (
	// MaxShortKey is the longest key stored in its node's allocation.
	MaxShortKey = 254
	// longMark is the length byte of a longer key.
	longMark = 255
	// LongKeyOverhead is what a longer key adds to its node besides the
	// key's own allocation: the bytes of a longTail.
	LongKeyOverhead = int(unsafe.Sizeof(longTail{}))
)

// longTail follows the node of a key longer than MaxShortKey.
type longTail struct {
	mark byte
	key  string
}

// longNode is the allocation of a node with a long key.
type longNode[V any] struct {
	n Node[V]
	t longTail
}

// Key returns the node's key, which aliases the node's memory.
func (n *Node[V]) Key() string {
	p := unsafe.Add(unsafe.Pointer(n), unsafe.Sizeof(*n))
	switch l := *(*byte)(p); l {
	case 0:
		return ""
	case longMark:
		return (*longTail)(p).key
	default:
		return unsafe.String((*byte)(unsafe.Add(p, 1)), int(l))
	}
}

// MaxInline is the most bytes of key and tail AddTail stores in a node's
// own allocation.
const MaxInline = 64

// sizeClasses are the Go allocator's size classes up to 288 bytes: enough
// for a 24-byte node, a length byte and a MaxShortKey-byte key.
var sizeClasses = [...]uintptr{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288}

// layout is the allocation types of one node type: for each size class
// larger than the node, a struct of the node and a byte array of the
// rest of the class, so that the collector scans the node's pointers and
// not the key's bytes.
type layout struct {
	node  uintptr
	sizes []uintptr
	types []reflect.Type
}

// layouts holds one *layout per node type, by its reflect.Type.
var layouts sync.Map

func layoutOf[V any]() *layout {
	t := reflect.TypeFor[Node[V]]()
	if l, ok := layouts.Load(t); ok {
		return l.(*layout)
	}
	l := &layout{node: t.Size()}
	for _, c := range sizeClasses {
		if c <= l.node {
			continue
		}
		st := reflect.StructOf([]reflect.StructField{
			{Name: "N", Type: t},
			{Name: "K", Type: reflect.ArrayOf(int(c-l.node), reflect.TypeFor[byte]())},
		})
		if st.Size() != c {
			panic("dict: node layout does not fill its size class")
		}
		l.sizes = append(l.sizes, c)
		l.types = append(l.types, st)
	}
	got, _ := layouts.LoadOrStore(t, l)
	return got.(*layout)
}

// maxRoom is the most key storage a layout's largest allocation gives.
func (l *layout) maxRoom() uintptr { return l.sizes[len(l.sizes)-1] - l.node }

// alloc returns a zeroed allocation of the smallest size class that
// leaves at least need bytes after the node, and those bytes: all of
// them, not just need.
func (l *layout) alloc(need uintptr) (unsafe.Pointer, []byte) {
	for i, c := range l.sizes {
		if c-l.node >= need {
			p := reflect.New(l.types[i]).UnsafePointer()
			return p, unsafe.Slice((*byte)(unsafe.Add(p, l.node)), c-l.node)
		}
	}
	panic("dict: node too large")
}

// newNode returns a node holding val and a copy of key (which may alias
// memory the caller reuses) followed by at least extra bytes of zeroed
// tail, which it returns: all the room left in the allocation after the
// key. A key longer than MaxShortKey gets no tail.
func newNode[V any](l *layout, key string, val V, extra int) (*Node[V], []byte) {
	if len(key) > MaxShortKey || uintptr(1+len(key)+extra) > l.maxRoom() {
		w := &longNode[V]{n: Node[V]{Val: val}, t: longTail{mark: longMark, key: strings.Clone(key)}}
		return &w.n, nil
	}
	p, room := l.alloc(uintptr(1 + len(key) + extra))
	n := (*Node[V])(p)
	n.Val = val
	room[0] = byte(len(key))
	copy(room[1:], key)
	return n, room[1+len(key):]
}

// NodeMem is the size of the allocation of a node of nodeSize bytes
// (unsafe.Sizeof a Node) holding a key of klen bytes and extra more: its
// size class, given class, the allocator's rounding of a size. A key
// longer than MaxShortKey costs a longTail in the node and an allocation
// of its own, which the caller adds.
func NodeMem(nodeSize int64, klen, extra int, class func(int64) int64) int64 {
	if klen > MaxShortKey {
		return class(nodeSize + int64(LongKeyOverhead))
	}
	return class(nodeSize + 1 + int64(klen) + int64(extra))
}
