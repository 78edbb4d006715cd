package resp

import (
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/flect-kv/flect/engine"
)

// The output path of a connection that has subscribed: published
// messages arrive from other goroutines at any time, while the session's
// own goroutine may be blocked reading its socket. They are queued in an
// outbuf, together with the session's own replies (so that both keep
// their order), and a writer goroutine per such connection writes the
// queue to the socket. Publishers only append under a mutex: a slow
// subscriber never stalls them, and client-output-buffer-limit bounds
// what it may have pending.
//
// Ordering follows Valkey 8. While the session runs a command, messages
// are held and go out after that command's reply, as Valkey defers push
// messages generated while a client's command runs (a client publishing
// to itself gets the PUBLISH reply first); between commands they go out
// at once.

// errOutputLimit ends a session that went over its output buffer limit.
var errOutputLimit = errors.New("resp: client output buffer limit reached")

// drainTimeout bounds how long a closing session waits for its last
// output to be written.
const drainTimeout = 2 * time.Second

// outbuf is the pending output of a subscribed connection. It implements
// engine.Subscriber.
type outbuf struct {
	sess *session
	mu   struct {
		sync.Mutex
		buf []byte // ready for the writer
		// held is messages delivered while busy.
		held []byte
		// busy is set while the session runs a command.
		busy bool
		// inflight is what the writer is writing now.
		inflight int
		// softSince is when the soft limit was first seen reached (unix
		// seconds), 0 when under it.
		softSince int64
		// closed is set when the connection is gone or over its limit:
		// output is dropped from then on.
		closed bool
	}
	wake chan struct{}
	stop chan struct{}
	done chan struct{}
}

// newOutbuf starts the output path of sess; busy says whether the
// session is running a command.
func newOutbuf(sess *session, busy bool) *outbuf {
	o := &outbuf{sess: sess, wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	o.mu.busy = busy
	go o.run()
	return o
}

// Deliver implements engine.Subscriber: it encodes the message for the
// connection's protocol and queues it.
func (o *outbuf) Deliver(m engine.Message) {
	proto := o.sess.info.proto.Load()
	o.mu.Lock()
	if o.mu.closed {
		o.mu.Unlock()
		return
	}
	if o.mu.busy {
		o.mu.held = appendMessage(o.mu.held, proto, m)
	} else {
		o.mu.buf = appendMessage(o.mu.buf, proto, m)
	}
	over := o.overLocked(engine.OutputPubSub)
	busy := o.mu.busy
	o.mu.Unlock()
	switch {
	case over:
		o.disconnect()
	case !busy:
		o.signal()
	}
}

// appendMessage encodes a message push: message / pmessage / smessage.
func appendMessage(b []byte, proto int64, m engine.Message) []byte {
	n := 3
	if m.Kind == engine.SubPattern {
		n = 4
	}
	if proto == 3 {
		b = append(b, '>')
	} else {
		b = append(b, '*')
	}
	b = append(b, byte('0'+n), '\r', '\n')
	switch m.Kind {
	case engine.SubPattern:
		b = append(b, "$8\r\npmessage\r\n"...)
		b = appendBulk(b, m.Pattern)
	case engine.SubShard:
		b = append(b, "$8\r\nsmessage\r\n"...)
	default:
		b = append(b, "$7\r\nmessage\r\n"...)
	}
	b = appendBulk(b, m.Channel)
	return appendBulk(b, m.Payload)
}

func appendBulk(b, s []byte) []byte {
	b = append(b, '$')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, '\r', '\n')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// signal wakes the writer.
func (o *outbuf) signal() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// overLocked applies the class's client-output-buffer-limit to what is
// pending, as Valkey's checkClientOutputBufferLimits: true when the hard
// limit is reached or the soft limit has been for more than its seconds.
func (o *outbuf) overLocked(class int) bool {
	used := uint64(len(o.mu.buf) + len(o.mu.held) + o.mu.inflight)
	return o.sess.srv.node.OutputBufferLimits()[class].Over(used, &o.mu.softSince, time.Now().Unix())
}

// pending returns the bytes waiting to be written (CLIENT LIST omem).
func (o *outbuf) pending() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return int64(len(o.mu.buf) + len(o.mu.held) + o.mu.inflight)
}

