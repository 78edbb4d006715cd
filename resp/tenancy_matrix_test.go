package resp_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/flect-kv/flect/resp/compat"
	"github.com/flect-kv/flect/resp/resptest"
)

// The isolation matrix: every command of the command table runs, with
// arguments built from its Valkey argument grammar, in four namespaces
// that use the same key and channel names: stores a and b and the default
// namespace d of one node, and the default namespace p of a private node.
// b and p hold the same data; a and d hold other values (d other types)
// under the same names, and run each command just before b and p do. b
// must then behave exactly as the private node: the same reply, the same
// data in all 16 databases afterwards, the same keyspace notifications
// and pub/sub messages on a subscriber, and a's data untouched by b.
// Commands refused to stores answer the NOPERM text naming the caller's
// store only.

// compareMatrix compares b's reply with the private node's.
func compareMatrix(kind cmpKind, got, want string) bool {
	switch kind {
	case cmpType:
		return compat.SameType(got, want)
	case cmpKeyspace:
		return avgTTL.ReplaceAllString(got, "") == avgTTL.ReplaceAllString(want, "")
	case cmpSorted:
		g, err1 := compat.SortAggregate(got)
		w, err2 := compat.SortAggregate(want)
		return err1 == nil && err2 == nil && g == w
	}
	return got == want
}

