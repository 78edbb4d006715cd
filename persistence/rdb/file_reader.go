package rdb

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
)

// fileBufSize is the reader's window on the file; a value is copied out of
// it as it is walked.
const fileBufSize = 256 << 10

// maxAuxFields bounds the AUX fields a reader keeps; later ones are read
// and dropped.
const maxAuxFields = 64

// ReadStats counts what a FileReader skipped.
type ReadStats struct {
	// Functions is the number of function libraries skipped (flect has
	// no FUNCTION support).
	Functions int
	// EmptyKeys is the number of empty collections skipped, as Valkey's
	// loader skips them.
	EmptyKeys int
	// Checksummed reports whether the file's CRC64 was verified (false
	// for a file saved with rdbchecksum off, or older than version 5).
	Checksummed bool
}

// FileReader reads an RDB file as a stream of entries. Memory is bounded
// by its buffer and the largest key and value in the file; no length read
// from the file is allocated before the file is seen to hold it. Every
// structure is walked, but the values' contents (listpacks, ziplists,
// stream entries) are validated only by Entry.Decode or by RESTORE.
type FileReader struct {
	src  io.Reader
	size int64 // the file's size, -1 when unknown
	// buf[r:w] is read and not consumed; base is the file offset of
	// buf[0]; crc covers the file up to buf[crcAt].
	buf          []byte
	r, w, crcAt  int
	base         int64
	crc          uint64
	srcErr       error
	version      int
	valkey       bool // the "VALKEY" magic
	db           int
	aux          []AuxField
	stats        ReadStats
	entry        Entry
	key, scratch []byte
	// rec is set while a value is walked: consumed bytes go to entry.Value.
	rec  bool
	err  error // sticky: the first error, or io.EOF after the checksum
	keyT byte  // the type of the value being walked, for errors
}

// NewFileReader reads the magic and version of the RDB file src holds.
// size is the file's length, -1 when unknown; with it, a length running
// past the end of the file is refused as soon as it is read.
func NewFileReader(src io.Reader, size int64) (*FileReader, error) {
	bufSize := fileBufSize
	if size >= 0 && size < fileBufSize {
		bufSize = max(int(size), 64) // take reads at most 24 bytes at once
	}
	f := &FileReader{src: src, size: size, buf: make([]byte, bufSize), version: -1}
	hdr, err := f.take(9)
	if err != nil {
		return nil, err
	}
	var digits []byte
	switch {
	case string(hdr[:5]) == "REDIS":
		digits = hdr[5:]
	case string(hdr[:6]) == "VALKEY":
		digits, f.valkey = hdr[6:], true
	default:
		return nil, &FileError{0, fmt.Sprintf("not an RDB file: it starts with %q, not REDIS or VALKEY", hdr)}
	}
	v := 0
	for _, c := range digits {
		if c < '0' || c > '9' {
			return nil, &FileError{0, fmt.Sprintf("not an RDB file: bad version %q", digits)}
		}
		v = v*10 + int(c-'0')
	}
	switch {
	case !f.valkey && v >= minFileVersion && v <= maxRedisFileVersion,
		f.valkey && v >= minValkeyFileVersion && v <= maxValkeyFileVersion:
	case !f.valkey && v > maxRedisFileVersion && v < minValkeyFileVersion:
		return nil, &FileError{5, fmt.Sprintf("RDB version %d is the format of Redis 7.4 or later, which flect cannot read "+
			"(it reads versions %d-%d, written by Redis 2 to 7.2 and Valkey 7 and 8, and %d-%d, written by Valkey 9)",
			v, minFileVersion, maxRedisFileVersion, minValkeyFileVersion, maxValkeyFileVersion)}
	default:
		return nil, &FileError{5, fmt.Sprintf("unsupported RDB version %d (flect reads %d-%d and %d-%d)",
			v, minFileVersion, maxRedisFileVersion, minValkeyFileVersion, maxValkeyFileVersion)}
	}
	f.version = v
	return f, nil
}

