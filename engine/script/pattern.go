package script

import (
	lua "github.com/yuin/gopher-lua"
)

// Lua 5.1 patterns (string.find, match, gmatch, gsub): a backtracking
// matcher with Lua's semantics and error messages. It recurses once per
// pattern item, never per subject byte, so long subjects are fine; the
// depth is capped, and a long search polls the run's context so that
// SCRIPT KILL stops it.

const (
	maxCaptures   = 32 // LUA_MAXCAPTURES
	capUnfinished = -1
	capPosition   = -2
	maxMatchDepth = 5000
	pollEvery     = 1 << 12
)

// capture is one capture of a match: its start and length (or
// capUnfinished, capPosition).
type capture struct{ init, len int }

// matcher holds the state of one match attempt.
type matcher struct {
	L     *lua.LState
	v     *vm
	src   string
	pat   string
	level int
	caps  [maxCaptures]capture
	depth int
	steps int
}

func newMatcher(L *lua.LState, v *vm, src, pat string) *matcher {
	for i := 0; i < len(pat); i++ {
		if pat[i] == 0 { // patterns are C strings
			pat = pat[:i]
			break
		}
	}
	return &matcher{L: L, v: v, src: src, pat: pat}
}

func (m *matcher) fail(msg string) { raise(m.L, "%s", msg) }

// at returns the subject byte at s, or 0 at the end (C's terminator).
func (m *matcher) at(s int) int {
	if s < len(m.src) {
		return int(m.src[s])
	}
	return 0
}

// pc returns the pattern byte at p, or 0 at the end.
func (m *matcher) pc(p int) byte {
	if p < len(m.pat) {
		return m.pat[p]
	}
	return 0
}

// classEnd returns the index after the single-character class at p.
func (m *matcher) classEnd(p int) int {
	c := m.pc(p)
	p++
	switch c {
	case '%':
		if p >= len(m.pat) {
			m.fail("malformed pattern (ends with '%')")
		}
		return p + 1
	case '[':
		if m.pc(p) == '^' {
			p++
		}
		for {
			if p >= len(m.pat) {
				m.fail("malformed pattern (missing ']')")
			}
			c := m.pat[p]
			p++
			if c == '%' && p < len(m.pat) {
				p++
			}
			if m.pc(p) == ']' {
				return p + 1
			}
		}
	}
	return p
}

// matchClass reports whether c belongs to class %cl.
func matchClass(c int, cl byte) bool {
	var res bool
	switch cl | 0x20 {
	case 'a':
		res = isAlpha(c)
	case 'c':
		res = c < 32 || c == 127
	case 'd':
		res = c >= '0' && c <= '9'
	case 'l':
		res = c >= 'a' && c <= 'z'
	case 'p':
		res = isPunct(c)
	case 's':
		res = c == ' ' || c >= '\t' && c <= '\r'
	case 'u':
		res = c >= 'A' && c <= 'Z'
	case 'w':
		res = isAlpha(c) || c >= '0' && c <= '9'
	case 'x':
		res = c < 256 && isHexDigit(byte(c))
	case 'z':
		res = c == 0
	default:
		return int(cl) == c
	}
	if cl >= 'A' && cl <= 'Z' {
		return !res
	}
	return res
}

func isAlpha(c int) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isPunct(c int) bool {
	return c > 32 && c < 127 && !isAlpha(c) && !(c >= '0' && c <= '9')
}

// matchBracket reports whether c matches the set [p..ec] (p at '[', ec
// at the closing ']').
func (m *matcher) matchBracket(c, p, ec int) bool {
	sig := true
	if m.pc(p+1) == '^' {
		sig = false
		p++
	}
	for p++; p < ec; p++ {
		switch {
		case m.pat[p] == '%':
			p++
			if matchClass(c, m.pc(p)) {
				return sig
			}
		case m.pc(p+1) == '-' && p+2 < ec:
			p += 2
			if int(m.pat[p-2]) <= c && c <= int(m.pat[p]) {
				return sig
			}
		case int(m.pat[p]) == c:
			return sig
		}
	}
	return !sig
}

// single reports whether subject byte c matches the class at p..ep.
func (m *matcher) single(c, p, ep int) bool {
	switch m.pat[p] {
	case '.':
		return true
	case '%':
		return matchClass(c, m.pc(p+1))
	case '[':
		return m.matchBracket(c, p, ep-1)
	}
	return int(m.pat[p]) == c
}

// poll lets SCRIPT KILL stop a long match.
func (m *matcher) poll() {
	m.steps++
	if m.steps%pollEvery == 0 && m.v != nil && m.v.killed() {
		m.L.Error(m.v.killError(m.L), 0)
	}
}

