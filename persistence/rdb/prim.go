package rdb

import (
	"encoding/binary"
	"math"
	"strconv"

	"github.com/flect-kv/flect/engine"
)

// Writing primitives: lengths, strings (integer, LZF and raw encodings),
// doubles and millisecond times, appended to a byte slice.

// appendLen appends an RDB length (rdbSaveLen).
func appendLen(b []byte, n uint64) []byte {
	switch {
	case n < 1<<6:
		return append(b, byte(n))
	case n < 1<<14:
		return append(b, byte(n>>8)|len14Bit<<6, byte(n))
	case n <= math.MaxUint32:
		b = append(b, len32Bit)
		return binary.BigEndian.AppendUint32(b, uint32(n))
	}
	b = append(b, len64Bit)
	return binary.BigEndian.AppendUint64(b, n)
}

// appendIntEncoded appends v in an integer string encoding, if it fits 32
// bits (rdbEncodeInteger).
func appendIntEncoded(b []byte, v int64) ([]byte, bool) {
	switch {
	case v >= math.MinInt8 && v <= math.MaxInt8:
		return append(b, lenEncVal<<6|rdbEncInt8, byte(v)), true
	case v >= math.MinInt16 && v <= math.MaxInt16:
		b = append(b, lenEncVal<<6|rdbEncInt16)
		return binary.LittleEndian.AppendUint16(b, uint16(v)), true
	case v >= math.MinInt32 && v <= math.MaxInt32:
		b = append(b, lenEncVal<<6|rdbEncInt32)
		return binary.LittleEndian.AppendUint32(b, uint32(v)), true
	}
	return b, false
}

// appendInt appends the string form of v (rdbSaveLongLongAsStringObject).
func appendInt(b []byte, v int64) []byte {
	if out, ok := appendIntEncoded(b, v); ok {
		return out
	}
	var buf [20]byte
	s := strconv.AppendInt(buf[:0], v, 10)
	b = appendLen(b, uint64(len(s)))
	return append(b, s...)
}

// appendString appends s as rdbSaveRawString does: an integer encoding
// for a short canonical integer, LZF for a longer string that compresses
// (when compress), else the raw bytes.
func appendString(b []byte, s []byte, compress bool) []byte {
	if len(s) <= integerEncodingMaxLen {
		if v, ok := parseStrictInt(s); ok {
			if out, ok := appendIntEncoded(b, v); ok {
				return out
			}
		}
	}
	if compress && len(s) > compressMinLen {
		if out, ok := appendLZF(b, s); ok {
			return out
		}
	}
	b = appendLen(b, uint64(len(s)))
	return append(b, s...)
}

// appendBinaryDouble appends f as 8 little-endian bytes.
func appendBinaryDouble(b []byte, f float64) []byte {
	return binary.LittleEndian.AppendUint64(b, math.Float64bits(f))
}

// appendMs appends a millisecond time as 8 little-endian bytes.
func appendMs(b []byte, ms int64) []byte {
	return binary.LittleEndian.AppendUint64(b, uint64(ms))
}

// parseStrictInt is Valkey's string2ll (engine.ParseInt).
func parseStrictInt(b []byte) (int64, bool) { return engine.ParseInt(b) }

// reader reads primitives from a payload; every read is bounded by the
// bytes left.
type reader struct {
	b []byte
	p int
	// maxString bounds a decompressed string's length.
	maxString int
}

func (r *reader) left() int { return len(r.b) - r.p }

func (r *reader) byte() (byte, error) {
	if r.p >= len(r.b) {
		return 0, ErrBadData
	}
	c := r.b[r.p]
	r.p++
	return c, nil
}

func (r *reader) bytes(n int) ([]byte, error) {
	if n < 0 || n > r.left() {
		return nil, ErrBadData
	}
	s := r.b[r.p : r.p+n]
	r.p += n
	return s, nil
}

// length reads an RDB length; encoded is true for a special string
// encoding, whose kind is then the length.
func (r *reader) length() (n uint64, encoded bool, err error) {
	c, err := r.byte()
	if err != nil {
		return 0, false, err
	}
	k := lengthExtra(c)
	if k < 0 {
		return 0, false, ErrBadData
	}
	var rest []byte
	if k > 0 {
		if rest, err = r.bytes(k); err != nil {
			return 0, false, err
		}
	}
	n, encoded = decodeLength(c, rest)
	return n, encoded, nil
}

