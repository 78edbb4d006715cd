package engine

import "unsafe"

// Glob-style matching with the exact semantics of Valkey's stringmatchlen
// (KEYS, SCAN MATCH, PSUBSCRIBE, CONFIG GET ...), quirks included:
//
//   - '*' matches any run of bytes, '?' any one byte, '\x' the byte x.
//   - '[...]' is a class: '^' first negates it, 'a-z' is a range (ends in
//     either order, compared as signed chars as C does), '\x' inside is x
//     (case-sensitively), a class missing its ']' runs to the end of the
//     pattern. "[a-]" is the range from 'a' to ']' (a range needs only three
//     bytes, the ']' included); what follows is then more of the class.
//   - An empty subject matches only the empty pattern ("*" does not match
//     ""), since Valkey's loop never runs for an empty string.
//   - Patterns with more than 1000 '*' tokens before their last token never
//     match, as Valkey's recursion limit makes them fail.
//
// Valkey matches recursively and bounds the backtracking with its
// skipLongerMatches flag; this is the equivalent greedy matcher with one
// backtrack point (the last star), so the cost is O(len(pattern) *
// len(subject)) in the worst case and linear in practice, with no
// recursion and no allocation.

// globMaxStars is Valkey's nesting limit: a star at depth above it fails.
const globMaxStars = 1000

// GlobMatch reports whether s matches the glob pattern as Valkey's
// stringmatchlen does; nocase folds ASCII letters.
func GlobMatch(pattern, s []byte, nocase bool) bool {
	if len(s) == 0 {
		return len(pattern) == 0
	}
	if tooManyStars(pattern) {
		return false
	}
	p, i := 0, 0
	starP, starI := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			if pattern[p] == '*' {
				for p < len(pattern) && pattern[p] == '*' {
					p++
				}
				if p == len(pattern) {
					return true
				}
				starP, starI = p, i
				continue
			}
			if w, ok := globOne(pattern, p, s[i], nocase); ok {
				p += w
				i++
				continue
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last star swallow one more byte and retry after it.
		starI++
		p, i = starP, starI
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// GlobMatchString is GlobMatch for a string subject, without copying it.
func GlobMatchString(pattern []byte, s string, nocase bool) bool {
	return GlobMatch(pattern, unsafe.Slice(unsafe.StringData(s), len(s)), nocase)
}

// globOne matches the single-byte token at pattern[p] (not a star) against
// c and returns the token's width in the pattern.
func globOne(pattern []byte, p int, c byte, nocase bool) (width int, ok bool) {
	switch pattern[p] {
	case '?':
		return 1, true
	case '[':
		return globClass(pattern, p, c, nocase)
	case '\\':
		if len(pattern)-p >= 2 {
			return 2, globEq(pattern[p+1], c, nocase)
		}
	}
	return 1, globEq(pattern[p], c, nocase)
}

// globClass matches the class starting at pattern[p] == '['.
func globClass(pattern []byte, p int, c byte, nocase bool) (width int, ok bool) {
	n := len(pattern)
	i := p + 1
	not := i < n && pattern[i] == '^'
	if not {
		i++
	}
	match := false
	for {
		switch {
		case i == n:
			// No closing bracket: the class runs to the end.
			return n - p, match != not
		case pattern[i] == '\\' && n-i >= 2:
			i++
			if pattern[i] == c {
				match = true
			}
		case pattern[i] == ']':
			return i + 1 - p, match != not
		case n-i >= 3 && pattern[i+1] == '-':
			// C compares chars, which are signed.
			start, end, ch := int(int8(pattern[i])), int(int8(pattern[i+2])), int(int8(c))
			if start > end {
				start, end = end, start
			}
			if nocase {
				start, end, ch = lowerInt(start), lowerInt(end), lowerInt(ch)
			}
			if ch >= start && ch <= end {
				match = true
			}
			i += 2
		default:
			if globEq(pattern[i], c, nocase) {
				match = true
			}
		}
		i++
	}
}

func globEq(a, b byte, nocase bool) bool {
	if a == b {
		return true
	}
	return nocase && lowerByte(a) == lowerByte(b)
}

func lowerByte(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// lowerInt is C's tolower in the C locale.
func lowerInt(c int) int {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// tooManyStars reports whether the pattern has more than globMaxStars star
// tokens before its last token: Valkey's recursion then gives up, so no
// subject matches.
func tooManyStars(pattern []byte) bool {
	raw := 0
	for _, b := range pattern {
		if b == '*' {
			raw++
		}
	}
	if raw <= globMaxStars {
		return false
	}
	stars, lastIsStar := 0, false
	for p := 0; p < len(pattern); {
		lastIsStar = false
		switch pattern[p] {
		case '*':
			for p < len(pattern) && pattern[p] == '*' {
				p++
			}
			stars++
			lastIsStar = true
			continue
		case '[':
			w, _ := globClass(pattern, p, 0, false)
			p += w
		case '\\':
			if len(pattern)-p >= 2 {
				p += 2
			} else {
				p++
			}
		default:
			p++
		}
	}
	if lastIsStar {
		stars--
	}
	return stars > globMaxStars
}
