package engine

// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET
// LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP. The value type is in
// list.go. Blocking variants are not implemented yet; pushes all go through
// Ctx.listPush, the place where they will wake blocked clients.
var listCommands = []*Command{
	{Name: "lpush", Arity: -3, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "list", Run: cmdLPush},
	{Name: "rpush", Arity: -3, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "list", Run: cmdRPush},
	{Name: "lpushx", Arity: -3, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "list", Run: cmdLPushX},
	{Name: "rpushx", Arity: -3, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "list", Run: cmdRPushX},
	{Name: "lpop", Arity: -2, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "list", Run: cmdLPop},
	{Name: "rpop", Arity: -2, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "list", Run: cmdRPop},
	{Name: "llen", Arity: 2, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "list", Run: cmdLLen},
	{Name: "lrange", Arity: 4, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "list", Run: cmdLRange},
	{Name: "lindex", Arity: 3, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "list", Run: cmdLIndex},
	{Name: "lset", Arity: 4, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Group: "list", Run: cmdLSet},
	{Name: "linsert", Arity: 5, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Group: "list", Run: cmdLInsert},
	{Name: "lrem", Arity: 4, Flags: Write, First: 1, Last: 1, Step: 1, Group: "list", Run: cmdLRem},
	{Name: "ltrim", Arity: 4, Flags: Write, First: 1, Last: 1, Step: 1, Group: "list", Run: cmdLTrim},
	{Name: "lpos", Arity: -3, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "list", Run: cmdLPos},
	{Name: "lmove", Arity: 5, Flags: Write | DenyOOM, First: 1, Last: 2, Step: 1, Group: "list", Run: cmdLMove},
	{Name: "rpoplpush", Arity: 3, Flags: Write | DenyOOM, First: 1, Last: 2, Step: 1, Group: "list", Run: cmdRPopLPush},
	{Name: "lmpop", Arity: -4, Flags: Write, Keys: lmpopKeys, Group: "list", Run: cmdLMPop},
}

// minLongPlusOne is -LONG_MAX, the lower bound of Valkey's ranged long
// arguments (LREM's count, LPOS's RANK).
const minLongPlusOne = -maxInt64

// lookupList returns the list at key (nil when missing); ok is false after
// replying WRONGTYPE.
func (c *Ctx) lookupList(key []byte, write bool) (l *List, e *Entry, ok bool) {
	if write {
		e = c.LookupWrite(key)
	} else {
		e = c.Lookup(key)
	}
	if e == nil {
		return nil, nil, true
	}
	l, ok = e.Val.val().(*List)
	if !ok {
		c.Error(ErrWrongType)
		return nil, nil, false
	}
	return l, e, true
}

// listFill returns list-max-listpack-size.
func (c *Ctx) listFill() int64 { return c.Node.ListMaxListpackSize() }

// dropIfEmpty deletes key when its list became empty (Valkey's dbDelete:
// no extra dirty count), else tries the shrinking conversion.
func (c *Ctx) dropIfEmpty(l *List, e *Entry) bool {
	if l.n == 0 {
		c.DB.removeEntry(c.DB.shardFor(e.Key()), e)
		return true
	}
	l.shrink(c.listFill())
	return false
}

// listPush pushes copies of elems onto the list at key (at the head when
// head), creating it unless mustExist. It returns the new length (0 when
// the key is missing and mustExist), whether it created the key (which
// counted one change), and ok=false after replying WRONGTYPE. The caller
// counts the other changes. intsFree is growForArgs's. Every push of the
// list commands goes through here: this is where blocked clients will be
// woken.
func (c *Ctx) listPush(key []byte, elems [][]byte, head, mustExist, intsFree bool) (n int, created, ok bool) {
	l, _, ok := c.lookupList(key, true)
	if !ok {
		return 0, false, false
	}
	if l == nil {
		if mustExist {
			return 0, false, true
		}
		l = &List{}
		c.SetValue(key, l, false)
		created = true
	}
	fill := c.listFill()
	l.growForArgs(fill, elems, intsFree)
	for _, v := range elems {
		l.Push(v, head, fill)
	}
	return l.n, created, true
}

func (c *Ctx) pushCmd(head, mustExist bool) {
	n, created, ok := c.listPush(c.Args[1], c.Args[2:], head, mustExist, false)
	if !ok {
		return
	}
	dirty := int64(len(c.Args) - 2)
	if n == 0 {
		dirty = 0
	} else if created {
		dirty--
	}
	c.Dirty(dirty)
	c.R.Int(int64(n))
	if n != 0 {
		c.Modified(c.Args[1])
		c.Notify(NotifyList, pushEvent(head), c.Args[1])
	}
}

