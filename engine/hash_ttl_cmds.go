package engine

import "math"

// Hash field expiry commands (Valkey 9): HEXPIRE HPEXPIRE HEXPIREAT
// HPEXPIREAT HTTL HPTTL HEXPIRETIME HPEXPIRETIME HPERSIST HGETEX HSETEX.
// They are declared in hashCommands (hash_cmds.go); the volatile set is in
// hash_ttl.go and active expiry in hash_expire.go.

// Results of a field expiry change, as Valkey's expiryModificationResult.
const (
	hfNoField   = -2 // no such field (or key)
	hfNoTTL     = -1 // HPERSIST: the field has no deadline
	hfCondition = 0  // NX XX GT LT not met
	hfSet       = 1  // deadline set or removed
	hfDeleted   = 2  // deadline in the past: field deleted
)

// hashFieldsBlock finds the FIELDS numfields block of a command whose
// options start at from, as Valkey's loops do: the first FIELDS argument
// before the last one. It returns the index of FIELDS (-1 if absent).
// HGETEX and HSETEX search from their first option: Valkey 9.0 starts at
// the command name, so a key spelled "fields" is taken for the token there
// (a bug later Valkey code avoids).
func hashFieldsBlock(args [][]byte, from int) int {
	for j := from; j < len(args)-1; j++ {
		if optIs(args[j], "fields") {
			return j
		}
	}
	return -1
}

// numFieldsArg parses the numfields argument at i (reply on error) and
// returns it with the index of the first field.
func (c *Ctx) numFieldsArg(i int) (n int64, first int, ok bool) {
	n, ok = c.intArg(c.Args[i])
	return n, i + 1, ok
}

// expireArgToUnix is Valkey's convertExpireArgumentToUnixTime: arg is a
// non-negative time in seconds or milliseconds, relative to base (0 for
// absolute times); the result is unix ms.
func (c *Ctx) expireArgToUnix(arg []byte, base int64, seconds bool) (int64, bool) {
	when, ok := c.intArg(arg)
	if !ok {
		return 0, false
	}
	if when < 0 || (seconds && when > math.MaxInt64/1000) {
		c.Error(ErrInvalidExpire(c.Cmd.FullName()))
		return 0, false
	}
	if seconds {
		when *= 1000
	}
	if when > math.MaxInt64-base {
		c.Error(ErrInvalidExpire(c.Cmd.FullName()))
		return 0, false
	}
	return when + base, true
}

// setExpire is Valkey's hashTypeSetExpire: give field of h (nil for a
// missing key) the deadline when under the NX XX GT LT flags. A listpack
// hash has no deadlines: XX and GT fail there, otherwise it converts.
func (h *Hash) setExpire(field []byte, when int64, flags int, now int64) int64 {
	if h == nil {
		return hfNoField
	}
	if h.ht == nil {
		if h.lpIndex(field) < 0 {
			return hfNoField
		}
		if flags&(expireXX|expireGT) != 0 {
			return hfCondition
		}
		h.convert()
	}
	n := h.liveNode(field, now)
	if n == nil {
		return hfNoField
	}
	cur := h.fieldAt(n.Key())
	switch {
	case flags&expireNX != 0 && cur != 0,
		flags&expireXX != 0 && cur == 0,
		flags&expireGT != 0 && (cur == 0 || when <= cur),
		flags&expireLT != 0 && cur != 0 && when >= cur:
		return hfCondition
	}
	h.setFieldExpiry(n, when)
	return hfSet
}

// persist is Valkey's hashTypePersist for field of h (nil for a missing
// key).
func (h *Hash) persist(field []byte, now int64) int64 {
	if h == nil {
		return hfNoField
	}
	if h.ht == nil {
		if h.lpIndex(field) < 0 {
			return hfNoField
		}
		return hfNoTTL
	}
	n := h.liveNode(field, now)
	if n == nil {
		return hfNoField
	}
	if h.clearFieldExpiry(n.Key()) {
		return hfSet
	}
	return hfNoTTL
}

// deleteField deletes field of h (nil for a missing key) and reports
// whether it was there. Like Valkey's hashTypeDelete it removes a field
// past its deadline too.
func (h *Hash) deleteField(field []byte) bool {
	return h != nil && h.Delete(field)
}

// hashAfterChange finishes a command that changed n fields (or their
// deadlines) of the hash h at e: tracking, WATCH, the change count, and
// the key's deletion (with a "del" event) when no field is left.
func (c *Ctx) hashAfterChange(key []byte, e *Entry, h *Hash, n int64) {
	c.Modified(key)
	if h.Len() == 0 {
		c.Delete(key) // counts one change
		c.Notify(NotifyGeneric, "del", key)
		c.dirtyAfter(n, true)
		return
	}
	c.hashTracked(e, h)
	if n > 0 {
		c.Dirty(n)
	}
}

