package engine

import (
	"strings"
	"testing"
)

func TestSetBitGetBit(t *testing.T) {
	st := newStrTester(t)
	st.expect(":0\r\n", "SETBIT", "b", "7", "1")
	st.expect(rbulk("\x01"), "GET", "b")
	st.expect(":1\r\n", "SETBIT", "b", "7", "0")
	st.expect(":0\r\n", "SETBIT", "b", "15", "1")
	st.expect(":1\r\n", "GETBIT", "b", "15")
	st.expect(":0\r\n", "GETBIT", "b", "14")
	st.expect(":0\r\n", "GETBIT", "b", "1000")
	st.expect(":0\r\n", "GETBIT", "nokey", "0")
	st.expect(rbulk("\x00\x01"), "GET", "b")
	st.expect("-"+ErrBitOffset+"\r\n", "SETBIT", "b", "-1", "1")
	st.expect("-"+ErrBitOffset+"\r\n", "SETBIT", "b", "4294967296", "1")
	st.expect("-"+ErrBitOffset+"\r\n", "GETBIT", "b", "abc")
	st.expect("-"+ErrBitValue+"\r\n", "SETBIT", "b", "0", "2")
	st.expect("-"+ErrBitValue+"\r\n", "SETBIT", "b", "0", "-1")
	st.expect("-"+ErrBitValue+"\r\n", "SETBIT", "b", "0", "x")
	// An integer value is read through its decimal text.
	st.expect(rOK, "SET", "n", "1") // "1" is 0x31
	st.expect(":1\r\n", "GETBIT", "n", "2")
	st.expect(":0\r\n", "GETBIT", "n", "4")
	st.expect(":0\r\n", "SETBIT", "n", "6", "1")
	st.expect(rbulk("3"), "GET", "n")
	st.putOther("list")
	st.expect(rWrong, "SETBIT", "list", "0", "1")
	st.expect(rWrong, "GETBIT", "list", "0")
	st.expect("-"+ErrBitOffset+"\r\n", "GETBIT", "list", "-1")
}

func TestSetBitAllocation(t *testing.T) {
	st := newStrTester(t)
	// A high bit allocates only the bytes it needs.
	st.expect(":0\r\n", "SETBIT", "far", "79999999", "1")
	e := st.n.Default().DB(0).find("far", 0)
	s := e.Val.val().(*Str)
	if len(s.B) != 10000000 || cap(s.B) != 10000000 {
		t.Fatalf("len %d cap %d, want 10000000", len(s.B), cap(s.B))
	}
	// Growing bit by bit stays amortised (capacity grows geometrically).
	st.expect(":0\r\n", "SETBIT", "seq", "0", "1")
	for i := 1; i < 80000; i += 8 {
		st.do("SETBIT", "seq", itoa64(int64(i)), "1")
	}
	if s := st.n.Default().DB(0).find("seq", 0).Val.val().(*Str); len(s.B) != 10000 || cap(s.B) > 2*len(s.B) {
		t.Fatalf("seq: len %d cap %d", len(s.B), cap(s.B))
	}
	// Past proto-max-bulk-len: an error, and nothing is created.
	st.n.SetMaxBulkLen(1 << 20)
	defer st.n.SetMaxBulkLen(0)
	st.expect("-"+ErrBitOffset+"\r\n", "SETBIT", "big", "8388608", "1")
	st.expect(rNull, "GET", "big")
	st.expect(":0\r\n", "SETBIT", "big", "8388607", "1")
	st.expect(":1048576\r\n", "STRLEN", "big")
}

