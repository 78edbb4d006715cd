package engine

import (
	"bytes"
	"strconv"
)

// Commands that read or edit parts of a string: APPEND STRLEN GETRANGE
// SUBSTR SETRANGE, and the helpers the bitmap commands share with them.

// checkStringLength replies Valkey's proto-max-bulk-len error and returns
// false when a string of size bytes grown by add bytes would be too long.
func (c *Ctx) checkStringLength(size, add int64) bool {
	total := size + add
	if total > c.Node.MaxBulkLen() || total < size || total < add {
		c.Error(ErrStringTooLong)
		return false
	}
	return true
}

// stringLen returns the length of a stored string value.
func stringLen(v any) int {
	switch v := v.(type) {
	case *Str:
		return len(v.B)
	case *shortStr:
		return int(v.n)
	case int64:
		var buf [20]byte
		return len(strconv.AppendInt(buf[:0], v, 10))
	}
	return 0
}

// rawString turns the string value of e into a raw *Str the caller may
// edit in place, as Valkey's dbUnshareStringValue does (an int or embstr
// becomes raw), and returns it. e must hold a string.
func rawString(e *Entry) *Str {
	switch v := e.Val.val().(type) {
	case *Str:
		v.Raw = true
		return v
	case *shortStr:
		// As for an integer, the dispatcher charges the difference.
		s := &Str{B: bytes.Clone(v.bytes()), Raw: true, acct: uint32(v.memSize())}
		e.Val.setVal(s)
		return s
	case int64:
		// It inherits the integer's memory charge: the dispatcher
		// charges the difference after the command (memory.go).
		s := &Str{B: strconv.AppendInt(nil, v, 10), Raw: true, acct: uint32(intMem(v))}
		e.Val.setVal(s)
		return s
	}
	panic("engine: rawString on a non-string value")
}

// growZero returns b extended with zero bytes to length n (b itself when
// it is long enough). A large jump allocates exactly n bytes, so setting
// a far bit costs only what it must; small steps grow the capacity
// geometrically (up to 1 MiB at a time) as Valkey's sds does, so that
// growing a string byte by byte stays linear.
func growZero(b []byte, n int) []byte {
	old := len(b)
	if n <= old {
		return b
	}
	if n <= cap(b) {
		b = b[:n]
		clear(b[old:])
		return b
	}
	newCap := n
	if n <= 2*old {
		newCap = max(n, min(2*old, old+1<<20))
	}
	nb := make([]byte, n, newCap)
	copy(nb, b)
	return nb
}

func cmdAppend(c *Ctx) {
	key, add := c.Args[1], c.Args[2]
	e := c.LookupWrite(key)
	if e == nil {
		c.SetValue(key, newStringValue(add), false)
		c.Modified(key)
		c.Notify(NotifyString, "append", key)
		c.R.Int(int64(len(add)))
		return
	}
	if !isString(e.Val.val()) {
		c.Error(ErrWrongType)
		return
	}
	if !c.checkStringLength(int64(stringLen(e.Val.val())), int64(len(add))) {
		return
	}
	s := rawString(e)
	s.B = append(s.B, add...)
	c.Modified(key)
	c.Notify(NotifyString, "append", key)
	c.Dirty(1)
	c.R.Int(int64(len(s.B)))
}

func cmdStrlen(c *Ctx) {
	e := c.Lookup(c.Args[1])
	if e == nil {
		c.R.Int(0)
		return
	}
	if !isString(e.Val.val()) {
		c.Error(ErrWrongType)
		return
	}
	c.R.Int(int64(stringLen(e.Val.val())))
}

// cmdGetRange is GETRANGE and its old name SUBSTR.
func cmdGetRange(c *Ctx) {
	start, end, ok := c.rangeArgs()
	if !ok {
		return
	}
	b, found, ok := c.getString(c.Args[1])
	if !ok {
		return
	}
	if !found {
		c.R.BulkString("")
		return
	}
	n := int64(len(b))
	if start < 0 && end < 0 && start > end {
		c.R.BulkString("")
		return
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	end = max(end, 0)
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		c.R.BulkString("")
		return
	}
	c.R.Bulk(b[start : end+1])
}

func cmdSetRange(c *Ctx) {
	key, val := c.Args[1], c.Args[3]
	offset, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	if offset < 0 {
		c.Error(ErrOffsetRange)
		return
	}
	e := c.LookupWrite(key)
	if e == nil {
		if len(val) == 0 {
			c.R.Int(0)
			return
		}
		if !c.checkStringLength(offset, int64(len(val))) {
			return
		}
		b := make([]byte, offset+int64(len(val)))
		copy(b[offset:], val)
		c.SetValue(key, &Str{B: b, Raw: true}, false)
		c.Modified(key)
		c.Notify(NotifyString, "setrange", key)
		c.R.Int(int64(len(b)))
		return
	}
	if !isString(e.Val.val()) {
		c.Error(ErrWrongType)
		return
	}
	if len(val) == 0 {
		c.R.Int(int64(stringLen(e.Val.val())))
		return
	}
	if !c.checkStringLength(offset, int64(len(val))) {
		return
	}
	s := rawString(e)
	s.B = growZero(s.B, int(offset)+len(val))
	copy(s.B[offset:], val)
	c.Modified(key)
	c.Notify(NotifyString, "setrange", key)
	c.Dirty(1)
	c.R.Int(int64(len(s.B)))
}

// isString reports whether a stored value is a string.
func isString(v any) bool {
	switch v.(type) {
	case int64, *Str, *shortStr:
		return true
	}
	return false
}
