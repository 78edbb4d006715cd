package rdb_test

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/compat"
	"github.com/flect-kv/flect/resp/resptest"
)

// Interoperability: the same values built in flect, in Valkey 8 (the
// built valkey-server) and in Redis 7.0 are dumped by each and restored
// in the others; payloads must be byte-identical with Valkey's where the
// encoding is the same, and every restored copy must read back as the
// original.

const valkeyServer = "/work/valkey-src/src/valkey-server"

// scenario builds key k; same means Valkey's payload is byte-identical
// (no hashtable iteration order, no times in it).
type scenario struct {
	name  string
	setup [][]string
	same  bool
}

func cmds(lines ...string) [][]string {
	var out [][]string
	for _, l := range lines {
		out = append(out, strings.Fields(l))
	}
	return out
}

func bigArgs(prefix string, n int, f func(i int) []string) []string {
	out := strings.Fields(prefix)
	for i := range n {
		out = append(out, f(i)...)
	}
	return out
}

func scenarios() []scenario {
	ints := "RPUSH k 0 1 127 128 -1 -4096 4095 4096 -4097 -32768 32767 32768 -32769 8388607 8388608 -8388608 -8388609 " +
		"2147483647 2147483648 -2147483648 -2147483649 9223372036854775807 -9223372036854775808 9223372036854775808 007 -0 +1 1.5"
	big := strings.Repeat("abcdefghij", 1000)
	return []scenario{
		{"string", cmds("SET k hello"), true},
		{"string-int", cmds("SET k 12345"), true},
		{"string-int-neg", cmds("SET k -129"), true},
		{"string-int64", cmds("SET k 2147483648"), true},
		{"string-int64-min", cmds("SET k -9223372036854775808"), true},
		{"string-leading-zero", cmds("SET k 0123"), true},
		{"string-empty", [][]string{{"SET", "k", ""}}, true},
		{"string-binary", [][]string{{"SET", "k", "a\x00b\xffc\r\n"}}, true},
		{"string-lzf", [][]string{{"SET", "k", strings.Repeat("ab", 50) + "xyz" + strings.Repeat("q", 300)}}, true},
		{"string-21", [][]string{{"SET", "k", strings.Repeat("a", 21)}}, true},
		{"string-incompressible", [][]string{{"SET", "k", "The quick brown fox jumps over"}}, true},
		{"string-large", [][]string{{"SET", "k", big}}, true},
		{"string-append", cmds("SET k 1", "APPEND k 2"), true},
		{"hll", cmds("PFADD k a b c d e f g"), true},
		{"hll-dense", [][]string{bigArgs("PFADD k", 3000, func(i int) []string { return []string{"e" + strconv.Itoa(i)} })}, true},
		{"list-small", cmds("RPUSH k a b c"), true},
		{"list-ints", cmds(ints), true},
		{"list-large", [][]string{bigArgs("RPUSH k", 3000, func(i int) []string { return []string{"element-" + strconv.Itoa(i)} })}, true},
		{"list-big-element", [][]string{{"RPUSH", "k", "a", big, "b"}}, true},
		{"list-lpush", cmds("LPUSH k a b c 1 2 3"), true},
		{"set-intset", cmds("SADD k 3 1 2 -5"), true},
		{"set-intset32", cmds("SADD k 1 70000 -70000"), true},
		{"set-intset64", cmds("SADD k 1 9223372036854775807 -9223372036854775808"), true},
		{"set-listpack", cmds("SADD k a b c 1"), true},
		{"set-hashtable", [][]string{bigArgs("SADD k", 300, func(i int) []string { return []string{"m" + strconv.Itoa(i)} })}, false},
		{"set-intset-large", [][]string{bigArgs("SADD k", 600, func(i int) []string { return []string{strconv.Itoa(i * 7)} })}, false},
		{"zset-listpack", cmds("ZADD k 1 a 2.5 b -3 c 1e300 d 0 e -0 f inf g -inf h 0.1 i 1234567 j"), true},
		{"zset-skiplist", [][]string{bigArgs("ZADD k", 200, func(i int) []string { return []string{strconv.Itoa(i%17) + ".25", "m" + strconv.Itoa(i)} })}, true},
		{"zset-long-member", [][]string{{"ZADD", "k", "1", strings.Repeat("x", 100), "2", "y"}}, true},
		{"hash-listpack", cmds("HSET k f v n 12 neg -5 empty x"), true},
		{"hash-hashtable", [][]string{bigArgs("HSET k", 200, func(i int) []string { return []string{"f" + strconv.Itoa(i), "v" + strconv.Itoa(i)} })}, false},
		{"hash-long-value", [][]string{{"HSET", "k", "f", strings.Repeat("v", 100)}}, false},
		{"stream", cmds("XADD k 1-1 a 1 b 2", "XADD k 2-5 a 3 b 4", "XADD k 3-0 c 1", "XADD k 3-1 a x b y"), true},
		{"stream-deleted", cmds("XADD k 1-1 a 1", "XADD k 1-2 a 2", "XADD k 1-3 a 3", "XDEL k 1-2"), true},
		{"stream-large", [][]string{{"XADD", "k", "1-1", "f", "v"}, {"XADD", "k", "2-1", "f", "v"}}, true},
		{"stream-group", cmds("XADD k 1-1 a 1", "XADD k 2-1 a 2", "XGROUP CREATE k g 0", "XGROUP CREATE k g2 $",
			"XREADGROUP GROUP g alice COUNT 1 STREAMS k >", "XREADGROUP GROUP g bob STREAMS k >", "XGROUP CREATECONSUMER k g2 carol"), false},
		{"stream-blocks", streamBlocks(), true},
		{"list-plain-nodes", [][]string{{"CONFIG", "SET", "list-max-listpack-size", "4"}, {"RPUSH", "k", "a", strings.Repeat("b", 9000), "c", "d", "e", "f", "g"}, {"CONFIG", "SET", "list-max-listpack-size", "-2"}}, true},
		{"set-listpack-srem", cmds("SADD k a b c d 1", "SREM k b"), true},
		{"set-intset-to-listpack", cmds("SADD k 1 2 3", "SADD k x", "SREM k x"), true},
		{"hash-hdel", cmds("HSET k a 1 b 2 c 3", "HDEL k a", "HSET k a 4"), true},
		{"zset-updates", cmds("ZADD k 1 a 2 b 3 c", "ZINCRBY k 10 a", "ZREM k b"), true},
		{"list-ops", append([][]string{bigArgs("RPUSH k", 1500, func(i int) []string { return []string{"v" + strconv.Itoa(i)} })},
			cmds("LPUSH k x y z", "RPOP k 5", "LINSERT k BEFORE v700 ins", "LSET k 100 changed", "LTRIM k 3 -3", "LREM k 0 v800")...), true},
		{"list-shrink", append([][]string{bigArgs("RPUSH k", 200, func(i int) []string { return []string{"v" + strconv.Itoa(i)} })},
			cmds("LTRIM k 0 2")...), true},
		{"stream-empty-group", cmds("XADD k 1-1 a 1", "XDEL k 1-1", "XGROUP CREATE k g $"), true},
	}
}

