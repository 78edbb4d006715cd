package resp_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/resptest"
)

// slowlogArgs returns the first argument of each SLOWLOG GET entry, in
// the log's order (newest first), and the entries' ids.
func slowlogArgs(t *testing.T, reply string) (names []string, ids []int64) {
	t.Helper()
	// Each entry: *6 :id :unix :usec *argc $len arg ...
	re := regexp.MustCompile(`\*6\r\n:(\d+)\r\n:\d+\r\n:\d+\r\n\*\d+\r\n\$\d+\r\n([^\r]*)\r\n`)
	for _, m := range re.FindAllStringSubmatch(reply, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
		names = append(names, m[2])
	}
	return names, ids
}

// TestStoreSlowlog: each namespace has its own slow log, numbered from 0;
// a store's client reads and resets its store's only.
func TestStoreSlowlog(t *testing.T) {
	_, admin, a, b, _, _ := twoStores(t)
	admin.Do("CONFIG", "SET", "slowlog-log-slower-than", "0")
	a.Do("SET", "from-a", "1")
	b.Do("SET", "from-b", "1")
	admin.Do("SET", "from-default", "1")

	names, ids := slowlogArgs(t, a.Do("SLOWLOG", "GET", "-1"))
	if strings.Join(names, ",") != "SET" || len(ids) != 1 || ids[0] != 0 {
		t.Fatalf("a's slow log: %v %v", names, ids)
	}
	if got := a.Do("SLOWLOG", "GET", "-1"); !strings.Contains(got, "from-a") || strings.Contains(got, "from-b") || strings.Contains(got, "from-default") {
		t.Fatalf("a's slow log: %q", got)
	}
	if got := b.Do("SLOWLOG", "GET", "-1"); !strings.Contains(got, "from-b") || strings.Contains(got, "from-a") || strings.Contains(got, "from-default") {
		t.Fatalf("b's slow log: %q", got)
	}
	def := admin.Do("SLOWLOG", "GET", "-1")
	if !strings.Contains(def, "from-default") || strings.Contains(def, "from-a") || strings.Contains(def, "from-b") {
		t.Fatalf("default slow log: %q", def)
	}
	// a: SET, SLOWLOG GET, SLOWLOG GET.
	if got := a.Do("SLOWLOG", "LEN"); got != ":3\r\n" {
		t.Fatalf("a's SLOWLOG LEN: %q", got)
	}
	if got := a.Do("SLOWLOG", "RESET"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := a.Do("SLOWLOG", "GET"); got != "*1\r\n" && !strings.HasPrefix(got, "*1\r\n*6\r\n") {
		t.Fatalf("a after RESET: %q", got) // only the RESET itself
	}
	names, _ = slowlogArgs(t, a.Do("SLOWLOG", "GET"))
	if len(names) != 2 || names[1] != "SLOWLOG" {
		t.Fatalf("a after RESET: %v", names)
	}
	if got := b.Do("SLOWLOG", "LEN"); got != ":2\r\n" { // SET, SLOWLOG GET
		t.Fatalf("b's log after a's RESET: %q", got)
	}
	if got := admin.Do("SLOWLOG", "LEN"); got == ":0\r\n" {
		t.Fatalf("default log after a's RESET: %q", got)
	}
	// slowlog-max-len is the node's and trims every log.
	admin.Do("CONFIG", "SET", "slowlog-max-len", "1")
	for _, c := range []*resptest.Conn{a, b, admin} {
		if got := c.Do("SLOWLOG", "LEN"); got != ":1\r\n" {
			t.Fatalf("SLOWLOG LEN after slowlog-max-len 1: %q", got)
		}
	}
	if got := b.Do("CONFIG", "SET", "slowlog-max-len", "5"); got != "-NOPERM User b has no permissions to run the 'config|set' command\r\n" {
		t.Fatalf("store's CONFIG SET: %q", got)
	}
}

// TestStoreMonitor: a store's MONITOR sees its own store's commands only;
// the default namespace's sees the default namespace's.
func TestStoreMonitor(t *testing.T) {
	n, admin, a, b, sa, sb := twoStores(t)
	monA := storeConn(t, n, "a", sa)
	if got := monA.Do("MONITOR"); got != "+OK\r\n" {
		t.Fatalf("store MONITOR: %q", got)
	}
	monDef := n.Dial(t)
	monDef.Do("MONITOR")
	b.Do("SET", "k", "from-b")
	admin.Do("SET", "k", "from-default")
	a.Do("SET", "k", "from-a")
	if got := monA.Read(); !strings.HasSuffix(got, `"SET" "k" "from-a"`+"\r\n") {
		t.Fatalf("a's monitor: %q", got)
	}
	if got := monDef.Read(); !strings.HasSuffix(got, `"SET" "k" "from-default"`+"\r\n") {
		t.Fatalf("default monitor: %q", got)
	}
	for _, m := range []*resptest.Conn{monA, monDef} {
		if got, err := m.ReadErr(100 * time.Millisecond); err == nil {
			t.Fatalf("monitor got more: %q", got)
		}
	}
	// A monitor is a replica: no keyspace access, in a store too.
	if got := monA.Do("GET", "k"); got != "-ERR Replica can't interact with the keyspace\r\n" {
		t.Fatalf("monitor's GET: %q", got)
	}
	// A monitor that authenticates into another store follows it.
	// Its own AUTH is fed to b's monitors, itself included (as Valkey
	// feeds a monitor its own commands), secrets redacted; the feed and
	// the reply travel on different paths and may come in either order.
	first := monA.Do("AUTH", "b", sb)
	second := monA.Read()
	if first != "+OK\r\n" {
		first, second = second, first
	}
	if first != "+OK\r\n" || !strings.HasSuffix(second, `"AUTH" "(redacted)" "(redacted)"`+"\r\n") {
		t.Fatalf("monitor's AUTH: reply and feed %q, %q", first, second)
	}
	a.Do("SET", "k", "from-a-2")
	b.Do("SET", "k", "from-b-2")
	if got := monA.Read(); !strings.HasSuffix(got, `"SET" "k" "from-b-2"`+"\r\n") {
		t.Fatalf("monitor moved to b: %q", got)
	}
	if got, err := monA.ReadErr(100 * time.Millisecond); err == nil {
		t.Fatalf("monitor got more: %q", got)
	}
}

// TestStorePause: a store's CLIENT PAUSE holds back its own connections
// and the expiry of its own keys only.
func TestStorePause(t *testing.T) {
	n, admin, a, b, sa, _ := twoStores(t)
	a2 := storeConn(t, n, "a", sa)
	for _, c := range []*resptest.Conn{a, b} {
		c.Do("SET", "k", "v")
		c.Do("SET", "tmp", "v", "PX", "60")
	}
	if got := a.Do("CLIENT", "PAUSE", "400", "WRITE"); got != "+OK\r\n" {
		t.Fatalf("store CLIENT PAUSE: %q", got)
	}
	start := time.Now()
	// Reads of a go on; other namespaces are not paused at all.
	for _, c := range []*resptest.Conn{a2, b, admin} {
		if got := c.Do("GET", "k"); c != admin && got != "$1\r\nv\r\n" || c == admin && got != "$-1\r\n" {
			t.Fatalf("GET under a's PAUSE WRITE: %q", got)
		}
	}
	if got := b.Do("SET", "k", "w"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := admin.Do("SET", "k", "d"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if d := time.Since(start); d > 200*time.Millisecond {
		t.Fatalf("other namespaces waited %v", d)
	}
	time.Sleep(120 * time.Millisecond)
	// tmp expired in both; a holds its expired key back (reads miss it,
	// DBSIZE still counts it), b deletes it.
	for i, c := range []*resptest.Conn{a2, b} {
		if got := c.Do("GET", "tmp"); got != "$-1\r\n" {
			t.Fatalf("store %d GET of an expired key: %q", i, got)
		}
	}
	if got := a2.Do("DBSIZE"); got != ":2\r\n" {
		t.Fatalf("a's DBSIZE under pause: %q", got)
	}
	if got := b.Do("DBSIZE"); got != ":1\r\n" {
		t.Fatalf("b's DBSIZE: %q", got)
	}
	// A write of a waits for the pause's end.
	a2.Send("SET", "k", "after")
	if got, err := a2.ReadErr(100 * time.Millisecond); err == nil {
		t.Fatalf("a's SET ran under its store's pause: %q", got)
	}
	if got := a2.Read(); got != "+OK\r\n" || time.Since(start) < 350*time.Millisecond {
		t.Fatalf("a's SET: %q after %v", got, time.Since(start))
	}
	a2.Do("GET", "tmp")
	if got := a2.Do("DBSIZE"); got != ":1\r\n" {
		t.Fatalf("a's DBSIZE after the pause: %q", got)
	}

	// CLIENT UNPAUSE from the store releases its writers.
	a.Do("CLIENT", "PAUSE", "5000", "WRITE")
	a2.Send("SET", "k", "again")
	if got, err := a2.ReadErr(100 * time.Millisecond); err == nil {
		t.Fatalf("a's SET ran under PAUSE WRITE: %q", got)
	}
	if got := a.Do("CLIENT", "UNPAUSE"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got, err := a2.ReadErr(time.Second); err != nil || got != "+OK\r\n" {
		t.Fatalf("a's SET after UNPAUSE: %q %v", got, err)
	}

	// PAUSE ALL holds every command of the store, the pausing client's
	// too, as in Valkey; the admin's CLIENT UNPAUSE is the node's and
	// leaves the store's pause alone.
	a.Do("CLIENT", "PAUSE", "5000", "ALL")
	a2.Send("PING")
	if got, err := a2.ReadErr(100 * time.Millisecond); err == nil {
		t.Fatalf("a's PING ran under PAUSE ALL: %q", got)
	}
	if got := b.Do("PING"); got != "+PONG\r\n" {
		t.Fatal(got)
	}
	admin.Do("CLIENT", "UNPAUSE")
	if got, err := a2.ReadErr(100 * time.Millisecond); err == nil {
		t.Fatalf("a's PING ran after the node's UNPAUSE: %q", got)
	}
	// Deleting a paused store ends its pause and closes its clients.
	if got := admin.Do("FLECT.KV", "DELETE", "a"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got, err := a2.ReadErr(time.Second); err == nil {
		t.Fatalf("client of the deleted store: %q", got)
	}
	if got := b.Do("SET", "x", "1"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if n.Server.Stores().Get("a") != nil {
		t.Fatal("store a still there")
	}
}

// TestStoreFigures: INFO's ops/s of a store's client, and FLECT.KV INFO
// and LIST, are the store's own.
func TestStoreFigures(t *testing.T) {
	n, admin, a, b, sa, _ := twoStores(t)
	a.Do("SET", "k", strings.Repeat("x", 1000))
	a.Do("SELECT", "3")
	a.Do("SET", "k", "v", "EX", "100")
	for start := time.Now(); time.Since(start) < 400*time.Millisecond; {
		for i := 0; i < 50; i++ {
			a.Send("GET", "k")
		}
		for i := 0; i < 50; i++ {
			a.Read()
		}
	}
	statsA, statsB := a.Do("INFO", "stats"), b.Do("INFO", "stats")
	num := func(info, field string) float64 {
		v, err := strconv.ParseFloat(infoField(t, info, field), 64)
		if err != nil {
			t.Fatalf("%s: %v", field, err)
		}
		return v
	}
	if opsA, opsB := num(statsA, "instantaneous_ops_per_sec"), num(statsB, "instantaneous_ops_per_sec"); opsA < 100 || opsB != 0 {
		t.Fatalf("instantaneous_ops_per_sec: a %v, b %v", opsA, opsB)
	}
	if kbA, kbB := num(statsA, "instantaneous_input_kbps"), num(statsB, "instantaneous_input_kbps"); kbA <= 0 || kbB > 0.1 {
		t.Fatalf("instantaneous_input_kbps: a %v, b %v", kbA, kbB)
	}
	// Each store received one connection; a's traffic is a's.
	if ca, cb := num(statsA, "total_connections_received"), num(statsB, "total_connections_received"); ca != 1 || cb != 1 {
		t.Fatalf("total_connections_received: a %v, b %v", ca, cb)
	}
	if inA, inB := num(statsA, "total_net_input_bytes"), num(statsB, "total_net_input_bytes"); inA < 10000 || inB > 1000 {
		t.Fatalf("total_net_input_bytes: a %v, b %v", inA, inB)
	}
	if outA, outB := num(statsA, "total_net_output_bytes"), num(statsB, "total_net_output_bytes"); outA < 10000 || outB > 5000 {
		t.Fatalf("total_net_output_bytes: a %v, b %v", outA, outB)
	}
	// A connection that leaves the store takes its later traffic along,
	// and the store keeps what it moved.
	inBefore := num(statsA, "total_net_input_bytes")
	a.Do("AUTH", "default", "x")
	a.Do("SET", "big", strings.Repeat("y", 20000))
	a2 := storeConn(t, n, "a", sa)
	statsA = a2.Do("INFO", "stats")
	if in := num(statsA, "total_net_input_bytes"); in < inBefore || in > inBefore+2000 {
		t.Fatalf("a's input after its client left: %v (was %v)", in, inBefore)
	}
	if c := num(statsA, "total_connections_received"); c != 2 {
		t.Fatalf("a's connections: %v", c)
	}
	info := admin.Do("FLECT.KV", "INFO", "a")
	for _, want := range []string{
		"$9\r\ndatabases\r\n*2\r\n$20\r\ndb0:keys=1,expires=0\r\n$20\r\ndb3:keys=1,expires=1\r\n",
		"$7\r\nclients\r\n:1\r\n",
		"$4\r\nkeys\r\n:2\r\n",
	} {
		if !strings.Contains(info, want) {
			t.Fatalf("FLECT.KV INFO a lacks %q: %q", want, info)
		}
	}
	numMap := func(reply, field string) float64 {
		m := regexp.MustCompile(`\$\d+\r\n` + field + `\r\n:(-?\d+)\r\n`).FindStringSubmatch(reply)
		if m == nil {
			t.Fatalf("no %s in %q", field, reply)
		}
		v, _ := strconv.ParseFloat(m[1], 64)
		return v
	}
	if numMap(info, "ops_per_sec") < 100 || numMap(info, "memory") < 1000 || numMap(info, "keyspace_hits") < 100 {
		t.Fatalf("FLECT.KV INFO a: %q", info)
	}
	infoB := admin.Do("FLECT.KV", "INFO", "b")
	if numMap(infoB, "ops_per_sec") != 0 || numMap(infoB, "keyspace_hits") != 0 || numMap(infoB, "memory") != 0 || numMap(infoB, "keys") != 0 {
		t.Fatalf("FLECT.KV INFO b: %q", infoB)
	}
	list := admin.Do("FLECT.KV", "LIST")
	if !strings.HasPrefix(list, "*2\r\n*14\r\n$4\r\nname\r\n$1\r\na\r\n$4\r\nkeys\r\n:2\r\n$6\r\nmemory\r\n:") {
		t.Fatalf("FLECT.KV LIST: %q", list)
	}
	// CONFIG RESETSTAT of the admin clears the stores' figures too.
	a2.Do("FROB")
	admin.Do("CONFIG", "RESETSTAT")
	statsA = a2.Do("INFO", "stats")
	for field, max := range map[string]float64{"total_connections_received": 0, "total_commands_processed": 1,
		"total_net_input_bytes": 100, "total_error_replies": 0, "keyspace_hits": 0} {
		if v := num(statsA, field); v > max {
			t.Errorf("a's %s after CONFIG RESETSTAT: %v", field, v)
		}
	}
	if got := a2.Do("INFO", "errorstats"); strings.Contains(got, "errorstat_") {
		t.Errorf("a's errorstats after CONFIG RESETSTAT: %q", got)
	}
}

// TestStoreIsolationBlockingFamily: no blocking command of store b wakes
// for writes of the same key names in store a or the default namespace;
// b's own writes wake them all.
func TestStoreIsolationBlockingFamily(t *testing.T) {
	n, admin, a, b, _, sb := twoStores(t)
	for _, c := range []*resptest.Conn{a, b, admin} {
		c.Do("XGROUP", "CREATE", "xg", "g", "$", "MKSTREAM")
	}
	cases := []struct {
		block []string
		write []string
		want  string // prefix of the woken reply
	}{
		{[]string{"BLPOP", "q1", "5"}, []string{"RPUSH", "q1", "v"}, "*2\r\n$2\r\nq1\r\n$1\r\nv"},
		{[]string{"BRPOP", "q2", "5"}, []string{"RPUSH", "q2", "v"}, "*2\r\n$2\r\nq2\r\n"},
		{[]string{"BLMOVE", "q3", "dst", "LEFT", "RIGHT", "5"}, []string{"RPUSH", "q3", "v"}, "$1\r\nv"},
		{[]string{"BRPOPLPUSH", "q4", "dst", "5"}, []string{"RPUSH", "q4", "v"}, "$1\r\nv"},
		{[]string{"BLMPOP", "5", "1", "q5", "LEFT"}, []string{"RPUSH", "q5", "v"}, "*2\r\n$2\r\nq5\r\n"},
		{[]string{"BZPOPMIN", "z1", "5"}, []string{"ZADD", "z1", "1", "v"}, "*3\r\n$2\r\nz1\r\n"},
		{[]string{"BZPOPMAX", "z2", "5"}, []string{"ZADD", "z2", "1", "v"}, "*3\r\n$2\r\nz2\r\n"},
		{[]string{"BZMPOP", "5", "1", "z3", "MIN"}, []string{"ZADD", "z3", "1", "v"}, "*2\r\n$2\r\nz3\r\n"},
		{[]string{"XREAD", "BLOCK", "5000", "STREAMS", "x1", "$"}, []string{"XADD", "x1", "1-1", "f", "v"}, "*1\r\n*2\r\n$2\r\nx1\r\n"},
		{[]string{"XREADGROUP", "GROUP", "g", "c", "BLOCK", "5000", "STREAMS", "xg", ">"}, []string{"XADD", "xg", "1-1", "f", "v"}, "*1\r\n*2\r\n$2\r\nxg\r\n"},
	}
	waiters := make([]*resptest.Conn, len(cases))
	for i, tc := range cases {
		waiters[i] = storeConn(t, n, "b", sb)
		waiters[i].Send(tc.block...)
	}
	time.Sleep(50 * time.Millisecond)
	for _, tc := range cases {
		for _, c := range []*resptest.Conn{a, admin} {
			if got := c.Do(tc.write...); strings.HasPrefix(got, "-") {
				t.Fatalf("%v: %q", tc.write, got)
			}
		}
	}
	for i, w := range waiters {
		if got, err := w.ReadErr(10 * time.Millisecond); err == nil {
			t.Fatalf("b's %v woken by another namespace's write: %q", cases[i].block, got)
		}
	}
	time.Sleep(100 * time.Millisecond)
	for i, w := range waiters {
		if got, err := w.ReadErr(time.Millisecond); err == nil {
			t.Fatalf("b's %v woken by another namespace's write: %q", cases[i].block, got)
		}
	}
	for i, tc := range cases {
		b.Do(tc.write...)
		if got, err := waiters[i].ReadErr(2 * time.Second); err != nil || !strings.HasPrefix(got, tc.want) {
			t.Fatalf("b's %v after b's write: %q %v", tc.block, got, err)
		}
	}
	// a's and d's keys are untouched by b's consumers.
	if got := a.Do("LLEN", "q1"); got != ":1\r\n" {
		t.Fatalf("a's q1: %q", got)
	}
	if got := admin.Do("XPENDING", "xg", "g"); !strings.HasPrefix(got, "*4\r\n:0\r\n") {
		t.Fatalf("default namespace's group: %q", got)
	}
}
