package engine

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// strTestOther is a non-string value for WRONGTYPE tests.
type strTestOther struct{}

func (strTestOther) TypeName() string { return TypeList }
func (strTestOther) Encoding() string { return "listpack" }

// putOther stores a non-string value under key.
func (st *strTester) putOther(key string) {
	st.n.Default().DB(0).set(key, strTestOther{}, false, st.clock.Now().UnixMilli())
}

const (
	rOK       = "+OK\r\n"
	rNull     = "$-1\r\n"
	rEmpty    = "$0\r\n\r\n"
	rWrong    = "-" + ErrWrongType + "\r\n"
	rSyntax   = "-" + ErrSyntax + "\r\n"
	rNotInt   = "-" + ErrNotInt + "\r\n"
	rNotFloat = "-" + ErrNotFloat + "\r\n"
)

func TestGetSetBasics(t *testing.T) {
	st := newStrTester(t)
	st.expect(rNull, "GET", "foo")
	st.expect(rOK, "SET", "foo", "bar")
	st.expect(rbulk("bar"), "GET", "foo")
	st.expect(rOK, "SET", "foo", "")
	st.expect(rEmpty, "GET", "foo")
	st.expect(rOK, "SET", "", "empty key")
	st.expect(rbulk("empty key"), "GET", "")
	st.expect(rOK, "SET", "bin", "\x00\xff\r\n")
	st.expect(rbulk("\x00\xff\r\n"), "GET", "bin")
	st.expect("-"+ErrArity("get")+"\r\n", "GET")
	st.expect("-"+ErrArity("set")+"\r\n", "SET", "k")
	st.putOther("list")
	st.expect(rWrong, "GET", "list")
}

func TestSetValueIsCopied(t *testing.T) {
	st := newStrTester(t)
	argv := [][]byte{[]byte("SET"), []byte("k"), []byte("value")}
	st.doBytes(argv)
	copy(argv[2], "XXXXX") // the read buffer is reused by the next command
	st.expect(rbulk("value"), "GET", "k")
}

func TestSetOptions(t *testing.T) {
	st := newStrTester(t)
	for _, tc := range []struct {
		want string
		args []string
	}{
		{rOK, []string{"SET", "k", "v", "NX"}},
		{rNull, []string{"SET", "k", "v2", "NX"}},
		{rOK, []string{"SET", "k", "v3", "XX"}},
		{rNull, []string{"SET", "missing", "v", "XX"}},
		{rSyntax, []string{"SET", "k", "v", "NX", "XX"}},
		{rSyntax, []string{"SET", "k", "v", "XX", "NX"}},
		{rbulk("v3"), []string{"SET", "k", "v4", "GET"}},
		{rbulk("v4"), []string{"SET", "k", "v5", "get", "GET"}},
		{rNull, []string{"SET", "newkey", "v", "GET"}},
		{rbulk("v5"), []string{"SET", "k", "x", "NX", "GET"}}, // not set
		{rbulk("v5"), []string{"GET", "k"}},
		{rSyntax, []string{"SET", "k", "v", "FOO"}},
		{rSyntax, []string{"SET", "k", "v", "EX"}},
		{rSyntax, []string{"SET", "k", "v", "EX", "10", "PX", "100"}},
		{rSyntax, []string{"SET", "k", "v", "PXAT", "10", "EXAT", "100"}},
		{rSyntax, []string{"SET", "k", "v", "KEEPTTL", "EX", "10"}},
		{rSyntax, []string{"SET", "k", "v", "EX", "10", "KEEPTTL"}},
		{rSyntax, []string{"SET", "k", "v", "PERSIST"}},
		{rOK, []string{"SET", "k", "v", "EX", "10", "EX", "20"}},
		{"-ERR invalid expire time in 'set' command\r\n", []string{"SET", "k", "v", "EX", "0"}},
		{"-ERR invalid expire time in 'set' command\r\n", []string{"SET", "k", "v", "PX", "-1"}},
		{"-ERR invalid expire time in 'set' command\r\n", []string{"SET", "k", "v", "EX", "9223372036854776"}},
		{"-ERR invalid expire time in 'set' command\r\n", []string{"SET", "k", "v", "PX", "9223372036854775807"}},
		{rNotInt, []string{"SET", "k", "v", "EX", "1.5"}},
		// The syntax is checked before the expire value.
		{rSyntax, []string{"SET", "k", "v", "EX", "abc", "FOO"}},
		// Options end at a NUL byte, as with Valkey's strcasecmp.
		{rOK, []string{"SET", "k", "v", "xx\x00junk"}},
	} {
		st.expect(tc.want, tc.args...)
	}
}

