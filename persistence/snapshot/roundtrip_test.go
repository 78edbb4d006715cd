package snapshot

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flect-kv/flect/engine"
)

// loadInto loads st's current snapshot into a new node that has the given
// stores.
func loadInto(t *testing.T, st *Store, stores ...string) (*tnode, LoadStats) {
	t.Helper()
	tn := newTNode(t)
	for _, s := range stores {
		tn.n.NewNamespace(s)
	}
	stats, err := st.Load(tn.n, nil)
	if err != nil {
		t.Fatal(err)
	}
	return tn, stats
}

func TestRoundTripAllTypes(t *testing.T) {
	src := newTNode(t)
	src.fillAllTypes()
	want := src.contents()
	if len(want) < 29 {
		t.Fatalf("only %d keys filled", len(want))
	}
	st, dir := openStore(t)
	m := src.snapshotTo(st)
	if m.Keys != uint64(len(want)) || m.Generation != 1 || m.Version != FormatVersion || m.Creator != "test" ||
		!m.Time.Equal(baseTime) || m.Chunks != 1 {
		t.Fatalf("manifest %+v", m)
	}
	perDB := map[string]uint64{}
	for k := range want {
		parts := strings.SplitN(k, "/", 3)
		perDB[parts[0]+"/"+parts[1]]++
	}
	if len(m.DBs) != len(perDB) {
		t.Errorf("manifest databases %+v, want %v", m.DBs, perDB)
	}
	for i, d := range m.DBs {
		if perDB[d.NS+"/"+strconv.Itoa(d.DB)] != d.Keys || i > 0 && (m.DBs[i-1].NS > d.NS ||
			m.DBs[i-1].NS == d.NS && m.DBs[i-1].DB >= d.DB) {
			t.Errorf("manifest databases %+v, want %v", m.DBs, perDB)
		}
	}
	st = reopen(t, st, dir)
	dst, stats := loadInto(t, st, "tenant", "other")
	if !stats.Found || stats.Keys != int64(len(want)) || stats.Expired != 0 || stats.Skipped != 0 {
		t.Fatalf("stats %+v", stats)
	}
	sameContents(t, dst.contents(), want)
	// Field deadlines are absolute.
	if r := dst.do("HPEXPIRETIME", "hashttl", "FIELDS", "3", "a", "b", "c"); r != "*3\r\n:"+
		strconv.FormatInt(baseTime.UnixMilli()+500000, 10)+"\r\n:-1\r\n:"+strconv.FormatInt(baseTime.UnixMilli()+500000, 10)+"\r\n" {
		t.Errorf("field deadlines %q", r)
	}
}

// TTLs are absolute deadlines: a key loaded later has less time left, and
// one whose deadline passed is not loaded.
func TestLoadKeepsDeadlines(t *testing.T) {
	src := newTNode(t)
	src.must("", 0, "SET", "short", "v", "PX", "1000")
	src.must("", 0, "SET", "long", "v", "PX", "100000")
	src.must("", 2, "SET", "forever", "v")
	src.must("", 0, "HSET", "h", "a", "1", "b", "2")
	src.must("", 0, "HPEXPIRE", "h", "1000", "FIELDS", "1", "a")
	st, _ := openStore(t)
	src.snapshotTo(st)

	dst := newTNode(t)
	dst.clock.Advance(5 * time.Second)
	stats, err := st.Load(dst.n, nil)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Keys != 3 || stats.Expired != 1 {
		t.Fatalf("stats %+v", stats)
	}
	if r := dst.do("PTTL", "long"); r != ":95000\r\n" {
		t.Errorf("PTTL long = %q", r)
	}
	if r := dst.do("EXISTS", "short"); r != ":0\r\n" {
		t.Errorf("EXISTS short = %q", r)
	}
	if r := dst.doIn("", 2, "TTL", "forever"); r != ":-1\r\n" {
		t.Errorf("TTL forever = %q", r)
	}
	// The field's deadline has passed: it is gone when read.
	if r := dst.do("HGETALL", "h"); r != "*2\r\n$1\r\nb\r\n$1\r\n2\r\n" {
		t.Errorf("HGETALL h = %q", r)
	}
}

// Keys of a store the node does not have are skipped and counted.
func TestLoadSkipsMissingNamespaces(t *testing.T) {
	src := newTNode(t)
	src.must("", 0, "SET", "a", "1")
	src.must("gone", 0, "SET", "b", "2")
	src.must("gone", 1, "SET", "c", "3")
	src.must("kept", 0, "SET", "d", "4")
	st, _ := openStore(t)
	src.snapshotTo(st)
	dst, stats := loadInto(t, st, "kept")
	if stats.Keys != 2 || stats.Skipped != 2 {
		t.Fatalf("stats %+v", stats)
	}
	if r := dst.doIn("kept", 0, "GET", "d"); r != "$1\r\n4\r\n" {
		t.Errorf("GET d = %q", r)
	}
}

