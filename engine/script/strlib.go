package script

import (
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// The string library of Lua 5.1, with Valkey's behaviour: integer
// arguments are C ints (string.rep("x", 2^32 + 2) repeats twice) and
// string.dump's output cannot be loaded back. string.rep refuses results
// beyond Options.MaxMemory with "not enough memory" instead of growing
// without bound.

// stringLib returns the string table.
func (v *vm) stringLib() *lua.LTable {
	L := v.L
	t := L.NewTable()
	fns := map[string]lua.LGFunction{
		"byte":    strByte,
		"char":    strChar,
		"dump":    strDump,
		"find":    func(L *lua.LState) int { return v.strFind(L, true) },
		"format":  v.strFormat,
		"gsub":    v.strGsub,
		"len":     func(L *lua.LState) int { L.Push(lua.LNumber(len(checkString(L, 1)))); return 1 },
		"lower":   func(L *lua.LState) int { L.Push(lua.LString(asciiLower(checkString(L, 1)))); return 1 },
		"match":   func(L *lua.LState) int { return v.strFind(L, false) },
		"rep":     v.strRep,
		"reverse": strReverse,
		"sub":     strSub,
		"upper":   func(L *lua.LState) int { L.Push(lua.LString(asciiUpper(checkString(L, 1)))); return 1 },
	}
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	gmatch := L.NewFunction(v.strGmatch)
	t.RawSetString("gmatch", gmatch)
	t.RawSetString("gfind", gmatch)
	return t
}

// strPos converts a relative string position as Lua 5.1's posrelat.
func strPos(pos int64, n int) int64 {
	if pos < 0 {
		pos += int64(n) + 1
	}
	if pos < 0 {
		return 0
	}
	return pos
}

func strByte(L *lua.LState) int {
	s := checkString(L, 1)
	i := strPos(toInteger(optNumber(L, 2, 1)), len(s))
	j := strPos(toInteger(optNumber(L, 3, float64(i))), len(s))
	if i <= 0 {
		i = 1
	}
	if j > int64(len(s)) {
		j = int64(len(s))
	}
	if i > j {
		return 0
	}
	n := int(j - i + 1)
	if L.GetTop()+n > maxCStack {
		raise(L, "stack overflow (string slice too long)")
	}
	for k := i; k <= j; k++ {
		L.Push(lua.LNumber(s[k-1]))
	}
	return n
}

func strChar(L *lua.LState) int {
	n := L.GetTop()
	b := make([]byte, n)
	for i := 1; i <= n; i++ {
		c := checkInt(L, i)
		if c < 0 || c > 255 {
			argError(L, i, "invalid value")
		}
		b[i-1] = byte(c)
	}
	L.Push(lua.LString(b))
	return 1
}

// strDump returns a stand-in for a compiled chunk: a string with Lua 5.1's
// binary signature, which loadstring refuses as Valkey's Lua does.
func strDump(L *lua.LState) int {
	f := checkFunction(L, 1)
	if f.IsG {
		raise(L, "unable to dump given function")
	}
	L.Push(lua.LString("\x1bLuaQ\x00\x01\x04\x08\x04\x08\x00" + f.Proto.SourceName))
	return 1
}

func (v *vm) strRep(L *lua.LState) int {
	s := checkString(L, 1)
	n := checkInt(L, 2)
	if n <= 0 || s == "" {
		L.Push(lua.LString(""))
		return 1
	}
	if max := v.c.opts.MaxMemory; max > 0 && int64(len(s))*int64(n) > max {
		L.Error(lua.LString(msgNoMemory), 0)
	}
	L.Push(lua.LString(strings.Repeat(s, n)))
	return 1
}

func strReverse(L *lua.LState) int {
	s := checkString(L, 1)
	b := make([]byte, len(s))
	for i := range b {
		b[i] = s[len(s)-1-i]
	}
	L.Push(lua.LString(b))
	return 1
}

func strSub(L *lua.LState) int {
	s := checkString(L, 1)
	i := strPos(checkInteger(L, 2), len(s))
	j := strPos(toInteger(optNumber(L, 3, -1)), len(s))
	if i < 1 {
		i = 1
	}
	if j > int64(len(s)) {
		j = int64(len(s))
	}
	if i > j {
		L.Push(lua.LString(""))
		return 1
	}
	L.Push(lua.LString(s[i-1 : j]))
	return 1
}

func asciiLower(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 32
		}
		return r
	}, s)
}

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// patternSpecials are the bytes that make find use patterns.
const patternSpecials = "^$*+?.([%-"

