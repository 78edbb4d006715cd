package engine

import "unsafe"

// The list value type. A List is a chain of nodes, each holding a deque of
// elements, modelled on Valkey's quicklist: every node tracks the byte size
// its elements would have as a Valkey listpack, so the node layout, and with
// it OBJECT ENCODING ("listpack" for a small list, "quicklist" after),
// follows Valkey's list-max-listpack-size rules (t_list.c
// listTypeTryConversion, quicklist.c _quicklistNodeAllowInsert).
//
// Memory: like a listpack, a node packs its elements back to back in one
// buffer, with a parallel array of 4-byte offsets so that access inside a
// node stays O(1): an element costs its bytes plus 4, against a Valkey
// listpack's bytes plus 2 or 3 (a node that fills up is trimmed to fit).
// Large elements (plain nodes) keep an allocation of their own.
//
// Aliasing: slices the list hands out (Pop, Index, Range, EachNode) point
// into its storage and are valid until the list is next modified; values
// given to it (Push, insertion, LSET) are copied.
//
// Costs: push and pop at either end are O(1) amortised; access by index
// walks nodes from the nearer end (a node holds at most ~4096 elements,
// like a listpack of 8 kb), so LINDEX/LSET near either end are O(1).

// Valkey's listpack and quicklist constants.
const (
	lpHeaderSize        = 6 + 1 // header plus end byte of an empty listpack
	qlSizeSafetyLimit   = 8192  // SIZE_SAFETY_LIMIT
	qlSizeEstimateExtra = 8     // SIZE_ESTIMATE_OVERHEAD
	listMaxCountLimit   = 1<<32 - 1
)

// qlOptimizationLevel are the node byte limits of negative fills (-1 .. -5).
var qlOptimizationLevel = [...]int{4096, 8192, 16384, 32768, 65536}

// List is a list value.
type List struct {
	memTrack   // memory accounting (memory.go): the sum of the linked nodes' mem
	head, tail *lnode
	n          int
	nodes      int
	quick      bool // encoding: quicklist rather than listpack
}

// TypeName implements Typed.
func (l *List) TypeName() string { return TypeList }

// Encoding implements Typed.
func (l *List) Encoding() string {
	if l.quick {
		return "quicklist"
	}
	return "listpack"
}

// Len returns the number of elements.
func (l *List) Len() int { return l.n }

// lpIntSize returns the listpack encoding size of an integer entry.
func lpIntSize(v int64) int {
	switch {
	case v >= 0 && v <= 127:
		return 1
	case v >= -4096 && v <= 4095:
		return 2
	case v >= -32768 && v <= 32767:
		return 3
	case v >= -8388608 && v <= 8388607:
		return 4
	case v >= -2147483648 && v <= 2147483647:
		return 5
	}
	return 9
}

// lpBacklenSize returns the size of a listpack entry's back-length field.
func lpBacklenSize(l int) int {
	switch {
	case l <= 127:
		return 1
	case l < 16383:
		return 2
	case l < 2097151:
		return 3
	case l < 268435455:
		return 4
	}
	return 5
}

// lpEntrySize returns the bytes v takes as a listpack entry: integers (as
// Valkey's lpStringToInt64 recognises them) are stored in binary.
func lpEntrySize(v []byte) int {
	var enc int
	if len(v) <= 20 {
		if n, ok := parseStrictInt(v); ok {
			enc = lpIntSize(n)
			return enc + lpBacklenSize(enc)
		}
	}
	switch l := len(v); {
	case l <= 63:
		enc = 1 + l
	case l <= 4095:
		enc = 2 + l
	default:
		enc = 5 + l
	}
	return enc + lpBacklenSize(enc)
}

// qlNodeLimit is quicklistNodeLimit: the byte or count limit of a node (and
// of a listpack list) for a list-max-listpack-size value.
func qlNodeLimit(fill int64) (size, count int) {
	size, count = maxInt, listMaxCountLimit
	if fill >= 0 {
		count = int(max(fill, 1))
		if fill > listMaxCountLimit {
			count = listMaxCountLimit
		}
		return size, count
	}
	off := -fill - 1
	if off >= int64(len(qlOptimizationLevel)) {
		off = int64(len(qlOptimizationLevel)) - 1
	}
	return qlOptimizationLevel[off], count
}

