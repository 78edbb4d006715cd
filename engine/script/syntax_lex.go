package script

import (
	"fmt"
	"math"
	"strconv"
)

// A Lua 5.1 lexer for the syntax checker (syntax_parse.go). gopher-lua's
// parser reports errors its own way and accepts some code Lua 5.1 rejects
// (goto, labels); scripts are therefore checked first by this lexer and
// parser, which follow Lua 5.1's grammar, limits and error messages
// ("user_script:1: '=' expected near 'b'") and build nothing.

// Token kinds: single-byte tokens are their byte; the others follow.
const (
	tkAnd = 257 + iota
	tkBreak
	tkDo
	tkElse
	tkElseif
	tkEnd
	tkFalse
	tkFor
	tkFunction
	tkIf
	tkIn
	tkLocal
	tkNil
	tkNot
	tkOr
	tkRepeat
	tkReturn
	tkThen
	tkTrue
	tkUntil
	tkWhile
	tkConcat
	tkDots
	tkEq
	tkGe
	tkLe
	tkNe
	tkNumber
	tkName
	tkString
	tkEOS
)

// tokenNames are the message names of tokens from tkAnd on.
var tokenNames = []string{
	"and", "break", "do", "else", "elseif",
	"end", "false", "for", "function", "if",
	"in", "local", "nil", "not", "or", "repeat",
	"return", "then", "true", "until", "while",
	"..", "...", "==", ">=", "<=", "~=",
	"<number>", "<name>", "<string>", "<eof>",
}

// reserved maps reserved words to their tokens.
var reserved = func() map[string]int {
	m := map[string]int{}
	for i, name := range tokenNames[:tkWhile-tkAnd+1] {
		m[name] = tkAnd + i
	}
	return m
}()

// eoz marks the end of the source.
const eoz = -1

// syntaxError is a compile error, already formatted.
type syntaxError struct{ msg string }

// lexer reads tokens as Lua 5.1's llex does, keeping in buf the text of
// the last token read (what error messages quote for names, strings and
// numbers).
type lexer struct {
	src   []byte
	pos   int
	cur   int
	line  int
	buf   []byte
	chunk string
	// edits rewrite the source for gopher-lua where its lexer departs
	// from Lua's (see srcEdit).
	edits []srcEdit
}

// srcEdit replaces src[pos:end] by text in the source given to
// gopher-lua: \v and \f between tokens, which Lua skips and gopher-lua
// refuses, become spaces; numerals become the canonical form of the
// value Lua reads (gopher-lua reads "0010" as octal, "1e999" as NaN, and
// large hexadecimal numbers not at all).
type srcEdit struct {
	pos, end int
	text     string
}

func newLexer(src []byte, chunk string) *lexer {
	lx := &lexer{src: src, line: 1, chunk: chunk}
	lx.next()
	return lx
}

func (lx *lexer) next() {
	if lx.pos < len(lx.src) {
		lx.cur = int(lx.src[lx.pos])
		lx.pos++
		return
	}
	lx.cur = eoz
}

func (lx *lexer) save(c int)      { lx.buf = append(lx.buf, byte(c)) }
func (lx *lexer) saveNext()       { lx.save(lx.cur); lx.next() }
func (lx *lexer) isNewline() bool { return lx.cur == '\n' || lx.cur == '\r' }

// tokenText is luaX_token2str.
func tokenText(t int) string {
	switch {
	case t >= tkAnd:
		return tokenNames[t-tkAnd]
	case t < 32 || t == 127:
		return fmt.Sprintf("char(%d)", t)
	}
	return string(rune(t))
}

// near returns the text quoted for token t: the buffer for names,
// strings and numbers.
func (lx *lexer) near(t int) string {
	switch t {
	case tkName, tkString, tkNumber:
		b := lx.buf
		for i, c := range b {
			if c == 0 {
				b = b[:i]
				break
			}
		}
		return string(b)
	}
	return tokenText(t)
}

// fail raises luaX_lexerror: the message at the current line, quoting
// token t unless it is 0.
func (lx *lexer) fail(msg string, t int) {
	msg = fmt.Sprintf("%s:%d: %s", lx.chunk, lx.line, msg)
	if t != 0 {
		msg += " near '" + lx.near(t) + "'"
	}
	panic(syntaxError{msg})
}

func (lx *lexer) newline() {
	old := lx.cur
	lx.next()
	if lx.isNewline() && lx.cur != old {
		lx.next()
	}
	lx.line++
}

// skipSep reads [=*[ or ]=*] and returns the number of '=', or -(n+1)
// when the second bracket is missing.
func (lx *lexer) skipSep() int {
	s := lx.cur
	count := 0
	lx.saveNext()
	for lx.cur == '=' {
		lx.saveNext()
		count++
	}
	if lx.cur == s {
		return count
	}
	return -count - 1
}

func (lx *lexer) longString(isString bool, sep int) {
	lx.saveNext()
	if lx.isNewline() {
		lx.newline()
	}
	for {
		switch lx.cur {
		case eoz:
			if isString {
				lx.fail("unfinished long string", tkEOS)
			}
			lx.fail("unfinished long comment", tkEOS)
		case '[':
			if lx.skipSep() == sep {
				lx.saveNext()
				if sep == 0 {
					lx.fail("nesting of [[...]] is deprecated", '[')
				}
			}
		case ']':
			if lx.skipSep() == sep {
				lx.saveNext()
				return
			}
		case '\n', '\r':
			lx.save('\n')
			lx.newline()
			if !isString {
				lx.buf = lx.buf[:0]
			}
		default:
			lx.saveNext()
		}
	}
}

