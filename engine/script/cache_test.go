package script

import (
	"context"
	"crypto/sha1"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/flect-kv/flect/engine"
)

// run compiles and runs src on c for a RESP2 client and returns the reply
// as the client sees it.
func run(t *testing.T, c *Cache, f *fakeCaller, src string, args ...string) string {
	t.Helper()
	s, errv := c.Put([]byte(src))
	if errv != nil {
		return encode(*errv, 2)
	}
	return encode(c.Run(s, RunOptions{Args: bytesOf(args), Resp: 2}, f), 2)
}

func TestPutGet(t *testing.T) {
	c := NewCache(Options{})
	s, errv := c.Put([]byte("return 1"))
	if errv != nil {
		t.Fatal(*errv)
	}
	const sha = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"
	if s.SHA != sha || s.Body != "return 1" || s.Shebang || s.Flags != 0 {
		t.Fatalf("script %+v", s)
	}
	if c.Get(strings.ToUpper(sha)) != s || !c.Exists(sha) || c.Get(sha[:39]) != nil || c.Exists("x") {
		t.Fatal("lookup")
	}
	again, _ := c.Put([]byte("return 1"))
	if again != s || c.Len() != 1 {
		t.Fatal("a body is cached once")
	}
	if m := c.Memory(); m <= int64(len(s.Body)) {
		t.Fatalf("memory %d", m)
	}
	if m := c.LuaMemory(); m < FreshLuaMemory {
		t.Fatalf("lua memory %d", m)
	}
	c.Flush()
	if c.Len() != 0 || c.Exists(sha) || c.Memory() != 0 {
		t.Fatal("flush")
	}
	// A script held across a flush still runs, on a fresh interpreter.
	if got := encode(c.Run(s, RunOptions{}, newFake()), 2); got != ":1\r\n" {
		t.Fatal(got)
	}
}

func TestPutErrors(t *testing.T) {
	c := NewCache(Options{})
	for body, want := range map[string]string{
		"return +":            "ERR Error compiling script (new function): user_script:1: unexpected symbol near '+'",
		"#!lua":               "ERR Invalid script shebang",
		"#!python\nreturn 1":  "ERR Unexpected engine in script shebang: #!python",
		"#!lua x=1\nreturn 1": "ERR Unknown lua shebang option: x=1",
		"#!lua\nreturn +":     "ERR Error compiling script (new function): user_script:2: unexpected symbol near '+'",
	} {
		s, errv := c.Put([]byte(body))
		if s != nil || errv == nil || errv.Kind != KindError || errv.Str != want {
			t.Errorf("%q: %v %+v", body, s, errv)
		}
	}
	if c.Len() != 0 {
		t.Fatal("failed scripts are not cached")
	}
}

func TestEvalEviction(t *testing.T) {
	c := NewCache(Options{})
	loaded, _ := c.Put([]byte("return 'loaded'"))
	first, _ := c.PutEval([]byte("return 0"))
	promoted, _ := c.PutEval([]byte("return 'promoted'"))
	c.Put([]byte("return 'promoted'")) // SCRIPT LOAD of an EVAL script pins it
	for i := 1; i < maxEvalScripts; i++ {
		s, _ := c.PutEval([]byte(fmt.Sprintf("return %d", i)))
		if i == 1 {
			c.Run(first, RunOptions{}, newFake()) // used: now the most recent
		}
		_ = s
	}
	if c.Evicted() != 0 || c.Len() != maxEvalScripts+2 {
		t.Fatalf("len %d evicted %d", c.Len(), c.Evicted())
	}
	c.PutEval([]byte("return 'one more'"))
	if c.Evicted() != 1 || c.Exists(fmt.Sprintf("%x", sha1Sum("return 1"))) {
		t.Fatal("the least recently used EVAL script goes first")
	}
	if !c.Exists(first.SHA) || !c.Exists(loaded.SHA) || !c.Exists(promoted.SHA) {
		t.Fatal("used, loaded and promoted scripts stay")
	}
	if got := encode(c.Run(first, RunOptions{}, newFake()), 2); got != ":0\r\n" {
		t.Fatal(got)
	}
}

func TestLastErrorRepeated(t *testing.T) {
	c := NewCache(Options{})
	f := newFake()
	for src, repeated := range map[string]bool{
		"return redis.call('nosuch')":  true,
		"return redis.pcall('nosuch')": true,
		"error('x')":                   false,
		"return {err='x'}":             false,
		"return 1":                     false,
	} {
		run(t, c, f, src)
		if c.LastErrorRepeated() != repeated {
			t.Errorf("%s: repeated %v", src, !repeated)
		}
	}
}

