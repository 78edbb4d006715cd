package rdb

// LZF, as Valkey's lzf_c.c (HLOG 16, VERY_FAST) and lzf_d.c: the same
// compressor gives the same bytes, so DUMP payloads match Valkey's.

import "sync"

const (
	lzfHLog   = 16
	lzfHSize  = 1 << lzfHLog
	lzfMaxLit = 1 << 5
	lzfMaxOff = 1 << 13
	lzfMaxRef = (1 << 8) + (1 << 3)
)

func lzfIdx(h uint32) uint32 {
	return ((h >> (3*8 - lzfHLog)) - h*5) & (lzfHSize - 1)
}

// lzfState is the compressor's hash table (64k slots, as lzf_c.c's) and
// output buffer, reused between calls: a slot holds the position of a
// 3-byte sequence plus one in its low 32 bits and the number of the call
// that stored it in its high bits, so a slot from an earlier call reads as
// empty and the table is never cleared (a fresh table per string would
// cost more than compressing a short one).
type lzfState struct {
	htab [lzfHSize]uint64
	gen  uint64
	out  []byte
}

// lzfStates recycles compressor states between DUMPs and snapshots.
var lzfStates = sync.Pool{New: func() any { return new(lzfState) }}

// lzfCompress compresses in into at most outLen bytes, returning nil when
// the result would not fit (lzf_compress returning 0).
func lzfCompress(in []byte, outLen int) []byte {
	st := lzfStates.Get().(*lzfState)
	defer lzfStates.Put(st)
	if c := st.compress(in, outLen); c != nil {
		return append([]byte(nil), c...)
	}
	return nil
}

// appendLZF appends s as an LZF-compressed RDB string (the encoding byte,
// the compressed and original lengths, the data) if it compresses by more
// than 4 bytes, as rdbSaveLzfStringObject does.
func appendLZF(b, s []byte) ([]byte, bool) {
	st := lzfStates.Get().(*lzfState)
	defer lzfStates.Put(st)
	c := st.compress(s, len(s)-4)
	if c == nil {
		return b, false
	}
	b = append(b, lenEncVal<<6|rdbEncLZF)
	b = appendLen(b, uint64(len(c)))
	b = appendLen(b, uint64(len(s)))
	return append(b, c...), true
}

// compress is lzf_compress; the result aliases st.out.
func (st *lzfState) compress(in []byte, outLen int) []byte {
	n := len(in)
	if n == 0 || outLen == 0 || n >= 1<<32-1 {
		return nil
	}
	st.gen++
	if st.gen >= 1<<32 {
		st.htab = [lzfHSize]uint64{}
		st.gen = 1
	}
	gen := st.gen << 32
	htab := &st.htab
	// lzf_compress may write one byte past outLen.
	if cap(st.out) < outLen+4 {
		st.out = make([]byte, outLen+4)
	}
	out := st.out[:outLen+4]
	op := 0
	lit := 0
	op++ // start run
	ip := 0
	hval := uint32(in[0])<<8 | uint32(in[1%n])
	if n < 2 {
		hval = uint32(in[0]) << 8
	}
	for ip < n-2 {
		hval = hval<<8 | uint32(in[ip+2])
		slot := lzfIdx(hval)
		ref := -1
		if e := htab[slot]; e&^0xffffffff == gen {
			ref = int(uint32(e)) - 1
		}
		htab[slot] = gen | uint64(ip+1)
		var off int
		if ref > 0 {
			off = ip - ref - 1
		}
		if ref > 0 && off < lzfMaxOff && off >= 0 && in[ref+2] == in[ip+2] && in[ref] == in[ip] && in[ref+1] == in[ip+1] {
			length := 2
			maxlen := n - ip - length
			if maxlen > lzfMaxRef {
				maxlen = lzfMaxRef
			}
			if op+3+1 >= outLen {
				if op-b2i(lit == 0)+3+1 >= outLen {
					return nil
				}
			}
			out[op-lit-1] = byte(lit - 1) // stop run
			op -= b2i(lit == 0)           // undo run if length is zero
			// As lzf_c.c: up to 16 steps unchecked against maxlen when
			// maxlen > 16, then one unconditional step and the checked
			// loop (so a match may run past maxlen by two).
			mismatch := false
			if maxlen > 16 {
				for range 16 {
					length++
					if in[ref+length] != in[ip+length] {
						mismatch = true
						break
					}
				}
			}
			if !mismatch {
				length++
				for length < maxlen && in[ref+length] == in[ip+length] {
					length++
				}
			}
			length -= 2
			ip++
			if length < 7 {
				out[op] = byte(off>>8) + byte(length<<5)
				op++
			} else {
				out[op] = byte(off>>8) + 7<<5
				out[op+1] = byte(length - 7)
				op += 2
			}
			out[op] = byte(off)
			op++
			lit = 0
			op++ // start run
			ip += length + 1
			if ip >= n-2 {
				break
			}
			ip -= 2
			hval = uint32(in[ip])<<8 | uint32(in[ip+1])
			hval = hval<<8 | uint32(in[ip+2])
			htab[lzfIdx(hval)] = gen | uint64(ip+1)
			ip++
			hval = hval<<8 | uint32(in[ip+2])
			htab[lzfIdx(hval)] = gen | uint64(ip+1)
			ip++
		} else {
			if op >= outLen {
				return nil
			}
			lit++
			out[op] = in[ip]
			op++
			ip++
			if lit == lzfMaxLit {
				out[op-lit-1] = byte(lit - 1)
				lit = 0
				op++
			}
		}
	}
	if op+3 > outLen {
		return nil
	}
	for ip < n {
		lit++
		out[op] = in[ip]
		op++
		ip++
		if lit == lzfMaxLit {
			out[op-lit-1] = byte(lit - 1)
			lit = 0
			op++
		}
	}
	out[op-lit-1] = byte(lit - 1)
	op -= b2i(lit == 0)
	return out[:op]
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// lzfDecompress expands in into exactly ulen bytes; false when in is
// malformed or does not expand to ulen bytes.
func lzfDecompress(in []byte, ulen int) ([]byte, bool) {
	out := make([]byte, 0, ulen)
	ip := 0
	for ip < len(in) {
		ctrl := int(in[ip])
		ip++
		if ctrl < 1<<5 {
			ctrl++
			if len(out)+ctrl > ulen || ip+ctrl > len(in) {
				return nil, false
			}
			out = append(out, in[ip:ip+ctrl]...)
			ip += ctrl
			continue
		}
		length := ctrl >> 5
		if length == 7 {
			if ip >= len(in) {
				return nil, false
			}
			length += int(in[ip])
			ip++
		}
		if ip >= len(in) {
			return nil, false
		}
		ref := len(out) - ((ctrl & 0x1f) << 8) - 1 - int(in[ip])
		ip++
		length += 2
		if len(out)+length > ulen || ref < 0 {
			return nil, false
		}
		for i := 0; i < length; i++ {
			out = append(out, out[ref+i])
		}
	}
	return out, len(out) == ulen
}
