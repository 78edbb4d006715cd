package engine

import "strconv"

// Hash commands. This file: the table, HSET HSETNX HMSET HGET HMGET
// HGETALL HKEYS HVALS HDEL HEXISTS HLEN HSTRLEN HINCRBY HINCRBYFLOAT.
// hash_rand.go: HRANDFIELD and HSCAN. hash_ttl_cmds.go: the Valkey 9
// field expiry commands (HEXPIRE ... HSETEX). The value type is in
// hash.go, field deadlines in hash_ttl.go, active expiry in hash_expire.go.
var hashCommands = []*Command{
	{Name: "hset", Arity: -4, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHSet},
	{Name: "hmset", Arity: -4, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHSet},
	{Name: "hsetnx", Arity: 4, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHSetNX},
	{Name: "hget", Arity: 3, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHGet},
	{Name: "hmget", Arity: -3, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHMGet},
	{Name: "hgetall", Arity: 2, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHGetAll},
	{Name: "hkeys", Arity: 2, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHKeys},
	{Name: "hvals", Arity: 2, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHVals},
	{Name: "hdel", Arity: -3, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHDel},
	{Name: "hexists", Arity: 3, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHExists},
	{Name: "hlen", Arity: 2, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHLen},
	{Name: "hstrlen", Arity: 3, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHStrlen},
	{Name: "hincrby", Arity: 4, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHIncrBy},
	{Name: "hincrbyfloat", Arity: 4, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHIncrByFloat},
	{Name: "hrandfield", Arity: -2, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHRandField},
	{Name: "hscan", Arity: -3, Flags: ReadOnly, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHScan},
	// Valkey 9 field expiry (hash_ttl_cmds.go).
	{Name: "hexpire", Arity: -6, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHExpire},
	{Name: "hpexpire", Arity: -6, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHPExpire},
	{Name: "hexpireat", Arity: -6, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHExpireAt},
	{Name: "hpexpireat", Arity: -6, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHPExpireAt},
	{Name: "httl", Arity: -5, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHTTL},
	{Name: "hpttl", Arity: -5, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHPTTL},
	{Name: "hexpiretime", Arity: -5, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHExpireTime},
	{Name: "hpexpiretime", Arity: -5, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHPExpireTime},
	{Name: "hpersist", Arity: -5, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHPersist},
	{Name: "hgetex", Arity: -5, Flags: Write | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHGetEx},
	{Name: "hsetex", Arity: -6, Flags: Write | DenyOOM | Fast, First: 1, Last: 1, Step: 1, Group: "hash", Run: cmdHSetEx},
}

// readHash returns the hash at key for a read (hit/miss counted). found is
// false when the key is missing; ok is false after it replied WRONGTYPE.
func (c *Ctx) readHash(key []byte) (h *Hash, found, ok bool) {
	e := c.Lookup(key)
	if e == nil {
		return nil, false, true
	}
	h, ok = e.Val.val().(*Hash)
	if !ok {
		c.Error(ErrWrongType)
	}
	return h, true, ok
}

// writeHash returns the entry and hash at key for a write, or nils
// (without replying) when the key is missing; ok is false after it replied
// WRONGTYPE.
func (c *Ctx) writeHash(key []byte) (e *Entry, h *Hash, ok bool) {
	e = c.LookupWrite(key)
	if e == nil {
		return nil, nil, true
	}
	h, ok = e.Val.val().(*Hash)
	if !ok {
		c.Error(ErrWrongType)
	}
	return e, h, ok
}

// hashOrCreate is Valkey's hashTypeLookupWriteOrCreate: the hash at key,
// created empty (and stored) when the key is missing. created says it was;
// storing a new key counts one change already. ok is false after it
// replied WRONGTYPE.
func (c *Ctx) hashOrCreate(key []byte) (e *Entry, h *Hash, created, ok bool) {
	e, h, ok = c.writeHash(key)
	if !ok || h != nil {
		return e, h, false, ok
	}
	h = newHash()
	e = c.SetValue(key, h, false)
	return e, h, true, true
}

