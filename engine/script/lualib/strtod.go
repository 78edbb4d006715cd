package lualib

import (
	"math"
	"strconv"
)

// strtod parses the longest prefix of s that glibc's strtod accepts in the
// "C" locale and returns its value and length; n == 0 means no conversion.
// Accepted, after optional white space and a sign: decimal numbers with an
// optional fraction and exponent, hexadecimal ones ("0x1.8p3", the binary
// exponent optional), "inf", "infinity" and "nan" in any case, "nan" with a
// "(chars)" suffix. Out-of-range values become ±Inf or 0 as strtod makes
// them.
func strtod(s string) (f float64, n int) {
	i := 0
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	rest := s[i:]
	var m int
	switch {
	case hasPrefixFold(rest, "inf"):
		f, m = math.Inf(1), 3
		if hasPrefixFold(rest, "infinity") {
			m = 8
		}
	case hasPrefixFold(rest, "nan"):
		f, m = math.Float64frombits(0x7ff8000000000000), 3
		if len(rest) > 3 && rest[3] == '(' {
			j := 4
			for j < len(rest) && (isDigit(rest[j]) || isLetter(rest[j]) || rest[j] == '_') {
				j++
			}
			if j < len(rest) && rest[j] == ')' {
				m = j + 1
			}
		}
	case len(rest) > 2 && rest[0] == '0' && rest[1]|0x20 == 'x':
		f, m = parseHex(rest)
	default:
		f, m = parseDecimal(rest)
		if m == 0 {
			return 0, 0
		}
	}
	if neg {
		f = -f
	}
	return f, i + m
}

// parseDecimal parses digits, an optional fraction and an optional
// exponent at the start of s; m == 0 when s starts with no digit.
func parseDecimal(s string) (f float64, m int) {
	digits := 0
	for m < len(s) && isDigit(s[m]) {
		m++
		digits++
	}
	if m < len(s) && s[m] == '.' {
		m++
		for m < len(s) && isDigit(s[m]) {
			m++
			digits++
		}
	}
	if digits == 0 {
		return 0, 0
	}
	m = exponent(s, m, 'e')
	f, _ = strconv.ParseFloat(s[:m], 64) // ErrRange still gives ±Inf or 0, as strtod does
	return f, m
}

// parseHex parses a hexadecimal number at the start of s, which begins
// with "0x"; without a hex digit after the "0x" only the "0" is taken.
func parseHex(s string) (f float64, m int) {
	m = 2
	digits := 0
	for m < len(s) && isHexDigit(s[m]) {
		m++
		digits++
	}
	if m < len(s) && s[m] == '.' {
		m++
		for m < len(s) && isHexDigit(s[m]) {
			m++
			digits++
		}
	}
	if digits == 0 {
		return 0, 1
	}
	mant := s[:m]
	m = exponent(s, m, 'p')
	exp := "p0"
	if m > len(mant) {
		exp = s[len(mant):m]
	}
	f, _ = strconv.ParseFloat(mant+exp, 64)
	return f, m
}

// exponent extends the number ending at s[m] with an exponent marked by
// letter (either case), an optional sign and at least one digit.
func exponent(s string, m int, letter byte) int {
	if m >= len(s) || s[m]|0x20 != letter {
		return m
	}
	j := m + 1
	if j < len(s) && (s[j] == '+' || s[j] == '-') {
		j++
	}
	if j >= len(s) || !isDigit(s[j]) {
		return m
	}
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	return j
}

// hasPrefixFold reports whether s starts with the lower-case ASCII word
// prefix, in any case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := 0; i < len(prefix); i++ {
		if s[i]|0x20 != prefix[i] {
			return false
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

func isLetter(c byte) bool {
	return c|0x20 >= 'a' && c|0x20 <= 'z'
}
