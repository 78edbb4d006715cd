package engine

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// parseScanReply splits a recorded SCAN reply into its cursor and keys.
func parseScanReply(t testing.TB, r string) (string, []string) {
	t.Helper()
	if !strings.HasPrefix(r, "*2\r\n$") {
		t.Fatalf("not a SCAN reply: %q", r)
	}
	var items []string
	rest := r[4:]
	readBulk := func() string {
		nl := strings.Index(rest, "\r\n")
		n, err := strconv.Atoi(rest[1:nl])
		if err != nil {
			t.Fatalf("bad reply %q", r)
		}
		s := rest[nl+2 : nl+2+n]
		rest = rest[nl+4+n:]
		return s
	}
	cursor := readBulk()
	nl := strings.Index(rest, "\r\n")
	n, _ := strconv.Atoi(rest[1:nl])
	rest = rest[nl+2:]
	for i := 0; i < n; i++ {
		items = append(items, readBulk())
	}
	if rest != "" {
		t.Fatalf("trailing bytes in %q", r)
	}
	return cursor, items
}

// scanAll iterates SCAN to the end, calling between after each call.
func (k *kt) scanAll(t testing.TB, opts []string, between func()) map[string]int {
	seen := map[string]int{}
	cursor := "0"
	for calls := 0; ; calls++ {
		if calls > 100_000 {
			t.Fatal("SCAN did not finish")
		}
		r := k.do(append([]string{"SCAN", cursor}, opts...)...)
		var keys []string
		cursor, keys = parseScanReply(t, r)
		for _, key := range keys {
			seen[key]++
		}
		if cursor == "0" {
			return seen
		}
		if between != nil {
			between()
		}
	}
}