func cmdHExpire(c *Ctx)    { c.hexpireGeneric(c.nowMs, true) }
func cmdHPExpire(c *Ctx)   { c.hexpireGeneric(c.nowMs, false) }
func cmdHExpireAt(c *Ctx)  { c.hexpireGeneric(0, true) }
func cmdHPExpireAt(c *Ctx) { c.hexpireGeneric(0, false) }

// hexpireGeneric is Valkey's hexpireGenericCommand: HEXPIRE key time
// [NX|XX|GT|LT] FIELDS numfields field... replies one code per field; a
// time not after now deletes the fields (code 2).
func (c *Ctx) hexpireGeneric(base int64, seconds bool) {
	args := c.Args
	var numFields int64
	first := len(args)
	flags := 0
	if fi := hashFieldsBlock(args, 3); fi >= 0 {
		var ok bool
		if flags, ok = c.parseExpireFlags(args[3:fi]); !ok {
			return
		}
		if numFields, first, ok = c.numFieldsArg(fi + 1); !ok {
			return
		}
	}
	if numFields == 0 || numFields != int64(len(args)-first) {
		c.Error(ErrNumFields)
		return
	}
	when, ok := c.expireArgToUnix(args[2], base, seconds)
	if !ok {
		return
	}
	now := c.nowMs
	past := when <= now
	key := args[1]
	e, h, ok := c.writeHash(key)
	if !ok {
		return
	}
	c.R.Array(int(numFields))
	var expired, updated int64
	for _, f := range args[first:] {
		r := int64(hfNoField)
		if past {
			if h.deleteField(f) {
				r = hfDeleted
				expired++
			}
		} else {
			r = h.setExpire(f, when, flags, now)
			if r == hfSet {
				updated++
			}
		}
		c.R.Int(r)
	}
	if expired+updated == 0 {
		return
	}
	if expired > 0 {
		c.Client.NS.Stats.ExpiredFields.Add(expired)
		c.Notify(NotifyHash, "hexpired", key)
	} else {
		c.Notify(NotifyHash, "hexpire", key)
	}
	c.hashAfterChange(key, e, h, expired+updated)
}

func cmdHTTL(c *Ctx)         { c.httlGeneric(c.nowMs, false) }
func cmdHPTTL(c *Ctx)        { c.httlGeneric(c.nowMs, true) }
func cmdHExpireTime(c *Ctx)  { c.httlGeneric(0, false) }
func cmdHPExpireTime(c *Ctx) { c.httlGeneric(0, true) }

// httlGeneric is Valkey's httlGenericCommand: HTTL key FIELDS numfields
// field... replies per field -2 (no field), -1 (no deadline), or the time
// left (base = now) or the deadline (base = 0). Like Valkey it reads the
// numfields at index 3 whatever the word at index 2.
func (c *Ctx) httlGeneric(base int64, ms bool) {
	numFields, first, ok := c.numFieldsArg(3)
	if !ok {
		return
	}
	if numFields == 0 || numFields != int64(len(c.Args)-first) {
		c.Error(ErrSyntax)
		return
	}
	h, found, ok := c.readHash(c.Args[1])
	if !ok {
		return
	}
	now := c.nowMs
	c.R.Array(int(numFields))
	for _, f := range c.Args[first:] {
		if !found || !h.exists(f, now) {
			c.R.Int(-2)
			continue
		}
		at := int64(0)
		if h.ht != nil {
			at = h.fieldAt(bstr(f))
		}
		if at == 0 {
			c.R.Int(-1)
			continue
		}
		r := max(at-base, 0)
		if !ms {
			r = (r + 500) / 1000
		}
		c.R.Int(r)
	}
}

// cmdHPersist is HPERSIST key FIELDS numfields field...: per field 1 (the
// deadline was removed), -1 (none) or -2 (no field). Like Valkey it reads
// the numfields at index 3 whatever the word at index 2.
func cmdHPersist(c *Ctx) {
	numFields, first, ok := c.numFieldsArg(3)
	if !ok {
		return
	}
	if numFields == 0 || numFields != int64(len(c.Args)-first) {
		c.Error(ErrNumFields)
		return
	}
	key := c.Args[1]
	e, h, ok := c.writeHash(key)
	if !ok {
		return
	}
	now := c.nowMs
	c.R.Array(int(numFields))
	var changes int64
	for _, f := range c.Args[first:] {
		r := h.persist(f, now)
		if r == hfSet {
			changes++
		}
		c.R.Int(r)
	}
	if changes > 0 {
		c.Notify(NotifyHash, "hpersist", key)
		c.hashAfterChange(key, e, h, changes)
	}
}

