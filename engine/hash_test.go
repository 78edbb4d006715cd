package engine

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// hashArray parses a flat RESP2 array of bulk strings (nulls become "<nil>").
func hashArray(t testing.TB, r string) []string {
	t.Helper()
	if !strings.HasPrefix(r, "*") {
		t.Fatalf("not an array: %q", r)
	}
	lines := strings.Split(strings.TrimSuffix(r, "\r\n"), "\r\n")
	n, err := strconv.Atoi(lines[0][1:])
	if err != nil {
		t.Fatalf("bad array header %q", r)
	}
	var out []string
	for i := 1; i < len(lines); i++ {
		if lines[i] == "$-1" {
			out = append(out, "<nil>")
			continue
		}
		i++
		out = append(out, lines[i])
	}
	if len(out) != n {
		t.Fatalf("array of %d has %d elements: %q", n, len(out), r)
	}
	return out
}

func (k *kt) hash(key string) *Hash {
	k.t.Helper()
	e := k.n.Default().DB(0).find(key, k.nowMs())
	if e == nil {
		k.t.Fatalf("no key %q", key)
	}
	h, ok := e.Val.val().(*Hash)
	if !ok {
		k.t.Fatalf("%q is not a hash", key)
	}
	return h
}

func TestHashBasics(t *testing.T) {
	k := newKT(t)
	k.is(intReply(3), "HSET", "h", "a", "1", "b", "2", "c", "3")
	k.is(intReply(1), "HSET", "h", "a", "10", "d", "4")
	k.is(errReply(ErrArity("hset")), "HSET", "h", "a", "1", "b")
	k.is(errReply(ErrArity("hmset")), "HMSET", "h", "a")
	k.is(okReply(), "HMSET", "h", "e", "5")
	k.is(bulk("10"), "HGET", "h", "a")
	k.is("$-1\r\n", "HGET", "h", "zz")
	k.is("*3\r\n$2\r\n10\r\n$-1\r\n$1\r\n2\r\n", "HMGET", "h", "a", "zz", "b")
	k.is("*2\r\n$-1\r\n$-1\r\n", "HMGET", "nokey", "a", "b")
	k.is("*10\r\n$1\r\na\r\n$2\r\n10\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\nc\r\n$1\r\n3\r\n$1\r\nd\r\n$1\r\n4\r\n$1\r\ne\r\n$1\r\n5\r\n", "HGETALL", "h")
	k.is("*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n$1\r\ne\r\n", "HKEYS", "h")
	k.is("*0\r\n", "HVALS", "nokey")
	k.is(intReply(5), "HLEN", "h")
	k.is(intReply(2), "HSTRLEN", "h", "a")
	k.is(intReply(0), "HSTRLEN", "h", "zz")
	k.is(intReply(1), "HEXISTS", "h", "a")
	k.is(intReply(0), "HEXISTS", "nokey", "a")
	k.is(intReply(0), "HSETNX", "h", "a", "x")
	k.is(intReply(1), "HSETNX", "h", "f", "x")
	k.is(intReply(2), "HDEL", "h", "a", "zz", "b")
	k.is(intReply(0), "HDEL", "nokey", "a")
	k.is(intReply(4), "HDEL", "h", "c", "d", "e", "f", "g")
	k.is(intReply(0), "EXISTS", "h")

	k.is(okReply(), "SET", "s", "v")
	for _, cmd := range [][]string{
		{"HSET", "s", "a", "1"}, {"HGET", "s", "a"}, {"HMGET", "s", "a"}, {"HGETALL", "s"},
		{"HDEL", "s", "a"}, {"HLEN", "s"}, {"HINCRBY", "s", "a", "1"}, {"HINCRBYFLOAT", "s", "a", "1"},
		{"HRANDFIELD", "s"}, {"HRANDFIELD", "s", "0"}, {"HSCAN", "s", "0"}, {"HSETNX", "s", "a", "1"},
	} {
		k.is(errReply(ErrWrongType), cmd...)
	}
}

