package engine

import (
	"math"
	"math/rand/v2"
	"unsafe"

	"github.com/flect-kv/flect/engine/dict"
)

// ZSet is a sorted set value. Like Valkey it has two encodings:
//
//   - "listpack" while small (at most zset-max-listpack-entries members,
//     none longer than zset-max-listpack-value bytes): members and scores
//     packed in one byte slice sorted by (score, member), searched and
//     walked linearly as Valkey's listpack is (zset_listpack.go);
//   - "skiplist" once a threshold has been passed: an order-statistic
//     skiplist and a dict from member to node (zset_skiplist.go), O(log n)
//     by rank and score and O(1) by member.
//
// The conversions follow Valkey's t_zset.c: a listpack becomes a skiplist
// before an insertion would pass a threshold (zsetAdd), or when a command
// announces more or longer members than a listpack takes
// (zsetTypeMaybeConvert); SORT converts its input. A skiplist goes back to
// a listpack only as a stored result or a loaded value that is small
// (ZUNIONSTORE, ZINTERSTORE, ZDIFFSTORE, GEO...STORE, RDB and snapshot
// loads): see toListpack.
//
// Commands use the encoding-independent API: Score, rank, add, insert,
// addNew, remove, removeRange, random, and the iterators of zset_iter.go
// (first, last, atRank, firstInScore, lastInScore, firstInLex, lastInLex).
type ZSet struct {
	memTrack        // memory accounting (memory.go): zsetMemberMem of a skiplist's members
	lp       []byte // listpack encoding (sk == nil), see zset_listpack.go
	lpN      int    // entries in lp
	sk       *zskip // skiplist encoding; nil for a listpack
}

// NewZSet returns an empty sorted set in the listpack encoding.
func NewZSet() *ZSet { return &ZSet{} }

// newZSetFor returns an empty set in the encoding Valkey's zsetTypeCreate
// picks for size members of at most maxLen bytes.
func newZSetFor(n *Node, size, maxLen int) *ZSet {
	z := NewZSet()
	if int64(size) > n.ZSetMaxListpackEntries() || int64(maxLen) > n.ZSetMaxListpackValue() {
		z.sk = newZSkip()
	}
	return z
}

// TypeName is "zset".
func (z *ZSet) TypeName() string { return TypeZSet }

// Encoding is "listpack" or "skiplist".
func (z *ZSet) Encoding() string {
	if z.sk == nil {
		return "listpack"
	}
	return "skiplist"
}

// Len returns the number of members.
func (z *ZSet) Len() int {
	if z.sk == nil {
		return z.lpN
	}
	return z.sk.zsl.length
}

// Copy returns an independent duplicate with the same encoding.
func (z *ZSet) Copy() any {
	if z.sk == nil {
		return &ZSet{lp: zlpBuild(0, z.lp), lpN: z.lpN}
	}
	n := &ZSet{sk: newZSkip()}
	for x := z.sk.zsl.first(); x != nil; x = x.next() {
		n.skInsert(x.member, x.score)
	}
	return n
}

// Heap costs of a sorted set's parts (memory_size.go).
var (
	zsetStructMem = scanMem(int64(unsafe.Sizeof(ZSet{})))
	zskipMem      = scanMem(int64(unsafe.Sizeof(zskip{})))
	zsetNodeSize  = int64(unsafe.Sizeof(dict.Node[*zNode]{}))
)

// zNodeMem is the cost of a skiplist node of lvl levels, allocated with
// room for 1, 2, 4, 8, 16 or 32 of them (newZNode).
func zNodeMem(lvl int) int64 {
	room := 1
	for room < lvl {
		room *= 2
	}
	return scanMem(int64(zNodeSize) + int64(room)*int64(unsafe.Sizeof(zLevel{})))
}

// zsetMemberMem is the cost of a skiplist member of m bytes: its dict
// node, which holds the member's bytes, and its skiplist node. (A
// listpack costs its byte slice.)
func zsetMemberMem(m, lvl int) int64 { return dictNodeMem(zsetNodeSize, m) + zNodeMem(lvl) }

// memSize implements memValue.
func (z *ZSet) memSize() int64 {
	if z.sk == nil {
		return zsetStructMem + noscanMem(int64(cap(z.lp)))
	}
	if !z.counted() {
		var sum int64
		for x := z.sk.zsl.first(); x != nil; x = x.next() {
			sum += zsetMemberMem(len(x.member), x.nlevel)
		}
		z.setTotal(sum)
	}
	return zsetStructMem + zskipMem + dictMem + bucketsMem(z.sk.dict.Buckets()) + zNodeMem(z.sk.zsl.head.nlevel) + z.total()
}

