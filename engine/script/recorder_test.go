package script

import (
	"reflect"
	"testing"

	"github.com/flect-kv/flect/engine"
)

// everyReply writes one reply using every Reply method.
func everyReply(r engine.Reply) {
	r.Array(16)
	r.Simple("OK")
	r.Error("ERR bad")
	r.Int(-7)
	r.Bulk([]byte("bytes"))
	r.BulkString("str")
	r.Null()
	r.NullArray()
	r.Map(1)
	r.BulkString("k")
	r.Set(2)
	r.Int(1)
	r.Int(2)
	r.Double(1.5)
	r.Bool(true)
	r.Bool(false)
	r.Verbatim("txt", "verbatim")
	r.BigNumber("123456789012345678901234567890")
	r.Push(1)
	r.Int(9)
	r.Array(0)
	r.Map(0)
}

// TestRecorderWrite records every kind of reply and writes it back: the
// bytes must equal those written directly, for both protocols.
func TestRecorderWrite(t *testing.T) {
	for _, proto := range []int{2, 3} {
		direct := &rawReply{proto: proto}
		everyReply(direct)

		rec := NewRecorder(proto)
		if rec.Proto() != proto {
			t.Fatal(rec.Proto())
		}
		everyReply(rec)
		v := rec.Value()
		round := &rawReply{proto: proto}
		Write(round, v)
		want := string(direct.b)
		if proto == 3 {
			// A push nested in a reply is recorded as an array.
			want = string(replaceOnce(direct.b, ">1\r\n", "*1\r\n"))
		}
		if string(round.b) != want {
			t.Errorf("RESP%d:\n got %q\nwant %q", proto, round.b, want)
		}
		// Writing a recorded RESP3 reply to a RESP2 client downgrades it.
		if proto == 3 {
			down := &rawReply{proto: 2}
			Write(down, v)
			direct2 := &rawReply{proto: 2}
			everyReply(direct2)
			// RESP3 has one null: a null array reads back as a null.
			if string(down.b) != string(replaceOnce(direct2.b, "*-1\r\n", "$-1\r\n")) {
				t.Errorf("downgrade:\n got %q\nwant %q", down.b, direct2.b)
			}
		}
	}
}

func replaceOnce(b []byte, old, new string) []byte {
	s := string(b)
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return []byte(s[:i] + new + s[i+len(old):])
		}
	}
	return b
}

func TestRecorderShapes(t *testing.T) {
	r2, r3 := NewRecorder(2), NewRecorder(3)
	for _, r := range []*Recorder{r2, r3} {
		r.Map(1)
		r.BulkString("k")
		r.Double(2.5)
	}
	want2 := Value{Kind: KindArray, Elems: []Value{{Kind: KindBulk, Str: "k"}, {Kind: KindBulk, Str: "2.5"}}}
	want3 := Value{Kind: KindMap, Elems: []Value{{Kind: KindBulk, Str: "k"}, {Kind: KindDouble, Float: 2.5}}}
	if !reflect.DeepEqual(r2.Value(), want2) || !reflect.DeepEqual(r3.Value(), want3) {
		t.Fatalf("%+v\n%+v", r2.Value(), r3.Value())
	}
	for _, tc := range []struct {
		write func(r engine.Reply)
		two   Value
		three Value
	}{
		{func(r engine.Reply) { r.NullArray() }, Value{Kind: KindNullArray}, Value{Kind: KindNull}},
		{func(r engine.Reply) { r.Bool(true) }, Value{Kind: KindInt, Int: 1}, Value{Kind: KindBool, Int: 1}},
		{func(r engine.Reply) { r.Set(1); r.Int(1) }, Value{Kind: KindArray, Elems: []Value{{Kind: KindInt, Int: 1}}}, Value{Kind: KindSet, Elems: []Value{{Kind: KindInt, Int: 1}}}},
		{func(r engine.Reply) { r.Verbatim("txt", "x") }, Value{Kind: KindBulk, Str: "x"}, Value{Kind: KindVerbatim, Str: "x", Format: "txt"}},
		{func(r engine.Reply) { r.BigNumber("12") }, Value{Kind: KindBulk, Str: "12"}, Value{Kind: KindBigNumber, Str: "12"}},
		{func(r engine.Reply) { r.Array(0) }, Value{Kind: KindArray, Elems: []Value{}}, Value{Kind: KindArray, Elems: []Value{}}},
	} {
		r2.Reset()
		r3.Reset()
		tc.write(r2)
		tc.write(r3)
		if !reflect.DeepEqual(r2.Value(), tc.two) || !reflect.DeepEqual(r3.Value(), tc.three) {
			t.Errorf("%+v / %+v", r2.Value(), r3.Value())
		}
	}
}

func TestRecorderEdges(t *testing.T) {
	r := NewRecorder(2)
	if v := r.Value(); v.Kind != KindNull {
		t.Fatal("nothing recorded reads as null", v)
	}
	r.Int(1)
	r.Int(2) // a second reply is ignored
	if v := r.Value(); v.Kind != KindInt || v.Int != 1 {
		t.Fatal(v)
	}
	r.Reset()
	r.Array(3)
	r.Int(1)
	r.Array(2)
	r.Int(2)
	want := Value{Kind: KindArray, Elems: []Value{{Kind: KindInt, Int: 1}, {Kind: KindArray, Elems: []Value{{Kind: KindInt, Int: 2}}}}}
	if v := r.Value(); !reflect.DeepEqual(v, want) {
		t.Fatalf("incomplete aggregates read as written so far: %+v", v)
	}
	if NewRecorder(7).Proto() != 2 {
		t.Fatal("unknown protocols record RESP2")
	}
}

func TestWriteFormats(t *testing.T) {
	for _, tc := range []struct {
		v     Value
		proto int
		want  string
	}{
		{Value{Kind: KindVerbatim, Str: "hi", Format: "markdown"}, 3, "=6\r\nmar:hi\r\n"},
		{Value{Kind: KindVerbatim, Str: "hi", Format: "x"}, 3, "=6\r\nx  :hi\r\n"},
		{Value{Kind: KindMap, Elems: []Value{{Kind: KindInt, Int: 1}}}, 3, "%0\r\n"},
		{Value{Kind: KindDouble, Float: 0.1}, 2, "$3\r\n0.1\r\n"},
		{Value{Kind: Kind(99)}, 2, "$-1\r\n"},
	} {
		if got := encode(tc.v, tc.proto); got != tc.want {
			t.Errorf("%+v: %q", tc.v, got)
		}
	}
}
