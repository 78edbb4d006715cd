package engine

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"
)

// kt runs commands on an in-memory node with a manual clock through the
// command table, recording RESP replies.
type kt struct {
	t     testing.TB
	n     *Node
	clock *ManualClock
	cl    *Client
	rec   *recordReply
}

func newKT(t testing.TB) *kt {
	clock := NewManualClock(time.UnixMilli(1_700_000_000_123))
	n := NewNode(Options{Clock: clock})
	return &kt{t: t, n: n, clock: clock, cl: &Client{ID: 1, NS: n.Default()}, rec: newRecordReply()}
}

func (k *kt) do(args ...string) string {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	k.rec.Reset()
	cmd, errText := k.n.Table().Resolve(argv)
	if errText != "" {
		return "-" + errText + "\r\n"
	}
	c := Ctx{Args: argv, R: k.rec, Cmd: cmd, Client: k.cl}
	k.n.Call(&c)
	return k.rec.String()
}

// is runs a command and fails unless the reply is want.
func (k *kt) is(want string, args ...string) {
	k.t.Helper()
	if got := k.do(args...); got != want {
		k.t.Errorf("%q: got %q, want %q", args, got, want)
	}
}

func (k *kt) advance(d time.Duration) { k.clock.Advance(d) }

func (k *kt) nowMs() int64 { return k.clock.Now().UnixMilli() }

// cycle runs one round of active expiry.
func (k *kt) cycle() { k.n.ExpireCycle() }

func (k *kt) dbsize(db int) int { return k.n.Default().DB(db).Len() }

