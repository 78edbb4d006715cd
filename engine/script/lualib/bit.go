package lualib

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// The bit library, LuaBitOp 1.0.2 as in Valkey 8: bit.tobit, tohex, bnot,
// band, bor, bxor, lshift, rshift, arshift, rol, ror and bswap on 32-bit
// integers. Arguments are numbers or numeric strings; each is taken modulo
// 2^32 after rounding to the nearest integer (ties to even), the way
// LuaBitOp adds 2^52+2^51 to a double, and results are signed 32-bit
// numbers. Shift counts use their low five bits. tohex(x[, n]) writes n
// (default 8, at most 8) hex digits, upper case when n is negative. No
// difference from Valkey is known.

func newBit(L *lua.LState) *lua.LTable {
	return newModule(L, []libFunc{
		{"tobit", func(L *lua.LState) int { return bitReturn(L, bitArg(L, 1)) }},
		{"bnot", func(L *lua.LState) int { return bitReturn(L, ^bitArg(L, 1)) }},
		{"band", bitFold(func(a, b uint32) uint32 { return a & b })},
		{"bor", bitFold(func(a, b uint32) uint32 { return a | b })},
		{"bxor", bitFold(func(a, b uint32) uint32 { return a ^ b })},
		{"lshift", bitShift(func(b, n uint32) uint32 { return b << n })},
		{"rshift", bitShift(func(b, n uint32) uint32 { return b >> n })},
		{"arshift", bitShift(func(b, n uint32) uint32 { return uint32(int32(b) >> n) })},
		{"rol", bitShift(func(b, n uint32) uint32 { return b<<n | b>>((32-n)&31) })},
		{"ror", bitShift(func(b, n uint32) uint32 { return b>>n | b<<((32-n)&31) })},
		{"bswap", func(L *lua.LState) int {
			b := bitArg(L, 1)
			return bitReturn(L, b>>24|b>>8&0xff00|b&0xff00<<8|b<<24)
		}},
		{"tohex", bitToHex},
	})
}

// bitArg is argument i as LuaBitOp's barg: a number rounded and taken
// modulo 2^32. A value that is neither a number nor a numeric string
// raises "number expected".
func bitArg(L *lua.LState, i int) uint32 {
	f, ok := toNumber(L.Get(i))
	b := uint32(math.Float64bits(f + 6755399441055744.0)) // 2^52+2^51
	if b == 0 && !ok {
		typeError(L, i, "number")
	}
	return b
}

// bitReturn pushes b as a signed 32-bit number.
func bitReturn(L *lua.LState, b uint32) int {
	L.Push(lua.LNumber(int32(b)))
	return 1
}

// bitFold folds op over all arguments, from the last to the first.
func bitFold(op func(a, b uint32) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		b := bitArg(L, 1)
		for i := L.GetTop(); i > 1; i-- {
			b = op(b, bitArg(L, i))
		}
		return bitReturn(L, b)
	}
}

// bitShift applies op to argument 1 and the low five bits of argument 2.
func bitShift(op func(b, n uint32) uint32) lua.LGFunction {
	return func(L *lua.LState) int {
		b := bitArg(L, 1)
		return bitReturn(L, op(b, bitArg(L, 2)&31))
	}
}

func bitToHex(L *lua.LState) int {
	b := bitArg(L, 1)
	n := int32(8)
	if L.GetTop() >= 2 {
		n = int32(bitArg(L, 2))
	}
	digits := "0123456789abcdef"
	if n == math.MinInt32 {
		n = math.MinInt32 + 1
	}
	if n < 0 {
		n, digits = -n, "0123456789ABCDEF"
	}
	n = min(n, 8)
	buf := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		buf[i] = digits[b&15]
		b >>= 4
	}
	L.Push(lua.LString(buf))
	return 1
}