// Version returns the file's RDB format version.
func (f *FileReader) Version() int { return f.version }

// Aux returns the AUX fields read so far (all of them once Next has
// returned io.EOF), in file order.
func (f *FileReader) Aux() []AuxField { return f.aux }

// Stats returns what the reader skipped so far.
func (f *FileReader) Stats() ReadStats { return f.stats }

// Offset returns how many bytes of the file were consumed.
func (f *FileReader) Offset() int64 { return f.base + int64(f.r) }

// left returns the bytes of the file not consumed yet.
func (f *FileReader) left() int64 {
	if f.size < 0 {
		return math.MaxInt64
	}
	return f.size - f.Offset()
}

func (f *FileReader) errorf(off int64, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	if f.rec {
		msg = fmt.Sprintf("key %s in DB %d (%s, from offset %d): %s", quoteKey(f.key), f.db, typeName(f.keyT), f.entry.Offset, msg)
	}
	return &FileError{off, msg}
}

// compact moves the unread bytes to the front of the buffer, folding the
// consumed ones into the checksum.
func (f *FileReader) compact() {
	f.crc = CRC64(f.crc, f.buf[f.crcAt:f.r])
	n := copy(f.buf, f.buf[f.r:f.w])
	f.base += int64(f.r)
	f.r, f.w, f.crcAt = 0, n, 0
}

// fill makes n (at most the buffer's size) bytes readable.
func (f *FileReader) fill(n int) error {
	for f.w-f.r < n {
		if f.srcErr != nil {
			if errors.Is(f.srcErr, io.EOF) {
				return f.errorf(f.base+int64(f.w), "unexpected end of file")
			}
			return fmt.Errorf("rdb: read at offset %d: %w", f.base+int64(f.w), f.srcErr)
		}
		if len(f.buf)-f.r < n || f.w == len(f.buf) {
			f.compact()
		}
		m, err := f.src.Read(f.buf[f.w:])
		f.w += m
		if err != nil {
			f.srcErr = err
		}
	}
	return nil
}

// take consumes n (at most the buffer's size) bytes; the slice is valid
// until the next read.
func (f *FileReader) take(n int) ([]byte, error) {
	if err := f.fill(n); err != nil {
		return nil, err
	}
	s := f.buf[f.r : f.r+n]
	f.r += n
	if f.rec {
		f.entry.Value = append(f.entry.Value, s...)
	}
	return s, nil
}

// copyN appends the next n bytes of the file to dst, in chunks, so that
// memory grows with the bytes actually read; off is where their length
// was read, for errors.
func (f *FileReader) copyN(dst []byte, n uint64, what string, off int64) ([]byte, error) {
	if n > uint64(f.left()) {
		return nil, f.errorf(off, "%s of %d bytes runs past the end of the file (%d bytes left)", what, n, f.left())
	}
	for n > 0 {
		if f.r == f.w {
			if err := f.fill(1); err != nil {
				return nil, err
			}
		}
		k := min(uint64(f.w-f.r), n)
		dst = append(dst, f.buf[f.r:f.r+int(k)]...)
		f.r += int(k)
		n -= k
	}
	return dst, nil
}

func (f *FileReader) u8() (byte, error) {
	s, err := f.take(1)
	if err != nil {
		return 0, err
	}
	return s[0], nil
}

// length reads an RDB length; encoded is true for a string encoding.
func (f *FileReader) length() (n uint64, encoded bool, err error) {
	off := f.Offset()
	c, err := f.u8()
	if err != nil {
		return 0, false, err
	}
	k := lengthExtra(c)
	if k < 0 {
		return 0, false, f.errorf(off, "bad length byte 0x%02x", c)
	}
	var rest []byte
	if k > 0 {
		if rest, err = f.take(k); err != nil {
			return 0, false, err
		}
	}
	n, encoded = decodeLength(c, rest)
	return n, encoded, nil
}

