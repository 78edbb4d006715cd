package engine

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ints is a RESP2 array of integers.
func ints(vals ...int64) string {
	var b strings.Builder
	b.WriteString("*" + strconv.Itoa(len(vals)) + "\r\n")
	for _, v := range vals {
		b.WriteString(":" + strconv.FormatInt(v, 10) + "\r\n")
	}
	return b.String()
}

// sortedIs runs a command replying a flat array and compares its sorted
// elements with the space-separated want (sorted too).
func (k *kt) sortedIs(want string, args ...string) {
	k.t.Helper()
	got := hashArray(k.t, k.do(args...))
	sort.Strings(got)
	w := strings.Fields(want)
	sort.Strings(w)
	if strings.Join(got, " ") != strings.Join(w, " ") {
		k.t.Errorf("%q: got %v, want %v", args, got, w)
	}
}

// hashTTLKT is a test node whose hash "h" has fields a b c.
func hashTTLKT(t *testing.T) *kt {
	k := newKT(t)
	k.is(intReply(3), "HSET", "h", "a", "1", "b", "2", "c", "3")
	return k
}

func TestHExpireBasics(t *testing.T) {
	k := hashTTLKT(t)
	now := k.nowMs()
	k.is(bulk("listpack"), "OBJECT", "ENCODING", "h")
	k.is(ints(1, -2), "HEXPIRE", "h", "100", "FIELDS", "2", "a", "zz")
	k.is(bulk("hashtable"), "OBJECT", "ENCODING", "h")
	k.is(ints(100, -1, -2), "HTTL", "h", "FIELDS", "3", "a", "b", "zz")
	k.is(ints(100000, -1), "HPTTL", "h", "FIELDS", "2", "a", "b")
	at := now + 100000
	k.is(ints((at+500)/1000), "HEXPIRETIME", "h", "FIELDS", "1", "a")
	k.is(ints(at), "HPEXPIRETIME", "h", "FIELDS", "1", "a")
	k.is(ints(1), "HPEXPIRE", "h", "1500", "FIELDS", "1", "b")
	k.is(ints(2), "HTTL", "h", "FIELDS", "1", "b") // 1.5 s rounds to 2
	k.is(ints(1), "HEXPIREAT", "h", strconv.FormatInt(now/1000+50, 10), "FIELDS", "1", "c")
	k.is(ints((now/1000+50)*1000), "HPEXPIRETIME", "h", "FIELDS", "1", "c")
	k.is(ints(1), "HPEXPIREAT", "h", strconv.FormatInt(now+7000, 10), "FIELDS", "1", "c")
	k.is(ints(7000), "HPTTL", "h", "FIELDS", "1", "c")
	// Missing key.
	k.is(ints(-2, -2), "HEXPIRE", "nokey", "10", "FIELDS", "2", "a", "b")
	k.is(ints(-2), "HTTL", "nokey", "FIELDS", "1", "a")
	k.is(ints(-2), "HPERSIST", "nokey", "FIELDS", "1", "a")
	k.is(intReply(0), "EXISTS", "nokey")
	// Time passes: b is gone on access, the others remain.
	k.advance(1501 * time.Millisecond)
	k.is("$-1\r\n", "HGET", "h", "b")
	k.is(intReply(0), "HEXISTS", "h", "b")
	k.is(intReply(0), "HSTRLEN", "h", "b")
	k.is(ints(-2), "HTTL", "h", "FIELDS", "1", "b")
	k.is("*2\r\n$1\r\n1\r\n$-1\r\n", "HMGET", "h", "a", "b")
	k.sortedIs("a 1 c 3", "HGETALL", "h")
	k.sortedIs("a c", "HKEYS", "h")
	k.sortedIs("1 3", "HVALS", "h")
	// HLEN counts a field the expiry loop has not deleted yet, as Valkey 9.
	k.is(intReply(3), "HLEN", "h")
	if n := k.n.Default().DB(0).KeysWithVolatileItems(); n != 1 {
		t.Fatalf("keys with volatile items %d", n)
	}
	k.n.Default().ExpireHashFields(k.nowMs())
	k.is(intReply(2), "HLEN", "h")
	if n := k.n.Default().Stats.ExpiredFields.Load(); n != 1 {
		t.Fatalf("expired fields %d, want 1", n)
	}
	// HEXPIRE with a past time counts its deletions too.
	k.is(ints(2), "HEXPIRE", "h", "0", "FIELDS", "1", "a")
	if n := k.n.Default().Stats.ExpiredFields.Load(); n != 2 {
		t.Fatalf("expired fields %d, want 2", n)
	}
}

