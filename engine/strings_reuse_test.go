package engine

import (
	"fmt"
	"strings"
	"testing"
)

// Overwriting a string reuses its storage when the new value fits; the
// replies, lengths and encodings must be those of a fresh value.
func TestSetReusesStringBuffer(t *testing.T) {
	k := newKT(t)
	k.is("+OK\r\n", "SET", "s", "hello world")
	e := entryOf(k, "s")
	before, ok := e.Val.val().(*shortStr)
	if !ok {
		t.Fatalf("a short value is stored as %T", e.Val.val())
	}
	k.is("+OK\r\n", "SET", "s", "hi")
	if e.Val.val().(*shortStr) != before {
		t.Fatal("SET of a shorter value did not reuse the storage")
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

	// Values past 44 bytes are "raw", short storage or not.
	mid := strings.Repeat("v", 100)
	k.is("+OK\r\n", "SET", "s", mid)
	k.is("$3\r\nraw\r\n", "OBJECT", "ENCODING", "s")
	k.is("$100\r\n"+mid+"\r\n", "GET", "s")
	k.is("+OK\r\n", "SET", "s", "tiny")
	if v, ok := e.Val.val().(*shortStr); !ok || v.cap > 64 {
		t.Fatalf("a 4-byte value is stored as %T %+v", e.Val.val(), e.Val.val())
	}
	k.is("$4\r\ntiny\r\n", "GET", "s")

	// Long values keep a Str whose buffer is reused.
	long := strings.Repeat("w", 1000)
	k.is("+OK\r\n", "SET", "s", long)
	big := e.Val.val().(*Str)
	k.is("+OK\r\n", "SET", "s", long[:900])
	if e.Val.val().(*Str) != big {
		t.Fatal("SET of a shorter long value did not reuse the buffer")
	}
	k.is(":900\r\n", "STRLEN", "s")
	k.is("$3\r\nraw\r\n", "OBJECT", "ENCODING", "s")

	k.is("+OK\r\n", "SET", "s", "v2", "EX", "100")
	k.is("+OK\r\n", "SET", "s", "v3")
	k.is(":-1\r\n", "TTL", "s")
}

// A short value edited in place becomes a raw Str holding the same bytes,
// and its memory charge follows.
func TestShortStringEdits(t *testing.T) {
	k := newKT(t)
	k.is("+OK\r\n", "SET", "s", "abc")
	k.is(":6\r\n", "SETRANGE", "s", "3", "def")
	k.is("$6\r\nabcdef\r\n", "GET", "s")
	k.is("$3\r\nraw\r\n", "OBJECT", "ENCODING", "s")
	k.is("+OK\r\n", "SET", "b", "\x00")
	k.is(":0\r\n", "SETBIT", "b", "7", "1")
	k.is("$1\r\n\x01\r\n", "GET", "b")
	k.is("+OK\r\n", "SET", "n", "1.5")
	k.is("$3\r\n2.5\r\n", "INCRBYFLOAT", "n", "1")
	k.is("+OK\r\n", "SET", "n", "x")
	k.is("-ERR value is not an integer or out of range\r\n", "INCR", "n")
	k.is("+OK\r\n", "SET", "e", "")
	k.is(":0\r\n", "STRLEN", "e")
	k.is("$0\r\n\r\n", "GET", "e")
	// An empty value ending its node's allocation (a 24-byte node, a
	// length byte, a 4-byte key and the 3-byte header fill the 32-byte
	// class): no pointer past the object (checkptr, under -race).
	k.is("+OK\r\n", "SET", "abcd", "")
	k.is("$0\r\n\r\n", "GET", "abcd")
	k.is("+OK\r\n", "SET", "abcd", "")
	k.is(":1\r\n", "APPEND", "abcd", "x")
	k.is("$1\r\nx\r\n", "GET", "abcd")
	k.is(":1\r\n", "COPY", "s", "c")
	k.is("+OK\r\n", "SET", "s", "zz")
	k.is("$6\r\nabcdef\r\n", "GET", "c")
	max := strings.Repeat("m", shortStrMax)
	k.is("+OK\r\n", "SET", "m", max)
	if _, ok := entryOf(k, "m").Val.val().(*shortStr); !ok {
		t.Fatalf("a %d-byte value is not short", shortStrMax)
	}
	k.is("+OK\r\n", "SET", "m", max+"m")
	if _, ok := entryOf(k, "m").Val.val().(*Str); !ok {
		t.Fatalf("a %d-byte value is short", shortStrMax+1)
	}
	k.is(fmt.Sprintf("$%d\r\n%sm\r\n", shortStrMax+1, max), "GET", "m")
}

func entryOf(k *kt, key string) *Entry {
	return k.n.Default().DB(0).data.shards[shardOfString(key)].keys.Find(key)
}

// A short value written whole to a new short key lives in the key's node;
// it is copied out when the value moves to another key, so that no stored
// value points into a deleted node.
func TestInlineShortString(t *testing.T) {
	k := newKT(t)
	inline := func(key string) bool {
		s, ok := entryOf(k, key).Val.val().(*shortStr)
		return ok && s.inl != 0
	}
	k.is("+OK\r\n", "SET", "a", "val")
	if !inline("a") {
		t.Fatal("a short value on a new short key is not in its node")
	}
	k.is("+OK\r\n", "SET", "a", "v2")
	if !inline("a") {
		t.Fatal("a fitting overwrite left the node")
	}
	k.is("$2\r\nv2\r\n", "GET", "a")
	k.is("+OK\r\n", "RENAME", "a", "b")
	if inline("b") {
		t.Fatal("RENAME kept a value living in the old key's node")
	}
	k.is("$2\r\nv2\r\n", "GET", "b")
	k.is("+OK\r\n", "MSET", "c", "x", "d", strings.Repeat("y", 61))
	if !inline("c") || inline("d") {
		t.Fatalf("MSET: c inline %v, d (too long to fit) inline %v", inline("c"), inline("d"))
	}
	k.is(":1\r\n", "MOVE", "c", "1")
	k.cl.DB = 1
	k.is("$1\r\nx\r\n", "GET", "c")
	if s, ok := k.n.Default().DB(1).find("c", 0).Val.val().(*shortStr); !ok || s.inl != 0 {
		t.Fatal("MOVE kept a value living in the old key's node")
	}
	k.cl.DB = 0
	k.is("+OK\r\n", "SET", "e", "hello")
	k.is(":11\r\n", "APPEND", "e", " world")
	k.is("$11\r\nhello world\r\n", "GET", "e")
	k.is("+OK\r\n", "SET", "e", "hi")
	k.is("$2\r\nhi\r\n", "GET", "e")
	k.is("$6\r\nembstr\r\n", "OBJECT", "ENCODING", "e")
}
