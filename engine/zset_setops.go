package engine

import (
	"math"
	"slices"
	"strconv"
	"unsafe"
)

// ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD, run as
// Valkey's zunionInterDiffGenericCommand does. Inputs may be sorted sets
// or plain sets (whose members score 1).

var zsetOpCommands = []*Command{
	{Name: "zunion", Arity: -3, Flags: ReadOnly, Keys: NumKeysAt(1), Group: "sorted-set", Run: cmdZUnion},
	{Name: "zinter", Arity: -3, Flags: ReadOnly, Keys: NumKeysAt(1), Group: "sorted-set", Run: cmdZInter},
	{Name: "zdiff", Arity: -3, Flags: ReadOnly, Keys: NumKeysAt(1), Group: "sorted-set", Run: cmdZDiff},
	{Name: "zintercard", Arity: -3, Flags: ReadOnly, Keys: NumKeysAt(1), Group: "sorted-set", Run: cmdZInterCard},
	{Name: "zunionstore", Arity: -4, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Keys: storeKeysAt(2), Group: "sorted-set", Run: cmdZUnionStore},
	{Name: "zinterstore", Arity: -4, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Keys: storeKeysAt(2), Group: "sorted-set", Run: cmdZInterStore},
	{Name: "zdiffstore", Arity: -4, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Keys: storeKeysAt(2), Group: "sorted-set", Run: cmdZDiffStore},
}

// storeKeysAt is numKeysAt for commands with a destination key at 1.
func storeKeysAt(i int) func(args [][]byte) []int {
	nk := NumKeysAt(i)
	return func(args [][]byte) []int {
		return append([]int{1}, nk(args)...)
	}
}

type zsetOp int

const (
	zopUnion zsetOp = iota
	zopInter
	zopDiff
)

type zAggregate int

const (
	zaggSum zAggregate = iota
	zaggMin
	zaggMax
)

// zstoreEvent is the keyspace event of Z<op>STORE.
func zstoreEvent(op zsetOp) string {
	switch op {
	case zopInter:
		return "zinterstore"
	case zopDiff:
		return "zdiffstore"
	}
	return "zunionstore"
}

func cmdZUnion(c *Ctx)      { zsetOpGeneric(c, nil, 1, zopUnion, false) }
func cmdZInter(c *Ctx)      { zsetOpGeneric(c, nil, 1, zopInter, false) }
func cmdZDiff(c *Ctx)       { zsetOpGeneric(c, nil, 1, zopDiff, false) }
func cmdZInterCard(c *Ctx)  { zsetOpGeneric(c, nil, 1, zopInter, true) }
func cmdZUnionStore(c *Ctx) { zsetOpGeneric(c, c.Args[1], 2, zopUnion, false) }
func cmdZInterStore(c *Ctx) { zsetOpGeneric(c, c.Args[1], 2, zopInter, false) }
func cmdZDiffStore(c *Ctx)  { zsetOpGeneric(c, c.Args[1], 2, zopDiff, false) }

// zsrc is one input of a set operation.
type zsrc struct {
	z      *ZSet
	s      *Set
	weight float64
}

func (s *zsrc) len() int {
	switch {
	case s.z != nil:
		return s.z.Len()
	case s.s != nil:
		return s.s.Len()
	}
	return 0
}

// each calls fn for every member with its score until fn returns false.
func (s *zsrc) each(fn func(m string, score float64) bool) {
	switch {
	case s.z != nil:
		for it := s.z.first(); it.ok; it.next() {
			if !fn(it.member, it.score) {
				return
			}
		}
	case s.s != nil:
		s.s.each(func(e setElem) bool {
			if e.isInt {
				return fn(strconv.FormatInt(e.i, 10), 1)
			}
			return fn(e.s, 1)
		})
	}
}

// find returns member's score in the input.
func (s *zsrc) find(m string) (float64, bool) {
	switch {
	case s.z != nil:
		return s.z.Score(m)
	case s.s != nil:
		if s.s.has(unsafe.Slice(unsafe.StringData(m), len(m))) {
			return 1, true
		}
	}
	return 0, false
}

// zAggregateInto combines val into *target.
func zAggregateInto(target *float64, val float64, agg zAggregate) {
	switch agg {
	case zaggSum:
		*target += val
		if math.IsNaN(*target) {
			*target = 0
		}
	case zaggMin:
		*target = min(*target, val)
	case zaggMax:
		*target = max(*target, val)
	}
}

