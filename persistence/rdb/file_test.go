package rdb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"runtime"
	"sort"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/flect-kv/flect/engine"
)

// fileKey is one key written to a test file.
type fileKey struct {
	db       int
	key      string
	value    []byte
	expireAt int64
}

// sampleKeys returns every sample value as a key of DB 0 or 3 (sorted by
// DB), some with deadlines, and long keys (LZF-compressed by the writer).
func sampleKeys(t testing.TB, n *engine.Node) []fileKey {
	t.Helper()
	vals := sampleValues(t, n)
	names := make([]string, 0, len(vals))
	for name := range vals {
		names = append(names, name)
	}
	sort.Strings(names)
	var out []fileKey
	for i, name := range names {
		b, err := AppendValue(nil, vals[name], true)
		if err != nil {
			t.Fatal(err)
		}
		k := fileKey{db: 0, key: name, value: b, expireAt: -1}
		if i%2 == 1 {
			k.expireAt = 4102444800000 + int64(i)
		}
		out = append(out, k)
		out = append(out, fileKey{db: 3, key: strings.Repeat(name, 10), value: b, expireAt: k.expireAt})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].db < out[j].db })
	return out
}

// writeFile writes keys into an RDB file of version ver.
func writeFile(t testing.TB, ver int, keys []fileKey) ([]byte, WriteStats) {
	t.Helper()
	var buf bytes.Buffer
	w, err := NewFileWriter(&buf, WriterOptions{Version: ver, Now: time.UnixMilli(1700000000000), UsedMemory: 12345})
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if err := w.SelectDB(k.db, 10, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(k.key), k.value, k.expireAt); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.Stats()
}

// readAll reads every entry of an RDB file, copying them.
func readAll(t testing.TB, r io.Reader, size int64) ([]fileKey, *FileReader, error) {
	t.Helper()
	f, err := NewFileReader(r, size)
	if err != nil {
		return nil, nil, err
	}
	var out []fileKey
	for {
		e, err := f.Next()
		if err == io.EOF {
			return out, f, nil
		}
		if err != nil {
			return out, f, err
		}
		out = append(out, fileKey{e.DB, string(e.Key), bytes.Clone(e.Value), e.ExpireAt})
	}
}

func TestFileRoundTrip(t *testing.T) {
	n := newNode(t)
	keys := sampleKeys(t, n)
	data, st := writeFile(t, Version, keys)
	if !bytes.HasPrefix(data, []byte("REDIS0011")) || st.Keys != int64(len(keys)) || st.FieldTTLs != 2 {
		t.Fatalf("header %q, stats %+v", data[:9], st)
	}
	// Whole reads, and one byte at a time with the size unknown.
	for _, src := range []struct {
		r    io.Reader
		size int64
	}{{bytes.NewReader(data), int64(len(data))}, {iotest.OneByteReader(bytes.NewReader(data)), -1}} {
		got, f, err := readAll(t, src.r, src.size)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(keys) {
			t.Fatalf("read %d keys, wrote %d", len(got), len(keys))
		}
		for i, k := range keys {
			g := got[i]
			if k.value[0] == TypeHash2 {
				if g.value[0] != TypeHash {
					t.Fatalf("%s: type %d", k.key, g.value[0])
				}
				k.value = g.value
			}
			if g.db != k.db || g.key != k.key || g.expireAt != k.expireAt || !bytes.Equal(g.value, k.value) {
				t.Fatalf("key %d: got %d %q %d %q, want %d %q %d %q", i, g.db, g.key, g.expireAt, g.value, k.db, k.key, k.expireAt, k.value)
			}
			e := Entry{Value: g.value}
			if _, err := e.Decode(n); err != nil {
				t.Fatalf("%s: %v", k.key, err)
			}
		}
		if f.Version() != Version || !f.Stats().Checksummed {
			t.Fatalf("version %d stats %+v", f.Version(), f.Stats())
		}
		aux := map[string]string{}
		for _, a := range f.Aux() {
			aux[a.Key] = a.Value
		}
		if aux["valkey-ver"] != engine.ValkeyVersion || aux["redis-bits"] != "64" || aux["ctime"] != "1700000000" ||
			aux["used-mem"] != "12345" || aux["aof-base"] != "0" {
			t.Fatalf("aux %v", aux)
		}
	}
}

