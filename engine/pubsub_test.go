package engine

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
)

// recSub records the messages delivered to it.
type recSub struct {
	mu  sync.Mutex
	got []string
}

func (r *recSub) Deliver(m Message) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch m.Kind {
	case SubPattern:
		r.got = append(r.got, fmt.Sprintf("pmessage %s %s %s", m.Pattern, m.Channel, m.Payload))
	case SubShard:
		r.got = append(r.got, fmt.Sprintf("smessage %s %s", m.Channel, m.Payload))
	default:
		r.got = append(r.got, fmt.Sprintf("message %s %s", m.Channel, m.Payload))
	}
}

func (r *recSub) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func TestPublishNoSubscribers(t *testing.T) {
	n := NewNode(Options{})
	ns := n.Default()
	ch, msg := []byte("ch"), []byte("m")
	if got := ns.Publish(ch, msg); got != 0 {
		t.Fatalf("Publish = %d, want 0", got)
	}
	if allocs := testing.AllocsPerRun(100, func() { ns.Publish(ch, msg) }); allocs != 0 {
		t.Fatalf("Publish with no subscriber allocates %v times", allocs)
	}
}

func TestPubSubChannelsPatternsShards(t *testing.T) {
	n := NewNode(Options{})
	ns := n.Default()
	a, b := &recSub{}, &recSub{}
	sa, sb := ns.NewSubscriptions(a), ns.NewSubscriptions(b)
	if !sa.Subscribe(SubChannel, []byte("news")) || sa.Subscribe(SubChannel, []byte("news")) {
		t.Fatal("Subscribe should report only the first subscription as new")
	}
	sa.Subscribe(SubPattern, []byte("n*"))
	sb.Subscribe(SubPattern, []byte("n*"))
	sb.Subscribe(SubShard, []byte("news"))
	if got := sa.ReplyCount(SubChannel); got != 2 {
		t.Fatalf("ReplyCount = %d, want 2 (channels and patterns)", got)
	}
	if got := sb.ReplyCount(SubShard); got != 1 {
		t.Fatalf("shard ReplyCount = %d, want 1", got)
	}
	if got := ns.Publish([]byte("news"), []byte("hi")); got != 3 {
		t.Fatalf("Publish = %d, want 3", got)
	}
	if got := ns.Publish([]byte("other"), []byte("x")); got != 0 {
		t.Fatalf("Publish(other) = %d, want 0", got)
	}
	if got := ns.SPublish([]byte("news"), []byte("s")); got != 1 {
		t.Fatalf("SPublish = %d, want 1", got)
	}
	wantA := []string{"message news hi", "pmessage n* news hi"}
	wantB := []string{"pmessage n* news hi", "smessage news s"}
	if got := a.messages(); !reflect.DeepEqual(got, wantA) {
		t.Fatalf("a got %q, want %q", got, wantA)
	}
	if got := b.messages(); !reflect.DeepEqual(got, wantB) {
		t.Fatalf("b got %q, want %q", got, wantB)
	}
	st := ns.PubSubStats()
	if st != (PubSubStats{Channels: 1, Patterns: 1, ShardChannels: 1, Clients: 2}) {
		t.Fatalf("stats %+v", st)
	}
	if got := ns.NumSub(SubChannel, []byte("news")); got != 1 {
		t.Fatalf("NumSub = %d", got)
	}
	if got := ns.Channels(SubChannel, []byte("x*")); len(got) != 0 {
		t.Fatalf("Channels(x*) = %q", got)
	}
	if got := ns.Channels(SubShard, nil); !reflect.DeepEqual(got, []string{"news"}) {
		t.Fatalf("Channels(shard) = %q", got)
	}

	if !sa.Unsubscribe(SubPattern, []byte("n*")) || sa.Unsubscribe(SubPattern, []byte("n*")) {
		t.Fatal("Unsubscribe should report only the first removal")
	}
	sa.Clear()
	sb.Clear()
	if st := ns.PubSubStats(); st != (PubSubStats{}) {
		t.Fatalf("stats after Clear %+v", st)
	}
	if ns.pubsub.live.Load() != 0 || ns.pubsub.shardLive.Load() != 0 || len(ns.pubsub.patList) != 0 {
		t.Fatal("registry not empty after every subscriber left")
	}
	if sa.Total() != 0 || sb.Total() != 0 {
		t.Fatal("Total not zero after Clear")
	}
}

func TestPubSubNamespaceIsolation(t *testing.T) {
	n := NewNode(Options{})
	other := newNamespace(n, "tenant", 16)
	a := &recSub{}
	n.Default().NewSubscriptions(a).Subscribe(SubPattern, []byte("*"))
	if got := other.Publish([]byte("ch"), []byte("m")); got != 0 {
		t.Fatalf("Publish in another namespace reached %d subscribers", got)
	}
	if got := a.messages(); len(got) != 0 {
		t.Fatalf("got %q across namespaces", got)
	}
	if st := other.PubSubStats(); st != (PubSubStats{}) {
		t.Fatalf("other namespace stats %+v", st)
	}
}

