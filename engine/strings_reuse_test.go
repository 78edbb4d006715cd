package engine

import (
	"strings"
	"testing"
)

// Overwriting a string reuses its buffer when the new value fits; the
// replies, lengths and encodings must be those of a fresh value.
func TestSetReusesStringBuffer(t *testing.T) {
	k := newKT(t)
	k.is("+OK\r\n", "SET", "s", "hello world")
	e := k.n.Default().DB(0).data.shards[shardOfString("s")].keys.Find("s")
	before := e.Val.val.(*Str)
	k.is("+OK\r\n", "SET", "s", "hi")
	if e.Val.val.(*Str) != before {
		t.Fatal("SET of a shorter value did not reuse the buffer")
	}
	k.is("$2\r\nhi\r\n", "GET", "s")
	k.is(":2\r\n", "STRLEN", "s")
	k.is("$6\r\nembstr\r\n", "OBJECT", "ENCODING", "s")
	k.is(":5\r\n", "APPEND", "s", "!!!")
	k.is("$3\r\nraw\r\n", "OBJECT", "ENCODING", "s")
	k.is("+OK\r\n", "MSET", "s", "abc", "t", "x")
	k.is("$6\r\nembstr\r\n", "OBJECT", "ENCODING", "s")
	k.is("$3\r\nabc\r\n", "GET", "s")
	k.is("+OK\r\n", "SET", "s", "12")
	k.is("$3\r\nint\r\n", "OBJECT", "ENCODING", "s")
	k.is(":13\r\n", "INCR", "s")
	long := strings.Repeat("v", 100)
	k.is("+OK\r\n", "SET", "s", long)
	k.is("$3\r\nraw\r\n", "OBJECT", "ENCODING", "s")
	k.is("+OK\r\n", "SET", "s", "tiny")
	if got := cap(e.Val.val.(*Str).B); got > 64 {
		t.Fatalf("a 4-byte value kept a %d-byte buffer", got)
	}
	k.is("$4\r\ntiny\r\n", "GET", "s")
	k.is("+OK\r\n", "SET", "s", "v2", "EX", "100")
	k.is("+OK\r\n", "SET", "s", "v3")
	k.is(":-1\r\n", "TTL", "s")
}
