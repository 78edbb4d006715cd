package engine

import (
	"bytes"
	"math/rand"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkList verifies a list's bookkeeping: element count, node count,
// links and the listpack size of every node.
func checkList(t *testing.T, l *List) {
	t.Helper()
	n, nodes := 0, 0
	var prev *lnode
	for nd := l.head; nd != nil; nd = nd.next {
		if nd.prev != prev {
			t.Fatalf("node %d: bad prev link", nodes)
		}
		prev = nd
		nodes++
		n += nd.count()
		if l.quick && nd.count() == 0 {
			t.Fatalf("node %d: empty node in a quicklist", nodes)
		}
		if nd.plain {
			if nd.count() != 1 || nd.sz != len(nd.at(0)) {
				t.Fatalf("node %d: bad plain node (%d elements, sz %d)", nodes, nd.count(), nd.sz)
			}
			continue
		}
		sz := lpHeaderSize
		for i := 0; i < nd.count(); i++ {
			sz += lpEntrySize(nd.at(i))
		}
		if sz != nd.sz {
			t.Fatalf("node %d: sz %d, want %d", nodes, nd.sz, sz)
		}
	}
	if prev != l.tail {
		t.Fatal("bad tail")
	}
	if n != l.n || nodes != l.nodes {
		t.Fatalf("count %d/%d nodes %d/%d", l.n, n, l.nodes, nodes)
	}
	if !l.quick && nodes > 1 {
		t.Fatalf("listpack list with %d nodes", nodes)
	}
}

func listElems(l *List) []string {
	var out []string
	if l.n > 0 {
		l.Range(0, l.n, false, func(v []byte) bool {
			out = append(out, string(v))
			return true
		})
	}
	return out
}

// TestListModel runs random operations on a List and on a slice and
// compares them, checking the node bookkeeping after each step.
func TestListModel(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	pool := []string{"1", "-5", "300", "a", "", strings.Repeat("c", 70), strings.Repeat("d", 600), strings.Repeat("e", 5000), strings.Repeat("g", 9000)}
	for _, fill := range []int64{-2, -1, 0, 1, 4, 100} {
		l := &List{}
		var model []string
		for step := 0; step < 3000; step++ {
			v := pool[rng.Intn(len(pool))]
			switch op := rng.Intn(7); {
			case op <= 1 || len(model) == 0:
				l.growFor(fill, len(v), 1)
				l.Push([]byte(v), op == 0, fill)
				if op == 0 {
					model = append([]string{v}, model...)
				} else {
					model = append(model, v)
				}
			case op == 2:
				head := rng.Intn(2) == 0
				got := string(l.Pop(head))
				want := model[len(model)-1]
				if head {
					want, model = model[0], model[1:]
				} else {
					model = model[:len(model)-1]
				}
				if got != want {
					t.Fatalf("fill %d step %d: pop %q, want %q", fill, step, got, want)
				}
			case op == 3:
				i := rng.Intn(len(model))
				l.growFor(fill, len(v), 1)
				nd, off := l.seek(i)
				l.replaceIn(nd, off, []byte(v), fill)
				model[i] = v
			case op == 4:
				i := rng.Intn(len(model))
				after := rng.Intn(2) == 0
				l.growFor(fill, len(v), 1)
				nd, off := l.seek(i)
				l.insertIn(nd, off, []byte(v), after, fill)
				if after {
					i++
				}
				model = append(model[:i], append([]string{v}, model[i:]...)...)
			case op == 5:
				i := rng.Intn(len(model))
				nd, off := l.seek(i)
				l.removeIn(nd, off)
				model = append(model[:i], model[i+1:]...)
			case op == 6 && step%3 == 0:
				count := int64(rng.Intn(5) - 2)
				want := int64(0)
				if count >= 0 {
					var keep []string
					for _, m := range model {
						if m == v && (count == 0 || want < count) {
							want++
							continue
						}
						keep = append(keep, m)
					}
					model = keep
				} else {
					keep := make([]string, 0, len(model))
					for i := len(model) - 1; i >= 0; i-- {
						if model[i] == v && want < -count {
							want++
							continue
						}
						keep = append(keep, model[i])
					}
					slices.Reverse(keep)
					model = keep
				}
				if got := l.Remove([]byte(v), count); got != want {
					t.Fatalf("fill %d step %d: removed %d, want %d", fill, step, got, want)
				}
			default:
				i := rng.Intn(len(model))
				got, ok := l.Index(int64(i - len(model)))
				if !ok || string(got) != model[i] {
					t.Fatalf("fill %d step %d: index %d = %q, want %q", fill, step, i, got, model[i])
				}
			}
			if len(model) > 0 {
				l.shrink(fill)
			} else if l.n == 0 {
				l = &List{} // the key would be deleted
			}
			if step%20 != 0 && step != 2999 {
				continue
			}
			checkList(t, l)
			if got := listElems(l); strings.Join(got, ",") != strings.Join(model, ",") {
				t.Fatalf("fill %d step %d: list %q, want %q", fill, step, got, model)
			}
		}
	}
}

func TestListCommands(t *testing.T) {
	k := newKT(t)
	k.is(":3\r\n", "RPUSH", "l", "a", "b", "c")
	k.is(":5\r\n", "LPUSH", "l", "y", "x")
	k.is("*5\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE", "l", "0", "-1")
	k.is("$1\r\nc\r\n", "LINDEX", "l", "-1")
	k.is("$-1\r\n", "LINDEX", "l", "5")
	k.is("-ERR value is not an integer or out of range\r\n", "LINDEX", "l", "x")
	k.is("+OK\r\n", "LSET", "l", "0", "X")
	k.is("-ERR index out of range\r\n", "LSET", "l", "5", "X")
	k.is("-ERR no such key\r\n", "LSET", "nokey", "0", "X")
	k.is("*0\r\n", "LPOP", "l", "0")
	k.is("-ERR value is out of range, must be positive\r\n", "LPOP", "l", "-1")
	k.is("*-1\r\n", "LPOP", "nokey", "1")
	k.is("$-1\r\n", "LPOP", "nokey")
	k.is("*2\r\n$1\r\nc\r\n$1\r\nb\r\n", "RPOP", "l", "2")
	k.is(":4\r\n", "LINSERT", "l", "after", "y", "z")
	k.is(":-1\r\n", "LINSERT", "l", "after", "nope", "z")
	k.is("-ERR syntax error\r\n", "LINSERT", "l", "middle", "y", "z")
	k.is(":0\r\n", "LINSERT", "nokey", "after", "y", "z")
	k.is(":1\r\n", "LREM", "l", "0", "z")
	k.is("*3\r\n$1\r\nX\r\n$1\r\ny\r\n$1\r\na\r\n", "LRANGE", "l", "0", "-1")
	k.is(":1\r\n", "LPOS", "l", "y")
	k.is("-ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list\r\n", "LPOS", "l", "y", "RANK", "0")
	k.is("-ERR COUNT can't be negative\r\n", "LPOS", "l", "y", "COUNT", "-1")
	k.is("-ERR MAXLEN can't be negative\r\n", "LPOS", "l", "y", "MAXLEN", "-1")
	k.is("$1\r\na\r\n", "LMOVE", "l", "d", "RIGHT", "LEFT")
	k.is("$1\r\ny\r\n", "RPOPLPUSH", "l", "d")
	k.is("*2\r\n$1\r\nd\r\n*2\r\n$1\r\ny\r\n$1\r\na\r\n", "LMPOP", "2", "nokey", "d", "LEFT", "COUNT", "5")
	k.is(":0\r\n", "EXISTS", "d")
	k.is("-ERR numkeys should be greater than 0\r\n", "LMPOP", "0", "d", "LEFT")
	k.is("-ERR count should be greater than 0\r\n", "LMPOP", "1", "d", "LEFT", "COUNT", "0")
	k.is("-ERR syntax error\r\n", "LMPOP", "3", "d", "LEFT")
	k.is("*-1\r\n", "LMPOP", "1", "d", "LEFT")
	k.is("+OK\r\n", "LTRIM", "l", "1", "0")
	k.is(":0\r\n", "EXISTS", "l")
	k.is("+OK\r\n", "SET", "s", "v")
	k.is("-"+ErrWrongType+"\r\n", "LPUSH", "s", "a")
	k.do("RPUSH", "l2", "a")
	k.is("-"+ErrWrongType+"\r\n", "LMOVE", "l2", "s", "LEFT", "LEFT")
	k.is("$-1\r\n", "LMOVE", "nokey2", "s", "LEFT", "LEFT")
}

func TestListKeysFunc(t *testing.T) {
	args := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i := range s {
			out[i] = []byte(s[i])
		}
		return out
	}
	if got := lmpopKeys(args("lmpop", "2", "a", "b", "left")); len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Fatalf("keys %v", got)
	}
	for _, bad := range [][]string{{"lmpop", "3", "a", "b", "left"}, {"lmpop", "0", "a", "left"}, {"lmpop", "x", "a", "left"}, {"lmpop", "99999999999999", "a", "left"}} {
		if got := lmpopKeys(args(bad...)); len(got) != 0 {
			t.Fatalf("%q: keys %v", bad, got)
		}
	}
}

