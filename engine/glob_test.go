package engine

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// valkeyMatch is a line-by-line model of Valkey's stringmatchlen_impl, kept
// as the oracle for GlobMatch. C strings are NUL-terminated: the pattern
// and subject are read with a NUL sentinel past their end, which is what
// the C code relies on. Chars are signed.
func valkeyMatch(pattern, s []byte, nocase bool) bool {
	p := append(append([]byte(nil), pattern...), 0)
	str := append(append([]byte(nil), s...), 0)
	skip := false
	return valkeyMatchImpl(p, 0, len(pattern), str, 0, len(s), nocase, &skip, 0)
}

func cLower(c int) int {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

func valkeyMatchImpl(pat []byte, pi, plen int, str []byte, si, slen int, nocase bool, skipLonger *bool, nesting int) bool {
	if nesting > 1000 {
		return false
	}
	pc := func(off int) int { return int(int8(pat[pi+off])) }
	sc := func() int { return int(int8(str[si])) }
	for plen > 0 && slen > 0 {
		switch pat[pi] {
		case '*':
			for plen > 0 && pat[pi+1] == '*' {
				pi++
				plen--
			}
			if plen == 1 {
				return true
			}
			for slen > 0 {
				if valkeyMatchImpl(pat, pi+1, plen-1, str, si, slen, nocase, skipLonger, nesting+1) {
					return true
				}
				if *skipLonger {
					return false
				}
				si++
				slen--
			}
			*skipLonger = true
			return false
		case '?':
			si++
			slen--
		case '[':
			pi++
			plen--
			not := pat[pi] == '^'
			if not {
				pi++
				plen--
			}
			match := false
			for {
				if pat[pi] == '\\' && plen >= 2 {
					pi++
					plen--
					if pat[pi] == str[si] {
						match = true
					}
				} else if pat[pi] == ']' {
					break
				} else if plen == 0 {
					pi--
					plen++
					break
				} else if plen >= 3 && pat[pi+1] == '-' {
					start, end, c := pc(0), pc(2), sc()
					if start > end {
						start, end = end, start
					}
					if nocase {
						start, end, c = cLower(start), cLower(end), cLower(c)
					}
					pi += 2
					plen -= 2
					if c >= start && c <= end {
						match = true
					}
				} else {
					if !nocase {
						if pat[pi] == str[si] {
							match = true
						}
					} else if cLower(pc(0)) == cLower(sc()) {
						match = true
					}
				}
				pi++
				plen--
			}
			if not {
				match = !match
			}
			if !match {
				return false
			}
			si++
			slen--
		case '\\':
			if plen >= 2 {
				pi++
				plen--
			}
			fallthrough
		default:
			if !nocase {
				if pat[pi] != str[si] {
					return false
				}
			} else if cLower(pc(0)) != cLower(sc()) {
				return false
			}
			si++
			slen--
		}
		pi++
		plen--
		if slen == 0 {
			for pat[pi] == '*' {
				pi++
				plen--
			}
			break
		}
	}
	return plen == 0 && slen == 0
}

func TestGlobMatchCases(t *testing.T) {
	cases := []struct {
		pat, s string
		nocase bool
		want   bool
	}{
		{"", "", false, true},
		{"*", "", false, false}, // Valkey's loop never runs on an empty subject
		{"", "a", false, false},
		{"*", "anything", false, true},
		{"**", "", false, false},
		{"a*", "a", false, true},
		{"a**", "a", false, true},
		{"*a", "a", false, true},
		{"*a", "ba", false, true},
		{"*a", "ab", false, false},
		{"a*b*c", "axxbyyc", false, true},
		{"a*b*c", "axxbyy", false, false},
		{"h?llo", "hello", false, true},
		{"h?llo", "hllo", false, false},
		{"h[ae]llo", "hallo", false, true},
		{"h[ae]llo", "hillo", false, false},
		{"h[^e]llo", "hallo", false, true},
		{"h[^e]llo", "hello", false, false},
		{"h[a-b]llo", "hbllo", false, true},
		{"h[b-a]llo", "hbllo", false, true},
		{"[a-]", "]", false, true}, // range from 'a' to ']'
		{"[a-]", "^", false, true},
		{"[a-]", "-", false, false},
		{"[a-]x", "b", false, false},
		{"[", "[", false, false},
		{"[^", "x", false, true},
		{"[]", "]", false, false},
		{"[]a]", "]", false, false},
		{"[]a]", "a]", false, false},
		{"[\\]]", "]", false, true},
		{"[\\", "\\", false, true},
		{"a\\*b", "a*b", false, true},
		{"a\\*b", "axb", false, false},
		{"a\\", "a\\", false, true},
		{"\\", "\\", false, true},
		{"HELLO", "hello", true, true},
		{"HELLO", "hello", false, false},
		{"[A-Z]", "q", true, true},
		{"[Z-a]", "_", false, true}, // 'Z'..'a' as chars
		{"[Z-a]", "_", true, false}, // lower-cased after the swap: 'z'..'a' is empty
		{"[a-\xff]", "\xff", false, true},
		{"[a-\xff]", "b", false, false}, // signed: range is -1..'a'
		{"[a-\xff]", "\x80", false, false},
		{"[\\A]", "a", true, false}, // escapes in classes are case-sensitive
		{"\\A", "a", true, true},
		{"h\x00*", "h\x00llo", false, true},
	}
	for _, tc := range cases {
		got := GlobMatch([]byte(tc.pat), []byte(tc.s), tc.nocase)
		ref := valkeyMatch([]byte(tc.pat), []byte(tc.s), tc.nocase)
		if ref != tc.want {
			t.Errorf("model: match(%q, %q, %v) = %v, case says %v", tc.pat, tc.s, tc.nocase, ref, tc.want)
		}
		if got != tc.want {
			t.Errorf("GlobMatch(%q, %q, %v) = %v, want %v", tc.pat, tc.s, tc.nocase, got, tc.want)
		}
		if GlobMatchString([]byte(tc.pat), tc.s, tc.nocase) != got {
			t.Errorf("GlobMatchString(%q, %q) differs from GlobMatch", tc.pat, tc.s)
		}
	}
}

// TestGlobMatchModel compares GlobMatch with the model of Valkey's code on
// random patterns and subjects over a small alphabet rich in metacharacters.
func TestGlobMatchModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	patAlpha := []byte("ab*?[]^-\\Az\x00\xff")
	strAlpha := []byte("abAz]^-*?[\\\x00\xff")
	gen := func(alpha []byte, n int) []byte {
		b := make([]byte, r.IntN(n+1))
		for i := range b {
			b[i] = alpha[r.IntN(len(alpha))]
		}
		return b
	}
	n := 300000
	if testing.Short() {
		n = 30000
	}
	for i := 0; i < n; i++ {
		p := gen(patAlpha, 10)
		s := gen(strAlpha, 10)
		nocase := i%2 == 0
		if got, want := GlobMatch(p, s, nocase), valkeyMatch(p, s, nocase); got != want {
			t.Fatalf("GlobMatch(%q, %q, %v) = %v, Valkey %v", p, s, nocase, got, want)
		}
	}
}