// TestFileVersion10 checks the rewrites for Redis 7.0: listpack sets as
// plain sets, streams without active times, each decoding to the value
// written.
func TestFileVersion10(t *testing.T) {
	n := newNode(t)
	keys := sampleKeys(t, n)
	data, _ := writeFile(t, FileVersion10, keys)
	if !bytes.HasPrefix(data, []byte("REDIS0010")) {
		t.Fatalf("header %q", data[:9])
	}
	got, _, err := readAll(t, bytes.NewReader(data), int64(len(data)))
	if err != nil || len(got) != len(keys) {
		t.Fatalf("%d keys: %v", len(got), err)
	}
	for i, k := range keys {
		g := got[i]
		if g.value[0] > TypeStreamListpacks2 {
			t.Errorf("%s: type %d in a version 10 file", k.key, g.value[0])
		}
		switch k.value[0] {
		case TypeSetListpack, TypeStreamListpacks3:
			e := Entry{Value: g.value}
			v, err := e.Decode(n)
			if err != nil {
				t.Fatalf("%s: %v", k.key, err)
			}
			b, _ := AppendValue(nil, v, true)
			if !bytes.Equal(b, k.value) {
				t.Errorf("%s: %q, want %q", k.key, b, k.value)
			}
		case TypeHash2:
			if g.value[0] != TypeHash {
				t.Errorf("%s: type %d", k.key, g.value[0])
			}
		default:
			if !bytes.Equal(g.value, k.value) {
				t.Errorf("%s changed", k.key)
			}
		}
	}
}

