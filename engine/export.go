package engine

import (
	"math"
	"strconv"
)

// Accessors and constructors for code outside the engine that serializes
// values (persistence/rdb: DUMP, RESTORE, snapshots). They read a value
// under its key's lock and build new values that are not stored yet; none
// of them is used on a command's hot path.

// NewStringValue returns the stored form of the string b written whole
// (an integer when Valkey would use the int encoding), holding a copy.
func NewStringValue(b []byte) any { return newStringValue(b) }

// StringValue returns the bytes of a stored string value that is not an
// integer (aliasing the value: copy them to keep them beyond the lock),
// and false for any other value.
func StringValue(v any) ([]byte, bool) {
	if _, isInt := v.(int64); isInt {
		return nil, false
	}
	return stringBytes(v, nil)
}

// NewList returns an empty list.
func NewList() *List { return &List{} }

// LoadPush appends a copy of v at the tail of a list being
// loaded from an old RDB list type: a quicklist push with fill (Valkey's
// loader builds a quicklist, then calls LoadDone's conversion).
func (l *List) LoadPush(v []byte, fill int64) {
	l.quick = true
	l.Push(v, false, fill)
}

// LoadNode appends a whole node to a list being loaded, as Valkey's loader
// keeps a quicklist's nodes as they were saved: a packed node of elems
// (copied into the node's buffer) or a plain node of one element (owned
// by the list from now on). Empty nodes are skipped.
func (l *List) LoadNode(elems [][]byte, plain bool) {
	if len(elems) == 0 {
		return
	}
	l.quick = true
	nd := newLNode(plain)
	l.link(nd, l.tail)
	if plain {
		nd.buf, nd.offs = elems[0], []uint32{0}
		nd.sz = len(elems[0])
	} else {
		total := 0
		for _, e := range elems {
			total += len(e)
			nd.sz += lpEntrySize(e)
		}
		nd.buf, nd.offs = make([]byte, 0, total), make([]uint32, len(elems))
		for i, e := range elems {
			nd.offs[i] = uint32(len(nd.buf))
			nd.buf = append(nd.buf, e...)
		}
	}
	l.n += len(elems)
}

// LoadDone ends the loading of a list: a quicklist of one packed node
// within the fill limits becomes a listpack (listTypeTryConvertQuicklist).
func (l *List) LoadDone(fill int64) {
	if !l.quick || l.nodes != 1 || l.head.plain {
		return
	}
	szLimit, countLimit := qlNodeLimit(fill)
	if l.head.sz > szLimit || l.n > countLimit {
		return
	}
	l.quick = false
}

// EachNode calls fn with the elements of every node from head to tail
// (one node for a listpack-encoded list) and whether the node is a plain
// one (a single large element), until fn returns false. The element
// slices point into the list's storage, and elems itself is reused: both
// are valid only during the call.
func (l *List) EachNode(fn func(elems [][]byte, plain bool) bool) {
	var elems [][]byte
	for nd := l.head; nd != nil; nd = nd.next {
		if nd.count() == 0 {
			continue
		}
		elems = elems[:0]
		for i := 0; i < nd.count(); i++ {
			elems = append(elems, nd.at(i))
		}
		if !fn(elems, nd.plain) {
			return
		}
	}
}

// setLimitsNow returns the set encoding thresholds in force.
func (n *Node) setLimitsNow() setLimits {
	return setLimits{intset: n.SetMaxIntsetEntries(), lpEntries: n.SetMaxListpackEntries(), lpValue: n.SetMaxListpackValue()}
}

// NewSetFrom builds a set of members, added one by one in order with the
// encoding Valkey's loader picks for a set of len(members) (setTypeCreate
// with a size hint, then setTypeAdd). ok is false if a member repeats.
func NewSetFrom(n *Node, members [][]byte) (s *Set, ok bool) {
	if len(members) == 0 {
		return nil, false
	}
	lim := n.setLimitsNow()
	s = newSetFor(string(members[0]), int64(len(members)), lim)
	for _, m := range members {
		if !s.add(m, lim) {
			return nil, false
		}
	}
	return s, true
}

// NewSetOfInts returns a set of the distinct ascending ints (owned by the
// set from now on) as Valkey loads an intset: an intset, or a hashtable
// when there are more than set-max-intset-entries.
func NewSetOfInts(n *Node, ints []int64) *Set {
	s := &Set{enc: setIntset, ints: ints}
	if int64(len(ints)) > n.setLimitsNow().intsetMax() {
		s.toHT()
	}
	return s
}

// NewSetOfListpack returns a set of the distinct members as Valkey loads a
// listpack set: a listpack, or a hashtable when there are more than
// set-max-listpack-entries.
func NewSetOfListpack(n *Node, members [][]byte) *Set {
	s := &Set{enc: setListpack}
	for _, m := range members {
		s.lp = lpSetAppend(s.lp, bstr(m))
	}
	s.lpN = len(members)
	if int64(s.lpN) > n.SetMaxListpackEntries() {
		s.toHT()
	}
	return s
}

