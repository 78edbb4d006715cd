package engine

import (
	"context"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"time"
)

// Background eviction and Go runtime tuning. When a command's eviction
// runs out of time (EvictRunning), its namespace is handed to the node's
// eviction loop, which evicts in steps of at most a millisecond, letting
// other clients in between, until the namespace is within its limits
// (Valkey's evictionTimeProc). The loop also checks every
// evictCheckInterval for limits passed without a command to notice (a
// lowered maxmemory, a new quota).
//
// The Go runtime's memory limit follows maxmemory, so that the collector
// works harder as the heap nears the limit instead of letting garbage
// double it: the process's resident memory stays close to maxmemory.

// evictCheckInterval is how often the loop looks for namespaces over
// their limits.
const evictCheckInterval = 100 * time.Millisecond

// evictStepBudget bounds one background step.
const evictStepBudget = time.Millisecond

// gcHeadroom is the share of maxmemory the Go runtime may use beyond it
// for garbage and its own structures: its memory limit is maxmemory plus
// this fraction. Below gcMinMaxmemory the runtime's own baseline
// dominates and no limit is set. gcReservePermille is the share of the
// keyspace counted in used_memory for the collector's working room
// (Node.GCReserve), so that the live heap stays that far below the
// limit.
//
// Measured with 4M SETs of 200-byte values at maxmemory 100mb,
// allkeys-lru (Go 1.26, 2 cores): reserve 20%, headroom 10% held 286k
// keys at 174k SET/s; 10% and 15% hold 314k keys at 153k SET/s, with
// the process's anonymous memory at 1.10x maxmemory; 3% and 10% ran the
// collector near its CPU cap and overshot the limit.
const (
	gcHeadroom        = 0.15
	gcMinMaxmemory    = 32 << 20
	gcReservePermille = 100
)

// evictLoop is the background eviction state.
type evictLoop struct {
	mu      sync.Mutex
	pending map[*Namespace]struct{}
	kick    chan struct{}
	// memLimit is the runtime memory limit flect set (0: none); envLimit
	// is set when GOMEMLIMIT is in the environment, which then wins.
	memLimit int64
	envLimit bool
	envRead  bool
}

// wake returns the loop's wake-up channel.
func (l *evictLoop) wake() chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.kick == nil {
		l.kick = make(chan struct{}, 1)
	}
	return l.kick
}

// kickEviction hands ns to the background loop.
func (n *Node) kickEviction(ns *Namespace) {
	l := &n.mem.bg
	l.mu.Lock()
	if l.pending == nil {
		l.pending = map[*Namespace]struct{}{}
	}
	l.pending[ns] = struct{}{}
	l.mu.Unlock()
	select {
	case l.wake() <- struct{}{}:
	default:
	}
}

// evictBackground is the eviction loop; Run starts it.
func (n *Node) evictBackground(ctx context.Context) {
	t := time.NewTicker(evictCheckInterval)
	defer t.Stop()
	wake := n.mem.bg.wake()
	defer n.releaseGC()
	for {
		check := false
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-t.C:
			check = true
			n.MemoryOverhead()
			n.UsedMemory() // keeps the peak current
		}
		for _, ns := range n.evictTargets(check) {
			n.evictFully(ctx, ns)
		}
	}
}

// evictTargets returns the namespaces handed to the loop, and with check
// those over their limits.
func (n *Node) evictTargets(check bool) []*Namespace {
	l := &n.mem.bg
	l.mu.Lock()
	var out []*Namespace
	for ns := range l.pending {
		out = append(out, ns)
		delete(l.pending, ns)
	}
	l.mu.Unlock()
	if !check {
		return out
	}
	for _, ns := range n.Namespaces() {
		if ns.MemoryLimited() && ns.policy().evicts() && ns.OverLimit() {
			out = append(out, ns)
		}
	}
	return out
}

// evictFully evicts from ns in bounded steps until it is within its
// limits, nothing is left to evict, or ctx ends.
func (n *Node) evictFully(ctx context.Context, ns *Namespace) {
	budget := min(n.evictionTimeLimit(), evictStepBudget)
	ev := &ns.mem.ev
	for ctx.Err() == nil {
		ev.mu.Lock()
		r := ns.evictLocked(budget)
		if r != EvictRunning {
			ev.bg = false
		}
		ev.mu.Unlock()
		if r != EvictRunning {
			ns.noteEviction(r)
			return
		}
		runtime.Gosched()
	}
}

// memoryChanged runs when maxmemory or the policy changes: the runtime's
// memory limit follows, and the loop checks the limits at once.
func (n *Node) memoryChanged() {
	n.tuneGC()
	select {
	case n.mem.bg.wake() <- struct{}{}:
	default:
	}
	if n.def != nil && n.def.policy().evicts() && n.def.OverLimit() {
		n.kickEviction(n.def)
	}
}

// tuneGC sets the Go runtime's soft memory limit to maxmemory plus
// gcHeadroom (or removes the limit flect set when maxmemory is 0). A
// GOMEMLIMIT in the environment is left alone.
func (n *Node) tuneGC() {
	l := &n.mem.bg
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.envRead {
		_, l.envLimit = os.LookupEnv("GOMEMLIMIT")
		l.envRead = true
	}
	if l.envLimit {
		return
	}
	mm := n.Maxmemory()
	switch {
	case mm < gcMinMaxmemory || mm > math.MaxInt64/2:
		if l.memLimit != 0 {
			debug.SetMemoryLimit(math.MaxInt64)
			l.memLimit = 0
			n.mem.gcReserve.Store(0)
		}
	default:
		limit := int64(float64(mm) * (1 + gcHeadroom))
		if limit != l.memLimit {
			debug.SetMemoryLimit(limit)
			l.memLimit = limit
			n.mem.gcReserve.Store(gcReservePermille)
		}
	}
}

// releaseGC removes the runtime memory limit the node set, when it stops.
func (n *Node) releaseGC() {
	l := &n.mem.bg
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.memLimit != 0 {
		debug.SetMemoryLimit(math.MaxInt64)
		l.memLimit = 0
		n.mem.gcReserve.Store(0)
	}
}

// RuntimeMemoryLimit returns the Go runtime memory limit flect set from
// maxmemory, 0 when none.
func (n *Node) RuntimeMemoryLimit() int64 {
	l := &n.mem.bg
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.memLimit
}
