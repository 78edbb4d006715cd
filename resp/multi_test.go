package resp_test

import (
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/resptest"
)

func TestMultiExecBasics(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "+OK\r\n", "MULTI")
	is(t, c, "+QUEUED\r\n", "SET", "a", "1")
	is(t, c, "+QUEUED\r\n", "INCR", "a")
	is(t, c, "+QUEUED\r\n", "LPUSH", "a", "x")
	is(t, c, "*3\r\n+OK\r\n:2\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n", "EXEC")
	is(t, c, "-ERR EXEC without MULTI\r\n", "EXEC")
	is(t, c, "-ERR DISCARD without MULTI\r\n", "DISCARD")
	// Queuing errors abort the transaction.
	is(t, c, "+OK\r\n", "MULTI")
	is(t, c, "-ERR Command not allowed inside a transaction\r\n", "MULTI")
	is(t, c, "-ERR Command not allowed inside a transaction\r\n", "WATCH", "a")
	is(t, c, "-ERR wrong number of arguments for 'get' command\r\n", "GET")
	is(t, c, "+QUEUED\r\n", "SET", "a", "9")
	is(t, c, "-EXECABORT Transaction discarded because of previous errors.\r\n", "EXEC")
	is(t, c, "$1\r\n2\r\n", "GET", "a")
	// DISCARD drops the queue.
	is(t, c, "+OK\r\n", "MULTI")
	is(t, c, "+QUEUED\r\n", "SET", "a", "9")
	if !strings.Contains(n.Dial(t).Do("CLIENT", "LIST"), " flags=x db=0 sub=0 psub=0 ssub=0 multi=1 watch=0 ") {
		t.Fatal("no x flag inside MULTI")
	}
	is(t, c, "+OK\r\n", "DISCARD")
	is(t, c, "$1\r\n2\r\n", "GET", "a")
	// Blocking commands do not block inside a transaction.
	is(t, c, "+OK\r\n", "MULTI")
	for _, cmd := range [][]string{{"BLPOP", "l", "0"}, {"BLMOVE", "l", "m", "LEFT", "LEFT", "0"}, {"BZPOPMIN", "z", "0"}, {"BLMPOP", "0", "1", "l", "LEFT"}} {
		is(t, c, "+QUEUED\r\n", cmd...)
	}
	is(t, c, "*4\r\n*-1\r\n$-1\r\n*-1\r\n*-1\r\n", "EXEC")
	// RESET leaves the transaction.
	is(t, c, "+OK\r\n", "MULTI")
	is(t, c, "+RESET\r\n", "RESET")
	is(t, c, "-ERR EXEC without MULTI\r\n", "EXEC")
}

func TestWatch(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c, other := n.Dial(t), n.Dial(t)
	try := func(wantRan bool) {
		t.Helper()
		is(t, c, "+OK\r\n", "MULTI")
		is(t, c, "+QUEUED\r\n", "PING")
		want := "*-1\r\n"
		if wantRan {
			want = "*1\r\n+PONG\r\n"
		}
		is(t, c, want, "EXEC")
	}
	is(t, c, "+OK\r\n", "WATCH", "k")
	try(true)
	is(t, c, "+OK\r\n", "WATCH", "k", "k2")
	is(t, other, "+OK\r\n", "SET", "k", "v")
	try(false)
	// UNWATCH forgets; EXEC forgot already.
	is(t, c, "+OK\r\n", "WATCH", "k")
	is(t, c, "+OK\r\n", "UNWATCH")
	is(t, other, "+OK\r\n", "SET", "k", "v2")
	try(true)
	// A change by the client itself counts too.
	is(t, c, "+OK\r\n", "WATCH", "k")
	is(t, c, ":1\r\n", "DEL", "k")
	try(false)
	// FLUSHALL touches watched keys that exist, not missing ones.
	is(t, c, "+OK\r\n", "WATCH", "missing")
	is(t, other, "+OK\r\n", "FLUSHALL")
	try(true)
	is(t, other, "+OK\r\n", "SET", "k", "v")
	is(t, c, "+OK\r\n", "WATCH", "k")
	is(t, other, "+OK\r\n", "FLUSHDB")
	try(false)
	// SWAPDB with the key in the other database.
	is(t, other, "+OK\r\n", "SELECT", "1")
	is(t, other, "+OK\r\n", "SET", "k", "v")
	is(t, c, "+OK\r\n", "WATCH", "k")
	is(t, other, "+OK\r\n", "SWAPDB", "0", "1")
	try(false)
	// A key that expires after WATCH fails EXEC (stale keys: engine tests).
	is(t, c, "+OK\r\n", "PSETEX", "e", "30", "v")
	is(t, c, "+OK\r\n", "WATCH", "e")
	time.Sleep(50 * time.Millisecond)
	try(false)
	if !strings.Contains(c.Do("INFO", "clients"), "total_watched_keys:0\r\n") {
		t.Fatal("watched keys left after EXEC")
	}
}

