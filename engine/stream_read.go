package engine

// XREAD and XREADGROUP (Valkey's xreadCommand).

// xreadOpts are XREAD's and XREADGROUP's parsed options.
type xreadOpts struct {
	group, consumer []byte
	count           int64
	noAck           bool
	block           bool
	deadline        int64
	// streams is the index of the first key, nkeys the number of keys.
	streams int
	nkeys   int
}

// xreadParse walks the options as Valkey's parser does; it stops at
// STREAMS or at the first argument it does not know (bad is then true).
// With c set it parses the values too, and on an error replies and
// returns ok false; without, it only finds the keys.
func xreadParse(c *Ctx, args [][]byte, group bool, o *xreadOpts) (bad, ok bool) {
	for i := 1; i < len(args); i++ {
		more := len(args) - i - 1
		a := args[i]
		switch {
		case eqFold(a, "block") && more > 0:
			i++
			if c != nil {
				d, ok := c.parseTimeout(args[i], false)
				if !ok {
					return false, false
				}
				o.block, o.deadline = true, d
			}
		case eqFold(a, "count") && more > 0:
			i++
			if c != nil {
				n, ok := c.intArg(args[i])
				if !ok {
					return false, false
				}
				o.count = max(n, 0)
			}
		case eqFold(a, "streams") && more > 0:
			o.streams = i + 1
			o.nkeys = (len(args) - o.streams) / 2
			return false, true
		case eqFold(a, "group") && more >= 2:
			if !group && c != nil {
				c.Error(ErrStreamGroupInXRead)
				return false, false
			}
			o.group, o.consumer = args[i+1], args[i+2]
			i += 2
		case eqFold(a, "noack"):
			if !group && c != nil {
				c.Error(ErrStreamNoAckInXRead)
				return false, false
			}
			o.noAck = true
		default:
			return true, true
		}
	}
	return false, true
}

// xreadCmdKeys returns the key positions of XREAD or XREADGROUP as the
// command's own parser finds them, so that the handler only touches the
// keys the dispatcher locked.
func xreadCmdKeys(args [][]byte, group bool) []int {
	var o xreadOpts
	if bad, ok := xreadParse(nil, args, group, &o); bad || !ok || o.streams == 0 {
		return nil
	}
	keys := make([]int, o.nkeys)
	for i := range keys {
		keys[i] = o.streams + i
	}
	return keys
}

// xreadItem is one entry of a reply: an entry, or (history) the ID of a
// pending entry no longer in the stream.
type xreadItem struct {
	ref     entryRef
	id      streamID
	missing bool
}

// xreadResult is the part of the reply for one stream.
type xreadResult struct {
	key   []byte
	items []xreadItem
}

func cmdXRead(c *Ctx) {
	isGroup := c.Cmd.Name == "xreadgroup"
	args := c.Args
	var o xreadOpts
	bad, ok := xreadParse(c, args, isGroup, &o)
	if !ok {
		return
	}
	if o.streams != 0 && (len(args)-o.streams)%2 != 0 {
		sym := byte('$')
		if isGroup {
			sym = '>'
		}
		c.Error(ErrStreamUnbalanced(c.Cmd.FullName(), sym))
		return
	}
	if bad || o.streams == 0 {
		c.Error(ErrSyntax)
		return
	}
	if isGroup && o.group == nil {
		c.Error(ErrStreamMissingGroup)
		return
	}
	n := o.nkeys
	ids := make([]streamID, n)
	var groups []*streamGroup
	if isGroup {
		groups = make([]*streamGroup, n)
	}
	for i := 0; i < n; i++ {
		key := args[o.streams+i]
		arg := args[o.streams+n+i]
		s, found, ok := c.readStream(key)
		if !ok {
			return
		}
		if isGroup {
			var g *streamGroup
			if found {
				g = s.group(o.group)
			}
			if g == nil {
				c.Error(ErrNoGroupXReadGroup(key, o.group))
				return
			}
			groups[i] = g
		}
		switch {
		case isSingle(arg, '$'):
			if isGroup {
				c.Error(ErrStreamDollarInGroup)
				return
			}
			if found {
				ids[i] = s.lastID
			}
		case isSingle(arg, '+'):
			if isGroup {
				c.Error(ErrStreamPlusInGroup)
				return
			}
			if found {
				id, ok := s.lastID.decr()
				if !ok {
					c.Error(ErrStreamLastIDZero)
					return
				}
				ids[i] = id
			}
		case isSingle(arg, '>'):
			if !isGroup {
				c.Error(ErrStreamGreaterNoGroup)
				return
			}
			ids[i] = maxStreamID
		default:
			id, ok := c.streamIDArg(arg, idParse{strict: true})
			if !ok {
				return
			}
			ids[i] = id
		}
	}

	var results []xreadResult
	for i := 0; i < n; i++ {
		key := args[o.streams+i]
		e := c.Lookup(key)
		if e == nil {
			continue
		}
		s := e.Val.val().(*Stream)
		gt := ids[i]
		serve, history := false, false
		var g *streamGroup
		var sc *streamConsumer
		if isGroup {
			g = groups[i]
			if gt != maxStreamID {
				serve, history = true, true
			} else if s.length > 0 && g.lastID.less(s.lastValidID()) {
				serve = true
				gt = g.lastID
			}
			sc = c.consumerOrCreate(g, o.consumer, key)
			sc.seenTime = c.nowMs
		} else if s.length > 0 && gt.less(s.lastValidID()) {
			serve = true
		}
		if !serve {
			continue
		}
		start, _ := gt.incr()
		r := xreadResult{key: key}
		switch {
		case history:
			r.items = c.readHistory(s, sc, start, o.count)
		case isGroup:
			r.items = c.readGroup(s, g, sc, start, o.count, o.noAck)
		default:
			for _, ref := range s.collect(nil, start, maxStreamID, false, o.count) {
				r.items = append(r.items, xreadItem{ref: ref})
			}
		}
		if isGroup {
			c.Dirty(1)
		}
		results = append(results, r)
	}
	if len(results) > 0 {
		c.replyXRead(results)
		return
	}
	if o.block {
		if !c.CanBlock() {
			c.R.NullArray()
			return
		}
		for i := 0; i < n; i++ {
			if j := o.streams + n + i; isSingle(args[j], '$') {
				c.Args[j] = ids[i].appendTo(nil)
			}
		}
		c.Block(c.Args[o.streams:o.streams+n], o.deadline)
		return
	}
	c.R.NullArray()
}