func TestHExpireConditions(t *testing.T) {
	k := hashTTLKT(t)
	// A listpack hash has no deadlines: XX and GT fail without
	// converting; NX and LT set.
	k.is(ints(0), "HEXPIRE", "h", "100", "XX", "FIELDS", "1", "a")
	k.is(ints(0), "HEXPIRE", "h", "100", "GT", "FIELDS", "1", "a")
	k.is(bulk("listpack"), "OBJECT", "ENCODING", "h")
	k.is(ints(1), "HEXPIRE", "h", "100", "LT", "FIELDS", "1", "a")
	k.is(ints(1, 0), "HEXPIRE", "h", "100", "NX", "FIELDS", "2", "b", "a")
	k.is(ints(0, 1), "HEXPIRE", "h", "200", "xx", "FIELDS", "2", "c", "a")
	k.is(ints(0), "HEXPIRE", "h", "150", "GT", "FIELDS", "1", "a")
	k.is(ints(0), "HEXPIRE", "h", "150", "GT", "FIELDS", "1", "c") // no TTL: infinite
	k.is(ints(1), "HEXPIRE", "h", "300", "gt", "FIELDS", "1", "a")
	k.is(ints(0), "HEXPIRE", "h", "300", "LT", "FIELDS", "1", "a")
	k.is(ints(1), "HEXPIRE", "h", "250", "LT", "FIELDS", "1", "a")
	k.is(ints(1), "HEXPIRE", "h", "250", "LT", "FIELDS", "1", "c") // no TTL: any is less
	k.is(ints(250, 100, 250), "HTTL", "h", "FIELDS", "3", "a", "b", "c")
	// Options are checked before combinations.
	k.is(errReply(ErrExpireNXAnd), "HEXPIRE", "h", "10", "NX", "XX", "FIELDS", "1", "a")
	k.is(errReply(ErrExpireNXAnd), "HEXPIRE", "h", "10", "NX", "GT", "FIELDS", "1", "a")
	k.is(errReply(ErrExpireGTAndLT), "HEXPIRE", "h", "10", "GT", "LT", "FIELDS", "1", "a")
	k.is(errReply("ERR Unsupported option FOO"), "HEXPIRE", "h", "10", "FOO", "NX", "XX", "FIELDS", "1", "a")
}

func TestHExpirePastDeletes(t *testing.T) {
	k := hashTTLKT(t)
	now := k.nowMs()
	k.is(ints(2, -2), "HEXPIRE", "h", "0", "FIELDS", "2", "a", "zz")
	k.is(intReply(2), "HLEN", "h")
	k.is(ints(2), "HPEXPIREAT", "h", strconv.FormatInt(now, 10), "FIELDS", "1", "b")
	k.is(ints(-2), "HPEXPIREAT", "h", "1", "FIELDS", "1", "b")
	// Deleting the last field deletes the key.
	k.is(ints(2), "HEXPIREAT", "h", "1", "FIELDS", "1", "c")
	k.is(intReply(0), "EXISTS", "h")
	// A deadline in the future but beyond the current millisecond stays.
	k.is(intReply(1), "HSET", "h", "a", "1")
	k.is(ints(1), "HPEXPIREAT", "h", strconv.FormatInt(now+1, 10), "FIELDS", "1", "a")
	k.is(bulk("1"), "HGET", "h", "a")
	k.advance(time.Millisecond)
	k.is(bulk("1"), "HGET", "h", "a") // lives through its deadline's millisecond
	k.advance(time.Millisecond)
	k.is("$-1\r\n", "HGET", "h", "a")
}

func TestHExpireErrors(t *testing.T) {
	k := hashTTLKT(t)
	k.is(errReply(ErrArity("hexpire")), "HEXPIRE", "h", "10", "FIELDS", "1")
	k.is(errReply(ErrArity("httl")), "HTTL", "h", "FIELDS", "1")
	k.is(errReply(ErrArity("hpersist")), "HPERSIST", "h", "FIELDS", "1")
	k.is(errReply(ErrArity("hgetex")), "HGETEX", "h", "FIELDS", "1")
	k.is(errReply(ErrArity("hsetex")), "HSETEX", "h", "FIELDS", "1", "f")
	k.is(errReply(ErrNumFields), "HEXPIRE", "h", "10", "FIELDS", "2", "a")
	k.is(errReply(ErrNumFields), "HEXPIRE", "h", "10", "FIELDS", "0", "a")
	k.is(errReply(ErrNumFields), "HEXPIRE", "h", "10", "FIELDS", "-1", "a")
	k.is(errReply(ErrNumFields), "HEXPIRE", "h", "10", "NX", "1", "a") // no FIELDS
	k.is(errReply(ErrNotInt), "HEXPIRE", "h", "10", "FIELDS", "x", "a")
	k.is(errReply(ErrNotInt), "HEXPIRE", "h", "ten", "FIELDS", "1", "a")
	k.is(errReply(ErrInvalidExpire("hexpire")), "HEXPIRE", "h", "-1", "FIELDS", "1", "a")
	k.is(errReply(ErrInvalidExpire("hexpire")), "HEXPIRE", "h", "9223372036854775", "FIELDS", "1", "a")
	k.is(errReply(ErrInvalidExpire("hpexpire")), "HPEXPIRE", "h", "9223372036854775807", "FIELDS", "1", "a")
	k.is(ints(1), "HPEXPIREAT", "h", "9223372036854775807", "FIELDS", "1", "a")
	k.is(ints(-1), "HPERSIST", "h", "FIELDS", "1", "b")
	// numfields errors come before the time's.
	k.is(errReply(ErrNumFields), "HEXPIRE", "h", "-1", "FIELDS", "2", "a")
	// HTTL's mismatch is a syntax error, and like Valkey the word before
	// numfields is not checked.
	k.is(errReply(ErrSyntax), "HTTL", "h", "FIELDS", "2", "a")
	k.is(errReply(ErrSyntax), "HTTL", "h", "FIELDS", "0", "a")
	k.is(errReply(ErrNotInt), "HPTTL", "h", "FIELDS", "x", "a")
	k.is(ints(-1), "HTTL", "h", "WHATEVER", "1", "b")
	k.is(errReply(ErrNumFields), "HPERSIST", "h", "FIELDS", "2", "a")
	// Wrong type.
	k.is(okReply(), "SET", "s", "x")
	wt := errReply(ErrWrongType)
	k.is(wt, "HEXPIRE", "s", "10", "FIELDS", "1", "a")
	k.is(wt, "HTTL", "s", "FIELDS", "1", "a")
	k.is(wt, "HPERSIST", "s", "FIELDS", "1", "a")
	k.is(wt, "HGETEX", "s", "FIELDS", "1", "a")
	k.is(wt, "HSETEX", "s", "FIELDS", "1", "a", "1")
}

