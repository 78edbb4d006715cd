package engine

import (
	"bytes"
	"math"
	"slices"
	"strconv"
)

// SORT and SORT_RO. Their BY and GET patterns name keys computed from the
// elements being sorted, so both run with the namespace locked exclusively.
var sortCommands = []*Command{
	{Name: "sort", Arity: -2, Flags: Write | DenyOOM | Exclusive, First: 1, Last: 1, Step: 1, Keys: sortKeys, Group: "generic", Run: cmdSort},
	{Name: "sort_ro", Arity: -2, Flags: ReadOnly | Exclusive, First: 1, Last: 1, Step: 1, Group: "generic", Run: cmdSortRO},
}

func cmdSort(c *Ctx)   { c.sortGeneric(false) }
func cmdSortRO(c *Ctx) { c.sortGeneric(true) }

// sortItem is one element of the vector being sorted: the element, its
// numeric weight, and for ALPHA with BY the looked-up comparison string.
type sortItem struct {
	obj    []byte
	score  float64
	cmp    []byte
	hasCmp bool
}

// sortOpts are the parsed options of one SORT call.
type sortOpts struct {
	desc, alpha, dontsort bool
	start, count          int64
	by, store             []byte
	hasStore              bool
	gets                  [][]byte
}

// parseSort parses the options after the key as sortCommandGeneric does,
// replying the error itself when it fails.
func (c *Ctx) parseSort(readonly bool) (o sortOpts, ok bool) {
	o.count = -1
	args := c.Args
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		a := args[j]
		switch {
		case optIs(a, "asc"):
			o.desc = false
		case optIs(a, "desc"):
			o.desc = true
		case optIs(a, "alpha"):
			o.alpha = true
		case optIs(a, "limit") && left >= 2:
			s, ok1 := parseStrictInt(args[j+1])
			if !ok1 {
				c.Error(ErrNotInt)
				return o, false
			}
			n, ok2 := parseStrictInt(args[j+2])
			if !ok2 {
				c.Error(ErrNotInt)
				return o, false
			}
			o.start, o.count = s, n
			j += 2
		case !readonly && optIs(a, "store") && left >= 1:
			o.store, o.hasStore = args[j+1], true
			j++
		case optIs(a, "by") && left >= 1:
			o.by = args[j+1]
			// A constant pattern needs no sorting nor weight lookups.
			o.dontsort = o.dontsort || bytes.IndexByte(cstr(o.by), '*') < 0
			j++
		case optIs(a, "get") && left >= 1:
			o.gets = append(o.gets, args[j+1])
			j++
		default:
			c.Error(ErrSyntax)
			return o, false
		}
	}
	return o, true
}

// sortLookup resolves a BY or GET pattern for the element subst as
// lookupKeyByPattern does: "#" is the element itself, the first '*' is
// replaced by the element, and a "->field" suffix after it reads a hash
// field. ok is false when nothing is found (or the value has the wrong
// type, or the pattern has no '*'). buf is scratch space for the key.
func (c *Ctx) sortLookup(pat, subst []byte, buf *[]byte) (val []byte, ok bool) {
	cp := cstr(pat)
	if len(cp) == 1 && cp[0] == '#' {
		return subst, true
	}
	star := bytes.IndexByte(cp, '*')
	if star < 0 {
		return nil, false
	}
	var field []byte
	keyEnd := len(pat)
	if f := bytes.Index(cp[star+1:], []byte("->")); f >= 0 {
		f += star + 1
		if f+2 < len(cp) {
			field = pat[f+2:]
			keyEnd = f
		}
	}
	key := append((*buf)[:0], pat[:star]...)
	key = append(key, subst...)
	key = append(key, pat[star+1:keyEnd]...)
	*buf = key
	e := c.Lookup(key)
	if e == nil {
		return nil, false
	}
	if field != nil {
		h, isHash := e.Val.val().(*Hash)
		if !isHash {
			return nil, false
		}
		v, found := h.get(field, c.nowMs)
		if !found {
			return nil, false
		}
		return unsafeBytes(v), true
	}
	return stringBytes(e.Val.val(), nil)
}

