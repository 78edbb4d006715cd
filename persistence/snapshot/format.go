package snapshot

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
)

// The on-disk encoding of keys, chunks, records and manifests. doc.go
// describes the format; every change to this file that alters bytes must
// bump FormatVersion and keep reading the older versions.

// FormatVersion is the version of the snapshot format this package writes.
// Load refuses snapshots of a newer version.
const FormatVersion = 1

// Pebble keys.
var (
	keyCurrent = []byte("current")
	prefixMeta = []byte("meta/")
	prefixSnap = []byte("snap/")
	// endSnap is the first key after every snap/ key.
	endSnap = []byte("snap0")
)

const (
	tagData     = 'd' // snap/<G> d <seq>: a chunk
	tagManifest = 'm' // snap/<G> m: the manifest
)

// genPrefix returns snap/<G>: the start of generation G's keys.
func genPrefix(g uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), prefixSnap...), g)
}

// chunkKey returns the key of chunk seq of generation g.
func chunkKey(dst []byte, g, seq uint64) []byte {
	dst = append(dst[:0], prefixSnap...)
	dst = binary.BigEndian.AppendUint64(dst, g)
	dst = append(dst, tagData)
	return binary.BigEndian.AppendUint64(dst, seq)
}

// manifestKey returns the key of generation g's manifest.
func manifestKey(g uint64) []byte { return append(genPrefix(g), tagManifest) }

// parseChunkKey returns the generation and sequence number of a chunk key.
func parseChunkKey(k []byte) (g, seq uint64, ok bool) {
	if len(k) != len(prefixSnap)+8+1+8 || string(k[:len(prefixSnap)]) != string(prefixSnap) ||
		k[len(prefixSnap)+8] != tagData {
		return 0, 0, false
	}
	p := k[len(prefixSnap):]
	return binary.BigEndian.Uint64(p), binary.BigEndian.Uint64(p[9:]), true
}

// parseGen returns the generation of any snap/ key.
func parseGen(k []byte) (uint64, bool) {
	if len(k) < len(prefixSnap)+8 || string(k[:len(prefixSnap)]) != string(prefixSnap) {
		return 0, false
	}
	return binary.BigEndian.Uint64(k[len(prefixSnap):]), true
}

// castagnoli is the CRC-32C table (hardware accelerated on amd64 and
// arm64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Chunk kinds.
const (
	kindRecords   = 0 // whole records
	kindFragFirst = 1 // the first piece of one record too large for a chunk
	kindFragMore  = 2 // a middle piece
	kindFragLast  = 3 // the last piece
)

// chunkHeader is the kind byte and the record count (uint32 LE).
const chunkHeader = 1 + 4

// chunkTrailer is the CRC-32C.
const chunkTrailer = 4

// chunkCRC is the checksum of a chunk: its generation and sequence number
// (8 bytes big-endian each) followed by the chunk's bytes before the
// trailer, so that a chunk stored under the wrong key does not verify.
func chunkCRC(g, seq uint64, body []byte) uint32 {
	var id [16]byte
	binary.BigEndian.PutUint64(id[:], g)
	binary.BigEndian.PutUint64(id[8:], seq)
	return crc32.Update(crc32.Update(0, castagnoli, id[:]), castagnoli, body)
}

// sealChunk writes the header of chunk buffer b (which starts with
// chunkHeader reserved bytes) and appends its checksum.
func sealChunk(b []byte, g, seq uint64, kind byte, count uint32) []byte {
	b[0] = kind
	binary.LittleEndian.PutUint32(b[1:], count)
	return binary.LittleEndian.AppendUint32(b, chunkCRC(g, seq, b))
}

// ErrCorrupt is wrapped by every error that reports damaged snapshot data
// (checksum mismatches, truncated or missing chunks, malformed records).
var ErrCorrupt = errors.New("snapshot: corrupt snapshot")

// corruptf returns an ErrCorrupt error with details.
func corruptf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrCorrupt, fmt.Sprintf(format, args...))
}