func TestHPersist(t *testing.T) {
	k := hashTTLKT(t)
	k.is(ints(-1, -2), "HPERSIST", "h", "FIELDS", "2", "a", "zz") // listpack
	k.is(ints(1, 1), "HEXPIRE", "h", "100", "FIELDS", "2", "a", "b")
	k.is(ints(1, -1, -2, 1), "HPERSIST", "h", "FIELDS", "4", "a", "c", "zz", "b")
	k.is(ints(-1, -1), "HTTL", "h", "FIELDS", "2", "a", "b")
	if h := k.hash("h"); h.fx != nil {
		t.Fatalf("volatile set left: %+v", h.fx)
	}
	k.is(bulk("hashtable"), "OBJECT", "ENCODING", "h") // never converts back
}

func TestHashWritesAndFieldTTL(t *testing.T) {
	k := hashTTLKT(t)
	k.is(ints(1, 1, 1), "HEXPIRE", "h", "100", "FIELDS", "3", "a", "b", "c")
	// HSET drops the deadline.
	k.is(intReply(0), "HSET", "h", "a", "10")
	k.is(ints(-1), "HTTL", "h", "FIELDS", "1", "a")
	// HINCRBY and HINCRBYFLOAT keep it.
	k.is(intReply(3), "HINCRBY", "h", "b", "1")
	k.is(ints(100), "HTTL", "h", "FIELDS", "1", "b")
	k.is(bulk("3.5"), "HINCRBYFLOAT", "h", "b", "0.5")
	k.is(ints(100), "HTTL", "h", "FIELDS", "1", "b")
	// HSETNX sees a live field.
	k.is(intReply(0), "HSETNX", "h", "c", "x")
	k.is(ints(100), "HTTL", "h", "FIELDS", "1", "c")
	k.advance(101 * time.Second)
	// Expired fields count as missing for writes: HSET reports them new,
	// HINCRBY starts from 0 without a deadline, HDEL does not see them.
	k.is(intReply(1), "HDEL", "h", "c") // not reaped yet: deleted, as Valkey 9
	k.is(intReply(1), "HSETNX", "h", "c", "x")
	k.is(ints(-1), "HTTL", "h", "FIELDS", "1", "c")
	k.is(intReply(5), "HINCRBY", "h", "b", "5")
	k.is(ints(-1), "HTTL", "h", "FIELDS", "1", "b")
	k.is(ints(1), "HEXPIRE", "h", "10", "FIELDS", "1", "b")
	k.advance(11 * time.Second)
	k.is(intReply(1), "HSET", "h", "b", "again")
	k.is(ints(-1), "HTTL", "h", "FIELDS", "1", "b")
	k.is(bulk("again"), "HGET", "h", "b")
	// HDEL of the last live field deletes the key.
	k.is(intReply(3), "HDEL", "h", "a", "b", "c")
	k.is(intReply(0), "EXISTS", "h")
}

