package script

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync"
	"time"
)

// The memory watchdog. Lua in Valkey allocates without limit and fails
// allocations with "not enough memory"; a Go process instead dies when an
// allocation fails. So while a script runs for longer than a tick, the
// watchdog watches the heap and stops the script once the live heap has
// grown by more than Options.MaxMemory since the last collection before
// the script's first tick. Garbage counts in the heap until collected, so
// a heap past the mark is collected before it is judged, and the mark
// then moves up by the limit (bounding forced collections to one per
// limit's worth of allocation). Scripts that finish within a tick cost one
// timer.

// watchTick is the watchdog's sampling period.
const watchTick = 10 * time.Millisecond

// Heap metrics: live and not yet swept objects, and the live heap as of
// the last collection.
const (
	heapObjects = "/memory/classes/heap/objects:bytes"
	heapLive    = "/gc/heap/live:bytes"
)

// watchdog watches one run.
type watchdog struct {
	mu       sync.Mutex
	timer    *time.Timer
	stopped  bool
	limit    uint64
	baseLive uint64 // live heap before the script grew it
	mark     uint64 // heap size that calls for a collection
	started  bool
	cancel   context.CancelCauseFunc
	samples  [2]metrics.Sample
}

// startWatchdog starts watching a run that cancel stops; nil when the
// limit is disabled.
func (c *Cache) startWatchdog(cancel context.CancelCauseFunc) *watchdog {
	if c.opts.MaxMemory < 0 {
		return nil
	}
	w := &watchdog{limit: uint64(c.opts.MaxMemory), cancel: cancel}
	w.samples[0].Name = heapObjects
	w.samples[1].Name = heapLive
	w.mu.Lock() // the first tick may come before the timer is stored
	w.timer = time.AfterFunc(watchTick, w.tick)
	w.mu.Unlock()
	return w
}

// read returns the heap's objects and last live size.
func (w *watchdog) read() (objects, live uint64) {
	metrics.Read(w.samples[:])
	if w.samples[0].Value.Kind() == metrics.KindUint64 {
		objects = w.samples[0].Value.Uint64()
	}
	if w.samples[1].Value.Kind() == metrics.KindUint64 {
		live = w.samples[1].Value.Uint64()
	}
	return objects, live
}

func (w *watchdog) tick() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	objects, live := w.read()
	if !w.started {
		w.started = true
		w.baseLive = live
		w.mark = live + w.limit
	}
	if objects > w.mark {
		runtime.GC()
		objects, live = w.read()
		if live > w.baseLive+w.limit {
			w.cancel(errOutOfMemory)
			return
		}
		w.mark = objects + w.limit
	}
	w.timer.Reset(watchTick)
}

// stop ends the watch; safe on a nil watchdog.
func (w *watchdog) stop() {
	if w == nil {
		return
	}
	w.mu.Lock()
	w.stopped = true
	w.timer.Stop()
	w.mu.Unlock()
}
