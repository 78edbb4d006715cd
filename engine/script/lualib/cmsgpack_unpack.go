package lualib

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// Decoding errors, as lua_cmsgpack's cursor reports them.
const (
	mpOK = iota
	mpEOF
	mpBadFormat
)

// mpDecoder is one unpack call's cursor over its input.
type mpDecoder struct {
	L     *lua.LState
	s     string
	pos   int
	err   int
	holes int // empty array slots created for sparse integer map keys
	tick  tick
}

// mpUnpack is cmsgpack.unpack(s): every value packed in s.
func mpUnpack(L *lua.LState) int {
	return mpUnpackFull(L, 0, 0, L.GetTop())
}

// mpUnpackOne is cmsgpack.unpack_one(s[, offset]): the offset after the
// first value at offset (-1 when that was the last byte), then the value.
func mpUnpackOne(L *lua.LState) int {
	offset := optInteger(L, 2, 0)
	return mpUnpackFull(L, 1, offset, 1)
}

// mpUnpackLimit is cmsgpack.unpack_limit(s, limit[, offset]): the next
// offset (-1 at the end), then up to limit values. A limit and offset of 0
// unpack everything and return no offset, as cmsgpack.unpack does.
func mpUnpackLimit(L *lua.LState) int {
	limit := checkInteger(L, 2)
	offset := optInteger(L, 3, 0)
	return mpUnpackFull(L, limit, offset, 1)
}

// mpUnpackFull unpacks up to limit values of argument 1 from offset; held
// counts the Lua stack slots the C code holds before the first value.
// Unpacked bin, ext and 0xc1 bytes are bad formats, uint64 values of 2^63
// and more come back negative (they pass through a signed integer), and
// integer map keys work as any number keys; a nil or NaN map key raises
// Lua's "table index is nil" or "table index is NaN".
func mpUnpackFull(L *lua.LState, limit, offset int64, held int) int {
	s := checkString(L, 1)
	decodeAll := limit == 0 && offset == 0
	if offset < 0 || limit < 0 {
		raise(L, "Invalid request to unpack with offset of %d and limit of %d.", int32(offset), int32(len(s)))
	} else if offset > int64(len(s)) {
		raise(L, "Start offset %d greater than input length %d.", int32(offset), int32(len(s)))
	}
	if decodeAll {
		limit = math.MaxInt32
	}
	d := &mpDecoder{L: L, s: s, pos: int(offset), tick: tick{L: L}}
	var values []lua.LValue
	for cnt := int64(0); d.pos < len(s) && cnt < limit; cnt++ {
		v := d.value(held + len(values))
		switch d.err {
		case mpEOF:
			raise(L, "Missing bytes in input.")
		case mpBadFormat:
			raise(L, "Bad data format in input.")
		}
		values = append(values, v)
	}
	if !decodeAll {
		checkStack(L, held+len(values), 1, "in function mp_unpack_full")
		next := int64(d.pos)
		if d.pos == len(s) {
			next = -1
		}
		L.Push(lua.LNumber(next))
	}
	for _, v := range values {
		L.Push(v)
	}
	if !decodeAll {
		return len(values) + 1
	}
	return len(values)
}

// need reports whether n more bytes are there, setting mpEOF if not.
func (d *mpDecoder) need(n int) bool {
	if len(d.s)-d.pos < n {
		d.err = mpEOF
		return false
	}
	return true
}

