package rdb

import (
	"strconv"
	"testing"

	"github.com/flect-kv/flect/engine"
)

func benchValue(b *testing.B, n *engine.Node, fields int) any {
	b.Helper()
	p := appendLen([]byte{TypeHash}, uint64(fields))
	for i := range fields {
		p = appendString(p, []byte("field:"+strconv.Itoa(i)), false)
		p = appendString(p, []byte("value-of-some-length-"+strconv.Itoa(i)), false)
	}
	v, _, err := ReadValue(n, p)
	if err != nil {
		b.Fatal(err)
	}
	return v
}

// BenchmarkDumpString is DUMP of a 100-byte string (LZF-compressed).
func BenchmarkDumpString(b *testing.B) {
	v := engine.NewStringValue([]byte("abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789abcdefghij0123456789"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Dump(v, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDumpHash is DUMP of a 10k-field hashtable hash.
func BenchmarkDumpHash(b *testing.B) {
	n := engine.NewNode(engine.Options{})
	v := benchValue(b, n, 10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Dump(v, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRestoreHash decodes the DUMP payload of a 10k-field hash.
func BenchmarkRestoreHash(b *testing.B) {
	n := engine.NewNode(engine.Options{})
	p, _ := Dump(benchValue(b, n, 10000), true)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := ReadValue(n, p); err != nil {
			b.Fatal(err)
		}
	}
}
