package snapshot

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/flect-kv/flect/engine"
)

// saverNode is a node with a Saver and its commands.
func saverNode(t *testing.T) (*tnode, *Saver, *Store, string) {
	t.Helper()
	tn := newTNode(t)
	st, dir := openStore(t)
	s := NewSaver(tn.n, st, quietLog())
	s.Creator = "flect test"
	Register(tn.n.Table(), s)
	return tn, s, st, dir
}

// gate blocks a background save at its first record until released
// (with that record's shard locked); later records pass.
type gate struct {
	entered chan struct{}
	release chan struct{}
	first   atomic.Bool
	opened  sync.Once
	err     error
}

// newGate returns a closed gate; it opens at the latest when the test
// ends, so that a failing test does not hang its cleanup.
func newGate(t *testing.T) *gate {
	g := &gate{entered: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(g.open)
	return g
}

func (g *gate) open() { g.opened.Do(func() { close(g.release) }) }

func (g *gate) hook() error {
	if g.first.CompareAndSwap(false, true) {
		close(g.entered)
		<-g.release
	}
	return g.err
}

func setConfig(t *testing.T, n *engine.Node, name, val string) {
	t.Helper()
	if e := n.Config.Set([]engine.SetRequest{{Name: name, Value: val}}, true); e != "" {
		t.Fatal(e)
	}
}

func TestSaveCommandAndLoad(t *testing.T) {
	tn, s, st, dir := saverNode(t)
	tn.fillAllTypes()
	want := tn.contents()
	tn.clock.Advance(10 * time.Second)
	if st := s.Status(); st.ChangesSinceLastSave == 0 || st.LastSaveTime != baseTime.Unix() || st.Saves != 0 {
		t.Fatalf("status before SAVE %+v", st)
	}
	if r := tn.do("SAVE"); r != "+OK\r\n" {
		t.Fatalf("SAVE = %q", r)
	}
	if r := tn.do("LASTSAVE"); r != ":"+strconv.FormatInt(baseTime.Unix()+10, 10)+"\r\n" {
		t.Fatalf("LASTSAVE = %q", r)
	}
	status := s.Status()
	if status.ChangesSinceLastSave != 0 || status.Saves != 1 || !status.LastBgsaveOK || status.SaveInProgress ||
		status.LastBgsaveTimeSec != -1 || status.CurrentBgsaveTimeSec != -1 {
		t.Fatalf("status after SAVE %+v", status)
	}
	tn.must("", 0, "SET", "after", "save")
	if s.Status().ChangesSinceLastSave != 1 {
		t.Errorf("changes after one SET: %+v", s.Status())
	}
	for _, c := range [][]string{{"SAVE", "x"}, {"LASTSAVE", "x"}} {
		if r := tn.do(c...); !strings.HasPrefix(r, "-ERR wrong number of arguments") {
			t.Errorf("%q = %q", c, r)
		}
	}

	// A new node loads it through a Saver.
	st = reopen(t, st, dir)
	dst := newTNode(t)
	dst.n.NewNamespace("tenant")
	dst.n.NewNamespace("other")
	dst.clock.Advance(time.Second)
	s2 := NewSaver(dst.n, st, quietLog())
	stats, err := s2.Load()
	if err != nil {
		t.Fatal(err)
	}
	if stats.Manifest.Creator != "flect test" || stats.Keys != int64(len(want)) {
		t.Fatalf("stats %+v", stats)
	}
	sameContents(t, dst.contents(), want)
	if st := s2.Status(); st.LastLoadKeysLoaded != int64(len(want)) || st.LastLoadKeysExpired != 0 || st.Loading ||
		st.ChangesSinceLastSave != 0 {
		t.Fatalf("status after load %+v", st)
	}
}

func TestBgsave(t *testing.T) {
	tn, s, st, _ := saverNode(t)
	for i := range 100 {
		tn.must("", 0, "SET", "k"+strconv.Itoa(i), "v")
	}
	g := newGate(t)
	s.hook = g.hook
	if r := tn.do("BGSAVE"); r != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE = %q", r)
	}
	<-g.entered
	status := s.Status()
	if !status.BgsaveInProgress || !status.SaveInProgress || status.CurrentBgsaveTimeSec < 0 ||
		status.SaveKeysTotal != 100 || status.Saves != 1 {
		t.Fatalf("status during BGSAVE %+v", status)
	}
	for _, c := range [][]string{{"BGSAVE"}, {"BGSAVE", "SCHEDULE"}, {"SAVE"}} {
		if r := tn.do(c...); r != "-ERR Background save already in progress\r\n" {
			t.Errorf("%q during BGSAVE = %q", c, r)
		}
	}
	// Writes after the point in time are not in the snapshot (they may
	// wait for the shard the save holds).
	wrote := make(chan struct{})
	go func() {
		tn.must("", 0, "SET", "k0", "changed")
		tn.must("", 0, "SET", "new", "x")
		close(wrote)
	}()
	time.Sleep(5 * time.Millisecond)
	g.open()
	<-wrote
	s.WaitBG()
	status = s.Status()
	if status.BgsaveInProgress || !status.LastBgsaveOK || status.LastBgsaveTimeSec < 0 || status.ChangesSinceLastSave != 2 {
		t.Fatalf("status after BGSAVE %+v", status)
	}
	dst, stats := loadInto(t, st)
	if stats.Keys != 100 {
		t.Fatalf("loaded %d keys", stats.Keys)
	}
	if r := dst.do("GET", "k0"); r != "$1\r\nv\r\n" {
		t.Errorf("GET k0 = %q", r)
	}
	// BGSAVE SCHEDULE starts at once when nothing else runs.
	s.hook = nil
	if r := tn.do("BGSAVE", "schedule"); r != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE SCHEDULE = %q", r)
	}
	s.WaitBG()
	for _, c := range [][]string{{"BGSAVE", "now"}, {"BGSAVE", "schedule", "x"}} {
		if r := tn.do(c...); r != "-ERR syntax error\r\n" {
			t.Errorf("%q = %q", c, r)
		}
	}
}

