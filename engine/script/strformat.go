package script

import (
	"math"
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// string.format as Lua 5.1 does it: each item is formatted by C's sprintf,
// so flags, width and precision follow C (and the limits of lstrlib.c:
// at most five flags, two-digit width and precision).

// fmtSpec is one parsed format item.
type fmtSpec struct {
	minus, plus, space, alt, zero bool
	width                         int
	prec                          int // -1: none
}

// strFormat is string.format(fmt, ...).
func (v *vm) strFormat(L *lua.LState) int {
	f := checkString(L, 1)
	top := L.GetTop()
	arg := 1
	var b []byte
	for i := 0; i < len(f); {
		c := f[i]
		if c != '%' {
			b = append(b, c)
			i++
			continue
		}
		i++
		if i < len(f) && f[i] == '%' {
			b = append(b, '%')
			i++
			continue
		}
		arg++
		if arg > top {
			argError(L, arg, "no value")
		}
		spec, n := scanFormat(L, f[i:])
		i += n
		var conv byte
		if i < len(f) {
			conv = f[i]
		}
		i++
		switch conv {
		case 'c':
			ch := byte(toInteger(checkNumber(L, arg)))
			switch {
			case ch != 0:
				b = spec.pad(b, []byte{ch}, false)
			case !spec.minus && spec.width > 1:
				// sprintf's output ends at the NUL (strlen): only the
				// padding before it remains.
				b = append(b, strings.Repeat(" ", spec.width-1)...)
			}
		case 'd', 'i':
			b = spec.formatInt(b, toInteger(checkNumber(L, arg)))
		case 'o', 'u', 'x', 'X':
			b = spec.formatUint(b, conv, toUnsigned(checkNumber(L, arg)))
		case 'e', 'E', 'f', 'g', 'G':
			b = spec.formatFloat(b, conv, checkNumber(L, arg))
		case 'q':
			b = appendQuoted(b, checkString(L, arg))
		case 's':
			s := checkString(L, arg)
			if spec.prec < 0 && len(s) >= 100 {
				b = append(b, s...) // too long for sprintf: kept whole
				continue
			}
			if k := strings.IndexByte(s, 0); k >= 0 {
				s = s[:k]
			}
			if spec.prec >= 0 && len(s) > spec.prec {
				s = s[:spec.prec]
			}
			b = spec.pad(b, []byte(s), false)
		case 0: // the format ends after '%' (and its flags)
			raise(L, "%s", "invalid option '%' to 'format'")
		default:
			raise(L, "invalid option '%%%c' to 'format'", conv)
		}
	}
	L.Push(lua.LString(b))
	return 1
}

// scanFormat parses flags, width and precision at the start of f and
// returns them with the number of bytes read.
func scanFormat(L *lua.LState, f string) (fmtSpec, int) {
	s := fmtSpec{prec: -1}
	i := 0
	for i < len(f) && strings.IndexByte("-+ #0", f[i]) >= 0 {
		switch f[i] {
		case '-':
			s.minus = true
		case '+':
			s.plus = true
		case ' ':
			s.space = true
		case '#':
			s.alt = true
		case '0':
			s.zero = true
		}
		i++
	}
	if i >= 6 {
		raise(L, "invalid format (repeated flags)")
	}
	digits := func() int {
		n, k := 0, 0
		for k < 2 && i < len(f) && isDigit(f[i]) {
			n = n*10 + int(f[i]-'0')
			i++
			k++
		}
		return n
	}
	s.width = digits()
	if i < len(f) && f[i] == '.' {
		i++
		s.prec = digits()
	}
	if i < len(f) && isDigit(f[i]) {
		raise(L, "invalid format (width or precision too long)")
	}
	return s, i
}

// pad appends body padded to the width: with spaces, or with zeros after
// its sign and 0x prefix for the '0' flag when zeroOK.
func (s fmtSpec) pad(b, body []byte, zeroOK bool) []byte {
	n := s.width - len(body)
	if n <= 0 {
		return append(b, body...)
	}
	switch {
	case s.minus:
		b = append(b, body...)
		return append(b, strings.Repeat(" ", n)...)
	case s.zero && zeroOK:
		k := signPrefixLen(body)
		b = append(b, body[:k]...)
		b = append(b, strings.Repeat("0", n)...)
		return append(b, body[k:]...)
	}
	b = append(b, strings.Repeat(" ", n)...)
	return append(b, body...)
}

// signPrefixLen returns the length of a leading sign and 0x prefix.
func signPrefixLen(body []byte) int {
	k := 0
	if k < len(body) && (body[k] == '-' || body[k] == '+' || body[k] == ' ') {
		k++
	}
	if k+1 < len(body) && body[k] == '0' && (body[k+1] == 'x' || body[k+1] == 'X') {
		k += 2
	}
	return k
}

func (s fmtSpec) formatInt(b []byte, n int64) []byte {
	var body []byte
	switch {
	case n < 0:
		body = append(body, '-')
	case s.plus:
		body = append(body, '+')
	case s.space:
		body = append(body, ' ')
	}
	digits := strconv.FormatUint(absUint(n), 10)
	body = append(body, s.precDigits(digits)...)
	return s.pad(b, body, s.prec < 0)
}

func (s fmtSpec) formatUint(b []byte, conv byte, u uint64) []byte {
	base := 16
	switch conv {
	case 'o':
		base = 8
	case 'u':
		base = 10
	}
	digits := strconv.FormatUint(u, base)
	if conv == 'X' {
		digits = strings.ToUpper(digits)
	}
	digits = s.precDigits(digits)
	var body []byte
	if s.alt {
		switch {
		case conv == 'o' && !strings.HasPrefix(digits, "0"):
			body = append(body, '0')
		case conv == 'x' && u != 0:
			body = append(body, "0x"...)
		case conv == 'X' && u != 0:
			body = append(body, "0X"...)
		}
	}
	body = append(body, digits...)
	return s.pad(b, body, s.prec < 0)
}

// precDigits applies an integer precision: the minimum number of digits
// (a zero with precision 0 prints nothing).
func (s fmtSpec) precDigits(digits string) string {
	if s.prec == 0 && digits == "0" {
		return ""
	}
	if s.prec > len(digits) {
		return strings.Repeat("0", s.prec-len(digits)) + digits
	}
	return digits
}

func (s fmtSpec) formatFloat(b []byte, conv byte, f float64) []byte {
	var body []byte
	if s.space && !s.plus && !math.Signbit(f) {
		body = append(body, ' ')
	}
	body = appendCFloat(body, f, conv, s.prec, s.alt, s.plus)
	finite := !math.IsInf(f, 0) && !math.IsNaN(f)
	return s.pad(b, body, finite)
}

func absUint(n int64) uint64 {
	if n < 0 {
		return uint64(-(n + 1)) + 1
	}
	return uint64(n)
}

// toUnsigned converts f as C's (unsigned long long) cast does on x86-64.
func toUnsigned(f float64) uint64 {
	if f >= 9223372036854775808.0 && f < 18446744073709551616.0 {
		return uint64(f)
	}
	return uint64(toInteger(f))
}

// appendQuoted appends s as %q does: in double quotes, with ", \, newline,
// CR and NUL escaped.
func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"', '\\', '\n':
			b = append(b, '\\', c)
		case '\r':
			b = append(b, `\r`...)
		case 0:
			b = append(b, `\000`...)
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}
