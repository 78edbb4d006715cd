package lualib

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// This file holds what the four libraries share: Lua 5.1's C API
// behaviour that gopher-lua does not reproduce (luaL_error positions,
// luaL_argerror texts, string-to-number coercion through glibc's strtod,
// "%.14g" number formatting) and the x86-64 conversions of out-of-range
// doubles to integers that the C libraries rely on.

// luaMaxCStack is LUAI_MAXCSTACK: lua_checkstack fails when a C function
// would hold more than this many stack slots. The libraries count the
// slots Valkey's C code would use so that they fail at the same points.
const luaMaxCStack = 8000

// maxOutput bounds what one cjson.encode or cmsgpack.pack may produce.
// Valkey has no such limit (it would run out of memory); 512 MiB is its
// largest bulk string (proto-max-bulk-len). A variable for tests.
var maxOutput = 512 << 20

// raise raises msg as luaL_error does: prefixed with "source:line: " of the
// Lua function that called the running Go function, if a Lua function did
// (a call through pcall has no such prefix).
func raise(L *lua.LState, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	if dbg, ok := L.GetStack(1); ok {
		if _, err := L.GetInfo("Sl", dbg, lua.LNil); err == nil && dbg.What != "G" && dbg.CurrentLine > 0 {
			msg = fmt.Sprintf("%s:%d: %s", dbg.Source, dbg.CurrentLine, msg)
		}
	}
	L.Error(lua.LString(msg), 0)
}

// raiseBare raises msg with no position, as errors raised by the Lua core
// inside a C function ("table index is nil") have none.
func raiseBare(L *lua.LState, msg string) {
	L.Error(lua.LString(msg), 0)
}

// funcName is the name the running Go function was called by, as
// luaL_argerror reports it: "encode" for cjson.encode(...), the local's
// name for a local alias, "?" when there is none (a call through pcall).
func funcName(L *lua.LState) string {
	dbg, ok := L.GetStack(0)
	if !ok {
		return "?"
	}
	if _, err := L.GetInfo("n", dbg, lua.LNil); err != nil {
		return "?"
	}
	switch name := dbg.Name; {
	case name == "", name == "(anonymous)", name == "main chunk", name == "corountine", strings.HasPrefix(name, "<"):
		return "?"
	default:
		return name
	}
}

// argError raises luaL_argerror's "bad argument #n to 'f' (msg)".
func argError(L *lua.LState, n int, msg string) {
	raise(L, "bad argument #%d to '%s' (%s)", n, funcName(L), msg)
}

// typeError raises luaL_typerror's "bad argument #n to 'f' (number
// expected, got string)".
func typeError(L *lua.LState, n int, expected string) {
	argError(L, n, expected+" expected, got "+typeName(L, n))
}

// typeName is luaL_typename: the type of argument n, "no value" past the
// last one.
func typeName(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

// checkString is luaL_checklstring: a string argument, or a number
// converted as Lua 5.1 converts it.
func checkString(L *lua.LState, n int) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return formatNumber(float64(v))
	}
	typeError(L, n, "string")
	return ""
}

// checkNumber is luaL_checknumber: a number argument, or a string that
// converts to one.
func checkNumber(L *lua.LState, n int) float64 {
	f, ok := toNumber(L.Get(n))
	if !ok {
		typeError(L, n, "number")
	}
	return f
}

// checkInteger is luaL_checkinteger: checkNumber truncated to an integer
// as a C cast does on x86-64.
func checkInteger(L *lua.LState, n int) int64 {
	return toInt64(checkNumber(L, n))
}

// optInteger is luaL_optinteger: def when argument n is absent or nil.
func optInteger(L *lua.LState, n int, def int64) int64 {
	if L.Get(n) == lua.LNil {
		return def
	}
	return checkInteger(L, n)
}

// toNumber is lua_tonumber plus lua_isnumber: v as a number if it is one
// or is a string Lua 5.1 converts to one.
func toNumber(v lua.LValue) (float64, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v), true
	case lua.LString:
		return stringToNumber(string(v))
	}
	return 0, false
}

// stringToNumber is Lua 5.1's luaO_str2d on glibc: strtod over the string
// up to its first NUL (so hex, "inf" and "nan" convert), then only white
// space may follow.
func stringToNumber(s string) (float64, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	f, n := strtod(s)
	if n == 0 {
		return 0, false
	}
	for _, c := range []byte(s[n:]) {
		if !isSpace(c) {
			return 0, false
		}
	}
	return f, true
}

// formatNumber formats f as Lua 5.1 converts a number to a string
// ("%.14g").
func formatNumber(f float64) string {
	return string(appendG(nil, f, 14))
}

// appendG appends f formatted as C's "%.<prec>g" (glibc: "inf", "-nan").
func appendG(b []byte, f float64, prec int) []byte {
	switch {
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(b, "-nan"...)
		}
		return append(b, "nan"...)
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	return strconv.AppendFloat(b, f, 'g', prec, 64)
}

// toInt64 is a C cast of a double to a 64-bit integer on x86-64 (cvttsd2si):
// truncation, and math.MinInt64 for NaN and values out of range.
func toInt64(f float64) int64 {
	if f >= -(1<<63) && f < 1<<63 {
		return int64(f)
	}
	return math.MinInt64
}

// toUint64 is a C cast of a double to an unsigned 64-bit integer as GCC
// compiles it for x86-64: values from 2^63 are converted after
// subtracting 2^63, everything else (negative and NaN included) as by
// toInt64.
func toUint64(f float64) uint64 {
	if !(f >= 1<<63) {
		return uint64(toInt64(f))
	}
	return uint64(toInt64(f-(1<<63))) ^ 1<<63
}

// toInt32 is a C cast of a double to int on x86-64: truncation, and
// math.MinInt32 for NaN and values out of range.
func toInt32(f float64) int32 {
	if f >= -(1<<31) && f < 1<<31 {
		return int32(f)
	}
	return math.MinInt32
}

// isSpace is C's isspace in the "C" locale.
func isSpace(c byte) bool {
	return c == ' ' || (c >= '\t' && c <= '\r')
}

// isDigit is C's isdigit.
func isDigit(c byte) bool {
	return c >= '0' && c <= '9'
}

// tick counts work done by a long-running library call and every 4096
// steps checks L's context, stopping the call with the context's error
// (as gopher-lua's own loop does) once it is done.
type tick struct {
	L *lua.LState
	n int
}

// step counts one unit of work.
func (t *tick) step() {
	t.n++
	if t.n&4095 != 0 {
		return
	}
	if ctx := t.L.Context(); ctx != nil {
		select {
		case <-ctx.Done():
			t.L.RaiseError("%s", ctx.Err().Error())
		default:
		}
	}
}