func zsetOpGeneric(c *Ctx, dst []byte, numIdx int, op zsetOp, cardOnly bool) {
	args := c.Args
	setnum, ok := c.intArg(args[numIdx])
	if !ok {
		return
	}
	if setnum < 1 {
		c.Error(ErrZSetopKeys(c.Cmd.FullName()))
		return
	}
	if setnum > int64(len(args)-(numIdx+1)) {
		c.Error(ErrSyntax)
		return
	}
	src := make([]zsrc, setnum)
	j := numIdx + 1
	for i := range src {
		src[i].weight = 1
		if e := c.Lookup(args[j]); e != nil {
			switch v := e.Val.val().(type) {
			case *ZSet:
				src[i].z = v
			case *Set:
				src[i].s = v
			default:
				c.Error(ErrWrongType)
				return
			}
		}
		j++
	}
	agg := zaggSum
	withScores := false
	limit := int64(0)
	for j < len(args) {
		remaining := len(args) - j
		a := args[j]
		switch {
		case op != zopDiff && !cardOnly && int64(remaining) >= setnum+1 && optIs(a, "weights"):
			j++
			for i := range src {
				w, ok := parseScore(args[j])
				if !ok {
					c.Error(ErrZWeightFloat)
					return
				}
				src[i].weight = w
				j++
			}
		case op != zopDiff && !cardOnly && remaining >= 2 && optIs(a, "aggregate"):
			switch b := args[j+1]; {
			case optIs(b, "sum"):
				agg = zaggSum
			case optIs(b, "min"):
				agg = zaggMin
			case optIs(b, "max"):
				agg = zaggMax
			default:
				c.Error(ErrSyntax)
				return
			}
			j += 2
		case dst == nil && !cardOnly && optIs(a, "withscores"):
			withScores = true
			j++
		case cardOnly && remaining >= 2 && optIs(a, "limit"):
			n, ok := parseStrictInt(args[j+1])
			if !ok || n < 0 {
				c.Error(ErrLimitNegative)
				return
			}
			limit = n
			j += 2
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if op != zopDiff {
		slices.SortStableFunc(src, func(a, b zsrc) int { return a.len() - b.len() })
	}
	var res *ZSet
	if !cardOnly {
		// Built as a skiplist, as Valkey builds it; a small stored
		// result becomes a listpack at the end.
		res = &ZSet{sk: newZSkip()}
	}
	maxLen := 0
	add := func(m string, score float64) {
		res.skInsert(m, score)
		maxLen = max(maxLen, len(m))
	}
	var card int64
	switch op {
	case zopInter:
		if src[0].len() == 0 {
			break
		}
		src[0].each(func(m string, s float64) bool {
			score := src[0].weight * s
			if math.IsNaN(score) {
				score = 0
			}
			for i := 1; i < len(src); i++ {
				v, ok := src[i].find(m)
				if !ok {
					return true
				}
				zAggregateInto(&score, v*src[i].weight, agg)
			}
			if cardOnly {
				card++
				return limit == 0 || card < limit
			}
			add(m, score)
			return true
		})
	case zopUnion:
		acc := make(map[string]float64)
		var order []string
		for i := range src {
			src[i].each(func(m string, s float64) bool {
				score := src[i].weight * s
				if math.IsNaN(score) {
					score = 0
				}
				if cur, ok := acc[m]; ok {
					zAggregateInto(&cur, score, agg)
					acc[m] = cur
				} else {
					acc[m] = score
					order = append(order, m)
				}
				return true
			})
		}
		for _, m := range order {
			add(m, acc[m])
		}
	case zopDiff:
		src[0].each(func(m string, s float64) bool {
			for i := 1; i < len(src); i++ {
				if _, ok := src[i].find(m); ok {
					return true
				}
			}
			add(m, s)
			return true
		})
	}
	switch {
	case cardOnly:
		c.R.Int(card)
	case dst != nil:
		if res.Len() == 0 {
			c.R.Int(0)
			k := bstr(dst)
			if e := c.DB.find(k, c.nowMs); e != nil {
				c.DB.removeEntry(c.DB.shardFor(k), e)
				c.Dirty(1)
				c.Modified(dst)
				c.Notify(NotifyGeneric, "del", dst)
			}
			return
		}
		res.toListpackIfSmall(c.Node, maxLen)
		c.SetValue(dst, res, false) // counts the one change
		c.Modified(dst)
		c.Notify(NotifyZSet, zstoreEvent(op), dst)
		c.R.Int(int64(res.Len()))
	default:
		nested := withScores && c.R.Proto() > 2
		if withScores && !nested {
			c.R.Array(2 * res.Len())
		} else {
			c.R.Array(res.Len())
		}
		for x := res.sk.zsl.first(); x != nil; x = x.next() {
			if withScores {
				c.zReplyScored(x.member, x.score, nested)
			} else {
				c.R.BulkString(x.member)
			}
		}
	}
}
