package rdb

import (
	"encoding/binary"

	"github.com/flect-kv/flect/engine"
)

// DUMP and RESTORE (Valkey's cluster.c). A payload is the RDB type byte
// and object, the RDB version as 2 little-endian bytes, and the CRC64 of
// all that as 8 little-endian bytes.

// Commands are DUMP and RESTORE, declared as Valkey's command table has
// them (dump.json, restore.json).
var Commands = []*engine.Command{
	{Name: "dump", Arity: 2, Flags: engine.ReadOnly, First: 1, Last: 1, Step: 1, Group: "generic", Run: cmdDump},
	{Name: "restore", Arity: -4, Flags: engine.Write | engine.DenyOOM, First: 1, Last: 1, Step: 1, Group: "generic", Run: cmdRestore},
}

// Register adds DUMP and RESTORE to a node's command table.
func Register(t *engine.Table) { t.Add(Commands...) }

// Dump returns the DUMP payload of the stored value v.
func Dump(v any, compress bool) ([]byte, error) {
	b, err := AppendValue(make([]byte, 0, 64), v, compress)
	if err != nil {
		return nil, err
	}
	b = binary.LittleEndian.AppendUint16(b, Version)
	return binary.LittleEndian.AppendUint64(b, CRC64(0, b)), nil
}

// VerifyPayload checks a DUMP payload's footer as verifyDumpPayload does:
// an RDB version Valkey 8 can read (at most 11) and the checksum. It
// returns the serialized object without the footer.
func VerifyPayload(p []byte) ([]byte, bool) {
	if len(p) < 10 {
		return nil, false
	}
	footer := p[len(p)-10:]
	if binary.LittleEndian.Uint16(footer) > Version {
		return nil, false
	}
	if CRC64(0, p[:len(p)-8]) != binary.LittleEndian.Uint64(footer[2:]) {
		return nil, false
	}
	return p[:len(p)-10], true
}

func cmdDump(c *engine.Ctx) {
	e := c.Lookup(c.Args[1])
	if e == nil {
		c.R.Null()
		return
	}
	b, err := Dump(engine.EntryValue(e), c.Node.RDBCompression())
	if err != nil {
		c.Error(engine.ErrInternal)
		return
	}
	c.R.Bulk(b)
}

// restoreArgs are RESTORE's options.
type restoreArgs struct {
	replace, absTTL bool
	idle, freq      int64 // -1 when not given
}

// parseRestoreOptions parses the options after the payload, replying with
// Valkey's error on failure.
func parseRestoreOptions(c *engine.Ctx) (restoreArgs, bool) {
	a := restoreArgs{idle: -1, freq: -1}
	args := c.Args
	for j := 4; j < len(args); j++ {
		more := len(args) - j - 1
		switch {
		case eqFold(args[j], "replace"):
			a.replace = true
		case eqFold(args[j], "absttl"):
			a.absTTL = true
		case eqFold(args[j], "idletime") && more >= 1 && a.freq == -1:
			v, ok := parseStrictInt(args[j+1])
			if !ok {
				c.Error(engine.ErrNotInt)
				return a, false
			}
			if v < 0 {
				c.Error(engine.ErrRestoreIdletime)
				return a, false
			}
			a.idle = v
			j++
		case eqFold(args[j], "freq") && more >= 1 && a.idle == -1:
			v, ok := parseStrictInt(args[j+1])
			if !ok {
				c.Error(engine.ErrNotInt)
				return a, false
			}
			if v < 0 || v > 255 {
				c.Error(engine.ErrRestoreFreq)
				return a, false
			}
			a.freq = v
			j++
		default:
			c.Error(engine.ErrSyntax)
			return a, false
		}
	}
	return a, true
}

// eqFold compares an option with a lower-case word, ignoring ASCII case,
// ending b at a NUL byte as Valkey's strcasecmp does.
func eqFold(b []byte, s string) bool {
	for i, ch := range b {
		if ch == 0 {
			b = b[:i]
			break
		}
	}
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		ch := b[i]
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != s[i] {
			return false
		}
	}
	return true
}

func cmdRestore(c *engine.Ctx) {
	a, ok := parseRestoreOptions(c)
	if !ok {
		return
	}
	key := c.Args[1]
	if !a.replace && c.LookupWrite(key) != nil {
		c.Error(engine.ErrBusyKey)
		return
	}
	ttl, ok := parseStrictInt(c.Args[2])
	if !ok {
		c.Error(engine.ErrNotInt)
		return
	}
	if ttl < 0 {
		c.Error(engine.ErrRestoreTTL)
		return
	}
	if _, ok := VerifyPayload(c.Args[3]); !ok {
		c.Error(engine.ErrDumpPayload)
		return
	}
	// As Valkey, the object is read from the whole payload: a length
	// running into the footer reads the footer's bytes.
	val, _, err := ReadValue(c.Node, c.Args[3])
	if err != nil {
		c.Error(engine.ErrBadDataFormat)
		return
	}
	deleted := a.replace && c.Delete(key)
	if ttl != 0 && !a.absTTL {
		ttl += c.NowMs()
	}
	if ttl != 0 && ttl <= c.NowMs() {
		if deleted {
			c.Modified(key)
			c.Notify(engine.NotifyGeneric, "del", key)
		}
		c.OK()
		return
	}
	e := c.SetValue(key, val, false)
	if ttl != 0 {
		c.SetExpire(e, ttl)
	}
	c.SetAccess(e, a.freq, a.idle)
	c.Modified(key)
	c.Notify(engine.NotifyGeneric, "restore", key)
	c.OK()
	if !deleted {
		c.Dirty(1)
	}
}
