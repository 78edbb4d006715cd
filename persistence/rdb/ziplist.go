package rdb

import (
	"encoding/binary"
)

// The encodings of Redis versions before 7: ziplists (ziplist.c), zipmaps
// (zipmap.c) and intsets (intset.c, still written by Valkey 8). Each
// parser validates the whole structure and returns its entries.

const (
	zlHeaderSize = 10
	zlEnd        = 0xFF
	zlBigPrevLen = 254
)

// parseZiplist validates zl (ziplistValidateIntegrity, deep) and returns
// its entries; strings alias zl.
func parseZiplist(zl []byte) ([]lpEntry, bool) {
	if len(zl) < zlHeaderSize+1 || int(binary.LittleEndian.Uint32(zl)) != len(zl) || zl[len(zl)-1] != zlEnd {
		return nil, false
	}
	tail := int(binary.LittleEndian.Uint32(zl[4:]))
	count := int(binary.LittleEndian.Uint16(zl[8:]))
	if tail > len(zl)-1 {
		return nil, false
	}
	out := make([]lpEntry, 0, min(count, (len(zl)-zlHeaderSize-1)/2))
	p := zlHeaderSize
	end := len(zl) - 1
	prev, last := 0, zlHeaderSize
	for p < end {
		b := zl[p:end]
		// prevlen
		var pl, plSize int
		if b[0] < zlBigPrevLen {
			pl, plSize = int(b[0]), 1
		} else if b[0] == zlBigPrevLen && len(b) >= 5 {
			pl, plSize = int(binary.LittleEndian.Uint32(b[1:])), 5
		} else {
			return nil, false
		}
		if pl != prev {
			return nil, false
		}
		e, size, ok := zlDecode(b[plSize:])
		if !ok {
			return nil, false
		}
		out = append(out, e)
		last = p
		prev = plSize + size
		p += prev
	}
	if p != end || (len(out) > 0 && last != tail) || (len(out) == 0 && tail != zlHeaderSize) {
		return nil, false
	}
	if count != 65535 && count != len(out) {
		return nil, false
	}
	return out, true
}

// zlDecode decodes a ziplist entry's encoding and content.
func zlDecode(b []byte) (lpEntry, int, bool) {
	if len(b) == 0 {
		return lpEntry{}, 0, false
	}
	c := b[0]
	switch c >> 6 {
	case 0:
		l := int(c & 0x3f)
		if len(b) < 1+l {
			return lpEntry{}, 0, false
		}
		return lpEntry{s: b[1 : 1+l]}, 1 + l, true
	case 1:
		if len(b) < 2 {
			return lpEntry{}, 0, false
		}
		l := int(c&0x3f)<<8 | int(b[1])
		if len(b) < 2+l {
			return lpEntry{}, 0, false
		}
		return lpEntry{s: b[2 : 2+l]}, 2 + l, true
	case 2:
		if c != 0x80 || len(b) < 5 {
			return lpEntry{}, 0, false
		}
		l := uint64(binary.BigEndian.Uint32(b[1:]))
		if l > uint64(len(b)-5) {
			return lpEntry{}, 0, false
		}
		return lpEntry{s: b[5 : 5+l]}, 5 + int(l), true
	}
	var n int
	switch c {
	case 0xC0:
		n = 2
	case 0xD0:
		n = 4
	case 0xE0:
		n = 8
	case 0xF0:
		n = 3
	case 0xFE:
		n = 1
	default:
		if c >= 0xF1 && c <= 0xFD {
			return lpEntry{i: int64(c&0x0f) - 1, isInt: true}, 1, true
		}
		return lpEntry{}, 0, false
	}
	if len(b) < 1+n {
		return lpEntry{}, 0, false
	}
	d := b[1 : 1+n]
	var v int64
	switch n {
	case 1:
		v = int64(int8(d[0]))
	case 2:
		v = int64(int16(binary.LittleEndian.Uint16(d)))
	case 3:
		v = int64(int32(uint32(d[0])<<8|uint32(d[1])<<16|uint32(d[2])<<24) >> 8)
	case 4:
		v = int64(int32(binary.LittleEndian.Uint32(d)))
	case 8:
		v = int64(binary.LittleEndian.Uint64(d))
	}
	return lpEntry{i: v, isInt: true}, 1 + n, true
}

// parseIntset validates an intset (intsetValidateIntegrity, deep: a valid
// width, the size matching the count, strictly ascending members).
func parseIntset(is []byte) ([]int64, bool) {
	if len(is) < 8 {
		return nil, false
	}
	enc := binary.LittleEndian.Uint32(is)
	if enc != 2 && enc != 4 && enc != 8 {
		return nil, false
	}
	n := uint64(binary.LittleEndian.Uint32(is[4:]))
	if n == 0 || uint64(len(is)-8) != n*uint64(enc) {
		return nil, false
	}
	out := make([]int64, n)
	for i := range out {
		d := is[8+i*int(enc):]
		switch enc {
		case 2:
			out[i] = int64(int16(binary.LittleEndian.Uint16(d)))
		case 4:
			out[i] = int64(int32(binary.LittleEndian.Uint32(d)))
		default:
			out[i] = int64(binary.LittleEndian.Uint64(d))
		}
		if i > 0 && out[i] <= out[i-1] {
			return nil, false
		}
	}
	return out, true
}

// appendIntset appends the intset of the ascending values vs.
func appendIntset(b []byte, vs []int64) []byte {
	enc := 2
	for _, v := range []int64{vs[0], vs[len(vs)-1]} {
		if v < -1<<31 || v > 1<<31-1 {
			enc = 8
		} else if (v < -1<<15 || v > 1<<15-1) && enc < 4 {
			enc = 4
		}
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(enc))
	b = binary.LittleEndian.AppendUint32(b, uint32(len(vs)))
	for _, v := range vs {
		switch enc {
		case 2:
			b = binary.LittleEndian.AppendUint16(b, uint16(v))
		case 4:
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		default:
			b = binary.LittleEndian.AppendUint64(b, uint64(v))
		}
	}
	return b
}

// parseZipmap validates a zipmap (zipmapValidateIntegrity) and returns
// its keys and values alternately.
func parseZipmap(zm []byte) ([][]byte, bool) {
	if len(zm) < 2 || zm[len(zm)-1] != 0xFF {
		return nil, false
	}
	p := 1
	end := len(zm) - 1
	var out [][]byte
	readLen := func() (int, bool) {
		if p >= end {
			return 0, false
		}
		if zm[p] < 254 {
			p++
			return int(zm[p-1]), true
		}
		if zm[p] != 254 || p+5 > end {
			return 0, false
		}
		l := int(binary.LittleEndian.Uint32(zm[p+1:]))
		p += 5
		return l, true
	}
	for p < end {
		kl, ok := readLen()
		if !ok || kl > end-p {
			return nil, false
		}
		out = append(out, zm[p:p+kl])
		p += kl
		vl, ok := readLen()
		if !ok || p >= end {
			return nil, false
		}
		free := int(zm[p])
		p++
		if vl > end-p || free > end-p-vl {
			return nil, false
		}
		out = append(out, zm[p:p+vl])
		p += vl + free
	}
	if p != end {
		return nil, false
	}
	return out, true
}
