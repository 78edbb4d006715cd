package engine

// ZRANGE and its older forms (ZREVRANGE, ZRANGEBYSCORE, ZREVRANGEBYSCORE,
// ZRANGEBYLEX, ZREVRANGEBYLEX) and ZRANGESTORE, parsed and run as Valkey's
// zrangeGenericCommand does.

// zrangeDir is the direction a command fixes, or zDirAuto when REV may
// choose it.
type zrangeDir int

const (
	zDirAuto zrangeDir = iota
	zDirForward
	zDirReverse
)

// zrangeKindAuto means BYSCORE or BYLEX may choose the range kind.
const zrangeKindAuto zRangeKind = -1

func cmdZRange(c *Ctx)    { zrangeGeneric(c, 1, false, zDirAuto, zrangeKindAuto) }
func cmdZRevRange(c *Ctx) { zrangeGeneric(c, 1, false, zDirReverse, zRangeRank) }
func cmdZRangeByScore(c *Ctx) {
	zrangeGeneric(c, 1, false, zDirForward, zRangeScore)
}
func cmdZRevRangeByScore(c *Ctx) {
	zrangeGeneric(c, 1, false, zDirReverse, zRangeScore)
}
func cmdZRangeByLex(c *Ctx)    { zrangeGeneric(c, 1, false, zDirForward, zRangeLex) }
func cmdZRevRangeByLex(c *Ctx) { zrangeGeneric(c, 1, false, zDirReverse, zRangeLex) }
func cmdZRangeStore(c *Ctx)    { zrangeGeneric(c, 2, true, zDirAuto, zrangeKindAuto) }

