package dict

import (
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

func key(i int) string { return "k" + strconv.Itoa(i) }

// check verifies the dict's invariants against a model set.
func check(t *testing.T, d *Dict[int], model map[string]int) {
	t.Helper()
	if d.Len() != len(model) {
		t.Fatalf("Len %d, model %d", d.Len(), len(model))
	}
	for k, v := range model {
		n := d.Find(k)
		if n == nil || n.Val != v {
			t.Fatalf("Find(%q) = %v, want %d", k, n, v)
		}
	}
	seen := map[string]bool{}
	d.Each(func(n *Node[int]) bool {
		if seen[n.Key()] {
			t.Fatalf("Each visited %q twice", n.Key())
		}
		seen[n.Key()] = true
		if _, ok := model[n.Key()]; !ok {
			t.Fatalf("Each visited deleted key %q", n.Key())
		}
		return true
	})
	if len(seen) != len(model) {
		t.Fatalf("Each visited %d of %d", len(seen), len(model))
	}
	// Bucket accounting: used counts match the chains.
	total := 0
	for ti := range d.ht {
		tb := &d.ht[ti]
		n := 0
		for _, b := range tb.buckets {
			for e := b; e != nil; e = e.next {
				n++
			}
		}
		if n != tb.used {
			t.Fatalf("table %d: %d nodes, used %d", ti, n, tb.used)
		}
		total += n
	}
	if total != len(model) {
		t.Fatalf("%d nodes in tables, model %d", total, len(model))
	}
}

func TestDictIncrementalRehash(t *testing.T) {
	d := New[int]()
	model := map[string]int{}
	r := rand.New(rand.NewPCG(3, 4))
	sawRehash := false
	for i := 0; i < 20000; i++ {
		switch op := r.IntN(10); {
		case op < 6:
			k := key(r.IntN(5000))
			n, added := d.Upsert(k)
			if _, ok := model[k]; ok == added {
				t.Fatalf("Upsert(%q) added=%v with model presence %v", k, added, ok)
			}
			n.Val = i
			model[k] = i
		case op < 9:
			k := key(r.IntN(5000))
			n := d.Delete(k)
			if _, ok := model[k]; ok != (n != nil) {
				t.Fatalf("Delete(%q) = %v, model presence %v", k, n, ok)
			}
			delete(model, k)
		default:
			d.Rehash(1)
		}
		if d.rehashing() {
			sawRehash = true
		}
		if i%997 == 0 {
			check(t, d, model)
		}
	}
	check(t, d, model)
	if !sawRehash {
		t.Fatal("no rehash happened")
	}
	// Drain to empty: the table shrinks back.
	for k := range model {
		d.Delete(k)
		delete(model, k)
	}
	for d.Rehash(100) {
	}
	check(t, d, model)
	if d.Buckets() > 2*minSize {
		t.Errorf("%d buckets left for an empty dict", d.Buckets())
	}
	d.Add("x", 1)
	d.Clear()
	check(t, d, map[string]int{})
}

// TestDictScanGuarantee is a property test of SCAN: elements present from
// the start to the end of an iteration are returned at least once, while
// other elements are added and removed and the table grows and shrinks
// between steps.
func TestDictScanGuarantee(t *testing.T) {
	for seed := uint64(0); seed < 200; seed++ {
		r := rand.New(rand.NewPCG(seed, 99))
		d := New[int]()
		stable := map[string]bool{}
		nStable := r.IntN(300)
		for i := 0; i < nStable; i++ {
			k := "s" + strconv.Itoa(i)
			d.Add(k, 0)
			stable[k] = true
		}
		var churn []string
		next := 0
		seen := map[string]int{}
		var cursor uint64
		steps := 0
		for {
			cursor = d.Scan(cursor, func(n *Node[int]) { seen[n.Key()]++ })
			steps++
			if cursor == 0 {
				break
			}
			if steps > 1_000_000 {
				t.Fatalf("seed %d: scan did not finish", seed)
			}
			// Between steps: grow a lot, shrink a lot, or churn a little.
			switch r.IntN(8) {
			case 0: // burst of inserts: forces growth
				for i := 0; i < r.IntN(2000); i++ {
					k := "c" + strconv.Itoa(next)
					next++
					d.Add(k, 0)
					churn = append(churn, k)
				}
			case 1: // burst of deletes: forces shrinking
				for len(churn) > 0 && r.IntN(50) != 0 {
					i := r.IntN(len(churn))
					d.Delete(churn[i])
					churn[i] = churn[len(churn)-1]
					churn = churn[:len(churn)-1]
				}
			case 2:
				d.Rehash(r.IntN(20))
			default:
				if r.IntN(2) == 0 {
					k := "c" + strconv.Itoa(next)
					next++
					d.Add(k, 0)
					churn = append(churn, k)
				} else if len(churn) > 0 {
					i := r.IntN(len(churn))
					d.Delete(churn[i])
					churn[i] = churn[len(churn)-1]
					churn = churn[:len(churn)-1]
				}
			}
		}
		for k := range stable {
			if seen[k] == 0 {
				t.Fatalf("seed %d: stable element %q never returned (%d steps)", seed, k, steps)
			}
		}
	}
}

// TestDictScanNoRehashExactlyOnce checks that without modifications every
// element is returned exactly once, also mid-rehash.
func TestDictScanNoRehashExactlyOnce(t *testing.T) {
	d := New[int]()
	for i := 0; i < 1000; i++ {
		d.Add(key(i), i)
	}
	// Start a grow and leave it half done.
	for i := 1000; i < 1100; i++ {
		d.Add(key(i), i)
	}
	if !d.rehashing() {
		t.Fatal("expected a rehash in progress")
	}
	seen := map[string]int{}
	var c uint64
	for {
		c = d.Scan(c, func(n *Node[int]) { seen[n.Key()]++ })
		if c == 0 {
			break
		}
	}
	if len(seen) != 1100 {
		t.Fatalf("saw %d of 1100", len(seen))
	}
	for k, n := range seen {
		if n != 1 {
			t.Fatalf("%q returned %d times", k, n)
		}
	}
	if New[int]().Scan(0, func(*Node[int]) { t.Fatal("element in empty dict") }) != 0 {
		t.Fatal("empty dict scan did not end")
	}
}

func TestDictRandomCoversAll(t *testing.T) {
	for _, n := range []int{1, 2, 7, 50, 300} {
		d := New[int]()
		for i := 0; i < n; i++ {
			d.Add(key(i), i)
		}
		counts := map[string]int{}
		draws := n * 400
		for i := 0; i < draws; i++ {
			e := d.Random()
			if e == nil {
				t.Fatal("Random returned nil for a non-empty dict")
			}
			counts[e.Key()]++
		}
		if len(counts) != n {
			t.Fatalf("n=%d: Random covered %d elements", n, len(counts))
		}
		// Loose uniformity: no element drawn less than a quarter or more
		// than four times its share.
		for k, c := range counts {
			if c < 100 || c > 1600 {
				t.Errorf("n=%d: %q drawn %d times of %d", n, k, c, draws)
			}
		}
	}
	if New[int]().Random() != nil {
		t.Fatal("Random of an empty dict")
	}
}

func TestDictRandomDuringRehash(t *testing.T) {
	d := New[int]()
	for i := 0; i < 64; i++ {
		d.Add(key(i), i)
	}
	for d.Rehash(100) {
	}
	// Delete until a shrink starts, and sample while it is in progress.
	for i := 0; i < 64 && !d.rehashing(); i++ {
		d.Delete(key(i))
	}
	if !d.rehashing() {
		t.Fatal("expected a rehash in progress")
	}
	want := d.Len()
	counts := map[string]int{}
	for i := 0; i < 200*want; i++ {
		counts[d.Random().Key()]++
		if !d.rehashing() {
			break
		}
	}
	if len(counts) < want/2 {
		t.Fatalf("Random covered %d of %d during rehash", len(counts), want)
	}
}

func BenchmarkDictFind(b *testing.B) {
	d := New[int]()
	keys := make([]string, 1<<16)
	for i := range keys {
		keys[i] = key(i)
		d.Add(keys[i], i)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		d.Find(keys[i&(len(keys)-1)])
	}
}

func TestSample(t *testing.T) {
	d := New[int]()
	if d.Sample(5, func(*Node[int]) { t.Fatal("sampled an empty dict") }) != 0 {
		t.Fatal("empty dict")
	}
	for i := 0; i < 3; i++ {
		d.Add(strconv.Itoa(i), i)
	}
	seen := map[string]bool{}
	if got := d.Sample(5, func(n *Node[int]) { seen[n.Key()] = true }); got != 3 || len(seen) != 3 {
		t.Fatalf("3 keys: sampled %d, %d distinct", got, len(seen))
	}
	for i := 3; i < 5000; i++ {
		d.Add(strconv.Itoa(i), i)
	}
	// Also while rehashing (the adds below leave one in progress at
	// times): every sample is present, and samples spread over the keys.
	seen = map[string]bool{}
	for round := 0; round < 200; round++ {
		got := d.Sample(5, func(n *Node[int]) {
			if d.Find(n.Key()) != n {
				t.Fatalf("sampled %q, not in the dict", n.Key())
			}
			seen[n.Key()] = true
		})
		if got != 5 {
			t.Fatalf("sampled %d", got)
		}
		d.Add("r"+strconv.Itoa(round), round)
	}
	if len(seen) < 500 {
		t.Fatalf("200 samples of 5 found %d distinct keys", len(seen))
	}
}

// A Node[int] is 16 bytes: a node with a key of k bytes and a tail of
// e fills the size class of 16+1+k+e bytes, and the tail is what is left.
func TestAddTail(t *testing.T) {
	d := New[int]()
	for _, c := range []struct{ key, extra, want int }{{0, 3, 7}, {10, 6, 21}, {10, 7, 21}, {16, 16, 31}, {1, 63, 78}, {40, 24, 39}} {
		key := strings.Repeat("k", c.key) + strconv.Itoa(c.extra)
		key = key[len(key)-c.key:]
		n, tail := d.AddTail(key, c.key, c.extra)
		if len(tail) != c.want {
			t.Errorf("key %d + %d: tail %d, want %d", c.key, c.extra, len(tail), c.want)
		}
		for i := range tail {
			if tail[i] != 0 {
				t.Fatalf("tail not zeroed")
			}
			tail[i] = 0xff
		}
		if n.Key() != key || d.Find(key) != n {
			t.Fatalf("key %q became %q after writing the tail", key, n.Key())
		}
	}
}

// TestKeyLengths stores keys around the short key limit, with values that
// hold pointers, and checks keys, values and lookups after a collection.
func TestKeyLengths(t *testing.T) {
	d := New[*int]()
	lens := []int{0, 1, 7, 8, 9, 100, MaxShortKey - 1, MaxShortKey, MaxShortKey + 1, 1000, 1 << 16}
	for i, l := range lens {
		v := i
		d.Add(strings.Repeat(string(rune('a'+i)), l), &v)
	}
	runtime.GC()
	for i, l := range lens {
		k := strings.Repeat(string(rune('a'+i)), l)
		n := d.Find(k)
		if n == nil || n.Key() != k || *n.Val != i {
			t.Fatalf("key of %d bytes: lookup failed", l)
		}
	}
	for i, l := range lens {
		if d.Delete(strings.Repeat(string(rune('a'+i)), l)) == nil {
			t.Fatalf("key of %d bytes: not deleted", l)
		}
	}
	if d.Len() != 0 {
		t.Fatalf("Len %d after deleting all", d.Len())
	}
}

// TestNodeMem checks the estimate against the allocator: the node of a
// short key fills one size class, of a long one its node and a longTail.
func TestNodeMem(t *testing.T) {
	size := int64(unsafe.Sizeof(Node[string]{}))
	class := func(n int64) int64 {
		for _, c := range sizeClasses {
			if int64(c) >= n {
				return int64(c)
			}
		}
		return n
	}
	for _, c := range []struct {
		klen, extra int
		want        int64
	}{{0, 0, 32}, {7, 0, 32}, {8, 0, 48}, {10, 8, 48}, {23, 0, 48}, {24, 0, 64}, {MaxShortKey, 0, 288}, {MaxShortKey + 1, 0, 48}} {
		if got := NodeMem(size, c.klen, c.extra, class); got != c.want {
			t.Errorf("NodeMem(%d, %d) = %d, want %d", c.klen, c.extra, got, c.want)
		}
	}
	l := layoutOf[string]()
	for _, need := range []uintptr{1, 9, 24, 255} {
		_, room := l.alloc(need)
		if int64(len(room))+size != NodeMem(size, int(need)-1, 0, class) {
			t.Errorf("alloc(%d): room %d, NodeMem %d", need, len(room), NodeMem(size, int(need)-1, 0, class))
		}
	}
}
