package resp_test

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/resp/resptest"
)

// infoField returns the integer field name of INFO section.
func infoInt(t *testing.T, c *resptest.Conn, section, name string) int64 {
	t.Helper()
	info := c.Do("INFO", section)
	for _, line := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				t.Fatalf("INFO %s: %q", name, line)
			}
			return n
		}
	}
	t.Fatalf("INFO %s lacks %s", section, name)
	return 0
}

// limitAbove sets maxmemory to the memory in use plus extra bytes and
// returns the limit.
func limitAbove(t *testing.T, c *resptest.Conn, extra int64) int64 {
	t.Helper()
	limit := infoInt(t, c, "memory", "used_memory") + extra
	if got := c.Do("CONFIG", "SET", "maxmemory", strconv.FormatInt(limit, 10)); got != "+OK\r\n" {
		t.Fatalf("CONFIG SET maxmemory: %q", got)
	}
	return limit
}

// fill writes n keys prefix:i with values of size bytes, pipelined, and
// returns how many writes were refused with OOM.
func fill(t *testing.T, c *resptest.Conn, prefix string, n, size int, ttl bool) (oom int) {
	t.Helper()
	val := strings.Repeat("x", size)
	const batch = 100
	for i := 0; i < n; i += batch {
		m := min(batch, n-i)
		for j := i; j < i+m; j++ {
			if ttl {
				c.Send("SET", prefix+":"+strconv.Itoa(j), val, "EX", "10000")
			} else {
				c.Send("SET", prefix+":"+strconv.Itoa(j), val)
			}
		}
		for j := 0; j < m; j++ {
			switch r := c.Read(); {
			case r == "+OK\r\n":
			case strings.HasPrefix(r, "-OOM command not allowed when used memory > 'maxmemory'."):
				oom++
			default:
				t.Fatalf("SET: %q", r)
			}
		}
	}
	return oom
}

func TestMaxmemoryNoeviction(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.Do("SET", "keep", "me")
	limit := limitAbove(t, c, 1<<20)
	if oom := fill(t, c, "k", 20000, 100, false); oom == 0 {
		t.Fatal("no OOM after writing twice maxmemory")
	}
	if used := infoInt(t, c, "memory", "used_memory"); used > limit+64<<10 {
		t.Errorf("used_memory %d passed maxmemory %d", used, limit)
	}
	// Reads and deletions still work; denyoom writes do not.
	is(t, c, "$2\r\nme\r\n", "GET", "keep")
	is(t, c, "-OOM command not allowed when used memory > 'maxmemory'.\r\n", "SET", "x", "y")
	is(t, c, "-OOM command not allowed when used memory > 'maxmemory'.\r\n", "LPUSH", "l", "y")
	is(t, c, ":1\r\n", "DEL", "keep")
	is(t, c, ":1\r\n", "EXPIRE", "k:1", "100") // not denyoom
	// A transaction queuing a denyoom command is refused whole.
	is(t, c, "+OK\r\n", "MULTI")
	is(t, c, "-OOM command not allowed when used memory > 'maxmemory'.\r\n", "SET", "x", "y")
	is(t, c, "-EXECABORT Transaction discarded because of previous errors.\r\n", "EXEC")
	if infoInt(t, c, "stats", "evicted_keys") != 0 {
		t.Error("noeviction evicted keys")
	}
	if !strings.Contains(c.Do("INFO", "memory"), "maxmemory_policy:noeviction\r\n") {
		t.Error("INFO memory: policy")
	}
	// Raising the limit lets writes in again.
	is(t, c, "+OK\r\n", "CONFIG", "SET", "maxmemory", "0")
	is(t, c, "+OK\r\n", "SET", "x", "y")
}

// TestMaxmemoryExecOOM: EXEC of a transaction whose commands were queued
// before memory ran out is refused as a whole.
func TestMaxmemoryExecOOM(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "+OK\r\n", "MULTI")
	is(t, c, "+QUEUED\r\n", "SET", "a", "b")
	other := n.Dial(t)
	limitAbove(t, other, 256<<10)
	fill(t, other, "k", 10000, 100, false)
	is(t, c, "-EXECABORT Transaction discarded because of: OOM command not allowed when used memory > 'maxmemory'.\r\n", "EXEC")
	is(t, c, "$-1\r\n", "GET", "a")
}

