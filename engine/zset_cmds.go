package engine

import (
	"bytes"
	"math"
	"strconv"
)

// Sorted set commands: ZADD ZINCRBY ZSCORE ZMSCORE ZCARD ZCOUNT ZLEXCOUNT
// ZRANK ZREVRANK ZREM ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX
// ZPOPMIN ZPOPMAX ZMPOP (this file); ZRANGE and its variants, ZRANGESTORE
// (zset_range.go); ZRANDMEMBER ZSCAN (zset_misc.go); ZUNION ZINTER ZDIFF
// and their STORE forms, ZINTERCARD (zset_setops.go).

var zsetCommands = []*Command{
	{Name: "zadd", Arity: -4, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZAdd},
	{Name: "zincrby", Arity: 4, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZIncrBy},
	{Name: "zscore", Arity: 3, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZScore},
	{Name: "zmscore", Arity: -3, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZMScore},
	{Name: "zcard", Arity: 2, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZCard},
	{Name: "zcount", Arity: 4, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZCount},
	{Name: "zlexcount", Arity: 4, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZLexCount},
	{Name: "zrank", Arity: -3, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZRank},
	{Name: "zrevrank", Arity: -3, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZRevRank},
	{Name: "zrem", Arity: -3, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZRem},
	{Name: "zremrangebyrank", Arity: 4, Flags: Write, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZRemRangeByRank},
	{Name: "zremrangebyscore", Arity: 4, Flags: Write, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZRemRangeByScore},
	{Name: "zremrangebylex", Arity: 4, Flags: Write, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZRemRangeByLex},
	{Name: "zpopmin", Arity: -2, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZPopMin},
	{Name: "zpopmax", Arity: -2, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZPopMax},
	{Name: "zmpop", Arity: -4, Flags: Write, Keys: NumKeysAt(1), Group: "sorted-set", Run: cmdZMPop},
	{Name: "zrange", Arity: -4, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZRange},
	{Name: "zrevrange", Arity: -4, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZRevRange},
	{Name: "zrangebyscore", Arity: -4, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZRangeByScore},
	{Name: "zrevrangebyscore", Arity: -4, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZRevRangeByScore},
	{Name: "zrangebylex", Arity: -4, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZRangeByLex},
	{Name: "zrevrangebylex", Arity: -4, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZRevRangeByLex},
	{Name: "zrangestore", Arity: -5, Flags: Write | DenyOOM, First: 1, Last: 2, Step: 1, Group: "sorted-set", Run: cmdZRangeStore},
	{Name: "zrandmember", Arity: -2, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZRandMember},
	{Name: "zscan", Arity: -3, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "sorted-set", Run: cmdZScan},
}

// NumKeysAt returns a Keys func for commands whose numkeys argument is at
// index i and whose keys follow it. A bad numkeys yields no keys: the
// handler then replies with the error before touching any key.
func NumKeysAt(i int) func(args [][]byte) []int {
	return func(args [][]byte) []int {
		if i >= len(args) {
			return nil
		}
		n, ok := parseStrictInt(args[i])
		if !ok || n < 1 || n > int64(len(args)-i-1) {
			return nil
		}
		keys := make([]int, n)
		for j := range keys {
			keys[j] = i + 1 + j
		}
		return keys
	}
}

// zsetRead looks key up for a read. It returns nil, true for a missing
// key and nil, false after replying WRONGTYPE.
func (c *Ctx) zsetRead(key []byte) (*ZSet, bool) {
	e := c.Lookup(key)
	if e == nil {
		return nil, true
	}
	z, ok := e.Val.val().(*ZSet)
	if !ok {
		c.Error(ErrWrongType)
		return nil, false
	}
	return z, true
}

// zsetWrite is zsetRead for a write.
func (c *Ctx) zsetWrite(key []byte) (*ZSet, bool) {
	e := c.LookupWrite(key)
	if e == nil {
		return nil, true
	}
	z, ok := e.Val.val().(*ZSet)
	if !ok {
		c.Error(ErrWrongType)
		return nil, false
	}
	return z, true
}

// zsetDeleteIfEmpty removes key when the set lost its last member and
// reports whether it did; the deletion is not a change of its own (the
// removals were counted).
func (c *Ctx) zsetDeleteIfEmpty(key []byte, z *ZSet) bool {
	if z.Len() == 0 {
		k := bstr(key)
		if e := c.DB.find(k, c.nowMs); e != nil {
			c.DB.removeEntry(c.DB.shardFor(k), e)
			return true
		}
	}
	return false
}

