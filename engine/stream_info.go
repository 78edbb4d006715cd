package engine

// XINFO STREAM, GROUPS, CONSUMERS and HELP.

var xinfoHelp = []string{
	"CONSUMERS <key> <groupname>",
	"    Show consumers of <groupname>.",
	"GROUPS <key>",
	"    Show the stream consumer groups.",
	"STREAM <key> [FULL [COUNT <count>]",
	"    Show information about the stream.",
}

func cmdXInfoHelp(c *Ctx) { ReplyHelp(c, xinfoHelp) }

// cmdXInfo is XINFO CONSUMERS, GROUPS and STREAM.
func cmdXInfo(c *Ctx) {
	args := c.Args
	key := args[2]
	s, found, ok := c.readStream(key)
	if !ok {
		return
	}
	if !found {
		c.Error(ErrNoSuchKey)
		return
	}
	switch c.Cmd.Name {
	case "consumers":
		g := s.group(args[3])
		if g == nil {
			c.Error(ErrNoGroupForKey(args[3], key))
			return
		}
		now := c.nowMs
		c.R.Array(len(g.consumers))
		for _, sc := range g.consumers {
			inactive := sc.activeTime
			if inactive != -1 {
				inactive = now - sc.activeTime
			}
			c.R.Map(4)
			c.R.BulkString("name")
			c.R.BulkString(sc.name)
			c.R.BulkString("pending")
			c.R.Int(int64(sc.pel.Len()))
			c.R.BulkString("idle")
			c.R.Int(max(now-sc.seenTime, 0))
			c.R.BulkString("inactive")
			c.R.Int(inactive)
		}
	case "groups":
		c.R.Array(s.groupCount())
		if s.groups == nil {
			return
		}
		for _, g := range s.groups.list {
			c.R.Map(6)
			c.R.BulkString("name")
			c.R.BulkString(g.name)
			c.R.BulkString("consumers")
			c.R.Int(int64(len(g.consumers)))
			c.R.BulkString("pending")
			c.R.Int(int64(g.pel.Len()))
			c.R.BulkString("last-delivered-id")
			c.replyID(g.lastID)
			c.R.BulkString("entries-read")
			c.replyEntriesRead(g)
			c.R.BulkString("lag")
			c.replyLag(s, g)
		}
	default:
		c.xinfoStream(s)
	}
}

// xinfoStream is XINFO STREAM key [FULL [COUNT count]].
func (c *Ctx) xinfoStream(s *Stream) {
	opts := c.Args[3:]
	full := len(opts) > 0
	count := int64(10)
	if full {
		if len(opts) != 1 && len(opts) != 3 || !eqFold(opts[0], "full") ||
			(len(opts) == 3 && !eqFold(opts[1], "count")) {
			c.Error(ErrSubcommandSyntax(c.Args))
			return
		}
		if len(opts) == 3 {
			n, ok := c.intArg(opts[2])
			if !ok {
				return
			}
			count = n
			if count < 0 {
				count = 10
			}
		}
	}
	if full {
		c.R.Map(9)
	} else {
		c.R.Map(10)
	}
	c.R.BulkString("length")
	c.R.Int(int64(s.length))
	c.R.BulkString("radix-tree-keys")
	c.R.Int(int64(s.blocks.Len()))
	c.R.BulkString("radix-tree-nodes")
	c.R.Int(s.raxNodes())
	c.R.BulkString("last-generated-id")
	c.replyID(s.lastID)
	c.R.BulkString("max-deleted-entry-id")
	c.replyID(s.maxDeletedID)
	c.R.BulkString("entries-added")
	c.R.Int(int64(s.entriesAdded))
	c.R.BulkString("recorded-first-entry-id")
	c.replyID(s.firstID)
	if !full {
		c.R.BulkString("groups")
		c.R.Int(int64(s.groupCount()))
		var master, pairs [][]byte
		c.R.BulkString("first-entry")
		if refs := s.collect(nil, streamID{}, maxStreamID, false, 1); len(refs) > 0 {
			master, pairs = c.replyEntry(refs[0], master, pairs)
		} else {
			c.R.Null()
		}
		c.R.BulkString("last-entry")
		if refs := s.collect(nil, streamID{}, maxStreamID, true, 1); len(refs) > 0 {
			c.replyEntry(refs[0], master, pairs)
		} else {
			c.R.Null()
		}
		return
	}
	c.R.BulkString("entries")
	c.replyEntries(s.collect(nil, streamID{}, maxStreamID, false, count))
	c.R.BulkString("groups")
	c.R.Array(s.groupCount())
	if s.groups == nil {
		return
	}
	for _, g := range s.groups.list {
		c.R.Map(7)
		c.R.BulkString("name")
		c.R.BulkString(g.name)
		c.R.BulkString("last-delivered-id")
		c.replyID(g.lastID)
		c.R.BulkString("entries-read")
		c.replyEntriesRead(g)
		c.R.BulkString("lag")
		c.replyLag(s, g)
		c.R.BulkString("pel-count")
		c.R.Int(int64(g.pel.Len()))
		c.R.BulkString("pending")
		c.replyPEL(&g.pel, count, true)
		c.R.BulkString("consumers")
		c.R.Array(len(g.consumers))
		for _, sc := range g.consumers {
			c.R.Map(5)
			c.R.BulkString("name")
			c.R.BulkString(sc.name)
			c.R.BulkString("seen-time")
			c.R.Int(sc.seenTime)
			c.R.BulkString("active-time")
			c.R.Int(sc.activeTime)
			c.R.BulkString("pel-count")
			c.R.Int(int64(sc.pel.Len()))
			c.R.BulkString("pending")
			c.replyPEL(&sc.pel, count, false)
		}
	}
}

