package engine

import (
	"math/bits"
	"unsafe"

	"github.com/flect-kv/flect/engine/dict"
)

// The byte sizes the Go allocator gives the keyspace's objects. Memory
// accounting (memory.go) adds them up as values change, so that what it
// reports follows the heap the data really occupies: an object costs its
// size class, not its length; an object with pointers larger than 512
// bytes carries an 8-byte header; pointer-free objects under 16 bytes
// share 16-byte blocks (the tiny allocator); objects above 32 KiB take
// whole 8 KiB pages.

// goSizeClasses are the Go runtime's small-object size classes
// (internal/runtime/gc/sizeclasses.go, unchanged since Go 1.12).
var goSizeClasses = [...]uint16{8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192,
	208, 224, 240, 256, 288, 320, 352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896,
	1024, 1152, 1280, 1408, 1536, 1792, 2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864,
	5376, 6144, 6528, 6784, 6912, 8192, 9472, 9728, 10240, 10880, 12288, 13568, 14336,
	16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768}

// Allocator constants.
const (
	maxSmallSize     = 32768
	pageSize         = 8192
	tinySize         = 16
	mallocHeaderMin  = 512 // objects with pointers above this get a header
	mallocHeaderSize = 8
)

// classBySize8 maps (n+7)/8 to a size class index for n <= 1024 and
// classBySize128 maps (n-1024+127)/128 for larger small sizes, as the
// runtime's size_to_class tables do.
var classBySize8, classBySize128 = func() (a [1024/8 + 1]uint8, b [(maxSmallSize-1024)/128 + 1]uint8) {
	c := 0
	for i := range a {
		for int(goSizeClasses[c]) < i*8 {
			c++
		}
		a[i] = uint8(c)
	}
	for i := range b {
		for int(goSizeClasses[c]) < 1024+i*128 {
			c++
		}
		b[i] = uint8(c)
	}
	return a, b
}()

// roundClass returns the size class of an n-byte small object, or n
// rounded up to whole pages for a large one; n > 0.
func roundClass(n int64) int64 {
	switch {
	case n <= 1024:
		return int64(goSizeClasses[classBySize8[(n+7)>>3]])
	case n <= maxSmallSize:
		return int64(goSizeClasses[classBySize128[(n-1024+127)>>7]])
	}
	return (n + pageSize - 1) &^ (pageSize - 1)
}

// AllocSize returns the bytes the Go allocator reserves for a
// pointer-free n-byte object (a string's or a byte slice's storage).
func AllocSize(n int64) int64 { return noscanMem(n) }

// noscanMem is the heap cost of a pointer-free object of n bytes: string
// and []byte storage, integer slices. Under 16 bytes it shares a tiny
// block with its neighbours: it costs its share of the block when the
// block holds objects of its size.
func noscanMem(n int64) int64 {
	switch {
	case n <= 0:
		return 0
	case n < tinySize:
		return tinySize / (tinySize / n)
	}
	return roundClass(n)
}

// scanMem is the heap cost of an object of n bytes that holds pointers.
func scanMem(n int64) int64 {
	if n <= 0 {
		return 0
	}
	switch {
	case n > maxSmallSize-mallocHeaderSize:
		return (n + pageSize - 1) &^ (pageSize - 1) // large: no header
	case n > mallocHeaderMin:
		n += mallocHeaderSize
	}
	return roundClass(n)
}

// strMem is the heap cost of the storage of an n-byte string.
func strMem(n int) int64 { return noscanMem(int64(n)) }

// Fixed sizes of the keyspace's own structures.
var (
	// keyNodeSize is a keyspace dict node: next pointer and the item.
	keyNodeSize = int64(unsafe.Sizeof(Entry{}))
	// timerMem is what a TTL adds to a key: its volatile, with the
	// expiry wheel timer.
	timerMem = scanMem(int64(unsafe.Sizeof(volatile{})))
	// dictMem is a dict.Dict header.
	dictMem = scanMem(int64(unsafe.Sizeof(dict.Dict[string]{})))
)

// dictNodeMem is the cost of a dict node of nodeSize bytes holding a
// key of klen bytes: the size class of the node, a length byte and the
// key, or for a key longer than dict.MaxShortKey, the node with its
// string header and the key's own allocation (dict.NodeMem).
func dictNodeMem(nodeSize int64, klen int) int64 {
	n := dict.NodeMem(nodeSize, klen, 0, scanMem)
	if klen > dict.MaxShortKey {
		n += strMem(klen)
	}
	return n
}

// keyMem is what a key costs the keyspace besides its value: its dict
// node, with the key's bytes.
func keyMem(klen int) int64 { return dictNodeMem(keyNodeSize, klen) }

// bucketsMem is the cost of a dict's bucket arrays, given Buckets (the
// sum of its one or two power-of-two tables).
func bucketsMem(buckets int) int64 {
	var n int64
	for b := uint64(buckets); b != 0; b &= b - 1 {
		n += scanMem(int64(uint64(1)<<bits.TrailingZeros64(b)) * 8)
	}
	return n
}

// intMem is the cost of an integer value: none for the shared small
// integers (boxInt), else an 8-byte tiny object which, allocated alone
// among a command's short-lived ones, pins its whole 16-byte block.
func intMem(v int64) int64 {
	if v >= 0 && v < int64(len(sharedInts)) {
		return 0
	}
	return tinySize
}

// strHeaderSize is the size of a Str.
const strHeaderSize = int64(unsafe.Sizeof(Str{}))

// memSize is the heap cost of a string value: its header (with the bytes
// stored beside it when it was made short, see newStr) and its bytes
// when they live in an allocation of their own.
func (s *Str) memSize() int64 {
	n := scanMem(strHeaderSize + int64(s.inl)*16)
	if s.inl == 0 || unsafe.Pointer(unsafe.SliceData(s.B)) != unsafe.Add(unsafe.Pointer(s), strHeaderSize) {
		n += noscanMem(int64(cap(s.B)))
	}
	return n
}