// TestFileHashFieldTTLs checks what becomes of hash field TTLs: dropped
// with a count, expired fields left out, an all-expired hash skipped.
func TestFileHashFieldTTLs(t *testing.T) {
	n := newNode(t)
	now := int64(1700000000000)
	hash2 := func(ats ...int64) []byte {
		h := appendLen([]byte{TypeHash2}, uint64(len(ats)))
		for i, at := range ats {
			h = appendString(h, []byte{'f', byte('0' + i)}, false)
			h = appendString(h, []byte("v"), false)
			h = appendMs(h, at)
		}
		return h
	}
	var buf bytes.Buffer
	w, _ := NewFileWriter(&buf, WriterOptions{Now: time.UnixMilli(now)})
	res, err := w.Write([]byte("mixed"), hash2(-1, now+1000, now-1, now), -1)
	if err != nil || res.Skipped || res.FieldTTLs != 1 {
		t.Fatalf("mixed: %+v %v", res, err)
	}
	if res, err := w.Write([]byte("gone"), hash2(now-5, 1), -1); err != nil || !res.Skipped {
		t.Fatalf("gone: %+v %v", res, err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if st := w.Stats(); st.Keys != 1 || st.FieldTTLs != 1 || st.ExpiredFields != 4 || st.ExpiredKeys != 1 {
		t.Fatalf("stats %+v", st)
	}
	got, _, err := readAll(t, bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil || len(got) != 1 || got[0].key != "mixed" || got[0].value[0] != TypeHash {
		t.Fatalf("%v %v", got, err)
	}
	e := Entry{Value: got[0].value}
	v, err := e.Decode(n)
	if err != nil || !hashIs(v, "f0", "v", "f1", "v") {
		t.Fatalf("%v %v", v, err)
	}
	if _, err := w.Write([]byte("late"), hash2(-1), -1); err == nil {
		t.Fatal("write after close accepted")
	}
}

// fileOf builds a file of version ver from raw body bytes (everything
// between the magic and the EOF opcode), with a valid checksum.
func fileOf(magic string, body ...[]byte) []byte {
	b := []byte(magic)
	for _, p := range body {
		b = append(b, p...)
	}
	b = append(b, opEOF)
	return binary.LittleEndian.AppendUint64(b, CRC64(0, b))
}

// keyBytes lays out a key of type value[0].
func keyBytes(key string, value []byte) []byte {
	b := []byte{value[0]}
	b = appendString(b, []byte(key), false)
	return append(b, value[1:]...)
}

// TestFileRedis6 reads a version 9 file laid out as Redis 5 and 6 write
// it: ziplists, zipmaps, quicklists of ziplists, a version 1 stream, an
// EXPIRETIME in seconds, LRU and LFU opcodes, AUX fields and a Lua
// script.
func TestFileRedis6(t *testing.T) {
	n := newNode(t)
	aux := func(k, v string) []byte {
		return appendString(appendString([]byte{opAux}, []byte(k), false), []byte(v), false)
	}
	zl := appendString([]byte{TypeListZiplist}, buildZiplist("a", "5", "-100"), false)
	ql := appendString(appendLen([]byte{TypeListQuicklist}, 1), buildZiplist("x", "y"), true)
	zs := appendString([]byte{TypeZSetZiplist}, buildZiplist("m", "1.5"), false)
	hz := appendString([]byte{TypeHashZiplist}, buildZiplist("f", "v"), false)
	zm := appendString([]byte{TypeHashZipmap}, []byte{1, 1, 'f', 1, 0, 'v', 0xff}, false)
	is := appendString([]byte{TypeSetIntset}, appendIntset(nil, []int64{1, 2}), false)
	data := fileOf("REDIS0009",
		aux("redis-ver", "6.2.14"), aux("redis-bits", "64"), aux("lua", "return 1"),
		[]byte{opSelectDB, 0, opResizeDB, 6, 1},
		keyBytes("zl", zl),
		append([]byte{opExpireTime}, binary.LittleEndian.AppendUint32(nil, 2000000000)...), keyBytes("ql", ql),
		[]byte{opIdle, 0x41, 0x00}, keyBytes("zs", zs),
		[]byte{opFreq, 7}, keyBytes("hz", hz),
		[]byte{opSelectDB, 5}, keyBytes("zm", zm), keyBytes("is", is),
		append([]byte{opExpireTimeMs}, binary.LittleEndian.AppendUint64(nil, 2000000000123)...), keyBytes("str", []byte{TypeString, 0xc0, 0xff}),
	)
	f, err := NewFileReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	type want struct {
		db         int
		key        string
		expire     int64
		idle, freq int64
		check      func(any) bool
	}
	for _, w := range []want{
		{0, "zl", -1, -1, -1, func(v any) bool { return listIs(v, "a", "5", "-100") }},
		{0, "ql", 2000000000000, -1, -1, func(v any) bool { return listIs(v, "x", "y") }},
		{0, "zs", -1, 256, -1, func(v any) bool { return zsetIs(v, "m", 1.5) }},
		{0, "hz", -1, -1, 7, func(v any) bool { return hashIs(v, "f", "v") }},
		{5, "zm", -1, -1, -1, func(v any) bool { return hashIs(v, "f", "v") }},
		{5, "is", -1, -1, -1, func(v any) bool { return setIs(v, "1", "2") }},
		{5, "str", 2000000000123, -1, -1, func(v any) bool { return v == int64(-1) }},
	} {
		e, err := f.Next()
		if err != nil {
			t.Fatalf("%s: %v", w.key, err)
		}
		if e.DB != w.db || string(e.Key) != w.key || e.ExpireAt != w.expire || e.Idle != w.idle || int64(e.Freq) != w.freq {
			t.Fatalf("got %d %q %d %d %d, want %+v", e.DB, e.Key, e.ExpireAt, e.Idle, e.Freq, w)
		}
		v, err := e.Decode(n)
		if err != nil || !w.check(v) {
			t.Fatalf("%s: %v %v", w.key, v, err)
		}
	}
	if _, err := f.Next(); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	if f.Version() != 9 || len(f.Aux()) != 3 || f.Aux()[0] != (AuxField{"redis-ver", "6.2.14"}) {
		t.Fatalf("version %d aux %v", f.Version(), f.Aux())
	}
}

// TestFileValkey9 reads a version 80 file with the VALKEY magic: a hash
// with field TTLs, a slot import and slot info, and a function library.
func TestFileValkey9(t *testing.T) {
	n := newNode(t)
	h := appendLen([]byte{TypeHash2}, 2)
	h = appendMs(appendString(appendString(h, []byte("a"), false), []byte("1"), false), -1)
	h = appendMs(appendString(appendString(h, []byte("b"), false), []byte("2"), false), 4102444800000)
	slotImport := appendString([]byte{opSlotImport}, bytes.Repeat([]byte("x"), 40), false)
	slotImport = append(slotImport, 2, 0, 10, 50, 0x40, 200)
	fn := appendString([]byte{opFunction2}, []byte("#!lua name=lib\nserver.register_function('f', function() return 1 end)"), true)
	data := fileOf("VALKEY080", slotImport, fn, []byte{opSelectDB, 0, opSlotInfo, 0x40, 0x01, 3, 1}, keyBytes("h", h))
	got, f, err := readAll(t, bytes.NewReader(data), int64(len(data)))
	if err != nil || len(got) != 1 || f.Version() != 80 || f.Stats().Functions != 1 {
		t.Fatalf("%v %v", got, err)
	}
	e := Entry{Value: got[0].value}
	v, err := e.Decode(n)
	hv, ok := v.(*engine.Hash)
	if err != nil || !ok || hv.Len() != 2 || !hv.HasVolatile() {
		t.Fatalf("%v %v", v, err)
	}
}

// TestFileEmptyKeysSkipped checks that empty collections are skipped and
// counted, as Valkey's loader does, and the key after them read.
func TestFileEmptyKeysSkipped(t *testing.T) {
	lp := newLP(0).finish()
	data := fileOf("REDIS0011",
		append([]byte{opExpireTimeMs}, binary.LittleEndian.AppendUint64(nil, 1)...), keyBytes("e1", []byte{TypeList, 0}),
		keyBytes("e2", appendString([]byte{TypeSetListpack}, lp, false)),
		keyBytes("e3", appendString([]byte{TypeListZiplist}, buildZiplist(), false)),
		keyBytes("e4", []byte{TypeListQuicklist2, 0}),
		keyBytes("ok", []byte{TypeString, 1, 'x'}))
	got, f, err := readAll(t, bytes.NewReader(data), int64(len(data)))
	if err != nil || len(got) != 1 || got[0].key != "ok" || got[0].expireAt != -1 || f.Stats().EmptyKeys != 4 {
		t.Fatalf("%v %v %+v", got, err, f.Stats())
	}
}

// fileErr returns the error reading data gives, nil if none.
func fileErr(t *testing.T, data []byte, size int64) error {
	t.Helper()
	_, _, err := readAll(t, bytes.NewReader(data), size)
	return err
}

func TestFileErrors(t *testing.T) {
	n := newNode(t)
	good, _ := writeFile(t, Version, sampleKeys(t, n)[:6])
	corrupt := bytes.Clone(good)
	corrupt[len(corrupt)-20] ^= 0x55 // inside the last value's listpack
	huge := fileOf("REDIS0011", keyBytes("k", []byte{TypeString, len32Bit, 0xff, 0xff, 0xff, 0xff, 'x'}))
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"magic", []byte("RADIS0011\xff"), "offset 0: not an RDB file"},
		{"digits", []byte("REDIS00x1\xff"), "bad version"},
		{"redis74", []byte("REDIS0012\xff"), "RDB version 12 is the format of Redis 7.4 or later"},
		{"future", []byte("VALKEY099\xff"), "unsupported RDB version 99"},
		{"short", []byte("REDIS"), "offset 5: unexpected end of file"},
		{"checksum", corrupt, "checksum mismatch"},
		{"huge", huge, `offset 12: key "k" in DB 0 (string, from offset 9): value of 4294967295 bytes runs past the end of the file`},
		{"module-aux", fileOf("REDIS0011", []byte{opModuleAux, 1, 2, 3}), "offset 9: the file holds module data"},
		{"module", fileOf("REDIS0011", keyBytes("m", []byte{TypeModule2, 1, 2})), "module values are not supported"},
		{"foreign", fileOf("REDIS0011", keyBytes("h", []byte{TypeHash2, 0})), "type or opcode 22 is not part of RDB version 11"},
		{"opcode", fileOf("VALKEY080", []byte{242}), "offset 9: unknown type or opcode 242"},
		{"path-hash", fileOf("VALKEY081", keyBytes("p", []byte{typePathHash, 0})), "path hashes are not supported"},
		{"pre-ga", fileOf("REDIS0010", []byte{opFunctionPreGA}), "release candidates"},
		{"length", fileOf("REDIS0011", []byte{opSelectDB, 0xc5}), "database number is a string encoding"},
		{"quicklist", fileOf("REDIS0011", keyBytes("q", []byte{TypeListQuicklist2, 1, 3, 1, 'a'})), "bad quicklist node container 3"},
		{"lzf", fileOf("REDIS0011", keyBytes("s", []byte{TypeString, 0xc3, 1, 0x7f, 0xff, 'a'})), "cannot expand"},
		{"count", fileOf("REDIS0011", keyBytes("l", []byte{TypeList, len32Bit, 0, 1, 0, 0})), "element count 65536 cannot fit"},
	}
	for _, c := range cases {
		err := fileErr(t, c.data, int64(len(c.data)))
		var fe *FileError
		if err == nil || !errors.As(err, &fe) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// A checksum of 0 means none was computed.
	unsummed := bytes.Clone(good)
	copy(unsummed[len(unsummed)-8:], make([]byte, 8))
	if _, f, err := readAll(t, bytes.NewReader(unsummed), int64(len(unsummed))); err != nil || f.Stats().Checksummed {
		t.Fatalf("unsummed: %v", err)
	}
	// Every strict prefix of a good file is an error, with the size known
	// or not.
	for i := range len(good) {
		if fileErr(t, good[:i], int64(i)) == nil || fileErr(t, good[:i], -1) == nil {
			t.Fatalf("prefix of %d bytes accepted", i)
		}
	}
	// An error is sticky.
	f, _ := NewFileReader(bytes.NewReader(huge), int64(len(huge)))
	_, err1 := f.Next()
	_, err2 := f.Next()
	if err1 == nil || err1 != err2 {
		t.Fatalf("%v then %v", err1, err2)
	}
}

// TestFileHugeLengthsAllocateLittle checks that lengths claiming far more
// than the file holds fail before anything is allocated from them, even
// when the file's size is unknown.
func TestFileHugeLengthsAllocateLittle(t *testing.T) {
	huge64 := []byte{len64Bit, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	cases := map[string][]byte{
		"key":    append(append([]byte("REDIS0011"), TypeString), huge64...),
		"string": fileOf("REDIS0011", keyBytes("k", append([]byte{TypeString}, huge64...))),
		"list":   fileOf("REDIS0011", keyBytes("k", append([]byte{TypeList}, huge64...))),
		"stream": fileOf("REDIS0011", keyBytes("k", append([]byte{TypeStreamListpacks3}, huge64...))),
		"aux":    fileOf("REDIS0011", append([]byte{opAux}, huge64...)),
		"lzf":    fileOf("REDIS0011", keyBytes("k", append(append([]byte{TypeString, 0xc3}, huge64...), 1, 'x'))),
	}
	for name, data := range cases {
		for _, size := range []int64{int64(len(data)), -1} {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := fileErr(t, data, size)
			runtime.ReadMemStats(&after)
			if err == nil {
				t.Errorf("%s: accepted", name)
			}
			if d := after.TotalAlloc - before.TotalAlloc; d > 2*fileBufSize {
				t.Errorf("%s (size %d): allocated %d bytes", name, size, d)
			}
		}
	}
}

func TestFileWriterOptions(t *testing.T) {
	if _, err := NewFileWriter(io.Discard, WriterOptions{Version: 9}); err == nil {
		t.Fatal("version 9 accepted")
	}
	w, _ := NewFileWriter(io.Discard, WriterOptions{})
	if err := w.SelectDB(-1, 0, 0); err == nil {
		t.Fatal("DB -1 accepted")
	}
	for _, v := range [][]byte{{TypeModule2, 0}, {8}, {200}, {}} {
		if _, err := w.Write([]byte("k"), v, -1); err == nil {
			t.Errorf("value %v accepted", v)
		}
	}
}

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k := f.n
		f.n = 0
		return k, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

func TestFileWriterErrors(t *testing.T) {
	w, err := NewFileWriter(&failWriter{n: 100}, WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	big := appendString([]byte{TypeString}, bytes.Repeat([]byte{'x'}, 2*fileBufSize), false)
	if _, err := w.Write([]byte("k"), big, -1); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("write: %v", err)
	}
	if err := w.Close(); err == nil {
		t.Fatal("close after a failed write succeeded")
	}
}
