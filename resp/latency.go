package resp

import (
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flect-kv/flect/engine"
)

// Latency instrumentation, as Valkey's latency.c and the latency parts of
// server.c: per-command latency histograms (latency-tracking, read by INFO
// latencystats and LATENCY HISTOGRAM) and the latency monitor, which
// keeps the latest spikes of every event class over
// latency-monitor-threshold milliseconds (LATENCY LATEST, HISTORY, GRAPH,
// DOCTOR, RESET). flect's event classes are "command" and "fast-command".

// latencyState is the server's latency instrumentation.
type latencyState struct {
	// tracking is latency-tracking; percentiles is
	// latency-tracking-info-percentiles; threshold is
	// latency-monitor-threshold in milliseconds (0: monitor off).
	tracking    atomic.Bool
	percentiles atomic.Pointer[[]float64]
	threshold   atomic.Int64

	// byCmd holds a histogram slot for every command of the table, built
	// on first use (the table is complete once the server runs).
	once  sync.Once
	byCmd map[*engine.Command]*cmdLatency

	mu     sync.Mutex
	events map[string]*latencySeries
}

// cmdLatency is one command's histogram, created by its first call after
// start or CONFIG RESETSTAT.
type cmdLatency struct {
	h atomic.Pointer[hdrHist]
}

// latencyTSLen is Valkey's LATENCY_TS_LEN: samples kept per event.
const latencyTSLen = 160

// latencySample is one second's worst latency of an event.
type latencySample struct {
	time    int64 // unix seconds; 0 for an unused slot
	latency int64 // milliseconds
}

// latencySeries is an event's recent samples, a ring, and its all time
// maximum.
type latencySeries struct {
	idx     int
	max     int64
	samples [latencyTSLen]latencySample
}

func (l *latencyState) init() {
	l.tracking.Store(true)
	p := []float64{50, 99, 99.9}
	l.percentiles.Store(&p)
	l.events = map[string]*latencySeries{}
}

// slots maps every command of s's table to its histogram slot.
func (l *latencyState) slots(s *Server) map[*engine.Command]*cmdLatency {
	l.once.Do(func() {
		m := map[*engine.Command]*cmdLatency{}
		var walk func([]*engine.Command)
		walk = func(cmds []*engine.Command) {
			for _, c := range cmds {
				m[c] = &cmdLatency{}
				walk(c.Subcommands)
			}
		}
		walk(s.node.Table().All())
		l.byCmd = m
	})
	return l.byCmd
}

// recordLatency accounts for a command of sess that ran for usec
// microseconds: its histogram, and the latency monitor. A session
// remembers the slot of its last command, so a run of the same command
// costs no map lookup.
func (s *session) recordLatency(cmd *engine.Command, usec int64) {
	l := &s.srv.x.lat
	if l.tracking.Load() {
		slot := s.x.latSlot
		if s.x.latCmd != cmd {
			slot = l.slots(s.srv)[cmd]
			s.x.latCmd, s.x.latSlot = cmd, slot
		}
		if slot != nil {
			slot.record(usec)
		}
		if ss := s.kv.state; ss != nil { // a store's own (tenancy_stats.go)
			ss.lat.slot(s.srv, cmd).record(usec)
		}
	}
	if t := l.threshold.Load(); t > 0 && usec/1000 >= t {
		event := "command"
		if cmd.Has(engine.Fast) {
			event = "fast-command"
		}
		l.addSample(event, usec/1000, time.Now().Unix())
	}
}

// record adds a call of usec microseconds to the histogram, creating it.
func (slot *cmdLatency) record(usec int64) {
	h := slot.h.Load()
	if h == nil {
		h = new(hdrHist)
		if !slot.h.CompareAndSwap(nil, h) {
			h = slot.h.Load()
		}
	}
	// Valkey records the duration in microseconds, scaled to nanoseconds.
	h.record(usec * 1000)
}

// resetHistograms drops every command's histogram (CONFIG RESETSTAT).
func (l *latencyState) resetHistograms(s *Server) {
	for _, slot := range l.slots(s) {
		slot.h.Store(nil)
	}
}

