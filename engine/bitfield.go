package engine

// BITFIELD key [GET type offset] [SET type offset value]
//          [INCRBY type offset increment] [OVERFLOW WRAP|SAT|FAIL] ...
// BITFIELD_RO key [GET type offset ...]
//
// Integers of 1 to 64 bits (signed) or 1 to 63 bits (unsigned) at any bit
// offset, most significant bit first, as Valkey's bitops.c.

type bfOpcode uint8

const (
	bfGet bfOpcode = iota
	bfSet
	bfIncrBy
)

type bfOverflow uint8

const (
	bfWrap bfOverflow = iota
	bfSat
	bfFail
)

// bfOp is one parsed BITFIELD operation.
type bfOp struct {
	offset   uint64
	value    int64 // SET value or INCRBY increment
	op       bfOpcode
	overflow bfOverflow
	bits     int
	signed   bool
}

func cmdBitField(c *Ctx)   { c.bitfield(false) }
func cmdBitFieldRO(c *Ctx) { c.bitfield(true) }

// bitfieldType parses i1..i64 or u1..u63 (lower case, as Valkey).
func (c *Ctx) bitfieldType(arg []byte) (signed bool, width int, ok bool) {
	p := cstr(arg)
	if len(p) == 0 || (p[0] != 'i' && p[0] != 'u') {
		c.Error(ErrBitfieldType)
		return false, 0, false
	}
	signed = p[0] == 'i'
	n, ok := parseStrictInt(p[1:])
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		c.Error(ErrBitfieldType)
		return false, 0, false
	}
	return signed, int(n), true
}

func (c *Ctx) bitfield(readOnly bool) {
	var ops []bfOp
	overflow := bfWrap
	writes := false
	var highest uint64
	args := c.Args
	for j := 2; j < len(args); j++ {
		remaining := len(args) - j - 1
		sub := args[j]
		var op bfOpcode
		switch {
		case eqFold(sub, "get") && remaining >= 2:
			op = bfGet
		case eqFold(sub, "set") && remaining >= 3:
			op = bfSet
		case eqFold(sub, "incrby") && remaining >= 3:
			op = bfIncrBy
		case eqFold(sub, "overflow") && remaining >= 1:
			j++
			switch t := args[j]; {
			case eqFold(t, "wrap"):
				overflow = bfWrap
			case eqFold(t, "sat"):
				overflow = bfSat
			case eqFold(t, "fail"):
				overflow = bfFail
			default:
				c.Error(ErrBitfieldOverflow)
				return
			}
			continue
		default:
			c.Error(ErrSyntax)
			return
		}
		signed, width, ok := c.bitfieldType(args[j+1])
		if !ok {
			return
		}
		off, ok := c.bitOffset(args[j+2], true, width)
		if !ok {
			return
		}
		var v int64
		if op != bfGet {
			writes = true
			highest = max(highest, off+uint64(width)-1)
			if v, ok = c.intArg(args[j+3]); !ok {
				return
			}
			j += 3
		} else {
			j += 2
		}
		ops = append(ops, bfOp{offset: off, value: v, op: op, overflow: overflow, bits: width, signed: signed})
	}

	var src []byte // the string for reads when nothing is written
	var s *Str     // the string written to
	created, grown := false, false
	if !writes {
		e := c.Lookup(c.Args[1])
		if e != nil {
			b, ok := stringBytes(e.Val.val(), c.scratch[:])
			if !ok {
				c.Error(ErrWrongType)
				return
			}
			src = b
		}
	} else {
		if readOnly {
			c.Error(ErrBitfieldRO)
			return
		}
		if s, created, grown = c.stringForBits(highest); s == nil {
			return
		}
	}

	c.R.Array(len(ops))
	changes := int64(0)
	for i := range ops {
		op := &ops[i]
		if op.op == bfGet {
			b := src
			if s != nil {
				b = s.B
			}
			if op.signed {
				c.R.Int(getSignedField(b, op.offset, op.bits))
			} else {
				c.R.Int(int64(getUnsignedField(b, op.offset, op.bits)))
			}
			continue
		}
		if op.signed {
			old := getSignedField(s.B, op.offset, op.bits)
			var nv, ret int64
			var over bool
			if op.op == bfIncrBy {
				w, o := signedOverflow(old, op.value, op.bits, op.overflow)
				over = o != 0
				nv = old + op.value
				if over {
					nv = w
				}
				ret = nv
			} else {
				nv = op.value
				w, o := signedOverflow(nv, 0, op.bits, op.overflow)
				over = o != 0
				if over {
					nv = w
				}
				ret = old
			}
			if over && op.overflow == bfFail {
				c.R.Null()
				continue
			}
			c.R.Int(ret)
			setField(s.B, op.offset, op.bits, uint64(nv))
			if grown || old != nv {
				changes++
			}
		} else {
			old := getUnsignedField(s.B, op.offset, op.bits)
			var nv, ret uint64
			var over bool
			if op.op == bfIncrBy {
				nv = old + uint64(op.value)
				w, o := unsignedOverflow(old, op.value, op.bits, op.overflow)
				over = o != 0
				if over {
					nv = w
				}
				ret = nv
			} else {
				nv = uint64(op.value)
				w, o := unsignedOverflow(nv, 0, op.bits, op.overflow)
				over = o != 0
				if over {
					nv = w
				}
				ret = old
			}
			if over && op.overflow == bfFail {
				c.R.Null()
				continue
			}
			c.R.Int(int64(ret))
			setField(s.B, op.offset, op.bits, nv)
			if grown || old != nv {
				changes++
			}
		}
	}
	if changes != 0 {
		c.Modified(c.Args[1])
		c.Notify(NotifyString, "setbit", c.Args[1])
	}
	if created {
		// Creating the key counted one change; Valkey counts only the
		// writes that happened (none when every write failed).
		changes--
	}
	if changes != 0 {
		c.Dirty(changes)
	}
}

