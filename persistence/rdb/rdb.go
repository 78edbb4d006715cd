// Package rdb is Valkey's RDB value serialization: the object encodings an
// RDB file and a DUMP payload hold, written the way Valkey 8 writes them
// and read in every form Redis 6, Redis 7 and Valkey 7 and 8 write
// (ziplists, zipmaps, intsets, listpacks, quicklists, stream listpacks),
// and the DUMP and RESTORE commands built on them.
//
// The decoder treats its input as hostile: every length is checked against
// the bytes that remain before anything is allocated from it, every
// listpack, ziplist, intset and zipmap is validated entry by entry as
// Valkey's sanitize-dump-payload deep checks do, and malformed input is an
// error, never a panic.
package rdb

import "errors"

// RDB object types (rdb.h).
const (
	TypeString            = 0
	TypeList              = 1
	TypeSet               = 2
	TypeZSet              = 3
	TypeHash              = 4
	TypeZSet2             = 5
	TypeModulePreGA       = 6
	TypeModule2           = 7
	TypeHashZipmap        = 9
	TypeListZiplist       = 10
	TypeSetIntset         = 11
	TypeZSetZiplist       = 12
	TypeHashZiplist       = 13
	TypeListQuicklist     = 14
	TypeStreamListpacks   = 15
	TypeHashListpack      = 16
	TypeZSetListpack      = 17
	TypeListQuicklist2    = 18
	TypeStreamListpacks2  = 19
	TypeSetListpack       = 20
	TypeStreamListpacks3  = 21
	TypeHash2             = 22 // Valkey 9: a hash with field deadlines
	quicklistNodePlain    = 1
	quicklistNodePacked   = 2
	rdbEncInt8            = 0
	rdbEncInt16           = 1
	rdbEncInt32           = 2
	rdbEncLZF             = 3
	len6Bit               = 0
	len14Bit              = 1
	len32Bit              = 0x80
	len64Bit              = 0x81
	lenEncVal             = 3
	compressMinLen        = 20 // strings longer than this are LZF-compressed
	integerEncodingMaxLen = 11 // rdbTryIntegerEncoding's limit
)

// Version is the RDB version Valkey 8 writes (RDB_VERSION).
const Version = 11

// ErrBadData is returned for any malformed, truncated or unsupported
// serialized value.
var ErrBadData = errors.New("rdb: bad data format")
