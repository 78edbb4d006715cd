package engine

import (
	"strconv"
	"testing"
)

// hllBenchNode returns a node whose DB 0 holds "dense" (100000 elements)
// and "sparse" (1000 elements), and a Ctx for argv.
func hllBenchNode(b *testing.B, argv ...string) (*Node, *Ctx) {
	b.Helper()
	n, c := benchCmd(b, argv...)
	st := &strTester{t: b, n: n, cl: c.Client, rec: newRecordReply()}
	st.addElems("dense", 100000)
	st.addElems("sparse", 1000)
	return n, c
}

// hllEntry returns the stored HLL of key.
func hllEntry(b *testing.B, n *Node, key string) *Str {
	e := n.Default().DB(0).find(key, 0)
	if e == nil {
		b.Fatalf("no key %s", key)
	}
	return e.Val.val().(*Str)
}

func BenchmarkPFAddDense(b *testing.B) {
	n, c := hllBenchNode(b, "PFADD", "dense", "element:0000000000")
	ele := c.Args[2]
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		strconv.AppendInt(ele[:8], int64(i), 10)
		i++
		benchCall(n, c)
	}
}

// BenchmarkPFAddSparse adds elements already counted to a sparse HLL of
// 1000 elements: the opcode scan without the growth.
func BenchmarkPFAddSparse(b *testing.B) {
	n, c := hllBenchNode(b, "PFADD", "sparse", "elem:000")
	ele := c.Args[2]
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		ele = strconv.AppendInt(ele[:5], int64(i%1000), 10)
		c.Args[2] = ele
		i++
		benchCall(n, c)
	}
}

// BenchmarkPFAddNew creates an HLL and adds ten elements.
func BenchmarkPFAddNew(b *testing.B) {
	n, c := benchCmd(b, "PFADD", "new", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
	db := n.Default().DB(0)
	b.ReportAllocs()
	for b.Loop() {
		benchCall(n, c)
		s := db.shardFor("new")
		db.removeEntry(s, s.keys.Find("new"))
	}
}

func BenchmarkPFCountCached(b *testing.B) {
	n, c := hllBenchNode(b, "PFCOUNT", "dense")
	b.ReportAllocs()
	for b.Loop() {
		benchCall(n, c)
	}
}

func BenchmarkPFCountDense(b *testing.B) {
	n, c := hllBenchNode(b, "PFCOUNT", "dense")
	s := hllEntry(b, n, "dense")
	b.ReportAllocs()
	for b.Loop() {
		hllInvalidate(s.B)
		benchCall(n, c)
	}
}

func BenchmarkPFCountSparse(b *testing.B) {
	n, c := hllBenchNode(b, "PFCOUNT", "sparse")
	s := hllEntry(b, n, "sparse")
	b.ReportAllocs()
	for b.Loop() {
		hllInvalidate(s.B)
		benchCall(n, c)
	}
}

func BenchmarkPFCountUnion(b *testing.B) {
	n, c := hllBenchNode(b, "PFCOUNT", "dense", "sparse")
	b.ReportAllocs()
	for b.Loop() {
		benchCall(n, c)
	}
}

func BenchmarkPFMerge(b *testing.B) {
	n, c := hllBenchNode(b, "PFMERGE", "dest", "dense", "sparse")
	b.ReportAllocs()
	for b.Loop() {
		benchCall(n, c)
	}
}
