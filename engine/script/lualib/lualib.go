// Package lualib holds the Lua libraries Valkey gives scripts beyond Lua's
// own: cjson, cmsgpack, bit and struct, for a gopher-lua state.
//
// Each library follows the C library Valkey 8 links into its Lua 5.1
// (lua_cjson.c 2.1.0, lua_cmsgpack.c 0.4.0, LuaBitOp 1.0.2 and
// lua_struct.c) on a 64-bit little-endian machine, down to number
// formatting, error texts, x86 conversions of out-of-range numbers and the
// limits Lua's C API imposes there (LUAI_MAXCSTACK: 8000 stack slots per C
// call). The differences that remain come from gopher-lua and are listed
// at the top of each library's file: mainly the order in which tables are
// iterated (cjson objects, cmsgpack maps) and how cjson.null prints. One
// applies to all four: called with method syntax by mistake
// (cjson:decode()), a function reports "bad argument #1 to 'decode'"
// where Valkey reports "calling 'decode' on bad self".
//
// The functions are not safe for concurrent use: like the LState they are
// registered in, one goroutine at a time. Long encodes and decodes watch the
// state's context (LState.SetContext) and stop with its error when it is
// done.
package lualib

import (
	lua "github.com/yuin/gopher-lua"
)

// Open registers the libraries as globals of L: cjson, cmsgpack, bit and
// struct. It creates L's cjson.null, a userdata that cjson.decode returns
// for JSON null and that encodes back to null; cjson's settings
// (encode_max_depth and the rest) live as long as L, as they live as long
// as Valkey's interpreter.
func Open(L *lua.LState) {
	null := L.NewUserData()
	L.SetGlobal("cjson", newCJSON(L, null))
	L.SetGlobal("struct", newStruct(L))
	L.SetGlobal("cmsgpack", newCmsgpack(L))
	L.SetGlobal("bit", newBit(L))
}

// libFunc is one function of a library table.
type libFunc struct {
	name string
	fn   lua.LGFunction
}

// newModule returns a table holding fns, set in the order given so that
// pairs() visits them the same way every time.
func newModule(L *lua.LState, fns []libFunc) *lua.LTable {
	t := L.CreateTable(0, len(fns))
	for _, f := range fns {
		t.RawSetString(f.name, L.NewFunction(f.fn))
	}
	return t
}
