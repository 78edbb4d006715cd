package script

import (
	"math"

	lua "github.com/yuin/gopher-lua"
)

// Arithmetic on strings. Lua converts numeric strings in arithmetic
// ("10" + 1 is 11) with its own reader (strtod); gopher-lua's reader
// differs ("010" is octal 8 to it, "1_000" a thousand). gopher-lua tries
// metamethods before converting strings, so the string metatable the
// interpreter uses (not the copy scripts see) carries arithmetic
// metamethods that convert as Lua does.

// arithEvents are the binary arithmetic metamethods, by instruction.
var arithEvents = map[string]int{
	"__add": opAdd, "__sub": opSub, "__mul": opMul, "__div": opDiv, "__mod": opMod, "__pow": opPow,
}

// installStringArith sets the arithmetic metamethods of strings.
func (v *vm) installStringArith(strMeta *lua.LTable) {
	for event, op := range arithEvents {
		strMeta.RawSetString(event, v.L.NewFunction(v.stringArith(event, op)))
	}
}

// stringArith returns the metamethod for event: Lua's arithmetic on the
// two operands converted to numbers; a table or userdata operand with its
// own metamethod gets the operation instead, as when strings have none.
func (v *vm) stringArith(event string, op int) lua.LGFunction {
	return func(L *lua.LState) int {
		a, b := L.Get(1), L.Get(2)
		x, okA := toNumber(a)
		y, okB := toNumber(b)
		if !okA || !okB {
			other := b
			if !okA && a.Type() != lua.LTString {
				other = a
			}
			if tm := L.GetMetaField(other, event); other.Type() != lua.LTString && tm.Type() == lua.LTFunction {
				L.Push(v.call(L, tm, 1, a, b)[0])
				return 1
			}
			raiseArith(L, a, okA, b)
		}
		L.Push(lua.LNumber(arith(op, x, y)))
		return 1
	}
}

// arith is Lua 5.1's arithmetic on numbers.
func arith(op int, x, y float64) float64 {
	switch op {
	case opAdd:
		return x + y
	case opSub:
		return x - y
	case opMul:
		return x * y
	case opDiv:
		return x / y
	case opMod:
		return x - math.Floor(x/y)*y
	}
	return math.Pow(x, y)
}

// raiseArith raises Lua's error for arithmetic on a value that is not a
// number: the first operand unless it converts, named from the
// instruction that failed.
func raiseArith(L *lua.LState, a lua.LValue, okA bool, b lua.LValue) {
	bad := a
	if okA {
		bad = b
	}
	msg := "attempt to perform arithmetic on a " + bad.Type().String() + " value"
	if f, ok := frameAt(L, 1); ok {
		if i := f.inst(); instOp(i) >= opAdd && instOp(i) <= opPow {
			rk := instB(i)
			if okA {
				rk = instC(i)
			}
			msg = typeErrorText(f, rk, rk&rkBit == 0, "perform arithmetic on", bad.Type().String())
		}
	}
	raise(L, "%s", msg)
}
