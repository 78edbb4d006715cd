package script

import (
	"fmt"
)

// The Lua 5.1 syntax checker: lparser.c's grammar, scoping and limits
// (200 locals, 60 upvalues, 200 syntax levels) with its error messages,
// building no code. Register limits ("function or expression too
// complex") are left to gopher-lua's compiler.

const (
	maxVars     = 200 // LUAI_MAXVARS
	maxUpvalues = 60  // LUAI_MAXUPVALUES
	maxLevels   = 200 // LUAI_MAXCCALLS
)

// checkSyntax returns Lua 5.1's error for src, a chunk named chunk in
// messages, parsed with base nested C calls already in progress (0 for
// scripts, the running script's depth for loadstring), or "" and the
// edits that make gopher-lua read src as Lua does, in source order.
func checkSyntax(src []byte, chunk string, base int) (msg string, edits []srcEdit) {
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(syntaxError)
			if !ok {
				panic(r)
			}
			msg, edits = se.msg, nil
		}
	}()
	p := &parser{lx: newLexer(src, chunk), level: base, ahead: tkEOS}
	p.openFunc(0)
	p.fs.vararg = true
	p.advance()
	p.chunk()
	p.check(tkEOS)
	return "", p.lx.edits
}

// Expression kinds that matter for syntax: what may be assigned to, and
// calls (which may stand as statements).
const (
	expOther = iota
	expVar
	expLocal
	expCall
)

// varRef identifies a variable an upvalue refers to in the enclosing
// function: a local's slot or an upvalue's index there.
type varRef struct {
	upval bool
	index int
}

type block struct {
	prev      *block
	nactvar   int
	breakable bool
}

type funcState struct {
	prev        *funcState
	linedefined int
	vararg      bool
	actvar      []string // active locals, then pending ones
	nactvar     int
	upvals      []varRef
	bl          *block
}

type parser struct {
	lx       *lexer
	t        int    // current token
	name     string // its text when a name
	ahead    int    // look-ahead token, tkEOS for none
	aheadNm  string
	lastline int
	level    int
	fs       *funcState
}

// advance reads the next token (luaX_next).
func (p *parser) advance() {
	p.lastline = p.lx.line
	if p.ahead != tkEOS {
		p.t, p.name, p.ahead = p.ahead, p.aheadNm, tkEOS
		return
	}
	p.t, p.name = p.scan()
}

// scan reads a token and the name it spells, if any.
func (p *parser) scan() (int, string) {
	t := p.lx.scan()
	if t == tkName {
		return t, string(p.lx.buf)
	}
	return t, ""
}

func (p *parser) lookahead() { p.ahead, p.aheadNm = p.scan() }

// fail raises luaX_syntaxerror: msg near the current token.
func (p *parser) fail(msg string) { p.lx.fail(msg, p.t) }

func (p *parser) expected(t int) { p.fail("'" + tokenText(t) + "' expected") }

func (p *parser) testNext(t int) bool {
	if p.t == t {
		p.advance()
		return true
	}
	return false
}

func (p *parser) check(t int) {
	if p.t != t {
		p.expected(t)
	}
}

func (p *parser) checkNext(t int) {
	p.check(t)
	p.advance()
}

func (p *parser) checkMatch(what, who, where int) {
	if p.testNext(what) {
		return
	}
	if where == p.lx.line {
		p.expected(what)
	}
	p.fail(fmt.Sprintf("'%s' expected (to close '%s' at line %d)", tokenText(what), tokenText(who), where))
}

func (p *parser) checkName() string {
	p.check(tkName)
	name := p.name
	p.advance()
	return name
}

func (p *parser) enterLevel() {
	p.level++
	if p.level > maxLevels {
		p.lx.fail("chunk has too many syntax levels", 0)
	}
}

func (p *parser) leaveLevel() { p.level-- }

