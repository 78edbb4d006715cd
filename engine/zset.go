package engine

import (
	"math"
	"math/rand/v2"
	"strings"
	"unsafe"

	"github.com/flect-kv/flect/engine/dict"
)

// ZSet is a sorted set value: a skiplist with span counts ordered by
// (score, member) giving O(log n) insert, delete, rank and range by rank,
// and a dict from member to its skiplist node for O(1) score lookups and
// ZSCAN's reverse-binary cursor.
//
// Small sets report the "listpack" encoding as Valkey's do, and switch to
// "skiplist" for good once zset-max-listpack-entries or -value is passed.
// A listpack-encoded set behaves as Valkey's does where a client can see
// it (ZSCAN replies in one call in score order, ZRANDMEMBER with a large
// count), while keeping the same O(log n) structure underneath.
type ZSet struct {
	memTrack // memory accounting (memory.go): zsetMemberMem of the members
	zsl      skiplist
	dict     *dict.Dict[*zNode]
	listpack bool
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

// NewZSet returns an empty sorted set in the listpack encoding.
func NewZSet() *ZSet {
	z := &ZSet{dict: dict.New[*zNode](), listpack: true}
	// The head's levels grow with the list's height: a small set does
	// not pay for 32 of them.
	z.zsl.head = newZNode(4)
	z.zsl.level = 1
	return z
}

// TypeName is "zset".
func (z *ZSet) TypeName() string { return TypeZSet }

// Encoding is "listpack" or "skiplist".
func (z *ZSet) Encoding() string {
	if z.listpack {
		return "listpack"
	}
	return "skiplist"
}

// Len returns the number of members.
func (z *ZSet) Len() int { return z.zsl.length }

// Copy returns an independent duplicate with the same encoding.
func (z *ZSet) Copy() any {
	n := NewZSet()
	n.listpack = z.listpack
	for x := z.zsl.head.lv(0).next; x != nil; x = x.lv(0).next {
		n.insert(x.member, x.score)
	}
	return n
}

// Heap costs of a sorted set's parts (memory_size.go).
var (
	zsetStructMem = scanMem(int64(unsafe.Sizeof(ZSet{})))
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

// zsetMemberMem is the cost of a member of m bytes: its dict node, which
// holds the member's bytes, and its skiplist node.
func zsetMemberMem(m, lvl int) int64 { return dictNodeMem(zsetNodeSize, m) + zNodeMem(lvl) }

// memSize implements memValue.
func (z *ZSet) memSize() int64 {
	if !z.counted {
		z.elems = 0
		for x := z.zsl.head.lv(0).next; x != nil; x = x.lv(0).next {
			z.elems += zsetMemberMem(len(x.member), x.nlevel)
		}
		z.counted = true
	}
	return zsetStructMem + dictMem + bucketsMem(z.dict.Buckets()) + zNodeMem(z.zsl.head.nlevel) + z.elems
}

// Score returns member's score.
func (z *ZSet) Score(member string) (float64, bool) {
	if n := z.dict.Find(member); n != nil {
		return n.Val.score, true
	}
	return 0, false
}

// checkConvert switches a listpack set to skiplist when it has more
// than maxEntries members or a member longer than maxValue bytes.
func (z *ZSet) checkConvert(n *Node, memberLen int) {
	if z.listpack && (int64(z.zsl.length) > n.ZSetMaxListpackEntries() || int64(memberLen) > n.ZSetMaxListpackValue()) {
		z.listpack = false
	}
}

// newZSetFor returns an empty set in the encoding Valkey's zsetTypeCreate
// picks for size members of at most maxLen bytes.
func newZSetFor(n *Node, size, maxLen int) *ZSet {
	z := NewZSet()
	if int64(size) > n.ZSetMaxListpackEntries() || int64(maxLen) > n.ZSetMaxListpackValue() {
		z.listpack = false
	}
	return z
}

// insert adds a member that is not in the set. member is copied. A
// listpack stores -0 as 0, as Valkey's does.
func (z *ZSet) insert(member string, score float64) *zNode {
	if z.listpack && score == 0 {
		score = 0
	}
	dn, _ := z.dict.Upsert(member)
	x := z.zsl.insert(dn.Key, score)
	dn.Val = x
	z.grow(zsetMemberMem(len(member), x.nlevel))
	return x
}

// remove deletes member and reports whether it was present.
func (z *ZSet) remove(member string) bool {
	dn := z.dict.Delete(member)
	if dn == nil {
		return false
	}
	z.zsl.delete(dn.Val.score, dn.Val.member)
	z.grow(-zsetMemberMem(len(member), dn.Val.nlevel))
	return true
}

// setScore changes the score of an existing node, returning the node now
// holding the member.
func (z *ZSet) setScore(x *zNode, score float64) {
	zsl := &z.zsl
	if z.listpack && score == 0 {
		score = 0
	}
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

// scoreRange is a parsed score interval.
type scoreRange struct {
	min, max     float64
	minex, maxex bool
}

func (r *scoreRange) gteMin(v float64) bool {
	if r.minex {
		return v > r.min
	}
	return v >= r.min
}

func (r *scoreRange) lteMax(v float64) bool {
	if r.maxex {
		return v < r.max
	}
	return v <= r.max
}

func (r *scoreRange) empty() bool {
	return r.min > r.max || (r.min == r.max && (r.minex || r.maxex))
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

// lexRange is a parsed member interval; minInf is "-", maxInf "+", and
// the opposite infinities make the range empty.
type lexRange struct {
	min, max       string
	minex, maxex   bool
	minInf, maxInf int // -1 for "-", +1 for "+", 0 for a string
}

// cmpLexBound compares member with a bound (inf -1, +1, or s).
func cmpLexBound(member string, inf int, s string) int {
	if inf != 0 {
		return -inf
	}
	return strings.Compare(member, s)
}

func (r *lexRange) gteMin(m string) bool {
	c := cmpLexBound(m, r.minInf, r.min)
	if r.minex {
		return c > 0
	}
	return c >= 0
}

func (r *lexRange) lteMax(m string) bool {
	c := cmpLexBound(m, r.maxInf, r.max)
	if r.maxex {
		return c < 0
	}
	return c <= 0
}

func (r *lexRange) empty() bool {
	// Compare the bounds themselves, as Valkey's zslIsInLexRange does.
	var c int
	switch {
	case r.minInf == -1 || r.maxInf == 1:
		return false
	case r.minInf == 1 || r.maxInf == -1:
		return true
	default:
		c = strings.Compare(r.min, r.max)
	}
	return c > 0 || (c == 0 && (r.minex || r.maxex))
}

// lexInRange is Valkey's zslIsInLexRange: the range is not empty and
// overlaps the span from the first to the last member.
func (zsl *skiplist) lexInRange(r *lexRange) bool {
	if r.empty() || zsl.length == 0 {
		return false
	}
	return r.gteMin(zsl.tail.member) && r.lteMax(zsl.first().member)
}

// firstInLex returns the first node within r, or nil. A listpack set is
// scanned linearly as Valkey scans a listpack (the result differs from a
// skiplist descent only when scores differ, where Valkey leaves it
// unspecified).
func (z *ZSet) firstInLex(r *lexRange) *zNode {
	if !z.listpack {
		return z.zsl.firstInLex(r)
	}
	if !z.zsl.lexInRange(r) {
		return nil
	}
	for x := z.zsl.first(); x != nil; x = x.next() {
		if r.gteMin(x.member) {
			if !r.lteMax(x.member) {
				return nil
			}
			return x
		}
	}
	return nil
}

// lastInLex returns the last node within r, or nil.
func (z *ZSet) lastInLex(r *lexRange) *zNode {
	if !z.listpack {
		return z.zsl.lastInLex(r)
	}
	if !z.zsl.lexInRange(r) {
		return nil
	}
	for x := z.zsl.last(); x != nil; x = x.prev() {
		if r.lteMax(x.member) {
			if !r.gteMin(x.member) {
				return nil
			}
			return x
		}
	}
	return nil
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

// add applies one ZADD element; score is the new score (or increment) and
// the returned score the member's score afterwards.
func (z *ZSet) add(n *Node, member []byte, score float64, f zaddFlags) (zaddResult, float64) {
	if dn := z.dict.Find(bstr(member)); dn != nil {
		if f.nx {
			return zaddNop, dn.Val.score
		}
		cur := dn.Val.score
		if f.incr {
			score += cur
			if math.IsNaN(score) {
				return zaddNaN, 0
			}
		}
		if (f.lt && score >= cur) || (f.gt && score <= cur) {
			return zaddNop, cur
		}
		if score != cur {
			z.setScore(dn.Val, score)
			return zaddUpdated, score
		}
		return zaddSame, score
	}
	if f.xx {
		return zaddNop, 0
	}
	z.insert(bstr(member), score)
	z.checkConvert(n, len(member))
	return zaddAdded, score
}
