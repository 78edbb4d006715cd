package rdb

import "encoding/binary"

// Walking a value in a file: every length, string and fixed-size field of
// the object is consumed (and recorded into the entry's Value) without
// interpreting the containers' contents, so the reader knows where the
// value ends and holds only its bytes.

// walkValue consumes the object of type t; empty reports a collection
// with no elements.
func (f *FileReader) walkValue(t byte) (empty bool, err error) {
	switch t {
	case TypeString:
		_, _, err := f.skipString("value")
		return false, err
	case TypeList, TypeSet, TypeListQuicklist:
		n, err := f.count(1, "element count")
		if err != nil {
			return false, err
		}
		for range n {
			if _, _, err := f.skipString("element"); err != nil {
				return false, err
			}
		}
		return n == 0, nil
	case TypeZSet, TypeZSet2:
		minBytes := 2
		if t == TypeZSet2 {
			minBytes = 9
		}
		n, err := f.count(minBytes, "member count")
		if err != nil {
			return false, err
		}
		for range n {
			if _, _, err := f.skipString("member"); err != nil {
				return false, err
			}
			if t == TypeZSet2 {
				_, err = f.take(8)
			} else {
				err = f.skipOldDouble()
			}
			if err != nil {
				return false, err
			}
		}
		return n == 0, nil
	case TypeHash, TypeHash2:
		minBytes := 2
		if t == TypeHash2 {
			minBytes = 10
		}
		n, err := f.count(minBytes, "field count")
		if err != nil {
			return false, err
		}
		for range n {
			if _, _, err := f.skipString("field"); err != nil {
				return false, err
			}
			if _, _, err := f.skipString("field value"); err != nil {
				return false, err
			}
			if t == TypeHash2 {
				if _, err := f.take(8); err != nil {
					return false, err
				}
			}
		}
		return n == 0, nil
	case TypeListQuicklist2:
		n, err := f.count(2, "node count")
		if err != nil {
			return false, err
		}
		for range n {
			off := f.Offset()
			kind, err := f.count(0, "node container")
			if err != nil {
				return false, err
			}
			if kind != quicklistNodePlain && kind != quicklistNodePacked {
				return false, f.errorf(off, "bad quicklist node container %d", kind)
			}
			if _, _, err := f.skipString("node"); err != nil {
				return false, err
			}
		}
		return n == 0, nil
	case TypeHashZipmap, TypeListZiplist, TypeSetIntset, TypeZSetZiplist, TypeHashZiplist,
		TypeHashListpack, TypeZSetListpack, TypeSetListpack:
		body, raw, err := f.skipString("container")
		if err != nil {
			return false, err
		}
		return raw && containerEmpty(t, body), nil
	case TypeStreamListpacks, TypeStreamListpacks2, TypeStreamListpacks3:
		return false, f.walkStream(t)
	case TypeModulePreGA, TypeModule2:
		return false, f.errorf(f.Offset(), "module values are not supported (flect has no modules)")
	case typePathHash:
		return false, f.errorf(f.Offset(), "Valkey 9.2 path hashes are not supported")
	}
	return false, f.errorf(f.Offset(), "unknown object type %d", t)
}

// skipString consumes a string in any encoding; for a raw one, body is its
// bytes (valid until the value grows).
func (f *FileReader) skipString(what string) (body []byte, raw bool, err error) {
	off := f.Offset()
	n, enc, err := f.length()
	if err != nil {
		return nil, false, err
	}
	if !enc {
		start := len(f.entry.Value)
		if f.entry.Value, err = f.copyN(f.entry.Value, n, what, off); err != nil {
			return nil, false, err
		}
		return f.entry.Value[start:], true, nil
	}
	switch n {
	case rdbEncInt8, rdbEncInt16, rdbEncInt32:
		_, err := f.take(1 << n)
		return nil, false, err
	case rdbEncLZF:
		clen, err := f.count(1, what+"'s compressed length")
		if err != nil {
			return nil, false, err
		}
		ulen, err := f.count(0, what+"'s length")
		if err != nil {
			return nil, false, err
		}
		if ulen > clen*lzfMaxRef || ulen > maxStringLen {
			return nil, false, f.errorf(off, "%s: compressed string of %d bytes cannot expand to %d", what, clen, ulen)
		}
		f.entry.Value, err = f.copyN(f.entry.Value, clen, what, off)
		return nil, false, err
	}
	return nil, false, f.errorf(off, "%s has unknown string encoding %d", what, n)
}

// skipOldDouble consumes an RDB_TYPE_ZSET score: a length byte (253 to
// 255 for nan and the infinities) and that many ASCII bytes.
func (f *FileReader) skipOldDouble() error {
	off := f.Offset()
	c, err := f.u8()
	if err != nil || c >= 253 {
		return err
	}
	f.entry.Value, err = f.copyN(f.entry.Value, uint64(c), "score", off)
	return err
}

// containerEmpty reports whether a ziplist, listpack, intset or zipmap
// holds no element, from its header.
func containerEmpty(t byte, b []byte) bool {
	switch t {
	case TypeListZiplist, TypeZSetZiplist, TypeHashZiplist:
		return len(b) >= zlHeaderSize && binary.LittleEndian.Uint16(b[8:]) == 0
	case TypeHashListpack, TypeZSetListpack, TypeSetListpack:
		return len(b) >= lpHeaderSize && binary.LittleEndian.Uint16(b[4:]) == 0
	case TypeSetIntset:
		return len(b) >= 8 && binary.LittleEndian.Uint32(b[4:]) == 0
	case TypeHashZipmap:
		return len(b) == 2 && b[1] == 0xff
	}
	return false
}

// walkStream consumes a stream of the three versions: 2 adds the first
// and maximal deleted IDs, the entries added and groups' entries read; 3
// adds consumers' active times.
func (f *FileReader) walkStream(t byte) error {
	nodes, err := f.count(2, "stream node count")
	if err != nil {
		return err
	}
	for range nodes {
		if _, _, err := f.skipString("stream node ID"); err != nil {
			return err
		}
		if _, _, err := f.skipString("stream node"); err != nil {
			return err
		}
	}
	meta, groupLens := 3, 2 // length, last ID; group's last ID
	if t != TypeStreamListpacks {
		meta, groupLens = 8, 3 // + first ID, max deleted ID, entries added; + entries read
	}
	for range meta {
		if _, err := f.count(0, "stream metadata"); err != nil {
			return err
		}
	}
	groups, err := f.count(3, "consumer group count")
	if err != nil {
		return err
	}
	for range groups {
		if _, _, err := f.skipString("consumer group name"); err != nil {
			return err
		}
		for range groupLens {
			if _, err := f.count(0, "consumer group metadata"); err != nil {
				return err
			}
		}
		pel, err := f.count(16+8+1, "pending entry count")
		if err != nil {
			return err
		}
		for range pel {
			if _, err := f.take(16 + 8); err != nil {
				return err
			}
			if _, err := f.count(0, "delivery count"); err != nil {
				return err
			}
		}
		consumers, err := f.count(1+8+1, "consumer count")
		if err != nil {
			return err
		}
		for range consumers {
			if _, _, err := f.skipString("consumer name"); err != nil {
				return err
			}
			times := 8
			if t == TypeStreamListpacks3 {
				times = 16
			}
			if _, err := f.take(times); err != nil {
				return err
			}
			cp, err := f.count(16, "consumer pending count")
			if err != nil {
				return err
			}
			for range cp {
				if _, err := f.take(16); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
