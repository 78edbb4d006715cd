package engine

import (
	"bytes"
	"math"
	"math/rand/v2"
)

// Generic key commands: DEL UNLINK EXISTS TYPE TOUCH RENAME RENAMENX COPY
// MOVE RANDOMKEY KEYS.
var keyCommands = []*Command{
	{Name: "del", Arity: -2, Flags: Write, First: 1, Last: -1, Step: 1, Group: "generic", Run: cmdDel},
	{Name: "unlink", Arity: -2, Flags: Write | Fast, First: 1, Last: -1, Step: 1, Group: "generic", Run: cmdDel},
	{Name: "exists", Arity: -2, Flags: ReadOnly | Fast, First: 1, Last: -1, Step: 1, Group: "generic", Run: cmdExists},
	{Name: "type", Arity: 2, Flags: ReadOnly | Fast, First: 1, Last: 1, Step: 1, Group: "generic", Run: cmdType},
	{Name: "touch", Arity: -2, Flags: ReadOnly | Fast, First: 1, Last: -1, Step: 1, Group: "generic", Run: cmdTouch},
	{Name: "rename", Arity: 3, Flags: Write, First: 1, Last: 2, Step: 1, Group: "generic", Run: cmdRename},
	{Name: "renamenx", Arity: 3, Flags: Write | Fast, First: 1, Last: 2, Step: 1, Group: "generic", Run: cmdRenameNX},
	{Name: "copy", Arity: -3, Flags: Write | DenyOOM | Exclusive, First: 1, Last: 2, Step: 1, Group: "generic", Run: cmdCopy},
	{Name: "move", Arity: 3, Flags: Write | Fast | Exclusive, First: 1, Last: 1, Step: 1, Group: "generic", Run: cmdMove},
	{Name: "randomkey", Arity: 1, Flags: ReadOnly | Exclusive, Group: "generic", Run: cmdRandomKey},
	{Name: "keys", Arity: 2, Flags: ReadOnly | Exclusive, Group: "generic", Run: cmdKeys},
}

// Copier is implemented by collection values so that COPY can store an
// independent duplicate: Copy returns a value of the same type and encoding
// that shares nothing mutable with the receiver.
type Copier interface {
	Copy() any
}

// copyValue duplicates a stored value for COPY.
func copyValue(v any) (any, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case *shortStr:
		return newShortStr(v.bytes()), true
	case *Str:
		return &Str{B: bytes.Clone(v.B), Raw: v.Raw}, true
	case Copier:
		return v.Copy(), true
	}
	return nil, false
}

// optIs reports whether the option argument b is word (given in lower
// case) as Valkey's strcasecmp sees it: ignoring case, and ending the
// argument at its first NUL byte.
func optIs(b []byte, word string) bool {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return eqFold(b, word)
}

// int32Arg parses an argument as Valkey's getIntFromObjectOrReply: msg, when
// not empty, replaces both the not-an-integer and the out-of-range errors.
func (c *Ctx) int32Arg(b []byte, msg string) (int, bool) {
	v, ok := parseStrictInt(b)
	if !ok {
		if msg == "" {
			msg = ErrNotInt
		}
		c.Error(msg)
		return 0, false
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		if msg == "" {
			msg = ErrIntRange
		}
		c.Error(msg)
		return 0, false
	}
	return int(v), true
}

// dbArg parses a database index argument of MOVE or COPY and returns that
// database of the client's namespace.
func (c *Ctx) dbArg(b []byte) (*DB, bool) {
	id, ok := c.int32Arg(b, "")
	if !ok {
		return nil, false
	}
	ns := c.Client.NS
	if id < 0 || id >= ns.DBCount() {
		c.Error(ErrDBIndex)
		return nil, false
	}
	return ns.DB(id), true
}

// expiredAt reports whether e's deadline has passed at now.
func expiredAt(e *Entry, now int64) bool {
	t := e.Val.timer()
	return t != nil && t.expireAt() < now
}

// cmdDel is DEL and UNLINK: memory is reclaimed by the collector either way.
func cmdDel(c *Ctx) {
	var n int64
	for _, k := range c.Args[1:] {
		if c.Delete(k) {
			c.Modified(k)
			c.Notify(NotifyGeneric, "del", k)
			n++
		}
	}
	c.R.Int(n)
}

func cmdExists(c *Ctx) {
	var n int64
	for _, k := range c.Args[1:] {
		if c.LookupNoTouch(k) != nil {
			n++
		}
	}
	c.R.Int(n)
}

func cmdType(c *Ctx) {
	e := c.LookupNoTouch(c.Args[1])
	if e == nil {
		c.R.Simple("none")
		return
	}
	c.R.Simple(typeName(e.Val.val()))
}

// cmdTouch counts and touches the live keys; unlike other reads it touches
// them even for a CLIENT NO-TOUCH connection, as Valkey does.
func cmdTouch(c *Ctx) {
	var n int64
	stats := &c.Client.NS.Stats
	for _, k := range c.Args[1:] {
		e := c.DB.find(bstr(k), c.nowMs)
		if e == nil {
			c.Notify(NotifyKeyMiss, "keymiss", k)
			stats.KeyspaceMisses.Add(1)
			continue
		}
		stats.KeyspaceHits.Add(1)
		e.Val.setLRU(c.Client.NS.touchLRU(e.Val.lru(), c.nowMs))
		n++
	}
	c.R.Int(n)
}