func TestKeysArgvCopied(t *testing.T) {
	c := NewCache(Options{})
	args := [][]byte{[]byte("value")}
	f := newFake()
	f.kinds = map[string]func(engine.Reply){"mutate": func(r engine.Reply) {
		copy(args[0], "XXXXX") // the read buffer is reused meanwhile
		r.Simple("OK")
	}}
	s, _ := c.Put([]byte("redis.call('kind', 'mutate') return ARGV[1]"))
	if got := encode(c.Run(s, RunOptions{Args: args}, f), 2); got != "$5\r\nvalue\r\n" {
		t.Fatal(got)
	}
}

func TestLog(t *testing.T) {
	var lines []string
	c := NewCache(Options{LogLevel: LogNotice, Log: func(level int, msg string) {
		lines = append(lines, fmt.Sprintf("%d %s", level, msg))
	}})
	run(t, c, newFake(), "redis.log(redis.LOG_DEBUG, 'hidden') redis.log(redis.LOG_WARNING, 'hello', 1, 2.5, {}, nil, true, 'end') server.log(server.LOG_NOTICE, nil, 'x')")
	want := []string{"3 hello 1 2.5 end", "2  x"}
	if fmt.Sprint(lines) != fmt.Sprint(want) {
		t.Fatalf("%q", lines)
	}
}

func TestServerVersion(t *testing.T) {
	c := NewCache(Options{ServerVersion: "8.1.2"})
	if got := run(t, c, newFake(), "return {redis.VALKEY_VERSION, redis.VALKEY_VERSION_NUM, redis.REDIS_VERSION}"); got != "*3\r\n$5\r\n8.1.2\r\n:524546\r\n$5\r\n7.2.4\r\n" {
		t.Fatal(got)
	}
}

func TestACLCheck(t *testing.T) {
	c := NewCache(Options{})
	f := newFake()
	f.acl = func(args []string) (bool, bool) { return args[0] != "nosuch", args[0] != "set" }
	if got := run(t, c, f, "return {redis.acl_check_cmd('get', 'k'), redis.acl_check_cmd('set', 'k', 'v')}"); got != "*2\r\n:1\r\n$-1\r\n" {
		t.Fatal(got)
	}
	if got := run(t, c, f, "return redis.acl_check_cmd('nosuch')"); !strings.HasPrefix(got, "-ERR Invalid command passed to server.acl_check_cmd()") {
		t.Fatal(got)
	}
}

// TestStringMetatable: unlike Valkey, flect does not let a script change
// the string metatable (which would break string methods for every later
// script of the namespace).
func TestStringMetatable(t *testing.T) {
	c := NewCache(Options{})
	f := newFake()
	got := run(t, c, f, "getmetatable('').__index = {}")
	if !strings.HasPrefix(got, "-ERR user_script:1: Attempt to modify a readonly table") {
		t.Fatal(got)
	}
	if got := run(t, c, f, "return ('abc'):upper()"); got != "$3\r\nABC\r\n" {
		t.Fatal(got)
	}
}

// TestStatePersists: the interpreter and the random generator live on
// between runs; globals cannot carry state over.
func TestStatePersists(t *testing.T) {
	c := NewCache(Options{})
	f := newFake()
	a := run(t, c, f, "return tostring(math.random())")
	b := run(t, c, f, "return tostring(math.random())")
	if a == b || a != "$16\r\n0.39646477363839\r\n" {
		t.Fatal(a, b)
	}
	c.Flush()
	if got := run(t, c, f, "return tostring(math.random())"); got == a {
		t.Fatal("SCRIPT FLUSH does not reset the generator")
	}
}