func TestBitCount(t *testing.T) {
	st := newStrTester(t)
	st.expect(rOK, "SET", "k", "foobar")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, ":26\r\n"},
		{[]string{"0", "0"}, ":4\r\n"},
		{[]string{"1", "1"}, ":6\r\n"},
		{[]string{"1", "1", "BYTE"}, ":6\r\n"},
		{[]string{"5", "30", "BIT"}, ":17\r\n"},
		{[]string{"-2", "-1"}, ":7\r\n"},
		{[]string{"-1", "-2"}, ":0\r\n"},
		{[]string{"9", "14", "bit"}, ":5\r\n"},
		{[]string{"0", "9223372036854775807", "BIT"}, ":26\r\n"},
		// Valkey 8 accepts a start alone.
		{[]string{"1"}, ":22\r\n"},
		{[]string{"-1"}, ":4\r\n"},
		{[]string{"100"}, ":0\r\n"},
		{[]string{"0", "-1", "FOO"}, rSyntax},
		{[]string{"0", "-1", "BIT", "x"}, rSyntax},
		{[]string{"a"}, rNotInt},
		{[]string{"0", "b"}, rNotInt},
		{[]string{"0", "b", "FOO"}, rSyntax}, // the unit is checked before the end
	} {
		st.expect(tc.want, append([]string{"BITCOUNT", "k"}, tc.args...)...)
	}
	st.expect(":0\r\n", "BITCOUNT", "nokey")
	st.expect(rNotInt, "BITCOUNT", "nokey", "a", "b") // arguments first, as Valkey 8
	st.putOther("list")
	st.expect(rWrong, "BITCOUNT", "list")
	st.expect(rNotInt, "BITCOUNT", "list", "x")
	st.expect(rOK, "SET", "n", "1234567")
	st.expect(":26\r\n", "BITCOUNT", "n")
	// Long runs use the word-at-a-time path.
	st.expect(rOK, "SET", "ff", strings.Repeat("\xff", 1000)+"\x0f")
	st.expect(":8004\r\n", "BITCOUNT", "ff")
	st.expect(":7987\r\n", "BITCOUNT", "ff", "17", "-1", "BIT")
}

func TestBitPos(t *testing.T) {
	st := newStrTester(t)
	st.expect(rOK, "SET", "p", "\xff\xf0\x00")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"0"}, ":12\r\n"},
		{[]string{"1"}, ":0\r\n"},
		{[]string{"0", "2"}, ":16\r\n"},
		{[]string{"1", "2"}, ":-1\r\n"},
		{[]string{"0", "0", "0"}, ":-1\r\n"}, // an explicit end is not zero padded
		{[]string{"0", "3"}, ":-1\r\n"},
		{[]string{"0", "5", "10", "BIT"}, ":-1\r\n"},
		{[]string{"0", "12", "15", "BIT"}, ":12\r\n"},
		{[]string{"1", "12", "15", "BIT"}, ":-1\r\n"},
		{[]string{"1", "3", "2", "BIT"}, ":-1\r\n"},
		{[]string{"1", "-8", "-1", "BIT"}, ":-1\r\n"},
		{[]string{"0", "-8", "-1", "BIT"}, ":16\r\n"},
		{[]string{"2"}, "-" + ErrBitArg + "\r\n"},
		{[]string{"a"}, rNotInt},
		{[]string{"1", "0", "-1", "FOO"}, rSyntax},
		{[]string{"1", "0", "-1", "BIT", "x"}, rSyntax},
	} {
		st.expect(tc.want, append([]string{"BITPOS", "p"}, tc.args...)...)
	}
	st.expect(":-1\r\n", "BITPOS", "nokey", "1")
	st.expect(":0\r\n", "BITPOS", "nokey", "0")
	st.expect(rNotInt, "BITPOS", "nokey", "1", "a")
	st.expect(rOK, "SET", "ones", strings.Repeat("\xff", 40))
	st.expect(":320\r\n", "BITPOS", "ones", "0")
	st.expect(":-1\r\n", "BITPOS", "ones", "0", "0", "-1")
	st.expect(rOK, "SET", "zeros", strings.Repeat("\x00", 40)+"\x01")
	st.expect(":327\r\n", "BITPOS", "zeros", "1")
	st.expect(":327\r\n", "BITPOS", "zeros", "1", "3", "-1")
	st.putOther("list")
	st.expect(rWrong, "BITPOS", "list", "1")
}

func TestBitpos(t *testing.T) {
	for _, tc := range []struct {
		b    string
		bit  int64
		want int64
	}{
		{"", 1, -1}, {"", 0, 0}, {"\x00", 1, -1}, {"\x00", 0, 0}, {"\xff", 0, 8},
		{"\x01", 1, 7}, {"\xfe", 0, 7}, {strings.Repeat("\x00", 17) + "\x20", 1, 138},
		{strings.Repeat("\xff", 17) + "\xdf", 0, 138}, {strings.Repeat("\xff", 16), 0, 128},
	} {
		if got := bitpos([]byte(tc.b), tc.bit); got != tc.want {
			t.Errorf("bitpos(%q, %d) = %d, want %d", tc.b, tc.bit, got, tc.want)
		}
	}
}

