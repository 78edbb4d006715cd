package engine

import (
	"math"
)

// Stream commands. This file: the table, XADD XLEN XRANGE XREVRANGE XDEL
// XTRIM XSETID. stream_read.go: XREAD XREADGROUP. stream_group_cmds.go:
// XGROUP XACK XPENDING XCLAIM XAUTOCLAIM. stream_info.go: XINFO. The value
// type is in stream.go, its groups in stream_cgroup.go.
var streamCommands = []*Command{
	{Name: "xadd", Arity: -5, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "stream", Run: cmdXAdd},
	{Name: "xlen", Arity: 2, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "stream", Run: cmdXLen},
	{Name: "xrange", Arity: -4, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "stream", Run: cmdXRange},
	{Name: "xrevrange", Arity: -4, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "stream", Run: cmdXRevRange},
	{Name: "xdel", Arity: -3, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "stream", Run: cmdXDel},
	{Name: "xtrim", Arity: -4, Flags: Write, First: 1, Last: 1, Step: 1, Group: "stream", Run: cmdXTrim},
	{Name: "xsetid", Arity: -3, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "stream", Run: cmdXSetID},
	{Name: "xread", Arity: -4, Flags: Blocking | ReadOnly, Keys: xreadKeysPlain, Group: "stream", Run: cmdXRead},
	{Name: "xreadgroup", Arity: -7, Flags: Blocking | Write, Keys: xreadKeysGroup, Group: "stream", Run: cmdXRead},
	{Name: "xack", Arity: -4, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "stream", Run: cmdXAck},
	{Name: "xpending", Arity: -3, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "stream", Run: cmdXPending},
	{Name: "xclaim", Arity: -6, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "stream", Run: cmdXClaim},
	{Name: "xautoclaim", Arity: -6, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "stream", Run: cmdXAutoClaim},
	{Name: "xgroup", Arity: -2, Group: "stream", Subcommands: []*Command{
		{Name: "create", Arity: -5, Flags: Write | DenyOOM, First: 2, Last: 2, Step: 1, Group: "stream", Run: cmdXGroup},
		{Name: "setid", Arity: -5, Flags: Write, First: 2, Last: 2, Step: 1, Group: "stream", Run: cmdXGroup},
		{Name: "destroy", Arity: 4, Flags: Write, First: 2, Last: 2, Step: 1, Group: "stream", Run: cmdXGroup},
		{Name: "createconsumer", Arity: 5, Flags: Write | DenyOOM, First: 2, Last: 2, Step: 1, Group: "stream", Run: cmdXGroup},
		{Name: "delconsumer", Arity: 5, Flags: Write, First: 2, Last: 2, Step: 1, Group: "stream", Run: cmdXGroup},
		{Name: "help", Arity: 2, Flags: Loading | Stale | NoKeyspace, Group: "stream", Run: cmdXGroupHelp},
	}},
	{Name: "xinfo", Arity: -2, Group: "stream", Subcommands: []*Command{
		{Name: "consumers", Arity: 4, Flags: ReadOnly, First: 2, Last: 2, Step: 1, Group: "stream", Run: cmdXInfo},
		{Name: "groups", Arity: 3, Flags: ReadOnly, First: 2, Last: 2, Step: 1, Group: "stream", Run: cmdXInfo},
		{Name: "stream", Arity: -3, Flags: ReadOnly, First: 2, Last: 2, Step: 1, Group: "stream", Run: cmdXInfo},
		{Name: "help", Arity: 2, Flags: Loading | Stale | NoKeyspace, Group: "stream", Run: cmdXInfoHelp},
	}},
}

func xreadKeysPlain(args [][]byte) []int { return xreadCmdKeys(args, false) }
func xreadKeysGroup(args [][]byte) []int { return xreadCmdKeys(args, true) }

// readStream returns the stream at key for a read. found is false when
// the key is missing; ok is false after it replied WRONGTYPE.
func (c *Ctx) readStream(key []byte) (s *Stream, found, ok bool) {
	e := c.Lookup(key)
	if e == nil {
		return nil, false, true
	}
	s, ok = e.Val.val().(*Stream)
	if !ok {
		c.Error(ErrWrongType)
	}
	return s, true, ok
}

// writeStream returns the stream at key for a write, or nil when the key
// is missing; ok is false after it replied WRONGTYPE.
func (c *Ctx) writeStream(key []byte) (s *Stream, ok bool) {
	e := c.LookupWrite(key)
	if e == nil {
		return nil, true
	}
	s, ok = e.Val.val().(*Stream)
	if !ok {
		c.Error(ErrWrongType)
	}
	return s, ok
}

// xaddArgs are XADD's parsed options.
type xaddArgs struct {
	trimArgs
	id         streamID
	idGiven    bool
	seqGiven   bool
	noMkStream bool
}

