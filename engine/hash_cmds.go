package engine

import "strconv"

// Hash commands. This file: the table, HSET HSETNX HMSET HGET HMGET
// HGETALL HKEYS HVALS HDEL HEXISTS HLEN HSTRLEN HINCRBY HINCRBYFLOAT.
// hash_rand.go: HRANDFIELD and HSCAN. The value type is in hash.go.
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
}

// readHash returns the hash at key for a read (hit/miss counted). found is
// false when the key is missing; ok is false after it replied WRONGTYPE.
func (c *Ctx) readHash(key []byte) (h *Hash, found, ok bool) {
	e := c.Lookup(key)
	if e == nil {
		return nil, false, true
	}
	h, ok = e.Val.val.(*Hash)
	if !ok {
		c.Error(ErrWrongType)
	}
	return h, true, ok
}

// writeHash returns the hash at key for a write, or nil (without replying)
// when the key is missing; ok is false after it replied WRONGTYPE.
func (c *Ctx) writeHash(key []byte) (h *Hash, ok bool) {
	e := c.LookupWrite(key)
	if e == nil {
		return nil, true
	}
	h, ok = e.Val.val.(*Hash)
	if !ok {
		c.Error(ErrWrongType)
	}
	return h, ok
}

// hashOrCreate is Valkey's hashTypeLookupWriteOrCreate: the hash at key,
// created empty (and stored) when the key is missing. created says it was;
// storing a new key counts one change already. ok is false after it
// replied WRONGTYPE.
func (c *Ctx) hashOrCreate(key []byte) (h *Hash, created, ok bool) {
	h, ok = c.writeHash(key)
	if !ok || h != nil {
		return h, false, ok
	}
	h = newHash()
	c.SetValue(key, h, false)
	return h, true, true
}

// dirtyAfter records n changes of a command that may have created its key
// (which counted one change already); Valkey counts only the n.
func (c *Ctx) dirtyAfter(n int64, created bool) {
	if created {
		n--
	}
	if n > 0 {
		c.Dirty(n)
	}
}

// cmdHSet is HSET and HMSET: field/value pairs set in order; HSET replies
// with the number of new fields, HMSET with +OK.
func cmdHSet(c *Ctx) {
	if len(c.Args)%2 == 1 {
		c.Error(ErrArity(c.Cmd.FullName()))
		return
	}
	h, created, ok := c.hashOrCreate(c.Args[1])
	if !ok {
		return
	}
	lim := c.hashLimits()
	pairs := c.Args[2:]
	h.tryConversion(pairs, lim)
	var added int64
	for i := 0; i < len(pairs); i += 2 {
		if h.Set(pairs[i], string(pairs[i+1]), lim) {
			added++
		}
	}
	c.dirtyAfter(int64(len(pairs)/2), created)
	if c.Cmd.Name == "hmset" {
		c.OK()
		return
	}
	c.R.Int(added)
}

func cmdHSetNX(c *Ctx) {
	h, created, ok := c.hashOrCreate(c.Args[1])
	if !ok {
		return
	}
	if h.Exists(c.Args[2]) {
		c.R.Int(0)
		return
	}
	lim := c.hashLimits()
	h.tryConversion(c.Args[2:4], lim)
	h.Set(c.Args[2], string(c.Args[3]), lim)
	c.dirtyAfter(1, created)
	c.R.Int(1)
}

func cmdHGet(c *Ctx) {
	h, found, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	if found {
		if v, ok := h.Get(c.Args[2]); ok {
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
			if v, ok := h.Get(f); ok {
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
// HKEYS and HVALS an array.
func (c *Ctx) hashGetAll(want int) {
	h, found, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	both := want == hashWantFields|hashWantValues
	n := 0
	if found {
		n = h.Len()
	}
	if both {
		c.R.Map(n)
	} else {
		c.R.Array(n)
	}
	if !found {
		return
	}
	h.Each(func(f, v string) bool {
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

// cmdHDel deletes fields and replies how many existed; the key goes with
// its last field.
func cmdHDel(c *Ctx) {
	key := c.Args[1]
	h, ok := c.writeHash(key)
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
	c.dirtyAfter(deleted, removed)
	c.R.Int(deleted)
}

func cmdHExists(c *Ctx) {
	h, found, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	if found && h.Exists(c.Args[2]) {
		c.R.Int(1)
		return
	}
	c.R.Int(0)
}

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
		v, _ := h.Get(c.Args[2])
		n = len(v)
	}
	c.R.Int(int64(n))
}

// cmdHIncrBy is Valkey's hincrbyCommand: a missing field counts as 0; the
// result is stored as text.
func cmdHIncrBy(c *Ctx) {
	incr, ok := c.intArg(c.Args[3])
	if !ok {
		return
	}
	h, created, ok := c.hashOrCreate(c.Args[1])
	if !ok {
		return
	}
	var cur int64
	if v, found := h.Get(c.Args[2]); found {
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
	h.Set(c.Args[2], strconv.FormatInt(cur, 10), c.hashLimits())
	c.dirtyAfter(1, created)
	c.R.Int(cur)
}

// cmdHIncrByFloat is Valkey's hincrbyfloatCommand: the sum in x87 extended
// precision, stored and replied as INCRBYFLOAT formats it.
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
	h, created, ok := c.hashOrCreate(c.Args[1])
	if !ok {
		return
	}
	var cur LongDouble
	if v, found := h.Get(c.Args[2]); found {
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
	h.Set(c.Args[2], string(b), c.hashLimits())
	c.dirtyAfter(1, created)
	c.R.Bulk(b)
}
