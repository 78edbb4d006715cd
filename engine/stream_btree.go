package engine

// idTree is an in-memory B-tree from stream IDs to values: the ordered
// index streams use for their blocks of entries, their consumer groups'
// pending entries lists and consumers' own PELs. Lookups, inserts and
// deletes are O(log n); ascending or descending from a key visits m items
// in O(log n + m). It is not safe for concurrent use.
type idTree[V any] struct {
	root *idNode[V]
	n    int
}

// idTreeDegree is the B-tree's minimum degree: nodes hold between
// idTreeDegree-1 and 2*idTreeDegree-1 items (the root may hold fewer).
const idTreeDegree = 16

const (
	idTreeMaxItems = 2*idTreeDegree - 1
	idTreeMinItems = idTreeDegree - 1
)

type idItem[V any] struct {
	k streamID
	v V
}

type idNode[V any] struct {
	items    []idItem[V]
	children []*idNode[V]
}

// Len returns the number of items.
func (t *idTree[V]) Len() int { return t.n }

// find returns the index of the first item >= k and whether it equals k.
func (n *idNode[V]) find(k streamID) (int, bool) {
	lo, hi := 0, len(n.items)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if n.items[m].k.less(k) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(n.items) && n.items[lo].k == k
}

// Get returns the value stored under k.
func (t *idTree[V]) Get(k streamID) (V, bool) {
	for n := t.root; n != nil; {
		i, found := n.find(k)
		if found {
			return n.items[i].v, true
		}
		if len(n.children) == 0 {
			break
		}
		n = n.children[i]
	}
	var zero V
	return zero, false
}

// Set stores v under k and reports whether k was new.
func (t *idTree[V]) Set(k streamID, v V) bool {
	if t.root == nil {
		t.root = &idNode[V]{items: make([]idItem[V], 0, 4)}
	}
	if len(t.root.items) >= idTreeMaxItems {
		old := t.root
		mid, right := old.split(idTreeMaxItems / 2)
		t.root = &idNode[V]{items: []idItem[V]{mid}, children: []*idNode[V]{old, right}}
	}
	if t.root.insert(k, v) {
		t.n++
		return true
	}
	return false
}

// split cuts n at item i: n keeps the items before it, the item is
// returned with a new node holding the items after it.
func (n *idNode[V]) split(i int) (idItem[V], *idNode[V]) {
	item := n.items[i]
	right := &idNode[V]{items: make([]idItem[V], 0, idTreeMaxItems)}
	right.items = append(right.items, n.items[i+1:]...)
	clear(n.items[i:])
	n.items = n.items[:i]
	if len(n.children) > 0 {
		right.children = make([]*idNode[V], 0, idTreeMaxItems+1)
		right.children = append(right.children, n.children[i+1:]...)
		clear(n.children[i+1:])
		n.children = n.children[:i+1]
	}
	return item, right
}

// insert adds or replaces k below n, which is not full.
func (n *idNode[V]) insert(k streamID, v V) bool {
	for {
		i, found := n.find(k)
		if found {
			n.items[i].v = v
			return false
		}
		if len(n.children) == 0 {
			n.items = append(n.items, idItem[V]{})
			copy(n.items[i+1:], n.items[i:])
			n.items[i] = idItem[V]{k, v}
			return true
		}
		if len(n.children[i].items) >= idTreeMaxItems {
			mid, right := n.children[i].split(idTreeMaxItems / 2)
			n.items = append(n.items, idItem[V]{})
			copy(n.items[i+1:], n.items[i:])
			n.items[i] = mid
			n.children = append(n.children, nil)
			copy(n.children[i+2:], n.children[i+1:])
			n.children[i+1] = right
			switch {
			case k == mid.k:
				n.items[i].v = v
				return false
			case mid.k.less(k):
				i++
			}
		}
		n = n.children[i]
	}
}

// Delete removes k and returns its value.
func (t *idTree[V]) Delete(k streamID) (V, bool) {
	var zero V
	if t.root == nil {
		return zero, false
	}
	it, ok := t.root.remove(k, removeKey)
	if len(t.root.items) == 0 && len(t.root.children) > 0 {
		t.root = t.root.children[0]
	}
	if !ok {
		return zero, false
	}
	t.n--
	return it.v, true
}

type removeKind int

const (
	removeKey removeKind = iota
	removeMax
)

// remove deletes k (or the maximum) from the subtree of n, making sure
// that every child it descends into can lose an item.
func (n *idNode[V]) remove(k streamID, kind removeKind) (idItem[V], bool) {
	for {
		var i int
		found := false
		if kind == removeMax {
			if len(n.children) == 0 {
				it := n.items[len(n.items)-1]
				n.items[len(n.items)-1] = idItem[V]{}
				n.items = n.items[:len(n.items)-1]
				return it, true
			}
			i = len(n.items)
		} else {
			i, found = n.find(k)
			if len(n.children) == 0 {
				if !found {
					return idItem[V]{}, false
				}
				it := n.items[i]
				copy(n.items[i:], n.items[i+1:])
				n.items[len(n.items)-1] = idItem[V]{}
				n.items = n.items[:len(n.items)-1]
				return it, true
			}
		}
		if len(n.children[i].items) <= idTreeMinItems {
			n.growChild(i)
			continue // the layout of n changed: look again
		}
		if found {
			out := n.items[i]
			n.items[i], _ = n.children[i].remove(streamID{}, removeMax)
			return out, true
		}
		n = n.children[i]
	}
}

