package engine

import (
	"math"
	"math/big"
)

// Extended precision arithmetic for INCRBYFLOAT and HINCRBYFLOAT, and the
// strtod/strtold-compatible parser ParseDouble shares.

// LongDouble is an x86-64 C long double (80-bit extended precision: a
// 64-bit significand, exponents down to 2^-16445 with subnormals, up to
// 2^16384), which Valkey uses for INCRBYFLOAT and HINCRBYFLOAT. Parsing,
// addition and formatting round exactly as glibc's strtold, the x87 FPU
// and printf("%.17Lf") do, so results match Valkey digit for digit.
type LongDouble struct {
	kind ldKind
	neg  bool
	mant uint64 // finite non-zero: value = mant * 2^exp
	exp  int
}

type ldKind uint8

const (
	ldZero ldKind = iota
	ldFinite
	ldInf
	ldNaN
)

const (
	ldPrec   = 64     // significand bits
	ldMinExp = -16445 // exponent of the smallest subnormal
	ldMaxExp = 16384  // finite values are below 2^ldMaxExp
	// maxLongDoubleChars is Valkey's MAX_LONG_DOUBLE_CHARS: longer inputs
	// are not parsed.
	maxLongDoubleChars = 5 * 1024
)

// ParseLongDouble parses b as Valkey's string2ld does: strtold over the
// whole argument, at most 5119 bytes, no leading space; NaN, overflow and
// underflow to zero are refused; "inf", "-inf", "infinity" are accepted.
func ParseLongDouble(b []byte) (LongDouble, bool) {
	if len(b) >= maxLongDoubleChars {
		return LongDouble{}, false
	}
	return parseFloatSyntax(b, ldPrec, ldMinExp, ldMaxExp)
}

// LongDoubleFromInt converts n exactly.
func LongDoubleFromInt(n int64) LongDouble {
	if n == 0 {
		return LongDouble{}
	}
	x := LongDouble{kind: ldFinite, neg: n < 0}
	if n < 0 {
		x.mant = uint64(-n) // -MinInt64 wraps to 1<<63, its magnitude
	} else {
		x.mant = uint64(n)
	}
	return x
}

// IsInf reports whether x is an infinity.
func (x LongDouble) IsInf() bool { return x.kind == ldInf }

// IsNaN reports whether x is not a number.
func (x LongDouble) IsNaN() bool { return x.kind == ldNaN }

// Add returns x+y rounded to nearest-even in extended precision.
func (x LongDouble) Add(y LongDouble) LongDouble {
	switch {
	case x.kind == ldNaN || y.kind == ldNaN:
		return LongDouble{kind: ldNaN}
	case x.kind == ldInf && y.kind == ldInf:
		if x.neg != y.neg {
			return LongDouble{kind: ldNaN}
		}
		return x
	case x.kind == ldInf:
		return x
	case y.kind == ldInf:
		return y
	case x.kind == ldZero && y.kind == ldZero:
		return LongDouble{neg: x.neg && y.neg}
	case x.kind == ldZero:
		return y
	case y.kind == ldZero:
		return x
	}
	e := min(x.exp, y.exp)
	a := new(big.Int).SetUint64(x.mant)
	a.Lsh(a, uint(x.exp-e))
	if x.neg {
		a.Neg(a)
	}
	b := new(big.Int).SetUint64(y.mant)
	b.Lsh(b, uint(y.exp-e))
	if y.neg {
		b.Neg(b)
	}
	a.Add(a, b)
	if a.Sign() == 0 {
		return LongDouble{} // exact cancellation is +0 when rounding to nearest
	}
	neg := a.Sign() < 0
	a.Abs(a)
	if e >= 0 {
		a.Lsh(a, uint(e))
		return roundRatio(neg, a, big.NewInt(1), ldPrec, ldMinExp, ldMaxExp)
	}
	den := new(big.Int).Lsh(big.NewInt(1), uint(-e))
	return roundRatio(neg, a, den, ldPrec, ldMinExp, ldMaxExp)
}