// IsIntset reports whether the set has the intset encoding; Ints then
// returns its members in ascending order (the set's own slice).
func (s *Set) IsIntset() bool { return s.enc == setIntset }

// Ints returns the members of an intset-encoded set, ascending.
func (s *Set) Ints() []int64 { return s.ints }

// IsListpack reports whether the set has the listpack encoding.
func (s *Set) IsListpack() bool { return s.enc == setListpack }

// Each calls fn for every member in the encoding's order (ascending for an
// intset, insertion order for a listpack) until fn returns false. An
// intset member is formatted into a buffer reused between calls.
func (s *Set) Each(fn func(member []byte) bool) {
	var buf [24]byte
	s.each(func(e setElem) bool {
		if e.isInt {
			return fn(strconv.AppendInt(buf[:0], e.i, 10))
		}
		return fn(unsafeBytes(e.s))
	})
}

// NewZSetFor returns an empty sorted set with the encoding Valkey's
// zsetTypeCreate picks for size members of at most maxLen bytes.
func NewZSetFor(n *Node, size, maxLen int) *ZSet { return newZSetFor(n, size, maxLen) }

// Load adds member with score to a set being loaded, whose encoding the
// caller chose with NewZSetFor: false if the member is already there or
// the score is NaN.
func (z *ZSet) Load(member []byte, score float64) bool {
	if _, dup := z.Score(bstr(member)); dup || math.IsNaN(score) {
		return false
	}
	z.insert(bstr(member), score) // copied
	return true
}

// IsListpack reports whether the set has the listpack encoding.
func (z *ZSet) IsListpack() bool { return z.sk == nil }

// Each calls fn for every member in ascending (score, member) order, or
// descending when reverse, until fn returns false.
func (z *ZSet) Each(reverse bool, fn func(member string, score float64) bool) {
	it := z.first()
	if reverse {
		it = z.last()
	}
	for ; it.ok; it.step(reverse) {
		if !fn(it.member, it.score) {
			return
		}
	}
}

// NewHash returns an empty hash in the listpack encoding.
func NewHash() *Hash { return newHash() }

// ConvertToHashtable switches a listpack hash to the hashtable encoding
// (Valkey's loader does so up front for a hash with more fields than
// hash-max-listpack-entries).
func (h *Hash) ConvertToHashtable() { h.convert() }

// Load adds field with value and a deadline (unix ms, 0 for none) to a
// hash being loaded, whose encoding the caller chose (ConvertToHashtable).
// A listpack hash takes the pair as it is: the caller makes sure fields
// are distinct. A hashtable hash returns false for a repeated field. A
// deadline converts the hash to a hashtable, and so does a pair that would
// take the listpack past hashSizeSafetyLimit, as Valkey's loader does.
func (h *Hash) Load(field, value string, at int64) bool {
	if at != 0 || (h.ht == nil && !h.lpSafeToAdd(len(field)+len(value))) {
		h.convert()
	}
	if h.ht == nil {
		h.lp = lpAppendPair(h.lp, field, value)
		h.lpN++
		h.lpBytes += uint32(len(field) + len(value))
		return true
	}
	dn, added := h.ht.Upsert(field)
	if !added {
		return false
	}
	dn.Val = value
	if at != 0 {
		h.setFieldExpiry(dn, at)
	}
	return true
}

// IsListpack reports whether the hash has the listpack encoding.
func (h *Hash) IsListpack() bool { return h.ht == nil }

// HasVolatile reports whether some field has a deadline.
func (h *Hash) HasVolatile() bool { return h.hasVolatile() }

// EachTTL calls fn for every field and value with the field's deadline
// (unix ms, 0 for none), in insertion order for a listpack hash, until fn
// returns false. Fields past their deadline but not reaped yet are
// included, as Valkey saves them.
func (h *Hash) EachTTL(fn func(field, value string, at int64) bool) {
	h.Each(func(f, v string) bool { return fn(f, v, h.fieldAt(f)) })
}

// SetAccess sets the access information of a stored entry as Valkey's
// objectSetLRUOrLFU does for RESTORE: with an LFU policy a freq >= 0 sets
// the counter; otherwise an idle >= 0 (seconds) backdates the LRU clock.
func (c *Ctx) SetAccess(e *Entry, freq, idle int64) {
	if c.Client.NS.usesLFU() {
		if freq >= 0 {
			e.Val.setLRU(lfuMinutes(c.nowMs)<<8 | uint32(freq&255))
		}
		return
	}
	if idle >= 0 {
		clock := int64(lruClock(c.nowMs))
		abs := clock - idle
		if abs < 0 {
			abs = (clock + lruClockMax/2) % lruClockMax
		}
		e.Val.setLRU(uint32(abs))
	}
}

// EntryValue returns the value stored in a live entry.
func EntryValue(e *Entry) any { return e.Val.val() }
