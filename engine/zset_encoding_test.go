package engine

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// zsetOf returns the sorted set stored at key in db 0.
func zsetOf(t *testing.T, k *kt, key string) *ZSet {
	t.Helper()
	e := k.n.Default().DB(0).data.shardFor(key).keys.Find(key)
	if e == nil {
		t.Fatalf("%s: no such key", key)
	}
	z, ok := e.Val.val().(*ZSet)
	if !ok {
		t.Fatalf("%s: %T", key, e.Val.val())
	}
	return z
}

// TestZSetEncodingsAgree runs the same random commands against a node
// whose sorted sets stay listpacks and one whose sorted sets are all
// skiplists: every reply must be the same. (The replies that depend on the
// encoding in Valkey are left out: ZSCAN's cursor and score format,
// random picks, lex ranges over differing scores, and -0 scores.)
func TestZSetEncodingsAgree(t *testing.T) {
	lp, sk := newKT(t), newKT(t)
	setZSetLimits(t, lp, "100000", "100000")
	setZSetLimits(t, sk, "0", "0")
	r := rand.New(rand.NewPCG(7, 8))
	member := func() string {
		if r.IntN(10) == 0 {
			return strings.Repeat("long", 20) + strconv.Itoa(r.IntN(5))
		}
		return "m" + strconv.Itoa(r.IntN(40))
	}
	score := func() string {
		switch r.IntN(10) {
		case 0:
			return strconv.FormatFloat(r.NormFloat64()*1e6, 'g', -1, 64)
		case 1:
			return []string{"inf", "-inf", "+inf", "9007199254740993", "-9007199254740992", "1e300", "0.5"}[r.IntN(7)]
		}
		return strconv.Itoa(r.IntN(60) - 20)
	}
	bound := func() string {
		switch r.IntN(6) {
		case 0:
			return "-inf"
		case 1:
			return "+inf"
		case 2:
			return "(" + strconv.Itoa(r.IntN(60)-20)
		}
		return strconv.Itoa(r.IntN(60) - 20)
	}
	lexBound := func() string {
		switch r.IntN(5) {
		case 0:
			return "-"
		case 1:
			return "+"
		case 2:
			return "(m" + strconv.Itoa(r.IntN(40))
		}
		return "[m" + strconv.Itoa(r.IntN(40))
	}
	key := func() string {
		if r.IntN(10) == 0 {
			return "d" + strconv.Itoa(r.IntN(2))
		}
		return "z" + strconv.Itoa(r.IntN(3))
	}
	dst := func() string {
		if r.IntN(8) == 0 {
			return key()
		}
		return "d" + strconv.Itoa(r.IntN(2))
	}
	rank := func() string { return strconv.Itoa(r.IntN(50) - 25) }
	for i := 0; i < 20000; i++ {
		var args []string
		switch r.IntN(40) {
		case 0, 1, 2, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39:
			args = []string{"ZADD", key()}
			for j := r.IntN(8); j >= 0; j-- {
				args = append(args, score(), member())
			}
		case 3:
			args = []string{"ZADD", key(), []string{"NX", "XX", "GT", "LT", "CH"}[r.IntN(5)], score(), member()}
		case 4:
			args = []string{"ZINCRBY", key(), score(), member()}
		case 5:
			args = []string{"ZREM", key(), member(), member()}
		case 6:
			args = []string{"ZRANGE", key(), rank(), rank(), "WITHSCORES"}
		case 7:
			args = []string{"ZRANGE", key(), rank(), rank(), "REV"}
		case 8:
			args = []string{"ZRANGE", key(), bound(), bound(), "BYSCORE", "LIMIT", strconv.Itoa(r.IntN(5) - 1), strconv.Itoa(r.IntN(8) - 1), "WITHSCORES"}
		case 9:
			args = []string{"ZRANGE", key(), bound(), bound(), "BYSCORE", "REV", "LIMIT", strconv.Itoa(r.IntN(5)), strconv.Itoa(r.IntN(8) - 1)}
		case 10:
			args = []string{"ZCOUNT", key(), bound(), bound()}
		case 11:
			args = []string{"ZRANK", key(), member(), "WITHSCORE"}
		case 12:
			args = []string{"ZREVRANK", key(), member()}
		case 13:
			args = []string{"ZSCORE", key(), member()}
		case 14:
			args = []string{"ZMSCORE", key(), member(), member()}
		case 15:
			args = []string{"ZREMRANGEBYRANK", key(), rank(), rank()}
		case 16:
			args = []string{"ZREMRANGEBYSCORE", key(), bound(), bound()}
		case 17:
			args = []string{"ZPOPMIN", key(), strconv.Itoa(r.IntN(4))}
		case 18:
			args = []string{"ZPOPMAX", key(), strconv.Itoa(r.IntN(4))}
		case 19:
			args = []string{"ZMPOP", "2", key(), key(), "MAX", "COUNT", strconv.Itoa(1 + r.IntN(3))}
		case 20:
			args = []string{"ZUNIONSTORE", dst(), "2", key(), key(), "WEIGHTS", "1", "2"}
		case 21:
			args = []string{"ZINTER", "2", key(), key(), "WITHSCORES"}
		case 22:
			args = []string{"ZDIFFSTORE", dst(), "2", key(), key()}
		case 23:
			args = []string{"ZRANGESTORE", dst(), key(), bound(), bound(), "BYSCORE"}
		case 24:
			args = []string{"ZRANGESTORE", dst(), key(), rank(), rank()}
		case 25:
			args = []string{"ZCARD", key()}
		case 26:
			// Lex commands on a set whose scores are all equal.
			args = []string{"ZADD", "lex", "0", member(), "0", member()}
		case 27:
			args = []string{[]string{"ZRANGEBYLEX", "ZREVRANGEBYLEX", "ZLEXCOUNT", "ZREMRANGEBYLEX"}[r.IntN(4)], "lex", lexBound(), lexBound()}
		case 28:
			args = []string{"ZRANDMEMBER", key(), "1000", "WITHSCORES"}
		case 29:
			args = []string{"ZINTERCARD", "2", key(), key(), "LIMIT", strconv.Itoa(r.IntN(4))}
		}
		a, b := lp.do(args...), sk.do(args...)
		if a != b {
			t.Fatalf("%q:\nlistpack %q\nskiplist %q", args, a, b)
		}
		if i%500 == 0 {
			for _, k := range []string{"z0", "z1", "z2", "d0", "d1", "lex"} {
				if lp.do("EXISTS", k) == ":1\r\n" {
					zl, zs := zsetOf(t, lp, k), zsetOf(t, sk, k)
					zcheck(t, zl)
					zcheck(t, zs)
					if zl.Encoding() != "listpack" || zs.Encoding() != "skiplist" {
						t.Fatalf("%s: %s and %s", k, zl.Encoding(), zs.Encoding())
					}
				}
			}
			auditMemory(t, lp.n.Default())
			auditMemory(t, sk.n.Default())
		}
	}
	t.Logf("sizes at the end (fewer than 40 + 5 members): %q %q %q %q", lp.do("ZCARD", "z0"), lp.do("ZCARD", "z1"), lp.do("ZCARD", "z2"), lp.do("ZCARD", "lex"))
}

