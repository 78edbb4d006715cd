package engine

// MEMORY USAGE's figure for one key. Valkey estimates a collection's size
// by sampling SAMPLES elements; flect keeps every value's size current as
// it changes (memory.go), so the figure is exact for any SAMPLES and
// costs O(1) however large the key.

// DefaultMemorySamples is MEMORY USAGE's default SAMPLES count.
const DefaultMemorySamples = 5

// MemoryUsage returns the bytes used by key, its value and its
// bookkeeping (dict node, TTL timer). ok is false when the key does not
// exist. It neither touches the key's access time nor counts a keyspace
// hit or miss. The caller holds the key's shard lock (the dispatcher does
// for the command's key).
func (c *Ctx) MemoryUsage(key []byte) (n int64, ok bool) {
	e := c.DB.find(bstr(key), c.nowMs)
	if e == nil {
		return 0, false
	}
	n = keyMem(len(e.Key())) + valueSize(e.Val.val())
	if e.Val.timer() != nil {
		n += timerMem
	}
	return n, true
}

// ValueMemUsage returns the heap cost of a stored value, as memory
// accounting counts it.
func ValueMemUsage(v any) int64 { return valueSize(v) }
