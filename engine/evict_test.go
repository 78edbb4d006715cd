package engine

import (
	"context"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

func TestEvictionPoolOrder(t *testing.T) {
	var ev evictor
	// Fill the pool with idle 100, 200, ... 1600 in shuffled order.
	for _, i := range rand.Perm(evpoolSize) {
		ev.offer(0, "k"+strconv.Itoa(i), uint64(100*(i+1)))
	}
	for k := 0; k < evpoolSize; k++ {
		if p := ev.pool[k]; p.idle != uint64(100*(k+1)) || string(p.key) != "k"+strconv.Itoa(k) {
			t.Fatalf("slot %d: %q idle %d", k, p.key, p.idle)
		}
	}
	// Worse than everything in a full pool: dropped.
	ev.offer(1, "worse", 50)
	if ev.pool[0].idle != 100 {
		t.Fatalf("a worse candidate entered: %d", ev.pool[0].idle)
	}
	// A middle one pushes the worst out.
	ev.offer(1, "mid", 550)
	if ev.pool[0].idle != 200 || ev.pool[4].idle != 550 || string(ev.pool[4].key) != "mid" || ev.pool[4].db != 1 {
		t.Fatalf("after a middle insert: %d, %d %q", ev.pool[0].idle, ev.pool[4].idle, ev.pool[4].key)
	}
	// The best goes to the end.
	ev.offer(0, "best", 99999)
	if string(ev.pool[evpoolSize-1].key) != "best" {
		t.Fatalf("best at the end: %q", ev.pool[evpoolSize-1].key)
	}
	// Long keys are copied whole.
	long := string(make([]byte, 300))
	ev.offer(0, long, 1<<40)
	if string(ev.pool[evpoolSize-1].key) != long {
		t.Fatal("long key lost")
	}
	// With room, an insert shifts right.
	var ev2 evictor
	ev2.offer(0, "a", 10)
	ev2.offer(0, "c", 30)
	ev2.offer(0, "b", 20)
	if string(ev2.pool[0].key) != "a" || string(ev2.pool[1].key) != "b" || string(ev2.pool[2].key) != "c" || ev2.pool[3].key != nil {
		t.Fatalf("pool %q %q %q", ev2.pool[0].key, ev2.pool[1].key, ev2.pool[2].key)
	}
}

// TestLFUCounter checks the logarithmic counter against the figures of
// Valkey's documentation for lfu-log-factor 10 (100 hits: about 10, 1000:
// 18, 100000: 142), and the decay.
func TestLFUCounter(t *testing.T) {
	n := NewNode(Options{})
	now := int64(1_700_000_000_000)
	lru := lfuMinutes(now)<<8 | lfuInitVal
	hits := 0
	check := func(upTo, lo, hi int) {
		for ; hits < upTo; hits++ {
			lru = n.lfuTouch(lru, now)
		}
		if c := int(lru & 255); c < lo || c > hi {
			t.Errorf("after %d hits the counter is %d, want %d..%d", hits, c, lo, hi)
		}
	}
	check(100, 7, 15)
	check(1000, 13, 26)
	check(100000, 115, 170)
	// A minute per decay period: 10 minutes later it is 10 lower.
	c := n.lfuCounter(lru, now+10*60_000)
	if want := lru&255 - 10; c != want {
		t.Errorf("after 10 minutes: %d, want %d", c, want)
	}
	if c := n.lfuCounter(lru, now+1000*60_000); c != 0 {
		t.Errorf("after 1000 minutes: %d", c)
	}
	n.SetLFUDecayTime(0)
	if c := n.lfuCounter(lru, now+1000*60_000); c != lru&255 {
		t.Errorf("no decay with lfu-decay-time 0: %d", c)
	}
}

// setMaxmemory sets the node's maxmemory to its usage plus extra bytes.
func setMaxmemory(t testing.TB, n *Node, extra int64) int64 {
	t.Helper()
	limit := n.UsedMemory() + extra
	if msg := n.Config.Set([]SetRequest{{Name: "maxmemory", Value: strconv.FormatInt(limit, 10)}}, true); msg != "" {
		t.Fatal(msg)
	}
	return limit
}

// TestEvictionStepBounded: one eviction call over a large excess stops
// after its time budget and hands over to the background.
func TestEvictionStepBounded(t *testing.T) {
	k := newKT(t)
	for i := 0; i < 100_000; i++ {
		k.do("SET", "key:"+strconv.Itoa(i), "value")
	}
	k.n.SetMaxmemoryPolicy("allkeys-random")
	setMaxmemory(t, k.n, -k.n.KeyspaceMemory()+1<<20)
	start := time.Now()
	r := k.n.Default().PerformEvictions()
	took := time.Since(start)
	if r != EvictRunning {
		t.Fatalf("result %d", r)
	}
	// The budget is 500µs; a loaded machine gets some slack.
	if took > 50*time.Millisecond {
		t.Errorf("one eviction call took %v", took)
	}
	if ev := k.n.Default().EvictedKeys(); ev == 0 || ev > 90_000 {
		t.Errorf("evicted %d", ev)
	}
	// Without the background loop, more calls finish the work.
	for i := 0; i < 10_000 && k.n.Default().PerformEvictions() != EvictOK; i++ {
	}
	if k.n.Default().OverLimit() {
		t.Error("still over the limit")
	}
	auditMemory(t, k.n.Default())
}

// TestBackgroundEviction: lowering maxmemory under a running node evicts
// down to it without any command.
func TestBackgroundEviction(t *testing.T) {
	k := newKT(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go k.n.Run(ctx)
	for i := 0; i < 50_000; i++ {
		k.do("SET", "key:"+strconv.Itoa(i), "value")
	}
	if err := k.n.SetMaxmemoryPolicy("allkeys-lru"); err != nil {
		t.Fatal(err)
	}
	limit := setMaxmemory(t, k.n, -k.n.KeyspaceMemory()/2)
	deadline := time.Now().Add(5 * time.Second)
	for k.n.UsedMemory() > limit && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if used := k.n.UsedMemory(); used > limit {
		t.Fatalf("used %d, limit %d", used, limit)
	}
	if n := k.dbsize(0); n > 30_000 || n < 15_000 {
		t.Errorf("%d keys left of 50000", n)
	}
}

// TestVolatilePolicies: volatile policies evict only keys with a TTL;
// volatile-ttl the soonest to expire first; with no candidate left the
// result is EvictFail.
func TestVolatilePolicies(t *testing.T) {
	for _, policy := range []string{"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"} {
		k := newKT(t)
		k.n.SetMaxmemoryPolicy(policy)
		for i := 0; i < 2000; i++ {
			k.do("SET", "p:"+strconv.Itoa(i), "persistent")
		}
		// A few volatile keys among many persistent ones: sampled from
		// the expiry wheel.
		for i := 0; i < 300; i++ {
			k.do("SET", "v:"+strconv.Itoa(i), "volatile", "PX", strconv.Itoa(100_000+i*1000))
		}
		setMaxmemory(t, k.n, -20_000)
		for k.n.Default().PerformEvictions() == EvictRunning {
		}
		left := 0
		for i := 0; i < 300; i++ {
			if k.do("EXISTS", "v:"+strconv.Itoa(i)) == ":1\r\n" {
				left++
			}
		}
		if k.dbsize(0) < 2000 || left == 300 {
			t.Errorf("%s: %d keys, %d volatile left", policy, k.dbsize(0), left)
		}
		if policy == "volatile-ttl" && k.do("EXISTS", "v:0") != ":0\r\n" {
			t.Errorf("volatile-ttl kept the soonest-expiring key")
		}
		// Nothing volatile left to evict: OOM.
		setMaxmemory(t, k.n, -k.n.KeyspaceMemory()+1000)
		r := k.n.Default().PerformEvictions()
		for r == EvictRunning {
			r = k.n.Default().PerformEvictions()
		}
		if r != EvictFail {
			t.Errorf("%s without volatile keys: result %d", policy, r)
		}
		if k.dbsize(0) != 2000 {
			t.Errorf("%s evicted persistent keys: %d left", policy, k.dbsize(0))
		}
		auditMemory(t, k.n.Default())
	}
}

// powerLawKey draws a key index in [0, n) with a power-law distribution,
// as redis-cli --lru-test does.
func powerLawKey(r *rand.Rand, n int) int {
	return int(math.Pow(r.Float64(), 6) * float64(n))
}

// lruHitRatio runs a redis-cli --lru-test like workload: GET a power-law
// key, SET it on a miss, with eviction before each command.
func lruHitRatio(t *testing.T, policy string, keys, ops int) float64 {
	k := newKT(t)
	if err := k.n.SetMaxmemoryPolicy(policy); err != nil {
		t.Fatal(err)
	}
	// Room for about a tenth of the keys.
	k.do("SET", "probe", "val:00000")
	per := k.n.KeyspaceMemory()
	k.do("DEL", "probe")
	setMaxmemory(t, k.n, per*int64(keys)/10)
	r := rand.New(rand.NewPCG(1, 2))
	ns := k.n.Default()
	hits := 0
	for i := 0; i < ops; i++ {
		// The LRU clock counts seconds: a hundred operations a second
		// let it tell recent keys from old ones.
		k.advance(10 * time.Millisecond)
		key := "lru:" + strconv.Itoa(powerLawKey(r, keys))
		ns.PerformEvictions()
		if k.do("GET", key) != "$-1\r\n" {
			if i >= ops/2 {
				hits++
			}
			continue
		}
		ns.PerformEvictions()
		k.do("SET", key, "val:00000")
	}
	return float64(hits) / float64(ops-ops/2)
}

// TestLRUQuality: under a power-law workload the approximated LRU keeps
// the hot keys: its hit ratio is well above random eviction's.
func TestLRUQuality(t *testing.T) {
	keys, ops := 20_000, 300_000
	if testing.Short() || raceEnabled {
		keys, ops = 5_000, 60_000
	}
	lru := lruHitRatio(t, "allkeys-lru", keys, ops)
	lfu := lruHitRatio(t, "allkeys-lfu", keys, ops)
	rnd := lruHitRatio(t, "allkeys-random", keys, ops)
	t.Logf("hit ratio: allkeys-lru %.2f%%, allkeys-lfu %.2f%%, allkeys-random %.2f%%", lru*100, lfu*100, rnd*100)
	if lru < rnd+0.02 || lfu < rnd+0.02 {
		t.Errorf("LRU %.3f / LFU %.3f no better than random %.3f", lru, lfu, rnd)
	}
}

// TestStoreQuotaEngine: a namespace's quota and policy bound its own
// keys; other namespaces are untouched; dropping a namespace gives its
// memory back to the node.
func TestStoreQuotaEngine(t *testing.T) {
	n := NewNode(Options{Clock: NewManualClock(time.UnixMilli(1_700_000_000_000))})
	a, b := n.NewNamespace("a"), n.NewNamespace("b")
	do := func(ns *Namespace, args ...string) string {
		argv := make([][]byte, len(args))
		for i, s := range args {
			argv[i] = []byte(s)
		}
		rec := newRecordReply()
		cmd, _ := n.Table().Resolve(argv)
		ns.PerformEvictions()
		c := Ctx{Args: argv, R: rec, Cmd: cmd, Client: &Client{NS: ns}}
		n.Call(&c)
		return rec.String()
	}
	for i := 0; i < 1000; i++ {
		do(b, "SET", "k"+strconv.Itoa(i), "value of b")
	}
	bUsed := b.MemoryUsed()
	if err := a.SetQuota(100_000, "allkeys-lfu"); err != nil {
		t.Fatal(err)
	}
	if q, p := a.Quota(); q != 100_000 || p != "allkeys-lfu" {
		t.Fatalf("quota %d %s", q, p)
	}
	if err := a.SetQuota(1, "nope"); err == nil {
		t.Fatal("bad policy accepted")
	}
	for i := 0; i < 10_000; i++ {
		do(a, "SET", "k"+strconv.Itoa(i), "value of a")
	}
	// Eviction runs before each command: the last write may pass the
	// quota by its own size.
	if a.MemoryUsed() > 100_000+200 || a.EvictedKeys() < 5000 {
		t.Errorf("a uses %d, evicted %d", a.MemoryUsed(), a.EvictedKeys())
	}
	if b.MemoryUsed() != bUsed || b.EvictedKeys() != 0 {
		t.Errorf("b changed: %d -> %d, evicted %d", bUsed, b.MemoryUsed(), b.EvictedKeys())
	}
	// The store's keys carry LFU data, the default namespace's LRU.
	if !a.usesLFU() || n.Default().usesLFU() {
		t.Error("policies not per namespace")
	}
	total := n.KeyspaceMemory()
	n.DropNamespace("a")
	if got := n.KeyspaceMemory(); got != total-a.MemoryUsed() && got != b.MemoryUsed()+n.Default().MemoryUsed() {
		t.Errorf("after dropping a: node %d, b %d", got, b.MemoryUsed())
	}
	if a.MemoryUsed() != 0 {
		t.Errorf("dropped namespace still charged %d", a.MemoryUsed())
	}
}
