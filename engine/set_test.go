package engine

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// members parses a flat RESP2 array of bulk strings.
func members(t testing.TB, reply string) []string {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(reply, "\r\n"), "\r\n")
	if len(lines) == 0 || lines[0][0] != '*' && lines[0][0] != '~' {
		t.Fatalf("not an array: %q", reply)
	}
	n, _ := strconv.Atoi(lines[0][1:])
	var out []string
	for i := 2; i < len(lines); i += 2 {
		out = append(out, lines[i])
	}
	if len(out) != n {
		t.Fatalf("array of %d, %d elements: %q", n, len(out), reply)
	}
	return out
}

func seq(prefix string, from, to int) []string {
	args := make([]string, 0, to-from)
	for i := from; i < to; i++ {
		args = append(args, prefix+strconv.Itoa(i))
	}
	return args
}

func (k *kt) sadd(key string, ms ...string) string {
	return k.do(append([]string{"SADD", key}, ms...)...)
}

func TestSetBasics(t *testing.T) {
	k := newKT(t)
	k.is(":5\r\n", "SADD", "s", "3", "1", "2", "-5", "100", "2")
	k.is("*5\r\n$2\r\n-5\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n$3\r\n100\r\n", "SMEMBERS", "s")
	k.is("$6\r\nintset\r\n", "OBJECT", "ENCODING", "s")
	k.is(":1\r\n", "SADD", "s", "a")
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "s")
	// The intset's ascending order carries over, then insertion order.
	k.is(":1\r\n", "SADD", "s", "0")
	if got := members(t, k.do("SMEMBERS", "s")); !slices.Equal(got, []string{"-5", "1", "2", "3", "100", "a", "0"}) {
		t.Errorf("SMEMBERS = %q", got)
	}
	k.is(":1\r\n", "SISMEMBER", "s", "a")
	k.is(":0\r\n", "SISMEMBER", "s", "b")
	k.is("*3\r\n:1\r\n:0\r\n:1\r\n", "SMISMEMBER", "s", "100", "x", "-5")
	k.is(":2\r\n", "SREM", "s", "a", "100", "zz")
	k.is(":5\r\n", "SCARD", "s")
	k.is(":5\r\n", "SREM", "s", "-5", "1", "2", "3", "0")
	k.is(":0\r\n", "EXISTS", "s")
	k.is(":0\r\n", "SCARD", "s")
	k.is("*0\r\n", "SMEMBERS", "s")
	k.do("SET", "str", "x")
	k.is("-"+ErrWrongType+"\r\n", "SADD", "str", "a")
	k.is("-"+ErrWrongType+"\r\n", "SINTER", "nokey", "str")
}

