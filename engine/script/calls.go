package script

import (
	"context"
	"errors"

	lua "github.com/yuin/gopher-lua"
)

// Calls from Go back into Lua: pcall, xpcall, load, and the library
// functions that call Lua functions (__tostring, sort comparators, gsub
// replacement functions). Each counts against LUAI_MAXCCALLS, as in Lua.

const msgCStackOverflow = "C stack overflow"

// enterC counts one more nested Go-to-Lua call, failing as Lua does past
// the limit.
func (v *vm) enterC(L *lua.LState) {
	if v.run.ccalls+1 >= maxCCalls {
		L.Error(lua.LString(msgCStackOverflow), 0)
	}
	v.run.ccalls++
}

// call calls fn with args and returns its nret results (lua_call).
func (v *vm) call(L *lua.LState, fn lua.LValue, nret int, args ...lua.LValue) []lua.LValue {
	v.enterC(L)
	defer func() { v.run.ccalls-- }()
	top := L.GetTop()
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	L.Call(len(args), nret)
	out := make([]lua.LValue, nret)
	for i := range out {
		out[i] = L.Get(top + 1 + i)
	}
	L.SetTop(top)
	return out
}

// killed reports whether the running script was stopped (SCRIPT KILL or
// the memory watchdog): errors then cannot be caught.
func (v *vm) killed() bool {
	return v.run.ctx != nil && v.run.ctx.Err() != nil
}

// killError returns the error object a stopped script propagates.
func (v *vm) killError(L *lua.LState) lua.LValue {
	if errors.Is(context.Cause(v.run.ctx), errOutOfMemory) {
		return lua.LString(msgNoMemory)
	}
	return errorTable(L, "ERR "+msgKilled)
}

// callable reports whether fn can be called.
func callable(L *lua.LState, fn lua.LValue) bool {
	if fn.Type() == lua.LTFunction {
		return true
	}
	return L.GetMetaField(fn, "__call").Type() == lua.LTFunction
}

// translator is the message handler of pcall: it only rewrites
// gopher-lua's runtime messages into Lua's.
func (v *vm) translator(L *lua.LState) int {
	L.Push(v.translateError(L, L.Get(1), 1))
	return 1
}

// basePcall is Valkey's pcall: Lua's, except that an error table with a
// string err field (server.call's errors) is returned as that string.
func (v *vm) basePcall(L *lua.LState) int {
	if L.GetTop() == 0 {
		// Valkey's pcall calls its own result placeholder.
		return pushFailure(L, lua.LString("attempt to call a boolean value"))
	}
	fn := L.Get(1)
	nargs := L.GetTop() - 1
	if v.run.ccalls+1 >= maxCCalls {
		return pushFailure(L, lua.LString(msgCStackOverflow))
	}
	if !callable(L, fn) {
		return pushFailure(L, lua.LString("attempt to call a "+fn.Type().String()+" value"))
	}
	v.run.ccalls++
	err := L.PCall(nargs, lua.MultRet, v.translatorFn)
	v.run.ccalls--
	if err == nil {
		L.Insert(lua.LTrue, 1)
		return L.GetTop()
	}
	obj := errorObject(err)
	if v.killed() {
		L.Error(v.killError(L), 0)
	}
	L.SetTop(0)
	L.Push(lua.LFalse)
	if t, ok := obj.(*lua.LTable); ok {
		e := L.GetField(t, "err")
		if _, isStr := toString(e); isStr {
			L.Push(e)
			return 2
		}
		L.Push(t)
		L.Push(e)
		return 3
	}
	L.Push(obj)
	return 2
}

