package script

import (
	"reflect"
	"sync"

	lua "github.com/yuin/gopher-lua"

	"github.com/flect-kv/flect/engine/script/lualib"
)

// Interpreter limits, as Lua 5.1 in Valkey has them.
const (
	// maxCallDepth is LUAI_MAXCALLS: nested calls before "stack overflow".
	maxCallDepth = 20000
	// maxCCalls is LUAI_MAXCCALLS: nested calls from Go back into Lua
	// (pcall, metamethods called by library functions, sort comparators)
	// before "C stack overflow".
	maxCCalls = 200
	// maxCStack is LUAI_MAXCSTACK: the values a library function may push
	// (unpack's "too many results to unpack") and the depth budget of a
	// script's return value ("reached lua stack limit").
	maxCStack = 8000
	// registryMax bounds the interpreter's value stack (in values).
	registryMax = 1 << 20
	// initialRegistry is the value stack's initial size.
	initialRegistry = 1024
)

// vm is one Lua interpreter with Valkey's sandbox: the globals and
// libraries scripts see, read-only, and the state of the running script.
// Only one goroutine uses a vm at a time (Cache.run).
type vm struct {
	c       *Cache
	L       *lua.LState
	globals *lua.LTable // the real global table
	env     *lua.LTable // its read-only proxy: the scripts' _G
	prot    *protector
	// strMetaView is what getmetatable("") returns: a read-only view of
	// the string metatable.
	strMetaView *lua.LTable
	errFunc     *lua.LFunction
	// translatorFn is pcall's message handler (vm.translator).
	translatorFn *lua.LFunction
	run          runState
	// lastRepeats reports whether the last run's error reply repeats a
	// command's error (see Cache.LastErrorRepeated).
	lastRepeats bool
	// coBase holds, for each coroutine being resumed, the nesting of
	// Go-to-Lua calls at its resume (see resumed).
	coBase []int
	// proxyMetatables holds the metatables made by newproxy(true).
	proxyMetatables map[*lua.LTable]bool
	// gcPause and gcStepMul are what collectgarbage("setpause") and
	// ("setstepmul") report; gopher-lua relies on Go's collector.
	gcPause, gcStepMul int
}

// maxArrayIndex bounds gopher-lua's array part: storing t[n] past the
// array's end fills the gap with nils, so t[60000000] = 1 would allocate a
// gigabyte at once. Larger integer keys live in the hash part; the length
// operator only counts the array part, so #t of an array with more than
// maxArrayIndex-1 elements stops there.
const maxArrayIndex = 1 << 22

var limitsOnce sync.Once

// newVM builds an interpreter with the globals of Valkey 8's scripting
// environment, all protected.
func newVM(c *Cache) *vm {
	limitsOnce.Do(func() { lua.MaxArrayIndex = maxArrayIndex })
	L := lua.NewState(lua.Options{
		SkipOpenLibs:        true,
		CallStackSize:       maxCallDepth,
		MinimizeStackMemory: true,
		RegistrySize:        initialRegistry,
		RegistryGrowStep:    4096,
		RegistryMaxSize:     registryMax,
	})
	v := &vm{c: c, L: L, globals: L.G.Global, gcPause: 200, gcStepMul: 200}
	v.prot = newProtector(L)
	v.translatorFn = L.NewFunction(v.translator)
	g := v.globals

	v.openBase()
	g.RawSetString("coroutine", v.coroutineLib())
	g.RawSetString("table", v.tableLib())
	g.RawSetString("string", v.stringLib())
	g.RawSetString("math", v.mathLib())
	os := L.NewTable()
	os.RawSetString("clock", L.NewFunction(osClock))
	g.RawSetString("os", os)
	lualib.Open(L)
	api := v.serverAPI()
	g.RawSetString("server", api)
	g.RawSetString("redis", api)
	v.errFunc = L.NewFunction(v.errorHandler)
	g.RawSetString("__redis__err__handler", v.errFunc)

	// The string metatable: scripts may read it (getmetatable("")), not
	// change it (Valkey leaves it writable, letting one script break
	// string methods for all others; flect protects it). The interpreter
	// uses the real one, scripts see a protected copy.
	strMeta := L.NewTable()
	strMeta.RawSetString("__index", g.RawGetString("string"))
	v.installStringArith(strMeta)
	L.SetMetatable(lua.LString(""), strMeta)
	view := L.NewTable()
	view.RawSetString("__index", g.RawGetString("string"))

	// Reading an undefined global fails; the proxy refuses every write.
	gmt := L.NewTable()
	gmt.RawSetString("__index", L.NewFunction(nonexistentGlobal))
	g.Metatable = gmt
	v.env = v.prot.protect(L, g)
	v.strMetaView = v.prot.protect(L, view)
	L.Env = v.env
	return v
}

// stackBytes estimates the memory of the value stack beyond its initial
// size (gopher-lua keeps it unexported; its capacity is read through
// reflection).
func (v *vm) stackBytes() int64 {
	reg := reflect.ValueOf(v.L).Elem().FieldByName("reg")
	if !reg.IsValid() || reg.IsNil() {
		return 0
	}
	arr := reg.Elem().FieldByName("array")
	if !arr.IsValid() {
		return 0
	}
	return int64(max(arr.Cap()-initialRegistry, 0)) * 16
}

// close releases the interpreter.
func (v *vm) close() {
	v.L.Close()
}

// nonexistentGlobal is the globals' __index: reading an undefined global
// is an error in Valkey's scripts. Scripts can reach it through
// getmetatable(_G) and call it themselves, hence Valkey's checks.
func nonexistentGlobal(L *lua.LState) int {
	if L.GetTop() != 2 {
		L.RaiseError("Wrong number of arguments to luaProtectedTableError")
	}
	name, ok := toString(L.Get(2))
	if !ok {
		L.RaiseError("Second argument to luaProtectedTableError must be a string or number")
	}
	L.RaiseError(msgNoGlobal, name)
	return 0
}

// setGlobal sets a global behind the read-only proxy (KEYS and ARGV).
func (v *vm) setGlobal(name string, value lua.LValue) {
	v.globals.RawSetString(name, value)
}
