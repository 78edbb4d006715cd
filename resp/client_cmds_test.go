package resp_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/resptest"
)

// is sends a command and fails unless the raw reply is want.
func is(t *testing.T, c *resptest.Conn, want string, args ...string) {
	t.Helper()
	if got := c.Do(args...); got != want {
		t.Fatalf("%q: got %q, want %q", args, got, want)
	}
}

// bulkBody returns the payload of a bulk or verbatim reply.
func bulkBody(t *testing.T, reply string) string {
	t.Helper()
	i := strings.Index(reply, "\r\n")
	if i < 0 || (reply[0] != '$' && reply[0] != '=') {
		t.Fatalf("not a bulk reply: %q", reply)
	}
	body := reply[i+2 : len(reply)-2]
	if reply[0] == '=' {
		body = body[4:]
	}
	return body
}

func clientID(t *testing.T, c *resptest.Conn) string {
	t.Helper()
	r := c.Do("CLIENT", "ID")
	return strings.TrimSuffix(strings.TrimPrefix(r, ":"), "\r\n")
}

// clientInfoRE is Valkey 8's client info line, field by field.
var clientInfoRE = regexp.MustCompile(`^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name=\S* age=\d+ idle=\d+ flags=[A-Za-z]+ db=\d+ sub=0 psub=0 ssub=0 multi=-1 watch=0 qbuf=\d+ qbuf-free=\d+ argv-mem=\d+ multi-mem=0 rbs=\d+ rbp=\d+ obl=0 oll=0 omem=0 tot-mem=\d+ events=r cmd=\S+ user=default redir=-1 resp=[23] lib-name=\S* lib-ver=\S* tot-net-in=\d+ tot-net-out=\d+ tot-cmds=\d+$`)

