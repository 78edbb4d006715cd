package engine

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST. The
// representation is in hll.go.
var hllCommands = []*Command{
	{Name: "pfadd", Arity: -2, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "hyperloglog", Run: cmdPFAdd},
	{Name: "pfcount", Arity: -2, Flags: ReadOnly | MayReplicate, First: 1, Last: -1, Step: 1, Group: "hyperloglog", Run: cmdPFCount},
	{Name: "pfmerge", Arity: -2, Flags: Write | DenyOOM, First: 1, Last: -1, Step: 1, Group: "hyperloglog", Run: cmdPFMerge},
	{Name: "pfdebug", Arity: 3, Flags: Write | DenyOOM | Admin, First: 2, Last: 2, Step: 1, Group: "hyperloglog", Run: cmdPFDebug},
	{Name: "pfselftest", Arity: 1, Flags: Admin | NoKeyspace, Group: "hyperloglog", Run: cmdPFSelfTest},
}

// hllLookup returns the HLL string of e, replying Valkey's errors and
// returning nil when e holds another type or a string that is not an HLL.
func (c *Ctx) hllLookup(e *Entry) []byte {
	if _, isInt := e.Val.val().(int64); !isInt {
		b, ok := StringValue(e.Val.val())
		if !ok {
			c.Error(ErrWrongType)
			return nil
		}
		if hllValid(b) {
			return b
		}
	}
	c.Error(ErrNotHLL)
	return nil
}

// hllWritable is hllLookup for a command that changes the value (or its
// cached cardinality): the value becomes a raw *Str the caller may edit,
// as Valkey's dbUnshareStringValue makes it.
func (c *Ctx) hllWritable(e *Entry) *Str {
	if c.hllLookup(e) == nil {
		return nil
	}
	return rawString(e)
}

// PFADD key [element ...]
func cmdPFAdd(c *Ctx) {
	key := c.Args[1]
	e := c.LookupWrite(key)
	var s *Str
	created := e == nil
	updated := 0
	if created {
		s = newHLL()
		c.SetValue(key, s, false)
		updated++
	} else if s = c.hllWritable(e); s == nil {
		return
	}
	maxBytes := c.Node.HLLSparseMaxBytes()
	for _, ele := range c.Args[2:] {
		switch hllAdd(s, ele, maxBytes) {
		case 1:
			updated++
		case -1:
			c.Error(ErrInvalidHLL)
			return
		}
	}
	if updated > 0 {
		hllInvalidate(s.B)
		c.Modified(key)
		c.Notify(NotifyString, "pfadd", key)
		if created {
			updated-- // the new key counted one already
		}
		c.Dirty(int64(updated))
		c.R.Int(1)
		return
	}
	c.R.Int(0)
}

// PFCOUNT key [key ...]
func cmdPFCount(c *Ctx) {
	if len(c.Args) > 2 {
		// The union of several HLLs, computed in a scratch register
		// array: the keys are not changed.
		var regs [hllRegisters]uint8
		for _, key := range c.Args[1:] {
			e := c.Lookup(key)
			if e == nil {
				continue
			}
			b := c.hllLookup(e)
			if b == nil {
				return
			}
			if !hllMergeInto(&regs, b) {
				c.Error(ErrInvalidHLL)
				return
			}
		}
		var h [64]int
		hllRawHisto(&regs, &h)
		c.R.Int(int64(hllEstimate(&h)))
		return
	}
	key := c.Args[1]
	e := c.Lookup(key)
	if e == nil {
		c.R.Int(0)
		return
	}
	s := c.hllWritable(e)
	if s == nil {
		return
	}
	card, valid := hllCached(s.B)
	if !valid {
		var h [64]int
		if !hllHisto(s.B, &h) {
			c.Error(ErrInvalidHLL)
			return
		}
		card = hllEstimate(&h)
		// A read that updates the cache: Valkey signals and propagates
		// it as a change of the string.
		hllSetCached(s.B, card)
		c.Modified(key)
		c.Dirty(1)
	}
	c.R.Int(int64(card))
}

