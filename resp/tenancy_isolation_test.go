package resp_test

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/resptest"
)

// twoStores starts a node with stores a and b and returns a client of each
// plus an admin (default namespace) connection.
func twoStores(t *testing.T) (n *resptest.Node, admin, a, b *resptest.Conn, sa, sb string) {
	t.Helper()
	n = resptest.Start(t, nil, nil)
	admin = n.Dial(t)
	sa, sb = createStore(t, admin, "a"), createStore(t, admin, "b")
	return n, admin, storeConn(t, n, "a", sa), storeConn(t, n, "b", sb), sa, sb
}

// TestStoreIsolationKeys runs the keyspace commands in two stores that use
// the same key names: neither ever sees the other's keys.
func TestStoreIsolationKeys(t *testing.T) {
	_, admin, a, b, _, _ := twoStores(t)
	admin.Do("SET", "k", "default")
	for i, c := range []*resptest.Conn{a, b} {
		v := string(rune('A' + i))
		for _, args := range [][]string{
			{"SET", "k", v}, {"RPUSH", "l", v}, {"SADD", "s", v}, {"HSET", "h", "f", v},
			{"SELECT", "1"}, {"SET", "k1", v}, {"SELECT", "0"},
		} {
			c.Do(args...)
		}
	}
	type step struct {
		args  []string
		wantA string
		wantB string
	}
	steps := []step{
		{[]string{"GET", "k"}, "$1\r\nA\r\n", "$1\r\nB\r\n"},
		{[]string{"LRANGE", "l", "0", "-1"}, "*1\r\n$1\r\nA\r\n", "*1\r\n$1\r\nB\r\n"},
		{[]string{"SMEMBERS", "s"}, "*1\r\n$1\r\nA\r\n", "*1\r\n$1\r\nB\r\n"},
		{[]string{"DBSIZE"}, ":4\r\n", ":4\r\n"},
		{[]string{"EXISTS", "k", "l", "s", "h", "k1"}, ":4\r\n", ":4\r\n"},
		{[]string{"SCAN", "0", "MATCH", "k*", "COUNT", "1000"}, "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n", "*2\r\n$1\r\n0\r\n*1\r\n$1\r\nk\r\n"},
		{[]string{"KEYS", "k*"}, "*1\r\n$1\r\nk\r\n", "*1\r\n$1\r\nk\r\n"},
		// MOVE and COPY ... DB stay inside the store.
		{[]string{"MOVE", "k", "1"}, ":1\r\n", ":1\r\n"},
		{[]string{"COPY", "l", "l2", "DB", "2"}, ":1\r\n", ":1\r\n"},
		{[]string{"SELECT", "2"}, "+OK\r\n", "+OK\r\n"},
		{[]string{"LRANGE", "l2", "0", "-1"}, "*1\r\n$1\r\nA\r\n", "*1\r\n$1\r\nB\r\n"},
		{[]string{"SELECT", "1"}, "+OK\r\n", "+OK\r\n"},
		{[]string{"MGET", "k", "k1"}, "*2\r\n$1\r\nA\r\n$1\r\nA\r\n", "*2\r\n$1\r\nB\r\n$1\r\nB\r\n"},
		{[]string{"SWAPDB", "0", "1"}, "+OK\r\n", "+OK\r\n"},
		{[]string{"DBSIZE"}, ":3\r\n", ":3\r\n"},
		{[]string{"SELECT", "0"}, "+OK\r\n", "+OK\r\n"},
		{[]string{"RANDOMKEY"}, "", ""}, // checked below
		{[]string{"FLUSHDB"}, "+OK\r\n", "+OK\r\n"},
	}
	for _, st := range steps {
		for i, c := range []*resptest.Conn{a, b} {
			got := c.Do(st.args...)
			want := []string{st.wantA, st.wantB}[i]
			if st.args[0] == "RANDOMKEY" {
				if got != "$1\r\nk\r\n" && got != "$2\r\nk1\r\n" {
					t.Errorf("store %d RANDOMKEY: %q", i, got)
				}
				continue
			}
			if got != want {
				t.Errorf("store %d %v: %q, want %q", i, st.args, got, want)
			}
		}
	}
	// FLUSHALL in a clears a only.
	a.Do("FLUSHALL")
	for db := 0; db < 16; db++ {
		a.Do("SELECT", fmt.Sprint(db))
		if got := a.Do("DBSIZE"); got != ":0\r\n" {
			t.Fatalf("a db%d after FLUSHALL: %q", db, got)
		}
	}
	b.Do("SELECT", "2")
	if got := b.Do("DBSIZE"); got != ":1\r\n" {
		t.Fatalf("b lost keys to a's FLUSHALL: %q", got)
	}
	if got := admin.Do("GET", "k"); got != "$7\r\ndefault\r\n" {
		t.Fatalf("default namespace touched: %q", got)
	}
	if got := a.Do("SELECT", "16"); got != "-ERR DB index is out of range\r\n" {
		t.Fatalf("SELECT 16: %q", got)
	}
}