// TestGlobMatchNestingLimit checks Valkey's recursion limit: more than 1000
// star tokens before the last token never match.
func TestGlobMatchNestingLimit(t *testing.T) {
	s := []byte(strings.Repeat("a", 3000))
	for _, tc := range []struct {
		stars   int
		trailer string
	}{{999, "a"}, {1000, "a"}, {1001, "a"}, {1002, ""}, {1001, ""}, {1000, "*"}, {1001, "*"}} {
		p := []byte(strings.Repeat("*a", tc.stars) + tc.trailer)
		got, want := GlobMatch(p, s, false), valkeyMatch(p, s, false)
		if got != want {
			t.Errorf("%d stars + %q: GlobMatch %v, Valkey %v", tc.stars, tc.trailer, got, want)
		}
	}
	// Stars inside classes and escaped stars are not tokens.
	p := []byte(strings.Repeat("[*]", 1500) + "*")
	s = bytes.Repeat([]byte("*"), 1500)
	if !GlobMatch(p, s, false) || !valkeyMatch(p, s, false) {
		t.Error("class stars counted as star tokens")
	}
	p = []byte(strings.Repeat("\\*", 1500))
	if !GlobMatch(p, s, false) {
		t.Error("escaped stars counted as star tokens")
	}
}

// TestGlobMatchPathological checks that patterns that make naive
// backtracking exponential finish quickly.
func TestGlobMatchPathological(t *testing.T) {
	s := []byte(strings.Repeat("a", 100000))
	pats := [][]byte{
		[]byte("*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b"),
		[]byte(strings.Repeat("*a", 500) + "b"),
		[]byte(strings.Repeat("*?", 300) + "b"),
		[]byte(strings.Repeat("a*", 200) + "[b]"),
	}
	start := time.Now()
	for _, p := range pats {
		if GlobMatch(p, s, false) {
			t.Errorf("%.20q... matched", p)
		}
		if GlobMatch(p, s, true) {
			t.Errorf("%.20q... matched nocase", p)
		}
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("pathological patterns took %v", d)
	}
	if !GlobMatch([]byte(strings.Repeat("*a", 500)), s, false) {
		t.Error("*a... should match a run of a")
	}
}

func BenchmarkGlobMatch(b *testing.B) {
	p := []byte("user:*:session[0-9]*")
	s := []byte("user:12345:session7:abc")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		GlobMatch(p, s, false)
	}
}
