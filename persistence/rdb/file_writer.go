package rdb

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/flect-kv/flect/engine"
)

// WriterOptions configure a FileWriter.
type WriterOptions struct {
	// Version is the RDB version to write: Version (11, the default when
	// 0), which Valkey 7.2 to 9 and Redis 7.2 load, or FileVersion10,
	// which Redis 7.0 also loads.
	Version int
	// Now is the file's creation time (the ctime AUX field) and the clock
	// against which hash field deadlines are judged; zero means the
	// current time.
	Now time.Time
	// UsedMemory is the used-mem AUX field: the source's memory use.
	UsedMemory int64
}

// WriteStats counts what a FileWriter changed to fit the file's version.
type WriteStats struct {
	// Keys is the number of keys written.
	Keys int64
	// FieldTTLs is the number of hash fields written without the TTL they
	// had: no RDB version up to 11 can hold one.
	FieldTTLs int64
	// ExpiredFields is the number of hash fields left out because their
	// TTL had passed.
	ExpiredFields int64
	// ExpiredKeys is the number of hashes left out because all their
	// fields' TTLs had passed.
	ExpiredKeys int64
}

// Written is what FileWriter.Write did with one key.
type Written struct {
	// Skipped is set when the key was left out: a hash all of whose
	// fields had expired.
	Skipped bool
	// FieldTTLs is the number of the hash's fields written without their
	// TTL.
	FieldTTLs int
}

// errWriterClosed is returned by a FileWriter's methods after Close or a
// write error.
var errWriterClosed = errors.New("rdb: file writer closed")

// FileWriter writes an RDB file: the header and AUX fields as Valkey
// writes them, then keys database by database, then the EOF opcode and
// the CRC64. Values older file versions cannot hold are rewritten in a
// form they can (see Write).
type FileWriter struct {
	cw       *crcWriter
	bw       *bufio.Writer
	version  int
	nowMs    int64
	db       int // the database announced, -1 before any
	next     int // the database of the next keys
	hintKeys uint64
	hintExp  uint64
	// conv holds a value rewritten for the version, hdr a key's opcodes,
	// type and name.
	conv, hdr []byte
	stats     WriteStats
	err       error
}

// crcWriter forwards writes and sums them.
type crcWriter struct {
	w   io.Writer
	crc uint64
}

func (c *crcWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.crc = CRC64(c.crc, p[:n])
	return n, err
}

// NewFileWriter writes the magic and AUX fields of an RDB file to w. The
// caller closes w after Close.
func NewFileWriter(w io.Writer, o WriterOptions) (*FileWriter, error) {
	if o.Version == 0 {
		o.Version = Version
	}
	if o.Version != Version && o.Version != FileVersion10 {
		return nil, fmt.Errorf("rdb: cannot write RDB version %d (only %d and %d)", o.Version, FileVersion10, Version)
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	cw := &crcWriter{w: w}
	fw := &FileWriter{cw: cw, bw: bufio.NewWriterSize(cw, fileBufSize), version: o.Version,
		nowMs: o.Now.UnixMilli(), db: -1}
	b := fmt.Appendf(nil, "REDIS%04d", o.Version)
	for _, kv := range [][2]string{
		{"valkey-ver", engine.ValkeyVersion},
		{"redis-bits", strconv.Itoa(strconv.IntSize)},
		{"ctime", strconv.FormatInt(o.Now.Unix(), 10)},
		{"used-mem", strconv.FormatInt(o.UsedMemory, 10)},
		{"aof-base", "0"},
	} {
		b = append(b, opAux)
		b = appendString(b, []byte(kv[0]), false)
		b = appendString(b, []byte(kv[1]), false)
	}
	if _, err := fw.bw.Write(b); err != nil {
		return nil, err
	}
	return fw, nil
}

// Stats returns what the writer did so far.
func (w *FileWriter) Stats() WriteStats { return w.stats }

// SelectDB makes the following keys belong to database db, which holds
// about keys keys, expires of them with a TTL (the RESIZEDB hint Valkey's
// loader sizes its tables with; 0 when unknown). Nothing is written for a
// database until its first key.
func (w *FileWriter) SelectDB(db int, keys, expires uint64) error {
	if db < 0 {
		return fmt.Errorf("rdb: bad database number %d", db)
	}
	if db != w.db {
		w.next, w.hintKeys, w.hintExp = db, keys, expires
	}
	return nil
}

// Write writes a key of the selected database (0 if none was) with its
// value, an RDB type byte and serialized object as a DUMP payload holds
// them without the footer, and its deadline in unix milliseconds (-1 for
// none). For RDB version 10, a listpack set is written as a plain set and
// a stream without its consumers' active times; for both versions, a
// hash with field TTLs is written as a plain hash whose fields lose their
// TTL (counted in Written and Stats) and leave out the fields already
// expired, the whole key when none is left.
func (w *FileWriter) Write(key, value []byte, expireAt int64) (Written, error) {
	if w.err != nil {
		return Written{}, w.err
	}
	if len(value) == 0 {
		return Written{}, errors.New("rdb: empty value")
	}
	val, res, err := downgradeValue(w.conv[:0], value, w.version, w.nowMs)
	if err != nil {
		return Written{}, fmt.Errorf("rdb: key %s: %w", quoteKey(key), err)
	}
	if res.converted {
		w.conv = val[:0]
	}
	w.stats.FieldTTLs += int64(res.fieldTTLs)
	w.stats.ExpiredFields += int64(res.expiredFields)
	if val == nil {
		w.stats.ExpiredKeys++
		return Written{Skipped: true}, nil
	}
	b := w.hdr[:0]
	if w.db != w.next {
		w.db = w.next
		b = append(b, opSelectDB)
		b = appendLen(b, uint64(w.db))
		if w.hintKeys > 0 {
			b = append(b, opResizeDB)
			b = appendLen(b, w.hintKeys)
			b = appendLen(b, w.hintExp)
		}
	}
	if expireAt >= 0 {
		b = append(b, opExpireTimeMs)
		b = appendMs(b, expireAt)
	}
	b = append(b, val[0])
	b = appendString(b, key, true)
	w.hdr = b[:0]
	if _, err := w.bw.Write(b); err != nil {
		return Written{}, w.fail(err)
	}
	if _, err := w.bw.Write(val[1:]); err != nil {
		return Written{}, w.fail(err)
	}
	w.stats.Keys++
	return Written{FieldTTLs: res.fieldTTLs}, nil
}

// fail records a write error: every later call returns it.
func (w *FileWriter) fail(err error) error {
	w.err = fmt.Errorf("rdb: write: %w", err)
	return w.err
}

// Close writes the EOF opcode and the checksum and flushes the file. It
// does not close the underlying writer.
func (w *FileWriter) Close() error {
	if w.err != nil {
		return w.err
	}
	w.err = errWriterClosed
	if err := w.bw.WriteByte(opEOF); err != nil {
		return w.fail(err)
	}
	if err := w.bw.Flush(); err != nil {
		return w.fail(err)
	}
	if _, err := w.cw.w.Write(binary.LittleEndian.AppendUint64(nil, w.cw.crc)); err != nil {
		return w.fail(err)
	}
	return nil
}
