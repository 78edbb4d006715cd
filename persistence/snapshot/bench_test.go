package snapshot

import (
	crand "crypto/rand"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/sstable/block"
	"github.com/flect-kv/flect/engine"
)

// The large save and load measurement, against Valkey's SAVE and RDB
// load of DEBUG POPULATE's dataset: FLECT_SNAPSHOT_BENCH=1000000 go test
// -run TestLargeSaveLoad -v ./persistence/snapshot

// populate stores keys key:0... with values value:0..., as DEBUG POPULATE.
func populate(n *engine.Node, keys int) {
	ns := n.Default()
	for i := range keys {
		s := strconv.Itoa(i)
		ns.LoadKey(0, []byte("key:"+s), engine.NewStringValue([]byte("value:"+s)), 0)
	}
}

func TestLargeSaveLoad(t *testing.T) {
	keys, _ := strconv.Atoi(os.Getenv("FLECT_SNAPSHOT_BENCH"))
	if keys == 0 {
		t.Skip("set FLECT_SNAPSHOT_BENCH to the number of keys")
	}
	src := newTNode(t)
	populate(src.n, keys)
	st, dir := openStore(t)
	for i := range 3 {
		start := time.Now()
		w := st.NewWriter()
		snap, err := src.n.BeginSnapshot(w.AddRecord)
		if err != nil {
			t.Fatal(err)
		}
		if err := snap.Run(); err != nil {
			t.Fatal(err)
		}
		walked := time.Since(start)
		if err := w.Commit(Meta{Time: snap.Time()}); err != nil {
			t.Fatal(err)
		}
		m, _, _ := st.Current()
		t.Logf("save %d: %d keys, %d chunks, %.1f MB in %v (walk %v, commit %v)", i, m.Keys, m.Chunks,
			float64(m.Bytes)/1e6, time.Since(start), walked, time.Since(start)-walked)
	}
	st = reopen(t, st, dir)
	for i := range 3 {
		dst := newTNode(t)
		runtime.GC()
		stats, err := st.Load(dst.n, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("load %d: %d keys in %v (%.0f keys/s, %d workers)", i, stats.Keys, stats.Duration,
			float64(stats.Keys)/stats.Duration.Seconds(), loadWorkers())
	}
}

// TestCompressionChoice compares LZF string compression (rdbcompression)
// and Pebble block compression on compressible and random values:
// FLECT_SNAPSHOT_BENCH_COMPRESSION=1 go test -run TestCompressionChoice -v.
func TestCompressionChoice(t *testing.T) {
	if os.Getenv("FLECT_SNAPSHOT_BENCH_COMPRESSION") == "" {
		t.Skip("set FLECT_SNAPSHOT_BENCH_COMPRESSION=1")
	}
	for _, random := range []bool{false, true} {
		src := newTNode(t)
		ns := src.n.Default()
		for i := range 200000 {
			s := strconv.Itoa(i)
			v := []byte("user:" + s + ":" + strings.Repeat("name=alice;role=admin;ts=1700000000;", 12))
			if random {
				v = make([]byte, 300)
				crand.Read(v)
			}
			ns.LoadKey(0, []byte("key:"+s), engine.NewStringValue(v), 0)
		}
		for _, pc := range []*block.CompressionProfile{block.NoCompression, block.FastestCompression, block.SnappyCompression} {
			for _, lzf := range []bool{false, true} {
				st, _ := openStore(t)
				for i := range st.opts.Levels {
					st.opts.Levels[i].Compression = func() *block.CompressionProfile { return pc }
				}
				var save, load time.Duration
				for range 5 {
					start := time.Now()
					w := st.NewWriter()
					w.SetCompression(lzf)
					snap, _ := src.n.BeginSnapshot(w.AddRecord)
					snap.Run()
					if err := w.Commit(Meta{Time: snap.Time()}); err != nil {
						t.Fatal(err)
					}
					if d := time.Since(start); save == 0 || d < save {
						save = d
					}
					ls, err := st.Load(newTNode(t).n, nil)
					if err != nil {
						t.Fatal(err)
					}
					if load == 0 || ls.Duration < load {
						load = ls.Duration
					}
				}
				t.Logf("random=%v pebble=%s lzf=%v: best save %v, best load %v, disk %.1f MB", random, pc.Name, lzf,
					save, load, float64(st.db.Metrics().DiskSpaceUsage())/1e6)
				st.Close()
			}
		}
	}
}

// BenchmarkWriterAdd measures Add of small string records.
func BenchmarkWriterAdd(b *testing.B) {
	st, _ := openStore(b)
	w := st.NewWriter()
	v := engine.NewStringValue([]byte("value:123456"))
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if err := w.Add("", 0, "key:"+strconv.Itoa(i), v, 0); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	w.Abort()
}
