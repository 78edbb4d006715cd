package script

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// RunOptions are one EVAL's inputs.
type RunOptions struct {
	// Keys and Args become KEYS and ARGV. They are copied: the slices may
	// alias a read buffer.
	Keys, Args [][]byte
	// Resp is the client's protocol (2 or 3): the script's return value is
	// converted for it.
	Resp int
	// Ctx, when cancelled (SCRIPT KILL, shutdown), stops the script with
	// Valkey's "ERR Script killed by user with SCRIPT KILL..." error. Nil
	// means the script cannot be killed.
	Ctx context.Context
}

// errOutOfMemory is the cancellation cause of a run the memory watchdog
// stopped.
var errOutOfMemory = errors.New("script: " + msgNoMemory)

// runState is the state of the running script.
type runState struct {
	sha    string
	caller Caller
	ctx    context.Context
	// resp is the protocol of server.call replies (server.setresp).
	resp int
	// ccalls counts nested calls from Go back into Lua (LUAI_MAXCCALLS).
	ccalls int
	// sources maps the chunk names of code loaded with loadstring to the
	// names Valkey's error handler reports.
	sources map[string]string
}

// exec runs s on v. The caller holds Cache.run.
func (v *vm) exec(s *Script, o RunOptions, caller Caller) (out Value, broken bool) {
	L := v.L
	ctx := o.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	wd := v.c.startWatchdog(cancel)
	defer wd.stop()

	v.run = runState{sha: s.SHA, caller: caller, ctx: ctx, resp: 2, ccalls: 1}
	v.lastRepeats = false
	defer func() {
		v.run = runState{}
		v.proxyMetatables = nil
		v.coBase = v.coBase[:0]
	}()
	L.SetContext(ctx)
	defer L.RemoveContext()
	L.Env = v.env
	top := L.GetTop()
	defer func() {
		// A panic outside the interpreter's protected call (a bug in the
		// conversion code) must not take the node down; the interpreter
		// may be inconsistent, so the cache replaces it.
		if r := recover(); r != nil {
			out = errorValue(fmt.Sprintf("ERR Error running script %s, %.100v", s.SHA, r))
			broken = true
			return
		}
		L.SetTop(top)
	}()

	v.setGlobal("KEYS", v.stringArray(o.Keys))
	v.setGlobal("ARGV", v.stringArray(o.Args))
	L.Push(L.NewFunctionFromProto(s.proto))
	if err := L.PCall(0, 1, v.errFunc); err != nil {
		return v.failure(err, ctx), false
	}
	return v.reply(L.Get(-1), o.Resp), false
}

// stringArray returns a Lua array of copies of args.
func (v *vm) stringArray(args [][]byte) *lua.LTable {
	t := v.L.CreateTable(len(args), 0)
	for i, a := range args {
		t.RawSetInt(i+1, lua.LString(a))
	}
	return t
}

// reply converts the script's return value into the reply for a client
// speaking protocol resp.
func (v *vm) reply(ret lua.LValue, resp int) Value {
	// Valkey converts on Lua's C stack, which holds the error handler
	// and the value itself.
	val := v.luaToValue(ret, 2)
	if t, ok := ret.(*lua.LTable); ok && val.Kind == KindError {
		v.lastRepeats = t.RawGetString("ignore_error_stats_update") == lua.LTrue
	}
	if resp != 3 {
		val = downgrade(val)
	}
	return val
}

// failure turns a failed run into Valkey's error reply.
func (v *vm) failure(err error, ctx context.Context) Value {
	if errors.Is(context.Cause(ctx), errOutOfMemory) {
		return errorValue("ERR Error running script " + v.run.sha + ", " + msgNoMemory)
	}
	obj := errorObject(err)
	if s, ok := obj.(lua.LString); ok && string(s) != msgNoMemory {
		// The handler could not run (the call stack was full): build what
		// it would have returned from the message's position.
		obj = v.positionedError(s)
	}
	t, ok := obj.(*lua.LTable)
	if !ok {
		// The error handler failed; Valkey reports the raw error object.
		msg := lua.LVAsString(obj)
		if obj.Type() != lua.LTString && obj.Type() != lua.LTNumber {
			msg = "execution failure"
		}
		return errorValue(sanitizeError(fmt.Sprintf("ERR Error running script %s, %.100s", v.run.sha, msg)))
	}
	msg, hasMsg := luaStringOf(t.RawGetString("err"))
	msg = cString(msg)
	if !hasMsg {
		// Valkey 8.0.1 crashes here; later versions reply this.
		msg = "ERR unknown error"
	}
	source, hasSource := luaStringOf(t.RawGetString("source"))
	line, hasLine := luaStringOf(t.RawGetString("line"))
	if hasSource && hasLine {
		source, line = cString(source), cString(line)
		msg += " script: " + v.run.sha + ", on " + source + ":" + line + "."
	}
	v.lastRepeats = t.RawGetString("ignore_error_stats_update") == lua.LTrue
	return Value{Kind: KindError, Str: sanitizeError(msg)}
}

