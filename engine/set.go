package engine

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"strconv"
	"unsafe"

	"github.com/flect-kv/flect/engine/dict"
)

// Set is a set value. Like Valkey it has three encodings:
//
//   - "intset" while every member is an integer and there are at most
//     set-max-intset-entries of them: a sorted slice of int64, so members
//     come out in ascending order as Valkey's intset gives them;
//   - "listpack" while small (at most set-max-listpack-entries members,
//     none longer than set-max-listpack-value bytes): a slice of strings in
//     insertion order, searched linearly, as Valkey's listpack is;
//   - "hashtable" once a threshold has been passed: a dict of members.
//
// The conversions follow Valkey's t_set.c: intset to listpack or
// hashtable when a non-integer member arrives, listpack to hashtable, never
// back (except SINTERSTORE's all-integer result, see setStoreResult).
type Set struct {
	memTrack // memory accounting (memory.go): setMemberMem of lp or ht members
	enc      uint8
	ints     []int64 // setIntset: sorted ascending
	lp       []byte  // setListpack: packed members, insertion order (see lpSet)
	lpN      int     // setListpack: members in lp
	ht       *dict.Dict[struct{}]
}

// A listpack set keeps its members in one byte slice, each as a uvarint
// length and its bytes, in insertion order. As for hashes (hash.go), the
// bytes below len(lp) never change once written (a removal builds a new
// slice), so member strings taken from it stay valid.

// lpSetAppend appends member m to a listpack.
func lpSetAppend(b []byte, m string) []byte {
	b = lpGrow(b, uvarintLen(uint64(len(m)))+len(m))
	b = binary.AppendUvarint(b, uint64(len(m)))
	return append(b, m...)
}

// lpGrow returns b with room for n more bytes. A listpack that must grow
// gets the exact size class of its new length, as Valkey reallocates a
// listpack to its size at each insert: a small hash, set or sorted set
// built an element at a time does not keep the up to half of its capacity
// unused that append's doubling would leave. The bytes of b are copied,
// not moved: strings taken from b stay valid.
func lpGrow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b
	}
	nb := make([]byte, len(b), lpCap(len(b)+n))
	copy(nb, b)
	return nb
}

// lpFind returns the offsets [start, end) of member m in the listpack, or
// start -1.
func (s *Set) lpFind(m string) (start, end int) {
	for off := 0; off < len(s.lp); {
		x, next := lpRead(s.lp, off)
		if x == m {
			return off, next
		}
		off = next
	}
	return -1, 0
}

// lpNth returns the offsets of the i-th member of the listpack and the
// member.
func (s *Set) lpNth(i int) (start, end int, m string) {
	off := 0
	for {
		x, next := lpRead(s.lp, off)
		if i == 0 {
			return off, next, x
		}
		i--
		off = next
	}
}

// lpCut removes the bytes [start, end) from the listpack, into a new slice.
func (s *Set) lpCut(start, end int) {
	b := make([]byte, 0, len(s.lp)-(end-start))
	b = append(b, s.lp[:start]...)
	s.lp = append(b, s.lp[end:]...)
	s.lpN--
}

// lpMembers returns the listpack's members (aliasing it), for the
// commands that pick members by index.
func (s *Set) lpMembers() []string {
	out := make([]string, 0, s.lpN)
	for off := 0; off < len(s.lp); {
		var m string
		m, off = lpRead(s.lp, off)
		out = append(out, m)
	}
	return out
}

// setLP sets the listpack to the members ms (copied).
func (s *Set) setLP(ms []string) {
	n := 0
	for _, m := range ms {
		n += binary.MaxVarintLen64 + len(m)
	}
	b := make([]byte, 0, n)
	for _, m := range ms {
		b = lpSetAppend(b, m)
	}
	s.lp, s.lpN = slices.Clip(b), len(ms)
}

// dictSetNode is a member of a hashtable-encoded set.
type dictSetNode = dict.Node[struct{}]

// Set encodings.
const (
	setIntset uint8 = iota
	setListpack
	setHT
)