// errorLimit raises Lua's "... has more than N ..." error for function
// fs.
func (p *parser) errorLimit(fs *funcState, limit int, what string) {
	if fs.linedefined == 0 {
		p.lx.fail(fmt.Sprintf("main function has more than %d %s", limit, what), 0)
	}
	p.lx.fail(fmt.Sprintf("function at line %d has more than %d %s", fs.linedefined, limit, what), 0)
}

func (p *parser) openFunc(line int) {
	p.fs = &funcState{prev: p.fs, linedefined: line}
}

func (p *parser) closeFunc() { p.fs = p.fs.prev }

// newLocal declares the n-th pending local of a statement.
func (p *parser) newLocal(name string, n int) {
	fs := p.fs
	if fs.nactvar+n+1 > maxVars {
		p.errorLimit(fs, maxVars, "local variables")
	}
	for len(fs.actvar) <= fs.nactvar+n {
		fs.actvar = append(fs.actvar, "")
	}
	fs.actvar[fs.nactvar+n] = name
}

// activate makes the n pending locals visible.
func (p *parser) activate(n int) {
	p.fs.nactvar += n
}

func (p *parser) enterBlock(breakable bool) {
	p.fs.bl = &block{prev: p.fs.bl, nactvar: p.fs.nactvar, breakable: breakable}
}

func (p *parser) leaveBlock() {
	fs := p.fs
	fs.nactvar = fs.bl.nactvar
	fs.actvar = fs.actvar[:fs.nactvar]
	fs.bl = fs.bl.prev
}

// resolve looks name up from function fs outwards: a local, an upvalue
// (counted against the limit), or a global.
func (p *parser) resolve(fs *funcState, name string) (ref varRef, global bool) {
	if fs == nil {
		return varRef{}, true
	}
	for i := fs.nactvar - 1; i >= 0; i-- {
		if fs.actvar[i] == name {
			return varRef{index: i}, false
		}
	}
	outer, global := p.resolve(fs.prev, name)
	if global {
		return varRef{}, true
	}
	for i, u := range fs.upvals {
		if u == outer {
			return varRef{upval: true, index: i}, false
		}
	}
	if len(fs.upvals)+1 > maxUpvalues {
		p.errorLimit(fs, maxUpvalues, "upvalues")
	}
	fs.upvals = append(fs.upvals, outer)
	return varRef{upval: true, index: len(fs.upvals) - 1}, false
}

func (p *parser) singleVar() int {
	name := p.checkName()
	ref, global := p.resolve(p.fs, name)
	if !global && !ref.upval {
		return expLocal
	}
	return expVar
}

func blockFollow(t int) bool {
	switch t {
	case tkElse, tkElseif, tkEnd, tkUntil, tkEOS:
		return true
	}
	return false
}

func (p *parser) chunk() {
	p.enterLevel()
	for last := false; !last && !blockFollow(p.t); {
		last = p.statement()
		p.testNext(';')
	}
	p.leaveLevel()
}

func (p *parser) block() {
	p.enterBlock(false)
	p.chunk()
	p.leaveBlock()
}

