package rdb

import (
	"testing"
)

// FuzzReadValue feeds arbitrary bytes to the decoder: it must return a
// value or an error, never panic or hang, and a value it returns must
// encode and decode again.
func FuzzReadValue(f *testing.F) {
	n := newNode(f)
	for _, v := range sampleValues(f, n) {
		b, err := AppendValue(nil, v, true)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{TypeString, 0xc3, 0x05, 0x40, 0x00, 'a', 'b', 'c', 'd', 'e'})
	f.Add([]byte{TypeHashZipmap, 0x02, 0x02, 0x01, 'f', 0x01, 0x00, 'v', 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		v, _, err := ReadValue(n, data)
		if err != nil {
			return
		}
		b, err := AppendValue(nil, v, true)
		if err != nil {
			t.Fatalf("decoded value does not encode: %v", err)
		}
		if _, _, err := ReadValue(n, b); err != nil {
			t.Fatalf("re-encoded value does not decode: %v (%q)", err, b)
		}
	})
}

// FuzzLZF checks RESTORE's footer verification and LZF decompression
// on arbitrary input.
func FuzzLZF(f *testing.F) {
	f.Add([]byte("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbaaaaaaaaaaa"), 10)
	f.Add([]byte{0x01, 'a', 'a', 0xe0, 0x0a, 0x00}, 21)
	f.Fuzz(func(t *testing.T, data []byte, ulen int) {
		if ulen < 0 || ulen > 1<<16 {
			return
		}
		lzfDecompress(data, ulen)
		if len(data) > 0 {
			c := lzfCompress(data, len(data)+len(data)/16+64)
			out, ok := lzfDecompress(c, len(data))
			if !ok || string(out) != string(data) {
				t.Fatalf("round trip of %q failed", data)
			}
		}
		VerifyPayload(data)
	})
}