// setMaxIntsetCap is Valkey's cap on intset entries whatever the setting.
const setMaxIntsetCap = 1 << 30

// setLimits are the conversion thresholds in force for one command.
type setLimits struct {
	intset, lpEntries, lpValue int64
}

func (c *Ctx) setLimits() setLimits {
	return setLimits{
		intset:    c.Node.SetMaxIntsetEntries(),
		lpEntries: c.Node.SetMaxListpackEntries(),
		lpValue:   c.Node.SetMaxListpackValue(),
	}
}

// intsetMax is Valkey's intsetMaxEntries: the setting capped at 1<<30.
func (l setLimits) intsetMax() int64 { return min(l.intset, setMaxIntsetCap) }

// newSetFor returns an empty set with the encoding Valkey's setTypeCreate
// picks for a first member and a hint of how many members will be added.
func newSetFor(first string, hint int64, l setLimits) *Set {
	if _, ok := parseStrictInt(unsafeBytes(first)); ok && hint <= l.intset {
		return &Set{enc: setIntset}
	}
	if hint <= l.lpEntries {
		return &Set{enc: setListpack}
	}
	return &Set{enc: setHT, ht: dict.New[struct{}]()}
}

// TypeName implements Typed.
func (s *Set) TypeName() string { return TypeSet }

// Encoding implements Typed.
func (s *Set) Encoding() string {
	switch s.enc {
	case setIntset:
		return "intset"
	case setListpack:
		return "listpack"
	}
	return "hashtable"
}

// Len returns the number of members.
func (s *Set) Len() int {
	switch s.enc {
	case setIntset:
		return len(s.ints)
	case setListpack:
		return s.lpN
	}
	return s.ht.Len()
}

// Copy implements Copier: a set with the same encoding and members.
func (s *Set) Copy() any {
	switch s.enc {
	case setIntset:
		return &Set{enc: setIntset, ints: slices.Clone(s.ints)}
	case setListpack:
		return &Set{enc: setListpack, lp: slices.Clone(s.lp), lpN: s.lpN}
	}
	d := dict.New[struct{}]()
	s.ht.Each(func(n *dict.Node[struct{}]) bool {
		d.Add(n.Key(), struct{}{})
		return true
	})
	return &Set{enc: setHT, ht: d}
}

// Heap costs of a set's parts (memory_size.go).
var (
	setStructMem = scanMem(int64(unsafe.Sizeof(Set{})))
	setNodeSize  = int64(unsafe.Sizeof(dictSetNode{}))
)

// setMemberMem is the cost of a member of m bytes in a hashtable: a dict
// node holding it. (A listpack costs its byte slice.)
func setMemberMem(m int, enc uint8) int64 {
	if enc == setHT {
		return dictNodeMem(setNodeSize, m)
	}
	return 0
}

// memSize implements memValue.
func (s *Set) memSize() int64 {
	switch s.enc {
	case setIntset:
		return setStructMem + noscanMem(int64(cap(s.ints))*8)
	case setListpack:
		return setStructMem + noscanMem(int64(cap(s.lp)))
	}
	if !s.counted() {
		var sum int64
		s.ht.Each(func(n *dictSetNode) bool {
			sum += setMemberMem(len(n.Key()), setHT)
			return true
		})
		s.setTotal(sum)
	}
	return setStructMem + dictMem + bucketsMem(s.ht.Buckets()) + s.total()
}

// maybeConvert is Valkey's setTypeMaybeConvert: a command about to add
// hint members converts a compact set that could not hold them.
func (s *Set) maybeConvert(hint int64, l setLimits) {
	if (s.enc == setListpack && hint > l.lpEntries) || (s.enc == setIntset && hint > l.intset) {
		s.toHT()
	}
}

// toHT converts to the hashtable encoding.
func (s *Set) toHT() {
	d := dict.New[struct{}]()
	switch s.enc {
	case setIntset:
		var buf [24]byte
		for _, v := range s.ints {
			d.Add(string(strconv.AppendInt(buf[:0], v, 10)), struct{}{})
		}
		s.ints = nil
	case setListpack:
		for _, m := range s.lpMembers() {
			d.Add(m, struct{}{}) // Add copies the key
		}
		s.lp, s.lpN = nil, 0
	default:
		return
	}
	s.enc, s.ht = setHT, d
	s.recount()
}

