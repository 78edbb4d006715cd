package engine

// The packed storage of a list node (see list.go for the list built on
// it and the node sizing rules).

// lnode is one node. A packed node keeps its elements back to back in
// one buffer: element i (0 <= i < count) is buf[offs[off+i]:end], end being
// the next element's offset, or len(buf) for the last one. The bytes
// before offs[off] and the offsets before off are headroom for prepends
// (or the dead room popFront leaves); the capacity after len(buf) is room
// for appends. A plain node is one element stored the same way (its buf
// is the element). Offsets are uint32: a node is at most a listpack, and
// a listpack is limited to 4 GB.
//
// Aliasing: at, popFront and popBack return slices of buf, valid until
// the next modification of the node; a value given to a push, set or
// insertAt is copied and must not alias the node.
type lnode struct {
	prev, next *lnode
	buf        []byte
	offs       []uint32
	off        int
	sz         int // listpack bytes (plain node: the element's length)
	// mem is the node's cost as its list last counted it (List.sync).
	mem   int64
	plain bool // holds one element too large for a packed node
}

func (nd *lnode) count() int { return len(nd.offs) - nd.off }

// bounds returns where element j (an index into offs) lies in buf.
func (nd *lnode) bounds(j int) (s, e int) {
	s = int(nd.offs[j])
	if j+1 < len(nd.offs) {
		return s, int(nd.offs[j+1])
	}
	return s, len(nd.buf)
}

// at returns element i; its capacity ends with it, so an append to it
// cannot write over the next element.
func (nd *lnode) at(i int) []byte {
	s, e := nd.bounds(nd.off + i)
	return nd.buf[s:e:e]
}

// liveStart is the offset in buf of the first element's bytes.
func (nd *lnode) liveStart() int {
	if nd.off == len(nd.offs) {
		return len(nd.buf)
	}
	return int(nd.offs[nd.off])
}

// liveBytes is the number of bytes the elements take.
func (nd *lnode) liveBytes() int { return len(nd.buf) - nd.liveStart() }

// reset empties the node, keeping its storage.
func (nd *lnode) reset() {
	nd.buf, nd.offs, nd.off = nd.buf[:0], nd.offs[:0], 0
}

// regrow moves the elements to new storage with front headroom of
// frontBytes bytes and frontOffs offsets, and extra room of backBytes
// and backOffs at the end.
func (nd *lnode) regrow(frontBytes, frontOffs, backBytes, backOffs int) {
	base, live, n := nd.liveStart(), nd.liveBytes(), nd.count()
	buf := make([]byte, frontBytes+live, frontBytes+live+backBytes)
	copy(buf[frontBytes:], nd.buf[base:])
	offs := make([]uint32, frontOffs+n, frontOffs+n+backOffs)
	delta := uint32(frontBytes - base)
	for i, o := range nd.offs[nd.off:] {
		offs[frontOffs+i] = o + delta
	}
	nd.buf, nd.offs, nd.off = buf, offs, frontOffs
}

// compact moves the elements to the start of their storage, reusing the
// dead room at the front.
func (nd *lnode) compact() {
	base := nd.liveStart()
	nd.buf = nd.buf[:copy(nd.buf, nd.buf[base:])]
	nd.offs = nd.offs[:copy(nd.offs, nd.offs[nd.off:])]
	nd.off = 0
	for i := range nd.offs {
		nd.offs[i] -= uint32(base)
	}
}

// trim gives the node storage that fits its elements when more than an
// eighth of it is unused: called once a node is full, so that a long
// list keeps little slack.
func (nd *lnode) trim() {
	live, n := nd.liveBytes(), nd.count()
	if cap(nd.buf)-live > live/8+8 || cap(nd.offs)-n > n/8+2 {
		nd.regrow(0, 0, 0, 0)
	}
}

// shrink gives a node that lost most of its elements smaller storage, so
// that a list that was long and got popped does not keep its peak size.
// It reallocates rather than moving bytes in place: slices returned by a
// pop stay intact.
func (nd *lnode) shrink() {
	if c := cap(nd.buf); c >= 1024 && nd.liveBytes() < c/4 {
		nd.regrow(0, 0, nd.liveBytes()/2, nd.count()/2)
	}
}