// pushEvent is the keyspace event of a push at the head or the tail.
func pushEvent(head bool) string {
	if head {
		return "lpush"
	}
	return "rpush"
}

func cmdLPush(c *Ctx)  { c.pushCmd(true, false) }
func cmdRPush(c *Ctx)  { c.pushCmd(false, false) }
func cmdLPushX(c *Ctx) { c.pushCmd(true, true) }
func cmdRPushX(c *Ctx) { c.pushCmd(false, true) }

// positiveArg parses a count as getPositiveLongFromObjectOrReply: msg for
// both a non-integer and a negative value.
func (c *Ctx) positiveArg(b []byte, msg string) (int64, bool) {
	n, ok := parseStrictInt(b)
	if !ok || n < 0 {
		c.Error(msg)
		return 0, false
	}
	return n, true
}

// replyRange replies count elements from start (valid), backwards when
// reverse.
func (c *Ctx) replyRange(l *List, start, count int, reverse bool) {
	c.R.Array(count)
	l.Range(start, count, reverse, func(v []byte) bool {
		c.R.Bulk(v)
		return true
	})
}

// popRange replies and removes up to count elements from one end of l.
func (c *Ctx) popRange(l *List, head bool, count int64) int {
	n := int(min(count, int64(l.n)))
	c.R.Array(n)
	for i := 0; i < n; i++ {
		c.R.Bulk(l.Pop(head))
	}
	return n
}

func (c *Ctx) popCmd(head bool) {
	if len(c.Args) > 3 {
		c.Error(ErrArity(c.Cmd.FullName()))
		return
	}
	hasCount := len(c.Args) == 3
	var count int64
	if hasCount {
		var ok bool
		if count, ok = c.positiveArg(c.Args[2], ErrMustBePositive); !ok {
			return
		}
	}
	l, e, ok := c.lookupList(c.Args[1], true)
	switch {
	case !ok:
		return
	case l == nil && hasCount:
		c.R.NullArray()
		return
	case l == nil:
		c.R.Null()
		return
	case hasCount && count == 0:
		c.R.Array(0)
		return
	}
	n := 1
	if hasCount {
		n = c.popRange(l, head, count)
	} else {
		c.R.Bulk(l.Pop(head))
	}
	c.listPopped(c.Args[1], l, e, head, n)
}

func cmdLPop(c *Ctx) { c.popCmd(true) }
func cmdRPop(c *Ctx) { c.popCmd(false) }

func cmdLLen(c *Ctx) {
	l, _, ok := c.lookupList(c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		c.R.Int(0)
		return
	}
	c.R.Int(int64(l.n))
}

// clampRange resolves LRANGE/LTRIM's start and end against length n as
// Valkey does; empty is true when the range selects nothing.
func clampRange(start, end int64, n int) (s, e int, empty bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if end < 0 {
		end += ln
	}
	if start < 0 {
		start = 0
	}
	if start > end || start >= ln {
		return 0, 0, true
	}
	if end >= ln {
		end = ln - 1
	}
	return int(start), int(end), false
}

func cmdLRange(c *Ctx) {
	start, end, ok := c.rangeArgs()
	if !ok {
		return
	}
	l, _, ok := c.lookupList(c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		c.R.Array(0)
		return
	}
	s, e, empty := clampRange(start, end, l.n)
	if empty {
		c.R.Array(0)
		return
	}
	c.replyRange(l, s, e-s+1, false)
}

func cmdLIndex(c *Ctx) {
	l, _, ok := c.lookupList(c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		c.R.Null()
		return
	}
	i, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	if v, found := l.Index(i); found {
		c.R.Bulk(v)
	} else {
		c.R.Null()
	}
}

func cmdLSet(c *Ctx) {
	l, _, ok := c.lookupList(c.Args[1], true)
	if !ok {
		return
	}
	if l == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	i, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	fill := c.listFill()
	v := c.Args[3]
	l.growFor(fill, len(v), 1)
	if i < 0 {
		i += int64(l.n)
	}
	if i < 0 || i >= int64(l.n) {
		c.Error(ErrOutOfRange)
		return
	}
	nd, off := l.seek(int(i))
	l.replaceIn(nd, off, v, fill)
	l.shrink(fill)
	c.Modified(c.Args[1])
	c.Notify(NotifyList, "lset", c.Args[1])
	c.Dirty(1)
	c.OK()
}