// value decodes the value at the cursor; held counts the Lua stack slots
// the C decoder holds before pushing it. On error it sets d.err.
func (d *mpDecoder) value(held int) lua.LValue {
	d.tick.step()
	if !d.need(1) {
		return lua.LNil
	}
	checkStack(d.L, held, 1, "too many return values at once; use unpack_one or unpack_limit instead.")
	p := d.s[d.pos:]
	// fixed returns the n bytes after the type byte and moves past them.
	fixed := func(n int) string {
		if !d.need(1 + n) {
			return ""
		}
		d.pos += 1 + n
		return p[1 : 1+n]
	}
	switch c := p[0]; c {
	case 0xcc:
		if b := fixed(1); d.err == mpOK {
			return lua.LNumber(b[0])
		}
	case 0xd0:
		if b := fixed(1); d.err == mpOK {
			return lua.LNumber(int8(b[0]))
		}
	case 0xcd:
		if b := fixed(2); d.err == mpOK {
			return lua.LNumber(u16(b))
		}
	case 0xd1:
		if b := fixed(2); d.err == mpOK {
			return lua.LNumber(int16(u16(b)))
		}
	case 0xce:
		if b := fixed(4); d.err == mpOK {
			return lua.LNumber(u32(b))
		}
	case 0xd2:
		if b := fixed(4); d.err == mpOK {
			return lua.LNumber(int32(u32(b)))
		}
	case 0xcf, 0xd3: // uint64 goes through lua_pushinteger's int64
		if b := fixed(8); d.err == mpOK {
			return lua.LNumber(int64(u64(b)))
		}
	case 0xc0:
		d.pos++
		return lua.LNil
	case 0xc3:
		d.pos++
		return lua.LTrue
	case 0xc2:
		d.pos++
		return lua.LFalse
	case 0xca:
		if b := fixed(4); d.err == mpOK {
			return lua.LNumber(math.Float32frombits(u32(b)))
		}
	case 0xcb:
		if b := fixed(8); d.err == mpOK {
			return lua.LNumber(math.Float64frombits(u64(b)))
		}
	case 0xd9:
		if b := fixed(1); d.err == mpOK {
			return d.str(int(b[0]))
		}
	case 0xda:
		if b := fixed(2); d.err == mpOK {
			return d.str(int(u16(b)))
		}
	case 0xdb:
		if b := fixed(4); d.err == mpOK {
			return d.str(int(u32(b)))
		}
	case 0xdc:
		if b := fixed(2); d.err == mpOK {
			return d.array(int(u16(b)), held)
		}
	case 0xdd:
		if b := fixed(4); d.err == mpOK {
			return d.array(int(u32(b)), held)
		}
	case 0xde:
		if b := fixed(2); d.err == mpOK {
			return d.mapValue(int(u16(b)), held)
		}
	case 0xdf:
		if b := fixed(4); d.err == mpOK {
			return d.mapValue(int(u32(b)), held)
		}
	default:
		switch {
		case c&0x80 == 0:
			d.pos++
			return lua.LNumber(c)
		case c&0xe0 == 0xe0:
			d.pos++
			return lua.LNumber(int8(c))
		case c&0xe0 == 0xa0:
			d.pos++
			return d.str(int(c & 0x1f))
		case c&0xf0 == 0x90:
			d.pos++
			return d.array(int(c&0xf), held)
		case c&0xf0 == 0x80:
			d.pos++
			return d.mapValue(int(c&0xf), held)
		default:
			d.err = mpBadFormat
		}
	}
	return lua.LNil
}

// str reads a string of n bytes at the cursor (past its header).
func (d *mpDecoder) str(n int) lua.LValue {
	if !d.need(n) {
		return lua.LNil
	}
	v := lua.LString(d.s[d.pos : d.pos+n])
	d.pos += n
	return v
}

func (d *mpDecoder) array(n, held int) lua.LValue {
	// Allocate as elements arrive: a header may claim 2^32 of them.
	t := d.L.CreateTable(min(n, 32), 0)
	checkStack(d.L, held+1, 1, "in function mp_decode_to_lua_array")
	for i := 1; i <= n; i++ {
		v := d.value(held + 2) // the table and the index
		if d.err != mpOK {
			return lua.LNil
		}
		if v != lua.LNil {
			t.RawSetInt(i, v)
		}
	}
	return t
}

func (d *mpDecoder) mapValue(n, held int) lua.LValue {
	t := d.L.CreateTable(0, min(n, 32))
	alen := 0 // gopher-lua's array part length: its largest integer key so far
	for ; n > 0; n-- {
		k := d.value(held + 1)
		if d.err != mpOK {
			return lua.LNil
		}
		v := d.value(held + 2)
		if d.err != mpOK {
			return lua.LNil
		}
		switch k := k.(type) {
		case *lua.LNilType:
			raiseBare(d.L, "table index is nil")
		case lua.LNumber:
			f := float64(k)
			if math.IsNaN(f) {
				raiseBare(d.L, "table index is NaN")
			}
			if f >= 1 && f < float64(lua.MaxArrayIndex) && f == math.Trunc(f) {
				i := int(f)
				if i > alen {
					if v == lua.LNil {
						continue // no such key to remove
					}
					d.holes += i - 1 - alen
					if d.holes > maxMapHoles {
						raise(d.L, "Map key %d too sparse to unpack: it would allocate %d array slots", i, d.holes)
					}
					alen = i
				}
			}
		}
		t.RawSet(k, v)
	}
	return t
}

// u16, u32 and u64 read big-endian unsigned integers from the start of s.
func u16(s string) uint16 { return uint16(s[0])<<8 | uint16(s[1]) }

func u32(s string) uint32 { return uint32(u16(s))<<16 | uint32(u16(s[2:])) }

func u64(s string) uint64 { return uint64(u32(s))<<32 | uint64(u32(s[4:])) }
