package engine

import (
	"sort"
	"unsafe"
)

// Consumer groups. A stream's groups and a group's consumers are kept in
// slices sorted by name (Valkey lists them in its radix trees' byte order;
// lookups are binary searches); a group's pending entries list (PEL) and
// each consumer's own PEL are B-trees by entry ID sharing the same
// pending-entry records.

// streamGroups is a stream's consumer groups, sorted by name.
type streamGroups struct {
	list []*streamGroup
}

// streamGroup is a consumer group (Valkey's streamCG).
type streamGroup struct {
	name   string
	lastID streamID
	// entriesRead is the group's logical read counter, or
	// invalidEntriesRead.
	entriesRead int64
	pel         idTree[*streamNACK]
	consumers   []*streamConsumer
}

// invalidEntriesRead is SCG_INVALID_ENTRIES_READ.
const invalidEntriesRead = -1

// streamConsumer is a consumer of a group.
type streamConsumer struct {
	name string
	// seenTime is the last time it tried an action, activeTime the last
	// time one succeeded (-1: never).
	seenTime, activeTime int64
	pel                  idTree[*streamNACK]
}

// streamNACK is a delivered, not yet acknowledged entry.
type streamNACK struct {
	deliveryTime  int64
	deliveryCount int64
	consumer      *streamConsumer
}

// groupCount returns the number of groups.
func (s *Stream) groupCount() int {
	if s.groups == nil {
		return 0
	}
	return len(s.groups.list)
}

func (s *Stream) groupIndex(name []byte) (int, bool) {
	if s.groups == nil {
		return 0, false
	}
	l := s.groups.list
	i := sort.Search(len(l), func(i int) bool { return l[i].name >= string(name) })
	return i, i < len(l) && l[i].name == string(name)
}

// group returns the group called name, or nil.
func (s *Stream) group(name []byte) *streamGroup {
	if i, ok := s.groupIndex(name); ok {
		return s.groups.list[i]
	}
	return nil
}

// createGroup adds a group; nil when the name is taken.
func (s *Stream) createGroup(name []byte, last streamID, entriesRead int64) *streamGroup {
	i, ok := s.groupIndex(name)
	if ok {
		return nil
	}
	if s.groups == nil {
		s.groups = &streamGroups{}
	}
	g := &streamGroup{name: string(name), lastID: last, entriesRead: entriesRead}
	l := append(s.groups.list, nil)
	copy(l[i+1:], l[i:])
	l[i] = g
	s.groups.list = l
	return g
}

// destroyGroup removes the group called name and reports whether it was
// there.
func (s *Stream) destroyGroup(name []byte) bool {
	i, ok := s.groupIndex(name)
	if !ok {
		return false
	}
	l := s.groups.list
	copy(l[i:], l[i+1:])
	l[len(l)-1] = nil
	s.groups.list = l[:len(l)-1]
	return true
}

func (g *streamGroup) consumerIndex(name []byte) (int, bool) {
	l := g.consumers
	i := sort.Search(len(l), func(i int) bool { return l[i].name >= string(name) })
	return i, i < len(l) && l[i].name == string(name)
}

// consumer returns the consumer called name, or nil.
func (g *streamGroup) consumer(name []byte) *streamConsumer {
	if i, ok := g.consumerIndex(name); ok {
		return g.consumers[i]
	}
	return nil
}

// createConsumer adds a consumer as Valkey's streamCreateConsumer; nil
// when it exists.
func (g *streamGroup) createConsumer(name []byte, now int64) *streamConsumer {
	i, ok := g.consumerIndex(name)
	if ok {
		return nil
	}
	sc := &streamConsumer{name: string(name), seenTime: now, activeTime: -1}
	g.consumers = append(g.consumers, nil)
	copy(g.consumers[i+1:], g.consumers[i:])
	g.consumers[i] = sc
	return sc
}

