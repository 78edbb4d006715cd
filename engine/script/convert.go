package script

import (
	"strings"

	lua "github.com/yuin/gopher-lua"

	"github.com/flect-kv/flect/engine"
)

// Conversions between replies and Lua values, as Valkey's script_lua.c
// does them.

// valueToLua converts a command's reply for the script (server.call):
// integers become numbers, bulk strings strings, statuses {ok=...},
// errors {err=...}, RESP2 nulls false and RESP3 nulls nil, arrays tables;
// RESP3 maps {map={...}}, sets {set={member=true}}, doubles {double=n},
// booleans true/false, big numbers {big_number="..."} and verbatim
// strings {verbatim_string={format=..., string=...}}.
func (v *vm) valueToLua(L *lua.LState, val Value) lua.LValue {
	switch val.Kind {
	case KindStatus:
		t := L.CreateTable(0, 1)
		t.RawSetString("ok", lua.LString(val.Str))
		return t
	case KindError:
		t := errorReplyTable(L, "-"+val.Str)
		t.RawSetString("ignore_error_stats_update", lua.LTrue)
		return t
	case KindInt:
		return lua.LNumber(val.Int)
	case KindBulk:
		return lua.LString(val.Str)
	case KindNull:
		if v.run.resp == 3 {
			return lua.LNil
		}
		return lua.LFalse
	case KindNullArray:
		return lua.LFalse
	case KindArray:
		t := L.CreateTable(len(val.Elems), 0)
		for i, e := range val.Elems {
			t.RawSetInt(i+1, v.valueToLua(L, e))
		}
		return t
	case KindMap:
		m := L.CreateTable(0, len(val.Elems)/2)
		for i := 0; i+1 < len(val.Elems); i += 2 {
			if k := v.valueToLua(L, val.Elems[i]); k != lua.LNil {
				m.RawSet(k, v.valueToLua(L, val.Elems[i+1]))
			}
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("map", m)
		return t
	case KindSet:
		s := L.CreateTable(0, len(val.Elems))
		for _, e := range val.Elems {
			if k := v.valueToLua(L, e); k != lua.LNil {
				s.RawSet(k, lua.LTrue)
			}
		}
		t := L.CreateTable(0, 1)
		t.RawSetString("set", s)
		return t
	case KindDouble:
		t := L.CreateTable(0, 1)
		t.RawSetString("double", lua.LNumber(val.Float))
		return t
	case KindBool:
		return lua.LBool(val.Int != 0)
	case KindBigNumber:
		t := L.CreateTable(0, 1)
		t.RawSetString("big_number", lua.LString(val.Str))
		return t
	case KindVerbatim:
		vs := L.CreateTable(0, 2)
		vs.RawSetString("string", lua.LString(val.Str))
		vs.RawSetString("format", lua.LString(val.Format))
		t := L.CreateTable(0, 1)
		t.RawSetString("verbatim_string", vs)
		return t
	}
	return lua.LNil
}

// luaToValue converts the script's return value into a reply. slots is
// how much of Lua's C stack the conversion uses so far: Valkey converts
// recursively on that stack and replies "reached lua stack limit" for
// values nested too deep (a table containing itself).
func (v *vm) luaToValue(lv lua.LValue, slots int) Value {
	if slots+4 > maxCStack {
		return errorValue(msgStackLimit)
	}
	switch x := lv.(type) {
	case lua.LString:
		return Value{Kind: KindBulk, Str: string(x)}
	case lua.LBool:
		if v.run.resp == 2 {
			if x {
				return Value{Kind: KindInt, Int: 1}
			}
			return Value{Kind: KindNull}
		}
		return Value{Kind: KindBool, Int: boolInt(bool(x))}
	case lua.LNumber:
		return Value{Kind: KindInt, Int: toInteger(float64(x))}
	case *lua.LTable:
		return v.tableToValue(v.prot.unwrap(x).(*lua.LTable), slots)
	}
	return Value{Kind: KindNull}
}

// tableToValue converts a returned table: an error, status, double, big
// number, verbatim string, map or set table by its field, else an array
// of the values up to the first nil. Maps and sets list their keys in
// insertion order (Lua's order follows its hash function).
func (v *vm) tableToValue(t *lua.LTable, slots int) Value {
	if e, ok := t.RawGetString("err").(lua.LString); ok {
		return Value{Kind: KindError, Str: sanitizeError(cString(string(e)))}
	}
	if s, ok := t.RawGetString("ok").(lua.LString); ok {
		return Value{Kind: KindStatus, Str: mapCRLF(cString(string(s)))}
	}
	if d, ok := t.RawGetString("double").(lua.LNumber); ok {
		return Value{Kind: KindDouble, Float: float64(d)}
	}
	if s, ok := t.RawGetString("big_number").(lua.LString); ok {
		return Value{Kind: KindBigNumber, Str: mapCRLF(string(s))}
	}
	if vs, ok := v.prot.unwrap(t.RawGetString("verbatim_string")).(*lua.LTable); ok {
		format, okF := vs.RawGetString("format").(lua.LString)
		str, okS := vs.RawGetString("string").(lua.LString)
		if okF && okS {
			return Value{Kind: KindVerbatim, Str: string(str), Format: verbatimFormat(string(format))}
		}
	}
	if m, ok := v.prot.unwrap(t.RawGetString("map")).(*lua.LTable); ok {
		out := Value{Kind: KindMap}
		for k, val := m.Next(lua.LNil); k != lua.LNil; k, val = m.Next(k) {
			out.Elems = append(out.Elems, v.luaToValue(k, slots+4), v.luaToValue(val, slots+3))
		}
		return out
	}
	if s, ok := v.prot.unwrap(t.RawGetString("set")).(*lua.LTable); ok {
		out := Value{Kind: KindSet}
		for k, _ := s.Next(lua.LNil); k != lua.LNil; k, _ = s.Next(k) {
			out.Elems = append(out.Elems, v.luaToValue(k, slots+3))
		}
		return out
	}
	out := Value{Kind: KindArray}
	for i := 1; ; i++ {
		e := t.RawGetInt(i)
		if e == lua.LNil {
			break
		}
		out.Elems = append(out.Elems, v.luaToValue(e, slots+1))
	}
	return out
}

// verbatimFormat returns the three-letter format of a verbatim reply:
// the first three bytes of f (up to a NUL), padded with spaces.
func verbatimFormat(f string) string {
	if i := strings.IndexByte(f, 0); i >= 0 {
		f = f[:i]
	}
	if len(f) >= 3 {
		return f[:3]
	}
	return f + "   "[:3-len(f)]
}

// cString returns s up to its first NUL, as Valkey reads texts it handles
// as C strings (error and status replies).
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// mapCRLF turns CR and LF into spaces (statuses cannot contain them).
func mapCRLF(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' {
			return ' '
		}
		return r
	}, s)
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// downgrade converts a reply to RESP2 shapes: maps and sets become arrays,
// doubles, big numbers and verbatim strings bulk strings, booleans
// integers.
func downgrade(val Value) Value {
	switch val.Kind {
	case KindMap, KindSet, KindArray:
		out := Value{Kind: KindArray, Elems: make([]Value, len(val.Elems))}
		for i, e := range val.Elems {
			out.Elems[i] = downgrade(e)
		}
		return out
	case KindDouble:
		return Value{Kind: KindBulk, Str: string(engine.AppendDouble(nil, val.Float))}
	case KindBool:
		return Value{Kind: KindInt, Int: val.Int}
	case KindBigNumber, KindVerbatim:
		return Value{Kind: KindBulk, Str: val.Str}
	}
	return val
}