// dirtyAfter records n changes of a command that may have created (or
// deleted) its key, which counted one change already; Valkey counts only
// the n.
func (c *Ctx) dirtyAfter(n int64, created bool) {
	if created {
		n--
	}
	if n > 0 {
		c.Dirty(n)
	}
}

// cmdHSet is HSET and HMSET: field/value pairs set in order (a field loses
// its deadline); HSET replies with the number of new fields, HMSET with
// +OK.
func cmdHSet(c *Ctx) {
	if len(c.Args)%2 == 1 {
		c.Error(ErrArity(c.Cmd.FullName()))
		return
	}
	key := c.Args[1]
	e, h, created, ok := c.hashOrCreate(key)
	if !ok {
		return
	}
	lim := c.hashLimits()
	pairs := c.Args[2:]
	h.tryConversion(pairs, lim)
	var added int64
	for i := 0; i < len(pairs); i += 2 {
		if n, _ := h.set(pairs[i], string(pairs[i+1]), lim, c.nowMs, false); n {
			added++
		}
	}
	c.hashTracked(e, h)
	c.Modified(key)
	c.Notify(NotifyHash, "hset", key)
	c.dirtyAfter(int64(len(pairs)/2), created)
	if c.Cmd.Name == "hmset" {
		c.OK()
		return
	}
	c.R.Int(added)
}

func cmdHSetNX(c *Ctx) {
	key := c.Args[1]
	e, h, created, ok := c.hashOrCreate(key)
	if !ok {
		return
	}
	if h.exists(c.Args[2], c.nowMs) {
		c.R.Int(0)
		return
	}
	lim := c.hashLimits()
	h.tryConversion(c.Args[2:4], lim)
	h.set(c.Args[2], string(c.Args[3]), lim, c.nowMs, true)
	c.hashTracked(e, h)
	c.Modified(key)
	c.Notify(NotifyHash, "hset", key)
	c.dirtyAfter(1, created)
	c.R.Int(1)
}

func cmdHGet(c *Ctx) {
	h, found, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	if found {
		if v, ok := h.get(c.Args[2], c.nowMs); ok {
			c.R.BulkString(v)
			return
		}
	}
	c.R.Null()
}

// cmdHMGet replies one value or null per field; a missing key is an empty
// hash.
func cmdHMGet(c *Ctx) {
	h, found, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	fields := c.Args[2:]
	c.R.Array(len(fields))
	for _, f := range fields {
		if found {
			if v, ok := h.get(f, c.nowMs); ok {
				c.R.BulkString(v)
				continue
			}
		}
		c.R.Null()
	}
}

// What hashGetAll replies.
const (
	hashWantFields = 1 << iota
	hashWantValues
)

// hashGetAll is Valkey's genericHgetallCommand: HGETALL replies a map,
// HKEYS and HVALS an array, of the fields not past their deadline.
func (c *Ctx) hashGetAll(want int) {
	h, found, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	both := want == hashWantFields|hashWantValues
	n := 0
	if found {
		n = h.liveLen(c.nowMs)
	}
	if both {
		c.R.Map(n)
	} else {
		c.R.Array(n)
	}
	if !found {
		return
	}
	h.eachLive(c.nowMs, func(f, v string) bool {
		if want&hashWantFields != 0 {
			c.R.BulkString(f)
		}
		if want&hashWantValues != 0 {
			c.R.BulkString(v)
		}
		return true
	})
}

func cmdHGetAll(c *Ctx) { c.hashGetAll(hashWantFields | hashWantValues) }
func cmdHKeys(c *Ctx)   { c.hashGetAll(hashWantFields) }
func cmdHVals(c *Ctx)   { c.hashGetAll(hashWantValues) }