// parseAddTrim parses XADD's (xadd) or XTRIM's options as Valkey's
// streamParseAddOrTrimArgsOrReply and returns the index of XADD's ID
// argument, or -1 after replying an error.
func (c *Ctx) parseAddTrim(a *xaddArgs, xadd bool) int {
	args := c.Args
	i := 2
	limitGiven := false
loop:
	for ; i < len(args); i++ {
		more := len(args) - 1 - i
		opt := args[i]
		switch {
		case xadd && isSingle(opt, '*'):
			break loop
		case optIs(opt, "maxlen") && more > 0, optIs(opt, "minid") && more > 0:
			if a.strategy != trimNone {
				c.Error(ErrStreamMaxLenMinID)
				return -1
			}
			a.approx = false
			next := args[i+1]
			if more >= 2 && isSingle(next, '~') {
				a.approx = true
				i++
			} else if more >= 2 && isSingle(next, '=') {
				i++
			}
			if optIs(opt, "maxlen") {
				n, ok := c.intArg(args[i+1])
				if !ok {
					return -1
				}
				if n < 0 {
					c.Error(ErrStreamMaxLenNegative)
					return -1
				}
				a.maxLen = n
				a.strategy = trimMaxLen
			} else {
				id, ok := c.streamIDArg(args[i+1], idParse{strict: true})
				if !ok {
					return -1
				}
				a.minID = id
				a.strategy = trimMinID
			}
			i++
		case optIs(opt, "limit") && more > 0:
			n, ok := c.intArg(args[i+1])
			if !ok {
				return -1
			}
			if n < 0 {
				c.Error(ErrStreamLimitNegative)
				return -1
			}
			a.limit = n
			limitGiven = true
			i++
		case xadd && optIs(opt, "nomkstream"):
			a.noMkStream = true
		case xadd:
			id, seqGiven, ok := parseStreamID(opt, idParse{strict: true, allowSeqStar: true})
			if !ok {
				c.Error(ErrStreamBadID)
				return -1
			}
			a.id, a.seqGiven, a.idGiven = id, seqGiven, true
			break loop
		default:
			c.Error(ErrSyntax)
			return -1
		}
	}
	if a.limit != 0 && a.strategy == trimNone {
		c.Error(ErrStreamLimitNoStrategy)
		return -1
	}
	if !xadd && a.strategy == trimNone {
		c.Error(ErrStreamXTrimNoStrategy)
		return -1
	}
	if limitGiven {
		if !a.approx {
			c.Error(ErrStreamLimitNoApprox)
			return -1
		}
	} else if a.approx {
		a.limit = 100 * c.Node.StreamNodeMaxEntries()
		if a.limit <= 0 {
			a.limit = 10000
		}
		if a.limit > 1000000 {
			a.limit = 1000000
		}
	} else {
		a.limit = 0
	}
	return i
}

// isSingle reports whether the C string b is the one character ch.
func isSingle(b []byte, ch byte) bool {
	return len(b) >= 1 && b[0] == ch && (len(b) == 1 || b[1] == 0)
}

func cmdXAdd(c *Ctx) {
	var a xaddArgs
	idPos := c.parseAddTrim(&a, true)
	if idPos < 0 {
		return
	}
	fieldPos := idPos + 1
	if n := len(c.Args) - fieldPos; n < 2 || n%2 == 1 {
		c.Error(ErrArity(c.Cmd.FullName()))
		return
	}
	if a.idGiven && a.seqGiven && a.id.isZero() {
		c.Error(ErrStreamXAddZeroID)
		return
	}
	key := c.Args[1]
	s, ok := c.writeStream(key)
	if !ok {
		return
	}
	created := false
	if s == nil {
		if a.noMkStream {
			c.R.Null()
			return
		}
		s = newStream()
		c.SetValue(key, s, false)
		created = true
	}
	if s.lastID == maxStreamID {
		c.Error(ErrStreamExhausted)
		return
	}
	id, ok := s.nextID(&a, c.nowMs)
	if !ok {
		c.Error(ErrStreamXAddSmallerID)
		return
	}
	pairs := c.Args[fieldPos:]
	var total int64
	for _, p := range pairs {
		total += int64(len(p))
	}
	if total > streamListpackMaxSize {
		c.Error(ErrStreamTooLarge)
		return
	}
	s.appendEntry(id, pairs, c.Node.StreamNodeMaxBytes(), c.Node.StreamNodeMaxEntries())
	c.replyID(id)
	c.Notify(NotifyStream, "xadd", key)
	c.dirtyAfter(1, created)
	if a.strategy != trimNone && s.trim(&a.trimArgs) > 0 {
		c.Notify(NotifyStream, "xtrim", key)
	}
	c.Modified(key)
	c.SignalReady(key)
}

// nextID returns the ID XADD gives its entry, as Valkey's streamAppendItem
// does; ok is false when it is not above the last ID.
func (s *Stream) nextID(a *xaddArgs, nowMs int64) (streamID, bool) {
	var id streamID
	switch {
	case a.idGiven && a.seqGiven:
		id = a.id
	case a.idGiven:
		if s.lastID.ms == a.id.ms {
			if s.lastID.seq == math.MaxUint64 {
				return id, false
			}
			id = streamID{s.lastID.ms, s.lastID.seq + 1}
		} else {
			id = a.id
		}
	default:
		ms := uint64(max(nowMs, 0))
		if ms > s.lastID.ms {
			id = streamID{ms, 0}
		} else {
			id, _ = s.lastID.incr()
		}
	}
	return id, s.lastID.less(id)
}

