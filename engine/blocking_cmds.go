package engine

// The blocking list and sorted set commands: BLPOP BRPOP BLMOVE BRPOPLPUSH
// BLMPOP BZPOPMIN BZPOPMAX BZMPOP.
var blockingCommands = []*Command{
	{Name: "blpop", Arity: -3, Flags: Write | Blocking, First: 1, Last: -2, Step: 1, Group: "list", Run: cmdBLPop},
	{Name: "brpop", Arity: -3, Flags: Write | Blocking, First: 1, Last: -2, Step: 1, Group: "list", Run: cmdBRPop},
	{Name: "blmove", Arity: 6, Flags: Write | DenyOOM | Blocking, First: 1, Last: 2, Step: 1, Group: "list", Run: cmdBLMove},
	{Name: "brpoplpush", Arity: 4, Flags: Write | DenyOOM | Blocking, First: 1, Last: 2, Step: 1, Group: "list", Run: cmdBRPopLPush},
	{Name: "blmpop", Arity: -5, Flags: Write | Blocking, Keys: blmpopKeys, Group: "list", Run: cmdBLMPop},
	{Name: "bzpopmin", Arity: -3, Flags: Write | Fast | Blocking, First: 1, Last: -2, Step: 1, Group: "sorted-set", Run: cmdBZPopMin},
	{Name: "bzpopmax", Arity: -3, Flags: Write | Fast | Blocking, First: 1, Last: -2, Step: 1, Group: "sorted-set", Run: cmdBZPopMax},
	{Name: "bzmpop", Arity: -5, Flags: Write | Blocking, Keys: blmpopKeys, Group: "sorted-set", Run: cmdBZMPop},
}

// blmpopKeys is BLMPOP's and BZMPOP's key finder (numkeys after the
// timeout).
func blmpopKeys(args [][]byte) []int { return mpopKeys(args, 2) }

func cmdBLPop(c *Ctx) { c.blockingPop(true) }
func cmdBRPop(c *Ctx) { c.blockingPop(false) }

// blockingPop is BLPOP/BRPOP, as Valkey's blockingPopGenericCommand: the
// timeout is checked first, then the keys in order; the first non-empty
// list gives one element.
func (c *Ctx) blockingPop(head bool) {
	last := len(c.Args) - 1
	deadline, ok := c.parseTimeout(c.Args[last], true)
	if !ok {
		return
	}
	keys := c.Args[1:last]
	key, l, e, ok := c.firstList(keys)
	if !ok {
		return
	}
	if l != nil {
		c.R.Array(2)
		c.R.Bulk(key)
		c.R.Bulk(l.Pop(head))
		c.listPopped(key, l, e, head, 1)
		return
	}
	if c.CanBlock() {
		c.Block(keys, deadline)
		return
	}
	c.R.NullArray()
}

// firstList returns the first of keys that holds a non-empty list (l is
// nil when none does); ok is false after a WRONGTYPE reply.
func (c *Ctx) firstList(keys [][]byte) (key []byte, l *List, e *Entry, ok bool) {
	for _, key := range keys {
		l, e, ok := c.lookupList(key, true)
		if !ok {
			return nil, nil, nil, false
		}
		if l != nil && l.n > 0 {
			return key, l, e, true
		}
	}
	return nil, nil, nil, true
}

// listPopped finishes popping n elements from one end of the list at key,
// as Valkey's listElementsRemoved: the pop event, the deletion of an
// emptied list, the change signal and count.
func (c *Ctx) listPopped(key []byte, l *List, e *Entry, head bool, n int) {
	event := "rpop"
	if head {
		event = "lpop"
	}
	c.Notify(NotifyList, event, key)
	if c.dropIfEmpty(l, e) {
		c.Notify(NotifyGeneric, "del", key)
	}
	c.Modified(key)
	c.Dirty(int64(n))
}

func cmdBLMove(c *Ctx) {
	srcHead, ok := c.listEnd(c.Args[3])
	if !ok {
		return
	}
	dstHead, ok := c.listEnd(c.Args[4])
	if !ok {
		return
	}
	c.blmove(srcHead, dstHead, c.Args[5])
}

func cmdBRPopLPush(c *Ctx) { c.blmove(false, true, c.Args[3]) }

// blmove is BLMOVE/BRPOPLPUSH: LMOVE when the source has elements, else
// block (or a null reply where blocking is not allowed).
func (c *Ctx) blmove(srcHead, dstHead bool, timeout []byte) {
	deadline, ok := c.parseTimeout(timeout, true)
	if !ok {
		return
	}
	src, _, ok := c.lookupList(c.Args[1], true)
	if !ok {
		return
	}
	if src != nil {
		c.lmove(srcHead, dstHead)
		return
	}
	if c.CanBlock() {
		c.Block(c.Args[1:2], deadline)
		return
	}
	c.R.Null()
}

func cmdBLMPop(c *Ctx) {
	deadline, ok := c.parseTimeout(c.Args[1], true)
	if !ok {
		return
	}
	c.mpopList(2, true, deadline)
}

func cmdBZPopMin(c *Ctx) { bzpop(c, c.Args[1:len(c.Args)-1], false, c.Args[len(c.Args)-1], -1, false) }
func cmdBZPopMax(c *Ctx) { bzpop(c, c.Args[1:len(c.Args)-1], true, c.Args[len(c.Args)-1], -1, false) }
func cmdBZMPop(c *Ctx)   { zmpop(c, 2, true) }

// bzpop is Valkey's blockingGenericZpopCommand: the timeout is checked
// first, then the keys in order; the first sorted set is popped as ZPOPMIN
// or ZPOPMAX would, replying with its key.
func bzpop(c *Ctx, keys [][]byte, max bool, timeout []byte, count int64, nested bool) {
	deadline, ok := c.parseTimeout(timeout, true)
	if !ok {
		return
	}
	for _, key := range keys {
		z, ok := c.zsetWrite(key)
		if !ok {
			return
		}
		if z != nil {
			zpopGeneric(c, [][]byte{key}, max, true, count, nested)
			return
		}
	}
	if c.CanBlock() {
		c.Block(keys, deadline)
		return
	}
	c.R.NullArray()
}