func TestBitOp(t *testing.T) {
	st := newStrTester(t)
	st.expect(rOK, "MSET", "a", "foobar", "b", "abcdef", "s", "\xff")
	st.expect(":6\r\n", "BITOP", "AND", "d", "a", "b")
	st.expect(rbulk("`bc`ab"), "GET", "d")
	if st.encoding("d") != "raw" {
		t.Errorf("BITOP result encoding %s", st.encoding("d"))
	}
	st.expect(":6\r\n", "BITOP", "OR", "d", "a", "b")
	st.expect(rbulk("goofev"), "GET", "d")
	st.expect(":6\r\n", "BITOP", "XOR", "d", "a", "b")
	st.expect(rbulk("\x07\x0d\x0c\x06\x04\x14"), "GET", "d")
	st.expect(":6\r\n", "BITOP", "NOT", "d", "a")
	st.expect(rbulk("\x99\x90\x90\x9d\x9e\x8d"), "GET", "d")
	// Shorter inputs are zero padded.
	st.expect(":6\r\n", "BITOP", "AND", "d", "a", "s")
	st.expect(rbulk("f\x00\x00\x00\x00\x00"), "GET", "d")
	st.expect(":6\r\n", "BITOP", "OR", "d", "s", "a")
	st.expect(rbulk("\xffoobar"), "GET", "d")
	// All inputs empty or missing: the destination is deleted.
	st.expect(rOK, "SET", "d", "x", "EX", "100")
	st.expect(":0\r\n", "BITOP", "OR", "d", "nokey")
	st.expect(rNull, "GET", "d")
	st.expect(rOK, "SET", "d", "x", "EX", "100")
	st.expect(":1\r\n", "BITOP", "OR", "d", "s")
	if st.ttl("d") != -1 {
		t.Error("BITOP kept the destination's TTL")
	}
	st.expect("-"+ErrBitopNot+"\r\n", "BITOP", "NOT", "d", "a", "b")
	st.expect(rSyntax, "BITOP", "DIFF", "d", "a", "b")
	st.expect("-"+ErrArity("bitop")+"\r\n", "BITOP", "AND", "d")
	st.putOther("list")
	st.expect(rWrong, "BITOP", "AND", "d", "a", "list")
	st.expect(rbulk("\xff"), "GET", "d") // unchanged
	st.expect(":6\r\n", "BITOP", "AND", "list", "a")
	st.expect(rbulk("foobar"), "GET", "list")
	// The destination may be a source.
	st.expect(":6\r\n", "BITOP", "XOR", "a", "a", "a")
	st.expect(rbulk("\x00\x00\x00\x00\x00\x00"), "GET", "a")
}

// TestBitWritesDirty checks the change counter (rdb_changes_since_last_save)
// of SETBIT and BITFIELD as Valkey counts it: one per bit or field that
// changed, the creation of the key included in that count, nothing for a
// write that changes nothing.
func TestBitWritesDirty(t *testing.T) {
	st := newStrTester(t)
	cases := []struct {
		args  []string
		dirty int64
	}{
		{[]string{"SETBIT", "foo", "0", "0"}, 1}, // created
		{[]string{"BITFIELD", "foo2", "SET", "i5", "0", "0"}, 1},
		{[]string{"SETBIT", "foo", "0", "0"}, 0},
		{[]string{"BITFIELD", "foo2", "SET", "i5", "0", "0"}, 0},
		{[]string{"SETBIT", "foo", "0", "1"}, 1},
		{[]string{"SETBIT", "foo", "0", "1"}, 0},
		{[]string{"BITFIELD", "foo2", "SET", "i5", "0", "1"}, 1},
		{[]string{"BITFIELD", "foo2", "SET", "i5", "0", "1"}, 0},
		{[]string{"BITFIELD", "foo3", "INCRBY", "i5", "0", "1"}, 1},
		{[]string{"BITFIELD", "foo3", "INCRBY", "i5", "0", "1"}, 1},
		{[]string{"SETBIT", "foo", "90", "0"}, 1}, // grown only
		{[]string{"BITFIELD", "foo2", "SET", "i5", "90", "0"}, 1},
		// A new key with two writes counts two; with only a failed
		// write it is created and counts nothing.
		{[]string{"BITFIELD", "foo4", "SET", "u8", "0", "0", "SET", "u8", "8", "0"}, 2},
		{[]string{"BITFIELD", "foo5", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "100"}, 0},
	}
	for _, tc := range cases {
		before := st.n.Default().Stats.Dirty.Load()
		st.do(tc.args...)
		if got := st.n.Default().Stats.Dirty.Load() - before; got != tc.dirty {
			t.Errorf("%v: dirty +%d, want +%d", tc.args, got, tc.dirty)
		}
	}
	st.expect(":1\r\n", "EXISTS", "foo5")
}
