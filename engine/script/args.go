package script

import (
	"fmt"
	"strconv"

	lua "github.com/yuin/gopher-lua"
)

// Argument checks and errors of library functions, worded as Lua 5.1's
// lauxlib words them ("bad argument #1 to 'rep' (number expected, got no
// value)"), with the position of the calling Lua code.

// where returns luaL_where(L, level): "chunk:line: " of the function at
// stack level when it is a Lua function, else "".
func where(L *lua.LState, level int) string {
	d, ok := L.GetStack(level)
	if !ok {
		return ""
	}
	if _, err := L.GetInfo("Sl", d, nil); err != nil || d.What == "G" || d.CurrentLine <= 0 {
		return ""
	}
	return d.Source + ":" + strconv.Itoa(d.CurrentLine) + ": "
}

// raise raises an error as luaL_error does: the message prefixed with the
// position of the Lua code that called the running Go function.
func raise(L *lua.LState, format string, args ...any) {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	L.Error(lua.LString(where(L, 1)+msg), 0)
}

// calledName returns the name and kind ("global", "local", "method",
// "field", "upvalue" or "") under which the running Go function was
// called, from the calling Lua instruction (Lua 5.1's getfuncname).
func calledName(L *lua.LState) (name, kind string) {
	f, ok := frameAt(L, 1)
	if !ok {
		return "?", ""
	}
	i := f.inst()
	switch instOp(i) {
	case opCall, opTailCall, opTForLoop:
		kind, name = objName(f.proto, f.pc, instA(i))
		if kind == "" {
			return "?", ""
		}
		return name, kind
	}
	return "?", ""
}

// argError raises luaL_argerror's "bad argument #n to 'name' (msg)".
func argError(L *lua.LState, n int, msg string) {
	name, kind := calledName(L)
	if kind == "method" {
		n--
		if n == 0 {
			raise(L, "calling '%s' on bad self (%s)", name, msg)
		}
	}
	raise(L, "bad argument #%d to '%s' (%s)", n, name, msg)
}

// typeName returns the Lua type name of argument n, "no value" if absent.
func typeName(L *lua.LState, n int) string {
	if n > L.GetTop() {
		return "no value"
	}
	return L.Get(n).Type().String()
}

// typeError raises luaL_typerror: "<expected> expected, got <type>".
func typeError(L *lua.LState, n int, expected string) {
	argError(L, n, expected+" expected, got "+typeName(L, n))
}

// isNoneOrNil reports whether argument n is absent or nil.
func isNoneOrNil(L *lua.LState, n int) bool {
	return n > L.GetTop() || L.Get(n) == lua.LNil
}

// checkAny fails unless argument n is present.
func checkAny(L *lua.LState, n int) lua.LValue {
	if n > L.GetTop() {
		argError(L, n, "value expected")
	}
	return L.Get(n)
}

// checkTable returns argument n, which must be a table (a read-only
// proxy is returned as is).
func checkTable(L *lua.LState, n int) *lua.LTable {
	t, ok := L.Get(n).(*lua.LTable)
	if !ok {
		typeError(L, n, "table")
	}
	return t
}

// checkFunction returns argument n, which must be a function.
func checkFunction(L *lua.LState, n int) *lua.LFunction {
	f, ok := L.Get(n).(*lua.LFunction)
	if !ok {
		typeError(L, n, "function")
	}
	return f
}

// toString returns v as lua_tolstring does: strings, and numbers
// formatted with "%.14g".
func toString(v lua.LValue) (string, bool) {
	return luaStringOf(v)
}

// checkString returns argument n as a string (numbers are converted).
func checkString(L *lua.LState, n int) string {
	s, ok := toString(L.Get(n))
	if !ok {
		typeError(L, n, "string")
	}
	return s
}

// optString is checkString with a default for an absent or nil argument.
func optString(L *lua.LState, n int, def string) string {
	if isNoneOrNil(L, n) {
		return def
	}
	return checkString(L, n)
}

// toNumber returns v as lua_tonumber does: numbers, and strings that
// convert to one.
func toNumber(v lua.LValue) (float64, bool) {
	switch x := v.(type) {
	case lua.LNumber:
		return float64(x), true
	case lua.LString:
		return str2number(string(x))
	}
	return 0, false
}

// checkNumber returns argument n as a number.
func checkNumber(L *lua.LState, n int) float64 {
	f, ok := toNumber(L.Get(n))
	if !ok {
		typeError(L, n, "number")
	}
	return f
}

// optNumber is checkNumber with a default.
func optNumber(L *lua.LState, n int, def float64) float64 {
	if isNoneOrNil(L, n) {
		return def
	}
	return checkNumber(L, n)
}

// checkInt returns argument n as a C int (luaL_checkint).
func checkInt(L *lua.LState, n int) int {
	return toCInt(checkNumber(L, n))
}

// optInt is checkInt with a default.
func optInt(L *lua.LState, n int, def int) int {
	if isNoneOrNil(L, n) {
		return def
	}
	return checkInt(L, n)
}

// checkInteger returns argument n as a lua_Integer (luaL_checkinteger).
func checkInteger(L *lua.LState, n int) int64 {
	return toInteger(checkNumber(L, n))
}
