package resp_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/flect-kv/flect/resp/resptest"
)

// push builds the raw frame of a pub/sub push: an array in RESP2, a push
// frame in RESP3. Elements are bulk strings, integers (int) or nil.
func psPush(proto int, elems ...any) string {
	var b strings.Builder
	if proto == 3 {
		fmt.Fprintf(&b, ">%d\r\n", len(elems))
	} else {
		fmt.Fprintf(&b, "*%d\r\n", len(elems))
	}
	for _, e := range elems {
		switch v := e.(type) {
		case string:
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(v), v)
		case int:
			fmt.Fprintf(&b, ":%d\r\n", v)
		case nil:
			if proto == 3 {
				b.WriteString("_\r\n")
			} else {
				b.WriteString("$-1\r\n")
			}
		}
	}
	return b.String()
}

func psExpect(t *testing.T, c *resptest.Conn, want string) {
	t.Helper()
	if got := c.Read(); got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func psDo(t *testing.T, c *resptest.Conn, want string, args ...string) {
	t.Helper()
	if got := c.Do(args...); got != want {
		t.Fatalf("%v: got %q, want %q", args, got, want)
	}
}

func TestPubSubMessages(t *testing.T) {
	for _, proto := range []int{2, 3} {
		t.Run("resp"+strconv.Itoa(proto), func(t *testing.T) {
			n := resptest.Start(t, nil, nil)
			sub, pub := n.Dial(t), n.Dial(t)
			if proto == 3 {
				sub.Do("HELLO", "3")
			}
			psDo(t, sub, psPush(proto, "subscribe", "a", 1), "SUBSCRIBE", "a", "b")
			psExpect(t, sub, psPush(proto, "subscribe", "b", 2))
			psDo(t, sub, psPush(proto, "psubscribe", "a*", 3), "PSUBSCRIBE", "a*")
			psDo(t, sub, psPush(proto, "ssubscribe", "s", 1), "SSUBSCRIBE", "s")
			// Subscribing again changes nothing but is confirmed.
			psDo(t, sub, psPush(proto, "subscribe", "a", 3), "SUBSCRIBE", "a")

			psDo(t, pub, ":2\r\n", "PUBLISH", "a", "hello")
			psExpect(t, sub, psPush(proto, "message", "a", "hello"))
			psExpect(t, sub, psPush(proto, "pmessage", "a*", "a", "hello"))
			psDo(t, pub, ":1\r\n", "PUBLISH", "ab", "x\r\ny")
			psExpect(t, sub, psPush(proto, "pmessage", "a*", "ab", "x\r\ny"))
			psDo(t, pub, ":0\r\n", "PUBLISH", "s", "x")
			psDo(t, pub, ":1\r\n", "SPUBLISH", "s", "")
			psExpect(t, sub, psPush(proto, "smessage", "s", ""))
			psDo(t, pub, ":0\r\n", "SPUBLISH", "a", "x")

			psDo(t, pub, "*4\r\n$1\r\na\r\n:1\r\n$1\r\nz\r\n:0\r\n", "PUBSUB", "NUMSUB", "a", "z")
			psDo(t, pub, "*2\r\n$1\r\ns\r\n:1\r\n", "PUBSUB", "SHARDNUMSUB", "s")
			psDo(t, pub, ":1\r\n", "PUBSUB", "NUMPAT")
			psDo(t, pub, "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "PUBSUB", "CHANNELS")
			psDo(t, pub, "*1\r\n$1\r\nb\r\n", "PUBSUB", "CHANNELS", "b*")
			psDo(t, pub, "*1\r\n$1\r\ns\r\n", "PUBSUB", "SHARDCHANNELS")

			psDo(t, sub, psPush(proto, "unsubscribe", "a", 2), "UNSUBSCRIBE", "a")
			psDo(t, sub, psPush(proto, "unsubscribe", "zz", 2), "UNSUBSCRIBE", "zz")
			psDo(t, sub, psPush(proto, "unsubscribe", "b", 1), "UNSUBSCRIBE")
			psDo(t, sub, psPush(proto, "unsubscribe", nil, 1), "UNSUBSCRIBE")
			psDo(t, sub, psPush(proto, "punsubscribe", "a*", 0), "PUNSUBSCRIBE")
			// Still in subscribed mode through the shard channel.
			psDo(t, sub, psPush(proto, "punsubscribe", nil, 0), "PUNSUBSCRIBE")
			psDo(t, sub, psPush(proto, "sunsubscribe", "s", 0), "SUNSUBSCRIBE", "s")
			psDo(t, sub, "-NOSUB 'unsubscribe' command executed not in subscribed mode\r\n", "UNSUBSCRIBE")
			psDo(t, sub, "-NOSUB 'sunsubscribe' command executed not in subscribed mode\r\n", "SUNSUBSCRIBE", "x")
			psDo(t, sub, "+PONG\r\n", "PING")
			psDo(t, pub, ":0\r\n", "PUBLISH", "a", "hello")
			psDo(t, pub, "*0\r\n", "PUBSUB", "CHANNELS")
		})
	}
}

func TestPubSubRESP2Restrictions(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.Do("SUBSCRIBE", "a")
	psDo(t, c, "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n", "GET", "x")
	psDo(t, c, "-ERR Can't execute 'client|list': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n", "CLIENT", "LIST")
	// Unknown commands and arity errors come first, as in Valkey.
	psDo(t, c, "-ERR wrong number of arguments for 'get' command\r\n", "GET")
	psDo(t, c, "*2\r\n$4\r\npong\r\n$0\r\n\r\n", "PING")
	psDo(t, c, "*2\r\n$4\r\npong\r\n$2\r\nhi\r\n", "PING", "hi")
	psDo(t, c, "-ERR wrong number of arguments for 'ping' command\r\n", "PING", "a", "b")
	psDo(t, c, psPush(2, "psubscribe", "p", 2), "PSUBSCRIBE", "p")
	psDo(t, c, "+RESET\r\n", "RESET")
	psDo(t, c, "$-1\r\n", "GET", "x")
	psDo(t, c, "*2\r\n$1\r\na\r\n:0\r\n", "PUBSUB", "NUMSUB", "a")
	psDo(t, c, ":0\r\n", "PUBSUB", "NUMPAT")

	// RESP3 clients may run anything while subscribed.
	c.Do("HELLO", "3")
	c.Do("SUBSCRIBE", "a")
	psDo(t, c, "_\r\n", "GET", "x")
	psDo(t, c, "+PONG\r\n", "PING")
	// A client publishing to itself gets the reply first, then the
	// message (Valkey 8 defers pushes to the running client).
	psDo(t, c, ":1\r\n", "PUBLISH", "a", "self")
	psExpect(t, c, psPush(3, "message", "a", "self"))
	psDo(t, c, "$1\r\nx\r\n", "ECHO", "x") // the stream is in sync
}

func TestPubSubErrors(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	psDo(t, c, "-ERR wrong number of arguments for 'subscribe' command\r\n", "SUBSCRIBE")
	psDo(t, c, "-ERR wrong number of arguments for 'publish' command\r\n", "PUBLISH", "a")
	psDo(t, c, "-ERR wrong number of arguments for 'pubsub|numpat' command\r\n", "PUBSUB", "NUMPAT", "x")
	psDo(t, c, "-ERR unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP.\r\n", "pubsub", "channels", "a", "b")
	psDo(t, c, "-ERR unknown subcommand 'FOO'. Try PUBSUB HELP.\r\n", "PUBSUB", "FOO")
	if got := c.Do("PUBSUB", "HELP"); !strings.HasPrefix(got, "*14\r\n+PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+CHANNELS [<pattern>]\r\n") {
		t.Fatalf("PUBSUB HELP: %q", got)
	}
}

// TestPubSubInTransaction: SUBSCRIBE runs inside EXEC, its confirmation
// an element of EXEC's reply; SSUBSCRIBE is refused there; messages a
// client publishes to itself inside EXEC follow EXEC's reply.
func TestPubSubInTransaction(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.Do("HELLO", "3")
	psDo(t, c, "+OK\r\n", "MULTI")
	psDo(t, c, "+QUEUED\r\n", "SUBSCRIBE", "a")
	psDo(t, c, "+QUEUED\r\n", "SSUBSCRIBE", "s")
	psDo(t, c, "+QUEUED\r\n", "PUBLISH", "a", "x")
	psDo(t, c, "*3\r\n"+psPush(3, "subscribe", "a", 1)+
		"-ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client\r\n:1\r\n", "EXEC")
	psExpect(t, c, psPush(3, "message", "a", "x"))
	psDo(t, c, "+OK\r\n", "MULTI")
	psDo(t, c, "+QUEUED\r\n", "UNSUBSCRIBE", "a")
	psDo(t, c, "*1\r\n"+psPush(3, "unsubscribe", "a", 0), "EXEC")
	psDo(t, c, "+PONG\r\n", "PING")
}