// AppendHuman appends x as Valkey's ld2string in LD_STR_HUMAN mode does
// (INCRBYFLOAT, HINCRBYFLOAT): printf "%.17Lf", trailing zeros and a
// trailing point removed, "-0" printed as "0"; "inf", "-inf", "nan".
func (x LongDouble) AppendHuman(dst []byte) []byte {
	switch x.kind {
	case ldNaN:
		return append(dst, "nan"...)
	case ldInf:
		if x.neg {
			return append(dst, "-inf"...)
		}
		return append(dst, "inf"...)
	}
	start := len(dst)
	if x.neg {
		dst = append(dst, '-')
	}
	// n = x * 10^17 rounded to nearest, ties to even.
	n := new(big.Int)
	if x.kind == ldFinite {
		n.SetUint64(x.mant)
		n.Mul(n, big.NewInt(1e17))
		if x.exp >= 0 {
			n.Lsh(n, uint(x.exp))
		} else {
			n = shiftRoundEven(n, uint(-x.exp))
		}
	}
	digits := n.Append(nil, 10)
	for len(digits) < 18 {
		digits = append([]byte{'0'}, digits...)
	}
	intLen := len(digits) - 17
	dst = append(dst, digits[:intLen]...)
	frac := digits[intLen:]
	for len(frac) > 0 && frac[len(frac)-1] == '0' {
		frac = frac[:len(frac)-1]
	}
	if len(frac) > 0 {
		dst = append(dst, '.')
		dst = append(dst, frac...)
	}
	if string(dst[start:]) == "-0" {
		dst = append(dst[:start], '0')
	}
	return dst
}

// shiftRoundEven returns n / 2^s rounded to nearest, ties to even.
func shiftRoundEven(n *big.Int, s uint) *big.Int {
	q := new(big.Int).Rsh(n, s)
	if n.Sign() == 0 || s == 0 {
		return q
	}
	// remainder = n mod 2^s, compared with 2^(s-1).
	half := n.Bit(int(s) - 1)
	if half == 0 {
		return q
	}
	rest := n.TrailingZeroBits() < s-1 // any bit below the half bit set
	if rest || q.Bit(0) == 1 {
		q.Add(q, big.NewInt(1))
	}
	return q
}

// roundRatio rounds num/den (both positive) to a binary float with prec
// significand bits whose lowest bit is at least 2^minExp, returning
// infinity at or above 2^maxExp and zero below half the smallest
// subnormal, to nearest, ties to even.
func roundRatio(neg bool, num, den *big.Int, prec, minExp, maxExp int) LongDouble {
	// t = floor(log2(num/den)).
	t := num.BitLen() - den.BitLen()
	var tmp big.Int
	if t >= 0 {
		tmp.Lsh(den, uint(t))
		if num.Cmp(&tmp) < 0 {
			t--
		}
	} else {
		tmp.Lsh(num, uint(-t))
		if tmp.Cmp(den) < 0 {
			t--
		}
	}
	if t >= maxExp {
		return LongDouble{kind: ldInf, neg: neg}
	}
	q := max(t-(prec-1), minExp)
	// r = num / (den * 2^q), rounded.
	var n, d big.Int
	n.Set(num)
	d.Set(den)
	if q >= 0 {
		d.Lsh(&d, uint(q))
	} else {
		n.Lsh(&n, uint(-q))
	}
	var r, rem big.Int
	r.QuoRem(&n, &d, &rem)
	rem.Lsh(&rem, 1)
	if c := rem.Cmp(&d); c > 0 || (c == 0 && r.Bit(0) == 1) {
		r.Add(&r, big.NewInt(1))
	}
	if r.BitLen() > prec {
		r.Rsh(&r, 1)
		q++
	}
	if r.Sign() == 0 {
		return LongDouble{neg: neg}
	}
	if r.BitLen()-1+q >= maxExp {
		return LongDouble{kind: ldInf, neg: neg}
	}
	return LongDouble{kind: ldFinite, neg: neg, mant: r.Uint64(), exp: q}
}

// parseFloatSyntax parses b as C's strtod/strtold must consume it whole,
// rounding to a float with the given precision and range. It refuses what
// Valkey's string2d/string2ld refuse: empty input, leading white space,
// trailing bytes, NaN, overflow, and non-zero values that round to zero.
func parseFloatSyntax(b []byte, prec, minExp, maxExp int) (LongDouble, bool) {
	if len(b) == 0 {
		return LongDouble{}, false
	}
	i := 0
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		i++
	}
	rest := b[i:]
	if hasPrefixFold(rest, "inf") {
		if len(rest) == 3 || (len(rest) == 8 && hasPrefixFold(rest, "infinity")) {
			return LongDouble{kind: ldInf, neg: neg}, true
		}
		return LongDouble{}, false
	}
	if len(rest) >= 2 && rest[0] == '0' && (rest[1] == 'x' || rest[1] == 'X') {
		return parseHexFloat(rest[2:], neg, prec, minExp, maxExp)
	}
	return parseDecFloat(rest, neg, prec, minExp, maxExp)
}

func hasPrefixFold(b []byte, s string) bool {
	return len(b) >= len(s) && eqFoldExact(b[:len(s)], s)
}

