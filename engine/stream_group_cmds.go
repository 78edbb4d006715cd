package engine

import (
	"math"
)

// Consumer group commands: XGROUP XACK XPENDING XCLAIM XAUTOCLAIM.

var xgroupHelp = []string{
	"CREATE <key> <groupname> <id|$> [option]",
	"    Create a new consumer group. Options are:",
	"    * MKSTREAM",
	"      Create the empty stream if it does not exist.",
	"    * ENTRIESREAD entries_read",
	"      Set the group's entries_read counter (internal use).",
	"CREATECONSUMER <key> <groupname> <consumer>",
	"    Create a new consumer in the specified group.",
	"DELCONSUMER <key> <groupname> <consumer>",
	"    Remove the specified consumer.",
	"DESTROY <key> <groupname>",
	"    Remove the specified group.",
	"SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
	"    Set the current group ID and entries_read counter.",
}

func cmdXGroupHelp(c *Ctx) { ReplyHelp(c, xgroupHelp) }

// cmdXGroup is every XGROUP subcommand but HELP, as Valkey's
// xgroupCommand: options first, then the key and group checks, then the
// subcommand with its exact argument counts.
func cmdXGroup(c *Ctx) {
	args := c.Args
	sub := c.Cmd.Name
	argc := len(args)
	mkstream := false
	entriesRead := int64(invalidEntriesRead)
	for i := 5; i < argc; {
		switch {
		case sub == "create" && optIs(args[i], "mkstream"):
			mkstream = true
			i++
		case (sub == "create" || sub == "setid") && optIs(args[i], "entriesread") && i+1 < argc:
			n, ok := c.intArg(args[i+1])
			if !ok {
				return
			}
			if n < 0 && n != invalidEntriesRead {
				c.Error(ErrStreamEntriesRead)
				return
			}
			entriesRead = n
			i += 2
		default:
			c.Error(ErrSubcommandSyntax(args))
			return
		}
	}
	key, name := args[2], args[3]
	s, ok := c.writeStream(key)
	if !ok {
		return
	}
	var g *streamGroup
	if !mkstream {
		if s == nil {
			c.Error(ErrStreamXGroupNoKey)
			return
		}
		g = s.group(name)
		if g == nil && (sub == "setid" || sub == "createconsumer" || sub == "delconsumer") {
			c.Error(ErrNoGroupForKey(name, key))
			return
		}
	}
	switch {
	case sub == "create" && argc <= 8:
		var id streamID
		if isSingle(args[4], '$') {
			if s != nil {
				id = s.lastID
			}
		} else if id, ok = c.streamIDArg(args[4], idParse{strict: true}); !ok {
			return
		}
		created := false
		if s == nil {
			s = newStream()
			c.SetValue(key, s, false)
			c.Modified(key)
			created = true
		}
		if s.createGroup(name, id, entriesRead) == nil {
			c.Error(ErrStreamBusyGroup)
			return
		}
		c.OK()
		c.dirtyAfter(1, created)
		c.Notify(NotifyStream, "xgroup-create", key)
	case sub == "setid" && (argc == 5 || argc == 7):
		var id streamID
		if isSingle(args[4], '$') {
			id = s.lastID
		} else if id, ok = c.streamIDArg(args[4], idParse{}); !ok {
			return
		}
		g.lastID = id
		g.entriesRead = entriesRead
		c.OK()
		c.Dirty(1)
		c.Notify(NotifyStream, "xgroup-setid", key)
	case sub == "destroy" && argc == 4:
		if g == nil {
			c.R.Int(0)
			return
		}
		s.destroyGroup(name)
		c.R.Int(1)
		c.Dirty(1)
		c.Notify(NotifyStream, "xgroup-destroy", key)
		c.SignalReady(key)
	case sub == "createconsumer" && argc == 5:
		if g.consumer(args[4]) != nil {
			c.R.Int(0)
			return
		}
		c.consumerOrCreate(g, args[4], key)
		c.R.Int(1)
	case sub == "delconsumer" && argc == 5:
		var pending int64
		if sc := g.consumer(args[4]); sc != nil {
			pending = int64(sc.pel.Len())
			g.deleteConsumer(sc)
			c.Dirty(1)
			c.Notify(NotifyStream, "xgroup-delconsumer", key)
		}
		c.R.Int(pending)
	default:
		c.Error(ErrSubcommandSyntax(args))
	}
}

// lookupGroup returns the stream at key and its group for XACK-like
// commands. s is nil when the key is missing; ok is false after a
// WRONGTYPE reply.
func (c *Ctx) lookupGroup(key, name []byte) (s *Stream, g *streamGroup, ok bool) {
	s, found, ok := c.readStream(key)
	if !ok || !found {
		return nil, nil, ok
	}
	return s, s.group(name), true
}