// zrangeGeneric runs a range command whose source key is at argument
// src; store is ZRANGESTORE (destination at argument 1).
func zrangeGeneric(c *Ctx, src int, store bool, dir zrangeDir, kind zRangeKind) {
	withScores := false
	offset, limit := int64(0), int64(-1)
	args := c.Args
	for j := src + 3; j < len(args); j++ {
		left := len(args) - j - 1
		a := args[j]
		switch {
		case !store && optIs(a, "withscores"):
			withScores = true
		case optIs(a, "limit") && left >= 2:
			var ok bool
			if offset, ok = c.intArg(args[j+1]); !ok {
				return
			}
			if limit, ok = c.intArg(args[j+2]); !ok {
				return
			}
			j += 2
		case dir == zDirAuto && optIs(a, "rev"):
			dir = zDirReverse
		case kind == zrangeKindAuto && optIs(a, "bylex"):
			kind = zRangeLex
		case kind == zrangeKindAuto && optIs(a, "byscore"):
			kind = zRangeScore
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if dir == zDirAuto {
		dir = zDirForward
	}
	if kind == zrangeKindAuto {
		kind = zRangeRank
	}
	if limit != -1 && kind == zRangeRank {
		c.Error(ErrZLimitRank)
		return
	}
	if withScores && kind == zRangeLex {
		c.Error(ErrZWithScoresLex)
		return
	}
	minArg, maxArg := args[src+1], args[src+2]
	rev := dir == zDirReverse
	if rev && kind != zRangeRank {
		minArg, maxArg = maxArg, minArg
	}
	var start, end int64
	var sr scoreRange
	var lr lexRange
	switch kind {
	case zRangeRank:
		var ok bool
		if start, ok = c.intArg(minArg); !ok {
			return
		}
		if end, ok = c.intArg(maxArg); !ok {
			return
		}
	case zRangeScore:
		var ok bool
		if sr, ok = parseScoreRange(minArg, maxArg); !ok {
			c.Error(ErrZMinMaxFloat)
			return
		}
	case zRangeLex:
		var ok bool
		if lr, ok = parseLexRange(minArg, maxArg); !ok {
			c.Error(ErrZMinMaxLex)
			return
		}
	}
	z, ok := c.zsetRead(args[src])
	if !ok {
		return
	}
	nested := withScores && c.R.Proto() > 2
	if kind == zRangeRank && !store {
		// The count is known: reply while walking, without collecting.
		var x *zNode
		n := 0
		if z != nil {
			x, n = z.rankStart(start, end, rev)
		}
		if withScores && !nested {
			c.R.Array(2 * n)
		} else {
			c.R.Array(n)
		}
		for ; n > 0 && x != nil; n-- {
			if withScores {
				c.zReplyScored(x.member, x.score, nested)
			} else {
				c.R.BulkString(x.member)
			}
			if rev {
				x = x.prev()
			} else {
				x = x.next()
			}
		}
		return
	}
	var nodes []*zNode
	if z != nil {
		switch kind {
		case zRangeRank:
			nodes = z.rankRange(start, end, rev)
		case zRangeScore:
			nodes = z.scoreRange(&sr, rev, offset, limit)
		case zRangeLex:
			nodes = z.lexRange(&lr, rev, offset, limit)
		}
	}
	if store {
		zrangeStore(c, args[1], nodes, kind == zRangeRank)
		return
	}
	switch {
	case withScores && !nested:
		c.R.Array(2 * len(nodes))
	default:
		c.R.Array(len(nodes))
	}
	for _, x := range nodes {
		if withScores {
			c.zReplyScored(x.member, x.score, nested)
		} else {
			c.R.BulkString(x.member)
		}
	}
}

// zrangeStore stores nodes (possibly nodes of the destination's current
// value) under dst, or deletes dst when there are none.
func zrangeStore(c *Ctx, dst []byte, nodes []*zNode, sized bool) {
	if len(nodes) == 0 {
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
	hint := -1
	if sized {
		hint = len(nodes)
	}
	z := newZSetFor(c.Node, hint, 0)
	for _, x := range nodes {
		z.insert(x.member, x.score)
		z.checkConvert(c.Node, len(x.member))
	}
	c.SetValue(dst, z, false) // counts the one change
	c.Modified(dst)
	c.Notify(NotifyZSet, "zrangestore", dst)
	c.R.Int(int64(len(nodes)))
}

// rankStart returns the first node of the 0-based rank range start..end
// (negative from the end; reversed when rev) and the number of nodes in
// it, clamped as Valkey clamps them.
func (z *ZSet) rankStart(start, end int64, rev bool) (*zNode, int) {
	llen := int64(z.Len())
	if start < 0 {
		start += llen
	}
	if end < 0 {
		end += llen
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= llen {
		return nil, 0
	}
	if end >= llen {
		end = llen - 1
	}
	if rev {
		return z.zsl.byRank(int(llen - start)), int(end - start + 1)
	}
	return z.zsl.byRank(int(start) + 1), int(end - start + 1)
}

// rankRange returns the nodes of a rank range (see rankStart).
func (z *ZSet) rankRange(start, end int64, rev bool) []*zNode {
	x, n := z.rankStart(start, end, rev)
	out := make([]*zNode, 0, n)
	for x != nil && len(out) < n {
		out = append(out, x)
		if rev {
			x = x.prev()
		} else {
			x = x.next()
		}
	}
	return out
}

// walkRange collects nodes from x onwards (backwards when rev) while in
// says they are in range, skipping offset of them and keeping at most
// limit (negative: all); a negative offset yields nothing.
func walkRange(x *zNode, rev bool, offset, limit int64, in func(*zNode) bool) []*zNode {
	if offset < 0 {
		return nil
	}
	for ; x != nil && offset > 0; offset-- {
		if rev {
			x = x.prev()
		} else {
			x = x.next()
		}
	}
	var out []*zNode
	for ; x != nil && limit != 0 && in(x); limit-- {
		out = append(out, x)
		if rev {
			x = x.prev()
		} else {
			x = x.next()
		}
	}
	return out
}

// scoreRange returns the nodes within r, after offset, at most limit.
func (z *ZSet) scoreRange(r *scoreRange, rev bool, offset, limit int64) []*zNode {
	if offset > 0 && offset >= int64(z.Len()) {
		return nil
	}
	if rev {
		return walkRange(z.zsl.lastInScore(r), true, offset, limit, func(x *zNode) bool { return r.gteMin(x.score) })
	}
	return walkRange(z.zsl.firstInScore(r), false, offset, limit, func(x *zNode) bool { return r.lteMax(x.score) })
}

// lexRange returns the nodes within r, after offset, at most limit.
func (z *ZSet) lexRange(r *lexRange, rev bool, offset, limit int64) []*zNode {
	if offset > 0 && offset >= int64(z.Len()) {
		return nil
	}
	if rev {
		return walkRange(z.lastInLex(r), true, offset, limit, func(x *zNode) bool { return r.gteMin(x.member) })
	}
	return walkRange(z.firstInLex(r), false, offset, limit, func(x *zNode) bool { return r.lteMax(x.member) })
}
