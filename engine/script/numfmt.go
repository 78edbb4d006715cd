package script

import (
	"math"
	"strconv"

	"github.com/flect-kv/flect/engine"
)

// Number formatting as Valkey's Lua does it. Lua 5.1 turns numbers into
// strings with C's "%.14g" (tostring, string.format's %s, redis.log);
// server.call turns number arguments into strings with double2ll and
// fpconv_dtoa (integers exactly, other values as shortest round-trip
// digits).

// appendLuaNumber appends f as Lua's tostring does ("%.14g").
func appendLuaNumber(dst []byte, f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) < 1e14 {
		// Fast path: integral values below 10^14 print as integers.
		if f == 0 && math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return strconv.AppendInt(dst, int64(f), 10)
	}
	return appendCFloat(dst, f, 'g', 14, false, false)
}

// luaNumberString returns f as Lua's tostring does.
func luaNumberString(f float64) string {
	var buf [32]byte
	return string(appendLuaNumber(buf[:0], f))
}

// appendArgNumber appends f as Valkey converts a number argument of
// server.call: an integer when f is integral and within ±2^62 (double2ll),
// otherwise fpconv_dtoa's shortest digits ("1.5", "1e+20", "inf", "-nan").
func appendArgNumber(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(dst, "-nan"...)
		}
		return append(dst, "nan"...)
	case f == 0:
		return append(dst, '0') // double2ll accepts -0.0 as 0
	}
	return engine.AppendDouble(dst, f)
}

// appendCFloat appends f formatted as C's printf conversion verb ('e',
// 'E', 'f', 'F', 'g' or 'G') with precision prec (negative: the default,
// 6) and the '#' flag alt. plus adds a '+' sign to non-negative values.
func appendCFloat(dst []byte, f float64, verb byte, prec int, alt, plus bool) []byte {
	upper := verb == 'E' || verb == 'G' || verb == 'F'
	if prec < 0 {
		prec = 6
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		switch {
		case math.Signbit(f):
			dst = append(dst, '-')
		case plus:
			dst = append(dst, '+')
		}
		s := "inf"
		if math.IsNaN(f) {
			s = "nan"
		}
		if upper {
			s = map[string]string{"inf": "INF", "nan": "NAN"}[s]
		}
		return append(dst, s...)
	}
	if plus && !math.Signbit(f) {
		dst = append(dst, '+')
	}
	switch verb {
	case 'e', 'E':
		start := len(dst)
		dst = strconv.AppendFloat(dst, f, 'e', prec, 64)
		if alt && prec == 0 {
			dst = insertDot(dst, start)
		}
		return upperExp(dst, start, upper)
	case 'f', 'F':
		dst = strconv.AppendFloat(dst, f, 'f', prec, 64)
		if alt && prec == 0 {
			dst = append(dst, '.')
		}
		return dst
	}
	// %g: %e with precision P-1 when the exponent X is < -4 or >= P,
	// otherwise %f with precision P-1-X; trailing zeros removed unless '#'.
	if prec == 0 {
		prec = 1
	}
	var tmp [40]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', prec-1, 64)
	x := exponentOf(e)
	start := len(dst)
	if x < -4 || x >= prec {
		dst = strconv.AppendFloat(dst, f, 'e', prec-1, 64)
		if !alt {
			dst = trimMantissaZeros(dst, start)
		} else if prec == 1 {
			dst = insertDot(dst, start)
		}
		return upperExp(dst, start, upper)
	}
	dst = strconv.AppendFloat(dst, f, 'f', prec-1-x, 64)
	if !alt {
		dst = trimFractionZeros(dst, start)
	} else if prec-1-x == 0 {
		dst = append(dst, '.')
	}
	return dst
}

// exponentOf returns the decimal exponent of a number formatted with 'e'.
func exponentOf(e []byte) int {
	for i := len(e) - 1; i >= 0; i-- {
		if e[i] == 'e' {
			n, _ := strconv.Atoi(string(e[i+1:]))
			return n
		}
	}
	return 0
}

// trimFractionZeros drops trailing zeros of the fraction in dst[start:],
// and the decimal point if nothing follows it.
func trimFractionZeros(dst []byte, start int) []byte {
	if !containsByte(dst[start:], '.') {
		return dst
	}
	for len(dst) > start && dst[len(dst)-1] == '0' {
		dst = dst[:len(dst)-1]
	}
	if len(dst) > start && dst[len(dst)-1] == '.' {
		dst = dst[:len(dst)-1]
	}
	return dst
}

// trimMantissaZeros is trimFractionZeros for the mantissa of an 'e'
// formatted number in dst[start:].
func trimMantissaZeros(dst []byte, start int) []byte {
	e := start
	for e < len(dst) && dst[e] != 'e' {
		e++
	}
	exp := string(dst[e:])
	dst = trimFractionZeros(dst[:e], start)
	return append(dst, exp...)
}

// insertDot adds a '.' after the first digit of the 'e' formatted number
// in dst[start:] ('#' flag with no fraction digits).
func insertDot(dst []byte, start int) []byte {
	i := start
	for i < len(dst) && (dst[i] < '0' || dst[i] > '9') {
		i++
	}
	i++
	dst = append(dst, 0)
	copy(dst[i+1:], dst[i:])
	dst[i] = '.'
	return dst
}

// upperExp upper-cases the exponent marker of dst[start:] when upper.
func upperExp(dst []byte, start int, upper bool) []byte {
	if upper {
		for i := start; i < len(dst); i++ {
			if dst[i] == 'e' {
				dst[i] = 'E'
			}
		}
	}
	return dst
}

func containsByte(b []byte, c byte) bool {
	for _, x := range b {
		if x == c {
			return true
		}
	}
	return false
}

// toInteger converts f to an int64 as C's (long long) cast does on
// x86-64: the integer part, or math.MinInt64 for NaN and values out of
// range (Valkey replies :-9223372036854775808 to "return 0/0").
func toInteger(f float64) int64 {
	if math.IsNaN(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0 {
		return math.MinInt64
	}
	return int64(f)
}

// toCInt converts f to a C int as Lua 5.1's luaL_checkint does: the
// integer part as a 64-bit integer, truncated to 32 bits.
func toCInt(f float64) int {
	return int(int32(toInteger(f)))
}
