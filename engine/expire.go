package engine

import "math"

// Expiry commands: EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME
// PEXPIRETIME PERSIST.
var expireCommands = []*Command{
	{Name: "expire", Arity: -3, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "generic", Run: cmdExpire},
	{Name: "pexpire", Arity: -3, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "generic", Run: cmdPExpire},
	{Name: "expireat", Arity: -3, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "generic", Run: cmdExpireAt},
	{Name: "pexpireat", Arity: -3, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "generic", Run: cmdPExpireAt},
	{Name: "ttl", Arity: 2, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "generic", Run: cmdTTL},
	{Name: "pttl", Arity: 2, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "generic", Run: cmdPTTL},
	{Name: "expiretime", Arity: 2, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "generic", Run: cmdExpireTime},
	{Name: "pexpiretime", Arity: 2, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "generic", Run: cmdPExpireTime},
	{Name: "persist", Arity: 2, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "generic", Run: cmdPersist},
}

// Flags of the expire commands.
const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

// parseExpireFlags parses the NX XX GT LT options as Valkey's
// parseExtendedExpireArgumentsOrReply does: every option is checked before
// the combinations.
func (c *Ctx) parseExpireFlags(args [][]byte) (flags int, ok bool) {
	for _, a := range args {
		switch {
		case optIs(a, "nx"):
			flags |= expireNX
		case optIs(a, "xx"):
			flags |= expireXX
		case optIs(a, "gt"):
			flags |= expireGT
		case optIs(a, "lt"):
			flags |= expireLT
		default:
			c.Error(ErrUnsupportedOption(a))
			return 0, false
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		c.Error(ErrExpireNXAnd)
		return 0, false
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		c.Error(ErrExpireGTAndLT)
		return 0, false
	}
	return flags, true
}

func cmdExpire(c *Ctx)    { c.expireGeneric(c.nowMs, true) }
func cmdPExpire(c *Ctx)   { c.expireGeneric(c.nowMs, false) }
func cmdExpireAt(c *Ctx)  { c.expireGeneric(0, true) }
func cmdPExpireAt(c *Ctx) { c.expireGeneric(0, false) }

// expireGeneric is EXPIRE and its variants: the argument is in seconds or
// milliseconds and relative to base (0 for the absolute variants). A
// deadline already passed deletes the key.
func (c *Ctx) expireGeneric(base int64, seconds bool) {
	flags, ok := c.parseExpireFlags(c.Args[3:])
	if !ok {
		return
	}
	when, ok := c.intArg(c.Args[2])
	if !ok {
		return
	}
	if seconds {
		if when > math.MaxInt64/1000 || when < math.MinInt64/1000 {
			c.Error(ErrInvalidExpire(c.Cmd.FullName()))
			return
		}
		when *= 1000
	}
	if when > math.MaxInt64-base {
		c.Error(ErrInvalidExpire(c.Cmd.FullName()))
		return
	}
	when += base

	key := c.Args[1]
	e := c.LookupWrite(key)
	if e == nil {
		c.R.Int(0)
		return
	}
	if flags != 0 {
		cur := expireOf(e) // 0: no TTL, which counts as infinite
		switch {
		case flags&expireNX != 0 && cur != 0,
			flags&expireXX != 0 && cur == 0,
			flags&expireGT != 0 && (cur == 0 || when <= cur),
			flags&expireLT != 0 && cur != 0 && when >= cur:
			c.R.Int(0)
			return
		}
	}
	if when <= c.nowMs {
		c.DB.removeEntry(c.DB.shardFor(e.Key()), e)
		c.Dirty(1)
		c.Modified(key)
		c.Notify(NotifyGeneric, "del", key)
		c.R.Int(1)
		return
	}
	c.SetExpire(e, when)
	c.Modified(key)
	c.Notify(NotifyGeneric, "expire", key)
	c.Dirty(1)
	c.R.Int(1)
}

func cmdTTL(c *Ctx)         { c.ttlGeneric(false, false) }
func cmdPTTL(c *Ctx)        { c.ttlGeneric(true, false) }
func cmdExpireTime(c *Ctx)  { c.ttlGeneric(false, true) }
func cmdPExpireTime(c *Ctx) { c.ttlGeneric(true, true) }

// ttlGeneric is TTL, PTTL, EXPIRETIME and PEXPIRETIME: -2 for a missing key,
// -1 without a TTL, else the remaining time or the deadline; seconds are
// rounded to the nearest.
func (c *Ctx) ttlGeneric(ms, abs bool) {
	e := c.LookupNoTouch(c.Args[1])
	if e == nil {
		c.R.Int(-2)
		return
	}
	exp := expireOf(e)
	if exp == 0 {
		c.R.Int(-1)
		return
	}
	ttl := exp
	if !abs {
		ttl = exp - c.nowMs
	}
	if ttl < 0 {
		ttl = 0
	}
	if !ms {
		// (ttl+500)/1000 without overflowing near MaxInt64.
		ttl = ttl/1000 + (ttl%1000+500)/1000
	}
	c.R.Int(ttl)
}

func cmdPersist(c *Ctx) {
	e := c.LookupWrite(c.Args[1])
	if e == nil || expireOf(e) == 0 {
		c.R.Int(0)
		return
	}
	c.SetExpire(e, 0)
	c.Modified(c.Args[1])
	c.Notify(NotifyGeneric, "persist", c.Args[1])
	c.Dirty(1)
	c.R.Int(1)
}