func TestSetExpiry(t *testing.T) {
	st := newStrTester(t)
	now := st.clock.Now().UnixMilli()
	st.expect(rOK, "SET", "k", "v", "EX", "100")
	if got := st.ttl("k"); got != 100000 {
		t.Fatalf("ttl %d", got)
	}
	st.expect(rOK, "SET", "k", "v2", "KEEPTTL")
	if got := st.ttl("k"); got != 100000 {
		t.Fatalf("KEEPTTL: ttl %d", got)
	}
	st.expect(rOK, "SET", "k", "v3")
	if got := st.ttl("k"); got != -1 {
		t.Fatalf("SET clears the TTL: %d", got)
	}
	st.expect(rOK, "SET", "k", "v", "PX", "1500")
	if got := st.ttl("k"); got != 1500 {
		t.Fatalf("PX: %d", got)
	}
	st.expect(rOK, "SET", "k", "v", "PXAT", itoa64(now+2500))
	if got := st.ttl("k"); got != 2500 {
		t.Fatalf("PXAT: %d", got)
	}
	st.expect(rOK, "SET", "k", "v", "EXAT", itoa64(now/1000+7))
	if got := st.ttl("k"); got != 7000 {
		t.Fatalf("EXAT: %d", got)
	}
	st.clock.Advance(7 * time.Second)
	st.expect(rbulk("v"), "GET", "k") // alive at its deadline
	st.expect(":0\r\n", "PTTL", "k")
	st.clock.Advance(time.Millisecond)
	st.expect(rNull, "GET", "k")

	// A deadline already past deletes the old value and stores nothing.
	st.expect(rOK, "SET", "k", "old")
	st.expect(rOK, "SET", "k", "v", "EXAT", "1")
	st.expect(rNull, "GET", "k")
	st.expect(rOK, "SET", "k", "old")
	st.expect(rbulk("old"), "SET", "k", "v", "PXAT", "1", "GET")
	st.expect(rNull, "GET", "k")
	st.expect(rNull, "SET", "k", "v", "PXAT", "1", "GET")
	// NX/XX are decided before the past deadline.
	st.expect(rNull, "SET", "k", "v", "PXAT", "1", "XX")
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }

func TestSetGetOrder(t *testing.T) {
	st := newStrTester(t)
	st.putOther("list")
	// The expire value is checked before the old value's type.
	st.expect("-ERR invalid expire time in 'set' command\r\n", "SET", "list", "v", "GET", "EX", "0")
	st.expect(rWrong, "SET", "list", "v", "GET")
	st.expect(rWrong, "SET", "list", "v", "GET", "NX")
	st.expect(rOK, "SET", "list", "v")
	st.expect(rbulk("v"), "GET", "list")
}

func TestSetStats(t *testing.T) {
	st := newStrTester(t)
	stats := &st.n.Default().Stats
	st.do("SET", "k", "v")
	st.do("SET", "k", "v", "XX")
	if h, m := stats.KeyspaceHits.Load(), stats.KeyspaceMisses.Load(); h != 0 || m != 0 {
		t.Fatalf("SET counted hits %d misses %d", h, m)
	}
	st.do("SET", "k", "v", "GET")
	st.do("SET", "k2", "v", "GET")
	st.do("GET", "k3")
	if h, m := stats.KeyspaceHits.Load(), stats.KeyspaceMisses.Load(); h != 1 || m != 2 {
		t.Fatalf("hits %d misses %d", h, m)
	}
}