func TestListEncoding(t *testing.T) {
	k := newKT(t)
	elem := strings.Repeat("a", 100)
	args := []string{"RPUSH", "big"}
	for range 80 {
		args = append(args, elem)
	}
	k.is(":80\r\n", args...)
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "big")
	k.is(":81\r\n", "RPUSH", "big", "x")
	k.is("$9\r\nquicklist\r\n", "OBJECT", "ENCODING", "big")
	k.is("*2\r\n$1\r\nx\r\n$100\r\n"+elem+"\r\n", "RPOP", "big", "2")
	k.is(":79\r\n", "LLEN", "big")
}

func TestListEncodingShrink(t *testing.T) {
	k := newKT(t)
	elem := strings.Repeat("a", 100)
	args := []string{"RPUSH", "big"}
	for range 80 {
		args = append(args, elem)
	}
	// The conversion check adds the raw lengths of the new elements to
	// the listpack's bytes: 80 elements of 100 bytes fit.
	k.do(args...)
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "big")
	k.do("RPUSH", "big", elem)
	k.is("$9\r\nquicklist\r\n", "OBJECT", "ENCODING", "big")
	// One node of 81 entries (8350 bytes) remains quicklist until it
	// holds at most half of 8 kb.
	k.do("RPOP", "big", "41")
	k.is("$9\r\nquicklist\r\n", "OBJECT", "ENCODING", "big")
	k.do("RPOP", "big")
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "big")
	if msg := k.n.Config.Set([]SetRequest{{Name: "list-max-listpack-size", Value: "4"}}, true); msg != "" {
		t.Fatal(msg)
	}
	k.do("RPUSH", "q", "a", "b", "c", "d")
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "q")
	k.do("RPUSH", "q", "e")
	k.is("$9\r\nquicklist\r\n", "OBJECT", "ENCODING", "q")
	k.do("RPOP", "q", "3")
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "q")
	k.do("RPUSH", "p", strings.Repeat("x", 9000))
	k.is("$9\r\nquicklist\r\n", "OBJECT", "ENCODING", "p")
}