// zsetRemoved finishes removing members from the sorted set at key, as
// Valkey's ZREM and ZREMRANGEBY* do: the event, the deletion of an
// emptied set (with its "del" event) and the change signal.
func (c *Ctx) zsetRemoved(key []byte, z *ZSet, event string) {
	c.Notify(NotifyZSet, event, key)
	if c.zsetDeleteIfEmpty(key, z) {
		c.Notify(NotifyGeneric, "del", key)
	}
	c.Modified(key)
}

// parseScore is ParseDouble with a fast path: plain decimal syntax is
// converted by strconv.ParseFloat, which rounds correctly as strtod does,
// without ParseDouble's big-number arithmetic.
func parseScore(b []byte) (float64, bool) {
	if len(b) > 0 && len(b) <= 32 {
		plain := true
		for _, ch := range b {
			if !(ch >= '0' && ch <= '9' || ch == '.' || ch == '-' || ch == '+' || ch == 'e' || ch == 'E') {
				plain = false
				break
			}
		}
		if plain {
			if f, err := strconv.ParseFloat(bstr(b), 64); err == nil && !math.IsInf(f, 0) && (f != 0 || zeroMantissa(b)) {
				return f, true
			}
		}
	}
	return ParseDouble(b)
}

// zeroMantissa reports whether the decimal number b has no non-zero digit
// before its exponent: a true zero rather than an underflow, which strtod
// flags (and Valkey refuses).
func zeroMantissa(b []byte) bool {
	for _, ch := range b {
		if ch == 'e' || ch == 'E' {
			break
		}
		if ch >= '1' && ch <= '9' {
			return false
		}
	}
	return true
}

// floatArg parses a score as Valkey's getDoubleFromObject does.
func (c *Ctx) floatArg(b []byte) (float64, bool) {
	f, ok := parseScore(b)
	if !ok {
		c.Error(ErrNotFloat)
	}
	return f, ok
}

// zReplyScored writes a member and its score: flat in RESP2 and in RESP3
// when nested is false, as a two-element array in RESP3 otherwise.
func (c *Ctx) zReplyScored(member string, score float64, nested bool) {
	if nested {
		c.R.Array(2)
	}
	c.R.BulkString(member)
	c.R.Double(score)
}

func cmdZAdd(c *Ctx) { zaddGeneric(c, false) }

func cmdZIncrBy(c *Ctx) { zaddGeneric(c, true) }

// zaddGeneric is ZADD, and ZINCRBY as ZADD with INCR.
func zaddGeneric(c *Ctx, incr bool) {
	var f zaddFlags
	f.incr = incr
	var ch bool
	i := 2
	for ; i < len(c.Args); i++ {
		a := c.Args[i]
		switch {
		case optIs(a, "nx"):
			f.nx = true
		case optIs(a, "xx"):
			f.xx = true
		case optIs(a, "ch"):
			ch = true
		case optIs(a, "incr"):
			f.incr = true
		case optIs(a, "gt"):
			f.gt = true
		case optIs(a, "lt"):
			f.lt = true
		default:
			goto parsed
		}
	}
parsed:
	elements := len(c.Args) - i
	if elements%2 != 0 || elements == 0 {
		c.Error(ErrSyntax)
		return
	}
	elements /= 2
	if f.nx && f.xx {
		c.Error(ErrZAddNXXX)
		return
	}
	if (f.gt && f.nx) || (f.lt && f.nx) || (f.gt && f.lt) {
		c.Error(ErrZAddGTLTNX)
		return
	}
	if f.incr && elements > 1 {
		c.Error(ErrZAddIncrPair)
		return
	}
	pairs := c.Args[i:]
	maxLen := 0
	var sbuf [8]float64
	scores := sbuf[:0]
	for j := 0; j < len(pairs); j += 2 {
		s, ok := c.floatArg(pairs[j])
		if !ok {
			return
		}
		scores = append(scores, s)
		maxLen = max(maxLen, len(pairs[j+1]))
	}
	key := c.Args[1]
	z, ok := c.zsetWrite(key)
	if !ok {
		return
	}
	var added, updated, processed int
	var score float64
	if z == nil {
		if f.xx {
			goto reply
		}
		z = newZSetFor(c.Node, elements, maxLen)
		c.SetValue(key, z, false)
		c.Dirty(-1) // creating the key is no change of its own (Valkey's dbAdd)
	} else {
		z.maybeConvert(c.Node, elements, maxLen)
	}
	for j := 0; j < len(pairs); j += 2 {
		res, ns := z.add(c.Node, pairs[j+1], scores[j/2], f)
		switch res {
		case zaddNaN:
			c.Dirty(int64(added + updated))
			c.zsetDeleteIfEmpty(key, z)
			c.Error(ErrZScoreNaN)
			return
		case zaddAdded:
			added++
		case zaddUpdated:
			updated++
		}
		if res != zaddNop {
			processed++
		}
		score = ns
	}
	c.Dirty(int64(added + updated))
	if added+updated > 0 {
		c.Modified(key)
		if f.incr {
			c.Notify(NotifyZSet, "zincr", key)
		} else {
			c.Notify(NotifyZSet, "zadd", key)
		}
	}
reply:
	if f.incr {
		if processed > 0 {
			c.R.Double(score)
		} else {
			c.R.Null()
		}
		return
	}
	if ch {
		c.R.Int(int64(added + updated))
	} else {
		c.R.Int(int64(added))
	}
}

