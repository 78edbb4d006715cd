package engine

import (
	"sort"
	"strings"
	"testing"
	"time"
)

func errReply(msg string) string { return "-" + msg + "\r\n" }

func itoa(n int) string { return intReply(n)[1 : len(intReply(n))-2] }

// fakeList is a collection value for tests of the generic commands.
type fakeList struct{ items []string }

func (l *fakeList) TypeName() string { return TypeList }
func (l *fakeList) Encoding() string { return "quicklist" }
func (l *fakeList) Copy() any        { return &fakeList{items: append([]string(nil), l.items...)} }

// fakeNoCopy is a collection value that does not implement Copier.
type fakeNoCopy struct{}

func (fakeNoCopy) TypeName() string { return TypeHash }
func (fakeNoCopy) Encoding() string { return "listpack" }

func (k *kt) put(db int, key string, val any) {
	k.n.Default().DB(db).set(key, val, false, k.nowMs())
}

func TestDelUnlinkExists(t *testing.T) {
	k := newKT(t)
	k.is(intReply(0), "DEL", "nokey")
	k.is(okReply(), "SET", "a", "1")
	k.is(okReply(), "SET", "b", "2")
	k.is(intReply(2), "EXISTS", "a", "a")
	k.is(intReply(3), "EXISTS", "a", "b", "nokey", "b")
	k.is(intReply(1), "DEL", "a", "a", "nokey")
	k.is(intReply(1), "UNLINK", "b", "b")
	k.is(intReply(0), "EXISTS", "a", "b")
	k.is(errReply(ErrArity("del")), "DEL")
	k.is(errReply(ErrArity("exists")), "EXISTS")
	// An expired key is not deleted twice, nor counted.
	// It lives through its deadline's millisecond.
	k.is(okReply(), "SET", "t", "v", "PX", "10")
	k.advance(10 * time.Millisecond)
	k.is(intReply(1), "EXISTS", "t")
	k.advance(time.Millisecond)
	k.is(intReply(0), "EXISTS", "t")
	k.is(okReply(), "SET", "t", "v", "PX", "10")
	k.advance(11 * time.Millisecond)
	k.is(intReply(0), "DEL", "t")
	if k.dbsize(0) != 0 {
		t.Fatal("expired key left behind")
	}
	// EXISTS does not touch; hits and misses count.
	ns := k.n.Default()
	hits, misses := ns.Stats.KeyspaceHits.Load(), ns.Stats.KeyspaceMisses.Load()
	k.is(okReply(), "SET", "x", "1")
	k.is(intReply(1), "EXISTS", "x", "y")
	if ns.Stats.KeyspaceHits.Load() != hits+1 || ns.Stats.KeyspaceMisses.Load() != misses+1 {
		t.Fatal("EXISTS hit/miss accounting")
	}
}

func TestTypeAndTouch(t *testing.T) {
	k := newKT(t)
	k.is("+none\r\n", "TYPE", "nokey")
	k.is(okReply(), "SET", "s", "x")
	k.is("+string\r\n", "TYPE", "s")
	k.put(0, "l", &fakeList{})
	k.is("+list\r\n", "TYPE", "l")
	k.is(intReply(2), "TOUCH", "s", "l", "nokey")
	// TOUCH updates the access time; TYPE does not.
	k.advance(5 * time.Second)
	k.is(":5\r\n", "OBJECT", "IDLETIME", "s")
	k.is("+string\r\n", "TYPE", "s")
	k.is(":5\r\n", "OBJECT", "IDLETIME", "s")
	k.is(intReply(1), "TOUCH", "s")
	k.is(":0\r\n", "OBJECT", "IDLETIME", "s")
	// Even for a NO-TOUCH client, while GET leaves it alone.
	k.advance(3 * time.Second)
	k.cl.NoTouch = true
	k.is(bulk("x"), "GET", "s")
	k.is(":3\r\n", "OBJECT", "IDLETIME", "s")
	k.is(intReply(1), "TOUCH", "s")
	k.is(":0\r\n", "OBJECT", "IDLETIME", "s")
}