// TestZSetConversionBoundaries checks where listpacks convert: past the
// entry count (exactly 128 stay), a member past the value limit (64 bytes
// stay, 65 convert), as CONFIG SET changes them; stored results and SORT.
func TestZSetConversionBoundaries(t *testing.T) {
	k := newKT(t)
	enc := func(key string) string {
		t.Helper()
		return strings.TrimSuffix(strings.TrimPrefix(k.do("OBJECT", "ENCODING", key), "$8\r\n"), "\r\n")
	}
	args := []string{"ZADD", "z"}
	for i := 0; i < 128; i++ {
		args = append(args, strconv.Itoa(i%7), "m"+strconv.Itoa(i))
	}
	k.is(":128\r\n", args...)
	if enc("z") != "listpack" {
		t.Fatalf("128 members: %s", enc("z"))
	}
	zcheck(t, zsetOf(t, k, "z"))
	// 129 in one ZADD on a new key: a skiplist from the start.
	big := append([]string{"ZADD", "z129"}, args[2:]...)
	k.is(":129\r\n", append(big, "1", "m128")...)
	if enc("z129") != "skiplist" {
		t.Fatalf("129 members: %s", enc("z129"))
	}
	args[1] = "y"
	k.is(":128\r\n", args...)
	k.is(":0\r\n", "ZADD", "y", "XX", "1", "nosuch")
	k.is(":0\r\n", "ZADD", "y", "1", "m1")
	if enc("y") != "listpack" {
		t.Fatalf("after updates: %s", enc("y"))
	}
	k.is(":1\r\n", "ZADD", "y", "-1", "m128")
	if enc("y") != "skiplist" {
		t.Fatalf("129th member: %s", enc("y"))
	}
	zcheck(t, zsetOf(t, k, "y"))
	k.is("*2\r\n$4\r\nm128\r\n$2\r\nm0\r\n", "ZRANGE", "y", "0", "1")

	m64, m65 := strings.Repeat("x", 64), strings.Repeat("x", 65)
	k.is(":1\r\n", "ZADD", "v", "1", m64)
	if enc("v") != "listpack" {
		t.Fatalf("64-byte member: %s", enc("v"))
	}
	k.is(":1\r\n", "ZADD", "v", "2", m65)
	if enc("v") != "skiplist" {
		t.Fatalf("65-byte member: %s", enc("v"))
	}
	k.is(":1\r\n", "ZADD", "v2", "2", m65)
	if enc("v2") != "skiplist" {
		t.Fatalf("new key, 65-byte member: %s", enc("v2"))
	}
	// Removing the long member does not convert back; storing does.
	k.is(":1\r\n", "ZREM", "v", m65)
	if enc("v") != "skiplist" {
		t.Fatal("converted back")
	}
	k.is(":1\r\n", "ZUNIONSTORE", "u", "1", "v")
	if enc("u") != "listpack" {
		t.Fatalf("small union: %s", enc("u"))
	}
	k.is(":2\r\n", "ZUNIONSTORE", "u", "2", "v", "v2")
	if enc("u") != "skiplist" {
		t.Fatalf("union with a long member: %s", enc("u"))
	}
	k.is(":128\r\n", "ZINTERSTORE", "u", "2", "z", "y")
	if enc("u") != "listpack" {
		t.Fatalf("128-member intersection: %s", enc("u"))
	}
	k.is(":129\r\n", "ZUNIONSTORE", "u", "1", "y")
	if enc("u") != "skiplist" {
		t.Fatalf("129-member union: %s", enc("u"))
	}
	k.is(":128\r\n", "ZRANGESTORE", "r", "y", "0", "127")
	if enc("r") != "listpack" {
		t.Fatalf("128-member ZRANGESTORE: %s", enc("r"))
	}
	k.is(":129\r\n", "ZRANGESTORE", "r", "y", "-inf", "+inf", "BYSCORE")
	if enc("r") != "skiplist" {
		t.Fatalf("129-member ZRANGESTORE: %s", enc("r"))
	}
	zcheck(t, zsetOf(t, k, "r"))

	// CONFIG SET applies to the next insertion.
	setZSetLimits(t, k, "3", "4")
	k.is(":3\r\n", "ZADD", "c", "3", "c", "1", "a", "2", "b")
	if enc("c") != "listpack" {
		t.Fatalf("3 of 3: %s", enc("c"))
	}
	k.is(":1\r\n", "ZADD", "c", "0", "d")
	if enc("c") != "skiplist" {
		t.Fatalf("4 of 3: %s", enc("c"))
	}
	k.is(":1\r\n", "ZADD", "c2", "0", "abcd")
	k.is("$1\r\n1\r\n", "ZINCRBY", "c2", "1", "abcde")
	if enc("c2") != "skiplist" {
		t.Fatalf("5 bytes of 4: %s", enc("c2"))
	}
	setZSetLimits(t, k, "0", "64")
	k.is(":1\r\n", "ZADD", "c3", "0", "a")
	if enc("c3") != "skiplist" {
		t.Fatalf("limit 0: %s", enc("c3"))
	}
	setZSetLimits(t, k, "128", "64")

	// SORT and SORT_RO convert their input as Valkey's do.
	k.is(":3\r\n", "ZADD", "s", "3", "a", "1", "b", "2", "c")
	k.is("*3\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\nb\r\n", "SORT_RO", "s", "BY", "nosort", "DESC", "LIMIT", "0", "3")
	if enc("s") != "skiplist" {
		t.Fatalf("after SORT_RO: %s", enc("s"))
	}
	auditMemory(t, k.n.Default())

	// -0: 0 in a listpack, -0 in a skiplist, 0 once stored small.
	k.is(":1\r\n", "ZADD", "n", "-0", "a")
	k.is("$1\r\n0\r\n", "ZSCORE", "n", "a")
	k.is(":1\r\n", "ZADD", "v", "-0", "neg")
	k.is("$2\r\n-0\r\n", "ZSCORE", "v", "neg")
	k.is(":2\r\n", "ZRANGESTORE", "n2", "v", "0", "-1")
	k.is("$1\r\n0\r\n", "ZSCORE", "n2", "neg")
}

