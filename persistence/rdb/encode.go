package rdb

import (
	"errors"

	"github.com/flect-kv/flect/engine"
)

// errUnknownType is returned for a value the codec cannot serialize.
var errUnknownType = errors.New("rdb: value of unknown type")

// AppendValue appends the RDB type byte and serialization of v (a stored
// value read under its key's lock) to dst, as Valkey 8's rdbSaveObjectType
// and rdbSaveObject write it. Strings longer than 20 bytes are
// LZF-compressed when that saves space and compress is set
// (rdbcompression).
func AppendValue(dst []byte, v any, compress bool) ([]byte, error) {
	switch v := v.(type) {
	case int64:
		return appendInt(append(dst, TypeString), v), nil
	case *engine.List:
		return appendList(dst, v, compress), nil
	case *engine.Set:
		return appendSet(dst, v, compress), nil
	case *engine.ZSet:
		return appendZSet(dst, v, compress), nil
	case *engine.Hash:
		return appendHash(dst, v, compress), nil
	case *engine.Stream:
		return appendStream(dst, v, compress), nil
	}
	if b, ok := engine.StringValue(v); ok {
		return appendString(append(dst, TypeString), b, compress), nil
	}
	return dst, errUnknownType
}

// appendList writes RDB_TYPE_LIST_QUICKLIST_2: the node count, then each
// node as a container kind and a listpack (or a plain node's element).
// A listpack-encoded list is one packed node.
func appendList(dst []byte, l *engine.List, compress bool) []byte {
	dst = append(dst, TypeListQuicklist2)
	nodes := 0
	l.EachNode(func([][]byte, bool) bool { nodes++; return true })
	dst = appendLen(dst, uint64(nodes))
	l.EachNode(func(elems [][]byte, plain bool) bool {
		if plain {
			dst = appendLen(dst, quicklistNodePlain)
			dst = appendString(dst, elems[0], compress)
			return true
		}
		dst = appendLen(dst, quicklistNodePacked)
		size := 0
		for _, e := range elems {
			size += len(e) + 2
		}
		lp := newLP(size)
		for _, e := range elems {
			lp.add(e)
		}
		dst = appendString(dst, lp.finish(), compress)
		return true
	})
	return dst
}

// appendSet writes an intset, a listpack or a plain set after the set's
// encoding.
func appendSet(dst []byte, s *engine.Set, compress bool) []byte {
	switch {
	case s.IsIntset():
		dst = append(dst, TypeSetIntset)
		is := appendIntset(make([]byte, 0, 8+8*len(s.Ints())), s.Ints())
		return appendString(dst, is, compress)
	case s.IsListpack():
		dst = append(dst, TypeSetListpack)
		lp := newLP(0)
		s.Each(func(m []byte) bool { lp.add(m); return true })
		return appendString(dst, lp.finish(), compress)
	}
	dst = append(dst, TypeSet)
	dst = appendLen(dst, uint64(s.Len()))
	s.Each(func(m []byte) bool {
		dst = appendString(dst, m, compress)
		return true
	})
	return dst
}

// appendZSet writes a listpack of member/score pairs in score order, or
// RDB_TYPE_ZSET_2: the members from the highest to the lowest with binary
// scores.
func appendZSet(dst []byte, z *engine.ZSet, compress bool) []byte {
	if z.IsListpack() {
		dst = append(dst, TypeZSetListpack)
		lp := newLP(0)
		var buf [32]byte
		z.Each(false, func(m string, score float64) bool {
			lp.add([]byte(m))
			lp.add(engine.AppendDouble(buf[:0], score))
			return true
		})
		return appendString(dst, lp.finish(), compress)
	}
	dst = append(dst, TypeZSet2)
	dst = appendLen(dst, uint64(z.Len()))
	z.Each(true, func(m string, score float64) bool {
		dst = appendString(dst, []byte(m), compress)
		dst = appendBinaryDouble(dst, score)
		return true
	})
	return dst
}

// appendHash writes a listpack of field/value pairs, a plain hash, or, for
// a hash with field deadlines, Valkey 9's RDB_TYPE_HASH_2 (field, value
// and deadline, -1 for none, per field).
func appendHash(dst []byte, h *engine.Hash, compress bool) []byte {
	switch {
	case h.HasVolatile():
		dst = append(dst, TypeHash2)
		dst = appendLen(dst, uint64(h.Len()))
		h.EachTTL(func(f, v string, at int64) bool {
			dst = appendString(dst, []byte(f), compress)
			dst = appendString(dst, []byte(v), compress)
			if at == 0 {
				at = -1
			}
			dst = appendMs(dst, at)
			return true
		})
		return dst
	case h.IsListpack():
		dst = append(dst, TypeHashListpack)
		lp := newLP(0)
		h.Each(func(f, v string) bool {
			lp.add([]byte(f))
			lp.add([]byte(v))
			return true
		})
		return appendString(dst, lp.finish(), compress)
	}
	dst = append(dst, TypeHash)
	dst = appendLen(dst, uint64(h.Len()))
	h.Each(func(f, v string) bool {
		dst = appendString(dst, []byte(f), compress)
		dst = appendString(dst, []byte(v), compress)
		return true
	})
	return dst
}
