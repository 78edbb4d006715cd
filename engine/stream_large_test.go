package engine

import (
	"runtime"
	"strconv"
	"testing"
	"time"
)

// TestLargeStream builds a stream of a million small entries (fewer under
// the race detector) and checks its memory cost, that ranges seek rather
// than scan, and that approximate trimming removes whole blocks.
func TestLargeStream(t *testing.T) {
	n := 1_000_000
	if raceEnabled || testing.Short() {
		n = 100_000
	}
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := newStream()
	pairs := [][]byte{[]byte("f"), nil}
	var vbuf [20]byte
	payload := 0
	for i := 1; i <= n; i++ {
		pairs[1] = strconv.AppendInt(vbuf[:0], int64(i), 10)
		s.appendEntry(streamID{uint64(1_700_000_000_000 + i/3), uint64(i % 3)}, pairs, 4096, 100)
		payload += 16 + 1 + len(pairs[1]) // ID, field and value
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	est := s.memSize()
	full := s.memSize()
	t.Logf("%d entries, payload %d bytes: Go heap %d bytes (%.1f/entry, %.2fx payload); MEMORY USAGE estimate %d (all blocks %d); %d blocks",
		n, payload, heap, float64(heap)/float64(n), float64(heap)/float64(payload), est, full, s.blocks.Len())
	if heap > int64(payload)*2 {
		t.Errorf("stream costs %d bytes for %d bytes of payload", heap, payload)
	}
	if full < heap*3/4 || full > heap*3/2 {
		t.Errorf("MEMORY USAGE estimate %d is far from the heap cost %d", full, heap)
	}
	if s.blocks.Len() != (n+99)/100 {
		t.Errorf("%d blocks, want %d", s.blocks.Len(), (n+99)/100)
	}

	// A range from an ID seeks its block through the index: the iterator
	// starts in the block holding the ID and reads on from there.
	for _, i := range []int{1, n / 3, n / 2, n - 5} {
		start := streamID{uint64(1_700_000_000_000 + i/3), uint64(i % 3)}
		var it streamIter
		it.init(s, start, maxStreamID, false)
		_, want, _ := s.blocks.Floor(start)
		if it.b != want {
			t.Fatalf("iterator for %v starts in block %v, want %v", start, it.b.master, want.master)
		}
		var e streamEntry
		for j := 0; j < 10 && it.next(&e); j++ {
			if j == 0 && e.id != start {
				t.Fatalf("first entry %v, want %v", e.id, start)
			}
		}
		if it.b != want && s.nextBlock(want.master) != it.b {
			t.Fatalf("10 entries from %v crossed more than one block", start)
		}
	}
	// Timing: ranges deep in the stream cost about what they cost at its
	// head.
	rangeCost := func(i int) time.Duration {
		start := streamID{uint64(1_700_000_000_000 + i/3), uint64(i % 3)}
		t0 := time.Now()
		for r := 0; r < 2000; r++ {
			if refs := s.collect(nil, start, maxStreamID, false, 10); len(refs) != 10 {
				t.Fatalf("got %d entries", len(refs))
			}
		}
		return time.Since(t0) / 2000
	}
	head, deep := rangeCost(10), rangeCost(n-100)
	t.Logf("XRANGE COUNT 10: %v at the head, %v near the end", head, deep)
	if deep > head*4+5*time.Microsecond {
		t.Errorf("a range near the end costs %v, at the head %v", deep, head)
	}

	// Approximate trimming drops whole blocks only.
	a := trimArgs{strategy: trimMaxLen, approx: true, maxLen: int64(n / 2), limit: 1_000_000}
	got := s.trim(&a)
	if got%100 != 0 || s.length < uint64(n/2) || s.length >= uint64(n/2+100) {
		t.Errorf("MAXLEN ~ %d removed %d, left %d", n/2, got, s.length)
	}
	if first := s.edgeID(true); first != s.firstID {
		t.Errorf("first ID %v, recorded %v", first, s.firstID)
	}
}

// BenchmarkXAdd measures appending small entries.
func BenchmarkXAdd(b *testing.B) {
	s := newStream()
	pairs := [][]byte{[]byte("field"), []byte("value")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.appendEntry(streamID{uint64(i), 0}, pairs, 4096, 100)
	}
}
