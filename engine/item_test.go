package engine

import (
	"runtime"
	"testing"
)

// An item gives back the value it was given, of every stored type and of
// any other (boxed), with or without a TTL, across collections; its LRU
// field and flags stay apart.
func TestItemValues(t *testing.T) {
	type other struct{ s string }
	vals := []any{nil, int64(0), int64(7), int64(-1 << 63), int64(1 << 40), newShortStr([]byte("abc")),
		&Str{B: []byte("xyz")}, &List{}, &Hash{}, &Set{}, &ZSet{}, &Stream{}, other{"boxed"}, &other{"ptr"}}
	items := make([]item, len(vals))
	for i, v := range vals {
		items[i] = newItem(v, uint32(i)|0xff000000)
		if items[i].lru() != uint32(i) {
			t.Fatalf("%T: lru %d, want %d (24 bits)", v, items[i].lru(), i)
		}
	}
	runtime.GC()
	check := func(when string) {
		t.Helper()
		for i, v := range vals {
			if got := items[i].val(); got != v {
				t.Fatalf("%s: %T %v came back as %T %v", when, v, v, got, got)
			}
			if items[i].lru() != uint32(i) {
				t.Fatalf("%s: %T: lru %d, want %d", when, v, items[i].lru(), i)
			}
		}
	}
	check("stored")
	for i := range items {
		if items[i].timer() != nil {
			t.Fatalf("%T has a timer without a TTL", vals[i])
		}
		tm := items[i].makeVolatile()
		tm.deadline = int64(i)
		if items[i].timer() != tm {
			t.Fatalf("%T: timer not kept", vals[i])
		}
	}
	runtime.GC()
	check("volatile")
	// A new value keeps the TTL.
	for i := range items {
		items[i].setVal(vals[len(vals)-1-i])
		if items[i].timer() == nil || items[i].timer().deadline != int64(i) {
			t.Fatalf("setVal dropped the TTL of item %d", i)
		}
		items[i].setVal(vals[i])
		items[i].makePersistent()
		if items[i].timer() != nil {
			t.Fatalf("item %d: timer after makePersistent", i)
		}
	}
	runtime.GC()
	check("persistent")
	for i := range items {
		items[i].setLRU(1<<24 - 1)
		if items[i].val() != vals[i] || items[i].lru() != 1<<24-1 {
			t.Fatalf("setLRU changed item %d", i)
		}
	}
}
