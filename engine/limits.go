package engine

import "sync/atomic"

// DefaultMaxBulkLen is Valkey's default proto-max-bulk-len: 512 MiB.
const DefaultMaxBulkLen = 512 << 20

// nodeLimits holds the run-time limits a node applies to values; CONFIG SET
// changes them while commands run, so they are atomics.
type nodeLimits struct {
	// maxBulkLen is proto-max-bulk-len; 0 means DefaultMaxBulkLen.
	maxBulkLen atomic.Int64
}

// MaxBulkLen returns proto-max-bulk-len: the largest string value, in
// bytes, a command may create (SETRANGE, APPEND, SETBIT, BITFIELD), and the
// bound on LCS's transient memory.
func (n *Node) MaxBulkLen() int64 {
	if v := n.limits.maxBulkLen.Load(); v > 0 {
		return v
	}
	return DefaultMaxBulkLen
}

// SetMaxBulkLen sets proto-max-bulk-len; v <= 0 restores the default. The
// caller (CONFIG SET) validates the range.
func (n *Node) SetMaxBulkLen(v int64) {
	if v < 0 {
		v = 0
	}
	n.limits.maxBulkLen.Store(v)
}
