package rdb_test

import (
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/resptest"
)

// RESTORE's side effects: access information from IDLETIME and FREQ,
// keyspace notifications, WATCH invalidation, field deadlines.

func TestRestoreIdleAndFreq(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.Do("SET", "src", "v")
	p := bulk(t, c.Do("DUMP", "src"))
	if r := c.Do("RESTORE", "a", "0", p, "IDLETIME", "1000"); r != "+OK\r\n" {
		t.Fatal(r)
	}
	if r := c.Do("OBJECT", "IDLETIME", "a"); r != ":1000\r\n" && r != ":1001\r\n" {
		t.Fatalf("OBJECT IDLETIME = %q", r)
	}
	// FREQ is ignored under an LRU policy, IDLETIME under an LFU one.
	c.Do("CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
	if r := c.Do("RESTORE", "b", "0", p, "FREQ", "100"); r != "+OK\r\n" {
		t.Fatal(r)
	}
	if r := c.Do("OBJECT", "FREQ", "b"); r != ":100\r\n" {
		t.Fatalf("OBJECT FREQ = %q", r)
	}
	if r := c.Do("RESTORE", "c", "0", p, "IDLETIME", "100"); r != "+OK\r\n" {
		t.Fatal(r)
	}
	if r := c.Do("OBJECT", "FREQ", "c"); r != ":5\r\n" {
		t.Fatalf("OBJECT FREQ after IDLETIME under LFU = %q", r)
	}
}

func TestRestoreNotifiesAndInvalidates(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.Do("CONFIG", "SET", "notify-keyspace-events", "KEA")
	c.Do("RPUSH", "src", "a", "b")
	p := bulk(t, c.Do("DUMP", "src"))
	sub := n.Dial(t)
	sub.Do("PSUBSCRIBE", "__keyevent@0__:*")
	c.Do("RESTORE", "k", "0", p)
	if m := sub.Read(); !strings.Contains(m, "__keyevent@0__:restore") || !strings.HasSuffix(m, "$1\r\nk\r\n") {
		t.Fatalf("notification %q", m)
	}
	// REPLACE with an already expired deadline deletes the key: "del".
	c.Do("RESTORE", "k", "1", p, "ABSTTL", "REPLACE")
	if m := sub.Read(); !strings.Contains(m, "__keyevent@0__:del") {
		t.Fatalf("notification %q", m)
	}
	if r := c.Do("EXISTS", "k"); r != ":0\r\n" {
		t.Fatalf("EXISTS = %q", r)
	}
	w := n.Dial(t)
	w.Do("WATCH", "k")
	c.Do("RESTORE", "k", "0", p)
	w.Do("MULTI")
	w.Do("GET", "x")
	if r := w.Do("EXEC"); r != "*-1\r\n" {
		t.Fatalf("EXEC after RESTORE of a watched key = %q", r)
	}
}

func TestRestoreFieldDeadlines(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.Do("HSET", "h", "f", "v", "g", "w")
	c.Do("HEXPIRE", "h", "1000", "FIELDS", "1", "f")
	p := bulk(t, c.Do("DUMP", "h"))
	if p[0] != 22 {
		t.Fatalf("type byte %d, want RDB_TYPE_HASH_2", p[0])
	}
	if r := c.Do("RESTORE", "h2", "0", p); r != "+OK\r\n" {
		t.Fatal(r)
	}
	if r := c.Do("HTTL", "h2", "FIELDS", "2", "f", "g"); r != "*2\r\n:1000\r\n:-1\r\n" {
		t.Fatalf("HTTL = %q", r)
	}
	if r := c.Do("HGETALL", "h2"); !strings.Contains(r, "$1\r\nf\r\n$1\r\nv\r\n") {
		t.Fatalf("HGETALL = %q", r)
	}
}

// TestRestoreCompressedQuicklist restores Valkey's payload of a list whose
// inner nodes are LZF-compressed (list-compress-depth).
func TestRestoreCompressedQuicklist(t *testing.T) {
	addr := startValkey(t)
	v := resptest.Dial(t, addr)
	v.Do("CONFIG", "SET", "list-compress-depth", "1")
	args := []string{"RPUSH", "k"}
	for i := range 5000 {
		args = append(args, "element-"+strings.Repeat("x", i%50))
	}
	v.Do(args...)
	p := bulk(t, v.Do("DUMP", "k"))
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.Do(args...)
	if r := c.Do("RESTORE", "k2", "0", p); r != "+OK\r\n" {
		t.Fatal(r)
	}
	if a, b := c.Do("LRANGE", "k", "0", "-1"), c.Do("LRANGE", "k2", "0", "-1"); a != b {
		t.Fatal("restored list differs")
	}
}

// TestRestoreEncodingsFollowConfig restores Valkey's payloads under
// tighter encoding limits in both servers: the encodings picked agree.
func TestRestoreEncodingsFollowConfig(t *testing.T) {
	addr := startValkey(t)
	v := resptest.Dial(t, addr)
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	long := strings.Repeat("x", 100)
	setups := [][]string{
		{"HSET", "k", "a", "1", "b", "2", "c", "3"},
		{"HSET", "k", "a", long},
		{"ZADD", "k", "1", "a", "2", "b", "3", "c"},
		{"ZADD", "k", "1", long},
		{"SADD", "k", "1", "2", "3"},
		{"SADD", "k", "a", "b", "c"},
		{"RPUSH", "k", "a", "b", "c", "d", "e"},
		{"RPUSH", "k", long, long},
	}
	limits := [][]string{
		{"hash-max-listpack-entries", "2"}, {"hash-max-listpack-value", "10"},
		{"zset-max-listpack-entries", "2"}, {"zset-max-listpack-value", "10"},
		{"set-max-intset-entries", "2"}, {"set-max-listpack-entries", "2"},
		{"list-max-listpack-size", "2"}, {"list-max-listpack-size", "-1"},
	}
	for _, setup := range setups {
		for _, lim := range limits {
			for _, s := range []*resptest.Conn{v, c} {
				s.Do("CONFIG", "SET", "hash-max-listpack-entries", "128", "hash-max-listpack-value", "64",
					"zset-max-listpack-entries", "128", "zset-max-listpack-value", "64", "set-max-intset-entries", "512",
					"set-max-listpack-entries", "128", "list-max-listpack-size", "-2")
				s.Do("DEL", "k", "k2")
			}
			v.Do(setup...)
			p := bulk(t, v.Do("DUMP", "k"))
			for _, s := range []*resptest.Conn{v, c} {
				s.Do("CONFIG", "SET", lim[0], lim[1])
				if r := s.Do("RESTORE", "k2", "0", p); r != "+OK\r\n" {
					t.Fatalf("%v under %v: %q", setup, lim, r)
				}
			}
			if a, b := c.Do("OBJECT", "ENCODING", "k2"), v.Do("OBJECT", "ENCODING", "k2"); a != b {
				t.Errorf("%v restored under %v: flect %q, valkey %q", setup, lim, a, b)
			}
		}
	}
}

// TestRestoreServesBlockedClients: a restored list serves a client
// blocked on its key, as Valkey's dbAdd signals the key ready.
func TestRestoreServesBlockedClients(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.Do("RPUSH", "src", "x")
	p := bulk(t, c.Do("DUMP", "src"))
	b := n.Dial(t)
	b.Send("BLPOP", "k", "5")
	// Wait until the client is blocked.
	for i := 0; i < 200 && !strings.Contains(c.Do("CLIENT", "LIST"), "cmd=blpop"); i++ {
		time.Sleep(5 * time.Millisecond)
	}
	c.Do("RESTORE", "k", "0", p)
	if r := b.Read(); r != "*2\r\n$1\r\nk\r\n$1\r\nx\r\n" {
		t.Fatalf("BLPOP = %q", r)
	}
}