// A key larger than a chunk is split into fragments and reassembled.
func TestRoundTripLargeValues(t *testing.T) {
	src := newTNode(t)
	huge := strings.Repeat("0123456789abcdef", 3*chunkSize/16+77) // 3+ chunks
	src.must("", 0, "SET", "huge", huge)
	src.must("", 0, "SET", "before", "x")
	args := []string{"RPUSH", "biglist"}
	for i := range 50000 {
		args = append(args, "element-"+strconv.Itoa(i)+strings.Repeat("y", 40))
	}
	src.must("", 0, args...)
	for i := range 2000 {
		src.must("", 1, "SET", "k"+strconv.Itoa(i), strings.Repeat("v", 1000))
	}
	want := src.contents()
	st, dir := openStore(t)
	m := src.snapshotTo(st)
	if m.Chunks < 6 {
		t.Fatalf("%d chunks", m.Chunks)
	}
	st = reopen(t, st, dir)
	dst, _ := loadInto(t, st)
	sameContents(t, dst.contents(), want)
}

// Add is safe from many goroutines; every record arrives once.
func TestWriterConcurrentAdd(t *testing.T) {
	st, _ := openStore(t)
	w := st.NewWriter()
	const workers, per = 8, 3000
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range per {
				v := &engine.Str{B: []byte(strings.Repeat("v", i%700))}
				if err := w.Add("", g, "k"+strconv.Itoa(i), v, 0); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := w.Commit(Meta{Time: baseTime}); err != nil {
		t.Fatal(err)
	}
	if err := w.Add("", 0, "late", int64(1), 0); !errors.Is(err, errWriterDone) {
		t.Errorf("Add after Commit: %v", err)
	}
	if err := w.Commit(Meta{}); !errors.Is(err, errWriterDone) {
		t.Errorf("second Commit: %v", err)
	}
	w.Abort() // no-op
	dst, stats := loadInto(t, st)
	if stats.Keys != workers*per {
		t.Fatalf("loaded %d keys", stats.Keys)
	}
	for g := range workers {
		if r := dst.doIn("", g, "DBSIZE"); r != ":"+strconv.Itoa(per)+"\r\n" {
			t.Errorf("db %d: DBSIZE %q", g, r)
		}
	}
	if r := dst.doIn("", 3, "STRLEN", "k699"); r != ":699\r\n" {
		t.Errorf("STRLEN = %q", r)
	}
}

// An aborted writer leaves the current snapshot alone; an empty node
// makes an empty snapshot.
func TestWriterAbortAndEmpty(t *testing.T) {
	src := newTNode(t)
	st, dir := openStore(t)
	m := src.snapshotTo(st) // empty
	if m.Keys != 0 || m.Chunks != 0 {
		t.Fatalf("empty snapshot manifest %+v", m)
	}
	src.must("", 0, "SET", "a", "1")
	src.snapshotTo(st)
	w := st.NewWriter()
	if err := w.Add("", 0, "b", int64(2), 0); err != nil {
		t.Fatal(err)
	}
	w.Abort()
	w.Abort()
	if err := w.Commit(Meta{}); !errors.Is(err, errWriterDone) {
		t.Errorf("Commit after Abort: %v", err)
	}
	// A value of unknown type is an error.
	w = st.NewWriter()
	if err := w.Add("", 0, "bad", struct{}{}, 0); err == nil {
		t.Error("Add of an unknown value type succeeded")
	}
	w.Abort()
	st = reopen(t, st, dir)
	dst, stats := loadInto(t, st)
	if stats.Keys != 1 || stats.Manifest.Generation != 2 {
		t.Fatalf("stats %+v", stats)
	}
	if r := dst.do("GET", "a"); r != "$1\r\n1\r\n" {
		t.Errorf("GET a = %q", r)
	}
	entries, _ := listTmp(dir)
	if len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
}

// A snapshot with a database the node lacks fails clearly.
func TestLoadTooManyDatabases(t *testing.T) {
	clock := engine.NewManualClock(baseTime)
	src := &tnode{t: t, clock: clock, n: engine.NewNode(engine.Options{Clock: clock, Databases: 32, Logger: quietLog()})}
	src.must("", 20, "SET", "k", "v")
	st, _ := openStore(t)
	src.snapshotTo(st)
	dst := newTNode(t)
	_, err := st.Load(dst.n, nil)
	if err == nil || !strings.Contains(err.Error(), "database 20") || errors.Is(err, ErrCorrupt) {
		t.Fatalf("Load: %v", err)
	}
}

func listTmp(dir string) ([]string, error) {
	es, err := os.ReadDir(filepath.Join(dir, TmpDir))
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names, err
}
