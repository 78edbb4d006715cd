package rdb_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
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

// RDB files against real servers: a file Valkey 8 saved (committed under
// testdata) and one Redis 7.0 saves are read and restored into flect, key
// by key equal to what the server holds; a file flect's keys are written
// to as version 10 is loaded by Redis 7.0, key by key equal.

var updateGolden = flag.Bool("update-golden", false, "record testdata/valkey8.rdb again from valkey-server")

const goldenRDB = "testdata/valkey8.rdb"

// goldenKey is a key of a server as describe reads it.
type goldenKey struct {
	DB       int
	Key      string
	Reply    string // readBack's description
	ExpireAt string // PEXPIRETIME's raw reply
}

// fileDataset is every type in its encodings, TTLs, and keys in DB 0 and
// DB 3. Scores format the same in Redis 7.0 and Valkey 8.
func fileDataset() [][]string {
	out := [][]string{
		{"SET", "s:int", "12345"}, {"SET", "s:neg", "-7"}, {"SET", "s:raw", "hello"},
		{"SET", "s:long", strings.Repeat("abc", 100)}, {"SET", "s:bin", "\x00\xff\r\n"},
		{"SET", "s:" + strings.Repeat("long-key-", 5), "v"},
		{"RPUSH", "l:small", "a", "b", "c", "1", "2", "3"},
		{"RPUSH", "l:plain", "a", strings.Repeat("x", 9000), "b"},
		{"SADD", "set:int", "1", "2", "3", "-5", "70000"},
		{"SADD", "set:lp", "a", "b", "c", "1"},
		{"SADD", "set:ht", "a", strings.Repeat("m", 100)},
		{"ZADD", "z:small", "1", "a", "2.5", "b", "-3", "c", "inf", "d"},
		{"ZADD", "z:big", "1", "a", "2", strings.Repeat("z", 100)},
		{"HSET", "h:small", "f", "v", "n", "12"},
		{"HSET", "h:big", "f", strings.Repeat("v", 100), "g", "1"},
		{"XADD", "st", "1-1", "a", "1", "b", "2"}, {"XADD", "st", "2-1", "a", "3", "b", "4"}, {"XADD", "st", "3-0", "c", "1"},
		{"XGROUP", "CREATE", "st", "g", "0"},
		{"XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "st", ">"},
		{"XREADGROUP", "GROUP", "g", "bob", "STREAMS", "st", ">"},
		{"XGROUP", "CREATE", "st", "g2", "$"},
		{"PFADD", "hll", "a", "b", "c", "d", "e"},
		{"SET", "ttl:s", "v"}, {"PEXPIREAT", "ttl:s", "4102444800000"},
		{"RPUSH", "ttl:l", "x"}, {"PEXPIREAT", "ttl:l", "4102444800123"},
	}
	big := []string{"RPUSH", "l:big"}
	for i := range 300 {
		big = append(big, "element-"+strconv.Itoa(i))
	}
	zbig, hbig, sbig := []string{"ZADD", "z:many"}, []string{"HSET", "h:many"}, []string{"SADD", "set:many"}
	for i := range 200 {
		zbig = append(zbig, strconv.Itoa(i%17)+".25", "m"+strconv.Itoa(i))
		hbig = append(hbig, "f"+strconv.Itoa(i), "v"+strconv.Itoa(i))
		sbig = append(sbig, "m"+strconv.Itoa(i))
	}
	dense := []string{"PFADD", "hll:dense"}
	for i := range 3000 {
		dense = append(dense, "e"+strconv.Itoa(i))
	}
	out = append(out, big, zbig, hbig, sbig, dense)
	return append(out, []string{"SELECT", "3"}, []string{"SET", "db3:s", "x"}, []string{"HSET", "db3:h", "a", "1"},
		[]string{"PEXPIREAT", "db3:h", "4102444800000"}, []string{"SELECT", "0"})
}

func populate(t *testing.T, c *resptest.Conn) {
	t.Helper()
	c.Do("FLUSHALL")
	for _, args := range fileDataset() {
		if r := c.Do(args...); strings.HasPrefix(r, "-") {
			t.Fatalf("%v: %q", args, r)
		}
	}
}

// bulkString parses a raw bulk reply ("" for a null).
func bulkString(t *testing.T, raw string) string {
	t.Helper()
	if raw == "$-1\r\n" {
		return ""
	}
	return bulk(t, raw)
}

// configGet returns a server's configuration value.
func configGet(t *testing.T, c *resptest.Conn, name string) string {
	t.Helper()
	raw := c.Do("CONFIG", "GET", name)
	parts := strings.Split(raw, "\r\n")
	if len(parts) < 5 {
		t.Fatalf("CONFIG GET %s: %q", name, raw)
	}
	return parts[4]
}

// describe returns every key of every database of a server with
// readBack's description and its PEXPIRETIME; withEnc keeps OBJECT
// ENCODING.
func describe(t *testing.T, c *resptest.Conn, withEnc bool) []goldenKey {
	t.Helper()
	var out []goldenKey
	for db := range 16 {
		c.Do("SELECT", strconv.Itoa(db))
		raw := c.Do("KEYS", "*")
		parts := strings.Split(raw, "\r\n")
		var keys []string
		for i := 2; i < len(parts); i += 2 {
			keys = append(keys, parts[i])
		}
		sort.Strings(keys)
		for _, k := range keys {
			d := readBack(t, c, k)
			if !withEnc {
				d, _, _ = strings.Cut(d, encSep)
			}
			out = append(out, goldenKey{db, k, d, c.Do("PEXPIRETIME", k)})
		}
	}
	c.Do("SELECT", "0")
	return out
}

// restoreFile restores every key of an RDB file into c, as `flect kv
// import` does, and returns the file's reader.
func restoreFile(t *testing.T, c *resptest.Conn, path string) *rdb.FileReader {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	r, err := rdb.NewFileReader(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	c.Do("FLUSHALL")
	db := 0
	for {
		e, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if e.DB != db {
			db = e.DB
			c.Do("SELECT", strconv.Itoa(db))
		}
		ttl := "0"
		if e.ExpireAt >= 0 {
			ttl = strconv.FormatInt(e.ExpireAt, 10)
		}
		if got := c.Do("RESTORE", string(e.Key), ttl, string(e.Payload(nil)), "ABSTTL", "REPLACE"); got != "+OK\r\n" {
			t.Fatalf("RESTORE %q: %q", e.Key, got)
		}
	}
	c.Do("SELECT", "0")
	return r
}

func compareKeys(t *testing.T, got, want []goldenKey) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d keys, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("key %d:\n got %q\nwant %q", i, short(got[i].Key+" "+got[i].Reply+" "+got[i].ExpireAt),
				short(want[i].Key+" "+want[i].Reply+" "+want[i].ExpireAt))
		}
	}
}