func TestStringEncodings(t *testing.T) {
	st := newStrTester(t)
	long := strings.Repeat("x", 45)
	for _, tc := range []struct {
		cmds [][]string
		want string
	}{
		{[][]string{{"SET", "k", "12"}}, "int"},
		{[][]string{{"SET", "k", "-9223372036854775808"}}, "int"},
		{[][]string{{"SET", "k", "9223372036854775808"}}, "embstr"},
		{[][]string{{"SET", "k", "012"}}, "embstr"},
		{[][]string{{"SET", "k", "-0"}}, "embstr"},
		{[][]string{{"SET", "k", "+1"}}, "embstr"},
		{[][]string{{"SET", "k", " 1"}}, "embstr"},
		{[][]string{{"SET", "k", strings.Repeat("x", 44)}}, "embstr"},
		{[][]string{{"SET", "k", long}}, "raw"},
		{[][]string{{"SET", "k", strings.Repeat("1", 45)}}, "raw"},
		{[][]string{{"MSET", "k", "7", "j", "x"}}, "int"},
		{[][]string{{"GETSET", "k", "77"}}, "int"},
		{[][]string{{"DEL", "k"}, {"SETNX", "k", "77"}}, "int"},
		{[][]string{{"SETEX", "k", "100", "abc"}}, "embstr"},
		{[][]string{{"PSETEX", "k", "100000", "5"}}, "int"},
		{[][]string{{"SET", "k", "1"}, {"INCR", "k"}}, "int"},
		{[][]string{{"SET", "k", "10"}, {"INCRBYFLOAT", "k", "1"}}, "embstr"},
		{[][]string{{"SET", "k", "10"}, {"INCRBYFLOAT", "k", "1e50"}}, "raw"},
		{[][]string{{"SET", "k", "10"}, {"APPEND", "k", ""}}, "raw"},
		{[][]string{{"SET", "k", "ab"}, {"APPEND", "k", "c"}}, "raw"},
		{[][]string{{"SET", "k", "ab"}, {"SETRANGE", "k", "0", ""}}, "embstr"},
		{[][]string{{"SET", "k", "ab"}, {"SETRANGE", "k", "0", "x"}}, "raw"},
		{[][]string{{"SET", "k", "12"}, {"SETBIT", "k", "0", "0"}}, "raw"},
		{[][]string{{"SET", "k", "12"}, {"GETBIT", "k", "0"}}, "int"},
		{[][]string{{"SET", "k", "12"}, {"BITFIELD", "k", "GET", "u8", "0"}}, "int"},
		{[][]string{{"SET", "k", "12"}, {"BITFIELD", "k", "SET", "u8", "0", "49"}}, "raw"},
		{[][]string{{"SET", "k", "12"}, {"BITOP", "NOT", "k", "k"}}, "raw"},
		{[][]string{{"SET", "k", "12"}, {"GETEX", "k", "EX", "100"}}, "int"},
	} {
		st.do("SET", "k", "reset")
		for _, c := range tc.cmds {
			if c[0] == "DEL" {
				st.del(c[1])
				continue
			}
			if r := st.do(c...); r[0] == '-' {
				t.Fatalf("%q: %s", c, r)
			}
		}
		if got := st.encoding("k"); got != tc.want {
			t.Errorf("%q: encoding %s, want %s", tc.cmds, got, tc.want)
		}
	}
	// APPEND to a missing key stores the argument as SET would.
	st.expect(":2\r\n", "APPEND", "a1", "12")
	st.expect(":3\r\n", "APPEND", "a2", "abc")
	if st.encoding("a1") != "int" || st.encoding("a2") != "embstr" {
		t.Errorf("APPEND new key: %s %s", st.encoding("a1"), st.encoding("a2"))
	}
}

