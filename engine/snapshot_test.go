package engine

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"testing"
	"time"
)

// snapCollector records a snapshot's string keys as "ns/db/key" -> value.
type snapCollector struct {
	mu   sync.Mutex
	recs map[string]string
	dups []string
}

func newSnapCollector() *snapCollector { return &snapCollector{recs: map[string]string{}} }

func (sc *snapCollector) emit(r *SnapshotRecord) error {
	var v string
	switch x := r.Value.(type) {
	case int64:
		v = strconv.FormatInt(x, 10)
	case *Str, *shortStr:
		b, _ := StringValue(x)
		v = string(b)
	default:
		v = fmt.Sprintf("%T", x)
	}
	if r.Expire != 0 {
		v += "@" + strconv.FormatInt(r.Expire, 10)
	}
	id := r.NS + "/" + strconv.Itoa(r.DB) + "/" + r.Key
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if _, ok := sc.recs[id]; ok {
		sc.dups = append(sc.dups, id)
	}
	sc.recs[id] = v
	return nil
}

func (sc *snapCollector) check(t *testing.T, want map[string]string) {
	t.Helper()
	if len(sc.dups) > 0 {
		t.Errorf("keys emitted twice: %v", sc.dups[:min(5, len(sc.dups))])
	}
	if len(sc.recs) != len(want) {
		t.Errorf("snapshot has %d keys, want %d", len(sc.recs), len(want))
	}
	bad := 0
	for k, v := range want {
		if got, ok := sc.recs[k]; !ok || got != v {
			if bad++; bad <= 5 {
				t.Errorf("%s: snapshot has %q (present %v), want %q", k, got, ok, v)
			}
		}
	}
}

// fillSnap stores n string keys in db and returns what a snapshot of them
// must hold.
func fillSnap(k *kt, db, n int, want map[string]string) {
	k.cl.DB = db
	for i := 0; i < n; i++ {
		key, val := "k"+strconv.Itoa(i), "v"+strconv.Itoa(i)
		k.is(okReply(), "SET", key, val)
		want["/"+strconv.Itoa(db)+"/"+key] = val
	}
	k.cl.DB = 0
}

func TestSnapshotIsPointInTime(t *testing.T) {
	k := newKT(t)
	want := map[string]string{}
	fillSnap(k, 0, 3000, want)
	fillSnap(k, 1, 500, want)
	k.is(okReply(), "SET", "ttl", "x", "PX", "100000")
	want["/0/ttl"] = "x@" + strconv.FormatInt(k.nowMs()+100000, 10)
	k.is(":3\r\n", "RPUSH", "src", "3", "1", "2")
	want["/0/src"] = "*engine.List"
	k.is(okReply(), "SET", "dead", "x", "PX", "5")
	k.advance(10 * time.Millisecond) // dead has expired but is still stored

	sc := newSnapCollector()
	s, err := k.n.BeginSnapshot(sc.emit)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := k.n.BeginSnapshot(sc.emit); !errors.Is(err, ErrSnapshotRunning) {
		t.Fatalf("second BeginSnapshot: %v", err)
	}
	// Changes after the point in time must not show.
	k.is(okReply(), "SET", "k1", "changed")
	k.is(":1\r\n", "DEL", "k2")
	k.is(":8\r\n", "APPEND", "k3", "zzzzzz")
	k.is(okReply(), "SET", "brand-new", "x")
	k.is(":1\r\n", "EXPIRE", "k4", "100")
	k.is(":1\r\n", "PERSIST", "ttl")
	k.is(okReply(), "RENAME", "k5", "k5-renamed")
	k.is(":3\r\n", "SORT", "src", "STORE", "k6") // overwrites k6 (a string)
	k.is(okReply(), "SWAPDB", "0", "1")
	// DB 0 now holds the old DB 1 contents: change and flush them.
	k.is(okReply(), "SET", "k7", "changed")
	k.is(okReply(), "FLUSHDB")
	k.is(okReply(), "SET", "k8", "after-flush")
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	sc.check(t, want)
	if got := s.Keys(); got != int64(len(want)) {
		t.Errorf("Keys() = %d, want %d", got, len(want))
	}
	// The node is free for the next snapshot, which sees the changes.
	sc2 := newSnapCollector()
	s2, err := k.n.BeginSnapshot(sc2.emit)
	if err != nil {
		t.Fatal(err)
	}
	if err := s2.Run(); err != nil {
		t.Fatal(err)
	}
	if got := sc2.recs["/0/k8"]; got != "after-flush" {
		t.Errorf("second snapshot k8 = %q", got)
	}
	if got := sc2.recs["/1/k1"]; got != "changed" {
		t.Errorf("second snapshot k1 = %q", got)
	}
}