// statement parses one statement and reports whether it must be the
// last of its block (return, break).
func (p *parser) statement() bool {
	line := p.lx.line
	switch p.t {
	case tkIf:
		p.testThenBlock()
		for p.t == tkElseif {
			p.testThenBlock()
		}
		if p.testNext(tkElse) {
			p.block()
		}
		p.checkMatch(tkEnd, tkIf, line)
	case tkWhile:
		p.advance()
		p.expr()
		p.enterBlock(true)
		p.checkNext(tkDo)
		p.block()
		p.checkMatch(tkEnd, tkWhile, line)
		p.leaveBlock()
	case tkDo:
		p.advance()
		p.block()
		p.checkMatch(tkEnd, tkDo, line)
	case tkFor:
		p.forStat(line)
	case tkRepeat:
		p.enterBlock(true)
		p.enterBlock(false)
		p.advance()
		p.chunk()
		p.checkMatch(tkUntil, tkRepeat, line)
		p.expr()
		p.leaveBlock()
		p.leaveBlock()
	case tkFunction:
		p.advance()
		p.singleVar()
		needSelf := false
		for p.t == '.' {
			p.advance()
			p.checkName()
		}
		if p.t == ':' {
			needSelf = true
			p.advance()
			p.checkName()
		}
		p.body(needSelf, line)
	case tkLocal:
		p.advance()
		if p.testNext(tkFunction) {
			p.newLocal(p.checkName(), 0)
			p.activate(1)
			p.body(false, p.lx.line)
			break
		}
		n := 0
		for {
			p.newLocal(p.checkName(), n)
			n++
			if !p.testNext(',') {
				break
			}
		}
		if p.testNext('=') {
			p.exprList()
		}
		p.activate(n)
	case tkReturn:
		p.advance()
		if !blockFollow(p.t) && p.t != ';' {
			p.exprList()
		}
		return true
	case tkBreak:
		p.advance()
		bl := p.fs.bl
		for bl != nil && !bl.breakable {
			bl = bl.prev
		}
		if bl == nil {
			p.fail("no loop to break")
		}
		return true
	default:
		if kind := p.primaryExp(); kind != expCall {
			p.assignment(kind, 1)
		}
	}
	return false
}

func (p *parser) testThenBlock() {
	p.advance()
	p.expr()
	p.checkNext(tkThen)
	p.block()
}

func (p *parser) forStat(line int) {
	p.enterBlock(true)
	p.advance()
	name := p.checkName()
	switch p.t {
	case '=':
		p.newLocal("(for index)", 0)
		p.newLocal("(for limit)", 1)
		p.newLocal("(for step)", 2)
		p.newLocal(name, 3)
		p.advance()
		p.expr()
		p.checkNext(',')
		p.expr()
		if p.testNext(',') {
			p.expr()
		}
		p.forBody(1)
	case ',', tkIn:
		p.newLocal("(for generator)", 0)
		p.newLocal("(for state)", 1)
		p.newLocal("(for control)", 2)
		p.newLocal(name, 3)
		n := 4
		for p.testNext(',') {
			p.newLocal(p.checkName(), n)
			n++
		}
		p.checkNext(tkIn)
		p.exprList()
		p.forBody(n - 3)
	default:
		p.fail("'=' or 'in' expected")
	}
	p.checkMatch(tkEnd, tkFor, line)
	p.leaveBlock()
}

func (p *parser) forBody(nvars int) {
	p.activate(3)
	p.checkNext(tkDo)
	p.enterBlock(false)
	p.activate(nvars)
	p.block()
	p.leaveBlock()
}

// assignment parses the rest of an assignment whose first nvars
// targets were read, the last of kind kind.
func (p *parser) assignment(kind, nvars int) {
	if kind != expVar && kind != expLocal {
		p.fail("syntax error")
	}
	if p.testNext(',') {
		next := p.primaryExp()
		if limit := maxLevels - p.level; nvars > limit {
			p.errorLimit(p.fs, limit, "variables in assignment")
		}
		p.assignment(next, nvars+1)
		return
	}
	p.checkNext('=')
	p.exprList()
}

func (p *parser) body(needSelf bool, line int) {
	p.openFunc(line)
	p.checkNext('(')
	n := 0
	if needSelf {
		p.newLocal("self", 0)
		p.activate(1)
	}
	if p.t != ')' {
		for {
			switch p.t {
			case tkName:
				p.newLocal(p.checkName(), n)
				n++
			case tkDots:
				p.advance()
				p.newLocal("arg", n)
				n++
				p.fs.vararg = true
			default:
				p.fail("<name> or '...' expected")
			}
			if p.fs.vararg || !p.testNext(',') {
				break
			}
		}
	}
	p.activate(n)
	p.checkNext(')')
	p.chunk()
	p.checkMatch(tkEnd, tkFunction, line)
	p.closeFunc()
}

