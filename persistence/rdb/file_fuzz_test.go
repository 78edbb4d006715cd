package rdb

import (
	"bytes"
	"os"
	"testing"
	"testing/iotest"
)

// FuzzFileReader feeds arbitrary files to the reader: it must end with
// io.EOF or an error, never panic or hang, read the same entries whether
// it knows the file's size or reads it a byte at a time, and every value
// it returns must decode or be refused as bad data.
func FuzzFileReader(f *testing.F) {
	n := newNode(f)
	keys := sampleKeys(f, n)
	for _, ver := range []int{Version, FileVersion10} {
		data, _ := writeFile(f, ver, keys[:4])
		f.Add(data)
	}
	if golden, err := os.ReadFile("testdata/valkey8.rdb"); err == nil {
		f.Add(golden)
	}
	f.Add(fileOf("REDIS0009", []byte{opSelectDB, 1, opResizeDB, 1, 0, opFreq, 3},
		keyBytes("z", appendString([]byte{TypeZSetZiplist}, buildZiplist("m", "1"), false))))
	f.Add(fileOf("VALKEY080", []byte{opFunction2, 1, 'x', opSlotInfo, 1, 2, 3}, keyBytes("s", []byte{TypeString, 0xc0, 5})))
	f.Fuzz(func(t *testing.T, data []byte) {
		sized, _, err1 := readAll(t, bytes.NewReader(data), int64(len(data)))
		streamed, _, err2 := readAll(t, iotest.OneByteReader(bytes.NewReader(data)), -1)
		if (err1 == nil) != (err2 == nil) || len(sized) != len(streamed) {
			t.Fatalf("sized read: %d keys, %v; streamed: %d keys, %v", len(sized), err1, len(streamed), err2)
		}
		for i, k := range sized {
			if !bytes.Equal(k.value, streamed[i].value) || k.key != streamed[i].key {
				t.Fatalf("key %d differs", i)
			}
			e := Entry{Value: k.value}
			if _, err := e.Decode(n); err != nil && err != ErrBadData {
				t.Fatalf("decode: %v", err)
			}
			var buf bytes.Buffer
			w, _ := NewFileWriter(&buf, WriterOptions{Version: FileVersion10})
			w.Write([]byte(k.key), k.value, k.expireAt) // rewriting must not panic
		}
	})
}