func TestListCopyAndMemUsage(t *testing.T) {
	l := &List{}
	for i := range 5000 {
		v := []byte(strconv.Itoa(i))
		l.growFor(-2, len(v), 1)
		l.Push(append([]byte(nil), v...), false, -2)
	}
	c := l.Copy().(*List)
	checkList(t, c)
	if c.Encoding() != l.Encoding() || c.Len() != 5000 {
		t.Fatalf("copy: %s %d", c.Encoding(), c.Len())
	}
	c.head.set(0, []byte("changed"))
	if v, _ := l.Index(0); !bytes.Equal(v, []byte("0")) {
		t.Fatalf("copy shares elements: %q", v)
	}
	full, sampled := l.memSize(), l.memSize()
	if full < 5000*8 || sampled < full/2 || sampled > full*2 {
		t.Fatalf("mem usage %d, sampled %d", full, sampled)
	}
}

// TestListMillion bounds the time of end operations on a list of a
// million elements: they must cost about what they cost on a small list.
func TestListMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	k := newKT(t)
	const n = 1_000_000
	args := []string{"RPUSH", "l"}
	for i := range 1000 {
		args = append(args, "e"+strconv.Itoa(i))
	}
	for range n / 1000 {
		k.do(args...)
	}
	args[1] = "small"
	k.do(args...)
	k.is(":1000000\r\n", "LLEN", "l")
	run := func(key string) time.Duration {
		start := time.Now()
		for range 10000 {
			k.do("LINDEX", key, "0")
			k.do("LINDEX", key, "-1")
			k.do("LSET", key, "1", "x")
			k.do("LPUSH", key, "x")
			k.do("RPOP", key)
			k.do("LPOP", key)
			k.do("RPUSH", key, "y")
			k.do("LINDEX", key, "-2")
		}
		return time.Since(start)
	}
	small := run("small")
	big := run("l")
	if big > 5*small+200*time.Millisecond {
		t.Fatalf("80000 end operations: %v on a million elements, %v on a thousand", big, small)
	}
	k.is(":1000000\r\n", "LLEN", "l")
	k.is("$1\r\ny\r\n", "LINDEX", "l", "-1")
	k.is("$1\r\nx\r\n", "LINDEX", "l", "1")
}