func TestSetEncodingThresholds(t *testing.T) {
	k := newKT(t)
	k.sadd("i", seq("", 0, 512)...)
	k.is("$6\r\nintset\r\n", "OBJECT", "ENCODING", "i")
	k.sadd("i", "512")
	k.is("$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "i")

	k.sadd("l", seq("", 0, 127)...)
	k.sadd("l", "x")
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "l")
	k.sadd("l", "y")
	k.is("$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "l")
	// Never back.
	k.do(append([]string{"SREM", "l"}, seq("", 0, 127)...)...)
	k.is("$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "l")

	k.sadd("v", "1", strings.Repeat("x", 64))
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "v")
	k.sadd("v2", "1", strings.Repeat("x", 65))
	k.is("$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "v2")

	// setTypeMaybeConvert: the number of arguments decides, duplicates
	// or not.
	k.sadd("d", "a")
	k.sadd("d", slices.Repeat([]string{"a"}, 129)...)
	k.is("$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "d")
	k.sadd("d2", slices.Repeat([]string{"1"}, 513)...)
	k.is("$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "d2")
	k.sadd("d3", slices.Repeat([]string{"a"}, 128)...)
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "d3")

	// An intset whose widest integer is longer than the listpack value
	// limit goes straight to a hashtable.
	if e := k.n.Config.Set([]SetRequest{{Name: "set-max-listpack-value", Value: "3"}}, true); e != "" {
		t.Fatal(e)
	}
	k.sadd("w", "1000")
	k.sadd("w", "a")
	k.is("$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "w")
	k.sadd("w2", "100")
	k.sadd("w2", "a")
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "w2")
}

func TestSetStoreEncodings(t *testing.T) {
	k := newKT(t)
	k.sadd("hs", append(seq("", 0, 200), "z")...)
	k.sadd("hs2", append(seq("", 100, 300), "w")...)
	// All-integer intersections become intsets whatever the sources.
	k.is(":100\r\n", "SINTERSTORE", "r", "hs", "hs2")
	k.is("$6\r\nintset\r\n", "OBJECT", "ENCODING", "r")
	k.sadd("hm", seq("m", 0, 200)...)
	k.sadd("hm2", seq("m", 0, 400)...)
	k.is(":200\r\n", "SINTERSTORE", "r2", "hm", "hm2")
	k.is("$9\r\nhashtable\r\n", "OBJECT", "ENCODING", "r2")
	k.sadd("lp", "b", "a", "1")
	k.is(":0\r\n", "SINTERSTORE", "r3", "lp", "hm2", "lp", "lp")
	k.is(":0\r\n", "EXISTS", "r3")
	k.sadd("hm2", "a", "b", "1")
	k.is(":3\r\n", "SINTERSTORE", "r3", "lp", "hm2")
	k.is("*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\n1\r\n", "SMEMBERS", "r3")
	// Union and difference results start as intsets.
	k.sadd("i", "5", "3")
	k.is(":5\r\n", "SUNIONSTORE", "u", "i", "lp")
	k.is("*5\r\n$1\r\n3\r\n$1\r\n5\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\n1\r\n", "SMEMBERS", "u")
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "u")
	k.is(":2\r\n", "SDIFFSTORE", "df", "lp", "i", "hs")
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "df")
	// Storing an empty result deletes the destination.
	k.is(":0\r\n", "SDIFFSTORE", "df", "i", "i")
	k.is(":0\r\n", "EXISTS", "df")
}

func TestSetDirty(t *testing.T) {
	k := newKT(t)
	dirty := func(args ...string) int64 {
		before := k.n.Default().Stats.Dirty.Load()
		k.do(args...)
		return k.n.Default().Stats.Dirty.Load() - before
	}
	cases := []struct {
		args []string
		want int64
	}{
		{[]string{"SADD", "s", "a", "b", "c", "a"}, 3},
		{[]string{"SADD", "s", "a"}, 0},
		{[]string{"SREM", "s", "a", "zz"}, 1},
		{[]string{"SMOVE", "s", "t", "b"}, 2},
		{[]string{"SMOVE", "s", "t", "zz"}, 0},
		{[]string{"SADD", "s", "b"}, 1},
		{[]string{"SMOVE", "s", "t", "b"}, 1},
		{[]string{"SPOP", "t", "5"}, 1},
		{[]string{"SREM", "s", "c"}, 1},
		{[]string{"SADD", "p", "1", "2", "3", "4"}, 4},
		{[]string{"SPOP", "p", "2"}, 2},
		{[]string{"SPOP", "p"}, 1},
		{[]string{"SINTERSTORE", "d", "p", "p"}, 1},
		{[]string{"SINTERSTORE", "d", "p", "nokey"}, 1},
		{[]string{"SINTERSTORE", "d", "p", "nokey"}, 0},
	}
	for _, tc := range cases {
		if got := dirty(tc.args...); got != tc.want {
			t.Errorf("%q: dirty %d, want %d", tc.args, got, tc.want)
		}
	}
}

func TestSetPopAndRandom(t *testing.T) {
	for _, tc := range []struct {
		name string
		ms   []string
		enc  string
	}{
		{"intset", seq("", 0, 100), "intset"},
		{"listpack", seq("m", 0, 100), "listpack"},
		{"hashtable", seq("m", 0, 1000), "hashtable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := len(tc.ms)
			for _, count := range []int{1, 3, n / 10, n / 2, n - n/10, n - 1, n, n + 5} {
				k := newKT(t)
				k.sadd("s", tc.ms...)
				k.is("$"+strconv.Itoa(len(tc.enc))+"\r\n"+tc.enc+"\r\n", "OBJECT", "ENCODING", "s")
				// SRANDMEMBER: distinct members of the set.
				got := members(t, k.do("SRANDMEMBER", "s", strconv.Itoa(count)))
				checkDistinctMembers(t, got, tc.ms, min(count, n))
				// Negative count: repetitions allowed, exactly |count|.
				got = members(t, k.do("SRANDMEMBER", "s", strconv.Itoa(-count)))
				if len(got) != count {
					t.Fatalf("SRANDMEMBER -%d: %d members", count, len(got))
				}
				for _, m := range got {
					if !slices.Contains(tc.ms, m) {
						t.Fatalf("SRANDMEMBER returned %q", m)
					}
				}
				// SPOP count: distinct, removed, the rest kept.
				popped := members(t, k.do("SPOP", "s", strconv.Itoa(count)))
				checkDistinctMembers(t, popped, tc.ms, min(count, n))
				rest := members(t, k.do("SMEMBERS", "s"))
				if len(rest)+len(popped) != n {
					t.Fatalf("SPOP %d: %d popped, %d left of %d", count, len(popped), len(rest), n)
				}
				for _, m := range popped {
					if slices.Contains(rest, m) {
						t.Fatalf("SPOP %d: %q popped and kept", count, m)
					}
				}
				if count >= n {
					k.is(":0\r\n", "EXISTS", "s")
				}
			}
		})
	}
}

