package engine

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP
// SRANDMEMBER SMOVE SINTER SINTERCARD SUNION SDIFF SINTERSTORE SUNIONSTORE
// SDIFFSTORE SSCAN. The set algebra is in set_algebra.go.

var setCommands = []*Command{
	{Name: "sadd", Arity: -3, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "set", Run: cmdSAdd},
	{Name: "srem", Arity: -3, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "set", Run: cmdSRem},
	{Name: "smembers", Arity: 2, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "set", Run: cmdSInter},
	{Name: "sismember", Arity: 3, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "set", Run: cmdSIsMember},
	{Name: "smismember", Arity: -3, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "set", Run: cmdSMIsMember},
	{Name: "scard", Arity: 2, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "set", Run: cmdSCard},
	{Name: "spop", Arity: -2, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "set", Run: cmdSPop},
	{Name: "srandmember", Arity: -2, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "set", Run: cmdSRandMember},
	{Name: "smove", Arity: 4, Flags: Write | Fast, First: 1, Last: 2, Step: 1, Group: "set", Run: cmdSMove},
	{Name: "sinter", Arity: -2, Flags: ReadOnly, First: 1, Last: -1, Step: 1, Group: "set", Run: cmdSInter},
	{Name: "sintercard", Arity: -3, Flags: ReadOnly, Keys: sinterCardKeys, Group: "set", Run: cmdSInterCard},
	{Name: "sunion", Arity: -2, Flags: ReadOnly, First: 1, Last: -1, Step: 1, Group: "set", Run: cmdSUnion},
	{Name: "sdiff", Arity: -2, Flags: ReadOnly, First: 1, Last: -1, Step: 1, Group: "set", Run: cmdSDiff},
	{Name: "sinterstore", Arity: -3, Flags: Write | DenyOOM, First: 1, Last: -1, Step: 1, Group: "set", Run: cmdSInterStore},
	{Name: "sunionstore", Arity: -3, Flags: Write | DenyOOM, First: 1, Last: -1, Step: 1, Group: "set", Run: cmdSUnionStore},
	{Name: "sdiffstore", Arity: -3, Flags: Write | DenyOOM, First: 1, Last: -1, Step: 1, Group: "set", Run: cmdSDiffStore},
	{Name: "sscan", Arity: -3, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "set", Run: cmdSScan},
}

// Strategy thresholds of Valkey's SPOP and SRANDMEMBER with a count.
const (
	// spopMoveStrategyMul: SPOP builds a new set of the members that stay
	// when fewer than count/5 remain.
	spopMoveStrategyMul = 5
	// srandSubStrategyMul: SRANDMEMBER copies the set and removes members
	// when count is more than a third of the set.
	srandSubStrategyMul = 3
	// maxRandomRepeat bounds SRANDMEMBER's negative count: Valkey streams
	// any number (until the client's output limit closes it); flect
	// refuses a reply it could never deliver.
	maxRandomRepeat = 1 << 24
)

// setFor looks up key for a read (write when forWrite) and type-checks it:
// s is nil when the key is missing; ok is false after a WRONGTYPE reply.
func (c *Ctx) setFor(key []byte, forWrite bool) (s *Set, ok bool) {
	var e *Entry
	if forWrite {
		e = c.LookupWrite(key)
	} else {
		e = c.Lookup(key)
	}
	if e == nil {
		return nil, true
	}
	s, isSet := e.Val.val().(*Set)
	if !isSet {
		c.Error(ErrWrongType)
		return nil, false
	}
	return s, true
}

// replyElem writes one member as a bulk string.
func (c *Ctx) replyElem(e setElem) {
	if e.isInt {
		c.R.Bulk(strconv.AppendInt(c.scratch[:0], e.i, 10))
	} else {
		c.R.BulkString(e.s)
	}
}

