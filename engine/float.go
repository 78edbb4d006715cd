package engine

import (
	"math"
	"math/big"
	"strconv"
)

// Double formatting as Valkey 8 replies it (d2string in util.c): "nan",
// "inf", "-inf", "0", "-0"; integral values within ±2^62 as integers; any
// other value through fpconv_dtoa, a Grisu2 shortest-digits conversion
// whose output (digit choice and layout) is reproduced here exactly. It is
// not always the shortest representation, which is why strconv's
// formatting cannot be used.

// AppendDouble appends f formatted as Valkey's d2string does (RESP3 double
// replies, RESP2 bulk doubles, ZSCORE, ...).
func AppendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	// Integral values in a safe range print as integers (double2ll).
	if f >= -(1<<62) && f <= 1<<62 {
		if n := int64(f); float64(n) == f {
			return strconv.AppendInt(dst, n, 10)
		}
	}
	return appendGrisu(dst, f)
}

// diyFp is a floating point number f * 2^e with a 64-bit significand.
type diyFp struct {
	f uint64
	e int
}

const (
	dblFracMask  = 0x000FFFFFFFFFFFFF
	dblExpMask   = 0x7FF0000000000000
	dblHiddenBit = 0x0010000000000000
	dblExpBias   = 1023 + 52

	grisuFirstPower = -348 // decimal exponent of the first cached power
	grisuStepPowers = 8    // decimal exponent step between cached powers
	grisuNumPowers  = 87
	grisuExpMin     = -60
	grisuExpMax     = -32
)

// grisuPowers are the normalised 64-bit approximations (rounded to nearest)
// of 10^(-348 + 8i), i < 87, that Grisu2 scales by.
var grisuPowers = computeGrisuPowers()

func computeGrisuPowers() [grisuNumPowers]diyFp {
	var out [grisuNumPowers]diyFp
	ten := big.NewInt(10)
	for i := range out {
		k := grisuFirstPower + grisuStepPowers*i
		num, den := big.NewInt(1), big.NewInt(1)
		if k >= 0 {
			num.Exp(ten, big.NewInt(int64(k)), nil)
		} else {
			den.Exp(ten, big.NewInt(int64(-k)), nil)
		}
		// Scale so that the quotient has exactly 64 bits.
		e := num.BitLen() - den.BitLen() - 64
		var q, r, n, d big.Int
		for {
			n.Set(num)
			d.Set(den)
			if e >= 0 {
				d.Lsh(&d, uint(e))
			} else {
				n.Lsh(&n, uint(-e))
			}
			q.QuoRem(&n, &d, &r)
			if q.BitLen() > 64 {
				e++
			} else if q.BitLen() < 64 {
				e--
			} else {
				break
			}
		}
		if r.Lsh(&r, 1).Cmp(&d) >= 0 {
			q.Add(&q, big.NewInt(1))
			if q.BitLen() > 64 {
				q.Rsh(&q, 1)
				e++
			}
		}
		out[i] = diyFp{f: q.Uint64(), e: e}
	}
	return out
}

var pow10u64 = [...]uint64{
	10000000000000000000, 1000000000000000000, 100000000000000000,
	10000000000000000, 1000000000000000, 100000000000000, 10000000000000,
	1000000000000, 100000000000, 10000000000, 1000000000, 100000000,
	10000000, 1000000, 100000, 10000, 1000, 100, 10, 1,
}

// appendGrisu appends a finite, non-zero f as fpconv_dtoa does.
func appendGrisu(dst []byte, f float64) []byte {
	neg := math.Signbit(f)
	if neg {
		dst = append(dst, '-')
	}
	var digits [18]byte
	n, k := grisu2(f, &digits)
	return emitDigits(dst, digits[:n], k, neg)
}

func grisu2(d float64, digits *[18]byte) (n, k int) {
	w := buildFp(d)
	lower, upper := normalizedBoundaries(w)
	w = normalizeFp(w)
	cp, pk := cachedPow10(upper.e)
	w = mulFp(w, cp)
	upper = mulFp(upper, cp)
	lower = mulFp(lower, cp)
	lower.f++
	upper.f--
	k = -pk
	n, k = generateDigits(w, upper, lower, digits, k)
	return n, k
}

func buildFp(d float64) diyFp {
	b := math.Float64bits(d)
	fp := diyFp{f: b & dblFracMask, e: int((b & dblExpMask) >> 52)}
	if fp.e != 0 {
		fp.f += dblHiddenBit
		fp.e -= dblExpBias
	} else {
		fp.e = -dblExpBias + 1
	}
	return fp
}

func normalizeFp(fp diyFp) diyFp {
	for fp.f&dblHiddenBit == 0 {
		fp.f <<= 1
		fp.e--
	}
	const shift = 64 - 52 - 1
	fp.f <<= shift
	fp.e -= shift
	return fp
}

func normalizedBoundaries(fp diyFp) (lower, upper diyFp) {
	upper = diyFp{f: fp.f<<1 + 1, e: fp.e - 1}
	for upper.f&(dblHiddenBit<<1) == 0 {
		upper.f <<= 1
		upper.e--
	}
	const ushift = 64 - 52 - 2
	upper.f <<= ushift
	upper.e -= ushift
	lshift := 1
	if fp.f == dblHiddenBit {
		lshift = 2
	}
	lower = diyFp{f: fp.f<<uint(lshift) - 1, e: fp.e - lshift}
	lower.f <<= uint(lower.e - upper.e)
	lower.e = upper.e
	return lower, upper
}