func TestHGetEx(t *testing.T) {
	k := hashTTLKT(t)
	now := k.nowMs()
	k.is("*2\r\n$1\r\n1\r\n$-1\r\n", "HGETEX", "h", "FIELDS", "2", "a", "zz")
	k.is("*1\r\n$1\r\n1\r\n", "HGETEX", "h", "EX", "100", "FIELDS", "1", "a")
	k.is(ints(100), "HTTL", "h", "FIELDS", "1", "a")
	k.is("*1\r\n$1\r\n2\r\n", "HGETEX", "h", "PX", "5000", "FIELDS", "1", "b")
	k.is(ints(5000), "HPTTL", "h", "FIELDS", "1", "b")
	k.is("*1\r\n$1\r\n2\r\n", "HGETEX", "h", "EXAT", strconv.FormatInt(now/1000+30, 10), "FIELDS", "1", "b")
	k.is(ints((now/1000+30)*1000), "HPEXPIRETIME", "h", "FIELDS", "1", "b")
	k.is("*1\r\n$1\r\n2\r\n", "HGETEX", "h", "PXAT", strconv.FormatInt(now+9000, 10), "FIELDS", "1", "b")
	k.is(ints(now+9000), "HPEXPIRETIME", "h", "FIELDS", "1", "b")
	k.is("*2\r\n$1\r\n1\r\n$1\r\n3\r\n", "HGETEX", "h", "PERSIST", "FIELDS", "2", "a", "c")
	k.is(ints(-1, -1), "HTTL", "h", "FIELDS", "2", "a", "c")
	// A time not after now deletes the fields after reading them.
	k.is("*2\r\n$1\r\n1\r\n$1\r\n2\r\n", "HGETEX", "h", "EX", "0", "FIELDS", "2", "a", "b")
	k.is(intReply(1), "HLEN", "h")
	k.is("*1\r\n$1\r\n3\r\n", "HGETEX", "h", "PXAT", "1", "FIELDS", "1", "c")
	k.is(intReply(0), "EXISTS", "h")
	k.is("*1\r\n$-1\r\n", "HGETEX", "h", "EX", "10", "FIELDS", "1", "c")
	// Errors.
	k.is(errReply(ErrNumFields), "HGETEX", "h", "EX", "10", "1", "c")
	k.is(errReply(ErrNumFields), "HGETEX", "h", "FIELDS", "2", "c")
	k.is(errReply(ErrSyntax), "HGETEX", "h", "EX", "10", "PX", "10", "FIELDS", "1", "c")
	k.is(errReply(ErrSyntax), "HGETEX", "h", "PERSIST", "EX", "10", "FIELDS", "1", "c")
	k.is(errReply(ErrSyntax), "HGETEX", "h", "KEEPTTL", "FIELDS", "1", "c")
	k.is(errReply(ErrSyntax), "HGETEX", "h", "NX", "FIELDS", "1", "c")
	k.is(errReply(ErrSyntax), "HGETEX", "h", "EX", "FIELDS", "1", "c")
	k.is(errReply(ErrNotInt), "HGETEX", "h", "EX", "x", "FIELDS", "1", "c")
	k.is(errReply(ErrInvalidExpire("hgetex")), "HGETEX", "h", "EX", "-1", "FIELDS", "1", "c")
	k.is(errReply(ErrNotInt), "HGETEX", "h", "FIELDS", "one", "c")
}

