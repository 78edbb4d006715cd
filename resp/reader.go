package resp

import (
	"bytes"
	"errors"
	"github.com/flect-kv/flect/engine"
	"io"
	"strconv"
)

// ProtocolError is a malformed request. Its text is Valkey's; the client
// gets "-ERR <text>" and is disconnected.
type ProtocolError string

func (e ProtocolError) Error() string { return string(e) }

// Protocol errors, as Valkey words them.
const (
	errInvalidMultibulk   = ProtocolError("Protocol error: invalid multibulk length")
	errInvalidBulk        = ProtocolError("Protocol error: invalid bulk length")
	errBigMultibulkCount  = ProtocolError("Protocol error: too big mbulk count string")
	errBigBulkCount       = ProtocolError("Protocol error: too big bulk count string")
	errBigInline          = ProtocolError("Protocol error: too big inline request")
	errUnbalancedQuotes   = ProtocolError("Protocol error: unbalanced quotes in request")
	errUnauthMultibulk    = ProtocolError("Protocol error: unauthenticated multibulk length")
	errUnauthBulk         = ProtocolError("Protocol error: unauthenticated bulk length")
	inlineMax             = 64 * 1024
	unauthMaxArgs         = 10
	unauthMaxBulk         = 16384
	initialReadBufferSize = 16 * 1024
	maxIdleReadBuffer     = 64 * 1024
)

// ErrQueryBufferLimit is returned when a client's pending request exceeds
// client-query-buffer-limit; Valkey closes such a client without a reply.
var ErrQueryBufferLimit = errors.New("resp: query buffer limit reached")

// Limits bound what one client may send.
type Limits struct {
	// MaxBulk is proto-max-bulk-len: the largest single argument.
	MaxBulk int64
	// MaxQueryBuffer is client-query-buffer-limit: the most bytes of one
	// pending request.
	MaxQueryBuffer int64
}

// Reader parses requests (RESP multibulk or inline) from a connection
// without trusting length headers: buffers grow only as data arrives.
type Reader struct {
	src    io.Reader
	buf    []byte
	start  int // first byte of the current request
	end    int // end of data read
	limits Limits
	// Authenticated switches from the tighter pre-auth limits.
	Authenticated bool
	// BeforeBlock, when set, runs before a read that may block: the
	// session flushes its pending replies there, so a pipelined batch gets
	// one write.
	BeforeBlock func() error

	// Parse state of the current multibulk request, so that a request
	// arriving in many reads is not re-parsed from its start each time.
	nargs   int   // declared count; 0 when the header is not parsed yet
	pos     int   // next byte to parse, relative to start
	offs    []int // begin/end pairs of parsed args, relative to start
	bulkLen int   // length of the bulk being read; -1 when none
	need    int   // bytes the current request needs in all, when known

	args [][]byte
	// reads counts reads from src, so a session can tell whether a request
	// came with the previous one or arrived later.
	reads uint64
}

// NewReader returns a Reader over src.
func NewReader(src io.Reader, limits Limits) *Reader {
	return &Reader{src: src, limits: limits, bulkLen: -1}
}

// Buffered returns the number of unparsed bytes already read.
func (r *Reader) Buffered() int { return r.end - r.start }

