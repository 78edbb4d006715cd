package engine

import (
	"slices"

	"github.com/flect-kv/flect/engine/dict"
)

// Set algebra: SMEMBERS/SINTER/SINTERCARD/SINTERSTORE and
// SUNION/SDIFF/SUNIONSTORE/SDIFFSTORE, with Valkey's choices of result
// encoding, member order and DIFF algorithm.

func cmdSInter(c *Ctx) { c.sinter(c.Args[1:], nil, false, 0) }

func cmdSInterStore(c *Ctx) { c.sinter(c.Args[2:], c.Args[1], false, 0) }

func cmdSInterCard(c *Ctx) {
	numkeys, ok := parseStrictInt(c.Args[1])
	if !ok || numkeys < 1 {
		c.Error(ErrNumKeysPositive)
		return
	}
	if numkeys > int64(len(c.Args)-2) {
		c.Error(ErrNumKeysTooMany)
		return
	}
	var limit int64
	for j := 2 + int(numkeys); j < len(c.Args); j++ {
		if optIs(c.Args[j], "limit") && j+1 < len(c.Args) {
			j++
			v, ok := parseStrictInt(c.Args[j])
			if !ok || v < 0 {
				c.Error(ErrLimitNegative)
				return
			}
			limit = v
		} else {
			c.Error(ErrSyntax)
			return
		}
	}
	c.sinter(c.Args[2:2+numkeys], nil, true, limit)
}

// lookupSets looks up keys as sets for a read; a missing key is a nil set.
// ok is false after a WRONGTYPE reply.
func (c *Ctx) lookupSets(keys [][]byte) (sets []*Set, missing bool, ok bool) {
	sets = make([]*Set, len(keys))
	for i, k := range keys {
		s, ok := c.setFor(k, false)
		if !ok {
			return nil, false, false
		}
		if s == nil {
			missing = true
		}
		sets[i] = s
	}
	return sets, missing, true
}

// sinter is Valkey's sinterGenericCommand: the intersection of the sets
// at keys, replied as a set, counted (cardOnly, stopping at limit when
// not 0) or stored at dst.
func (c *Ctx) sinter(keys [][]byte, dst []byte, cardOnly bool, limit int64) {
	sets, missing, ok := c.lookupSets(keys)
	if !ok {
		return
	}
	if missing {
		switch {
		case dst != nil:
			if c.Delete(dst) {
				c.Modified(dst)
				c.Notify(NotifyGeneric, "del", dst)
			}
			c.R.Int(0)
		case cardOnly:
			c.R.Int(0)
		default:
			c.R.Set(0)
		}
		return
	}
	slices.SortStableFunc(sets, func(a, b *Set) int { return a.Len() - b.Len() })
	first := sets[0]
	l := c.setLimits()
	var out *Set
	if dst != nil {
		if first.enc == setIntset {
			out = &Set{enc: setIntset}
		} else {
			out = &Set{enc: setListpack}
		}
	}
	var found []setElem
	var card int64
	onlyInts := true
	first.each(func(e setElem) bool {
		for _, s := range sets[1:] {
			if s != first && !s.hasElem(e) {
				return true
			}
		}
		switch {
		case cardOnly:
			card++
			return limit == 0 || card < limit
		case dst == nil:
			found = append(found, e)
		default:
			if !e.isInt && onlyInts {
				if v, isInt := parseStrictInt(unsafeBytes(e.s)); isInt {
					e = setElem{i: v, isInt: true}
				} else {
					onlyInts = false
				}
			}
			out.addElem(e, l)
		}
		return true
	})
	switch {
	case cardOnly:
		c.R.Int(card)
	case dst == nil:
		c.R.Set(len(found))
		for _, e := range found {
			c.replyElem(e)
		}
	default:
		c.storeSetResult(dst, out, onlyInts, l, "sinterstore")
	}
}

