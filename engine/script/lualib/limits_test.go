package lualib

import (
	"context"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// TestDifferences pins down where the libraries knowingly differ from
// Valkey 8.0.1; each case notes what Valkey returned.
func TestDifferences(t *testing.T) {
	cases := []struct {
		code, want, valkey string
	}{
		// Object keys follow gopher-lua's table order (insertion order
		// for string keys), not C Lua's hash order.
		{`return cjson.encode({a=1,b=2,c=3})`,
			`{"n"=2,1=true,2="{\x22a\x22:1,\x22b\x22:2,\x22c\x22:3}"}`,
			`{"n"=2,1=true,2="{\x22a\x22:1,\x22c\x22:3,\x22b\x22:2}"}`},
		{`return cjson.encode(cjson.decode("{\"z\":1,\"y\":2,\"x\":3}"))`,
			`{"n"=2,1=true,2="{\x22z\x22:1,\x22y\x22:2,\x22x\x22:3}"}`,
			`{"n"=2,1=true,2="{\x22y\x22:2,\x22x\x22:3,\x22z\x22:1}"}`},
		{`return cmsgpack.pack({a=1,b=2,c=3})`,
			`{"n"=2,1=true,2="\x83\xa1a\x01\xa1b\x02\xa1c\x03"}`,
			`{"n"=2,1=true,2="\x83\xa1a\x01\xa1c\x03\xa1b\x02"}`},
		// The length of a table with holes is another border.
		{`return #cmsgpack.unpack("\146\192\1")`, `{"n"=2,1=true,2=2}`, `{"n"=2,1=true,2=0}`},
		// cjson.null is a full userdata, printed with its address.
		{`return tostring(cjson.null):match("^userdata: 0x%x+$") ~= nil`, `{"n"=2,1=true,2=true}`,
			`{"n"=2,1=true,2=false}`},
		// Integer map keys that would make gopher-lua allocate a huge
		// array part fail.
		{`local t = cmsgpack.unpack("\129\206\3\0\0\0\1") return t[50331648]`,
			`{"n"=2,1=false,2="user_script:1: Map key 50331648 too sparse to unpack: it would allocate 50331647 array slots"}`,
			`{"n"=2,1=true,2=1}`},
	}
	for _, c := range cases {
		if got := run(t, c.code); got != c.want {
			t.Errorf("%s\n got: %s\nwant: %s (Valkey 8.0.1: %s)", c.code, got, c.want, c.valkey)
		}
	}
}

// TestSparseMapKeys checks integer map keys near gopher-lua's array limit.
func TestSparseMapKeys(t *testing.T) {
	cases := []struct{ code, want string }{
		// A moderate key is kept, as in Valkey.
		{`local t = cmsgpack.unpack("\129\205\39\16\161x") return t[10000], #cmsgpack.pack(t)`, `{"n"=3,1=true,2="x",3=6}`},
		// Keys from 2^26 go to gopher-lua's hash part: no array at all.
		{`local t = cmsgpack.unpack("\129\206\4\0\0\0\1") return t[2^26]`, `{"n"=2,1=true,2=1}`},
		{`local t = cmsgpack.unpack("\130\206\4\0\0\0\1\206\4\0\0\1\2") return t[2^26], t[2^26+1]`, `{"n"=3,1=true,2=1,3=2}`},
		// A nil value never allocates.
		{`local t = cmsgpack.unpack("\129\206\3\0\0\0\192") return next(t)`, `{"n"=2,1=true}`},
		// The budget counts across the whole call.
		{`return cmsgpack.unpack("\129\206\0\48\0\0\1\129\206\0\48\0\0\1")`,
			`{"n"=2,1=false,2="user_script:1: Map key 3145728 too sparse to unpack: it would allocate 6291454 array slots"}`},
	}
	for _, c := range cases {
		if got := run(t, c.code); got != c.want {
			t.Errorf("%s\n got: %s\nwant: %s", c.code, got, c.want)
		}
	}
}

// TestOutputLimit checks that encoders stop at maxOutput.
func TestOutputLimit(t *testing.T) {
	defer func(n int) { maxOutput = n }(maxOutput)
	maxOutput = 1 << 16
	cases := []struct{ code, want string }{
		{`cjson.encode_sparse_array(false, 0) return cjson.encode({[2^31-1] = 1})`,
			`{"n"=2,1=false,2="user_script:1: Cannot serialise, output larger than 65536 bytes"}`},
		{`local t = {} for i = 1, 8 do t[i] = t end return cmsgpack.pack(t)`,
			`{"n"=2,1=false,2="user_script:1: MessagePack pack output larger than 65536 bytes"}`},
		{`return #cjson.encode(string.rep("x", 60000)), #cmsgpack.pack(string.rep("x", 60000))`,
			`{"n"=3,1=true,2=60002,3=60003}`},
	}
	for _, c := range cases {
		if got := run(t, c.code); got != c.want {
			t.Errorf("%s\n got: %s\nwant: %s", c.code, got, c.want)
		}
	}
}

// TestContextStopsEncoders checks that a pathological encode stops when
// the state's context is done: packing a table that holds itself twenty
// times would take 20^16 steps.
func TestContextStopsEncoders(t *testing.T) {
	for _, code := range []string{
		`local t = {} for i = 1, 20 do t[i] = t end return cmsgpack.pack(t)`,
		`local t = {} for i = 1, 20 do t["k" .. i] = t end return cmsgpack.pack(t)`,
	} {
		L := newState()
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		L.SetContext(ctx)
		start := time.Now()
		got := runIn(t, L, code)
		cancel()
		L.Close()
		if !strings.Contains(got, "context deadline exceeded") {
			t.Errorf("%s: got %s, want a context error", code, got)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%s: stopped after %v", code, d)
		}
	}
}

// TestEncodeKeepBuffer checks that reusing the encode buffer never changes
// an earlier result.
func TestEncodeKeepBuffer(t *testing.T) {
	got := run(t, `local a = cjson.encode({"first", 1}) local b = cjson.encode("x") return a, b`)
	if want := `{"n"=3,1=true,2="[\x22first\x22,1]",3="\x22x\x22"}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestNullPerState checks that each state has its own cjson.null, shared
// by cjson.new() tables and decoded nulls.
func TestNullPerState(t *testing.T) {
	L1, L2 := newState(), newState()
	defer L1.Close()
	defer L2.Close()
	n1 := L1.GetGlobal("cjson").(*lua.LTable).RawGetString("null")
	n2 := L2.GetGlobal("cjson").(*lua.LTable).RawGetString("null")
	if n1 == n2 {
		t.Error("two states share cjson.null")
	}
	if got := runIn(t, L1, `return cjson.new().decode("null") == cjson.null, cjson.decode("[null]")[1] == cjson.null`); got != `{"n"=3,1=true,2=true,3=true}` {
		t.Errorf("got %s", got)
	}
}

// TestStrtod checks the strtod prefixes the decoders rely on.
func TestStrtod(t *testing.T) {
	cases := []struct {
		in   string
		want string // formatted value
		n    int
	}{
		{"1", "1", 1}, {"-1.5e3x", "-1500", 6}, {"1.", "1", 2}, {".5", "0.5", 2}, {"1e", "1", 1},
		{"1e+", "1", 1}, {"1e+2", "100", 4}, {"  +7", "7", 4}, {"0x", "0", 1}, {"0x1G", "1", 3},
		{"0x.8", "0.5", 4}, {"0x1p", "1", 3}, {"0x1p-1", "0.5", 6}, {"0X1P+4", "16", 6},
		{"inf", "inf", 3}, {"-Infinity", "-inf", 9}, {"infinit", "inf", 3}, {"NaN", "nan", 3},
		{"nan(abc_1)", "nan", 10}, {"nan(", "nan", 3}, {"-nan", "-nan", 4}, {"1e400", "inf", 5},
		{"1e-400", "0", 6}, {"", "0", 0}, {"-", "0", 0}, {"e5", "0", 0}, {".", "0", 0}, {"+.e1", "0", 0},
	}
	for _, c := range cases {
		f, n := strtod(c.in)
		if got := formatNumber(f); got != c.want || n != c.n {
			t.Errorf("strtod(%q) = %s, %d; want %s, %d", c.in, got, n, c.want, c.n)
		}
	}
}