// openChunk verifies chunk seq of generation g and returns its kind,
// record count and payload (aliasing v).
func openChunk(g, seq uint64, v []byte) (kind byte, count uint32, payload []byte, err error) {
	if len(v) < chunkHeader+chunkTrailer {
		return 0, 0, nil, corruptf("generation %d chunk %d: truncated (%d bytes)", g, seq, len(v))
	}
	body := v[:len(v)-chunkTrailer]
	if want := binary.LittleEndian.Uint32(v[len(body):]); chunkCRC(g, seq, body) != want {
		return 0, 0, nil, corruptf("generation %d chunk %d: checksum mismatch", g, seq)
	}
	kind, count = body[0], binary.LittleEndian.Uint32(body[1:])
	if kind > kindFragLast || kind != kindRecords && count != 0 {
		return 0, 0, nil, corruptf("generation %d chunk %d: bad header (kind %d, %d records)", g, seq, kind, count)
	}
	return kind, count, body[chunkHeader:], nil
}

// Record flags.
const (
	flagExpire = 1 << 0 // an 8-byte deadline follows the key
	flagNS     = 1 << 1 // a namespace name follows the flags
	flagsKnown = flagExpire | flagNS
)

// appendRecordHeader appends a record's fields before its value: flags,
// the namespace (when not the default one), the database, the key, the
// deadline (when set) and the value's length.
func appendRecordHeader(b []byte, ns string, db int, key string, expire int64, valLen int) []byte {
	var flags byte
	if expire != 0 {
		flags |= flagExpire
	}
	if ns != "" {
		flags |= flagNS
	}
	b = append(b, flags)
	if ns != "" {
		b = binary.AppendUvarint(b, uint64(len(ns)))
		b = append(b, ns...)
	}
	b = binary.AppendUvarint(b, uint64(db))
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	if expire != 0 {
		b = binary.LittleEndian.AppendUint64(b, uint64(expire))
	}
	return binary.AppendUvarint(b, uint64(valLen))
}

// record is one decoded record; its slices alias the chunk.
type record struct {
	ns     []byte
	db     int
	key    []byte
	expire int64
	// value is the RDB type byte and serialized object.
	value []byte
}

// maxDB bounds a record's database number (far above any configuration).
const maxDB = 1 << 20

// decodeRecord decodes the record at the start of b and returns it and
// its length. b is untrusted: every length is checked against what
// remains.
func decodeRecord(b []byte) (record, int, error) {
	var r record
	if len(b) == 0 {
		return r, 0, errors.New("empty record")
	}
	flags := b[0]
	if flags&^flagsKnown != 0 {
		return r, 0, fmt.Errorf("unknown record flags %#x", flags)
	}
	p := 1
	bytesField := func(what string) ([]byte, error) {
		n, w := binary.Uvarint(b[p:])
		if w <= 0 || n > uint64(len(b)-p-w) {
			return nil, fmt.Errorf("bad %s length", what)
		}
		p += w
		s := b[p : p+int(n)]
		p += int(n)
		return s, nil
	}
	var err error
	if flags&flagNS != 0 {
		if r.ns, err = bytesField("namespace"); err != nil {
			return r, 0, err
		}
		if len(r.ns) == 0 {
			return r, 0, errors.New("empty namespace name")
		}
	}
	db, w := binary.Uvarint(b[p:])
	if w <= 0 || db >= maxDB {
		return r, 0, errors.New("bad database number")
	}
	p += w
	r.db = int(db)
	if r.key, err = bytesField("key"); err != nil {
		return r, 0, err
	}
	if flags&flagExpire != 0 {
		if len(b)-p < 8 {
			return r, 0, errors.New("truncated deadline")
		}
		r.expire = int64(binary.LittleEndian.Uint64(b[p:]))
		p += 8
		if r.expire == 0 {
			return r, 0, errors.New("zero deadline")
		}
	}
	if r.value, err = bytesField("value"); err != nil {
		return r, 0, err
	}
	if len(r.value) == 0 {
		return r, 0, errors.New("empty value")
	}
	return r, p, nil
}

// Manifest is what a generation's manifest records.
type Manifest struct {
	// Version is the format version the snapshot was written with.
	Version uint32
	// Generation numbers the snapshot; each new snapshot takes a higher
	// one.
	Generation uint64
	// Time is the snapshot's point in time.
	Time time.Time
	// Keys is the number of records.
	Keys uint64
	// Chunks is the number of chunks.
	Chunks uint64
	// Bytes is the total size of the chunks.
	Bytes uint64
	// ChunksCRC is the CRC-32C of every chunk's checksum in order (4
	// bytes little-endian each).
	ChunksCRC uint32
	// Creator names the program that wrote the snapshot.
	Creator string
	// DBs counts the records of each database, in namespace and
	// database order (a loader may size its tables from them, as
	// Valkey's RESIZEDB opcode allows).
	DBs []DBKeys
}

