package script

import (
	"reflect"

	lua "github.com/yuin/gopher-lua"
)

// Variable names for error messages. Lua 5.1 names the value an operation
// failed on ("attempt to index local 't' (a nil value)", "bad argument #1
// to 'rep'") by looking at the bytecode of the running function; gopher-lua
// uses Lua 5.1's instruction set, so the same analysis works on its code.
// gopher-lua keeps a frame's program counter and registers unexported;
// they are read (never written) through reflection, on error paths only.

// gopher-lua opcodes (its opcode.go), in instruction order.
const (
	opMove = iota
	opMoveN
	opLoadK
	opLoadBool
	opLoadNil
	opGetUpval
	opGetGlobal
	opGetTable
	opGetTableKS
	opSetGlobal
	opSetUpval
	opSetTable
	opSetTableKS
	opNewTable
	opSelf
	opAdd
	opSub
	opMul
	opDiv
	opMod
	opPow
	opUnm
	opNot
	opLen
	opConcat
	opJmp
	opEq
	opLt
	opLe
	opTest
	opTestSet
	opCall
	opTailCall
	opReturn
	opForLoop
	opForPrep
	opTForLoop
	opSetList
	opClose
	opClosure
	opVararg
	opNop
)

// Instruction fields.
func instOp(i uint32) int  { return int(i >> 26) }
func instA(i uint32) int   { return int(i>>18) & 0xff }
func instB(i uint32) int   { return int(i & 0x1ff) }
func instC(i uint32) int   { return int(i>>9) & 0x1ff }
func instBx(i uint32) int  { return int(i & 0x3ffff) }
func instSBx(i uint32) int { return instBx(i) - (0x3ffff >> 1) }

// rkBit marks a B or C operand that indexes the constants.
const rkBit = 1 << 8

// setsA reports whether op writes register A.
func setsA(op int) bool {
	switch op {
	case opMove, opMoveN, opLoadK, opLoadBool, opGetUpval, opGetGlobal, opGetTable,
		opGetTableKS, opNewTable, opSelf, opAdd, opSub, opMul, opDiv, opMod, opPow,
		opUnm, opNot, opLen, opConcat, opTestSet, opClosure, opForLoop, opForPrep, opVararg:
		return true
	}
	return false
}

// lastSetter returns the index of the last instruction before lastpc that
// set register reg, following forward jumps, or -1 (Lua 5.1's symbexec).
func lastSetter(p *lua.FunctionProto, lastpc, reg int) int {
	last := -1
	for pc := 0; pc < lastpc && pc < len(p.Code); pc++ {
		i := p.Code[pc]
		op, a := instOp(i), instA(i)
		switch op {
		case opLoadNil:
			if a <= reg && reg <= instB(i) {
				last = pc
			}
			continue
		case opTForLoop:
			if reg >= a+2 {
				last = pc
			}
			continue
		case opCall, opTailCall:
			if reg >= a {
				last = pc
			}
			continue
		case opJmp:
			if dest := pc + 1 + instSBx(i); pc < dest && dest <= lastpc {
				pc = dest - 1
			}
			continue
		case opSetList:
			if instC(i) == 0 {
				pc++
			}
			continue
		case opClosure:
			if a == reg {
				last = pc
			}
			if bx := instBx(i); bx < len(p.FunctionPrototypes) {
				pc += int(p.FunctionPrototypes[bx].NumUpvalues)
			}
			continue
		}
		if setsA(op) && a == reg {
			last = pc
		}
	}
	return last
}

// localName returns the name of the n-th (1-based) local variable active
// at pc.
func localName(p *lua.FunctionProto, n, pc int) string {
	for _, l := range p.DbgLocals {
		if l.StartPc > pc {
			break
		}
		if pc < l.EndPc {
			n--
			if n == 0 {
				return l.Name
			}
		}
	}
	return ""
}

// constName returns the name a constant operand gives a field, or "?".
func constName(p *lua.FunctionProto, rk int) string {
	if rk&rkBit != 0 {
		if k := rk &^ rkBit; k < len(p.Constants) {
			if s, ok := p.Constants[k].(lua.LString); ok {
				return string(s)
			}
		}
	}
	return "?"
}

// keyName is constName for the key operand of instruction pc, also
// following a key gopher-lua loaded into a temporary register where Lua
// would have used the constant.
func keyName(p *lua.FunctionProto, pc, rk int) string {
	if name := localName(p, rk+1, pc); rk&rkBit != 0 || name != "" && name[0] != '(' {
		return constName(p, rk)
	}
	if at := lastSetter(p, pc, rk); at >= 0 && instOp(p.Code[at]) == opLoadK {
		if s, ok := p.Constants[instBx(p.Code[at])].(lua.LString); ok {
			return string(s)
		}
	}
	return "?"
}