// sortWeight converts a weight as SORT's strtod check does: the empty
// string is 0, leading white space is skipped, and anything left over,
// NaN or an out-of-range value is an error.
func sortWeight(b []byte) (float64, bool) {
	b = cstr(b)
	if len(b) == 0 {
		return 0, true
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	if i == len(b) {
		return 0, false
	}
	v, ok := ParseDouble(b[i:])
	if !ok || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

func (c *Ctx) sortGeneric(readonly bool) {
	o, ok := c.parseSort(readonly)
	if !ok {
		return
	}
	var val any
	if e := c.Lookup(c.Args[1]); e != nil {
		val = e.Val.val()
	}
	var n int
	switch v := val.(type) {
	case nil:
	case *List:
		n = v.Len()
	case *Set:
		n = v.Len()
		if o.dontsort && o.hasStore {
			// A stored set result must not depend on the set's
			// internal order: sort it alphabetically.
			o.dontsort, o.alpha, o.by = false, true, nil
		}
	case *ZSet:
		n = v.Len()
		c.zsetToSkiplist(c.Args[1], v) // Valkey converts the set to a skiplist here
	default:
		c.Error(ErrWrongType)
		return
	}

	// LIMIT, clamped to the vector's length as Valkey does.
	vlen := int64(n)
	start := min(max(o.start, 0), vlen)
	cnt := min(max(o.count, -1), vlen)
	end := vlen - 1
	if cnt >= 0 {
		end = start + cnt - 1
	}
	if start >= vlen {
		start, end = vlen-1, vlen-2
	}
	end = min(end, vlen-1)

	var vec []sortItem
	switch v := val.(type) {
	case *List:
		if o.dontsort {
			if end >= start {
				k := int(end - start + 1)
				vec = make([]sortItem, 0, k)
				from := int(start)
				if o.desc {
					from = n - int(start) - 1
				}
				v.Range(from, k, o.desc, func(b []byte) bool {
					vec = append(vec, sortItem{obj: b})
					return true
				})
				end -= start
				start = 0
			}
		} else {
			vec = make([]sortItem, 0, n)
			v.Range(0, n, false, func(b []byte) bool {
				vec = append(vec, sortItem{obj: b})
				return true
			})
		}
	case *Set:
		vec = make([]sortItem, 0, n)
		v.each(func(e setElem) bool {
			if e.isInt {
				vec = append(vec, sortItem{obj: strconv.AppendInt(nil, e.i, 10)})
			} else {
				vec = append(vec, sortItem{obj: unsafeBytes(e.s)})
			}
			return true
		})
	case *ZSet:
		if o.dontsort {
			if end >= start {
				k := int(end - start + 1)
				vec = make([]sortItem, 0, k)
				x := v.atRank(int(start))
				if o.desc {
					x = v.atRank(n - 1 - int(start))
				}
				for ; k > 0 && x.valid(); k-- {
					vec = append(vec, sortItem{obj: unsafeBytes(x.member)})
					x.step(o.desc)
				}
				end -= start
				start = 0
			}
		} else {
			vec = make([]sortItem, 0, n)
			for x := v.first(); x.valid(); x.next() {
				vec = append(vec, sortItem{obj: unsafeBytes(x.member)})
			}
		}
	}

	// keyBuf holds the pattern keys built for lookups, reused.
	var keyBuf []byte
	convErr := false
	if !o.dontsort {
		for i := range vec {
			it := &vec[i]
			w := it.obj
			if o.by != nil {
				var found bool
				if w, found = c.sortLookup(o.by, it.obj, &keyBuf); !found {
					continue
				}
			}
			if o.alpha {
				if o.by != nil {
					it.cmp, it.hasCmp = w, true
				}
				continue
			}
			s, good := sortWeight(w)
			if !good {
				convErr = true
			}
			it.score = s
		}
		byPattern := o.by != nil
		slices.SortFunc(vec, func(a, b sortItem) int {
			return sortCompare(&a, &b, o.alpha, byPattern, o.desc)
		})
	}

	if convErr {
		c.Error(ErrSortScore)
		return
	}
	rows := end - start + 1
	if rows < 0 {
		rows = 0
	}
	outlen := rows
	if len(o.gets) > 0 {
		outlen = rows * int64(len(o.gets))
	}
	if !o.hasStore {
		c.R.Array(int(outlen))
		for j := start; j <= end; j++ {
			it := &vec[j]
			if len(o.gets) == 0 {
				c.R.Bulk(it.obj)
			}
			for _, g := range o.gets {
				if b, found := c.sortLookup(g, it.obj, &keyBuf); found {
					c.R.Bulk(b)
				} else {
					c.R.Null()
				}
			}
		}
		return
	}
	elems := make([][]byte, 0, outlen)
	for j := start; j <= end; j++ {
		it := &vec[j]
		if len(o.gets) == 0 {
			elems = append(elems, bytes.Clone(it.obj))
			continue
		}
		for _, g := range o.gets {
			b, _ := c.sortLookup(g, it.obj, &keyBuf)
			elems = append(elems, append([]byte{}, b...))
		}
	}
	if outlen > 0 {
		fill := c.listFill()
		l := &List{quick: true}
		for _, b := range elems {
			l.Push(b, false, fill)
		}
		l.sortStoreConvert(fill)
		c.SetValue(o.store, l, false) // counts one change
		c.Modified(o.store)
		c.Notify(NotifyList, "sortstore", o.store)
		c.Dirty(outlen - 1)
	} else if c.Delete(o.store) {
		c.Modified(o.store)
		c.Notify(NotifyGeneric, "del", o.store)
	}
	c.R.Int(outlen)
}

// sortStoreConvert turns a freshly built quicklist into a listpack when it
// fits one node's limits (listTypeTryConversion with LIST_CONV_AUTO).
func (l *List) sortStoreConvert(fill int64) {
	if !l.quick || l.nodes != 1 || l.head.plain {
		return
	}
	szLimit, countLimit := qlNodeLimit(fill)
	if l.head.sz > szLimit || l.n > countLimit {
		return
	}
	l.quick = false
}

// sortCompare orders two items as Valkey's sortCompare: numeric weights
// with ties broken by the elements' bytes, or ALPHA on the BY strings
// (missing ones first) or on the elements themselves.
func sortCompare(a, b *sortItem, alpha, byPattern, desc bool) int {
	var r int
	switch {
	case !alpha:
		switch {
		case a.score > b.score:
			r = 1
		case a.score < b.score:
			r = -1
		default:
			r = bytes.Compare(a.obj, b.obj)
		}
	case byPattern:
		switch {
		case !a.hasCmp || !b.hasCmp:
			switch {
			case a.hasCmp == b.hasCmp:
				r = 0
			case !a.hasCmp:
				r = -1
			default:
				r = 1
			}
		default:
			r = bytes.Compare(a.cmp, b.cmp)
		}
	default:
		r = bytes.Compare(a.obj, b.obj)
	}
	if desc {
		return -r
	}
	return r
}

// sortKeys is Valkey's sortGetKeys: the sorted key and the last STORE
// destination, found by skipping LIMIT's two arguments and GET's and BY's
// one (an unknown word is taken to have none).
func sortKeys(args [][]byte) []int {
	keys := []int{1}
	store := 0
	for i := 2; i < len(args); i++ {
		switch {
		case optIs(args[i], "limit"):
			i += 2
		case optIs(args[i], "get"), optIs(args[i], "by"):
			i++
		case optIs(args[i], "store") && i+1 < len(args):
			store = i + 1
		}
	}
	if store > 0 {
		keys = append(keys, store)
	}
	return keys
}
