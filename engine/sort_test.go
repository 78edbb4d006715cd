package engine

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

// sortArr builds the RESP2 reply of an array of bulk strings.
func sortArr(elems ...string) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(elems)) + "\r\n")
	for _, e := range elems {
		b.WriteString("$" + strconv.Itoa(len(e)) + "\r\n" + e + "\r\n")
	}
	return b.String()
}

func TestSortBasic(t *testing.T) {
	k := newKT(t)
	k.do("RPUSH", "l", "3", "1", "2", "10")
	k.is(sortArr("1", "2", "3", "10"), "SORT", "l")
	k.is(sortArr("10", "3", "2", "1"), "SORT", "l", "DESC")
	k.is(sortArr("1", "10", "2", "3"), "SORT", "l", "ALPHA")
	k.is(sortArr("2", "3"), "SORT", "l", "LIMIT", "1", "2")
	k.is(sortArr(), "SORT", "l", "LIMIT", "4", "2")
	k.is(sortArr("3", "1", "2", "10"), "SORT", "l", "BY", "nosort")
	k.is(sortArr("2", "1"), "SORT", "l", "BY", "nosort", "LIMIT", "1", "2", "DESC")
	k.is(sortArr("1", "2", "3", "10"), "SORT_RO", "l")
	k.is(errReply(ErrSyntax), "SORT_RO", "l", "STORE", "x")
	k.is(errReply(ErrSyntax), "SORT", "l", "LIMIT", "1")
	k.is(errReply(ErrNotInt), "SORT", "l", "LIMIT", "x", "1")
	k.is(sortArr(), "SORT", "missing")
	k.do("SET", "s", "x")
	k.is(errReply(ErrWrongType), "SORT", "s")
	k.do("RPUSH", "bad", "1", "x")
	k.is(errReply(ErrSortScore), "SORT", "bad")
	k.is(sortArr("1", "x"), "SORT", "bad", "ALPHA")
	// The empty string weighs 0; leading spaces are skipped.
	k.do("RPUSH", "e", " 5", "", "-1")
	k.is(sortArr("-1", "", " 5"), "SORT", "e")
}

func TestSortByGet(t *testing.T) {
	k := newKT(t)
	k.do("RPUSH", "l", "a", "b", "c")
	k.do("MSET", "w_a", "3", "w_b", "1", "w_c", "2")
	k.do("HSET", "h_a", "n", "x", "s", "1")
	k.do("HSET", "h_b", "n", "y", "s", "9")
	k.is(sortArr("b", "c", "a"), "SORT", "l", "BY", "w_*")
	k.is(sortArr("c", "a", "b"), "SORT", "l", "BY", "h_*->s")
	k.is(sortArr("c", "a", "b"), "SORT", "l", "BY", "h_*->n", "ALPHA")
	k.is("*6\r\n$1\r\nb\r\n$1\r\ny\r\n$1\r\nc\r\n$-1\r\n$1\r\na\r\n$1\r\nx\r\n",
		"SORT", "l", "BY", "w_*", "GET", "#", "GET", "h_*->n")
	k.is("*3\r\n$-1\r\n$-1\r\n$-1\r\n", "SORT", "l", "ALPHA", "GET", "nostar")
	// Only the first BY without '*' matters: sorting stays off.
	k.is(sortArr("a", "b", "c"), "SORT", "l", "BY", "k", "BY", "w_*")
}

func TestSortStore(t *testing.T) {
	k := newKT(t)
	k.do("SADD", "s", "3", "1", "2")
	dirty := func() int64 { return k.n.Default().Stats.Dirty.Load() }
	before := dirty()
	k.is(":3\r\n", "SORT", "s", "STORE", "d")
	if got := dirty() - before; got != 3 {
		t.Errorf("dirty after STORE: %d, want 3", got)
	}
	k.is(sortArr("1", "2", "3"), "LRANGE", "d", "0", "-1")
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "d")
	// A set with BY nosort and STORE is sorted alphabetically.
	k.do("SADD", "t", "b", "c", "a")
	k.is(":3\r\n", "SORT", "t", "BY", "nosort", "STORE", "d")
	k.is(sortArr("a", "b", "c"), "LRANGE", "d", "0", "-1")
	// GET with a missing value stores the empty string.
	k.is(":3\r\n", "SORT", "s", "GET", "w_*", "STORE", "d")
	k.is(sortArr("", "", ""), "LRANGE", "d", "0", "-1")
	// An empty result deletes the destination.
	k.do("EXPIRE", "d", "100")
	before = dirty()
	k.is(":0\r\n", "SORT", "missing", "STORE", "d")
	if got := dirty() - before; got != 1 {
		t.Errorf("dirty after deleting STORE: %d, want 1", got)
	}
	k.is(":0\r\n", "EXISTS", "d")
}

func TestSortZSet(t *testing.T) {
	k := newKT(t)
	k.do("ZADD", "z", "1", "c", "2", "a", "3", "b")
	k.is("$8\r\nlistpack\r\n", "OBJECT", "ENCODING", "z")
	k.is(sortArr("c", "a", "b"), "SORT", "z", "BY", "nosort")
	k.is(sortArr("a", "c"), "SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2")
	k.is(sortArr("a", "b", "c"), "SORT", "z", "ALPHA")
	// SORT converts the set to a skiplist, as Valkey does.
	k.is("$8\r\nskiplist\r\n", "OBJECT", "ENCODING", "z")
}

// TestSortNosortLimitLarge checks that BY nosort with LIMIT on a big sorted
// set or list reads only the requested range.
func TestSortNosortLimitLarge(t *testing.T) {
	k := newKT(t)
	const n = 200_000
	args := []string{"ZADD", "z"}
	largs := []string{"RPUSH", "l"}
	for i := 0; i < n; i++ {
		s := strconv.Itoa(i)
		args = append(args, s, "m"+s)
		largs = append(largs, s)
	}
	k.do(args...)
	k.do(largs...)
	start := time.Now()
	for i := 0; i < 1000; i++ {
		k.is(sortArr("m100000", "m100001"), "SORT", "z", "BY", "nosort", "LIMIT", "100000", "2")
		k.is(sortArr("199999"), "SORT", "l", "BY", "nosort", "LIMIT", "0", "1", "DESC")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("1000 ranged SORT BY nosort took %v", d)
	}
}
