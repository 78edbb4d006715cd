package engine

import (
	"math"
	"math/rand/v2"
	"strconv"

	"github.com/flect-kv/flect/engine/dict"
)

// ZRANDMEMBER and ZSCAN.

// zrandSubStrategyMul is Valkey's ZRANDMEMBER_SUB_STRATEGY_MUL: below
// count*3 members the unique sample is taken by a pass over the set,
// above it by random picks.
const zrandSubStrategyMul = 3

// zrandMaxReply bounds the elements a negative ZRANDMEMBER count may ask
// for: the reply is built in memory under the key's lock, and Valkey would
// try to send up to 2^63 elements. Larger counts get "value is out of
// range", as HRANDFIELD's do.
const zrandMaxReply = 1 << 24

// cmdZRandMember is ZRANDMEMBER key [count [WITHSCORES]].
func cmdZRandMember(c *Ctx) {
	if len(c.Args) >= 3 {
		l, ok := parseStrictInt(c.Args[2])
		if !ok {
			c.Error(ErrNotInt)
			return
		}
		if l == math.MinInt64 {
			c.Error(ErrLongRange)
			return
		}
		withScores := false
		if len(c.Args) > 4 || (len(c.Args) == 4 && !optIs(c.Args[3], "withscores")) {
			c.Error(ErrSyntax)
			return
		}
		if len(c.Args) == 4 {
			withScores = true
			if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
				c.Error(ErrValueOutOfRange)
				return
			}
		}
		zrandWithCount(c, l, withScores)
		return
	}
	z, ok := c.zsetRead(c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.R.Null()
		return
	}
	it := z.random()
	c.R.BulkString(it.member)
}

func zrandWithCount(c *Ctx, l int64, withScores bool) {
	z, ok := c.zsetRead(c.Args[1])
	if !ok {
		return
	}
	if z == nil || l == 0 {
		c.R.Array(0)
		return
	}
	count, uniq := l, true
	if l < 0 {
		count, uniq = -l, false
	}
	nested := withScores && c.R.Proto() > 2
	header := func(n int64) {
		if withScores && !nested {
			c.R.Array(int(2 * n))
		} else {
			c.R.Array(int(n))
		}
	}
	emit := func(member string, score float64) {
		if withScores {
			c.zReplyScored(member, score, nested)
		} else {
			c.R.BulkString(member)
		}
	}
	size := int64(z.Len())
	// Repetitions allowed (or a single pick): independent draws.
	if !uniq || count == 1 {
		if count > zrandMaxReply {
			c.Error(ErrValueOutOfRange)
			return
		}
		header(count)
		if z.sk != nil {
			for i := int64(0); i < count; i++ {
				x := z.sk.dict.Random().Val
				emit(x.member, x.score)
			}
			return
		}
		// A listpack is walked once to find its entries, then each draw
		// is an index (Valkey's lpRandomPairs).
		offs := z.lpOffsets()
		for i := int64(0); i < count; i++ {
			m, s, _ := zlpEntry(z.lp, offs[rand.IntN(len(offs))])
			emit(m, s)
		}
		return
	}
	// The whole set, from the highest member down as Valkey's set
	// iterator walks it.
	if count >= size {
		header(size)
		for it := z.last(); it.ok; it.prev() {
			emit(it.member, it.score)
		}
		return
	}
	header(count)
	if z.sk == nil {
		// Selection sampling in one pass, the sample in order, as
		// Valkey's lpRandomPairsUnique returns it.
		need, left := count, size
		for it := z.first(); it.ok && need > 0; it.next() {
			if rand.Int64N(left) < need {
				emit(it.member, it.score)
				need--
			}
			left--
		}
		return
	}
	if count*zrandSubStrategyMul > size {
		// Selection sampling over the list, then a shuffle: the set has
		// fewer than 3*count members, so the pass costs O(count).
		picked := make([]*zNode, 0, count)
		need, left := count, size
		for x := z.sk.zsl.first(); x != nil && need > 0; x = x.next() {
			if rand.Int64N(left) < need {
				picked = append(picked, x)
				need--
			}
			left--
		}
		rand.Shuffle(len(picked), func(i, j int) { picked[i], picked[j] = picked[j], picked[i] })
		for _, x := range picked {
			emit(x.member, x.score)
		}
		return
	}
	seen := make(map[*zNode]struct{}, count)
	for int64(len(seen)) < count {
		x := z.sk.dict.Random().Val
		if _, dup := seen[x]; dup {
			continue
		}
		seen[x] = struct{}{}
		emit(x.member, x.score)
	}
}

// cmdZScan is ZSCAN key cursor [MATCH pattern] [COUNT count] [NOSCORES]. A
// listpack set is returned whole, in order, with cursor 0; a skiplist one
// is walked with its dict's reverse-binary cursor, at most COUNT*10 steps.
func cmdZScan(c *Ctx) {
	cursor, ok := c.scanCursorArg(c.Args[2])
	if !ok {
		return
	}
	z, ok := c.zsetRead(c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.R.Array(2)
		c.R.BulkString("0")
		c.R.Array(0)
		return
	}
	o, ok := c.parseScanOpts(c.Args[3:], scanZSet)
	if !ok {
		return
	}
	var out []zEntry
	if z.sk == nil {
		for it := z.first(); it.ok; it.next() {
			if o.matches(it.member) {
				out = append(out, zEntry{it.member, it.score})
			}
		}
		cursor = 0
	} else {
		maxIter := int64(math.MaxInt64)
		if o.count <= math.MaxInt64/10 {
			maxIter = o.count * 10
		}
		var sampled int64
		fn := func(n *dict.Node[*zNode]) {
			sampled++
			if o.matches(n.Key()) {
				out = append(out, zEntry{n.Key(), n.Val.score})
			}
		}
		for {
			cursor = z.sk.dict.Scan(cursor, fn)
			if cursor == 0 || maxIter == 0 || sampled >= o.count {
				break
			}
			maxIter--
		}
	}
	c.R.Array(2)
	c.R.Bulk(strconv.AppendUint(c.scratch[:0], cursor, 10))
	if o.noValues {
		c.R.Array(len(out))
	} else {
		c.R.Array(2 * len(out))
	}
	var buf [40]byte
	for _, x := range out {
		c.R.BulkString(x.member)
		if o.noValues {
			continue
		}
		if z.sk == nil {
			c.R.Bulk(AppendDouble(buf[:0], x.score))
		} else {
			c.R.Bulk(appendLongDoubleAuto(buf[:0], x.score))
		}
	}
}

// zEntry is a member and its score.
type zEntry struct {
	member string
	score  float64
}

// appendLongDoubleAuto formats a score as Valkey's ld2string in
// LD_STR_AUTO mode ("%.17Lg") does for a skiplist ZSCAN.
func appendLongDoubleAuto(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}