// TestFileValkey8Golden reads the file valkey-server 8.0.1 saved of
// fileDataset and checks every key restored in flect against what Valkey
// held, encodings included. With -update-golden, the file and Valkey's
// description are recorded again.
func TestFileValkey8Golden(t *testing.T) {
	if *updateGolden {
		recordGolden(t)
	}
	data, err := os.ReadFile(goldenRDB + ".txt")
	if err != nil {
		t.Fatal(err)
	}
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	r := restoreFile(t, c, goldenRDB)
	if got := goldenText(describe(t, c, true)); got != string(data) {
		t.Errorf("keys restored from %s differ from Valkey's:\n%s\nwant:\n%s", goldenRDB, got, data)
	}
	if r.Version() != 11 || !r.Stats().Checksummed || r.Aux()[0] != (rdb.AuxField{Key: "valkey-ver", Value: "8.0.1"}) {
		t.Fatalf("version %d, stats %+v, aux %v", r.Version(), r.Stats(), r.Aux())
	}
}

// goldenText lays keys out one per line, quoted, replies longer than 200
// bytes as their SHA-256.
func goldenText(keys []goldenKey) string {
	var b strings.Builder
	for _, k := range keys {
		reply := k.Reply
		if len(reply) > 200 {
			reply = fmt.Sprintf("sha256:%x", sha256.Sum256([]byte(reply)))
		}
		fmt.Fprintf(&b, "%d %s %s %s\n", k.DB, strconv.Quote(k.Key), strconv.Quote(reply), strconv.Quote(k.ExpireAt))
	}
	return b.String()
}

