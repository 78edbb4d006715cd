package script

import (
	lua "github.com/yuin/gopher-lua"
)

// Read-only tables. Valkey's Lua marks the global table and every table
// reachable from it (libraries, the server API) read-only: any write, raw
// or not, fails with "Attempt to modify a readonly table". gopher-lua has
// no such flag, so scripts see each protected table through an empty proxy
// whose metatable reads from the real table and refuses writes; the
// functions that bypass metatables (rawset, rawget, next, setmetatable,
// table.insert ...) look through proxies themselves.

// protector maps protected tables to the proxies scripts see.
type protector struct {
	proxyOf map[*lua.LTable]*lua.LTable // real table -> proxy
	realOf  map[*lua.LTable]*lua.LTable // proxy -> real table
	// visibleMeta is what getmetatable returns for a proxy: nil for the
	// libraries, a read-only view of the globals' metatable for _G.
	visibleMeta map[*lua.LTable]lua.LValue
	newindex    *lua.LFunction
	length      *lua.LFunction
}

func newProtector(L *lua.LState) *protector {
	p := &protector{
		proxyOf:     map[*lua.LTable]*lua.LTable{},
		realOf:      map[*lua.LTable]*lua.LTable{},
		visibleMeta: map[*lua.LTable]lua.LValue{},
	}
	p.newindex = L.NewFunction(func(L *lua.LState) int {
		L.RaiseError(msgReadonlyTable)
		return 0
	})
	p.length = L.NewFunction(func(L *lua.LState) int {
		if real := p.real(L.Get(1)); real != nil {
			L.Push(lua.LNumber(real.Len()))
			return 1
		}
		L.Push(lua.LNumber(0))
		return 1
	})
	return p
}

// protect returns the proxy of real, creating it and protecting every
// table reachable from real (field values and metatables) on first use.
// Fields of real holding tables are replaced by their proxies.
func (p *protector) protect(L *lua.LState, real *lua.LTable) *lua.LTable {
	if proxy, ok := p.proxyOf[real]; ok {
		return proxy
	}
	if _, isProxy := p.realOf[real]; isProxy {
		return real
	}
	proxy := L.NewTable()
	mt := L.NewTable()
	mt.RawSetString("__index", real)
	mt.RawSetString("__newindex", p.newindex)
	mt.RawSetString("__len", p.length)
	proxy.Metatable = mt
	p.proxyOf[real] = proxy
	p.realOf[proxy] = real
	p.visibleMeta[proxy] = lua.LNil

	var keys []lua.LValue
	real.ForEach(func(k, v lua.LValue) {
		if v.Type() == lua.LTTable {
			keys = append(keys, k)
		}
	})
	for _, k := range keys {
		real.RawSet(k, p.protect(L, real.RawGet(k).(*lua.LTable)))
	}
	if mt, ok := real.Metatable.(*lua.LTable); ok {
		p.visibleMeta[proxy] = p.protect(L, mt)
	}
	return proxy
}

// real returns the table behind proxy v, or nil if v is not a proxy.
func (p *protector) real(v lua.LValue) *lua.LTable {
	if t, ok := v.(*lua.LTable); ok {
		return p.realOf[t]
	}
	return nil
}

// unwrap returns the table behind v if v is a proxy, else v.
func (p *protector) unwrap(v lua.LValue) lua.LValue {
	if r := p.real(v); r != nil {
		return r
	}
	return v
}

// isProtected reports whether v is a proxy (a read-only table).
func (p *protector) isProtected(v lua.LValue) bool {
	return p.real(v) != nil
}

// raiseReadonly raises Valkey's read-only error without a position, as
// Lua does for errors raised inside a C function.
func raiseReadonly(L *lua.LState) {
	L.Error(lua.LString(msgReadonlyTable), 0)
}
