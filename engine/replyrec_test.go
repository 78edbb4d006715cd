package engine

import "strconv"

// recordReply is a Reply that records what a handler answers as RESP2 or
// RESP3 wire bytes, as the resp package writes them, so tests compare
// replies exactly: "+OK\r\n", ":1\r\n", "$-1\r\n"... Recording allocates
// nothing once the buffer has grown (Reset keeps it), so benchmarks can
// use it too.
type recordReply struct {
	buf   []byte
	proto int
}

var _ Reply = (*recordReply)(nil)

// newRecordReply returns a RESP2 recorder.
func newRecordReply() *recordReply { return &recordReply{proto: 2} }

// String returns what was recorded.
func (r *recordReply) String() string { return string(r.buf) }

// Bytes returns what was recorded, valid until the next Reset.
func (r *recordReply) Bytes() []byte { return r.buf }

// Reset forgets what was recorded, keeping the buffer.
func (r *recordReply) Reset() { r.buf = r.buf[:0] }

func (r *recordReply) line(prefix byte, s string) {
	r.buf = append(r.buf, prefix)
	r.buf = append(r.buf, s...)
	r.buf = append(r.buf, '\r', '\n')
}

func (r *recordReply) header(prefix byte, n int) {
	r.buf = append(r.buf, prefix)
	r.buf = strconv.AppendInt(r.buf, int64(n), 10)
	r.buf = append(r.buf, '\r', '\n')
}

func (r *recordReply) Simple(s string)  { r.line('+', s) }
func (r *recordReply) Error(msg string) { r.line('-', msg) }

func (r *recordReply) Int(n int64) {
	r.buf = append(r.buf, ':')
	r.buf = strconv.AppendInt(r.buf, n, 10)
	r.buf = append(r.buf, '\r', '\n')
}

func (r *recordReply) Bulk(b []byte) {
	r.header('$', len(b))
	r.buf = append(r.buf, b...)
	r.buf = append(r.buf, '\r', '\n')
}

func (r *recordReply) BulkString(s string) {
	r.header('$', len(s))
	r.buf = append(r.buf, s...)
	r.buf = append(r.buf, '\r', '\n')
}

func (r *recordReply) Null() {
	if r.proto == 3 {
		r.buf = append(r.buf, "_\r\n"...)
		return
	}
	r.buf = append(r.buf, "$-1\r\n"...)
}

func (r *recordReply) NullArray() {
	if r.proto == 3 {
		r.buf = append(r.buf, "_\r\n"...)
		return
	}
	r.buf = append(r.buf, "*-1\r\n"...)
}

func (r *recordReply) Array(n int) { r.header('*', n) }

func (r *recordReply) Map(n int) {
	if r.proto == 3 {
		r.header('%', n)
		return
	}
	r.header('*', 2*n)
}

func (r *recordReply) Set(n int) {
	if r.proto == 3 {
		r.header('~', n)
		return
	}
	r.header('*', n)
}

func (r *recordReply) Push(n int) {
	if r.proto == 3 {
		r.header('>', n)
		return
	}
	r.header('*', n)
}

func (r *recordReply) Double(f float64) {
	var tmp [40]byte
	d := AppendDouble(tmp[:0], f)
	if r.proto == 3 {
		r.buf = append(r.buf, ',')
		r.buf = append(r.buf, d...)
		r.buf = append(r.buf, '\r', '\n')
		return
	}
	r.Bulk(d)
}

func (r *recordReply) Bool(b bool) {
	switch {
	case r.proto == 3 && b:
		r.buf = append(r.buf, "#t\r\n"...)
	case r.proto == 3:
		r.buf = append(r.buf, "#f\r\n"...)
	case b:
		r.Int(1)
	default:
		r.Int(0)
	}
}

func (r *recordReply) Verbatim(format, s string) {
	if r.proto == 3 {
		r.header('=', len(s)+4)
		r.buf = append(r.buf, format...)
		r.buf = append(r.buf, ':')
		r.buf = append(r.buf, s...)
		r.buf = append(r.buf, '\r', '\n')
		return
	}
	r.BulkString(s)
}

func (r *recordReply) BigNumber(s string) {
	if r.proto == 3 {
		r.line('(', s)
		return
	}
	r.BulkString(s)
}

func (r *recordReply) Proto() int { return r.proto }
