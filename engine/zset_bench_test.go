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

// The redis-benchmark ZADD and ZPOPMIN rows of make bench: one large key.
func BenchmarkZAddLarge(b *testing.B) {
	k := newKT(b)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k.do("ZADD", "myzset", "0", "element:"+strconv.Itoa(i*7919%100_000))
	}
}

func BenchmarkZPopMinLarge(b *testing.B) {
	k := newKT(b)
	args := []string{"ZADD", "myzset"}
	for i := 0; i < 100_000; i++ {
		args = append(args, strconv.Itoa(i), "element:"+strconv.Itoa(i))
	}
	k.do(args...)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		k.do("ZPOPMIN", "myzset")
		if i%50_000 == 49_999 {
			b.StopTimer()
			k.do(args...)
			b.StartTimer()
		}
	}
}

// Small sorted sets (listpack): 10k keys of 8 members.
func benchSmallZSets(b *testing.B) (*kt, []string) {
	k := newKT(b)
	keys := make([]string, 10_000)
	for i := range keys {
		keys[i] = "zs:" + strconv.Itoa(i)
		args := []string{"ZADD", keys[i]}
		for j := 0; j < 8; j++ {
			args = append(args, strconv.Itoa((i+j*13)%100), "member:"+strconv.Itoa(i*8+j))
		}
		k.do(args...)
	}
	b.ReportAllocs()
	return k, keys
}

func BenchmarkSmallZAdd(b *testing.B) {
	k, keys := benchSmallZSets(b)
	for i := 0; b.Loop(); i++ {
		k.do("ZADD", keys[i%len(keys)], strconv.Itoa(i%100), "member:"+strconv.Itoa(i%len(keys)*8+i%16))
	}
}

func BenchmarkSmallZScore(b *testing.B) {
	k, keys := benchSmallZSets(b)
	for i := 0; b.Loop(); i++ {
		k.do("ZSCORE", keys[i%len(keys)], "member:"+strconv.Itoa(i%len(keys)*8+i%8))
	}
}

func BenchmarkSmallZRange(b *testing.B) {
	k, keys := benchSmallZSets(b)
	for i := 0; b.Loop(); i++ {
		k.do("ZRANGE", keys[i%len(keys)], "0", "-1", "WITHSCORES")
	}
}

func BenchmarkSmallZRevRange(b *testing.B) {
	k, keys := benchSmallZSets(b)
	for i := 0; b.Loop(); i++ {
		k.do("ZREVRANGE", keys[i%len(keys)], "0", "4", "WITHSCORES")
	}
}

func BenchmarkSmallZIncrBy(b *testing.B) {
	k, keys := benchSmallZSets(b)
	for i := 0; b.Loop(); i++ {
		k.do("ZINCRBY", keys[i%len(keys)], "1", "member:"+strconv.Itoa(i%len(keys)*8+i%8))
	}
}
