package engine

import "math/bits"

// LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]
//
// Valkey fills a (len(a)+1)*(len(b)+1) table of uint32 and refuses when
// that table would exceed proto-max-bulk-len. flect applies the same
// limit (same errors, same answers) but keeps only two rows of lengths and
// one bit per cell recording which way Valkey's backtrack turns, so the
// transient memory is len(a)*len(b)/8 bytes, a 32nd of Valkey's, and none
// when only LEN is asked.

// lcsRange is one matched range of an LCS IDX reply.
type lcsRange struct {
	aStart, aEnd, bStart, bEnd, length uint32
}

func cmdLCS(c *Ctx) {
	ea := c.Lookup(c.Args[1])
	eb := c.Lookup(c.Args[2])
	if (ea != nil && !isString(ea.Val.val())) || (eb != nil && !isString(eb.Val.val())) {
		c.Error(ErrLCSWrongType)
		return
	}
	var getLen, getIdx, withMatchLen bool
	var minMatchLen int64
	for j := 3; j < len(c.Args); j++ {
		opt := c.Args[j]
		switch {
		case eqFold(opt, "idx"):
			getIdx = true
		case eqFold(opt, "len"):
			getLen = true
		case eqFold(opt, "withmatchlen"):
			withMatchLen = true
		case eqFold(opt, "minmatchlen") && j+1 < len(c.Args):
			n, ok := c.intArg(c.Args[j+1])
			if !ok {
				return
			}
			minMatchLen = max(n, 0)
			j++
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	if getLen && getIdx {
		c.Error(ErrLCSLenAndIdx)
		return
	}
	a, b := lcsOperand(ea), lcsOperand(eb)
	if uint64(len(a)) >= 1<<32-2 || uint64(len(b)) >= 1<<32-2 {
		c.Error(ErrLCSTooLong)
		return
	}
	// Valkey's table size check, with its overflow guard.
	cells := uint64(len(a)+1) * uint64(len(b)+1)
	hi, size := bits.Mul64(cells, 4)
	if hi != 0 || size == ^uint64(0) {
		c.Error(ErrLCSAlloc)
		return
	}
	if size > uint64(c.Node.MaxBulkLen()) {
		c.Error(ErrLCSMemory)
		return
	}

	computeLCS := getIdx || !getLen
	total, turns := lcsTable(a, b, computeLCS)
	if !computeLCS {
		c.R.Int(int64(total))
		return
	}
	result, ranges := lcsBacktrack(a, b, total, turns, getIdx, uint64(minMatchLen))
	if !getIdx {
		c.R.Bulk(result)
		return
	}
	c.R.Map(2)
	c.R.BulkString("matches")
	c.R.Array(len(ranges))
	for _, r := range ranges {
		if withMatchLen {
			c.R.Array(3)
		} else {
			c.R.Array(2)
		}
		c.R.Array(2)
		c.R.Int(int64(r.aStart))
		c.R.Int(int64(r.aEnd))
		c.R.Array(2)
		c.R.Int(int64(r.bStart))
		c.R.Int(int64(r.bEnd))
		if withMatchLen {
			c.R.Int(int64(r.length))
		}
	}
	c.R.BulkString("len")
	c.R.Int(int64(total))
}

// lcsOperand returns the bytes of an LCS key (a missing key is empty). An
// integer is formatted into its own buffer: both operands are live at once.
func lcsOperand(e *Entry) []byte {
	if e == nil {
		return nil
	}
	b, _ := stringBytes(e.Val.val(), make([]byte, 0, 20))
	return b
}

// lcsTable computes the length of the LCS of a and b. With withTurns it
// also returns, for every cell (i, j) where a[i] != b[j], one bit telling
// whether LCS(a[:i], b[:j+1]) > LCS(a[:i+1], b[:j]): the direction
// Valkey's backtrack takes there.
func lcsTable(a, b []byte, withTurns bool) (uint32, []uint64) {
	if len(a) == 0 || len(b) == 0 {
		return 0, nil
	}
	var turns []uint64
	if withTurns {
		turns = make([]uint64, (uint64(len(a))*uint64(len(b))+63)/64)
	}
	prev := make([]uint32, len(b)+1)
	cur := make([]uint32, len(b)+1)
	cell := uint64(0)
	for i := range a {
		ai := a[i]
		cur[0] = 0
		for j, bj := range b {
			if ai == bj {
				cur[j+1] = prev[j] + 1
			} else {
				up, left := prev[j+1], cur[j]
				if up > left {
					cur[j+1] = up
					if turns != nil {
						turns[cell>>6] |= 1 << (cell & 63)
					}
				} else {
					cur[j+1] = left
				}
			}
			cell++
		}
		prev, cur = cur, prev
	}
	return prev[len(b)], turns
}

// lcsBacktrack walks the table from the end as Valkey does, building the
// LCS string and, with idx, the matched ranges at least minLen long.
func lcsBacktrack(a, b []byte, total uint32, turns []uint64, idx bool, minLen uint64) ([]byte, []lcsRange) {
	result := make([]byte, total)
	var ranges []lcsRange
	alen, blen := uint32(len(a)), uint32(len(b))
	k := total
	aStart, aEnd, bStart, bEnd := alen, uint32(0), uint32(0), uint32(0) // aStart == alen: no open range
	i, j := alen, blen
	for i > 0 && j > 0 {
		emit := false
		if a[i-1] == b[j-1] {
			result[k-1] = a[i-1]
			if aStart == alen {
				aStart, aEnd = i-1, i-1
				bStart, bEnd = j-1, j-1
			} else if aStart == i && bStart == j {
				aStart--
				bStart--
			} else {
				emit = true
			}
			if aStart == 0 || bStart == 0 {
				emit = true
			}
			k--
			i--
			j--
		} else {
			cell := uint64(i-1)*uint64(blen) + uint64(j-1)
			if turns[cell>>6]&(1<<(cell&63)) != 0 {
				i--
			} else {
				j--
			}
			if aStart != alen {
				emit = true
			}
		}
		if emit {
			n := aEnd - aStart + 1
			if idx && (minLen == 0 || uint64(n) >= minLen) {
				ranges = append(ranges, lcsRange{aStart, aEnd, bStart, bEnd, n})
			}
			aStart = alen
		}
	}
	return result, ranges
}