// TestZSetListpackScores stores scores of every kind in a listpack and
// reads them back exactly.
func TestZSetListpackScores(t *testing.T) {
	z := NewZSet()
	scores := []float64{0, 1, -1, 63, 64, -64, -65, 1 << 40, -(1 << 53), 1 << 53, 1<<53 + 2, -(1<<53 + 2),
		0.5, -0.1, 1e300, -1e-300, math.MaxFloat64, math.SmallestNonzeroFloat64, math.Inf(1), math.Inf(-1),
		math.Copysign(0, -1), 9.007199254740993e15, 123456789.125}
	for i, s := range scores {
		z.insert("m"+strconv.Itoa(i), s)
	}
	zcheck(t, z)
	for i, s := range scores {
		got, ok := z.Score("m" + strconv.Itoa(i))
		if s == 0 {
			s = 0 // -0 is stored as 0
		}
		if !ok || got != s || math.Signbit(got) != math.Signbit(s) {
			t.Errorf("score %v read back as %v %v", s, got, ok)
		}
	}
	// Entries of every backlen size, from an empty member to a long one.
	z2 := NewZSet()
	for _, n := range []int{0, 1, 120, 127, 128, 200, 16383, 16384, 70000} {
		z2.insert(strings.Repeat("a", n), float64(n))
	}
	zcheck(t, z2)
	if it := z2.last(); !it.valid() || len(it.member) != 70000 {
		t.Fatal("last entry")
	}
	z2.removeRange(2, 4)
	zcheck(t, z2)
	if z2.Len() != 5 || z2.atRank(2).score != 16383 {
		t.Fatalf("after removeRange: %d members, rank 2 scores %v", z2.Len(), z2.atRank(2).score)
	}
}

