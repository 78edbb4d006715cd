package lualib

import (
	"errors"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// The fuzz targets feed arbitrary bytes to the decoders. Every input must
// either decode or fail with one of the library's own Lua errors (never a
// Go panic), and what decodes must survive a round trip: once encoded,
// decoding and encoding again gives the same bytes. Their
// seeds run as ordinary tests; crashers found by `go test -fuzz` belong in
// testdata/fuzz/<FuzzName>/.

// call calls fn with args in L and returns its results, or the message of
// the Lua error it raised. A Go panic fails the test.
func call(t testing.TB, L *lua.LState, fn lua.LValue, args ...lua.LValue) ([]lua.LValue, string) {
	t.Helper()
	top := L.GetTop()
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	err := L.PCall(len(args), lua.MultRet, nil)
	if err != nil {
		var apiErr *lua.ApiError
		if !errors.As(err, &apiErr) || apiErr.Type != lua.ApiErrorRun {
			t.Fatalf("not a Lua error: %v", err)
		}
		L.SetTop(top)
		return nil, apiErr.Object.String()
	}
	res := make([]lua.LValue, 0, L.GetTop()-top)
	for i := top + 1; i <= L.GetTop(); i++ {
		res = append(res, L.Get(i))
	}
	L.SetTop(top)
	return res, ""
}

// checkError fails t unless msg holds one of the expected error texts.
func checkError(t *testing.T, input, msg string, expected ...string) {
	t.Helper()
	for _, e := range expected {
		if strings.Contains(msg, e) {
			return
		}
	}
	t.Fatalf("input %q: unexpected error %q", input, msg)
}

// field is module.name in L.
func field(L *lua.LState, module, name string) lua.LValue {
	return L.GetGlobal(module).(*lua.LTable).RawGetString(name)
}

var cjsonSeeds = []string{
	``, `null`, `true`, `false`, `0`, `-0`, `1.5e300`, `"x"`, `[]`, `{}`, `[1,2,[3,{"a":null}]]`,
	`{"a":1,"a":2}`, `"\u00e9\ud83d\ude00\/\b\f\n\r\t\"\\"`, `"\ud800"`, `"\u12"`, `007`, `0x1F`, `+1`, `-inf`,
	`Infinity`, `nan(1)`, `1e999`, `[1,]`, `{1:2}`, `{"a" 1}`, `[1 2]`, "[1]\x00x", "1\x00", `"abc`, `"a\qb"`,
	strings.Repeat("[", 1001), strings.Repeat(`{"a":`, 1001), "\xef\xbb\xbf[1]", `[-0.0, 1E+2, 0.1]`,
}

func FuzzCJSONDecode(f *testing.F) {
	for _, s := range cjsonSeeds {
		f.Add(s)
	}
	L := newState()
	decode := field(L, "cjson", "decode")
	// A second instance encodes what was decoded, NaN and Inf included.
	lenient, _ := call(f, L, field(L, "cjson", "new"))
	encode := lenient[0].(*lua.LTable).RawGetString("encode")
	if _, msg := call(f, L, lenient[0].(*lua.LTable).RawGetString("encode_invalid_numbers"), lua.LTrue); msg != "" {
		f.Fatal(msg)
	}
	f.Fuzz(func(t *testing.T, data string) {
		res, msg := call(t, L, decode, lua.LString(data))
		if msg != "" {
			checkError(t, data, msg, "Expected ", "Found too many nested data structures", "JSON parser does not support UTF-16 or UTF-32")
			return
		}
		e1, msg := call(t, L, encode, res[0])
		if msg != "" {
			t.Fatalf("input %q: encode of its decoding: %s", data, msg)
		}
		back, msg := call(t, L, decode, e1[0])
		if msg != "" {
			t.Fatalf("input %q: decode of %q: %s", data, e1[0], msg)
		}
		e2, msg := call(t, L, encode, back[0])
		if msg != "" || e2[0] != e1[0] {
			t.Fatalf("input %q: round trip %q then %q (%s)", data, e1[0], e2[0], msg)
		}
	})
}

var cmsgpackSeeds = []string{
	"", "\x93\x01\x02\x03", "\x01\x02\xa1a", "\xc0\xc0", "\xc3\xc2", "\xe0\xff\x7f", "\xcc\xc8\xcd\x01\x00\xce\xff\xff\xff\xff",
	"\xcf\xff\xff\xff\xff\xff\xff\xff\xff", "\xd3\x80\x00\x00\x00\x00\x00\x00\x00", "\xca\x3f\x00\x00\x00",
	"\xcb\xff\xf8\x00\x00\x00\x00\x00\x00", "\xd9\x02ab\xda\x00\x01c\xdb\x00\x00\x00\x01d", "\xdc\x00\x02\x01\x02",
	"\xde\x00\x01\x01\x02", "\xdd\xff\xff\xff\xff", "\xdf\xff\xff\xff\xff\x01", "\x81\x91\x01\x02", "\x81\xc0\x01",
	"\x81\xcb\xff\xf8\x00\x00\x00\x00\x00\x00\x01", "\x92\xc0\x01", "\x82\x01\x01\x01\x02", "\xc1", "\xc4\x01a",
	"\xd5\x01\x02\x03", "\x93\x01", strings.Repeat("\x91", 4000) + "\x01", strings.Repeat("\x81\x01", 4000) + "\x01",
	"\x81\xce\x03\x00\x00\x00\x01", strings.Repeat("\x01", 8000),
}

func FuzzCmsgpackUnpack(f *testing.F) {
	for _, s := range cmsgpackSeeds {
		f.Add(s)
	}
	L := newState()
	unpack, pack := field(L, "cmsgpack", "unpack"), field(L, "cmsgpack", "pack")
	decodeErrors := []string{"Missing bytes in input.", "Bad data format in input.", "table index is nil",
		"table index is NaN", "stack overflow (", "too sparse to unpack"}
	f.Fuzz(func(t *testing.T, data string) {
		vals, msg := call(t, L, unpack, lua.LString(data))
		if msg != "" {
			checkError(t, data, msg, decodeErrors...)
			return
		}
		if len(vals) == 0 || len(vals) > 3000 {
			return
		}
		// Packing normalizes (nils dropped from tables, tables below 16
		// levels cut to nil, hence possibly empty ones, or nil keys that
		// do not unpack): after two rounds a round trip changes nothing.
		packed := lua.LValue(nil)
		for round := 0; round < 3; round++ {
			p, msg := call(t, L, pack, vals...)
			if msg != "" {
				t.Fatalf("input %q: pack in round %d: %s", data, round, msg)
			}
			if round == 2 && p[0] != packed {
				t.Fatalf("input %q: round trip %q then %q", data, packed, p[0])
			}
			packed = p[0]
			if vals, msg = call(t, L, unpack, packed); msg != "" {
				checkError(t, data, msg, "too sparse to unpack", "table index is nil")
				return
			}
		}
	})
}

func FuzzStructUnpack(f *testing.F) {
	for _, c := range []struct{ format, data string }{
		{">I2", "\x01\x02"}, {"<i16", strings.Repeat("\xff", 16)}, {"bc0", "\x02abc"}, {"c1c0", "3abcd"},
		{"ss", "ab\x00\x00cd"}, {"!4 b i", "\x01\x00\x00\x00\x02\x00\x00\x00"}, {"<f>d", strings.Repeat("\x40", 12)},
		{"i33", ""}, {"!3", ""}, {"c2147483647", "x"}, {"i9999999999", ""}, {"bc0", "\xffabc"}, {"z", ""},
	} {
		f.Add(c.format, c.data)
	}
	L := newState()
	unpack, size := field(L, "struct", "unpack"), field(L, "struct", "size")
	structErrors := []string{"bad argument #", "format 'c0' needs a previous size", "unfinished string in data",
		"integral size", "alignment ", "stack overflow (too many results)"}
	f.Fuzz(func(t *testing.T, format, data string) {
		vals, msg := call(t, L, unpack, lua.LString(format), lua.LString(data))
		if msg != "" {
			checkError(t, format, msg, structErrors...)
		} else if n, ok := vals[len(vals)-1].(lua.LNumber); !ok || n < 1 || int(n) > len(data)+1 {
			t.Fatalf("unpack(%q, %q): next position %v", format, data, vals[len(vals)-1])
		}
		if _, msg := call(t, L, size, lua.LString(format)); msg != "" {
			checkError(t, format, msg, structErrors...)
		}
	})
}
