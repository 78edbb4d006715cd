package script

import (
	"container/list"
	"crypto/sha1"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"

	lua "github.com/yuin/gopher-lua"
)

// Log levels of redis.log (server.LOG_DEBUG ... LOG_WARNING), Valkey's
// LL_DEBUG ... LL_WARNING.
const (
	LogDebug = iota
	LogVerbose
	LogNotice
	LogWarning
)

// maxEvalScripts is how many scripts EVAL keeps (Valkey's
// LRU_LIST_LENGTH); scripts loaded with SCRIPT LOAD are never evicted.
const maxEvalScripts = 500

// scriptChunk is the chunk name of script bodies ("@user_script" in
// Valkey's messages).
const scriptChunk = "user_script"

// Options configure a Cache.
type Options struct {
	// Log receives redis.log lines: level is one of LogDebug, LogVerbose,
	// LogNotice, LogWarning. Nil discards them. It is called with the
	// cache's run lock held, from the goroutine calling Run.
	Log func(level int, msg string)
	// LogLevel is the lowest level passed to Log (Valkey's loglevel);
	// lines below it are dropped without being formatted.
	LogLevel int
	// ServerVersion is what VALKEY_VERSION and VALKEY_VERSION_NUM report
	// ("8.0.1", the default). REDIS_VERSION stays "7.2.4", as in Valkey.
	ServerVersion string
	// MaxMemory bounds, in bytes, how much a running script may grow the
	// process heap before it is stopped with "not enough memory" (Lua has
	// no such limit in Valkey, but a Go process cannot survive a failed
	// allocation). Zero means DefaultMaxMemory; negative disables the
	// check. It also caps single strings built by string.rep.
	MaxMemory int64
}

// DefaultMaxMemory is Options.MaxMemory's default.
const DefaultMaxMemory = 1 << 30

// Cache is one namespace's script cache and Lua interpreter. Its methods
// are safe for concurrent use; runs are serialised.
type Cache struct {
	opts Options

	mu struct {
		sync.Mutex
		scripts map[string]*Script
		evalLRU list.List // EVAL scripts, least recently used first
		bytes   int64     // estimated memory of the scripts
		evicted int64
	}

	luaGrowth atomic.Int64 // value stack bytes beyond a fresh interpreter's

	run struct {
		sync.Mutex
		vm          *vm
		rng         rand48
		lastRepeats bool
	}
}

// Script is a compiled script body.
type Script struct {
	// SHA is the lower-case hex sha1 of Body.
	SHA string
	// Body is the source, shebang included.
	Body string
	// Flags are the flags of the shebang line.
	Flags Flags
	// Shebang reports whether Body starts with a "#!lua" line; without it
	// the script runs in compatibility mode and Flags is zero.
	Shebang bool

	proto *lua.FunctionProto
	// size estimates the memory of the body, sha and compiled code.
	size int64
	// lru is the script's element in the EVAL list, nil for scripts
	// loaded with SCRIPT LOAD.
	lru *list.Element
}

// NewCache returns an empty cache.
func NewCache(o Options) *Cache {
	if o.ServerVersion == "" {
		o.ServerVersion = "8.0.1"
	}
	if o.MaxMemory == 0 {
		o.MaxMemory = DefaultMaxMemory
	}
	c := &Cache{opts: o}
	c.mu.scripts = map[string]*Script{}
	c.run.rng.reset()
	return c
}

// Put compiles body unless it is cached and caches it for good, as SCRIPT
// LOAD does (a script cached by EVAL is promoted and no longer evicted).
// On a shebang or compile error it returns a KindError Value with
// Valkey's text ("ERR Error compiling script (new function):
// user_script:1: ...", "ERR Unexpected engine in script shebang: ...").
func (c *Cache) Put(body []byte) (*Script, *Value) {
	return c.put(body, false)
}

// PutEval is Put for EVAL: the script is cached in a list of at most 500
// EVAL scripts, the least recently used of which is evicted to make room
// (Valkey 8 does this so that clients generating scripts cannot exhaust
// memory); Evicted counts evictions.
func (c *Cache) PutEval(body []byte) (*Script, *Value) {
	return c.put(body, true)
}