// addSample records a latency of event, in milliseconds, at unix time now,
// keeping the worst of each second.
func (l *latencyState) addSample(event string, ms, now int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.events[event]
	if ts == nil {
		ts = &latencySeries{}
		l.events[event] = ts
	}
	ts.max = max(ts.max, ms)
	prev := &ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen]
	if prev.time == now {
		prev.latency = max(prev.latency, ms)
		return
	}
	ts.samples[ts.idx] = latencySample{time: now, latency: ms}
	ts.idx = (ts.idx + 1) % latencyTSLen
}

// series returns a copy of event's series, or nil.
func (l *latencyState) series(event string) *latencySeries {
	l.mu.Lock()
	defer l.mu.Unlock()
	ts := l.events[event]
	if ts == nil {
		return nil
	}
	c := *ts
	return &c
}

// eventNames returns the events with samples, sorted.
func (l *latencyState) eventNames() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	names := make([]string, 0, len(l.events))
	for n := range l.events {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// ordered returns the series' samples, oldest first.
func (ts *latencySeries) ordered() []latencySample {
	var out []latencySample
	for j := 0; j < latencyTSLen; j++ {
		smp := ts.samples[(ts.idx+j)%latencyTSLen]
		if smp.time != 0 {
			out = append(out, smp)
		}
	}
	return out
}

// Configuration parameters.

func (s *Server) registerLatencyParams() {
	cfg := s.node.Config
	l := &s.x.lat
	cfg.Register(engine.NewBoolParam("latency-tracking", nil, 0, true, &l.tracking, nil))
	cfg.Register(&engine.Param{
		Name: "latency-tracking-info-percentiles",
		Get:  func() string { return formatPercentiles(*l.percentiles.Load()) },
		Set: func(v string) error {
			p, err := parsePercentiles(v)
			if err != nil {
				return err
			}
			l.percentiles.Store(&p)
			return nil
		},
	})
	cfg.Register(engine.NewNumParam(engine.NumParam{Name: "latency-monitor-threshold", Min: 0, Max: 1<<63 - 1}, &l.threshold))
}

// parsePercentiles reads latency-tracking-info-percentiles as Valkey does:
// values separated by single spaces, each a double within [0, 100]; ""
// means none.
func parsePercentiles(v string) ([]float64, error) {
	if v == "" {
		return []float64{}, nil
	}
	parts := strings.Split(v, " ")
	out := make([]float64, 0, len(parts))
	for _, p := range parts {
		f, ok := engine.ParseDouble([]byte(p))
		if !ok {
			return nil, paramErr("Invalid latency-tracking-info-percentiles parameters")
		}
		if f > 100 || f < 0 {
			return nil, paramErr("latency-tracking-info-percentiles parameters should sit between [0.0,100.0]")
		}
		out = append(out, f)
	}
	return out, nil
}

func formatPercentiles(p []float64) string {
	parts := make([]string, len(p))
	for i, f := range p {
		parts[i] = trimDouble(f)
	}
	return strings.Join(parts, " ")
}

// trimDouble prints f as C's "%f" with the trailing zeros (and a trailing
// dot) removed, as Valkey's trimDoubleString does.
func trimDouble(f float64) string {
	s := strconv.FormatFloat(f, 'f', 6, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

// INFO latencystats

// infoLatencyStats writes INFO latencystats for a client of ns: the
// node's histograms, or a store's own for its clients.
func (s *Server) infoLatencyStats(b *bytes.Buffer, ns *engine.Namespace) {
	b.WriteString("# Latencystats\r\n")
	l := &s.x.lat
	if !l.tracking.Load() {
		return
	}
	slotOf := s.latencySlotsOf(ns) // tenancy_stats.go
	percentiles := *l.percentiles.Load()
	walkCommands(s.node.Table().All(), func(c *engine.Command) {
		slot := slotOf(c)
		if slot == nil {
			return
		}
		h := slot.h.Load()
		if h == nil {
			return
		}
		snap := h.snapshot()
		b.WriteString("latency_percentiles_usec_")
		b.WriteString(safeInfoString(c.FullName()))
		b.WriteByte(':')
		for i, p := range percentiles {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(b, "p%s=%.3f", trimDouble(p), float64(snap.valueAtPercentile(p))/1000)
		}
		b.WriteString("\r\n")
	})
}

// walkCommands calls f for every command and subcommand, by name.
func walkCommands(cmds []*engine.Command, f func(*engine.Command)) {
	for _, c := range cmds {
		f(c)
		if len(c.Subcommands) > 0 {
			subs := append([]*engine.Command(nil), c.Subcommands...)
			sort.Slice(subs, func(i, j int) bool { return subs[i].Name < subs[j].Name })
			walkCommands(subs, f)
		}
	}
}

// LATENCY

func (s *Server) latencyCommands() []*engine.Command {
	const admin = engine.Admin | engine.NoScript | engine.Loading | engine.Stale | engine.NoKeyspace
	return []*engine.Command{
		{Name: "latency", Arity: -2, Group: "server", Subcommands: []*engine.Command{
			{Name: "doctor", Arity: 2, Flags: admin, Run: s.cmdLatencyDoctor},
			{Name: "graph", Arity: 3, Flags: admin, Run: s.cmdLatencyGraph},
			{Name: "histogram", Arity: -2, Flags: admin, Run: s.cmdLatencyHistogram},
			{Name: "history", Arity: 3, Flags: admin, Run: s.cmdLatencyHistory},
			{Name: "latest", Arity: 2, Flags: admin, Run: s.cmdLatencyLatest},
			{Name: "reset", Arity: -2, Flags: admin, Run: s.cmdLatencyReset},
			{Name: "help", Arity: 2, Flags: engine.Loading | engine.Stale | engine.NoKeyspace, Run: cmdLatencyHelp},
		}},
	}
}

func (s *Server) cmdLatencyHistory(c *engine.Ctx) {
	ts := s.x.lat.series(string(c.Args[2]))
	if ts == nil {
		c.R.Array(0)
		return
	}
	samples := ts.ordered()
	c.R.Array(len(samples))
	for _, smp := range samples {
		c.R.Array(2)
		c.R.Int(smp.time)
		c.R.Int(smp.latency)
	}
}

func (s *Server) cmdLatencyLatest(c *engine.Ctx) {
	l := &s.x.lat
	names := l.eventNames()
	c.R.Array(len(names))
	for _, name := range names {
		ts := l.series(name)
		if ts == nil { // reset meanwhile
			ts = &latencySeries{}
		}
		last := ts.samples[(ts.idx+latencyTSLen-1)%latencyTSLen]
		c.R.Array(4)
		c.R.BulkString(name)
		c.R.Int(last.time)
		c.R.Int(last.latency)
		c.R.Int(ts.max)
	}
}

func (s *Server) cmdLatencyReset(c *engine.Ctx) {
	l := &s.x.lat
	l.mu.Lock()
	resets := 0
	if len(c.Args) == 2 {
		resets = len(l.events)
		clear(l.events)
	} else {
		for _, a := range c.Args[2:] {
			for name := range l.events {
				if strings.EqualFold(name, string(a)) {
					delete(l.events, name)
					resets++
				}
			}
		}
	}
	l.mu.Unlock()
	c.R.Int(int64(resets))
}

func (s *Server) cmdLatencyGraph(c *engine.Ctx) {
	event := string(c.Args[2])
	ts := s.x.lat.series(event)
	if ts == nil {
		c.Error(sanitize("ERR No samples available for event '" + event + "'"))
		return
	}
	c.R.Verbatim("txt", latencyGraph(event, ts, time.Now().Unix()))
}

func (s *Server) cmdLatencyDoctor(c *engine.Ctx) {
	c.R.Verbatim("txt", s.latencyReport(time.Now().Unix()))
}

func (s *Server) cmdLatencyHistogram(c *engine.Ctx) {
	l := &s.x.lat
	slots := l.slots(s)
	type entry struct {
		name string
		snap *hdrSnapshot
	}
	var out []entry
	add := func(cmd *engine.Command) {
		if slot := slots[cmd]; slot != nil {
			if h := slot.h.Load(); h != nil {
				out = append(out, entry{cmd.FullName(), h.snapshot()})
			}
		}
	}
	if len(c.Args) == 2 {
		walkCommands(s.node.Table().All(), add)
	} else {
		for _, a := range c.Args[2:] {
			cmd := s.lookupFullName(string(a))
			if cmd == nil {
				continue
			}
			walkCommands([]*engine.Command{cmd}, add)
		}
	}
	c.R.Map(len(out))
	for _, e := range out {
		c.R.BulkString(e.name)
		c.R.Map(2)
		c.R.BulkString("calls")
		c.R.Int(e.snap.total)
		c.R.BulkString("histogram_usec")
		usec, cum := e.snap.cdf()
		c.R.Map(len(usec))
		for i := range usec {
			c.R.Int(usec[i])
			c.R.Int(cum[i])
		}
	}
}

func cmdLatencyHelp(c *engine.Ctx) {
	replyHelp(c, string(c.Args[0]),
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return an ASCII latency graph for the <event> class.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	)
}

// latencyGraphCols is Valkey's LATENCY_GRAPH_COLS.
const latencyGraphCols = 80

// latencyGraph renders LATENCY GRAPH: a header, then the samples as a
// filled sparkline four rows high, each labelled with its age.
func latencyGraph(event string, ts *latencySeries, now int64) string {
	samples := ts.ordered()
	var lo, hi int64
	seq := make([]sparkSample, len(samples))
	for i, smp := range samples {
		if i == 0 {
			lo, hi = smp.latency, smp.latency
		} else {
			lo, hi = min(lo, smp.latency), max(hi, smp.latency)
		}
		elapsed := now - smp.time
		var label string
		switch {
		case elapsed < 60:
			label = strconv.FormatInt(elapsed, 10) + "s"
		case elapsed < 3600:
			label = strconv.FormatInt(elapsed/60, 10) + "m"
		case elapsed < 3600*24:
			label = strconv.FormatInt(elapsed/3600, 10) + "h"
		default:
			label = strconv.FormatInt(elapsed/(3600*24), 10) + "d"
		}
		seq[i] = sparkSample{value: float64(smp.latency), label: label}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s - high %d ms, low %d ms (all time high %d ms)\n", event, hi, lo, ts.max)
	b.WriteString(strings.Repeat("-", latencyGraphCols))
	b.WriteByte('\n')
	sparkline(&b, seq, latencyGraphCols, 4)
	return b.String()
}

// sparkSample is one value of a sparkline and its label ("" for none).
type sparkSample struct {
	value float64
	label string
}

// sparkFill is the fill charset of Valkey's sparkline renderer: from the
// lowest to the highest third of a row.
const sparkFill = "_o#"

// sparkline renders seq as Valkey's sparklineRender with SPARKLINE_FILL:
// rows of height, columns samples per block, labels written vertically
// under their samples.
func sparkline(b *strings.Builder, seq []sparkSample, columns, rows int) {
	if len(seq) == 0 {
		return
	}
	lo, hi := seq[0].value, seq[0].value
	labels := 0
	for i, smp := range seq {
		if i > 0 {
			if smp.value < lo {
				lo = smp.value
			} else if smp.value > hi {
				hi = smp.value
			}
		}
		if smp.label != "" {
			labels++
		}
	}
	for j := 0; j < len(seq); j += columns {
		if j != 0 {
			b.WriteByte('\n')
		}
		sparklineRange(b, seq[j:min(j+columns, len(seq))], lo, hi, labels, rows)
	}
}

func sparklineRange(b *strings.Builder, seq []sparkSample, lo, hi float64, labels, rows int) {
	const labelMarginTop = 1
	relmax := hi - lo
	if relmax == 0 {
		relmax = 1
	}
	steps := len(sparkFill) * rows
	chars := make([]byte, len(seq))
	for row := 0; ; row++ {
		loop := false
		for j := range chars {
			chars[j] = ' '
		}
		for j, smp := range seq {
			step := int(float64(int((smp.value-lo)*float64(steps))) / relmax)
			step = min(max(step, 0), steps-1)
			if row < rows {
				loop = true
				charidx := step - (rows-row-1)*len(sparkFill)
				if charidx >= 0 && charidx < len(sparkFill) {
					chars[j] = sparkFill[charidx]
				} else if charidx >= len(sparkFill) {
					chars[j] = '|'
				}
				continue
			}
			if labels > 0 && row-rows < labelMarginTop {
				loop = true
				break
			}
			if i := row - rows - labelMarginTop; smp.label != "" && len(smp.label) > i {
				loop = true
				chars[j] = smp.label[i]
			}
		}
		if !loop {
			return
		}
		b.Write(chars)
		b.WriteByte('\n')
	}
}

// latencyReport is LATENCY DOCTOR's text, for the event classes flect
// records.
func (s *Server) latencyReport(now int64) string {
	l := &s.x.lat
	names := l.eventNames()
	threshold := l.threshold.Load()
	if len(names) == 0 && threshold == 0 {
		return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Valkey instance. You may " +
			"use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it.\n"
	}
	var b strings.Builder
	var slowlogEnabled, slowlogTuning, slowlogInspect, scheduler, largeObjects, disableTHP bool
	advices, eventnum := 0, 0
	slowerThan, maxLen := s.x.slowlog.getSlowerThan(), s.x.slowlog.getMaxLen()
	for _, name := range names {
		ts := l.series(name)
		if ts == nil {
			continue
		}
		eventnum++
		if eventnum == 1 {
			b.WriteString("Latency spikes are observed in this Valkey instance.\n\n")
		}
		samples := ts.ordered()
		var sum, mad uint64
		var oldest int64
		for _, smp := range samples {
			sum += uint64(smp.latency)
			if oldest == 0 || smp.time < oldest {
				oldest = smp.time
			}
		}
		var avg uint64
		period := int64(0)
		if n := len(samples); n > 0 {
			avg = sum / uint64(n)
			period = max(now-oldest, 1)
			for _, smp := range samples {
				d := int64(avg) - smp.latency
				mad += uint64(max(d, -d))
			}
			mad /= uint64(n)
		}
		fmt.Fprintf(&b, "%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %.2f sec). Worst all time event %dms.",
			eventnum, name, len(samples), avg, mad, float64(period)/float64(len(samples)), ts.max)
		switch strings.ToLower(name) {
		case "command":
			if slowerThan < 0 || maxLen == 0 {
				slowlogEnabled = true
				advices++
			} else if slowerThan/1000 > threshold {
				slowlogTuning = true
				advices++
			}
			slowlogInspect, largeObjects = true, true
			advices += 2
		case "fast-command":
			scheduler = true
			advices++
		}
		b.WriteByte('\n')
	}
	if anonHugePages() > 0 {
		disableTHP = true
		advices++
	}
	switch {
	case eventnum == 0 && advices == 0:
		b.WriteString("No latency spike was observed during the lifetime of this Valkey instance, not in the slightest bit.\n")
	case eventnum > 0 && advices == 0:
		b.WriteString("\nThere are latency events logged that are not easy to fix. Please get some help from Valkey community, providing this report in your help request.\n")
	default:
		b.WriteString("\nHere is some advice for you:\n\n")
		if slowlogEnabled {
			fmt.Fprintf(&b, "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Valkey feature using the command 'CONFIG SET slowlog-log-slower-than %d'. If the Slow log is disabled Valkey is not able to log slow commands execution for you.\n", uint64(threshold)*1000)
		}
		if slowlogTuning {
			fmt.Fprintf(&b, "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than %d'.\n", uint64(threshold)*1000)
		}
		if slowlogInspect {
			b.WriteString("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://valkey.io/commands/slowlog for more information.\n")
		}
		if scheduler {
			b.WriteString("- The system is slow to execute Valkey code paths not containing system calls. This usually means the system does not provide Valkey CPU time to run for long periods. You should try to:\n" +
				"  1) Lower the system load.\n" +
				"  2) Use a computer / VM just for Valkey if you are running other software in the same system.\n" +
				"  3) Check if you have a \"noisy neighbour\" problem.\n" +
				"  4) Check with 'valkey-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
				"  5) Check if the problem is allocator-related by recompiling Valkey with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n")
		}
		if largeObjects {
			b.WriteString("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n")
		}
		if disableTHP {
			b.WriteString("- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Valkey is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Valkey process to get rid of the huge pages already created.\n")
		}
	}
	return b.String()
}

// anonHugePages returns the bytes of transparent huge pages the process
// uses, from /proc (0 where unknown).
func anonHugePages() int64 {
	data, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "AnonHugePages:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