// deleteConsumer removes a consumer and its pending entries from the
// group.
func (g *streamGroup) deleteConsumer(sc *streamConsumer) {
	sc.pel.Ascend(streamID{}, func(id streamID, _ *streamNACK) bool {
		g.pel.Delete(id)
		return true
	})
	if i, ok := g.consumerIndex([]byte(sc.name)); ok {
		copy(g.consumers[i:], g.consumers[i+1:])
		g.consumers[len(g.consumers)-1] = nil
		g.consumers = g.consumers[:len(g.consumers)-1]
	}
}

// ack removes a pending entry from the group and its consumer.
func (g *streamGroup) ack(id streamID) bool {
	nack, ok := g.pel.Delete(id)
	if !ok {
		return false
	}
	if nack.consumer != nil {
		nack.consumer.pel.Delete(id)
	}
	return true
}

// consumerOrCreate returns the consumer called name, creating it (and
// counting the change and notifying, as Valkey does) when missing.
func (c *Ctx) consumerOrCreate(g *streamGroup, name, key []byte) *streamConsumer {
	sc := g.consumer(name)
	if sc == nil {
		sc = g.createConsumer(name, c.nowMs)
		c.Dirty(1)
		c.Notify(NotifyStream, "xgroup-createconsumer", key)
	}
	return sc
}

// rangeHasTombstones is Valkey's streamRangeHasTombstones: whether a
// deleted entry may lie between start and end (nil: open).
func (s *Stream) rangeHasTombstones(start streamID, end *streamID) bool {
	if s.length == 0 || s.maxDeletedID.isZero() {
		return false
	}
	if s.maxDeletedID.less(s.firstID) {
		return false
	}
	e := maxStreamID
	if end != nil {
		e = *end
	}
	return !s.maxDeletedID.less(start) && !e.less(s.maxDeletedID)
}

// estimateDistance is Valkey's streamEstimateDistanceFromFirstEverEntry:
// the logical read counter of id, or invalidEntriesRead when it cannot be
// known.
func (s *Stream) estimateDistance(id streamID) int64 {
	if s.entriesAdded == 0 {
		return 0
	}
	if s.length == 0 && id.cmp(s.lastID) < 1 {
		return int64(s.entriesAdded)
	}
	switch id.cmp(s.lastID) {
	case 0:
		return int64(s.entriesAdded)
	case 1:
		return invalidEntriesRead
	}
	cmpFirst := id.cmp(s.firstID)
	if s.maxDeletedID.isZero() || s.maxDeletedID.less(s.firstID) {
		if cmpFirst < 0 {
			return int64(s.entriesAdded - s.length)
		} else if cmpFirst == 0 {
			return int64(s.entriesAdded - s.length + 1)
		}
	}
	return invalidEntriesRead
}

// lag returns the group's lag, ok false when it cannot be known (Valkey's
// streamReplyWithCGLag replies null then).
func (s *Stream) lag(g *streamGroup) (int64, bool) {
	if s.entriesAdded == 0 {
		return 0, true
	}
	if g.entriesRead != invalidEntriesRead && !s.rangeHasTombstones(g.lastID, nil) {
		return int64(s.entriesAdded) - g.entriesRead, true
	}
	if er := s.estimateDistance(g.lastID); er != invalidEntriesRead {
		return int64(s.entriesAdded) - er, true
	}
	return 0, false
}

// replyLag writes a group's lag or null.
func (c *Ctx) replyLag(s *Stream, g *streamGroup) {
	if lag, ok := s.lag(g); ok {
		c.R.Int(lag)
		return
	}
	c.R.Null()
}

// replyEntriesRead writes a group's entries-read or null.
func (c *Ctx) replyEntriesRead(g *streamGroup) {
	if g.entriesRead != invalidEntriesRead {
		c.R.Int(g.entriesRead)
		return
	}
	c.R.Null()
}

