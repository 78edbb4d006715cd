package engine

// String commands. This file: the table, GET SET GETEX GETDEL GETSET SETNX
// SETEX PSETEX MGET MSET MSETNX. strings_num.go: INCR DECR INCRBY DECRBY
// INCRBYFLOAT. strings_edit.go: APPEND STRLEN GETRANGE SUBSTR SETRANGE.
// lcs.go: LCS. Bitmaps are in bitmap.go and bitfield.go.
//
// Stored representation (value.go): int64 when Valkey would use the int
// encoding, else *Str. Commands that edit a string in place (APPEND,
// SETRANGE, SETBIT, BITFIELD) turn it into a raw *Str they own and mutate.
var stringCommands = []*Command{
	{Name: "get", Arity: 2, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdGet},
	{Name: "set", Arity: -3, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdSet},
	{Name: "getex", Arity: -2, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdGetEx},
	{Name: "getdel", Arity: 2, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdGetDel},
	{Name: "getset", Arity: 3, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdGetSet},
	{Name: "setnx", Arity: 3, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdSetNX},
	{Name: "setex", Arity: 4, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdSetEx},
	{Name: "psetex", Arity: 4, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdPSetEx},
	{Name: "mget", Arity: -2, Flags: ReadOnly | Fast, First: 1, Last: -1, Step: 1, Group: "string", Run: cmdMGet},
	{Name: "mset", Arity: -3, Flags: Write | DenyOOM, First: 1, Last: -1, Step: 2, Group: "string", Run: cmdMSet},
	{Name: "msetnx", Arity: -3, Flags: Write | DenyOOM, First: 1, Last: -1, Step: 2, Group: "string", Run: cmdMSetNX},
	{Name: "append", Arity: 3, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdAppend},
	{Name: "strlen", Arity: 2, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdStrlen},
	{Name: "getrange", Arity: 4, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdGetRange},
	{Name: "substr", Arity: 4, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdGetRange},
	{Name: "setrange", Arity: 4, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdSetRange},
	{Name: "incr", Arity: 2, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdIncr},
	{Name: "decr", Arity: 2, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdDecr},
	{Name: "incrby", Arity: 3, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdIncrBy},
	{Name: "decrby", Arity: 3, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdDecrBy},
	{Name: "incrbyfloat", Arity: 3, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdIncrByFloat},
	{Name: "lcs", Arity: -3, Flags: ReadOnly, First: 1, Last: 2, Step: 1, Group: "string", Run: cmdLCS},
}

// getString returns the string value of key for a read. found is false
// when the key is missing; ok is false after it replied WRONGTYPE. An
// integer is formatted into c.scratch, so b is valid until the next use of
// the scratch buffer.
func (c *Ctx) getString(key []byte) (b []byte, found, ok bool) {
	e := c.Lookup(key)
	if e == nil {
		return nil, false, true
	}
	b, ok = stringBytes(e.Val.val(), c.scratch[:])
	if !ok {
		c.Error(ErrWrongType)
	}
	return b, true, ok
}

// replyGet is Valkey's getGenericCommand: it replies the value of key (or
// null) and returns false after replying WRONGTYPE.
func (c *Ctx) replyGet(key []byte) bool {
	b, found, ok := c.getString(key)
	switch {
	case !ok:
		return false
	case !found:
		c.R.Null()
	default:
		c.R.Bulk(b)
	}
	return true
}

func cmdGet(c *Ctx) { c.replyGet(c.Args[1]) }

// strFlags are the options of SET and GETEX (Valkey's OBJ_* flags).
type strFlags uint16

const (
	strNX strFlags = 1 << iota
	strXX
	strGet
	strKeepTTL
	strPersist
	strEX
	strPX
	strEXAT
	strPXAT
)

const strAnyExpire = strEX | strPX | strEXAT | strPXAT

// parseStrFlags parses the options of SET (forSet) or GETEX as Valkey's
// parseExtendedStringArgumentsOrReply does, including which combinations
// are a syntax error. It returns the expire argument, if any; its value is
// checked later (by expireAt), after the key's type for GETEX.
func (c *Ctx) parseStrFlags(args [][]byte, forSet bool) (f strFlags, expire []byte, ok bool) {
	for j := 0; j < len(args); j++ {
		opt := args[j]
		hasNext := j+1 < len(args)
		switch {
		case forSet && eqFold(opt, "nx") && f&strXX == 0:
			f |= strNX
		case forSet && eqFold(opt, "xx") && f&strNX == 0:
			f |= strXX
		case forSet && eqFold(opt, "get"):
			f |= strGet
		case forSet && eqFold(opt, "keepttl") && f&(strPersist|strAnyExpire) == 0:
			f |= strKeepTTL
		case !forSet && eqFold(opt, "persist") && f&(strAnyExpire|strKeepTTL) == 0:
			f |= strPersist
		case hasNext && expireOpt(opt) != 0 && f&(strKeepTTL|strPersist|strAnyExpire&^expireOpt(opt)) == 0:
			// An expire option excludes the others, not itself: the
			// last repetition wins.
			f |= expireOpt(opt)
			j++
			expire = args[j]
		default:
			c.Error(ErrSyntax)
			return f, nil, false
		}
	}
	return f, expire, true
}