func TestHSetEx(t *testing.T) {
	k := newKT(t)
	now := k.nowMs()
	k.is(intReply(1), "HSETEX", "h", "FIELDS", "2", "a", "1", "b", "2")
	k.is(bulk("listpack"), "OBJECT", "ENCODING", "h")
	k.is(ints(-1, -1), "HTTL", "h", "FIELDS", "2", "a", "b")
	k.is(intReply(1), "HSETEX", "h", "EX", "100", "FIELDS", "1", "a", "10")
	k.is(bulk("hashtable"), "OBJECT", "ENCODING", "h")
	k.is(ints(100), "HTTL", "h", "FIELDS", "1", "a")
	k.is(intReply(1), "HSETEX", "h", "KEEPTTL", "FIELDS", "1", "a", "11")
	k.is(ints(100), "HTTL", "h", "FIELDS", "1", "a")
	k.is(bulk("11"), "HGET", "h", "a")
	k.is(intReply(1), "HSETEX", "h", "FIELDS", "1", "a", "12") // drops the deadline
	k.is(ints(-1), "HTTL", "h", "FIELDS", "1", "a")
	k.is(intReply(1), "HSETEX", "h", "PX", "1500", "FIELDS", "1", "a", "13")
	k.is(ints(1500), "HPTTL", "h", "FIELDS", "1", "a")
	k.is(intReply(1), "HSETEX", "h", "PXAT", strconv.FormatInt(now+2000, 10), "FIELDS", "1", "a", "14")
	k.is(ints(now+2000), "HPEXPIRETIME", "h", "FIELDS", "1", "a")
	k.is(intReply(1), "HSETEX", "h", "EXAT", strconv.FormatInt(now/1000+20, 10), "FIELDS", "1", "a", "15")
	k.is(ints((now/1000+20)*1000), "HPEXPIRETIME", "h", "FIELDS", "1", "a")
	// Key conditions.
	k.is(intReply(0), "HSETEX", "h", "NX", "FIELDS", "1", "z", "1")
	k.is(intReply(0), "HSETEX", "nokey", "XX", "FIELDS", "1", "z", "1")
	k.is(intReply(0), "EXISTS", "nokey")
	k.is(intReply(1), "HSETEX", "h", "XX", "FIELDS", "1", "z", "1")
	k.is(intReply(1), "HSETEX", "h2", "NX", "FIELDS", "1", "z", "1")
	// Field conditions: all or nothing.
	k.is(intReply(0), "HSETEX", "h", "FNX", "FIELDS", "2", "new", "1", "a", "1")
	k.is("$-1\r\n", "HGET", "h", "new")
	k.is(intReply(1), "HSETEX", "h", "FNX", "FIELDS", "2", "new", "1", "new2", "1")
	k.is(intReply(0), "HSETEX", "h", "FXX", "FIELDS", "2", "a", "1", "nope", "1")
	k.is(intReply(1), "HSETEX", "h", "FXX", "EX", "50", "FIELDS", "2", "a", "16", "new", "2")
	k.is(ints(50, 50), "HTTL", "h", "FIELDS", "2", "a", "new")
	k.is(intReply(0), "HSETEX", "nokey", "FXX", "FIELDS", "1", "a", "1")
	k.is(intReply(1), "HSETEX", "nokey", "FNX", "FIELDS", "1", "a", "1")
	k.is(intReply(1), "DEL", "nokey")
	// A past time deletes the fields; the reply says whether all were.
	k.is(intReply(1), "HSETEX", "h", "EX", "0", "FIELDS", "2", "new", "x", "new2", "x")
	k.is(intReply(0), "HSETEX", "h", "PXAT", "1", "FIELDS", "2", "a", "x", "nope", "x")
	k.is("$-1\r\n", "HGET", "h", "a")
	k.is(intReply(0), "HSETEX", "nokey", "EX", "0", "FIELDS", "1", "a", "x")
	k.is(intReply(0), "EXISTS", "nokey")
	k.is(intReply(1), "HSETEX", "h2", "EX", "0", "FIELDS", "1", "z", "x")
	k.is(intReply(0), "EXISTS", "h2")
	// Errors.
	k.is(errReply(ErrNumFields), "HSETEX", "h", "FIELDS", "2", "a", "1")
	k.is(errReply(ErrNumFields), "HSETEX", "h", "FIELDS", "1", "a", "1", "b")
	k.is(errReply(ErrNumFields), "HSETEX", "h", "FIELDS", "0", "a", "1")
	k.is(errReply(ErrNumFields), "HSETEX", "h", "FIELDS", "-1", "a", "1")
	k.is(errReply(ErrNumFields), "HSETEX", "h", "FIELDS", "4611686018427387904", "a", "1")
	k.is(errReply(ErrNumFields), "HSETEX", "h", "EX", "10", "a", "1")
	k.is(errReply(ErrNotInt), "HSETEX", "h", "FIELDS", "x", "a", "1")
	for _, opts := range [][]string{
		{"NX", "XX"}, {"XX", "NX"}, {"FNX", "FXX"}, {"FXX", "FNX"},
		{"KEEPTTL", "EX", "1"}, {"EX", "1", "KEEPTTL"}, {"EX", "1", "PX", "1"},
		{"PXAT", "1", "EXAT", "1"}, {"PERSIST"}, {"GET"}, {"EX"}, {"FOO"},
	} {
		args := append([]string{"HSETEX", "h"}, opts...)
		args = append(args, "FIELDS", "1", "a", "1")
		k.is(errReply(ErrSyntax), args...)
	}
	k.is(errReply(ErrInvalidExpire("hsetex")), "HSETEX", "h", "PX", "-5", "FIELDS", "1", "a", "1")
	k.is(errReply(ErrInvalidExpire("hsetex")), "HSETEX", "h", "EX", "9223372036854775807", "FIELDS", "1", "a", "1")
	k.is(errReply(ErrNotInt), "HSETEX", "h", "EX", "1.5", "FIELDS", "1", "a", "1")
	// Repeating an option is allowed, the last time wins.
	k.is(intReply(1), "HSETEX", "h", "XX", "XX", "FIELDS", "1", "a", "1")
	k.is(intReply(1), "HSETEX", "h", "EX", "5", "EX", "7", "FIELDS", "1", "a", "1")
	k.is(ints(7), "HTTL", "h", "FIELDS", "1", "a")
}

func TestHashTTLReadsSkipExpired(t *testing.T) {
	k := newKT(t)
	for i := 0; i < 10; i++ {
		k.do("HSET", "h", "f"+strconv.Itoa(i), "v")
	}
	k.is(ints(1, 1, 1, 1, 1), "HPEXPIRE", "h", "10", "FIELDS", "5", "f0", "f1", "f2", "f3", "f4")
	k.advance(11 * time.Millisecond)
	for i := 0; i < 50; i++ {
		f := k.do("HRANDFIELD", "h")
		if f == "$2\r\nf0\r\n" || f == "$2\r\nf1\r\n" || f == "$2\r\nf2\r\n" || f == "$2\r\nf3\r\n" || f == "$2\r\nf4\r\n" {
			t.Fatalf("HRANDFIELD returned an expired field %q", f)
		}
	}
	if got := hashArray(t, k.do("HRANDFIELD", "h", "100")); len(got) != 5 {
		t.Fatalf("HRANDFIELD 100: %v", got)
	}
	if got := hashArray(t, k.do("HRANDFIELD", "h", "-20")); len(got) != 20 {
		t.Fatalf("HRANDFIELD -20: %v", got)
	} else {
		for _, f := range got {
			if f < "f5" {
				t.Fatalf("HRANDFIELD -20 returned expired %q", f)
			}
		}
	}
	r := k.do("HSCAN", "h", "0", "COUNT", "100")
	if strings.Contains(r, "f0") || !strings.Contains(r, "f9") {
		t.Fatalf("HSCAN: %q", r)
	}
	k.is(intReply(10), "HLEN", "h")
	// Every field expired: reads see an empty hash until the reaper runs.
	k.is(ints(1, 1, 1, 1, 1), "HPEXPIRE", "h", "10", "FIELDS", "5", "f5", "f6", "f7", "f8", "f9")
	k.advance(11 * time.Millisecond)
	k.is("*0\r\n", "HGETALL", "h")
	k.is("$-1\r\n", "HRANDFIELD", "h")
	k.is("*0\r\n", "HRANDFIELD", "h", "3")
	k.cycle()
	k.is(intReply(0), "EXISTS", "h")
}