func TestGetEx(t *testing.T) {
	st := newStrTester(t)
	st.expect(rNull, "GETEX", "nokey")
	st.expect(rNull, "GETEX", "nokey", "EX", "0") // the key is looked up first
	st.expect(rOK, "SET", "g", "val")
	st.expect(rbulk("val"), "GETEX", "g")
	if st.ttl("g") != -1 {
		t.Fatal("GETEX without options changed the TTL")
	}
	st.expect(rbulk("val"), "GETEX", "g", "EX", "100")
	if st.ttl("g") != 100000 {
		t.Fatalf("EX: %d", st.ttl("g"))
	}
	st.expect(rbulk("val"), "GETEX", "g", "PX", "2000")
	if st.ttl("g") != 2000 {
		t.Fatalf("PX: %d", st.ttl("g"))
	}
	st.expect(rbulk("val"), "GETEX", "g", "PERSIST")
	if st.ttl("g") != -1 {
		t.Fatalf("PERSIST: %d", st.ttl("g"))
	}
	for _, bad := range [][]string{
		{"GETEX", "g", "EX"}, {"GETEX", "g", "EX", "1", "PX", "1"}, {"GETEX", "g", "EX", "1", "PERSIST"},
		{"GETEX", "g", "PERSIST", "EX", "1"}, {"GETEX", "g", "KEEPTTL"}, {"GETEX", "g", "NX"}, {"GETEX", "g", "GET"},
	} {
		st.expect(rSyntax, bad...)
	}
	st.expect("-ERR invalid expire time in 'getex' command\r\n", "GETEX", "g", "EX", "0")
	st.expect(rNotInt, "GETEX", "g", "EX", "abc")
	st.expect(rbulk("val"), "GETEX", "g", "PXAT", "1")
	st.expect(rNull, "GET", "g")
	st.putOther("list")
	st.expect(rWrong, "GETEX", "list", "EX", "0")
}

func TestGetDelGetSetSetNX(t *testing.T) {
	st := newStrTester(t)
	st.expect(rOK, "SET", "d", "v")
	st.expect(rbulk("v"), "GETDEL", "d")
	st.expect(rNull, "GETDEL", "d")
	st.putOther("list")
	st.expect(rWrong, "GETDEL", "list")
	st.expect(rWrong, "GETSET", "list", "v")
	st.expect(":0\r\n", "SETNX", "list", "v")

	st.expect(rNull, "GETSET", "gs", "v1")
	st.expect(rOK, "SET", "gs", "v", "EX", "100")
	st.expect(rbulk("v"), "GETSET", "gs", "v2")
	if st.ttl("gs") != -1 {
		t.Fatal("GETSET kept the TTL")
	}
	st.expect(":1\r\n", "SETNX", "nx", "a")
	st.expect(":0\r\n", "SETNX", "nx", "b")
	st.expect(rbulk("a"), "GET", "nx")
}

func TestSetExPSetEx(t *testing.T) {
	st := newStrTester(t)
	st.expect(rOK, "SETEX", "k", "100", "v")
	if st.ttl("k") != 100000 {
		t.Fatal(st.ttl("k"))
	}
	st.expect(rOK, "PSETEX", "k", "1234", "v")
	if st.ttl("k") != 1234 {
		t.Fatal(st.ttl("k"))
	}
	st.expect("-ERR invalid expire time in 'setex' command\r\n", "SETEX", "k", "0", "v")
	st.expect("-ERR invalid expire time in 'setex' command\r\n", "SETEX", "k", "9223372036854775807", "v")
	st.expect("-ERR invalid expire time in 'psetex' command\r\n", "PSETEX", "k", "-5", "v")
	st.expect(rNotInt, "SETEX", "k", "abc", "v")
}

func TestMSetMGet(t *testing.T) {
	st := newStrTester(t)
	st.expect(rOK, "MSET", "a", "1", "b", "2", "a", "3")
	st.putOther("list")
	st.expect("*4\r\n$1\r\n3\r\n$1\r\n2\r\n$-1\r\n$-1\r\n", "MGET", "a", "b", "list", "nokey")
	st.expect("-"+ErrArity("mset")+"\r\n", "MSET", "a", "1", "b")
	st.expect("-"+ErrArity("msetnx")+"\r\n", "MSETNX", "a", "1", "b")
	st.expect(":0\r\n", "MSETNX", "x", "1", "a", "2")
	st.expect(rNull, "GET", "x")
	st.expect(":1\r\n", "MSETNX", "x", "1", "y", "2", "x", "3")
	st.expect(rbulk("3"), "GET", "x")
	st.expect(":0\r\n", "MSETNX", "list", "1")
	st.expect(rOK, "MSET", "list", "s")
	st.expect(rbulk("s"), "GET", "list")
}