// expireOpt returns the flag of an EX PX EXAT PXAT option, or 0.
func expireOpt(opt []byte) strFlags {
	switch {
	case eqFold(opt, "ex"):
		return strEX
	case eqFold(opt, "px"):
		return strPX
	case eqFold(opt, "exat"):
		return strEXAT
	case eqFold(opt, "pxat"):
		return strPXAT
	}
	return 0
}

// expireAt turns an expire argument into an absolute unix ms deadline as
// Valkey's getExpireMillisecondsOrReply does, replying its error and
// returning ok=false when the value is not valid. f says the unit (EX and
// EXAT are seconds) and whether it is relative (EX, PX).
func (c *Ctx) expireAt(arg []byte, f strFlags) (at int64, ok bool) {
	v, ok := c.intArg(arg)
	if !ok {
		return 0, false
	}
	seconds := f&(strEX|strEXAT) != 0
	if v <= 0 || (seconds && v > maxInt64/1000) {
		c.Error(ErrInvalidExpire(c.Cmd.FullName()))
		return 0, false
	}
	if seconds {
		v *= 1000
	}
	if f&(strEX|strPX) != 0 {
		v += c.nowMs // may wrap: caught below, as Valkey does
	}
	if v <= 0 {
		c.Error(ErrInvalidExpire(c.Cmd.FullName()))
		return 0, false
	}
	return v, true
}

const maxInt64 = 1<<63 - 1

// setReplies says what setGeneric answers: SET answers +OK or null; SETNX
// answers 1 or 0.
type setReplies uint8

const (
	replyOKNull setReplies = iota
	replyOneZero
)

// setGeneric implements SET and its variants as Valkey's setGenericCommand:
// hasExpire with the deadline at (already validated), f's NX XX GET
// KEEPTTL, and the replies.
func (c *Ctx) setGeneric(f strFlags, key, val []byte, hasExpire bool, at int64, rep setReplies) {
	if f&strGet != 0 && !c.replyGet(key) {
		return
	}
	if f&(strNX|strXX) != 0 || hasExpire {
		found := c.LookupWrite(key) != nil
		if (f&strNX != 0 && found) || (f&strXX != 0 && !found) {
			if f&strGet == 0 {
				if rep == replyOneZero {
					c.R.Int(0)
				} else {
					c.R.Null()
				}
			}
			return
		}
		if hasExpire && at <= c.nowMs {
			// Already expired: nothing to store, an old value goes.
			if found {
				c.Delete(key)
				c.Modified(key)
				c.Notify(NotifyGeneric, "del", key)
			}
			if f&strGet == 0 {
				c.OK()
			}
			return
		}
	}
	e := c.SetString(key, val, f&strKeepTTL != 0 || hasExpire)
	c.Modified(key)
	c.Notify(NotifyString, "set", key)
	if hasExpire {
		c.SetExpire(e, at)
		c.Notify(NotifyGeneric, "expire", key)
	}
	if f&strGet == 0 {
		if rep == replyOneZero {
			c.R.Int(1)
		} else {
			c.OK()
		}
	}
}

func cmdSet(c *Ctx) {
	var f strFlags
	var expire []byte
	if len(c.Args) > 3 {
		var ok bool
		if f, expire, ok = c.parseStrFlags(c.Args[3:], true); !ok {
			return
		}
	}
	var at int64
	if expire != nil {
		var ok bool
		if at, ok = c.expireAt(expire, f); !ok {
			return
		}
	}
	c.setGeneric(f, c.Args[1], c.Args[2], expire != nil, at, replyOKNull)
}

func cmdSetNX(c *Ctx) { c.setGeneric(strNX, c.Args[1], c.Args[2], false, 0, replyOneZero) }

func cmdSetEx(c *Ctx)  { c.setExpiring(strEX) }
func cmdPSetEx(c *Ctx) { c.setExpiring(strPX) }

// setExpiring is SETEX and PSETEX: key, expire, value.
func (c *Ctx) setExpiring(unit strFlags) {
	at, ok := c.expireAt(c.Args[2], unit)
	if ok {
		c.setGeneric(unit, c.Args[1], c.Args[3], true, at, replyOKNull)
	}
}