func cmdSAdd(c *Ctx) {
	key := c.Args[1]
	s, ok := c.setFor(key, true)
	if !ok {
		return
	}
	l := c.setLimits()
	hint := int64(len(c.Args) - 2)
	if s == nil {
		s = newSetFor(bstr(c.Args[2]), hint, l)
		c.addSet(key, s)
	} else {
		s.maybeConvert(hint, l)
	}
	added := 0
	for _, m := range c.Args[2:] {
		if s.add(m, l) {
			added++
		}
	}
	if added > 0 {
		c.Modified(key)
		c.Notify(NotifySet, "sadd", key)
	}
	c.Dirty(int64(added))
	c.R.Int(int64(added))
}

func cmdSRem(c *Ctx) {
	key := c.Args[1]
	s, ok := c.setFor(key, true)
	if !ok {
		return
	}
	if s == nil {
		c.R.Int(0)
		return
	}
	deleted := 0
	removedKey := false
	for _, m := range c.Args[2:] {
		if s.remove(m) {
			deleted++
			if s.Len() == 0 {
				c.dropKey(key)
				removedKey = true
				break
			}
		}
	}
	if deleted > 0 {
		c.Modified(key)
		c.Notify(NotifySet, "srem", key)
		if removedKey {
			c.Notify(NotifyGeneric, "del", key)
		}
	}
	c.Dirty(int64(deleted))
	c.R.Int(int64(deleted))
}

func cmdSIsMember(c *Ctx) {
	s, ok := c.setFor(c.Args[1], false)
	if !ok {
		return
	}
	if s != nil && s.has(c.Args[2]) {
		c.R.Int(1)
	} else {
		c.R.Int(0)
	}
}

func cmdSMIsMember(c *Ctx) {
	s, ok := c.setFor(c.Args[1], false)
	if !ok {
		return
	}
	c.R.Array(len(c.Args) - 2)
	for _, m := range c.Args[2:] {
		if s != nil && s.has(m) {
			c.R.Int(1)
		} else {
			c.R.Int(0)
		}
	}
}

func cmdSCard(c *Ctx) {
	s, ok := c.setFor(c.Args[1], false)
	if !ok {
		return
	}
	if s == nil {
		c.R.Int(0)
		return
	}
	c.R.Int(int64(s.Len()))
}

func cmdSMove(c *Ctx) {
	srcKey, dstKey := c.Args[1], c.Args[2]
	se := c.LookupWrite(srcKey)
	de := c.LookupWrite(dstKey)
	m := c.Args[3]
	if se == nil {
		c.R.Int(0)
		return
	}
	src, isSet := se.Val.val().(*Set)
	var dst *Set
	if de != nil {
		var dstIsSet bool
		dst, dstIsSet = de.Val.val().(*Set)
		isSet = isSet && dstIsSet
	}
	if !isSet {
		c.Error(ErrWrongType)
		return
	}
	if src == dst {
		if src.has(m) {
			c.R.Int(1)
		} else {
			c.R.Int(0)
		}
		return
	}
	if !src.remove(m) {
		c.R.Int(0)
		return
	}
	c.Notify(NotifySet, "srem", srcKey)
	if src.Len() == 0 {
		c.dropKey(srcKey)
		c.Notify(NotifyGeneric, "del", srcKey)
	}
	l := c.setLimits()
	if dst == nil {
		dst = newSetFor(bstr(m), 1, l)
		c.addSet(dstKey, dst)
	}
	c.Modified(srcKey)
	c.Dirty(1)
	if dst.add(m, l) {
		c.Dirty(1)
		c.Modified(dstKey)
		c.Notify(NotifySet, "sadd", dstKey)
	}
	c.R.Int(1)
}

func cmdSPop(c *Ctx) {
	if len(c.Args) == 3 {
		spopCount(c)
		return
	}
	if len(c.Args) > 3 {
		c.Error(ErrSyntax)
		return
	}
	key := c.Args[1]
	s, ok := c.setFor(key, true)
	if !ok {
		return
	}
	if s == nil {
		c.R.Null()
		return
	}
	c.Notify(NotifySet, "spop", key)
	c.replyElem(s.popRandom())
	if s.Len() == 0 {
		c.dropKey(key)
		c.Notify(NotifyGeneric, "del", key)
	}
	c.Modified(key)
	c.Dirty(1)
}