func TestMSetKeyPositions(t *testing.T) {
	st := newStrTester(t)
	args := [][]byte{[]byte("mset"), []byte("a"), []byte("1"), []byte("b"), []byte("2")}
	cmd := st.n.Table().Lookup(args[0])
	if got := cmd.KeyPositions(nil, args); len(got) != 2 || got[0] != 1 || got[1] != 3 {
		t.Fatalf("MSET keys %v", got)
	}
	args = [][]byte{[]byte("bitop"), []byte("and"), []byte("d"), []byte("s1"), []byte("s2")}
	cmd = st.n.Table().Lookup(args[0])
	if got := cmd.KeyPositions(nil, args); len(got) != 3 || got[0] != 2 || got[2] != 4 {
		t.Fatalf("BITOP keys %v", got)
	}
	args = [][]byte{[]byte("lcs"), []byte("a"), []byte("b"), []byte("len")}
	cmd = st.n.Table().Lookup(args[0])
	if got := cmd.KeyPositions(nil, args); len(got) != 2 || got[0] != 1 || got[1] != 2 {
		t.Fatalf("LCS keys %v", got)
	}
}

func TestAppendStrlen(t *testing.T) {
	st := newStrTester(t)
	st.expect(":5\r\n", "APPEND", "k", "hello")
	st.expect(":11\r\n", "APPEND", "k", " world")
	st.expect(rbulk("hello world"), "GET", "k")
	st.expect(":11\r\n", "STRLEN", "k")
	st.expect(rOK, "SET", "n", "-123")
	st.expect(":4\r\n", "STRLEN", "n")
	st.expect(":6\r\n", "APPEND", "n", "45")
	st.expect(rbulk("-12345"), "GET", "n")
	st.expect(":0\r\n", "APPEND", "e", "")
	st.expect(rEmpty, "GET", "e")
	st.expect(":0\r\n", "STRLEN", "nokey")
	st.expect(rOK, "SET", "t", "v", "EX", "100")
	st.expect(":2\r\n", "APPEND", "t", "x")
	if st.ttl("t") != 100000 {
		t.Fatal("APPEND dropped the TTL")
	}
	st.putOther("list")
	st.expect(rWrong, "APPEND", "list", "x")
	st.expect(rWrong, "STRLEN", "list")

	st.n.SetMaxBulkLen(10)
	defer st.n.SetMaxBulkLen(0)
	st.expect(":10\r\n", "APPEND", "a", "0123456789")
	st.expect("-"+ErrStringTooLong+"\r\n", "APPEND", "a", "x")
	st.expect(":10\r\n", "APPEND", "a", "")
}

func TestGetRange(t *testing.T) {
	st := newStrTester(t)
	st.expect(rOK, "SET", "r", "Hello World")
	for _, tc := range []struct{ start, end, want string }{
		{"0", "4", "Hello"}, {"-5", "-1", "World"}, {"0", "-1", "Hello World"},
		{"0", "100", "Hello World"}, {"100", "200", ""}, {"-100", "2", "Hel"},
		{"5", "3", ""}, {"-1", "-5", ""}, {"-1", "-1", "d"}, {"-100", "-50", "H"},
		{"10", "10", "d"}, {"11", "11", ""},
		{"-9223372036854775808", "9223372036854775807", "Hello World"},
	} {
		st.expect(rbulk(tc.want), "GETRANGE", "r", tc.start, tc.end)
	}
	st.expect(rNotInt, "GETRANGE", "r", "a", "1")
	st.expect(rNotInt, "GETRANGE", "nokey", "1", "b")
	st.expect(rEmpty, "GETRANGE", "nokey", "0", "-1")
	st.expect(rOK, "SET", "n", "123456")
	st.expect(rbulk("234"), "SUBSTR", "n", "1", "3")
	st.expect(rOK, "SET", "e", "")
	st.expect(rEmpty, "GETRANGE", "e", "0", "-1")
	st.putOther("list")
	st.expect(rWrong, "GETRANGE", "list", "0", "1")
}