func TestHashTTLActiveExpiry(t *testing.T) {
	k := newKT(t)
	k.is(intReply(2), "HSET", "h", "a", "1", "b", "2")
	k.is(ints(1), "HPEXPIRE", "h", "100", "FIELDS", "1", "a")
	k.is(ints(1), "HPEXPIRE", "h", "300", "FIELDS", "1", "b")
	k.advance(101 * time.Millisecond)
	k.cycle()
	h := k.hash("h")
	if _, ok := h.Get([]byte("a")); ok {
		t.Fatal("a not reaped")
	}
	if h.Len() != 1 || h.reg() == nil || h.reg().at != h.minExpiry() {
		t.Fatalf("after first reap: len %d reg %+v", h.Len(), h.reg())
	}
	k.advance(200 * time.Millisecond)
	k.cycle()
	k.is(intReply(0), "EXISTS", "h")
	if n := len(k.n.Default().DB(0).data.hashTTL.heap); n != 0 {
		t.Fatalf("tracker holds %d hashes", n)
	}
}

func TestHashTTLFollowsKey(t *testing.T) {
	k := newKT(t)
	db0 := k.n.Default().DB(0)
	k.is(intReply(2), "HSET", "h", "a", "1", "b", "2")
	k.is(ints(1), "HPEXPIRE", "h", "100", "FIELDS", "1", "a")
	// RENAME keeps the deadline and moves the tracking.
	k.is(okReply(), "RENAME", "h", "r")
	k.is(ints(100), "HPTTL", "r", "FIELDS", "1", "a")
	if reg := k.hash("r").reg(); reg == nil || reg.key != "r" || reg.t != &db0.data.hashTTL {
		t.Fatalf("reg after rename: %+v", reg)
	}
	// COPY copies the deadlines, tracked separately.
	k.is(intReply(1), "COPY", "r", "c")
	k.is(ints(100), "HPTTL", "c", "FIELDS", "1", "a")
	if k.hash("c").reg() == nil || k.hash("c").reg() == k.hash("r").reg() {
		t.Fatal("copy not tracked on its own")
	}
	// MOVE to db 1.
	k.is(intReply(1), "MOVE", "r", "1")
	db1 := k.n.Default().DB(1)
	if n := len(db0.data.hashTTL.heap); n != 1 {
		t.Fatalf("db0 tracks %d hashes, want 1 (the copy)", n)
	}
	if n := len(db1.data.hashTTL.heap); n != 1 {
		t.Fatalf("db1 tracks %d hashes, want 1", n)
	}
	k.advance(101 * time.Millisecond)
	k.cycle()
	e := db1.find("r", k.nowMs())
	if e == nil {
		t.Fatal("moved hash gone")
	}
	if h := e.Val.val().(*Hash); h.Len() != 1 {
		t.Fatalf("moved hash not reaped: %d fields", h.Len())
	}
	if h := k.hash("c"); h.Len() != 1 {
		t.Fatalf("copy not reaped: %d fields", h.Len())
	}
	// SWAPDB carries the tracker with the data.
	k.is(ints(1), "HPEXPIRE", "c", "50", "FIELDS", "1", "b")
	k.is(okReply(), "SWAPDB", "0", "1")
	k.advance(51 * time.Millisecond)
	k.cycle()
	if db1.find("c", k.nowMs()) != nil {
		t.Fatal("swapped hash not reaped in db1")
	}
	// FLUSHDB drops it.
	k.cl.DB = 1
	k.is(intReply(1), "HSET", "f", "a", "1")
	k.is(ints(1), "HPEXPIRE", "f", "50", "FIELDS", "1", "a")
	k.is(okReply(), "FLUSHDB")
	if n := len(k.n.Default().DB(1).data.hashTTL.heap); n != 0 {
		t.Fatalf("tracker after flush holds %d", n)
	}
	// Overwriting or deleting the key unregisters the hash.
	k.is(intReply(1), "HSET", "f", "a", "1")
	k.is(ints(1), "HPEXPIRE", "f", "50", "FIELDS", "1", "a")
	k.is(okReply(), "SET", "f", "x")
	k.is(intReply(1), "HSET", "g", "a", "1")
	k.is(ints(1), "HPEXPIRE", "g", "50", "FIELDS", "1", "a")
	k.is(intReply(1), "DEL", "g")
	if n := len(k.n.Default().DB(1).data.hashTTL.heap); n != 0 {
		t.Fatalf("tracker after SET/DEL holds %d", n)
	}
	// A key TTL still applies to a hash with volatile fields.
	k.is(intReply(2), "HSET", "k", "a", "1", "b", "1")
	k.is(ints(1), "HEXPIRE", "k", "500", "FIELDS", "1", "a")
	k.is(intReply(1), "PEXPIRE", "k", "10")
	k.advance(11 * time.Millisecond)
	k.cycle()
	if n := len(k.n.Default().DB(1).data.hashTTL.heap); n != 0 {
		t.Fatalf("tracker after key expiry holds %d", n)
	}
}