// PFMERGE destkey [sourcekey ...]
func cmdPFMerge(c *Ctx) {
	var regs [hllRegisters]uint8
	useDense := false
	// The destination is one of the inputs.
	for _, key := range c.Args[1:] {
		e := c.Lookup(key)
		if e == nil {
			continue
		}
		b := c.hllLookup(e)
		if b == nil {
			return
		}
		if b[hllEncOffset] == hllDense {
			useDense = true
		}
		if !hllMergeInto(&regs, b) {
			c.Error(ErrInvalidHLL)
			return
		}
	}
	key := c.Args[1]
	e := c.LookupWrite(key)
	var s *Str
	created := e == nil
	if created {
		s = newHLL()
		c.SetValue(key, s, false)
	} else {
		// Checked as an input above.
		s = rawString(e)
	}
	if useDense {
		dense, ok := hllToDense(s.B)
		if !ok {
			c.Error(ErrInvalidHLL)
			return
		}
		s.B = dense
	}
	maxBytes := c.Node.HLLSparseMaxBytes()
	for i, v := range regs {
		if s.B[hllEncOffset] == hllDense {
			hllDenseMaxInto(s.B[hllHdrSize:], &regs)
			break
		}
		if v != 0 {
			hllSparseSet(s, i, v, maxBytes)
		}
	}
	hllInvalidate(s.B)
	c.Modified(key)
	// Valkey reports a merge as a pfadd: a mass add of elements.
	c.Notify(NotifyString, "pfadd", key)
	if !created {
		c.Dirty(1)
	}
	c.OK()
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
func cmdPFDebug(c *Ctx) {
	sub, key := c.Args[1], c.Args[2]
	e := c.LookupWrite(key)
	if e == nil {
		c.Error(ErrPFDebugNoKey)
		return
	}
	s := c.hllWritable(e)
	if s == nil {
		return
	}
	sparse := s.B[hllEncOffset] == hllSparse
	switch {
	case eqFold(sub, "getreg"):
		if sparse {
			if !c.hllPromoteInPlace(s) {
				return
			}
		}
		regs := s.B[hllHdrSize:]
		c.R.Array(hllRegisters)
		for i := range hllRegisters {
			c.R.Int(int64(hllDenseGet(regs, i)))
		}
	case eqFold(sub, "decode"):
		if !sparse {
			c.Error(ErrHLLNotSparse)
			return
		}
		c.R.Bulk(hllDecode(nil, s.B[hllHdrSize:]))
	case eqFold(sub, "encoding"):
		if sparse {
			c.R.Simple("sparse")
		} else {
			c.R.Simple("dense")
		}
	case eqFold(sub, "todense"):
		if sparse && !c.hllPromoteInPlace(s) {
			return
		}
		if sparse {
			c.R.Int(1)
		} else {
			c.R.Int(0)
		}
	default:
		c.Error(ErrPFDebugUnknown(sub))
	}
}

// hllPromoteInPlace converts the sparse HLL s to dense for PFDEBUG, which
// counts the change for propagation (but signals nothing, as Valkey).
func (c *Ctx) hllPromoteInPlace(s *Str) bool {
	dense, ok := hllToDense(s.B)
	if !ok {
		c.Error(ErrInvalidHLL)
		return false
	}
	s.B = dense
	c.Dirty(1)
	return true
}

// hllTestCycles is how many random register fills PFSELFTEST checks.
const hllTestCycles = 1000

// PFSELFTEST checks the register access code and the estimator's error
// against dense and sparse HLLs of up to ten million elements, as Valkey's
// does (it takes a few seconds).
func cmdPFSelfTest(c *Ctx) {
	dense := make([]byte, hllDenseSize)
	regs := dense[hllHdrSize:]
	var want [hllRegisters]uint8

	// Test 1: registers keep their value and leave their neighbours be.
	for range hllTestCycles {
		for i := range want {
			want[i] = uint8(rand.Uint32() & hllRegisterMax)
			hllDenseSetReg(regs, i, want[i])
		}
		for i := range want {
			if v := hllDenseGet(regs, i); v != want[i] {
				c.Error("TESTFAILED Register " + strconv.Itoa(i) + " should be " +
					strconv.Itoa(int(want[i])) + " but is " + strconv.Itoa(int(v)))
				return
			}
		}
	}

	// Test 2: the estimate stays within a few standard errors, and dense
	// and sparse HLLs of the same elements agree.
	clear(regs)
	sparse := newHLL()
	maxBytes := c.Node.HLLSparseMaxBytes()
	relerr := 1.04 / math.Sqrt(hllRegisters)
	checkpoint := int64(1)
	seed := rand.Uint64()
	var ele [8]byte
	for j := int64(1); j <= 10000000; j++ {
		v := uint64(j) ^ seed
		for k := range ele {
			ele[k] = byte(v >> (8 * k))
		}
		index, count := hllPatLen(ele[:])
		hllDenseSet(regs, index, count)
		hllSet(sparse, index, count, maxBytes)
		if j != checkpoint {
			continue
		}
		if j < maxBytes/2 && sparse.B[hllEncOffset] != hllSparse {
			c.Error("TESTFAILED sparse encoding not used")
			return
		}
		var hd, hs [64]int
		hllDenseHisto(regs, &hd)
		hllHisto(sparse.B, &hs)
		card := hllEstimate(&hd)
		if card != hllEstimate(&hs) {
			c.Error("TESTFAILED dense/sparse disagree")
			return
		}
		abserr := checkpoint - int64(card)
		maxerr := int64(math.Ceil(relerr * 6 * float64(checkpoint)))
		if j == 10 {
			maxerr = 1
		}
		if abserr < 0 {
			abserr = -abserr
		}
		if abserr > maxerr {
			c.Error("TESTFAILED Too big error. card:" + strconv.FormatInt(checkpoint, 10) +
				" abserr:" + strconv.FormatInt(abserr, 10))
			return
		}
		checkpoint *= 10
	}
	c.OK()
}
