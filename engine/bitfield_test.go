package engine

import (
	"math"
	"testing"
)

func TestBitField(t *testing.T) {
	st := newStrTester(t)
	st.expect("*2\r\n:0\r\n:100\r\n", "BITFIELD", "bf", "SET", "i8", "0", "100", "GET", "i8", "0")
	st.expect("*1\r\n:-56\r\n", "BITFIELD", "bf", "INCRBY", "i8", "0", "100")
	st.expect("*5\r\n:200\r\n:-4\r\n:8\r\n:-4035225266123964416\r\n:7205759403792793600\r\n",
		"BITFIELD", "bf", "GET", "u8", "0", "GET", "i4", "0", "GET", "u4", "4", "GET", "i64", "0", "GET", "u63", "0")
	st.expect("*4\r\n:0\r\n:65280\r\n:255\r\n:0\r\n",
		"BITFIELD", "bf", "SET", "u8", "#2", "255", "GET", "u16", "#1", "GET", "i16", "8", "GET", "u3", "13")
	st.expect(rbulk("\xc8\x00\xff"), "GET", "bf")
	st.expect("*3\r\n:0\r\n:-9223372036854775808\r\n:-9223372036854775808\r\n",
		"BITFIELD", "bf4", "SET", "i64", "0", "9223372036854775807", "INCRBY", "i64", "0", "1", "GET", "i64", "0")
	st.expect("*3\r\n:0\r\n:0\r\n:0\r\n",
		"BITFIELD", "bf6", "SET", "u63", "1", "9223372036854775807", "INCRBY", "u63", "1", "1", "GET", "u63", "1")
	st.expect("*7\r\n:0\r\n:-1\r\n:3\r\n:-4\r\n$-1\r\n$-1\r\n:159\r\n",
		"BITFIELD", "bf7", "OVERFLOW", "SAT", "SET", "u63", "0", "-5", "SET", "i3", "0", "5", "GET", "i3", "0",
		"INCRBY", "i3", "0", "-100", "OVERFLOW", "FAIL", "SET", "u5", "0", "32", "SET", "i5", "0", "-17", "GET", "u8", "0")
	// Reads past the end are zeros and create nothing.
	st.expect("*2\r\n:0\r\n:0\r\n", "BITFIELD", "nokey", "GET", "u8", "0", "GET", "i64", "1000")
	st.expect("*0\r\n", "BITFIELD", "nokey")
	st.expect(rNull, "GET", "nokey")
	// A write grows the string to its highest bit only.
	st.expect("*2\r\n:0\r\n:0\r\n", "BITFIELD", "grow", "SET", "u8", "#9", "0", "GET", "u8", "#100")
	st.expect(":10\r\n", "STRLEN", "grow")

	typeErr := "-" + ErrBitfieldType + "\r\n"
	for _, typ := range []string{"u64", "i65", "i0", "u0", "I8", "U8", "x8", "i", "i8a", "", "i08", "i+8", "i\x008"} {
		st.expect(typeErr, "BITFIELD", "bf", "GET", typ, "0")
	}
	st.expect("*1\r\n:-56\r\n", "BITFIELD", "bf", "GET", "i8\x00junk", "0") // C string
	offErr := "-" + ErrBitOffset + "\r\n"
	for _, off := range []string{"-1", "abc", "#-1", "##1", "#", "4294967296", "#536870912", "#1152921504606846976"} {
		st.expect(offErr, "BITFIELD", "bf", "GET", "i8", off)
	}
	st.expect("*1\r\n:0\r\n", "BITFIELD", "bf", "GET", "i64", "#67108863")
	st.expect(offErr, "BITFIELD", "bf", "GET", "i64", "#67108864")
	st.expect("*1\r\n:0\r\n", "BITFIELD", "bf", "GET", "i8", "4294967295")
	st.expect(rNotInt, "BITFIELD", "bf", "SET", "i8", "0", "1.5")
	st.expect(rSyntax, "BITFIELD", "bf", "GET", "i8")
	st.expect(rSyntax, "BITFIELD", "bf", "SET", "i8", "0")
	st.expect(rSyntax, "BITFIELD", "bf", "OVERFLOW")
	st.expect(rSyntax, "BITFIELD", "bf", "FOO")
	st.expect("-"+ErrBitfieldOverflow+"\r\n", "BITFIELD", "bf", "OVERFLOW", "FOO", "GET", "i8", "0")
	// Arguments are all checked before anything runs.
	st.expect(typeErr, "BITFIELD", "bf", "SET", "i8", "0", "1", "GET", "u64", "0")
	st.expect(rbulk("\xc8\x00\xff"), "GET", "bf")

	st.expect("*2\r\n:-56\r\n:200\r\n", "BITFIELD_RO", "bf", "GET", "i8", "0", "GET", "u8", "0")
	st.expect("*0\r\n", "BITFIELD_RO", "bf")
	st.expect("-"+ErrBitfieldRO+"\r\n", "BITFIELD_RO", "bf", "SET", "i8", "0", "1")
	st.expect("-"+ErrBitfieldRO+"\r\n", "BITFIELD_RO", "bf", "INCRBY", "i8", "0", "1")
	st.expect(typeErr, "BITFIELD_RO", "bf", "SET", "u64", "0", "1")

	st.putOther("list")
	st.expect(rWrong, "BITFIELD", "list", "GET", "u8", "0")
	st.expect(rWrong, "BITFIELD", "list", "SET", "u8", "0", "1")
	st.expect(rWrong, "BITFIELD", "list")
	st.expect(rWrong, "BITFIELD_RO", "list", "GET", "u8", "0")
	st.expect("-"+ErrBitfieldRO+"\r\n", "BITFIELD_RO", "list", "SET", "u8", "0", "1")
}