func TestClientInfoAndList(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	a, b := n.Dial(t), n.Dial(t)
	idA, idB := clientID(t, a), clientID(t, b)
	is(t, a, "+OK\r\n", "CLIENT", "SETNAME", "alpha")
	is(t, a, "$5\r\nalpha\r\n", "CLIENT", "GETNAME")
	is(t, a, "+OK\r\n", "CLIENT", "SETINFO", "LIB-NAME", "go-test")
	is(t, a, "+OK\r\n", "CLIENT", "SETINFO", "lib-ver", "1.0")
	is(t, a, "+OK\r\n", "SELECT", "3")
	info := bulkBody(t, a.Do("CLIENT", "INFO"))
	if !strings.HasSuffix(info, "\n") {
		t.Fatalf("no trailing newline: %q", info)
	}
	line := strings.TrimSuffix(info, "\n")
	if !clientInfoRE.MatchString(line) {
		t.Fatalf("CLIENT INFO line: %q", line)
	}
	for _, want := range []string{"id=" + idA + " ", " name=alpha ", " db=3 ", " cmd=client|info ", " lib-name=go-test ", " lib-ver=1.0 ", " flags=N ", " argv-mem=10 ", " qbuf=0 qbuf-free=0 "} {
		if !strings.Contains(line, want) {
			t.Errorf("CLIENT INFO lacks %q: %q", want, line)
		}
	}
	list := bulkBody(t, b.Do("CLIENT", "LIST"))
	lines := strings.Split(strings.TrimSuffix(list, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("CLIENT LIST: %q", list)
	}
	// Ordered by id; the other connection shows its last command.
	ids := regexp.MustCompile(`(?m)^id=(\d+) `).FindAllStringSubmatch(list, -1)
	if a, b := ids[0][1], ids[1][1]; len(a) > len(b) || (len(a) == len(b) && a > b) {
		t.Fatalf("order: %q", list)
	}
	lineA := lines[0]
	if !strings.HasPrefix(lineA, "id="+idA+" ") {
		lineA = lines[1]
	}
	for _, l := range lines {
		if !clientInfoRE.MatchString(l) {
			t.Errorf("CLIENT LIST line: %q", l)
		}
	}
	if !strings.HasPrefix(lineA, "id="+idA+" ") || !strings.Contains(lineA, " cmd=client|info ") || !strings.Contains(lineA, " argv-mem=0 ") {
		t.Errorf("other client: %q", lineA)
	}
	_ = idB
	one := bulkBody(t, b.Do("CLIENT", "LIST", "ID", idA, "999999"))
	if !strings.HasPrefix(one, "id="+idA+" ") || strings.Count(one, "\n") != 1 {
		t.Fatalf("CLIENT LIST ID: %q", one)
	}
	if got := bulkBody(t, b.Do("CLIENT", "LIST", "TYPE", "normal")); strings.Count(got, "\n") != 2 {
		t.Fatalf("TYPE normal: %q", got)
	}
	is(t, b, "$0\r\n\r\n", "CLIENT", "LIST", "TYPE", "replica")
}

// A request read alone leaves an empty query buffer, as Valkey's shared
// query buffer does; requests pipelined behind it are reported in qbuf.
func TestClientInfoQueryBuffer(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	if line := bulkBody(t, c.Do("CLIENT", "INFO")); !strings.Contains(line, " qbuf=0 qbuf-free=0 argv-mem=10 ") {
		t.Fatalf("lone request: %q", line)
	}
	c.WriteRaw(append(resptest.Encode("CLIENT", "INFO"), resptest.Encode("PING")...))
	line := bulkBody(t, c.Read())
	// 26 bytes of CLIENT INFO and the 14 of PING behind it.
	if !strings.Contains(line, " qbuf=40 ") || strings.Contains(line, " qbuf-free=0 ") {
		t.Fatalf("pipelined request: %q", line)
	}
	if got := c.Read(); got != "+PONG\r\n" {
		t.Fatalf("PING: %q", got)
	}
	// Another connection with part of a request received shows it; idle,
	// it shows an empty query buffer.
	other := n.Dial(t)
	id := clientID(t, other)
	line = bulkBody(t, c.Do("CLIENT", "LIST", "ID", id))
	if !strings.Contains(line, " qbuf=0 qbuf-free=0 ") {
		t.Fatalf("idle connection: %q", line)
	}
	other.WriteRaw([]byte("*3\r\n$3\r\nset\r\n$2\r\na"))
	want := regexp.MustCompile(` qbuf=18 qbuf-free=[1-9]\d* `)
	deadline := time.Now().Add(5 * time.Second)
	for !want.MatchString(line) {
		if time.Now().After(deadline) {
			t.Fatalf("partial request: %q", line)
		}
		time.Sleep(10 * time.Millisecond)
		line = bulkBody(t, c.Do("CLIENT", "LIST", "ID", id))
	}
	other.WriteRaw([]byte("a\r\n$1\r\nb\r\n"))
	if got := other.Read(); got != "+OK\r\n" {
		t.Fatalf("completed request: %q", got)
	}
}

func TestClientSetinfoValidation(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "-ERR lib-name cannot contain spaces, newlines or special characters.\r\n", "CLIENT", "SETINFO", "lib-name", "a b")
	is(t, c, "-ERR Unrecognized option 'x'\r\n", "CLIENT", "SETINFO", "x", "y")
	is(t, c, "+OK\r\n", "CLIENT", "SETINFO", "lib-name", "n")
	is(t, c, "+OK\r\n", "CLIENT", "SETINFO", "lib-name", "")
	if line := bulkBody(t, c.Do("CLIENT", "INFO")); !strings.Contains(line, " lib-name= ") {
		t.Fatalf("lib-name not cleared: %q", line)
	}
	is(t, c, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n", "CLIENT", "SETNAME", "a\x01")
}

func TestClientVerbatimRESP3(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.Do("HELLO", "3")
	r := c.Do("CLIENT", "INFO")
	if !strings.HasPrefix(r, "=") || !strings.Contains(r, "\r\ntxt:id=") || !strings.Contains(r, " resp=3 ") {
		t.Fatalf("CLIENT INFO in RESP3: %q", r)
	}
}

func TestClientKill(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin, victim, other := n.Dial(t), n.Dial(t), n.Dial(t)
	idV := clientID(t, victim)
	clientID(t, other)
	is(t, admin, ":1\r\n", "CLIENT", "KILL", "ID", idV)
	expectClosed(t, victim)
	// SKIPME yes (the default) spares the caller; MAXAGE spares young ones.
	is(t, admin, ":0\r\n", "CLIENT", "KILL", "ID", clientID(t, admin))
	is(t, admin, ":0\r\n", "CLIENT", "KILL", "MAXAGE", "1000")
	// The old form by address.
	line := bulkBody(t, other.Do("CLIENT", "INFO"))
	addr := regexp.MustCompile(`addr=(\S+)`).FindStringSubmatch(line)[1]
	is(t, admin, "+OK\r\n", "CLIENT", "KILL", addr)
	expectClosed(t, other)
	// The killed session leaves the client list once its goroutine has
	// ended, which may be just after the client sees the connection close.
	for i := 0; ; i++ {
		got := admin.Do("CLIENT", "KILL", addr)
		if got == "-ERR No such client\r\n" {
			break
		}
		if i == 100 {
			t.Fatalf("CLIENT KILL of a killed client: %q", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Killing oneself: the reply comes, then the connection closes.
	selfLine := bulkBody(t, admin.Do("CLIENT", "INFO"))
	selfAddr := regexp.MustCompile(`addr=(\S+)`).FindStringSubmatch(selfLine)[1]
	is(t, admin, ":1\r\n", "CLIENT", "KILL", "ADDR", selfAddr, "SKIPME", "no")
	expectClosed(t, admin)
}

func TestClientNoEvictNoTouchFlags(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "+OK\r\n", "CLIENT", "NO-EVICT", "on")
	is(t, c, "+OK\r\n", "CLIENT", "NO-TOUCH", "ON")
	if line := bulkBody(t, c.Do("CLIENT", "INFO")); !strings.Contains(line, " flags=eT ") {
		t.Fatalf("flags: %q", line)
	}
	is(t, c, "+OK\r\n", "CLIENT", "NO-EVICT", "off")
	if line := bulkBody(t, c.Do("CLIENT", "INFO")); !strings.Contains(line, " flags=T ") {
		t.Fatalf("flags: %q", line)
	}
	is(t, c, "+RESET\r\n", "RESET")
	if line := bulkBody(t, c.Do("CLIENT", "INFO")); !strings.Contains(line, " flags=N ") {
		t.Fatalf("flags after RESET: %q", line)
	}
}

func TestClientReply(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	// OFF: nothing until ON, whose +OK is the next reply.
	c.Send("CLIENT", "REPLY", "OFF")
	c.Send("SET", "k", "1")
	c.Send("INCR", "k")
	c.Send("NOSUCHCOMMAND")
	c.Send("CLIENT", "REPLY", "ON")
	is(t, c, "+OK\r\n", "PING")
	if got := c.Read(); got != "+PONG\r\n" {
		t.Fatalf("after ON: %q", got)
	}
	is(t, c, "$1\r\n2\r\n", "GET", "k")
	// SKIP drops exactly the next command's reply.
	c.Send("CLIENT", "REPLY", "SKIP")
	c.Send("INCR", "k")
	is(t, c, ":4\r\n", "INCR", "k")
	// SKIP while OFF changes nothing.
	c.Send("CLIENT", "REPLY", "OFF")
	c.Send("CLIENT", "REPLY", "SKIP")
	c.Send("INCR", "k")
	c.Send("CLIENT", "REPLY", "ON")
	if got := c.Read(); got != "+OK\r\n" {
		t.Fatalf("ON after OFF+SKIP: %q", got)
	}
	is(t, c, "$1\r\n5\r\n", "GET", "k")
	is(t, c, "-ERR syntax error\r\n", "CLIENT", "REPLY", "maybe")
	// RESET turns replies back on.
	c.Send("CLIENT", "REPLY", "OFF")
	is(t, c, "+RESET\r\n", "RESET")
}

func TestClientPause(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin, client := n.Dial(t), n.Dial(t)
	is(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "100000", "WRITE")
	// Reads run; writes wait.
	is(t, client, "$-1\r\n", "GET", "k")
	is(t, client, "+PONG\r\n", "PING")
	client.Send("SET", "k", "v")
	if got, err := client.ReadErr(150 * time.Millisecond); err == nil {
		t.Fatalf("write ran during pause: %q", got)
	}
	waitFor(t, func() bool {
		return strings.Contains(bulkBody(t, admin.Do("INFO", "clients")), "blocked_clients:1\r\n")
	})
	if line := bulkBody(t, admin.Do("CLIENT", "LIST", "ID", clientID(t, admin))); !strings.Contains(line, "flags=N") {
		t.Fatalf("admin flags: %q", line)
	}
	is(t, admin, "+OK\r\n", "CLIENT", "UNPAUSE")
	if got := client.Read(); got != "+OK\r\n" {
		t.Fatalf("after unpause: %q", got)
	}
	is(t, admin, "$1\r\nv\r\n", "GET", "k")
	// A pause ends by itself.
	start := time.Now()
	is(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "200", "ALL")
	is(t, client, "+PONG\r\n", "PING")
	if d := time.Since(start); d < 150*time.Millisecond {
		t.Fatalf("PING during PAUSE ALL ran after %v", d)
	}
	// A shorter pause does not cut a longer one short.
	is(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "60000", "WRITE")
	is(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "10", "WRITE")
	client.Send("DEL", "k")
	if got, err := client.ReadErr(100 * time.Millisecond); err == nil {
		t.Fatalf("write ran: %q", got)
	}
	is(t, admin, "+OK\r\n", "CLIENT", "UNPAUSE")
	if got := client.Read(); got != ":1\r\n" {
		t.Fatalf("after unpause: %q", got)
	}
}

// waitFor polls cond for up to two seconds.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestClientKillEndsPauseWait(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin, client := n.Dial(t), n.Dial(t)
	id := clientID(t, client)
	is(t, admin, "+OK\r\n", "CLIENT", "PAUSE", "100000", "WRITE")
	client.Send("SET", "k", "v")
	waitFor(t, func() bool {
		return strings.Contains(bulkBody(t, admin.Do("INFO", "clients")), "blocked_clients:1\r\n")
	})
	if line := bulkBody(t, admin.Do("CLIENT", "LIST", "ID", id)); !strings.Contains(line, " flags=b ") {
		t.Fatalf("blocked client flags: %q", line)
	}
	is(t, admin, ":1\r\n", "CLIENT", "KILL", "ID", id)
	expectClosed(t, client)
	waitFor(t, func() bool {
		return strings.Contains(bulkBody(t, admin.Do("INFO", "clients")), "blocked_clients:0\r\n")
	})
	is(t, admin, "+OK\r\n", "CLIENT", "UNPAUSE")
	// The killed client's write never ran.
	is(t, admin, "$-1\r\n", "GET", "k")
}

// CLIENT PAUSE holds back expiry, as in Valkey: an expired key reads as
// missing but is not deleted, and expired_keys does not move, until the
// pause ends.
func TestClientPauseHoldsExpiry(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "+OK\r\n", "SET", "k", "v", "PX", "50")
	is(t, c, "+OK\r\n", "CLIENT", "PAUSE", "100000", "WRITE")
	time.Sleep(150 * time.Millisecond)
	is(t, c, "$-1\r\n", "GET", "k")
	if got := n.Server.Node().Default().DB(0).Len(); got != 1 {
		t.Fatalf("key deleted during the pause: DBSIZE %d", got)
	}
	if !strings.Contains(bulkBody(t, c.Do("INFO", "stats")), "\r\nexpired_keys:0\r\n") {
		t.Fatal("expired_keys moved during the pause")
	}
	is(t, c, "+OK\r\n", "CLIENT", "UNPAUSE")
	deadline := time.Now().Add(2 * time.Second)
	for n.Server.Node().Default().DB(0).Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("expired key not deleted after UNPAUSE")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