func TestMaxmemoryPolicies(t *testing.T) {
	for _, policy := range []string{"allkeys-lru", "allkeys-lfu", "allkeys-random", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		t.Run(policy, func(t *testing.T) {
			n := resptest.Start(t, nil, nil)
			c := n.Dial(t)
			is(t, c, "+OK\r\n", "CONFIG", "SET", "maxmemory-policy", policy)
			volatile := strings.HasPrefix(policy, "volatile")
			if volatile {
				// Persistent keys must all survive.
				fill(t, c, "persist", 500, 100, false)
			}
			limit := limitAbove(t, c, 2<<20)
			if oom := fill(t, c, "k", 40000, 200, volatile); oom != 0 {
				t.Fatalf("%d writes refused", oom)
			}
			used := infoInt(t, c, "memory", "used_memory")
			if used > limit+limit/20 {
				t.Errorf("used_memory %d, maxmemory %d", used, limit)
			}
			evicted := infoInt(t, c, "stats", "evicted_keys")
			keys := c.Do("DBSIZE")
			if evicted < 10000 {
				t.Errorf("evicted_keys %d, DBSIZE %s", evicted, keys)
			}
			if volatile {
				for i := 0; i < 500; i++ {
					if r := c.Do("EXISTS", "persist:"+strconv.Itoa(i)); r != ":1\r\n" {
						t.Fatalf("persistent key %d evicted", i)
					}
				}
			}
			t.Logf("%s: maxmemory %d, used %d, evicted %d, DBSIZE %s", policy, limit, used, evicted, strings.TrimSpace(keys))
		})
	}
}

// TestMaxmemoryVolatileNoCandidates: a volatile policy with no key to
// evict answers OOM.
func TestMaxmemoryVolatileNoCandidates(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "volatile-lru")
	limitAbove(t, c, 512<<10)
	if oom := fill(t, c, "k", 10000, 100, false); oom == 0 {
		t.Fatal("no OOM without volatile keys")
	}
}

