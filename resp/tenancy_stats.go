package resp

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/flect-kv/flect/engine"
)

// INFO stats figures of a store's clients that the node keeps per
// connection or per node: the store's connections received, network
// bytes, and instantaneous ops/s and kbps, sampled as the node's are
// (instMetrics in info.go): every 100ms, the change since the previous
// sample, averaged over the last instSamples samples. The sampler starts
// with the first store that has a front-end state and stops with the
// server.

// storeNet is a store's share of the connection figures.
type storeNet struct {
	// conns counts the connections bound to the store
	// (total_connections_received).
	conns atomic.Int64
	// in and out are the bytes of the connections that left the store
	// (closed, or bound elsewhere); live ones are added when asked.
	in, out atomic.Int64
}

// Indexes of the sampled series.
const (
	rateOps = iota
	rateIn
	rateOut
	rateSeries
)

// rateSampler is one store's recent rates.
type rateSampler struct {
	mu      sync.Mutex
	started bool
	prev    [rateSeries]int64 // the totals at the last sample
	last    time.Time
	samples [instSamples][rateSeries]float64
	n       int
}

// sample records the change of the totals since the previous sample.
func (o *rateSampler) sample(cur [rateSeries]int64, now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.started {
		o.started, o.prev, o.last = true, cur, now
		return
	}
	dt := now.Sub(o.last).Seconds()
	if dt <= 0 {
		return
	}
	smp := &o.samples[o.n%instSamples]
	for i := range cur {
		smp[i] = float64(max(cur[i]-o.prev[i], 0)) / dt
	}
	o.n++
	o.prev, o.last = cur, now
}

// rates returns the averaged per-second commands, input and output
// bytes.
func (o *rateSampler) rates() (r [rateSeries]float64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, smp := range o.samples {
		for i, v := range smp {
			r[i] += v
		}
	}
	for i := range r {
		r[i] /= instSamples
	}
	return r
}

// storeRateInterval is the sampling period of stores' rates.
const storeRateInterval = 100 * time.Millisecond

// sampleStoreOps samples every store's totals until the server stops;
// storeState starts it once.
func (s *Server) sampleStoreOps() {
	t := time.NewTicker(storeRateInterval)
	defer t.Stop()
	for {
		select {
		case <-s.x.stop:
			return
		case now := <-t.C:
			states := s.kv.storeStates()
			if len(states) == 0 {
				continue
			}
			live := s.liveNet()
			for _, ss := range states {
				in, out := ss.net.in.Load(), ss.net.out.Load()
				l := live[ss]
				ss.rates.sample([rateSeries]int64{ss.st.Namespace().Stats.Commands.Load(), in + l[0], out + l[1]}, now)
			}
		}
	}
}

// liveNet returns the network bytes the connected clients of each store
// moved since they bound to it.
func (s *Server) liveNet() map[*storeState][2]int64 {
	out := map[*storeState][2]int64{}
	for _, sess := range s.sessionList() {
		ss := sess.kv.shared.Load()
		if ss == nil {
			continue
		}
		v := out[ss]
		v[0] += sess.x.netIn.Load() - sess.kv.netInBase.Load()
		v[1] += sess.x.netOut.Load() - sess.kv.netOutBase.Load()
		out[ss] = v
	}
	return out
}

// netBind moves a session's network figures from the store it leaves to
// the one it binds to (either may be nil, the default namespace); the
// session's own goroutine calls it.
func (s *session) netBind(from, to *storeState) {
	if from == to {
		return
	}
	in, out := s.x.netIn.Load(), s.x.netOut.Load()
	if from != nil {
		from.net.in.Add(in - s.kv.netInBase.Load())
		from.net.out.Add(out - s.kv.netOutBase.Load())
	}
	s.kv.netInBase.Store(in)
	s.kv.netOutBase.Store(out)
	s.kv.shared.Store(to)
	if to != nil {
		to.net.conns.Add(1)
	}
}