// spopCount is SPOP key count, with Valkey's three strategies: the whole
// set, count random pops, or (when few members remain) a new set of the
// remaining members with the rest returned.
func spopCount(c *Ctx) {
	count, ok := parseStrictInt(c.Args[2])
	if !ok || count < 0 {
		c.Error(ErrMustBePositive)
		return
	}
	key := c.Args[1]
	s, ok := c.setFor(key, true)
	if !ok {
		return
	}
	if s == nil || count == 0 {
		c.R.Set(0)
		return
	}
	size := int64(s.Len())
	c.Notify(NotifySet, "spop", key)
	defer c.Modified(key)
	if count >= size {
		c.Dirty(size)
		c.R.Set(int(size))
		s.each(func(e setElem) bool {
			c.replyElem(e)
			return true
		})
		c.dropKey(key)
		c.Notify(NotifyGeneric, "del", key)
		return
	}
	c.Dirty(count)
	c.R.Set(int(count))
	remaining := size - count
	switch {
	case remaining*spopMoveStrategyMul > count && s.enc == setListpack:
		ms := s.lpMembers()
		picked := make([]bool, len(ms))
		lpSample(len(ms), int(count), func(i int) {
			picked[i] = true
			c.R.BulkString(ms[i])
		})
		kept := ms[:0]
		for i, m := range ms {
			if !picked[i] {
				kept = append(kept, m)
			}
		}
		s.setLP(kept) // copies: kept aliases the old listpack
		s.recount()   // memory.go
	case remaining*spopMoveStrategyMul > count:
		for range count {
			c.replyElem(s.popRandom())
		}
	default:
		l := c.setLimits()
		var ns *Set
		if s.enc == setListpack {
			ns = &Set{enc: setListpack}
			ms := s.lpMembers()
			picked := make([]bool, len(ms))
			lpSample(len(ms), int(remaining), func(i int) {
				picked[i] = true
				ns.add(unsafeBytes(ms[i]), l)
			})
			for i, m := range ms {
				if !picked[i] {
					c.R.BulkString(m)
				}
			}
		} else {
			for range remaining {
				e := s.random()
				if ns == nil {
					if e.isInt {
						ns = &Set{enc: setIntset}
					} else {
						ns = &Set{enc: setListpack}
					}
				}
				ns.addElem(e, l)
				s.removeElem(e)
			}
			s.each(func(e setElem) bool {
				c.replyElem(e)
				return true
			})
		}
		*s = *ns
	}
}

func cmdSRandMember(c *Ctx) {
	if len(c.Args) == 3 {
		srandMemberCount(c)
		return
	}
	if len(c.Args) > 3 {
		c.Error(ErrSyntax)
		return
	}
	s, ok := c.setFor(c.Args[1], false)
	if !ok {
		return
	}
	if s == nil {
		c.R.Null()
		return
	}
	c.replyElem(s.random())
}