// recordGolden saves fileDataset from valkey-server into testdata.
func recordGolden(t *testing.T) {
	addr := startValkey(t)
	v := resptest.Dial(t, addr)
	populate(t, v)
	if r := v.Do("SAVE"); r != "+OK\r\n" {
		t.Fatalf("SAVE: %q", r)
	}
	data, err := os.ReadFile(filepath.Join(configGet(t, v, "dir"), configGet(t, v, "dbfilename")))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(goldenRDB, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(goldenRDB+".txt", []byte(goldenText(describe(t, v, true))), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestFileRedis7Import reads the file Redis 7.0 (RDB version 10) saves of
// fileDataset and checks every key restored in flect.
func TestFileRedis7Import(t *testing.T) {
	rs, err := compat.StartRedis(t)
	if err != nil {
		t.Skip(err)
	}
	r := resptest.Dial(t, rs.Addr)
	populate(t, r)
	if got := r.Do("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE: %q", got)
	}
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	fr := restoreFile(t, c, filepath.Join(configGet(t, r, "dir"), configGet(t, r, "dbfilename")))
	if fr.Version() != 10 {
		t.Fatalf("redis-server wrote version %d", fr.Version())
	}
	// Redis 7.0 has no listpack sets: encodings may differ.
	compareKeys(t, describe(t, c, false), describe(t, r, false))
}

// TestFileRedis7Load writes flect's keys to a version 10 file (DUMP and
// PEXPIRETIME per key, as `flect kv export` does), starts Redis 7.0 on it
// and compares every key.
func TestFileRedis7Load(t *testing.T) {
	bin, err := exec.LookPath(compat.RedisServerBinary)
	if err != nil {
		t.Skip(err)
	}
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	populate(t, c)
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "flect.rdb"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := rdb.NewFileWriter(out, rdb.WriterOptions{Version: rdb.FileVersion10})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range describe(t, c, false) {
		c.Do("SELECT", strconv.Itoa(want.DB))
		p, ok := rdb.VerifyPayload([]byte(bulkString(t, c.Do("DUMP", want.Key))))
		if !ok {
			t.Fatalf("DUMP %s", want.Key)
		}
		at, _ := strconv.ParseInt(strings.Trim(c.Do("PEXPIRETIME", want.Key), ":\r\n"), 10, 64)
		if at < 0 {
			at = -1
		}
		w.SelectDB(want.DB, 0, 0)
		if _, err := w.Write([]byte(want.Key), p, at); err != nil {
			t.Fatal(err)
		}
	}
	c.Do("SELECT", "0")
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	addr := startServer(t, bin, "--dir", dir, "--dbfilename", "flect.rdb")
	r := resptest.Dial(t, addr)
	compareKeys(t, describe(t, r, false), describe(t, c, false))
}

// startServer runs a redis-server or valkey-server binary with extra
// arguments on a free port and returns its address.
func startServer(t *testing.T, bin string, args ...string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	var log bytes.Buffer
	cmd := exec.Command(bin, append([]string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "",
		"--appendonly", "no", "--logfile", "", "--loglevel", "warning"}, args...)...)
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for range 500 {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("%s exited: %v\n%s", bin, err, log.String())
		default:
		}
		if nc, err := net.Dial("tcp", addr); err == nil {
			nc.Close()
			return addr
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%s did not start on %s", bin, addr)
	return ""
}

// TestFileReaderOnGoldenPrefixes checks that every truncation of the
// golden file is refused.
func TestFileReaderOnGoldenPrefixes(t *testing.T) {
	data, err := os.ReadFile(goldenRDB)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < len(data); i += 1 + i/64 {
		r, err := rdb.NewFileReader(bytes.NewReader(data[:i]), int64(i))
		for err == nil {
			_, err = r.Next()
		}
		var fe *rdb.FileError
		if !errors.As(err, &fe) {
			t.Fatalf("prefix of %d bytes: %v", i, err)
		}
	}
	if binary.LittleEndian.Uint64(data[len(data)-8:]) == 0 {
		t.Fatal("golden file has no checksum")
	}
}
