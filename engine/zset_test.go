package engine

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// zcheck verifies a sorted set's structure: for a listpack the order of
// its entries, their count and the backward walk; for a skiplist its
// order, spans, back links and length, and that the dict agrees with it.
func zcheck(t *testing.T, z *ZSet) {
	t.Helper()
	if z.sk == nil {
		zcheckListpack(t, z)
		return
	}
	zsl := &z.sk.zsl
	n := 0
	var prev *zNode
	for x := zsl.first(); x != nil; x = x.next() {
		n++
		if x.back != prev {
			t.Fatalf("back link of %q wrong", x.member)
		}
		if prev != nil && !zless(prev.score, prev.member, x.score, x.member) {
			t.Fatalf("order: %v %q before %v %q", prev.score, prev.member, x.score, x.member)
		}
		if got := zsl.rank(x.score, x.member); got != n {
			t.Fatalf("rank(%q) = %d, want %d", x.member, got, n)
		}
		if got := zsl.byRank(n); got != x {
			t.Fatalf("byRank(%d) wrong", n)
		}
		dn := z.sk.dict.Find(x.member)
		if dn == nil || dn.Val != x {
			t.Fatalf("dict entry of %q wrong", x.member)
		}
		prev = x
	}
	if n != zsl.length || n != z.sk.dict.Len() || zsl.tail != prev {
		t.Fatalf("length %d, list %d, dict %d", zsl.length, n, z.sk.dict.Len())
	}
}

// zcheckListpack verifies a listpack set: entries in (score, member)
// order without duplicates or -0, lpN entries, the backward walk the
// reverse of the forward one, ranks and lookups agreeing.
func zcheckListpack(t *testing.T, z *ZSet) {
	t.Helper()
	var fwd []zEntry
	seen := map[string]bool{}
	for it := z.first(); it.valid(); it.next() {
		if it.idx != len(fwd) {
			t.Fatalf("entry %d has index %d", len(fwd), it.idx)
		}
		if n := len(fwd); n > 0 && !zless(fwd[n-1].score, fwd[n-1].member, it.score, it.member) {
			t.Fatalf("order: %v %q before %v %q", fwd[n-1].score, fwd[n-1].member, it.score, it.member)
		}
		if it.score == 0 && math.Signbit(it.score) {
			t.Fatalf("%q scores -0 in a listpack", it.member)
		}
		if seen[it.member] {
			t.Fatalf("%q twice", it.member)
		}
		seen[it.member] = true
		fwd = append(fwd, zEntry{it.member, it.score})
	}
	if len(fwd) != z.lpN || (len(fwd) == 0) != (len(z.lp) == 0) {
		t.Fatalf("%d entries, lpN %d, %d bytes", len(fwd), z.lpN, len(z.lp))
	}
	// No slack beyond the allocator's size class.
	if cap(z.lp) != lpCap(len(z.lp)) {
		t.Fatalf("%d bytes in a capacity of %d", len(z.lp), cap(z.lp))
	}
	i := len(fwd) - 1
	for it := z.last(); it.valid(); it.prev() {
		if i < 0 || fwd[i] != (zEntry{it.member, it.score}) || it.idx != i {
			t.Fatalf("backward walk differs at %d", i)
		}
		i--
	}
	if i != -1 {
		t.Fatalf("backward walk stopped at %d", i)
	}
	for r, e := range fwd {
		if it := z.atRank(r); !it.valid() || it.member != e.member {
			t.Fatalf("atRank(%d) wrong", r)
		}
		if got, s, ok := z.rank(e.member); !ok || got != r || s != e.score {
			t.Fatalf("rank(%q) = %d %v %v, want %d", e.member, got, s, ok, r)
		}
	}
}

// setZSetLimits sets zset-max-listpack-entries and -value, as CONFIG SET
// does.
func setZSetLimits(t testing.TB, k *kt, entries, value string) {
	t.Helper()
	if e := k.n.Config.Set([]SetRequest{{"zset-max-listpack-entries", entries}, {"zset-max-listpack-value", value}}, true); e != "" {
		t.Fatal(e)
	}
}