func TestRename(t *testing.T) {
	k := newKT(t)
	k.is(errReply(ErrNoSuchKey), "RENAME", "nokey", "x")
	k.is(errReply(ErrNoSuchKey), "RENAME", "nokey", "nokey")
	k.is(errReply(ErrNoSuchKey), "RENAMENX", "nokey", "nokey")
	k.is(okReply(), "SET", "a", "1")
	k.is(okReply(), "RENAME", "a", "a")
	k.is(intReply(0), "RENAMENX", "a", "a")
	k.is(okReply(), "RENAME", "a", "b")
	k.is(intReply(0), "EXISTS", "a")
	k.is(bulk("1"), "GET", "b")
	k.is(okReply(), "SET", "c", "3", "EX", "100")
	k.is(intReply(0), "RENAMENX", "b", "c")
	k.is(okReply(), "RENAME", "c", "b") // b replaced, TTL carried
	k.is(intReply(100), "TTL", "b")
	k.is(intReply(1), "RENAMENX", "b", "d")
	k.is(intReply(100), "TTL", "d")
	k.is(okReply(), "SET", "e", "v", "EX", "5")
	k.is(okReply(), "RENAME", "d", "e") // e's own TTL is gone
	k.is(intReply(100), "TTL", "e")
	k.is(okReply(), "SET", "p", "v")
	k.is(okReply(), "RENAME", "p", "e") // no TTL on the source: none after
	k.is(intReply(-1), "TTL", "e")
	// An expired source is missing.
	k.is(okReply(), "SET", "gone", "v", "PX", "5")
	k.advance(5 * time.Millisecond)
	k.is(intReply(1), "EXISTS", "gone") // at its deadline: still there
	k.advance(time.Millisecond)
	k.is(errReply(ErrNoSuchKey), "RENAME", "gone", "x")
	// The collection value moves as is.
	l := &fakeList{items: []string{"a"}}
	k.put(0, "list", l)
	k.is(okReply(), "RENAME", "list", "list2")
	if e := k.n.Default().DB(0).find("list2", k.nowMs()); e == nil || e.Val.val() != l {
		t.Fatal("value not moved")
	}
	checkTimers(t, k.n.Default())
}

func TestCopy(t *testing.T) {
	k := newKT(t)
	k.is(intReply(0), "COPY", "nokey", "x")
	k.is(okReply(), "SET", "s", "hello", "EX", "100")
	k.is(errReply(ErrSameObject), "COPY", "s", "s")
	k.is(errReply(ErrSameObject), "COPY", "s", "s", "DB", "0")
	k.is(intReply(1), "COPY", "s", "s", "DB", "1")
	k.is(intReply(1), "COPY", "s", "t")
	k.is(intReply(100), "TTL", "t")
	k.is(intReply(0), "COPY", "s", "t")
	k.is(okReply(), "SET", "s", "world")
	k.is(intReply(1), "COPY", "s", "t", "REPLACE")
	k.is(bulk("world"), "GET", "t")
	k.is(intReply(-1), "TTL", "t")
	k.is(errReply(ErrSyntax), "COPY", "s", "t", "DB")
	k.is(errReply(ErrSyntax), "COPY", "s", "t", "FOO")
	k.is(errReply(ErrNotInt), "COPY", "s", "t", "DB", "x")
	k.is(errReply(ErrDBIndex), "COPY", "s", "t", "DB", "16")
	k.is(errReply(ErrDBIndex), "COPY", "s", "t", "DB", "-1")
	k.is(errReply(ErrIntRange), "COPY", "s", "t", "DB", "2147483648")
	// Errors come in argument order.
	k.is(errReply(ErrNotInt), "COPY", "s", "t", "DB", "x", "FOO")
	k.is(errReply(ErrSyntax), "COPY", "s", "t", "FOO", "DB", "x")
	// The copy is independent.
	k.is(intReply(6), "APPEND", "t", "!")
	k.is(bulk("world"), "GET", "s")
	k.is(bulk("world!"), "GET", "t")
	k.is(intReply(1), "COPY", "t", "raw")
	k.is(bulk("raw"), "OBJECT", "ENCODING", "raw")
	l := &fakeList{items: []string{"a", "b"}}
	k.put(0, "l", l)
	k.is(intReply(1), "COPY", "l", "l2", "DB", "5")
	e := k.n.Default().DB(5).find("l2", k.nowMs())
	if e == nil || e.Val.val() == l || len(e.Val.val().(*fakeList).items) != 2 {
		t.Fatal("collection not duplicated")
	}
	k.put(0, "h", fakeNoCopy{})
	k.is(errReply(ErrUnknownTypeObj), "COPY", "h", "h2")
	k.is(intReply(0), "EXISTS", "h2")
	checkTimers(t, k.n.Default())
}

