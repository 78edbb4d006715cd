package engine

import (
	"encoding/binary"
)

// Stream is a stream value. Like Valkey's it keeps its entries in blocks
// ("nodes") indexed by the ID of their first entry, the block's master: a
// block holds up to stream-node-max-entries entries or about
// stream-node-max-bytes bytes, packed one after the other in one byte
// slice. An entry's ID is stored as a delta from the master ID, and an
// entry whose field names are the master entry's (the first entry's) stores
// only its values, as Valkey's listpacks do. Deleted entries stay in their
// block marked with a flag until the whole block goes.
//
// Each block also tracks the byte size Valkey's listpack for the same
// entries would have, so that blocks fill, and approximate trimming (which
// only removes whole blocks) leaves, exactly what Valkey's would.
type Stream struct {
	memTrack // memory accounting (memory.go): blockMem of the blocks
	blocks   *idTree[*streamBlock]
	// last is the block appends go to (the tree's last one), or nil.
	last *streamBlock

	length       uint64
	lastID       streamID
	firstID      streamID
	maxDeletedID streamID
	entriesAdded uint64

	groups *streamGroups
}

// Entry flags, as Valkey's STREAM_ITEM_FLAG_*.
const (
	entryDeleted    = 1
	entrySameFields = 2
)

// streamBlock is a run of consecutive entries. buf holds the master's
// fields and then the entries:
//
//	master: uvarint nfields, nfields × (uvarint len, bytes)
//	entry:  flags byte, uvarint ms delta, varint seq delta,
//	        [uvarint nfields, fields and values | values alone], each as
//	        (uvarint len, bytes)
type streamBlock struct {
	master streamID
	// lastID is the ID of the last entry in the block, deleted or not.
	lastID streamID
	buf    []byte
	// entries is where the first entry starts in buf.
	entries int32
	nfields int32
	// live and deleted count the block's entries by state.
	live, deleted int32
	// lpRest is the byte size of Valkey's listpack for this block, less
	// the master's live and deleted counters (see lpBytes).
	lpRest int64
}

// streamListpackMaxSize is Valkey's STREAM_LISTPACK_MAX_SIZE.
const streamListpackMaxSize = 1 << 30

func newStream() *Stream { return &Stream{blocks: &idTree[*streamBlock]{}} }

// TypeName implements Typed.
func (s *Stream) TypeName() string { return TypeStream }

// Encoding implements Typed.
func (s *Stream) Encoding() string { return "stream" }

// Len returns the number of entries.
func (s *Stream) Len() uint64 { return s.length }

// lpBytes is the block's Valkey listpack size.
func (b *streamBlock) lpBytes() int64 {
	return b.lpRest + lpInt(int64(b.live)) + lpInt(int64(b.deleted))
}

// lpInt is the bytes a listpack spends on the integer v: its encoding
// and a one-byte back-length.
func lpInt(v int64) int64 { return int64(lpIntSize(v)) + 1 }

// lpStr is the bytes a listpack spends on the element s, stored as an
// integer when it is one in canonical form.
func lpStr(s []byte) int64 { return int64(lpEntrySize(s)) }

// newBlock starts a block whose master is the entry id with fields.
func newBlock(id streamID, fields [][]byte) *streamBlock {
	size := binary.MaxVarintLen32
	for _, f := range fields {
		size += binary.MaxVarintLen32 + len(f)
	}
	b := &streamBlock{master: id, nfields: int32(len(fields))}
	b.buf = make([]byte, 0, size+16*len(fields)+8)
	b.buf = binary.AppendUvarint(b.buf, uint64(len(fields)))
	// listpack header and end byte, master's field count, fields and
	// terminator.
	b.lpRest = 6 + 1 + lpInt(int64(len(fields))) + lpInt(0)
	for _, f := range fields {
		b.buf = binary.AppendUvarint(b.buf, uint64(len(f)))
		b.buf = append(b.buf, f...)
		b.lpRest += lpStr(f)
	}
	b.entries = int32(len(b.buf))
	return b
}

// sameFields reports whether the fields of pairs are the block master's.
func (b *streamBlock) sameFields(pairs [][]byte) bool {
	if len(pairs)/2 != int(b.nfields) {
		return false
	}
	p := b.buf
	n, w := binary.Uvarint(p)
	p = p[w:]
	for i := 0; i < int(n); i++ {
		l, w := binary.Uvarint(p)
		p = p[w:]
		if string(p[:l]) != string(pairs[2*i]) {
			return false
		}
		p = p[l:]
	}
	return true
}

// masterFields returns the master's field names, appended to dst.
func (b *streamBlock) masterFields(dst [][]byte) [][]byte {
	p := b.buf
	n, w := binary.Uvarint(p)
	p = p[w:]
	for i := 0; i < int(n); i++ {
		l, w := binary.Uvarint(p)
		p = p[w:]
		dst = append(dst, p[:l:l])
		p = p[l:]
	}
	return dst
}

// appendEntry adds the entry id with field/value pairs at the block's end.
func (b *streamBlock) appendEntry(id streamID, pairs [][]byte) {
	nf := len(pairs) / 2
	flags := byte(0)
	same := b.sameFields(pairs)
	if same {
		flags = entrySameFields
	}
	msd := id.ms - b.master.ms
	seqd := int64(id.seq - b.master.seq)
	b.buf = append(b.buf, flags)
	b.buf = binary.AppendUvarint(b.buf, msd)
	b.buf = binary.AppendVarint(b.buf, seqd)
	lp := lpInt(int64(flags)) + lpInt(int64(msd)) + lpInt(seqd)
	lpCount := int64(nf + 3)
	if !same {
		b.buf = binary.AppendUvarint(b.buf, uint64(nf))
		lp += lpInt(int64(nf))
		lpCount += int64(nf + 1)
	}
	for i := 0; i < nf; i++ {
		if !same {
			f := pairs[2*i]
			b.buf = binary.AppendUvarint(b.buf, uint64(len(f)))
			b.buf = append(b.buf, f...)
			lp += lpStr(f)
		}
		v := pairs[2*i+1]
		b.buf = binary.AppendUvarint(b.buf, uint64(len(v)))
		b.buf = append(b.buf, v...)
		lp += lpStr(v)
	}
	b.lpRest += lp + lpInt(lpCount)
	b.live++
	b.lastID = id
}