// errorHandler is the message handler of a run, and the global
// __redis__err__handler: it turns the error object into a table
// {err=..., source=..., line=...} naming where the error was raised, as
// Valkey's handler does. String errors get the "ERR " code.
func (v *vm) errorHandler(L *lua.LState) int {
	e := L.Get(1)
	if s, ok := e.(lua.LString); ok && string(s) == msgNoMemory {
		L.Push(e)
		return 1
	}
	if v.run.ctx != nil && v.run.ctx.Err() != nil {
		if errors.Is(context.Cause(v.run.ctx), errOutOfMemory) {
			L.Push(lua.LString(msgNoMemory))
			return 1
		}
		e = errorTable(L, "ERR "+msgKilled)
	} else {
		e = v.translateError(L, e, 1)
	}
	t, ok := e.(*lua.LTable)
	if ok && v.prot.isProtected(t) {
		// Valkey's handler, a Lua function, fails writing the source into
		// the read-only table and handles its own error.
		t = L.NewTable()
		t.RawSetString("err", lua.LString("ERR "+handlerChunk+":10: "+msgReadonlyTable))
		t.RawSetString("source", lua.LString("@"+handlerChunk))
		t.RawSetString("line", lua.LNumber(10))
		L.Push(t)
		return 1
	}
	if !ok {
		t = L.NewTable()
		t.RawSetString("err", lua.LString("ERR "+v.tostring(L, e)))
	}
	if d, ok := v.raiseSite(L); ok {
		L.GetInfo("Sl", d, nil)
		t.RawSetString("source", lua.LString(v.sourceName(d.Source)))
		t.RawSetString("line", lua.LNumber(d.CurrentLine))
	}
	L.Push(t)
	return 1
}

// handlerChunk is the chunk name of Valkey's error handler.
const handlerChunk = "err_handler_def"

// positionedError returns the table Valkey's handler builds for a string
// error "chunk:line: msg" raised where the handler could not run.
func (v *vm) positionedError(s lua.LString) lua.LValue {
	t := errorTable(v.L, "ERR "+string(s))
	if chunk, line, ok := errorPosition(string(s)); ok {
		t.RawSetString("source", lua.LString(v.sourceName(chunk)))
		t.RawSetString("line", lua.LNumber(line))
	}
	return t
}

// errorPosition parses the "chunk:line: " prefix of an error message.
func errorPosition(msg string) (chunk string, line int, ok bool) {
	end := strings.Index(msg, ": ")
	for end > 0 {
		if c := strings.LastIndexByte(msg[:end], ':'); c > 0 {
			if n, err := strconv.Atoi(msg[c+1 : end]); err == nil {
				return msg[:c], n, true
			}
		}
		next := strings.Index(msg[end+2:], ": ")
		if next < 0 {
			break
		}
		end += 2 + next
	}
	return "", 0, false
}

// raiseSite returns the frame an error was raised in, as seen from a
// message handler: the frame below the handler, or the Lua frame below
// that when the error came from a Go function (error, server.call).
func (v *vm) raiseSite(L *lua.LState) (*lua.Debug, bool) {
	d, ok := L.GetStack(1)
	if !ok {
		return nil, false
	}
	L.GetInfo("S", d, nil)
	if d.What == "G" {
		return L.GetStack(2)
	}
	return d, true
}

// sourceName returns the chunk name Valkey's error handler reports for a
// gopher-lua source name.
func (v *vm) sourceName(src string) string {
	if src == scriptChunk {
		return "@" + scriptChunk
	}
	if raw, ok := v.run.sources[src]; ok {
		return raw
	}
	return src
}

// errorTable returns {err=msg}.
func errorTable(L *lua.LState, msg string) *lua.LTable {
	t := L.CreateTable(0, 1)
	t.RawSetString("err", lua.LString(msg))
	return t
}

// luaStringOf returns v as lua_isstring/lua_tostring see it: strings, and
// numbers formatted with "%.14g".
func luaStringOf(v lua.LValue) (string, bool) {
	switch x := v.(type) {
	case lua.LString:
		return string(x), true
	case lua.LNumber:
		return luaNumberString(float64(x)), true
	}
	return "", false
}

// errorValue returns a KindError Value with the wire text msg.
func errorValue(msg string) Value {
	return Value{Kind: KindError, Str: msg}
}

// sanitizeError trims trailing CR/LF and turns the others into spaces so
// that an error text cannot break the protocol.
func sanitizeError(s string) string {
	s = strings.TrimRight(s, "\r\n")
	if strings.ContainsAny(s, "\r\n") {
		s = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' {
				return ' '
			}
			return r
		}, s)
	}
	return s
}
