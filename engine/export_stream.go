package engine

// Stream accessors and constructors for serialization (persistence/rdb).

// StreamID is a stream entry ID.
type StreamID struct {
	Ms, Seq uint64
}

func (id StreamID) internal() streamID { return streamID{id.Ms, id.Seq} }
func exportID(id streamID) StreamID    { return StreamID{id.ms, id.seq} }

// StreamMeta is a stream's bookkeeping beyond its entries.
type StreamMeta struct {
	Length                        uint64
	LastID, FirstID, MaxDeletedID StreamID
	EntriesAdded                  uint64
}

// NewStream returns an empty stream.
func NewStream() *Stream { return newStream() }

// Meta returns the stream's bookkeeping.
func (s *Stream) Meta() StreamMeta {
	return StreamMeta{
		Length: s.length, LastID: exportID(s.lastID), FirstID: exportID(s.firstID),
		MaxDeletedID: exportID(s.maxDeletedID), EntriesAdded: s.entriesAdded,
	}
}

// StreamBlockEntry is one entry of a block, deleted or not: its flags
// (1 deleted, 2 same fields as the master), its ID's deltas from the
// master's, and its fields and values interleaved (an entry with the
// master's fields has them too).
type StreamBlockEntry struct {
	Flags    byte
	MsDelta  uint64
	SeqDelta int64
	Pairs    [][]byte
}

// StreamBlock is a run of entries as Valkey keeps them in one listpack.
type StreamBlock struct {
	Master        StreamID
	Fields        [][]byte
	Live, Deleted int
	Entries       []StreamBlockEntry
}

// EachBlock calls fn for every block in ID order until fn returns false.
// The byte slices alias the stream.
func (s *Stream) EachBlock(fn func(b *StreamBlock) bool) {
	s.blocks.Ascend(streamID{}, func(_ streamID, b *streamBlock) bool {
		out := &StreamBlock{Master: exportID(b.master), Live: int(b.live), Deleted: int(b.deleted)}
		out.Fields = b.masterFields(nil)
		for off := int(b.entries); off < len(b.buf); {
			var e streamEntry
			off = b.decodeEntry(off, out.Fields, nil, &e)
			out.Entries = append(out.Entries, StreamBlockEntry{
				Flags: e.flags, MsDelta: e.id.ms - b.master.ms,
				SeqDelta: int64(e.id.seq - b.master.seq), Pairs: e.pairs,
			})
		}
		return fn(out)
	})
}

// StreamPending is a pending entry of a group.
type StreamPending struct {
	ID            StreamID
	DeliveryTime  int64
	DeliveryCount int64
}

// StreamConsumerInfo is a consumer with the IDs of its pending entries.
type StreamConsumerInfo struct {
	Name                 string
	SeenTime, ActiveTime int64
	Pending              []StreamID
}

// StreamGroupInfo is a consumer group with its pending entries and
// consumers, both in order.
type StreamGroupInfo struct {
	Name        string
	LastID      StreamID
	EntriesRead int64
	Pending     []StreamPending
	Consumers   []StreamConsumerInfo
}

// Groups returns the stream's consumer groups in name order.
func (s *Stream) Groups() []StreamGroupInfo {
	if s.groups == nil {
		return nil
	}
	out := make([]StreamGroupInfo, 0, len(s.groups.list))
	for _, g := range s.groups.list {
		gi := StreamGroupInfo{Name: g.name, LastID: exportID(g.lastID), EntriesRead: g.entriesRead}
		g.pel.Ascend(streamID{}, func(id streamID, n *streamNACK) bool {
			gi.Pending = append(gi.Pending, StreamPending{exportID(id), n.deliveryTime, n.deliveryCount})
			return true
		})
		for _, c := range g.consumers {
			ci := StreamConsumerInfo{Name: c.name, SeenTime: c.seenTime, ActiveTime: c.activeTime}
			c.pel.Ascend(streamID{}, func(id streamID, _ *streamNACK) bool {
				ci.Pending = append(ci.Pending, exportID(id))
				return true
			})
			gi.Consumers = append(gi.Consumers, ci)
		}
		out = append(out, gi)
	}
	return out
}