func TestSnapshotConcurrentWriters(t *testing.T) {
	k := newKT(t)
	want := map[string]string{}
	const keys = 4000
	fillSnap(k, 0, keys, want)
	sc := newSnapCollector()
	slow := func(r *SnapshotRecord) error {
		if rand.IntN(64) == 0 {
			time.Sleep(20 * time.Microsecond)
		}
		return sc.emit(r)
	}
	s, err := k.n.BeginSnapshot(slow)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			wk := &kt{t: t, n: k.n, clock: k.clock, cl: &Client{ID: int64(10 + w), NS: k.n.Default()}, rec: newRecordReply()}
			for i := 0; i < 20000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				key := "k" + strconv.Itoa(rand.IntN(keys+200))
				switch rand.IntN(4) {
				case 0:
					wk.do("SET", key, "w"+strconv.Itoa(w))
				case 1:
					wk.do("DEL", key)
				case 2:
					wk.do("APPEND", key, "a")
				default:
					wk.do("INCR", key)
				}
			}
		}(w)
	}
	err = s.Run()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	sc.check(t, want)
}

func TestSnapshotNamespacesAndErrors(t *testing.T) {
	k := newKT(t)
	store := k.n.NewNamespace("tenant")
	tk := &kt{t: t, n: k.n, clock: k.clock, cl: &Client{ID: 2, NS: store}, rec: newRecordReply()}
	k.is(okReply(), "SET", "a", "default")
	tk.is(okReply(), "SET", "a", "store")
	sc := newSnapCollector()
	s, err := k.n.BeginSnapshot(sc.emit)
	if err != nil {
		t.Fatal(err)
	}
	tk.is(":1\r\n", "DEL", "a")
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	sc.check(t, map[string]string{"/0/a": "default", "tenant/0/a": "store"})

	// An emit error stops the snapshot and frees the node.
	boom := errors.New("disk full")
	for i := 0; i < 100; i++ {
		k.do("SET", "x"+strconv.Itoa(i), "1")
	}
	s, err = k.n.BeginSnapshot(func(*SnapshotRecord) error { return boom })
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(); !errors.Is(err, boom) {
		t.Fatalf("Run = %v, want %v", err, boom)
	}
	k.is(okReply(), "SET", "x1", "after") // writers no longer emit
	if s, err = k.n.BeginSnapshot(newSnapCollector().emit); err != nil {
		t.Fatal(err)
	} else if err := s.Run(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadKey(t *testing.T) {
	k := newKT(t)
	ns := k.n.Default()
	ns.LoadKey(2, []byte("a"), NewStringValue([]byte("12")), 0)
	ns.LoadKey(2, []byte("b"), NewStringValue([]byte("x")), k.nowMs()+5000)
	ns.LoadKey(2, []byte("a"), NewStringValue([]byte("13")), 0) // replaces
	k.cl.DB = 2
	k.is(":14\r\n", "INCR", "a")
	k.is(":5000\r\n", "PTTL", "b")
	k.advance(6 * time.Second)
	k.cycle()
	if n := k.dbsize(2); n != 1 {
		t.Errorf("dbsize after expiry = %d", n)
	}
	checkTimers(t, ns)
}