func TestHashTTLReapIncremental(t *testing.T) {
	k := newKT(t)
	const n = 100_000
	args := []string{"HSETEX", "big", "PX", "1000", "FIELDS", strconv.Itoa(n)}
	for i := 0; i < n; i++ {
		args = append(args, "f"+strconv.Itoa(i), "v")
	}
	k.is(intReply(1), args...)
	k.is(intReply(1), "HSET", "big", "keep", "v")
	k.advance(1001 * time.Millisecond)
	ns := k.n.Default()
	calls := 0
	for {
		got := ns.ExpireHashFields(k.nowMs())
		if got > hashReapPerCycle {
			t.Fatalf("one call reaped %d fields, bound %d", got, hashReapPerCycle)
		}
		if got == 0 {
			break
		}
		calls++
		if calls == 1 {
			// Other commands run between calls and see the hash shrink.
			if l := k.hash("big").Len(); l != n+1-got {
				t.Fatalf("after one call: %d fields", l)
			}
		}
		if calls > n {
			t.Fatal("reaping does not end")
		}
	}
	if calls < n/hashReapPerCycle {
		t.Fatalf("reaped in %d calls", calls)
	}
	k.is(intReply(1), "HLEN", "big")
	if h := k.hash("big"); h.fx != nil {
		t.Fatal("volatile state left after reaping")
	}
}

func TestHashTTLMemoryAndDirty(t *testing.T) {
	k := newKT(t)
	for i := 0; i < 200; i++ {
		k.do("HSET", "h", "f"+strconv.Itoa(i), "v")
	}
	before := k.hash("h").memSize()
	args := []string{"HEXPIRE", "h", "100", "FIELDS", "200"}
	for i := 0; i < 200; i++ {
		args = append(args, "f"+strconv.Itoa(i))
	}
	k.do(args...)
	if after := k.hash("h").memSize(); after < before+200*hashVolFieldSize {
		t.Fatalf("MEMORY USAGE ignores the deadlines: %d -> %d", before, after)
	}
	stats := &k.n.Default().Stats
	d0 := stats.Dirty.Load()
	k.is(ints(1, -2), "HPERSIST", "h", "FIELDS", "2", "f1", "zz")
	k.is(ints(0), "HEXPIRE", "h", "1", "NX", "FIELDS", "1", "f2")
	if d := stats.Dirty.Load() - d0; d != 1 {
		t.Fatalf("dirty +%d, want 1", d)
	}
	d0 = stats.Dirty.Load()
	k.is(intReply(1), "HSETEX", "new", "EX", "10", "FIELDS", "2", "a", "1", "b", "2")
	if d := stats.Dirty.Load() - d0; d != 2 {
		t.Fatalf("HSETEX dirty +%d, want 2", d)
	}
}

// hashEvents records keyspace events as "event key" pairs (keyevent
// channels only).
type hashEvents struct{ got []string }

func (r *hashEvents) Deliver(m Message) {
	ch := string(m.Channel)
	if i := strings.Index(ch, "__:"); i >= 0 && strings.HasPrefix(ch, "__keyevent@") {
		r.got = append(r.got, ch[i+3:]+" "+string(m.Payload))
	}
}

func (r *hashEvents) take() string {
	s := strings.Join(r.got, ",")
	r.got = nil
	return s
}