// LoadBlock appends a whole block as Valkey's loader keeps a stream's
// listpacks, entries flagged deleted included; the byte slices are copied.
// It returns false when the block is not one Valkey writes: no live entry,
// counts that disagree with the entries, a first entry other than the
// master, IDs not ascending or not above the stream's last entry, or an
// entry without fields.
func (s *Stream) LoadBlock(b *StreamBlock) bool {
	if b.Live <= 0 || len(b.Entries) == 0 {
		return false
	}
	master := b.Master.internal()
	if s.last != nil && !s.last.lastID.less(master) {
		return false
	}
	blk := newBlock(master, b.Fields)
	live := 0
	for i, e := range b.Entries {
		id := streamID{master.ms + e.MsDelta, master.seq + uint64(e.SeqDelta)}
		if id.ms < master.ms || (i == 0 && id != master) || (i > 0 && !blk.lastID.less(id)) ||
			len(e.Pairs) == 0 || len(e.Pairs)%2 != 0 {
			return false
		}
		off := len(blk.buf)
		blk.appendEntry(id, e.Pairs)
		if e.Flags&entryDeleted != 0 {
			blk.markDeleted(off)
		} else {
			live++
		}
	}
	if live != b.Live || len(b.Entries)-live != b.Deleted {
		return false
	}
	if s.last != nil {
		s.last.buf = shrinkBuf(s.last.buf)
	}
	s.blocks.Set(master, blk)
	s.last = blk
	s.length += uint64(live)
	s.lastID = blk.lastID
	return true
}

// LoadMeta sets the stream's bookkeeping after its entries are loaded;
// false when it contradicts them (a length other than the entries', a last
// ID below the last entry's).
func (s *Stream) LoadMeta(m StreamMeta) bool {
	if m.Length != s.length {
		return false
	}
	if s.length > 0 && m.LastID.internal().less(s.lastID) {
		return false
	}
	s.lastID, s.maxDeletedID = m.LastID.internal(), m.MaxDeletedID.internal()
	s.entriesAdded = m.EntriesAdded
	if s.length > 0 {
		// The first entry's ID is what the stream holds.
		m.FirstID = exportID(s.edgeID(true))
	}
	s.firstID = m.FirstID.internal()
	return true
}

// LoadGroup adds a consumer group; false if the name is taken.
func (s *Stream) LoadGroup(name []byte, last StreamID, entriesRead int64) bool {
	return s.createGroup(name, last.internal(), entriesRead) != nil
}

// LoadPending adds a pending entry, owned by no consumer yet, to the group
// called group; false if the group is missing or the entry is there.
func (s *Stream) LoadPending(group []byte, p StreamPending) bool {
	g := s.group(group)
	if g == nil {
		return false
	}
	id := p.ID.internal()
	if _, ok := g.pel.Get(id); ok {
		return false
	}
	g.pel.Set(id, &streamNACK{deliveryTime: p.DeliveryTime, deliveryCount: p.DeliveryCount})
	return true
}

// LoadConsumer adds a consumer to the group; false if the group is
// missing or the consumer exists.
func (s *Stream) LoadConsumer(group, name []byte, seen, active int64) bool {
	g := s.group(group)
	if g == nil {
		return false
	}
	c := g.createConsumer(name, seen)
	if c == nil {
		return false
	}
	c.activeTime = active
	return true
}

// LoadConsumerPending gives the group's pending entry id to the consumer;
// false unless the entry is pending in the group and owned by no one.
func (s *Stream) LoadConsumerPending(group, consumer []byte, id StreamID) bool {
	g := s.group(group)
	if g == nil {
		return false
	}
	c := g.consumer(consumer)
	sid := id.internal()
	n, ok := g.pel.Get(sid)
	if c == nil || !ok || n.consumer != nil {
		return false
	}
	n.consumer = c
	c.pel.Set(sid, n)
	return true
}

// LoadDone reports whether every pending entry of every group has a
// consumer, as a loaded stream must.
func (s *Stream) LoadDone() bool {
	if s.groups == nil {
		return true
	}
	for _, g := range s.groups.list {
		ok := true
		g.pel.Ascend(streamID{}, func(_ streamID, n *streamNACK) bool {
			ok = n.consumer != nil
			return ok
		})
		if !ok {
			return false
		}
	}
	return true
}

// EstimateEntriesRead is the logical read counter Valkey gives a group
// whose last delivered ID is id when none was saved (RDB stream version 1):
// streamEstimateDistanceFromFirstEverEntry, -1 when it cannot tell.
func (s *Stream) EstimateEntriesRead(id StreamID) int64 {
	return s.estimateDistance(id.internal())
}