// statsView are INFO stats figures as a client of a namespace sees them.
type statsView struct {
	conns, netIn, netOut int64
	ops, inRate, outRate float64
}

// storeStatsView returns INFO stats' connection and rate figures for a
// client of ns: node is the node's, shown to the default namespace; a
// store's client sees its store's.
func (s *Server) storeStatsView(ns *engine.Namespace, node statsView) statsView {
	if ns == s.node.Default() {
		return node
	}
	st := s.kv.reg.Get(ns.Name())
	if st == nil || st.Namespace() != ns {
		return statsView{}
	}
	ss := s.storeState(st)
	v := statsView{conns: ss.net.conns.Load(), netIn: ss.net.in.Load(), netOut: ss.net.out.Load()}
	for _, sess := range s.storeSessions(st) {
		if sess.kv.shared.Load() == ss {
			v.netIn += sess.x.netIn.Load() - sess.kv.netInBase.Load()
			v.netOut += sess.x.netOut.Load() - sess.kv.netOutBase.Load()
		}
	}
	r := ss.rates.rates()
	v.ops, v.inRate, v.outRate = r[rateOps], r[rateIn], r[rateOut]
	return v
}

// opsPerSec is a store's instantaneous_ops_per_sec (FLECT.KV INFO).
func (ss *storeState) opsPerSec() float64 { return ss.rates.rates()[rateOps] }

// resetStoreStats clears the statistics the front end keeps per store, as
// CONFIG RESETSTAT clears the node's: command, error and latency
// statistics, connections received, commands processed and network bytes
// (the live connections' count from now).
func (s *Server) resetStoreStats() {
	for _, in := range s.kv.reg.List() {
		in.Namespace.Stats.Commands.Store(0)
		in.Namespace.ResetCommandStats()
	}
	states := s.kv.storeStates()
	for _, ss := range states {
		ss.errs.reset()
		ss.lat.reset()
		ss.net.conns.Store(0)
		ss.net.in.Store(0)
		ss.net.out.Store(0)
		ss.rates.mu.Lock()
		ss.rates.samples = [instSamples][rateSeries]float64{}
		ss.rates.mu.Unlock()
	}
	for ss, l := range s.liveNet() {
		ss.net.in.Add(-l[0])
		ss.net.out.Add(-l[1])
	}
}

// storeLatency is a store's per-command latency histograms, indexed by
// command ID, allocated by the store's first command.
type storeLatency struct {
	slots atomic.Pointer[[]cmdLatency]
}

// slot returns the histogram slot of cmd.
func (l *storeLatency) slot(s *Server, cmd *engine.Command) *cmdLatency {
	p := l.slots.Load()
	for p == nil || cmd.ID() >= len(*p) {
		// The table is complete once clients connect: a larger table
		// than the slots (never seen) starts the histograms afresh.
		fresh := make([]cmdLatency, max(s.node.Table().Len(), cmd.ID()+1))
		if l.slots.CompareAndSwap(p, &fresh) {
			p = &fresh
		} else {
			p = l.slots.Load()
		}
	}
	return &(*p)[cmd.ID()]
}

// reset drops every histogram of the store (CONFIG RESETSTAT).
func (l *storeLatency) reset() {
	if p := l.slots.Load(); p != nil {
		for i := range *p {
			(*p)[i].h.Store(nil)
		}
	}
}

// latencySlotsOf returns the histogram slot of a command that INFO
// latencystats shows a client of ns: the node's, or a store's own.
func (s *Server) latencySlotsOf(ns *engine.Namespace) func(*engine.Command) *cmdLatency {
	if ns == s.node.Default() {
		slots := s.x.lat.slots(s)
		return func(c *engine.Command) *cmdLatency { return slots[c] }
	}
	st := s.kv.reg.Get(ns.Name())
	if st == nil || st.Namespace() != ns {
		return func(*engine.Command) *cmdLatency { return nil }
	}
	ss := s.storeState(st)
	return func(c *engine.Command) *cmdLatency { return ss.lat.slot(s, c) }
}