func TestRespConversions(t *testing.T) {
	c := NewCache(Options{})
	f := newFake()
	f.kinds = map[string]func(engine.Reply){
		"bignum":   func(r engine.Reply) { r.BigNumber("1234567890123456789012") },
		"verbatim": func(r engine.Reply) { r.Verbatim("txt", "some text") },
		"bool":     func(r engine.Reply) { r.Bool(true) },
		"nullarr":  func(r engine.Reply) { r.NullArray() },
		"push":     func(r engine.Reply) { r.Push(2); r.Int(1); r.Int(2) },
		"nested": func(r engine.Reply) {
			r.Array(3)
			r.Null()
			r.Map(1)
			r.BulkString("k")
			r.Set(1)
			r.Int(5)
			r.Double(1.5)
		},
	}
	for _, tc := range []struct{ src, resp2, resp3 string }{
		{"redis.setresp(3) local t = redis.call('kind', 'bignum') return {type(t), t.big_number}",
			"*2\r\n$5\r\ntable\r\n$22\r\n1234567890123456789012\r\n", ""},
		{"redis.setresp(3) return redis.call('kind', 'bignum')",
			"$22\r\n1234567890123456789012\r\n", "(1234567890123456789012\r\n"},
		{"return redis.call('kind', 'bignum')", "$22\r\n1234567890123456789012\r\n", ""},
		{"redis.setresp(3) local t = redis.call('kind', 'verbatim') return {t.verbatim_string.format, t.verbatim_string.string}",
			"*2\r\n$3\r\ntxt\r\n$9\r\nsome text\r\n", ""},
		{"redis.setresp(3) return redis.call('kind', 'verbatim')", "$9\r\nsome text\r\n", "=13\r\ntxt:some text\r\n"},
		{"redis.setresp(3) return {redis.call('kind', 'bool')}", "*1\r\n:1\r\n", "*1\r\n#t\r\n"},
		{"return redis.call('kind', 'bool')", ":1\r\n", ""},
		{"return type(redis.call('kind', 'nullarr'))", "$7\r\nboolean\r\n", ""},
		{"redis.setresp(3) return type(redis.call('kind', 'nullarr'))", "$3\r\nnil\r\n", ""},
		{"return redis.call('kind', 'push')", "*2\r\n:1\r\n:2\r\n", ""},
		{"redis.setresp(3) return redis.call('kind', 'nested')", "*0\r\n", "*0\r\n"},
		{"redis.setresp(3) local t = redis.call('kind', 'nested') t[1] = 0 return t",
			"*3\r\n:0\r\n*2\r\n$1\r\nk\r\n*1\r\n:5\r\n$3\r\n1.5\r\n", "*3\r\n:0\r\n%1\r\n$1\r\nk\r\n~1\r\n:5\r\n,1.5\r\n"},
		{"redis.setresp(3) local t = redis.call('kind', 'nested') return {t[1] == nil, t[2].map.k.set[5], t[3].double}",
			"*3\r\n:1\r\n:1\r\n:1\r\n", ""},
	} {
		for _, proto := range []int{2, 3} {
			want := tc.resp2
			if proto == 3 {
				if tc.resp3 == "" {
					continue
				}
				want = tc.resp3
			}
			s, errv := c.Put([]byte(tc.src))
			if errv != nil {
				t.Fatal(*errv)
			}
			if got := encode(c.Run(s, RunOptions{Resp: proto}, f), proto); got != want {
				t.Errorf("%s (RESP%d):\n got %q\nwant %q", tc.src, proto, got, want)
			}
		}
	}
}

// TestConcurrentUse runs scripts while other goroutines read the cache.
func TestConcurrentUse(t *testing.T) {
	c := NewCache(Options{})
	s, _ := c.Put([]byte("return redis.call('incr', 'n')"))
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			f := newFake()
			for i := 0; i < 50; i++ {
				c.Run(s, RunOptions{Ctx: context.Background()}, f)
				c.PutEval([]byte(fmt.Sprintf("return %d", g*1000+i)))
				c.Len()
				c.Memory()
				c.LuaMemory()
				c.Exists(s.SHA)
			}
		}(g)
	}
	wg.Wait()
	if c.Len() != 201 {
		t.Fatal(c.Len())
	}
}

func sha1Sum(s string) [20]byte { return sha1.Sum([]byte(s)) }

func TestLuaMemory(t *testing.T) {
	c := NewCache(Options{})
	if c.LuaMemory() != FreshLuaMemory {
		t.Fatal(c.LuaMemory())
	}
	run(t, c, newFake(), "local function f(n) if n == 0 then return 0 end return 1 + f(n - 1) end return f(5000)")
	if c.LuaMemory() <= FreshLuaMemory {
		t.Fatal("deep recursion grows the value stack", c.LuaMemory())
	}
	if got := run(t, c, newFake(), "return collectgarbage('count') * 1024 > 31744"); got != ":1\r\n" {
		t.Fatal(got)
	}
	c.Flush()
	if c.LuaMemory() != FreshLuaMemory {
		t.Fatal(c.LuaMemory())
	}
}
