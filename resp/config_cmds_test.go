package resp_test

import (
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp"
	"github.com/flect-kv/flect/resp/resptest"
)

// TestValkeyHarnessPrologue runs what Valkey's Tcl test harness sends at
// the start of every test; each command must succeed.
func TestValkeyHarnessPrologue(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "+OK\r\n", "SELECT", "9")
	is(t, c, "+OK\r\n", "FUNCTION", "FLUSH")
	for _, name := range []string{"save", "list-max-ziplist-size", "set-max-intset-entries",
		"set-max-listpack-entries", "set-max-listpack-value", "zset-max-ziplist-entries",
		"zset-max-ziplist-value", "slowlog-log-slower-than"} {
		r := c.Do("CONFIG", "GET", name)
		if !strings.HasPrefix(r, "*2\r\n$"+strconv.Itoa(len(name))+"\r\n"+name+"\r\n") {
			t.Fatalf("CONFIG GET %s: %q", name, r)
		}
		value := r[strings.LastIndex(r[:len(r)-2], "\r\n")+2 : len(r)-2]
		is(t, c, "+OK\r\n", "CONFIG", "SET", name, value)
	}
	is(t, c, "+OK\r\n", "CONFIG", "SET", "save", "", "list-max-ziplist-size", "-2",
		"set-max-intset-entries", "512", "slowlog-log-slower-than", "10000")
}

func TestConfigSetProtoMaxBulkLen(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin, other := n.Dial(t), n.Dial(t)
	is(t, other, "+PONG\r\n", "PING")
	is(t, admin, "+OK\r\n", "CONFIG", "SET", "proto-max-bulk-len", "1mb")
	is(t, admin, "*2\r\n$18\r\nproto-max-bulk-len\r\n$7\r\n1048576\r\n", "CONFIG", "GET", "proto-max-bulk-len")
	if got := n.Engine.MaxBulkLen(); got != 1<<20 {
		t.Fatalf("engine limit %d", got)
	}
	// An existing connection follows for its next requests: the first
	// request after the change is read with the old limit, as it may
	// already be buffered; the one after is refused.
	is(t, other, "+PONG\r\n", "PING")
	other.WriteRaw([]byte("*2\r\n$4\r\nECHO\r\n$1048577\r\n"))
	if got := other.Read(); got != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Fatalf("got %q", got)
	}
	// New connections start with the new limit.
	c := n.Dial(t)
	c.WriteRaw([]byte("*2\r\n$4\r\nECHO\r\n$1048577\r\n"))
	if got := c.Read(); got != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Fatalf("got %q", got)
	}
	is(t, admin, "+OK\r\n", "CONFIG", "SET", "proto-max-bulk-len", "4mb")
	is(t, admin, "+PONG\r\n", "PING")
	big := strings.Repeat("b", 2<<20)
	if got := admin.Do("ECHO", big); got != "$2097152\r\n"+big+"\r\n" {
		t.Fatalf("2mb ECHO: %.40q", got)
	}
}

func TestConfigSetRequirepassAndMaxclients(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	is(t, admin, "+OK\r\n", "CONFIG", "SET", "requirepass", "s3cret")
	is(t, admin, "+PONG\r\n", "PING") // still authenticated
	c := n.Dial(t)
	is(t, c, "-NOAUTH Authentication required.\r\n", "PING")
	is(t, c, "+OK\r\n", "AUTH", "s3cret")
	is(t, admin, "*2\r\n$11\r\nrequirepass\r\n$6\r\ns3cret\r\n", "CONFIG", "GET", "requirepass")
	is(t, admin, "+OK\r\n", "CONFIG", "SET", "requirepass", "")
	is(t, n.Dial(t), "+PONG\r\n", "PING")

	is(t, admin, "+OK\r\n", "CONFIG", "SET", "maxclients", "2")
	extra := n.Dial(t)
	if got := extra.Read(); got != "-ERR max number of clients reached\r\n" {
		t.Fatalf("over maxclients: %q", got)
	}
	is(t, admin, "+OK\r\n", "CONFIG", "SET", "maxclients", "10000")
}

func TestConfigSetPort(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	// A port in use fails, and nothing changes.
	is(t, admin, "-ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs.\r\n",
		"CONFIG", "SET", "port", strconv.Itoa(port))
	ln.Close()
	is(t, admin, "+OK\r\n", "CONFIG", "SET", "port", strconv.Itoa(port))
	is(t, admin, "*2\r\n$4\r\nport\r\n$"+strconv.Itoa(len(strconv.Itoa(port)))+"\r\n"+strconv.Itoa(port)+"\r\n", "CONFIG", "GET", "port")
	c := resptest.Dial(t, "127.0.0.1:"+strconv.Itoa(port))
	is(t, c, "+PONG\r\n", "PING")
	if _, err := net.DialTimeout("tcp", n.Addr, time.Second); err == nil {
		t.Error("old port still listening")
	}
	is(t, admin, "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
		"CONFIG", "SET", "bind", "127.0.0.1 999.999.999.999")
	is(t, admin, "+OK\r\n", "CONFIG", "SET", "bind", "127.0.0.1")
}

