package engine

import (
	"encoding/binary"
	"math/bits"
)

// Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP (BITFIELD and
// BITFIELD_RO are in bitfield.go). Bit 0 is the most significant bit of
// the first byte. Bitmaps are strings: commands that write them leave a
// raw string.
var bitmapCommands = []*Command{
	{Name: "setbit", Arity: 4, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Group: "bitmap", Run: cmdSetBit},
	{Name: "getbit", Arity: 3, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "bitmap", Run: cmdGetBit},
	{Name: "bitcount", Arity: -2, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "bitmap", Run: cmdBitCount},
	{Name: "bitpos", Arity: -3, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "bitmap", Run: cmdBitPos},
	{Name: "bitop", Arity: -4, Flags: Write | DenyOOM, First: 2, Last: -1, Step: 1, Group: "bitmap", Run: cmdBitOp},
	{Name: "bitfield", Arity: -2, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Group: "bitmap", Run: cmdBitField},
	{Name: "bitfield_ro", Arity: -2, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "bitmap", Run: cmdBitFieldRO},
}

// bitOffset parses a bit offset as Valkey's getBitOffsetFromArgument: an
// integer from 0 to proto-max-bulk-len*8-1; with hash (BITFIELD) a
// "#n" form means n*width. It replies ErrBitOffset and returns false when
// the offset is invalid, before anything is allocated.
func (c *Ctx) bitOffset(arg []byte, hash bool, width int) (uint64, bool) {
	p := arg
	useHash := hash && width > 0 && len(p) > 0 && p[0] == '#'
	if useHash {
		p = p[1:]
	}
	off, ok := parseStrictInt(p)
	if ok && useHash {
		off *= int64(width) // wraps like Valkey's; a wrapped value is refused below
	}
	if !ok || off < 0 || off>>3 >= c.Node.MaxBulkLen() {
		c.Error(ErrBitOffset)
		return 0, false
	}
	return uint64(off), true
}

// stringForBits is Valkey's lookupStringForBitCommand: it returns the raw
// string at c.Args[1], created or zero-padded so that bit maxBit exists,
// whether it was created, and whether it was created or grown. It replies
// WRONGTYPE and returns nil when the key holds another type.
//
// Creating the key counts one change (SetValue does); Valkey's dbAdd
// counts none and leaves the count to the command, so a caller that
// counts its own changes subtracts that one when created is true.
func (c *Ctx) stringForBits(maxBit uint64) (s *Str, created, grown bool) {
	key := c.Args[1]
	need := int(maxBit>>3) + 1
	e := c.LookupWrite(key)
	if e == nil {
		s = &Str{B: make([]byte, need), Raw: true}
		c.SetValue(key, s, false)
		return s, true, true
	}
	if !isString(e.Val.val()) {
		c.Error(ErrWrongType)
		return nil, false, false
	}
	s = rawString(e)
	old := len(s.B)
	s.B = growZero(s.B, need)
	return s, false, len(s.B) != old
}

func cmdSetBit(c *Ctx) {
	off, ok := c.bitOffset(c.Args[2], false, 0)
	if !ok {
		return
	}
	on, ok := parseStrictInt(c.Args[3])
	if !ok || on&^1 != 0 {
		c.Error(ErrBitValue)
		return
	}
	s, created, grown := c.stringForBits(off)
	if s == nil {
		return
	}
	i, mask := off>>3, byte(1)<<(7-off&7)
	old := s.B[i]&mask != 0
	if grown || old != (on == 1) {
		if on == 1 {
			s.B[i] |= mask
		} else {
			s.B[i] &^= mask
		}
		c.Modified(c.Args[1])
		c.Notify(NotifyString, "setbit", c.Args[1])
		if !created { // creation counted the one change already
			c.Dirty(1)
		}
	}
	if old {
		c.R.Int(1)
	} else {
		c.R.Int(0)
	}
}

func cmdGetBit(c *Ctx) {
	off, ok := c.bitOffset(c.Args[2], false, 0)
	if !ok {
		return
	}
	b, _, ok := c.getString(c.Args[1])
	if !ok {
		return
	}
	if i := off >> 3; i < uint64(len(b)) && b[i]&(1<<(7-off&7)) != 0 {
		c.R.Int(1)
		return
	}
	c.R.Int(0)
}

