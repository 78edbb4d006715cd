package engine

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// freshSize is the size of v counted from scratch, without disturbing its
// running totals.
func freshSize(v any) int64 {
	var m *memTrack
	switch v := v.(type) {
	case *Hash:
		m = &v.memTrack
	case *Set:
		m = &v.memTrack
	case *ZSet:
		m = &v.memTrack
	case *List:
		m = &v.memTrack
	case *Stream:
		m = &v.memTrack
	default:
		return valueSize(v)
	}
	saved := *m
	m.recount()
	var nodes []int64
	if l, ok := v.(*List); ok {
		for nd := l.head; nd != nil; nd = nd.next {
			nodes = append(nodes, nd.mem)
		}
	}
	n := valueSize(v)
	if l, ok := v.(*List); ok {
		i := 0
		for nd := l.head; nd != nil; nd = nd.next {
			nd.mem = nodes[i]
			i++
		}
	}
	*m = saved
	return n
}

// auditMemory checks that the accounting of every database of ns matches
// its contents: each value's charge is its size, each shard's total the
// sum of its keys', the namespace's the sum of its shards'.
func auditMemory(t testing.TB, ns *Namespace) {
	t.Helper()
	var nsTotal int64
	for i, db := range ns.dbs {
		d := db.data
		for j := range d.shards {
			s := &d.shards[j]
			sum := bucketsMem(s.buckets)
			var bad []string
			s.keys.Each(func(e *Entry) bool {
				v := e.Val.val()
				acct, size := acctOf(v), freshSize(v)
				if acct != size && len(bad) < 5 {
					bad = append(bad, fmt.Sprintf("%q (%T %s): charged %d, size %d", e.Key(), v, encodingName(v), acct, size))
				}
				sum += keyMem(len(e.Key())) + acct
				if e.Val.timer() != nil {
					sum += timerMem
				}
				return true
			})
			for _, b := range bad {
				t.Errorf("db %d: %s", i, b)
			}
			if sum != s.mem {
				t.Errorf("db %d shard %d: keys cost %d, shard charged %d", i, j, sum, s.mem)
			}
			nsTotal += s.mem
		}
	}
	if got := ns.MemoryUsed(); got != nsTotal {
		t.Errorf("namespace charged %d, shards %d", got, nsTotal)
	}
}