func TestHashIncr(t *testing.T) {
	k := newKT(t)
	k.is(intReply(5), "HINCRBY", "h", "n", "5")
	k.is(intReply(-5), "HINCRBY", "h", "n", "-10")
	k.is(errReply(ErrNotInt), "HINCRBY", "h", "n", "1.5")
	k.is(intReply(9223372036854775807), "HINCRBY", "h", "m", "9223372036854775807")
	k.is(errReply(ErrOverflow), "HINCRBY", "h", "m", "1")
	k.is(okReply(), "HMSET", "h", "s", "abc", "z", "007")
	k.is(errReply(ErrHashNotInt), "HINCRBY", "h", "s", "1")
	k.is(errReply(ErrHashNotInt), "HINCRBY", "h", "z", "1")
	k.is(errReply(ErrHashNotFloat), "HINCRBYFLOAT", "h", "s", "1")
	k.is(bulk("1.5"), "HINCRBYFLOAT", "h", "f", "1.5")
	k.is(bulk("10101.5"), "HINCRBYFLOAT", "h", "f", "10.1e3")
	k.is(bulk("0.1"), "HINCRBYFLOAT", "h", "g", "0.1")
	k.is(bulk("0.3"), "HINCRBYFLOAT", "h", "g", "0.2")
	k.is(bulk("7.5"), "HINCRBYFLOAT", "h", "z", "0.5")
	k.is(errReply(ErrHashIncrNaN), "HINCRBYFLOAT", "h", "f", "inf")
	k.is(errReply(ErrNotFloat), "HINCRBYFLOAT", "h", "f", "nan")
	k.is(errReply(ErrNotFloat), "HINCRBYFLOAT", "h", "f", "abc")
	k.is(intReply(0), "EXISTS", "fresh")
	k.is(errReply(ErrNotInt), "HINCRBY", "fresh", "a", "x")
	k.is(errReply(ErrNotFloat), "HINCRBYFLOAT", "fresh", "a", "x")
	k.is(intReply(0), "EXISTS", "fresh")
}

func TestHashEncodingConversion(t *testing.T) {
	k := newKT(t)
	long := strings.Repeat("x", 64)
	k.is(intReply(1), "HSET", "h", "a", long)
	k.is(bulk("listpack"), "OBJECT", "ENCODING", "h")
	k.is(intReply(0), "HSET", "h", "a", long+"y")
	k.is(bulk("hashtable"), "OBJECT", "ENCODING", "h")
	// Never back, even once small again.
	k.is(intReply(0), "HSET", "h", "a", "1")
	k.is(bulk("hashtable"), "OBJECT", "ENCODING", "h")

	// Entries: 512 fit, 513 convert.
	args := []string{"HSET", "e"}
	for i := 0; i < 512; i++ {
		args = append(args, "f"+strconv.Itoa(i), "v")
	}
	k.is(intReply(512), args...)
	k.is(bulk("listpack"), "OBJECT", "ENCODING", "e")
	k.is(intReply(1), "HSET", "e", "last", "v")
	k.is(bulk("hashtable"), "OBJECT", "ENCODING", "e")
	k.is(intReply(513), "HLEN", "e")

	// More than 512 pairs in one command convert up front, even repeated.
	args = []string{"HSET", "d"}
	for i := 0; i < 513; i++ {
		args = append(args, "f", "v")
	}
	k.is(intReply(1), args...)
	k.is(bulk("hashtable"), "OBJECT", "ENCODING", "d")

	// HINCRBYFLOAT with a long field converts (hashTypeSet's check).
	k.is(bulk("1"), "HINCRBYFLOAT", "i", strings.Repeat("z", 65), "1")
	k.is(bulk("hashtable"), "OBJECT", "ENCODING", "i")

	// The thresholds are read at each command.
	if msg := k.n.Config.Set([]SetRequest{{"hash-max-listpack-entries", "1"}}, true); msg != "" {
		t.Fatal(msg)
	}
	k.is(intReply(1), "HSET", "c", "a", "1")
	k.is(bulk("listpack"), "OBJECT", "ENCODING", "c")
	k.is(intReply(1), "HSET", "c", "b", "1")
	k.is(bulk("hashtable"), "OBJECT", "ENCODING", "c")

	// COPY is deep and keeps the encoding.
	k.is(intReply(1), "COPY", "e", "e2")
	k.is(bulk("hashtable"), "OBJECT", "ENCODING", "e2")
	k.is(intReply(1), "HDEL", "e2", "f0")
	k.is(intReply(513), "HLEN", "e")
	k.is(intReply(512), "HLEN", "e2")
	if n := k.hash("e").memSize(); n < 513*40 {
		t.Errorf("MemUsage of 513 fields = %d", n)
	}
}

