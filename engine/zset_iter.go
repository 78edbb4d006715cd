package engine

import "strings"

// Positions in a sorted set, whatever its encoding: the iterator the
// commands walk ranges with, and where ranges by rank, score and member
// start.

// zIter is a position on an entry of a sorted set: the entry's member and
// score, and where it is in the set's encoding. The member aliases the
// set (a listpack's bytes or a skiplist node's string) and stays valid;
// the position itself is invalidated by any change to the set. An
// iterator stepped past either end, or the zero zIter, is not valid.
type zIter struct {
	member string
	score  float64
	ok     bool
	sk     bool   // skiplist encoding
	x      *zNode // skiplist: the node
	lp     []byte // listpack: the set's listpack
	off    int    // listpack: the entry's bytes [off, end)
	end    int
	idx    int // listpack: the entry's 0-based rank
}

// nodeIter returns an iterator on skiplist node x (nil: not valid).
func nodeIter(x *zNode) zIter {
	it := zIter{sk: true}
	it.setNode(x)
	return it
}

func (it *zIter) setNode(x *zNode) {
	it.x = x
	if x == nil {
		it.ok = false
		return
	}
	it.member, it.score, it.ok = x.member, x.score, true
}

// valid reports whether the iterator is on an entry.
func (it *zIter) valid() bool { return it.ok }

// next steps to the following entry.
func (it *zIter) next() {
	if it.sk {
		if it.x != nil {
			it.setNode(it.x.next())
		}
		return
	}
	if it.end >= len(it.lp) {
		it.ok = false
		return
	}
	it.off, it.idx = it.end, it.idx+1
	it.member, it.score, it.end = zlpEntry(it.lp, it.off)
}

// prev steps to the entry before.
func (it *zIter) prev() {
	if it.sk {
		if it.x != nil {
			it.setNode(it.x.prev())
		}
		return
	}
	if it.off == 0 {
		it.ok = false
		return
	}
	it.end, it.idx = it.off, it.idx-1
	it.off = zlpBefore(it.lp, it.end)
	it.member, it.score, _ = zlpEntry(it.lp, it.off)
}

// step moves to the next entry, or to the one before when rev.
func (it *zIter) step(rev bool) {
	if rev {
		it.prev()
	} else {
		it.next()
	}
}

// first returns an iterator on the lowest entry.
func (z *ZSet) first() zIter {
	if z.sk != nil {
		return nodeIter(z.sk.zsl.first())
	}
	return z.lpIter(0, 0)
}

// last returns an iterator on the highest entry.
func (z *ZSet) last() zIter {
	if z.sk != nil {
		return nodeIter(z.sk.zsl.last())
	}
	if z.lpN == 0 {
		return zIter{}
	}
	return z.lpIter(zlpBefore(z.lp, len(z.lp)), z.lpN-1)
}

// atRank returns an iterator on the entry of 0-based rank r.
func (z *ZSet) atRank(r int) zIter {
	if r < 0 || r >= z.Len() {
		return zIter{}
	}
	if z.sk != nil {
		return nodeIter(z.sk.zsl.byRank(r + 1))
	}
	return z.lpIter(z.lpOffset(r), r)
}

// iterRank returns the 0-based rank of a valid iterator's entry.
func (z *ZSet) iterRank(it *zIter) int {
	if it.sk {
		return z.sk.zsl.rank(it.score, it.member) - 1
	}
	return it.idx
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

// firstInScore returns an iterator on the first entry within r.
func (z *ZSet) firstInScore(r *scoreRange) zIter {
	if z.sk != nil {
		return nodeIter(z.sk.zsl.firstInScore(r))
	}
	if r.empty() {
		return zIter{}
	}
	for it := z.first(); it.ok; it.next() {
		if r.gteMin(it.score) {
			if r.lteMax(it.score) {
				return it
			}
			break
		}
	}
	return zIter{}
}

// lastInScore returns an iterator on the last entry within r.
func (z *ZSet) lastInScore(r *scoreRange) zIter {
	if z.sk != nil {
		return nodeIter(z.sk.zsl.lastInScore(r))
	}
	if r.empty() {
		return zIter{}
	}
	for it := z.last(); it.ok; it.prev() {
		if r.lteMax(it.score) {
			if r.gteMin(it.score) {
				return it
			}
			break
		}
	}
	return zIter{}
}

// lexInRange is Valkey's zzlIsInLexRange and zslIsInLexRange: the range
// is not empty and overlaps the span from the first to the last member.
func (z *ZSet) lexInRange(r *lexRange) bool {
	if r.empty() || z.Len() == 0 {
		return false
	}
	last, first := z.last(), z.first()
	return r.gteMin(last.member) && r.lteMax(first.member)
}

// firstInLex returns an iterator on the first entry within r. A listpack
// set is scanned linearly as Valkey scans a listpack (the result differs
// from a skiplist descent only when scores differ, where Valkey leaves it
// unspecified).
func (z *ZSet) firstInLex(r *lexRange) zIter {
	if z.sk != nil {
		return nodeIter(z.sk.zsl.firstInLex(r))
	}
	if !z.lexInRange(r) {
		return zIter{}
	}
	for it := z.first(); it.ok; it.next() {
		if r.gteMin(it.member) {
			if r.lteMax(it.member) {
				return it
			}
			break
		}
	}
	return zIter{}
}

// lastInLex returns an iterator on the last entry within r.
func (z *ZSet) lastInLex(r *lexRange) zIter {
	if z.sk != nil {
		return nodeIter(z.sk.zsl.lastInLex(r))
	}
	if !z.lexInRange(r) {
		return zIter{}
	}
	for it := z.last(); it.ok; it.prev() {
		if r.lteMax(it.member) {
			if r.gteMin(it.member) {
				return it
			}
			break
		}
	}
	return zIter{}
}

// countInScore returns the number of entries within r (ZCOUNT).
func (z *ZSet) countInScore(r *scoreRange) int {
	first := z.firstInScore(r)
	if !first.ok {
		return 0
	}
	if z.sk != nil {
		last := z.sk.zsl.lastInScore(r)
		return z.sk.zsl.rank(last.score, last.member) - z.sk.zsl.rank(first.score, first.member) + 1
	}
	n := 0
	for it := first; it.ok && r.lteMax(it.score); it.next() {
		n++
	}
	return n
}

// countInLex returns the number of entries within r (ZLEXCOUNT), as
// Valkey counts them: for a skiplist from the ranks of the first and last
// entries in range, for a listpack by walking from the first.
func (z *ZSet) countInLex(r *lexRange) int {
	first := z.firstInLex(r)
	if !first.ok {
		return 0
	}
	if z.sk == nil {
		n := 0
		for it := first; it.ok && r.lteMax(it.member); it.next() {
			n++
		}
		return n
	}
	zsl := &z.sk.zsl
	rank := zsl.rank(first.score, first.member)
	if last := zsl.lastInLex(r); last != nil {
		return zsl.rank(last.score, last.member) - rank + 1
	}
	return z.Len() - rank + 1
}