// lengthExtra returns how many bytes follow c, the first byte of an RDB
// length, or -1 if no length starts with c.
func lengthExtra(c byte) int {
	switch c >> 6 {
	case len6Bit, lenEncVal:
		return 0
	case len14Bit:
		return 1
	}
	switch c {
	case len32Bit:
		return 4
	case len64Bit:
		return 8
	}
	return -1
}

// decodeLength decodes an RDB length from its first byte c and the
// lengthExtra(c) bytes after it; encoded is true for a special string
// encoding, whose kind is then n.
func decodeLength(c byte, rest []byte) (n uint64, encoded bool) {
	switch c >> 6 {
	case len6Bit:
		return uint64(c & 0x3f), false
	case len14Bit:
		return uint64(c&0x3f)<<8 | uint64(rest[0]), false
	case lenEncVal:
		return uint64(c & 0x3f), true
	}
	if c == len32Bit {
		return uint64(binary.BigEndian.Uint32(rest)), false
	}
	return binary.BigEndian.Uint64(rest), false
}

// count reads a plain length that counts items each taking at least
// minBytes of the input, so a count larger than the input can hold fails
// before anything is allocated for it.
func (r *reader) count(minBytes int) (int, error) {
	n, enc, err := r.length()
	if err != nil || enc {
		return 0, ErrBadData
	}
	if n > uint64(r.left()/minBytes) {
		return 0, ErrBadData
	}
	return int(n), nil
}

// string reads a string in any encoding. The result may alias the input.
func (r *reader) string() ([]byte, error) {
	n, enc, err := r.length()
	if err != nil {
		return nil, err
	}
	if !enc {
		if n > uint64(r.left()) {
			return nil, ErrBadData
		}
		return r.bytes(int(n))
	}
	var v int64
	switch n {
	case rdbEncInt8:
		s, err := r.bytes(1)
		if err != nil {
			return nil, err
		}
		v = int64(int8(s[0]))
	case rdbEncInt16:
		s, err := r.bytes(2)
		if err != nil {
			return nil, err
		}
		v = int64(int16(binary.LittleEndian.Uint16(s)))
	case rdbEncInt32:
		s, err := r.bytes(4)
		if err != nil {
			return nil, err
		}
		v = int64(int32(binary.LittleEndian.Uint32(s)))
	case rdbEncLZF:
		clen, e1, err := r.length()
		if err != nil || e1 {
			return nil, ErrBadData
		}
		ulen, e2, err := r.length()
		if err != nil || e2 || clen > uint64(r.left()) {
			return nil, ErrBadData
		}
		c, _ := r.bytes(int(clen))
		if ulen == 0 {
			// lzf_decompress into no room returns 0, which Valkey takes
			// for success: an empty string, whatever c holds.
			return []byte{}, nil
		}
		// An LZF back-reference of 3 bytes expands to at most 264.
		if ulen > clen*lzfMaxRef || ulen > uint64(r.maxString) {
			return nil, ErrBadData
		}
		out, ok := lzfDecompress(c, int(ulen))
		if !ok {
			return nil, ErrBadData
		}
		return out, nil
	default:
		return nil, ErrBadData
	}
	return strconv.AppendInt(nil, v, 10), nil
}

// binaryDouble reads an 8-byte little-endian double.
func (r *reader) binaryDouble() (float64, error) {
	s, err := r.bytes(8)
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(s)), nil
}

// ms reads an 8-byte little-endian millisecond time.
func (r *reader) ms() (int64, error) {
	s, err := r.bytes(8)
	if err != nil {
		return 0, err
	}
	return int64(binary.LittleEndian.Uint64(s)), nil
}

// oldDouble reads a double of the RDB_TYPE_ZSET form: a length byte
// (253 nan, 254 +inf, 255 -inf) and that many ASCII bytes.
func (r *reader) oldDouble() (float64, error) {
	c, err := r.byte()
	if err != nil {
		return 0, err
	}
	switch c {
	case 253:
		return math.NaN(), nil
	case 254:
		return math.Inf(1), nil
	case 255:
		return math.Inf(-1), nil
	}
	s, err := r.bytes(int(c))
	if err != nil {
		return 0, err
	}
	f, err := strconv.ParseFloat(string(s), 64)
	if err != nil {
		return 0, ErrBadData
	}
	return f, nil
}
