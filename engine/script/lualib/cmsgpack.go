package lualib

import (
	"encoding/binary"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The cmsgpack library, as lua_cmsgpack.c 0.4.0 in Valkey 8:
//
//	cmsgpack.pack(v1, ...)               the values' encodings concatenated
//	cmsgpack.unpack(s)                   every value in s
//	cmsgpack.unpack_one(s[, offset])     next offset (-1 at the end), one value
//	cmsgpack.unpack_limit(s, n[, offset])  next offset, up to n values
//	cmsgpack._NAME, _VERSION, _COPYRIGHT, _DESCRIPTION
//
// Differences from Valkey: maps list their keys in gopher-lua's table
// order (array part, then keys in insertion order) where Valkey follows
// its C hash order; unpacking a map whose integer keys would make
// gopher-lua allocate a large array part (it stores every key from 1 to
// 2^26 in one slice) fails once a call would add more than maxMapHoles
// empty slots; cmsgpack.pack stops at maxOutput bytes. Unpacked arrays
// holding nils can have another length (#t) than in Valkey, where the
// border of a table with holes depends on its C layout.

// mpMaxNesting is LUACMSGPACK_MAX_NESTING: tables nested deeper pack as nil.
const mpMaxNesting = 16

// maxMapHoles bounds the empty array slots one unpack may create in
// gopher-lua tables for sparse integer map keys.
const maxMapHoles = 1 << 22

func newCmsgpack(L *lua.LState) *lua.LTable {
	t := newModule(L, []libFunc{
		{"pack", mpPack},
		{"unpack", mpUnpack},
		{"unpack_one", mpUnpackOne},
		{"unpack_limit", mpUnpackLimit},
	})
	t.RawSetString("_NAME", lua.LString("cmsgpack"))
	t.RawSetString("_VERSION", lua.LString("lua-cmsgpack 0.4.0"))
	t.RawSetString("_COPYRIGHT", lua.LString("Copyright (C) 2012, Redis Ltd."))
	t.RawSetString("_DESCRIPTION", lua.LString("MessagePack C implementation for Lua"))
	return t
}

// mpEncoder is one cmsgpack.pack call.
type mpEncoder struct {
	L    *lua.LState
	buf  []byte
	tick tick
}

// mpPack is cmsgpack.pack(...). Strings are str formats (fixstr, str8,
// str16, str32; never bin), booleans and nil as themselves, numbers that
// are whole and fit an int64 as the smallest int or uint format, other
// numbers as float32 when exact, else float64. A table is an array when its
// keys are exactly 1..n (an empty table too), else a map; tables nested
// more than 16 deep, functions, userdata (cjson.null) and threads pack as
// nil.
func mpPack(L *lua.LState) int {
	nargs := L.GetTop()
	if nargs == 0 {
		argError(L, 0, "MessagePack pack needs input.")
	}
	if 2*nargs > luaMaxCStack {
		argError(L, 0, "Too many arguments for MessagePack pack.")
	}
	e := &mpEncoder{L: L, tick: tick{L: L}}
	for i := 1; i <= nargs; i++ {
		// The C code holds the arguments, the packed results so far and
		// a copy of argument i.
		e.value(L.Get(i), 0, nargs+i)
	}
	L.Push(lua.LString(e.buf))
	return 1
}

// checkStack is luaL_checkstack: held slots plus n more must fit.
func checkStack(L *lua.LState, held, n int, what string) {
	if held+n > luaMaxCStack {
		raise(L, "stack overflow (%s)", what)
	}
}

// value appends v at nesting level; held counts the Lua stack slots the C
// encoder holds, v included.
func (e *mpEncoder) value(v lua.LValue, level, held int) {
	e.tick.step()
	if len(e.buf) > maxOutput {
		raise(e.L, "MessagePack pack output larger than %d bytes", maxOutput)
	}
	switch v := v.(type) {
	case lua.LString:
		e.bytes(string(v))
	case lua.LBool:
		if v {
			e.buf = append(e.buf, 0xc3)
		} else {
			e.buf = append(e.buf, 0xc2)
		}
	case lua.LNumber:
		f := float64(v)
		if i := toInt64(f); !math.IsInf(f, 0) && float64(i) == f {
			e.int(i)
		} else {
			e.double(f)
		}
	case *lua.LTable:
		if level == mpMaxNesting {
			e.buf = append(e.buf, 0xc0)
			return
		}
		e.table(v, level, held)
	default:
		e.buf = append(e.buf, 0xc0)
	}
}

func (e *mpEncoder) table(t *lua.LTable, level, held int) {
	// table_is_an_array: every key an integer in 1..n (kept as a C int).
	checkStack(e.L, held, 2, "in function table_is_an_array")
	var count, max int32
	isArray := true
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		e.tick.step()
		n, ok := k.(lua.LNumber)
		if !ok || n <= 0 || math.IsInf(float64(n), 0) || float64(toInt32(float64(n))) != float64(n) {
			isArray = false
			break
		}
		if float64(n) > float64(max) {
			max = int32(n)
		}
		count++
	}
	if isArray && max == count {
		checkStack(e.L, held, 1, "in function mp_encode_lua_table_as_array")
		e.header(0x90, 0xdc, uint32(count))
		for j := int32(1); j <= count; j++ {
			e.value(t.RawGet(lua.LNumber(j)), level+1, held+1)
		}
		return
	}
	checkStack(e.L, held, 3, "in function mp_encode_lua_table_as_map")
	var n uint32
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		e.tick.step()
		n++
	}
	e.header(0x80, 0xde, n)
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		e.value(k, level+1, held+3)
		e.value(v, level+1, held+2)
	}
}

