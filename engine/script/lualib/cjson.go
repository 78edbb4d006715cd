package lualib

import (
	"fmt"
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The cjson library, as lua_cjson.c 2.1.0 in Valkey 8:
//
//	cjson.encode(v), cjson.decode(s)        (cjson_encode.go, cjson_decode.go)
//	cjson.encode_sparse_array([convert[, ratio[, safe]]])   default false, 2, 10
//	cjson.encode_max_depth([n]), cjson.decode_max_depth([n])  default 1000
//	cjson.encode_number_precision([n])      1..14, default 14 ("%.14g")
//	cjson.encode_keep_buffer([on])          default true (only memory reuse)
//	cjson.encode_invalid_numbers([on|off|"null"])  default false
//	cjson.decode_invalid_numbers([on])      default true (inf, nan, hex, +1)
//	cjson.new()                             a module table with its own settings
//	cjson.null, cjson._NAME ("cjson"), cjson._VERSION ("2.1.0")
//
// Each setter returns the settings it covers after the change; settings
// last as long as the LState (Valkey: until SCRIPT FLUSH).
//
// Differences from Valkey: objects list their keys in gopher-lua's table
// order (array part, then keys in insertion order) where Valkey follows
// its C hash order; tostring(cjson.null) is "userdata: 0x..." where Valkey
// prints "userdata: (nil)"; cjson.encode stops at maxOutput bytes.

// cjsonConfig is one module table's settings (json_config_t).
type cjsonConfig struct {
	sparseConvert  int // 0 or 1
	sparseRatio    int32
	sparseSafe     int32
	encodeMaxDepth int32
	decodeMaxDepth int32
	encodeInvalid  int // 0 off, 1 on, 2 "null"
	precision      int32
	keepBuffer     int // 0 or 1
	decodeInvalid  int // 0 or 1

	buf  []byte         // reused between encodes while keepBuffer is 1
	null *lua.LUserData // cjson.null
}

// keptBufferMax is the largest encode buffer kept for the next encode.
const keptBufferMax = 1 << 20

// newCJSON returns a cjson module table with default settings.
func newCJSON(L *lua.LState, null *lua.LUserData) *lua.LTable {
	cfg := &cjsonConfig{
		sparseRatio:    2,
		sparseSafe:     10,
		encodeMaxDepth: 1000,
		decodeMaxDepth: 1000,
		precision:      14,
		keepBuffer:     1,
		decodeInvalid:  1,
		null:           null,
	}
	t := newModule(L, []libFunc{
		{"encode", cfg.encode},
		{"decode", cfg.decode},
		{"encode_sparse_array", cfg.setSparseArray},
		{"encode_max_depth", cfg.setEncodeMaxDepth},
		{"decode_max_depth", cfg.setDecodeMaxDepth},
		{"encode_number_precision", cfg.setPrecision},
		{"encode_keep_buffer", cfg.setKeepBuffer},
		{"encode_invalid_numbers", cfg.setEncodeInvalid},
		{"decode_invalid_numbers", cfg.setDecodeInvalid},
		{"new", func(L *lua.LState) int {
			L.Push(newCJSON(L, null))
			return 1
		}},
	})
	t.RawSetString("null", null)
	t.RawSetString("_NAME", lua.LString("cjson"))
	t.RawSetString("_VERSION", lua.LString("2.1.0"))
	return t
}

// onOff are the names of a boolean setting's values.
var onOff = []string{"off", "on"}

// configArgs checks that a setter got at most n arguments and pads them
// with nils to n (json_arg_init), so that the values it pushes come after.
func configArgs(L *lua.LState, n int) {
	if L.GetTop() > n {
		argError(L, n+1, "found too many arguments")
	}
	for L.GetTop() < n {
		L.Push(lua.LNil)
	}
}

// integerOption sets *setting from argument idx unless it is nil, checking
// min <= value <= max, and pushes the setting.
func integerOption(L *lua.LState, idx int, setting *int32, min, max int32) {
	if L.Get(idx) != lua.LNil {
		v := int32(checkInteger(L, idx)) // the C code keeps an int
		if v < min || v > max {
			argError(L, 1, fmt.Sprintf("expected integer between %d and %d", min, max))
		}
		*setting = v
	}
	L.Push(lua.LNumber(*setting))
}

// enumOption sets *setting from argument idx unless it is nil: a boolean
// gives 0 or 1, a string its index in options. It pushes the setting: a
// boolean for 0 and 1, else its name.
func enumOption(L *lua.LState, idx int, setting *int, options []string) {
	switch v := L.Get(idx).(type) {
	case *lua.LNilType:
	case lua.LBool:
		*setting = 0
		if v {
			*setting = 1
		}
	default:
		name := checkString(L, idx)
		found := false
		for i, o := range options {
			if o == name {
				*setting, found = i, true
				break
			}
		}
		if !found {
			argError(L, idx, fmt.Sprintf("invalid option '%s'", name))
		}
	}
	if *setting <= 1 {
		L.Push(lua.LBool(*setting == 1))
	} else {
		L.Push(lua.LString(options[*setting]))
	}
}

func (c *cjsonConfig) setSparseArray(L *lua.LState) int {
	configArgs(L, 3)
	enumOption(L, 1, &c.sparseConvert, onOff)
	integerOption(L, 2, &c.sparseRatio, 0, math.MaxInt32)
	integerOption(L, 3, &c.sparseSafe, 0, math.MaxInt32)
	return 3
}

func (c *cjsonConfig) setEncodeMaxDepth(L *lua.LState) int {
	configArgs(L, 1)
	integerOption(L, 1, &c.encodeMaxDepth, 1, math.MaxInt32)
	return 1
}

func (c *cjsonConfig) setDecodeMaxDepth(L *lua.LState) int {
	configArgs(L, 1)
	integerOption(L, 1, &c.decodeMaxDepth, 1, math.MaxInt32)
	return 1
}

func (c *cjsonConfig) setPrecision(L *lua.LState) int {
	configArgs(L, 1)
	integerOption(L, 1, &c.precision, 1, 14)
	return 1
}

func (c *cjsonConfig) setKeepBuffer(L *lua.LState) int {
	configArgs(L, 1)
	enumOption(L, 1, &c.keepBuffer, onOff)
	if c.keepBuffer == 0 {
		c.buf = nil
	}
	return 1
}

func (c *cjsonConfig) setEncodeInvalid(L *lua.LState) int {
	configArgs(L, 1)
	enumOption(L, 1, &c.encodeInvalid, []string{"off", "on", "null"})
	return 1
}

func (c *cjsonConfig) setDecodeInvalid(L *lua.LState) int {
	configArgs(L, 1)
	enumOption(L, 1, &c.decodeInvalid, onOff)
	return 1
}
