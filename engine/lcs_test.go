package engine

import (
	"math/rand"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

func TestLCS(t *testing.T) {
	st := newStrTester(t)
	st.expect(rOK, "MSET", "key1", "ohmytext", "key2", "mynewtext")
	st.expect(rbulk("mytext"), "LCS", "key1", "key2")
	st.expect(":6\r\n", "LCS", "key1", "key2", "LEN")
	st.expect("*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
		"LCS", "key1", "key2", "IDX")
	st.expect("*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:4\r\n$3\r\nlen\r\n:6\r\n",
		"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN")
	st.expect(rEmpty, "LCS", "key1", "nokey")
	st.expect(":0\r\n", "LCS", "nokey", "nokey2", "LEN")
	st.expect(rbulk("ohmytext"), "LCS", "key1", "key1")
	st.expect(rOK, "MSET", "n1", "123456", "n2", "2468")
	st.expect(rbulk("246"), "LCS", "n1", "n2")
	st.expect("-"+ErrLCSLenAndIdx+"\r\n", "LCS", "key1", "key2", "LEN", "IDX")
	st.expect(rSyntax, "LCS", "key1", "key2", "FOO")
	st.expect(rSyntax, "LCS", "key1", "key2", "IDX", "MINMATCHLEN")
	st.expect(rNotInt, "LCS", "key1", "key2", "IDX", "MINMATCHLEN", "abc")
	st.putOther("list")
	st.expect("-"+ErrLCSWrongType+"\r\n", "LCS", "list", "key1", "FOO")
	st.expect("-"+ErrLCSWrongType+"\r\n", "LCS", "key1", "list")

	st.rec.proto = 3
	st.expect("%2\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n$3\r\nlen\r\n:6\r\n",
		"LCS", "key1", "key2", "IDX", "MINMATCHLEN", "3")
}

func TestLCSMemoryLimit(t *testing.T) {
	st := newStrTester(t)
	st.n.SetMaxBulkLen(1 << 20)
	defer st.n.SetMaxBulkLen(0)
	// 501*501*4 bytes of Valkey table fit in 1 MiB; 601*601*4 do not.
	a, b := strings.Repeat("ab", 250), strings.Repeat("ba", 250)
	st.expect(rOK, "MSET", "a", a, "b", b)
	st.expect(":499\r\n", "LCS", "a", "b", "LEN")
	st.expect(rOK, "MSET", "a", a+strings.Repeat("x", 100), "b", b+strings.Repeat("y", 100))
	st.expect("-"+ErrLCSMemory+"\r\n", "LCS", "a", "b", "LEN")
	st.expect(rEmpty, "LCS", "a", "nokey") // 601*1*4 bytes fit
	st.expect("-"+ErrLCSMemory+"\r\n", "LCS", "a", "a")
}

func TestLCSHugeInputsDoNotAllocate(t *testing.T) {
	st := newStrTester(t)
	big := strings.Repeat("x", 4<<20)
	st.expect(rOK, "MSET", "a", big, "b", big)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	st.expect("-"+ErrLCSMemory+"\r\n", "LCS", "a", "b", "IDX")
	runtime.ReadMemStats(&after)
	if d := after.TotalAlloc - before.TotalAlloc; d > 1<<20 {
		t.Fatalf("refused LCS allocated %d bytes", d)
	}
}

func TestLCSMatchesValkeyTable(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	gen := func(alpha string, n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = alpha[rng.Intn(len(alpha))]
		}
		return b
	}
	for i := 0; i < 500; i++ {
		a, b := gen("abc", rng.Intn(60)), gen("abcd", rng.Intn(60))
		minLen := uint64(rng.Intn(4))
		total, turns := lcsTable(a, b, true)
		res, ranges := lcsBacktrack(a, b, total, turns, true, minLen)
		wantRes, wantRanges := lcsReference(a, b, minLen)
		if string(res) != string(wantRes) || !reflect.DeepEqual(ranges, wantRanges) {
			t.Fatalf("LCS(%q, %q): %q %v, want %q %v", a, b, res, ranges, wantRes, wantRanges)
		}
		if n, _ := lcsTable(a, b, false); n != total {
			t.Fatalf("LEN %d vs %d", n, total)
		}
	}
}

// lcsReference is Valkey's algorithm with the whole table, for
// comparison.
func lcsReference(a, b []byte, minLen uint64) ([]byte, []lcsRange) {
	alen, blen := uint32(len(a)), uint32(len(b))
	tab := make([]uint32, (alen+1)*(blen+1))
	at := func(i, j uint32) *uint32 { return &tab[j+i*(blen+1)] }
	for i := uint32(1); i <= alen; i++ {
		for j := uint32(1); j <= blen; j++ {
			if a[i-1] == b[j-1] {
				*at(i, j) = *at(i-1, j-1) + 1
			} else {
				*at(i, j) = max(*at(i-1, j), *at(i, j-1))
			}
		}
	}
	k := *at(alen, blen)
	res := make([]byte, k)
	var ranges []lcsRange
	as, ae, bs, be := alen, uint32(0), uint32(0), uint32(0)
	i, j := alen, blen
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			res[k-1] = a[i-1]
			if as == alen {
				as, ae, bs, be = i-1, i-1, j-1, j-1
			} else if as == i && bs == j {
				as--
				bs--
			} else {
				emit = true
			}
			if as == 0 || bs == 0 {
				emit = true
			}
			k, i, j = k-1, i-1, j-1
		} else {
			if *at(i-1, j) > *at(i, j-1) {
				i--
			} else {
				j--
			}
			emit = as != alen
		}
		if emit {
			if n := ae - as + 1; minLen == 0 || uint64(n) >= minLen {
				ranges = append(ranges, lcsRange{as, ae, bs, be, n})
			}
			as = alen
		}
	}
	return res, ranges
}