const maxInt = int(^uint(0) >> 1)

// qlExceeds is quicklistNodeExceedsLimit.
func qlExceeds(fill int64, sz, count int) bool {
	szLimit, countLimit := qlNodeLimit(fill)
	if szLimit != maxInt {
		return sz > szLimit
	}
	if sz > qlSizeSafetyLimit {
		return true
	}
	return count > countLimit
}

// qlIsLarge is isLargeElement: such an element gets a plain node of its own.
func qlIsLarge(sz int, fill int64) bool {
	if fill >= 0 {
		return sz > qlSizeSafetyLimit
	}
	lim, _ := qlNodeLimit(fill)
	return sz > lim
}

// allowInsert is _quicklistNodeAllowInsert.
func (nd *lnode) allowInsert(fill int64, sz int) bool {
	if nd == nil || nd.plain || qlIsLarge(sz, fill) {
		return false
	}
	return !qlExceeds(fill, nd.sz+sz+qlSizeEstimateExtra, nd.count()+1)
}

// lpBytes is the listpack size of the list while it is a listpack.
func (l *List) lpBytes() int {
	if l.head == nil {
		return lpHeaderSize
	}
	return l.head.sz
}

// growFor converts a listpack list to a quicklist when adding elements of
// addBytes total length (addCount of them) would pass the limits, as
// listTypeTryConvertListpack does before an insertion.
func (l *List) growFor(fill int64, addBytes, addCount int) {
	if l.quick || !qlExceeds(fill, l.lpBytes()+addBytes, l.n+addCount) {
		return
	}
	l.quick = true
	if l.head != nil && l.n == 0 {
		l.grow(-l.head.mem)
		l.head, l.tail, l.nodes = nil, nil, 0
	}
}

// growForArgs is growFor for the elements args. Valkey counts the bytes of
// string objects only: with intsFree, elements that are integers (popped
// from a quicklist, where Valkey makes them integer objects) add none.
func (l *List) growForArgs(fill int64, args [][]byte, intsFree bool) {
	total := 0
	for _, a := range args {
		if intsFree {
			if _, isInt := parseStrictInt(a); isInt {
				continue
			}
		}
		total += len(a)
	}
	l.growFor(fill, total, len(args))
}

// shrink converts a quicklist back to a listpack when it has one packed
// node at most half the limits (listTypeTryConvertQuicklist, shrinking).
func (l *List) shrink(fill int64) {
	if !l.quick || l.nodes != 1 || l.head.plain {
		return
	}
	szLimit, countLimit := qlNodeLimit(fill)
	if szLimit != maxInt {
		szLimit /= 2
	}
	countLimit /= 2
	if l.head.sz > szLimit || l.n > countLimit {
		return
	}
	l.quick = false
}

func newLNode(plain bool) *lnode {
	if plain {
		return &lnode{plain: true}
	}
	return &lnode{sz: lpHeaderSize}
}

// link inserts nd after ref (nil: at the head).
func (l *List) link(nd, ref *lnode) {
	l.nodes++
	nd.mem = lnodeMem(nd)
	l.grow(nd.mem)
	if ref == nil {
		nd.next = l.head
		if l.head != nil {
			l.head.prev = nd
		} else {
			l.tail = nd
		}
		l.head = nd
		return
	}
	nd.prev, nd.next = ref, ref.next
	if ref.next != nil {
		ref.next.prev = nd
	} else {
		l.tail = nd
	}
	ref.next = nd
}

func (l *List) unlink(nd *lnode) {
	l.nodes--
	l.grow(-nd.mem)
	if nd.prev != nil {
		nd.prev.next = nd.next
	} else {
		l.head = nd.next
	}
	if nd.next != nil {
		nd.next.prev = nd.prev
	} else {
		l.tail = nd.prev
	}
	nd.prev, nd.next = nil, nil
}

// addTo adds v to node nd at position i, maintaining sizes.
func (l *List) addTo(nd *lnode, i int, v []byte) {
	nd.insertAt(i, v)
	if nd.plain {
		nd.sz = len(v)
	} else {
		nd.sz += lpEntrySize(v)
	}
	l.n++
	l.sync(nd)
}

