package cli

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/persistence/rdb"
	"github.com/flect-kv/flect/resp/compat"
	"github.com/flect-kv/flect/resp/resptest"
)

// runKV2 runs `flect kv args...` and returns its stdout and stderr apart.
func runKV2(t *testing.T, env map[string]string, args ...string) (string, string, error) {
	t.Helper()
	cmd := NewKVCmd(func(k string) string { return env[k] })
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), errOut.String(), err
}

// storeConn dials the node authenticated with a store's URL.
func storeConn(t *testing.T, n *resptest.Node, raw string) *resptest.Conn {
	t.Helper()
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := n.Dial(t)
	pw, _ := u.User.Password()
	if r := c.Do("AUTH", u.User.Username(), pw); r != "+OK\r\n" {
		t.Fatalf("AUTH: %q", r)
	}
	return c
}

// dataset writes keys of every type into DB 0 and DB 3 of c.
func dataset(t *testing.T, c *resptest.Conn) {
	t.Helper()
	big := []string{"RPUSH", "l:big"}
	zs := []string{"ZADD", "z:big"}
	for i := range 300 {
		big = append(big, "e"+strconv.Itoa(i))
		zs = append(zs, strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	for _, args := range [][]string{
		{"SET", "s", "hello"}, {"SET", "n", "42"}, {"SET", "long", strings.Repeat("ab", 200)},
		{"RPUSH", "l", "a", "b", "c"}, big,
		{"SADD", "si", "1", "2", "3"}, {"SADD", "sl", "a", "b"}, {"SADD", "sh", "x", strings.Repeat("y", 100)},
		{"ZADD", "z", "1", "a", "2.5", "b"}, zs,
		{"HSET", "h", "f", "v", "g", "1"},
		{"XADD", "st", "1-1", "f", "v"}, {"XADD", "st", "2-1", "f", "w"}, {"XGROUP", "CREATE", "st", "g", "0"},
		{"XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "st", ">"},
		{"PFADD", "hll", "a", "b", "c"},
		{"SET", "ttl", "v", "PXAT", "4102444800000"},
		{"SELECT", "3"}, {"SET", "db3", "x"}, {"HSET", "db3h", "a", "1"}, {"PEXPIREAT", "db3h", "4102444800123"}, {"SELECT", "0"},
	} {
		if r := c.Do(args...); strings.HasPrefix(r, "-") {
			t.Fatalf("%v: %q", args, r)
		}
	}
}

// contents describes every key of every database of c, with its value
// and deadline, sorted; keys are shown without prefix.
func contents(t *testing.T, c *resptest.Conn, prefix string) []string {
	t.Helper()
	var out []string
	sorted := func(raw string) string {
		s, err := compat.SortAggregate(raw)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for db := range 16 {
		c.Do("SELECT", strconv.Itoa(db))
		parts := strings.Split(c.Do("KEYS", "*"), "\r\n")
		for i := 2; i < len(parts); i += 2 {
			k := parts[i]
			var v string
			switch typ := c.Do("TYPE", k); typ {
			case "+string\r\n":
				v = c.Do("GET", k)
			case "+list\r\n":
				v = c.Do("LRANGE", k, "0", "-1")
			case "+set\r\n":
				v = sorted(c.Do("SMEMBERS", k))
			case "+zset\r\n":
				v = c.Do("ZRANGE", k, "0", "-1", "WITHSCORES")
			case "+hash\r\n":
				v = sorted(c.Do("HGETALL", k))
			case "+stream\r\n":
				v = c.Do("XRANGE", k, "-", "+") + c.Do("XINFO", "GROUPS", k) + c.Do("XPENDING", k, "g")
			default:
				v = typ
			}
			name, ok := strings.CutPrefix(k, prefix)
			if !ok {
				t.Fatalf("key %q has no prefix %q", k, prefix)
			}
			out = append(out, strconv.Itoa(db)+" "+name+" "+v+" "+c.Do("PEXPIRETIME", k))
		}
	}
	c.Do("SELECT", "0")
	sort.Strings(out)
	return out
}

func TestKVExportImport(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	env := map[string]string{"FLECT_NODE": n.Addr}
	srcURL, _, err := runKV2(t, env, "create", "src")
	if err != nil {
		t.Fatal(err)
	}
	dstURL, _, _ := runKV2(t, env, "create", "dst")
	src, dst := storeConn(t, n, srcURL), storeConn(t, n, dstURL)
	dataset(t, src)
	want := contents(t, src, "")
	if len(want) != 16 {
		t.Fatalf("dataset has %d keys", len(want))
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "src.rdb")

	out, stderr, err := runKV2(t, env, "export", "src", "--rdb", file)
	if err != nil || !strings.HasPrefix(out, "exported 16 keys from store src to "+file+" (RDB version 11, ") ||
		!strings.Contains(out, "  db0: 14 keys\n  db3: 2 keys\n") || stderr != "" {
		t.Fatalf("export: %q %q %v", out, stderr, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("files left: %v", ents)
	}
	// Into another store: every key, TTL and database.
	dst.Do("SET", "other", "1")
	out, stderr, err = runKV2(t, env, "import", "dst", file)
	if err != nil || !strings.HasPrefix(out, "imported 16 keys into store dst from "+file+" (RDB version 11, ") || stderr != "" {
		t.Fatalf("import: %q %q %v", out, stderr, err)
	}
	got := contents(t, dst, "")
	if len(got) != 17 {
		t.Fatalf("dst has %d keys", len(got))
	}
	got = slicesWithout(got, "0 other ")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("imported keys differ:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The default namespace saw nothing.
	if r := n.Dial(t).Do("DBSIZE"); r != ":0\r\n" {
		t.Fatalf("default namespace DBSIZE %q", r)
	}
	// --flush empties the store first; --json reports.
	out, _, err = runKV2(t, env, "import", "dst", file, "--flush", "--json")
	var is importStats
	if err != nil || json.Unmarshal([]byte(out), &is) != nil || is.Keys != 16 || is.Databases["db3"] != 2 || is.RDBVersion != 11 {
		t.Fatalf("import --json: %q %v", out, err)
	}
	if got := contents(t, dst, ""); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after --flush:\n%s", strings.Join(got, "\n"))
	}

	// The default namespace, with --prefix and for Redis 7.0.
	def := n.Dial(t)
	dataset(t, def)
	out, _, err = runKV2(t, env, "export", "--rdb", file, "--prefix", "app", "--rdb-version", "10", "--json")
	var es exportStats
	if err != nil || json.Unmarshal([]byte(out), &es) != nil || es.Keys != 16 || es.RDBVersion != 10 || es.Store != "" {
		t.Fatalf("export --json: %q %v", out, err)
	}
	if data, _ := os.ReadFile(file); !bytes.HasPrefix(data, []byte("REDIS0010")) {
		t.Fatalf("header %q", data[:9])
	}
	def.Do("FLUSHALL")
	if out, _, err := runKV2(t, env, "import", file); err != nil || !strings.Contains(out, "into the default namespace") {
		t.Fatalf("import into the default namespace: %q %v", out, err)
	}
	if got := contents(t, def, "app:"); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("prefixed keys differ:\n%s", strings.Join(got, "\n"))
	}
}

func slicesWithout(s []string, prefix string) []string {
	out := s[:0]
	for _, x := range s {
		if !strings.HasPrefix(x, prefix) {
			out = append(out, x)
		}
	}
	return out
}

// TestKVExportFieldTTLs checks the warning for hash fields whose TTL the
// file cannot hold, and that expired fields stay out.
func TestKVExportFieldTTLs(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	env := map[string]string{"FLECT_NODE": n.Addr}
	c := n.Dial(t)
	c.Do("HSET", "h", "a", "1", "b", "2")
	if r := c.Do("HPEXPIRE", "h", "100000", "FIELDS", "1", "a"); r != "*1\r\n:1\r\n" {
		t.Fatalf("HPEXPIRE: %q", r)
	}
	file := filepath.Join(t.TempDir(), "h.rdb")
	out, stderr, err := runKV2(t, env, "export", "--rdb", file)
	if err != nil || !strings.HasPrefix(out, "exported 1 keys") ||
		!strings.Contains(stderr, `warning: 1 hash fields were written without their TTL (RDB version 11 has no field TTLs), in keys "h"`) {
		t.Fatalf("export: %q %q %v", out, stderr, err)
	}
	c.Do("FLUSHALL")
	if _, _, err := runKV2(t, env, "import", file); err != nil {
		t.Fatal(err)
	}
	if r := c.Do("HPTTL", "h", "FIELDS", "2", "a", "b"); r != "*2\r\n:-1\r\n:-1\r\n" {
		t.Fatalf("HPTTL after import: %q", r)
	}
}

// writeRDB writes an RDB file of keys (name, DB, value, deadline).
func writeRDB(t *testing.T, path string, keys ...any) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w, err := rdb.NewFileWriter(f, rdb.WriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(keys); i += 4 {
		w.SelectDB(keys[i+1].(int), 0, 0)
		if _, err := w.Write([]byte(keys[i].(string)), keys[i+2].([]byte), keys[i+3].(int64)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// str is the serialized value of a short string.
func str(s string) []byte { return append([]byte{rdb.TypeString, byte(len(s))}, s...) }

func TestKVImportSkipsAndErrors(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	env := map[string]string{"FLECT_NODE": n.Addr}
	c := n.Dial(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "a.rdb")
	past := time.Now().Add(-time.Hour).UnixMilli()
	writeRDB(t, file, "old", 0, str("x"), past, "new", 0, str("y"), int64(-1), "db2", 2, str("z"), int64(-1))
	out, _, err := runKV2(t, env, "import", file)
	if err != nil || !strings.Contains(out, "imported 2 keys") || !strings.Contains(out, "skipped: 1 expired keys, 0 empty keys, 0 function libraries") {
		t.Fatalf("import: %q %v", out, err)
	}
	if r := c.Do("EXISTS", "old", "new"); r != ":1\r\n" {
		t.Fatalf("EXISTS: %q", r)
	}

	// The LRU idle time a file records is kept.
	idle := append([]byte("REDIS0011"), 248, 0x50, 0x10, rdb.TypeString, 4, 'i', 'd', 'l', 'e', 1, 'v', 255)
	os.WriteFile(file, binary.LittleEndian.AppendUint64(idle, 0), 0o644)
	if _, _, err := runKV2(t, env, "import", file); err != nil {
		t.Fatal(err)
	}
	if r := c.Do("OBJECT", "IDLETIME", "idle"); r != ":4112\r\n" && r != ":4113\r\n" {
		t.Fatalf("OBJECT IDLETIME: %q", r)
	}

	// A key of DB 20: SELECT fails, named.
	writeRDB(t, file, "k", 20, str("x"), int64(-1))
	if _, _, err := runKV2(t, env, "import", file); err == nil || !strings.Contains(err.Error(), "SELECT 20: ERR DB index is out of range") {
		t.Fatalf("DB 20: %v", err)
	}
	// A value RESTORE refuses: named with its file offset.
	writeRDB(t, file, "ok", 0, str("x"), int64(-1), "bad", 0, []byte{rdb.TypeSetListpack, 3, 1, 2, 3}, int64(-1))
	_, _, err = runKV2(t, env, "import", file)
	if err == nil || !strings.Contains(err.Error(), `key "bad" (DB 0, file offset `) || !strings.Contains(err.Error(), "Bad data format") {
		t.Fatalf("bad value: %v", err)
	}
	// Files that are not RDB, or truncated, or hold modules.
	os.WriteFile(file, []byte("hello world"), 0o644)
	if _, _, err := runKV2(t, env, "import", file); err == nil || !strings.Contains(err.Error(), "rdb: offset 0: not an RDB file") {
		t.Fatalf("not RDB: %v", err)
	}
	writeRDB(t, file, "k", 0, str("x"), int64(-1))
	data, _ := os.ReadFile(file)
	os.WriteFile(file, data[:len(data)-3], 0o644)
	if _, _, err := runKV2(t, env, "import", file); err == nil || !strings.Contains(err.Error(), "unexpected end of file") {
		t.Fatalf("truncated: %v", err)
	}
	mod := append([]byte("REDIS0011"), 247, 1, 2, 3, 255)
	os.WriteFile(file, binary.LittleEndian.AppendUint64(mod, 0), 0o644)
	if _, _, err := runKV2(t, env, "import", file); err == nil || !strings.Contains(err.Error(), "module data") {
		t.Fatalf("modules: %v", err)
	}
	if _, _, err := runKV2(t, env, "import", filepath.Join(dir, "none.rdb")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("missing file: %v", err)
	}
	writeRDB(t, file, "k", 0, str("x"), int64(-1))
	if _, _, err := runKV2(t, env, "import", "nope", file); err == nil || err.Error() != "store nope: no such store" {
		t.Fatalf("missing store: %v", err)
	}
	if _, _, err := runKV2(t, env, "import"); err == nil {
		t.Fatal("import without a file accepted")
	}
}

func TestKVExportErrors(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	env := map[string]string{"FLECT_NODE": n.Addr}
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"export"}, "give the file to write with --rdb <file>"},
		{[]string{"export", "--rdb", "x.rdb", "--rdb-version", "9"}, "invalid --rdb-version 9"},
		{[]string{"export", "--rdb", "x.rdb", "--prefix", ""}, "--prefix must not be empty"},
		{[]string{"export", "nope", "--rdb", filepath.Join(dir, "x.rdb")}, "store nope: no such store"},
		{[]string{"export", "--rdb", filepath.Join(dir, "no", "x.rdb")}, "no such file or directory"},
	} {
		if _, _, err := runKV2(t, env, c.args...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want %q", c.args, err, c.want)
		}
	}
	// An empty namespace gives a valid empty file.
	file := filepath.Join(dir, "empty.rdb")
	if out, _, err := runKV2(t, env, "export", "--rdb", file); err != nil || !strings.HasPrefix(out, "exported 0 keys") {
		t.Fatalf("empty export: %q %v", out, err)
	}
	f, _ := os.Open(file)
	defer f.Close()
	r, err := rdb.NewFileReader(f, -1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("empty file: %v", err)
	}
}

func TestProgressLines(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, "imported", 4<<20)
	p.update(10, 1<<20)
	if buf.Len() != 0 {
		t.Fatalf("printed before a second: %q", buf.String())
	}
	p.start = p.start.Add(-2 * time.Second)
	p.last = p.start
	p.update(1000, 1<<20)
	line := buf.String()
	if !strings.HasPrefix(line, "imported 1000 keys, 1.0 MB (25%), 6s left, ") || !strings.HasSuffix(line, " keys/s\n") {
		t.Fatalf("progress line %q", line)
	}
	p.update(2000, 2<<20)
	if strings.Count(buf.String(), "\n") != 1 {
		t.Fatalf("printed twice within a second: %q", buf.String())
	}
}
