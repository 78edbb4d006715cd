package engine

import (
	"encoding/binary"
	"math"
)

// The listpack encoding of a sorted set (Valkey's OBJ_ENCODING_LISTPACK):
// members and scores in one byte slice, sorted by (score, member) as
// Valkey's listpack is, searched and walked linearly. Each entry is
//
//	member   uvarint length and bytes (lpSetAppend, read with lpRead)
//	score    uvarint u: an integral score v with |v| <= 2^53 (-0 as 0,
//	         as Valkey's listpack stores it) is u = zigzag(v) << 1; any
//	         other score is u = 1 followed by its 8 IEEE 754 bytes,
//	         little-endian
//	backlen  the length of the member and score, written to be read
//	         backwards: 7 bits a byte, the last byte holding the lowest
//	         bits, every byte but the first with the high bit set
//
// The backlen makes stepping back as cheap as stepping forward (Valkey's
// listpack keeps one per element for the same reason). A member of up to
// 125 bytes with a small integer score costs 3 bytes beyond its own.
//
// As for hashes and sets (hash.go), the member bytes below len(lp) never
// change once written: inserting anywhere but at the end and deleting
// build a new slice, so member strings taken from the listpack stay valid
// whatever happens to the set later. Only a score may be rewritten in
// place (lpSetScore): scores are never handed out as strings.

// zlpMaxInt bounds the integral scores stored as integers: every integer
// up to it converts to a float64 and back exactly.
const zlpMaxInt = 1 << 53

// zsetSizeSafetyLimit is Valkey's SIZE_SAFETY_LIMIT for a listpack
// (lpSafeToAdd): a set whose listpack would grow past it converts
// whatever the settings.
const zsetSizeSafetyLimit = 1 << 30

// zlpIntScore reports whether s is stored as an integer, and which.
func zlpIntScore(s float64) (int64, bool) {
	if s >= -zlpMaxInt && s <= zlpMaxInt && s == math.Trunc(s) {
		return int64(s), true
	}
	return 0, false
}

// zlpScoreU is the uvarint u of an integer score v.
func zlpScoreU(v int64) uint64 { return uint64((v<<1)^(v>>63)) << 1 }

// zlpScoreSize is the encoded size of score s.
func zlpScoreSize(s float64) int {
	if v, ok := zlpIntScore(s); ok {
		return uvarintLen(zlpScoreU(v))
	}
	return 9
}

// zlpAppendScore appends the encoding of score s.
func zlpAppendScore(b []byte, s float64) []byte {
	if v, ok := zlpIntScore(s); ok {
		return binary.AppendUvarint(b, zlpScoreU(v))
	}
	b = append(b, 1)
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(s))
}

// zlpScore decodes the score at p and returns the offset after it.
func zlpScore(b []byte, p int) (float64, int) {
	if c := b[p]; c&0x81 == 0 {
		// A one-byte integer, the common case.
		zz := uint64(c >> 1)
		return float64(int64(zz>>1) ^ -int64(zz&1)), p + 1
	}
	u, k := binary.Uvarint(b[p:])
	p += k
	if u&1 != 0 {
		return math.Float64frombits(binary.LittleEndian.Uint64(b[p:])), p + 8
	}
	zz := u >> 1
	return float64(int64(zz>>1) ^ -int64(zz&1)), p
}

// uvarintLen is the encoded size of a uvarint.
func uvarintLen(u uint64) int {
	n := 1
	for u >= 0x80 {
		u >>= 7
		n++
	}
	return n
}

// zlpBacklenSize is the size of the backlen of an entry of l bytes.
func zlpBacklenSize(l int) int { return uvarintLen(uint64(l)) }

// zlpEntrySize is the encoded size of an entry.
func zlpEntrySize(member string, s float64) int {
	l := uvarintLen(uint64(len(member))) + len(member) + zlpScoreSize(s)
	return l + zlpBacklenSize(l)
}

// zlpAppend appends an entry.
func zlpAppend(b []byte, member string, s float64) []byte {
	start := len(b)
	b = lpSetAppend(b, member)
	b = zlpAppendScore(b, s)
	l := len(b) - start
	k := zlpBacklenSize(l)
	for i := k - 1; i >= 0; i-- {
		g := byte(l>>(7*i)) & 0x7f
		if i != k-1 {
			g |= 0x80
		}
		b = append(b, g)
	}
	return b
}

// zlpEntry decodes the entry at off: its member (aliasing b), its score
// and the offset after it.
func zlpEntry(b []byte, off int) (member string, score float64, end int) {
	member, p := lpRead(b, off)
	score, p = zlpScore(b, p)
	return member, score, p + zlpBacklenSize(p-off)
}

// zlpBefore returns the offset of the entry ending at end (> 0).
func zlpBefore(b []byte, end int) int {
	l, shift := 0, 0
	p := end
	for {
		p--
		c := b[p]
		l |= int(c&0x7f) << shift
		if c&0x80 == 0 {
			return p - l
		}
		shift += 7
	}
}

// lpCap is the capacity given to a listpack of n bytes: the size class
// the allocator rounds it to anyway.
func lpCap(n int) int {
	if n <= 0 {
		return 0
	}
	return int(roundClass(int64(n)))
}