func cmdXAck(c *Ctx) {
	_, g, ok := c.lookupGroup(c.Args[1], c.Args[2])
	if !ok {
		return
	}
	if g == nil {
		c.R.Int(0)
		return
	}
	ids := make([]streamID, 0, len(c.Args)-3)
	for _, a := range c.Args[3:] {
		id, ok := c.streamIDArg(a, idParse{strict: true})
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	var acked int64
	for _, id := range ids {
		if g.ack(id) {
			acked++
			c.Dirty(1)
		}
	}
	c.R.Int(acked)
}

func cmdXPending(c *Ctx) {
	args := c.Args
	argc := len(args)
	if argc != 3 && (argc < 6 || argc > 9) {
		c.Error(ErrSyntax)
		return
	}
	var start, end streamID
	var count, minIdle int64
	var consumer []byte
	if argc >= 6 {
		si := 3
		if eqFold(args[3], "idle") {
			n, ok := c.intArg(args[4])
			if !ok {
				return
			}
			minIdle = n
			if argc < 8 {
				c.Error(ErrSyntax)
				return
			}
			si += 2
		}
		n, ok := c.intArg(args[si+2])
		if !ok {
			return
		}
		count = max(n, 0)
		if start, ok = c.intervalID(args[si], true); !ok {
			return
		}
		if end, ok = c.intervalID(args[si+1], false); !ok {
			return
		}
		if si+3 < argc {
			consumer = args[si+3]
		}
	}
	key, name := args[1], args[2]
	s, g, ok := c.lookupGroup(key, name)
	if !ok {
		return
	}
	if s == nil || g == nil {
		c.Error(ErrNoKeyOrGroup(key, name))
		return
	}
	if argc == 3 {
		c.R.Array(4)
		c.R.Int(int64(g.pel.Len()))
		if g.pel.Len() == 0 {
			c.R.Null()
			c.R.Null()
			c.R.NullArray()
			return
		}
		first, _, _ := g.pel.Min()
		last, _, _ := g.pel.Max()
		c.replyID(first)
		c.replyID(last)
		n := 0
		for _, sc := range g.consumers {
			if sc.pel.Len() > 0 {
				n++
			}
		}
		c.R.Array(n)
		for _, sc := range g.consumers {
			if sc.pel.Len() == 0 {
				continue
			}
			c.R.Array(2)
			c.R.BulkString(sc.name)
			c.R.Bulk(appendInt(c.scratch[:0], int64(sc.pel.Len())))
		}
		return
	}
	pel := &g.pel
	if consumer != nil {
		sc := g.consumer(consumer)
		if sc == nil {
			c.R.Array(0)
			return
		}
		pel = &sc.pel
	}
	type pending struct {
		id   streamID
		nack *streamNACK
	}
	var out []pending
	now := c.nowMs
	if count > 0 && !end.less(start) {
		pel.Ascend(start, func(id streamID, nack *streamNACK) bool {
			if end.less(id) {
				return false
			}
			if minIdle != 0 && now-nack.deliveryTime < minIdle {
				return true
			}
			out = append(out, pending{id, nack})
			return int64(len(out)) < count
		})
	}
	c.R.Array(len(out))
	for _, p := range out {
		c.R.Array(4)
		c.replyID(p.id)
		c.R.BulkString(p.nack.consumer.name)
		c.R.Int(max(now-p.nack.deliveryTime, 0))
		c.R.Int(p.nack.deliveryCount)
	}
}

// appendInt formats n in decimal.
func appendInt(b []byte, n int64) []byte {
	var tmp [20]byte
	i := len(tmp)
	u := uint64(n)
	if n < 0 {
		u = uint64(-n)
	}
	for {
		i--
		tmp[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if n < 0 {
		b = append(b, '-')
	}
	return append(b, tmp[i:]...)
}

// claimed is an entry XCLAIM or XAUTOCLAIM hands to a consumer.
type claimed struct {
	id  streamID
	ref entryRef
}

// replyClaimed writes the claimed entries, or their IDs alone.
func (c *Ctx) replyClaimed(out []claimed, justID bool) {
	c.R.Array(len(out))
	var master, pairs [][]byte
	for _, cl := range out {
		if justID {
			c.replyID(cl.id)
			continue
		}
		master, pairs = c.replyEntry(cl.ref, master, pairs)
	}
}

// moveNACK gives a pending entry to sc.
func moveNACK(id streamID, nack *streamNACK, sc *streamConsumer) {
	if nack.consumer == sc {
		return
	}
	if nack.consumer != nil {
		nack.consumer.pel.Delete(id)
	}
	sc.pel.Set(id, nack)
	nack.consumer = sc
}

func cmdXClaim(c *Ctx) {
	args := c.Args
	key, name := args[1], args[2]
	s, g, ok := c.lookupGroup(key, name)
	if !ok {
		return
	}
	if s == nil || g == nil {
		c.Error(ErrNoKeyOrGroup(key, name))
		return
	}
	minIdle, ok := parseStrictInt(args[4])
	if !ok {
		c.Error(ErrXClaimMinIdle)
		return
	}
	minIdle = max(minIdle, 0)
	j := 5
	ids := make([]streamID, 0, len(args)-5)
	for ; j < len(args); j++ {
		id, _, ok := parseStreamID(args[j], idParse{strict: true})
		if !ok {
			break
		}
		ids = append(ids, id)
	}
	now := c.nowMs
	retryCount := int64(-1)
	deliveryTime := int64(-1)
	force, justID := false, false
	var lastID streamID
	for ; j < len(args); j++ {
		more := len(args) - 1 - j
		opt := args[j]
		switch {
		case optIs(opt, "force"):
			force = true
		case optIs(opt, "justid"):
			justID = true
		case optIs(opt, "idle") && more > 0:
			j++
			n, ok := parseStrictInt(args[j])
			if !ok {
				c.Error(ErrXClaimIdle)
				return
			}
			deliveryTime = now - n
		case optIs(opt, "time") && more > 0:
			j++
			n, ok := parseStrictInt(args[j])
			if !ok {
				c.Error(ErrXClaimTime)
				return
			}
			deliveryTime = n
		case optIs(opt, "retrycount") && more > 0:
			j++
			n, ok := parseStrictInt(args[j])
			if !ok {
				c.Error(ErrXClaimRetryCount)
				return
			}
			retryCount = n
		case optIs(opt, "lastid") && more > 0:
			j++
			if lastID, ok = c.streamIDArg(args[j], idParse{strict: true}); !ok {
				return
			}
		default:
			c.Error(ErrXClaimOption(opt))
			return
		}
	}
	propagateLast := false
	if g.lastID.less(lastID) {
		g.lastID = lastID
		propagateLast = true
	}
	if deliveryTime == -1 || deliveryTime < 0 || deliveryTime > now {
		deliveryTime = now
	}
	sc := c.consumerOrCreate(g, args[3], key)
	sc.seenTime = now
	var out []claimed
	for _, id := range ids {
		nack, _ := g.pel.Get(id)
		ref, exists := s.find(id)
		if !exists {
			if nack != nil {
				propagateLast = false
				c.Dirty(1)
				g.ack(id)
			}
			continue
		}
		if force && nack == nil {
			nack = &streamNACK{deliveryTime: now, deliveryCount: 1}
			g.pel.Set(id, nack)
		}
		if nack == nil {
			continue
		}
		if nack.consumer != nil && minIdle != 0 && now-nack.deliveryTime < minIdle {
			continue
		}
		moveNACK(id, nack, sc)
		nack.deliveryTime = deliveryTime
		if retryCount >= 0 {
			nack.deliveryCount = retryCount
		} else if !justID {
			nack.deliveryCount++
		}
		out = append(out, claimed{id, ref})
		sc.activeTime = now
		propagateLast = false
		c.Dirty(1)
	}
	if propagateLast {
		c.Dirty(1)
	}
	c.replyClaimed(out, justID)
}

// xautoclaimMaxCount is Valkey's bound on XAUTOCLAIM's COUNT.
const xautoclaimMaxCount = math.MaxInt64 / 16

func cmdXAutoClaim(c *Ctx) {
	args := c.Args
	minIdle, ok := parseStrictInt(args[4])
	if !ok {
		c.Error(ErrXAutoClaimMinIdle)
		return
	}
	minIdle = max(minIdle, 0)
	start, ok := c.intervalID(args[5], true)
	if !ok {
		return
	}
	count := int64(100)
	justID := false
	for j := 6; j < len(args); j++ {
		more := len(args) - 1 - j
		switch {
		case optIs(args[j], "count") && more > 0:
			n, ok := parseStrictInt(args[j+1])
			if !ok || n < 1 || n > xautoclaimMaxCount {
				c.Error(ErrXAutoClaimCount)
				return
			}
			count = n
			j++
		case optIs(args[j], "justid"):
			justID = true
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	key, name := args[1], args[2]
	s, g, ok := c.lookupGroup(key, name)
	if !ok {
		return
	}
	if s == nil || g == nil {
		c.Error(ErrNoKeyOrGroup(key, name))
		return
	}
	sc := c.consumerOrCreate(g, args[3], key)
	now := c.nowMs
	sc.seenTime = now
	attempts := count * 10
	var (
		deleted []streamID
		out     []claimed
		nacks   []*streamNACK
		cursor  streamID
	)
	g.pel.Ascend(start, func(id streamID, nack *streamNACK) bool {
		if attempts == 0 || count == 0 {
			cursor = id
			return false
		}
		attempts--
		ref, exists := s.find(id)
		if !exists {
			deleted = append(deleted, id)
			count--
			return true
		}
		if minIdle != 0 && now-nack.deliveryTime < minIdle {
			return true
		}
		out = append(out, claimed{id, ref})
		nacks = append(nacks, nack)
		count--
		return true
	})
	for _, id := range deleted {
		g.ack(id)
		c.Dirty(1)
	}
	for i, cl := range out {
		nack := nacks[i]
		moveNACK(cl.id, nack, sc)
		nack.deliveryTime = now
		if !justID {
			nack.deliveryCount++
		}
		sc.activeTime = now
		c.Dirty(1)
	}
	c.R.Array(3)
	c.replyID(cursor)
	c.replyClaimed(out, justID)
	c.R.Array(len(deleted))
	for _, id := range deleted {
		c.replyID(id)
	}
}
