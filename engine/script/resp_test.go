package script

import (
	"bufio"
	"fmt"
	"strconv"
	"strings"

	"github.com/flect-kv/flect/engine"
)

// rawReply is an engine.Reply writing RESP2 or RESP3 bytes as the front
// end's writer does, so that replies compare byte for byte with
// valkey-server's.
type rawReply struct {
	proto int
	b     []byte
}

var _ engine.Reply = (*rawReply)(nil)

func (w *rawReply) line(prefix byte, s string) {
	w.b = append(w.b, prefix)
	w.b = append(w.b, s...)
	w.b = append(w.b, '\r', '\n')
}

func (w *rawReply) Simple(s string)  { w.line('+', s) }
func (w *rawReply) Error(msg string) { w.line('-', msg) }
func (w *rawReply) Int(n int64)      { w.line(':', strconv.FormatInt(n, 10)) }
func (w *rawReply) Bulk(b []byte)    { w.BulkString(string(b)) }
func (w *rawReply) BulkString(s string) {
	w.line('$', strconv.Itoa(len(s)))
	w.b = append(w.b, s+"\r\n"...)
}
func (w *rawReply) Array(n int) { w.line('*', strconv.Itoa(n)) }
func (w *rawReply) Proto() int  { return w.proto }

func (w *rawReply) Null() {
	if w.proto == 3 {
		w.line('_', "")
		return
	}
	w.line('$', "-1")
}

func (w *rawReply) NullArray() {
	if w.proto == 3 {
		w.line('_', "")
		return
	}
	w.line('*', "-1")
}

func (w *rawReply) aggregate(c byte, n int) {
	if w.proto == 3 {
		w.line(c, strconv.Itoa(n))
		return
	}
	w.Array(n)
}

func (w *rawReply) Map(n int) {
	if w.proto == 3 {
		w.line('%', strconv.Itoa(n))
		return
	}
	w.Array(2 * n)
}

func (w *rawReply) Set(n int)  { w.aggregate('~', n) }
func (w *rawReply) Push(n int) { w.aggregate('>', n) }

func (w *rawReply) Double(f float64) {
	s := string(engine.AppendDouble(nil, f))
	if w.proto == 3 {
		w.line(',', s)
		return
	}
	w.BulkString(s)
}

func (w *rawReply) Bool(b bool) {
	switch {
	case w.proto != 3:
		w.Int(boolInt(b))
	case b:
		w.line('#', "t")
	default:
		w.line('#', "f")
	}
}

func (w *rawReply) Verbatim(format, s string) {
	if w.proto == 3 {
		w.line('=', strconv.Itoa(len(s)+4))
		w.b = append(w.b, format+":"+s+"\r\n"...)
		return
	}
	w.BulkString(s)
}

func (w *rawReply) BigNumber(s string) {
	if w.proto == 3 {
		w.line('(', s)
		return
	}
	w.BulkString(s)
}

// encode returns v as a client speaking proto receives it.
func encode(v Value, proto int) string {
	w := &rawReply{proto: proto}
	Write(w, v)
	return string(w.b)
}

// readReply reads one RESP reply (for recording valkey-server's replies).
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	out := line
	if len(line) < 3 {
		return out, fmt.Errorf("short line %q", line)
	}
	n, _ := strconv.Atoi(strings.TrimSpace(line[1:]))
	switch line[0] {
	case '$', '=', '!':
		if n < 0 {
			return out, nil
		}
		buf := make([]byte, n+2)
		if _, err := ioReadFull(r, buf); err != nil {
			return "", err
		}
		return out + string(buf), nil
	case '*', '~', '>', '%', '|':
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			s, err := readReply(r)
			if err != nil {
				return "", err
			}
			out += s
		}
		if line[0] == '|' { // an attribute precedes the reply itself
			s, err := readReply(r)
			return out + s, err
		}
	}
	return out, nil
}

func ioReadFull(r *bufio.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