// fixture loads a namespace's data: variant 0 for b and p, 1 for a
// (other values, same types), 2 for d (other types).
func fixture(variant int) [][]string {
	switch variant {
	case 1:
		return [][]string{
			{"SET", "s", "20"}, {"SET", "s2", "world"}, {"SET", "ttl", "w", "EX", "2000"},
			{"RPUSH", "l", "c", "b", "a", "z"}, {"RPUSH", "l2", "y"},
			{"SADD", "set", "a", "z"}, {"SADD", "set2", "z"},
			{"HSET", "h", "a", "9", "z", "8"},
			{"ZADD", "z", "9", "a", "8", "z"}, {"ZADD", "z2", "7", "z"},
			{"XADD", "x", "5-1", "f", "z"}, {"XGROUP", "CREATE", "x", "g", "$"},
			{"PFADD", "hll", "z"}, {"PFADD", "hll2", "y"},
			{"GEOADD", "geo", "2.35", "48.85", "a", "2.29", "48.86", "z"},
			{"SET", "w_a", "1"}, {"SET", "w_b", "3"}, {"SET", "w_c", "2"},
			{"SET", "o_a", "xa"}, {"SET", "o_b", "xb"}, {"SET", "o_c", "xc"},
			{"SETBIT", "bits", "1", "1"},
			{"SELECT", "1"}, {"SET", "s", "21"}, {"RPUSH", "l", "z"}, {"SELECT", "0"},
		}
	case 2:
		return [][]string{
			{"RPUSH", "s", "d"}, {"SADD", "s2", "d"}, {"HSET", "l", "d", "1"}, {"SET", "l2", "d"},
			{"SET", "set", "d"}, {"ZADD", "h", "1", "d"}, {"SET", "z", "d"}, {"RPUSH", "x", "d"},
			{"SADD", "hll", "d"}, {"SET", "geo", "d"}, {"SET", "w_a", "9"}, {"SET", "o_b", "d"},
			{"SET", "bits", "d"}, {"SET", "s3", "d"}, {"SET", "l3", "d"}, {"SET", "z3", "d"},
			{"SELECT", "1"}, {"SET", "l3", "d"}, {"SELECT", "0"},
		}
	}
	return [][]string{
		{"SET", "s", "10"}, {"SET", "s2", "hello"}, {"SET", "ttl", "v", "EX", "1000"},
		{"RPUSH", "l", "a", "b", "c"}, {"RPUSH", "l2", "x"},
		{"SADD", "set", "a", "b", "c"}, {"SADD", "set2", "b", "d"},
		{"HSET", "h", "a", "1", "b", "2", "f", "v"},
		{"ZADD", "z", "1", "a", "2", "b", "3", "c"}, {"ZADD", "z2", "1", "b", "5", "d"},
		{"XADD", "x", "1-1", "f", "v"}, {"XADD", "x", "1-2", "f", "w"},
		{"XGROUP", "CREATE", "x", "g", "0"}, {"XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "x", ">"},
		{"PFADD", "hll", "a", "b", "c"}, {"PFADD", "hll2", "d"},
		{"GEOADD", "geo", "13.361389", "38.115556", "a", "15.087269", "37.502669", "b"},
		{"GEOADD", "geo2", "13.5", "38.2", "a"},
		{"SET", "w_a", "3"}, {"SET", "w_b", "1"}, {"SET", "w_c", "2"},
		{"SET", "o_a", "A"}, {"SET", "o_b", "B"}, {"SET", "o_c", "C"},
		{"SETBIT", "bits", "7", "1"},
		{"SELECT", "1"}, {"SET", "s", "11"}, {"RPUSH", "l", "db1"}, {"SELECT", "0"},
	}
}

// fixtureKeys returns the keys of b's fixture in database 0.
func fixtureKeys() []string {
	var out []string
	seen := map[string]bool{}
	for _, cmd := range fixture(0) {
		if cmd[0] == "SELECT" {
			break
		}
		if cmd[0] != "XGROUP" && cmd[0] != "XREADGROUP" && !seen[cmd[1]] {
			seen[cmd[1]] = true
			out = append(out, cmd[1])
		}
	}
	return out
}

// load empties a namespace and loads a fixture, pipelined.
func load(t *testing.T, c *resptest.Conn, variant int) {
	t.Helper()
	cmds := append([][]string{{"FLUSHALL"}}, fixture(variant)...)
	var req []byte
	for _, cmd := range cmds {
		req = append(req, resptest.Encode(cmd...)...)
	}
	c.WriteRaw(req)
	for _, cmd := range cmds {
		if got := c.Read(); strings.HasPrefix(got, "-") {
			t.Fatalf("fixture %v: %q", cmd, got)
		}
	}
}

// digest returns a canonical text of a namespace's data in every
// database: each key's type, DUMP payload and whether it has a TTL.
func digest(t *testing.T, c *resptest.Conn) string {
	t.Helper()
	var req []byte
	for db := 0; db < 16; db++ {
		req = append(req, resptest.Encode("SELECT", fmt.Sprint(db))...)
		req = append(req, resptest.Encode("KEYS", "*")...)
	}
	c.WriteRaw(req)
	keysOf := make([][]string, 16)
	for db := range keysOf {
		c.Read()
		keysOf[db] = bulkList(t, c.Read())
		sort.Strings(keysOf[db])
	}
	var b strings.Builder
	for db, keys := range keysOf {
		if len(keys) == 0 {
			continue
		}
		req = resptest.Encode("SELECT", fmt.Sprint(db))
		for _, k := range keys {
			req = append(req, resptest.Encode("TYPE", k)...)
			req = append(req, resptest.Encode("DUMP", k)...)
			req = append(req, resptest.Encode("PTTL", k)...)
			// A stream's payload holds delivery times: its entries and
			// groups stand for it.
			req = append(req, resptest.Encode("XRANGE", k, "-", "+")...)
			req = append(req, resptest.Encode("XINFO", "GROUPS", k)...)
		}
		c.WriteRaw(req)
		c.Read()
		lines := make([]string, len(keys))
		types := make([]string, len(keys))
		for i, k := range keys {
			typ, dump, pttl, xr, xg := c.Read(), c.Read(), c.Read(), c.Read(), c.Read()
			if typ == "+stream\r\n" {
				dump = xr + xg
			}
			types[i] = typ
			lines[i] = fmt.Sprintf("db%d %q %s %%s ttl=%v\n", db, k, strings.TrimSpace(typ), pttl != ":-1\r\n")
			lines[i] = fmt.Sprintf(lines[i], fmt.Sprintf("%q", dump))
		}
		for i, k := range keys {
			if types[i] == "+hash\r\n" {
				// The order of a hash with volatile fields is unspecified.
				lines[i] = fmt.Sprintf("db%d %q hash %s\n", db, k, hashDigest(t, c, k))
			}
			b.WriteString(lines[i])
		}
	}
	c.Do("SELECT", "0")
	return b.String()
}

// hashDigest returns a hash's fields, sorted, with their values and
// whether they have a TTL; the connection has the key's database
// selected.
func hashDigest(t *testing.T, c *resptest.Conn, key string) string {
	t.Helper()
	kv := bulkList(t, c.Do("HGETALL", key))
	type fv struct{ f, v string }
	pairs := make([]fv, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		pairs = append(pairs, fv{kv[i], kv[i+1]})
	}
	sort.Slice(pairs, func(i, j int) bool { return pairs[i].f < pairs[j].f })
	var b strings.Builder
	b.WriteString(strings.TrimSpace(c.Do("OBJECT", "ENCODING", key)))
	for _, p := range pairs {
		ttl := c.Do("HTTL", key, "FIELDS", "1", p.f)
		fmt.Fprintf(&b, " %s=%s ttl=%v", p.f, p.v, ttl != "*1\r\n:-1\r\n")
	}
	return b.String()
}

// bulkList reads a flat array of bulk strings.
func bulkList(t *testing.T, raw string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n")
	if len(lines) == 0 || lines[0][0] != '*' {
		t.Fatalf("not an array: %q", raw)
	}
	var out []string
	for i := 2; i < len(lines); i += 2 {
		out = append(out, lines[i])
	}
	return out
}

// matrixNS is one of the matrix's four namespaces: how to reach it, and
// a control connection that loads data and reads digests.
type matrixNS struct {
	name    string
	node    *resptest.Node
	store   string // "" for a default namespace
	secret  string
	variant int
	ctl     *resptest.Conn
	// sub is subscribed to every channel, pattern and the shard channel
	// "ch" (b and p only).
	sub *resptest.Conn
}

func (m *matrixNS) dial(t *testing.T) *resptest.Conn {
	c := m.node.Dial(t)
	if m.store != "" {
		if got := c.Do("AUTH", m.store, m.secret); got != "+OK\r\n" {
			t.Fatalf("AUTH %s: %q", m.store, got)
		}
	}
	return c
}

// pong is the reply to PING in RESP2 subscribed mode.
const pong = "*2\r\n$4\r\npong\r\n$0\r\n\r\n"

// drain sends PING on a connection and returns the frames that came
// before its reply (pub/sub messages, pushes; +QUEUED inside MULTI), or
// ok false when the connection is gone.
func drain(c *resptest.Conn, subscribed bool) (frames []string, ok bool) {
	c.Send("PING")
	for i := 0; i < 1000; i++ {
		f, err := c.ReadErr(5e9)
		if err != nil {
			return frames, false
		}
		if !subscribed && (f == "+PONG\r\n" || f == "+QUEUED\r\n") || f == pong {
			return frames, true
		}
		frames = append(frames, f)
	}
	return frames, false
}

func TestStoreIsolationMatrix(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	p := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	sa, sb := createStore(t, admin, "a"), createStore(t, admin, "b")
	for _, node := range []*resptest.Node{n, p} {
		if got := node.Dial(t).Do("CONFIG", "SET", "notify-keyspace-events", "KEA"); got != "+OK\r\n" {
			t.Fatal(got)
		}
	}
	a := &matrixNS{name: "a", node: n, store: "a", secret: sa, variant: 1}
	b := &matrixNS{name: "b", node: n, store: "b", secret: sb}
	d := &matrixNS{name: "d", node: n, variant: 2}
	pv := &matrixNS{name: "p", node: p}
	all := []*matrixNS{a, b, d, pv}
	for _, m := range all {
		m.ctl = m.dial(t)
		m.ctl.Do("CLIENT", "NO-TOUCH", "on")
		// Each store sets its own keyspace events.
		if got := m.ctl.Do("CONFIG", "SET", "notify-keyspace-events", "KEA"); got != "+OK\r\n" {
			t.Fatal(got)
		}
	}
	for _, m := range []*matrixNS{b, pv} {
		m.sub = m.dial(t)
		m.sub.Do("PSUBSCRIBE", "*")
		m.sub.Do("SSUBSCRIBE", "ch")
	}
	// a and d hold subscriptions of their own, which PUBSUB in b must
	// not count, on channels the fixtures' keyspace events do not reach.
	for _, m := range []*matrixNS{a, d} {
		m.sub = m.dial(t)
		m.sub.Do("SUBSCRIBE", "ch", "only-"+m.name)
		m.sub.Do("PSUBSCRIBE", "only*")
		m.sub.Do("SSUBSCRIBE", "ch", "only-"+m.name)
	}
	load(t, pv.ctl, 0)
	payload := bulk(t, pv.ctl.Do("DUMP", "l"))

	cases := matrixCases(t, n)
	ran, refused, failed, extras, extraFailed := 0, 0, 0, 0, 0
	for _, c := range cases {
		args := append([]string(nil), c.args...)
		for i, v := range args {
			if v == "<payload>" {
				args[i] = payload
			}
		}
		for _, m := range all {
			load(t, m.ctl, m.variant)
		}
		for _, m := range []*matrixNS{b, pv} {
			drain(m.sub, true)
		}
		conns := map[*matrixNS]*resptest.Conn{}
		for _, m := range all {
			conns[m] = m.dial(t)
		}
		for _, m := range all {
			for _, pre := range c.pre {
				if got := conns[m].Do(pre...); strings.HasPrefix(got, "-") {
					t.Fatalf("%s: %v in %s: %q", c.name, pre, m.name, got)
				}
			}
		}
		// b watches every key of its fixture: nothing a or d runs may
		// abort its transaction.
		watcher := b.dial(t)
		watcher.Do(append([]string{"WATCH"}, fixtureKeys()...)...)
		// a first: a refusal is a store's, checked for both stores.
		ra := conns[a].Do(args...)
		if strings.Contains(ra, "User b") || strings.Contains(ra, "user=b ") {
			t.Errorf("%s: a's reply names store b: %q", c.name, ra)
		}
		if strings.HasPrefix(ra, "-NOPERM") {
			refused++
			for _, m := range []*matrixNS{a, b} {
				got := ra
				if m == b {
					got = conns[b].Do(args...)
				}
				want := "-NOPERM User " + m.store + " has no permissions to run the '" + c.name + "' command\r\n"
				if got != want {
					t.Errorf("%s: store %s: %q, want %q", c.name, m.name, got, want)
				}
			}
			closeAll(conns)
			continue
		}
		digestA := digest(t, a.ctl)
		conns[d].Do(args...)
		watcher.Do("MULTI")
		watcher.Do("PING")
		if got := watcher.Do("EXEC"); got != "*1\r\n+PONG\r\n" {
			t.Errorf("%s %q in a and d aborted b's transaction: %q", c.name, args, got)
		}
		watcher.Close()
		rb := conns[b].Do(args...)
		rp := conns[pv].Do(args...)
		ran++
		if c.extra {
			extras++
		}
		if strings.HasPrefix(rp, "-") {
			if c.extra {
				extraFailed++
			} else {
				failed++
			}
			if testing.Verbose() {
				t.Logf("%s %q: private node: %q", c.name, args, rp)
			}
		}
		if !compareMatrix(c.cmp, rb, rp) {
			t.Errorf("%s %q:\n  store b:      %q\n  private node: %q", c.name, args, rb, rp)
		}
		if strings.Contains(rb, "User a") || strings.Contains(rb, "user=a ") {
			t.Errorf("%s: b's reply names store a: %q", c.name, rb)
		}
		if !c.nosync {
			fb, okb := drain(conns[b], false)
			fp, okp := drain(conns[pv], false)
			if okb != okp || strings.Join(fb, "") != strings.Join(fp, "") && c.cmp == cmpExact {
				t.Errorf("%s: after the reply, store b got %q (%v), private node %q (%v)", c.name, fb, okb, fp, okp)
			}
		}
		if db, dp := digest(t, b.ctl), digest(t, pv.ctl); db != dp {
			t.Errorf("%s %q: store b's data differs from the private node's:\n%s", c.name, args, lineDiff(db, dp))
		}
		nb, _ := drain(b.sub, true)
		np, _ := drain(pv.sub, true)
		if strings.Join(nb, "") != strings.Join(np, "") {
			t.Errorf("%s %q: b's subscriber got %q, the private node's %q", c.name, args, nb, np)
		}
		if got := digest(t, a.ctl); got != digestA {
			t.Errorf("%s %q: b's command changed store a:\n%s", c.name, args, lineDiff(got, digestA))
		}
		closeAll(conns)
	}
	t.Logf("%d cases: %d ran in every namespace (%d full forms; error replies on the private node: %d, %d of full forms), %d refused to stores",
		len(cases), ran, extras, failed, extraFailed, refused)
	if base := ran - extras; base < 250 || failed > base/20 {
		t.Errorf("the matrix ran %d commands, %d of them failing on the private node", base, failed)
	}
}

func closeAll(conns map[*matrixNS]*resptest.Conn) {
	for _, c := range conns {
		c.Close()
	}
}

// lineDiff lists the lines only in got (+) and only in want (-).
func lineDiff(got, want string) string {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	g, w := in(got), in(want)
	var out []string
	for l := range g {
		if !w[l] {
			out = append(out, "+ "+l)
		}
	}
	for l := range w {
		if !g[l] {
			out = append(out, "- "+l)
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
