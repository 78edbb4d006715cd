package resp_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/resptest"
)

// waitBlocked polls INFO until n clients are blocked.
func waitBlocked(t *testing.T, c *resptest.Conn, n int) {
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

func TestBlockingPopWakesOnPush(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	a, b := n.Dial(t), n.Dial(t)
	a.Send("BLPOP", "q", "5")
	waitBlocked(t, b, 1)
	is(t, b, ":3\r\n", "RPUSH", "q", "x", "y", "z")
	// The waiter got its element before the pusher's next command ran.
	is(t, b, "*2\r\n$1\r\ny\r\n$1\r\nz\r\n", "LRANGE", "q", "0", "-1")
	if got := a.Read(); got != "*2\r\n$1\r\nq\r\n$1\r\nx\r\n" {
		t.Fatalf("BLPOP: %q", got)
	}
	waitBlocked(t, b, 0)
	// A non-empty list is popped at once; the second key is reached.
	is(t, a, "*2\r\n$1\r\nq\r\n$1\r\nz\r\n", "BRPOP", "none", "q", "0")
	a.Send("BLPOP", "k1", "k2", "0")
	waitBlocked(t, b, 1)
	is(t, b, ":1\r\n", "LPUSH", "k2", "v")
	if got := a.Read(); got != "*2\r\n$2\r\nk2\r\n$1\r\nv\r\n" {
		t.Fatalf("BLPOP k1 k2: %q", got)
	}
}

func TestBlockingFIFOAndReblock(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	var ws []*resptest.Conn
	for i := 0; i < 3; i++ {
		w := n.Dial(t)
		w.Send("BLPOP", "q", "0")
		waitBlocked(t, admin, i+1)
		ws = append(ws, w)
	}
	is(t, admin, ":2\r\n", "RPUSH", "q", "a", "b")
	for i, want := range []string{"a", "b"} {
		if got := ws[i].Read(); got != "*2\r\n$1\r\nq\r\n$1\r\n"+want+"\r\n" {
			t.Fatalf("waiter %d: %q", i, got)
		}
	}
	waitBlocked(t, admin, 1)
	// A key of another type does not serve the last waiter; it stays.
	is(t, admin, "+OK\r\n", "SET", "q", "str")
	is(t, admin, ":1\r\n", "DEL", "q")
	is(t, admin, ":1\r\n", "RPUSH", "q", "c")
	if got := ws[2].Read(); got != "*2\r\n$1\r\nq\r\n$1\r\nc\r\n" {
		t.Fatalf("waiter 2: %q", got)
	}
	is(t, admin, ":0\r\n", "EXISTS", "q")
}

func TestBlockingTimeoutsAndErrors(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	start := time.Now()
	is(t, c, "*-1\r\n", "BLPOP", "q", "0.05")
	if d := time.Since(start); d < 40*time.Millisecond || d > 2*time.Second {
		t.Fatalf("timeout took %v", d)
	}
	is(t, c, "*-1\r\n", "BZPOPMIN", "z", "0.01")
	is(t, c, "*-1\r\n", "BLMOVE", "s", "d", "LEFT", "RIGHT", "0.01")
	is(t, c, "*-1\r\n", "BLMPOP", "0.01", "1", "q", "LEFT")
	is(t, c, "-ERR timeout is negative\r\n", "BLPOP", "q", "-1")
	is(t, c, "-ERR timeout is not a float or out of range\r\n", "BLPOP", "q", "abc")
	is(t, c, "-ERR timeout is out of range\r\n", "BLPOP", "q", "1e30")
	is(t, c, "+OK\r\n", "SET", "str", "v")
	is(t, c, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "BLPOP", "str", "0")
	is(t, c, "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "BZPOPMAX", "str", "0")
	is(t, c, "-ERR syntax error\r\n", "BLMOVE", "s", "d", "UP", "RIGHT", "0")
	is(t, c, "-ERR numkeys should be greater than 0\r\n", "BLMPOP", "0", "0", "q", "LEFT")
	c.Do("HELLO", "3")
	is(t, c, "_\r\n", "BLPOP", "q", "0.01")
}

func TestBlockingMoveAndSortedSets(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	a, b := n.Dial(t), n.Dial(t)
	a.Send("BLMOVE", "src", "dst", "LEFT", "RIGHT", "0")
	waitBlocked(t, b, 1)
	is(t, b, ":1\r\n", "LPUSH", "src", "v")
	if got := a.Read(); got != "$1\r\nv\r\n" {
		t.Fatalf("BLMOVE: %q", got)
	}
	is(t, b, "*1\r\n$1\r\nv\r\n", "LRANGE", "dst", "0", "-1")
	a.Send("BZPOPMIN", "z", "0")
	waitBlocked(t, b, 1)
	is(t, b, ":2\r\n", "ZADD", "z", "2", "m2", "1", "m1")
	if got := a.Read(); got != "*3\r\n$1\r\nz\r\n$2\r\nm1\r\n$1\r\n1\r\n" {
		t.Fatalf("BZPOPMIN: %q", got)
	}
	a.Send("BZMPOP", "0", "2", "y", "z", "MAX", "COUNT", "5")
	if got := a.Read(); got != "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$2\r\nm2\r\n$1\r\n2\r\n" {
		t.Fatalf("BZMPOP: %q", got)
	}
	a.Send("BLMPOP", "0", "1", "l", "RIGHT", "COUNT", "2")
	waitBlocked(t, b, 1)
	is(t, b, ":3\r\n", "RPUSH", "l", "1", "2", "3")
	if got := a.Read(); got != "*2\r\n$1\r\nl\r\n*2\r\n$1\r\n3\r\n$1\r\n2\r\n" {
		t.Fatalf("BLMPOP: %q", got)
	}
}

func TestBlockingDisconnectAndUnblock(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	a := n.Dial(t)
	a.Send("BLPOP", "q", "0")
	waitBlocked(t, admin, 1)
	a.Close()
	waitBlocked(t, admin, 0)
	is(t, admin, ":1\r\n", "RPUSH", "q", "x")
	is(t, admin, ":1\r\n", "LLEN", "q") // nobody took it

	w := n.Dial(t)
	id := strings.TrimSuffix(strings.TrimPrefix(w.Do("CLIENT", "ID"), ":"), "\r\n")
	is(t, admin, ":0\r\n", "CLIENT", "UNBLOCK", id)
	w.Send("BLPOP", "other", "0")
	waitBlocked(t, admin, 1)
	if !strings.Contains(admin.Do("CLIENT", "LIST"), "flags=b ") {
		t.Fatal("blocked client has no b flag")
	}
	is(t, admin, ":1\r\n", "CLIENT", "UNBLOCK", id)
	if got := w.Read(); got != "*-1\r\n" {
		t.Fatalf("unblocked: %q", got)
	}
	w.Send("BLPOP", "other", "0")
	waitBlocked(t, admin, 1)
	is(t, admin, "-ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR\r\n", "CLIENT", "UNBLOCK", id, "nope")
	is(t, admin, ":1\r\n", "CLIENT", "UNBLOCK", id, "ERROR")
	if got := w.Read(); got != "-UNBLOCKED client unblocked via CLIENT UNBLOCK\r\n" {
		t.Fatalf("unblocked: %q", got)
	}
	is(t, w, "+PONG\r\n", "PING")
}

func TestBlockingPipelinedBehind(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	a, b := n.Dial(t), n.Dial(t)
	a.WriteRaw(append(resptest.Encode("BLPOP", "q", "0"), resptest.Encode("PING")...))
	waitBlocked(t, b, 1)
	a.Send("ECHO", "later") // arrives while blocked: kept for after
	time.Sleep(20 * time.Millisecond)
	is(t, b, ":1\r\n", "RPUSH", "q", "x")
	for _, want := range []string{"*2\r\n$1\r\nq\r\n$1\r\nx\r\n", "+PONG\r\n", "$5\r\nlater\r\n"} {
		if got := a.Read(); got != want {
			t.Fatalf("got %q want %q", got, want)
		}
	}
}

// TestBlockingConcurrentQueue runs producers and blocked consumers at once:
// every element is delivered exactly once.
func TestBlockingConcurrentQueue(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	const producers, consumers, perProducer = 4, 4, 200
	total := producers * perProducer
	got := make(chan string, total)
	var wg sync.WaitGroup
	for i := 0; i < consumers; i++ {
		c := n.Dial(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c.Send("BLPOP", "q1", "q2", "0.5")
				r, err := c.ReadErr(10 * time.Second)
				if err != nil || r == "*-1\r\n" {
					return
				}
				parts := strings.Split(r, "\r\n")
				got <- parts[4]
			}
		}()
	}
	var pw sync.WaitGroup
	for p := 0; p < producers; p++ {
		c := n.Dial(t)
		pw.Add(1)
		go func() {
			defer pw.Done()
			for i := 0; i < perProducer; i++ {
				key := "q1"
				if i%2 == 1 {
					key = "q2"
				}
				c.Send("RPUSH", key, fmt.Sprintf("%d-%d", p, i))
				if _, err := c.ReadErr(10 * time.Second); err != nil {
					return
				}
			}
		}()
	}
	pw.Wait()
	wg.Wait()
	close(got)
	seen := map[string]bool{}
	for v := range got {
		if seen[v] {
			t.Fatalf("%s delivered twice", v)
		}
		seen[v] = true
	}
	if len(seen) != total {
		t.Fatalf("delivered %d of %d", len(seen), total)
	}
}