// short abbreviates a payload for a failure message.
func short(s string) string {
	if len(s) > 300 {
		return s[:150] + "..." + s[len(s)-150:]
	}
	return s
}

// streamBlocks builds a stream of several blocks with deleted entries and
// an approximately trimmed head.
func streamBlocks() [][]string {
	var out [][]string
	for i := 1; i <= 350; i++ {
		args := []string{"XADD", "k", strconv.Itoa(i) + "-" + strconv.Itoa(i%3), "f", strconv.Itoa(i)}
		if i%7 == 0 {
			args = append(args, "g", "x")
		}
		out = append(out, args)
	}
	out = append(out, []string{"XDEL", "k", "150-0", "151-1", "152-2", "300-0"}, []string{"XTRIM", "k", "MAXLEN", "~", "200"})
	return out
}

// bulk returns the payload of a raw bulk reply.
func bulk(t *testing.T, raw string) string {
	t.Helper()
	if !strings.HasPrefix(raw, "$") {
		t.Fatalf("not a bulk reply: %q", raw)
	}
	i := strings.Index(raw, "\r\n")
	return raw[i+2 : len(raw)-2]
}

// encSep separates readBack's OBJECT ENCODING reply from the rest.
const encSep = "\x00encoding:"

// readBack returns replies describing key k in one server.
func readBack(t *testing.T, c *resptest.Conn, k string) string {
	t.Helper()
	typ := c.Do("TYPE", k)
	var parts []string
	add := func(s string) { parts = append(parts, s) }
	add(typ)
	switch typ {
	case "+string\r\n":
		// A restored string gets the encoding a new value would.
		return typ + c.Do("GET", k)
	case "+list\r\n":
		add(c.Do("LRANGE", k, "0", "-1"))
	case "+set\r\n":
		s, err := compat.SortAggregate(c.Do("SMEMBERS", k))
		if err != nil {
			t.Fatal(err)
		}
		add(s)
	case "+zset\r\n":
		add(c.Do("ZRANGE", k, "0", "-1", "WITHSCORES"))
	case "+hash\r\n":
		s, err := compat.SortAggregate(c.Do("HGETALL", k))
		if err != nil {
			t.Fatal(err)
		}
		add(s)
	case "+stream\r\n":
		add(c.Do("XRANGE", k, "-", "+"))
		add(c.Do("XLEN", k))
		info := c.Do("XINFO", "GROUPS", k)
		add(info)
		if strings.Contains(info, "\r\ng\r\n") {
			add(c.Do("XPENDING", k, "g"))
		}
	}
	add(encSep + c.Do("OBJECT", "ENCODING", k))
	return strings.Join(parts, "")
}