// TestHashSizeSafetyLimit checks that no path takes a listpack past
// hashSizeSafetyLimit, which keeps its 32-bit counters from overflowing:
// the listpack's byte count is faked near the limit.
func TestHashSizeSafetyLimit(t *testing.T) {
	lim := hashLimits{entries: 128, value: 64}
	near := func() *Hash {
		h := newHash()
		h.Set([]byte("a"), "1", lim)
		h.lpBytes = hashSizeSafetyLimit - 8
		return h
	}
	if h := near(); !h.Set([]byte("b"), "1234", lim) || h.Encoding() != "listpack" {
		t.Fatalf("a pair within the limit converted: %s", h.Encoding())
	}
	if h := near(); !h.Set([]byte("b"), "12345678", lim) || h.Encoding() != "hashtable" || h.Len() != 2 {
		t.Fatalf("a pair past the limit kept a %s of %d fields", h.Encoding(), h.Len())
	}
	if h := near(); !h.Load("b", "12345678", 0) || h.Encoding() != "hashtable" || h.Len() != 2 {
		t.Fatalf("a loaded pair past the limit kept a %s of %d fields", h.Encoding(), h.Len())
	}
	// Replacing a value counts the bytes of the new one only.
	h := near()
	h.Set([]byte("a"), "22", lim)
	if h.Encoding() != "listpack" || h.lpBytes != hashSizeSafetyLimit-7 {
		t.Fatalf("%s of %d bytes", h.Encoding(), h.lpBytes)
	}
	h.Delete([]byte("a"))
	if h.lpN != 0 || h.lpBytes != hashSizeSafetyLimit-10 {
		t.Fatalf("after delete: %d fields, %d bytes", h.lpN, h.lpBytes)
	}
}

func TestHashRandField(t *testing.T) {
	k := newKT(t)
	k.is("$-1\r\n", "HRANDFIELD", "nokey")
	k.is("*0\r\n", "HRANDFIELD", "nokey", "3")
	k.is(errReply(ErrLongRange), "HRANDFIELD", "h", "-9223372036854775808")
	k.is(errReply(ErrValueOutOfRange), "HRANDFIELD", "h", "-9223372036854775807", "WITHVALUES")
	k.is(errReply(ErrSyntax), "HRANDFIELD", "h", "1", "WITHVALUE")
	k.is(errReply(ErrSyntax), "HRANDFIELD", "h", "1", "WITHVALUES", "x")
	for _, size := range []int{5, 300, 2000} {
		key := "h" + strconv.Itoa(size)
		args := []string{"HSET", key}
		for i := 0; i < size; i++ {
			args = append(args, "f"+strconv.Itoa(i), "v"+strconv.Itoa(i))
		}
		k.is(intReply(size), args...)
		for _, count := range []int{1, 2, 3, size / 2, size - 1, size, size + 10} {
			got := hashArray(t, k.do("HRANDFIELD", key, strconv.Itoa(count), "WITHVALUES"))
			want := min(count, size)
			if len(got) != 2*want {
				t.Fatalf("%s count %d: %d elements", key, count, len(got))
			}
			seen := map[string]bool{}
			for i := 0; i < len(got); i += 2 {
				if seen[got[i]] {
					t.Fatalf("%s count %d: %s repeated", key, count, got[i])
				}
				seen[got[i]] = true
				if "v"+got[i][1:] != got[i+1] {
					t.Fatalf("%s: field %s with value %s", key, got[i], got[i+1])
				}
			}
		}
		got := hashArray(t, k.do("HRANDFIELD", key, "-50"))
		if len(got) != 50 {
			t.Fatalf("negative count: %d elements", len(got))
		}
	}
	// A negative count on a one-field hash repeats it.
	k.is(intReply(1), "HSET", "one", "f", "v")
	k.is("*6\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\nf\r\n$1\r\nv\r\n", "HRANDFIELD", "one", "-3", "WITHVALUES")
	// An absurd negative count is refused rather than built.
	k.is(errReply(ErrValueOutOfRange), "HRANDFIELD", "one", "-9223372036854775807")
}