func cmdRename(c *Ctx)   { c.rename(false) }
func cmdRenameNX(c *Ctx) { c.rename(true) }

// rename moves the value and TTL of Args[1] to Args[2]; both shards are
// locked by the dispatcher.
func (c *Ctx) rename(nx bool) {
	src, dst := c.Args[1], c.Args[2]
	e := c.LookupWrite(src)
	if e == nil {
		c.Error(ErrNoSuchKey)
		return
	}
	if bytes.Equal(src, dst) {
		if nx {
			c.R.Int(0)
		} else {
			c.OK()
		}
		return
	}
	db := c.DB
	if d := c.LookupWrite(dst); d != nil {
		if nx {
			c.R.Int(0)
			return
		}
		db.removeEntry(db.shardFor(d.Key()), d)
	}
	val, exp := e.Val.val(), expireOf(e)
	db.removeEntry(db.shardFor(e.Key()), e)
	ne := db.set(bstr(dst), val, false, c.nowMs)
	if exp != 0 {
		db.setExpire(db.shardFor(ne.Key()), ne, exp)
	}
	c.Modified(src)
	c.Modified(dst)
	c.Notify(NotifyGeneric, "rename_from", src)
	c.Notify(NotifyGeneric, "rename_to", dst)
	if nx {
		c.R.Int(1)
	} else {
		c.OK()
	}
}

// cmdMove runs exclusively: it touches two databases.
func cmdMove(c *Ctx) {
	dst, ok := c.dbArg(c.Args[2])
	if !ok {
		return
	}
	src := c.DB
	if dst == src {
		c.Error(ErrSameObject)
		return
	}
	key := c.Args[1]
	e := c.LookupWrite(key)
	if e == nil || dst.find(bstr(key), c.nowMs) != nil {
		c.R.Int(0)
		return
	}
	val, exp := e.Val.val(), expireOf(e)
	ne := dst.set(bstr(key), val, false, c.nowMs)
	if exp != 0 {
		dst.setExpire(dst.shardFor(ne.Key()), ne, exp)
	}
	src.removeEntry(src.shardFor(e.Key()), e)
	src.modified(bstr(key))
	dst.modified(bstr(key))
	src.notify(NotifyGeneric, "move_from", bstr(key))
	dst.notify(NotifyGeneric, "move_to", bstr(key))
	c.R.Int(1)
}

// cmdCopy runs exclusively: the destination may be another database.
func cmdCopy(c *Ctx) {
	dst, replace := c.DB, false
	args := c.Args
	for j := 3; j < len(args); j++ {
		switch {
		case optIs(args[j], "replace"):
			replace = true
		case optIs(args[j], "db") && j+1 < len(args):
			db, ok := c.dbArg(args[j+1])
			if !ok {
				return
			}
			dst = db
			j++
		default:
			c.Error(ErrSyntax)
			return
		}
	}
	key, newkey := args[1], args[2]
	if dst == c.DB && bytes.Equal(key, newkey) {
		c.Error(ErrSameObject)
		return
	}
	e := c.Lookup(key)
	if e == nil {
		c.R.Int(0)
		return
	}
	old := dst.find(bstr(newkey), c.nowMs)
	if old != nil && !replace {
		c.R.Int(0)
		return
	}
	val, ok := copyValue(e.Val.val())
	if !ok {
		c.Error(ErrUnknownTypeObj)
		return
	}
	exp := expireOf(e)
	if old != nil {
		dst.removeEntry(dst.shardFor(old.Key()), old)
	}
	ne := dst.set(bstr(newkey), val, false, c.nowMs)
	if exp != 0 {
		dst.setExpire(dst.shardFor(ne.Key()), ne, exp)
	}
	dst.modified(bstr(newkey))
	dst.notify(NotifyGeneric, "copy_to", bstr(newkey))
	c.R.Int(1)
}

// cmdRandomKey picks a shard with probability proportional to its size,
// then a key of it; expired keys it meets are deleted and it tries again,
// so the loop ends after at most one pass over the keys.
func cmdRandomKey(c *Ctx) {
	d := c.DB.data
	for {
		total := 0
		for i := range d.shards {
			total += d.shards[i].keys.Len()
		}
		if total == 0 {
			c.R.Null()
			return
		}
		r := rand.IntN(total)
		var s *shard
		for i := range d.shards {
			s = &d.shards[i]
			if r < s.keys.Len() {
				break
			}
			r -= s.keys.Len()
		}
		e := s.keys.Random()
		if expiredAt(e, c.nowMs) {
			d.removeEntry(s, e)
			c.Client.NS.Stats.ExpiredKeys.Add(1)
			c.DB.expiredKey(e.Key())
			continue
		}
		c.R.BulkString(e.Key())
		return
	}
}

// cmdKeys lists the live keys matching the pattern; expired keys are
// skipped, not deleted, as in Valkey.
func cmdKeys(c *Ctx) {
	pat := c.Args[1]
	all := len(pat) == 1 && pat[0] == '*'
	now := c.nowMs
	var out []string
	d := c.DB.data
	for i := range d.shards {
		d.shards[i].keys.Each(func(e *Entry) bool {
			if (all || GlobMatchString(pat, e.Key(), false)) && !expiredAt(e, now) {
				out = append(out, e.Key())
			}
			return true
		})
	}
	c.R.Array(len(out))
	for _, k := range out {
		c.R.BulkString(k)
	}
}