func (lx *lexer) shortString(del int) {
	lx.saveNext()
	for lx.cur != del {
		switch lx.cur {
		case eoz:
			lx.fail("unfinished string", tkEOS)
		case '\n', '\r':
			lx.fail("unfinished string", tkString)
		case '\\':
			lx.next()
			switch lx.cur {
			case 'a', 'b', 'f', 'n', 'r', 't', 'v':
				lx.save(int(escapeByte(byte(lx.cur))))
				lx.next()
			case '\n', '\r':
				lx.save('\n')
				lx.newline()
			case eoz:
			default:
				if lx.cur < '0' || lx.cur > '9' {
					lx.saveNext()
					continue
				}
				c := 0
				for i := 0; i < 3 && lx.cur >= '0' && lx.cur <= '9'; i++ {
					c = 10*c + lx.cur - '0'
					lx.next()
				}
				if c > 255 {
					lx.fail("escape sequence too large", tkString)
				}
				lx.save(c)
			}
		default:
			lx.saveNext()
		}
	}
	lx.saveNext()
}

// numeral reads a number starting at offset start.
func (lx *lexer) numeral(start int) {
	for {
		lx.saveNext()
		if !(isDigitInt(lx.cur) || lx.cur == '.') {
			break
		}
	}
	if lx.cur == 'E' || lx.cur == 'e' {
		lx.saveNext()
		if lx.cur == '+' || lx.cur == '-' {
			lx.saveNext()
		}
	}
	for isAlnumInt(lx.cur) || lx.cur == '_' {
		lx.saveNext()
	}
	f, ok := str2number(string(lx.buf))
	if !ok {
		lx.fail("malformed number", tkNumber)
	}
	end := lx.pos - 1
	if lx.cur == eoz {
		end = len(lx.src)
	}
	if text := canonicalNumber(f); text != string(lx.src[start:end]) {
		lx.edits = append(lx.edits, srcEdit{start, end, text})
	}
}

// canonicalNumber returns a numeral gopher-lua reads as f.
func canonicalNumber(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "(1/0)"
	case f == math.Trunc(f) && math.Abs(f) < 1<<63:
		return strconv.FormatInt(int64(f), 10)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// scan returns the next token (llex).
func (lx *lexer) scan() int {
	lx.buf = lx.buf[:0]
	for {
		switch c := lx.cur; c {
		case '\n', '\r':
			lx.newline()
		case '-':
			lx.next()
			if lx.cur != '-' {
				return '-'
			}
			lx.next()
			if lx.cur == '[' {
				sep := lx.skipSep()
				lx.buf = lx.buf[:0]
				if sep >= 0 {
					lx.longString(false, sep)
					lx.buf = lx.buf[:0]
					continue
				}
			}
			for !lx.isNewline() && lx.cur != eoz {
				lx.next()
			}
		case '[':
			sep := lx.skipSep()
			if sep >= 0 {
				lx.longString(true, sep)
				return tkString
			}
			if sep == -1 {
				return '['
			}
			lx.fail("invalid long string delimiter", tkString)
		case '=', '<', '>', '~':
			lx.next()
			if lx.cur != '=' {
				return c
			}
			lx.next()
			switch c {
			case '=':
				return tkEq
			case '<':
				return tkLe
			case '>':
				return tkGe
			}
			return tkNe
		case '"', '\'':
			lx.shortString(c)
			return tkString
		case '.':
			start := lx.pos - 1
			lx.saveNext()
			if lx.cur == '.' {
				lx.saveNext()
				if lx.cur == '.' {
					lx.saveNext()
					return tkDots
				}
				return tkConcat
			}
			if !isDigitInt(lx.cur) {
				return '.'
			}
			lx.numeral(start)
			return tkNumber
		case eoz:
			return tkEOS
		default:
			switch {
			case c == ' ' || c == '\t':
				lx.next()
			case c == '\v' || c == '\f':
				lx.edits = append(lx.edits, srcEdit{lx.pos - 1, lx.pos, " "})
				lx.next()
			case isDigitInt(c):
				lx.numeral(lx.pos - 1)
				return tkNumber
			case isAlphaInt(c) || c == '_':
				for isAlnumInt(lx.cur) || lx.cur == '_' {
					lx.saveNext()
				}
				if t, ok := reserved[string(lx.buf)]; ok {
					return t
				}
				return tkName
			default:
				lx.next()
				return c
			}
		}
	}
}

// escapeByte returns the byte of the escape \c for c in "abfnrtv".
func escapeByte(c byte) byte {
	switch c {
	case 'a':
		return '\a'
	case 'b':
		return '\b'
	case 'f':
		return '\f'
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	}
	return '\v'
}

func isDigitInt(c int) bool { return c >= '0' && c <= '9' }
func isAlphaInt(c int) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isAlnumInt(c int) bool { return isAlphaInt(c) || isDigitInt(c) }
