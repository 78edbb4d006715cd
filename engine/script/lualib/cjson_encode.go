package lualib

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// jsonEncoder is one cjson.encode call.
type jsonEncoder struct {
	L    *lua.LState
	cfg  *cjsonConfig
	buf  []byte
	tick tick
}

// encode is cjson.encode(v): v as JSON text. Strings are written byte for
// byte with '"', '\\', '/', control bytes and DEL escaped; numbers as
// "%.14g" (encode_number_precision); a table whose keys are all integers
// >= 1 is an array (holes become null) unless it is excessively sparse
// (encode_sparse_array), any other table an object with number or string
// keys; an empty table is {}; nil and cjson.null are null. Other types,
// NaN and Inf (unless encode_invalid_numbers), nesting deeper than
// encode_max_depth and excessively sparse arrays raise "Cannot serialise
// ..." errors.
func (c *cjsonConfig) encode(L *lua.LState) int {
	if L.GetTop() != 1 {
		argError(L, 1, "expected 1 argument")
	}
	e := &jsonEncoder{L: L, cfg: c, tick: tick{L: L}}
	if c.keepBuffer == 1 {
		e.buf = c.buf[:0]
	}
	e.value(L.Get(1), 0, 1)
	L.Push(lua.LString(e.buf))
	if c.keepBuffer == 1 && cap(e.buf) <= keptBufferMax {
		c.buf = e.buf
	}
	return 1
}

// fail raises "Cannot serialise <type>: <reason>".
func (e *jsonEncoder) fail(v lua.LValue, reason string) {
	raise(e.L, "Cannot serialise %s: %s", v.Type().String(), reason)
}

// value appends v at nesting depth (tables above it); slots counts the
// Lua stack slots Valkey's encoder holds at this point.
func (e *jsonEncoder) value(v lua.LValue, depth int, slots int) {
	e.tick.step()
	if len(e.buf) > maxOutput {
		raise(e.L, "Cannot serialise, output larger than %d bytes", maxOutput)
	}
	switch v := v.(type) {
	case lua.LString:
		e.string(string(v))
	case lua.LNumber:
		e.number(v)
	case lua.LBool:
		if v {
			e.buf = append(e.buf, "true"...)
		} else {
			e.buf = append(e.buf, "false"...)
		}
	case *lua.LNilType:
		e.buf = append(e.buf, "null"...)
	case *lua.LTable:
		depth++
		if depth > int(e.cfg.encodeMaxDepth) || slots+3 > luaMaxCStack {
			raise(e.L, "Cannot serialise, excessive nesting (%d)", depth)
		}
		if n := e.arrayLength(v); n > 0 {
			e.array(v, n, depth, slots)
		} else {
			e.object(v, depth, slots)
		}
	case *lua.LUserData:
		if v != e.cfg.null {
			e.fail(v, "type not supported")
		}
		e.buf = append(e.buf, "null"...)
	default:
		e.fail(v, "type not supported")
	}
}

// arrayLength is the length of t as a JSON array, or -1 (or 0, or less)
// for an object: the largest key when every key is an integer >= 1 and
// the array is not excessively sparse. The largest key is kept as a C int,
// so keys from 2^31 on make it negative, and t an object.
func (e *jsonEncoder) arrayLength(t *lua.LTable) int32 {
	var max, items int32
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		e.tick.step()
		n, ok := k.(lua.LNumber)
		if !ok || n == 0 || math.Floor(float64(n)) != float64(n) || n < 1 {
			return -1
		}
		if float64(n) > float64(max) {
			max = toInt32(float64(n))
		}
		items++
	}
	ratio := e.cfg.sparseRatio
	if ratio > 0 && max > items*ratio && max > e.cfg.sparseSafe {
		if e.cfg.sparseConvert == 0 {
			e.fail(t, "excessively sparse array")
		}
		return -1
	}
	return max
}

func (e *jsonEncoder) array(t *lua.LTable, n int32, depth, slots int) {
	e.buf = append(e.buf, '[')
	for i := int32(1); i <= n; i++ {
		if i > 1 {
			e.buf = append(e.buf, ',')
		}
		e.value(t.RawGet(lua.LNumber(i)), depth, slots+1)
	}
	e.buf = append(e.buf, ']')
}

func (e *jsonEncoder) object(t *lua.LTable, depth, slots int) {
	e.buf = append(e.buf, '{')
	first := true
	for k, v := t.Next(lua.LNil); k != lua.LNil; k, v = t.Next(k) {
		if !first {
			e.buf = append(e.buf, ',')
		}
		first = false
		switch k := k.(type) {
		case lua.LNumber:
			e.buf = append(e.buf, '"')
			e.number(k)
			e.buf = append(e.buf, '"', ':')
		case lua.LString:
			e.string(string(k))
			e.buf = append(e.buf, ':')
		default:
			e.fail(k, "table key must be a number or string")
		}
		e.value(v, depth, slots+2)
	}
	e.buf = append(e.buf, '}')
}

func (e *jsonEncoder) number(n lua.LNumber) {
	f := float64(n)
	invalid := math.IsInf(f, 0) || math.IsNaN(f)
	switch e.cfg.encodeInvalid {
	case 0:
		if invalid {
			e.fail(n, "must not be NaN or Inf")
		}
	case 1:
		if math.IsNaN(f) {
			e.buf = append(e.buf, "nan"...)
			return
		}
	default:
		if invalid {
			e.buf = append(e.buf, "null"...)
			return
		}
	}
	e.buf = appendG(e.buf, f, int(e.cfg.precision))
}

// jsonEscapes maps the bytes cjson escapes to their escape.
var jsonEscapes = func() [256]string {
	var t [256]string
	const hex = "0123456789abcdef"
	for c := 0; c < 0x20; c++ {
		t[c] = `\u00` + string(hex[c>>4]) + string(hex[c&15])
	}
	t['\b'], t['\t'], t['\n'], t['\f'], t['\r'] = `\b`, `\t`, `\n`, `\f`, `\r`
	t['"'], t['\\'], t['/'], t[0x7f] = `\"`, `\\`, `\/`, `\u007f`
	return t
}()

func (e *jsonEncoder) string(s string) {
	e.buf = append(e.buf, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		if esc := jsonEscapes[s[i]]; esc != "" {
			e.buf = append(e.buf, s[start:i]...)
			e.buf = append(e.buf, esc...)
			start = i + 1
		}
	}
	e.buf = append(e.buf, s[start:]...)
	e.buf = append(e.buf, '"')
}
