package rdb

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/flect-kv/flect/engine"
)

// RDB files (rdb.c's rdbSaveRio and rdbLoadRio): a 9-byte magic holding
// the format version ("REDIS0011"; "VALKEY080" from Valkey 9), AUX
// fields, function libraries, then per database a SELECTDB and a RESIZEDB
// hint followed by its keys, each an optional expire time and LRU/LFU
// opcode, the object type byte, the key and the serialized value; an EOF
// opcode and the CRC64 of everything before it close the file.

// Opcodes (rdb.h), read where an object type byte may appear.
const (
	opSlotImport    = 243 // Valkey 9: an atomic slot migration in progress
	opSlotInfo      = 244 // Redis 7.4: per-slot size hints
	opFunction2     = 245 // a function library's code
	opFunctionPreGA = 246 // Redis 7.0 release candidates' functions
	opModuleAux     = 247 // module data outside the keyspace
	opIdle          = 248 // the next key's LRU idle time (seconds)
	opFreq          = 249 // the next key's LFU counter
	opAux           = 250 // a key/value string pair of metadata
	opResizeDB      = 251 // the database's key and expire counts
	opExpireTimeMs  = 252 // the next key's deadline, unix ms
	opExpireTime    = 253 // the next key's deadline, unix seconds (before RDB 3)
	opSelectDB      = 254 // the database of the following keys
	opEOF           = 255
)

// File format versions flect reads and writes.
const (
	// minFileVersion is the oldest version read: Redis 2.0's.
	minFileVersion = 1
	// maxRedisFileVersion is the last version with the "REDIS" magic that
	// open-source Redis and Valkey 7-8 write; 12 to 79 are Redis 7.4 and
	// later's own formats.
	maxRedisFileVersion = 11
	// Valkey 9.0 and 9.2 write 80 and 81 with the "VALKEY" magic.
	minValkeyFileVersion = 80
	maxValkeyFileVersion = 81
	// checksumFileVersion is the first version ending in a CRC64.
	checksumFileVersion = 5
	// FileVersion10 is the version Redis 7.0 writes and reads, without
	// listpack sets and consumers' active times.
	FileVersion10 = 10
	// foreignTypeMin and foreignTypeMax bound the type bytes a "REDIS"
	// file must not hold: Redis 7.4+ gave them other meanings than Valkey.
	foreignTypeMin = 22
	foreignTypeMax = 243
)

// typeNames names the object types for error messages.
var typeNames = map[byte]string{
	TypeString: "string", TypeList: "list", TypeSet: "set", TypeZSet: "zset", TypeHash: "hash",
	TypeZSet2: "zset", TypeModulePreGA: "module value", TypeModule2: "module value",
	TypeHashZipmap: "hash (zipmap)", TypeListZiplist: "list (ziplist)", TypeSetIntset: "set (intset)",
	TypeZSetZiplist: "zset (ziplist)", TypeHashZiplist: "hash (ziplist)", TypeListQuicklist: "list (quicklist)",
	TypeStreamListpacks: "stream", TypeHashListpack: "hash (listpack)", TypeZSetListpack: "zset (listpack)",
	TypeListQuicklist2: "list (quicklist)", TypeStreamListpacks2: "stream", TypeSetListpack: "set (listpack)",
	TypeStreamListpacks3: "stream", TypeHash2: "hash with field TTLs",
}

// typeName names object type t.
func typeName(t byte) string {
	if s, ok := typeNames[t]; ok {
		return s
	}
	return "type " + strconv.Itoa(int(t))
}

// FileError is a malformed or unsupported RDB file: where it goes wrong
// and what is wrong.
type FileError struct {
	// Offset is the file offset of the byte where reading failed (for a
	// key's value, of the key's first byte).
	Offset int64
	// Msg says what is wrong.
	Msg string
}

// Error formats the error with its offset.
func (e *FileError) Error() string {
	return fmt.Sprintf("rdb: offset %d: %s", e.Offset, e.Msg)
}

// AuxField is one AUX field of a file (valkey-ver, ctime, used-mem...).
type AuxField struct {
	Key, Value string
}

// Entry is one key of an RDB file.
type Entry struct {
	// DB is the database the key belongs to.
	DB int
	// Key is the key's name.
	Key []byte
	// Value is the RDB object type byte and the serialized object: a DUMP
	// payload without its footer.
	Value []byte
	// ExpireAt is the key's deadline in unix milliseconds, -1 for none.
	ExpireAt int64
	// Idle is the key's LRU idle time in seconds, -1 when not recorded.
	Idle int64
	// Freq is the key's LFU counter, -1 when not recorded.
	Freq int
	// Offset is the file offset of the key's first byte (its first
	// opcode).
	Offset int64
}

// Type returns the entry's RDB object type byte.
func (e *Entry) Type() byte { return e.Value[0] }

// Payload appends the entry's value as a DUMP payload (with the RDB
// version and CRC64 footer RESTORE checks) to dst.
func (e *Entry) Payload(dst []byte) []byte {
	start := len(dst)
	dst = append(dst, e.Value...)
	dst = binary.LittleEndian.AppendUint16(dst, Version)
	return binary.LittleEndian.AppendUint64(dst, CRC64(0, dst[start:]))
}

// Decode builds the entry's value for node n, validating it as RESTORE
// does; it shares no memory with the entry.
func (e *Entry) Decode(n *engine.Node) (any, error) {
	v, used, err := ReadValue(n, e.Value)
	if err != nil {
		return nil, err
	}
	if used != len(e.Value) {
		return nil, ErrBadData
	}
	return v, nil
}

// quoteKey quotes a key for an error message, shortened past 64 bytes.
func quoteKey(k []byte) string {
	if len(k) > 64 {
		return strconv.Quote(string(k[:64])) + "..."
	}
	return strconv.Quote(string(k))
}
