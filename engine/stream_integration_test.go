package engine_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/resptest"
)

// Blocking stream reads over the wire, through the RESP front end.

// waitStreamBlocked polls INFO until n clients are blocked.
func waitStreamBlocked(t *testing.T, c *resptest.Conn, n int) {
	t.Helper()
	want := fmt.Sprintf("blocked_clients:%d\r\n", n)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if strings.Contains(c.Do("INFO", "clients"), want) {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("never saw %q", want)
}

func streamIs(t *testing.T, c *resptest.Conn, want string, args ...string) {
	t.Helper()
	if got := c.Do(args...); got != want {
		t.Fatalf("%q: got %q, want %q", args, got, want)
	}
}

func TestXReadBlock(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	a, b := n.Dial(t), n.Dial(t)
	streamIs(t, b, "$3\r\n1-0\r\n", "XADD", "s", "1-0", "f", "old")
	// `$` means entries after the last one when the command blocked, even
	// though it runs again when woken.
	a.Send("XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	waitStreamBlocked(t, b, 1)
	streamIs(t, b, "$3\r\n2-0\r\n", "XADD", "s", "2-0", "f", "new")
	if got := a.Read(); got != "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n2-0\r\n*2\r\n$1\r\nf\r\n$3\r\nnew\r\n" {
		t.Fatalf("XREAD BLOCK: %q", got)
	}
	// A stream created while blocked serves the reader; a timeout
	// replies a null array.
	a.Send("XREAD", "COUNT", "1", "BLOCK", "5000", "STREAMS", "t", "0")
	waitStreamBlocked(t, b, 1)
	streamIs(t, b, "$3\r\n5-1\r\n", "XADD", "t", "5-1", "k", "v")
	if got := a.Read(); got != "*1\r\n*2\r\n$1\r\nt\r\n*1\r\n*2\r\n$3\r\n5-1\r\n*2\r\n$1\r\nk\r\n$1\r\nv\r\n" {
		t.Fatalf("XREAD BLOCK new key: %q", got)
	}
	streamIs(t, a, "*-1\r\n", "XREAD", "BLOCK", "20", "STREAMS", "s", "$")
	// Inside MULTI, BLOCK behaves as timed out.
	streamIs(t, a, "+OK\r\n", "MULTI")
	streamIs(t, a, "+QUEUED\r\n", "XREAD", "BLOCK", "0", "STREAMS", "s", "$")
	streamIs(t, a, "*1\r\n*-1\r\n", "EXEC")
}

func TestXReadGroupBlock(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	a, b := n.Dial(t), n.Dial(t)
	streamIs(t, b, "+OK\r\n", "XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
	a.Send("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
	waitStreamBlocked(t, b, 1)
	streamIs(t, b, "$3\r\n1-0\r\n", "XADD", "s", "1-0", "f", "v")
	if got := a.Read(); got != "*1\r\n*2\r\n$1\r\ns\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n" {
		t.Fatalf("XREADGROUP BLOCK: %q", got)
	}
	streamIs(t, b, "*4\r\n:1\r\n$3\r\n1-0\r\n$3\r\n1-0\r\n*1\r\n*2\r\n$5\r\nalice\r\n$1\r\n1\r\n", "XPENDING", "s", "g")
	// Destroying the group, or deleting the key, wakes the reader with
	// an error.
	a.Send("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
	waitStreamBlocked(t, b, 1)
	streamIs(t, b, ":1\r\n", "XGROUP", "DESTROY", "s", "g")
	if got := a.Read(); got != "-NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option\r\n" {
		t.Fatalf("after XGROUP DESTROY: %q", got)
	}
	streamIs(t, b, "+OK\r\n", "XGROUP", "CREATE", "s", "g", "$")
	a.Send("XREADGROUP", "GROUP", "g", "alice", "BLOCK", "0", "STREAMS", "s", ">")
	waitStreamBlocked(t, b, 1)
	streamIs(t, b, ":1\r\n", "DEL", "s")
	if got := a.Read(); got != "-NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option\r\n" {
		t.Fatalf("after DEL: %q", got)
	}
}
