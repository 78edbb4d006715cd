package script

import (
	"strconv"
	"strings"

	lua "github.com/yuin/gopher-lua"
)

// Runtime error messages. gopher-lua's virtual machine words its errors
// its own way ("attempt to index a non-table object(nil) with key 'y'");
// translateError rewrites them into Lua 5.1's ("attempt to index local
// 'x' (a nil value)"), naming the variable from the bytecode as Lua does.

// translateError rewrites e, an error raised by the Lua function at stack
// level, into Lua 5.1's wording. Other errors are returned unchanged.
func (v *vm) translateError(L *lua.LState, e lua.LValue, level int) lua.LValue {
	s, ok := e.(lua.LString)
	if !ok {
		return e
	}
	f, ok := frameAt(L, level)
	if !ok {
		return e
	}
	prefix := f.proto.SourceName + ":" + strconv.Itoa(f.proto.DbgSourcePositions[f.pc]) + ": "
	body, ok := strings.CutPrefix(string(s), prefix)
	if !ok {
		return e
	}
	if out := translateBody(L, f, body); out != "" {
		return lua.LString(prefix + out)
	}
	return e
}

// translateBody returns Lua 5.1's text for gopher-lua's message body
// raised by f's running instruction, or "".
func translateBody(L *lua.LState, f luaFrame, body string) string {
	i := f.inst()
	op := instOp(i)
	switch {
	case strings.HasPrefix(body, "attempt to index a non-table object("):
		typ := body[len("attempt to index a non-table object("):]
		typ = typ[:max(strings.IndexByte(typ, ')'), 0)]
		switch op {
		case opGetTable, opGetTableKS, opSelf:
			return typeErrorText(f, instB(i), true, "index", typ)
		case opSetTable, opSetTableKS:
			return typeErrorText(f, instA(i), true, "index", typ)
		}
		return "attempt to index a " + typ + " value"
	case body == "attempt to call a non-function object":
		if op == opCall || op == opTailCall || op == opTForLoop {
			typ, _, _ := f.register(L, instA(i))
			return typeErrorText(f, instA(i), true, "call", typ)
		}
	case body == "__unm undefined":
		typ, _, _ := f.register(L, instB(i))
		return typeErrorText(f, instB(i), true, "perform arithmetic on", typ)
	case body == "__len undefined":
		typ, _, _ := f.register(L, instB(i))
		return typeErrorText(f, instB(i), true, "get length of", typ)
	case strings.HasPrefix(body, "cannot perform ") && strings.Contains(body, " operation between "):
		if op == opConcat {
			return concatErrorText(L, f, body)
		}
		if op >= opAdd && op <= opPow {
			// The first operand that is not a number names the error.
			t1, num1, in1 := f.operand(L, instB(i))
			rk := instB(i)
			typ, inStack := t1, in1
			if num1 {
				rk = instC(i)
				typ, _, inStack = f.operand(L, rk)
			}
			return typeErrorText(f, rk, inStack, "perform arithmetic on", typ)
		}
	case strings.HasPrefix(body, "attempt to compare "):
		rest := body[len("attempt to compare "):]
		if a, b, ok := strings.Cut(rest, " with "); ok && a == b {
			return "attempt to compare two " + a + " values"
		}
	case body == "for statement init must be a number":
		return "'for' initial value must be a number"
	case body == "for statement limit must be a number":
		return "'for' limit must be a number"
	case body == "for statement step must be a number":
		return "'for' step must be a number"
	}
	return ""
}

// typeErrorText is luaG_typeerror's message for the value of register
// reg (when inStack) of type typ.
func typeErrorText(f luaFrame, reg int, inStack bool, op, typ string) string {
	if inStack {
		if kind, name := objName(f.proto, f.pc, reg); kind != "" {
			return "attempt to " + op + " " + kind + " '" + name + "' (a " + typ + " value)"
		}
	}
	return "attempt to " + op + " a " + typ + " value"
}

// concatErrorText names the operand a failed concatenation stopped at:
// Lua concatenates right to left and reports the left operand of the
// failing pair unless it is a string or number.
func concatErrorText(L *lua.LState, f luaFrame, body string) string {
	i := f.inst()
	b, c := instB(i), instC(i)
	convertible := func(reg int) bool {
		typ, _, _ := f.register(L, reg)
		return typ == "string" || typ == "number"
	}
	// Find the failing pair (r, r+1) as the virtual machine does: the
	// right operand is the original register c, or an accumulated string.
	for r := c - 1; r >= b; r-- {
		rightOK := r+1 < c || convertible(c)
		if convertible(r) && rightOK {
			continue
		}
		reg := r
		if convertible(r) {
			reg = c
		}
		typ, _, _ := f.register(L, reg)
		return typeErrorText(f, reg, true, "concatenate", typ)
	}
	_ = body
	return ""
}
