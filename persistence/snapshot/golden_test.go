package snapshot

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/flect-kv/flect/persistence/rdb"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// goldenFile pins the bytes of format version 1.
const goldenFile = "testdata/golden_v1.txt"

// goldenRecord is one key of the golden snapshot.
type goldenRecord struct {
	ns     string
	db     int
	key    string
	expire int64
	setup  []string // commands building the value in a scratch node (key "v")
}

// goldenRecords have deterministic serializations (no hashtable-encoded
// sets or hashes, whose order depends on a random seed).
func goldenRecords() []goldenRecord {
	many := func(cmd string, n int, f func(i int) []string) []string {
		out := []string{cmd, "v"}
		for i := range n {
			out = append(out, f(i)...)
		}
		return out
	}
	return []goldenRecord{
		{key: "int", setup: []string{"SET", "v", "12345"}},
		{key: "raw", setup: []string{"SET", "v", "hello world"}},
		{key: "long", setup: []string{"SET", "v", strings.Repeat("abcdefgh", 10)}},
		{key: "bin\x00\xff", expire: 1_800_000_000_000, setup: []string{"SET", "v", "\x00\r\n"}},
		{key: "listlp", setup: []string{"RPUSH", "v", "a", "1", "-70000", ""}},
		{key: "listql", setup: many("RPUSH", 300, func(i int) []string { return []string{"element-" + strconv.Itoa(i)} })},
		{key: "intset", setup: []string{"SADD", "v", "1", "-3", "8589934592"}},
		{key: "setlp", setup: []string{"SADD", "v", "a", "b", "3"}},
		{key: "zsetlp", setup: []string{"ZADD", "v", "1.5", "a", "inf", "b"}},
		{key: "zsetsl", setup: many("ZADD", 200, func(i int) []string { return []string{strconv.Itoa(i), "m" + strconv.Itoa(i)} })},
		{key: "hashlp", setup: []string{"HSET", "v", "f", "v", "g", "12"}},
		{key: "hashttl", setup: []string{"HSET", "v", "f", "v"}},
		{key: "hll", setup: []string{"PFADD", "v", "a", "b", "c"}},
		{key: "stream", setup: []string{"XADD", "v", "1-1", "f", "v"}},
		{ns: "tenant", db: 7, key: "k", expire: 1_700_000_000_999, setup: []string{"SET", "v", "in a store"}},
		{db: 15, key: "last", setup: []string{"LPUSH", "v", "z"}},
	}
}

