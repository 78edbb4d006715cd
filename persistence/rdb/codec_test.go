package rdb

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"runtime"
	"strconv"
	"testing"

	"github.com/flect-kv/flect/engine"
)

func TestCRC64(t *testing.T) {
	// crc64.c's test vector.
	if got := CRC64(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Fatalf("crc64 = %x", got)
	}
}

func TestLZFRoundTrip(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range 500 {
		n := 1 + rnd.IntN(3000)
		in := make([]byte, n)
		alphabet := 1 + rnd.IntN(255)
		for j := range in {
			if j > 10 && rnd.IntN(3) == 0 {
				in[j] = in[j-1-rnd.IntN(10)]
			} else {
				in[j] = byte(rnd.IntN(alphabet))
			}
		}
		c := lzfCompress(in, len(in)+len(in)/16+64)
		if c == nil {
			t.Fatalf("case %d: no output", i)
		}
		out, ok := lzfDecompress(c, len(in))
		if !ok || !bytes.Equal(out, in) {
			t.Fatalf("case %d: round trip failed", i)
		}
	}
	// A string that does not shrink by 4 bytes is not compressed.
	if c := lzfCompress([]byte("The quick brown fox jumps over"), 26); c != nil {
		t.Fatalf("incompressible input compressed to %q", c)
	}
}

func TestLZFDecompressRefuses(t *testing.T) {
	for _, in := range [][]byte{
		{0x05, 'a'},          // literal past the input
		{0x20, 0x00},         // back-reference before the start
		{0x00, 'a', 0xe0},    // truncated long back-reference
		{0x00, 'a', 0x20, 0}, // expands past ulen
	} {
		if _, ok := lzfDecompress(in, 2); ok {
			t.Errorf("%x decompressed", in)
		}
	}
}

func TestListpackRoundTrip(t *testing.T) {
	vals := []string{"0", "1", "127", "128", "-1", "-4096", "4095", "4096", "-4097", "32767", "-32768", "32768",
		"8388607", "-8388608", "8388608", "2147483647", "-2147483648", "2147483648",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808", "007", "-0", "",
		"a", string(make([]byte, 63)), string(make([]byte, 64)), string(make([]byte, 4095)), string(make([]byte, 4096)),
		string(make([]byte, 70000))}
	lp := newLP(0)
	for _, v := range vals {
		lp.add([]byte(v))
	}
	b := lp.finish()
	es, ok := parseListpack(b)
	if !ok || len(es) != len(vals) {
		t.Fatalf("parse: ok=%v n=%d", ok, len(es))
	}
	for i, e := range es {
		if got := string(e.bytes()); got != vals[i] {
			t.Errorf("entry %d = %q, want %q", i, got, vals[i])
		}
	}
	// Every strict prefix, and every single-byte change in the header or
	// the end byte, is refused.
	for n := range len(b) {
		if _, ok := parseListpack(b[:n]); ok {
			t.Fatalf("prefix of %d bytes accepted", n)
		}
	}
	for _, i := range []int{0, 1, 4, len(b) - 1} {
		c := bytes.Clone(b)
		c[i] ^= 0x40
		if _, ok := parseListpack(c); ok {
			t.Fatalf("byte %d changed and accepted", i)
		}
	}
}

func TestIntset(t *testing.T) {
	for _, vs := range [][]int64{{1, 2, 3}, {-40000, 1}, {-1, 1 << 40}} {
		b := appendIntset(nil, vs)
		got, ok := parseIntset(b)
		if !ok || len(got) != len(vs) {
			t.Fatalf("%v: %v %v", vs, got, ok)
		}
	}
	bad := [][]byte{
		{2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 1, 0},    // not ascending
		{3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0},       // bad width
		{2, 0, 0, 0, 9, 0, 0, 0, 1, 0},          // count beyond the bytes
		{2, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 1}, // huge count
	}
	for _, b := range bad {
		if _, ok := parseIntset(b); ok {
			t.Errorf("%x accepted", b)
		}
	}
}