// Score returns member's score.
func (z *ZSet) Score(member string) (float64, bool) {
	if z.sk == nil {
		off, _, s := z.lpFind(member)
		return s, off >= 0
	}
	if n := z.sk.dict.Find(member); n != nil {
		return n.Val.score, true
	}
	return 0, false
}

// rank returns the 0-based rank of member (from the lowest) and its
// score.
func (z *ZSet) rank(member string) (int, float64, bool) {
	if z.sk == nil {
		return z.lpRank(member)
	}
	dn := z.sk.dict.Find(member)
	if dn == nil {
		return 0, 0, false
	}
	return z.sk.zsl.rank(dn.Val.score, dn.Val.member) - 1, dn.Val.score, true
}

// lpFits reports whether the listpack may take more new members, the
// longest of mlen bytes, as zsetAdd checks before inserting.
func (z *ZSet) lpFits(n *Node, more, mlen int) bool {
	return int64(z.lpN)+int64(more) <= n.ZSetMaxListpackEntries() &&
		int64(mlen) <= n.ZSetMaxListpackValue() && len(z.lp)+mlen <= zsetSizeSafetyLimit
}

// maybeConvert is Valkey's zsetTypeMaybeConvert: a listpack becomes a
// skiplist when a command is about to write more members than it may
// hold or a member longer than it takes.
func (z *ZSet) maybeConvert(n *Node, size, maxLen int) {
	if z.sk == nil && (int64(size) > n.ZSetMaxListpackEntries() || int64(maxLen) > n.ZSetMaxListpackValue()) {
		z.toSkiplist()
	}
}

// toSkiplist converts a listpack set to the skiplist encoding.
func (z *ZSet) toSkiplist() {
	if z.sk != nil {
		return
	}
	lp := z.lp
	z.sk, z.lp, z.lpN = newZSkip(), nil, 0
	for off := 0; off < len(lp); {
		m, s, end := zlpEntry(lp, off)
		z.skInsert(m, s) // the dict copies the member
		off = end
	}
	z.recount()
}

// zsetToSkiplist converts the listpack set z stored at key to a skiplist
// for a command the dispatcher does not reconcile the memory of (SORT and
// SORT_RO, which Valkey has convert their input).
func (c *Ctx) zsetToSkiplist(key []byte, z *ZSet) {
	if z.sk == nil {
		z.toSkiplist()
		c.DB.data.reconcileKey(bstr(key))
	}
}

// toListpack converts a skiplist set to the listpack encoding (-0 scores
// become 0). The caller checks the thresholds.
func (z *ZSet) toListpack() {
	if z.sk == nil {
		return
	}
	zsl := &z.sk.zsl
	size := 0
	for x := zsl.first(); x != nil; x = x.next() {
		size += zlpEntrySize(x.member, x.score)
	}
	b := make([]byte, 0, lpCap(size))
	for x := zsl.first(); x != nil; x = x.next() {
		b = zlpAppend(b, x.member, x.score)
	}
	z.lp, z.lpN, z.sk = b, zsl.length, nil
	z.recount()
}

// toListpackIfSmall is Valkey's zsetConvertToListpackIfNeeded, for a
// stored result or a loaded value: a skiplist set within the thresholds
// (its longest member maxLen bytes) becomes a listpack.
func (z *ZSet) toListpackIfSmall(n *Node, maxLen int) {
	if z.sk == nil || int64(z.Len()) > n.ZSetMaxListpackEntries() || int64(maxLen) > n.ZSetMaxListpackValue() {
		return
	}
	total := 0
	for x := z.sk.zsl.first(); x != nil; x = x.next() {
		total += len(x.member)
	}
	if total <= zsetSizeSafetyLimit {
		z.toListpack()
	}
}

// insert adds a member that is not in the set, whatever the thresholds.
// member is copied. A listpack stores -0 as 0, as Valkey's does.
func (z *ZSet) insert(member string, score float64) {
	if z.sk == nil {
		z.lpInsert(member, score)
		return
	}
	z.skInsert(member, score)
}

// addNew adds a member that is not in the set as zsetAdd does, converting
// a listpack that cannot take it first.
func (z *ZSet) addNew(n *Node, member string, score float64) {
	if z.sk == nil && !z.lpFits(n, 1, len(member)) {
		z.toSkiplist()
	}
	z.insert(member, score)
}

