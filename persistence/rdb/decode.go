package rdb

import (
	"math"

	"github.com/flect-kv/flect/engine"
)

// maxStringLen bounds a decompressed string (proto-max-bulk-len's
// ceiling).
const maxStringLen = 512 << 20

// ReadValue decodes one serialized value (an RDB type byte and object, as
// in a DUMP payload without its footer) into a new value for node n,
// built with the encodings Valkey's loader picks under n's configuration.
// It returns the value and the bytes it consumed; any malformed input,
// empty collection or module value is ErrBadData. The value shares no
// memory with data.
func ReadValue(n *engine.Node, data []byte) (any, int, error) {
	r := &reader{b: data, maxString: maxStringLen}
	t, err := r.byte()
	if err != nil {
		return nil, 0, err
	}
	v, err := readObject(n, r, t)
	if err != nil {
		return nil, 0, ErrBadData
	}
	return v, r.p, nil
}

func readObject(n *engine.Node, r *reader, t byte) (any, error) {
	switch t {
	case TypeString:
		s, err := r.string()
		if err != nil {
			return nil, err
		}
		return engine.NewStringValue(s), nil
	case TypeList, TypeSet:
		cnt, err := r.count(1)
		if err != nil || cnt == 0 {
			return nil, ErrBadData
		}
		elems := make([][]byte, 0, cnt)
		for range cnt {
			s, err := r.string()
			if err != nil {
				return nil, err
			}
			elems = append(elems, s)
		}
		if t == TypeList {
			return buildList(n, elems, false), nil
		}
		return buildSet(n, elems)
	case TypeListZiplist:
		es, err := r.container(parseZiplist)
		if err != nil {
			return nil, err
		}
		return buildList(n, entryBytes(es), true), nil
	case TypeListQuicklist, TypeListQuicklist2:
		return readQuicklist(n, r, t == TypeListQuicklist2)
	case TypeSetIntset:
		s, err := r.string()
		if err != nil {
			return nil, err
		}
		ints, ok := parseIntset(s)
		if !ok {
			return nil, ErrBadData
		}
		return engine.NewSetOfInts(n, ints), nil
	case TypeSetListpack:
		es, err := r.container(parseListpack)
		if err != nil {
			return nil, err
		}
		members := entryBytes(es)
		if !distinct(members, 1) {
			return nil, ErrBadData
		}
		return engine.NewSetOfListpack(n, members), nil
	case TypeZSet, TypeZSet2:
		return readZSet(n, r, t == TypeZSet2)
	case TypeZSetZiplist, TypeZSetListpack:
		parse := parseListpack
		if t == TypeZSetZiplist {
			parse = parseZiplist
		}
		es, err := r.container(parse)
		if err != nil || len(es)%2 != 0 {
			return nil, ErrBadData
		}
		return buildZSetPairs(n, entryBytes(es))
	case TypeHash, TypeHash2:
		return readHash(n, r, t == TypeHash2)
	case TypeHashZipmap:
		s, err := r.string()
		if err != nil {
			return nil, err
		}
		kv, ok := parseZipmap(s)
		if !ok {
			return nil, ErrBadData
		}
		return buildHashPairs(n, kv)
	case TypeHashZiplist, TypeHashListpack:
		parse := parseListpack
		if t == TypeHashZiplist {
			parse = parseZiplist
		}
		es, err := r.container(parse)
		if err != nil || len(es)%2 != 0 {
			return nil, ErrBadData
		}
		return buildHashPairs(n, entryBytes(es))
	case TypeStreamListpacks, TypeStreamListpacks2, TypeStreamListpacks3:
		return readStream(n, r, t)
	}
	// Module values (6, 7) and unknown types.
	return nil, ErrBadData
}

// container reads a string holding a listpack or ziplist and parses it.
func (r *reader) container(parse func([]byte) ([]lpEntry, bool)) ([]lpEntry, error) {
	s, err := r.string()
	if err != nil {
		return nil, err
	}
	es, ok := parse(s)
	if !ok || len(es) == 0 {
		return nil, ErrBadData
	}
	return es, nil
}

// appendTo appends the entry as a string, formatting an integer.
func (e *lpEntry) appendTo(b []byte) []byte {
	if e.isInt {
		var buf [20]byte
		i := len(buf)
		u := uint64(e.i)
		neg := e.i < 0
		if neg {
			u = -u
		}
		for {
			i--
			buf[i] = byte('0' + u%10)
			u /= 10
			if u == 0 {
				break
			}
		}
		if neg {
			b = append(b, '-')
		}
		return append(b, buf[i:]...)
	}
	return append(b, e.s...)
}

// entryBytes returns copies of the entries as strings.
func entryBytes(es []lpEntry) [][]byte {
	out := make([][]byte, len(es))
	for i := range es {
		out[i] = es[i].appendTo(nil)
	}
	return out
}

