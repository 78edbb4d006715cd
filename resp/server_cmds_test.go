package resp_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp"
	"github.com/flect-kv/flect/resp/resptest"
)

func TestMonitor(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	mon, c := n.Dial(t), n.Dial(t)
	is(t, mon, "+OK\r\n", "MONITOR")
	c.Do("SET", "k", "a \"b\"\n\x01")
	c.Do("SELECT", "2")
	c.Do("AUTH", "default", "secret")
	c.Do("CONFIG", "GET", "maxmemory") // admin: not shown
	c.Do("HELLO", "3", "AUTH", "default", "pw", "SETNAME", "x")
	c.Do("nosuchcommand") // rejected: not shown
	c.Do("PING")
	line := regexp.MustCompile(`^\+\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\] (.*)\r\n$`)
	var got []string
	for i := 0; i < 5; i++ {
		m := line.FindStringSubmatch(mon.Read())
		if m == nil {
			t.Fatalf("feed line %d malformed", i)
		}
		got = append(got, m[1]+" "+m[2])
	}
	want := []string{
		`0 "SET" "k" "a \"b\"\n\x01"`,
		`2 "SELECT" "2"`,
		`2 "AUTH" "(redacted)" "(redacted)"`,
		`2 "HELLO" "3" "AUTH" "(redacted)" "(redacted)" "SETNAME" "x"`,
		`2 "PING"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("feed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A monitor is a replica to Valkey: no keyspace access, but it may
	// leave with RESET.
	is(t, mon, "-ERR Replica can't interact with the keyspace\r\n", "GET", "k")
	if l := bulkBody(t, c.Do("CLIENT", "LIST")); !strings.Contains(l, " flags=O ") {
		t.Fatalf("monitor flag: %q", l)
	}
	is(t, mon, "+RESET\r\n", "RESET")
	is(t, mon, "$-1\r\n", "GET", "other")
	c.Do("PING")
	if got, err := mon.ReadErr(100 * time.Millisecond); err == nil {
		t.Fatalf("fed after RESET: %q", got)
	}
}

func TestMonitorClosedConnectionIsRemoved(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	for i := 0; i < 3; i++ {
		mon := resptest.Dial(t, n.Addr)
		is(t, mon, "+OK\r\n", "MONITOR")
		c.Do("PING")
		mon.Read()
	}
	is(t, c, ":0\r\n", "CLIENT", "KILL", "TYPE", "master")
	// Closing monitors ends their feed; commands keep running.
	for i := 0; i < 100; i++ {
		c.Do("INCR", "n")
	}
	is(t, c, "$3\r\n100\r\n", "GET", "n")
}

func TestSlowlog(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "+OK\r\n", "CLIENT", "SETNAME", "slowpoke")
	is(t, c, "+OK\r\n", "CONFIG", "SET", "slowlog-log-slower-than", "0")
	is(t, c, "+OK\r\n", "SLOWLOG", "RESET")
	c.Do("SET", "k", strings.Repeat("x", 200))
	args := []string{"PING"}
	for i := 0; i < 40; i++ {
		args = append(args, strconv.Itoa(i))
	}
	c.Do(args...)
	c.Do("AUTH", "default", "pw")
	// The newest first: AUTH (redacted), the trimmed PING, the trimmed SET.
	r := c.Do("SLOWLOG", "GET", "3")
	for _, want := range []string{
		"*3\r\n*6\r\n:4\r\n",
		"*3\r\n$4\r\nAUTH\r\n$10\r\n(redacted)\r\n$10\r\n(redacted)\r\n",
		"*32\r\n$4\r\nPING\r\n$1\r\n0\r\n",
		"$2\r\n29\r\n$23\r\n... (10 more arguments)\r\n",
		"$" + strconv.Itoa(128+len("... (72 more bytes)")) + "\r\n" + strings.Repeat("x", 128) + "... (72 more bytes)\r\n",
		"$8\r\nslowpoke\r\n",
	} {
		if !strings.Contains(r, want) {
			t.Errorf("SLOWLOG GET lacks %q in %q", want, r)
		}
	}
	if !regexp.MustCompile(`^\*3\r\n\*6\r\n:4\r\n:\d{10}\r\n:\d+\r\n`).MatchString(r) {
		t.Errorf("entry header: %.80q", r)
	}
	if l := c.Do("SLOWLOG", "LEN"); l == ":0\r\n" {
		t.Fatal("empty slowlog")
	}
	is(t, c, "+OK\r\n", "CONFIG", "SET", "slowlog-max-len", "2")
	c.Do("PING")
	is(t, c, ":2\r\n", "SLOWLOG", "LEN")
	if r := c.Do("SLOWLOG", "GET", "-1"); !strings.HasPrefix(r, "*2\r\n") {
		t.Fatalf("GET -1: %.40q", r)
	}
	is(t, c, "+OK\r\n", "CONFIG", "SET", "slowlog-log-slower-than", "-1")
	is(t, c, "+OK\r\n", "SLOWLOG", "RESET")
	c.Do("PING")
	is(t, c, ":0\r\n", "SLOWLOG", "LEN")
	// DEBUG SLEEP is slow enough for the default threshold.
	is(t, c, "+OK\r\n", "CONFIG", "SET", "slowlog-log-slower-than", "10000", "slowlog-max-len", "128")
	is(t, c, "+OK\r\n", "DEBUG", "SLEEP", "0.02")
	if r := c.Do("SLOWLOG", "GET"); !strings.Contains(r, "$5\r\nDEBUG\r\n$5\r\nSLEEP\r\n$4\r\n0.02\r\n") {
		t.Fatalf("DEBUG SLEEP not logged: %q", r)
	}
}

func TestDebug(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c, other := n.Dial(t), n.Dial(t)
	is(t, other, "+OK\r\n", "SET", "k", "v")
	start := time.Now()
	c.Send("DEBUG", "SLEEP", "0.2")
	time.Sleep(20 * time.Millisecond)
	// The keyspace waits for DEBUG SLEEP, as Valkey's thread does.
	is(t, other, "$1\r\nv\r\n", "GET", "k")
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("GET ran during DEBUG SLEEP (%v)", d)
	}
	if got := c.Read(); got != "+OK\r\n" {
		t.Fatal(got)
	}
	is(t, c, "+OK\r\n", "DEBUG", "SLEEP", "0")
	is(t, c, "+OK\r\n", "DEBUG", "SLEEP", "abc")
	is(t, c, "-SOMECODE some message\r\n", "DEBUG", "ERROR", "SOMECODE some message")
	is(t, c, "+OK\r\n", "DEBUG", "LOG", "hello")
	is(t, c, "-ERR unknown subcommand or wrong number of arguments for 'nosuch'. Try DEBUG HELP.\r\n", "DEBUG", "nosuch")
	is(t, c, "-ERR unknown subcommand or wrong number of arguments for 'SLEEP'. Try DEBUG HELP.\r\n", "DEBUG", "SLEEP")
	if h := c.Do("debug", "help"); !strings.HasPrefix(h, "*15\r\n+DEBUG <subcommand>") {
		t.Fatalf("DEBUG HELP: %q", h)
	}
	is(t, c, "-ERR wrong number of arguments for 'debug' command\r\n", "DEBUG")
	is(t, c, "*2\r\n$20\r\nenable-debug-command\r\n$5\r\nlocal\r\n", "CONFIG", "GET", "enable-debug-command")
}

func TestShutdown(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "-ERR No shutdown in progress.\r\n", "SHUTDOWN", "ABORT")
	is(t, c, "-ERR syntax error\r\n", "SHUTDOWN", "SAVE", "NOSAVE")
	c.Send("SHUTDOWN", "NOSAVE", "NOW")
	expectClosed(t, c)
	select {
	case <-n.Server.Done():
	case <-time.After(2 * time.Second):
		t.Fatal("Done not closed")
	}
	if f := n.Server.ShutdownRequest(); f != resp.ShutdownNoSave|resp.ShutdownNow {
		t.Fatalf("flags %v", f)
	}
}

func TestWait(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, ":0\r\n", "WAIT", "0", "0")
	start := time.Now()
	is(t, c, ":0\r\n", "WAIT", "1", "100")
	if d := time.Since(start); d < 90*time.Millisecond {
		t.Fatalf("WAIT 1 100 returned after %v", d)
	}
	// WAIT with no timeout blocks until the node stops.
	w := n.Dial(t)
	w.Send("WAIT", "1", "0")
	waitFor(t, func() bool {
		return strings.Contains(bulkBody(t, c.Do("INFO", "clients")), "blocked_clients:1\r\n")
	})
	is(t, c, ":1\r\n", "CLIENT", "KILL", "ID", clientIDOf(t, c, w))
	expectClosed(t, w)
}

// clientIDOf finds the id of conn w through admin's CLIENT LIST (w may be
// blocked).
func clientIDOf(t *testing.T, admin, w *resptest.Conn) string {
	t.Helper()
	for _, line := range strings.Split(bulkBody(t, admin.Do("CLIENT", "LIST")), "\n") {
		if strings.Contains(line, " cmd=wait ") {
			return regexp.MustCompile(`^id=(\d+)`).FindStringSubmatch(line)[1]
		}
	}
	t.Fatal("no waiting client")
	return ""
}

func TestReset(t *testing.T) {
	n := resptest.Start(t, nil, &resp.Options{RequirePass: "pw"})
	c := n.Dial(t)
	is(t, c, "+OK\r\n", "AUTH", "pw")
	c.Do("HELLO", "3", "SETNAME", "named")
	is(t, c, "+OK\r\n", "SELECT", "4")
	is(t, c, "+OK\r\n", "SET", "k", "in4")
	is(t, c, "+OK\r\n", "CLIENT", "SETINFO", "lib-name", "keepme")
	is(t, c, "+OK\r\n", "CLIENT", "NO-TOUCH", "on")
	is(t, c, "+RESET\r\n", "RESET")
	// Unauthenticated again, RESP2, DB 0, no name; the library stays.
	is(t, c, "-NOAUTH Authentication required.\r\n", "GET", "k")
	is(t, c, "+OK\r\n", "AUTH", "pw")
	is(t, c, "$-1\r\n", "GET", "k")
	is(t, c, "$-1\r\n", "CLIENT", "GETNAME")
	info := bulkBody(t, c.Do("CLIENT", "INFO"))
	for _, want := range []string{" db=0 ", " resp=2 ", " lib-name=keepme ", " flags=N "} {
		if !strings.Contains(info, want) {
			t.Errorf("after RESET lacks %q: %q", want, info)
		}
	}
}

func TestMemoryUsageAndMisc(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "+OK\r\n", "SET", "k", strings.Repeat("v", 1000))
	r := c.Do("MEMORY", "USAGE", "k")
	if v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r, ":"), "\r\n")); err != nil || v < 1000 || v > 2000 {
		t.Fatalf("MEMORY USAGE: %q", r)
	}
	is(t, c, r, "MEMORY", "USAGE", "k", "SAMPLES", "0")
	is(t, c, "$-1\r\n", "MEMORY", "USAGE", "nokey")
	is(t, c, "+OK\r\n", "MEMORY", "PURGE")
	if h := c.Do("MEMORY", "HELP"); !strings.HasPrefix(h, "*14\r\n+MEMORY <subcommand>") {
		t.Fatalf("MEMORY HELP: %q", h)
	}
	tm := c.Do("TIME")
	m := regexp.MustCompile(`^\*2\r\n\$10\r\n(\d{10})\r\n\$\d\r\n(\d{1,6})\r\n$`).FindStringSubmatch(tm)
	if m == nil {
		t.Fatalf("TIME: %q", tm)
	}
	if sec, _ := strconv.ParseInt(m[1], 10, 64); sec < time.Now().Unix()-5 || sec > time.Now().Unix()+5 {
		t.Fatalf("TIME: %q", tm)
	}
	ls := c.Do("LASTSAVE")
	if sec, _ := strconv.ParseInt(strings.TrimSuffix(ls[1:], "\r\n"), 10, 64); sec < time.Now().Unix()-60 {
		t.Fatalf("LASTSAVE: %q", ls)
	}
	is(t, c, "+OK\r\n", "FUNCTION", "FLUSH", "ASYNC")
	is(t, c, "*0\r\n", "FUNCTION", "LIST", "LIBRARYNAME", "x", "WITHCODE")
	is(t, c, "-ERR unknown subcommand 'LOAD'. Try FUNCTION HELP.\r\n", "FUNCTION", "LOAD", "x")
}

// TestMonitorOutputLimit: a MONITOR client that does not read is dropped
// at the replica class's client-output-buffer-limit.
func TestMonitorOutputLimit(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	is(t, admin, "+OK\r\n", "CONFIG", "SET", "client-output-buffer-limit", "replica 65536 0 0")
	mon := n.Dial(t)
	is(t, mon, "+OK\r\n", "MONITOR") // then never read again
	big := strings.Repeat("x", 100<<10)
	for i := 0; i < 400; i++ {
		admin.Do("SET", "k", big)
		if strings.Contains(admin.Do("INFO", "stats"), "client_output_buffer_limit_disconnections:1\r\n") {
			return
		}
	}
	t.Fatal("the MONITOR client was never disconnected")
}
