package engine

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
)

// HyperLogLog representation, byte-compatible with Valkey's hyperloglog.c.
// The commands are in hll_cmds.go.
//
// An HLL is an ordinary string value (a *Str) laid out as:
//
//	"HYLL"  encoding(1)  unused(3)  cached cardinality(8, little endian)  data
//
// The MSB of the last cardinality byte set means the cached value is stale.
// Dense data is 16384 registers of 6 bits, packed from the least
// significant bit of each byte (12288 bytes). Sparse data is a run-length
// sequence of opcodes covering the 16384 registers in order:
//
//	00xxxxxx            ZERO:  1 to 64 registers at 0
//	01xxxxxx yyyyyyyy   XZERO: 1 to 16384 registers at 0
//	1vvvvvxx            VAL:   1 to 4 registers at value 1 to 32
//
// Stored strings come from clients (SET, RESTORE), so every decoder here
// treats the data as untrusted: indexes are checked, nothing is sized from
// the data. Where Valkey reads the sds terminator one byte past the end (an
// XZERO opcode cut in half at the end of forged data), the missing byte
// reads as 0, as it does there. One divergence is left on purpose: when
// PFADD splits such a cut opcode, Valkey writes one byte into the
// terminator and may read it back later; flect drops that byte, so the
// bytes of such a forged value can differ after PFADD. Valid HLLs and all
// other corrupt data behave exactly as in Valkey.

const (
	hllP           = 14
	hllQ           = 64 - hllP
	hllRegisters   = 1 << hllP
	hllPMask       = hllRegisters - 1
	hllBits        = 6
	hllRegisterMax = 1<<hllBits - 1
	hllHdrSize     = 16
	hllDenseSize   = hllHdrSize + (hllRegisters*hllBits+7)/8
	hllDense       = 0
	hllSparse      = 1
	hllMaxEncoding = 1

	hllSparseXZeroBit  = 0x40
	hllSparseValBit    = 0x80
	hllSparseValMax    = 32
	hllSparseValMaxLen = 4
	hllSparseZeroMax   = 64
	hllSparseXZeroMax  = 16384

	// hllAlphaInf is 0.5/ln(2), the constant of Ertl's estimator.
	hllAlphaInf = 0.721347520444481703680
	// hllSeed is the MurmurHash64A seed Valkey hashes elements with.
	hllSeed = 0xadc83b19
	// hllCardOffset is where the cached cardinality starts.
	hllCardOffset = 8
	// hllEncOffset is the encoding byte.
	hllEncOffset = 4
)

// hllEmptySparse is a new HLL: sparse, cached cardinality 0 (valid), one
// XZERO opcode covering every register.
var hllEmptySparse = [hllHdrSize + 2]byte{'H', 'Y', 'L', 'L', hllSparse, 15: 0,
	16: hllSparseXZeroBit | (hllSparseXZeroMax-1)>>8, 17: (hllSparseXZeroMax - 1) & 0xff}

// newHLL returns the value PFADD and PFMERGE create for a missing key: a
// raw string, as Valkey's createHLLObject makes.
func newHLL() *Str {
	b := make([]byte, len(hllEmptySparse), 2*(len(hllEmptySparse)+3))
	copy(b, hllEmptySparse[:])
	return &Str{B: b, Raw: true}
}

// hllValid is Valkey's isHLLObjectOrReply test of a string's bytes: the
// header is there, the magic and encoding are known, and a dense HLL has
// exactly the dense size. A sparse body is checked only when it is used.
func hllValid(b []byte) bool {
	if len(b) < hllHdrSize || string(b[:4]) != "HYLL" || b[hllEncOffset] > hllMaxEncoding {
		return false
	}
	return b[hllEncOffset] != hllDense || len(b) == hllDenseSize
}

// hllInvalidate marks the cached cardinality stale.
func hllInvalidate(b []byte) { b[hllCardOffset+7] |= 0x80 }