// skInsert adds a member that is not in a skiplist set and returns its
// node.
func (z *ZSet) skInsert(member string, score float64) *zNode {
	dn, _ := z.sk.dict.Upsert(member)
	x := z.sk.zsl.insert(dn.Key(), score)
	dn.Val = x
	z.grow(zsetMemberMem(len(member), x.nlevel))
	return x
}

// remove deletes member and reports whether it was present.
func (z *ZSet) remove(member string) bool {
	if z.sk == nil {
		off, end, _ := z.lpFind(member)
		if off < 0 {
			return false
		}
		z.lpCut(off, end, 1)
		return true
	}
	dn := z.sk.dict.Delete(member)
	if dn == nil {
		return false
	}
	z.sk.zsl.delete(dn.Val.score, dn.Val.member)
	z.grow(-zsetMemberMem(len(member), dn.Val.nlevel))
	return true
}

// removeRange deletes the n entries from 0-based rank start on.
func (z *ZSet) removeRange(start, n int) {
	n = min(n, z.Len()-start)
	if n <= 0 || start < 0 {
		return
	}
	if z.sk == nil {
		off := z.lpOffset(start)
		end := off
		for i := 0; i < n; i++ {
			_, _, end = zlpEntry(z.lp, end)
		}
		z.lpCut(off, end, n)
		return
	}
	zsl := &z.sk.zsl
	if start+n == zsl.length {
		// From the end (ZPOPMAX): no descent to find the first.
		for x := zsl.last(); n > 0 && x != nil; n-- {
			prev := x.prev()
			z.remove(x.member)
			x = prev
		}
		return
	}
	x := zsl.first()
	if start > 0 {
		x = zsl.byRank(start + 1)
	}
	for ; n > 0 && x != nil; n-- {
		next := x.next()
		z.remove(x.member)
		x = next
	}
}

// random returns an iterator on a uniformly chosen entry of a non-empty
// set.
func (z *ZSet) random() zIter {
	if z.sk == nil {
		return z.atRank(rand.IntN(z.lpN))
	}
	return nodeIter(z.sk.dict.Random().Val)
}

// setScore changes the score of an existing skiplist node.
func (z *ZSet) setScore(x *zNode, score float64) {
	zsl := &z.sk.zsl
	// Stays in place when still ordered between its neighbours.
	if (x.back == nil || zless(x.back.score, x.back.member, score, x.member)) &&
		(x.lv(0).next == nil || zless(score, x.member, x.lv(0).next.score, x.lv(0).next.member)) {
		x.score = score
		return
	}
	// Move the node itself, as Valkey's zslUpdateScore does: the dict
	// keeps pointing at it and nothing is allocated.
	zsl.delete(x.score, x.member)
	x.score = score
	zsl.insertNode(x)
}

// zaddFlags are ZADD's options.
type zaddFlags struct {
	nx, xx, gt, lt, incr bool
}

// zaddResult says what add did.
type zaddResult int

const (
	zaddNop zaddResult = iota
	zaddAdded
	zaddUpdated
	zaddSame // present, score unchanged
	zaddNaN
)

// add applies one ZADD element as Valkey's zsetAdd does; score is the new
// score (or increment) and the returned score the member's score
// afterwards. member may alias a read buffer.
func (z *ZSet) add(n *Node, member []byte, score float64, f zaddFlags) (zaddResult, float64) {
	m := bstr(member)
	var cur float64
	var off, end int
	var x *zNode
	if z.sk == nil {
		off, end, cur = z.lpFind(m)
		if off < 0 {
			if f.xx {
				return zaddNop, 0
			}
			if z.lpFits(n, 1, len(m)) {
				z.lpInsert(m, score)
				return zaddAdded, score
			}
			z.toSkiplist()
		}
	}
	if z.sk != nil {
		dn := z.sk.dict.Find(m)
		if dn == nil {
			if f.xx {
				return zaddNop, 0
			}
			z.skInsert(m, score)
			return zaddAdded, score
		}
		x, cur = dn.Val, dn.Val.score
	}
	if f.nx {
		return zaddNop, cur
	}
	if f.incr {
		score += cur
		if math.IsNaN(score) {
			return zaddNaN, 0
		}
	}
	if (f.lt && score >= cur) || (f.gt && score <= cur) {
		return zaddNop, cur
	}
	if score == cur {
		return zaddSame, score
	}
	if x != nil {
		z.setScore(x, score)
	} else {
		z.lpSetScore(off, end, m, score)
	}
	return zaddUpdated, score
}