// count reads a length that must not be a string encoding, counting items
// of at least minBytes bytes each.
func (f *FileReader) count(minBytes int, what string) (uint64, error) {
	off := f.Offset()
	n, enc, err := f.length()
	if err != nil {
		return 0, err
	}
	if enc {
		return 0, f.errorf(off, "%s is a string encoding, not a length", what)
	}
	if minBytes > 0 && n > uint64(f.left())/uint64(minBytes) {
		return 0, f.errorf(off, "%s %d cannot fit in the %d bytes left in the file", what, n, f.left())
	}
	return n, nil
}

// str reads a string in any encoding into dst[:0] (keys and AUX fields).
func (f *FileReader) str(dst []byte, what string) ([]byte, error) {
	off := f.Offset()
	n, enc, err := f.length()
	if err != nil {
		return nil, err
	}
	if !enc {
		return f.copyN(dst[:0], n, what, off)
	}
	switch n {
	case rdbEncInt8, rdbEncInt16, rdbEncInt32:
		s, err := f.take(1 << n)
		if err != nil {
			return nil, err
		}
		var v int64
		switch n {
		case rdbEncInt8:
			v = int64(int8(s[0]))
		case rdbEncInt16:
			v = int64(int16(binary.LittleEndian.Uint16(s)))
		default:
			v = int64(int32(binary.LittleEndian.Uint32(s)))
		}
		return strconv.AppendInt(dst[:0], v, 10), nil
	case rdbEncLZF:
		clen, err := f.count(1, what+"'s compressed length")
		if err != nil {
			return nil, err
		}
		ulen, err := f.count(0, what+"'s length")
		if err != nil {
			return nil, err
		}
		if ulen > clen*lzfMaxRef || ulen > maxStringLen {
			return nil, f.errorf(off, "%s: compressed string of %d bytes cannot expand to %d", what, clen, ulen)
		}
		if f.scratch, err = f.copyN(f.scratch[:0], clen, what, off); err != nil {
			return nil, err
		}
		if ulen == 0 {
			return dst[:0], nil
		}
		out, ok := lzfDecompress(f.scratch, int(ulen))
		if !ok {
			return nil, f.errorf(off, "%s: bad LZF data", what)
		}
		return append(dst[:0], out...), nil
	}
	return nil, f.errorf(off, "%s has unknown string encoding %d", what, n)
}

// Next returns the file's next key. The entry and its slices are reused:
// they are valid until the next call. At the end of the file, after the
// checksum is verified, Next returns io.EOF. Any malformed or unsupported
// content is a *FileError; it and read errors are returned again by every
// later call.
func (f *FileReader) Next() (*Entry, error) {
	if f.err != nil {
		return nil, f.err
	}
	e, err := f.next()
	if err != nil {
		f.rec = false
		f.err = err
		return nil, err
	}
	return e, nil
}