// TestZSetModel runs random inserts, score changes and removals against a
// sorted slice model.
func TestZSetModel(t *testing.T) {
	for _, enc := range []string{"listpack", "skiplist"} {
		t.Run(enc, func(t *testing.T) { testZSetModel(t, enc) })
	}
}

func testZSetModel(t *testing.T, enc string) {
	k := newKT(t)
	setZSetLimits(t, k, "1000", "64")
	z := NewZSet()
	if enc == "skiplist" {
		z.toSkiplist()
	}
	model := map[string]float64{}
	for i := 0; i < 5000; i++ {
		m := "m" + strconv.Itoa(rand.IntN(300))
		s := float64(rand.IntN(50))
		switch rand.IntN(8) {
		case 0:
			s = -s / 3 // non-integral scores
		case 1:
			s = math.Copysign(0, -1)
		case 2:
			s *= 1e15 // integral, too large for the integer form
		}
		switch rand.IntN(3) {
		case 0, 1:
			res, _ := z.add(k.n, []byte(m), s, zaddFlags{})
			_, had := model[m]
			want := zaddAdded
			if had {
				want = zaddUpdated
				if model[m] == s {
					want = zaddSame
				}
			}
			if res != want {
				t.Fatalf("add %q %v = %v, want %v", m, s, res, want)
			}
			if s == 0 && enc == "listpack" {
				s = 0
			}
			if res != zaddSame {
				model[m] = s
			}
		case 2:
			_, had := model[m]
			if z.remove(m) != had {
				t.Fatalf("remove %q", m)
			}
			delete(model, m)
		}
		if i%500 == 0 {
			zcheck(t, z)
		}
	}
	zcheck(t, z)
	if z.Encoding() != enc {
		t.Fatalf("encoding %s", z.Encoding())
	}
	type pair struct {
		m string
		s float64
	}
	var want []pair
	for m, s := range model {
		want = append(want, pair{m, s})
	}
	slices.SortFunc(want, func(a, b pair) int {
		if a.s != b.s {
			if a.s < b.s {
				return -1
			}
			return 1
		}
		return strings.Compare(a.m, b.m)
	})
	i := 0
	for x := z.first(); x.valid(); x.next() {
		if x.member != want[i].m || x.score != want[i].s || math.Signbit(x.score) != math.Signbit(want[i].s) {
			t.Fatalf("at %d: %q %v, want %+v", i, x.member, x.score, want[i])
		}
		i++
	}
	// Ranges agree with the model.
	r := scoreRange{min: 10, max: 20, minex: true}
	n := 0
	for _, p := range want {
		if p.s > 10 && p.s <= 20 {
			n++
		}
	}
	if _, got := z.scoreRangeStart(&r, false, 0, -1); got != n {
		t.Fatalf("score range: %d, want %d", got, n)
	}
	if _, got := z.scoreRangeStart(&r, true, 0, -1); got != n {
		t.Fatalf("reverse score range: %d, want %d", got, n)
	}
	if got := z.countInScore(&r); got != n {
		t.Fatalf("count in range: %d, want %d", got, n)
	}
}

