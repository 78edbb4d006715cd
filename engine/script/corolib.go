package script

import (
	lua "github.com/yuin/gopher-lua"
)

// The coroutine library: gopher-lua's, behind Lua 5.1's argument checks
// and messages. Its functions run in the calling function's frame, as
// gopher-lua's yield needs. As in Lua, a coroutine cannot yield from
// inside a call from Go back into Lua (pcall, a sort comparator, a gsub
// function): yield checks that no such call started since the resume.

// coroutineLib returns the coroutine table.
func (v *vm) coroutineLib() *lua.LTable {
	L := v.L
	L.Push(L.NewFunction(lua.OpenCoroutine))
	L.Call(0, 1)
	gopher := L.Get(-1).(*lua.LTable)
	L.Pop(1)
	L.G.Global.RawSetString(lua.CoroutineLibName, lua.LNil)
	fn := func(name string) lua.LGFunction {
		return gopher.RawGetString(name).(*lua.LFunction).GFunction
	}
	create, resume, status, yield, running := fn("create"), fn("resume"), fn("status"), fn("yield"), fn("running")

	luaFunction := func(L *lua.LState) {
		if f, ok := L.Get(1).(*lua.LFunction); !ok || f.IsG {
			argError(L, 1, "Lua function expected")
		}
		L.SetTop(1)
	}
	thread := func(L *lua.LState) {
		if _, ok := L.Get(1).(*lua.LState); !ok {
			argError(L, 1, "coroutine expected")
		}
	}
	fns := map[string]lua.LGFunction{
		"create": func(L *lua.LState) int {
			luaFunction(L)
			return create(L)
		},
		"resume": func(L *lua.LState) int {
			thread(L)
			if st := L.Status(L.Get(1).(*lua.LState)); st != "suspended" {
				return pushFailure(L, lua.LString("cannot resume "+st+" coroutine"))
			}
			return v.resumed(L, resume)
		},
		"status": func(L *lua.LState) int {
			thread(L)
			return status(L)
		},
		"running": func(L *lua.LState) int {
			if L.Parent == nil {
				L.Push(lua.LNil) // the main thread is not a coroutine
				return 1
			}
			return running(L)
		},
		"yield": func(L *lua.LState) int {
			if n := len(v.coBase); L.Parent == nil || n == 0 || v.coBase[n-1] != v.run.ccalls {
				L.Error(lua.LString("attempt to yield across metamethod/C-call boundary"), 0)
			}
			return yield(L)
		},
		"wrap": func(L *lua.LState) int {
			luaFunction(L)
			create(L)
			co := L.Get(-1)
			L.Push(L.NewFunction(func(L *lua.LState) int {
				if st := L.Status(co.(*lua.LState)); st != "suspended" {
					raise(L, "cannot resume %s coroutine", st)
				}
				L.Insert(co, 1)
				n := v.resumed(L, resume)
				results := make([]lua.LValue, n)
				for i := range results {
					results[i] = L.Get(L.GetTop() - n + 1 + i)
				}
				L.SetTop(0)
				if n > 0 && results[0] == lua.LFalse {
					e := lua.LValue(lua.LNil)
					if n > 1 {
						e = results[1]
					}
					if s, ok := toString(e); ok {
						e = lua.LString(where(L, 1) + s)
					}
					L.Error(e, 0)
				}
				for _, r := range results[min(n, 1):] {
					L.Push(r)
				}
				return max(n-1, 0)
			}))
			return 1
		},
	}
	t := L.NewTable()
	for name, f := range fns {
		t.RawSetString(name, L.NewFunction(f))
	}
	return t
}

// resumed runs gopher-lua's resume, noting the nesting of Go-to-Lua calls
// the coroutine starts from (Lua's baseCcalls).
func (v *vm) resumed(L *lua.LState, resume lua.LGFunction) int {
	v.coBase = append(v.coBase, v.run.ccalls)
	defer func() { v.coBase = v.coBase[:len(v.coBase)-1] }()
	return resume(L)
}