func cmdZScore(c *Ctx) {
	z, ok := c.zsetRead(c.Args[1])
	if !ok {
		return
	}
	if z != nil {
		if s, ok := z.Score(bstr(c.Args[2])); ok {
			c.R.Double(s)
			return
		}
	}
	c.R.Null()
}

func cmdZMScore(c *Ctx) {
	z, ok := c.zsetRead(c.Args[1])
	if !ok {
		return
	}
	c.R.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if z != nil {
			if s, ok := z.Score(bstr(m)); ok {
				c.R.Double(s)
				continue
			}
		}
		c.R.Null()
	}
}

func cmdZCard(c *Ctx) {
	z, ok := c.zsetRead(c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.R.Int(0)
		return
	}
	c.R.Int(int64(z.Len()))
}

// cIsSpace is C's isspace.
func cIsSpace(b byte) bool {
	return b == ' ' || (b >= '\t' && b <= '\r')
}

// strtodArg converts b as zslParseRange's strtod does, requiring the
// whole argument (up to a NUL byte) to be consumed: leading white space is
// skipped, an empty string is 0, an overflow is an infinity.
func strtodArg(b []byte) (float64, bool) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if len(b) == 0 {
		return 0, true
	}
	j := 0
	for j < len(b) && cIsSpace(b[j]) {
		j++
	}
	b = b[j:]
	if f, ok := parseScore(b); ok {
		return f, true
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil && math.IsInf(f, 0) && !bytes.ContainsAny(b, "_nN") {
		return f, true // ERANGE overflow: strtod returns HUGE_VAL
	}
	if err == nil && f == 0 && !bytes.ContainsAny(b, "_xXnN") {
		return f, true // underflow
	}
	return 0, false
}

// parseScoreBound parses one end of a score range.
func parseScoreBound(b []byte) (v float64, ex bool, ok bool) {
	if len(b) > 0 && b[0] == '(' {
		ex = true
		b = b[1:]
	}
	v, ok = strtodArg(b)
	if ok && math.IsNaN(v) {
		ok = false
	}
	return v, ex, ok
}

// parseScoreRange parses min and max as zslParseRange does.
func parseScoreRange(min, max []byte) (r scoreRange, ok bool) {
	var ok1, ok2 bool
	r.min, r.minex, ok1 = parseScoreBound(min)
	r.max, r.maxex, ok2 = parseScoreBound(max)
	return r, ok1 && ok2
}

// parseLexBound parses one end of a lex range.
func parseLexBound(b []byte) (s string, inf int, ex bool, ok bool) {
	if len(b) == 0 {
		return "", 0, false, false
	}
	switch b[0] {
	case '+', '-':
		if len(b) > 1 && b[1] != 0 {
			return "", 0, false, false
		}
		if b[0] == '+' {
			return "", 1, true, true
		}
		return "", -1, true, true
	case '(':
		return string(b[1:]), 0, true, true
	case '[':
		return string(b[1:]), 0, false, true
	}
	return "", 0, false, false
}

// parseLexRange parses min and max as zslParseLexRange does.
func parseLexRange(min, max []byte) (r lexRange, ok bool) {
	var ok1, ok2 bool
	r.min, r.minInf, r.minex, ok1 = parseLexBound(min)
	r.max, r.maxInf, r.maxex, ok2 = parseLexBound(max)
	return r, ok1 && ok2
}

