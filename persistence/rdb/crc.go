package rdb

import "hash/crc64"

// crcTable is the CRC-64 of Valkey's crc64.c: the Jones polynomial
// (0xad93d23594c935a9, reflected), no initial or final inversion.
var crcTable = crc64.MakeTable(0x95ac9329ac4bc9b5)

// CRC64 returns Valkey's crc64(crc, p) of p continuing from crc.
func CRC64(crc uint64, p []byte) uint64 {
	// hash/crc64 inverts the value before and after; undo both.
	return ^crc64.Update(^crc, crcTable, p)
}
