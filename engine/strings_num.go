package engine

// Counter commands: INCR DECR INCRBY DECRBY INCRBYFLOAT.

// incrBy adds delta to the integer at key and replies with the result, as
// Valkey's incrDecrCommand: a missing key counts as 0, the TTL is kept,
// and the result is stored with the int encoding.
func (c *Ctx) incrBy(key []byte, delta int64) {
	e := c.LookupWrite(key)
	var cur int64
	if e != nil {
		switch v := e.Val.val().(type) {
		case int64:
			cur = v
		case *Str, *shortStr:
			b, _ := stringBytes(v, nil)
			n, ok := parseStrictInt(b)
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
	if (delta < 0 && cur < 0 && delta < minInt64-cur) ||
		(delta > 0 && cur > 0 && delta > maxInt64-cur) {
		c.Error(ErrOverflow)
		return
	}
	cur += delta
	if e != nil {
		c.replaceValue(e, boxInt(cur))
		c.Dirty(1)
	} else {
		c.SetValue(key, boxInt(cur), false)
	}
	c.Modified(key)
	c.Notify(NotifyString, "incrby", key)
	c.R.Int(cur)
}

const minInt64 = -1 << 63

func cmdIncr(c *Ctx) { c.incrBy(c.Args[1], 1) }
func cmdDecr(c *Ctx) { c.incrBy(c.Args[1], -1) }

func cmdIncrBy(c *Ctx) {
	if d, ok := c.intArg(c.Args[2]); ok {
		c.incrBy(c.Args[1], d)
	}
}

func cmdDecrBy(c *Ctx) {
	d, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	if d == minInt64 {
		c.Error(ErrDecrOverflow)
		return
	}
	c.incrBy(c.Args[1], -d)
}

// cmdIncrByFloat is INCRBYFLOAT: the sum is computed in x87 extended
// precision and stored as text (never with the int encoding), formatted
// as Valkey's ld2string LD_STR_HUMAN does. The TTL is kept.
func cmdIncrByFloat(c *Ctx) {
	key := c.Args[1]
	e := c.LookupWrite(key)
	var cur LongDouble
	if e != nil {
		switch v := e.Val.val().(type) {
		case int64:
			cur = LongDoubleFromInt(v)
		case *Str, *shortStr:
			b, _ := stringBytes(v, nil)
			x, ok := ParseLongDouble(b)
			if !ok {
				c.Error(ErrNotFloat)
				return
			}
			cur = x
		default:
			c.Error(ErrWrongType)
			return
		}
	}
	incr, ok := ParseLongDouble(c.Args[2])
	if !ok {
		c.Error(ErrNotFloat)
		return
	}
	sum := cur.Add(incr)
	if sum.IsNaN() || sum.IsInf() {
		c.Error(ErrIncrFloatNaN)
		return
	}
	s := &Str{B: sum.AppendHuman(nil)}
	if e != nil {
		c.replaceValue(e, s)
		c.Dirty(1)
	} else {
		c.SetValue(key, s, false)
	}
	c.Modified(key)
	c.Notify(NotifyString, "incrbyfloat", key)
	c.R.Bulk(s.B)
}