// objName describes register reg of a function at instruction pc as Lua
// 5.1's getobjname does: kind is "local", "global", "field", "upvalue",
// "method" or "" when nothing useful is known.
func objName(p *lua.FunctionProto, pc, reg int) (kind, name string) {
	for depth := 0; depth < 8; depth++ {
		// gopher-lua activates a for loop's hidden locals before their
		// initial values are computed, Lua after.
		if name := localName(p, reg+1, pc); name != "" && (name[0] != '(' || instOp(p.Code[pc]) == opTForLoop) {
			return "local", name
		}
		at := lastSetter(p, pc, reg)
		if at < 0 {
			return "", ""
		}
		i := p.Code[at]
		switch instOp(i) {
		case opGetGlobal:
			if s, ok := p.Constants[instBx(i)].(lua.LString); ok {
				return "global", string(s)
			}
			return "", ""
		case opMove, opMoveN:
			if b := instB(i); b < instA(i) {
				reg = b
				continue
			}
			return "", ""
		case opGetTable, opGetTableKS:
			return "field", keyName(p, at, instC(i))
		case opGetUpval:
			if b := instB(i); b < len(p.DbgUpvalues) {
				return "upvalue", p.DbgUpvalues[b]
			}
			return "upvalue", "?"
		case opSelf:
			return "method", keyName(p, at, instC(i))
		}
		return "", ""
	}
	return "", ""
}

// luaFrame is what error reporting needs of a Lua function's frame.
type luaFrame struct {
	proto     *lua.FunctionProto
	pc        int // index of the running instruction
	localBase int
}

// frameAt returns the Lua frame at stack level, or false for a Go
// function or no frame.
func frameAt(L *lua.LState, level int) (luaFrame, bool) {
	d, ok := L.GetStack(level)
	if !ok {
		return luaFrame{}, false
	}
	return frameOf(L, d)
}

// frameOf returns the Lua frame d describes, or false for a Go function.
func frameOf(L *lua.LState, d *lua.Debug) (luaFrame, bool) {
	fv, err := L.GetInfo("f", d, nil)
	fn, ok := fv.(*lua.LFunction)
	if err != nil || !ok || fn.IsG || fn.Proto == nil {
		return luaFrame{}, false
	}
	f := reflect.ValueOf(d).Elem().FieldByName("frame")
	if !f.IsValid() || f.IsNil() {
		return luaFrame{}, false
	}
	f = f.Elem()
	pc := int(f.FieldByName("Pc").Int()) - 1
	if pc < 0 || pc >= len(fn.Proto.Code) {
		return luaFrame{}, false
	}
	return luaFrame{proto: fn.Proto, pc: pc, localBase: int(f.FieldByName("LocalBase").Int())}, true
}

// inst returns the frame's running instruction.
func (f luaFrame) inst() uint32 { return f.proto.Code[f.pc] }

// register returns the dynamic value of register reg of frame f: its Lua
// type name, and its number or string value when it has one.
func (f luaFrame) register(L *lua.LState, reg int) (typ string, num float64, str string) {
	arr := reflect.ValueOf(L).Elem().FieldByName("reg").Elem().FieldByName("array")
	i := f.localBase + reg
	if i < 0 || i >= arr.Len() {
		return "nil", 0, ""
	}
	e := arr.Index(i)
	if e.IsNil() {
		return "nil", 0, ""
	}
	e = e.Elem()
	switch e.Type() {
	case reflect.TypeOf(lua.LNumber(0)):
		return "number", e.Float(), ""
	case reflect.TypeOf(lua.LString("")):
		return "string", 0, e.String()
	case reflect.TypeOf(lua.LBool(false)):
		return "boolean", 0, ""
	case reflect.TypeOf(&lua.LTable{}):
		return "table", 0, ""
	case reflect.TypeOf(&lua.LFunction{}):
		return "function", 0, ""
	case reflect.TypeOf(&lua.LUserData{}):
		return "userdata", 0, ""
	case reflect.TypeOf(&lua.LState{}):
		return "thread", 0, ""
	}
	return "nil", 0, ""
}

// operand returns the type and numeric convertibility of RK operand rk.
func (f luaFrame) operand(L *lua.LState, rk int) (typ string, isNum, inStack bool) {
	if rk&rkBit != 0 {
		k := f.proto.Constants[rk&^rkBit]
		switch x := k.(type) {
		case lua.LNumber:
			return "number", true, false
		case lua.LString:
			_, ok := str2number(string(x))
			return "string", ok, false
		}
		return k.Type().String(), false, false
	}
	typ, _, s := f.register(L, rk)
	switch typ {
	case "number":
		return typ, true, true
	case "string":
		_, ok := str2number(s)
		return typ, ok, true
	}
	return typ, false, true
}