// Push adds a copy of v at the head or the tail; v must not alias the
// list. The caller has called growFor for it.
func (l *List) Push(v []byte, head bool, fill int64) {
	if !l.quick {
		if l.head == nil {
			l.link(newLNode(false), nil)
		}
		if head {
			l.head.pushFront(v)
		} else {
			l.head.pushBack(v)
		}
		l.head.sz += lpEntrySize(v)
		l.n++
		l.sync(l.head)
		return
	}
	ref := l.tail
	if head {
		ref = l.head
	}
	if ref.allowInsert(fill, len(v)) {
		if head {
			ref.pushFront(v)
		} else {
			ref.pushBack(v)
		}
		ref.sz += lpEntrySize(v)
		l.n++
		l.sync(ref)
		return
	}
	if ref != nil {
		ref.trim() // full: it will not grow at this end
		l.sync(ref)
	}
	nd := newLNode(qlIsLarge(len(v), fill))
	if head {
		l.link(nd, nil)
	} else {
		l.link(nd, l.tail)
	}
	l.addTo(nd, 0, v)
}

// dropped maintains sizes after an element of listpack size esz left
// node nd, unlinking an empty node.
func (l *List) dropped(nd *lnode, esz int) {
	l.n--
	if !nd.plain {
		nd.sz -= esz
	}
	if nd.count() == 0 && l.quick {
		l.unlink(nd)
		return
	}
	l.sync(nd)
}

// Pop removes and returns the head or tail element; the list must not be
// empty. The slice is the list's storage: it stays valid until the list
// is next modified, so a caller that pushes it back into a list (LMOVE)
// copies it first.
func (l *List) Pop(head bool) []byte {
	var nd *lnode
	var v []byte
	if head {
		nd = l.head
		v = nd.popFront()
	} else {
		nd = l.tail
		v = nd.popBack()
	}
	l.dropped(nd, lpEntrySize(v))
	return v
}

// seek returns the node and offset of element i (0 <= i < n), walking from
// the nearer end.
func (l *List) seek(i int) (*lnode, int) {
	if i < l.n/2 {
		nd := l.head
		for i >= nd.count() {
			i -= nd.count()
			nd = nd.next
		}
		return nd, i
	}
	j := l.n - 1 - i // index from the tail
	nd := l.tail
	for j >= nd.count() {
		j -= nd.count()
		nd = nd.prev
	}
	return nd, nd.count() - 1 - j
}

// Index returns element i, negative counting from the tail; ok is false
// when out of range. v is valid until the list is next modified.
func (l *List) Index(i int64) (v []byte, ok bool) {
	if i < 0 {
		i += int64(l.n)
	}
	if i < 0 || i >= int64(l.n) {
		return nil, false
	}
	nd, off := l.seek(int(i))
	return nd.at(off), true
}

// removeIn deletes element off of node nd.
func (l *List) removeIn(nd *lnode, off int) {
	esz := lpEntrySize(nd.at(off))
	nd.removeAt(off)
	l.dropped(nd, esz)
}

// insertIn inserts v before (after=false) or after element off of nd, as
// quicklist's _quicklistInsert places it: in the node when it has room,
// else in a neighbour at a node edge, else in a new node, splitting nd when
// the position is inside it.
func (l *List) insertIn(nd *lnode, off int, v []byte, after bool, fill int64) {
	pos := off
	if after {
		pos = off + 1
	}
	if !l.quick {
		l.addTo(nd, pos, v)
		return
	}
	large := qlIsLarge(len(v), fill)
	atTail := after && off == nd.count()-1
	atHead := !after && off == 0
	if large {
		nn := newLNode(true)
		if nd.plain || atTail || atHead {
			l.linkBeside(nn, nd, after)
			l.addTo(nn, 0, v)
			return
		}
		rest := l.split(nd, off, after)
		l.linkBeside(nn, nd, after)
		l.linkBeside(rest, nn, after)
		l.addTo(nn, 0, v)
		return
	}
	switch {
	case nd.allowInsert(fill, len(v)):
		l.addTo(nd, pos, v)
	case atTail && nd.next.allowInsert(fill, len(v)):
		l.addTo(nd.next, 0, v)
	case atHead && nd.prev.allowInsert(fill, len(v)):
		l.addTo(nd.prev, nd.prev.count(), v)
	case atTail || atHead:
		nn := newLNode(false)
		l.linkBeside(nn, nd, after)
		l.addTo(nn, 0, v)
	default:
		rest := l.split(nd, off, after)
		if after {
			l.addTo(rest, 0, v)
		} else {
			l.addTo(rest, rest.count(), v)
		}
		l.linkBeside(rest, nd, after)
		l.mergeAround(nd, fill)
	}
}

