package engine

import (
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"
)

// sinkRec records the invalidations of one tracker; nil keys (a flush)
// are recorded as "*".
type sinkRec struct {
	mu  sync.Mutex
	got []string
}

func (s *sinkRec) Invalidate(keys []string, _ bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if keys == nil {
		s.got = append(s.got, "*")
		return
	}
	s.got = append(s.got, keys...)
}

// take returns and clears what was recorded, sorted.
func (s *sinkRec) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.got
	s.got = nil
	sort.Strings(out)
	return out
}

func wantKeys(t *testing.T, s *sinkRec, want ...string) {
	t.Helper()
	got := s.take()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("invalidations %q, want %q", got, want)
	}
}

// trackRead runs a read command as client cl and remembers its keys.
func (k *kt) trackRead(cl *Client, tr *Tracker, args ...string) {
	k.t.Helper()
	old := k.cl
	k.cl = cl
	k.do(args...)
	k.cl = old
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	cmd, _ := k.n.Table().Resolve(argv)
	tr.RememberKeys(cmd, argv)
}

func TestTrackingDefaultAndNoLoop(t *testing.T) {
	k := newKT(t)
	ns := k.n.Default()
	reader := &Client{ID: 2, NS: ns}
	s := &sinkRec{}
	tr := NewTracker(reader.ID, s)
	ns.EnableTracking(tr, 0, 0, nil)
	k.trackRead(reader, tr, "MGET", "a", "b")
	if st := ns.TrackingStats(); st != (TrackingStats{Clients: 1, Keys: 2, Items: 2}) {
		t.Fatalf("stats %+v", st)
	}
	k.is(okReply(), "SET", "a", "1")
	wantKeys(t, s, "a")
	// Forgotten once sent.
	k.is(okReply(), "SET", "a", "2")
	wantKeys(t, s)
	// A write command's keys are not remembered.
	k.trackRead(reader, tr, "SET", "c", "1")
	k.is(okReply(), "SET", "c", "2")
	wantKeys(t, s)
	// NOLOOP: the client's own write is not sent back.
	ns.EnableTracking(tr, 0, TrackNoLoop, nil)
	k.trackRead(reader, tr, "GET", "c")
	k.trackRead(reader, tr, "SET", "c", "3")
	wantKeys(t, s)
	k.is(okReply(), "SET", "b", "1")
	wantKeys(t, s, "b")
	ns.DisableTracking(tr)
	if st := ns.TrackingStats(); st.Clients != 0 {
		t.Fatalf("stats after off %+v", st)
	}
}

func TestTrackingOptInOut(t *testing.T) {
	k := newKT(t)
	ns := k.n.Default()
	reader := &Client{ID: 2, NS: ns}
	s := &sinkRec{}
	tr := NewTracker(reader.ID, s)
	ns.EnableTracking(tr, 0, TrackOptIn, nil)
	k.trackRead(reader, tr, "GET", "a")
	tr.SetCaching()
	k.trackRead(reader, tr, "GET", "b")
	tr.ClearCaching()
	k.is(okReply(), "MSET", "a", "1", "b", "1")
	wantKeys(t, s, "b")
	ns.DisableTracking(tr)
	ns.EnableTracking(tr, 0, TrackOptOut, nil)
	tr.SetCaching()
	k.trackRead(reader, tr, "GET", "a")
	tr.ClearCaching()
	k.trackRead(reader, tr, "GET", "b")
	k.is(okReply(), "MSET", "a", "1", "b", "1")
	wantKeys(t, s, "b")
}

func TestTrackingBcastPrefixes(t *testing.T) {
	k := newKT(t)
	ns := k.n.Default()
	s := &sinkRec{}
	tr := NewTracker(2, s)
	if e := tr.CheckPrefixes([][]byte{[]byte("a"), []byte("ab")}); e != "ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single client must not overlap." {
		t.Fatalf("overlap: %q", e)
	}
	ns.EnableTracking(tr, 0, TrackBcast, [][]byte{[]byte("u:"), []byte("o:")})
	if e := tr.CheckPrefixes([][]byte{[]byte("u:1\x00x")}); e != "ERR Prefix 'u:1' overlaps with an existing prefix 'u:'. Prefixes for a single client must not overlap." {
		t.Fatalf("existing overlap: %q", e)
	}
	if got := tr.Prefixes(); !reflect.DeepEqual(got, []string{"o:", "u:"}) {
		t.Fatalf("prefixes %q", got)
	}
	k.is(okReply(), "MSET", "u:1", "x", "zz", "y", "o:", "z")
	wantKeys(t, s, "o:", "u:1")
	if st := ns.TrackingStats(); st.Prefixes != 2 {
		t.Fatalf("stats %+v", st)
	}
	ns.DisableTracking(tr)
	if st := ns.TrackingStats(); st.Prefixes != 0 {
		t.Fatalf("prefixes left: %+v", st)
	}
	k.is(okReply(), "SET", "u:2", "x")
	wantKeys(t, s)
}

func TestTrackingFlushExpiryAndLimit(t *testing.T) {
	k := newKT(t)
	ns := k.n.Default()
	reader := &Client{ID: 2, NS: ns}
	s := &sinkRec{}
	tr := NewTracker(reader.ID, s)
	ns.EnableTracking(tr, 0, 0, nil)
	k.trackRead(reader, tr, "GET", "a")
	k.is(okReply(), "FLUSHDB")
	wantKeys(t, s, "*")
	if st := ns.TrackingStats(); st.Keys != 0 || st.Items != 0 {
		t.Fatalf("stats after flush %+v", st)
	}
	// Expiry invalidates.
	k.is(okReply(), "PSETEX", "e", "100", "v")
	k.trackRead(reader, tr, "GET", "e")
	k.advance(200 * time.Millisecond)
	k.cycle()
	wantKeys(t, s, "e")
	// The limit evicts keys with invalidations.
	k.trackRead(reader, tr, "MGET", "k1", "k2", "k3", "k4")
	ns.TrackingLimit(1)
	if got := s.take(); len(got) != 3 {
		t.Fatalf("evicted %q", got)
	}
	if st := ns.TrackingStats(); st.Keys != 1 || st.Items != 1 {
		t.Fatalf("stats after limit %+v", st)
	}
}

func TestTrackingNamespaceIsolation(t *testing.T) {
	k := newKT(t)
	other := k.n.NewNamespace("tenant")
	s := &sinkRec{}
	tr := NewTracker(2, s)
	reader := &Client{ID: 2, NS: other}
	other.EnableTracking(tr, 0, 0, nil)
	k.trackRead(reader, tr, "GET", "a")
	bs := &sinkRec{}
	bt := NewTracker(3, bs)
	other.EnableTracking(bt, 0, TrackBcast, nil)
	// The default namespace's key of the same name is another key.
	k.is(okReply(), "SET", "a", "1")
	wantKeys(t, s)
	wantKeys(t, bs)
	k.is(okReply(), "FLUSHALL")
	wantKeys(t, s)
	// Moving to the default namespace keeps the mode there.
	k.n.Default().RebindTracking(bt)
	if bt.Namespace() != k.n.Default() || bt.Flags() != TrackOn|TrackBcast || other.TrackingStats().Clients != 1 {
		t.Fatalf("rebind: %v %b %+v", bt.Namespace() == k.n.Default(), bt.Flags(), other.TrackingStats())
	}
	k.is(okReply(), "SET", "a", "2")
	wantKeys(t, bs, "a")
}
