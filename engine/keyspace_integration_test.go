package engine_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/resptest"
)

// Keyspace and expiry over the wire, with the real clock and the node's own
// expiry loop.

// TestActiveExpiryOverRESP: a key set with PX 100 is gone (DBSIZE 0) within
// about 250 ms without anyone touching it.
func TestActiveExpiryOverRESP(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	if r := c.Do("SET", "k", "v", "PX", "100"); r != "+OK\r\n" {
		t.Fatal(r)
	}
	start := time.Now()
	for {
		r := c.Do("DBSIZE")
		if r == ":0\r\n" {
			break
		}
		if time.Since(start) > 2*time.Second {
			t.Fatalf("DBSIZE still %q after 2 s", r)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("key with PX 100 gone only after %v", d)
	}
	if r := c.Do("EXISTS", "k"); r != ":0\r\n" {
		t.Fatal(r)
	}
}

// TestKeyspaceConcurrency runs key, expiry and whole-keyspace commands from
// several connections at once (for the race detector and lock ordering).
func TestKeyspaceConcurrency(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		c := n.Dial(t)
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 300; i++ {
				a := "k" + strconv.Itoa((w*7+i)%50)
				b := "k" + strconv.Itoa((w*3+i*11)%50)
				var r string
				switch i % 12 {
				case 0:
					r = c.Do("SET", a, "v", "PX", strconv.Itoa(1+i%20))
				case 1:
					r = c.Do("RENAME", a, b)
				case 2:
					r = c.Do("COPY", a, b, "DB", strconv.Itoa(i%3), "REPLACE")
				case 3:
					r = c.Do("MOVE", a, strconv.Itoa(1+i%2))
				case 4:
					r = c.Do("SCAN", "0", "COUNT", "20")
				case 5:
					r = c.Do("EXPIRE", a, "100", "GT")
				case 6:
					r = c.Do("PERSIST", b)
				case 7:
					r = c.Do("KEYS", "k1*")
				case 8:
					r = c.Do("RANDOMKEY")
				case 9:
					r = c.Do("DBSIZE")
				case 10:
					if w == 0 && i%48 == 10 {
						r = c.Do("SWAPDB", "0", "1")
					} else {
						r = c.Do("DEL", a, b)
					}
				default:
					if w == 1 && i%96 == 11 {
						r = c.Do("FLUSHDB")
					} else {
						r = c.Do("TTL", a)
					}
				}
				if strings.HasPrefix(r, "-") && !strings.Contains(r, "no such key") && !strings.Contains(r, "are the same") {
					t.Errorf("worker %d step %d: %q", w, i, r)
					return
				}
			}
		}(w)
	}
	wg.Wait()
}