func TestMaxmemoryLRUKeepsHotKeys(t *testing.T) {
	clock := engine.NewManualClock(time.Unix(1_700_000_000, 0))
	n := resptest.Start(t, &engine.Options{Clock: clock}, nil)
	c := n.Dial(t)
	is(t, c, "+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "allkeys-lru")
	fill(t, c, "hot", 200, 100, false)
	limitAbove(t, c, 1<<20)
	// Each round reads the hot keys, then writes cold ones a second
	// later (the LRU clock counts seconds).
	for round := 0; round < 10; round++ {
		clock.Advance(time.Second)
		for i := 0; i < 200; i++ {
			c.Send("GET", "hot:"+strconv.Itoa(i))
		}
		for i := 0; i < 200; i++ {
			c.Read()
		}
		clock.Advance(time.Second)
		fill(t, c, fmt.Sprintf("cold%d", round), 2000, 100, false)
	}
	lost := 0
	for i := 0; i < 200; i++ {
		if c.Do("EXISTS", "hot:"+strconv.Itoa(i)) != ":1\r\n" {
			lost++
		}
	}
	if lost > 10 {
		t.Errorf("%d of 200 hot keys evicted", lost)
	}
	if infoInt(t, c, "stats", "evicted_keys") < 10000 {
		t.Error("too little evicted")
	}
}

func TestEvictedEvents(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	sub := n.Dial(t)
	is(t, c, "+OK\r\n", "CONFIG", "SET", "notify-keyspace-events", "Ee")
	is(t, sub, "*3\r\n$9\r\nsubscribe\r\n$22\r\n__keyevent@0__:evicted\r\n:1\r\n", "SUBSCRIBE", "__keyevent@0__:evicted")
	is(t, c, "+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "allkeys-random")
	limitAbove(t, c, 256<<10)
	fill(t, c, "k", 5000, 100, false)
	msg := sub.Read()
	if !strings.HasPrefix(msg, "*3\r\n$7\r\nmessage\r\n$22\r\n__keyevent@0__:evicted\r\n$") || !strings.Contains(msg, "k:") {
		t.Fatalf("evicted event: %q", msg)
	}
}

func TestObjectFreqIdletimePolicies(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.Do("SET", "k", "v")
	is(t, c, "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n", "OBJECT", "FREQ", "k")
	is(t, c, ":0\r\n", "OBJECT", "IDLETIME", "k")
	is(t, c, "+OK\r\n", "CONFIG", "SET", "maxmemory-policy", "allkeys-lfu")
	is(t, c, "-ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.\r\n", "OBJECT", "IDLETIME", "k")
	c.Do("SET", "f", "v")
	for i := 0; i < 100; i++ {
		c.Do("GET", "f")
	}
	r := c.Do("OBJECT", "FREQ", "f")
	if v, _ := strconv.Atoi(strings.Trim(r, ":\r\n")); v <= 5 {
		t.Errorf("OBJECT FREQ after 100 reads: %q", r)
	}
	// NO-TOUCH reads leave the counter alone.
	is(t, c, "+OK\r\n", "CLIENT", "NO-TOUCH", "on")
	for i := 0; i < 100; i++ {
		c.Do("GET", "f")
	}
	is(t, c, r, "OBJECT", "FREQ", "f")
}

func TestMemoryStatsAndDoctor(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	fill(t, c, "k", 1000, 50, true)
	c.Do("SELECT", "3")
	c.Do("SET", "x", "y")
	st := c.Do("MEMORY", "STATS")
	if !strings.HasPrefix(st, "*66\r\n$14\r\npeak.allocated\r\n:") {
		t.Fatalf("MEMORY STATS: %.80q", st)
	}
	for _, f := range []string{"$4\r\ndb.0\r\n*4\r\n$23\r\noverhead.hashtable.main\r\n:", "$4\r\ndb.3\r\n", "$10\r\nkeys.count\r\n:1001\r\n",
		"$18\r\nkeys.bytes-per-key\r\n:", "$18\r\ndataset.percentage\r\n$", "$19\r\nfragmentation.bytes\r\n:"} {
		if !strings.Contains(st, f) {
			t.Errorf("MEMORY STATS lacks %q", f)
		}
	}
	if d := c.Do("MEMORY", "DOCTOR"); !strings.Contains(d, "Sam") {
		t.Errorf("MEMORY DOCTOR: %q", d)
	}
	is(t, c, "-ERR wrong number of arguments for 'memory|stats' command\r\n", "MEMORY", "STATS", "x")
	// MEMORY USAGE follows the accounting: a bigger value costs more.
	c.Do("SET", "small", "v")
	c.Do("SET", "big", strings.Repeat("v", 5000))
	small, _ := strconv.Atoi(strings.Trim(c.Do("MEMORY", "USAGE", "small"), ":\r\n"))
	big, _ := strconv.Atoi(strings.Trim(c.Do("MEMORY", "USAGE", "big"), ":\r\n"))
	if small <= 0 || big < small+5000 {
		t.Errorf("MEMORY USAGE small %d big %d", small, big)
	}
	is(t, c, "-ERR value is not an integer or out of range\r\n", "MEMORY", "USAGE", "big", "SAMPLES", "x")
	is(t, c, "-ERR syntax error\r\n", "MEMORY", "USAGE", "big", "SAMPLES", "-1")
	is(t, c, "-ERR syntax error\r\n", "MEMORY", "USAGE", "big", "FOO")
	info := c.Do("INFO", "memory")
	for _, f := range []string{"used_memory:", "used_memory_rss:", "used_memory_peak:", "mem_fragmentation_ratio:", "maxmemory:0\r\n"} {
		if !strings.Contains(info, f) {
			t.Errorf("INFO memory lacks %q", f)
		}
	}
	if rss := infoInt(t, c, "memory", "used_memory_rss"); rss < 1<<20 {
		t.Errorf("used_memory_rss %d", rss)
	}
}

// TestStoreQuota: a store over its quota evicts only its own keys by its
// own policy; a noeviction store answers OOM; the default namespace and
// other stores are untouched.
func TestStoreQuota(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	cache := storeConn(t, n, "cache", createStore(t, admin, "cache"))
	queue := storeConn(t, n, "queue", createStore(t, admin, "queue"))
	other := storeConn(t, n, "other", createStore(t, admin, "other"))
	fill(t, admin, "def", 1000, 100, false)
	fill(t, other, "o", 1000, 100, false)
	is(t, admin, "+OK\r\n", "FLECT.KV", "SET", "cache", "MAXMEMORY", "1mb", "POLICY", "allkeys-lru")
	is(t, admin, "+OK\r\n", "FLECT.KV", "SET", "queue", "MAXMEMORY", "1mb")
	if oom := fill(t, cache, "k", 30000, 100, false); oom != 0 {
		t.Fatalf("cache: %d OOM", oom)
	}
	if oom := fill(t, queue, "k", 30000, 100, false); oom == 0 {
		t.Fatal("queue under noeviction: no OOM")
	}
	is(t, queue, "-OOM command not allowed when used memory > 'maxmemory'.\r\n", "SET", "x", "y")
	if ev := infoInt(t, cache, "stats", "evicted_keys"); ev < 10000 {
		t.Errorf("cache evicted %d", ev)
	}
	if used := infoInt(t, cache, "memory", "used_memory"); used > 1<<20+64<<10 {
		t.Errorf("cache uses %d over a 1mb quota", used)
	}
	if ev := infoInt(t, queue, "stats", "evicted_keys"); ev != 0 {
		t.Errorf("queue evicted %d", ev)
	}
	is(t, other, ":1000\r\n", "DBSIZE")
	is(t, admin, ":1000\r\n", "DBSIZE")
	info := admin.Do("FLECT.KV", "INFO", "cache")
	if !strings.Contains(info, "evicted_keys") {
		t.Errorf("FLECT.KV INFO: %q", info)
	}
	if !strings.Contains(cache.Do("INFO", "memory"), "maxmemory:1048576\r\nmaxmemory_human:1.00M\r\nmaxmemory_policy:allkeys-lru\r\n") {
		t.Errorf("store INFO memory: %q", cache.Do("INFO", "memory"))
	}
	// Lifting the quota lets the queue write again.
	is(t, admin, "+OK\r\n", "FLECT.KV", "SET", "queue", "MAXMEMORY", "0")
	is(t, queue, "+OK\r\n", "SET", "x", "y")
}