// CONFIG SET bind takes Valkey's bind list: several addresses, "*" for
// every IPv4 address, '-' for an address the host may lack, and an empty
// list (or port 0) for no TCP listening at all.
func TestConfigSetBindList(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	port := strconv.Itoa(n.Server.Addr().(*net.TCPAddr).Port)
	local := "127.0.0.1:" + port
	reachable := func(addr string) bool {
		nc, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return false
		}
		nc.Close()
		return true
	}
	bindIs := func(want string) {
		t.Helper()
		is(t, admin, "*2\r\n$4\r\nbind\r\n$"+strconv.Itoa(len(want))+"\r\n"+want+"\r\n", "CONFIG", "GET", "bind")
	}
	// Nothing listens: new clients are refused, connected ones stay.
	is(t, admin, "+OK\r\n", "CONFIG", "SET", "bind", "")
	bindIs("")
	if reachable(local) {
		t.Fatal("bind \"\" still accepts connections")
	}
	is(t, admin, "+PONG\r\n", "PING")
	// Every IPv4 address; an IPv6 address the host lacks is skipped.
	is(t, admin, "+OK\r\n", "CONFIG", "SET", "bind", "* -2001:db8::1")
	bindIs("* -2001:db8::1")
	is(t, resptest.Dial(t, local), "+PONG\r\n", "PING")
	// Several addresses at once.
	if ln6, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		ln6.Close()
		is(t, admin, "+OK\r\n", "CONFIG", "SET", "bind", "127.0.0.1 ::1")
		is(t, resptest.Dial(t, local), "+PONG\r\n", "PING")
		is(t, resptest.Dial(t, "[::1]:"+port), "+PONG\r\n", "PING")
	}
	// A failure keeps the previous addresses.
	is(t, admin, "-ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses.\r\n",
		"CONFIG", "SET", "bind", "127.0.0.1 2001:db8::1")
	is(t, resptest.Dial(t, local), "+PONG\r\n", "PING")
	is(t, admin, "-ERR CONFIG SET failed (possibly related to argument 'bind') - Too many bind addresses specified.\r\n",
		"CONFIG", "SET", "bind", "1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17")
	// Port 0 is no TCP listening, as in Valkey.
	is(t, admin, "+OK\r\n", "CONFIG", "SET", "bind", "127.0.0.1", "port", "0")
	is(t, admin, "*2\r\n$4\r\nport\r\n$1\r\n0\r\n", "CONFIG", "GET", "port")
	if reachable(local) {
		t.Fatal("port 0 still accepts connections")
	}
	is(t, admin, "+OK\r\n", "CONFIG", "SET", "port", port)
	is(t, resptest.Dial(t, local), "+PONG\r\n", "PING")
}

func TestConfigSetTimeoutAndSlowlog(t *testing.T) {
	n := resptest.Start(t, nil, &resp.Options{})
	c := n.Dial(t)
	is(t, c, "+OK\r\n", "CONFIG", "SET", "timeout", "1")
	is(t, c, "*2\r\n$7\r\ntimeout\r\n$1\r\n1\r\n", "CONFIG", "GET", "timeout")
	idle := n.Dial(t)
	expectClosed(t, idle)
	is(t, n.Dial(t), "+OK\r\n", "CONFIG", "SET", "timeout", "0")
}

func TestConfigGetAliasesAndCase(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "+OK\r\n", "CONFIG", "SET", "zset-max-ziplist-entries", "99")
	is(t, c, "*2\r\n$25\r\nzset-max-listpack-entries\r\n$2\r\n99\r\n", "CONFIG", "GET", "zset-max-listpack-entries")
	is(t, c, "*2\r\n$24\r\nZSET-MAX-ZIPLIST-ENTRIES\r\n$2\r\n99\r\n", "CONFIG", "GET", "ZSET-MAX-ZIPLIST-ENTRIES")
	if got := n.Engine.ZSetMaxListpackEntries(); got != 99 {
		t.Fatalf("engine %d", got)
	}
	// Every name once.
	r := c.Do("CONFIG", "GET", "*", "*")
	seen := map[string]bool{}
	lines := strings.Split(r, "\r\n")
	for i := 2; i < len(lines); i += 4 {
		if seen[lines[i]] {
			t.Fatalf("%s twice", lines[i])
		}
		seen[lines[i]] = true
	}
	for _, want := range []string{"maxmemory", "zset-max-ziplist-entries", "zset-max-listpack-entries", "bind", "port", "save", "appendonly", "databases"} {
		if !seen[want] {
			t.Errorf("CONFIG GET * lacks %s", want)
		}
	}
	// RESP3: a map.
	c.Do("HELLO", "3")
	is(t, c, "%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n", "CONFIG", "GET", "maxmemory")
	is(t, c, "-ERR The server is running without a config file\r\n", "CONFIG", "REWRITE")
	help := c.Do("CONFIG", "HELP")
	if !strings.HasPrefix(help, "*11\r\n+CONFIG <subcommand>") || !strings.HasSuffix(help, "+HELP\r\n+    Print this help.\r\n") {
		t.Fatalf("CONFIG HELP: %q", help)
	}
}

