package lualib

import (
	"strings"
	"unicode/utf8"

	lua "github.com/yuin/gopher-lua"
)

// Token types, named as cjson names them in errors.
const (
	tObjBegin = iota
	tObjEnd
	tArrBegin
	tArrEnd
	tString
	tNumber
	tBoolean
	tNull
	tColon
	tComma
	tEnd
	tError
)

var tokenNames = [...]string{"T_OBJ_BEGIN", "T_OBJ_END", "T_ARR_BEGIN", "T_ARR_END", "T_STRING",
	"T_NUMBER", "T_BOOLEAN", "T_NULL", "T_COLON", "T_COMMA", "T_END", "T_ERROR"}

// punctuation maps the one-byte tokens to their type.
var punctuation = [256]int{'{': tObjBegin, '}': tObjEnd, '[': tArrBegin, ']': tArrEnd, ',': tComma, ':': tColon}

// jsonToken is one token; index is its 0-based offset (for an error
// token, where the error was found).
type jsonToken struct {
	typ   int
	index int
	str   string  // tString; tError: the error
	num   float64 // tNumber
	b     bool    // tBoolean
}

// jsonDecoder is one cjson.decode call. The input ends at its first NUL,
// as the C parser sees it.
type jsonDecoder struct {
	L     *lua.LState
	cfg   *cjsonConfig
	data  string
	pos   int
	depth int
	tmp   []byte
	tick  tick
}

// decode is cjson.decode(s): the Lua value of the JSON text s. Objects and
// arrays become tables (object keys stay strings), null becomes
// cjson.null. Beyond JSON it accepts what lua_cjson accepts: with
// decode_invalid_numbers (the default) "inf", "nan", hex numbers, a
// leading "+" or leading zeros, and everything after a NUL byte is
// ignored. Errors are lua_cjson's: "Expected value but found invalid token
// at character 1", "Found too many nested data structures (1001) at
// character 1001" and so on.
func (c *cjsonConfig) decode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	s := checkString(L, 1)
	if len(s) >= 2 && (s[0] == 0 || s[1] == 0) {
		raise(L, "JSON parser does not support UTF-16 or UTF-32")
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	d := &jsonDecoder{L: L, cfg: c, data: s, tick: tick{L: L}}
	v := d.value(d.next(), 1)
	if tok := d.next(); tok.typ != tEnd {
		d.fail("the end", tok)
	}
	L.Push(v)
	return 1
}

// at is the byte at i, 0 past the end.
func (d *jsonDecoder) at(i int) byte {
	if i < len(d.data) {
		return d.data[i]
	}
	return 0
}

func (d *jsonDecoder) fail(expected string, tok jsonToken) {
	found := tokenNames[tok.typ]
	if tok.typ == tError {
		found = tok.str
	}
	raise(d.L, "Expected %s but found %s at character %d", expected, found, tok.index+1)
}

// errorToken is an error found at the current position.
func (d *jsonDecoder) errorToken(msg string) jsonToken {
	return jsonToken{typ: tError, index: d.pos, str: msg}
}

// next reads the next token (json_next_token). Numbers go through strtod,
// so with decode_invalid_numbers "inf", "nan", hex and a leading "+" pass.
func (d *jsonDecoder) next() jsonToken {
	d.tick.step()
	for {
		c := d.at(d.pos)
		if c != ' ' && c != '\t' && c != '\n' && c != '\r' {
			break
		}
		d.pos++
	}
	start := d.pos
	rest := d.data[d.pos:]
	switch c := d.at(d.pos); c {
	case '{', '}', '[', ']', ',', ':':
		d.pos++
		return jsonToken{typ: punctuation[c], index: start}
	case 0:
		return jsonToken{typ: tEnd, index: start}
	case '"':
		return d.stringToken()
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
		if d.cfg.decodeInvalid == 0 && d.invalidNumber() {
			return d.errorToken("invalid number")
		}
		return d.numberToken()
	case 't', 'f', 'n', 'i', 'I', 'N', '+':
		switch {
		case strings.HasPrefix(rest, "true"):
			d.pos += 4
			return jsonToken{typ: tBoolean, index: start, b: true}
		case strings.HasPrefix(rest, "false"):
			d.pos += 5
			return jsonToken{typ: tBoolean, index: start}
		case strings.HasPrefix(rest, "null"):
			d.pos += 4
			return jsonToken{typ: tNull, index: start}
		case d.cfg.decodeInvalid == 1 && d.invalidNumber():
			return d.numberToken()
		}
	}
	return d.errorToken("invalid token")
}

// invalidNumber reports whether the number at the current position is
// one strict JSON rejects: a leading "+", hex, leading zeros, inf or nan.
func (d *jsonDecoder) invalidNumber() bool {
	p := d.pos
	switch d.at(p) {
	case '+':
		return true
	case '-':
		p++
	}
	if c := d.at(p); c == '0' {
		c2 := d.at(p + 1)
		return c2|0x20 == 'x' || isDigit(c2)
	} else if c <= '9' || c >= 0x80 { // the C code compares a signed char
		return false
	}
	rest := d.data[p:]
	return hasPrefixFold(rest, "inf") || hasPrefixFold(rest, "nan")
}