// getUnsignedField reads width bits at bit offset off of b, bits past the
// end of b reading as zero.
func getUnsignedField(b []byte, off uint64, width int) uint64 {
	var v uint64
	for j := 0; j < width; j++ {
		i := off >> 3
		bit := uint64(0)
		if i < uint64(len(b)) {
			bit = uint64(b[i]>>(7-off&7)) & 1
		}
		v = v<<1 | bit
		off++
	}
	return v
}

// getSignedField reads a two's complement integer of width bits.
func getSignedField(b []byte, off uint64, width int) int64 {
	v := getUnsignedField(b, off, width)
	if width < 64 && v&(1<<(width-1)) != 0 {
		v |= ^uint64(0) << width
	}
	return int64(v)
}

// setField writes the low width bits of v at bit offset off; b is long
// enough.
func setField(b []byte, off uint64, width int, v uint64) {
	for j := 0; j < width; j++ {
		bit := byte(v>>(width-1-j)) & 1
		i := off >> 3
		sh := 7 - off&7
		b[i] = b[i]&^(1<<sh) | bit<<sh
		off++
	}
}

// unsignedOverflow is Valkey's checkUnsignedBitfieldOverflow: it reports
// 1 on overflow, -1 on underflow, 0 when value+incr fits in width bits,
// and the value to store instead under WRAP or SAT.
func unsignedOverflow(value uint64, incr int64, width int, ow bfOverflow) (uint64, int) {
	maxv := uint64(1)<<width - 1
	maxIncr := int64(maxv - value)
	minIncr := -int64(value)
	wrap := func() uint64 { return (value + uint64(incr)) &^ (^uint64(0) << width) }
	if value > maxv || (incr > 0 && incr > maxIncr) {
		switch ow {
		case bfWrap:
			return wrap(), 1
		case bfSat:
			return maxv, 1
		}
		return 0, 1
	}
	if incr < 0 && incr < minIncr {
		switch ow {
		case bfWrap:
			return wrap(), -1
		case bfSat:
			return 0, -1
		}
		return 0, -1
	}
	return 0, 0
}

// signedOverflow is Valkey's checkSignedBitfieldOverflow.
func signedOverflow(value, incr int64, width int, ow bfOverflow) (int64, int) {
	var maxv int64 = 1<<63 - 1
	if width != 64 {
		maxv = 1<<(width-1) - 1
	}
	minv := -maxv - 1
	maxIncr := int64(uint64(maxv) - uint64(value))
	minIncr := minv - value
	wrap := func() int64 {
		r := uint64(value) + uint64(incr)
		if width < 64 {
			mask := ^uint64(0) << width
			if r&(1<<(width-1)) != 0 {
				r |= mask
			} else {
				r &^= mask
			}
		}
		return int64(r)
	}
	if value > maxv || (width != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr) {
		switch ow {
		case bfWrap:
			return wrap(), 1
		case bfSat:
			return maxv, 1
		}
		return 0, 1
	}
	if value < minv || (width != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr) {
		switch ow {
		case bfWrap:
			return wrap(), -1
		case bfSat:
			return minv, -1
		}
		return 0, -1
	}
	return 0, 0
}
