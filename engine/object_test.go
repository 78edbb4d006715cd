package engine

import (
	"strings"
	"testing"
	"time"
)

func TestObjectCommand(t *testing.T) {
	k := newKT(t)
	for _, sub := range []string{"ENCODING", "REFCOUNT", "IDLETIME", "FREQ"} {
		k.is(nullReply, "OBJECT", sub, "nokey")
	}
	k.is(okReply(), "SET", "i", "123")
	k.is(okReply(), "SET", "s", "hello")
	k.is(okReply(), "SET", "big", "12345678901234567890")
	k.is(okReply(), "SET", "r", strings.Repeat("a", 45))
	k.is(okReply(), "SET", "z", "0")
	k.is(okReply(), "SET", "n9999", "9999")
	k.is(okReply(), "SET", "n10000", "10000")
	k.is(okReply(), "SET", "neg", "-1")
	k.put(0, "l", &fakeList{})
	k.is(bulk("int"), "OBJECT", "ENCODING", "i")
	k.is(bulk("embstr"), "OBJECT", "encoding", "s")
	k.is(bulk("embstr"), "OBJECT", "ENCODING", "big")
	k.is(bulk("raw"), "OBJECT", "ENCODING", "r")
	k.is(bulk("quicklist"), "OBJECT", "ENCODING", "l")
	k.is(intReply(sharedRefcount), "OBJECT", "REFCOUNT", "i")
	k.is(intReply(sharedRefcount), "OBJECT", "REFCOUNT", "z")
	k.is(intReply(sharedRefcount), "OBJECT", "REFCOUNT", "n9999")
	k.is(intReply(1), "OBJECT", "REFCOUNT", "n10000")
	k.is(intReply(1), "OBJECT", "REFCOUNT", "neg")
	k.is(intReply(1), "OBJECT", "REFCOUNT", "s")
	k.is(intReply(1), "OBJECT", "REFCOUNT", "l")
	k.is(errReply(ErrLFUNotSelected), "OBJECT", "FREQ", "s")

	// IDLETIME: seconds since the last access; OBJECT itself does not
	// touch, GET does.
	k.is(intReply(0), "OBJECT", "IDLETIME", "s")
	k.advance(10 * time.Second)
	k.is(intReply(10), "OBJECT", "IDLETIME", "s")
	k.is(intReply(10), "OBJECT", "IDLETIME", "s")
	k.do("GET", "s")
	k.is(intReply(0), "OBJECT", "IDLETIME", "s")
	k.advance(7 * time.Second)
	k.do("SET", "s", "new") // a write touches too
	k.is(intReply(0), "OBJECT", "IDLETIME", "s")

	// Errors come from the command table.
	k.is(errReply(ErrArity("object")), "OBJECT")
	k.is(errReply(ErrArity("object|encoding")), "OBJECT", "ENCODING")
	k.is(errReply(ErrArity("object|encoding")), "OBJECT", "ENCODING", "a", "b")
	k.is(errReply(ErrArity("object|help")), "OBJECT", "HELP", "x")
	k.is(errReply("ERR unknown subcommand 'foo'. Try OBJECT HELP."), "OBJECT", "foo", "k")

	help := k.do("object", "help")
	if !strings.HasPrefix(help, "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+ENCODING <key>\r\n") ||
		!strings.HasSuffix(help, "+HELP\r\n+    Print this help.\r\n") {
		t.Fatalf("OBJECT HELP: %q", help)
	}

	// LFU policies: FREQ works, IDLETIME refuses; shared integers stay
	// shared while maxmemory is 0.
	if err := k.n.SetMaxmemoryPolicy("volatile-lfu"); err != nil {
		t.Fatal(err)
	}
	k.is(errReply(ErrLFUSelected), "OBJECT", "IDLETIME", "s")
	k.is(intReply(sharedRefcount), "OBJECT", "REFCOUNT", "i")
	k.is(okReply(), "SET", "fresh", "v")
	k.is(intReply(lfuInitVal), "OBJECT", "FREQ", "fresh")
}