func TestSizeClasses(t *testing.T) {
	for _, tc := range []struct{ in, want int64 }{
		{0, 0}, {1, 1}, {3, 3}, {5, 5}, {8, 8}, {9, 16}, {15, 16}, {16, 16}, {17, 24},
		{33, 48}, {100, 112}, {200, 208}, {1025, 1152}, {2000, 2048}, {32768, 32768},
		{32769, 40960}, {40000, 40960},
	} {
		if got := noscanMem(tc.in); got != tc.want {
			t.Errorf("noscanMem(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want int64 }{
		{1, 8}, {24, 24}, {512, 512}, {513, 576}, {8192, 9472}, {32760, 32768}, {32761, 32768}, {32769, 40960},
	} {
		if got := scanMem(tc.in); got != tc.want {
			t.Errorf("scanMem(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
	// A 24-byte node and a length byte: keys of 7, 23, 39 bytes fill
	// its 32, 48, 64-byte size classes; a key of 300 bytes has its own
	// allocation after a 24-byte string header.
	if keyNodeSize != 24 || keyMem(7) != 32 || keyMem(8) != 48 || keyMem(23) != 48 || keyMem(24) != 64 || keyMem(100) != 128 || keyMem(300) != 48+320 {
		t.Errorf("keyNodeSize %d, keyMem 7/8/23/24/100/300 = %d/%d/%d/%d/%d/%d", keyNodeSize, keyMem(7), keyMem(8), keyMem(23), keyMem(24), keyMem(100), keyMem(300))
	}
	if bucketsMem(4) != 32 || bucketsMem(4+8) != 32+64 || bucketsMem(1024) != 9472 {
		t.Errorf("bucketsMem = %d %d %d", bucketsMem(4), bucketsMem(12), bucketsMem(1024))
	}
}

// TestStructSizes pins the size of Hash to the 64-byte size class (what
// each small, listpack hash pays besides its listpack) and that of
// memTrack, which every collection embeds, to two words.
func TestStructSizes(t *testing.T) {
	if n := unsafe.Sizeof(memTrack{}); n != 16 {
		t.Errorf("memTrack is %d bytes, want 16", n)
	}
	if n := unsafe.Sizeof(Hash{}); n != 64 || hashStructMem != 64 {
		t.Errorf("Hash is %d bytes (charged %d), want 64", n, hashStructMem)
	}
}

// TestMemTrackCounted checks the counted state folded into memTrack.elems:
// the zero value and recount are not counted, whatever grow adds, and a
// counted total follows grow, through negative values too.
func TestMemTrackCounted(t *testing.T) {
	var m memTrack
	if m.counted() {
		t.Fatal("zero value counted")
	}
	m.grow(100)
	m.grow(-300)
	if m.counted() {
		t.Fatal("counted after grow alone")
	}
	m.setTotal(0)
	m.grow(-50)
	if !m.counted() || m.total() != -50 {
		t.Fatalf("counted %v, total %d, want -50", m.counted(), m.total())
	}
	m.grow(1 << 40)
	if !m.counted() || m.total() != 1<<40-50 {
		t.Fatalf("counted %v, total %d", m.counted(), m.total())
	}
	m.recount()
	if m.counted() {
		t.Fatal("counted after recount")
	}
}

// memWorkload runs n random commands of every type against k, over a few
// keys per type, in two databases.
func memWorkload(k *kt, r *rand.Rand, n int) {
	key := func(typ string) string { return typ + strconv.Itoa(r.IntN(6)) }
	val := func() string {
		switch r.IntN(5) {
		case 0:
			return strconv.Itoa(r.IntN(20000) - 100)
		case 1:
			return strings.Repeat("v", r.IntN(200))
		case 2:
			return strings.Repeat("w", 60+r.IntN(5000))
		}
		return "x" + strconv.Itoa(r.IntN(1000))
	}
	member := func() string {
		if r.IntN(3) == 0 {
			return strconv.Itoa(r.IntN(300))
		}
		return strings.Repeat("m", r.IntN(80)) + strconv.Itoa(r.IntN(300))
	}
	for i := 0; i < n; i++ {
		if r.IntN(50) == 0 {
			k.do("SELECT", strconv.Itoa(r.IntN(2)))
			k.cl.DB = r.IntN(2)
		}
		var args []string
		switch r.IntN(44) {
		case 0:
			args = []string{"SET", key("s"), val()}
		case 1:
			args = []string{"APPEND", key("s"), val()}
		case 2:
			args = []string{"INCRBY", key("s"), strconv.Itoa(r.IntN(30000) - 15000)}
		case 3:
			args = []string{"SETRANGE", key("s"), strconv.Itoa(r.IntN(300)), val()}
		case 4:
			args = []string{"SETBIT", key("s"), strconv.Itoa(r.IntN(20000)), "1"}
		case 5:
			args = []string{"INCRBYFLOAT", key("s"), "1.5"}
		case 6:
			args = []string{"HSET", key("h"), member(), val(), member(), val()}
		case 7:
			args = []string{"HDEL", key("h"), member(), member()}
		case 8:
			args = []string{"HINCRBY", key("h"), member(), "3"}
		case 9:
			args = []string{"HPEXPIRE", key("h"), strconv.Itoa(1 + r.IntN(50)), "FIELDS", "2", member(), member()}
		case 10:
			args = []string{"SADD", key("t"), member(), member(), member()}
		case 11:
			args = []string{"SREM", key("t"), member(), member()}
		case 12:
			args = []string{"SPOP", key("t"), strconv.Itoa(r.IntN(5))}
		case 13:
			args = []string{"SINTERSTORE", key("t"), key("t"), key("t")}
		case 14:
			args = []string{"SMOVE", key("t"), key("t"), member()}
		case 15:
			args = []string{"ZADD", key("z"), strconv.Itoa(r.IntN(100)), member(), strconv.Itoa(r.IntN(100)), member()}
		case 16:
			args = []string{"ZREM", key("z"), member(), member()}
		case 17:
			args = []string{"ZINCRBY", key("z"), "2", member()}
		case 18:
			args = []string{"ZPOPMIN", key("z"), strconv.Itoa(r.IntN(4))}
		case 19:
			args = []string{"ZUNIONSTORE", key("z"), "2", key("z"), key("z")}
		case 20:
			args = []string{"LPUSH", key("l"), val(), val(), val()}
		case 21:
			args = []string{"RPUSH", key("l"), val(), member()}
		case 22:
			args = []string{"LPOP", key("l"), strconv.Itoa(1 + r.IntN(3))}
		case 23:
			args = []string{"RPOP", key("l")}
		case 24:
			args = []string{"LINSERT", key("l"), "BEFORE", val(), val()}
		case 25:
			args = []string{"LSET", key("l"), strconv.Itoa(r.IntN(10) - 5), val()}
		case 26:
			args = []string{"LREM", key("l"), strconv.Itoa(r.IntN(5) - 2), val()}
		case 27:
			args = []string{"LTRIM", key("l"), strconv.Itoa(r.IntN(5)), strconv.Itoa(r.IntN(40) - 5)}
		case 28:
			args = []string{"LMOVE", key("l"), key("l"), "LEFT", "RIGHT"}
		case 29:
			args = []string{"XADD", key("x"), "*", "f", val(), member(), val()}
		case 30:
			args = []string{"XTRIM", key("x"), "MAXLEN", strconv.Itoa(r.IntN(30))}
		case 31:
			args = []string{"XGROUP", "CREATE", key("x"), "g" + strconv.Itoa(r.IntN(3)), "0", "MKSTREAM"}
		case 32:
			args = []string{"XREADGROUP", "GROUP", "g" + strconv.Itoa(r.IntN(3)), "c" + strconv.Itoa(r.IntN(3)), "COUNT", "3", "STREAMS", key("x"), ">"}
		case 33:
			args = []string{"XDEL", key("x"), "0-1", strconv.Itoa(int(k.nowMs())) + "-0"}
		case 34:
			args = []string{"PFADD", key("p"), member(), member()}
		case 35:
			args = []string{"DEL", key("s"), key("h"), key("l")}
		case 36:
			args = []string{"PEXPIRE", key("shtzlx"[r.IntN(6):][:1]), strconv.Itoa(1 + r.IntN(40))}
		case 37:
			args = []string{"PERSIST", key("shtzlx"[r.IntN(6):][:1])}
		case 38:
			args = []string{"RENAME", key("z"), key("z")}
		case 39:
			args = []string{"COPY", key("h"), key("h"), "DB", strconv.Itoa(r.IntN(2)), "REPLACE"}
		case 40:
			args = []string{"MOVE", key("l"), strconv.Itoa(r.IntN(2))}
		case 41:
			args = []string{"SORT", key("l"), "ALPHA", "STORE", key("l")}
		case 42:
			if r.IntN(10) == 0 {
				args = []string{"SWAPDB", "0", "1"}
			} else {
				args = []string{"GETDEL", key("s")}
			}
		case 43:
			if r.IntN(20) == 0 {
				args = []string{"FLUSHDB"}
			} else {
				args = []string{"SET", key("s"), val(), "KEEPTTL"}
			}
		}
		k.do(args...)
		if r.IntN(8) == 0 {
			k.advance(time.Duration(r.IntN(15)) * time.Millisecond)
			k.cycle()
		}
	}
}

// TestMemoryAccountingRandom runs random commands of every type and
// checks after each batch that the running accounting equals a recount.
func TestMemoryAccountingRandom(t *testing.T) {
	for seed := uint64(1); seed <= 6; seed++ {
		k := newKT(t)
		r := rand.New(rand.NewPCG(seed, 42))
		for batch := 0; batch < 40; batch++ {
			memWorkload(k, r, 50)
			auditMemory(t, k.n.Default())
			if t.Failed() {
				t.Fatalf("seed %d batch %d", seed, batch)
			}
		}
		t.Logf("seed %d: %d keys in db 0, %d bytes", seed, k.dbsize(0), k.n.Default().MemoryUsed())
		if got, want := k.n.KeyspaceMemory(), k.n.Default().MemoryUsed(); got != want {
			t.Errorf("node %d, namespace %d", got, want)
		}
		k.do("FLUSHALL")
		if got := k.n.Default().MemoryUsed(); got != 0 {
			t.Errorf("after FLUSHALL the namespace is charged %d", got)
		}
	}
}

// heapObjects returns the bytes of live heap objects after a collection.
func heapObjects() int64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// TestMemoryAccountingMatchesHeap loads each workload into a fresh node
// and compares the accounted keyspace with the growth of the Go heap: the
// estimate must stay within 10%.
func TestMemoryAccountingMatchesHeap(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes what allocations cost")
	}
	n := 200_000
	if testing.Short() {
		n = 50_000
	}
	for _, w := range memHeapWorkloads {
		t.Run(w.name, func(t *testing.T) {
			k := newKT(t)
			k.do("SET", "warm", "up") // first-use allocations
			k.do("DEL", "warm")
			before := heapObjects()
			w.load(k, n)
			heap := heapObjects() - before
			est := k.n.KeyspaceMemory()
			errPct := float64(est-heap) * 100 / float64(heap)
			t.Logf("%s: heap %d, accounted %d (%+.1f%%), %.1f bytes/element", w.name, heap, est, errPct, float64(heap)/float64(n))
			if errPct > 10 || errPct < -10 {
				t.Errorf("accounting is %.1f%% off the heap", errPct)
			}
			runtime.KeepAlive(k)
		})
	}
}

// memHeapWorkloads are the workloads of TestMemoryAccountingMatchesHeap
// and BenchmarkMemoryAccounting: n small strings, or one key of n
// elements of each collection type.
var memHeapWorkloads = []struct {
	name string
	load func(k *kt, n int)
}{
	{"strings", func(k *kt, n int) {
		for i := 0; i < n; i++ {
			k.do("SET", "key:"+strconv.Itoa(i), fmt.Sprintf("v%09d", i))
		}
	}},
	{"ints", func(k *kt, n int) {
		for i := 0; i < n; i++ {
			k.do("SET", "counter:"+strconv.Itoa(i), strconv.Itoa(1_000_000+i))
		}
	}},
	{"volatile", func(k *kt, n int) {
		for i := 0; i < n; i++ {
			k.do("SET", "session:"+strconv.Itoa(i), strings.Repeat("s", 40), "EX", "1000")
		}
	}},
	{"hash", func(k *kt, n int) {
		for i := 0; i < n; i += 100 {
			args := []string{"HSET", "h"}
			for j := i; j < i+100; j++ {
				args = append(args, "field:"+strconv.Itoa(j), fmt.Sprintf("v%09d", j))
			}
			k.do(args...)
		}
	}},
	{"list", func(k *kt, n int) {
		for i := 0; i < n; i += 100 {
			args := []string{"RPUSH", "l"}
			for j := i; j < i+100; j++ {
				args = append(args, fmt.Sprintf("v%09d", j))
			}
			k.do(args...)
		}
	}},
	{"zset", func(k *kt, n int) {
		for i := 0; i < n; i += 100 {
			args := []string{"ZADD", "z"}
			for j := i; j < i+100; j++ {
				args = append(args, strconv.Itoa(j*7%n), "member:"+strconv.Itoa(j))
			}
			k.do(args...)
		}
	}},
	{"set", func(k *kt, n int) {
		for i := 0; i < n; i += 100 {
			args := []string{"SADD", "s"}
			for j := i; j < i+100; j++ {
				args = append(args, "member:"+strconv.Itoa(j))
			}
			k.do(args...)
		}
	}},
	{"stream", func(k *kt, n int) {
		for i := 0; i < n; i++ {
			k.do("XADD", "x", "*", "temp", strconv.Itoa(i%100), "sensor", "s"+strconv.Itoa(i%7))
		}
	}},
	{"small-zsets", func(k *kt, n int) {
		// Listpack sorted sets of 8 members added one at a time, integer
		// and fractional scores.
		for i := 0; i < n; i++ {
			score := strconv.Itoa(i % 1000)
			if i%3 == 0 {
				score += ".25"
			}
			k.do("ZADD", "zs:"+strconv.Itoa(i/8), score, "member:"+strconv.Itoa(i))
		}
	}},
	{"small-hashes", func(k *kt, n int) {
		for i := 0; i < n/10; i++ {
			args := []string{"HSET", "user:" + strconv.Itoa(i)}
			for j := 0; j < 10; j++ {
				args = append(args, "f"+strconv.Itoa(j), "value"+strconv.Itoa(j))
			}
			k.do(args...)
		}
	}},
}

// TestMemoryLoadKey: keys loaded from a snapshot are charged like keys
// written by commands, values built by the loaders included.
func TestMemoryLoadKey(t *testing.T) {
	k := newKT(t)
	ns := k.n.Default()
	l := NewList()
	for i := 0; i < 5000; i++ {
		l.LoadPush([]byte("element"+strconv.Itoa(i)), -2)
	}
	l.LoadDone(-2)
	h := NewHash()
	for i := 0; i < 1000; i++ {
		h.Load("f"+strconv.Itoa(i), "v", 0)
	}
	ns.LoadKey(0, []byte("l"), l, 0)
	ns.LoadKey(0, []byte("h"), h, k.nowMs()+100_000)
	ns.LoadKey(1, []byte("s"), NewStringValue([]byte("a string value")), 0)
	ns.LoadKey(0, []byte("h"), NewStringValue([]byte("replaced")), 0)
	auditMemory(t, ns)
	if ns.MemoryUsed() < 5000*10 {
		t.Errorf("loaded keys cost %d", ns.MemoryUsed())
	}
}

// BenchmarkMemoryAccounting loads each workload with a million elements
// (b.N is ignored: one load per workload) and reports the accounting's
// error against the Go heap: go test -run - -bench MemoryAccounting
// -benchtime 1x ./engine.
func BenchmarkMemoryAccounting(b *testing.B) {
	const n = 1_000_000
	for _, w := range memHeapWorkloads {
		b.Run(w.name, func(b *testing.B) {
			for b.Loop() {
				k := newKT(b)
				before := heapObjects()
				w.load(k, n)
				heap := heapObjects() - before
				est := k.n.KeyspaceMemory()
				b.ReportMetric(float64(est-heap)*100/float64(heap), "err%")
				b.ReportMetric(float64(heap)/n, "heapB/elem")
				runtime.KeepAlive(k)
			}
		})
	}
}