func cmdLInsert(c *Ctx) {
	var after bool
	switch {
	case optIs(c.Args[2], "after"):
		after = true
	case optIs(c.Args[2], "before"):
	default:
		c.Error(ErrSyntax)
		return
	}
	l, _, ok := c.lookupList(c.Args[1], true)
	if !ok {
		return
	}
	if l == nil {
		c.R.Int(0)
		return
	}
	fill := c.listFill()
	pivot, v := c.Args[3], c.Args[4]
	l.growFor(fill, len(v), 1)
	for nd := l.head; nd != nil; nd = nd.next {
		for i := 0; i < nd.count(); i++ {
			if string(nd.at(i)) == string(pivot) {
				l.insertIn(nd, i, v, after, fill)
				c.Modified(c.Args[1])
				c.Notify(NotifyList, "linsert", c.Args[1])
				c.Dirty(1)
				c.R.Int(int64(l.n))
				return
			}
		}
	}
	c.R.Int(-1)
}

func cmdLRem(c *Ctx) {
	toRemove, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	if toRemove < minLongPlusOne {
		c.Error(ErrLongRange)
		return
	}
	l, e, ok := c.lookupList(c.Args[1], true)
	if !ok {
		return
	}
	if l == nil {
		c.R.Int(0)
		return
	}
	removed := l.Remove(c.Args[3], toRemove)
	if removed > 0 {
		c.Dirty(removed)
		c.Notify(NotifyList, "lrem", c.Args[1])
		if c.dropIfEmpty(l, e) {
			c.Notify(NotifyGeneric, "del", c.Args[1])
		}
		c.Modified(c.Args[1])
	}
	c.R.Int(removed)
}

func cmdLTrim(c *Ctx) {
	start, end, ok := c.rangeArgs()
	if !ok {
		return
	}
	l, e, ok := c.lookupList(c.Args[1], true)
	if !ok {
		return
	}
	if l == nil {
		c.OK()
		return
	}
	n := l.n
	s, en, empty := clampRange(start, end, n)
	ltrim, rtrim := s, n-en-1
	if empty {
		ltrim, rtrim = n, 0
	}
	for i := 0; i < ltrim; i++ {
		l.Pop(true)
	}
	for i := 0; i < rtrim; i++ {
		l.Pop(false)
	}
	c.Notify(NotifyList, "ltrim", c.Args[1])
	if c.dropIfEmpty(l, e) {
		c.Notify(NotifyGeneric, "del", c.Args[1])
	}
	c.Modified(c.Args[1])
	c.Dirty(int64(ltrim + rtrim))
	c.OK()
}

