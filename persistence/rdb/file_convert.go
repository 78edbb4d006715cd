package rdb

import (
	"errors"
	"fmt"
)

// Rewriting values for older RDB versions: Redis 7.0 (version 10) has no
// listpack sets (RDB_TYPE_SET_LISTPACK) and no consumers' active times
// (RDB_TYPE_STREAM_LISTPACKS_3); no version before Valkey 9's 80 has
// hash field TTLs (RDB_TYPE_HASH_2).

// downgrade says what downgradeValue did.
type downgrade struct {
	converted     bool // the value was rewritten into dst
	fieldTTLs     int  // hash fields written without their TTL
	expiredFields int  // hash fields left out, expired
}

// errTrailing is a value with bytes after its end.
var errTrailing = errors.New("rdb: bytes after the value")

// downgradeValue returns value v (type byte and object) in a form RDB
// version ver holds: v itself, or a rewrite appended to dst; nil for a
// hash all of whose fields expired by nowMs.
func downgradeValue(dst, v []byte, ver int, nowMs int64) ([]byte, downgrade, error) {
	var d downgrade
	t := v[0]
	var err error
	switch {
	case t == TypeHash2:
		dst, d, err = hash2ToHash(dst, v, nowMs)
	case t == TypeSetListpack && ver < Version:
		dst, err = setListpackToSet(dst, v)
	case t == TypeStreamListpacks3 && ver < Version:
		dst, err = stream3To2(dst, v)
	case t == TypeModulePreGA || t == TypeModule2:
		return nil, d, fmt.Errorf("module values cannot be written")
	case t <= TypeZSet2 || t >= TypeHashZipmap && t <= TypeStreamListpacks3:
		return v, d, nil
	default:
		return nil, d, fmt.Errorf("unknown RDB object type %d", t)
	}
	if err != nil {
		return nil, d, fmt.Errorf("%s: %w", typeName(t), err)
	}
	d.converted = true
	return dst, d, nil
}

// hash2ToHash rewrites a hash with field deadlines as RDB_TYPE_HASH,
// leaving out the fields expired by nowMs; nil when none is left.
func hash2ToHash(dst, v []byte, nowMs int64) ([]byte, downgrade, error) {
	var d downgrade
	// Two passes: count the fields kept, then copy them.
	pass := func(write bool) error {
		r := &reader{b: v, p: 1, maxString: maxStringLen}
		n, err := r.count(10)
		if err != nil {
			return err
		}
		for range n {
			start := r.p
			if _, err := r.string(); err != nil {
				return err
			}
			if _, err := r.string(); err != nil {
				return err
			}
			end := r.p
			at, err := r.ms()
			if err != nil {
				return err
			}
			switch {
			case at != -1 && at <= nowMs:
				if !write {
					d.expiredFields++
				}
			case write:
				dst = append(dst, v[start:end]...)
			case at != -1:
				d.fieldTTLs++
			}
		}
		if r.p != len(v) {
			return errTrailing
		}
		return nil
	}
	if err := pass(false); err != nil {
		return nil, d, err
	}
	r := &reader{b: v, p: 1}
	n, _ := r.count(10)
	kept := uint64(n - d.expiredFields)
	if kept == 0 {
		return nil, d, nil
	}
	dst = append(dst, TypeHash)
	dst = appendLen(dst, kept)
	if err := pass(true); err != nil {
		return nil, d, err
	}
	return dst, d, nil
}

// setListpackToSet rewrites a listpack set as RDB_TYPE_SET.
func setListpackToSet(dst, v []byte) ([]byte, error) {
	r := &reader{b: v, p: 1, maxString: maxStringLen}
	es, err := r.container(parseListpack)
	if err != nil {
		return nil, err
	}
	if r.p != len(v) {
		return nil, errTrailing
	}
	dst = append(dst, TypeSet)
	dst = appendLen(dst, uint64(len(es)))
	var buf []byte
	for i := range es {
		buf = es[i].appendTo(buf[:0])
		dst = appendString(dst, buf, false)
	}
	return dst, nil
}

// stream3To2 rewrites an RDB_TYPE_STREAM_LISTPACKS_3 stream as version 2:
// the same bytes without each consumer's active time.
func stream3To2(dst, v []byte) ([]byte, error) {
	r := &reader{b: v, p: 1, maxString: maxStringLen}
	dst = append(dst, TypeStreamListpacks2)
	start := r.p
	nodes, err := r.count(2)
	if err != nil {
		return nil, err
	}
	for range 2 * nodes {
		if _, err := r.string(); err != nil {
			return nil, err
		}
	}
	for range 8 {
		if _, err := r.plainLen(); err != nil {
			return nil, err
		}
	}
	groups, err := r.count(3)
	if err != nil {
		return nil, err
	}
	for range groups {
		if _, err := r.string(); err != nil {
			return nil, err
		}
		for range 3 {
			if _, err := r.plainLen(); err != nil {
				return nil, err
			}
		}
		pel, err := r.count(16 + 8 + 1)
		if err != nil {
			return nil, err
		}
		for range pel {
			if _, err := r.bytes(24); err != nil {
				return nil, err
			}
			if _, err := r.plainLen(); err != nil {
				return nil, err
			}
		}
		consumers, err := r.count(1 + 8 + 1)
		if err != nil {
			return nil, err
		}
		for range consumers {
			if _, err := r.string(); err != nil {
				return nil, err
			}
			if _, err := r.bytes(8); err != nil { // seen time
				return nil, err
			}
			dst = append(dst, v[start:r.p]...)
			if _, err := r.bytes(8); err != nil { // active time, dropped
				return nil, err
			}
			start = r.p
			cp, err := r.count(16)
			if err != nil {
				return nil, err
			}
			if _, err := r.bytes(16 * cp); err != nil {
				return nil, err
			}
		}
	}
	if r.p != len(v) {
		return nil, errTrailing
	}
	return append(dst, v[start:]...), nil
}
