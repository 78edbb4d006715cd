package resp

import (
	"math"
	"testing"
)

func TestWriterEncodings(t *testing.T) {
	cases := []struct {
		name       string
		write      func(w *Writer)
		resp2, rs3 string
	}{
		{"simple", func(w *Writer) { w.Simple("OK") }, "+OK\r\n", "+OK\r\n"},
		{"simple strips newlines", func(w *Writer) { w.Simple("a\r\nb") }, "+a  b\r\n", "+a  b\r\n"},
		{"error", func(w *Writer) { w.Error("ERR syntax error") }, "-ERR syntax error\r\n", "-ERR syntax error\r\n"},
		{"error strips newlines", func(w *Writer) { w.Error("ERR bad\nname") }, "-ERR bad name\r\n", "-ERR bad name\r\n"},
		{"int", func(w *Writer) { w.Int(-42) }, ":-42\r\n", ":-42\r\n"},
		{"int min", func(w *Writer) { w.Int(math.MinInt64) }, ":-9223372036854775808\r\n", ":-9223372036854775808\r\n"},
		{"bulk", func(w *Writer) { w.Bulk([]byte("a\r\nb")) }, "$4\r\na\r\nb\r\n", "$4\r\na\r\nb\r\n"},
		{"empty bulk", func(w *Writer) { w.Bulk([]byte{}) }, "$0\r\n\r\n", "$0\r\n\r\n"},
		{"nil bulk is empty", func(w *Writer) { w.Bulk(nil) }, "$0\r\n\r\n", "$0\r\n\r\n"},
		{"bulk string", func(w *Writer) { w.BulkString("\x00\xff") }, "$2\r\n\x00\xff\r\n", "$2\r\n\x00\xff\r\n"},
		{"null", func(w *Writer) { w.Null() }, "$-1\r\n", "_\r\n"},
		{"null array", func(w *Writer) { w.NullArray() }, "*-1\r\n", "_\r\n"},
		{"array", func(w *Writer) { w.Array(2); w.Int(1); w.Null() }, "*2\r\n:1\r\n$-1\r\n", "*2\r\n:1\r\n_\r\n"},
		{"empty array", func(w *Writer) { w.Array(0) }, "*0\r\n", "*0\r\n"},
		{"map", func(w *Writer) { w.Map(1); w.BulkString("k"); w.Int(7) }, "*2\r\n$1\r\nk\r\n:7\r\n", "%1\r\n$1\r\nk\r\n:7\r\n"},
		{"set", func(w *Writer) { w.Set(1); w.BulkString("m") }, "*1\r\n$1\r\nm\r\n", "~1\r\n$1\r\nm\r\n"},
		{"push", func(w *Writer) { w.Push(1); w.BulkString("p") }, "*1\r\n$1\r\np\r\n", ">1\r\n$1\r\np\r\n"},
		{"double", func(w *Writer) { w.Double(1.5) }, "$3\r\n1.5\r\n", ",1.5\r\n"},
		{"double integral", func(w *Writer) { w.Double(3) }, "$1\r\n3\r\n", ",3\r\n"},
		{"double inf", func(w *Writer) { w.Double(math.Inf(-1)) }, "$4\r\n-inf\r\n", ",-inf\r\n"},
		{"double nan", func(w *Writer) { w.Double(math.NaN()) }, "$3\r\nnan\r\n", ",nan\r\n"},
		{"bool true", func(w *Writer) { w.Bool(true) }, ":1\r\n", "#t\r\n"},
		{"bool false", func(w *Writer) { w.Bool(false) }, ":0\r\n", "#f\r\n"},
		{"verbatim", func(w *Writer) { w.Verbatim("txt", "hi\n") }, "$3\r\nhi\n\r\n", "=7\r\ntxt:hi\n\r\n"},
		{"big number", func(w *Writer) { w.BigNumber("12345678901234567890") }, "$20\r\n12345678901234567890\r\n", "(12345678901234567890\r\n"},
		{"raw", func(w *Writer) { w.Raw([]byte("+PONG\r\n")) }, "+PONG\r\n", "+PONG\r\n"},
	}
	for _, tc := range cases {
		for _, proto := range []int{2, 3} {
			w := NewWriter()
			w.SetProto(proto)
			tc.write(w)
			want := tc.resp2
			if proto == 3 {
				want = tc.rs3
			}
			if got := string(w.Bytes()); got != want {
				t.Errorf("%s RESP%d = %q, want %q", tc.name, proto, got, want)
			}
			if w.Len() != len(want) {
				t.Errorf("%s RESP%d: Len %d, want %d", tc.name, proto, w.Len(), len(want))
			}
		}
	}
}

func TestWriterProto(t *testing.T) {
	w := NewWriter()
	if w.Proto() != 2 {
		t.Fatalf("new writer speaks RESP%d", w.Proto())
	}
	w.SetProto(3)
	if w.Proto() != 3 {
		t.Fatalf("after SetProto(3): RESP%d", w.Proto())
	}
}

func TestWriterTruncateReset(t *testing.T) {
	w := NewWriter()
	w.Simple("OK")
	mark := w.Len()
	w.Array(3)
	w.Int(1)
	w.Truncate(mark)
	if got := string(w.Bytes()); got != "+OK\r\n" {
		t.Fatalf("after Truncate: %q", got)
	}
	w.Truncate(100) // beyond the end: no-op
	if got := string(w.Bytes()); got != "+OK\r\n" {
		t.Fatalf("after Truncate past the end: %q", got)
	}
	w.Reset()
	if w.Len() != 0 {
		t.Fatalf("after Reset: %d bytes", w.Len())
	}
	// A huge reply does not pin its buffer after Reset.
	w.Bulk(make([]byte, 2<<20))
	w.Reset()
	if cap(w.buf) > 1<<20 {
		t.Fatalf("Reset kept a %d-byte buffer", cap(w.buf))
	}
	// A small buffer is kept for reuse.
	w.Simple("OK")
	c := cap(w.buf)
	w.Reset()
	if cap(w.buf) != c {
		t.Fatalf("Reset dropped a small buffer")
	}
}

func TestWriterOnError(t *testing.T) {
	w := NewWriter()
	var seen []string
	w.onError = func(msg string) { seen = append(seen, msg) }
	w.Simple("OK")
	w.Error("ERR one")
	w.Error("WRONGTYPE two")
	if len(seen) != 2 || seen[0] != "ERR one" || seen[1] != "WRONGTYPE two" {
		t.Fatalf("onError saw %q", seen)
	}
}

func TestWriterNoAllocs(t *testing.T) {
	w := NewWriter()
	val := []byte("value")
	w.Bulk(val)
	w.Reset()
	allocs := testing.AllocsPerRun(100, func() {
		w.Array(4)
		w.Int(12345)
		w.Bulk(val)
		w.Simple("OK")
		w.Double(2.5)
		w.Reset()
	})
	if allocs != 0 {
		t.Errorf("%v allocations per reply", allocs)
	}
}

func BenchmarkWriterBulk(b *testing.B) {
	w := NewWriter()
	val := []byte("value:0001")
	b.ReportAllocs()
	for b.Loop() {
		for range 100 {
			w.Bulk(val)
		}
		w.Reset()
	}
}