func TestBgsaveCancel(t *testing.T) {
	tn, s, st, _ := saverNode(t)
	tn.must("", 0, "SET", "k", "v")
	if r := tn.do("BGSAVE", "CANCEL"); r != "-ERR Background saving is currently not in progress or scheduled\r\n" {
		t.Fatalf("BGSAVE CANCEL idle = %q", r)
	}
	g := newGate(t)
	s.hook = g.hook
	tn.do("BGSAVE")
	<-g.entered
	if r := tn.do("BGSAVE", "cancel"); r != "+Background saving cancelled\r\n" {
		t.Fatalf("BGSAVE CANCEL = %q", r)
	}
	g.open()
	s.WaitBG()
	if _, ok, _ := st.Current(); ok {
		t.Fatal("a cancelled save became current")
	}
	status := s.Status()
	if !status.LastBgsaveOK || status.BgsaveInProgress || status.LastSaveTime != baseTime.Unix() {
		t.Fatalf("status after cancel %+v", status)
	}
	entries, _ := listTmp(st.Dir())
	if len(entries) != 0 {
		t.Errorf("temporary files left: %v", entries)
	}
	// A scheduled save is dropped.
	if r, _ := s.ScheduleBGSave(); r != "Background saving scheduled" {
		t.Fatal(r)
	}
	if r := tn.do("BGSAVE", "CANCEL"); r != "+Scheduled background saving cancelled\r\n" {
		t.Fatalf("BGSAVE CANCEL scheduled = %q", r)
	}
	if s.Status().BgsaveScheduled {
		t.Fatal("still scheduled")
	}
}

// Inside MULTI/EXEC BGSAVE is scheduled; the policy loop starts it.
func TestBgsaveInExec(t *testing.T) {
	tn, s, st, _ := saverNode(t)
	setConfig(t, tn.n, "save", "")
	tn.must("", 0, "SET", "k", "v")
	argv := [][]byte{[]byte("bgsave")}
	r := &recReply{}
	c := engine.Ctx{Args: argv, R: r, Cmd: tn.n.Table().Lookup(argv[0]), NoBlock: true,
		Client: &engine.Client{ID: 1, NS: tn.n.Default()}}
	tn.n.Default().Lock() // EXEC holds the namespace
	tn.n.CallLocked(&c)
	tn.n.Default().Unlock()
	if got := r.b.String(); got != "+Background saving scheduled\r\n" {
		t.Fatalf("BGSAVE in EXEC = %q", got)
	}
	if !s.Status().BgsaveScheduled {
		t.Fatal("not scheduled")
	}
	s.cron()
	s.WaitBG()
	if _, ok, _ := st.Current(); !ok || s.Status().BgsaveScheduled || s.Status().Saves != 1 {
		t.Fatalf("scheduled save did not run: %+v", s.Status())
	}
}

// The save policy: a rule fires when enough changes and more than its
// seconds have passed; after a failure it retries only after 5 seconds.
func TestSavePolicy(t *testing.T) {
	tn, s, st, _ := saverNode(t)
	setConfig(t, tn.n, "save", "10 2 100 1")
	tn.must("", 0, "SET", "a", "1")
	tn.clock.Advance(10 * time.Second)
	s.cron() // one change, 10 s: neither rule
	if s.Status().Saves != 0 {
		t.Fatal("saved too early")
	}
	tn.must("", 0, "SET", "b", "1")
	s.cron() // two changes but only 10 s, not more than 10
	if s.Status().Saves != 0 {
		t.Fatal("saved at exactly the rule's seconds")
	}
	tn.clock.Advance(time.Second)
	g := newGate(t)
	g.err = errors.New("disk on fire")
	s.hook = g.hook
	s.cron()
	if s.Status().Saves != 1 {
		t.Fatal("rule did not fire")
	}
	g.open()
	s.WaitBG()
	status := s.Status()
	if status.LastBgsaveOK || status.ChangesSinceLastSave != 2 || status.LastSaveTime != baseTime.Unix() {
		t.Fatalf("status after a failed save %+v", status)
	}
	if _, ok, _ := st.Current(); ok {
		t.Fatal("a failed save became current")
	}
	s.hook = nil
	tn.clock.Advance(5 * time.Second)
	s.cron() // 5 s after the failure: not yet
	if s.Status().Saves != 1 {
		t.Fatal("retried within 5 s")
	}
	tn.clock.Advance(time.Second)
	s.cron()
	s.WaitBG()
	status = s.Status()
	if status.Saves != 2 || !status.LastBgsaveOK || status.ChangesSinceLastSave != 0 ||
		status.LastSaveTime != baseTime.Unix()+17 {
		t.Fatalf("status after the retry %+v", status)
	}
	// "save 10 0" saves without changes once its seconds have passed.
	setConfig(t, tn.n, "save", "10 0")
	tn.clock.Advance(10 * time.Second)
	s.cron()
	if s.Status().Saves != 2 {
		t.Fatal("saved at exactly 10 s")
	}
	tn.clock.Advance(time.Second)
	s.cron()
	s.WaitBG()
	if s.Status().Saves != 3 {
		t.Fatal("save 10 0 did not fire")
	}
}