func checkDistinctMembers(t *testing.T, got, all []string, want int) {
	t.Helper()
	if len(got) != want {
		t.Fatalf("%d members, want %d", len(got), want)
	}
	seen := map[string]bool{}
	for _, m := range got {
		if seen[m] || !slices.Contains(all, m) {
			t.Fatalf("bad or repeated member %q in %q", m, got)
		}
		seen[m] = true
	}
}

func TestSetRandomCoversAll(t *testing.T) {
	k := newKT(t)
	k.sadd("s", "a", "b", "c", "d")
	seen := map[string]int{}
	for range 400 {
		r := k.do("SRANDMEMBER", "s")
		seen[r]++
	}
	if len(seen) != 4 {
		t.Errorf("SRANDMEMBER saw %v", seen)
	}
	for m, n := range seen {
		if n < 50 {
			t.Errorf("SRANDMEMBER %q only %d of 400 times", m, n)
		}
	}
}

func TestSetScan(t *testing.T) {
	k := newKT(t)
	k.sadd("s", seq("m", 0, 1000)...)
	seen := map[string]bool{}
	cursor := "0"
	for i := 0; i < 10000; i++ {
		r := k.do("SSCAN", "s", cursor, "COUNT", "20")
		lines := strings.Split(r, "\r\n")
		cursor = lines[2]
		for _, m := range members(t, strings.Join(lines[3:], "\r\n")) {
			seen[m] = true
		}
		if cursor == "0" {
			break
		}
	}
	if cursor != "0" || len(seen) != 1000 {
		t.Fatalf("SSCAN: cursor %s, %d members", cursor, len(seen))
	}
	k.sadd("small", "1", "2", "x")
	k.is("*2\r\n$1\r\n0\r\n*1\r\n$1\r\nx\r\n", "SSCAN", "small", "0", "MATCH", "x*")
	k.is("*2\r\n$1\r\n0\r\n*0\r\n", "SSCAN", "nokey", "0")
	k.is("-"+ErrInvalidCursor+"\r\n", "SSCAN", "small", "x")
}

func TestSInterCardKeys(t *testing.T) {
	args := func(s ...string) [][]byte {
		out := make([][]byte, len(s))
		for i, a := range s {
			out[i] = []byte(a)
		}
		return out
	}
	if got := sinterCardKeys(args("sintercard", "2", "a", "b", "LIMIT", "1")); !slices.Equal(got, []int{2, 3}) {
		t.Errorf("keys %v", got)
	}
	for _, bad := range [][]string{{"sintercard", "3", "a", "b"}, {"sintercard", "0", "a"}, {"sintercard", "x", "a"}} {
		if got := sinterCardKeys(args(bad...)); got != nil {
			t.Errorf("%q: keys %v", bad, got)
		}
	}
}