func TestHashTTLEvents(t *testing.T) {
	k := newKT(t)
	if msg := k.n.Config.Set([]SetRequest{{Name: "notify-keyspace-events", Value: "KEA"}}, false); msg != "" {
		t.Fatal(msg)
	}
	rec := &hashEvents{}
	subs := k.n.Default().NewSubscriptions(rec)
	subs.Subscribe(SubPattern, []byte("__keyevent@*"))
	t.Cleanup(subs.Clear)
	ev := func(want string, args ...string) {
		t.Helper()
		rec.take()
		k.do(args...)
		if got := rec.take(); got != want {
			t.Errorf("%q: events %q, want %q", args, got, want)
		}
	}
	ev("hset h", "HSET", "h", "a", "1", "b", "2", "c", "3")
	ev("hexpire h", "HEXPIRE", "h", "100", "FIELDS", "2", "a", "b")
	ev("", "HEXPIRE", "h", "100", "NX", "FIELDS", "1", "a")
	ev("hpersist h", "HPERSIST", "h", "FIELDS", "1", "a")
	ev("", "HPERSIST", "h", "FIELDS", "1", "a")
	ev("hexpired h", "HEXPIRE", "h", "0", "FIELDS", "1", "a")
	ev("hexpire h", "HGETEX", "h", "PX", "100", "FIELDS", "1", "c")
	ev("hpersist h", "HGETEX", "h", "PERSIST", "FIELDS", "1", "c")
	ev("", "HGETEX", "h", "FIELDS", "1", "c")
	ev("hset h,hexpire h", "HSETEX", "h", "EX", "10", "FIELDS", "1", "d", "4")
	ev("hset h", "HSETEX", "h", "KEEPTTL", "FIELDS", "1", "d", "5")
	ev("hincrby h", "HINCRBY", "h", "d", "1")
	ev("hincrbyfloat h", "HINCRBYFLOAT", "h", "d", "1")
	ev("hset h", "HSETNX", "h", "e", "1")
	ev("hdel h", "HDEL", "h", "e")
	// Active expiry: hexpired, then del with the last field.
	k.advance(101 * time.Second) // b and d go
	rec.take()
	k.cycle()
	if got := rec.take(); got != "hexpired h" {
		t.Errorf("active expiry events %q", got)
	}
	ev("hexpired h,del h", "HSETEX", "h", "PXAT", "1", "FIELDS", "2", "c", "x", "d", "x")
	ev("hset g", "HSET", "g", "a", "1")
	ev("hdel g,del g", "HDEL", "g", "a")
	ev("hset g,hexpire g", "HSETEX", "g", "PX", "10", "FIELDS", "1", "a", "1")
	k.advance(11 * time.Millisecond)
	rec.take()
	k.cycle()
	if got := rec.take(); got != "hexpired g,del g" {
		t.Errorf("active expiry of the last field: events %q", got)
	}
}

// TestHashTTLReaperConcurrent runs the reaper beside commands that set,
// rename, move and delete hashes with volatile fields (meaningful under
// -race).
func TestHashTTLReaperConcurrent(t *testing.T) {
	k := newKT(t)
	ns := k.n.Default()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-stop:
				return
			default:
				ns.ExpireHashFields(k.nowMs())
				ns.ExpireDue(k.nowMs())
			}
		}
	}()
	for i := 0; i < 2000; i++ {
		key := "h" + strconv.Itoa(i%7)
		switch i % 6 {
		case 0, 1:
			k.do("HSETEX", key, "PX", strconv.Itoa(1+i%5), "FIELDS", "2", "a", "1", "b", "2")
		case 2:
			k.do("RENAME", key, "h"+strconv.Itoa((i+3)%7))
		case 3:
			k.do("MOVE", key, "1")
		case 4:
			k.do("HGETALL", key)
			k.do("COPY", key, "c"+strconv.Itoa(i%3), "REPLACE")
		case 5:
			k.do("DEL", key)
		}
		k.advance(time.Millisecond)
	}
	close(stop)
	<-done
	k.advance(time.Second)
	for ns.ExpireHashFields(k.nowMs()) > 0 {
	}
	for db := 0; db < 2; db++ {
		d := ns.DB(db).data
		if n := len(d.hashTTL.heap); n != 0 {
			t.Fatalf("db %d tracker holds %d hashes after everything expired", db, n)
		}
		if n := ns.DB(db).Len(); n != 0 {
			t.Fatalf("db %d holds %d keys after everything expired", db, n)
		}
	}
}

// TestHashHeapsRandomOps checks the field heap and the tracker heap against
// brute force under random adds, moves and removals.
func TestHashHeapsRandomOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	v := &hashVol{m: map[string]*hfTTL{}}
	ref := map[string]int64{}
	tr := &hashTracker{}
	regs := map[string]*hashReg{}
	for i := 0; i < 20000; i++ {
		f := "f" + strconv.Itoa(rng.IntN(300))
		at := rng.Int64N(1000) + 1
		switch rng.IntN(3) {
		case 0, 1:
			v.set(f, at)
			ref[f] = at
			tr.mu.Lock()
			if r := regs[f]; r != nil {
				r.at = at
				tr.heap.fix(r.i)
			} else {
				r := &hashReg{key: f, at: at}
				tr.heap.push(r)
				regs[f] = r
			}
			tr.mu.Unlock()
		case 2:
			_, had := ref[f]
			if v.remove(f) != had {
				t.Fatalf("remove %s: had %v", f, had)
			}
			delete(ref, f)
			if r := regs[f]; r != nil {
				tr.mu.Lock()
				tr.removeLocked(r)
				tr.mu.Unlock()
				delete(regs, f)
			}
		}
		if len(ref) == 0 {
			if v.len() != 0 || len(tr.heap) != 0 {
				t.Fatal("heaps not empty")
			}
			continue
		}
		want := int64(math.MaxInt64)
		for _, a := range ref {
			want = min(want, a)
		}
		if v.min() != want || tr.heap[0].at != want {
			t.Fatalf("step %d: min %d / %d, want %d", i, v.min(), tr.heap[0].at, want)
		}
		if n := v.expiredCount(want + 1); n != countBelow(ref, want+1) {
			t.Fatalf("expiredCount %d", n)
		}
	}
}

func countBelow(m map[string]int64, now int64) int {
	n := 0
	for _, a := range m {
		if a < now {
			n++
		}
	}
	return n
}