func (c *Cache) put(body []byte, eval bool) (*Script, *Value) {
	sum := sha1.Sum(body)
	sha := hex.EncodeToString(sum[:])
	c.mu.Lock()
	if s := c.mu.scripts[sha]; s != nil {
		if !eval && s.lru != nil {
			c.mu.evalLRU.Remove(s.lru)
			s.lru = nil
		}
		c.mu.Unlock()
		return s, nil
	}
	c.mu.Unlock()

	flags, shebang, n, msg := parseShebang(body)
	if msg != "" {
		return nil, &Value{Kind: KindError, Str: "ERR " + msg}
	}
	proto, msg := compileChunk(body[n:], "@"+scriptChunk, 0)
	if msg != "" {
		return nil, &Value{Kind: KindError, Str: sanitizeError(msgCompile + msg)}
	}
	s := &Script{SHA: sha, Body: string(body), Flags: flags, Shebang: shebang, proto: proto}
	s.size = int64(len(s.Body)+len(s.SHA)) + protoSize(proto) + scriptOverhead

	c.mu.Lock()
	defer c.mu.Unlock()
	if old := c.mu.scripts[sha]; old != nil { // compiled concurrently
		return old, nil
	}
	if eval {
		for c.mu.evalLRU.Len() >= maxEvalScripts {
			old := c.mu.evalLRU.Remove(c.mu.evalLRU.Front()).(*Script)
			old.lru = nil
			c.forgetLocked(old)
			c.mu.evicted++
		}
		s.lru = c.mu.evalLRU.PushBack(s)
	}
	c.mu.scripts[sha] = s
	c.mu.bytes += s.size
	return s, nil
}

func (c *Cache) forgetLocked(s *Script) {
	delete(c.mu.scripts, s.SHA)
	c.mu.bytes -= s.size
}

// Get returns the cached script with that sha1 (40 hex digits, any
// case), or nil.
func (c *Cache) Get(sha string) *Script {
	if len(sha) != 40 {
		return nil
	}
	sha = strings.ToLower(sha)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.scripts[sha]
}

// Exists reports whether a script with that sha1 is cached.
func (c *Cache) Exists(sha string) bool { return c.Get(sha) != nil }

// Flush forgets every script and resets the interpreter (SCRIPT FLUSH).
// It waits for a running script to finish.
func (c *Cache) Flush() {
	c.mu.Lock()
	c.mu.scripts = map[string]*Script{}
	c.mu.evalLRU.Init()
	c.mu.bytes = 0
	c.mu.Unlock()
	c.run.Lock()
	if c.run.vm != nil {
		c.run.vm.close()
		c.run.vm = nil
	}
	c.luaGrowth.Store(0)
	c.run.Unlock()
}

// Len returns the number of cached scripts (number_of_cached_scripts).
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.mu.scripts)
}

// Evicted returns how many EVAL scripts were evicted (evicted_scripts).
func (c *Cache) Evicted() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.evicted
}

// scriptOverhead estimates the memory of one cached script beyond its
// body, sha and code: the dictionary entry and the script record.
const scriptOverhead = 160

// protoSize estimates the memory of compiled code.
func protoSize(p *lua.FunctionProto) int64 {
	n := int64(200 + 4*len(p.Code) + 16*len(p.Constants) + 8*len(p.DbgSourcePositions) + 48*len(p.DbgLocals) + 32*len(p.DbgCalls))
	for _, k := range p.Constants {
		if s, ok := k.(lua.LString); ok {
			n += int64(len(s))
		}
	}
	for _, sub := range p.FunctionPrototypes {
		n += protoSize(sub)
	}
	return n
}

// Memory estimates the memory of the cached scripts, bodies and compiled
// code (used_memory_scripts_eval).
func (c *Cache) Memory() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mu.bytes
}

// FreshLuaMemory is what Valkey reports as used_memory_lua for a fresh
// interpreter.
const FreshLuaMemory = 31744

// LuaMemory estimates the memory of the interpreter (used_memory_lua,
// used_memory_vm_eval): a fresh one's, plus the growth of its value stack
// (deep recursion and large unpacks leave it grown), as of the last run.
func (c *Cache) LuaMemory() int64 {
	return FreshLuaMemory + c.luaGrowth.Load()
}

// Run runs s and returns its reply, converted for the client's protocol
// o.Resp. Errors, including a killed or runaway script, are KindError
// Values with Valkey's texts. The caller holds the namespace exclusively;
// runs of one Cache are serialised, so the Caller must not run scripts of
// this Cache itself (EVAL is noscript). A script may come from another
// Cache or have been evicted or flushed: it still runs.
func (c *Cache) Run(s *Script, o RunOptions, caller Caller) Value {
	c.mu.Lock()
	if s.lru != nil && c.mu.scripts[s.SHA] == s {
		c.mu.evalLRU.MoveToBack(s.lru)
	}
	c.mu.Unlock()

	c.run.Lock()
	defer c.run.Unlock()
	if c.run.vm == nil {
		c.run.vm = newVM(c)
	}
	v := c.run.vm
	out, broken := v.exec(s, o, caller)
	c.run.lastRepeats = v.lastRepeats
	c.luaGrowth.Store(v.stackBytes())
	if broken {
		v.close()
		c.run.vm = nil
	}
	return out
}

// LastErrorRepeated reports whether the error reply of the last Run
// repeats the error of a command the script called (server.call raising
// it, or the script returning server.pcall's error). Valkey counts such
// errors once, for the command, and not again for the script, in
// errorstats and total_error_replies.
func (c *Cache) LastErrorRepeated() bool {
	c.run.Lock()
	defer c.run.Unlock()
	return c.run.lastRepeats
}