func cmdZCount(c *Ctx) {
	r, ok := parseScoreRange(c.Args[2], c.Args[3])
	if !ok {
		c.Error(ErrZMinMaxFloat)
		return
	}
	z, ok := c.zsetRead(c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.R.Int(0)
		return
	}
	c.R.Int(int64(z.countInScore(&r)))
}

func cmdZLexCount(c *Ctx) {
	r, ok := parseLexRange(c.Args[2], c.Args[3])
	if !ok {
		c.Error(ErrZMinMaxLex)
		return
	}
	z, ok := c.zsetRead(c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		c.R.Int(0)
		return
	}
	c.R.Int(int64(z.countInLex(&r)))
}

func cmdZRank(c *Ctx)    { zrankGeneric(c, false) }
func cmdZRevRank(c *Ctx) { zrankGeneric(c, true) }

func zrankGeneric(c *Ctx, rev bool) {
	if len(c.Args) > 4 {
		c.Error(ErrArity(c.Cmd.FullName()))
		return
	}
	withScore := false
	if len(c.Args) == 4 {
		if !optIs(c.Args[3], "withscore") {
			c.Error(ErrSyntax)
			return
		}
		withScore = true
	}
	miss := func() {
		if withScore {
			c.R.NullArray()
		} else {
			c.R.Null()
		}
	}
	z, ok := c.zsetRead(c.Args[1])
	if !ok {
		return
	}
	if z == nil {
		miss()
		return
	}
	r, score, found := z.rank(bstr(c.Args[2]))
	if !found {
		miss()
		return
	}
	if rev {
		r = z.Len() - 1 - r
	}
	if withScore {
		c.R.Array(2)
		c.R.Int(int64(r))
		c.R.Double(score)
		return
	}
	c.R.Int(int64(r))
}

func cmdZRem(c *Ctx) {
	key := c.Args[1]
	z, ok := c.zsetWrite(key)
	if !ok {
		return
	}
	if z == nil {
		c.R.Int(0)
		return
	}
	deleted := 0
	for _, m := range c.Args[2:] {
		if z.remove(bstr(m)) {
			deleted++
			if z.Len() == 0 {
				break
			}
		}
	}
	if deleted > 0 {
		c.Dirty(int64(deleted))
		c.zsetRemoved(key, z, "zrem")
	}
	c.R.Int(int64(deleted))
}

// zRangeKind says how a range is given.
type zRangeKind int

const (
	zRangeRank zRangeKind = iota
	zRangeScore
	zRangeLex
)

// zremrangeEvent is the keyspace event of ZREMRANGEBY<kind>.
func zremrangeEvent(kind zRangeKind) string {
	switch kind {
	case zRangeScore:
		return "zremrangebyscore"
	case zRangeLex:
		return "zremrangebylex"
	}
	return "zremrangebyrank"
}

func cmdZRemRangeByRank(c *Ctx)  { zremrangeGeneric(c, zRangeRank) }
func cmdZRemRangeByScore(c *Ctx) { zremrangeGeneric(c, zRangeScore) }
func cmdZRemRangeByLex(c *Ctx)   { zremrangeGeneric(c, zRangeLex) }

func zremrangeGeneric(c *Ctx, kind zRangeKind) {
	var start, end int64
	var sr scoreRange
	var lr lexRange
	switch kind {
	case zRangeRank:
		var ok bool
		if start, ok = c.intArg(c.Args[2]); !ok {
			return
		}
		if end, ok = c.intArg(c.Args[3]); !ok {
			return
		}
	case zRangeScore:
		var ok bool
		if sr, ok = parseScoreRange(c.Args[2], c.Args[3]); !ok {
			c.Error(ErrZMinMaxFloat)
			return
		}
	case zRangeLex:
		var ok bool
		if lr, ok = parseLexRange(c.Args[2], c.Args[3]); !ok {
			c.Error(ErrZMinMaxLex)
			return
		}
	}
	key := c.Args[1]
	z, ok := c.zsetWrite(key)
	if !ok {
		return
	}
	if z == nil {
		c.R.Int(0)
		return
	}
	// The entries to delete are consecutive: find the first one's rank
	// and count them, then delete them at once.
	var from, deleted int
	switch kind {
	case zRangeRank:
		from, deleted = zRankClamp(start, end, z.Len())
	case zRangeScore:
		it := z.firstInScore(&sr)
		if it.ok {
			from = z.iterRank(&it)
		}
		for ; it.ok && sr.lteMax(it.score); it.next() {
			deleted++
		}
	case zRangeLex:
		it := z.firstInLex(&lr)
		if it.ok {
			from = z.iterRank(&it)
		}
		for ; it.ok && lr.lteMax(it.member); it.next() {
			deleted++
		}
	}
	z.removeRange(from, deleted)
	if deleted > 0 {
		c.Dirty(int64(deleted))
		c.zsetRemoved(key, z, zremrangeEvent(kind))
	}
	c.R.Int(int64(deleted))
}