// TestZSetListpackStrings: members taken from a listpack stay valid after
// the set changes (updates and deletions build new slices).
func TestZSetListpackStrings(t *testing.T) {
	k := newKT(t)
	z := NewZSet()
	for i := 0; i < 20; i++ {
		z.insert("member"+strconv.Itoa(i), float64(i))
	}
	var kept []string
	for it := z.first(); it.valid(); it.next() {
		kept = append(kept, it.member)
	}
	for i := 0; i < 20; i++ {
		m := []byte("member" + strconv.Itoa(i))
		z.add(k.n, m, float64(100-i), zaddFlags{})
		z.add(k.n, m, 1, zaddFlags{incr: true})
		z.remove("member" + strconv.Itoa((i+7)%20))
		z.insert("other"+strconv.Itoa(i), float64(i))
	}
	zcheck(t, z)
	for i, m := range kept {
		if m != "member"+strconv.Itoa(i) {
			t.Fatalf("member %d changed to %q", i, m)
		}
	}
}

// TestZSetCopyIndependent: COPY of a listpack set shares nothing.
func TestZSetCopyIndependent(t *testing.T) {
	k := newKT(t)
	k.is(":3\r\n", "ZADD", "a", "1", "x", "2", "y", "3", "z")
	k.is(":1\r\n", "COPY", "a", "b")
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "b")
	k.is(":1\r\n", "ZADD", "b", "0", "w")
	k.is(":1\r\n", "ZREM", "a", "y")
	k.is("*4\r\n$1\r\nw\r\n$1\r\nx\r\n$1\r\ny\r\n$1\r\nz\r\n", "ZRANGE", "b", "0", "-1")
	k.is("*2\r\n$1\r\nx\r\n$1\r\nz\r\n", "ZRANGE", "a", "0", "-1")
}