// linkBeside links nd after ref (after) or before it.
func (l *List) linkBeside(nd, ref *lnode, after bool) {
	if after {
		l.link(nd, ref)
	} else {
		l.link(nd, ref.prev)
	}
}

// split is _quicklistSplitNode: with after, nd keeps its elements up to
// off and the returned (unlinked) node gets the rest; without, nd keeps
// the elements from off and the returned node gets those before.
func (l *List) split(nd *lnode, off int, after bool) *lnode {
	rest := newLNode(false)
	from, to := off+1, nd.count()
	if !after {
		from, to = 0, off
	}
	for i := from; i < to; i++ {
		e := nd.at(i)
		rest.pushBack(e)
		rest.sz += lpEntrySize(e)
		nd.sz -= lpEntrySize(e)
	}
	if after {
		j := nd.off + from
		nd.buf, nd.offs = nd.buf[:nd.offs[j]], nd.offs[:j]
	} else {
		nd.off += to
	}
	if nd.count() == 0 {
		nd.reset()
	}
	l.sync(nd)
	return rest
}

// allowMerge is _quicklistNodeAllowMerge.
func allowMerge(a, b *lnode, fill int64) bool {
	if a == nil || b == nil || a.plain || b.plain {
		return false
	}
	return !qlExceeds(fill, a.sz+b.sz-lpHeaderSize, a.count()+b.count())
}

// merge moves the elements of b (the node after a) into a and unlinks b.
func (l *List) merge(a, b *lnode) *lnode {
	for i := 0; i < b.count(); i++ {
		a.pushBack(b.at(i))
	}
	l.sync(a)
	a.sz += b.sz - lpHeaderSize
	l.unlink(b)
	return a
}

// mergeAround is _quicklistMergeNodes: it merges the neighbours of center
// that fit together, then center with its neighbours.
func (l *List) mergeAround(center *lnode, fill int64) {
	var prev, prevPrev, next, nextNext *lnode
	if prev = center.prev; prev != nil {
		prevPrev = prev.prev
	}
	if next = center.next; next != nil {
		nextNext = next.next
	}
	if allowMerge(prevPrev, prev, fill) {
		l.merge(prevPrev, prev)
	}
	if allowMerge(next, nextNext, fill) {
		l.merge(next, nextNext)
	}
	target := center
	if allowMerge(center.prev, center, fill) {
		target = l.merge(center.prev, center)
	}
	if allowMerge(target, target.next, fill) {
		l.merge(target, target.next)
	}
}

// replaceIn replaces element off of nd with v, as quicklistReplaceEntry.
func (l *List) replaceIn(nd *lnode, off int, v []byte, fill int64) {
	oldSz := lpEntrySize(nd.at(off))
	large := l.quick && qlIsLarge(len(v), fill)
	switch {
	case !l.quick || (!nd.plain && !large):
		nd.set(off, v)
		nd.sz += lpEntrySize(v) - oldSz
		l.sync(nd)
	case nd.plain && large:
		nd.set(off, v)
		nd.sz = len(v)
		l.sync(nd)
	case nd.plain:
		l.insertIn(nd, off, v, true, fill)
		l.removeIn(nd, off)
	default:
		// A large element in a packed node: it gets a plain node after
		// the old element, which is then deleted.
		var rest *lnode
		if off != nd.count()-1 {
			rest = l.split(nd, off, true)
		}
		nn := newLNode(true)
		l.link(nn, nd)
		if rest != nil {
			l.link(rest, nn)
		}
		l.addTo(nn, 0, v)
		if nd.count() == 1 {
			l.removeIn(nd, 0)
			return
		}
		l.removeIn(nd, nd.count()-1)
		l.mergeAround(nn, fill)
	}
}