// goldenValue builds a record's value in a scratch node.
func goldenValue(t *testing.T, g goldenRecord) any {
	t.Helper()
	tn := newTNode(t)
	tn.must("", 0, g.setup...)
	switch g.key {
	case "hashttl":
		tn.must("", 0, "HPEXPIREAT", "v", "1800000000000", "FIELDS", "1", "f")
	case "stream":
		tn.must("", 0, "XADD", "v", "2-0", "a", "b")
		tn.must("", 0, "XGROUP", "CREATE", "v", "g", "0")
		tn.must("", 0, "XREADGROUP", "GROUP", "g", "c", "COUNT", "1", "STREAMS", "v", ">")
	}
	d := tn.must("", 0, "DUMP", "v")
	nl := strings.IndexByte(d, '\n')
	payload, ok := rdb.VerifyPayload([]byte(d[nl+1 : len(d)-2]))
	if !ok {
		t.Fatalf("%s: bad DUMP", g.key)
	}
	v, _, err := rdb.ReadValue(tn.n, payload)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// writeGolden writes the golden records as generation 1 of a new store.
func writeGolden(t *testing.T) *Store {
	t.Helper()
	st, _ := openStore(t)
	w := st.NewWriter()
	for _, g := range goldenRecords() {
		if err := w.Add(g.ns, g.db, g.key, goldenValue(t, g), g.expire); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Commit(Meta{Time: time.UnixMilli(1_700_000_000_000), Creator: "flect golden"}); err != nil {
		t.Fatal(err)
	}
	return st
}

// dumpSnap returns every snap/ key of st as "key-hex value-hex" lines.
func dumpSnap(t *testing.T, st *Store) string {
	t.Helper()
	it, err := st.db.NewIter(&pebble.IterOptions{LowerBound: prefixSnap, UpperBound: endSnap})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var b strings.Builder
	b.WriteString("# flect snapshot format version 1: every Pebble key of generation 1 (hex key, hex value).\n")
	b.WriteString("# Regenerate with go test ./persistence/snapshot -run TestGolden -update, only with a format version change.\n")
	for ok := it.First(); ok; ok = it.Next() {
		fmt.Fprintf(&b, "%x %x\n", it.Key(), it.Value())
	}
	return b.String()
}

// TestGoldenEncoding fails if the bytes a snapshot is written as change.
func TestGoldenEncoding(t *testing.T) {
	got := dumpSnap(t, writeGolden(t))
	if *update {
		if err := os.WriteFile(goldenFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("%s line %d differs:\n got  %.300s\n want %.300s\n(the on-disk format changed: bump FormatVersion and keep reading version 1)",
					goldenFile, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("%s: %d lines, want %d", goldenFile, len(gl), len(wl))
	}
}

// TestGoldenLoad loads the golden bytes: version 1 must stay readable.
func TestGoldenLoad(t *testing.T) {
	f, err := os.Open(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dir := t.TempDir()
	db, err := pebble.Open(filepath.Join(dir, PebbleDir), pebbleOptions(quietLog()))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		k, v, _ := strings.Cut(line, " ")
		kb, err1 := hex.DecodeString(k)
		vb, err2 := hex.DecodeString(v)
		if err1 != nil || err2 != nil {
			t.Fatalf("bad line %.80q", line)
		}
		if err := db.Set(kb, vb, pebble.NoSync); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Set(keyCurrent, []byte{0, 0, 0, 0, 0, 0, 0, 1}, pebble.Sync); err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, err := Open(dir, quietLog())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	tn := newTNode(t)
	tn.n.NewNamespace("tenant")
	tn.clock.Set(time.UnixMilli(1_700_000_000_000))
	stats, err := st.Load(tn.n, nil)
	if err != nil {
		t.Fatal(err)
	}
	recs := goldenRecords()
	if stats.Keys != int64(len(recs)) || stats.Manifest.Creator != "flect golden" ||
		stats.Manifest.Time.UnixMilli() != 1_700_000_000_000 {
		t.Fatalf("stats %+v", stats)
	}
	for _, g := range recs {
		want := dumpOf(t, goldenValue(t, g))
		r := tn.must(g.ns, g.db, "DUMP", g.key)
		nl := strings.IndexByte(r, '\n')
		if got := r[nl+1 : len(r)-2]; !bytes.Equal([]byte(got), want) {
			t.Errorf("%s: DUMP differs", g.key)
		}
		pt := tn.must(g.ns, g.db, "PEXPIRETIME", g.key)
		if want := g.expire; want != 0 && pt != ":"+strconv.FormatInt(want, 10)+"\r\n" || want == 0 && pt != ":-1\r\n" {
			t.Errorf("%s: PEXPIRETIME %q", g.key, pt)
		}
	}
	if r := tn.must("", 0, "HPEXPIRETIME", "hashttl", "FIELDS", "1", "f"); r != "*1\r\n:1800000000000\r\n" {
		t.Errorf("field deadline %q", r)
	}
	if r := tn.must("", 0, "XINFO", "GROUPS", "stream"); !strings.Contains(r, "pending\r\n:1") {
		t.Errorf("stream groups %q", r)
	}
}

func dumpOf(t *testing.T, v any) []byte {
	t.Helper()
	b, err := rdb.Dump(v, true) // as DUMP under the default rdbcompression
	if err != nil {
		t.Fatal(err)
	}
	return b
}
