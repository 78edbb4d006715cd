package script

import (
	lua "github.com/yuin/gopher-lua"
)

// The table library of Lua 5.1 (Valkey's build: no getn compatibility,
// setn obsolete). Functions that write refuse read-only tables; those
// that read see through their proxies. table.sort is Lua's own quicksort,
// so that ties and inconsistent comparators give the same order and
// errors as in Valkey.

// tableLib returns the table table.
func (v *vm) tableLib() *lua.LTable {
	L := v.L
	t := L.NewTable()
	fns := map[string]lua.LGFunction{
		"concat":   v.tabConcat,
		"foreach":  v.tabForeach,
		"foreachi": v.tabForeachi,
		"getn":     func(L *lua.LState) int { L.Push(lua.LNumber(v.tableArg(L).Len())); return 1 },
		"maxn":     v.tabMaxn,
		"insert":   v.tabInsert,
		"remove":   v.tabRemove,
		"setn":     func(L *lua.LState) int { checkTable(L, 1); raise(L, "'setn' is obsolete"); return 0 },
		"sort":     v.tabSort,
	}
	for name, fn := range fns {
		t.RawSetString(name, L.NewFunction(fn))
	}
	return t
}

// tableArg returns argument 1, a table, seen through its proxy.
func (v *vm) tableArg(L *lua.LState) *lua.LTable {
	t := checkTable(L, 1)
	if real := v.prot.real(t); real != nil {
		return real
	}
	return t
}

// writable fails if argument 1 is a read-only table.
func (v *vm) writable(L *lua.LState) {
	if v.prot.isProtected(L.Get(1)) {
		raiseReadonly(L)
	}
}

func (v *vm) tabConcat(L *lua.LState) int {
	sep := optString(L, 2, "")
	t := v.tableArg(L)
	i := optInt(L, 3, 1)
	last := 0
	if isNoneOrNil(L, 4) {
		last = t.Len()
	} else {
		last = checkInt(L, 4)
	}
	var b []byte
	add := func(i int) {
		val := t.RawGetInt(i)
		s, ok := toString(val)
		if !ok {
			raise(L, "invalid value (%s) at index %d in table for 'concat'", val.Type().String(), i)
		}
		b = append(b, s...)
		if max := v.c.opts.MaxMemory; max > 0 && int64(len(b)) > max {
			L.Error(lua.LString(msgNoMemory), 0)
		}
	}
	for ; i < last; i++ {
		add(i)
		b = append(b, sep...)
	}
	if i == last {
		add(i)
	}
	L.Push(lua.LString(b))
	return 1
}

func (v *vm) tabForeach(L *lua.LState) int {
	t := v.tableArg(L)
	f := checkFunction(L, 2)
	for k, val := t.Next(lua.LNil); k != lua.LNil; k, val = t.Next(k) {
		if r := v.call(L, f, 1, k, val)[0]; r != lua.LNil {
			L.Push(r)
			return 1
		}
	}
	return 0
}

func (v *vm) tabForeachi(L *lua.LState) int {
	t := v.tableArg(L)
	f := checkFunction(L, 2)
	n := t.Len()
	for i := 1; i <= n; i++ {
		if r := v.call(L, f, 1, lua.LNumber(i), t.RawGetInt(i))[0]; r != lua.LNil {
			L.Push(r)
			return 1
		}
	}
	return 0
}

func (v *vm) tabMaxn(L *lua.LState) int {
	t := v.tableArg(L)
	max := 0.0
	for k, _ := t.Next(lua.LNil); k != lua.LNil; k, _ = t.Next(k) {
		if n, ok := k.(lua.LNumber); ok && float64(n) > max {
			max = float64(n)
		}
	}
	L.Push(lua.LNumber(max))
	return 1
}

func (v *vm) tabInsert(L *lua.LState) int {
	t := v.tableArg(L)
	e := t.Len() + 1
	pos := e
	switch L.GetTop() {
	case 2:
	case 3:
		pos = checkInt(L, 2)
		if pos > e {
			e = pos
		}
		v.writable(L)
		for i := e; i > pos; i-- {
			t.RawSetInt(i, t.RawGetInt(i-1))
		}
	default:
		raise(L, "wrong number of arguments to 'insert'")
	}
	v.writable(L)
	t.RawSetInt(pos, L.Get(L.GetTop()))
	return 0
}