func TestZiplist(t *testing.T) {
	// A ziplist of "a", 12 (immediate), 300 (int16), -70000 (int32), as
	// Redis 6 writes it.
	var body []byte
	var prev int
	add := func(enc []byte) {
		e := append([]byte{byte(prev)}, enc...)
		body = append(body, e...)
		prev = len(e)
	}
	add([]byte{0x01, 'a'})
	add([]byte{0xfd})
	add([]byte{0xc0, 0x2c, 0x01})
	v := uint32(0xfffeee90) // -70000
	add([]byte{0xd0, byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)})
	zl := make([]byte, 10)
	zl = append(zl, body...)
	zl = append(zl, 0xff)
	binary.LittleEndian.PutUint32(zl, uint32(len(zl)))
	binary.LittleEndian.PutUint32(zl[4:], uint32(len(zl)-1-prev))
	binary.LittleEndian.PutUint16(zl[8:], 4)
	es, ok := parseZiplist(zl)
	if !ok {
		t.Fatal("valid ziplist refused")
	}
	want := []string{"a", "12", "300", "-70000"}
	for i, e := range es {
		if string(e.bytes()) != want[i] {
			t.Errorf("entry %d = %q", i, e.bytes())
		}
	}
	for n := range len(zl) {
		if _, ok := parseZiplist(zl[:n]); ok {
			t.Fatalf("prefix %d accepted", n)
		}
	}
	c := bytes.Clone(zl)
	c[4]++ // wrong tail offset
	if _, ok := parseZiplist(c); ok {
		t.Fatal("bad tail accepted")
	}
}

func TestZipmap(t *testing.T) {
	zm := []byte{2, 1, 'f', 1, 0, 'v', 2, 'g', 'g', 3, 2, 'x', 'y', 'z', 0, 0, 0xff}
	kv, ok := parseZipmap(zm)
	if !ok || len(kv) != 4 || string(kv[0]) != "f" || string(kv[1]) != "v" || string(kv[2]) != "gg" || string(kv[3]) != "xyz" {
		t.Fatalf("%q %v", kv, ok)
	}
	if _, ok := parseZipmap(zm[:len(zm)-2]); ok {
		t.Fatal("truncated zipmap accepted")
	}
}

func newNode(t testing.TB) *engine.Node {
	t.Helper()
	return engine.NewNode(engine.Options{})
}