func TestSetCopyAndMemory(t *testing.T) {
	k := newKT(t)
	for _, ms := range [][]string{{"1", "2"}, {"a", "1"}, seq("m", 0, 300)} {
		k.do("DEL", "s", "c")
		k.sadd("s", ms...)
		k.is(":1\r\n", "COPY", "s", "c")
		k.is(k.do("OBJECT", "ENCODING", "s"), "OBJECT", "ENCODING", "c")
		k.sadd("c", "new")
		k.is(":0\r\n", "SISMEMBER", "s", "new")
		k.is(":"+strconv.Itoa(len(ms))+"\r\n", "SCARD", "s")
		e := k.n.Default().DB(0).find("s", k.nowMs())
		if n := ValueMemUsage(e.Val.val()); n < int64(8*len(ms)) {
			t.Errorf("MemUsage of %d members = %d", len(ms), n)
		}
	}
}

// TestSetLargeComplexity checks that SRANDMEMBER and SPOP with a small
// count, SISMEMBER and SADD stay cheap on a set of a million members.
func TestSetLargeComplexity(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("large set")
	}
	k := newKT(t)
	const n = 1_000_000
	batch := make([]string, 0, 10000)
	for i := 0; i < n; i += 10000 {
		batch = batch[:0]
		for j := i; j < i+10000; j++ {
			batch = append(batch, "member:"+strconv.Itoa(j))
		}
		k.sadd("big", batch...)
	}
	k.is(":1000000\r\n", "SCARD", "big")
	start := time.Now()
	for range 100 {
		if got := members(t, k.do("SRANDMEMBER", "big", "100")); len(got) != 100 {
			t.Fatal("SRANDMEMBER count")
		}
		k.do("SRANDMEMBER", "big", "-100")
		k.do("SISMEMBER", "big", "member:123")
		if got := members(t, k.do("SPOP", "big", "10")); len(got) != 10 {
			t.Fatal("SPOP count")
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("300 small random commands on a million members took %v", d)
	}
	k.is(":999000\r\n", "SCARD", "big")
}

func TestSetRESP3AndLimits(t *testing.T) {
	k := newKT(t)
	k.rec.proto = 3
	k.sadd("s", "1", "2")
	k.sadd("x", "2")
	k.is("~2\r\n$1\r\n1\r\n$1\r\n2\r\n", "SMEMBERS", "s")
	k.is("~0\r\n", "SMEMBERS", "nokey")
	k.is("~0\r\n", "SINTER", "s", "nokey")
	k.is("~1\r\n$1\r\n1\r\n", "SDIFF", "s", "x", "nokey", "s2")
	k.is("~0\r\n", "SPOP", "nokey", "1")
	k.is("*0\r\n", "SRANDMEMBER", "nokey", "1")
	k.is("_\r\n", "SRANDMEMBER", "nokey")
	k.is("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "SRANDMEMBER", "s", "2")
	k.is("-"+ErrValueOutOfRange+"\r\n", "SRANDMEMBER", "s", "-100000000")
	k.is("-"+ErrLongRange+"\r\n", "SRANDMEMBER", "s", "-9223372036854775808")
	k.is("-"+ErrMustBePositive+"\r\n", "SPOP", "s", "x")
	k.is("~2\r\n$1\r\n1\r\n$1\r\n2\r\n", "SPOP", "s", "2")
}

// TestSetHotPathAllocs checks that SISMEMBER, and SADD/SREM of existing or
// absent members, allocate nothing beyond the call itself.
func TestSetHotPathAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts differ under the race detector")
	}
	k := newKT(t)
	k.sadd("h", seq("m", 0, 1000)...)
	k.sadd("i", seq("", 0, 100)...)
	for _, args := range [][]string{
		{"SISMEMBER", "h", "m500"},
		{"SISMEMBER", "i", "50"},
		{"SADD", "h", "m1"},
		{"SADD", "i", "1"},
		{"SREM", "h", "nope"},
		{"SCARD", "h"},
	} {
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		cmd, _ := k.n.Table().Resolve(argv)
		c := Ctx{Args: argv, R: k.rec, Cmd: cmd, Client: k.cl}
		n := testing.AllocsPerRun(100, func() {
			k.rec.Reset()
			k.n.Call(&c)
		})
		if n > 0 {
			t.Errorf("%q: %.1f allocations", args, n)
		}
	}
}