// bitRange is the parsed [start end [BYTE|BIT]] of BITCOUNT and BITPOS,
// resolved against a string's length as Valkey does: byte indexes start
// and end, and masks of the out-of-range bits of the edge bytes for BIT
// ranges.
type bitRange struct {
	start, end                int64
	firstNegMask, lastNegMask byte
}

// resolveBitRange turns user indexes into a bitRange over n bytes.
func resolveBitRange(start, end, n int64, isBit bool) bitRange {
	total := n
	if isBit {
		total <<= 3
	}
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start = max(start, 0)
	end = max(end, 0)
	if end >= total {
		end = total - 1
	}
	r := bitRange{start: start, end: end}
	if isBit && start <= end {
		r.firstNegMask = ^byte((1 << (8 - start&7)) - 1)
		r.lastNegMask = byte((1 << (7 - end&7)) - 1)
		r.start >>= 3
		r.end >>= 3
	}
	return r
}

// parseBitUnit parses BYTE or BIT.
func (c *Ctx) parseBitUnit(arg []byte) (isBit, ok bool) {
	switch {
	case eqFold(arg, "bit"):
		return true, true
	case eqFold(arg, "byte"):
		return false, true
	}
	c.Error(ErrSyntax)
	return false, false
}

// BITCOUNT key [start [end [BYTE|BIT]]]; Valkey 8 accepts a start alone.
func cmdBitCount(c *Ctx) {
	argc := len(c.Args)
	var start, end int64
	var isBit, ok bool
	switch {
	case argc >= 3 && argc <= 5:
		if start, ok = c.intArg(c.Args[2]); !ok {
			return
		}
		if argc == 5 {
			if isBit, ok = c.parseBitUnit(c.Args[4]); !ok {
				return
			}
		}
		if argc >= 4 {
			if end, ok = c.intArg(c.Args[3]); !ok {
				return
			}
		}
	case argc == 2:
	default:
		c.Error(ErrSyntax)
		return
	}
	b, found, ok := c.getString(c.Args[1])
	if !ok {
		return
	}
	if !found {
		c.R.Int(0)
		return
	}
	n := int64(len(b))
	var r bitRange
	if argc == 2 {
		r = bitRange{start: 0, end: n - 1}
	} else {
		if argc < 4 {
			end = n - 1
		}
		if start < 0 && end < 0 && start > end {
			c.R.Int(0)
			return
		}
		r = resolveBitRange(start, end, n, isBit)
	}
	if r.start > r.end {
		c.R.Int(0)
		return
	}
	count := popcount(b[r.start : r.end+1])
	if r.firstNegMask != 0 {
		count -= int64(bits.OnesCount8(b[r.start] & r.firstNegMask))
	}
	if r.lastNegMask != 0 {
		count -= int64(bits.OnesCount8(b[r.end] & r.lastNegMask))
	}
	c.R.Int(count)
}

// popcount counts the set bits of b.
func popcount(b []byte) int64 {
	n := 0
	for len(b) >= 8 {
		n += bits.OnesCount64(binary.LittleEndian.Uint64(b))
		b = b[8:]
	}
	for _, x := range b {
		n += bits.OnesCount8(x)
	}
	return int64(n)
}

// bitpos returns the position of the first bit equal to bit in b, as
// Valkey's serverBitpos: when looking for a clear bit and there is none,
// len(b)*8 (the string is taken as zero-padded on the right); when looking
// for a set bit and there is none, -1.
func bitpos(b []byte, bit int64) int64 {
	skip := uint64(0)
	if bit == 0 {
		skip = ^uint64(0)
	}
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.BigEndian.Uint64(b[i:]) != skip {
			break
		}
	}
	for ; i < len(b); i++ {
		x := b[i]
		if bit == 0 {
			x = ^x
		}
		if x != 0 {
			return int64(i)*8 + int64(bits.LeadingZeros8(x))
		}
	}
	if bit == 1 {
		return -1
	}
	return int64(len(b)) * 8
}

