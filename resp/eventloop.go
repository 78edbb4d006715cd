package resp

import (
	"bytes"
	"sync/atomic"
	"time"

	"github.com/flect-kv/flect/engine"
)

// Event loop statistics (INFO stats eventloop_*, INFO debug). flect has
// no single event loop: every connection runs its own read, execute,
// reply cycle, and a cron ticks ten times a second. Their counterparts of
// Valkey's figures are: a cycle is a read that woke a connection, or a
// cron tick; a cycle's duration is the time spent executing commands (or
// the tick); eventloop_duration_max and eventloop_cmd_per_cycle_max are the
// longest command and the most commands run from one read.

// eventLoopStats are the counters the rest of INFO does not keep already.
type eventLoopStats struct {
	cronCycles     atomic.Int64
	cronUsec       atomic.Int64
	maxUsec        atomic.Int64
	cmdPerCycleMax atomic.Int64
}

func (e *eventLoopStats) reset() {
	e.cronCycles.Store(0)
	e.cronUsec.Store(0)
	e.maxUsec.Store(0)
	e.cmdPerCycleMax.Store(0)
}

// storeMax raises v to n.
func storeMax(v *atomic.Int64, n int64) {
	for {
		cur := v.Load()
		if n <= cur || v.CompareAndSwap(cur, n) {
			return
		}
	}
}

// trackCycle accounts for a command of the session's current cycle (the
// commands run since its last read). It costs two loads of rarely written
// counters.
func (s *session) trackCycle() {
	el := &s.srv.x.el
	if r := s.rd.reads; r != s.x.elReads {
		s.x.elReads, s.x.elCmds = r, 0
	}
	s.x.elCmds++
	if s.x.elCmds > el.cmdPerCycleMax.Load() {
		storeMax(&el.cmdPerCycleMax, s.x.elCmds)
	}
	if s.ctx.Usec > el.maxUsec.Load() {
		storeMax(&el.maxUsec, s.ctx.Usec)
	}
}

// cronTick records a cron cycle that started at start.
func (e *eventLoopStats) cronTick(start time.Time) {
	e.cronCycles.Add(1)
	e.cronUsec.Add(time.Since(start).Microseconds())
}

// commandUsec is the time spent executing commands, in microseconds, since
// start or CONFIG RESETSTAT.
func (s *Server) commandUsec() int64 {
	var sum int64
	var walk func([]*engine.Command)
	walk = func(cmds []*engine.Command) {
		for _, c := range cmds {
			sum += c.Stats().Usec.Load()
			walk(c.Subcommands)
		}
	}
	walk(s.node.Table().All())
	return sum
}

// eventLoopTotals returns eventloop_cycles, eventloop_duration_sum and
// eventloop_duration_cmd_sum.
func (s *Server) eventLoopTotals() (cycles, usec, cmdUsec int64) {
	el := &s.x.el
	cmdUsec = s.commandUsec()
	return s.x.reads.Load() + el.cronCycles.Load(), cmdUsec + el.cronUsec.Load(), cmdUsec
}

// infoDebug writes INFO debug, a section printed only when asked for by
// name.
func (s *Server) infoDebug(b *bytes.Buffer) {
	el := &s.x.el
	field(b, "# Debug\r\neventloop_duration_aof_sum", 0)
	field(b, "eventloop_duration_cron_sum", el.cronUsec.Load())
	field(b, "eventloop_duration_max", el.maxUsec.Load())
	field(b, "eventloop_cmd_per_cycle_max", el.cmdPerCycleMax.Load())
}