func TestBitFieldOverflow(t *testing.T) {
	for _, tc := range []struct {
		value, incr int64
		width       int
		ow          bfOverflow
		want        int64
		dir         int
	}{
		{100, 100, 8, bfWrap, -56, 1},
		{100, 100, 8, bfSat, 127, 1},
		{-100, -100, 8, bfSat, -128, -1},
		{-100, -100, 8, bfWrap, 56, -1},
		{1, 1, 8, bfSat, 0, 0},
		{math.MaxInt64, 1, 64, bfWrap, math.MinInt64, 1},
		{math.MaxInt64, 1, 64, bfSat, math.MaxInt64, 1},
		{math.MinInt64, -1, 64, bfSat, math.MinInt64, -1},
		{math.MinInt64, math.MaxInt64, 64, bfSat, 0, 0},
		{1000, 0, 8, bfWrap, -24, 1},
		{-1000, 0, 8, bfSat, -128, -1},
		{0, -1, 1, bfWrap, -1, 0},
		{-1, -1, 1, bfWrap, 0, -1},
	} {
		got, dir := signedOverflow(tc.value, tc.incr, tc.width, tc.ow)
		if dir != tc.dir || (dir != 0 && got != tc.want) {
			t.Errorf("signedOverflow(%d, %d, i%d, %d) = %d, %d; want %d, %d",
				tc.value, tc.incr, tc.width, tc.ow, got, dir, tc.want, tc.dir)
		}
	}
	for _, tc := range []struct {
		value uint64
		incr  int64
		width int
		ow    bfOverflow
		want  uint64
		dir   int
	}{
		{3, 1, 2, bfWrap, 0, 1},
		{3, 1, 2, bfSat, 3, 1},
		{0, -1, 2, bfSat, 0, -1},
		{0, -1, 2, bfWrap, 3, -1},
		{0, -5, 2, bfWrap, 3, -1},
		{1 << 62, 1 << 62, 63, bfWrap, 0, 1},
		{1<<63 - 1, 0, 63, bfSat, 0, 0},
		{1 << 63, 0, 63, bfSat, 1<<63 - 1, 1},
		{^uint64(4), 0, 63, bfSat, 1<<63 - 1, 1},
		{2, -1, 2, bfSat, 0, 0},
	} {
		got, dir := unsignedOverflow(tc.value, tc.incr, tc.width, tc.ow)
		if dir != tc.dir || (dir != 0 && got != tc.want) {
			t.Errorf("unsignedOverflow(%d, %d, u%d, %d) = %d, %d; want %d, %d",
				tc.value, tc.incr, tc.width, tc.ow, got, dir, tc.want, tc.dir)
		}
	}
}

func TestBitFieldAccessors(t *testing.T) {
	b := make([]byte, 3)
	setField(b, 7, 5, 23) // Valkey's example: 00000001|01110000
	if b[0] != 0x01 || b[1] != 0x70 {
		t.Fatalf("setField: % x", b)
	}
	if v := getUnsignedField(b, 7, 5); v != 23 {
		t.Fatalf("getUnsignedField = %d", v)
	}
	if v := getSignedField(b, 7, 5); v != -9 {
		t.Fatalf("getSignedField = %d", v)
	}
	if v := getUnsignedField(b, 20, 16); v != 0 {
		t.Fatalf("read past the end = %d", v)
	}
}