func TestMultiWakesBlockedAfterExec(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	a, b := n.Dial(t), n.Dial(t)
	a.Send("BLPOP", "l", "0")
	waitBlocked(t, b, 1)
	is(t, b, "+OK\r\n", "MULTI")
	for _, v := range []string{"a", "b", "c"} {
		is(t, b, "+QUEUED\r\n", "LPUSH", "l", v)
	}
	is(t, b, "*3\r\n:1\r\n:2\r\n:3\r\n", "EXEC")
	if got := a.Read(); got != "*2\r\n$1\r\nl\r\n$1\r\nc\r\n" {
		t.Fatalf("BLPOP after EXEC: %q", got)
	}
}

// TestWatchCounterUnderContention is the optimistic-locking counter: 20
// clients each add 25 with WATCH/GET/MULTI/SET/EXEC, retrying on
// conflict; the count is exact.
func TestWatchCounterUnderContention(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	const clients, each = 20, 25
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		c := n.Dial(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for done := 0; done < each; {
				c.Do("WATCH", "counter")
				v := 0
				if r := c.Do("GET", "counter"); strings.HasPrefix(r, "$") && r != "$-1\r\n" {
					v, _ = strconv.Atoi(strings.Split(r, "\r\n")[1])
				}
				c.Do("MULTI")
				c.Do("SET", "counter", strconv.Itoa(v+1))
				if c.Do("EXEC") != "*-1\r\n" {
					done++
				}
			}
		}()
	}
	wg.Wait()
	is(t, n.Dial(t), fmt.Sprintf("$3\r\n%d\r\n", clients*each), "GET", "counter")
}

// TestMultiAtomicTransfers moves amounts between two keys in transactions
// while readers check the sum in their own transactions: no reader ever
// sees half a transfer.
func TestMultiAtomicTransfers(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	setup := n.Dial(t)
	is(t, setup, "+OK\r\n", "MSET", "a", "500", "b", "500")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := 0; i < 4; i++ {
		c := n.Dial(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 150; j++ {
				c.Do("MULTI")
				c.Do("DECRBY", "a", "7")
				c.Do("INCRBY", "b", "7")
				c.Do("EXEC")
			}
		}()
	}
	bad := make(chan string, 1)
	var rw sync.WaitGroup
	for i := 0; i < 2; i++ {
		c := n.Dial(t)
		rw.Add(1)
		go func() {
			defer rw.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c.Do("MULTI")
				c.Do("GET", "a")
				c.Do("GET", "b")
				r := strings.Split(c.Do("EXEC"), "\r\n")
				x, _ := strconv.Atoi(r[2])
				y, _ := strconv.Atoi(r[4])
				if x+y != 1000 {
					select {
					case bad <- fmt.Sprint(r):
					default:
					}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	rw.Wait()
	select {
	case r := <-bad:
		t.Fatalf("reader saw a partial transfer: %s", r)
	default:
	}
	is(t, setup, "*2\r\n$5\r\n-3700\r\n$4\r\n4700\r\n", "MGET", "a", "b")
}
