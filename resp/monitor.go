package resp

import (
	"strconv"
	"sync"
	"time"

	"github.com/flect-kv/flect/engine"
)

// MONITOR: the monitoring client receives every command other clients
// run, as Valkey's replicationFeedMonitors formats it. Each namespace is a
// private server here too: a monitor sees the commands of the clients of
// its own namespace (its store's, or the default namespace's) and no
// other, and a client that authenticates into another namespace while
// monitoring follows it.

// monitorSet is the list of MONITOR clients.
type monitorSet struct {
	mu   sync.Mutex
	list []*monitorOut
}

// monitorOut delivers the MONITOR feed to one client. A goroutine writes
// it to the connection, so commands of other sessions never wait for a
// slow monitor.
type monitorOut struct {
	sess *session
	mu   sync.Mutex
	buf  []byte
	// softSince is when buf first reached the soft limit (unix seconds).
	softSince int64
	wake      chan struct{}
	done      chan struct{}
}

func (s *Server) cmdMonitor(c *engine.Ctx) {
	sess := sessionOf(c)
	if sess.x.mon != nil {
		return // already monitoring: Valkey ignores it, without a reply
	}
	// Register before replying, so that every command run after the
	// client has seen +OK is fed; start the writer after the +OK is out,
	// so that no feed line overtakes it (lines queue meanwhile).
	mo := &monitorOut{sess: sess, wake: make(chan struct{}, 1), done: make(chan struct{})}
	sess.x.mon = mo
	sess.x.flags.Or(flagMonitor)
	x := &s.x
	x.mon.mu.Lock()
	x.mon.list = append(x.mon.list[:len(x.mon.list):len(x.mon.list)], mo)
	x.hooks.Or(hookMonitor)
	x.mon.mu.Unlock()
	c.OK()
	if sess.x.reply != replyOn {
		sess.applyReplyMode(0)
	}
	sess.flush()
	go mo.run()
}

// remove stops feeding sess; it is a no-op when sess is no monitor.
func (m *monitorSet) remove(sess *session) {
	mo := sess.x.mon
	if mo == nil {
		return
	}
	sess.x.mon = nil
	sess.x.flags.And(^flagMonitor)
	x := &sess.srv.x
	m.mu.Lock()
	// Copy on write: feed iterates snapshots of the list without the lock.
	list := make([]*monitorOut, 0, len(m.list))
	for _, o := range m.list {
		if o != mo {
			list = append(list, o)
		}
	}
	m.list = list
	if len(m.list) == 0 {
		x.hooks.And(^hookMonitor)
	}
	m.mu.Unlock()
	close(mo.done)
}

// feed sends the command args run by sess to every monitor of sess's
// namespace, in Valkey's format: +<unix>.<micro> [<db> <addr>] "arg"...
func (m *monitorSet) feed(sess *session, args [][]byte) {
	m.mu.Lock()
	list := m.list
	m.mu.Unlock()
	st := sess.kv.store
	var line []byte
	for _, mo := range list {
		if mo.sess.kv.view.Load() != st {
			continue
		}
		if line == nil {
			line = monitorLine(sess, args)
		}
		mo.push(line)
	}
}

// monitorLine formats one MONITOR line for the command args of sess.
func monitorLine(sess *session, args [][]byte) []byte {
	now := time.Now()
	line := make([]byte, 0, 64+len(sess.addr)+16*len(args))
	line = append(line, '+')
	line = strconv.AppendInt(line, now.Unix(), 10)
	line = append(line, '.')
	us := now.Nanosecond() / 1000
	for d := 100000; d > 0; d /= 10 {
		line = append(line, byte('0'+us/d%10))
	}
	line = append(line, " ["...)
	line = strconv.AppendInt(line, int64(sess.cl.DB), 10)
	line = append(line, ' ')
	line = append(line, sess.addr...)
	line = append(line, "] "...)
	redact := sess.srv.redactions(args)
	for i, a := range args {
		if i > 0 {
			line = append(line, ' ')
		}
		if isRedacted(redact, i) {
			a = []byte("(redacted)")
		}
		line = appendRepr(line, a)
	}
	return append(line, '\r', '\n')
}

func (mo *monitorOut) push(line []byte) {
	// A MONITOR client is in the replica class of
	// client-output-buffer-limit, as in Valkey.
	l := &mo.sess.srv.node.OutputBufferLimits()[engine.OutputReplica]
	mo.mu.Lock()
	if l.Over(uint64(len(mo.buf)+len(line)), &mo.softSince, time.Now().Unix()) {
		mo.mu.Unlock()
		mo.sess.srv.x.outputLimitDisconnections.Add(1)
		mo.sess.kill()
		return
	}
	mo.buf = append(mo.buf, line...)
	mo.mu.Unlock()
	select {
	case mo.wake <- struct{}{}:
	default:
	}
}

func (mo *monitorOut) run() {
	var out []byte
	for {
		select {
		case <-mo.wake:
		case <-mo.done:
			return
		}
		mo.mu.Lock()
		out, mo.buf = mo.buf, out[:0]
		mo.mu.Unlock()
		if len(out) == 0 {
			continue
		}
		n, err := mo.sess.nc.Write(out)
		mo.sess.x.netOut.Add(int64(n))
		mo.sess.srv.Stats.NetOutputBytes.Add(int64(n))
		if err != nil {
			mo.sess.kill()
			return
		}
		if cap(out) > 1<<20 {
			out = nil
		}
	}
}

// appendRepr appends b quoted as Valkey's sdscatrepr does.
func appendRepr(dst, b []byte) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for _, c := range b {
		switch c {
		case '\\', '"':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\a':
			dst = append(dst, '\\', 'a')
		case '\b':
			dst = append(dst, '\\', 'b')
		default:
			if c >= 0x20 && c <= 0x7e {
				dst = append(dst, c)
			} else {
				dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
			}
		}
	}
	return append(dst, '"')
}
