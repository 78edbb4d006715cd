package engine

import (
	"math"
	"math/rand/v2"
	"testing"
)

// drain advances w to now and returns the due timers.
func drain(w *wheel, now int64) []*timer {
	var out []*timer
	buf := make([]*timer, 7)
	for {
		n := w.advance(now, buf)
		out = append(out, buf[:n]...)
		if n < len(buf) {
			return out
		}
	}
}

func newTimer(key string, deadline int64) *timer {
	return &timer{key: key, deadline: deadline, level: -1}
}

func TestWheelFiresAtDeadline(t *testing.T) {
	const start = 1_700_000_000_000
	deltas := []int64{1, 2, 63, 64, 65, 100, 4095, 4096, 4097, 262143, 262144, 262145,
		1 << 24, 1<<24 + 1, 1 << 30, 1<<30 + 12345, 1 << 36, 1<<36 + 7, 1 << 40}
	for _, d := range deltas {
		w := newWheel(start)
		tm := newTimer("k", start+d)
		w.add(tm)
		if got := drain(w, start+d-1); len(got) != 0 {
			t.Fatalf("delta %d: fired %d ms early", d, 1)
		}
		got := drain(w, start+d)
		if len(got) != 1 || got[0] != tm {
			t.Fatalf("delta %d: not fired at its deadline (%d timers)", d, len(got))
		}
		if w.n != 0 || tm.level != -1 {
			t.Fatalf("delta %d: timer still linked", d)
		}
	}
}

func TestWheelPastAndFarDeadlines(t *testing.T) {
	const start = 1_700_000_000_000
	w := newWheel(start)
	past := newTimer("past", start-5000)
	w.add(past)
	if got := drain(w, start+1); len(got) != 1 || got[0] != past {
		t.Fatal("a deadline already passed must fire on the next advance")
	}
	// Beyond the wheel's horizon (64^7 ms, about 139 years): parked and
	// re-armed, never fired early.
	far := newTimer("far", math.MaxInt64)
	farish := newTimer("farish", start+200*365*24*3600*1000)
	w.add(far)
	w.add(farish)
	now := int64(start + 1)
	for i := 0; i < 20; i++ {
		now += 20 * 365 * 24 * 3600 * 1000 // 20 years per jump
		for _, tm := range drain(w, now) {
			if tm.deadline > now {
				t.Fatalf("%s fired %d ms early", tm.key, tm.deadline-now)
			}
			if tm != farish {
				t.Fatalf("unexpected %s", tm.key)
			}
		}
	}
	if farish.level != -1 {
		t.Fatal("200-year timer did not fire after 400 years")
	}
	if far.level < 0 || w.n != 1 {
		t.Fatal("MaxInt64 timer lost")
	}
	w.remove(far)
	if w.n != 0 {
		t.Fatal("remove did not unlink")
	}
	w.remove(far) // removing twice is a no-op
}

// TestWheelModel drives the wheel with random adds, re-arms, removes and
// advances of random size, and checks against a model that every timer
// fires at the first advance reaching its deadline, and only then.
func TestWheelModel(t *testing.T) {
	for seed := uint64(0); seed < 20; seed++ {
		r := rand.New(rand.NewPCG(seed, 7))
		now := int64(1_000_000_000_000 + r.IntN(1<<30))
		w := newWheel(now)
		// live maps a linked timer to the first advance target that must
		// fire it: its deadline, or the wheel's next millisecond for a
		// deadline already passed when it was added.
		live := map[*timer]int64{}
		arm := func(tm *timer) {
			w.add(tm)
			live[tm] = max(tm.deadline, w.cur+1)
		}
		var all []*timer
		buf := make([]*timer, 1+r.IntN(8))
		for step := 0; step < 4000; step++ {
			switch op := r.IntN(10); {
			case op < 4:
				var d int64
				switch r.IntN(4) {
				case 0:
					d = int64(r.IntN(70))
				case 1:
					d = int64(r.IntN(5000))
				case 2:
					d = int64(r.IntN(1 << 26))
				default:
					d = int64(r.IntN(1 << 40))
				}
				tm := newTimer("k", now+d-10)
				arm(tm)
				all = append(all, tm)
			case op < 6 && len(all) > 0:
				tm := all[r.IntN(len(all))]
				w.remove(tm)
				tm.deadline = now + int64(r.IntN(100000))
				arm(tm)
			case op < 7 && len(all) > 0:
				tm := all[r.IntN(len(all))]
				w.remove(tm)
				delete(live, tm)
			default:
				switch r.IntN(3) {
				case 0:
					now += int64(r.IntN(20))
				case 1:
					now += int64(r.IntN(10000))
				default:
					now += int64(r.IntN(1 << 28))
				}
				for {
					n := w.advance(now, buf)
					for _, tm := range buf[:n] {
						if _, ok := live[tm]; !ok {
							t.Fatalf("seed %d: a removed timer fired", seed)
						}
						if tm.deadline > now {
							t.Fatalf("seed %d: fired %d ms early", seed, tm.deadline-now)
						}
						delete(live, tm)
					}
					if n < len(buf) {
						break
					}
				}
				for _, due := range live {
					if due <= now {
						t.Fatalf("seed %d: timer %d ms overdue not fired", seed, now-due)
					}
				}
			}
			if w.n != len(live) {
				t.Fatalf("seed %d: wheel holds %d timers, model %d", seed, w.n, len(live))
			}
		}
	}
}