func (p *parser) exprList() {
	p.expr()
	for p.testNext(',') {
		p.expr()
	}
}

func (p *parser) primaryExp() int {
	var kind int
	switch p.t {
	case '(':
		line := p.lx.line
		p.advance()
		p.expr()
		p.checkMatch(')', '(', line)
		kind = expOther
	case tkName:
		kind = p.singleVar()
	default:
		p.fail("unexpected symbol")
	}
	for {
		switch p.t {
		case '.':
			p.advance()
			p.checkName()
			kind = expVar
		case '[':
			p.advance()
			p.expr()
			p.checkNext(']')
			kind = expVar
		case ':':
			p.advance()
			p.checkName()
			p.funcArgs()
			kind = expCall
		case '(', tkString, '{':
			p.funcArgs()
			kind = expCall
		default:
			return kind
		}
	}
}

func (p *parser) funcArgs() {
	line := p.lx.line
	switch p.t {
	case '(':
		if line != p.lastline {
			p.fail("ambiguous syntax (function call x new statement)")
		}
		p.advance()
		if p.t != ')' {
			p.exprList()
		}
		p.checkMatch(')', '(', line)
	case '{':
		p.constructor()
	case tkString:
		p.advance()
	default:
		p.fail("function arguments expected")
	}
}

// maxListItems is how many positional items gopher-lua's compiler can
// put in one table constructor (511 SETLIST batches of 50); Lua has no
// such limit, but beyond it gopher-lua builds a wrong table.
const maxListItems = 511 * 50

func (p *parser) constructor() {
	line := p.lx.line
	p.checkNext('{')
	items := 0
	listItem := func() {
		p.expr()
		if items++; items > maxListItems {
			p.fail("function or expression too complex")
		}
	}
	for p.t != '}' {
		switch p.t {
		case tkName:
			p.lookahead()
			if p.ahead != '=' {
				listItem()
			} else {
				p.checkName()
				p.checkNext('=')
				p.expr()
			}
		case '[':
			p.advance()
			p.expr()
			p.checkNext(']')
			p.checkNext('=')
			p.expr()
		default:
			listItem()
		}
		if !p.testNext(',') && !p.testNext(';') {
			break
		}
	}
	p.checkMatch('}', '{', line)
}

func (p *parser) simpleExp() {
	switch p.t {
	case tkNumber, tkString, tkNil, tkTrue, tkFalse:
		p.advance()
	case tkDots:
		if !p.fs.vararg {
			p.fail("cannot use '...' outside a vararg function")
		}
		p.advance()
	case '{':
		p.constructor()
	case tkFunction:
		p.advance()
		p.body(false, p.lx.line)
	default:
		p.primaryExp()
	}
}

// binaryPriority returns the left and right priorities of a binary
// operator token, or ok false.
func binaryPriority(t int) (left, right int, ok bool) {
	switch t {
	case '+', '-':
		return 6, 6, true
	case '*', '/', '%':
		return 7, 7, true
	case '^':
		return 10, 9, true
	case tkConcat:
		return 5, 4, true
	case tkEq, tkNe, '<', tkLe, '>', tkGe:
		return 3, 3, true
	case tkAnd:
		return 2, 2, true
	case tkOr:
		return 1, 1, true
	}
	return 0, 0, false
}

const unaryPriority = 8

func (p *parser) expr() { p.subExpr(0) }

// subExpr parses operators binding tighter than limit and returns the
// first operator token it did not consume.
func (p *parser) subExpr(limit int) int {
	p.enterLevel()
	if p.t == tkNot || p.t == '-' || p.t == '#' {
		p.advance()
		p.subExpr(unaryPriority)
	} else {
		p.simpleExp()
	}
	op := p.t
	for {
		left, right, ok := binaryPriority(op)
		if !ok || left <= limit {
			break
		}
		p.advance()
		op = p.subExpr(right)
	}
	p.leaveLevel()
	return op
}