// scanMantissa reads digits with an optional point. It returns the
// significant digits (leading zeros dropped, at most maxKeep of them) and
// the power of ten to scale them by; when non-zero digits were dropped, a
// final '1' stands for them (enough to round correctly when maxKeep
// exceeds the digits any halfway point needs). n is the bytes consumed; ok
// is false without any digit.
func scanMantissa(b []byte, isDigit func(byte) bool, maxKeep int) (digits []byte, scale, n int, ok bool) {
	seen, point, sticky := false, false, false
	for ; n < len(b); n++ {
		c := b[n]
		if c == '.' && !point {
			point = true
			continue
		}
		if !isDigit(c) {
			break
		}
		seen = true
		switch {
		case len(digits) == 0 && c == '0':
			if point {
				scale--
			}
		case len(digits) < maxKeep:
			digits = append(digits, c)
			if point {
				scale--
			}
		default:
			sticky = sticky || c != '0'
			if !point {
				scale++
			}
		}
	}
	if sticky {
		digits = append(digits, '1')
		scale--
	}
	return digits, scale, n, seen
}

// scanExponent parses [+-]digits filling the whole of b, saturating far
// beyond any meaningful exponent.
func scanExponent(b []byte) (int, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	e := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if e < 1<<50 { // far beyond any argument length, so exact where it matters
			e = e*10 + int(c-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}

func isDecDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHexDigit(c byte) bool {
	return isDecDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func parseDecFloat(b []byte, neg bool, prec, minExp, maxExp int) (LongDouble, bool) {
	digits, scale, n, ok := scanMantissa(b, isDecDigit, maxDigits(prec))
	if !ok {
		return LongDouble{}, false
	}
	exp := 0
	if n < len(b) {
		if b[n] != 'e' && b[n] != 'E' {
			return LongDouble{}, false
		}
		if exp, ok = scanExponent(b[n+1:]); !ok {
			return LongDouble{}, false
		}
	}
	if len(digits) == 0 {
		return LongDouble{neg: neg}, true
	}
	exp += scale
	// value is in [10^(len-1+exp), 10^(len+exp)). Decide the clear cases
	// without big arithmetic: 10^(maxExp*log10(2)+1) overflows, and below
	// 10^(minExp*log10(2)-1) rounds to zero.
	mag := len(digits) + exp
	if mag-1 > int(float64(maxExp)*math.Log10(2))+1 {
		return LongDouble{kind: ldInf, neg: neg}, false
	}
	if mag < int(float64(minExp)*math.Log10(2))-2 {
		return LongDouble{neg: neg}, false
	}
	num, _ := new(big.Int).SetString(string(digits), 10)
	den := big.NewInt(1)
	p := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(absInt(exp))), nil)
	if exp >= 0 {
		num.Mul(num, p)
	} else {
		den = p
	}
	return finishParse(roundRatio(neg, num, den, prec, minExp, maxExp))
}

func parseHexFloat(b []byte, neg bool, prec, minExp, maxExp int) (LongDouble, bool) {
	digits, scale, n, ok := scanMantissa(b, isHexDigit, maxDigits(prec))
	if !ok {
		return LongDouble{}, false
	}
	exp := 0
	if n < len(b) {
		if b[n] != 'p' && b[n] != 'P' {
			return LongDouble{}, false
		}
		if exp, ok = scanExponent(b[n+1:]); !ok {
			return LongDouble{}, false
		}
	}
	if len(digits) == 0 {
		return LongDouble{neg: neg}, true
	}
	exp += 4 * scale
	mag := 4*len(digits) + exp
	if mag-4 > maxExp+1 {
		return LongDouble{kind: ldInf, neg: neg}, false
	}
	if mag < minExp-2 {
		return LongDouble{neg: neg}, false
	}
	num, _ := new(big.Int).SetString(string(digits), 16)
	den := big.NewInt(1)
	if exp >= 0 {
		num.Lsh(num, uint(exp))
	} else {
		den.Lsh(den, uint(-exp))
	}
	return finishParse(roundRatio(neg, num, den, prec, minExp, maxExp))
}

// maxDigits is how many significant digits parsing keeps: all of them for
// long doubles (whose input is bounded), 800 for doubles (halfway points
// between doubles have at most 767).
func maxDigits(prec int) int {
	if prec > 53 {
		return math.MaxInt
	}
	return 800
}

// finishParse refuses what strto(l)d reports as a range error Valkey
// rejects: overflow to infinity, and a non-zero input rounded to zero.
func finishParse(x LongDouble) (LongDouble, bool) {
	if x.kind == ldInf || x.kind == ldZero {
		return x, false
	}
	return x, true
}