func TestZSetEncoding(t *testing.T) {
	k := newKT(t)
	args := []string{"ZADD", "z"}
	for i := 0; i < 128; i++ {
		args = append(args, strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	k.is(":128\r\n", args...)
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "z")
	k.is(":1\r\n", "ZADD", "z", "1000", "one-more")
	k.is("$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "z")
	// Never converted back.
	k.is(":1\r\n", "ZREM", "z", "one-more")
	k.is("$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "z")
	// A long member converts at once; a long member in a new key creates
	// a skiplist directly.
	k.is(":1\r\n", "ZADD", "y", "1", "a")
	k.is(":1\r\n", "ZADD", "y", "1", strings.Repeat("x", 65))
	k.is("$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "y")
	k.is(":1\r\n", "ZADD", "w", "1", strings.Repeat("x", 65))
	k.is("$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "w")
	// Stored results go back to listpack when small.
	k.is(":2\r\n", "ZUNIONSTORE", "u", "1", "y")
	k.is("$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "u")
	k.is(":1\r\n", "ZREM", "y", strings.Repeat("x", 65))
	k.is(":1\r\n", "ZUNIONSTORE", "u", "1", "y")
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "u")
	k.is(":3\r\n", "ZRANGESTORE", "r", "z", "0", "2")
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "r")
	// -0 is stored as 0 in a listpack, kept in a skiplist.
	k.is(":1\r\n", "ZADD", "n", "-0", "a")
	k.is("$1\r\n0\r\n", "ZSCORE", "n", "a")
	k.is(":1\r\n", "ZADD", "z", "-0", "neg")
	k.is("$2\r\n-0\r\n", "ZSCORE", "z", "neg")
	// COPY keeps the encoding and shares nothing.
	k.is(":1\r\n", "COPY", "z", "zc")
	k.is("$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "zc")
	k.is(":1\r\n", "ZREM", "zc", "m1")
	k.is(":129\r\n", "ZCARD", "z")
	k.is(":128\r\n", "ZCARD", "zc")
}

func TestZSetCommands(t *testing.T) {
	k := newKT(t)
	k.is(":3\r\n", "ZADD", "z", "1", "a", "2", "b", "3", "c")
	k.is("$3\r\n3.5\r\n", "ZINCRBY", "z", "1.5", "b")
	k.is("*3\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\nb\r\n", "ZRANGE", "z", "0", "-1")
	k.is(":2\r\n", "ZRANK", "z", "b")
	k.is(":0\r\n", "ZREVRANK", "z", "b")
	k.is("$3\r\ninf\r\n", "ZADD", "i", "INCR", "inf", "x")
	k.is("-ERR resulting score is not a number (NaN)\r\n", "ZADD", "i", "INCR", "-inf", "x")
	k.is("-ERR resulting score is not a number (NaN)\r\n", "ZINCRBY", "i", "-inf", "x")
	k.is("-ERR min or max is not a float\r\n", "ZCOUNT", "z", "(", "nan")
	k.is(":3\r\n", "ZCOUNT", "z", " 0", "+inf")
	k.is("-ERR min or max not valid string range item\r\n", "ZLEXCOUNT", "z", "a", "+")
	k.is("*4\r\n$1\r\nb\r\n$3\r\n3.5\r\n$1\r\nc\r\n$1\r\n3\r\n", "ZPOPMAX", "z", "2")
	k.is("*2\r\n$1\r\na\r\n$1\r\n1\r\n", "ZPOPMIN", "z")
	k.is(":0\r\n", "EXISTS", "z")
	// A huge numkeys is a syntax error, not an allocation.
	k.is("-ERR syntax error\r\n", "ZMPOP", "9223372036854775807", "a", "MIN")
	k.is("-ERR syntax error\r\n", "ZUNION", "9223372036854775807", "a")
	k.is("*-1\r\n", "ZMPOP", "1", "z", "MIN")
}

// TestZSetMillion bounds the time of O(log n) operations on a million
// members: ZADD, ZRANK, ZRANGE by rank and ZREM in the middle.
func TestZSetMillion(t *testing.T) {
	if testing.Short() {
		t.Skip("large")
	}
	k := newKT(t)
	n := 1_000_000
	if raceEnabled {
		n = 250_000 // the race detector makes building slow
	}
	z := newZSetFor(k.n, n, 0)
	start := time.Now()
	for i := 0; i < n; i++ {
		z.insert(fmt.Sprintf("m%07d", i), float64(i))
	}
	k.put(0, "big", z)
	t.Logf("built %d members in %v", n, time.Since(start))
	const ops = 10_000
	start = time.Now()
	for i := 0; i < ops; i++ {
		j := rand.IntN(n)
		m := fmt.Sprintf("m%07d", j)
		want := ":" + strconv.Itoa(j) + "\r\n"
		if got := k.do("ZRANK", "big", m); got != want {
			t.Fatalf("ZRANK %s = %q, want %q", m, got, want)
		}
		r := strconv.Itoa(j)
		want = "*1\r\n$8\r\n" + m + "\r\n"
		if got := k.do("ZRANGE", "big", r, r); got != want {
			t.Fatalf("ZRANGE %s = %q, want %q", r, got, want)
		}
		k.is(":0\r\n", "ZADD", "big", strconv.Itoa(j), m)
		k.is(":1\r\n", "ZADD", "big", "0.5", "x"+m)
		k.is(":1\r\n", "ZREM", "big", "x"+m)
	}
	el := time.Since(start)
	t.Logf("%d rounds of ZRANK+ZRANGE+2 ZADD+ZREM: %v", ops, el)
	// Each round is a handful of O(log n) steps: a linear scan of a
	// million members per command would take minutes.
	if el > 10*time.Second {
		t.Fatalf("too slow: %v for %d rounds", el, ops)
	}
	zcheck(t, z)
	last := strconv.Itoa(n - 1)
	k.is(fmt.Sprintf("*2\r\n$8\r\nm%07d\r\n$%d\r\n%s\r\n", n-1, len(last), last), "ZRANGE", "big", "-1", "-1", "WITHSCORES")
}

func TestStrtodArg(t *testing.T) {
	for _, c := range []struct {
		in string
		v  float64
		ok bool
	}{
		{"", 0, true}, {" 1", 1, true}, {"  ", 0, false}, {"1e400", math.Inf(1), true},
		{"-1e400", math.Inf(-1), true}, {"inf", math.Inf(1), true}, {"x", 0, false},
		{"1x", 0, false}, {"1\x00x", 1, true}, {"0x10", 16, true}, {"1_0", 0, false},
	} {
		v, ok := strtodArg([]byte(c.in))
		if ok != c.ok || (ok && v != c.v) {
			t.Errorf("strtodArg(%q) = %v %v, want %v %v", c.in, v, ok, c.v, c.ok)
		}
	}
}

// bulks returns the bulk strings of a RESP reply, in order.
func bulks(reply string) []string {
	var out []string
	lines := strings.Split(reply, "\r\n")
	for i := 0; i < len(lines)-1; i++ {
		if strings.HasPrefix(lines[i], "$") && lines[i] != "$-1" {
			out = append(out, lines[i+1])
			i++
		}
	}
	return out
}

func TestZScanSkiplist(t *testing.T) {
	k := newKT(t)
	args := []string{"ZADD", "z"}
	for i := 0; i < 1000; i++ {
		args = append(args, strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	k.is(":1000\r\n", args...)
	seen := map[string]string{}
	cursor := "0"
	for round := 0; ; round++ {
		if round > 1000 {
			t.Fatal("ZSCAN does not terminate")
		}
		b := bulks(k.do("ZSCAN", "z", cursor, "COUNT", "10"))
		cursor = b[0]
		for i := 1; i+1 < len(b); i += 2 {
			seen[b[i]] = b[i+1]
		}
		if cursor == "0" {
			break
		}
	}
	if len(seen) != 1000 || seen["m7"] != "7" {
		t.Fatalf("ZSCAN saw %d members, m7=%q", len(seen), seen["m7"])
	}
	b := bulks(k.do("ZSCAN", "z", "0", "MATCH", "m99*", "COUNT", "10000", "NOSCORES"))
	if len(b) != 12 || b[0] != "0" {
		t.Fatalf("ZSCAN MATCH NOSCORES = %q", b)
	}
}

func TestZRandMemberShapes(t *testing.T) {
	k := newKT(t)
	args := []string{"ZADD", "z"}
	for i := 0; i < 300; i++ {
		args = append(args, strconv.Itoa(i), "m"+strconv.Itoa(i))
	}
	k.do(args...)
	for _, count := range []int{1, 5, 150, 299, 300, 500} {
		b := bulks(k.do("ZRANDMEMBER", "z", strconv.Itoa(count)))
		uniq := map[string]bool{}
		for _, m := range b {
			uniq[m] = true
		}
		want := min(count, 300)
		if len(b) != want || len(uniq) != want {
			t.Errorf("ZRANDMEMBER %d: %d members, %d distinct", count, len(b), len(uniq))
		}
	}
	if b := bulks(k.do("ZRANDMEMBER", "z", "-1000", "WITHSCORES")); len(b) != 2000 {
		t.Errorf("negative count: %d bulks", len(b))
	}
	k.is("-ERR value is out of range\r\n", "ZRANDMEMBER", "z", "-100000000")
}

// TestParseScore checks the fast path against ParseDouble.
func TestParseScore(t *testing.T) {
	for _, in := range []string{"1", "-1", "0", "-0", "+5", ".5", "5.", "1e5", "1E-5", "1e", "e1", "-", "+",
		"1.7976931348623157e308", "1.8e308", "4.9e-324", "1e-400", "0.1", "0e5", "-0.000", "0.0001e-400", "123456789012345678901234567890",
		"1..2", "1e5.5", "--1", "0x10", "inf", "-inf", "nan", "", "12345678901234567890123456789012345"} {
		f1, ok1 := parseScore([]byte(in))
		f2, ok2 := ParseDouble([]byte(in))
		if ok1 != ok2 || (ok1 && (f1 != f2 || math.Signbit(f1) != math.Signbit(f2))) {
			t.Errorf("parseScore(%q) = %v %v, ParseDouble %v %v", in, f1, ok1, f2, ok2)
		}
	}
	for i := 0; i < 20000; i++ {
		in := strconv.FormatFloat(rand.NormFloat64()*math.Pow(10, float64(rand.IntN(40)-20)), 'g', rand.IntN(20)+1, 64)
		f1, ok1 := parseScore([]byte(in))
		f2, ok2 := ParseDouble([]byte(in))
		if ok1 != ok2 || f1 != f2 {
			t.Fatalf("parseScore(%q) = %v %v, ParseDouble %v %v", in, f1, ok1, f2, ok2)
		}
	}
}

// checkSkiplist verifies a skiplist's structure: order, back links, tail,
// length, and every level's spans against level-0 positions.
func checkSkiplist(t *testing.T, zsl *skiplist) {
	t.Helper()
	pos := map[*zNode]int{zsl.head: 0}
	i := 0
	var prev *zNode
	for x := zsl.head.lv(0).next; x != nil; x = x.lv(0).next {
		i++
		pos[x] = i
		if x.back != prev {
			t.Fatalf("node %d: back link", i)
		}
		if prev != nil && !zless(prev.score, prev.member, x.score, x.member) {
			t.Fatalf("node %d out of order", i)
		}
		prev = x
	}
	if i != zsl.length || zsl.tail != prev {
		t.Fatalf("length %d/%d or tail wrong", i, zsl.length)
	}
	for lv := 0; lv < zsl.level; lv++ {
		for x := zsl.head; x != nil; x = x.lv(lv).next {
			next := x.lv(lv).next
			want := zsl.length + 1 - pos[x]
			if next != nil {
				want = pos[next] - pos[x]
			}
			if next == nil && x.lv(lv).span != 0 && x.lv(lv).span != want-1 && x.lv(lv).span != want {
				t.Fatalf("level %d: tail span %d", lv, x.lv(lv).span)
			}
			if next != nil && x.lv(lv).span != want {
				t.Fatalf("level %d: span %d want %d", lv, x.lv(lv).span, want)
			}
		}
	}
	for r := 1; r <= zsl.length; r++ {
		if x := zsl.byRank(r); pos[x] != r {
			t.Fatalf("byRank(%d) = node %d", r, pos[x])
		}
	}
}

func TestSkiplistInvariantsUnderUpdates(t *testing.T) {
	z := NewZSet()
	z.toSkiplist()
	nodes := map[string]*zNode{}
	for round := 0; round < 3000; round++ {
		m := "m" + strconv.Itoa(rand.IntN(200))
		s := float64(rand.IntN(40))
		if x, ok := nodes[m]; ok {
			if rand.IntN(5) == 0 {
				z.remove(m)
				delete(nodes, m)
			} else {
				z.setScore(x, s)
				if z.sk.dict.Find(m).Val != x {
					t.Fatal("dict no longer points at the moved node")
				}
			}
		} else {
			nodes[m] = z.skInsert(m, s)
		}
		if round%100 == 0 {
			checkSkiplist(t, &z.sk.zsl)
		}
	}
	checkSkiplist(t, &z.sk.zsl)
}