// TestWheelCostFollowsExpiries checks the wheel's work: with a million
// timers far in the future and a few near ones, advancing in 10 ms cycles
// visits a bounded number of slots per cycle and never touches the far
// timers more than their few cascades.
func TestWheelCostFollowsExpiries(t *testing.T) {
	n := 1_000_000
	if testing.Short() {
		n = 100_000
	}
	const start = 1_700_000_000_000
	w := newWheel(start)
	r := rand.New(rand.NewPCG(1, 1))
	for i := 0; i < n; i++ {
		// Between one and two days away.
		w.add(newTimer("far", start+86_400_000+int64(r.IntN(86_400_000))))
	}
	near := 50
	for i := 0; i < near; i++ {
		w.add(newTimer("near", start+int64(1+r.IntN(10_000))))
	}
	w.stats = wheelStats{}
	fired := 0
	buf := make([]*timer, 256)
	// 1000 cycles of 10 ms: ten seconds.
	now := int64(start)
	for cycle := 0; cycle < 1000; cycle++ {
		now += 10
		for {
			k := w.advance(now, buf)
			fired += k
			if k < len(buf) {
				break
			}
		}
	}
	if fired != near {
		t.Fatalf("fired %d, want %d", fired, near)
	}
	t.Logf("%d timers, 10 s in 10 ms cycles: %d slot steps, %d cascades", n+near, w.stats.steps, w.stats.cascaded)
	// At most one step per elapsed millisecond.
	if w.stats.steps > 10_000 {
		t.Errorf("%d slot steps for 10 s", w.stats.steps)
	}
	// The far timers sit on high levels; ten seconds cascade at most the
	// few whose level-2 or level-3 slot comes up, not the million.
	if w.stats.cascaded > int64(n)/50 {
		t.Errorf("%d cascades for %d far timers in 10 s", w.stats.cascaded, n)
	}
	if w.n != n {
		t.Fatalf("%d timers left, want %d", w.n, n)
	}
}

// TestWheelClockJump checks that a jump of years costs few steps.
func TestWheelClockJump(t *testing.T) {
	const start = 1_700_000_000_000
	w := newWheel(start)
	w.add(newTimer("a", start+5*365*86_400_000))
	w.add(newTimer("b", start+1000))
	w.stats = wheelStats{}
	got := drain(w, start+10*365*86_400_000)
	if len(got) != 2 {
		t.Fatalf("fired %d of 2", len(got))
	}
	if w.stats.steps > 5000 {
		t.Errorf("a ten-year jump took %d steps", w.stats.steps)
	}
	// An empty wheel jumps at once.
	w.stats = wheelStats{}
	drain(w, start+20*365*86_400_000)
	if w.stats.steps != 0 {
		t.Errorf("empty wheel took %d steps", w.stats.steps)
	}
}

// TestWheelStopMidSlot checks that a full output buffer leaves the rest of
// a slot for the next call, including timers that cascade into it.
func TestWheelStopMidSlot(t *testing.T) {
	const start = 1_700_000_000_000 - 1_700_000_000_000%64
	w := newWheel(start)
	var want []*timer
	for i := 0; i < 10; i++ {
		tm := newTimer("same", start+128)
		w.add(tm)
		want = append(want, tm)
	}
	late := newTimer("late", start+191)
	buf := make([]*timer, 3)
	total := 0
	n := w.advance(start+128, buf)
	total += n
	// While stopped mid-slot, a timer lands in the level-1 slot being
	// cascaded; it must still come out on time.
	w.add(late)
	for n == len(buf) {
		n = w.advance(start+128, buf)
		total += n
	}
	if total != len(want) {
		t.Fatalf("got %d of %d timers of the slot", total, len(want))
	}
	if got := drain(w, start+190); len(got) != 0 {
		t.Fatal("late fired early")
	}
	if got := drain(w, start+191); len(got) != 1 || got[0] != late {
		t.Fatal("late did not fire at its deadline")
	}
}

func BenchmarkWheelAddRemove(b *testing.B) {
	w := newWheel(1_700_000_000_000)
	tm := newTimer("k", 0)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		tm.deadline = 1_700_000_000_000 + int64(i%100000)
		w.add(tm)
		w.remove(tm)
	}
}