func TestHashScan(t *testing.T) {
	k := newKT(t)
	k.is("*2\r\n$1\r\n0\r\n*0\r\n", "HSCAN", "nokey", "0")
	k.is(errReply(ErrInvalidCursor), "HSCAN", "nokey", "x")
	k.is(intReply(3), "HSET", "s", "a", "1", "b", "2", "ab", "3")
	k.is("*2\r\n$1\r\n0\r\n*6\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n$2\r\nab\r\n$1\r\n3\r\n", "HSCAN", "s", "0", "COUNT", "1")
	k.is("*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$2\r\nab\r\n", "HSCAN", "s", "0", "MATCH", "a*", "NOVALUES")
	k.is(errReply(ErrSyntax), "HSCAN", "s", "0", "COUNT", "0")
	k.is(errReply(ErrNoScoresOption), "HSCAN", "s", "0", "NOSCORES")

	const n = 5000
	args := []string{"HSET", "big"}
	for i := 0; i < n; i++ {
		args = append(args, "f"+strconv.Itoa(i), strconv.Itoa(i))
	}
	k.is(intReply(n), args...)
	seen := map[string]int{}
	cursor := "0"
	for calls := 0; ; calls++ {
		if calls > n {
			t.Fatal("HSCAN does not terminate")
		}
		r := k.do("HSCAN", "big", cursor, "COUNT", "50")
		lines := strings.Split(r, "\r\n")
		cursor = lines[2]
		els := hashArray(t, strings.Join(lines[3:], "\r\n"))
		if len(els) > 2*50*10 {
			t.Fatalf("one call returned %d elements", len(els))
		}
		for i := 0; i < len(els); i += 2 {
			if els[i] != "f"+els[i+1] {
				t.Fatalf("pair %s %s", els[i], els[i+1])
			}
			seen[els[i]]++
		}
		if cursor == "0" {
			break
		}
	}
	if len(seen) != n {
		t.Fatalf("full HSCAN saw %d of %d fields", len(seen), n)
	}
}

// TestHashLargeIsFast checks the per-command cost on a big hash: point
// operations, sampling and one SCAN step must not walk it.
func TestHashLargeIsFast(t *testing.T) {
	if testing.Short() {
		t.Skip("large hash")
	}
	k := newKT(t)
	const n = 300_000
	args := []string{"HSET", "big"}
	for i := 0; i < n; i++ {
		args = append(args, "f"+strconv.Itoa(i), "v")
		if len(args) == 2002 || i == n-1 {
			k.do(args...)
			args = args[:2]
		}
	}
	k.is(intReply(n), "HLEN", "big")
	start := time.Now()
	for i := 0; i < 2000; i++ {
		f := "f" + strconv.Itoa(i*97%n)
		k.is(bulk("v"), "HGET", "big", f)
		k.is(intReply(1), "HEXISTS", "big", f)
		k.do("HRANDFIELD", "big", "10", "WITHVALUES")
		k.do("HRANDFIELD", "big", "-10")
		k.do("HSCAN", "big", "0", "COUNT", "10")
		k.do("HINCRBY", "big", "counter", "1")
	}
	k.is(intReply(1), "HDEL", "big", "f5")
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("12000 commands on a %d-field hash took %v", n, d)
	}
}
