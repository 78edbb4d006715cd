package engine

import (
	"math"
	"math/rand/v2"
	"strconv"
	"unsafe"

	"github.com/flect-kv/flect/engine/dict"
)

// HRANDFIELD and HSCAN.

// hashSubStrategyMul is Valkey's HRANDFIELD_SUB_STRATEGY_MUL: a hashtable
// hash less than this many times bigger than the count asked is sampled by
// elimination rather than by repeated random picks.
const hashSubStrategyMul = 3

// hashRandMaxReply bounds the elements a negative HRANDFIELD count may ask
// for: the reply is built in memory, and Valkey would happily try to send
// 2^63 elements.
const hashRandMaxReply = 1 << 24

// sbytes returns the bytes of s without copying; they must not be changed.
func sbytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// cmdHRandField is HRANDFIELD key [count [WITHVALUES]].
func cmdHRandField(c *Ctx) {
	if len(c.Args) >= 3 {
		l, ok := c.intArg(c.Args[2])
		if !ok {
			return
		}
		if l < -math.MaxInt64 {
			c.Error(ErrLongRange)
			return
		}
		withValues := false
		if len(c.Args) > 4 || (len(c.Args) == 4 && !optIs(c.Args[3], "withvalues")) {
			c.Error(ErrSyntax)
			return
		}
		if len(c.Args) == 4 {
			withValues = true
			if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
				c.Error(ErrValueOutOfRange)
				return
			}
		}
		c.hashRandWithCount(l, withValues)
		return
	}
	h, found, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	if !found {
		c.R.Null()
		return
	}
	if h.expiredCount(c.nowMs) > 0 {
		h = h.liveSnapshot(c.nowMs)
		if h.Len() == 0 {
			c.R.Null()
			return
		}
	}
	f, _ := h.Random()
	c.R.BulkString(f)
}

// liveSnapshot returns a listpack-encoded hash sharing the fields of h not
// past their deadline at now, for HRANDFIELD on a hash holding fields the
// expiry loop has not deleted yet (rare and short-lived).
func (h *Hash) liveSnapshot(now int64) *Hash {
	out := &Hash{}
	h.eachLive(now, func(f, v string) bool {
		out.lp = lpAppendPair(out.lp, f, v)
		out.lpN++
		return true
	})
	return out
}

// hashRandPair writes one field (and value) of an HRANDFIELD reply: a
// nested pair in RESP3 with values.
func (c *Ctx) hashRandPair(f, v string, withValues bool) {
	if withValues && c.R.Proto() > 2 {
		c.R.Array(2)
	}
	c.R.BulkString(f)
	if withValues {
		c.R.BulkString(v)
	}
}

// hashRandArray starts an HRANDFIELD reply of n fields: flat in RESP2.
func (c *Ctx) hashRandArray(n int64, withValues bool) {
	if withValues && c.R.Proto() == 2 {
		n *= 2
	}
	c.R.Array(int(n))
}

// hashRandWithCount is Valkey's hrandfieldWithCountCommand, case by case.
func (c *Ctx) hashRandWithCount(l int64, withValues bool) {
	h, found, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	if !found || l == 0 {
		c.R.Array(0)
		return
	}
	if h.expiredCount(c.nowMs) > 0 {
		h = h.liveSnapshot(c.nowMs)
		if h.Len() == 0 {
			c.R.Array(0)
			return
		}
	}
	size := int64(h.Len())
	// Case 1: a negative count (repetitions allowed, random order), or one.
	if l < 0 || l == 1 {
		count := l
		if count < 0 {
			count = -l
		}
		if count > hashRandMaxReply {
			c.Error(ErrValueOutOfRange)
			return
		}
		c.hashRandArray(count, withValues)
		for ; count > 0; count-- {
			f, v := h.Random()
			c.hashRandPair(f, v, withValues)
		}
		return
	}
	count := l
	// Case 2: at least the whole hash.
	if count >= size {
		c.hashRandArray(size, withValues)
		h.Each(func(f, v string) bool {
			c.hashRandPair(f, v, withValues)
			return true
		})
		return
	}
	c.hashRandArray(count, withValues)
	// Case 2.5: a listpack is sampled in one pass, in its order.
	if h.ht == nil {
		need, left := count, size
		h.Each(func(f, v string) bool {
			if need == 0 {
				return false
			}
			if rand.Int64N(left) < need {
				c.hashRandPair(f, v, withValues)
				need--
			}
			left--
			return true
		})
		return
	}
	// Case 3: count is not much smaller than the hash: take all the nodes
	// and keep a random count of them.
	if count*hashSubStrategyMul > size {
		nodes := make([]*dict.Node[string], 0, size)
		h.ht.Each(func(n *dict.Node[string]) bool {
			nodes = append(nodes, n)
			return true
		})
		for i := 0; i < int(count); i++ {
			j := i + rand.IntN(len(nodes)-i)
			nodes[i], nodes[j] = nodes[j], nodes[i]
			c.hashRandPair(nodes[i].Key(), nodes[i].Val, withValues)
		}
		return
	}
	// Case 4: a big hash: random picks until count distinct fields.
	seen := make(map[string]struct{}, count)
	for int64(len(seen)) < count {
		n := h.ht.Random()
		if _, dup := seen[n.Key()]; dup {
			continue
		}
		seen[n.Key()] = struct{}{}
		c.hashRandPair(n.Key(), n.Val, withValues)
	}
}

// emptyScan replies a finished scan with nothing found.
func (c *Ctx) emptyScan() {
	c.R.Array(2)
	c.R.BulkString("0")
	c.R.Array(0)
}

// cmdHScan is HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]. A
// listpack hash is returned whole with cursor 0; a hashtable one is walked
// with the dict's reverse-binary cursor, at most COUNT*10 steps.
func cmdHScan(c *Ctx) {
	cursor, ok := c.scanCursorArg(c.Args[2])
	if !ok {
		return
	}
	h, found, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	if !found {
		c.emptyScan()
		return
	}
	o, ok := c.parseScanOpts(c.Args[3:], scanHash)
	if !ok {
		return
	}
	var out []string
	now := c.nowMs
	add := func(f, v string) {
		if h.hasVolatile() && h.fieldExpired(f, now) {
			return
		}
		if !o.matches(f) {
			return
		}
		out = append(out, f)
		if !o.noValues {
			out = append(out, v)
		}
	}
	if h.ht == nil {
		h.Each(func(f, v string) bool {
			add(f, v)
			return true
		})
		cursor = 0
	} else {
		maxIter := int64(math.MaxInt64)
		if o.count <= math.MaxInt64/10 {
			maxIter = o.count * 10
		}
		var sampled int64
		fn := func(n *dict.Node[string]) {
			sampled++
			add(n.Key(), n.Val)
		}
		for {
			cursor = h.ht.Scan(cursor, fn)
			if cursor == 0 || maxIter == 0 || sampled >= o.count {
				break
			}
			maxIter--
		}
	}
	c.R.Array(2)
	c.R.Bulk(strconv.AppendUint(c.scratch[:0], cursor, 10))
	c.R.Array(len(out))
	for _, s := range out {
		c.R.BulkString(s)
	}
}
