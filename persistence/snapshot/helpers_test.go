package snapshot

import (
	"io"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/persistence/rdb"
)

// recReply records replies as RESP2 text.
type recReply struct{ b strings.Builder }

func (r *recReply) Simple(s string)  { r.b.WriteString("+" + s + "\r\n") }
func (r *recReply) Error(msg string) { r.b.WriteString("-" + msg + "\r\n") }
func (r *recReply) Int(n int64)      { r.b.WriteString(":" + strconv.FormatInt(n, 10) + "\r\n") }
func (r *recReply) Bulk(b []byte)    { r.BulkString(string(b)) }
func (r *recReply) BulkString(s string) {
	r.b.WriteString("$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n")
}
func (r *recReply) Null()       { r.b.WriteString("$-1\r\n") }
func (r *recReply) NullArray()  { r.b.WriteString("*-1\r\n") }
func (r *recReply) Array(n int) { r.b.WriteString("*" + strconv.Itoa(n) + "\r\n") }
func (r *recReply) Map(n int)   { r.Array(2 * n) }
func (r *recReply) Set(n int)   { r.Array(n) }
func (r *recReply) Double(f float64) {
	r.BulkString(strconv.FormatFloat(f, 'g', -1, 64))
}
func (r *recReply) Bool(b bool) {
	if b {
		r.Int(1)
	} else {
		r.Int(0)
	}
}
func (r *recReply) Verbatim(format, s string) { r.BulkString(s) }
func (r *recReply) BigNumber(s string)        { r.BulkString(s) }
func (r *recReply) Push(n int)                { r.Array(n) }
func (r *recReply) Proto() int                { return 2 }

// tnode is a node under test with a client per namespace.
type tnode struct {
	t     testing.TB
	n     *engine.Node
	clock *engine.ManualClock
}

// baseTime is the test clock's start.
var baseTime = time.UnixMilli(1_700_000_000_123)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func newTNode(t testing.TB) *tnode {
	clock := engine.NewManualClock(baseTime)
	n := engine.NewNode(engine.Options{Clock: clock, Logger: quietLog()})
	rdb.Register(n.Table())
	return &tnode{t: t, n: n, clock: clock}
}

// doIn runs a command in namespace ns ("" default) and database db.
func (tn *tnode) doIn(ns string, db int, args ...string) string {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	cmd, errText := tn.n.Table().Resolve(argv)
	if errText != "" {
		return "-" + errText + "\r\n"
	}
	nsp := tn.n.Default()
	if ns != "" {
		if nsp = tn.n.Namespace(ns); nsp == nil {
			nsp = tn.n.NewNamespace(ns)
		}
	}
	r := &recReply{}
	c := engine.Ctx{Args: argv, R: r, Cmd: cmd, Client: &engine.Client{ID: 1, NS: nsp, DB: db}}
	tn.n.Call(&c)
	return r.b.String()
}

func (tn *tnode) do(args ...string) string { return tn.doIn("", 0, args...) }

// must runs a command and fails on an error reply.
func (tn *tnode) must(ns string, db int, args ...string) string {
	tn.t.Helper()
	r := tn.doIn(ns, db, args...)
	if strings.HasPrefix(r, "-") {
		tn.t.Fatalf("%s/%d %q: %q", ns, db, args, r)
	}
	return r
}

// bulkItems parses a flat RESP2 array of bulk strings.
func bulkItems(t testing.TB, r string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(r, "\r\n"), "\r\n")
	if !strings.HasPrefix(lines[0], "*") {
		t.Fatalf("not an array: %q", r)
	}
	var out []string
	for i := 1; i+1 < len(lines); i += 2 {
		out = append(out, lines[i+1])
	}
	return out
}

// contents describes every key of every namespace as
// "ns/db/key" -> "DUMP payload|PEXPIRETIME|OBJECT ENCODING|field TTLs".
func (tn *tnode) contents() map[string]string {
	tn.t.Helper()
	out := map[string]string{}
	for _, ns := range tn.n.Namespaces() {
		name := ns.Name()
		for db := range ns.DBCount() {
			for _, k := range bulkItems(tn.t, tn.must(name, db, "KEYS", "*")) {
				typ := tn.must(name, db, "TYPE", k)
				var d string
				switch typ {
				case "+set\r\n":
					ms := bulkItems(tn.t, tn.must(name, db, "SMEMBERS", k))
					sort.Strings(ms)
					d = strings.Join(ms, ",")
				case "+hash\r\n":
					fs := bulkItems(tn.t, tn.must(name, db, "HGETALL", k))
					var pairs []string
					for i := 0; i+1 < len(fs); i += 2 {
						pairs = append(pairs, fs[i]+"="+fs[i+1])
					}
					sort.Strings(pairs)
					d = strings.Join(pairs, ",")
				default:
					d = tn.must(name, db, "DUMP", k)
				}
				enc := tn.must(name, db, "OBJECT", "ENCODING", k)
				if enc == "$3\r\nraw\r\n" && intReply(tn.must(name, db, "STRLEN", k)) <= 44 {
					enc = "$6\r\nembstr\r\n" // as Valkey, a short raw string loads as embstr
				}
				v := typ + d + "|" + tn.must(name, db, "PEXPIRETIME", k) + "|" + enc
				if typ == "+hash\r\n" {
					fields := bulkItems(tn.t, tn.must(name, db, "HKEYS", k))
					sort.Strings(fields)
					for _, f := range fields {
						v += "|" + f + "@" + tn.must(name, db, "HPEXPIRETIME", k, "FIELDS", "1", f)
					}
				}
				out[name+"/"+strconv.Itoa(db)+"/"+k] = v
			}
		}
	}
	return out
}