func TestSetRange(t *testing.T) {
	st := newStrTester(t)
	st.expect(":5\r\n", "SETRANGE", "k", "0", "hello")
	st.expect(":11\r\n", "SETRANGE", "k", "6", "world")
	st.expect(rbulk("hello\x00world"), "GET", "k")
	st.expect(":11\r\n", "SETRANGE", "k", "0", "")
	st.expect(":11\r\n", "SETRANGE", "k", "1000", "")
	st.expect(":0\r\n", "SETRANGE", "z", "5", "")
	st.expect(rNull, "GET", "z")
	st.expect(":6\r\n", "SETRANGE", "z", "3", "abc")
	st.expect(rbulk("\x00\x00\x00abc"), "GET", "z")
	st.expect("-"+ErrOffsetRange+"\r\n", "SETRANGE", "k", "-1", "x")
	st.expect(rNotInt, "SETRANGE", "k", "x", "x")
	st.expect("-"+ErrStringTooLong+"\r\n", "SETRANGE", "k", "536870912", "x")
	st.expect("-"+ErrStringTooLong+"\r\n", "SETRANGE", "k", "9223372036854775807", "x")
	st.expect(":0\r\n", "SETRANGE", "nokey", "9223372036854775807", "")
	st.expect(rOK, "SET", "n", "1234")
	st.expect(":4\r\n", "SETRANGE", "n", "1", "9")
	st.expect(rbulk("1934"), "GET", "n")
	st.putOther("list")
	st.expect(rWrong, "SETRANGE", "list", "0", "x")
	st.expect(rWrong, "SETRANGE", "list", "0", "")
}

func TestIncrDecr(t *testing.T) {
	st := newStrTester(t)
	st.expect(":1\r\n", "INCR", "c")
	st.expect(":0\r\n", "DECR", "c")
	st.expect(":100\r\n", "INCRBY", "c", "100")
	st.expect(":90\r\n", "DECRBY", "c", "10")
	st.expect(":100\r\n", "DECRBY", "c", "-10")
	st.expect(rNotInt, "INCRBY", "c", "1.5")
	st.expect("-"+ErrDecrOverflow+"\r\n", "DECRBY", "c", "-9223372036854775808")
	st.expect(rOK, "SET", "c", "9223372036854775806")
	st.expect(":9223372036854775807\r\n", "INCR", "c")
	st.expect("-"+ErrOverflow+"\r\n", "INCR", "c")
	st.expect(rOK, "SET", "c", "-9223372036854775808")
	st.expect("-"+ErrOverflow+"\r\n", "DECR", "c")
	st.expect(rOK, "SET", "c", "0")
	st.expect(":-9223372036854775808\r\n", "INCRBY", "c", "-9223372036854775808")
	for _, v := range []string{" 1", "1 ", "01", "+1", "-0", "1.0", "", "abc", "12345678901234567890"} {
		st.expect(rOK, "SET", "c", v)
		st.expect(rNotInt, "INCR", "c")
	}
	st.expect(rOK, "SET", "c", "10", "EX", "100")
	st.expect(":11\r\n", "INCR", "c")
	if st.ttl("c") != 100000 {
		t.Fatal("INCR dropped the TTL")
	}
	st.expect(rOK, "SET", "c", "10")
	st.expect(":3\r\n", "APPEND", "c", "0")
	st.expect(":101\r\n", "INCR", "c")
	st.putOther("list")
	st.expect(rWrong, "INCR", "list")
	st.expect(rNotInt, "INCRBY", "list", "x")
}