func cmdLPos(c *Ctx) {
	elem := c.Args[2]
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	for j := 3; j < len(c.Args); j++ {
		more := j+1 < len(c.Args)
		switch opt := c.Args[j]; {
		case more && optIs(opt, "rank"):
			j++
			v, ok := c.intArg(c.Args[j])
			if !ok {
				return
			}
			if v < minLongPlusOne {
				c.Error(ErrLongRange)
				return
			}
			if v == 0 {
				c.Error(ErrLPosRankZero)
				return
			}
			rank = v
		case more && optIs(opt, "count"):
			j++
			v, ok := c.positiveArg(c.Args[j], ErrLPosCountNegative)
			if !ok {
				return
			}
			count = v
		case more && optIs(opt, "maxlen"):
			j++
			v, ok := c.positiveArg(c.Args[j], ErrLPosMaxlenNegative)
			if !ok {
				return
			}
			maxlen = v
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	reverse := rank < 0
	if reverse {
		rank = -rank
	}
	l, _, ok := c.lookupList(c.Args[1], false)
	if !ok {
		return
	}
	if l == nil {
		if count != -1 {
			c.R.Array(0)
		} else {
			c.R.Null()
		}
		return
	}
	// Collect the matching indexes first: the reply's length is not known
	// in advance.
	var found []int64
	limit := int64(l.n)
	if maxlen > 0 {
		limit = min(limit, maxlen)
	}
	start := 0
	if reverse {
		start = l.n - 1
	}
	var index, matches int64
	last := int64(-1)
	l.Range(start, int(limit), reverse, func(v []byte) bool {
		defer func() { index++ }()
		if string(v) != string(elem) {
			return true
		}
		matches++
		if matches < rank {
			return true
		}
		pos := index
		if reverse {
			pos = int64(l.n) - index - 1
		}
		if count == -1 {
			last = pos
			return false
		}
		found = append(found, pos)
		return count == 0 || matches-rank+1 < count
	})
	if count == -1 {
		if last >= 0 {
			c.R.Int(last)
		} else {
			c.R.Null()
		}
		return
	}
	c.R.Array(len(found))
	for _, p := range found {
		c.R.Int(p)
	}
}

// listEnd parses LEFT or RIGHT; head is true for LEFT.
func (c *Ctx) listEnd(b []byte) (head, ok bool) {
	switch {
	case optIs(b, "right"):
		return false, true
	case optIs(b, "left"):
		return true, true
	}
	c.Error(ErrSyntax)
	return false, false
}

// lmove pops from the src end of Args[1] and pushes onto the dst end of
// Args[2], replying the element moved.
func (c *Ctx) lmove(srcHead, dstHead bool) {
	src, srcE, ok := c.lookupList(c.Args[1], true)
	if !ok {
		return
	}
	if src == nil || src.n == 0 {
		c.R.Null()
		return
	}
	// The destination's type is checked before popping; listPush then
	// looks it up (once, for the access time) to push.
	if e := c.DB.find(bstr(c.Args[2]), c.nowMs); e != nil {
		if _, isList := e.Val.val().(*List); !isList {
			c.Error(ErrWrongType)
			return
		}
	}
	fromQuicklist := src.quick
	// A copy: the popped slice is src's storage, which the push may
	// overwrite when src and the destination are the same list.
	v := append([]byte(nil), src.Pop(srcHead)...)
	if _, created, _ := c.listPush(c.Args[2], [][]byte{v}, dstHead, false, fromQuicklist); !created {
		c.Dirty(1) // else creating the key counted the one change
	}
	c.Modified(c.Args[2])
	c.Notify(NotifyList, pushEvent(dstHead), c.Args[2])
	c.R.Bulk(v)
	c.Notify(NotifyList, popEvent(srcHead), c.Args[1])
	if c.dropIfEmpty(src, srcE) {
		c.Notify(NotifyGeneric, "del", c.Args[1])
	}
	c.Modified(c.Args[1])
}

// popEvent is the keyspace event of a pop from the head or the tail.
func popEvent(head bool) string {
	if head {
		return "lpop"
	}
	return "rpop"
}

func cmdLMove(c *Ctx) {
	srcHead, ok := c.listEnd(c.Args[3])
	if !ok {
		return
	}
	dstHead, ok := c.listEnd(c.Args[4])
	if !ok {
		return
	}
	c.lmove(srcHead, dstHead)
}

func cmdRPopLPush(c *Ctx) { c.lmove(false, true) }

// lmpopKeys is LMPOP's key finder: numkeys keys after the numkeys
// argument, none when numkeys is not valid (the command then fails before
// touching keys).
func lmpopKeys(args [][]byte) []int { return mpopKeys(args, 1) }

// mpopKeys finds the keys of an MPOP-style command whose numkeys argument
// is at index nk and is followed by the keys and at least one more
// argument.
func mpopKeys(args [][]byte, nk int) []int {
	n, ok := parseStrictInt(args[nk])
	if !ok || n < 1 || n > int64(len(args)-nk-2) {
		return nil
	}
	keys := make([]int, n)
	for i := range keys {
		keys[i] = nk + 1 + i
	}
	return keys
}

func cmdLMPop(c *Ctx) { c.mpopList(1, false, 0) }

// mpopList is LMPOP, and BLMPOP when block, with numkeys at index nk.
func (c *Ctx) mpopList(nk int, block bool, deadline int64) {
	numkeys, ok := parseStrictInt(c.Args[nk])
	if !ok || numkeys < 1 {
		c.Error(ErrNumKeysPositive)
		return
	}
	whereIdx := int64(nk) + 1 + numkeys
	if whereIdx >= int64(len(c.Args)) {
		c.Error(ErrSyntax)
		return
	}
	head, ok := c.listEnd(c.Args[whereIdx])
	if !ok {
		return
	}
	count := int64(-1)
	for j := int(whereIdx) + 1; j < len(c.Args); j++ {
		if count == -1 && optIs(c.Args[j], "count") && j+1 < len(c.Args) {
			j++
			v, ok := parseStrictInt(c.Args[j])
			if !ok || v < 1 {
				c.Error(ErrCountPositive)
				return
			}
			count = v
			continue
		}
		c.Error(ErrSyntax)
		return
	}
	if count == -1 {
		count = 1
	}
	keys := c.Args[nk+1 : whereIdx]
	key, l, e, ok := c.firstList(keys)
	if !ok {
		return
	}
	if l != nil {
		c.R.Array(2)
		c.R.Bulk(key)
		n := c.popRange(l, head, count)
		c.listPopped(key, l, e, head, n)
		return
	}
	if block && c.CanBlock() {
		c.Block(keys, deadline)
		return
	}
	c.R.NullArray()
}