// intReply parses an integer reply (-1 if it is not one).
func intReply(r string) int64 {
	n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(r, ":"), "\r\n"), 10, 64)
	if err != nil || !strings.HasPrefix(r, ":") {
		return -1
	}
	return n
}

// sameContents fails unless two contents maps are equal.
func sameContents(t testing.TB, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d keys, want %d", len(got), len(want))
	}
	bad := 0
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			if bad++; bad <= 5 {
				t.Errorf("%s: got %.200q (present %v), want %.200q", k, g, ok, w)
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			if bad++; bad <= 5 {
				t.Errorf("%s: unexpected key", k)
			}
		}
	}
}

// fillAllTypes stores keys of every type and encoding, with TTLs, in
// several databases of the default namespace and in a store "tenant".
func (tn *tnode) fillAllTypes() {
	m := func(ns string, db int, args ...string) { tn.must(ns, db, args...) }
	big := func(prefix string, n int) []string {
		var out []string
		for i := range n {
			out = append(out, prefix+strconv.Itoa(i))
		}
		return out
	}
	m("", 0, "SET", "int", "12345")
	m("", 0, "SET", "neg", "-9223372036854775808")
	m("", 0, "SET", "raw", "hello world")
	m("", 0, "SET", "long", strings.Repeat("abcdefgh", 40)) // LZF-compressible
	m("", 0, "SET", "bin", "\x00\xff\r\n")
	m("", 0, "SET", "empty", "")
	m("", 0, "SET", "ttl", "v", "PX", "100000")
	m("", 0, "SET", "", "empty key")
	m("", 0, "RPUSH", "listlp", "a", "1", "-70000", "")
	m("", 0, append([]string{"RPUSH", "listql"}, big("element-", 3000)...)...)
	m("", 0, "RPUSH", "listplain", strings.Repeat("x", 10000), "y")
	m("", 0, "SADD", "intset", "1", "-3", "8589934592")
	m("", 0, "SADD", "setlp", "a", "b", "3")
	m("", 0, append([]string{"SADD", "setht"}, big("m", 300)...)...)
	m("", 0, "ZADD", "zsetlp", "1.5", "a", "inf", "b", "-2", "c")
	zargs := []string{"ZADD", "zsetsl"}
	for i := range 300 {
		zargs = append(zargs, strconv.FormatFloat(float64(i)/3, 'g', -1, 64), "m"+strconv.Itoa(i))
	}
	m("", 0, zargs...)
	m("", 0, "HSET", "hashlp", "f", "v", "g", "12")
	hargs := []string{"HSET", "hashht"}
	for i := range 300 {
		hargs = append(hargs, "f"+strconv.Itoa(i), "v"+strconv.Itoa(i))
	}
	m("", 0, hargs...)
	m("", 0, "HSET", "hashttl", "a", "1", "b", "2", "c", "3")
	m("", 0, "HPEXPIRE", "hashttl", "500000", "FIELDS", "2", "a", "c")
	m("", 0, "PFADD", "hll", "a", "b", "c")
	m("", 0, append([]string{"PFADD", "hlldense"}, big("e", 3000)...)...)
	m("", 0, "XADD", "stream", "1-1", "f", "v")
	m("", 0, "XADD", "stream", "2-1", "f", "v2", "g", "w")
	m("", 0, "XADD", "stream", "3-0", "f", "v3")
	m("", 0, "XDEL", "stream", "2-1")
	m("", 0, "XGROUP", "CREATE", "stream", "grp", "0")
	m("", 0, "XGROUP", "CREATE", "stream", "grp2", "$", "ENTRIESREAD", "3")
	m("", 0, "XREADGROUP", "GROUP", "grp", "alice", "COUNT", "1", "STREAMS", "stream", ">")
	m("", 0, "XGROUP", "CREATECONSUMER", "stream", "grp", "bob")
	m("", 0, "XADD", "emptystream", "1-1", "f", "v")
	m("", 0, "XDEL", "emptystream", "1-1")
	m("", 0, "EXPIRE", "listlp", "1000")
	m("", 3, "SET", "k", "in db 3")
	m("", 3, "SADD", "s", "x")
	m("", 3, "PEXPIRE", "s", "7777777")
	m("", 15, "LPUSH", "l", "z")
	m("tenant", 0, "SET", "k", "tenant value")
	m("tenant", 5, "HSET", "h", "a", "b")
	m("tenant", 5, "PEXPIRE", "h", "123456")
	m("other", 0, "SET", "x", "y")
}

// snapshotTo writes a snapshot of tn's node into st.
func (tn *tnode) snapshotTo(st *Store) Manifest {
	tn.t.Helper()
	w := st.NewWriter()
	snap, err := tn.n.BeginSnapshot(w.AddRecord)
	if err != nil {
		tn.t.Fatal(err)
	}
	if err := snap.Run(); err != nil {
		w.Abort()
		tn.t.Fatal(err)
	}
	if err := w.Commit(Meta{Time: snap.Time(), Creator: "test"}); err != nil {
		tn.t.Fatal(err)
	}
	m, ok, err := st.Current()
	if err != nil || !ok {
		tn.t.Fatalf("Current after commit: %v %v", ok, err)
	}
	return m
}

// openStore opens a store in a new temporary directory.
func openStore(t testing.TB) (*Store, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := Open(dir, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, dir
}

func reopen(t testing.TB, st *Store, dir string) *Store {
	t.Helper()
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := Open(dir, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	return st2
}