// Copy implements Copier: a stream with the same entries, blocks, groups,
// consumers and pending entries that shares nothing mutable.
func (s *Stream) Copy() any {
	n := newStream()
	n.length, n.lastID, n.firstID = s.length, s.lastID, s.firstID
	n.maxDeletedID, n.entriesAdded = s.maxDeletedID, s.entriesAdded
	s.blocks.Ascend(streamID{}, func(k streamID, b *streamBlock) bool {
		nb := *b
		nb.buf = append([]byte(nil), b.buf...)
		n.blocks.Set(k, &nb)
		if b == s.last {
			n.last = &nb
		}
		return true
	})
	if s.groups == nil {
		return n
	}
	n.groups = &streamGroups{list: make([]*streamGroup, len(s.groups.list))}
	for i, g := range s.groups.list {
		ng := &streamGroup{name: g.name, lastID: g.lastID, entriesRead: g.entriesRead}
		ng.consumers = make([]*streamConsumer, len(g.consumers))
		byOld := make(map[*streamConsumer]*streamConsumer, len(g.consumers))
		for j, sc := range g.consumers {
			nc := &streamConsumer{name: sc.name, seenTime: sc.seenTime, activeTime: sc.activeTime}
			ng.consumers[j] = nc
			byOld[sc] = nc
		}
		g.pel.Ascend(streamID{}, func(id streamID, nack *streamNACK) bool {
			nn := &streamNACK{deliveryTime: nack.deliveryTime, deliveryCount: nack.deliveryCount}
			if nack.consumer != nil {
				nn.consumer = byOld[nack.consumer]
				nn.consumer.pel.Set(id, nn)
			}
			ng.pel.Set(id, nn)
			return true
		})
		n.groups.list[i] = ng
	}
	return n
}

// Heap costs of a stream's parts (memory_size.go).
var (
	streamStructMem = scanMem(int64(unsafe.Sizeof(Stream{})))
	streamBlockMem  = scanMem(int64(unsafe.Sizeof(streamBlock{})))
	streamGroupMem  = scanMem(int64(unsafe.Sizeof(streamGroup{})))
	streamConsMem   = scanMem(int64(unsafe.Sizeof(streamConsumer{})))
	streamNACKMem   = scanMem(int64(unsafe.Sizeof(streamNACK{})))
)

// memSize is the cost of a block: its header and its entries' bytes.
func (b *streamBlock) memSize() int64 { return streamBlockMem + noscanMem(int64(cap(b.buf))) }

// idTreeMem estimates the cost of an idTree of n items of itemSize
// bytes: a small root while it has at most 4 items, then nodes of 31-item
// arrays (and child arrays for inner nodes) that appends leave about half
// full.
func idTreeMem(n int, itemSize int64) int64 {
	const nodeHdr = 48 // idNode: two slice headers
	switch {
	case n == 0:
		return 0
	case n <= 4:
		return scanMem(nodeHdr) + scanMem(4*itemSize)
	case n <= idTreeMaxItems:
		return scanMem(nodeHdr) + scanMem(int64(n+n/4)*itemSize)
	}
	leaf := scanMem(nodeHdr) + scanMem(idTreeMaxItems*itemSize)
	perNode := int64(idTreeDegree)
	return int64(n)*leaf/perNode + int64(n)/perNode/perNode*scanMem((idTreeMaxItems+1)*8)
}

// memSize implements memValue: the blocks (counted as they change), the
// block index, and the consumer groups with their pending entries, which
// it walks: O(groups + consumers).
func (s *Stream) memSize() int64 {
	if !s.counted() {
		var sum int64
		s.blocks.Ascend(streamID{}, func(_ streamID, b *streamBlock) bool {
			sum += b.memSize()
			return true
		})
		s.setTotal(sum)
	}
	n := streamStructMem + scanMem(16) + s.total() + idTreeMem(s.blocks.Len(), 24)
	if s.groups != nil {
		n += scanMem(24) + scanMem(int64(cap(s.groups.list))*8)
		for _, g := range s.groups.list {
			n += streamGroupMem + strMem(len(g.name)) + scanMem(int64(cap(g.consumers))*8)
			n += idTreeMem(g.pel.Len(), 24) + int64(g.pel.Len())*streamNACKMem
			for _, sc := range g.consumers {
				n += streamConsMem + strMem(len(sc.name)) + idTreeMem(sc.pel.Len(), 24)
			}
		}
	}
	return n
}
