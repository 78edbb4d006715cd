package engine

// streamIter walks the live entries of a stream between two IDs
// (inclusive), forward or backward, as Valkey's streamIterator. Positioning
// costs O(log blocks); each step is O(1) amortised (a backward step
// indexes its block once). The stream must not change while it is used.
type streamIter struct {
	s          *Stream
	start, end streamID
	rev        bool
	done       bool
	b          *streamBlock
	// forward: offset of the next entry in b.
	off int
	// backward: offsets of b's entries, and how many are left to visit.
	offs []int
	idx  int
	// master caches b's master fields.
	master [][]byte
	pairs  [][]byte
}

// init positions the iterator; rev walks from end down to start.
func (it *streamIter) init(s *Stream, start, end streamID, rev bool) {
	*it = streamIter{s: s, start: start, end: end, rev: rev, offs: it.offs[:0], master: it.master[:0], pairs: it.pairs[:0]}
	var b *streamBlock
	if !rev {
		_, b, _ = s.blocks.Floor(start)
		if b == nil {
			_, b, _ = s.blocks.Min()
		}
	} else {
		_, b, _ = s.blocks.Floor(end)
	}
	it.enter(b)
}

// enter makes b the current block.
func (it *streamIter) enter(b *streamBlock) {
	it.b = b
	if b == nil {
		it.done = true
		return
	}
	it.master = b.masterFields(it.master[:0])
	if !it.rev {
		it.off = int(b.entries)
		return
	}
	it.offs = it.offs[:0]
	for off := int(b.entries); off < len(b.buf); {
		it.offs = append(it.offs, off)
		off, _, _ = b.skipEntry(off)
	}
	it.idx = len(it.offs)
}

// next decodes the next live entry in range into e; false at the end.
// e.pairs is reused by the following call.
func (it *streamIter) next(e *streamEntry) bool {
	for !it.done {
		b := it.b
		var off int
		if !it.rev {
			if it.off >= len(b.buf) {
				it.enter(it.s.nextBlock(b.master))
				continue
			}
			off = it.off
		} else {
			if it.idx == 0 {
				it.enter(it.s.prevBlock(b.master))
				continue
			}
			it.idx--
			off = it.offs[it.idx]
		}
		next, id, flags := b.skipEntry(off)
		if !it.rev {
			it.off = next
			if id.less(it.start) {
				continue
			}
			if it.end.less(id) {
				it.done = true
				return false
			}
		} else {
			if it.end.less(id) {
				continue
			}
			if id.less(it.start) {
				it.done = true
				return false
			}
		}
		if flags&entryDeleted != 0 {
			continue
		}
		b.decodeEntry(off, it.master, it.pairs[:0], e)
		it.pairs = e.pairs
		return true
	}
	return false
}

// nextID is next without keeping the fields.
func (it *streamIter) nextID() (streamID, bool) {
	var e streamEntry
	if !it.next(&e) {
		return streamID{}, false
	}
	return e.id, true
}

// entryRef locates an entry for a reply built in two passes.
type entryRef struct {
	b   *streamBlock
	off int
}

// collect returns up to count (0: all) live entries between start and
// end, appended to dst.
func (s *Stream) collect(dst []entryRef, start, end streamID, rev bool, count int64) []entryRef {
	var it streamIter
	it.init(s, start, end, rev)
	var e streamEntry
	for it.next(&e) {
		dst = append(dst, entryRef{it.b, e.off})
		if count > 0 && int64(len(dst)) == count {
			break
		}
	}
	return dst
}

// replyEntry writes one entry as [id, [field, value, ...]]; master and
// pairs are scratch slices it returns for reuse.
func (c *Ctx) replyEntry(r entryRef, master, pairs [][]byte) ([][]byte, [][]byte) {
	var e streamEntry
	master = r.b.masterFields(master[:0])
	r.b.decodeEntry(r.off, master, pairs[:0], &e)
	c.R.Array(2)
	c.replyID(e.id)
	c.R.Array(len(e.pairs))
	for _, p := range e.pairs {
		c.R.Bulk(p)
	}
	return master, e.pairs
}

// replyEntries writes the entries as an array.
func (c *Ctx) replyEntries(refs []entryRef) {
	c.R.Array(len(refs))
	var master, pairs [][]byte
	for _, r := range refs {
		master, pairs = c.replyEntry(r, master, pairs)
	}
}

// find returns the live entry id, if the stream has it.
func (s *Stream) find(id streamID) (entryRef, bool) {
	_, b, ok := s.blocks.Floor(id)
	if !ok || b.lastID.less(id) {
		return entryRef{}, false
	}
	for off := int(b.entries); off < len(b.buf); {
		next, eid, flags := b.skipEntry(off)
		if eid == id {
			return entryRef{b, off}, flags&entryDeleted == 0
		}
		if id.less(eid) {
			break
		}
		off = next
	}
	return entryRef{}, false
}

// deleteEntry removes the entry id and reports whether it was there, as
// Valkey's streamDeleteItem (a block whose last live entry goes is
// dropped).
func (s *Stream) deleteEntry(id streamID) bool {
	r, ok := s.find(id)
	if !ok {
		return false
	}
	if r.b.live == 1 {
		s.removeBlock(r.b)
	} else {
		r.b.markDeleted(r.off)
	}
	s.length--
	return true
}

// edgeID returns the first (or last) live entry's ID; when the stream is
// empty, the largest ID for first and 0-0 for last, as streamGetEdgeID.
func (s *Stream) edgeID(first bool) streamID {
	var it streamIter
	it.init(s, streamID{}, maxStreamID, !first)
	if id, ok := it.nextID(); ok {
		return id
	}
	if first {
		return maxStreamID
	}
	return streamID{}
}

// lastValidID is the ID of the last live entry (0-0 when empty).
func (s *Stream) lastValidID() streamID { return s.edgeID(false) }

// Trim strategies.
const (
	trimNone = iota
	trimMaxLen
	trimMinID
)

// trimArgs are XADD's and XTRIM's trimming options.
type trimArgs struct {
	strategy int
	approx   bool
	// limit caps the entries removed; 0 means none.
	limit  int64
	maxLen int64
	minID  streamID
}

// trim removes entries from the head as Valkey's streamTrim: whole
// blocks while they fit the limit, then (unless approx) entries of the
// block where the target falls. It returns how many entries went.
func (s *Stream) trim(a *trimArgs) int64 {
	if a.strategy == trimNone {
		return 0
	}
	var deleted int64
	for {
		if a.strategy == trimMaxLen && s.length <= uint64(a.maxLen) {
			break
		}
		_, b, ok := s.blocks.Min()
		if !ok {
			break
		}
		entries := int64(b.live)
		if a.limit != 0 && deleted+entries > a.limit {
			break
		}
		var remove bool
		if a.strategy == trimMaxLen {
			remove = int64(s.length)-entries >= a.maxLen
		} else {
			remove = b.lastID.less(a.minID)
		}
		if remove {
			s.removeBlock(b)
			s.length -= uint64(entries)
			deleted += entries
			continue
		}
		if a.approx {
			break
		}
		for off := int(b.entries); off < len(b.buf); {
			next, id, flags := b.skipEntry(off)
			if a.strategy == trimMaxLen {
				if s.length <= uint64(a.maxLen) {
					break
				}
			} else if !id.less(a.minID) {
				break
			}
			if flags&entryDeleted == 0 {
				b.markDeleted(off)
				s.length--
				deleted++
			}
			off = next
		}
		break
	}
	if s.length == 0 {
		s.firstID = streamID{}
	} else if deleted > 0 {
		s.firstID = s.edgeID(true)
	}
	return deleted
}