// strFind is string.find (find) and string.match.
func (v *vm) strFind(L *lua.LState, find bool) int {
	s := checkString(L, 1)
	p := checkString(L, 2)
	init := strPos(toInteger(optNumber(L, 3, 1)), len(s)) - 1
	if init < 0 {
		init = 0
	} else if init > int64(len(s)) {
		init = int64(len(s))
	}
	cp := p
	if i := strings.IndexByte(cp, 0); i >= 0 {
		cp = cp[:i]
	}
	if find && (lua.LVAsBool(L.Get(4)) || !strings.ContainsAny(cp, patternSpecials)) {
		if k := strings.Index(s[init:], p); k >= 0 {
			L.Push(lua.LNumber(int(init) + k + 1))
			L.Push(lua.LNumber(int(init) + k + len(p)))
			return 2
		}
		L.Push(lua.LNil)
		return 1
	}
	m := newMatcher(L, v, s, p)
	anchor := strings.HasPrefix(m.pat, "^")
	start := 0
	if anchor {
		start = 1
	}
	for s1 := int(init); ; s1++ {
		m.level = 0
		if e := m.match(s1, start); e >= 0 {
			if find {
				L.Push(lua.LNumber(s1 + 1))
				L.Push(lua.LNumber(e))
				return m.pushCaptures(-1, -1, false) + 2
			}
			return m.pushCaptures(s1, e, true)
		}
		if s1 >= len(s) || anchor {
			break
		}
	}
	L.Push(lua.LNil)
	return 1
}

func (v *vm) strGmatch(L *lua.LState) int {
	s := checkString(L, 1)
	p := checkString(L, 2)
	pos := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		m := newMatcher(L, v, s, p)
		for src := pos; src <= len(s); src++ {
			m.level = 0
			if e := m.match(src, 0); e >= 0 {
				pos = e
				if e == src {
					pos++
				}
				return m.pushCaptures(src, e, true)
			}
		}
		return 0
	}))
	return 1
}

func (v *vm) strGsub(L *lua.LState) int {
	src := checkString(L, 1)
	p := checkString(L, 2)
	repl := L.Get(3)
	switch repl.Type() {
	case lua.LTNumber, lua.LTString, lua.LTFunction, lua.LTTable:
	default:
		argError(L, 3, "string/function/table expected")
	}
	maxN := optInt(L, 4, len(src)+1)
	m := newMatcher(L, v, src, p)
	start := 0
	anchor := strings.HasPrefix(m.pat, "^")
	if anchor {
		start = 1
	}
	var b []byte
	n := 0
	s := 0
	for n < maxN {
		m.level = 0
		e := m.match(s, start)
		if e >= 0 {
			n++
			b = v.addValue(L, m, b, s, e, repl)
		}
		switch {
		case e > s:
			s = e
		case s < len(src):
			b = append(b, src[s])
			s++
		default:
			s = len(src) + 1
		}
		if s > len(src) || anchor {
			break
		}
	}
	if s < len(src) {
		b = append(b, src[s:]...)
	}
	L.Push(lua.LString(b))
	L.Push(lua.LNumber(n))
	return 2
}

// addValue appends the replacement of the match src[s:e] to b.
func (v *vm) addValue(L *lua.LState, m *matcher, b []byte, s, e int, repl lua.LValue) []byte {
	var val lua.LValue
	switch r := repl.(type) {
	case lua.LString, lua.LNumber:
		news, _ := toString(r)
		for i := 0; i < len(news); i++ {
			c := news[i]
			if c != '%' {
				b = append(b, c)
				continue
			}
			i++
			var d byte // a trailing '%' escapes C's terminating NUL
			if i < len(news) {
				d = news[i]
			}
			switch {
			case d < '0' || d > '9':
				b = append(b, d)
			case d == '0':
				b = append(b, m.src[s:e]...)
			default:
				cv, _ := toString(m.capture(int(d-'1'), s, e))
				b = append(b, cv...)
			}
		}
		return b
	case *lua.LFunction:
		top := L.GetTop()
		n := m.pushCaptures(s, e, true)
		args := make([]lua.LValue, n)
		for i := range args {
			args[i] = L.Get(top + 1 + i)
		}
		L.SetTop(top)
		val = v.call(L, r, 1, args...)[0]
	case *lua.LTable:
		val = L.GetTable(r, m.capture(0, s, e))
	}
	if !lua.LVAsBool(val) {
		return append(b, m.src[s:e]...)
	}
	str, ok := toString(val)
	if !ok {
		raise(L, "invalid replacement value (a %s)", val.Type().String())
	}
	return append(b, str...)
}