// BITPOS key bit [start [end [BYTE|BIT]]]
func cmdBitPos(c *Ctx) {
	argc := len(c.Args)
	bit, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	if bit != 0 && bit != 1 {
		c.Error(ErrBitArg)
		return
	}
	var start, end int64
	var isBit, endGiven bool
	switch {
	case argc >= 4 && argc <= 6:
		if start, ok = c.intArg(c.Args[3]); !ok {
			return
		}
		if argc == 6 {
			if isBit, ok = c.parseBitUnit(c.Args[5]); !ok {
				return
			}
		}
		if argc >= 5 {
			if end, ok = c.intArg(c.Args[4]); !ok {
				return
			}
			endGiven = true
		}
	case argc == 3:
	default:
		c.Error(ErrSyntax)
		return
	}
	b, found, ok := c.getString(c.Args[1])
	if !ok {
		return
	}
	if !found {
		if bit == 1 {
			c.R.Int(-1)
		} else {
			c.R.Int(0)
		}
		return
	}
	n := int64(len(b))
	var r bitRange
	if argc == 3 {
		r = bitRange{start: 0, end: n - 1}
	} else {
		if argc < 5 {
			end = n - 1
		}
		r = resolveBitRange(start, end, n, isBit)
	}
	if r.start > r.end {
		c.R.Int(-1)
		return
	}
	c.R.Int(bitposRange(b, bit, r, endGiven))
}

// bitposRange searches b within r as Valkey's bitposCommand does, edge
// masks and end-of-range rules included.
func bitposRange(b []byte, bit int64, r bitRange, endGiven bool) int64 {
	start, end := r.start, r.end
	nbytes := end - start + 1
	var pos int64
	masked := func(x, neg byte) byte {
		if bit == 1 {
			return x &^ neg
		}
		return x | neg
	}
	done := false
	if r.firstNegMask != 0 {
		tmp := masked(b[start], r.firstNegMask)
		if r.lastNegMask != 0 && nbytes == 1 {
			tmp = masked(tmp, r.lastNegMask)
		}
		pos = bitpos([]byte{tmp}, bit)
		if nbytes == 1 || (pos != -1 && pos != 8) {
			done = true
		} else {
			start++
			nbytes--
		}
	}
	if !done {
		cur := nbytes
		if r.lastNegMask != 0 {
			cur--
		}
		if cur > 0 {
			pos = bitpos(b[start:start+cur], bit)
			if nbytes == cur || (pos != -1 && pos != cur<<3) {
				done = true
			} else {
				start += cur
				nbytes -= cur
			}
		}
	}
	if !done {
		pos = bitpos([]byte{masked(b[end], r.lastNegMask)}, bit)
	}
	// With an explicit end the right of the range is not zero padding:
	// no clear bit inside means -1.
	if endGiven && bit == 0 && pos == nbytes<<3 {
		return -1
	}
	if pos != -1 {
		pos += start << 3
	}
	return pos
}

// BITOP AND|OR|XOR|NOT destkey srckey [srckey ...]
func cmdBitOp(c *Ctx) {
	op := c.Args[1]
	var kind byte
	switch {
	case eqFold(op, "and"):
		kind = '&'
	case eqFold(op, "or"):
		kind = '|'
	case eqFold(op, "xor"):
		kind = '^'
	case eqFold(op, "not"):
		kind = '~'
	default:
		c.Error(ErrSyntax)
		return
	}
	if kind == '~' && len(c.Args) != 4 {
		c.Error(ErrBitopNot)
		return
	}
	srcKeys := c.Args[3:]
	srcs := make([][]byte, len(srcKeys))
	maxLen := 0
	for i, k := range srcKeys {
		e := c.Lookup(k)
		if e == nil {
			continue
		}
		b, ok := stringBytes(e.Val.val(), nil)
		if !ok {
			c.Error(ErrWrongType)
			return
		}
		srcs[i] = b
		maxLen = max(maxLen, len(b))
	}
	dest := c.Args[2]
	if maxLen == 0 {
		if c.Delete(dest) {
			c.Modified(dest)
			c.Notify(NotifyGeneric, "del", dest)
		}
		c.R.Int(0)
		return
	}
	res := make([]byte, maxLen)
	copy(res, srcs[0])
	switch kind {
	case '~':
		for j := range res {
			res[j] = ^res[j]
		}
	case '&':
		for _, s := range srcs[1:] {
			for j := range s {
				res[j] &= s[j]
			}
			clear(res[len(s):])
		}
	case '|':
		for _, s := range srcs[1:] {
			for j := range s {
				res[j] |= s[j]
			}
		}
	case '^':
		for _, s := range srcs[1:] {
			for j := range s {
				res[j] ^= s[j]
			}
		}
	}
	c.SetValue(dest, &Str{B: res, Raw: true}, false)
	c.Modified(dest)
	c.Notify(NotifyString, "set", dest)
	c.R.Int(int64(maxLen))
}