// growChild gives child i of n at least one item more than the minimum,
// borrowing from a sibling or merging with one.
func (n *idNode[V]) growChild(i int) {
	switch {
	case i > 0 && len(n.children[i-1].items) > idTreeMinItems:
		child, left := n.children[i], n.children[i-1]
		stolen := left.items[len(left.items)-1]
		left.items[len(left.items)-1] = idItem[V]{}
		left.items = left.items[:len(left.items)-1]
		child.items = append(child.items, idItem[V]{})
		copy(child.items[1:], child.items)
		child.items[0] = n.items[i-1]
		n.items[i-1] = stolen
		if len(left.children) > 0 {
			c := left.children[len(left.children)-1]
			left.children[len(left.children)-1] = nil
			left.children = left.children[:len(left.children)-1]
			child.children = append(child.children, nil)
			copy(child.children[1:], child.children)
			child.children[0] = c
		}
	case i < len(n.items) && len(n.children[i+1].items) > idTreeMinItems:
		child, right := n.children[i], n.children[i+1]
		stolen := right.items[0]
		copy(right.items, right.items[1:])
		right.items[len(right.items)-1] = idItem[V]{}
		right.items = right.items[:len(right.items)-1]
		child.items = append(child.items, n.items[i])
		n.items[i] = stolen
		if len(right.children) > 0 {
			c := right.children[0]
			copy(right.children, right.children[1:])
			right.children[len(right.children)-1] = nil
			right.children = right.children[:len(right.children)-1]
			child.children = append(child.children, c)
		}
	default:
		if i >= len(n.items) {
			i--
		}
		child, right := n.children[i], n.children[i+1]
		child.items = append(child.items, n.items[i])
		child.items = append(child.items, right.items...)
		child.children = append(child.children, right.children...)
		copy(n.items[i:], n.items[i+1:])
		n.items[len(n.items)-1] = idItem[V]{}
		n.items = n.items[:len(n.items)-1]
		copy(n.children[i+1:], n.children[i+2:])
		n.children[len(n.children)-1] = nil
		n.children = n.children[:len(n.children)-1]
	}
}

// Ascend calls fn for the items with keys >= from in ascending order
// until fn returns false.
func (t *idTree[V]) Ascend(from streamID, fn func(k streamID, v V) bool) {
	if t.root != nil {
		t.root.ascend(from, fn)
	}
}

func (n *idNode[V]) ascend(from streamID, fn func(k streamID, v V) bool) bool {
	i, _ := n.find(from)
	for ; i <= len(n.items); i++ {
		if len(n.children) > 0 && !n.children[i].ascend(from, fn) {
			return false
		}
		if i < len(n.items) && !fn(n.items[i].k, n.items[i].v) {
			return false
		}
	}
	return true
}

// Descend calls fn for the items with keys <= from in descending order
// until fn returns false.
func (t *idTree[V]) Descend(from streamID, fn func(k streamID, v V) bool) {
	if t.root != nil {
		t.root.descend(from, fn)
	}
}

func (n *idNode[V]) descend(from streamID, fn func(k streamID, v V) bool) bool {
	i, found := n.find(from)
	if found {
		i++ // items[i-1] == from is included
	}
	// items[:i] are <= from; child i may hold keys <= from too.
	for ; i >= 0; i-- {
		if len(n.children) > 0 && !n.children[i].descend(from, fn) {
			return false
		}
		if i > 0 && !fn(n.items[i-1].k, n.items[i-1].v) {
			return false
		}
	}
	return true
}

// Min returns the smallest item.
func (t *idTree[V]) Min() (streamID, V, bool) {
	var zero V
	n := t.root
	if n == nil || len(n.items) == 0 {
		return streamID{}, zero, false
	}
	for len(n.children) > 0 {
		n = n.children[0]
	}
	return n.items[0].k, n.items[0].v, true
}

// Max returns the largest item.
func (t *idTree[V]) Max() (streamID, V, bool) {
	var zero V
	n := t.root
	if n == nil || len(n.items) == 0 {
		return streamID{}, zero, false
	}
	for len(n.children) > 0 {
		n = n.children[len(n.children)-1]
	}
	it := n.items[len(n.items)-1]
	return it.k, it.v, true
}

// Ceil returns the first item with a key >= k.
func (t *idTree[V]) Ceil(k streamID) (streamID, V, bool) {
	var rk streamID
	var rv V
	ok := false
	t.Ascend(k, func(key streamID, v V) bool {
		rk, rv, ok = key, v, true
		return false
	})
	return rk, rv, ok
}

// Floor returns the last item with a key <= k.
func (t *idTree[V]) Floor(k streamID) (streamID, V, bool) {
	var rk streamID
	var rv V
	ok := false
	t.Descend(k, func(key streamID, v V) bool {
		rk, rv, ok = key, v, true
		return false
	})
	return rk, rv, ok
}