// TestStoreIsolationScanCursor reuses a cursor of one store in the other:
// the cursor is a position in a hash table, and reaches only the keys of
// the store that runs SCAN.
func TestStoreIsolationScanCursor(t *testing.T) {
	_, _, a, b, _, _ := twoStores(t)
	for i := 0; i < 200; i++ {
		a.Do("SET", fmt.Sprintf("a%d", i), "1")
		b.Do("SET", fmt.Sprintf("b%d", i), "1")
	}
	reply := a.Do("SCAN", "0", "COUNT", "10")
	cursor := bulk(t, strings.TrimPrefix(reply, "*2\r\n")[:strings.Index(strings.TrimPrefix(reply, "*2\r\n"), "*")])
	seen := 0
	for i := 0; i < 1000 && cursor != "0"; i++ {
		r := b.Do("SCAN", cursor, "COUNT", "10")
		if regexp.MustCompile(`\r\na\d`).MatchString(r) {
			t.Fatalf("b's SCAN returned a's key: %q", r)
		}
		rest := strings.TrimPrefix(r, "*2\r\n")
		cursor = bulk(t, rest[:strings.Index(rest, "*")])
		seen++
	}
	if seen == 0 {
		t.Fatal("no SCAN round")
	}
}

// TestStoreIsolationPubSub: channels, patterns and keyspace notifications
// with the same names in two stores.
func TestStoreIsolationPubSub(t *testing.T) {
	n, admin, a, b, sa, _ := twoStores(t)
	for _, c := range []*resptest.Conn{admin, a, b} {
		c.Do("CONFIG", "SET", "notify-keyspace-events", "KEA")
	}
	sub := storeConn(t, n, "a", sa)
	sub.Do("SUBSCRIBE", "ch")
	if got := sub.Do("PSUBSCRIBE", "__key*__:*"); !strings.HasPrefix(got, "*3\r\n$10\r\npsubscribe") {
		t.Fatal(got)
	}
	defSub := n.Dial(t)
	defSub.Do("SUBSCRIBE", "ch")
	if got := b.Do("PUBLISH", "ch", "from-b"); got != ":0\r\n" {
		t.Fatalf("b's PUBLISH reached %q subscribers", got)
	}
	if got := admin.Do("PUBLISH", "ch", "from-default"); got != ":1\r\n" {
		t.Fatalf("default PUBLISH: %q", got)
	}
	b.Do("SET", "k", "v") // notifications in b only
	b.Do("PUBSUB", "NUMSUB", "ch")
	if got := b.Do("PUBSUB", "NUMSUB", "ch"); got != "*2\r\n$2\r\nch\r\n:0\r\n" {
		t.Fatalf("b's PUBSUB NUMSUB: %q", got)
	}
	if got := b.Do("PUBSUB", "CHANNELS"); got != "*0\r\n" {
		t.Fatalf("b's PUBSUB CHANNELS: %q", got)
	}
	if got := a.Do("PUBLISH", "ch", "from-a"); got != ":1\r\n" {
		t.Fatalf("a's PUBLISH: %q", got)
	}
	if got := sub.Read(); got != "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$6\r\nfrom-a\r\n" {
		t.Fatalf("a's subscriber got %q", got)
	}
	a.Do("SET", "k", "v")
	if got := sub.Read(); !strings.Contains(got, "__keyspace@0__:k") {
		t.Fatalf("a's notification: %q", got)
	}
	if got := sub.Read(); !strings.Contains(got, "__keyevent@0__:set") {
		t.Fatalf("a's notification: %q", got)
	}
	if got, err := sub.ReadErr(100 * time.Millisecond); err == nil {
		t.Fatalf("a's subscriber got more: %q", got)
	}
	if got := defSub.Read(); !strings.Contains(got, "from-default") {
		t.Fatalf("default subscriber got %q", got)
	}
	if got, err := defSub.ReadErr(100 * time.Millisecond); err == nil {
		t.Fatalf("default subscriber got more: %q", got)
	}
}

// TestStoreIsolationBlockingAndWatch: a write in b neither wakes a's
// BLPOP nor breaks a's WATCH on the same key.
func TestStoreIsolationBlockingAndWatch(t *testing.T) {
	n, admin, a, b, sa, _ := twoStores(t)
	waiter := storeConn(t, n, "a", sa)
	waiter.Send("BLPOP", "q", "5")
	time.Sleep(50 * time.Millisecond)
	b.Do("LPUSH", "q", "from-b")
	admin.Do("LPUSH", "q", "from-default")
	if got, err := waiter.ReadErr(200 * time.Millisecond); err == nil {
		t.Fatalf("a's BLPOP woken by another namespace: %q", got)
	}
	a.Do("LPUSH", "q", "from-a")
	if got := waiter.Read(); got != "*2\r\n$1\r\nq\r\n$6\r\nfrom-a\r\n" {
		t.Fatalf("BLPOP: %q", got)
	}
	if got := b.Do("LLEN", "q"); got != ":1\r\n" {
		t.Fatalf("b's list: %q", got)
	}

	a.Do("WATCH", "w")
	b.Do("SET", "w", "b")
	admin.Do("SET", "w", "d")
	a.Do("MULTI")
	a.Do("SET", "w", "a")
	if got := a.Do("EXEC"); got != "*1\r\n+OK\r\n" {
		t.Fatalf("EXEC aborted by another namespace's write: %q", got)
	}
	a.Do("WATCH", "w")
	storeConn(t, n, "a", sa).Do("SET", "w", "a2")
	a.Do("MULTI")
	a.Do("SET", "w", "a3")
	if got := a.Do("EXEC"); got != "*-1\r\n" {
		t.Fatalf("EXEC after a write in the same store: %q", got)
	}
}

