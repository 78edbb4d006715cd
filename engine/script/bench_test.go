package script

import (
	"context"
	"testing"
)

// BenchmarkRunCached measures EVALSHA of a cached one-line script.
func BenchmarkRunCached(b *testing.B) {
	c := NewCache(Options{})
	s, _ := c.Put([]byte("return 1"))
	f := newFake()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c.Run(s, RunOptions{Resp: 2, Ctx: ctx}, f)
	}
}

// BenchmarkRunCall measures a script making one server.call with KEYS
// and ARGV.
func BenchmarkRunCall(b *testing.B) {
	c := NewCache(Options{})
	s, _ := c.Put([]byte("return redis.call('set', KEYS[1], ARGV[1])"))
	f := newFake()
	keys, args := [][]byte{[]byte("key")}, [][]byte{[]byte("value")}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		f.calls = f.calls[:0]
		c.Run(s, RunOptions{Keys: keys, Args: args, Resp: 2, Ctx: ctx}, f)
	}
}

// BenchmarkLoop measures the interpreter on a loop of arithmetic.
func BenchmarkLoop(b *testing.B) {
	c := NewCache(Options{})
	s, _ := c.Put([]byte("local n = 0 for i = 1, 10000 do n = n + i % 7 end return n"))
	f := newFake()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		c.Run(s, RunOptions{Resp: 2, Ctx: ctx}, f)
	}
}

// BenchmarkPut measures compiling a new script (EVAL of a new body).
func BenchmarkPut(b *testing.B) {
	body := []byte("local t = {} for i = 1, #ARGV do t[i] = redis.call('get', ARGV[i]) end return t")
	b.ReportAllocs()
	for b.Loop() {
		c := NewCache(Options{})
		c.Put(body)
	}
}

// BenchmarkNewVM measures a namespace's first script run: building the
// interpreter.
func BenchmarkNewVM(b *testing.B) {
	f := newFake()
	b.ReportAllocs()
	for b.Loop() {
		c := NewCache(Options{})
		s, _ := c.Put([]byte("return 1"))
		c.Run(s, RunOptions{}, f)
	}
}
