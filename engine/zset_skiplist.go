package engine

import (
	"math/rand/v2"
	"unsafe"

	"github.com/flect-kv/flect/engine/dict"
)

// The skiplist encoding of a sorted set (Valkey's OBJ_ENCODING_SKIPLIST):
// an order-statistic skiplist with span counts ordered by (score, member)
// giving O(log n) insert, delete, rank and range by rank, and a dict from
// member to its skiplist node for O(1) score lookups and ZSCAN's
// reverse-binary cursor.

// zskip is a sorted set's skiplist encoding.
type zskip struct {
	zsl  skiplist
	dict *dict.Dict[*zNode]
}

// newZSkip returns an empty skiplist encoding.
func newZSkip() *zskip {
	s := &zskip{dict: dict.New[*zNode]()}
	// The head's levels grow with the list's height: a small set does
	// not pay for 32 of them.
	s.zsl.head = newZNode(4)
	s.zsl.level = 1
	return s
}

// zMaxLevel bounds the skiplist's height (Valkey's ZSKIPLIST_MAXLEVEL).
const zMaxLevel = 32

// zNode is a skiplist node: a member, its score, the node before it at
// level 0 and its forward links with the number of nodes each one skips.
type zNode struct {
	score  float64
	back   *zNode
	member string
	// nlevel is the number of levels, stored after the node in the same
	// allocation (newZNode) as Valkey's flexible array: a search step
	// reads one small object.
	nlevel int
}

// zNodeSize is where a node's levels start.
const zNodeSize = unsafe.Sizeof(zNode{})

// lv returns level i of x; i < x.nlevel.
func (x *zNode) lv(i int) *zLevel {
	return (*zLevel)(unsafe.Add(unsafe.Pointer(x), zNodeSize+uintptr(i)*unsafe.Sizeof(zLevel{})))
}

type zLevel struct {
	next *zNode
	span int
}

// skiplist is an order-statistic skiplist sorted by (score, member).
type skiplist struct {
	head   *zNode
	tail   *zNode
	length int
	level  int
}

// newZNode returns a node with lvl levels allocated together with it, so
// that a search step touches one allocation, not two.
func newZNode(lvl int) *zNode {
	var n *zNode
	switch {
	case lvl == 1:
		n = &(&struct {
			zNode
			l [1]zLevel
		}{}).zNode
	case lvl == 2:
		n = &(&struct {
			zNode
			l [2]zLevel
		}{}).zNode
	case lvl <= 4:
		n = &(&struct {
			zNode
			l [4]zLevel
		}{}).zNode
	case lvl <= 8:
		n = &(&struct {
			zNode
			l [8]zLevel
		}{}).zNode
	case lvl <= 16:
		n = &(&struct {
			zNode
			l [16]zLevel
		}{}).zNode
	default:
		n = &(&struct {
			zNode
			l [zMaxLevel]zLevel
		}{}).zNode
	}
	n.nlevel = lvl
	return n
}

// zless reports whether (s1, m1) sorts before (s2, m2).
func zless(s1 float64, m1 string, s2 float64, m2 string) bool {
	return s1 < s2 || (s1 == s2 && m1 < m2)
}

func randomLevel() int {
	l := 1
	for l < zMaxLevel && rand.Uint32()&0xffff < 0xffff/4 {
		l++
	}
	return l
}

func (zsl *skiplist) insert(member string, score float64) *zNode {
	n := newZNode(randomLevel())
	n.member, n.score = member, score
	zsl.insertNode(n)
	return n
}

// insertNode links n (member, score and levels set, not linked) at its
// place.
func (zsl *skiplist) insertNode(n *zNode) {
	var update [zMaxLevel]*zNode
	var rank [zMaxLevel]int
	member, score := n.member, n.score
	if n.nlevel > zsl.head.nlevel {
		// The head's levels grow with the list's height: a small set
		// does not pay for 32 of them.
		head := newZNode(zMaxLevel)
		for i := 0; i < zsl.head.nlevel; i++ {
			*head.lv(i) = *zsl.head.lv(i)
		}
		zsl.head = head
	}
	x := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		if i < zsl.level-1 {
			rank[i] = rank[i+1]
		}
		for x.lv(i).next != nil && zless(x.lv(i).next.score, x.lv(i).next.member, score, member) {
			rank[i] += x.lv(i).span
			x = x.lv(i).next
		}
		update[i] = x
	}
	lvl := n.nlevel
	if lvl > zsl.level {
		for i := zsl.level; i < lvl; i++ {
			rank[i] = 0
			update[i] = zsl.head
			update[i].lv(i).span = zsl.length
		}
		zsl.level = lvl
	}
	for i := 0; i < lvl; i++ {
		n.lv(i).next = update[i].lv(i).next
		update[i].lv(i).next = n
		n.lv(i).span = update[i].lv(i).span - (rank[0] - rank[i])
		update[i].lv(i).span = rank[0] - rank[i] + 1
	}
	for i := lvl; i < zsl.level; i++ {
		update[i].lv(i).span++
	}
	n.back = nil
	if update[0] != zsl.head {
		n.back = update[0]
	}
	if n.lv(0).next != nil {
		n.lv(0).next.back = n
	} else {
		zsl.tail = n
	}
	zsl.length++
}

