package engine

// deadlineItem is an element of a deadlineHeap: it has a deadline and
// remembers its index in the heap.
type deadlineItem interface {
	deadline() int64
	setIndex(i int)
}

// deadlineHeap is a binary min-heap ordered by deadline whose items know
// their index, so that one can be moved or removed in O(log n) (the hash
// reaper's heap of hashes, and each hash's heap of volatile fields).
type deadlineHeap[T deadlineItem] []T

func (h deadlineHeap[T]) swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].setIndex(i)
	h[j].setIndex(j)
}

func (h deadlineHeap[T]) up(j int) {
	for j > 0 {
		p := (j - 1) / 2
		if h[j].deadline() >= h[p].deadline() {
			break
		}
		h.swap(j, p)
		j = p
	}
}

func (h deadlineHeap[T]) down(i int) {
	n := len(h)
	for {
		l := 2*i + 1
		if l >= n {
			return
		}
		j := l
		if r := l + 1; r < n && h[r].deadline() < h[l].deadline() {
			j = r
		}
		if h[j].deadline() >= h[i].deadline() {
			return
		}
		h.swap(i, j)
		i = j
	}
}

// push adds x.
func (h *deadlineHeap[T]) push(x T) {
	x.setIndex(len(*h))
	*h = append(*h, x)
	h.up(len(*h) - 1)
}

// fix restores the order after the deadline of the item at i changed.
func (h deadlineHeap[T]) fix(i int) {
	h.down(i)
	h.up(i)
}

// removeAt removes the item at i.
func (h *deadlineHeap[T]) removeAt(i int) {
	last := len(*h) - 1
	if i != last {
		h.swap(i, last)
	}
	var zero T
	(*h)[last] = zero
	*h = (*h)[:last]
	if i < last {
		h.fix(i)
	}
}
