package script

import (
	"context"
	"testing"
	"time"
)

// FuzzCompile feeds arbitrary source to the syntax checker and compiler:
// neither may panic or hang, and what the checker accepts gopher-lua must
// compile.
func FuzzCompile(f *testing.F) {
	for _, gc := range allGoldenCases() {
		f.Add(gc.script)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1<<16 {
			return
		}
		proto, msg := compileChunk([]byte(src), "@"+scriptChunk, 0)
		if proto == nil && msg == "" {
			t.Fatal("no result")
		}
		if check, _ := checkSyntax([]byte(src), scriptChunk, 0); msg != "" && check == "" {
			// The checker accepted what gopher-lua refused: only its own
			// limits may do that.
			t.Logf("gopher-lua refused: %s", msg)
		}
	})
}

// FuzzShebang feeds arbitrary first lines to the shebang parser.
func FuzzShebang(f *testing.F) {
	for _, gc := range shebangCases {
		f.Add(gc.script)
	}
	f.Fuzz(func(t *testing.T, body string) {
		flags, shebang, n, err := parseShebang([]byte(body))
		if err != "" && (flags != 0 || shebang || n != 0) {
			t.Fatal("an error returns nothing else")
		}
		if n > len(body) {
			t.Fatal("shebang longer than the body")
		}
	})
}

// FuzzRun runs arbitrary scripts with a short deadline: nothing may
// panic the process.
func FuzzRun(f *testing.F) {
	for _, gc := range allGoldenCases() {
		if len(gc.script) < 300 {
			f.Add(gc.script)
		}
	}
	f.Fuzz(func(t *testing.T, src string) {
		c := NewCache(Options{MaxMemory: 32 << 20})
		s, errv := c.Put([]byte(src))
		if errv != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		v := c.Run(s, RunOptions{Ctx: ctx, Resp: 3}, newFake())
		encode(v, 3)
		encode(v, 2)
	})
}