func (zsl *skiplist) unlink(x *zNode, update *[zMaxLevel]*zNode) {
	for i := 0; i < zsl.level; i++ {
		if update[i].lv(i).next == x {
			update[i].lv(i).span += x.lv(i).span - 1
			update[i].lv(i).next = x.lv(i).next
		} else {
			update[i].lv(i).span--
		}
	}
	if x.lv(0).next != nil {
		x.lv(0).next.back = x.back
	} else {
		zsl.tail = x.back
	}
	for zsl.level > 1 && zsl.head.lv(zsl.level-1).next == nil {
		zsl.level--
	}
	zsl.length--
}

func (zsl *skiplist) delete(score float64, member string) bool {
	var update [zMaxLevel]*zNode
	x := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for x.lv(i).next != nil && zless(x.lv(i).next.score, x.lv(i).next.member, score, member) {
			x = x.lv(i).next
		}
		update[i] = x
	}
	x = x.lv(0).next
	if x != nil && x.score == score && x.member == member {
		zsl.unlink(x, &update)
		return true
	}
	return false
}

// rank returns the 1-based rank of (score, member), 0 when absent.
func (zsl *skiplist) rank(score float64, member string) int {
	r := 0
	x := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for x.lv(i).next != nil && !zless(score, member, x.lv(i).next.score, x.lv(i).next.member) {
			r += x.lv(i).span
			x = x.lv(i).next
		}
		if x != zsl.head && x.member == member {
			return r
		}
	}
	return 0
}

// byRank returns the node at the 1-based rank, nil when out of range.
func (zsl *skiplist) byRank(rank int) *zNode {
	if rank < 1 || rank > zsl.length {
		return nil
	}
	t := 0
	x := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for x.lv(i).next != nil && t+x.lv(i).span <= rank {
			t += x.lv(i).span
			x = x.lv(i).next
		}
		if t == rank {
			return x
		}
	}
	return nil
}

// firstInScore returns the first node within r, or nil.
func (zsl *skiplist) firstInScore(r *scoreRange) *zNode {
	if r.empty() {
		return nil
	}
	x := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for x.lv(i).next != nil && !r.gteMin(x.lv(i).next.score) {
			x = x.lv(i).next
		}
	}
	x = x.lv(0).next
	if x == nil || !r.lteMax(x.score) {
		return nil
	}
	return x
}

// lastInScore returns the last node within r, or nil.
func (zsl *skiplist) lastInScore(r *scoreRange) *zNode {
	if r.empty() {
		return nil
	}
	x := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for x.lv(i).next != nil && r.lteMax(x.lv(i).next.score) {
			x = x.lv(i).next
		}
	}
	if x == zsl.head || !r.gteMin(x.score) {
		return nil
	}
	return x
}

// lexInRange is Valkey's zslIsInLexRange: the range is not empty and
// overlaps the span from the first to the last member.
func (zsl *skiplist) lexInRange(r *lexRange) bool {
	if r.empty() || zsl.length == 0 {
		return false
	}
	return r.gteMin(zsl.tail.member) && r.lteMax(zsl.first().member)
}

func (zsl *skiplist) firstInLex(r *lexRange) *zNode {
	if !zsl.lexInRange(r) {
		return nil
	}
	x := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for x.lv(i).next != nil && !r.gteMin(x.lv(i).next.member) {
			x = x.lv(i).next
		}
	}
	x = x.lv(0).next
	if x == nil || !r.lteMax(x.member) {
		return nil
	}
	return x
}

func (zsl *skiplist) lastInLex(r *lexRange) *zNode {
	if !zsl.lexInRange(r) {
		return nil
	}
	x := zsl.head
	for i := zsl.level - 1; i >= 0; i-- {
		for x.lv(i).next != nil && r.lteMax(x.lv(i).next.member) {
			x = x.lv(i).next
		}
	}
	if x == zsl.head || !r.gteMin(x.member) {
		return nil
	}
	return x
}

// first returns the lowest node, last the highest; nil when empty.
func (zsl *skiplist) first() *zNode { return zsl.head.lv(0).next }
func (zsl *skiplist) last() *zNode  { return zsl.tail }

// prev and next step through the list.
func (x *zNode) next() *zNode { return x.lv(0).next }
func (x *zNode) prev() *zNode { return x.back }