// header appends an array or map header: fix (up to 15), 16 or 32 bits.
func (e *mpEncoder) header(fix, code16 byte, n uint32) {
	switch {
	case n <= 15:
		e.buf = append(e.buf, fix|byte(n))
	case n <= 0xffff:
		e.buf = binary.BigEndian.AppendUint16(append(e.buf, code16), uint16(n))
	default:
		e.buf = binary.BigEndian.AppendUint32(append(e.buf, code16+1), n)
	}
}

func (e *mpEncoder) bytes(s string) {
	switch n := len(s); {
	case n < 32:
		e.buf = append(e.buf, 0xa0|byte(n))
	case n <= 0xff:
		e.buf = append(e.buf, 0xd9, byte(n))
	case n <= 0xffff:
		e.buf = binary.BigEndian.AppendUint16(append(e.buf, 0xda), uint16(n))
	default:
		e.buf = binary.BigEndian.AppendUint32(append(e.buf, 0xdb), uint32(n))
	}
	e.buf = append(e.buf, s...)
}

func (e *mpEncoder) double(d float64) {
	if f := float32(d); float64(f) == d {
		e.buf = binary.BigEndian.AppendUint32(append(e.buf, 0xca), math.Float32bits(f))
		return
	}
	e.buf = binary.BigEndian.AppendUint64(append(e.buf, 0xcb), math.Float64bits(d))
}

func (e *mpEncoder) int(n int64) {
	b := e.buf
	switch {
	case n >= 0 && n <= 127:
		b = append(b, byte(n))
	case n >= 0 && n <= 0xff:
		b = append(b, 0xcc, byte(n))
	case n >= 0 && n <= 0xffff:
		b = binary.BigEndian.AppendUint16(append(b, 0xcd), uint16(n))
	case n >= 0 && n <= 0xffffffff:
		b = binary.BigEndian.AppendUint32(append(b, 0xce), uint32(n))
	case n >= 0:
		b = binary.BigEndian.AppendUint64(append(b, 0xcf), uint64(n))
	case n >= -32:
		b = append(b, byte(n))
	case n >= -128:
		b = append(b, 0xd0, byte(n))
	case n >= -32768:
		b = binary.BigEndian.AppendUint16(append(b, 0xd1), uint16(n))
	case n >= -2147483648:
		b = binary.BigEndian.AppendUint32(append(b, 0xd2), uint32(n))
	default:
		b = binary.BigEndian.AppendUint64(append(b, 0xd3), uint64(n))
	}
	e.buf = b
}