// Remove deletes elements equal to v as LREM does: the first count from
// the head (count > 0), the last -count from the tail (count < 0), or all
// (count 0). It returns how many it removed. Each node is filtered in one
// pass.
func (l *List) Remove(v []byte, count int64) int64 {
	limit, back := count, count < 0
	if back {
		limit = -count
	}
	var removed int64
	if !back {
		for nd := l.head; nd != nil && (limit == 0 || removed < limit); {
			next := nd.next
			removed += l.filter(nd, v, limit-removed, limit == 0, false)
			nd = next
		}
	} else {
		for nd := l.tail; nd != nil && removed < limit; {
			prev := nd.prev
			removed += l.filter(nd, v, limit-removed, false, true)
			nd = prev
		}
	}
	return removed
}

// filter removes up to limit elements equal to v from node nd (all when
// all), the last ones when back, and returns how many it removed. The
// kept elements move down in one pass.
func (l *List) filter(nd *lnode, v []byte, limit int64, all, back bool) int64 {
	n := nd.count()
	cut := 0 // with back: matches at or after index cut go
	if back && !all {
		var seen int64
		for i := n - 1; i >= 0 && seen < limit; i-- {
			if string(nd.at(i)) == string(v) {
				seen++
				cut = i
			}
		}
		if seen == 0 {
			return 0
		}
	}
	var removed int64
	w, wo := nd.liveStart(), nd.off
	for i := 0; i < n; i++ {
		x := nd.at(i)
		if string(x) == string(v) && (all || (back && i >= cut) || (!back && removed < limit)) {
			removed++
			if !nd.plain {
				nd.sz -= lpEntrySize(x)
			}
			continue
		}
		nd.offs[wo] = uint32(w)
		w += copy(nd.buf[w:], x)
		wo++
	}
	nd.buf, nd.offs = nd.buf[:w], nd.offs[:wo]
	if nd.count() == 0 {
		nd.reset()
	}
	l.n -= int(removed)
	if removed > 0 && nd.count() == 0 && l.quick {
		l.unlink(nd)
	}
	return removed
}

// Range calls fn for the elements from start to start+count-1 (valid
// indexes), backwards from start when reverse, stopping early when fn
// returns false. fn must not modify the list; the slices it gets are
// valid until the list is next modified.
func (l *List) Range(start, count int, reverse bool, fn func(v []byte) bool) {
	if count <= 0 {
		return
	}
	nd, off := l.seek(start)
	for ; count > 0; count-- {
		if !fn(nd.at(off)) {
			return
		}
		if reverse {
			off--
			for off < 0 && nd.prev != nil {
				nd = nd.prev
				off = nd.count() - 1
			}
		} else {
			off++
			for off >= nd.count() && nd.next != nil {
				nd = nd.next
				off = 0
			}
		}
		if off < 0 || off >= nd.count() {
			return
		}
	}
}

// Copy implements Copier.
func (l *List) Copy() any {
	c := &List{quick: l.quick}
	for nd := l.head; nd != nil; nd = nd.next {
		nn := &lnode{plain: nd.plain, sz: nd.sz}
		nn.buf = append([]byte(nil), nd.buf[nd.liveStart():]...)
		nn.offs = make([]uint32, nd.count())
		base := uint32(nd.liveStart())
		for i, o := range nd.offs[nd.off:] {
			nn.offs[i] = o - base
		}
		c.link(nn, c.tail)
	}
	c.n = l.n
	return c
}

// Heap costs of a list's parts (memory_size.go).
var (
	listStructMem = scanMem(int64(unsafe.Sizeof(List{})))
	lnodeSize     = int64(unsafe.Sizeof(lnode{}))
)

// lnodeMem is the cost of a node: its header, its bytes and its offsets.
func lnodeMem(nd *lnode) int64 {
	return scanMem(lnodeSize) + noscanMem(int64(cap(nd.buf))) + noscanMem(int64(cap(nd.offs))*4)
}

// sync charges the list for the change in the cost of the linked node nd
// since it was last counted.
func (l *List) sync(nd *lnode) {
	if m := lnodeMem(nd); m != nd.mem {
		l.grow(m - nd.mem)
		nd.mem = m
	}
}

// memSize implements memValue.
func (l *List) memSize() int64 {
	if !l.counted() {
		var sum int64
		for nd := l.head; nd != nil; nd = nd.next {
			nd.mem = lnodeMem(nd)
			sum += nd.mem
		}
		l.setTotal(sum)
	}
	return listStructMem + l.total()
}
