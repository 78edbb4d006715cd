package script

import (
	"math"
	"strconv"
	"strings"
)

// String to number conversion as Lua 5.1 does it (luaO_str2d): C's strtod
// on the whole string, with surrounding blanks allowed, hexadecimal
// integers, "inf" and "nan"; and strtoul for tonumber with a base.

// str2number converts s as luaO_str2d does.
func str2number(s string) (float64, bool) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i] // a C string
	}
	f, n := strtod(s)
	if n == 0 {
		return 0, false
	}
	rest := s[n:]
	if rest != "" && (rest[0] == 'x' || rest[0] == 'X') {
		u, m := strtoul(s, 16)
		f, rest = float64(u), s[m:]
	}
	for rest != "" && isCSpace(rest[0]) {
		rest = rest[1:]
	}
	if rest != "" {
		return 0, false
	}
	return f, true
}

// strtod parses the longest prefix of s that C's strtod accepts and
// returns its value and length (0 when nothing converts).
func strtod(s string) (float64, int) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	start := i
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return -f
		}
		return f
	}
	rest := strings.ToLower(s[i:])
	switch {
	case strings.HasPrefix(rest, "infinity"):
		return sign(math.Inf(1)), i + 8
	case strings.HasPrefix(rest, "inf"):
		return sign(math.Inf(1)), i + 3
	case strings.HasPrefix(rest, "nan"):
		n := i + 3
		if n < len(s) && s[n] == '(' {
			j := n + 1
			for j < len(s) && (isAlnum(s[j]) || s[j] == '_') {
				j++
			}
			if j < len(s) && s[j] == ')' {
				n = j + 1
			}
		}
		return sign(math.NaN()), n
	case strings.HasPrefix(rest, "0x") && len(rest) > 2 && (isHexDigit(rest[2]) || rest[2] == '.' && len(rest) > 3 && isHexDigit(rest[3])):
		return hexFloat(s, i, neg)
	}
	j := i
	digits := 0
	for j < len(s) && isDigit(s[j]) {
		j++
		digits++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			j = k
		}
	}
	f, err := strconv.ParseFloat(s[start:j], 64)
	if err != nil && !isRangeErr(err) {
		return 0, 0
	}
	return f, j
}

// hexFloat parses a C99 hexadecimal floating constant starting at s[i]
// ("0x1.8p3"); the sign was already consumed.
func hexFloat(s string, i int, neg bool) (float64, int) {
	j := i + 2
	mant := 0.0
	exp := 0
	for j < len(s) && isHexDigit(s[j]) {
		mant = mant*16 + float64(hexValue(s[j]))
		j++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && isHexDigit(s[j]) {
			mant = mant*16 + float64(hexValue(s[j]))
			exp -= 4
			j++
		}
	}
	if j < len(s) && (s[j] == 'p' || s[j] == 'P') {
		k := j + 1
		eneg := false
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			eneg = s[k] == '-'
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			e := 0
			for k < len(s) && isDigit(s[k]) {
				if e < 100000 {
					e = e*10 + int(s[k]-'0')
				}
				k++
			}
			if eneg {
				e = -e
			}
			exp += e
			j = k
		}
	}
	f := math.Ldexp(mant, exp)
	if neg {
		f = -f
	}
	return f, j
}

// strtoul parses the longest prefix of s that C's strtoul accepts in base
// (2 to 36) and returns its value and length (0 when nothing converts).
// Values beyond 64 bits saturate; a '-' negates modulo 2^64.
func strtoul(s string, base int) (uint64, int) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if base == 16 && i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && digitValue(s[i+2]) < 16 {
		i += 2
	}
	var n uint64
	overflow := false
	j := i
	for j < len(s) {
		d := digitValue(s[j])
		if d >= base {
			break
		}
		if n > (math.MaxUint64-uint64(d))/uint64(base) {
			overflow = true
		} else {
			n = n*uint64(base) + uint64(d)
		}
		j++
	}
	if j == i {
		return 0, 0
	}
	if overflow {
		return math.MaxUint64, j
	}
	if neg {
		n = -n
	}
	return n, j
}

// digitValue returns the value of c as a digit in bases up to 36, or 99.
func digitValue(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