func (f *FileReader) next() (*Entry, error) {
	e := &f.entry
	e.ExpireAt, e.Idle, e.Freq = -1, -1, -1
	e.Offset = f.Offset()
	for {
		off := f.Offset()
		t, err := f.u8()
		if err != nil {
			return nil, err
		}
		if !f.valkey && t >= foreignTypeMin && t <= foreignTypeMax {
			return nil, f.errorf(off, "type or opcode %d is not part of RDB version %d (a Redis 7.4+ extension?)", t, f.version)
		}
		switch t {
		case opExpireTime:
			s, err := f.take(4)
			if err != nil {
				return nil, err
			}
			e.ExpireAt = int64(int32(binary.LittleEndian.Uint32(s))) * 1000
		case opExpireTimeMs:
			s, err := f.take(8)
			if err != nil {
				return nil, err
			}
			e.ExpireAt = int64(binary.LittleEndian.Uint64(s))
		case opFreq:
			c, err := f.u8()
			if err != nil {
				return nil, err
			}
			e.Freq = int(c)
		case opIdle:
			n, err := f.count(0, "LRU idle time")
			if err != nil {
				return nil, err
			}
			e.Idle = int64(min(n, math.MaxInt64))
		case opSelectDB:
			n, err := f.count(0, "database number")
			if err != nil {
				return nil, err
			}
			if n > math.MaxInt32 {
				return nil, f.errorf(off, "database number %d out of range", n)
			}
			f.db = int(n)
		case opResizeDB:
			for _, what := range []string{"RESIZEDB key count", "RESIZEDB expire count"} {
				if _, err := f.count(0, what); err != nil {
					return nil, err
				}
			}
		case opSlotInfo:
			for _, what := range []string{"slot number", "slot size", "slot expires size"} {
				if _, err := f.count(0, what); err != nil {
					return nil, err
				}
			}
		case opSlotImport:
			if f.scratch, err = f.str(f.scratch, "slot import job name"); err != nil {
				return nil, err
			}
			n, err := f.count(2, "slot range count")
			if err != nil {
				return nil, err
			}
			for range 2 * n {
				if _, err := f.count(0, "slot range bound"); err != nil {
					return nil, err
				}
			}
		case opAux:
			k, err := f.str(nil, "AUX field name")
			if err != nil {
				return nil, err
			}
			v, err := f.str(nil, "AUX field value")
			if err != nil {
				return nil, err
			}
			if len(f.aux) < maxAuxFields {
				f.aux = append(f.aux, AuxField{string(k), string(v)})
			}
		case opModuleAux:
			return nil, f.errorf(off, "the file holds module data (MODULE_AUX), and flect has no modules")
		case opFunctionPreGA:
			return nil, f.errorf(off, "the file holds functions in the format of Redis 7.0 release candidates, which is not supported")
		case opFunction2:
			if f.scratch, err = f.str(f.scratch, "function library"); err != nil {
				return nil, err
			}
			f.stats.Functions++
		case opEOF:
			return nil, f.finish()
		default:
			empty, err := f.readKey(t, off)
			if err != nil {
				return nil, err
			}
			if empty {
				f.stats.EmptyKeys++
				e.ExpireAt, e.Idle, e.Freq = -1, -1, -1
				e.Offset = f.Offset()
				continue
			}
			e.DB, e.Key = f.db, f.key
			return e, nil
		}
	}
}

// finish reads and checks the checksum after the EOF opcode.
func (f *FileReader) finish() error {
	sum := CRC64(f.crc, f.buf[f.crcAt:f.r])
	if f.version < checksumFileVersion {
		return io.EOF
	}
	off := f.Offset()
	s, err := f.take(8)
	if err != nil {
		return err
	}
	if got := binary.LittleEndian.Uint64(s); got != 0 {
		if got != sum {
			return f.errorf(off, "checksum mismatch: the file says %016x, its content sums to %016x", got, sum)
		}
		f.stats.Checksummed = true
	}
	return io.EOF
}

// readKey reads the key and value of object type t; empty reports an
// empty collection (skipped as Valkey does).
func (f *FileReader) readKey(t byte, off int64) (empty bool, err error) {
	if !isObjectType(t) {
		return false, f.errorf(off, "unknown type or opcode %d", t)
	}
	if f.key, err = f.str(f.key, "key"); err != nil {
		return false, err
	}
	e := &f.entry
	e.Value = append(e.Value[:0], t)
	f.keyT, f.rec = t, true
	empty, err = f.walkValue(t)
	f.rec = false
	return empty, err
}

// isObjectType reports whether t is an object type of RDB files.
func isObjectType(t byte) bool {
	return t <= TypeModule2 || t >= TypeHashZipmap && t <= TypeHash2 || t == typePathHash
}

// typePathHash is Valkey 9.2's path hash, which flect does not read.
const typePathHash = 23
