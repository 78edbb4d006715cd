package engine

import (
	"bytes"
	"math"
	"strconv"
)

// SCAN over a sharded database, and the cursor and option parsing that
// HSCAN, SSCAN and ZSCAN share.
//
// A keyspace cursor is the shard index in its low shardBits bits and the
// shard dict's reverse-binary cursor above them. Shards are scanned in
// index order, each to completion, so Valkey's guarantee carries over from
// dict.Scan: a key present from the first call to the last is returned at
// least once, however the shard tables grow or shrink in between.

var scanCommands = []*Command{
	{Name: "scan", Arity: -2, Flags: ReadOnly | SelfLocking, Group: "generic", Run: cmdScan},
}

const (
	shardBits = 4 // log2(NumShards)
	// scanLockSteps bounds the dict steps SCAN takes under one shard lock
	// (a huge COUNT scans a whole shard in one call).
	scanLockSteps = 1024
)

// scanKind says which command's options parseScanOpts accepts.
type scanKind int

// Scan kinds.
const (
	scanKeyspace scanKind = iota // SCAN: TYPE
	scanHash                     // HSCAN: NOVALUES
	scanSet                      // SSCAN
	scanZSet                     // ZSCAN: NOSCORES
)

// scanOpts are the parsed options of the SCAN family.
type scanOpts struct {
	count   int64  // COUNT, default 10
	pattern []byte // MATCH; nil when absent or "*"
	typ     string // TYPE as TYPE prints it; "" when absent
	// noValues is HSCAN NOVALUES or ZSCAN NOSCORES.
	noValues bool
}

// matches reports whether key passes the MATCH option.
func (o *scanOpts) matches(key string) bool {
	return o.pattern == nil || GlobMatchString(o.pattern, key, false)
}

// scanCursorArg parses a SCAN cursor, replying "invalid cursor" when it is
// not one.
func (c *Ctx) scanCursorArg(b []byte) (uint64, bool) {
	v, ok := parseScanCursor(b)
	if !ok {
		c.Error(ErrInvalidCursor)
	}
	return v, ok
}

// parseScanCursor parses a cursor as Valkey's string2ull: the C string
// (up to a NUL) as a non-negative long long, or failing that as strtoull
// reads it (leading blanks and a sign allowed, "-1" excepted since the
// first attempt refuses negative numbers).
func parseScanCursor(b []byte) (uint64, bool) {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	if v, ok := parseStrictInt(b); ok {
		return uint64(v), v >= 0
	}
	return strtoull(b)
}

// strtoull is C's strtoull(s, &end, 10) with Valkey's checks: the whole
// string must be consumed, and it must not be empty or overflow.
func strtoull(b []byte) (uint64, bool) {
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	start := i
	var v uint64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		d := uint64(b[i] - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false // ERANGE
		}
		v = v*10 + d
	}
	if i == start || i != len(b) {
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// scanTypes are the names SCAN TYPE accepts.
var scanTypes = []string{TypeString, TypeList, TypeSet, TypeZSet, TypeHash, TypeStream}

// parseScanOpts parses the options after the cursor as Valkey's
// scanGenericCommand does, replying with its error on a bad one.
func (c *Ctx) parseScanOpts(args [][]byte, kind scanKind) (o scanOpts, ok bool) {
	o.count = 10
	for i := 0; i < len(args); {
		a := args[i]
		more := len(args)-i >= 2
		switch {
		case optIs(a, "count") && more:
			n, ok := c.intArg(args[i+1])
			if !ok {
				return o, false
			}
			if n < 1 {
				c.Error(ErrSyntax)
				return o, false
			}
			o.count = n
			i += 2
		case optIs(a, "match") && more:
			p := args[i+1]
			if len(p) == 1 && p[0] == '*' {
				o.pattern = nil
			} else {
				o.pattern = p
			}
			i += 2
		case optIs(a, "type") && kind == scanKeyspace && more:
			name := args[i+1]
			o.typ = ""
			for _, t := range scanTypes {
				if optIs(name, t) {
					o.typ = t
				}
			}
			if o.typ == "" {
				c.Error(ErrUnknownTypeName(name))
				return o, false
			}
			i += 2
		case optIs(a, "novalues"):
			if kind != scanHash {
				c.Error(ErrNoValuesOption)
				return o, false
			}
			o.noValues = true
			i++
		case optIs(a, "noscores"):
			if kind != scanZSet {
				c.Error(ErrNoScoresOption)
				return o, false
			}
			o.noValues = true
			i++
		default:
			c.Error(ErrSyntax)
			return o, false
		}
	}
	return o, true
}

func cmdScan(c *Ctx) {
	cursor, ok := c.scanCursorArg(c.Args[1])
	if !ok {
		return
	}
	o, ok := c.parseScanOpts(c.Args[2:], scanKeyspace)
	if !ok {
		return
	}
	keys, next := c.DB.scan(cursor, &o, c.nowMs)
	c.R.Array(2)
	c.R.Bulk(strconv.AppendUint(c.scratch[:0], next, 10))
	c.R.Array(len(keys))
	for _, k := range keys {
		c.R.BulkString(k)
	}
}

// scan runs one SCAN call from cursor and returns the keys found and the
// next cursor. It locks one shard at a time (the caller holds the
// namespace shared or exclusively) and deletes the expired keys it meets.
//
// Like Valkey it takes dict steps until the iteration ends, COUNT keys
// have been visited, or 10*COUNT steps have been taken; finishing a shard
// moves to the next non-empty one within the same step.
func (db *DB) scan(cursor uint64, o *scanOpts, now int64) (keys []string, next uint64) {
	d := db.data
	si := int(cursor & (NumShards - 1))
	dc := cursor >> shardBits
	maxIter := int64(math.MaxInt64)
	if o.count <= math.MaxInt64/10 {
		maxIter = o.count * 10
	}
	var sampled, expired int64
	var batch []*Entry
	collect := func(e *Entry) {
		sampled++
		if o.typ != "" && typeName(e.Val.val()) != o.typ {
			return
		}
		if !o.matches(e.Key()) {
			return
		}
		batch = append(batch, e)
	}
	s := &d.shards[si]
	s.mu.Lock()
	steps := 0
	for {
		batch = batch[:0]
		dc = s.keys.Scan(dc, collect)
		for _, e := range batch {
			if expiredAt(e, now) {
				if s.keys.Find(e.Key()) == e {
					d.removeEntry(s, e)
					expired++
					db.expiredKey(e.Key())
				}
				continue
			}
			keys = append(keys, e.Key())
		}
		if dc == 0 {
			s.mu.Unlock()
			s = nil
			for si++; si < NumShards; si++ {
				t := &d.shards[si]
				t.mu.Lock()
				if t.keys.Len() > 0 {
					s = t
					break
				}
				t.mu.Unlock()
			}
			if s == nil {
				next = 0
				break
			}
		}
		next = dc<<shardBits | uint64(si)
		if maxIter == 0 || sampled >= o.count {
			s.mu.Unlock()
			break
		}
		maxIter--
		if steps++; steps%scanLockSteps == 0 {
			s.mu.Unlock()
			s.mu.Lock()
		}
	}
	if expired > 0 {
		db.ns.Stats.ExpiredKeys.Add(expired)
	}
	return keys, next
}