// TestListDirty checks the change counter against Valkey's server.dirty
// increments for each command.
func TestListDirty(t *testing.T) {
	k := newKT(t)
	for _, tc := range []struct {
		args  []string
		dirty int64
	}{
		{[]string{"RPUSH", "l", "a", "b", "c"}, 3},
		{[]string{"LPUSH", "l", "x"}, 1},
		{[]string{"LPUSHX", "nokey", "x"}, 0},
		{[]string{"LPOP", "l", "2"}, 2},
		{[]string{"LPOP", "l", "0"}, 0},
		{[]string{"LSET", "l", "0", "z"}, 1},
		{[]string{"LINSERT", "l", "after", "z", "y"}, 1},
		{[]string{"LINSERT", "l", "after", "nope", "y"}, 0},
		{[]string{"LMOVE", "l", "m", "LEFT", "LEFT"}, 1},
		{[]string{"LMOVE", "l", "m", "LEFT", "LEFT"}, 1},
		{[]string{"LREM", "m", "0", "z"}, 1},
		{[]string{"RPUSH", "t", "1", "2", "3", "4"}, 4},
		{[]string{"LTRIM", "t", "1", "1"}, 3},
		{[]string{"LMPOP", "2", "nokey", "t", "LEFT", "COUNT", "9"}, 1},
		{[]string{"LRANGE", "m", "0", "-1"}, 0},
	} {
		before := k.n.Default().Stats.Dirty.Load()
		k.do(tc.args...)
		if got := k.n.Default().Stats.Dirty.Load() - before; got != tc.dirty {
			t.Errorf("%q: dirty %d, want %d", tc.args, got, tc.dirty)
		}
	}
}

