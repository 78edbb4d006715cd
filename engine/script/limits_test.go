package script

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestKill: a cancelled context stops the script with SCRIPT KILL's
// error, whatever it is doing, and pcall cannot catch it.
func TestKill(t *testing.T) {
	for _, src := range []string{
		"while true do end",
		"local i = 0 while true do pcall(function() i = i + 1 end) end",
		"while true do pcall(error, 'x') end",
		"while true do local ok, e = pcall(function() while true do end end) end",
		"xpcall(function() while true do end end, function(e) while true do end end)",
		"local f = coroutine.wrap(function() while true do end end) f()",
		"local t = {} for i = 1, 100 do t[i] = i end while true do table.sort(t, function(a, b) return a > b end) end",
		"return string.find(string.rep('a', 40), 'a*a*a*a*a*a*a*a*a*a*a*a*b')",
		"local function f() return pcall(f) end while true do f() end",
	} {
		c := NewCache(Options{})
		s, errv := c.Put([]byte(src))
		if errv != nil {
			t.Fatal(*errv)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(20*time.Millisecond, cancel)
		start := time.Now()
		v := c.Run(s, RunOptions{Ctx: ctx}, newFake())
		want := "ERR Script killed by user with SCRIPT KILL... script: " + s.SHA + ", on @user_script:1."
		if v.Kind != KindError || v.Str != want {
			t.Errorf("%s: %+v", src, v)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: killed after %v", src, d)
		}
		cancel()
		// The interpreter is still usable.
		if got := run(t, c, newFake(), "return 1"); got != ":1\r\n" {
			t.Fatal(got)
		}
	}
}

// TestMemoryBombs: scripts that would exhaust memory fail with "not
// enough memory" instead of taking the process down.
func TestMemoryBombs(t *testing.T) {
	const limit = 16 << 20
	for _, tc := range []struct{ src, want string }{
		{"return string.rep('x', 2^30)", "not enough memory"},
		{"return string.rep('abc', 1e9)", "not enough memory"},
		{"local s = 'x' for i = 1, 40 do s = s .. s end return #s", "not enough memory"},
		{"local t = {} for i = 1, 1e9 do t[i] = i end", "not enough memory"},
		{"local t = {} while true do t[#t + 1] = string.rep('x', 1000) .. #t end", "not enough memory"},
		{"local t = {} for i = 1, 100 do t[i] = string.rep('x', 1e6) end return #table.concat(t)", "not enough memory"},
		{"local t = {} for i = 1, 1e6 do t[i] = {i} end local s = {} while true do s[#s+1] = table.concat({1,2,3}) end", "not enough memory"},
	} {
		runtime.GC() // the limit counts from the live heap of the last collection
		c := NewCache(Options{MaxMemory: limit})
		s, errv := c.Put([]byte(tc.src))
		if errv != nil {
			t.Fatal(*errv)
		}
		start := time.Now()
		v := c.Run(s, RunOptions{Ctx: context.Background()}, newFake())
		if v.Kind != KindError || v.Str != "ERR Error running script "+s.SHA+", "+tc.want {
			t.Errorf("%s: %+v", tc.src, v)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%s: took %v", tc.src, d)
		}
	}
	// pcall catches an allocation that fails at once, as in Lua.
	c := NewCache(Options{MaxMemory: limit})
	if got := run(t, c, newFake(), "return {pcall(string.rep, 'x', 2^30)}"); got != "*2\r\n$-1\r\n$17\r\nnot enough memory\r\n" {
		t.Fatal(got)
	}
}

// TestRecursionBombs: deep recursion of every kind ends in an error reply.
func TestRecursionBombs(t *testing.T) {
	for _, tc := range []struct{ src, prefix string }{
		{"local function f() return f() + 1 end return f()", "-ERR stack overflow"},
		{"local t = setmetatable({}, {__index = function(t, k) return t[k + 1] end}) return t[1]", "-ERR stack overflow"},
		{"local t = setmetatable({}, {__newindex = function(t, k, v) t[k] = v end}) t.x = 1", "-ERR stack overflow"},
		{"local t = setmetatable({}, {__add = function(a, b) return a + b end}) return t + 1", "-ERR stack overflow"},
		{"local function f() return tostring(setmetatable({}, {__tostring = f})) end return f()", "-ERR C stack overflow"},
		{"local function f() return select(2, pcall(f)) end return f()", "$16\r\nC stack overflow"},
		{"local function f() local ok, e = xpcall(f, function(e) return e end) return e end return f()", "$16\r\nC stack overflow"},
		{"local function f() local t = {3, 2, 1} table.sort(t, function(a, b) f() return a < b end) end f()", "-ERR C stack overflow"},
		{"local function f(s) return (string.gsub(s, '.', f)) end return f('x')", "-ERR C stack overflow"},
		{"local t = {} t[1] = t return t", "*1\r\n*1\r\n*1\r\n"},
		{"local co co = coroutine.wrap(function() co() end) co()", "-ERR user_script:1: user_script:1: cannot resume running coroutine script: "},
		{"return " + strings.Repeat("(", 100000) + "1" + strings.Repeat(")", 100000), "-ERR Error compiling script (new function): user_script:1: chunk has too many syntax levels"},
		{"return " + strings.Repeat("- ", 100000) + "1", "-ERR Error compiling script (new function): user_script:1: chunk has too many syntax levels"},
		{"return " + strings.Repeat("{", 100000), "-ERR Error compiling script (new function): user_script:1: chunk has too many syntax levels"},
		{strings.Repeat("do ", 100000), "-ERR Error compiling script (new function): user_script:1: chunk has too many syntax levels"},
		{"local x = a" + strings.Repeat(".b", 100000), "-ERR user_script:1: Script attempted to access nonexistent global variable 'a'"},
		{"return 1" + strings.Repeat(" + 1", 100000), ":100001"},
		{"return 'a'" + strings.Repeat(" .. 'a'", 10000), "-ERR Error compiling script (new function): user_script:1: chunk has too many syntax levels"},
		{"return 'a'" + strings.Repeat(" .. 'a'", 150), "$151"},
		{"local t = {" + strings.Repeat("1,", 25550) + "} return #t", ":25550"},
		{"local t = {" + strings.Repeat("1,", 25551) + "} return #t", "-ERR Error compiling script (new function): user_script:1: function or expression too complex near ','"},
		{"local t = {" + strings.Repeat("x=1,", 100000) + "} return t.x", ":1"},
	} {
		c := NewCache(Options{})
		start := time.Now()
		if got := run(t, c, newFake(), tc.src); !strings.HasPrefix(got, tc.prefix) {
			t.Errorf("%.60s: got %.200q", tc.src, got)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("%.60s: took %v", tc.src, d)
		}
	}
}