func TestScanBasics(t *testing.T) {
	k := newKT(t)
	k.is("*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0")
	k.is("*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "12345")
	for i := 0; i < 500; i++ {
		k.is(okReply(), "SET", "key:"+strconv.Itoa(i), "v")
	}
	k.put(0, "list:1", &fakeList{})
	k.put(0, "list:2", &fakeList{})
	seen := k.scanAll(t, nil, nil)
	if len(seen) != 502 {
		t.Fatalf("SCAN returned %d distinct keys of 502", len(seen))
	}
	for key, n := range seen {
		if n != 1 {
			t.Fatalf("%q returned %d times without changes", key, n)
		}
	}
	// COUNT is a hint: the default returns about ten keys per call.
	_, keys := parseScanReply(t, k.do("SCAN", "0"))
	if len(keys) < 5 || len(keys) > 40 {
		t.Errorf("SCAN 0 returned %d keys", len(keys))
	}
	_, keys = parseScanReply(t, k.do("SCAN", "0", "COUNT", "1000"))
	if len(keys) != 502 {
		t.Errorf("SCAN 0 COUNT 1000 returned %d keys", len(keys))
	}
	seen = k.scanAll(t, []string{"MATCH", "key:1?", "COUNT", "3"}, nil)
	if len(seen) != 10 {
		t.Errorf("MATCH key:1? found %d", len(seen))
	}
	seen = k.scanAll(t, []string{"TYPE", "LIST"}, nil)
	if len(seen) != 2 || seen["list:1"] != 1 {
		t.Errorf("TYPE list found %v", seen)
	}
	seen = k.scanAll(t, []string{"TYPE", "hash"}, nil)
	if len(seen) != 0 {
		t.Errorf("TYPE hash found %v", seen)
	}
	seen = k.scanAll(t, []string{"TYPE", "string", "MATCH", "*:499"}, nil)
	if len(seen) != 1 || seen["key:499"] != 1 {
		t.Errorf("TYPE string MATCH *:499 found %v", seen)
	}
}

func TestScanErrors(t *testing.T) {
	k := newKT(t)
	k.is(errReply(ErrInvalidCursor), "SCAN", "x")
	k.is(errReply(ErrInvalidCursor), "SCAN", "-1")
	k.is(errReply(ErrInvalidCursor), "SCAN", "")
	k.is(errReply(ErrInvalidCursor), "SCAN", "18446744073709551616")
	k.is(errReply(ErrInvalidCursor), "SCAN", "x", "COUNT", "0")
	k.is(errReply(ErrSyntax), "SCAN", "0", "COUNT", "0")
	k.is(errReply(ErrSyntax), "SCAN", "0", "COUNT", "-5")
	k.is(errReply(ErrNotInt), "SCAN", "0", "COUNT", "x")
	k.is(errReply(ErrSyntax), "SCAN", "0", "COUNT")
	k.is(errReply(ErrSyntax), "SCAN", "0", "MATCH")
	k.is(errReply(ErrSyntax), "SCAN", "0", "TYPE")
	k.is(errReply(ErrSyntax), "SCAN", "0", "BOGUS")
	k.is(errReply("ERR unknown type name 'foo'"), "SCAN", "0", "TYPE", "foo")
	k.is(errReply("ERR unknown type name 'x'"), "SCAN", "0", "TYPE", "x\x00y")
	k.is(errReply(ErrNoValuesOption), "SCAN", "0", "NOVALUES")
	k.is(errReply(ErrNoScoresOption), "SCAN", "0", "NOSCORES")
	k.is(errReply(ErrArity("scan")), "SCAN")
	k.is("*2\r\n$1\r\n0\r\n*0\r\n", "SCAN", "0", "TYPE", "string\x00x", "MATCH", "*", "COUNT", "7")
}

func TestParseScanCursor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"0", 0, true},
		{"42", 42, true},
		{"9223372036854775807", 9223372036854775807, true},
		{"9223372036854775808", 9223372036854775808, true},
		{"18446744073709551615", 18446744073709551615, true},
		{"18446744073709551616", 0, false},
		{"-1", 0, false},
		{"-0", 0, true}, // string2ll refuses it, strtoull reads 0
		{"-00", 0, true},
		{" 5", 5, true},
		{"\t\n5", 5, true},
		{"+5", 5, true},
		{" -5", 18446744073709551611, true},
		{"5 ", 0, false},
		{"05", 5, true},
		{"5\x00junk", 5, true},
		{"\x005", 0, false},
		{"", 0, false},
		{" ", 0, false},
		{"+", 0, false},
		{"0x10", 0, false},
		{"1e3", 0, false},
	} {
		got, ok := parseScanCursor([]byte(tc.in))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("parseScanCursor(%q) = %d, %v; want %d, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestScanSkipsAndDeletesExpired(t *testing.T) {
	k := newKT(t)
	for i := 0; i < 100; i++ {
		k.is(okReply(), "SET", "t"+strconv.Itoa(i), "v", "PX", "10")
	}
	k.is(okReply(), "SET", "live", "v")
	k.advance(10 * time.Millisecond) // the deadline: all still there
	if seen := k.scanAll(t, nil, nil); len(seen) != 101 {
		t.Fatalf("SCAN at the deadline returned %d keys", len(seen))
	}
	if got := k.n.Default().Stats.ExpiredKeys.Load(); got != 0 {
		t.Fatalf("expired_keys %d at the deadline", got)
	}
	k.advance(time.Millisecond)
	seen := k.scanAll(t, nil, nil)
	if len(seen) != 1 || seen["live"] != 1 {
		t.Fatalf("SCAN returned %v", seen)
	}
	if k.dbsize(0) != 1 {
		t.Fatalf("SCAN left %d keys", k.dbsize(0))
	}
	if got := k.n.Default().Stats.ExpiredKeys.Load(); got != 100 {
		t.Fatalf("expired_keys %d", got)
	}
	checkTimers(t, k.n.Default())
}

// TestScanGuaranteeUnderChurn checks Valkey's SCAN guarantee on the sharded
// keyspace: keys present during the whole iteration are returned, while
// other keys are added and deleted in bulk between calls (growing and
// shrinking the shard tables).
func TestScanGuaranteeUnderChurn(t *testing.T) {
	seeds := uint64(10)
	if testing.Short() || raceEnabled {
		seeds = 3
	}
	for seed := uint64(0); seed < seeds; seed++ {
		k := newKT(t)
		r := rand.New(rand.NewPCG(seed, 5))
		stable := 200 + r.IntN(800)
		for i := 0; i < stable; i++ {
			k.put(0, "stable:"+strconv.Itoa(i), int64(i))
		}
		var churn []string
		next := 0
		count := strconv.Itoa(1 + r.IntN(30))
		seen := k.scanAll(t, []string{"COUNT", count}, func() {
			switch r.IntN(4) {
			case 0:
				if len(churn) > 20000 {
					break
				}
				for i := r.IntN(3000); i > 0; i-- {
					key := "churn:" + strconv.Itoa(next)
					next++
					k.put(0, key, int64(i))
					churn = append(churn, key)
				}
			case 1:
				for len(churn) > 0 && r.IntN(2000) != 0 {
					i := r.IntN(len(churn))
					k.do("DEL", churn[i])
					churn[i] = churn[len(churn)-1]
					churn = churn[:len(churn)-1]
				}
			}
		})
		for i := 0; i < stable; i++ {
			if seen["stable:"+strconv.Itoa(i)] == 0 {
				t.Fatalf("seed %d: stable:%d never returned", seed, i)
			}
		}
	}
}

// TestScanUnderExclusiveLock runs SCAN and DBSIZE the way EXEC does, with
// the namespace held exclusively.
func TestScanUnderExclusiveLock(t *testing.T) {
	k := newKT(t)
	k.is(okReply(), "SET", "a", "1")
	ns := k.n.Default()
	for _, args := range [][]string{{"SCAN", "0"}, {"DBSIZE"}, {"KEYS", "*"}, {"FLUSHALL"}} {
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		cmd, _ := k.n.Table().Resolve(argv)
		rec := newRecordReply()
		done := make(chan struct{})
		go func() {
			ns.Lock()
			k.n.CallLocked(&Ctx{Args: argv, R: rec, Cmd: cmd, Client: k.cl})
			ns.Unlock()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("%v deadlocked under the exclusive lock", args)
		}
		if strings.HasPrefix(rec.String(), "-") {
			t.Fatalf("%v: %q", args, rec.String())
		}
	}
}

func BenchmarkScan(b *testing.B) {
	k := newKT(b)
	for i := 0; i < 100000; i++ {
		k.put(0, "key:"+strconv.Itoa(i), int64(i))
	}
	b.ReportAllocs()
	b.ResetTimer()
	cursor := "0"
	for i := 0; i < b.N; i++ {
		cursor, _ = parseScanReply(b, k.do("SCAN", cursor, "COUNT", "100"))
	}
}
