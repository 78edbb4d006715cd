package engine

import (
	"bytes"
	"math/rand"
	"slices"
	"strconv"
	"testing"
)

// checkNode verifies a packed node's storage invariants and compares its
// elements with model.
func checkNode(t *testing.T, nd *lnode, model [][]byte, step int) {
	t.Helper()
	if nd.count() != len(model) {
		t.Fatalf("step %d: count %d, want %d", step, nd.count(), len(model))
	}
	if nd.off > len(nd.offs) || len(nd.buf) > cap(nd.buf) {
		t.Fatalf("step %d: bad bounds off %d/%d", step, nd.off, len(nd.offs))
	}
	prev := nd.liveStart()
	for i, m := range model {
		if o := int(nd.offs[nd.off+i]); o < prev || o > len(nd.buf) {
			t.Fatalf("step %d: offset %d of element %d out of order", step, o, i)
		}
		prev = int(nd.offs[nd.off+i])
		if got := nd.at(i); !bytes.Equal(got, m) || cap(got) != len(got) {
			t.Fatalf("step %d: element %d = %q (cap %d), want %q", step, i, got, cap(got), m)
		}
	}
}

// TestLNodePacked runs random node operations (both ends, middle
// insertions and removals, replacements by longer and shorter values)
// against a [][]byte model, with queue-like churn phases that exercise
// the front headroom and the compaction of dead room.
func TestLNodePacked(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	val := func() []byte {
		b := make([]byte, rng.Intn(4)*rng.Intn(20))
		for i := range b {
			b[i] = byte('a' + rng.Intn(26))
		}
		return b
	}
	nd := newLNode(false)
	var model [][]byte
	for step := range 40000 {
		v := val()
		n := len(model)
		// Phases of 5000 steps: 0 mixed, 1 RPUSH+LPOP, 2 LPUSH+RPOP, 3
		// mixed with more removals than additions (draining).
		op := rng.Intn(10)
		switch step / 5000 % 4 {
		case 1:
			op = 2 * (op % 2) // pushBack or popFront
		case 2:
			op = 1 + 2*(op%2) // pushFront or popBack
		case 3:
			if op == 4 || op == 5 {
				op = 6 // removeAt instead of insertAt
			}
		}
		if n == 0 && op != 0 && op != 1 && op != 4 && op != 5 {
			op = 0
		}
		switch op {
		case 0:
			nd.pushBack(v)
			model = append(model, v)
		case 1:
			nd.pushFront(v)
			model = slices.Insert(model, 0, v)
		case 2:
			if got := nd.popFront(); !bytes.Equal(got, model[0]) {
				t.Fatalf("step %d: popFront %q, want %q", step, got, model[0])
			}
			model = model[1:]
		case 3:
			if got := nd.popBack(); !bytes.Equal(got, model[n-1]) {
				t.Fatalf("step %d: popBack %q, want %q", step, got, model[n-1])
			}
			model = model[:n-1]
		case 4, 5:
			i := rng.Intn(n + 1)
			nd.insertAt(i, v)
			model = slices.Insert(model, i, v)
		case 6, 7:
			i := rng.Intn(n)
			nd.removeAt(i)
			model = slices.Delete(model, i, i+1)
		default:
			i := rng.Intn(n)
			nd.set(i, v)
			model[i] = v
		}
		checkNode(t, nd, model, step)
		if step%997 == 0 {
			nd.trim()
			checkNode(t, nd, model, step)
		}
	}
	// Dead room is bounded: a queue at steady size keeps small storage.
	nd = newLNode(false)
	for i := range 50 {
		nd.pushBack([]byte(strconv.Itoa(i)))
	}
	for i := range 100000 {
		nd.pushBack([]byte(strconv.Itoa(i)))
		nd.popFront()
	}
	if nd.count() != 50 || cap(nd.buf) > 1024 || cap(nd.offs) > 512 {
		t.Fatalf("queue: %d elements in %d bytes, %d offsets", nd.count(), cap(nd.buf), cap(nd.offs))
	}
	// A node drained to a few elements gives back its storage.
	for i := range 5000 {
		nd.pushBack([]byte(strconv.Itoa(i)))
	}
	for nd.count() > 10 {
		nd.popBack()
	}
	if cap(nd.buf) > 1024 {
		t.Fatalf("drained node keeps %d bytes", cap(nd.buf))
	}
}