func (d *jsonDecoder) numberToken() jsonToken {
	f, n := strtod(d.data[d.pos:])
	if n == 0 {
		return d.errorToken("invalid number")
	}
	tok := jsonToken{typ: tNumber, index: d.pos, num: f}
	d.pos += n
	return tok
}

// jsonUnescapes maps the byte after a backslash to the byte it stands
// for; 'u' starts a \uXXXX escape, 0 is an invalid escape.
var jsonUnescapes = [256]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 't': '\t',
	'n': '\n', 'f': '\f', 'r': '\r', 'u': 'u'}

func (d *jsonDecoder) stringToken() jsonToken {
	start := d.pos
	d.pos++
	d.tmp = d.tmp[:0]
	for {
		c := d.at(d.pos)
		switch c {
		case '"':
			d.pos++
			return jsonToken{typ: tString, index: start, str: string(d.tmp)}
		case 0:
			return d.errorToken("unexpected end of string")
		case '\\':
			switch esc := jsonUnescapes[d.at(d.pos+1)]; esc {
			case 'u':
				if !d.unicodeEscape() {
					return d.errorToken("invalid unicode escape code")
				}
				continue
			case 0:
				return d.errorToken("invalid escape code")
			default:
				c = esc
				d.pos++
			}
		}
		d.tmp = append(d.tmp, c)
		d.pos++
	}
}

// unicodeEscape appends the UTF-8 of the \uXXXX escape (or surrogate pair
// of escapes) at the current position and moves past it.
func (d *jsonDecoder) unicodeEscape() bool {
	cp := d.hex4(d.pos + 2)
	if cp < 0 {
		return false
	}
	n := 6
	if cp&0xF800 == 0xD800 {
		if cp&0x400 != 0 || d.at(d.pos+6) != '\\' || d.at(d.pos+7) != 'u' {
			return false
		}
		low := d.hex4(d.pos + 8)
		if low < 0 || low&0xFC00 != 0xDC00 {
			return false
		}
		cp = (cp&0x3FF)<<10 | low&0x3FF + 0x10000
		n = 12
	}
	d.tmp = utf8.AppendRune(d.tmp, rune(cp))
	d.pos += n
	return true
}

// hex4 is the value of the four hex digits at i, or -1.
func (d *jsonDecoder) hex4(i int) int {
	v := 0
	for j := 0; j < 4; j++ {
		c := d.at(i + j)
		switch {
		case isDigit(c):
			v = v<<4 | int(c-'0')
		case c|0x20 >= 'a' && c|0x20 <= 'f':
			v = v<<4 | int(c|0x20-'a'+10)
		default:
			return -1
		}
	}
	return v
}

// descend enters an object or array, checking decode_max_depth and the
// Lua stack room the C parser asks for (slots more than it holds).
func (d *jsonDecoder) descend(held, slots int) {
	d.depth++
	if d.depth > int(d.cfg.decodeMaxDepth) || held+slots > luaMaxCStack {
		raise(d.L, "Found too many nested data structures (%d) at character %d", d.depth, d.pos)
	}
}

// value is the value that starts with tok; held counts the Lua stack
// slots the C parser holds before pushing it.
func (d *jsonDecoder) value(tok jsonToken, held int) lua.LValue {
	switch tok.typ {
	case tString:
		return lua.LString(tok.str)
	case tNumber:
		return lua.LNumber(tok.num)
	case tBoolean:
		return lua.LBool(tok.b)
	case tNull:
		return d.cfg.null
	case tObjBegin:
		return d.object(held)
	case tArrBegin:
		return d.array(held)
	}
	d.fail("value", tok)
	return nil
}

func (d *jsonDecoder) object(held int) lua.LValue {
	d.descend(held, 3)
	t := d.L.CreateTable(0, 4)
	tok := d.next()
	if tok.typ == tObjEnd {
		d.depth--
		return t
	}
	for {
		if tok.typ != tString {
			d.fail("object key string", tok)
		}
		key := tok.str
		if tok = d.next(); tok.typ != tColon {
			d.fail("colon", tok)
		}
		t.RawSetString(key, d.value(d.next(), held+2))
		tok = d.next()
		if tok.typ == tObjEnd {
			d.depth--
			return t
		}
		if tok.typ != tComma {
			d.fail("comma or object end", tok)
		}
		tok = d.next()
	}
}

func (d *jsonDecoder) array(held int) lua.LValue {
	d.descend(held, 2)
	t := d.L.CreateTable(4, 0)
	tok := d.next()
	if tok.typ == tArrEnd {
		d.depth--
		return t
	}
	for i := 1; ; i++ {
		t.RawSetInt(i, d.value(tok, held+1))
		tok = d.next()
		if tok.typ == tArrEnd {
			d.depth--
			return t
		}
		if tok.typ != tComma {
			d.fail("comma or array end", tok)
		}
		tok = d.next()
	}
}