func cmdZPopMin(c *Ctx) { zpopMinMax(c, false) }
func cmdZPopMax(c *Ctx) { zpopMinMax(c, true) }

func zpopMinMax(c *Ctx, max bool) {
	if len(c.Args) > 3 {
		c.Error(ErrSyntax)
		return
	}
	count := int64(-1)
	if len(c.Args) == 3 {
		n, ok := parseStrictInt(c.Args[2])
		if !ok || n < 0 {
			c.Error(ErrMustBePositive)
			return
		}
		count = n
	}
	nested := c.R.Proto() > 2 && count != -1
	zpopGeneric(c, c.Args[1:2], max, false, count, nested)
}

// zpopGeneric pops from the first non-empty key of keys, as Valkey's
// genericZpopCommand does; emitKey is ZMPOP's reply shape.
func zpopGeneric(c *Ctx, keys [][]byte, max, emitKey bool, count int64, nested bool) {
	var z *ZSet
	var key []byte
	for _, k := range keys {
		var ok bool
		if z, ok = c.zsetWrite(k); !ok {
			return
		}
		if z != nil {
			key = k
			break
		}
	}
	if z == nil {
		if emitKey {
			c.R.NullArray()
		} else {
			c.R.Array(0)
		}
		return
	}
	if count == 0 {
		c.R.Array(0)
		return
	}
	if count == -1 {
		count = 1
	}
	n := int(min(count, int64(z.Len())))
	switch {
	case !nested && !emitKey:
		c.R.Array(2 * n)
	case nested && !emitKey:
		c.R.Array(n)
	case !nested && emitKey:
		c.R.Array(2*n + 1)
		c.R.Bulk(key)
	case nested && emitKey:
		c.R.Array(2)
		c.R.Bulk(key)
		c.R.Array(n)
	}
	it := z.first()
	if max {
		it = z.last()
	}
	for i := 0; i < n && it.ok; i++ {
		c.zReplyScored(it.member, it.score, nested)
		it.step(max)
	}
	if max {
		z.removeRange(z.Len()-n, n)
	} else {
		z.removeRange(0, n)
	}
	c.Dirty(int64(n))
	event := "zpopmin"
	if max {
		event = "zpopmax"
	}
	c.Notify(NotifyZSet, event, key)
	if c.zsetDeleteIfEmpty(key, z) {
		c.Notify(NotifyGeneric, "del", key)
	}
	c.Modified(key)
}

func cmdZMPop(c *Ctx) { zmpop(c, 1, false) }

// zmpop is ZMPOP, and BZMPOP when block, with numkeys at index nk.
func zmpop(c *Ctx, nk int, block bool) {
	numkeys, ok := parseStrictInt(c.Args[nk])
	if !ok || numkeys < 1 {
		c.Error(ErrNumKeysPositive)
		return
	}
	if numkeys >= int64(len(c.Args)) {
		c.Error(ErrSyntax)
		return
	}
	where := int64(nk) + numkeys + 1
	if where >= int64(len(c.Args)) {
		c.Error(ErrSyntax)
		return
	}
	var max bool
	switch {
	case optIs(c.Args[where], "min"):
	case optIs(c.Args[where], "max"):
		max = true
	default:
		c.Error(ErrSyntax)
		return
	}
	count := int64(-1)
	for j := int(where) + 1; j < len(c.Args); j++ {
		if count == -1 && optIs(c.Args[j], "count") && j+1 < len(c.Args) {
			j++
			n, ok := parseStrictInt(c.Args[j])
			if !ok || n < 1 {
				c.Error(ErrCountPositive)
				return
			}
			count = n
			continue
		}
		c.Error(ErrSyntax)
		return
	}
	if count == -1 {
		count = 1
	}
	keys := c.Args[nk+1 : int64(nk)+1+numkeys]
	if block {
		bzpop(c, keys, max, c.Args[1], count, true)
		return
	}
	zpopGeneric(c, keys, max, true, count, true)
}