func (v *vm) tabRemove(L *lua.LState) int {
	t := v.tableArg(L)
	e := t.Len()
	pos := optInt(L, 2, e)
	if pos < 1 || pos > e {
		return 0
	}
	v.writable(L)
	L.Push(t.RawGetInt(pos))
	for ; pos < e; pos++ {
		t.RawSetInt(pos, t.RawGetInt(pos+1))
	}
	t.RawSetInt(e, lua.LNil)
	return 1
}

// sorter is one table.sort call.
type sorter struct {
	v   *vm
	L   *lua.LState
	t   *lua.LTable
	ro  bool
	cmp lua.LValue // nil: the < operator
}

func (v *vm) tabSort(L *lua.LState) int {
	t := v.tableArg(L)
	n := t.Len()
	s := &sorter{v: v, L: L, t: t, ro: v.prot.isProtected(L.Get(1))}
	if !isNoneOrNil(L, 2) {
		s.cmp = checkFunction(L, 2)
	}
	s.sort(1, n)
	return 0
}

func (s *sorter) get(i int) lua.LValue { return s.t.RawGetInt(i) }

func (s *sorter) set(i int, val lua.LValue) {
	if s.ro {
		raiseReadonly(s.L)
	}
	s.t.RawSetInt(i, val)
}

// swap exchanges a[i] and a[j].
func (s *sorter) swap(i, j int) {
	a, b := s.get(i), s.get(j)
	s.set(i, b)
	s.set(j, a)
}

// less is sort_comp: the comparator, or Lua's < on numbers and strings.
func (s *sorter) less(a, b lua.LValue) bool {
	if s.cmp != nil {
		return lua.LVAsBool(s.v.call(s.L, s.cmp, 1, a, b)[0])
	}
	return s.v.lessThan(s.L, a, b)
}

// sort sorts a[l..u] with Lua 5.1's quicksort: median of three, pivot
// moved to u-1, recursion on the smaller half.
func (s *sorter) sort(l, u int) {
	for l < u {
		if s.less(s.get(u), s.get(l)) {
			s.swap(l, u)
		}
		if u-l == 1 {
			break
		}
		i := (l + u) / 2
		if s.less(s.get(i), s.get(l)) {
			s.swap(i, l)
		} else if s.less(s.get(u), s.get(i)) {
			s.swap(i, u)
		}
		if u-l == 2 {
			break
		}
		p := s.get(i)
		s.swap(i, u-1)
		i, j := l, u-1
		for {
			for i++; s.less(s.get(i), p); i++ {
				if i > u {
					raise(s.L, "invalid order function for sorting")
				}
			}
			for j--; s.less(p, s.get(j)); j-- {
				if j < l {
					raise(s.L, "invalid order function for sorting")
				}
			}
			if j < i {
				break
			}
			s.swap(i, j)
		}
		s.swap(u-1, i)
		if i-l < u-i {
			j, i, l = l, i-1, i+1
		} else {
			j, i, u = i+1, u, i-1
		}
		s.sort(j, i)
	}
}

// lessThan is Lua's < for the default sort order: numbers and strings
// compare, other values need the same __lt metamethod.
func (v *vm) lessThan(L *lua.LState, a, b lua.LValue) bool {
	if a.Type() == b.Type() {
		switch x := a.(type) {
		case lua.LNumber:
			return x < b.(lua.LNumber)
		case lua.LString:
			return x < b.(lua.LString)
		}
		tm1 := L.GetMetaField(a, "__lt")
		if tm1 != lua.LNil && tm1 == L.GetMetaField(b, "__lt") {
			return lua.LVAsBool(v.call(L, tm1, 1, a, b)[0])
		}
	}
	L.Error(lua.LString(compareError(a.Type().String(), b.Type().String())), 0)
	return false
}

// compareError is luaG_ordererror's message (which compares the third
// letters of the type names).
func compareError(t1, t2 string) string {
	if t1[2] == t2[2] {
		return "attempt to compare two " + t1 + " values"
	}
	return "attempt to compare " + t1 + " with " + t2
}
