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
	// The first entry returned and how many: the range is walked once to
	// count (a rank range's count is known) and once to reply, or to store.
	var it zIter
	n := 0
	if z != nil {
		switch kind {
		case zRangeRank:
			it, n = z.rankStart(start, end, rev)
		case zRangeScore:
			it, n = z.scoreRangeStart(&sr, rev, offset, limit)
		case zRangeLex:
			it, n = z.lexRangeStart(&lr, rev, offset, limit)
		}
	}
	if store {
		hint := -1
		if kind == zRangeRank {
			hint = n
		}
		zrangeStore(c, args[1], it, n, rev, hint)
		return
	}
	nested := withScores && c.R.Proto() > 2
	if withScores && !nested {
		c.R.Array(2 * n)
	} else {
		c.R.Array(n)
	}
	for ; n > 0 && it.ok; n-- {
		if withScores {
			c.zReplyScored(it.member, it.score, nested)
		} else {
			c.R.BulkString(it.member)
		}
		it.step(rev)
	}
}

// zrangeStore stores the n entries from it on (backwards when rev) under
// dst, or deletes dst when there are none. The entries may be those of
// dst's current value: the new set is built apart and then replaces it.
// hint is the size announced to zsetTypeCreate (-1: unknown).
func zrangeStore(c *Ctx, dst []byte, it zIter, n int, rev bool, hint int) {
	if n == 0 {
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
	// Inserted from the lowest up, a listpack's entries are appended.
	if rev {
		for i := 1; i < n; i++ {
			it.prev()
		}
	}
	z := newZSetFor(c.Node, hint, 0)
	for i := 0; i < n && it.ok; i++ {
		z.addNew(c.Node, it.member, it.score)
		it.next()
	}
	c.SetValue(dst, z, false) // counts the one change
	c.Modified(dst)
	c.Notify(NotifyZSet, "zrangestore", dst)
	c.R.Int(int64(n))
}

// zRankClamp clamps the 0-based rank range start..end (negative from the
// end) of a set of llen entries as Valkey does, returning its first rank
// and its length (0: empty).
func zRankClamp(start, end int64, llen int) (from, n int) {
	l := int64(llen)
	if start < 0 {
		start += l
	}
	if end < 0 {
		end += l
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= l {
		return 0, 0
	}
	if end >= l {
		end = l - 1
	}
	return int(start), int(end - start + 1)
}

// rankStart returns an iterator on the first entry of the 0-based rank
// range start..end (reversed when rev: ranks from the highest) and the
// number of entries in it.
func (z *ZSet) rankStart(start, end int64, rev bool) (zIter, int) {
	from, n := zRankClamp(start, end, z.Len())
	if n == 0 {
		return zIter{}, 0
	}
	if rev {
		return z.atRank(z.Len() - 1 - from), n
	}
	return z.atRank(from), n
}

// rangeWalk skips offset entries from it (backwards when rev) and counts
// those that follow while in says they are in range, at most limit
// (negative: all); a negative offset yields nothing, as Valkey's
// "while (offset--)" skips everything then.
func rangeWalk(it zIter, rev bool, offset, limit int64, in func(*zIter) bool) (zIter, int) {
	if offset < 0 {
		return zIter{}, 0
	}
	for ; it.ok && offset > 0; offset-- {
		it.step(rev)
	}
	n := 0
	for c := it; c.ok && limit != 0 && in(&c); limit-- {
		n++
		c.step(rev)
	}
	return it, n
}

// scoreRangeStart returns an iterator on the first entry within r to
// return (after offset, backwards when rev) and how many to return.
func (z *ZSet) scoreRangeStart(r *scoreRange, rev bool, offset, limit int64) (zIter, int) {
	if offset > 0 && offset >= int64(z.Len()) {
		return zIter{}, 0
	}
	if rev {
		return rangeWalk(z.lastInScore(r), true, offset, limit, func(it *zIter) bool { return r.gteMin(it.score) })
	}
	return rangeWalk(z.firstInScore(r), false, offset, limit, func(it *zIter) bool { return r.lteMax(it.score) })
}

// lexRangeStart is scoreRangeStart for a lex range.
func (z *ZSet) lexRangeStart(r *lexRange, rev bool, offset, limit int64) (zIter, int) {
	if offset > 0 && offset >= int64(z.Len()) {
		return zIter{}, 0
	}
	if rev {
		return rangeWalk(z.lastInLex(r), true, offset, limit, func(it *zIter) bool { return r.gteMin(it.member) })
	}
	return rangeWalk(z.firstInLex(r), false, offset, limit, func(it *zIter) bool { return r.lteMax(it.member) })
}