// replyXRead writes the served streams: an array of [key, entries] pairs
// in RESP2, a map from key to entries in RESP3.
func (c *Ctx) replyXRead(results []xreadResult) {
	resp3 := c.R.Proto() >= 3
	if resp3 {
		c.R.Map(len(results))
	} else {
		c.R.Array(len(results))
	}
	var master, pairs [][]byte
	for _, r := range results {
		if !resp3 {
			c.R.Array(2)
		}
		c.R.Bulk(r.key)
		c.R.Array(len(r.items))
		for _, it := range r.items {
			if it.missing {
				c.R.Array(2)
				c.replyID(it.id)
				c.R.NullArray()
				continue
			}
			master, pairs = c.replyEntry(it.ref, master, pairs)
		}
	}
}

// readGroup serves new entries to a consumer as Valkey's
// streamReplyWithRange with a group: it advances the group's last
// delivered ID and read counter and records the entries as pending
// (unless noAck).
func (c *Ctx) readGroup(s *Stream, g *streamGroup, sc *streamConsumer, start streamID, count int64, noAck bool) []xreadItem {
	refs := s.collect(nil, start, maxStreamID, false, count)
	items := make([]xreadItem, len(refs))
	for i, ref := range refs {
		_, id, _ := ref.b.skipEntry(ref.off)
		items[i] = xreadItem{ref: ref}
		if g.lastID.less(id) {
			if g.entriesRead != invalidEntriesRead && !s.rangeHasTombstones(id, nil) {
				g.entriesRead++
			} else if s.entriesAdded != 0 {
				g.entriesRead = s.estimateDistance(id)
			}
			g.lastID = id
		}
		if noAck {
			continue
		}
		if nack, ok := g.pel.Get(id); ok {
			if nack.consumer != nil {
				nack.consumer.pel.Delete(id)
			}
			nack.consumer = sc
			nack.deliveryTime = c.nowMs
			nack.deliveryCount = 1
			sc.pel.Set(id, nack)
		} else {
			nack := &streamNACK{deliveryTime: c.nowMs, deliveryCount: 1, consumer: sc}
			g.pel.Set(id, nack)
			sc.pel.Set(id, nack)
		}
		sc.activeTime = c.nowMs
	}
	return items
}

// readHistory serves a consumer's pending entries from start, as Valkey's
// streamReplyWithRangeFromConsumerPEL: each delivered again (its count
// incremented), or its ID with a null when the entry is gone.
func (c *Ctx) readHistory(s *Stream, sc *streamConsumer, start streamID, count int64) []xreadItem {
	var items []xreadItem
	sc.pel.Ascend(start, func(id streamID, nack *streamNACK) bool {
		if count > 0 && int64(len(items)) >= count {
			return false
		}
		ref, ok := s.find(id)
		if !ok {
			items = append(items, xreadItem{id: id, missing: true})
			return true
		}
		nack.deliveryTime = c.nowMs
		nack.deliveryCount++
		items = append(items, xreadItem{ref: ref})
		return true
	})
	return items
}
