package snapshot

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

func TestOpenLocked(t *testing.T) {
	st, dir := openStore(t)
	_, err := Open(dir, quietLog())
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second Open: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); !errors.Is(err, errClosed) {
		t.Errorf("second Close: %v", err)
	}
	st2, err := Open(dir, quietLog())
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	st2.Close()
}

func TestMeta(t *testing.T) {
	st, dir := openStore(t)
	for k, v := range map[string]string{"store/a": "1", "store/b": "2", "user/x": "3", "": "empty key"} {
		if err := st.PutMeta(k, []byte(v)); err != nil {
			t.Fatal(err)
		}
	}
	src := newTNode(t)
	src.must("", 0, "SET", "k", "v")
	src.snapshotTo(st) // snapshot keys are not metadata
	if err := st.DeleteMeta("store/b"); err != nil {
		t.Fatal(err)
	}
	if err := st.DeleteMeta("absent"); err != nil {
		t.Fatal(err)
	}
	st = reopen(t, st, dir)
	got, err := st.Metas("store/")
	if err != nil || len(got) != 1 || string(got["store/a"]) != "1" {
		t.Fatalf("Metas(store/) = %q, %v", got, err)
	}
	all, err := st.Metas("")
	if err != nil || len(all) != 3 || string(all[""]) != "empty key" || string(all["user/x"]) != "3" {
		t.Fatalf("Metas() = %q, %v", all, err)
	}
	st.Close()
	if err := st.PutMeta("a", nil); !errors.Is(err, errClosed) {
		t.Errorf("PutMeta after Close: %v", err)
	}
	if _, err := st.Metas(""); !errors.Is(err, errClosed) {
		t.Errorf("Metas after Close: %v", err)
	}
}

// snapKeys lists the generations that have keys in the store.
func snapGens(t *testing.T, st *Store) []uint64 {
	t.Helper()
	it, err := st.db.NewIter(&pebble.IterOptions{LowerBound: prefixSnap, UpperBound: endSnap})
	if err != nil {
		t.Fatal(err)
	}
	defer it.Close()
	var gens []uint64
	for ok := it.First(); ok; ok = it.Next() {
		g, _ := parseGen(it.Key())
		if len(gens) == 0 || gens[len(gens)-1] != g {
			gens = append(gens, g)
		}
	}
	return gens
}

// Old generations are deleted after a commit; at Open a generation that
// never became current is deleted and its number is not reused.
func TestGenerations(t *testing.T) {
	src := newTNode(t)
	st, dir := openStore(t)
	for i := range 3 {
		src.must("", 0, "SET", "k", strconv.Itoa(i))
		src.snapshotTo(st)
	}
	if g := snapGens(t, st); len(g) != 1 || g[0] != 3 {
		t.Fatalf("generations after 3 commits: %v", g)
	}
	// A crash after a generation reached Pebble but before it became
	// current leaves it behind.
	w := st.NewWriter()
	if err := w.Add("", 0, "k", int64(99), 0); err != nil {
		t.Fatal(err)
	}
	if err := w.finish(true); err != nil {
		t.Fatal(err)
	}
	if err := w.sst.Set(manifestKey(w.gen), (&Manifest{Version: 1, Generation: w.gen}).encode()); err != nil {
		t.Fatal(err)
	}
	if err := w.sst.Close(); err != nil {
		t.Fatal(err)
	}
	w.sst = nil
	if err := st.db.Ingest(t.Context(), []string{w.path}); err != nil {
		t.Fatal(err)
	}
	st.release() // leave the generation in place
	if g := snapGens(t, st); len(g) != 2 || g[1] != 4 {
		t.Fatalf("generations with an uncommitted one: %v", g)
	}
	st = reopen(t, st, dir)
	if g := snapGens(t, st); len(g) != 1 || g[0] != 3 {
		t.Fatalf("generations after reopen: %v", g)
	}
	dst, _ := loadInto(t, st)
	if r := dst.do("GET", "k"); r != "$1\r\n2\r\n" {
		t.Errorf("GET k = %q", r)
	}
	if m := src.snapshotTo(st); m.Generation != 5 {
		t.Errorf("next generation %d, want 5", m.Generation)
	}
}

// Close waits for a writer to finish; a writer of a closed store fails.
func TestCloseWaitsForWriters(t *testing.T) {
	st, _ := openStore(t)
	w := st.NewWriter()
	closed := make(chan error)
	go func() { closed <- st.Close() }()
	if err := w.Add("", 0, "k", int64(1), 0); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(Meta{}); err != nil {
		t.Fatal(err)
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	w2 := st.NewWriter()
	if err := w2.Add("", 0, "k", int64(1), 0); !errors.Is(err, errClosed) {
		t.Errorf("Add on a closed store: %v", err)
	}
	if err := w2.Commit(Meta{}); !errors.Is(err, errClosed) {
		t.Errorf("Commit on a closed store: %v", err)
	}
	w2.Abort()
	if _, err := st.Load(newTNode(t).n, nil); !errors.Is(err, errClosed) {
		t.Errorf("Load on a closed store: %v", err)
	}
}

// A store without a snapshot loads nothing.
func TestLoadNothing(t *testing.T) {
	st, _ := openStore(t)
	stats, err := st.Load(newTNode(t).n, nil)
	if err != nil || stats.Found {
		t.Fatalf("Load: %+v %v", stats, err)
	}
	if _, ok, err := st.Current(); ok || err != nil {
		t.Fatalf("Current: %v %v", ok, err)
	}
}

// Deleted generations leave the disk at once (their sstables are excised,
// not left to a compaction).
func TestOldGenerationsFreeDisk(t *testing.T) {
	src := newTNode(t)
	for i := range 2000 {
		src.must("", 0, "SET", "k"+strconv.Itoa(i), strings.Repeat("v", 2000))
	}
	st, dir := openStore(t)
	for range 6 {
		src.snapshotTo(st)
	}
	var size int64
	for range 250 { // obsolete files are removed in the background
		size = 0
		es, _ := os.ReadDir(filepath.Join(dir, PebbleDir))
		for _, e := range es {
			if info, err := e.Info(); err == nil && strings.HasSuffix(e.Name(), ".sst") {
				size += info.Size() // (a file deleted meanwhile has no info)
			}
		}
		if size < 6<<20 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if size >= 6<<20 {
		t.Fatalf("%d bytes of sstables for one 4 MB snapshot", size)
	}
}