// randomOp returns a random command over a small key space.
func randomOp(r *rand.Rand) []string {
	k := fmt.Sprintf("k%d", r.IntN(6))
	v := fmt.Sprint(r.IntN(100))
	switch r.IntN(16) {
	case 0:
		return []string{"SET", k, v}
	case 1:
		return []string{"INCR", k}
	case 2:
		return []string{"DEL", k}
	case 3:
		return []string{"APPEND", k, v}
	case 4:
		return []string{"LPUSH", k, v}
	case 5:
		return []string{"RPOP", k}
	case 6:
		return []string{"SADD", k, v}
	case 7:
		return []string{"HSET", k, "f" + v, v}
	case 8:
		return []string{"SELECT", fmt.Sprint(r.IntN(3))}
	case 9:
		return []string{"MOVE", k, fmt.Sprint(r.IntN(3))}
	case 10:
		return []string{"COPY", k, fmt.Sprintf("k%d", r.IntN(6)), "DB", fmt.Sprint(r.IntN(3)), "REPLACE"}
	case 11:
		return []string{"SWAPDB", fmt.Sprint(r.IntN(3)), fmt.Sprint(r.IntN(3))}
	case 12:
		if r.IntN(10) == 0 {
			return []string{"FLUSHDB"}
		}
		return []string{"GET", k}
	case 13:
		return []string{"RENAME", k, fmt.Sprintf("k%d", r.IntN(6))}
	case 14:
		return []string{"DBSIZE"}
	default:
		return []string{"ZADD", k, v, "m" + v}
	}
}

// dumpState returns a canonical text of databases 0-2 of the connection's
// namespace.
func dumpState(t *testing.T, c *resptest.Conn) string {
	var b strings.Builder
	for db := 0; db < 3; db++ {
		c.Do("SELECT", fmt.Sprint(db))
		keys := []string{}
		for i := 0; i < 6; i++ {
			k := fmt.Sprintf("k%d", i)
			if c.Do("EXISTS", k) == ":1\r\n" {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			typ := c.Do("TYPE", k)
			var val string
			switch typ {
			case "+string\r\n":
				val = c.Do("GET", k)
			case "+list\r\n":
				val = c.Do("LRANGE", k, "0", "-1")
			case "+set\r\n":
				val = c.Do("SORT", k, "ALPHA")
			case "+hash\r\n":
				fields := c.Do("HKEYS", k)
				parts := strings.Split(fields, "\r\n")
				sort.Strings(parts)
				val = strings.Join(parts, ",") + c.Do("HLEN", k)
			case "+zset\r\n":
				val = c.Do("ZRANGE", k, "0", "-1", "WITHSCORES")
			}
			fmt.Fprintf(&b, "db%d %s %s %s\n", db, k, typ, val)
		}
	}
	return b.String()
}

// TestStoreRandomizedIsolation runs random command sequences in several
// stores at once, on the same key names; each store ends in the state,
// and gave the replies, that a private node given the same sequence
// gives.
func TestStoreRandomizedIsolation(t *testing.T) {
	const tenants, ops = 4, 300
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	conns := make([]*resptest.Conn, tenants)
	for i := range conns {
		name := fmt.Sprintf("t%d", i)
		conns[i] = storeConn(t, n, name, createStore(t, admin, name))
	}
	seqs := make([][][]string, tenants)
	replies := make([][]string, tenants)
	var wg sync.WaitGroup
	for i := range conns {
		r := rand.New(rand.NewPCG(uint64(i+1), 42))
		for j := 0; j < ops; j++ {
			seqs[i] = append(seqs[i], randomOp(r))
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for _, op := range seqs[i] {
				replies[i] = append(replies[i], conns[i].Do(op...))
			}
		}(i)
	}
	// The default namespace writes the same keys meanwhile.
	r := rand.New(rand.NewPCG(99, 42))
	for j := 0; j < ops; j++ {
		admin.Do(randomOp(r)...)
	}
	wg.Wait()
	for i := range conns {
		private := resptest.Start(t, nil, nil).Dial(t)
		for j, op := range seqs[i] {
			if got := private.Do(op...); got != replies[i][j] {
				t.Fatalf("tenant %d op %d %v: store replied %q, private node %q", i, j, op, replies[i][j], got)
			}
		}
		if got, want := dumpState(t, conns[i]), dumpState(t, private); got != want {
			t.Fatalf("tenant %d state:\n%s\nprivate node:\n%s", i, got, want)
		}
	}
}
