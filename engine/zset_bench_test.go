package engine

import (
	"strconv"
	"testing"
)

func benchZSet(b *testing.B, n int) *kt {
	k := newKT(b)
	z := newZSetFor(k.n, n, 0)
	for i := 0; i < n; i++ {
		z.insert("m"+strconv.Itoa(i), float64(i))
	}
	k.put(0, "z", z)
	return k
}

func BenchmarkZAddUpdate(b *testing.B) {
	k := benchZSet(b, 100_000)
	args := [][]string{}
	for i := 0; i < 1024; i++ {
		args = append(args, []string{"ZADD", "z", strconv.Itoa(i * 7), "m" + strconv.Itoa(i*97)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k.do(args[i%len(args)]...)
	}
}

func BenchmarkZScore(b *testing.B) {
	k := benchZSet(b, 100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k.do("ZSCORE", "z", "m4242")
	}
}

func BenchmarkZRangeRank(b *testing.B) {
	k := benchZSet(b, 100_000)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k.do("ZRANGE", "z", "50000", "50009", "WITHSCORES")
	}
}