// TestPubSubConcurrent publishes while subscribers come and go; run with
// -race.
func TestPubSubConcurrent(t *testing.T) {
	n := NewNode(Options{})
	ns := n.Default()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s := ns.NewSubscriptions(&recSub{})
			for j := 0; j < 200; j++ {
				s.Subscribe(SubChannel, []byte(fmt.Sprint("c", j%7)))
				s.Subscribe(SubPattern, []byte(fmt.Sprint("c", j%3, "*")))
				if j%2 == 0 {
					s.Unsubscribe(SubChannel, []byte(fmt.Sprint("c", j%7)))
				}
			}
			s.Clear()
		}(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 500; j++ {
				ns.Publish([]byte(fmt.Sprint("c", j%7)), []byte("m"))
				ns.PubSubStats()
			}
		}()
	}
	wg.Wait()
	if st := ns.PubSubStats(); st != (PubSubStats{}) {
		t.Fatalf("stats after everyone left %+v", st)
	}
}

func TestOutputBufferLimitsParam(t *testing.T) {
	n := NewNode(Options{})
	p := n.Config.Lookup("client-output-buffer-limit")
	const def = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
	if got := p.Get(); got != def {
		t.Fatalf("default %q", got)
	}
	if err := p.Set("pubsub 1mb 512kb 10 replica 1gb 0 0"); err != nil {
		t.Fatal(err)
	}
	const want = "normal 0 0 0 slave 1073741824 0 0 pubsub 1048576 524288 10"
	if got := p.Get(); got != want {
		t.Fatalf("after set %q", got)
	}
	if l := n.OutputBufferLimits()[OutputPubSub]; l != (OutputBufferLimit{1 << 20, 512 << 10, 10}) {
		t.Fatalf("pubsub limits %+v", l)
	}
	for v, reason := range map[string]string{
		"pubsub 1 2":                "Wrong number of arguments in buffer limit configuration.",
		"master 1 2 3":              "Invalid client class specified in buffer limit configuration.",
		"foo 1 2 3":                 "Invalid client class specified in buffer limit configuration.",
		"normal x 2 3":              "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
		"normal 1 2 -1":             "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
		"normal 1 2 3s":             "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
		"normal 1 2 3 pubsub 1 2":   "Wrong number of arguments in buffer limit configuration.",
		"normal 1 2 3 pubsub x 2 3": "Error in hard, soft or soft_seconds setting in buffer limit configuration.",
	} {
		err := p.Set(v)
		if err == nil || err.Error() != reason {
			t.Errorf("Set(%q) = %v, want %q", v, err, reason)
		}
	}
	if got := p.Get(); got != want {
		t.Fatalf("a failed set changed the value: %q", got)
	}
	if err := p.Set(""); err != nil || p.Get() != want {
		t.Fatalf("empty value: %v %q", err, p.Get())
	}
}

// nopSub drops what it is given.
type nopSub struct{}

func (nopSub) Deliver(Message) {}

func BenchmarkPublishNoSubscribers(b *testing.B) {
	ns := NewNode(Options{}).Default()
	ch, msg := []byte("__keyspace@0__:foo"), []byte("set")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ns.Publish(ch, msg)
	}
}

func BenchmarkPublishOneSubscriber(b *testing.B) {
	ns := NewNode(Options{}).Default()
	ns.NewSubscriptions(nopSub{}).Subscribe(SubChannel, []byte("ch"))
	ns.NewSubscriptions(nopSub{}).Subscribe(SubPattern, []byte("other*"))
	ch, msg := []byte("ch"), []byte("hello")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		ns.Publish(ch, msg)
	}
}

// FuzzOutputBufferLimits checks that any value either fails or prints
// as a value that parses back to the same limits.
func FuzzOutputBufferLimits(f *testing.F) {
	for _, s := range []string{"", "normal 0 0 0", "pubsub 32mb 8mb 60", "slave 1gb 1k 4294967297",
		"normal  0 0 0", "pubsub 1 2", "replica -1 0 0", "normal 99999999999999999999gb 0 +5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		def := defaultOutputBufferLimits
		l, err := ParseOutputBufferLimits(s, &def)
		if err != nil {
			return
		}
		printed := FormatOutputBufferLimits(l)
		again, err := ParseOutputBufferLimits(printed, &def)
		if err != nil || *again != *l {
			t.Fatalf("%q printed as %q, which parses to %+v, %v", s, printed, again, err)
		}
	})
}