// match matches the pattern from p against the subject from s and
// returns the end of the match, or -1.
func (m *matcher) match(s, p int) int {
	m.depth++
	defer func() { m.depth-- }()
	if m.depth > maxMatchDepth {
		m.fail("pattern too complex")
	}
	for {
		m.poll()
		if p >= len(m.pat) {
			return s
		}
		switch m.pat[p] {
		case '(':
			if m.pc(p+1) == ')' {
				return m.startCapture(s, p+2, capPosition)
			}
			return m.startCapture(s, p+1, capUnfinished)
		case ')':
			return m.endCapture(s, p+1)
		case '%':
			switch m.pc(p + 1) {
			case 'b':
				if s = m.matchBalance(s, p+2); s < 0 {
					return -1
				}
				p += 4
				continue
			case 'f':
				p += 2
				if m.pc(p) != '[' {
					m.fail("missing '[' after '%f' in pattern")
				}
				ep := m.classEnd(p)
				prev := 0
				if s > 0 {
					prev = int(m.src[s-1])
				}
				if m.matchBracket(prev, p, ep-1) || !m.matchBracket(m.at(s), p, ep-1) {
					return -1
				}
				p = ep
				continue
			default:
				if d := m.pc(p + 1); d >= '0' && d <= '9' {
					if s = m.matchCapture(s, int(d)); s < 0 {
						return -1
					}
					p += 2
					continue
				}
			}
		case '$':
			if p+1 == len(m.pat) {
				if s == len(m.src) {
					return s
				}
				return -1
			}
		}
		ep := m.classEnd(p)
		ok := s < len(m.src) && m.single(int(m.src[s]), p, ep)
		switch m.pc(ep) {
		case '?':
			if ok {
				if res := m.match(s+1, ep+1); res >= 0 {
					return res
				}
			}
			p = ep + 1
			continue
		case '*':
			return m.maxExpand(s, p, ep)
		case '+':
			if !ok {
				return -1
			}
			return m.maxExpand(s+1, p, ep)
		case '-':
			return m.minExpand(s, p, ep)
		}
		if !ok {
			return -1
		}
		s++
		p = ep
	}
}

func (m *matcher) maxExpand(s, p, ep int) int {
	i := 0
	for s+i < len(m.src) && m.single(int(m.src[s+i]), p, ep) {
		i++
	}
	for ; i >= 0; i-- {
		if res := m.match(s+i, ep+1); res >= 0 {
			return res
		}
	}
	return -1
}

func (m *matcher) minExpand(s, p, ep int) int {
	for {
		if res := m.match(s, ep+1); res >= 0 {
			return res
		}
		if s < len(m.src) && m.single(int(m.src[s]), p, ep) {
			s++
			continue
		}
		return -1
	}
}

func (m *matcher) startCapture(s, p, what int) int {
	if m.level >= maxCaptures {
		m.fail("too many captures")
	}
	m.caps[m.level] = capture{init: s, len: what}
	m.level++
	res := m.match(s, p)
	if res < 0 {
		m.level--
	}
	return res
}

func (m *matcher) endCapture(s, p int) int {
	l := -1
	for i := m.level - 1; i >= 0; i-- {
		if m.caps[i].len == capUnfinished {
			l = i
			break
		}
	}
	if l < 0 {
		m.fail("invalid pattern capture")
	}
	m.caps[l].len = s - m.caps[l].init
	res := m.match(s, p)
	if res < 0 {
		m.caps[l].len = capUnfinished
	}
	return res
}

func (m *matcher) matchBalance(s, p int) int {
	if p+1 >= len(m.pat) {
		m.fail("unbalanced pattern")
	}
	if m.at(s) != int(m.pat[p]) {
		return -1
	}
	b, e := m.pat[p], m.pat[p+1]
	cont := 1
	for s++; s < len(m.src); s++ {
		switch m.src[s] {
		case e:
			if cont--; cont == 0 {
				return s + 1
			}
		case b:
			cont++
		}
	}
	return -1
}

func (m *matcher) matchCapture(s, d int) int {
	l := d - '1'
	if l < 0 || l >= m.level || m.caps[l].len == capUnfinished {
		m.fail("invalid capture index")
	}
	c := m.caps[l]
	if len(m.src)-s >= c.len && m.src[c.init:c.init+c.len] == m.src[s:s+c.len] {
		return s + c.len
	}
	return -1
}

// capture returns capture i of the match m.src[s:e] (the whole match
// when there are no captures).
func (m *matcher) capture(i, s, e int) lua.LValue {
	if i >= m.level {
		if i != 0 {
			m.fail("invalid capture index")
		}
		return lua.LString(m.src[s:e])
	}
	c := m.caps[i]
	switch c.len {
	case capUnfinished:
		m.fail("unfinished capture")
	case capPosition:
		return lua.LNumber(c.init + 1)
	}
	return lua.LString(m.src[c.init : c.init+c.len])
}

// pushCaptures pushes the captures of a match (or the whole match when
// wholeIfNone and there are none) and returns how many.
func (m *matcher) pushCaptures(s, e int, wholeIfNone bool) int {
	n := m.level
	if n == 0 && wholeIfNone {
		n = 1
	}
	if m.L.GetTop()+n > maxCStack {
		m.fail("too many captures")
	}
	for i := 0; i < n; i++ {
		m.L.Push(m.capture(i, s, e))
	}
	return n
}