// TestMalformedAllocatesLittle feeds payloads whose lengths claim far more
// than they hold: each must fail without allocating from the claim.
func TestMalformedAllocatesLittle(t *testing.T) {
	n := newNode(t)
	huge64 := []byte{len64Bit, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	huge32 := []byte{len32Bit, 0xff, 0xff, 0xff, 0xff}
	cases := map[string][]byte{
		"string":      append([]byte{TypeString}, huge64...),
		"lzf":         append(append([]byte{TypeString, 0xc3, 0x01}, huge32...), 'x'),
		"list":        append([]byte{TypeList}, huge32...),
		"set":         append([]byte{TypeSet}, huge64...),
		"zset":        append([]byte{TypeZSet2}, huge32...),
		"hash":        append([]byte{TypeHash}, huge32...),
		"hash2":       append([]byte{TypeHash2}, huge32...),
		"quicklist":   append([]byte{TypeListQuicklist2}, huge32...),
		"stream":      append([]byte{TypeStreamListpacks3}, huge32...),
		"intset":      {TypeSetIntset, 12, 8, 0, 0, 0, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3, 4},
		"listpack":    {TypeSetListpack, 7, 7, 0, 0, 0, 0xff, 0xff, 0xff},
		"lp-entry":    {TypeSetListpack, 12, 12, 0, 0, 0, 1, 0, 0xf0, 0xff, 0xff, 0xff, 0x7f},
		"module":      {TypeModule2, 0, 0},
		"unknown":     {200},
		"empty":       {},
		"empty-list":  {TypeListQuicklist2, 0},
		"empty-set":   {TypeSet, 0},
		"dup-set":     {TypeSet, 2, 1, 'a', 1, 'a'},
		"dup-hash":    {TypeHash, 2, 1, 'a', 1, 'b', 1, 'a', 1, 'c'},
		"nan-zset":    {TypeZSet, 1, 1, 'a', 253},
		"bad-ql-kind": {TypeListQuicklist2, 1, 3, 1, 'a'},
	}
	for name, p := range cases {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, _, err := ReadValue(n, p)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
		if d := after.TotalAlloc - before.TotalAlloc; d > 64<<10 {
			t.Errorf("%s: allocated %d bytes", name, d)
		}
	}
}

// TestTruncationsRefused checks that every strict prefix of valid payloads
// of every type is an error, never a panic.
func TestTruncationsRefused(t *testing.T) {
	n := newNode(t)
	for name, v := range sampleValues(t, n) {
		b, err := AppendValue(nil, v, true)
		if err != nil {
			t.Fatal(err)
		}
		if _, used, err := ReadValue(n, b); err != nil || used != len(b) {
			t.Fatalf("%s: %v, used %d of %d", name, err, used, len(b))
		}
		for i := range len(b) {
			if _, _, err := ReadValue(n, b[:i]); err == nil {
				t.Fatalf("%s: prefix of %d bytes accepted", name, i)
			}
		}
	}
}

// sampleValues builds one value of each kind by restoring Valkey-format
// payloads built with the codec's own writers.
func sampleValues(t testing.TB, n *engine.Node) map[string]any {
	t.Helper()
	out := map[string]any{}
	mk := func(name string, p []byte) {
		v, _, err := ReadValue(n, p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out[name] = v
	}
	lp := func(vals ...string) []byte {
		l := newLP(0)
		for _, v := range vals {
			l.add([]byte(v))
		}
		return l.finish()
	}
	mk("string", appendString([]byte{TypeString}, bytes.Repeat([]byte("ab"), 30), true))
	mk("int", appendInt([]byte{TypeString}, -5000000000))
	ql := []byte{TypeListQuicklist2, 2, quicklistNodePacked}
	ql = appendString(ql, lp("a", "1", "-70000"), false)
	ql = append(ql, quicklistNodePlain)
	ql = appendString(ql, bytes.Repeat([]byte("x"), 100), true)
	mk("list", ql)
	mk("intset", appendString([]byte{TypeSetIntset}, appendIntset(nil, []int64{-3, 5, 1 << 33}), false))
	mk("setlp", appendString([]byte{TypeSetListpack}, lp("a", "b", "3"), false))
	plainSet := appendLen([]byte{TypeSet}, 200)
	for i := range 200 {
		plainSet = appendString(plainSet, []byte("m"+strconv.Itoa(i)), false)
	}
	mk("set", plainSet)
	mk("zsetlp", appendString([]byte{TypeZSetListpack}, lp("a", "1.5", "b", "inf"), false))
	z := appendLen([]byte{TypeZSet2}, 200)
	for i := range 200 {
		z = appendString(z, []byte("m"+strconv.Itoa(i)), false)
		z = appendBinaryDouble(z, float64(i)/3)
	}
	mk("zset", z)
	mk("hashlp", appendString([]byte{TypeHashListpack}, lp("f", "v", "g", "12"), false))
	h := appendLen([]byte{TypeHash2}, 3)
	for i, at := range []int64{-1, 4102444800000, -1} {
		h = appendString(h, []byte("f"+strconv.Itoa(i)), false)
		h = appendString(h, []byte("v"), false)
		h = appendMs(h, at)
	}
	mk("hash2", h)
	// A stream of two blocks (one with a deleted entry), a group with a
	// pending entry owned by a consumer.
	s := []byte{TypeStreamListpacks3, 2}
	s = appendString(s, appendStreamID(nil, engine.StreamID{Ms: 1, Seq: 1}), false)
	s = appendString(s, lp("1", "1", "1", "a", "0", "2", "0", "0", "v", "4", "3", "1", "0", "v2", "4"), false)
	s = appendString(s, appendStreamID(nil, engine.StreamID{Ms: 5, Seq: 0}), false)
	s = appendString(s, lp("1", "0", "2", "a", "b", "0", "2", "0", "0", "1", "2", "5"), false)
	for _, v := range []uint64{2, 5, 0, 1, 1, 1, 1, 3} {
		s = appendLen(s, v)
	}
	s = appendLen(s, 1)
	s = appendString(s, []byte("g"), false)
	s = appendLen(s, 5)
	s = appendLen(s, 0)
	s = appendLen(s, 2)
	s = appendLen(s, 1)
	s = appendStreamID(s, engine.StreamID{Ms: 5, Seq: 0})
	s = appendMs(s, 1700000000000)
	s = appendLen(s, 1)
	s = appendLen(s, 1)
	s = appendString(s, []byte("alice"), false)
	s = appendMs(s, 1700000000000)
	s = appendMs(s, 1700000000000)
	s = appendLen(s, 1)
	s = appendStreamID(s, engine.StreamID{Ms: 5, Seq: 0})
	mk("stream", s)
	return out
}

// TestReencode checks that decoding what AppendValue wrote gives a value
// that encodes to the same bytes (for encodings with a defined order).
func TestReencode(t *testing.T) {
	n := newNode(t)
	for name, v := range sampleValues(t, n) {
		if name == "set" || name == "hash2" {
			continue // hashtable order
		}
		b1, _ := AppendValue(nil, v, true)
		v2, _, err := ReadValue(n, b1)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b2, _ := AppendValue(nil, v2, true)
		if !bytes.Equal(b1, b2) {
			t.Errorf("%s: %q != %q", name, b1, b2)
		}
	}
}