// TestConfigSanity is the Valkey suite's "CONFIG sanity": every parameter
// CONFIG GET * reports, immutable ones aside, can be set to the value it
// has, and keeps it.
func TestConfigSanity(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	// Valkey's skip list, as far as flect has these parameters.
	skip := map[string]bool{"rdbchecksum": true, "daemonize": true, "cluster-enabled": true,
		"databases": true, "requirepass": true, "enable-protected-configs": true,
		"enable-debug-command": true, "dbfilename": true, "dir": true}
	get := func() map[string]string {
		r := c.Do("CONFIG", "GET", "*")
		lines := strings.Split(r, "\r\n")
		kv := map[string]string{}
		for i := 2; i+2 < len(lines); i += 4 {
			kv[lines[i]] = lines[i+2]
		}
		return kv
	}
	before := get()
	if len(before) < 40 {
		t.Fatalf("CONFIG GET *: %d parameters", len(before))
	}
	for k, v := range before {
		if skip[k] {
			continue
		}
		if r := c.Do("CONFIG", "SET", k, v); r != "+OK\r\n" {
			t.Errorf("CONFIG SET %s %q: %q", k, v, r)
		}
	}
	after := get()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: %q, then %q", k, v, after[k])
		}
	}
}

// repl-backlog-size is kept and reported in INFO replication; values
// under 16kb are raised to it (the suite's "CONFIG SET with multiple
// args" sets it with maxmemory and save).
func TestConfigReplBacklogSize(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "*2\r\n$17\r\nrepl-backlog-size\r\n$8\r\n10485760\r\n", "CONFIG", "GET", "repl-backlog-size")
	is(t, c, "+OK\r\n", "CONFIG", "SET", "maxmemory", "10000001", "repl-backlog-size", "10000002", "save", "3000 5")
	is(t, c, "*2\r\n$17\r\nrepl-backlog-size\r\n$8\r\n10000002\r\n", "CONFIG", "GET", "repl-backlog-size")
	if info := c.Do("INFO", "replication"); !strings.Contains(info, "\r\nrepl_backlog_size:10000002\r\n") {
		t.Fatalf("INFO replication: %q", info)
	}
	is(t, c, "+OK\r\n", "CONFIG", "SET", "repl-backlog-size", "100")
	is(t, c, "*2\r\n$17\r\nrepl-backlog-size\r\n$5\r\n16384\r\n", "CONFIG", "GET", "repl-backlog-size")
	is(t, c, "-ERR CONFIG SET failed (possibly related to argument 'repl-backlog-size') - argument must be between 1 and 9223372036854775807 inclusive\r\n", "CONFIG", "SET", "repl-backlog-size", "0")
	is(t, c, "-ERR CONFIG SET failed (possibly related to argument 'repl-backlog-size') - argument must be a memory value\r\n", "CONFIG", "SET", "repl-backlog-size", "-1")
	is(t, c, "+OK\r\n", "CONFIG", "SET", "repl-backlog-size", "1gb")
	is(t, c, "*2\r\n$17\r\nrepl-backlog-size\r\n$10\r\n1073741824\r\n", "CONFIG", "GET", "repl-backlog-size")
}

// CONFIG SET loglevel changes the level of the node's log handler.
func TestConfigSetLoglevel(t *testing.T) {
	lv := new(slog.LevelVar)
	n := resptest.Start(t, nil, &resp.Options{LogLevel: lv})
	c := n.Dial(t)
	is(t, c, "*2\r\n$8\r\nloglevel\r\n$6\r\nnotice\r\n", "CONFIG", "GET", "loglevel")
	is(t, c, "+OK\r\n", "CONFIG", "SET", "loglevel", "warning")
	if lv.Level() != slog.LevelWarn {
		t.Fatalf("level %v after CONFIG SET loglevel warning", lv.Level())
	}
	is(t, c, "+OK\r\n", "CONFIG", "SET", "loglevel", "debug")
	if lv.Level() != slog.LevelDebug {
		t.Fatalf("level %v after CONFIG SET loglevel debug", lv.Level())
	}
}