// ReadCommand returns the next request's arguments. The slices alias the
// Reader's buffer and are valid until the next call. Empty requests are
// skipped. A ProtocolError means the client must be disconnected after it
// is told.
func (r *Reader) ReadCommand() ([][]byte, error) {
	for {
		args, done, err := r.parse()
		if err != nil {
			return nil, err
		}
		if done {
			if len(args) == 0 {
				continue
			}
			return args, nil
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}

// fill reads more data, compacting and growing the buffer as needed.
func (r *Reader) fill() error {
	if r.start > 0 && (r.start == r.end || r.end == len(r.buf)) {
		n := copy(r.buf, r.buf[r.start:r.end])
		r.start, r.end = 0, n
		if n == 0 && len(r.buf) > maxIdleReadBuffer {
			r.buf = nil
		}
	}
	if r.buf == nil {
		r.buf = make([]byte, initialReadBufferSize)
	}
	if r.end == len(r.buf) {
		pending := int64(r.end - r.start)
		if r.limits.MaxQueryBuffer > 0 && pending >= r.limits.MaxQueryBuffer {
			return ErrQueryBufferLimit
		}
		size := len(r.buf) * 2
		if r.need > 0 && size > r.need && r.need > len(r.buf) {
			size = r.need
		}
		nb := make([]byte, size)
		copy(nb, r.buf[:r.end])
		r.buf = nb
	}
	if r.BeforeBlock != nil {
		if err := r.BeforeBlock(); err != nil {
			return err
		}
	}
	n, err := r.src.Read(r.buf[r.end:])
	r.end += n
	r.reads++
	if n > 0 {
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// parse tries to complete the request at start.
func (r *Reader) parse() (args [][]byte, done bool, err error) {
	data := r.buf[r.start:r.end]
	if len(data) == 0 {
		return nil, false, nil
	}
	if data[0] != '*' {
		return r.parseInline(data)
	}
	if r.nargs == 0 {
		i := bytes.IndexByte(data, '\r')
		if i < 0 || i+1 >= len(data) {
			if len(data) > inlineMax {
				return nil, false, errBigMultibulkCount
			}
			return nil, false, nil
		}
		n, ok := parseLen(data[1:i])
		if !ok || n > 1<<31-1 {
			return nil, false, errInvalidMultibulk
		}
		if !r.Authenticated && n > unauthMaxArgs {
			return nil, false, errUnauthMultibulk
		}
		if n <= 0 {
			r.start += i + 2
			return nil, true, nil
		}
		r.nargs = int(n)
		r.pos = i + 2
		r.offs = r.offs[:0]
	}
	for len(r.offs) < 2*r.nargs {
		if r.bulkLen < 0 {
			if r.pos >= len(data) {
				return nil, false, nil
			}
			if data[r.pos] != '$' {
				return nil, false, ProtocolError("Protocol error: expected '$', got '" + string(data[r.pos]) + "'")
			}
			i := bytes.IndexByte(data[r.pos:], '\r')
			if i < 0 || r.pos+i+1 >= len(data) {
				if len(data)-r.pos > inlineMax {
					return nil, false, errBigBulkCount
				}
				return nil, false, nil
			}
			n, ok := parseLen(data[r.pos+1 : r.pos+i])
			if !ok || n < 0 || (r.limits.MaxBulk > 0 && n > r.limits.MaxBulk) {
				return nil, false, errInvalidBulk
			}
			if !r.Authenticated && n > unauthMaxBulk {
				return nil, false, errUnauthBulk
			}
			r.bulkLen = int(n)
			r.pos += i + 2
		}
		if len(data)-r.pos < r.bulkLen+2 {
			r.need = r.pos + r.bulkLen + 2
			return nil, false, nil
		}
		r.offs = append(r.offs, r.pos, r.pos+r.bulkLen)
		r.pos += r.bulkLen + 2
		r.bulkLen = -1
	}
	r.args = r.args[:0]
	for i := 0; i < len(r.offs); i += 2 {
		r.args = append(r.args, data[r.offs[i]:r.offs[i+1]:r.offs[i+1]])
	}
	r.start += r.pos
	r.nargs, r.pos, r.need = 0, 0, 0
	return r.args, true, nil
}

// parseLen parses a decimal length as Valkey's string2ll does.
func parseLen(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if (len(b) > 1 || neg) && b[0] == '0' {
		return 0, false
	}
	if len(b) > 18 {
		if b[0] < '0' || b[0] > '9' {
			return 0, false // strconv would accept a sign here
		}
		// Rare: let strconv check the range, sign included, so that
		// -9223372036854775808 parses as string2ll does.
		s := string(b)
		if neg {
			s = "-" + s
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

func (r *Reader) parseInline(data []byte) ([][]byte, bool, error) {
	i := bytes.IndexByte(data, '\n')
	if i < 0 {
		if len(data) > inlineMax {
			return nil, false, errBigInline
		}
		return nil, false, nil
	}
	line := data[:i]
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	args, ok := SplitArgs(line)
	if !ok {
		return nil, false, errUnbalancedQuotes
	}
	r.start += i + 1
	r.args = append(r.args[:0], args...)
	return r.args, true, nil
}

// SplitArgs splits an inline request the way Valkey's sdssplitargs does
// (engine.SplitArgs).
func SplitArgs(line []byte) (args [][]byte, ok bool) { return engine.SplitArgs(line) }