// zlpBuild returns a new listpack starting with the parts, with room for
// total bytes (at least the parts').
func zlpBuild(total int, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b := make([]byte, 0, lpCap(max(n, total)))
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

// lpIter returns an iterator on the entry at off, the idx-th.
func (z *ZSet) lpIter(off, idx int) zIter {
	it := zIter{lp: z.lp, off: off, idx: idx}
	if off >= 0 && off < len(z.lp) {
		it.member, it.score, it.end = zlpEntry(z.lp, off)
		it.ok = true
	}
	return it
}

// lpFind returns the offsets [off, end) of member's entry and its score;
// off is -1 when it is missing.
func (z *ZSet) lpFind(member string) (off, end int, score float64) {
	for off := 0; off < len(z.lp); {
		m, s, end := zlpEntry(z.lp, off)
		if m == member {
			return off, end, s
		}
		off = end
	}
	return -1, 0, 0
}

// lpRank returns the 0-based rank of member and its score.
func (z *ZSet) lpRank(member string) (int, float64, bool) {
	i := 0
	for off := 0; off < len(z.lp); i++ {
		m, s, end := zlpEntry(z.lp, off)
		if m == member {
			return i, s, true
		}
		off = end
	}
	return 0, 0, false
}

// lpPlace returns the offset where (score, member) belongs: that of the
// first entry after it, or len(lp). The entry [skip, skipEnd) is ignored.
func (z *ZSet) lpPlace(member string, score float64, skip, skipEnd int) int {
	lp := z.lp
	if n := len(lp); n > 0 && skipEnd != n {
		// After the last entry: appends are the common case.
		last := zlpBefore(lp, n)
		m, s, _ := zlpEntry(lp, last)
		if zless(s, m, score, member) {
			return n
		}
	}
	for off := 0; off < len(lp); {
		if off == skip {
			off = skipEnd
			continue
		}
		m, s, end := zlpEntry(lp, off)
		if zless(score, member, s, m) {
			return off
		}
		off = end
	}
	return len(lp)
}

// lpInsert adds a member that is not in the set (member is copied).
func (z *ZSet) lpInsert(member string, score float64) {
	pos := z.lpPlace(member, score, -1, -1)
	size := zlpEntrySize(member, score)
	if pos == len(z.lp) && cap(z.lp)-len(z.lp) >= size {
		// Bytes past len were never handed out.
		z.lp = zlpAppend(z.lp, member, score)
	} else {
		b := zlpBuild(len(z.lp)+size, z.lp[:pos])
		b = zlpAppend(b, member, score)
		z.lp = append(b, z.lp[pos:]...)
	}
	z.lpN++
}

// lpSetScore gives the entry [off, end) of member a new score, in place
// when the entry keeps its place and its size.
func (z *ZSet) lpSetScore(off, end int, member string, score float64) {
	lp := z.lp
	pos := z.lpPlace(member, score, off, end)
	stays := pos == end // lpPlace never returns off
	size := zlpEntrySize(member, score)
	if stays && size == end-off {
		// The same member, a score of the same size: the bytes after
		// the member are rewritten, the backlen is unchanged.
		p := off + uvarintLen(uint64(len(member))) + len(member)
		zlpAppendScore(lp[p:p], score)
		return
	}
	var b []byte
	switch {
	case stays:
		b = zlpBuild(len(lp)-(end-off)+size, lp[:off])
		b = zlpAppend(b, member, score)
		b = append(b, lp[end:]...)
	case pos < off:
		b = zlpBuild(len(lp)-(end-off)+size, lp[:pos])
		b = zlpAppend(b, member, score)
		b = append(append(b, lp[pos:off]...), lp[end:]...)
	default: // pos >= end
		b = zlpBuild(len(lp)-(end-off)+size, lp[:off], lp[end:pos])
		b = zlpAppend(b, member, score)
		b = append(b, lp[pos:]...)
	}
	z.lp = b
}

// lpCut removes the bytes [off, end), holding n entries, into a new slice.
func (z *ZSet) lpCut(off, end, n int) {
	z.lpN -= n
	if z.lpN == 0 {
		z.lp = nil
		return
	}
	z.lp = zlpBuild(0, z.lp[:off], z.lp[end:])
}

// lpOffset returns the offset of the entry of 0-based rank r (len(lp) for
// r == lpN), walking from the nearer end.
func (z *ZSet) lpOffset(r int) int {
	if r >= z.lpN {
		return len(z.lp)
	}
	if r <= z.lpN/2 {
		off := 0
		for ; r > 0; r-- {
			_, _, off = zlpEntry(z.lp, off)
		}
		return off
	}
	off := len(z.lp)
	for i := z.lpN; i > r; i-- {
		off = zlpBefore(z.lp, off)
	}
	return off
}

// lpOffsets returns the offsets of a listpack's entries.
func (z *ZSet) lpOffsets() []int {
	offs := make([]int, 0, z.lpN)
	for off := 0; off < len(z.lp); {
		offs = append(offs, off)
		_, _, off = zlpEntry(z.lp, off)
	}
	return offs
}