// hllCached returns the cached cardinality and whether it is valid.
func hllCached(b []byte) (uint64, bool) {
	card := binary.LittleEndian.Uint64(b[hllCardOffset:])
	return card, card>>63 == 0
}

// hllSetCached stores the cached cardinality. A count with its MSB set
// (Valkey's overflow value) leaves the cache stale, as there.
func hllSetCached(b []byte, card uint64) {
	binary.LittleEndian.PutUint64(b[hllCardOffset:], card)
}

// murmurHash64A is MurmurHash2, 64-bit version, reading the input as
// little-endian words whatever the machine.
func murmurHash64A(key []byte, seed uint64) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := seed ^ uint64(len(key))*m
	for len(key) >= 8 {
		k := binary.LittleEndian.Uint64(key)
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
		key = key[8:]
	}
	if len(key) > 0 {
		for i := len(key) - 1; i >= 0; i-- {
			h ^= uint64(key[i]) << (8 * uint(i))
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// hllPatLen hashes an element and returns its register index and the
// length of the 000..1 pattern after the index bits (1 to hllQ+1).
func hllPatLen(ele []byte) (index int, count uint8) {
	hash := murmurHash64A(ele, hllSeed)
	index = int(hash & hllPMask)
	hash >>= hllP
	hash |= 1 << hllQ
	return index, uint8(1 + bits.TrailingZeros64(hash))
}

// --- Dense registers ---------------------------------------------------

// hllDenseGet returns register i of dense register data regs.
func hllDenseGet(regs []byte, i int) uint8 {
	off := i * hllBits
	b := off >> 3
	fb := uint(off & 7)
	v := uint(regs[b]) >> fb
	if fb > 8-hllBits {
		v |= uint(regs[b+1]) << (8 - fb)
	}
	return uint8(v & hllRegisterMax)
}

// hllDenseSetReg sets register i of dense register data regs to v (at
// most hllRegisterMax).
func hllDenseSetReg(regs []byte, i int, v uint8) {
	off := i * hllBits
	b := off >> 3
	fb := uint(off & 7)
	regs[b] = regs[b]&^byte(hllRegisterMax<<fb) | byte(uint(v)<<fb)
	if fb > 8-hllBits {
		regs[b+1] = regs[b+1]&^byte(hllRegisterMax>>(8-fb)) | byte(uint(v)>>(8-fb))
	}
}

// hllDenseSet raises register i to count if it is lower and reports
// whether it changed.
func hllDenseSet(regs []byte, i int, count uint8) bool {
	if count > hllDenseGet(regs, i) {
		hllDenseSetReg(regs, i, count)
		return true
	}
	return false
}

// hllDenseHisto adds the dense registers to a histogram of register values.
// Three bytes hold four registers.
func hllDenseHisto(regs []byte, h *[64]int) {
	regs = regs[:hllRegisters*hllBits/8]
	for i := 0; i+2 < len(regs); i += 3 {
		w := uint(regs[i]) | uint(regs[i+1])<<8 | uint(regs[i+2])<<16
		h[w&63]++
		h[w>>6&63]++
		h[w>>12&63]++
		h[w>>18&63]++
	}
}

// --- Sparse opcodes --------------------------------------------------------

// hllByteAt returns b[i], or 0 past the end (Valkey's sds terminator).
func hllByteAt(b []byte, i int) byte {
	if i < len(b) {
		return b[i]
	}
	return 0
}

// hllOp decodes the sparse opcode at b[p]: its register span, its value
// (0 for ZERO and XZERO) and its length in bytes.
func hllOp(b []byte, p int) (span int, val uint8, oplen int) {
	op := b[p]
	switch {
	case op&0xc0 == 0:
		return int(op&0x3f) + 1, 0, 1
	case op&hllSparseValBit != 0:
		return int(op&3) + 1, (op>>2)&0x1f + 1, 1
	}
	return (int(op&0x3f)<<8 | int(hllByteAt(b, p+1))) + 1, 0, 2
}

func hllIsXZero(op byte) bool { return op&0xc0 == hllSparseXZeroBit }

func hllValOp(val uint8, n int) byte { return (val-1)<<2 | byte(n-1) | hllSparseValBit }

// hllAppendZeros appends a ZERO or XZERO opcode for n registers, as the
// split in hllSparseSet writes it.
func hllAppendZeros(seq []byte, n int) []byte {
	if n > hllSparseZeroMax {
		n--
		return append(seq, byte(n>>8)|hllSparseXZeroBit, byte(n))
	}
	return append(seq, byte(n-1))
}

// hllSparseHisto adds the sparse data (after the header) to a histogram and
// reports whether the opcodes cover exactly the 16384 registers.
func hllSparseHisto(data []byte, h *[64]int) bool {
	idx := 0
	for p := 0; p < len(data); {
		span, val, oplen := hllOp(data, p)
		idx += span
		h[val] += span
		p += oplen
	}
	return idx == hllRegisters
}

// hllSparseEach calls fn for every run of non-zero registers of the sparse
// data (after the header), stopping at a run that would pass the last
// register. It reports whether the data covers exactly the 16384 registers
// (Valkey's checks in hllSparseToDense and hllMerge).
func hllSparseEach(data []byte, fn func(first, n int, val uint8)) bool {
	idx := 0
	for p := 0; p < len(data); {
		span, val, oplen := hllOp(data, p)
		if val != 0 {
			if idx+span > hllRegisters {
				break
			}
			fn(idx, span, val)
		}
		idx += span
		p += oplen
	}
	return idx == hllRegisters
}

// hllToDense returns the dense form of HLL b (b itself if dense), or
// ok=false when the sparse data is corrupt. The header, cached
// cardinality included, is kept.
func hllToDense(b []byte) (dense []byte, ok bool) {
	if b[hllEncOffset] == hllDense {
		return b, true
	}
	dense = make([]byte, hllDenseSize)
	copy(dense, b[:hllHdrSize])
	dense[hllEncOffset] = hllDense
	regs := dense[hllHdrSize:]
	if !hllSparseEach(b[hllHdrSize:], func(first, n int, val uint8) {
		for i := first; i < first+n; i++ {
			hllDenseSetReg(regs, i, val)
		}
	}) {
		return nil, false
	}
	return dense, true
}

// hllGrow makes room for need more bytes in a sparse HLL, growing its
// capacity greedily as Valkey does (double up to 300 bytes more) without
// passing maxBytes unless the data needs it.
func hllGrow(b []byte, need int, maxBytes int64) []byte {
	if cap(b)-len(b) >= need {
		return b
	}
	n := len(b) + 3
	n += min(n, 300)
	if int64(n) > maxBytes {
		n = int(max(maxBytes, 0))
	}
	n = max(n, len(b)+need)
	nb := make([]byte, len(b), n)
	copy(nb, b)
	return nb
}

// hllSparseSet raises register index of the sparse HLL s to count, as
// Valkey's hllSparseSet: in place when the opcodes allow, promoting s to
// dense when count is above 32 or the sparse data would pass maxBytes. It
// returns 1 if the register changed, 0 if not, -1 if the data is corrupt.
func hllSparseSet(s *Str, index int, count uint8, maxBytes int64) int {
	if count > hllSparseValMax {
		return hllPromote(s, index, count)
	}
	b := s.B
	end := len(b)

	// Step 1: find the opcode covering index.
	p, prev, first, span := hllHdrSize, -1, 0, 0
	for p < end {
		var oplen int
		span, _, oplen = hllOp(b, p)
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= end {
		return -1
	}
	op := b[p]
	isXZero := hllIsXZero(op)
	isZero := op&0xc0 == 0
	_, curval, oldlen := hllOp(b, p)

	// Step 2: the cases updated in place.
	updated := false
	if !isZero && !isXZero {
		if curval >= count {
			return 0
		}
		if span == 1 {
			b[p] = hllValOp(count, 1)
			updated = true
		}
	} else if isZero && span == 1 {
		b[p] = hllValOp(count, 1)
		updated = true
	}

	if !updated {
		// Step 3: split the opcode into up to three.
		var seqBuf [5]byte
		seq := seqBuf[:0]
		last := first + span - 1
		if isZero || isXZero {
			if index != first {
				seq = hllAppendZeros(seq, index-first)
			}
			seq = append(seq, hllValOp(count, 1))
			if index != last {
				seq = hllAppendZeros(seq, last-index)
			}
		} else {
			if index != first {
				seq = append(seq, hllValOp(curval, index-first))
			}
			seq = append(seq, hllValOp(count, 1))
			if index != last {
				seq = append(seq, hllValOp(curval, last-index))
			}
		}
		delta := len(seq) - oldlen
		if delta > 0 && int64(end+delta) > maxBytes {
			return hllPromote(s, index, count)
		}
		// The result is b[:p] + seq + the opcodes after the old one,
		// cut to end+delta bytes (it only matters for an XZERO cut by
		// the end of the string, which Valkey handles the same way).
		newEnd := end + delta
		tail := p + oldlen
		if delta > 0 {
			b = hllGrow(b, delta, maxBytes)
			b = b[:newEnd]
		}
		if tail < end {
			copy(b[p+len(seq):], b[tail:end])
		}
		copy(b[p:newEnd], seq)
		b = b[:newEnd]
		end = newEnd
	}

	// Step 4: merge adjacent VAL opcodes of the same value.
	p = hllHdrSize
	if prev >= 0 {
		p = prev
	}
	for scan := 5; p < end && scan > 0; scan-- {
		op := b[p]
		if hllIsXZero(op) {
			p += 2
			continue
		}
		if op&0xc0 == 0 {
			p++
			continue
		}
		if p+1 < end && b[p+1]&hllSparseValBit != 0 {
			_, v1, _ := hllOp(b, p)
			_, v2, _ := hllOp(b, p+1)
			if v1 == v2 {
				n := int(op&3) + int(b[p+1]&3) + 2
				if n <= hllSparseValMaxLen {
					b[p+1] = hllValOp(v1, n)
					copy(b[p:], b[p+1:end])
					end--
					b = b[:end]
					continue
				}
			}
		}
		p++
	}
	s.B = b
	hllInvalidate(b)
	return 1
}

// hllPromote converts the sparse s to dense and sets the register there.
func hllPromote(s *Str, index int, count uint8) int {
	dense, ok := hllToDense(s.B)
	if !ok {
		return -1
	}
	s.B = dense
	if hllDenseSet(dense[hllHdrSize:], index, count) {
		return 1
	}
	return 0
}

// hllAdd adds ele to the HLL s and returns 1 if a register changed, 0 if
// not, -1 if the HLL is corrupt.
func hllAdd(s *Str, ele []byte, maxBytes int64) int {
	index, count := hllPatLen(ele)
	return hllSet(s, index, count, maxBytes)
}

// hllSet raises register index of s to count, whatever the encoding.
func hllSet(s *Str, index int, count uint8, maxBytes int64) int {
	switch s.B[hllEncOffset] {
	case hllDense:
		if hllDenseSet(s.B[hllHdrSize:], index, count) {
			return 1
		}
		return 0
	case hllSparse:
		return hllSparseSet(s, index, count, maxBytes)
	}
	return -1
}

// hllHisto fills h with the register histogram of the HLL b and reports
// whether its data is valid.
func hllHisto(b []byte, h *[64]int) bool {
	if b[hllEncOffset] == hllDense {
		hllDenseHisto(b[hllHdrSize:], h)
		return true
	}
	return hllSparseHisto(b[hllHdrSize:], h)
}

// hllMergeInto raises m[i] to the registers of the HLL b and reports
// whether b's data is valid.
func hllMergeInto(m *[hllRegisters]uint8, b []byte) bool {
	if b[hllEncOffset] == hllDense {
		regs := b[hllHdrSize:]
		for i := 0; i < hllRegisters; i += 4 {
			o := i / 4 * 3
			w := uint(regs[o]) | uint(regs[o+1])<<8 | uint(regs[o+2])<<16
			for k := range 4 {
				if v := uint8(w >> (6 * k) & 63); v > m[i+k] {
					m[i+k] = v
				}
			}
		}
		return true
	}
	return hllSparseEach(b[hllHdrSize:], func(first, n int, val uint8) {
		for i := first; i < first+n; i++ {
			if val > m[i] {
				m[i] = val
			}
		}
	})
}

// hllDenseMaxInto raises the dense registers regs to m, four registers
// (three bytes) at a time.
func hllDenseMaxInto(regs []byte, m *[hllRegisters]uint8) {
	for i := 0; i < hllRegisters; i += 4 {
		o := i / 4 * 3
		w := uint(regs[o]) | uint(regs[o+1])<<8 | uint(regs[o+2])<<16
		nw := uint(0)
		for k := range 4 {
			v := uint(w>>(6*k)) & hllRegisterMax
			nw |= max(v, uint(m[i+k])) << (6 * k)
		}
		regs[o], regs[o+1], regs[o+2] = byte(nw), byte(nw>>8), byte(nw>>16)
	}
}

// hllRawHisto fills h with the histogram of one-byte registers.
func hllRawHisto(regs *[hllRegisters]uint8, h *[64]int) {
	for _, v := range regs {
		h[v&63]++
	}
}

// hllSigma is Ertl's sigma function ("New cardinality estimation
// algorithms for HyperLogLog sketches", arXiv:1702.01284). The float64
// conversions keep the compiler from fusing multiply-adds, so results are
// the same on every architecture (and as Valkey's).
func hllSigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y := 1.0
	z := x
	for {
		x *= x
		zPrime := z
		z += float64(x * y)
		y += y
		if zPrime == z {
			return z
		}
	}
}

// hllTau is Ertl's tau function.
func hllTau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y := 1.0
	z := 1 - x
	for {
		x = math.Sqrt(x)
		zPrime := z
		y *= 0.5
		t := 1 - x
		z -= float64(float64(t*t) * y)
		if zPrime == z {
			return z / 3
		}
	}
}

// hllEstimate is Valkey's hllCount estimator over a register histogram.
// An estimate that does not fit an int64 (possible only for forged
// registers) comes out as 1<<63, as llroundl makes it on Valkey's targets.
func hllEstimate(h *[64]int) uint64 {
	m := float64(hllRegisters)
	z := float64(m * hllTau((m-float64(h[hllQ+1]))/m))
	for j := hllQ; j >= 1; j-- {
		z += float64(h[j])
		z *= 0.5
	}
	z += float64(m * hllSigma(float64(h[0])/m))
	e := math.Round(hllAlphaInf * m * m / z)
	if !(e < 1<<63) {
		return 1 << 63
	}
	return uint64(e)
}

// hllDecode appends PFDEBUG DECODE's text for sparse data (after the
// header): "z:len", "Z:len", "v:value,len" separated by spaces.
func hllDecode(dst, data []byte) []byte {
	for p := 0; p < len(data); {
		span, val, oplen := hllOp(data, p)
		if len(dst) > 0 {
			dst = append(dst, ' ')
		}
		switch {
		case val != 0:
			dst = append(dst, "v:"...)
			dst = strconv.AppendInt(dst, int64(val), 10)
			dst = append(dst, ',')
		case oplen == 2:
			dst = append(dst, "Z:"...)
		default:
			dst = append(dst, "z:"...)
		}
		dst = strconv.AppendInt(dst, int64(span), 10)
		p += oplen
	}
	return dst
}