// storeSetResult stores a computed set at dst (deleting dst when it is
// empty) and replies with its size; event is the keyspace event of a
// stored result.
func (c *Ctx) storeSetResult(dst []byte, out *Set, onlyInts bool, l setLimits, event string) {
	if out.Len() == 0 {
		c.R.Int(0)
		if c.Delete(dst) {
			c.Modified(dst)
			c.Notify(NotifyGeneric, "del", dst)
		}
		return
	}
	if onlyInts {
		out.toIntsetIfIntegers(l)
	}
	if out.enc == setListpack {
		out.lp = slices.Clip(out.lp)
	}
	c.SetValue(dst, out, false) // counts the one change
	c.Modified(dst)
	c.Notify(NotifySet, event, dst)
	c.R.Int(int64(out.Len()))
}

// Set operations of sunionDiff.
const (
	setOpUnion = iota
	setOpDiff
)

func cmdSUnion(c *Ctx)      { c.sunionDiff(c.Args[1:], nil, setOpUnion) }
func cmdSUnionStore(c *Ctx) { c.sunionDiff(c.Args[2:], c.Args[1], setOpUnion) }
func cmdSDiff(c *Ctx)       { c.sunionDiff(c.Args[1:], nil, setOpDiff) }
func cmdSDiffStore(c *Ctx)  { c.sunionDiff(c.Args[2:], c.Args[1], setOpDiff) }

// sunionDiff is Valkey's sunionDiffGenericCommand: the union or
// difference of the sets at keys, replied as a set or stored at dst.
//
// The result starts as an intset (and converts as members arrive) when it
// is stored or every input is an intset, else as a hashtable.
func (c *Ctx) sunionDiff(keys [][]byte, dst []byte, op int) {
	sets, _, ok := c.lookupSets(keys)
	if !ok {
		return
	}
	htResult, sameSet := false, false
	for j, s := range sets {
		if s != nil && dst == nil && s.enc != setIntset {
			htResult = true
		}
		if j > 0 && sets[0] == s {
			sameSet = true
		}
	}
	diffAlgo := 1
	if op == setOpDiff && sets[0] != nil && !sameSet {
		var one, two int64
		for _, s := range sets {
			if s != nil {
				one += int64(sets[0].Len())
				two += int64(s.Len())
			}
		}
		one /= 2
		if one > two {
			diffAlgo = 2
		}
		if diffAlgo == 1 && len(sets) > 1 {
			size := func(s *Set) int {
				if s == nil {
					return 0
				}
				return s.Len()
			}
			slices.SortStableFunc(sets[1:], func(a, b *Set) int { return size(b) - size(a) })
		}
	}
	l := c.setLimits()
	out := &Set{enc: setIntset}
	if htResult {
		out = &Set{enc: setHT, ht: dict.New[struct{}]()}
	}
	switch {
	case op == setOpUnion:
		for _, s := range sets {
			if s != nil {
				s.each(func(e setElem) bool {
					out.addElem(e, l)
					return true
				})
			}
		}
	case sameSet || sets[0] == nil:
		// The difference is empty.
	case diffAlgo == 1:
		first := sets[0]
		first.each(func(e setElem) bool {
			for _, s := range sets[1:] {
				if s == nil {
					continue
				}
				if s == first || s.hasElem(e) {
					return true
				}
			}
			out.addElem(e, l)
			return true
		})
	default:
		for j, s := range sets {
			if s == nil {
				continue
			}
			s.each(func(e setElem) bool {
				if j == 0 {
					out.addElem(e, l)
				} else {
					out.removeElem(e)
				}
				return true
			})
			if out.Len() == 0 {
				break
			}
		}
	}
	if dst != nil {
		event := "sunionstore"
		if op == setOpDiff {
			event = "sdiffstore"
		}
		c.storeSetResult(dst, out, false, l, event)
		return
	}
	c.R.Set(out.Len())
	out.each(func(e setElem) bool {
		c.replyElem(e)
		return true
	})
}