func cmdXLen(c *Ctx) {
	s, found, ok := c.readStream(c.Args[1])
	if !ok {
		return
	}
	if !found {
		c.R.Int(0)
		return
	}
	c.R.Int(int64(s.length))
}

func cmdXRange(c *Ctx)    { c.xrange(false) }
func cmdXRevRange(c *Ctx) { c.xrange(true) }

// xrange is XRANGE and XREVRANGE.
func (c *Ctx) xrange(rev bool) {
	startArg, endArg := c.Args[2], c.Args[3]
	if rev {
		startArg, endArg = endArg, startArg
	}
	start, ok := c.intervalID(startArg, true)
	if !ok {
		return
	}
	end, ok := c.intervalID(endArg, false)
	if !ok {
		return
	}
	count := int64(-1)
	for j := 4; j < len(c.Args); j++ {
		if eqFold(c.Args[j], "count") && j+1 < len(c.Args) {
			n, ok := c.intArg(c.Args[j+1])
			if !ok {
				return
			}
			count = max(n, 0)
			j++
			continue
		}
		c.Error(ErrSyntax)
		return
	}
	s, found, ok := c.readStream(c.Args[1])
	if !ok {
		return
	}
	if !found {
		c.R.Array(0)
		return
	}
	if count == 0 {
		c.R.NullArray()
		return
	}
	if count < 0 {
		count = 0
	}
	c.replyEntries(s.collect(nil, start, end, rev, count))
}

func cmdXDel(c *Ctx) {
	key := c.Args[1]
	s, ok := c.writeStream(key)
	if !ok {
		return
	}
	if s == nil {
		c.R.Int(0)
		return
	}
	ids := make([]streamID, 0, len(c.Args)-2)
	for _, a := range c.Args[2:] {
		id, ok := c.streamIDArg(a, idParse{strict: true})
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	var deleted int64
	firstGone := false
	for _, id := range ids {
		if !s.deleteEntry(id) {
			continue
		}
		if id == s.firstID {
			firstGone = true
		}
		if s.maxDeletedID.less(id) {
			s.maxDeletedID = id
		}
		deleted++
	}
	if deleted > 0 {
		if s.length == 0 {
			s.firstID = streamID{}
		} else if firstGone {
			s.firstID = s.edgeID(true)
		}
		c.Modified(key)
		c.Notify(NotifyStream, "xdel", key)
		c.Dirty(deleted)
	}
	c.R.Int(deleted)
}

func cmdXTrim(c *Ctx) {
	var a xaddArgs
	if c.parseAddTrim(&a, false) < 0 {
		return
	}
	key := c.Args[1]
	s, ok := c.writeStream(key)
	if !ok {
		return
	}
	if s == nil {
		c.R.Int(0)
		return
	}
	deleted := s.trim(&a.trimArgs)
	if deleted > 0 {
		c.Notify(NotifyStream, "xtrim", key)
		c.Modified(key)
		c.Dirty(deleted)
	}
	c.R.Int(deleted)
}

func cmdXSetID(c *Ctx) {
	id, ok := c.streamIDArg(c.Args[2], idParse{strict: true})
	if !ok {
		return
	}
	entriesAdded := int64(-1)
	var maxDel streamID
	for i := 3; i < len(c.Args); i++ {
		more := len(c.Args) - 1 - i
		switch opt := c.Args[i]; {
		case optIs(opt, "entriesadded") && more > 0:
			n, ok := c.intArg(c.Args[i+1])
			if !ok {
				return
			}
			if n < 0 {
				c.Error(ErrStreamEntriesAddedNeg)
				return
			}
			entriesAdded = n
			i++
		case optIs(opt, "maxdeletedid") && more > 0:
			if maxDel, ok = c.streamIDArg(c.Args[i+1], idParse{strict: true}); !ok {
				return
			}
			if id.less(maxDel) {
				c.Error(ErrStreamXSetIDBelowMaxDel)
				return
			}
			i++
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	key := c.Args[1]
	s, ok := c.writeStream(key)
	if !ok {
		return
	}
	if s == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	if id.less(s.maxDeletedID) {
		c.Error(ErrStreamXSetIDBelowCurDel)
		return
	}
	if s.length > 0 {
		if id.less(s.lastValidID()) {
			c.Error(ErrStreamXSetIDSmaller)
			return
		}
		if entriesAdded != -1 && s.length > uint64(entriesAdded) {
			c.Error(ErrStreamXSetIDEntriesAdded)
			return
		}
	}
	s.lastID = id
	if entriesAdded != -1 {
		s.entriesAdded = uint64(entriesAdded)
	}
	if !maxDel.isZero() {
		s.maxDeletedID = maxDel
	}
	c.OK()
	c.Dirty(1)
	c.Notify(NotifyStream, "xsetid", key)
}
