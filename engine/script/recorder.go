package script

import (
	"github.com/flect-kv/flect/engine"
)

// Recorder is an engine.Reply that records one command's reply as a
// Value, with the shapes of its protocol (Proto) as Kind describes: a
// Caller runs a command against a Recorder and returns Value. Reset
// clears it for reuse.
type Recorder struct {
	resp  int
	root  Value
	done  bool
	stack []frame // open aggregates, innermost last
}

// frame is an aggregate being filled.
type frame struct {
	v    Value
	want int // elements still expected
}

var _ engine.Reply = (*Recorder)(nil)

// NewRecorder returns a recorder for protocol resp (2 or 3).
func NewRecorder(resp int) *Recorder {
	if resp != 3 {
		resp = 2
	}
	return &Recorder{resp: resp}
}

// Reset clears the recorded reply.
func (r *Recorder) Reset() {
	r.root = Value{}
	r.done = false
	r.stack = r.stack[:0]
}

// Value returns the recorded reply: the first complete reply written
// (later ones are ignored), or KindNull if none was.
func (r *Recorder) Value() Value {
	if r.done {
		return r.root
	}
	if len(r.stack) == 0 {
		return Value{Kind: KindNull}
	}
	// An aggregate left incomplete: return what was written of it.
	v := r.stack[len(r.stack)-1].v
	for i := len(r.stack) - 2; i >= 0; i-- {
		p := r.stack[i].v
		p.Elems = append(p.Elems[:len(p.Elems):len(p.Elems)], v)
		v = p
	}
	return v
}

// Proto returns the protocol version recorded.
func (r *Recorder) Proto() int { return r.resp }

// add records a complete value.
func (r *Recorder) add(v Value) {
	for {
		if len(r.stack) == 0 {
			if !r.done {
				r.root, r.done = v, true
			}
			return
		}
		top := &r.stack[len(r.stack)-1]
		top.v.Elems = append(top.v.Elems, v)
		top.want--
		if top.want > 0 {
			return
		}
		v = top.v
		r.stack = r.stack[:len(r.stack)-1]
	}
}

// open starts an aggregate of n elements.
func (r *Recorder) open(kind Kind, n int) {
	if n <= 0 {
		r.add(Value{Kind: kind, Elems: []Value{}})
		return
	}
	r.stack = append(r.stack, frame{v: Value{Kind: kind, Elems: make([]Value, 0, min(n, 1024))}, want: n})
}

// Simple records a status reply.
func (r *Recorder) Simple(s string) { r.add(Value{Kind: KindStatus, Str: s}) }

// Error records an error reply.
func (r *Recorder) Error(msg string) { r.add(Value{Kind: KindError, Str: msg}) }

// Int records an integer.
func (r *Recorder) Int(n int64) { r.add(Value{Kind: KindInt, Int: n}) }

// Bulk records a bulk string (copied).
func (r *Recorder) Bulk(b []byte) { r.add(Value{Kind: KindBulk, Str: string(b)}) }

// BulkString records a bulk string.
func (r *Recorder) BulkString(s string) { r.add(Value{Kind: KindBulk, Str: s}) }

// Null records a null.
func (r *Recorder) Null() { r.add(Value{Kind: KindNull}) }

// NullArray records a null array (KindNull in RESP3).
func (r *Recorder) NullArray() {
	if r.resp == 3 {
		r.add(Value{Kind: KindNull})
		return
	}
	r.add(Value{Kind: KindNullArray})
}

// Array starts an array of n elements.
func (r *Recorder) Array(n int) { r.open(KindArray, n) }

// Map starts a map of n pairs (a flat array of 2n in RESP2).
func (r *Recorder) Map(n int) {
	if r.resp == 3 {
		r.open(KindMap, 2*n)
		return
	}
	r.open(KindArray, 2*n)
}

// Set starts a set of n elements (an array in RESP2).
func (r *Recorder) Set(n int) {
	if r.resp == 3 {
		r.open(KindSet, n)
		return
	}
	r.open(KindArray, n)
}

// Push starts a push of n elements, recorded as an array.
func (r *Recorder) Push(n int) { r.open(KindArray, n) }

// Double records a double (a bulk string in RESP2, as Valkey formats it).
func (r *Recorder) Double(f float64) {
	if r.resp == 3 {
		r.add(Value{Kind: KindDouble, Float: f})
		return
	}
	r.add(Value{Kind: KindBulk, Str: string(engine.AppendDouble(nil, f))})
}

// Bool records a boolean (an integer in RESP2).
func (r *Recorder) Bool(b bool) {
	if r.resp == 3 {
		r.add(Value{Kind: KindBool, Int: boolInt(b)})
		return
	}
	r.add(Value{Kind: KindInt, Int: boolInt(b)})
}

// Verbatim records a verbatim string (a bulk string in RESP2).
func (r *Recorder) Verbatim(format, s string) {
	if r.resp == 3 {
		r.add(Value{Kind: KindVerbatim, Str: s, Format: format})
		return
	}
	r.add(Value{Kind: KindBulk, Str: s})
}

// BigNumber records a big number (a bulk string in RESP2).
func (r *Recorder) BigNumber(s string) {
	if r.resp == 3 {
		r.add(Value{Kind: KindBigNumber, Str: s})
		return
	}
	r.add(Value{Kind: KindBulk, Str: s})
}

// Write writes v to r (a client's reply), in RESP2 or RESP3 per
// r.Proto(): RESP3 kinds are written with the Reply methods that
// downgrade them for RESP2 clients.
func Write(r engine.Reply, v Value) {
	switch v.Kind {
	case KindStatus:
		r.Simple(v.Str)
	case KindError:
		r.Error(v.Str)
	case KindInt:
		r.Int(v.Int)
	case KindBulk:
		r.BulkString(v.Str)
	case KindNull:
		r.Null()
	case KindNullArray:
		r.NullArray()
	case KindArray:
		r.Array(len(v.Elems))
		writeElems(r, v.Elems)
	case KindMap:
		r.Map(len(v.Elems) / 2)
		writeElems(r, v.Elems[:len(v.Elems)/2*2])
	case KindSet:
		r.Set(len(v.Elems))
		writeElems(r, v.Elems)
	case KindDouble:
		r.Double(v.Float)
	case KindBool:
		r.Bool(v.Int != 0)
	case KindVerbatim:
		r.Verbatim(verbatimFormat(v.Format), v.Str)
	case KindBigNumber:
		r.BigNumber(v.Str)
	default:
		r.Null()
	}
}

func writeElems(r engine.Reply, elems []Value) {
	for _, e := range elems {
		Write(r, e)
	}
}