func run(t *testing.T, c *resptest.Conn, setup [][]string) {
	t.Helper()
	c.Do("FLUSHALL")
	for _, args := range setup {
		if r := c.Do(args...); strings.HasPrefix(r, "-") {
			t.Fatalf("%v: %q", args, r)
		}
	}
}

// startValkey runs the built valkey-server on a free 75NN port.
func startValkey(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(valkeyServer); err != nil {
		t.Skip("valkey-server not built")
	}
	for port := 7540; port < 7600; port++ {
		addr := "127.0.0.1:" + strconv.Itoa(port)
		if l, err := net.Listen("tcp", addr); err != nil {
			continue
		} else {
			l.Close()
		}
		cmd := exec.Command(valkeyServer, "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "",
			"--appendonly", "no", "--dir", t.TempDir(), "--logfile", "", "--loglevel", "warning")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		for i := 0; i < 200; i++ {
			if nc, err := net.Dial("tcp", addr); err == nil {
				nc.Close()
				return addr
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Fatalf("valkey-server on %s did not start", addr)
	}
	t.Skip("no free port for valkey-server")
	return ""
}

func restore(t *testing.T, c *resptest.Conn, key, payload string) {
	t.Helper()
	if r := c.Do("RESTORE", key, "0", payload); r != "+OK\r\n" {
		t.Fatalf("RESTORE %s: %q (payload %q)", key, r, short(payload))
	}
}

func TestDumpRoundTrip(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			run(t, c, sc.setup)
			d := bulk(t, c.Do("DUMP", "k"))
			restore(t, c, "k2", d)
			if a, b := readBack(t, c, "k"), readBack(t, c, "k2"); a != b {
				t.Fatalf("restored copy differs:\n%q\n%q", short(a), short(b))
			}
			if sc.same {
				if d2 := bulk(t, c.Do("DUMP", "k2")); d2 != d {
					t.Fatalf("dump of the restored copy differs:\n%q\n%q", short(d), short(d2))
				}
			}
		})
	}
}

func TestDumpValkeyInterop(t *testing.T) {
	addr := startValkey(t)
	v := resptest.Dial(t, addr)
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			run(t, c, sc.setup)
			run(t, v, sc.setup)
			df := bulk(t, c.Do("DUMP", "k"))
			dv := bulk(t, v.Do("DUMP", "k"))
			if sc.same && df != dv {
				t.Fatalf("payloads differ:\nflect  %q\nvalkey %q", short(df), short(dv))
			}
			restore(t, c, "k3", dv)
			if a, b := readBack(t, c, "k"), readBack(t, c, "k3"); a != b {
				t.Fatalf("valkey's payload restored in flect differs:\n%q\n%q", short(a), short(b))
			}
			restore(t, v, "k3", df)
			if a, b := c.Do("OBJECT", "ENCODING", "k3"), v.Do("OBJECT", "ENCODING", "k3"); a != b {
				t.Fatalf("restored encodings differ: flect %q, valkey %q", a, b)
			}
			if a, b := readBack(t, v, "k"), readBack(t, v, "k3"); a != b {
				t.Fatalf("flect's payload restored in valkey differs:\n%q\n%q", short(a), short(b))
			}
			if sc.same {
				// Valkey agrees on the digest of the restored copy.
				if a, b := v.Do("DEBUG", "DIGEST-VALUE", "k"), v.Do("DEBUG", "DIGEST-VALUE", "k3"); a != b {
					t.Fatalf("digest %q != %q", a, b)
				}
			}
		})
	}
}

func TestDumpRedis7Interop(t *testing.T) {
	rs, err := compat.StartRedis(t)
	if err != nil {
		t.Skip(err)
	}
	r := resptest.Dial(t, rs.Addr)
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	for _, sc := range scenarios() {
		t.Run(sc.name, func(t *testing.T) {
			run(t, c, sc.setup)
			run(t, r, sc.setup)
			dr := bulk(t, r.Do("DUMP", "k"))
			restore(t, c, "k4", dr)
			// Redis 7.0 has no listpack sets: the encodings may differ.
			a, b := readBack(t, c, "k"), readBack(t, c, "k4")
			a, _, _ = strings.Cut(a, encSep)
			b, _, _ = strings.Cut(b, encSep)
			if a != b {
				t.Fatalf("redis 7's payload restored in flect differs:\n%q\n%q", short(a), short(b))
			}
			// Redis 7.0 writes RDB version 10 and refuses Valkey's 11.
			df := bulk(t, c.Do("DUMP", "k"))
			if got := r.Do("RESTORE", "k5", "0", df); got != "-ERR DUMP payload version or checksum are wrong\r\n" {
				t.Fatalf("redis 7 restoring a version 11 payload: %q", got)
			}
			if dr[len(dr)-10] != 10 || df[len(df)-10] != 11 {
				t.Fatalf("versions %d %d", dr[len(dr)-10], df[len(df)-10])
			}
			_ = bytes.Equal
			_ = fmt.Sprint
		})
	}
}
