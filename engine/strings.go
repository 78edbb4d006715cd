package engine

import "math"

// String commands: GET SET INCR DECR INCRBY DECRBY.
var stringCommands = []*Command{
	{Name: "get", Arity: 2, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdGet},
	{Name: "set", Arity: -3, Flags: Write | DenyOOM, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdSet},
	{Name: "incr", Arity: 2, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdIncr},
	{Name: "decr", Arity: 2, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdDecr},
	{Name: "incrby", Arity: 3, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdIncrBy},
	{Name: "decrby", Arity: 3, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "string", Run: cmdDecrBy},
}

// getString returns the string value of key for a read. It writes the
// reply and returns ok=false on WRONGTYPE; b is nil with ok=true when the
// key is missing.
func (c *Ctx) getString(key []byte) (b []byte, ok bool) {
	e := c.Lookup(key)
	if e == nil {
		return nil, true
	}
	b, ok = stringBytes(e.Val.val, c.scratch[:])
	if !ok {
		c.Error(ErrWrongType)
	}
	return b, ok
}

func cmdGet(c *Ctx) {
	b, ok := c.getString(c.Args[1])
	if !ok {
		return
	}
	if b == nil {
		c.R.Null()
		return
	}
	c.R.Bulk(b)
}

// Expiry units for parseExpire.
const (
	unitSeconds = iota
	unitMillis
	unitUnixSeconds
	unitUnixMillis
)

// parseExpire turns an expire argument into an absolute unix ms deadline,
// writing Valkey's error and returning ok=false when it is not valid.
func (c *Ctx) parseExpire(arg []byte, unit int) (at int64, ok bool) {
	v, ok := c.intArg(arg)
	if !ok {
		return 0, false
	}
	if v <= 0 || ((unit == unitSeconds || unit == unitUnixSeconds) && v > math.MaxInt64/1000) {
		c.Error(ErrInvalidExpire(c.Cmd.FullName()))
		return 0, false
	}
	if unit == unitSeconds || unit == unitUnixSeconds {
		v *= 1000
	}
	if unit == unitSeconds || unit == unitMillis {
		v += c.nowMs
	}
	if v <= 0 {
		c.Error(ErrInvalidExpire(c.Cmd.FullName()))
		return 0, false
	}
	return v, true
}

// setOpts are the parsed options of SET.
type setOpts struct {
	nx, xx, get, keepTTL bool
	expireAt             int64
}

func (c *Ctx) parseSetOpts(args [][]byte) (o setOpts, ok bool) {
	expUnit := -1
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case eqFold(a, "nx") && !o.xx:
			o.nx = true
		case eqFold(a, "xx") && !o.nx:
			o.xx = true
		case eqFold(a, "get"):
			o.get = true
		case eqFold(a, "keepttl") && expUnit < 0:
			o.keepTTL = true
		case expUnit < 0 && !o.keepTTL && i+1 < len(args) &&
			(eqFold(a, "ex") || eqFold(a, "px") || eqFold(a, "exat") || eqFold(a, "pxat")):
			switch {
			case eqFold(a, "ex"):
				expUnit = unitSeconds
			case eqFold(a, "px"):
				expUnit = unitMillis
			case eqFold(a, "exat"):
				expUnit = unitUnixSeconds
			default:
				expUnit = unitUnixMillis
			}
			i++
			at, ok := c.parseExpire(args[i], expUnit)
			if !ok {
				return o, false
			}
			o.expireAt = at
		default:
			c.Error(ErrSyntax)
			return o, false
		}
	}
	return o, true
}

func cmdSet(c *Ctx) {
	o, ok := c.parseSetOpts(c.Args[3:])
	if !ok {
		return
	}
	key, val := c.Args[1], c.Args[2]
	e := c.LookupWrite(key)
	if o.get {
		if e == nil {
			c.R.Null()
		} else if b, isStr := stringBytes(e.Val.val, c.scratch[:]); !isStr {
			c.Error(ErrWrongType)
			return
		} else {
			c.R.Bulk(b)
		}
	}
	if (o.nx && e != nil) || (o.xx && e == nil) {
		if !o.get {
			c.R.Null()
		}
		return
	}
	e = c.SetValue(key, newStringValue(val), o.keepTTL)
	if o.expireAt != 0 {
		if o.expireAt <= c.nowMs {
			c.Delete(key)
		} else {
			c.SetExpire(e, o.expireAt)
		}
	}
	if !o.get {
		c.OK()
	}
}

// incrBy adds delta to the integer at key and replies with the result.
func (c *Ctx) incrBy(key []byte, delta int64) {
	e := c.LookupWrite(key)
	var cur int64
	if e != nil {
		switch v := e.Val.val.(type) {
		case int64:
			cur = v
		case *Str:
			n, ok := parseStrictInt(v.B)
			if !ok {
				c.Error(ErrNotInt)
				return
			}
			cur = n
		default:
			c.Error(ErrWrongType)
			return
		}
	}
	if (delta < 0 && cur < 0 && delta < math.MinInt64-cur) ||
		(delta > 0 && cur > 0 && delta > math.MaxInt64-cur) {
		c.Error(ErrOverflow)
		return
	}
	cur += delta
	if e != nil {
		e.Val.val = cur
		c.Dirty(1)
	} else {
		c.SetValue(key, cur, false)
	}
	c.R.Int(cur)
}

func cmdIncr(c *Ctx) { c.incrBy(c.Args[1], 1) }
func cmdDecr(c *Ctx) { c.incrBy(c.Args[1], -1) }

func cmdIncrBy(c *Ctx) {
	d, ok := c.intArg(c.Args[2])
	if ok {
		c.incrBy(c.Args[1], d)
	}
}

func cmdDecrBy(c *Ctx) {
	d, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	if d == math.MinInt64 {
		c.Error("ERR decrement would overflow")
		return
	}
	c.incrBy(c.Args[1], -d)
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

// eqFold reports whether b equals the lower-case ASCII word s, ignoring
// case.
func eqFold(b []byte, s string) bool {
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