func TestMove(t *testing.T) {
	k := newKT(t)
	k.is(intReply(0), "MOVE", "nokey", "1")
	k.is(okReply(), "SET", "a", "v", "EX", "100")
	k.is(errReply(ErrSameObject), "MOVE", "a", "0")
	k.is(errReply(ErrDBIndex), "MOVE", "a", "16")
	k.is(errReply(ErrNotInt), "MOVE", "a", "1.0")
	k.is(errReply(ErrIntRange), "MOVE", "a", "-2147483649")
	k.is(intReply(1), "MOVE", "a", "1")
	k.is(intReply(0), "EXISTS", "a")
	k.cl.DB = 1
	k.is(intReply(100), "TTL", "a")
	k.is(okReply(), "SET", "b", "mine")
	k.cl.DB = 0
	k.is(okReply(), "SET", "b", "theirs")
	k.is(intReply(0), "MOVE", "b", "1")
	k.is(bulk("theirs"), "GET", "b")
	// An expired key in the target does not block the move.
	k.cl.DB = 1
	k.is(intReply(1), "PEXPIRE", "b", "5")
	k.advance(5 * time.Millisecond)
	k.cl.DB = 0
	k.is(intReply(0), "MOVE", "b", "1") // at its deadline it still blocks
	k.advance(time.Millisecond)
	k.is(intReply(1), "MOVE", "b", "1")
	k.cl.DB = 1
	k.is(bulk("theirs"), "GET", "b")
	checkTimers(t, k.n.Default())
}

func TestRandomKey(t *testing.T) {
	k := newKT(t)
	k.is(nullReply, "RANDOMKEY")
	want := map[string]bool{}
	for i := 0; i < 40; i++ {
		key := "k" + itoa(i)
		want[key] = true
		k.is(okReply(), "SET", key, "v")
	}
	seen := map[string]bool{}
	for i := 0; i < 4000 && len(seen) < len(want); i++ {
		r := k.do("RANDOMKEY")
		key := r[strings.Index(r, "\r\n")+2 : len(r)-2]
		if !want[key] {
			t.Fatalf("RANDOMKEY returned %q", key)
		}
		seen[key] = true
	}
	if len(seen) != len(want) {
		t.Fatalf("RANDOMKEY covered %d of %d keys", len(seen), len(want))
	}
	// Expired keys are never returned, and are deleted when met.
	k.is(okReply(), "FLUSHALL")
	for i := 0; i < 20; i++ {
		k.is(okReply(), "SET", "t"+itoa(i), "v", "PX", "5")
	}
	k.is(okReply(), "SET", "live", "v")
	k.advance(5 * time.Millisecond) // the deadline: nothing expired yet
	for i := 0; i < 50; i++ {
		if r := k.do("RANDOMKEY"); r == nullReply {
			t.Fatal("RANDOMKEY: null at the deadline")
		}
	}
	if k.dbsize(0) != 21 {
		t.Fatalf("%d keys at the deadline", k.dbsize(0))
	}
	k.advance(time.Millisecond)
	for i := 0; i < 50; i++ {
		k.is(bulk("live"), "RANDOMKEY")
	}
	for i := 0; i < 20; i++ {
		k.is(intReply(1), "PEXPIRE", "live", "1")
	}
	k.advance(time.Millisecond)
	k.is(bulk("live"), "RANDOMKEY")
	k.advance(time.Millisecond)
	k.is(nullReply, "RANDOMKEY")
	if k.dbsize(0) != 0 {
		t.Fatal("expired keys left")
	}
}

func TestKeysCommand(t *testing.T) {
	k := newKT(t)
	k.is("*0\r\n", "KEYS", "*")
	for _, key := range []string{"foo", "foobar", "bar", "", "a*b"} {
		k.is(okReply(), "SET", key, "v")
	}
	k.is(okReply(), "SET", "gone", "v", "PX", "5")
	k.advance(5 * time.Millisecond)
	k.is("*1\r\n"+bulk("gone"), "KEYS", "g*") // at its deadline: listed
	k.advance(time.Millisecond)
	sorted := func(pat string) []string {
		r := k.do("KEYS", pat)
		var out []string
		for rest := r[strings.Index(r, "\r\n")+2:]; rest != ""; {
			nl := strings.Index(rest, "\r\n")
			n := 0
			for _, c := range rest[1:nl] {
				n = n*10 + int(c-'0')
			}
			out = append(out, rest[nl+2:nl+2+n])
			rest = rest[nl+4+n:]
		}
		sort.Strings(out)
		return out
	}
	for pat, want := range map[string]string{
		"*":     ",a*b,bar,foo,foobar",
		"f*":    "foo,foobar",
		"":      "",
		"a\\*b": "a*b",
		"??o":   "foo",
		"nope":  "",
	} {
		got := strings.Join(sorted(pat), ",")
		if got != want {
			t.Errorf("KEYS %q = %q, want %q", pat, got, want)
		}
	}
	// KEYS skips the expired key without deleting it.
	if k.dbsize(0) != 6 {
		t.Fatalf("dbsize %d", k.dbsize(0))
	}
}

func TestOptIs(t *testing.T) {
	for _, tc := range []struct {
		arg  string
		want bool
	}{{"nx", true}, {"NX", true}, {"Nx", true}, {"nx\x00junk", true}, {"n", false}, {"nxx", false}, {"\x00nx", false}} {
		if optIs([]byte(tc.arg), "nx") != tc.want {
			t.Errorf("optIs(%q)", tc.arg)
		}
	}
}
