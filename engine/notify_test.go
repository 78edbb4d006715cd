package engine

import (
	"bufio"
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// eventRecorder is a Subscriber that records the keyspace events it
// receives as "channel message" lines.
type eventRecorder struct {
	mu     sync.Mutex
	events []string
	got    chan struct{} // signalled (non-blocking) on every message
}

func (r *eventRecorder) Deliver(m Message) {
	r.mu.Lock()
	r.events = append(r.events, string(m.Channel)+" "+string(m.Payload))
	r.mu.Unlock()
	select {
	case r.got <- struct{}{}:
	default:
	}
}

// take returns the events recorded so far and forgets them.
func (r *eventRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	ev := r.events
	r.events = nil
	return ev
}

// notifyTester is a strTester whose namespace publishes keyspace events
// of the classes in flags to a recorder subscribed to __key*__:*.
type notifyTester struct {
	*strTester
	rec *eventRecorder
}

func newNotifyTester(t testing.TB, flags string) *notifyTester {
	st := newStrTester(t)
	nt := &notifyTester{strTester: st, rec: &eventRecorder{got: make(chan struct{}, 1)}}
	nt.setFlags(flags)
	subs := st.n.Default().NewSubscriptions(nt.rec)
	subs.Subscribe(SubPattern, []byte("__key*__:*"))
	t.Cleanup(subs.Clear)
	return nt
}

func (nt *notifyTester) setFlags(flags string) {
	nt.t.Helper()
	if msg := nt.n.Config.Set([]SetRequest{{Name: "notify-keyspace-events", Value: flags}}, false); msg != "" {
		nt.t.Fatal(msg)
	}
}

// events runs a command and returns the events it published.
func (nt *notifyTester) events(args ...string) []string {
	nt.rec.take()
	nt.do(args...)
	return nt.rec.take()
}

// expectEvents runs a command and checks the events it published, given
// as "channel message" lines.
func (nt *notifyTester) expectEvents(want []string, args ...string) {
	nt.t.Helper()
	got := nt.events(args...)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		nt.t.Errorf("%q: events\n%s\nwant\n%s", args, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// splitInline splits a command line as redis-cli's inline syntax does for
// the plain words and double-quoted strings the golden file uses.
func splitInline(t testing.TB, line string) []string {
	var args []string
	for i := 0; i < len(line); {
		switch {
		case line[i] == ' ':
			i++
		case line[i] == '"':
			j := strings.IndexByte(line[i+1:], '"')
			if j < 0 {
				t.Fatalf("unterminated quote: %s", line)
			}
			args = append(args, line[i+1:i+1+j])
			i += j + 2
		default:
			j := strings.IndexByte(line[i:], ' ')
			if j < 0 {
				j = len(line) - i
			}
			args = append(args, line[i:i+j])
			i += j
		}
	}
	return args
}

// TestNotifyGolden replays testdata/notify/events.txt (recorded by
// TestNotifyRecord): every command's keyspace events, as valkey-server
// 8.0.1 published them with notify-keyspace-events KEAnm, must be
// published by flect in the same order, and the command must count as
// many changes (server.dirty, INFO rdb_changes_since_last_save; the
// "dirty N" line, none meaning 0).
func TestNotifyGolden(t *testing.T) {
	f, err := os.Open("testdata/notify/events.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	nt := newNotifyTester(t, "KEAnm")
	type step struct {
		line  int
		cmd   string
		want  []string
		dirty int64
	}
	var steps []*step
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case line == "" || line[0] == '#':
		case strings.HasPrefix(line, "> "):
			steps = append(steps, &step{line: n, cmd: line[2:]})
		case len(steps) == 0:
			t.Fatalf("line %d: event before any command", n)
		case strings.HasPrefix(line, "dirty "):
			d, err := strconv.ParseInt(line[6:], 10, 64)
			if err != nil {
				t.Fatalf("line %d: %v", n, err)
			}
			steps[len(steps)-1].dirty = d
		default:
			s := steps[len(steps)-1]
			s.want = append(s.want, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(steps) < 100 {
		t.Fatalf("only %d commands in the golden file", len(steps))
	}
	stats := &nt.n.Default().Stats
	for _, s := range steps {
		before := stats.Dirty.Load()
		got := nt.events(splitInline(t, s.cmd)...)
		if strings.Join(got, "\n") != strings.Join(s.want, "\n") {
			t.Errorf("line %d: %s: events\n  %s\nwant\n  %s", s.line, s.cmd,
				strings.Join(got, "\n  "), strings.Join(s.want, "\n  "))
		}
		if d := stats.Dirty.Load() - before; d != s.dirty {
			t.Errorf("line %d: %s: %d changes counted, want %d", s.line, s.cmd, d, s.dirty)
		}
	}
}

// TestNotifyClasses checks that only the enabled classes publish, on the
// channels the K and E flags ask for.
func TestNotifyClasses(t *testing.T) {
	nt := newNotifyTester(t, "")
	nt.expectEvents(nil, "SET", "k", "v")

	// A class without K or E publishes nothing.
	nt.setFlags("A")
	nt.expectEvents(nil, "SET", "k", "v")

	nt.setFlags("Kl")
	nt.expectEvents(nil, "SET", "k", "v")
	nt.expectEvents([]string{"__keyspace@0__:l lpush"}, "LPUSH", "l", "a")

	nt.setFlags("E$")
	nt.expectEvents([]string{"__keyevent@0__:set k"}, "SET", "k", "v", "EX", "100")
	nt.expectEvents(nil, "LPUSH", "l", "a")

	nt.setFlags("Eg")
	nt.expectEvents([]string{"__keyevent@0__:expire k"}, "SET", "k", "v", "EX", "100")
	nt.expectEvents([]string{"__keyevent@0__:del k", "__keyevent@0__:del l"}, "DEL", "k", "l", "nokey")

	// "new" and "keymiss" are not part of A.
	nt.setFlags("KEA")
	nt.expectEvents([]string{"__keyspace@0__:k set", "__keyevent@0__:set k"}, "SET", "k", "v")
	nt.expectEvents(nil, "GET", "nokey")
	nt.setFlags("Kn")
	nt.expectEvents([]string{"__keyspace@0__:k2 new"}, "SET", "k2", "v")
	nt.expectEvents(nil, "SET", "k2", "v")
	nt.setFlags("Em")
	nt.expectEvents([]string{"__keyevent@0__:keymiss nokey"}, "GET", "nokey")
	nt.expectEvents(nil, "SET", "nokey", "v")
}

// TestNotifyDatabaseAndBinaryKey checks the database number in the
// channel names (MOVE publishes in two databases) and binary and long keys.
func TestNotifyDatabaseAndBinaryKey(t *testing.T) {
	nt := newNotifyTester(t, "KEA")
	nt.cl.DB = 11
	key := "a\x00b\r\n" + strings.Repeat("x", 300)
	nt.expectEvents([]string{"__keyspace@11__:" + key + " set", "__keyevent@11__:set " + key}, "SET", key, "v")
	nt.cl.DB = 0
	nt.do("SET", "k", "v")
	nt.expectEvents(nil, "MOVE", "nokey", "5")
	got := nt.events("MOVE", "k", "5")
	want := []string{"__keyspace@0__:k move_from", "__keyevent@0__:move_from k", "__keyspace@5__:k move_to", "__keyevent@5__:move_to k"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("MOVE: %q, want %q", got, want)
	}
}

// TestNotifyLazyExpiry checks the "expired" event of a key found expired
// by a command, before the command's own events.
func TestNotifyLazyExpiry(t *testing.T) {
	nt := newNotifyTester(t, "KEAm")
	nt.do("SET", "k", "v", "PX", "100")
	nt.do("SET", "k2", "v", "PX", "100")
	nt.do("SET", "k3", "v", "PX", "100")
	nt.clock.Advance(200 * time.Millisecond)
	nt.expectEvents([]string{
		"__keyspace@0__:k expired", "__keyevent@0__:expired k",
		"__keyspace@0__:k keymiss", "__keyevent@0__:keymiss k",
	}, "GET", "k")
	nt.expectEvents([]string{
		"__keyspace@0__:k2 expired", "__keyevent@0__:expired k2",
		"__keyspace@0__:k2 set", "__keyevent@0__:set k2",
	}, "SET", "k2", "v")
	nt.expectEvents([]string{"__keyspace@0__:k3 expired", "__keyevent@0__:expired k3"}, "DEL", "k3")
}

// TestNotifyActiveExpiryManual checks the events of the active expiry
// cycle with a manual clock.
func TestNotifyActiveExpiryManual(t *testing.T) {
	nt := newNotifyTester(t, "Ex")
	nt.do("SET", "a", "v", "PX", "100")
	nt.do("SET", "b", "v", "PX", "5000")
	nt.rec.take()
	nt.clock.Advance(200 * time.Millisecond)
	if n := nt.n.Default().ExpireDue(nt.clock.Now().UnixMilli()); n != 1 {
		t.Fatalf("ExpireDue deleted %d keys, want 1", n)
	}
	if got := nt.rec.take(); strings.Join(got, "|") != "__keyevent@0__:expired a" {
		t.Errorf("active expiry events %q", got)
	}
}

// TestNotifyActiveExpiryRealClock checks that the node's expiry loop
// publishes "expired" soon after the deadline with the real clock.
func TestNotifyActiveExpiryRealClock(t *testing.T) {
	n := NewNode(Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go n.Run(ctx)
	if msg := n.Config.Set([]SetRequest{{Name: "notify-keyspace-events", Value: "Ex"}}, false); msg != "" {
		t.Fatal(msg)
	}
	rec := &eventRecorder{got: make(chan struct{}, 1)}
	subs := n.Default().NewSubscriptions(rec)
	subs.Subscribe(SubChannel, []byte("__keyevent@0__:expired"))
	defer subs.Clear()
	cl := &Client{ID: 1, NS: n.Default()}
	argv := [][]byte{[]byte("set"), []byte("k"), []byte("v"), []byte("px"), []byte("30")}
	cmd, _ := n.Table().Resolve(argv)
	n.Call(&Ctx{Args: argv, R: newRecordReply(), Cmd: cmd, Client: cl})
	deadline := time.Now().Add(30 * time.Millisecond)
	select {
	case <-rec.got:
	case <-time.After(2 * time.Second):
		t.Fatal("no expired event within 2s")
	}
	if late := time.Since(deadline); late > 100*time.Millisecond {
		t.Errorf("expired event %v after the deadline", late)
	}
	if got := rec.take(); strings.Join(got, "|") != "__keyevent@0__:expired k" {
		t.Errorf("events %q", got)
	}
}

// TestNotifyNoAllocs checks that a write costs no allocation for its
// notifications when they are off, or on with nobody subscribed.
func TestNotifyNoAllocs(t *testing.T) {
	for _, flags := range []string{"", "KEA"} {
		st := newStrTester(t)
		if msg := st.n.Config.Set([]SetRequest{{Name: "notify-keyspace-events", Value: flags}}, false); msg != "" {
			t.Fatal(msg)
		}
		for _, argv := range [][]string{
			{"SET", "key", "value"},
			{"SET", "key", "value", "PX", "100000"}, // set and expire events
			{"GET", "missing"},                      // keymiss
			{"DEL", "missing"},
		} {
			c := st.ctxFor(argv...)
			benchCall(st.n, c)
			if n := testing.AllocsPerRun(1000, func() { benchCall(st.n, c) }); n != 0 {
				t.Errorf("notify-keyspace-events %q: %q allocates %v times", flags, argv, n)
			}
		}
		// The expiry paths' announcement of an expired key.
		db := st.n.Default().DB(0)
		if n := testing.AllocsPerRun(1000, func() { db.expiredKey("key") }); n != 0 {
			t.Errorf("notify-keyspace-events %q: expiredKey allocates %v times", flags, n)
		}
	}
}

// ctxFor returns a reusable Ctx running argv for the tester's client.
func (st *strTester) ctxFor(argv ...string) *Ctx {
	args := make([][]byte, len(argv))
	for i, a := range argv {
		args[i] = []byte(a)
	}
	cmd, errText := st.n.Table().Resolve(args)
	if errText != "" {
		st.t.Fatal(errText)
	}
	return &Ctx{Args: args, R: newRecordReply(), Cmd: cmd, Client: st.cl}
}

// TestNotifyObjectNoKeyMiss checks that OBJECT's lookups publish no
// "keymiss", as Valkey's LOOKUP_NONOTIFY, while counting the miss.
func TestNotifyObjectNoKeyMiss(t *testing.T) {
	nt := newNotifyTester(t, "KEAm")
	misses := nt.n.Default().Stats.KeyspaceMisses.Load()
	nt.expectEvents(nil, "OBJECT", "ENCODING", "nokey")
	if got := nt.n.Default().Stats.KeyspaceMisses.Load() - misses; got != 1 {
		t.Errorf("OBJECT ENCODING of a missing key counted %d misses", got)
	}
}
