package rdb

import (
	"encoding/binary"
	"math"
	"strconv"
)

// Listpacks (listpack.c): a 6-byte header (total bytes and element count,
// little endian), the entries, and an end byte 0xFF. An entry is an
// encoding byte with its data, then its back-length.

const (
	lpHeaderSize = 6
	lpEOF        = 0xFF
)

// lpBuilder appends entries to a listpack under construction.
type lpBuilder struct {
	b []byte
	n int
}

func newLP(capHint int) *lpBuilder {
	b := make([]byte, lpHeaderSize, lpHeaderSize+capHint+1)
	return &lpBuilder{b: b}
}

// appendBacklen appends the back-length of an entry of l bytes.
func appendBacklen(b []byte, l int) []byte {
	switch {
	case l <= 127:
		return append(b, byte(l))
	case l < 16383:
		return append(b, byte(l>>7), byte(l&127)|128)
	case l < 2097151:
		return append(b, byte(l>>14), byte((l>>7)&127)|128, byte(l&127)|128)
	case l < 268435455:
		return append(b, byte(l>>21), byte((l>>14)&127)|128, byte((l>>7)&127)|128, byte(l&127)|128)
	}
	return append(b, byte(l>>28), byte((l>>21)&127)|128, byte((l>>14)&127)|128, byte((l>>7)&127)|128, byte(l&127)|128)
}

// addInt appends an integer entry.
func (lp *lpBuilder) addInt(v int64) {
	start := len(lp.b)
	b := lp.b
	switch {
	case v >= 0 && v <= 127:
		b = append(b, byte(v))
	case v >= -4096 && v <= 4095:
		u := uint64(v) & 0x1fff
		b = append(b, 0xC0|byte(u>>8), byte(u))
	case v >= math.MinInt16 && v <= math.MaxInt16:
		b = append(b, 0xF1)
		b = binary.LittleEndian.AppendUint16(b, uint16(v))
	case v >= -(1<<23) && v < 1<<23:
		u := uint32(v)
		b = append(b, 0xF2, byte(u), byte(u>>8), byte(u>>16))
	case v >= math.MinInt32 && v <= math.MaxInt32:
		b = append(b, 0xF3)
		b = binary.LittleEndian.AppendUint32(b, uint32(v))
	default:
		b = append(b, 0xF4)
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	lp.b = appendBacklen(b, len(b)-start)
	lp.n++
}

// add appends s, as an integer entry when it is a canonical integer.
func (lp *lpBuilder) add(s []byte) {
	if v, ok := parseStrictInt(s); ok {
		lp.addInt(v)
		return
	}
	start := len(lp.b)
	b := lp.b
	switch l := len(s); {
	case l < 64:
		b = append(b, 0x80|byte(l))
	case l < 4096:
		b = append(b, 0xE0|byte(l>>8), byte(l))
	default:
		b = append(b, 0xF0)
		b = binary.LittleEndian.AppendUint32(b, uint32(l))
	}
	b = append(b, s...)
	lp.b = appendBacklen(b, len(b)-start)
	lp.n++
}

// finish terminates the listpack and returns its bytes.
func (lp *lpBuilder) finish() []byte {
	lp.b = append(lp.b, lpEOF)
	binary.LittleEndian.PutUint32(lp.b, uint32(len(lp.b)))
	n := lp.n
	if n > 65535 {
		n = 65535
	}
	binary.LittleEndian.PutUint16(lp.b[4:], uint16(n))
	return lp.b
}

// lpEntry is a parsed listpack entry: a string (s) or an integer.
type lpEntry struct {
	s     []byte
	i     int64
	isInt bool
}

// bytes returns the entry as a string, formatting an integer.
func (e lpEntry) bytes() []byte {
	if e.isInt {
		return strconv.AppendInt(nil, e.i, 10)
	}
	return e.s
}

// parseListpack validates lp structurally (lpValidateIntegrity with deep
// checks) and returns its entries; the strings alias lp.
func parseListpack(lp []byte) ([]lpEntry, bool) {
	if len(lp) < lpHeaderSize+1 || int(binary.LittleEndian.Uint32(lp)) != len(lp) || lp[len(lp)-1] != lpEOF {
		return nil, false
	}
	count := int(binary.LittleEndian.Uint16(lp[4:]))
	// Each entry takes at least 2 bytes.
	out := make([]lpEntry, 0, min(count, (len(lp)-lpHeaderSize-1)/2))
	p := lpHeaderSize
	end := len(lp) - 1
	for p < end {
		e, size, ok := lpDecode(lp[p:end])
		if !ok {
			return nil, false
		}
		// The back-length must encode size.
		bl := appendBacklen(make([]byte, 0, 5), size)
		if p+size+len(bl) > end || string(lp[p+size:p+size+len(bl)]) != string(bl) {
			return nil, false
		}
		p += size + len(bl)
		out = append(out, e)
	}
	if count != 65535 && count != len(out) {
		return nil, false
	}
	return out, true
}

// lpDecode decodes the entry at the start of b, returning it and its size
// without the back-length.
func lpDecode(b []byte) (lpEntry, int, bool) {
	if len(b) == 0 {
		return lpEntry{}, 0, false
	}
	c := b[0]
	need := func(n int) bool { return len(b) >= n }
	switch {
	case c&0x80 == 0:
		return lpEntry{i: int64(c), isInt: true}, 1, true
	case c&0xC0 == 0x80:
		l := int(c & 0x3f)
		if !need(1 + l) {
			break
		}
		return lpEntry{s: b[1 : 1+l]}, 1 + l, true
	case c&0xE0 == 0xC0:
		if !need(2) {
			break
		}
		u := uint64(c&0x1f)<<8 | uint64(b[1])
		v := int64(u)
		if u >= 1<<12 {
			v = int64(u) - 1<<13
		}
		return lpEntry{i: v, isInt: true}, 2, true
	case c&0xF0 == 0xE0:
		if !need(2) {
			break
		}
		l := int(c&0x0f)<<8 | int(b[1])
		if !need(2 + l) {
			break
		}
		return lpEntry{s: b[2 : 2+l]}, 2 + l, true
	case c == 0xF0:
		if !need(5) {
			break
		}
		l := uint64(binary.LittleEndian.Uint32(b[1:]))
		if l > uint64(len(b)-5) {
			break
		}
		return lpEntry{s: b[5 : 5+l]}, 5 + int(l), true
	case c == 0xF1:
		if !need(3) {
			break
		}
		return lpEntry{i: int64(int16(binary.LittleEndian.Uint16(b[1:]))), isInt: true}, 3, true
	case c == 0xF2:
		if !need(4) {
			break
		}
		u := uint32(b[1]) | uint32(b[2])<<8 | uint32(b[3])<<16
		return lpEntry{i: int64(int32(u<<8) >> 8), isInt: true}, 4, true
	case c == 0xF3:
		if !need(5) {
			break
		}
		return lpEntry{i: int64(int32(binary.LittleEndian.Uint32(b[1:]))), isInt: true}, 5, true
	case c == 0xF4:
		if !need(9) {
			break
		}
		return lpEntry{i: int64(binary.LittleEndian.Uint64(b[1:])), isInt: true}, 9, true
	}
	return lpEntry{}, 0, false
}