func okReply() string       { return "+OK\r\n" }
func intReply(n int) string { return ":" + strconv.Itoa(n) + "\r\n" }
func bulk(s string) string  { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

const nullReply = "$-1\r\n"

// checkTimers verifies that the expiry state of every database is
// consistent: each volatile key has exactly one linked timer for its
// deadline, the wheel holds nothing else, and the volatile counters and
// deadline sums match.
func checkTimers(t testing.TB, ns *Namespace) {
	t.Helper()
	ns.mu.Lock()
	defer ns.mu.Unlock()
	for _, db := range ns.dbs {
		d := db.data
		timers := map[*timer]bool{}
		volatile := 0
		for i := range d.shards {
			s := &d.shards[i]
			n := 0
			var sum int128
			s.keys.Each(func(e *Entry) bool {
				tm := e.Val.timer()
				switch {
				case expireOf(e) == 0 && tm != nil:
					t.Fatalf("db %d: %q has a timer but no TTL", db.index, e.Key())
				case expireOf(e) != 0 && tm == nil:
					t.Fatalf("db %d: %q has a TTL but no timer", db.index, e.Key())
				case tm != nil:
					// The key goes once now > expire: its timer is due at
					// expire+1 (at expire for the largest deadline).
					due := expireOf(e)
					if due < math.MaxInt64 {
						due++
					}
					if tm.level < 0 || tm.deadline != due || tm.key != e.Key() {
						t.Fatalf("db %d: %q timer %+v, expire %d", db.index, e.Key(), *tm, expireOf(e))
					}
					timers[tm] = true
					n++
					sum = sum.add64(expireOf(e))
				}
				return true
			})
			if n != s.volatile {
				t.Fatalf("db %d shard %d: %d volatile keys, counter %d", db.index, i, n, s.volatile)
			}
			if sum != s.deadlines {
				t.Fatalf("db %d shard %d: deadline sum %v, counter %v", db.index, i, sum, s.deadlines)
			}
			volatile += n
		}
		linked := 0
		if w := d.wheel; w != nil {
			for l := range w.slots {
				for sl := range w.slots[l] {
					for tm := w.slots[l][sl].head; tm != nil; tm = tm.next {
						if !timers[tm] {
							t.Fatalf("db %d: stale timer for %q in the wheel", db.index, tm.key)
						}
						linked++
					}
				}
			}
			if linked != w.n {
				t.Fatalf("db %d: wheel counts %d timers, holds %d", db.index, w.n, linked)
			}
		}
		if linked != volatile {
			t.Fatalf("db %d: %d timers linked for %d volatile keys", db.index, linked, volatile)
		}
	}
}

func TestActiveExpiryDeletesUntouchedKeys(t *testing.T) {
	k := newKT(t)
	for i := 0; i < 100; i++ {
		k.is(okReply(), "SET", "k"+strconv.Itoa(i), "v", "PX", strconv.Itoa(100+i*10))
	}
	k.is(okReply(), "SET", "forever", "v")
	k.is(intReply(101), "DBSIZE")
	k.advance(99 * time.Millisecond)
	k.cycle()
	k.is(intReply(101), "DBSIZE")
	k.advance(time.Millisecond) // k0's deadline: still there
	k.cycle()
	k.is(intReply(101), "DBSIZE")
	k.is(intReply(0), "PTTL", "k0")
	k.advance(time.Millisecond) // past k0's deadline
	k.cycle()
	k.is(intReply(100), "DBSIZE")
	k.advance(499 * time.Millisecond) // k50's deadline (600 ms): k0..k49 gone
	k.cycle()
	k.is(intReply(51), "DBSIZE")
	if got := k.n.Default().Stats.ExpiredKeys.Load(); got != 50 {
		t.Errorf("expired_keys %d, want 50", got)
	}
	k.advance(time.Hour)
	k.cycle()
	k.is(intReply(1), "DBSIZE")
	k.is("*1\r\n"+bulk("forever"), "KEYS", "*")
	checkTimers(t, k.n.Default())
}

func TestExpiryTimersNeverStale(t *testing.T) {
	k := newKT(t)
	ns := k.n.Default()
	steps := [][]string{
		{"SET", "a", "1", "EX", "100"},
		{"EXPIRE", "a", "50"},  // shorter
		{"EXPIRE", "a", "500"}, // longer
		{"PEXPIRE", "a", "1500"},
		{"PERSIST", "a"},
		{"EXPIRE", "a", "10"},
		{"SET", "a", "2"}, // overwrite clears the TTL
		{"EXPIRE", "a", "10"},
		{"SET", "a", "3", "KEEPTTL"},
		{"DEL", "a"},
		{"SET", "b", "1", "PX", "300"},
		{"RENAME", "b", "c"},
		{"SET", "d", "1", "EX", "40"},
		{"RENAME", "d", "c"}, // replaces c and its timer
		{"RENAMENX", "c", "e"},
		{"MOVE", "e", "1"},
		{"SET", "f", "1", "EX", "30"},
		{"COPY", "f", "g"},
		{"COPY", "f", "g", "REPLACE"},
		{"COPY", "f", "g", "DB", "2"},
		{"SWAPDB", "0", "2"},
		{"SET", "h", "1", "EX", "5"},
		{"EXPIRE", "h", "-1"}, // deletes
		{"SET", "i", "1", "EX", "5"},
		{"FLUSHDB"},
		{"SET", "j", "1", "EX", "5"},
		{"SELECT_1"},
		{"EXPIREAT", "e", "99999999999"},
		{"FLUSHALL"},
	}
	for _, s := range steps {
		if s[0] == "SELECT_1" {
			k.cl.DB = 1
			continue
		}
		if r := k.do(s...); r[0] == '-' {
			t.Fatalf("%q: %q", s, r)
		}
		checkTimers(t, ns)
	}
}

func TestExpiryIdleNamespace(t *testing.T) {
	k := newKT(t)
	k.is(okReply(), "SET", "a", "v")
	k.advance(time.Hour)
	if got := k.n.Default().ExpireDue(k.nowMs()); got != 0 {
		t.Fatalf("ExpireDue deleted %d", got)
	}
	for i := 0; i < 16; i++ {
		if d := k.n.Default().DB(i).data; d.wheel != nil || d.hasWheel.Load() {
			t.Fatalf("db %d has a wheel without any TTL", i)
		}
	}
}

func TestExpiryRecreatedAndResetKeys(t *testing.T) {
	k := newKT(t)
	k.is(okReply(), "SET", "a", "v", "PX", "100")
	k.is(okReply(), "SET", "b", "v", "PX", "100")
	k.is(intReply(1), "PEXPIRE", "b", "10000")
	k.advance(200 * time.Millisecond)
	// a is logically expired; re-create it without TTL before the cycle.
	k.is(okReply(), "SET", "a", "new")
	k.cycle()
	k.is(bulk("new"), "GET", "a")
	k.is(intReply(1), "EXISTS", "b")
	k.advance(10 * time.Second)
	k.cycle()
	k.is(intReply(0), "EXISTS", "b")
	k.is(intReply(1), "DBSIZE")
	checkTimers(t, k.n.Default())
}

func TestExpiryFarFuture(t *testing.T) {
	k := newKT(t)
	k.is(okReply(), "SET", "far", "v")
	k.is(intReply(1), "PEXPIREAT", "far", "9223372036854775807")
	k.is(okReply(), "SET", "decade", "v")
	k.is(intReply(1), "EXPIRE", "decade", strconv.Itoa(10*365*86400))
	k.advance(9 * 365 * 24 * time.Hour)
	k.cycle()
	k.is(intReply(2), "DBSIZE")
	k.advance(2 * 365 * 24 * time.Hour)
	k.cycle()
	k.is(intReply(1), "DBSIZE")
	k.is(intReply(1), "EXISTS", "far")
	checkTimers(t, k.n.Default())
}

func TestExpirySwapDBAndFlush(t *testing.T) {
	k := newKT(t)
	k.is(okReply(), "SET", "a", "v", "PX", "100")
	k.is(okReply(), "SWAPDB", "0", "3")
	k.advance(time.Second)
	k.cycle()
	if k.dbsize(3) != 0 {
		t.Fatal("key moved by SWAPDB did not expire")
	}
	k.is(okReply(), "SET", "b", "v", "PX", "100")
	k.is(okReply(), "FLUSHDB")
	k.advance(time.Second)
	k.cycle()
	if got := k.n.Default().Stats.ExpiredKeys.Load(); got != 1 {
		t.Fatalf("expired_keys %d, want 1 (flushed keys do not expire)", got)
	}
	checkTimers(t, k.n.Default())
}

func TestAvgTTL(t *testing.T) {
	k := newKT(t)
	db := k.n.Default().DB(0)
	if got := db.AvgTTL(k.nowMs()); got != 0 {
		t.Fatalf("empty avg_ttl %d", got)
	}
	k.is(okReply(), "SET", "a", "v", "PX", "1000")
	k.is(okReply(), "SET", "b", "v", "PX", "3000")
	k.is(okReply(), "SET", "c", "v")
	if got := db.AvgTTL(k.nowMs()); got != 2000 {
		t.Fatalf("avg_ttl %d, want 2000", got)
	}
	k.is(intReply(1), "PEXPIRE", "a", "5000")
	if got := db.AvgTTL(k.nowMs()); got != 4000 {
		t.Fatalf("avg_ttl %d, want 4000", got)
	}
	k.is(intReply(1), "PERSIST", "b")
	if got := db.AvgTTL(k.nowMs()); got != 5000 {
		t.Fatalf("avg_ttl %d, want 5000", got)
	}
	k.is(intReply(1), "PEXPIREAT", "b", "9223372036854775807")
	k.is(intReply(1), "PEXPIREAT", "c", "9223372036854775807")
	if got := db.AvgTTL(k.nowMs()); got < 5_000_000_000_000_000_000 {
		t.Fatalf("avg_ttl %d with huge deadlines", got)
	}
	if db.Volatile() != 3 {
		t.Fatalf("volatile %d", db.Volatile())
	}
	var x int128
	x = x.add64(-5).add64(-7)
	if x.div(2) != -6 {
		t.Fatalf("int128 div of a negative sum: %d", x.div(2))
	}
}

// TestExpiryCostProportional checks that with a million volatile keys of
// which only a few come due, an expiry cycle costs little: it does not
// look at the keys that are not due.
func TestExpiryCostProportional(t *testing.T) {
	n := 1_000_000
	if testing.Short() || raceEnabled {
		n = 100_000
	}
	k := newKT(t)
	db := k.n.Default().DB(0)
	now := k.nowMs()
	for i := 0; i < n; i++ {
		key := "far:" + strconv.Itoa(i)
		e := db.set(key, int64(i), false, now)
		db.setExpire(db.shardFor(key), e, now+86_400_000+int64(i%86_400_000))
	}
	for i := 0; i < 10; i++ {
		key := "near:" + strconv.Itoa(i)
		e := db.set(key, int64(i), false, now)
		db.setExpire(db.shardFor(key), e, now+int64(100*(i+1)))
	}
	start := time.Now()
	for cycle := 0; cycle < 200; cycle++ { // two seconds of 10 ms cycles
		k.advance(10 * time.Millisecond)
		k.cycle()
	}
	elapsed := time.Since(start)
	if got := db.Len(); got != n {
		t.Fatalf("%d keys left, want %d", got, n)
	}
	// Each cycle visits at most ten slots per database; a full scan of the
	// keys would take far longer than this.
	limit := 200 * time.Millisecond
	if raceEnabled {
		limit = 2 * time.Second
	}
	if elapsed > limit {
		t.Errorf("200 expiry cycles over %d volatile keys took %v", n, elapsed)
	}
	t.Logf("200 cycles over %d volatile keys: %v", n, elapsed)
}

// TestExpiryMassDue checks a mass expiry in batches: everything due goes in
// one ExpireDue call.
func TestExpiryMassDue(t *testing.T) {
	k := newKT(t)
	db := k.n.Default().DB(0)
	now := k.nowMs()
	for i := 0; i < 5000; i++ {
		key := "k" + strconv.Itoa(i)
		e := db.set(key, int64(i), false, now)
		db.setExpire(db.shardFor(key), e, now+50)
	}
	k.advance(50 * time.Millisecond) // the deadline: nothing is due yet
	if got := k.n.Default().ExpireDue(k.nowMs()); got != 0 {
		t.Fatalf("ExpireDue deleted %d at the deadline", got)
	}
	if db.Len() != 5000 {
		t.Fatalf("%d keys at the deadline", db.Len())
	}
	k.advance(time.Millisecond)
	if got := k.n.Default().ExpireDue(k.nowMs()); got != 5000 {
		t.Fatalf("ExpireDue deleted %d of 5000", got)
	}
	if db.Len() != 0 || db.Volatile() != 0 {
		t.Fatalf("%d keys, %d volatile left", db.Len(), db.Volatile())
	}
	checkTimers(t, k.n.Default())
}

// TestActiveExpiryRealClock runs the node's own expiry loop with the
// system clock: a key set with PX 100 disappears without being touched.
func TestActiveExpiryRealClock(t *testing.T) {
	n := NewNode(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { n.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	cl := &Client{ID: 1, NS: n.Default()}
	run := func(args ...string) string {
		argv := make([][]byte, len(args))
		for i, a := range args {
			argv[i] = []byte(a)
		}
		rec := newRecordReply()
		cmd, _ := n.Table().Resolve(argv)
		n.Call(&Ctx{Args: argv, R: rec, Cmd: cmd, Client: cl})
		return rec.String()
	}
	start := time.Now()
	if r := run("SET", "k", "v", "PX", "100"); r != okReply() {
		t.Fatal(r)
	}
	for {
		r := run("DBSIZE")
		if r == intReply(0) {
			break
		}
		if time.Since(start) > 2*time.Second {
			t.Fatalf("DBSIZE still %q after 2 s", r)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if d := time.Since(start); d > 250*time.Millisecond {
		t.Errorf("key with PX 100 gone only after %v", d)
	} else {
		t.Logf("key with PX 100 gone after %v", d)
	}
	if got := n.Default().Stats.ExpiredKeys.Load(); got != 1 {
		t.Errorf("expired_keys %d", got)
	}
}

func TestLookupLFU(t *testing.T) {
	k := newKT(t)
	k.is(okReply(), "SET", "a", "v")
	k.is("-"+ErrLFUNotSelected+"\r\n", "OBJECT", "FREQ", "a")
	if err := k.n.SetMaxmemoryPolicy("ALLKEYS-LFU"); err != nil {
		t.Fatal(err)
	}
	if k.n.MaxmemoryPolicy() != "allkeys-lfu" {
		t.Fatal(k.n.MaxmemoryPolicy())
	}
	k.is(okReply(), "SET", "b", "v")
	k.is(intReply(lfuInitVal), "OBJECT", "FREQ", "b")
	// Reads increment the counter logarithmically: with factor 10, a few
	// hundred hits raise it, but slowly.
	for i := 0; i < 300; i++ {
		k.do("GET", "b")
	}
	r := k.do("OBJECT", "FREQ", "b")
	f, _ := strconv.Atoi(r[1 : len(r)-2])
	if f <= lfuInitVal || f > 30 {
		t.Fatalf("counter after 300 hits: %d", f)
	}
	// It decays by one per lfu-decay-time minute without access.
	k.advance(3 * time.Minute)
	k.is(intReply(f-3), "OBJECT", "FREQ", "b")
	k.is("-"+ErrLFUSelected+"\r\n", "OBJECT", "IDLETIME", "b")
	k.n.SetLFUDecayTime(0)
	k.is(intReply(f), "OBJECT", "FREQ", "b")
	if k.n.SetMaxmemoryPolicy("bogus") == nil {
		t.Fatal("bogus policy accepted")
	}
	if k.n.SetMaxmemoryPolicy("noeviction") != nil || k.n.Default().usesLFU() {
		t.Fatal("noeviction")
	}
}

func ExampleGlobMatch() {
	fmt.Println(GlobMatch([]byte("user:*:name"), []byte("user:42:name"), false))
	fmt.Println(GlobMatch([]byte("h[ae]llo"), []byte("HELLO"), true))
	fmt.Println(GlobMatch([]byte("*"), []byte(""), false))
	// Output:
	// true
	// true
	// false
}
