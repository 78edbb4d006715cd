package engine

import "math"

// A hierarchical timing wheel drives active expiry. Each volatile key owns a
// timer linked into one slot; advancing the wheel costs at most one slot
// visit per elapsed millisecond, skips stretches where the lower levels are
// empty (so a clock jump of years costs a few hundred steps), plus the
// timers that come due or cascade, so expiry work follows the keys that
// expire, not the keyspace size.

const (
	wheelBits   = 6
	wheelSlots  = 1 << wheelBits
	wheelMask   = wheelSlots - 1
	wheelLevels = 7 // 64^7 ms is about 139 years; later deadlines re-arm
)

// timer is a volatile key's registration in the wheel. Guarded by the
// wheel's owner (the namespace's wheel lock).
type timer struct {
	prev, next *timer
	deadline   int64 // unix ms
	level      int8  // -1 when not linked
	slot       uint8
	// maxAt is set for a key whose deadline is math.MaxInt64
	// (setExpireAt).
	maxAt bool
	key   string
}

// setExpireAt sets the deadline of a key's timer for the key's deadline
// at (unix ms): a key lives through at's millisecond and expires once now
// is past it, so the timer fires at at+1.
func (t *timer) setExpireAt(at int64) {
	t.maxAt = at == math.MaxInt64
	t.deadline = at
	if !t.maxAt {
		t.deadline = at + 1
	}
}

// expireAt returns the key deadline setExpireAt was given.
func (t *timer) expireAt() int64 {
	if t.maxAt {
		return math.MaxInt64
	}
	return t.deadline - 1
}

type timerList struct{ head *timer }

func (l *timerList) push(t *timer) {
	t.prev = nil
	t.next = l.head
	if l.head != nil {
		l.head.prev = t
	}
	l.head = t
}

func (l *timerList) remove(t *timer) {
	if t.prev != nil {
		t.prev.next = t.next
	} else {
		l.head = t.next
	}
	if t.next != nil {
		t.next.prev = t.prev
	}
	t.prev, t.next = nil, nil
}

// wheel is not safe for concurrent use.
type wheel struct {
	cur    int64 // every deadline <= cur has been handed out
	slots  [wheelLevels][wheelSlots]timerList
	counts [wheelLevels]int
	n      int
	stats  wheelStats
}

func newWheel(now int64) *wheel { return &wheel{cur: now} }

// add links t, whose deadline is set. A deadline already passed is linked
// into the slot that the next advance visits first.
func (w *wheel) add(t *timer) { w.place(t, w.cur+1) }

// place links t into the slot for its deadline, or for earliest if the
// deadline is before it. Cascades place with earliest = cur: their level-0
// slot for cur is processed right after.
func (w *wheel) place(t *timer, earliest int64) {
	d := t.deadline
	if d < earliest {
		d = earliest
	}
	level := 0
	for ; level < wheelLevels-1; level++ {
		shift := uint(level * wheelBits)
		if (d>>shift)-(w.cur>>shift) < wheelSlots {
			break
		}
	}
	shift := uint(level * wheelBits)
	slot := uint8((d >> shift) & wheelMask)
	if level == wheelLevels-1 && (d>>shift)-(w.cur>>shift) >= wheelSlots {
		// Beyond the wheel's horizon: park in the farthest slot and re-arm
		// when it cascades.
		slot = uint8(((w.cur >> shift) - 1) & wheelMask)
	}
	t.level, t.slot = int8(level), slot
	w.slots[level][slot].push(t)
	w.counts[level]++
	w.n++
}

// remove unlinks t if it is linked.
func (w *wheel) remove(t *timer) {
	if t.level < 0 {
		return
	}
	w.slots[t.level][t.slot].remove(t)
	w.counts[t.level]--
	w.n--
	t.level = -1
}

// advance moves the wheel towards now, unlinking the timers whose deadline
// is at or before now into out. It stops early when out is full and returns
// how many it stored; call it again to continue (a full out means there may
// be more).
func (w *wheel) advance(now int64, out []*timer) int {
	n := 0
	for w.cur < now {
		if w.n == 0 {
			w.cur = now
			return n
		}
		if w.counts[0] == 0 {
			// Nothing happens before the next turn of the lowest
			// non-empty level: jump to just before it.
			k := 1
			for k < wheelLevels-1 && w.counts[k] == 0 {
				k++
			}
			end := w.cur | (int64(1)<<uint(k*wheelBits) - 1)
			if end > now {
				end = now
			}
			if end > w.cur {
				w.cur = end
				continue
			}
		}
		w.cur++
		w.stats.steps++
		// Cascade the higher levels whose turn starts now. Doing it again
		// after a stop below is harmless: a slot's timers re-add relative
		// to the same cur.
		for level := 1; level < wheelLevels; level++ {
			if (w.cur>>uint((level-1)*wheelBits))&wheelMask != 0 {
				break
			}
			slot := (w.cur >> uint(level*wheelBits)) & wheelMask
			l := &w.slots[level][slot]
			for t := l.head; t != nil; {
				next := t.next
				l.remove(t)
				w.counts[level]--
				w.n--
				t.level = -1
				w.place(t, w.cur)
				w.stats.cascaded++
				t = next
			}
		}
		l := &w.slots[0][w.cur&wheelMask]
		for t := l.head; t != nil; {
			if n == len(out) {
				// Finish this slot on the next call.
				w.cur--
				return n
			}
			next := t.next
			l.remove(t)
			w.counts[0]--
			w.n--
			t.level = -1
			if t.deadline > w.cur {
				// Parked beyond the horizon: re-arm.
				w.add(t)
			} else {
				out[n] = t
				n++
			}
			t = next
		}
	}
	return n
}

// wheelStats count the wheel's work, for tests of its cost.
type wheelStats struct {
	steps    int64 // millisecond steps taken (not skipped)
	cascaded int64 // timers moved down a level
}