// srandMemberCount is SRANDMEMBER key count with Valkey's cases: a
// negative count samples with repetition; a count at least the size
// returns the whole set; a listpack is sampled in one pass; a count close
// to the size copies the set and removes random members; a small count
// collects distinct random members.
func srandMemberCount(c *Ctx) {
	l, ok := parseStrictInt(c.Args[2])
	if !ok {
		c.Error(ErrNotInt)
		return
	}
	if l == math.MinInt64 {
		c.Error(ErrLongRange)
		return
	}
	count, uniq := l, true
	if l < 0 {
		count, uniq = -l, false
	}
	s, ok := c.setFor(c.Args[1], false)
	if !ok {
		return
	}
	if s == nil || count == 0 {
		c.R.Array(0)
		return
	}
	if !uniq || count == 1 {
		if count > maxRandomRepeat {
			c.Error(ErrValueOutOfRange)
			return
		}
		c.R.Array(int(count))
		for range count {
			c.replyElem(s.random())
		}
		return
	}
	size := int64(s.Len())
	if count >= size {
		c.R.Array(int(size))
		s.each(func(e setElem) bool {
			c.replyElem(e)
			return true
		})
		return
	}
	if s.enc == setListpack {
		c.R.Array(int(count))
		ms := s.lpMembers()
		lpSample(len(ms), int(count), func(i int) { c.R.BulkString(ms[i]) })
		return
	}
	var picked []setElem
	if count*srandSubStrategyMul > size {
		// Copy, then remove random members down to count.
		picked = make([]setElem, 0, size)
		s.each(func(e setElem) bool {
			picked = append(picked, e)
			return true
		})
		for int64(len(picked)) > count {
			i := rand.IntN(len(picked))
			last := len(picked) - 1
			picked[i] = picked[last]
			picked = picked[:last]
		}
	} else {
		seen := make(map[setElem]struct{}, count)
		picked = make([]setElem, 0, count)
		for int64(len(picked)) < count {
			e := s.random()
			if _, dup := seen[e]; dup {
				continue
			}
			seen[e] = struct{}{}
			picked = append(picked, e)
		}
	}
	c.R.Array(len(picked))
	for _, e := range picked {
		c.replyElem(e)
	}
}

// sinterCardKeys finds SINTERCARD's keys: numkeys of them after it, none
// when numkeys is not valid.
func sinterCardKeys(args [][]byte) []int {
	if len(args) < 2 {
		return nil
	}
	n, ok := parseStrictInt(args[1])
	if !ok || n < 1 || n > int64(len(args)-2) {
		return nil
	}
	keys := make([]int, n)
	for i := range keys {
		keys[i] = 2 + i
	}
	return keys
}

func cmdSScan(c *Ctx) {
	cursor, ok := c.scanCursorArg(c.Args[2])
	if !ok {
		return
	}
	s, ok := c.setFor(c.Args[1], false)
	if !ok {
		return
	}
	if s == nil {
		c.R.Array(2)
		c.R.BulkString("0")
		c.R.Array(0)
		return
	}
	o, ok := c.parseScanOpts(c.Args[3:], scanSet)
	if !ok {
		return
	}
	var out []string
	var next uint64
	if s.enc != setHT {
		s.each(func(e setElem) bool {
			m := e.s
			if e.isInt {
				m = strconv.FormatInt(e.i, 10)
			}
			if o.matches(m) {
				out = append(out, m)
			}
			return true
		})
	} else {
		maxIter := o.count * 10
		if o.count > 1<<40 {
			maxIter = 1 << 50
		}
		var sampled int64
		next = cursor
		for {
			next = s.ht.Scan(next, func(n *dictSetNode) {
				sampled++
				if o.matches(n.Key()) {
					out = append(out, n.Key())
				}
			})
			if next == 0 || maxIter == 0 || sampled >= o.count {
				break
			}
			maxIter--
		}
	}
	c.R.Array(2)
	c.R.Bulk(strconv.AppendUint(c.scratch[:0], next, 10))
	c.R.Array(len(out))
	for _, m := range out {
		c.R.BulkString(m)
	}
}

// dropKey deletes a key whose set has become empty, without counting a
// change: the set commands count the members they removed.
func (c *Ctx) dropKey(key []byte) {
	db := c.DB
	k := bstr(key)
	if e := db.find(k, c.nowMs); e != nil {
		db.removeEntry(db.shardFor(k), e)
	}
}

// addSet stores a new set at a missing key. Creating the key is not a
// change of its own: the members added are counted.
func (c *Ctx) addSet(key []byte, s *Set) {
	c.SetValue(key, s, false)
	c.Dirty(-1)
}