// replyPEL writes up to count (0: all) pending entries of a PEL as XINFO
// STREAM FULL does, with their consumer for a group's PEL.
func (c *Ctx) replyPEL(pel *idTree[*streamNACK], count int64, withConsumer bool) {
	n := int64(pel.Len())
	if count > 0 && n > count {
		n = count
	}
	c.R.Array(int(n))
	var i int64
	pel.Ascend(streamID{}, func(id streamID, nack *streamNACK) bool {
		if i >= n {
			return false
		}
		i++
		if withConsumer {
			c.R.Array(4)
		} else {
			c.R.Array(3)
		}
		c.replyID(id)
		if withConsumer {
			c.R.BulkString(nack.consumer.name)
		}
		c.R.Int(nack.deliveryTime)
		c.R.Int(nack.deliveryCount)
		return true
	})
}

// raxNodes returns the node count Valkey's radix tree of the same block
// keys (128-bit big-endian IDs) has: a compressed trie with a node per key,
// one per branching point and one per compressed run of bytes. It walks
// the sorted keys once, keeping the open branching depths on a stack.
func (s *Stream) raxNodes() int64 {
	n := s.blocks.Len()
	switch n {
	case 0:
		return 1
	case 1:
		return 2
	}
	var (
		stack   [16]int
		top     int // stack[:top] are open branching depths, increasing
		nodes   = int64(n)
		prev    [16]byte
		havePre bool
	)
	// edge counts a compressed node between a parent branching at depth p
	// and a child starting at depth c (16 for a key) when the run between
	// them is longer than the branch byte.
	edge := func(p, c int) {
		if c > p+1 {
			nodes++
		}
	}
	s.blocks.Ascend(streamID{}, func(k streamID, _ *streamBlock) bool {
		var cur [16]byte
		putBE64(cur[:8], k.ms)
		putBE64(cur[8:], k.seq)
		if havePre {
			d := 0
			for d < 16 && prev[d] == cur[d] {
				d++
			}
			child := 16
			for top > 0 && stack[top-1] > d {
				edge(stack[top-1], child)
				child = stack[top-1]
				top--
			}
			if top == 0 || stack[top-1] < d {
				stack[top] = d
				top++
				nodes++
			}
			edge(d, child)
		}
		prev, havePre = cur, true
		return true
	})
	child := 16
	for top > 0 {
		edge(stack[top-1], child)
		child = stack[top-1]
		top--
	}
	if child > 0 {
		nodes++ // a compressed run from the root to the first branching
	}
	return nodes
}

func putBE64(b []byte, v uint64) {
	for i := 7; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}