// mulFp multiplies two diyFps keeping the upper 64 bits, rounded.
func mulFp(a, b diyFp) diyFp {
	const lo = 0xFFFFFFFF
	ahBl := (a.f >> 32) * (b.f & lo)
	alBh := (a.f & lo) * (b.f >> 32)
	alBl := (a.f & lo) * (b.f & lo)
	ahBh := (a.f >> 32) * (b.f >> 32)
	tmp := (ahBl & lo) + (alBh & lo) + (alBl >> 32)
	tmp += 1 << 31
	return diyFp{f: ahBh + (ahBl >> 32) + (alBh >> 32) + (tmp >> 32), e: a.e + b.e + 64}
}

func cachedPow10(exp int) (diyFp, int) {
	const oneLogTen = 0.30102999566398114
	approx := int(float64(-(exp + grisuNumPowers)) * oneLogTen)
	idx := (approx - grisuFirstPower) / grisuStepPowers
	for range 2 * grisuNumPowers {
		cur := exp + grisuPowers[idx].e + 64
		switch {
		case cur < grisuExpMin:
			idx++
		case cur > grisuExpMax:
			idx--
		default:
			return grisuPowers[idx], grisuFirstPower + idx*grisuStepPowers
		}
	}
	panic("engine: no cached power of ten")
}

func roundDigit(digits []byte, delta, rem, kappa, frac uint64) {
	n := len(digits)
	for rem < frac && delta-rem >= kappa &&
		(rem+kappa < frac || frac-rem > rem+kappa-frac) {
		digits[n-1]--
		rem += kappa
	}
}

func generateDigits(fp, upper, lower diyFp, digits *[18]byte, k int) (int, int) {
	wfrac := upper.f - fp.f
	delta := upper.f - lower.f
	shift := uint(-upper.e)
	oneFrac := uint64(1) << shift
	part1 := upper.f >> shift
	part2 := upper.f & (oneFrac - 1)

	idx, kappa := 0, 10
	for di := 10; kappa > 0; di++ {
		div := pow10u64[di]
		digit := part1 / div
		if digit != 0 || idx != 0 {
			digits[idx] = byte(digit) + '0'
			idx++
		}
		part1 -= digit * div
		kappa--
		tmp := part1<<shift + part2
		if tmp <= delta {
			k += kappa
			roundDigit(digits[:idx], delta, tmp, div<<shift, wfrac)
			return idx, k
		}
	}
	for unit := 18; unit >= 0 && idx < len(digits); unit-- {
		part2 *= 10
		delta *= 10
		kappa--
		digit := part2 >> shift
		if digit != 0 || idx != 0 {
			digits[idx] = byte(digit) + '0'
			idx++
		}
		part2 &= oneFrac - 1
		if part2 < delta {
			k += kappa
			roundDigit(digits[:idx], delta, part2, oneFrac, wfrac*pow10u64[unit])
			return idx, k
		}
	}
	return idx, k
}

func emitDigits(dst, digits []byte, k int, neg bool) []byte {
	nd := len(digits)
	exp := absInt(k + nd - 1)
	// Plain integer.
	if k >= 0 && exp < nd+7 {
		dst = append(dst, digits...)
		for range k {
			dst = append(dst, '0')
		}
		return dst
	}
	// Decimal without exponent.
	if k < 0 && (k > -7 || exp < 4) {
		offset := nd - absInt(k)
		if offset <= 0 {
			dst = append(dst, '0', '.')
			for range -offset {
				dst = append(dst, '0')
			}
			return append(dst, digits...)
		}
		dst = append(dst, digits[:offset]...)
		dst = append(dst, '.')
		return append(dst, digits[offset:]...)
	}
	// Scientific notation.
	limit := 18
	if neg {
		limit = 17
	}
	nd = min(nd, limit)
	dst = append(dst, digits[0])
	if nd > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:nd]...)
	}
	dst = append(dst, 'e')
	if k+nd-1 < 0 {
		dst = append(dst, '-')
	} else {
		dst = append(dst, '+')
	}
	cent := 0
	if exp > 99 {
		cent = exp / 100
		dst = append(dst, byte(cent)+'0')
		exp -= cent * 100
	}
	if exp > 9 {
		dec := exp / 10
		dst = append(dst, byte(dec)+'0')
		exp -= dec * 10
	} else if cent != 0 {
		dst = append(dst, '0')
	}
	return append(dst, byte(exp%10)+'0')
}

func absInt(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// ParseDouble parses b as Valkey's string2d does (strtod on the whole
// argument): no leading space, no trailing bytes, "inf" and "-inf"
// accepted, NaN and out-of-range values refused. Hexadecimal floats are
// accepted as strtod does.
func ParseDouble(b []byte) (float64, bool) {
	x, ok := parseFloatSyntax(b, 53, -1074, 1024)
	if !ok {
		return 0, false
	}
	switch x.kind {
	case ldInf:
		return math.Inf(sign(x.neg)), true
	case ldZero:
		if x.neg {
			return math.Copysign(0, -1), true
		}
		return 0, true
	}
	return math.Ldexp(float64(x.mant), x.exp) * float64(sign(x.neg)), true
}

// sign returns -1 for negative, else 1.
func sign(neg bool) int {
	if neg {
		return -1
	}
	return 1
}