// BenchmarkListPushPop measures an LPUSH and an RPOP on a list of 100000
// elements (a queue at steady size).
func BenchmarkListPushPop(b *testing.B) {
	k := newKT(b)
	args := []string{"RPUSH", "l"}
	for i := range 1000 {
		args = append(args, strconv.Itoa(i))
	}
	for range 100 {
		k.do(args...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		k.do("LPUSH", "l", "element")
		k.do("RPOP", "l")
	}
}

// BenchmarkListIndexEnds measures LINDEX at both ends of a list of a
// million elements.
func BenchmarkListIndexEnds(b *testing.B) {
	k := newKT(b)
	args := []string{"RPUSH", "l"}
	for i := range 1000 {
		args = append(args, strconv.Itoa(i))
	}
	for range 1000 {
		k.do(args...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		k.do("LINDEX", "l", "0")
		k.do("LINDEX", "l", "-1")
	}
}

// TestListQueueBounded checks that a small list used as a queue in either
// direction does not keep growing its node's storage.
func TestListQueueBounded(t *testing.T) {
	for _, head := range []bool{false, true} {
		l := &List{}
		for i := range 100 {
			l.Push([]byte(strconv.Itoa(i)), head, -2)
		}
		for i := range 100000 {
			l.Push([]byte(strconv.Itoa(i)), head, -2)
			l.Pop(!head)
		}
		checkList(t, l)
		if c, cb := cap(l.head.offs), cap(l.head.buf); l.nodes != 1 || c > 1000 || cb > 4000 {
			t.Fatalf("head=%v: %d nodes, capacity %d offsets, %d bytes for 100 elements", head, l.nodes, c, cb)
		}
	}
}

// BenchmarkListRange measures LRANGE 0 99 on a list of 100000 elements.
func BenchmarkListRange(b *testing.B) {
	k := newKT(b)
	args := []string{"RPUSH", "l"}
	for i := range 1000 {
		args = append(args, "element:"+strconv.Itoa(i))
	}
	for range 100 {
		k.do(args...)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		k.do("LRANGE", "l", "0", "99")
	}
}

// TestListHeapPerElement builds a list of a million 10-byte elements with
// RPUSH's default fill and checks the Go heap it costs per element
// (Valkey's used_memory grows by about 12 bytes per element for the same
// load: a listpack entry of 10 bytes plus 2 of header).
func TestListHeapPerElement(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a million-element list")
	}
	const n = 1_000_000
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l := &List{}
	v := []byte("element:00")
	for i := range n {
		v[8], v[9] = byte('0'+i%10), byte('0'+i/10%10)
		l.growFor(-2, len(v), 1)
		l.Push(append([]byte(nil), v...), false, -2)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.1f heap bytes per element (%d nodes)", per, l.nodes)
	if per > 18 { // 1.5 times Valkey's
		t.Errorf("%.1f heap bytes per element, want at most 18", per)
	}
	runtime.KeepAlive(l)
}

// TestListPopAliasing checks the aliasing contract: a pushed value is
// copied, a popped slice stays intact until the list is modified, and
// LMOVE/RPOPLPUSH of a list onto itself (which copy the popped element
// before pushing it) move the right bytes through headroom reuse and
// compaction.
func TestListPopAliasing(t *testing.T) {
	l := &List{}
	v := []byte("pushed")
	l.Push(v, true, -2)
	copy(v, "XXXXXX")
	if got, _ := l.Index(0); string(got) != "pushed" {
		t.Fatalf("push did not copy: %q", got)
	}
	for _, head := range []bool{true, false} {
		l := &List{}
		for i := range 100 {
			l.Push([]byte("e"+strconv.Itoa(i)), false, -2)
		}
		p := l.Pop(head)
		want := string(p)
		l.Range(0, l.n, false, func([]byte) bool { return true })
		l.Index(-1)
		if string(p) != want {
			t.Fatalf("head=%v: popped %q changed to %q by reads", head, want, p)
		}
		kept := append([]byte(nil), p...)
		for i := range 1000 {
			l.Push([]byte("filler"+strconv.Itoa(i)), head, -2)
			l.Pop(!head)
		}
		checkList(t, l)
		if string(kept) != want {
			t.Fatalf("head=%v: copy of popped %q changed to %q", head, want, kept)
		}
	}

	k := newKT(t)
	rng := rand.New(rand.NewSource(3))
	var model []string
	for i := range 300 {
		e := strings.Repeat(string(rune('a'+i%26)), 1+i%13)
		model = append(model, e)
		k.do("RPUSH", "q", e)
	}
	bulk := func(e string) string { return "$" + strconv.Itoa(len(e)) + "\r\n" + e + "\r\n" }
	for step := range 5000 {
		from, to := rng.Intn(2) == 0, rng.Intn(2) == 0
		var e string
		if from {
			e, model = model[0], model[1:]
		} else {
			e, model = model[len(model)-1], model[:len(model)-1]
		}
		if to {
			model = append([]string{e}, model...)
		} else {
			model = append(model, e)
		}
		side := map[bool]string{true: "LEFT", false: "RIGHT"}
		cmd := []string{"LMOVE", "q", "q", side[from], side[to]}
		if !from && to && step%2 == 0 {
			cmd = []string{"RPOPLPUSH", "q", "q"}
		}
		if got := k.do(cmd...); got != bulk(e) {
			t.Fatalf("step %d: %q replied %q, want %q", step, cmd, got, bulk(e))
		}
	}
	want := "*" + strconv.Itoa(len(model)) + "\r\n"
	for _, e := range model {
		want += bulk(e)
	}
	k.is(want, "LRANGE", "q", "0", "-1")
}