// buildList builds a list from the elements of an old list type:
// RDB_TYPE_LIST's elements pushed one by one, or a whole ziplist as one
// node.
func buildList(n *engine.Node, elems [][]byte, oneNode bool) *engine.List {
	l := engine.NewList()
	fill := n.ListMaxListpackSize()
	if oneNode {
		l.LoadNode(elems, false)
	} else {
		for _, e := range elems {
			l.LoadPush(clone(e), fill)
		}
	}
	l.LoadDone(fill)
	return l
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// readQuicklist reads the nodes of a quicklist: ziplists (version 1) or
// plain elements and listpacks (version 2).
func readQuicklist(n *engine.Node, r *reader, v2 bool) (any, error) {
	nodes, err := r.count(2)
	if err != nil || nodes == 0 {
		return nil, ErrBadData
	}
	l := engine.NewList()
	fill := n.ListMaxListpackSize()
	for range nodes {
		kind := uint64(quicklistNodePacked)
		if v2 {
			k, enc, err := r.length()
			if err != nil || enc || (k != quicklistNodePlain && k != quicklistNodePacked) {
				return nil, ErrBadData
			}
			kind = k
		}
		s, err := r.string()
		if err != nil {
			return nil, err
		}
		if kind == quicklistNodePlain {
			l.LoadNode([][]byte{clone(s)}, true)
			continue
		}
		parse := parseListpack
		if !v2 {
			parse = parseZiplist
		}
		es, ok := parse(s)
		if !ok {
			return nil, ErrBadData
		}
		// Valkey skips empty nodes.
		l.LoadNode(entryBytes(es), false)
	}
	if l.Len() == 0 {
		return nil, ErrBadData
	}
	l.LoadDone(fill)
	return l, nil
}

// buildSet builds a set of elems; a repeated member is bad data.
func buildSet(n *engine.Node, elems [][]byte) (any, error) {
	s, ok := engine.NewSetFrom(n, elems)
	if !ok {
		return nil, ErrBadData
	}
	return s, nil
}

// readZSet reads RDB_TYPE_ZSET (ASCII scores) or RDB_TYPE_ZSET_2.
func readZSet(n *engine.Node, r *reader, binary bool) (any, error) {
	cnt, err := r.count(2)
	if err != nil || cnt == 0 {
		return nil, ErrBadData
	}
	members := make([][]byte, 0, cnt)
	scores := make([]float64, 0, cnt)
	maxLen := 0
	for range cnt {
		m, err := r.string()
		if err != nil {
			return nil, err
		}
		var f float64
		if binary {
			f, err = r.binaryDouble()
		} else {
			f, err = r.oldDouble()
		}
		if err != nil || math.IsNaN(f) {
			return nil, ErrBadData
		}
		members = append(members, m)
		scores = append(scores, f)
		maxLen = max(maxLen, len(m))
	}
	z := engine.NewZSetFor(n, cnt, maxLen)
	// Members come from the highest down: loaded from the lowest up, a
	// listpack's entries are appended.
	for i := len(members) - 1; i >= 0; i-- {
		if !z.Load(members[i], scores[i]) {
			return nil, ErrBadData
		}
	}
	return z, nil
}

// buildZSetPairs builds a sorted set from member/score-string pairs.
func buildZSetPairs(n *engine.Node, kv [][]byte) (any, error) {
	// Valkey keeps a loaded listpack as it is unless it holds too many
	// entries.
	z := engine.NewZSetFor(n, len(kv)/2, 0)
	for i := 0; i < len(kv); i += 2 {
		f, ok := engine.ParseDouble(kv[i+1])
		if !ok || !z.Load(kv[i], f) {
			return nil, ErrBadData
		}
	}
	return z, nil
}

// readHash reads RDB_TYPE_HASH or Valkey 9's RDB_TYPE_HASH_2.
func readHash(n *engine.Node, r *reader, ttls bool) (any, error) {
	minBytes := 2
	if ttls {
		minBytes = 10
	}
	cnt, err := r.count(minBytes)
	if err != nil || cnt == 0 {
		return nil, ErrBadData
	}
	// Valkey starts a hashtable for too many fields (or any deadline),
	// else a listpack that converts once a field or value is too long.
	kv := make([][]byte, 0, 2*cnt)
	ats := make([]int64, 0, cnt)
	listpack := int64(cnt) <= n.HashMaxListpackEntries() && !ttls
	for range cnt {
		f, err := r.string()
		if err != nil {
			return nil, err
		}
		v, err := r.string()
		if err != nil {
			return nil, err
		}
		var at int64
		if ttls {
			if at, err = r.ms(); err != nil {
				return nil, err
			}
			switch {
			case at == -1:
				at = 0
			case at <= 0:
				at = 1 // a deadline long past
			}
		}
		if int64(len(f)) > n.HashMaxListpackValue() || int64(len(v)) > n.HashMaxListpackValue() {
			listpack = false
		}
		kv = append(kv, f, v)
		ats = append(ats, at)
	}
	return buildHash(kv, ats, listpack)
}

// buildHashPairs builds a hash from the field/value pairs of a listpack,
// ziplist or zipmap, kept a listpack unless it holds more than
// hash-max-listpack-entries fields.
func buildHashPairs(n *engine.Node, kv [][]byte) (any, error) {
	if len(kv) == 0 {
		return nil, ErrBadData
	}
	return buildHash(kv, nil, int64(len(kv)/2) <= n.HashMaxListpackEntries())
}

// buildHash builds a hash of distinct fields with their deadlines (nil for
// none) in the encoding chosen.
func buildHash(kv [][]byte, ats []int64, listpack bool) (any, error) {
	if !distinct(kv, 2) {
		return nil, ErrBadData
	}
	h := engine.NewHash()
	if !listpack {
		h.ConvertToHashtable()
	}
	for i := 0; i < len(kv); i += 2 {
		var at int64
		if ats != nil {
			at = ats[i/2]
		}
		if !h.Load(string(kv[i]), string(kv[i+1]), at) {
			return nil, ErrBadData
		}
	}
	return h, nil
}

// distinct reports whether the elements at 0, step, 2*step ... differ.
func distinct(elems [][]byte, step int) bool {
	seen := make(map[string]struct{}, len(elems)/step)
	for i := 0; i < len(elems); i += step {
		if _, dup := seen[string(elems[i])]; dup {
			return false
		}
		seen[string(elems[i])] = struct{}{}
	}
	return true
}