// intIndex returns v's position in the intset and whether it is there.
func (s *Set) intIndex(v int64) (int, bool) { return slices.BinarySearch(s.ints, v) }

// addInt adds an integer member and reports whether it was new.
func (s *Set) addInt(v int64, l setLimits) bool {
	if s.enc == setIntset {
		i, found := s.intIndex(v)
		if found {
			return false
		}
		s.ints = slices.Insert(s.ints, i, v)
		if int64(len(s.ints)) > l.intsetMax() {
			s.toHT()
		}
		return true
	}
	var buf [24]byte
	return s.add(strconv.AppendInt(buf[:0], v, 10), l)
}

// add adds member m (copied if kept) and reports whether it was new, as
// Valkey's setTypeAddAux does, converting the encoding when needed.
func (s *Set) add(m []byte, l setLimits) bool {
	switch s.enc {
	case setHT:
		_, added := s.ht.Upsert(bstr(m))
		if added {
			s.grow(setMemberMem(len(m), setHT))
		}
		return added
	case setListpack:
		if start, _ := s.lpFind(bstr(m)); start >= 0 {
			return false
		}
		if int64(s.lpN) < l.lpEntries && int64(len(m)) <= l.lpValue {
			s.lp = lpSetAppend(s.lp, bstr(m))
			s.lpN++
			return true
		}
		s.toHT()
		s.ht.Add(bstr(m), struct{}{})
		return true
	}
	if v, ok := parseStrictInt(m); ok {
		return s.addInt(v, l)
	}
	// A non-integer member: listpack if the whole set fits one, else a
	// hashtable.
	maxLen := 0
	if n := len(s.ints); n > 0 {
		maxLen = max(intLen(s.ints[0]), intLen(s.ints[n-1]))
	}
	if int64(len(s.ints)) < l.lpEntries && int64(len(m)) <= l.lpValue && int64(maxLen) <= l.lpValue {
		var b []byte
		var buf [24]byte
		for _, v := range s.ints {
			b = lpSetAppend(b, bstr(strconv.AppendInt(buf[:0], v, 10)))
		}
		s.enc, s.lp, s.lpN = setListpack, lpSetAppend(b, bstr(m)), len(s.ints)+1
		s.ints = nil
		s.recount()
		return true
	}
	s.toHT()
	s.ht.Add(bstr(m), struct{}{})
	return true
}

// intLen is the length of v in decimal, sign included.
func intLen(v int64) int {
	var buf [24]byte
	return len(strconv.AppendInt(buf[:0], v, 10))
}

// remove removes member m and reports whether it was there.
func (s *Set) remove(m []byte) bool {
	switch s.enc {
	case setHT:
		if s.ht.Delete(bstr(m)) != nil {
			s.grow(-setMemberMem(len(m), setHT))
			return true
		}
		return false
	case setListpack:
		if start, end := s.lpFind(bstr(m)); start >= 0 {
			s.lpCut(start, end)
			return true
		}
		return false
	}
	v, ok := parseStrictInt(m)
	if !ok {
		return false
	}
	i, found := s.intIndex(v)
	if found {
		s.ints = slices.Delete(s.ints, i, i+1)
	}
	return found
}

// has reports whether m is a member.
func (s *Set) has(m []byte) bool {
	switch s.enc {
	case setHT:
		return s.ht.Find(bstr(m)) != nil
	case setListpack:
		start, _ := s.lpFind(bstr(m))
		return start >= 0
	}
	v, ok := parseStrictInt(m)
	if !ok {
		return false
	}
	_, found := s.intIndex(v)
	return found
}

// hasInt reports whether the integer v is a member.
func (s *Set) hasInt(v int64) bool {
	if s.enc == setIntset {
		_, found := s.intIndex(v)
		return found
	}
	var buf [24]byte
	return s.has(strconv.AppendInt(buf[:0], v, 10))
}

