package lualib

import (
	"testing"

	lua "github.com/yuin/gopher-lua"
)

// A BullMQ-like job: the shape scripts encode and decode most.
const benchJobJSON = `{"name":"email","data":{"to":"user@example.com","subject":"Welcome","tags":["a","b","c"],` +
	`"attempts":3,"score":12.5},"opts":{"attempts":3,"backoff":{"type":"exponential","delay":1000},` +
	`"removeOnComplete":true,"jobId":"1234567890"},"timestamp":1700000000000,"delay":0,"priority":0}`

// benchValue decodes benchJobJSON in L.
func benchValue(b *testing.B, L *lua.LState) lua.LValue {
	res, msg := call(b, L, field(L, "cjson", "decode"), lua.LString(benchJobJSON))
	if msg != "" {
		b.Fatal(msg)
	}
	return res[0]
}

func benchCall(b *testing.B, L *lua.LState, fn, arg lua.LValue) {
	b.ReportAllocs()
	for b.Loop() {
		L.Push(fn)
		L.Push(arg)
		L.Call(1, 1)
		L.Pop(1)
	}
}

func BenchmarkCJSONEncode(b *testing.B) {
	L := newState()
	defer L.Close()
	benchCall(b, L, field(L, "cjson", "encode"), benchValue(b, L))
}

func BenchmarkCJSONDecode(b *testing.B) {
	L := newState()
	defer L.Close()
	benchCall(b, L, field(L, "cjson", "decode"), lua.LString(benchJobJSON))
}

func BenchmarkCmsgpackPack(b *testing.B) {
	L := newState()
	defer L.Close()
	benchCall(b, L, field(L, "cmsgpack", "pack"), benchValue(b, L))
}

func BenchmarkCmsgpackUnpack(b *testing.B) {
	L := newState()
	defer L.Close()
	packed, msg := call(b, L, field(L, "cmsgpack", "pack"), benchValue(b, L))
	if msg != "" {
		b.Fatal(msg)
	}
	benchCall(b, L, field(L, "cmsgpack", "unpack"), packed[0])
}
