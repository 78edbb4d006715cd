package engine

// Per-key memory estimates for MEMORY USAGE. Like Valkey's
// objectComputeSize they are estimates: the bytes the key, its value and
// its bookkeeping occupy, with large collections sampled rather than
// walked so that the command stays cheap on a key with millions of
// elements.

// DefaultMemorySamples is MEMORY USAGE's default SAMPLES count.
const DefaultMemorySamples = 5

// MemSizer is implemented by collection values. MemUsage returns an
// estimate of the value's bytes, measuring at most samples elements
// (samples <= 0 means all) and extrapolating to the whole collection.
type MemSizer interface {
	MemUsage(samples int) int64
}

// Sizes of the bookkeeping flect keeps per key, on 64-bit platforms.
const (
	// entryOverhead is a dict node (key string header, value item, next
	// pointer) and its bucket slot.
	entryOverhead = 16 + 40 + 8 + 8
	// timerOverhead is the expiry wheel timer of a volatile key.
	timerOverhead = 56
	// strHeader is a *Str value: the Str struct and its slice header.
	strHeader = 8 + 32
	// intValue is an int64 stored in an interface.
	intValue = 8
)

// AllocSize rounds n up to the size class the Go allocator would use for
// a small object, which is what a value really occupies.
func AllocSize(n int64) int64 {
	switch {
	case n <= 0:
		return 0
	case n <= 8:
		return 8
	case n <= 16:
		return 16
	case n <= 32:
		return (n + 15) &^ 15
	case n <= 128:
		return (n + 15) &^ 15
	case n <= 1024:
		return (n + 63) &^ 63
	case n <= 32768:
		return (n + 1023) &^ 1023
	}
	return (n + 8191) &^ 8191
}

// ValueMemUsage estimates the bytes of a stored value.
func ValueMemUsage(v any, samples int) int64 {
	switch v := v.(type) {
	case int64:
		return intValue
	case *Str:
		return strHeader + AllocSize(int64(cap(v.B)))
	case MemSizer:
		return v.MemUsage(samples)
	}
	return 0
}

// MemoryUsage returns the estimated bytes used by key, its value and its
// bookkeeping, sampling at most samples elements of a collection (<= 0:
// all). ok is false when the key does not exist. It neither touches the
// key's access time nor counts a keyspace hit or miss. The caller holds the
// key's shard lock (the dispatcher does for the command's key).
func (c *Ctx) MemoryUsage(key []byte, samples int) (n int64, ok bool) {
	e := c.DB.find(bstr(key), c.nowMs)
	if e == nil {
		return 0, false
	}
	n = entryOverhead + AllocSize(int64(len(e.Key))) + ValueMemUsage(e.Val.val, samples)
	if e.Val.timer != nil {
		n += timerOverhead
	}
	return n, true
}