// setElem is one member as an iteration yields it: an integer for the
// intset encoding (isInt), else a string.
type setElem struct {
	s     string
	i     int64
	isInt bool
}

// each calls fn for every member in the encoding's order (ascending for
// an intset, insertion order for a listpack) until fn returns false. fn
// must not change the set.
func (s *Set) each(fn func(e setElem) bool) {
	switch s.enc {
	case setIntset:
		for _, v := range s.ints {
			if !fn(setElem{i: v, isInt: true}) {
				return
			}
		}
	case setListpack:
		for off := 0; off < len(s.lp); {
			var m string
			m, off = lpRead(s.lp, off)
			if !fn(setElem{s: m}) {
				return
			}
		}
	default:
		s.ht.Each(func(n *dict.Node[struct{}]) bool { return fn(setElem{s: n.Key()}) })
	}
}

// hasElem reports whether the member e (from another set) is in s.
func (s *Set) hasElem(e setElem) bool {
	if e.isInt {
		return s.hasInt(e.i)
	}
	return s.has(unsafeBytes(e.s))
}

// addElem adds the member e (from another set).
func (s *Set) addElem(e setElem, l setLimits) bool {
	if e.isInt {
		return s.addInt(e.i, l)
	}
	return s.add(unsafeBytes(e.s), l)
}

// removeElem removes the member e (from another set).
func (s *Set) removeElem(e setElem) bool {
	if e.isInt {
		if s.enc == setIntset {
			i, found := s.intIndex(e.i)
			if found {
				s.ints = slices.Delete(s.ints, i, i+1)
			}
			return found
		}
		var buf [24]byte
		return s.remove(strconv.AppendInt(buf[:0], e.i, 10))
	}
	return s.remove(unsafeBytes(e.s))
}

// random returns a member chosen uniformly (close to it for a hashtable).
// The set must not be empty.
func (s *Set) random() setElem {
	switch s.enc {
	case setIntset:
		return setElem{i: s.ints[rand.IntN(len(s.ints))], isInt: true}
	case setListpack:
		_, _, m := s.lpNth(rand.IntN(s.lpN))
		return setElem{s: m}
	}
	return setElem{s: s.ht.Random().Key()}
}

// popRandom removes and returns a random member. The set must not be
// empty.
func (s *Set) popRandom() setElem {
	switch s.enc {
	case setIntset:
		i := rand.IntN(len(s.ints))
		v := s.ints[i]
		s.ints = slices.Delete(s.ints, i, i+1)
		return setElem{i: v, isInt: true}
	case setListpack:
		start, end, m := s.lpNth(rand.IntN(s.lpN))
		s.lpCut(start, end)
		return setElem{s: m}
	}
	n := s.ht.Random()
	s.ht.Delete(n.Key())
	s.grow(-setMemberMem(len(n.Key()), setHT))
	return setElem{s: n.Key()}
}

// lpSample picks k distinct listpack indexes uniformly, in ascending order
// (selection sampling, as Valkey's lpNextRandom walks a listpack once),
// and calls fn for each.
func lpSample(n, k int, fn func(i int)) {
	for i := 0; i < n && k > 0; i++ {
		if rand.IntN(n-i) < k {
			fn(i)
			k--
		}
	}
}

// unsafeBytes returns the bytes of s without copying; they must not be
// modified.
func unsafeBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// toIntsetIfIntegers is Valkey's maybeConvertToIntset for an all-integer
// set: it becomes an intset when small enough.
func (s *Set) toIntsetIfIntegers(l setLimits) {
	if s.enc == setIntset || int64(s.Len()) > l.intsetMax() {
		return
	}
	ints := make([]int64, 0, s.Len())
	s.each(func(e setElem) bool {
		v, _ := parseStrictInt(unsafeBytes(e.s))
		ints = append(ints, v)
		return true
	})
	slices.Sort(ints)
	s.enc, s.ints, s.lp, s.lpN, s.ht = setIntset, ints, nil, 0, nil
	s.recount()
}
