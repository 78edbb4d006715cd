package resp

import (
	"strconv"

	"github.com/flect-kv/flect/engine"
	"github.com/tidwall/redcon"
)

// Writer encodes replies for one connection in RESP2 or RESP3 into a buffer
// the session flushes once per batch. It implements engine.Reply.
type Writer struct {
	buf   []byte
	proto int
	// onError, when set, sees every error reply (for error statistics).
	onError func(msg string)
}

var _ engine.Reply = (*Writer)(nil)

// NewWriter returns a RESP2 writer.
func NewWriter() *Writer { return &Writer{proto: 2} }

// SetProto switches the protocol version (2 or 3).
func (w *Writer) SetProto(p int) { w.proto = p }

// Proto returns the protocol version.
func (w *Writer) Proto() int { return w.proto }

// Bytes returns the pending output.
func (w *Writer) Bytes() []byte { return w.buf }

// Len returns the number of pending bytes.
func (w *Writer) Len() int { return len(w.buf) }

// Reset drops the pending output, keeping a modest buffer for reuse.
func (w *Writer) Reset() {
	if cap(w.buf) > 1<<20 {
		w.buf = nil
		return
	}
	w.buf = w.buf[:0]
}

// Truncate drops output written after the first n bytes.
func (w *Writer) Truncate(n int) {
	if n < len(w.buf) {
		w.buf = w.buf[:n]
	}
}

// Raw appends pre-encoded bytes.
func (w *Writer) Raw(b []byte) { w.buf = append(w.buf, b...) }

// Simple writes +s.
func (w *Writer) Simple(s string) { w.buf = redcon.AppendString(w.buf, s) }

// Error writes -msg.
func (w *Writer) Error(msg string) {
	if w.onError != nil {
		w.onError(msg)
	}
	w.buf = redcon.AppendError(w.buf, msg)
}

// Int writes :n.
func (w *Writer) Int(n int64) { w.buf = redcon.AppendInt(w.buf, n) }

// Bulk writes a bulk string.
func (w *Writer) Bulk(b []byte) { w.buf = redcon.AppendBulk(w.buf, b) }

// BulkString writes a bulk string.
func (w *Writer) BulkString(s string) { w.buf = redcon.AppendBulkString(w.buf, s) }

// Null writes a null bulk ($-1) or RESP3 null (_).
func (w *Writer) Null() {
	if w.proto == 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = redcon.AppendNull(w.buf)
}

// NullArray writes a null array (*-1) or RESP3 null (_).
func (w *Writer) NullArray() {
	if w.proto == 3 {
		w.buf = append(w.buf, "_\r\n"...)
		return
	}
	w.buf = append(w.buf, "*-1\r\n"...)
}

// Array starts an array.
func (w *Writer) Array(n int) { w.buf = redcon.AppendArray(w.buf, n) }

// Map starts a map (a flat array in RESP2).
func (w *Writer) Map(n int) {
	if w.proto == 3 {
		w.buf = appendHeader(w.buf, '%', n)
		return
	}
	w.buf = redcon.AppendArray(w.buf, 2*n)
}

// Set starts a set (an array in RESP2).
func (w *Writer) Set(n int) {
	if w.proto == 3 {
		w.buf = appendHeader(w.buf, '~', n)
		return
	}
	w.buf = redcon.AppendArray(w.buf, n)
}

// Push starts a push frame (an array in RESP2).
func (w *Writer) Push(n int) {
	if w.proto == 3 {
		w.buf = appendHeader(w.buf, '>', n)
		return
	}
	w.buf = redcon.AppendArray(w.buf, n)
}

// Double writes a double (a bulk string in RESP2).
func (w *Writer) Double(f float64) {
	if w.proto == 3 {
		w.buf = append(w.buf, ',')
		w.buf = engine.AppendDouble(w.buf, f)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	var tmp [40]byte
	w.buf = redcon.AppendBulk(w.buf, engine.AppendDouble(tmp[:0], f))
}

// Bool writes a boolean (an integer in RESP2).
func (w *Writer) Bool(b bool) {
	if w.proto == 3 {
		if b {
			w.buf = append(w.buf, "#t\r\n"...)
		} else {
			w.buf = append(w.buf, "#f\r\n"...)
		}
		return
	}
	if b {
		w.Int(1)
	} else {
		w.Int(0)
	}
}

// Verbatim writes a verbatim string (a bulk string in RESP2).
func (w *Writer) Verbatim(format, s string) {
	if w.proto == 3 {
		w.buf = appendHeader(w.buf, '=', len(s)+4)
		w.buf = append(w.buf, format...)
		w.buf = append(w.buf, ':')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.BulkString(s)
}

// BigNumber writes a big number (a bulk string in RESP2).
func (w *Writer) BigNumber(s string) {
	if w.proto == 3 {
		w.buf = append(w.buf, '(')
		w.buf = append(w.buf, s...)
		w.buf = append(w.buf, '\r', '\n')
		return
	}
	w.BulkString(s)
}

func appendHeader(b []byte, c byte, n int) []byte {
	b = append(b, c)
	b = strconv.AppendInt(b, int64(n), 10)
	return append(b, '\r', '\n')
}