// streamEntry is a decoded entry. Fields and values alias the block (or
// the master fields) and are valid until the stream changes.
type streamEntry struct {
	id    streamID
	flags byte
	// off is the entry's offset in its block.
	off int
	// pairs is fields and values, interleaved.
	pairs [][]byte
}

// decodeEntry decodes the entry at off, appending its fields and values to
// pairs (master holds the master's fields for entries that share them).
// It returns the offset of the next entry.
func (b *streamBlock) decodeEntry(off int, master [][]byte, pairs [][]byte, e *streamEntry) int {
	p := b.buf[off:]
	e.off = off
	e.flags = p[0]
	i := 1
	msd, w := binary.Uvarint(p[i:])
	i += w
	seqd, w := binary.Varint(p[i:])
	i += w
	e.id = streamID{b.master.ms + msd, b.master.seq + uint64(seqd)}
	var nf int
	same := e.flags&entrySameFields != 0
	if same {
		nf = int(b.nfields)
	} else {
		n, w := binary.Uvarint(p[i:])
		i += w
		nf = int(n)
	}
	for j := 0; j < nf; j++ {
		if same {
			pairs = append(pairs, master[j])
		} else {
			l, w := binary.Uvarint(p[i:])
			i += w
			pairs = append(pairs, p[i:i+int(l):i+int(l)])
			i += int(l)
		}
		l, w := binary.Uvarint(p[i:])
		i += w
		pairs = append(pairs, p[i:i+int(l):i+int(l)])
		i += int(l)
	}
	e.pairs = pairs
	return off + i
}

// skipEntry returns the offset after the entry at off and its ID and
// flags, without decoding its fields.
func (b *streamBlock) skipEntry(off int) (next int, id streamID, flags byte) {
	p := b.buf[off:]
	flags = p[0]
	i := 1
	msd, w := binary.Uvarint(p[i:])
	i += w
	seqd, w := binary.Varint(p[i:])
	i += w
	id = streamID{b.master.ms + msd, b.master.seq + uint64(seqd)}
	var nf int
	if flags&entrySameFields != 0 {
		nf = int(b.nfields)
	} else {
		n, w := binary.Uvarint(p[i:])
		i += w
		nf = int(n) * 2
	}
	for j := 0; j < nf; j++ {
		l, w := binary.Uvarint(p[i:])
		i += w + int(l)
	}
	return off + i, id, flags
}

// markDeleted flags the entry at off as deleted.
func (b *streamBlock) markDeleted(off int) {
	b.buf[off] |= entryDeleted
	b.live--
	b.deleted++
}

// appendEntry adds an entry to the stream with the ID id (which the caller
// checked is above the last one) and its fields; nodeMaxBytes and
// nodeMaxEntries are the stream-node-max-* parameters.
func (s *Stream) appendEntry(id streamID, pairs [][]byte, nodeMaxBytes, nodeMaxEntries int64) {
	var total int64
	for _, p := range pairs {
		total += int64(len(p))
	}
	b := s.last
	last, lastMem := b, int64(0)
	if b != nil {
		lastMem = b.memSize()
	}
	if b != nil {
		maxBytes := nodeMaxBytes
		if maxBytes <= 0 || maxBytes > streamListpackMaxSize {
			maxBytes = streamListpackMaxSize
		}
		if b.lpBytes()+total >= maxBytes ||
			(nodeMaxEntries > 0 && int64(b.live)+int64(b.deleted) >= nodeMaxEntries) {
			b.buf = shrinkBuf(b.buf)
			b = nil
		}
	}
	if b == nil {
		fields := make([][]byte, len(pairs)/2)
		for i := range fields {
			fields[i] = pairs[2*i]
		}
		b = newBlock(id, fields)
		s.blocks.Set(id, b)
		s.last = b
	}
	b.appendEntry(id, pairs)
	if last != nil {
		s.grow(last.memSize() - lastMem)
	}
	if b != last {
		s.grow(b.memSize())
	}
	s.length++
	s.entriesAdded++
	s.lastID = id
	if s.length == 1 {
		s.firstID = id
	}
}

// shrinkBuf returns buf without spare capacity, for a block that is full.
func shrinkBuf(buf []byte) []byte {
	if cap(buf)-len(buf) < 64 {
		return buf
	}
	return append(make([]byte, 0, len(buf)), buf...)
}

// nextBlock returns the first block whose master is after id.
func (s *Stream) nextBlock(id streamID) *streamBlock {
	next, ok := id.incr()
	if !ok {
		return nil
	}
	_, b, _ := s.blocks.Ceil(next)
	return b
}

// prevBlock returns the last block whose master is before id.
func (s *Stream) prevBlock(id streamID) *streamBlock {
	prev, ok := id.decr()
	if !ok {
		return nil
	}
	_, b, _ := s.blocks.Floor(prev)
	return b
}

// removeBlock drops a block from the index.
func (s *Stream) removeBlock(b *streamBlock) {
	s.blocks.Delete(b.master)
	s.grow(-b.memSize())
	if s.last == b {
		_, s.last, _ = s.blocks.Max()
	}
}