// cmdHDel deletes fields and replies how many existed (as in Valkey 9, a
// field past its deadline that the expiry loop has not deleted yet is
// deleted and counted); the key goes with its last field.
func cmdHDel(c *Ctx) {
	key := c.Args[1]
	e, h, ok := c.writeHash(key)
	if !ok {
		return
	}
	if h == nil {
		c.R.Int(0)
		return
	}
	var deleted int64
	removed := false
	for _, f := range c.Args[2:] {
		if h.Delete(f) {
			deleted++
			if h.Len() == 0 {
				c.Delete(key) // counts one change
				removed = true
				break
			}
		}
	}
	if deleted > 0 {
		if !removed {
			c.hashTracked(e, h)
		}
		c.Modified(key)
		c.Notify(NotifyHash, "hdel", key)
		if removed {
			c.Notify(NotifyGeneric, "del", key)
		}
	}
	c.dirtyAfter(deleted, removed)
	c.R.Int(deleted)
}

func cmdHExists(c *Ctx) {
	h, found, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	if found && h.exists(c.Args[2], c.nowMs) {
		c.R.Int(1)
		return
	}
	c.R.Int(0)
}

// cmdHLen replies the number of fields, as Valkey 9 counting those past
// their deadline that the expiry loop has not deleted yet.
func cmdHLen(c *Ctx) {
	h, found, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	if !found {
		c.R.Int(0)
		return
	}
	c.R.Int(int64(h.Len()))
}

func cmdHStrlen(c *Ctx) {
	h, found, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	var n int
	if found {
		v, _ := h.get(c.Args[2], c.nowMs)
		n = len(v)
	}
	c.R.Int(int64(n))
}

// cmdHIncrBy is Valkey's hincrbyCommand: a missing field counts as 0; the
// result is stored as text, keeping the field's deadline.
func cmdHIncrBy(c *Ctx) {
	incr, ok := c.intArg(c.Args[3])
	if !ok {
		return
	}
	key := c.Args[1]
	e, h, created, ok := c.hashOrCreate(key)
	if !ok {
		return
	}
	var cur int64
	if v, found := h.get(c.Args[2], c.nowMs); found {
		n, isInt := parseStrictInt(sbytes(v))
		if !isInt {
			c.Error(ErrHashNotInt)
			return
		}
		cur = n
	}
	if (incr < 0 && cur < 0 && incr < minInt64-cur) ||
		(incr > 0 && cur > 0 && incr > maxInt64-cur) {
		c.Error(ErrOverflow)
		return
	}
	cur += incr
	h.set(c.Args[2], strconv.FormatInt(cur, 10), c.hashLimits(), c.nowMs, true)
	c.hashTracked(e, h)
	c.Modified(key)
	c.Notify(NotifyHash, "hincrby", key)
	c.dirtyAfter(1, created)
	c.R.Int(cur)
}

// cmdHIncrByFloat is Valkey's hincrbyfloatCommand: the sum in x87 extended
// precision, stored and replied as INCRBYFLOAT formats it, keeping the
// field's deadline.
func cmdHIncrByFloat(c *Ctx) {
	incr, ok := ParseLongDouble(c.Args[3])
	if !ok {
		c.Error(ErrNotFloat)
		return
	}
	if incr.IsNaN() || incr.IsInf() {
		c.Error(ErrHashIncrNaN)
		return
	}
	key := c.Args[1]
	e, h, created, ok := c.hashOrCreate(key)
	if !ok {
		return
	}
	var cur LongDouble
	if v, found := h.get(c.Args[2], c.nowMs); found {
		x, isFloat := ParseLongDouble(sbytes(v))
		if !isFloat {
			c.Error(ErrHashNotFloat)
			return
		}
		cur = x
	}
	sum := cur.Add(incr)
	if sum.IsNaN() || sum.IsInf() {
		c.Error(ErrIncrFloatNaN)
		return
	}
	b := sum.AppendHuman(c.scratch[:0])
	h.set(c.Args[2], string(b), c.hashLimits(), c.nowMs, true)
	c.hashTracked(e, h)
	c.Modified(key)
	c.Notify(NotifyHash, "hincrbyfloat", key)
	c.dirtyAfter(1, created)
	c.R.Bulk(b)
}