// Options of HGETEX and HSETEX (Valkey's ARGS_* flags).
const (
	hoptNX = 1 << iota
	hoptXX
	hoptFNX
	hoptFXX
	hoptKeepTTL
	hoptPersist
	hoptEX
	hoptPX
	hoptEXAT
	hoptPXAT
)

const hoptExpire = hoptEX | hoptPX | hoptEXAT | hoptPXAT

// hashExOpts are the parsed options of HGETEX or HSETEX.
type hashExOpts struct {
	flags  int
	expire []byte // the time argument of EX PX EXAT PXAT
}

// parseHashExOpts parses the options before FIELDS (args) as Valkey's
// parseExtendedCommandArgumentsOrReply does for its hash commands: set
// says HSETEX (NX XX FNX FXX KEEPTTL), otherwise HGETEX (PERSIST); both
// take one of EX PX EXAT PXAT. An unknown, repeated-incompatible or
// misplaced option is a syntax error.
func (c *Ctx) parseHashExOpts(args [][]byte, set bool) (o hashExOpts, ok bool) {
	for j := 0; j < len(args); j++ {
		a := args[j]
		hasNext := j+1 < len(args)
		f := o.flags
		var add int
		switch {
		case set && optIs(a, "nx") && f&hoptXX == 0:
			add = hoptNX
		case set && optIs(a, "xx") && f&hoptNX == 0:
			add = hoptXX
		case set && optIs(a, "fnx") && f&hoptFXX == 0:
			add = hoptFNX
		case set && optIs(a, "fxx") && f&hoptFNX == 0:
			add = hoptFXX
		case set && optIs(a, "keepttl") && f&(hoptExpire|hoptPersist) == 0:
			add = hoptKeepTTL
		case !set && optIs(a, "persist") && f&(hoptExpire|hoptKeepTTL) == 0:
			add = hoptPersist
		case hasNext && f&(hoptKeepTTL|hoptPersist) == 0 && optIs(a, "ex") && f&(hoptExpire&^hoptEX) == 0:
			add = hoptEX
		case hasNext && f&(hoptKeepTTL|hoptPersist) == 0 && optIs(a, "px") && f&(hoptExpire&^hoptPX) == 0:
			add = hoptPX
		case hasNext && f&(hoptKeepTTL|hoptPersist) == 0 && optIs(a, "exat") && f&(hoptExpire&^hoptEXAT) == 0:
			add = hoptEXAT
		case hasNext && f&(hoptKeepTTL|hoptPersist) == 0 && optIs(a, "pxat") && f&(hoptExpire&^hoptPXAT) == 0:
			add = hoptPXAT
		default:
			c.Error(ErrSyntax)
			return o, false
		}
		o.flags |= add
		if add&hoptExpire != 0 {
			o.expire = args[j+1]
			j++
		}
	}
	return o, true
}

// when converts the expire option to unix ms (reply on error).
func (c *Ctx) hashExWhen(o hashExOpts) (int64, bool) {
	base := c.nowMs
	if o.flags&(hoptEXAT|hoptPXAT) != 0 {
		base = 0
	}
	return c.expireArgToUnix(o.expire, base, o.flags&(hoptEX|hoptEXAT) != 0)
}