// set replaces element i with v.
func (nd *lnode) set(i int, v []byte) {
	if nd.plain {
		nd.buf, nd.offs, nd.off = append([]byte(nil), v...), append(nd.offs[:0], 0), 0
		return
	}
	j := nd.off + i
	s, e := nd.bounds(j)
	d := len(v) - (e - s)
	switch {
	case d < 0:
		copy(nd.buf[s+len(v):], nd.buf[e:])
		nd.buf = nd.buf[:len(nd.buf)+d]
	case d > 0:
		end := len(nd.buf)
		if cap(nd.buf)-end < d {
			nd.buf = append(nd.buf, make([]byte, d)...)
		} else {
			nd.buf = nd.buf[:end+d]
		}
		copy(nd.buf[e+d:], nd.buf[e:end])
	}
	copy(nd.buf[s:], v)
	for k := j + 1; k < len(nd.offs); k++ {
		nd.offs[k] = uint32(int(nd.offs[k]) + d)
	}
}

// pushFront prepends v, keeping headroom at the front so that repeated
// prepends are amortised O(1).
func (nd *lnode) pushFront(v []byte) {
	if nd.count() == 0 {
		nd.pushBack(v)
		return
	}
	if nd.off == 0 || nd.liveStart() < len(v) {
		nd.regrow(nd.liveBytes()/4+len(v)+16, nd.count()/4+4, 0, 0)
	}
	start := nd.liveStart() - len(v)
	copy(nd.buf[start:], v)
	nd.off--
	nd.offs[nd.off] = uint32(start)
}

// pushBack appends v. When the storage is full and at least half of it is
// the dead room left by popFront, the elements move down instead: a list
// used as a queue (RPUSH + LPOP) stays bounded.
func (nd *lnode) pushBack(v []byte) {
	if nd.count() == 0 {
		nd.reset()
	}
	if cap(nd.buf)-len(nd.buf) < len(v) || len(nd.offs) == cap(nd.offs) {
		if base := nd.liveStart(); base > 0 && (base >= nd.liveBytes() || nd.off >= nd.count()) {
			nd.compact()
		}
	}
	nd.offs = append(nd.offs, uint32(len(nd.buf)))
	nd.buf = append(nd.buf, v...)
}

func (nd *lnode) popFront() []byte {
	v := nd.at(0)
	nd.off++
	if nd.count() == 0 {
		nd.reset()
	} else {
		nd.shrink()
	}
	return v
}

func (nd *lnode) popBack() []byte {
	j := len(nd.offs) - 1
	s, e := nd.bounds(j)
	v := nd.buf[s:e:e]
	nd.offs, nd.buf = nd.offs[:j], nd.buf[:s]
	if nd.count() == 0 {
		nd.reset()
	} else {
		nd.shrink()
	}
	return v
}

// removeAt deletes the i-th element of the node.
func (nd *lnode) removeAt(i int) {
	switch i {
	case 0:
		nd.popFront()
		return
	case nd.count() - 1:
		nd.popBack()
		return
	}
	j := nd.off + i
	s, e := nd.bounds(j)
	d := e - s
	nd.buf = nd.buf[:s+copy(nd.buf[s:], nd.buf[e:])]
	nd.offs = nd.offs[:j+copy(nd.offs[j:], nd.offs[j+1:])]
	for k := j; k < len(nd.offs); k++ {
		nd.offs[k] -= uint32(d)
	}
	nd.shrink()
}

// insertAt inserts v so that it becomes the i-th element of the node.
func (nd *lnode) insertAt(i int, v []byte) {
	if i == 0 {
		nd.pushFront(v)
		return
	}
	n := nd.count()
	nd.pushBack(v)
	if i == n {
		return
	}
	// v went to the end: rotate it into place.
	j := nd.off + i
	s, d := int(nd.offs[j]), len(v)
	copy(nd.buf[s+d:], nd.buf[s:len(nd.buf)-d])
	copy(nd.buf[s:], v)
	last := len(nd.offs) - 1
	copy(nd.offs[j+1:], nd.offs[j:last])
	for k := j + 1; k <= last; k++ {
		nd.offs[k] += uint32(d)
	}
	nd.offs[j] = uint32(s)
}