func TestIncrByFloat(t *testing.T) {
	st := newStrTester(t)
	for _, tc := range []struct{ incr, want string }{
		// Extended precision: 0.1 + 0.2 is 0.3, but not every sum is short.
		{"10.5", "10.5"}, {"0.1", "10.6"}, {"-5", "5.6"}, {"5.0e3", "5005.60000000000000009"},
		{"2.0e-3", "5005.60199999999999987"}, {"-5005.602", "0"}, {"0.1", "0.1"}, {"0.2", "0.3"},
	} {
		st.expect(rbulk(tc.want), "INCRBYFLOAT", "f", tc.incr)
	}
	st.expect(rOK, "SET", "f", "1.1")
	st.expect(rbulk("3001.10000000000000009"), "INCRBYFLOAT", "f", "3000")
	st.expect(rOK, "SET", "f", "17179869184")
	st.expect(rbulk("17179869185.5"), "INCRBYFLOAT", "f", "1.5")
	st.expect(rbulk("99999999999999999996656269301985151287296"), "INCRBYFLOAT", "f", "1e41")
	for _, bad := range []string{"abc", "", " 1", "1 ", "1e", "0x", "nan", "1,5", "1e5000", "1e-5000"} {
		st.expect(rNotFloat, "INCRBYFLOAT", "f", bad)
	}
	st.expect("-"+ErrIncrFloatNaN+"\r\n", "INCRBYFLOAT", "f", "inf")
	st.expect(rOK, "SET", "f", "1e4932")
	st.expect("-"+ErrIncrFloatNaN+"\r\n", "INCRBYFLOAT", "f", "1e4932")
	st.expect(rOK, "SET", "f", "abc")
	st.expect(rNotFloat, "INCRBYFLOAT", "f", "1")
	st.expect(rOK, "SET", "f", "5", "EX", "100")
	st.expect(rbulk("6"), "INCRBYFLOAT", "f", "1")
	if st.ttl("f") != 100000 || st.encoding("f") != "embstr" {
		t.Fatalf("ttl %d encoding %s", st.ttl("f"), st.encoding("f"))
	}
	st.putOther("list")
	st.expect(rWrong, "INCRBYFLOAT", "list", "abc")
}

func TestEqFold(t *testing.T) {
	for _, tc := range []struct {
		b, s  string
		fold  bool
		exact bool
	}{
		{"EX", "ex", true, true}, {"eX", "ex", true, true}, {"ex\x00", "ex", true, false},
		{"ex\x00x", "ex", true, false}, {"exx", "ex", false, false}, {"e", "ex", false, false},
		{"\x00", "", true, false},
	} {
		if got := eqFold([]byte(tc.b), tc.s); got != tc.fold {
			t.Errorf("eqFold(%q, %q) = %v", tc.b, tc.s, got)
		}
		if got := eqFoldExact([]byte(tc.b), tc.s); got != tc.exact {
			t.Errorf("eqFoldExact(%q, %q) = %v", tc.b, tc.s, got)
		}
	}
}

// FuzzStringCommands runs arbitrary arguments through every string and
// bitmap command: no input may panic or allocate without bound.
func FuzzStringCommands(f *testing.F) {
	for _, seed := range []string{
		"set k v EX 10 GET", "setrange k 5 abc", "bitfield k SET i8 #3 -7 INCRBY u2 0 1",
		"bitpos k 0 1 -1 BIT", "lcs k j IDX MINMATCHLEN 1 WITHMATCHLEN", "incrbyfloat k 1e10",
		"getex k PXAT 1", "bitop xor d k j", "append k \x00", "getrange k -3 -1",
	} {
		f.Add(seed)
	}
	st := newStrTester(f)
	st.n.SetMaxBulkLen(1 << 16) // keep allocations small whatever the offsets
	names := []string{"get", "set", "getex", "getdel", "getset", "setnx", "setex", "psetex", "mget", "mset",
		"msetnx", "append", "strlen", "getrange", "setrange", "incr", "incrbyfloat", "decrby", "lcs",
		"setbit", "getbit", "bitcount", "bitpos", "bitop", "bitfield", "bitfield_ro"}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		if len(args) == 0 || len(args) > 40 {
			return
		}
		// Aim most inputs at a real command.
		if st.n.Table().Lookup([]byte(args[0])) == nil {
			args[0] = names[int(args[0][0])%len(names)]
		}
		for i := 1; i < len(args); i++ {
			if len(args[i]) > 0 && args[i][0] == 'K' { // a few shared keys
				args[i] = args[i][:1]
			}
		}
		st.do(args...)
	})
}
