package script

import (
	"fmt"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The base library as Valkey 8 gives it to scripts: Lua 5.1's functions
// without dofile, loadfile, print, module and require, with Valkey's pcall
// (error tables become their message) and binary chunks refused.

// openBase installs the base functions as globals.
func (v *vm) openBase() {
	L := v.L
	g := v.globals
	next := L.NewFunction(v.baseNext)
	fns := map[string]lua.LGFunction{
		"assert":         baseAssert,
		"collectgarbage": v.baseCollectGarbage,
		"error":          baseError,
		"gcinfo":         v.baseGcinfo,
		"getfenv":        v.baseGetfenv,
		"getmetatable":   v.baseGetmetatable,
		"load":           v.baseLoad,
		"loadstring":     v.baseLoadstring,
		"newproxy":       v.baseNewproxy,
		"pcall":          v.basePcall,
		"rawequal":       baseRawequal,
		"rawget":         v.baseRawget,
		"rawset":         v.baseRawset,
		"select":         baseSelect,
		"setfenv":        v.baseSetfenv,
		"setmetatable":   v.baseSetmetatable,
		"tonumber":       baseTonumber,
		"tostring":       v.baseTostring,
		"type":           baseType,
		"unpack":         v.baseUnpack,
		"xpcall":         v.baseXpcall,
	}
	for name, fn := range fns {
		g.RawSetString(name, L.NewFunction(fn))
	}
	g.RawSetString("next", next)
	g.RawSetString("pairs", L.NewFunction(func(L *lua.LState) int {
		t := checkTable(L, 1)
		L.Push(next)
		L.Push(t)
		L.Push(lua.LNil)
		return 3
	}))
	ipairsAux := L.NewFunction(v.ipairsAux)
	g.RawSetString("ipairs", L.NewFunction(func(L *lua.LState) int {
		t := checkTable(L, 1)
		L.Push(ipairsAux)
		L.Push(t)
		L.Push(lua.LNumber(0))
		return 3
	}))
	g.RawSetString("_G", g)
	g.RawSetString("_VERSION", lua.LString("Lua 5.1"))
}

func baseAssert(L *lua.LState) int {
	checkAny(L, 1)
	if !lua.LVAsBool(L.Get(1)) {
		raise(L, "%s", optString(L, 2, "assertion failed!"))
	}
	return L.GetTop()
}

func (v *vm) baseCollectGarbage(L *lua.LState) int {
	opts := []string{"stop", "restart", "collect", "count", "step", "setpause", "setstepmul"}
	opt := checkOption(L, 1, "collect", opts)
	arg := optInt(L, 2, 0)
	switch opt {
	case "count":
		L.Push(lua.LNumber(float64(v.c.LuaMemory()) / 1024))
	case "step":
		L.Push(lua.LFalse)
	case "setpause":
		L.Push(lua.LNumber(v.gcPause))
		v.gcPause = arg
	case "setstepmul":
		L.Push(lua.LNumber(v.gcStepMul))
		v.gcStepMul = arg
	default:
		L.Push(lua.LNumber(0))
	}
	return 1
}

// checkOption is luaL_checkoption.
func checkOption(L *lua.LState, n int, def string, opts []string) string {
	name := def
	if !isNoneOrNil(L, n) || def == "" {
		name = checkString(L, n)
	}
	for _, o := range opts {
		if o == name {
			return o
		}
	}
	argError(L, n, "invalid option '"+name+"'")
	return ""
}

func (v *vm) baseGcinfo(L *lua.LState) int {
	L.Push(lua.LNumber(v.c.LuaMemory() / 1024))
	return 1
}

func baseError(L *lua.LState) int {
	level := optInt(L, 2, 1)
	L.SetTop(1)
	msg := L.Get(1)
	if s, ok := toString(msg); ok && level > 0 {
		msg = lua.LString(where(L, level) + s)
	}
	L.Error(msg, 0)
	return 0
}

// envFunction returns the function getfenv and setfenv act on: argument
// 1 itself, or the function at that stack level; nil for level 0 (the
// running thread).
func envFunction(L *lua.LState, opt bool) lua.LValue {
	if f, ok := L.Get(1).(*lua.LFunction); ok {
		return f
	}
	level := 1
	if opt {
		level = optInt(L, 1, 1)
	} else {
		level = checkInt(L, 1)
	}
	if level < 0 {
		argError(L, 1, "level must be non-negative")
	}
	if level == 0 {
		return lua.LNil
	}
	d, ok := L.GetStack(level)
	if !ok {
		argError(L, 1, "invalid level")
	}
	fn, _ := L.GetInfo("f", d, nil)
	return fn
}

func (v *vm) baseGetfenv(L *lua.LState) int {
	fn := envFunction(L, true)
	f, ok := fn.(*lua.LFunction)
	if !ok || f.IsG {
		L.Push(L.Env)
		return 1
	}
	env := lua.LValue(f.Env)
	if t, ok := env.(*lua.LTable); ok && t == v.globals {
		env = v.env
	}
	L.Push(env)
	return 1
}

func (v *vm) baseSetfenv(L *lua.LState) int {
	env := checkTable(L, 2)
	fn := envFunction(L, false)
	if n, ok := L.Get(1).(lua.LNumber); ok && n == 0 {
		L.Env = env
		return 0
	}
	f, ok := fn.(*lua.LFunction)
	if !ok || f.IsG {
		raise(L, "'setfenv' cannot change environment of given object")
	}
	f.Env = env
	L.Push(f)
	return 1
}

func (v *vm) baseGetmetatable(L *lua.LState) int {
	o := checkAny(L, 1)
	if v.prot.isProtected(o) {
		L.Push(v.prot.visibleMeta[o.(*lua.LTable)])
		return 1
	}
	if o.Type() == lua.LTString {
		L.Push(v.strMetaView)
		return 1
	}
	mt := L.GetMetatable(o)
	if t, ok := mt.(*lua.LTable); ok {
		if field := t.RawGetString("__metatable"); field != lua.LNil {
			L.Push(field)
			return 1
		}
	}
	L.Push(mt)
	return 1
}

func (v *vm) baseSetmetatable(L *lua.LState) int {
	t := checkTable(L, 1)
	mt := L.Get(2)
	if mt.Type() != lua.LTNil && mt.Type() != lua.LTTable {
		argError(L, 2, "nil or table expected")
	}
	if cur, ok := t.Metatable.(*lua.LTable); ok && !v.prot.isProtected(t) && cur.RawGetString("__metatable") != lua.LNil {
		raise(L, "cannot change a protected metatable")
	}
	if v.prot.isProtected(t) {
		raiseReadonly(L)
	}
	L.SetMetatable(t, mt)
	L.SetTop(1)
	return 1
}

func (v *vm) baseNext(L *lua.LState) int {
	t := checkTable(L, 1)
	if real := v.prot.real(t); real != nil {
		t = real
	}
	k, val := t.Next(L.Get(2))
	if k == lua.LNil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(k)
	L.Push(val)
	return 2
}

func (v *vm) ipairsAux(L *lua.LState) int {
	t := checkTable(L, 1)
	if real := v.prot.real(t); real != nil {
		t = real
	}
	i := checkInt(L, 2) + 1
	val := t.RawGetInt(i)
	if val == lua.LNil {
		return 0
	}
	L.Push(lua.LNumber(i))
	L.Push(val)
	return 2
}

func (v *vm) baseNewproxy(L *lua.LState) int {
	L.SetTop(1)
	ud := L.NewUserData()
	arg := L.Get(1)
	switch {
	case !lua.LVAsBool(arg):
	case arg.Type() == lua.LTBool:
		mt := L.NewTable()
		if v.proxyMetatables == nil {
			v.proxyMetatables = map[*lua.LTable]bool{}
		}
		v.proxyMetatables[mt] = true
		ud.Metatable = mt
	default:
		mt, _ := L.GetMetatable(arg).(*lua.LTable)
		if mt == nil || !v.proxyMetatables[mt] {
			argError(L, 1, "boolean or proxy expected")
		}
		ud.Metatable = mt
	}
	L.Push(ud)
	return 1
}

func baseRawequal(L *lua.LState) int {
	checkAny(L, 1)
	checkAny(L, 2)
	L.Push(lua.LBool(L.Get(1) == L.Get(2)))
	return 1
}

func (v *vm) baseRawget(L *lua.LState) int {
	t := checkTable(L, 1)
	checkAny(L, 2)
	if real := v.prot.real(t); real != nil {
		t = real
	}
	L.Push(t.RawGet(L.Get(2)))
	return 1
}

func (v *vm) baseRawset(L *lua.LState) int {
	t := checkTable(L, 1)
	checkAny(L, 2)
	checkAny(L, 3)
	if v.prot.isProtected(t) {
		raiseReadonly(L)
	}
	rawSet(L, t, L.Get(2), L.Get(3))
	L.SetTop(1)
	return 1
}

// rawSet is lua_rawset: nil and NaN keys are errors.
func rawSet(L *lua.LState, t *lua.LTable, k, val lua.LValue) {
	switch x := k.(type) {
	case *lua.LNilType:
		L.Error(lua.LString("table index is nil"), 0)
	case lua.LNumber:
		if x != x {
			L.Error(lua.LString("table index is NaN"), 0)
		}
	}
	t.RawSet(k, val)
}

func baseSelect(L *lua.LState) int {
	n := L.GetTop()
	if s, ok := L.Get(1).(lua.LString); ok && strings.HasPrefix(string(s), "#") {
		L.Push(lua.LNumber(n - 1))
		return 1
	}
	i := checkInt(L, 1)
	if i < 0 {
		i = n + i
	} else if i > n {
		i = n
	}
	if i < 1 {
		argError(L, 1, "index out of range")
	}
	return n - i
}

func baseTonumber(L *lua.LState) int {
	base := optInt(L, 2, 10)
	if base == 10 {
		checkAny(L, 1)
		if f, ok := toNumber(L.Get(1)); ok {
			L.Push(lua.LNumber(f))
			return 1
		}
		L.Push(lua.LNil)
		return 1
	}
	s := checkString(L, 1)
	if base < 2 || base > 36 {
		argError(L, 2, "base out of range")
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	if u, n := strtoul(s, base); n > 0 {
		rest := strings.TrimLeft(s[n:], " \t\n\v\f\r")
		if rest == "" {
			L.Push(lua.LNumber(float64(u)))
			return 1
		}
	}
	L.Push(lua.LNil)
	return 1
}

func (v *vm) baseTostring(L *lua.LState) int {
	checkAny(L, 1)
	L.Push(lua.LString(v.tostring(L, L.Get(1))))
	return 1
}

// tostring converts a value as Lua's tostring does, calling __tostring.
func (v *vm) tostring(L *lua.LState, val lua.LValue) string {
	if mt, ok := L.GetMetatable(val).(*lua.LTable); ok && !v.prot.isProtected(val) {
		if fn := mt.RawGetString("__tostring"); fn != lua.LNil {
			r := v.call(L, fn, 1, val)
			s, _ := toString(r[0])
			return s
		}
	}
	switch x := val.(type) {
	case lua.LString:
		return string(x)
	case lua.LNumber:
		return luaNumberString(float64(x))
	case lua.LBool, *lua.LNilType:
		return x.String()
	}
	return fmt.Sprintf("%s: %p", val.Type().String(), val)
}

func baseType(L *lua.LState) int {
	L.Push(lua.LString(checkAny(L, 1).Type().String()))
	return 1
}

func (v *vm) baseUnpack(L *lua.LState) int {
	t := checkTable(L, 1)
	if real := v.prot.real(t); real != nil {
		t = real
	}
	i := optInt(L, 2, 1)
	e := 0
	if isNoneOrNil(L, 3) {
		e = t.Len()
	} else {
		e = checkInt(L, 3)
	}
	if i > e {
		return 0
	}
	n := e - i + 1
	if n <= 0 || L.GetTop()+n > maxCStack {
		raise(L, "too many results to unpack")
	}
	for k := i; k <= e; k++ {
		L.Push(t.RawGetInt(k))
	}
	return n
}