func TestShutdownSave(t *testing.T) {
	tn, s, st, _ := saverNode(t)
	tn.must("", 0, "SET", "k", "v")
	setConfig(t, tn.n, "save", "")
	if err := s.ShutdownSave(false); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := st.Current(); ok {
		t.Fatal("saved without save rules")
	}
	// A running BGSAVE is stopped, then the final save runs.
	g := newGate(t)
	s.hook = g.hook
	tn.do("BGSAVE")
	<-g.entered
	done := make(chan error)
	go func() { done <- s.ShutdownSave(true) }()
	time.Sleep(10 * time.Millisecond)
	g.open()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	m, ok, _ := st.Current()
	if !ok || m.Keys != 1 {
		t.Fatalf("final save %+v %v", m, ok)
	}
	if st := s.Status(); st.Saves != 2 || !st.LastBgsaveOK {
		t.Fatalf("status %+v", st)
	}
}

// Two SAVEs at once both succeed, one after the other.
func TestConcurrentSaves(t *testing.T) {
	tn, s, st, _ := saverNode(t)
	tn.must("", 0, "SET", "k", "v")
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Save(); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if m, _, _ := st.Current(); m.Generation != 4 {
		t.Fatalf("generation %d after 4 saves", m.Generation)
	}
}

// A background save taken while clients write is one point in time: keys
// written together by one command are both in their old or both in their
// new state.
func TestBgsaveConsistentUnderWrites(t *testing.T) {
	tn, s, st, _ := saverNode(t)
	const pairs = 2000
	for i := range pairs {
		is := strconv.Itoa(i)
		tn.must("", 0, "MSET", "a"+is, "0", "b"+is, "0")
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 1; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				is := strconv.Itoa((n*7 + w) % pairs)
				v := strconv.Itoa(n*10 + w)
				tn.must("", 0, "MSET", "a"+is, v, "b"+is, v)
			}
		}()
	}
	for range 3 {
		if _, err := s.BGSave(false); err != nil {
			t.Fatal(err)
		}
		s.WaitBG()
		dst, stats := loadInto(t, st)
		if stats.Keys != 2*pairs {
			t.Fatalf("%d keys", stats.Keys)
		}
		for i := range pairs {
			is := strconv.Itoa(i)
			if a, b := dst.do("GET", "a"+is), dst.do("GET", "b"+is); a != b {
				t.Fatalf("pair %d: %q and %q", i, a, b)
			}
		}
	}
	close(stop)
	wg.Wait()
	if !s.Status().LastBgsaveOK {
		t.Fatal("a save failed")
	}
}

// TestDiskError checks the -MISCONF condition: set by a failed background
// save while save rules are set and stop-writes-on-bgsave-error is yes,
// cleared by the next successful save.
func TestDiskError(t *testing.T) {
	tn, s, _, _ := saverNode(t)
	tn.must("", 0, "SET", "k", "v")
	if s.DiskError() {
		t.Fatal("disk error before any save")
	}
	s.hook = func() error { return errors.New("disk full") }
	if r := tn.do("BGSAVE"); r != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE = %q", r)
	}
	s.WaitBG()
	if !s.DiskError() || s.Status().LastBgsaveOK {
		t.Fatal("a failed BGSAVE left no disk error")
	}
	tn.n.Config.Set([]engine.SetRequest{{Name: "stop-writes-on-bgsave-error", Value: "no"}}, true)
	if s.DiskError() {
		t.Fatal("disk error with stop-writes-on-bgsave-error no")
	}
	tn.n.Config.Set([]engine.SetRequest{{Name: "stop-writes-on-bgsave-error", Value: "yes"}}, true)
	s.hook = nil
	if r := tn.do("BGSAVE"); r != "+Background saving started\r\n" {
		t.Fatalf("BGSAVE = %q", r)
	}
	s.WaitBG()
	if s.DiskError() {
		t.Fatal("disk error after a good BGSAVE")
	}
}