// cmdHGetEx is HGETEX key [EX|PX|EXAT|PXAT time | PERSIST] FIELDS
// numfields field...: the values, then the fields get the deadline (or
// lose it, or are deleted when the time is not after now).
func cmdHGetEx(c *Ctx) {
	args := c.Args
	numFields := int64(-1)
	first := len(args)
	var o hashExOpts
	if fi := hashFieldsBlock(args, 2); fi >= 0 {
		var ok bool
		if o, ok = c.parseHashExOpts(args[2:fi], false); !ok {
			return
		}
		if numFields, first, ok = c.numFieldsArg(fi + 1); !ok {
			return
		}
	}
	if numFields == 0 || numFields != int64(len(args)-first) {
		c.Error(ErrNumFields)
		return
	}
	key := args[1]
	e := c.Lookup(key)
	var h *Hash
	if e != nil {
		var isHash bool
		if h, isHash = e.Val.val().(*Hash); !isHash {
			c.Error(ErrWrongType)
			return
		}
	}
	now := c.nowMs
	persist := o.flags&hoptPersist != 0
	var when int64
	var setExpiry, past bool
	if !persist && o.expire != nil {
		var ok bool
		if when, ok = c.hashExWhen(o); !ok {
			return
		}
		past = when <= now
		setExpiry = !past
	}
	c.R.Array(int(numFields))
	var changes int64
	for _, f := range args[first:] {
		if v, ok := h.getOrMiss(f, now); ok {
			c.R.BulkString(v)
		} else {
			c.R.Null()
		}
		var changed bool
		switch {
		case past:
			changed = h.deleteField(f)
		case setExpiry:
			changed = h.setExpire(f, when, 0, now) == hfSet
		case persist:
			changed = h.persist(f, now) == hfSet
		}
		if changed {
			changes++
		}
	}
	if changes == 0 {
		return
	}
	switch {
	case past:
		c.Client.NS.Stats.ExpiredFields.Add(changes)
		c.Notify(NotifyHash, "hexpired", key)
	case setExpiry:
		c.Notify(NotifyHash, "hexpire", key)
	default:
		c.Notify(NotifyHash, "hpersist", key)
	}
	c.hashAfterChange(key, e, h, changes)
}

// getOrMiss is get on a hash that may be nil (a missing key).
func (h *Hash) getOrMiss(field []byte, now int64) (string, bool) {
	if h == nil {
		return "", false
	}
	return h.get(field, now)
}

// cmdHSetEx is HSETEX key [NX|XX] [FNX|FXX] [EX|PX|EXAT|PXAT time |
// KEEPTTL] FIELDS numfields field value...: replies 1 when every field was
// set (or deleted, for a time not after now), 0 when a condition failed.
func cmdHSetEx(c *Ctx) {
	args := c.Args
	var numFields int64
	first := len(args)
	var o hashExOpts
	if fi := hashFieldsBlock(args, 2); fi >= 0 {
		var ok bool
		if o, ok = c.parseHashExOpts(args[2:fi], true); !ok {
			return
		}
		if numFields, first, ok = c.numFieldsArg(fi + 1); !ok {
			return
		}
	}
	if numFields <= 0 || numFields > math.MaxInt64/2 || numFields*2 != int64(len(args)-first) {
		c.Error(ErrNumFields)
		return
	}
	key := args[1]
	e, h, ok := c.writeHash(key)
	if !ok {
		return
	}
	if (o.flags&hoptNX != 0 && h != nil) || (o.flags&hoptXX != 0 && h == nil) {
		c.R.Int(0)
		return
	}
	now := c.nowMs
	keepTTL := o.flags&hoptKeepTTL != 0
	var when int64
	var past bool
	if !keepTTL && o.expire != nil {
		if when, ok = c.hashExWhen(o); !ok {
			return
		}
		past = when <= now
	}
	pairs := args[first:]
	if o.flags&(hoptFNX|hoptFXX) != 0 {
		if h == nil {
			if o.flags&hoptFXX != 0 {
				c.R.Int(0)
				return
			}
		} else {
			for i := 0; i < len(pairs); i += 2 {
				if h.exists(pairs[i], now) == (o.flags&hoptFNX != 0) {
					c.R.Int(0)
					return
				}
			}
		}
	}
	created := false
	if h == nil {
		if past {
			// Nothing to set or delete: unlike Valkey, which leaves an
			// empty hash behind here, store nothing.
			c.R.Int(0)
			return
		}
		h = newHash()
		e = c.SetValue(key, h, false)
		created = true
	}
	lim := c.hashLimits()
	var changes int64
	for i := 0; i < len(pairs); i += 2 {
		if past {
			if h.deleteField(pairs[i]) {
				changes++
			}
			continue
		}
		if when != 0 {
			h.convert()
		}
		_, n := h.set(pairs[i], string(pairs[i+1]), lim, now, keepTTL)
		if when != 0 {
			h.setFieldExpiry(n, when)
		}
		changes++
	}
	if changes > 0 {
		if past {
			c.Client.NS.Stats.ExpiredFields.Add(changes)
			c.Notify(NotifyHash, "hexpired", key)
		} else {
			c.Notify(NotifyHash, "hset", key)
			if when != 0 {
				c.Notify(NotifyHash, "hexpire", key)
			}
		}
		n := changes
		if created {
			n-- // storing the key counted one
		}
		c.hashAfterChange(key, e, h, n)
	}
	if changes == numFields {
		c.R.Int(1)
		return
	}
	c.R.Int(0)
}