// disconnect closes a connection that went over its limit, as Valkey's
// closeClientOnOutputBufferLimitReached: logged and counted.
func (o *outbuf) disconnect() {
	sess := o.sess
	o.mu.Lock()
	first := !o.mu.closed
	o.mu.closed = true
	o.mu.buf, o.mu.held = nil, nil
	o.mu.Unlock()
	if !first {
		return
	}
	srv := sess.srv
	srv.x.outputLimitDisconnections.Add(1)
	// Seen from another session: only fields other goroutines may read.
	var viewer *session
	srv.log.Warn("Client scheduled to be closed ASAP for overcoming of output buffer limits.",
		"client", string(viewer.appendClientInfo(nil, sess, time.Now())))
	sess.kill()
}

// take moves the session's pending replies into the queue (then what was
// delivered while it ran its command) and marks the session busy or not.
// It reports false when the connection is closed.
func (o *outbuf) take(w *Writer, busy bool) bool {
	o.mu.Lock()
	if o.mu.closed {
		o.mu.Unlock()
		w.Reset()
		return false
	}
	o.mu.buf = append(o.mu.buf, w.Bytes()...)
	if len(o.mu.held) > 0 {
		o.mu.buf = append(o.mu.buf, o.mu.held...)
		o.mu.held = o.mu.held[:0]
		if cap(o.mu.held) > 1<<20 {
			o.mu.held = nil
		}
	}
	o.mu.busy = busy
	class := engine.OutputNormal
	if o.sess.ps.p.Load().subscribed() {
		class = engine.OutputPubSub
	}
	over := o.overLocked(class)
	ready := len(o.mu.buf) > 0
	o.mu.Unlock()
	w.Reset()
	if over {
		o.disconnect()
		return false
	}
	if ready {
		o.signal()
	}
	return true
}

// foldHeld moves the messages held during the running command into the
// session's reply, before what it writes next: an unsubscribe
// confirmation must follow every message delivered before it.
func (o *outbuf) foldHeld(w *Writer) {
	o.mu.Lock()
	if len(o.mu.held) > 0 {
		w.Raw(o.mu.held)
		o.mu.held = o.mu.held[:0]
	}
	o.mu.Unlock()
}

// run writes the queue to the connection until close.
func (o *outbuf) run() {
	defer close(o.done)
	sess := o.sess
	var out []byte
	for {
		stopping := false
		select {
		case <-o.wake:
		case <-o.stop:
			stopping = true
		}
		o.mu.Lock()
		if o.mu.closed && !stopping {
			o.mu.Unlock()
			return
		}
		out, o.mu.buf = o.mu.buf, out[:0]
		o.mu.inflight = len(out)
		o.mu.Unlock()
		if len(out) > 0 {
			n, err := sess.nc.Write(out)
			sess.x.netOut.Add(int64(n))
			sess.srv.Stats.NetOutputBytes.Add(int64(n))
			sess.srv.x.writes.Add(1)
			if err != nil {
				o.mu.Lock()
				o.mu.closed = true
				o.mu.buf, o.mu.held, o.mu.inflight = nil, nil, 0
				o.mu.Unlock()
				sess.kill()
				return
			}
		}
		o.mu.Lock()
		o.mu.inflight = 0
		o.mu.Unlock()
		if cap(out) > 1<<20 {
			out = nil
		}
		if stopping {
			return
		}
	}
}

// close writes what is pending (bounded by drainTimeout) and stops the
// writer; the session calls it as it ends.
func (o *outbuf) close() {
	o.sess.nc.SetWriteDeadline(time.Now().Add(drainTimeout))
	close(o.stop)
	<-o.done
	o.mu.Lock()
	o.mu.closed = true
	o.mu.buf, o.mu.held = nil, nil
	o.mu.Unlock()
}

// commit moves what the session wrote so far into the queue at once,
// leaving the command's window of held messages open.
func (o *outbuf) commit(w *Writer) {
	o.mu.Lock()
	if !o.mu.closed {
		o.mu.buf = append(o.mu.buf, w.Bytes()...)
	}
	o.mu.Unlock()
	w.Reset()
	o.signal()
}