// DBKeys is the number of keys of one database in a snapshot.
type DBKeys struct {
	NS   string
	DB   int
	Keys uint64
}

// manifestMagic opens a manifest.
const manifestMagic = "FLECTSNP"

// maxCreator bounds the creator string.
const maxCreator = 256

// encode returns the manifest's bytes: the magic, the fields as
// little-endian integers (the time in unix milliseconds), the creator
// with a uvarint length, and the CRC-32C of everything before.
func (m *Manifest) encode() []byte {
	b := append([]byte(nil), manifestMagic...)
	b = binary.LittleEndian.AppendUint32(b, m.Version)
	b = binary.LittleEndian.AppendUint64(b, m.Generation)
	b = binary.LittleEndian.AppendUint64(b, uint64(m.Time.UnixMilli()))
	b = binary.LittleEndian.AppendUint64(b, m.Keys)
	b = binary.LittleEndian.AppendUint64(b, m.Chunks)
	b = binary.LittleEndian.AppendUint64(b, m.Bytes)
	b = binary.LittleEndian.AppendUint32(b, m.ChunksCRC)
	creator := m.Creator
	if len(creator) > maxCreator {
		creator = creator[:maxCreator]
	}
	b = binary.AppendUvarint(b, uint64(len(creator)))
	b = append(b, creator...)
	b = binary.AppendUvarint(b, uint64(len(m.DBs)))
	for _, d := range m.DBs {
		b = binary.AppendUvarint(b, uint64(len(d.NS)))
		b = append(b, d.NS...)
		b = binary.AppendUvarint(b, uint64(d.DB))
		b = binary.AppendUvarint(b, d.Keys)
	}
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

// manifestFixed is the size of a manifest without its creator string.
const manifestFixed = len(manifestMagic) + 4 + 8*5 + 4

// decodeManifest parses and verifies a manifest.
func decodeManifest(b []byte) (Manifest, error) {
	var m Manifest
	if len(b) < manifestFixed+2+4 || string(b[:len(manifestMagic)]) != manifestMagic {
		return m, corruptf("manifest: bad header")
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(body):]) {
		return m, corruptf("manifest: checksum mismatch")
	}
	p := body[len(manifestMagic):]
	m.Version = binary.LittleEndian.Uint32(p)
	if m.Version == 0 || m.Version > FormatVersion {
		return m, fmt.Errorf("snapshot: format version %d is not supported (this flect reads up to %d)", m.Version, FormatVersion)
	}
	m.Generation = binary.LittleEndian.Uint64(p[4:])
	m.Time = time.UnixMilli(int64(binary.LittleEndian.Uint64(p[12:])))
	m.Keys = binary.LittleEndian.Uint64(p[20:])
	m.Chunks = binary.LittleEndian.Uint64(p[28:])
	m.Bytes = binary.LittleEndian.Uint64(p[36:])
	m.ChunksCRC = binary.LittleEndian.Uint32(p[44:])
	p = p[48:]
	n, w := binary.Uvarint(p)
	if w <= 0 || n > maxCreator || n > uint64(len(p)-w) {
		return m, corruptf("manifest: bad creator length")
	}
	m.Creator = string(p[w : w+int(n)])
	p = p[w+int(n):]
	n, w = binary.Uvarint(p)
	if w <= 0 || n > uint64(len(p)) { // each entry takes at least 3 bytes
		return m, corruptf("manifest: bad database count")
	}
	p = p[w:]
	m.DBs = make([]DBKeys, 0, n)
	for range n {
		var d DBKeys
		l, w := binary.Uvarint(p)
		if w <= 0 || l > uint64(len(p)-w) {
			return m, corruptf("manifest: bad database entry")
		}
		d.NS = string(p[w : w+int(l)])
		p = p[w+int(l):]
		db, w := binary.Uvarint(p)
		if w <= 0 || db >= maxDB {
			return m, corruptf("manifest: bad database entry")
		}
		d.DB = int(db)
		p = p[w:]
		if d.Keys, w = binary.Uvarint(p); w <= 0 {
			return m, corruptf("manifest: bad database entry")
		}
		p = p[w:]
		m.DBs = append(m.DBs, d)
	}
	if len(p) != 0 {
		return m, corruptf("manifest: %d trailing bytes", len(p))
	}
	return m, nil
}

// foldCRC adds a chunk's checksum to a running ChunksCRC.
func foldCRC(acc, chunk uint32) uint32 {
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], chunk)
	return crc32.Update(acc, castagnoli, b[:])
}