// baseXpcall is Lua's xpcall(f, handler).
func (v *vm) baseXpcall(L *lua.LState) int {
	checkAny(L, 2)
	L.SetTop(2)
	fn, h := L.Get(1), L.Get(2)
	if v.run.ccalls+1 >= maxCCalls {
		return pushFailure(L, lua.LString(msgCStackOverflow))
	}
	handler := L.NewFunction(func(L *lua.LState) int {
		e := v.translateError(L, L.Get(1), 1)
		if v.killed() || !callable(L, h) || v.run.ccalls+1 >= maxCCalls {
			L.Push(lua.LString("error in error handling"))
			return 1
		}
		v.run.ccalls++
		defer func() { v.run.ccalls-- }()
		L.Push(h)
		L.Push(e)
		if err := L.PCall(1, 1, nil); err != nil {
			L.Push(lua.LString("error in error handling"))
		}
		return 1
	})
	if !callable(L, fn) {
		L.Push(handler)
		L.Push(lua.LString("attempt to call a " + fn.Type().String() + " value"))
		L.Call(1, 1)
		obj := L.Get(-1)
		return pushFailure(L, obj)
	}
	v.run.ccalls++
	L.Push(fn)
	err := L.PCall(0, lua.MultRet, handler)
	v.run.ccalls--
	if err == nil {
		L.Insert(lua.LTrue, 3)
		return L.GetTop() - 2
	}
	if v.killed() {
		L.Error(v.killError(L), 0)
	}
	return pushFailure(L, errorObject(err))
}

// pushFailure returns false, obj from a pcall-like function.
func pushFailure(L *lua.LState, obj lua.LValue) int {
	L.SetTop(0)
	L.Push(lua.LFalse)
	L.Push(obj)
	return 2
}

// errorObject returns the Lua value an interpreter error carries. A full
// call stack becomes Lua's "stack overflow" error, without the position
// Lua gives it: gopher-lua fails with a Go panic (its check for a full
// growing stack never fires), after which the frames are gone; asking it
// for a stack trace instead would cost time quadratic in the depth.
func errorObject(err error) lua.LValue {
	var aerr *lua.ApiError
	if !errors.As(err, &aerr) || aerr.Object == nil {
		return lua.LString(err.Error())
	}
	if aerr.Type == lua.ApiErrorPanic && aerr.Object == lua.LString(gopherOverflow) {
		return lua.LString(msgStackOverflow)
	}
	return aerr.Object
}

// gopherOverflow is gopher-lua's panic when its call stack is full.
const gopherOverflow = "lua callstack overflow"

const msgStackOverflow = "stack overflow"

// baseLoadstring is loadstring(s [, chunkname]).
func (v *vm) baseLoadstring(L *lua.LState) int {
	s := checkString(L, 1)
	return v.loadChunk(L, []byte(s), optString(L, 2, s))
}

// baseLoad is load(reader [, chunkname]): reader returns the pieces. An
// error of the reader is returned as load's error, as Lua does.
func (v *vm) baseLoad(L *lua.LState) int {
	fn := checkFunction(L, 1)
	name := optString(L, 2, "=(load)")
	var buf []byte
	for {
		if v.run.ccalls+1 >= maxCCalls {
			return pushNilError(L, lua.LString(msgCStackOverflow))
		}
		v.run.ccalls++
		L.Push(fn)
		err := L.PCall(0, 1, v.translatorFn)
		v.run.ccalls--
		if err != nil {
			if v.killed() {
				L.Error(v.killError(L), 0)
			}
			return pushNilError(L, errorObject(err))
		}
		piece := L.Get(-1)
		L.Pop(1)
		if piece == lua.LNil {
			break
		}
		s, ok := piece.(lua.LString)
		if !ok {
			return pushNilError(L, lua.LString("reader function must return a string"))
		}
		if s == "" {
			break
		}
		buf = append(buf, s...)
		if v.c.opts.MaxMemory > 0 && int64(len(buf)) > v.c.opts.MaxMemory {
			L.Error(lua.LString(msgNoMemory), 0)
		}
	}
	return v.loadChunk(L, buf, name)
}

// pushNilError returns nil, obj from a load-like function.
func pushNilError(L *lua.LState, obj lua.LValue) int {
	L.Push(lua.LNil)
	L.Push(obj)
	return 2
}

// loadChunk compiles src as a function of the scripts' environment, or
// returns nil and the syntax error.
func (v *vm) loadChunk(L *lua.LState, src []byte, chunkname string) int {
	proto, msg := compileChunk(src, chunkname, v.run.ccalls)
	if msg != "" {
		L.Push(lua.LNil)
		L.Push(lua.LString(msg))
		return 2
	}
	if v.run.sources == nil {
		v.run.sources = map[string]string{}
	}
	v.run.sources[proto.SourceName] = chunkname
	fn := L.NewFunctionFromProto(proto)
	fn.Env = L.Env
	L.Push(fn)
	return 1
}