func cmdGetEx(c *Ctx) {
	f, expire, ok := c.parseStrFlags(c.Args[2:], false)
	if !ok {
		return
	}
	key := c.Args[1]
	e := c.Lookup(key)
	if e == nil {
		c.R.Null()
		return
	}
	b, isStr := stringBytes(e.Val.val(), c.scratch[:])
	if !isStr {
		c.Error(ErrWrongType)
		return
	}
	var at int64
	if expire != nil {
		if at, ok = c.expireAt(expire, f); !ok {
			return
		}
	}
	c.R.Bulk(b)
	switch {
	case f&(strEXAT|strPXAT) != 0 && at <= c.nowMs:
		c.Delete(key)
		c.Modified(key)
		c.Notify(NotifyGeneric, "del", key)
	case expire != nil:
		c.SetExpire(e, at)
		c.Modified(key)
		c.Notify(NotifyGeneric, "expire", key)
		c.Dirty(1)
	case f&strPersist != 0 && expireOf(e) != 0:
		c.SetExpire(e, 0)
		c.Modified(key)
		c.Notify(NotifyGeneric, "persist", key)
		c.Dirty(1)
	}
}

func cmdGetDel(c *Ctx) {
	if c.replyGet(c.Args[1]) && c.Delete(c.Args[1]) {
		c.Modified(c.Args[1])
		c.Notify(NotifyGeneric, "del", c.Args[1])
	}
}

func cmdGetSet(c *Ctx) {
	if c.replyGet(c.Args[1]) {
		c.SetString(c.Args[1], c.Args[2], false)
		c.Modified(c.Args[1])
		c.Notify(NotifyString, "set", c.Args[1])
	}
}

func cmdMGet(c *Ctx) {
	keys := c.Args[1:]
	c.R.Array(len(keys))
	for _, k := range keys {
		e := c.Lookup(k)
		if e == nil {
			c.R.Null()
			continue
		}
		if b, ok := stringBytes(e.Val.val(), c.scratch[:]); ok {
			c.R.Bulk(b)
		} else {
			c.R.Null()
		}
	}
}

func cmdMSet(c *Ctx) {
	if len(c.Args)%2 == 0 {
		c.Error(ErrArity(c.Cmd.FullName()))
		return
	}
	for j := 1; j < len(c.Args); j += 2 {
		c.SetString(c.Args[j], c.Args[j+1], false)
		c.Modified(c.Args[j])
		c.Notify(NotifyString, "set", c.Args[j])
	}
	c.OK()
}

func cmdMSetNX(c *Ctx) {
	if len(c.Args)%2 == 0 {
		c.Error(ErrArity(c.Cmd.FullName()))
		return
	}
	for j := 1; j < len(c.Args); j += 2 {
		if c.LookupWrite(c.Args[j]) != nil {
			c.R.Int(0)
			return
		}
	}
	for j := 1; j < len(c.Args); j += 2 {
		c.SetString(c.Args[j], c.Args[j+1], false)
		c.Modified(c.Args[j])
		c.Notify(NotifyString, "set", c.Args[j])
	}
	c.R.Int(1)
}

// rangeArgs parses the start and end arguments (argv 2 and 3) of GETRANGE,
// LRANGE and LTRIM, replying ErrNotInt for the first bad one.
func (c *Ctx) rangeArgs() (start, end int64, ok bool) {
	if start, ok = c.intArg(c.Args[2]); !ok {
		return 0, 0, false
	}
	end, ok = c.intArg(c.Args[3])
	return start, end, ok
}

// intArg parses an integer argument as Valkey's getLongLongFromObject does,
// replying ErrNotInt when it is not one.
func (c *Ctx) intArg(b []byte) (int64, bool) {
	n, ok := parseStrictInt(b)
	if !ok {
		c.Error(ErrNotInt)
	}
	return n, ok
}

// eqFold reports whether the option argument b equals the lower-case
// ASCII word s, ignoring case, with C string semantics as Valkey's
// strcasecmp comparisons have: b ends at its first NUL byte.
func eqFold(b []byte, s string) bool {
	if len(b) > len(s) && b[len(s)] == 0 {
		b = b[:len(s)]
	}
	return eqFoldExact(b, s)
}

// eqFoldExact reports whether b equals the lower-case ASCII word s,
// ignoring case; the whole of b must match.
func eqFoldExact(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		ch := b[i]
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != s[i] {
			return false
		}
	}
	return true
}

// cstr returns b up to its first NUL byte, as C code sees an argument.
func cstr(b []byte) []byte {
	for i, ch := range b {
		if ch == 0 {
			return b[:i]
		}
	}
	return b
}
