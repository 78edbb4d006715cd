package engine

import "math"

// OBJECT and its subcommands ENCODING FREQ IDLETIME REFCOUNT HELP.
var objectCommands = []*Command{
	{Name: "object", Arity: -2, Group: "generic", Subcommands: []*Command{
		{Name: "encoding", Arity: 3, Flags: ReadOnly, First: 2, Last: 2, Step: 1, Group: "generic", Run: cmdObjectEncoding},
		{Name: "freq", Arity: 3, Flags: ReadOnly, First: 2, Last: 2, Step: 1, Group: "generic", Run: cmdObjectFreq},
		{Name: "idletime", Arity: 3, Flags: ReadOnly, First: 2, Last: 2, Step: 1, Group: "generic", Run: cmdObjectIdletime},
		{Name: "refcount", Arity: 3, Flags: ReadOnly, First: 2, Last: 2, Step: 1, Group: "generic", Run: cmdObjectRefcount},
		{Name: "help", Arity: 2, Flags: Loading | Stale | NoKeyspace, Group: "generic", Run: cmdObjectHelp},
	}},
}

// sharedRefcount is OBJ_SHARED_REFCOUNT, what OBJECT REFCOUNT says of
// Valkey's shared small integers.
const sharedRefcount = math.MaxInt32

// sharedIntegers is OBJ_SHARED_INTEGERS: integer values in [0, 10000) are
// shared objects in Valkey.
const sharedIntegers = 10000

// objectLookup is Valkey's objectCommandLookup: a read without touching
// the key and without a "keymiss" event (LOOKUP_NOTOUCH|LOOKUP_NONOTIFY);
// a missing key replies null.
func (c *Ctx) objectLookup() *Entry {
	e := c.DB.find(bstr(c.Args[2]), c.nowMs)
	if e == nil {
		c.Client.NS.Stats.KeyspaceMisses.Add(1)
		c.R.Null()
		return nil
	}
	c.Client.NS.Stats.KeyspaceHits.Add(1)
	return e
}

func cmdObjectEncoding(c *Ctx) {
	if e := c.objectLookup(); e != nil {
		c.R.BulkString(encodingName(e.Val.val()))
	}
}

// cmdObjectRefcount reports Valkey's reference counts: its shared integer
// objects (values 0..9999 stored whole) report INT_MAX, everything else 1.
// Valkey keeps an integer it incremented in place unshared; flect does not
// track that history and reports the value's class.
func cmdObjectRefcount(c *Ctx) {
	e := c.objectLookup()
	if e == nil {
		return
	}
	if v, ok := e.Val.val().(int64); ok && v >= 0 && v < sharedIntegers && c.Client.NS.sharesIntegers() {
		c.R.Int(sharedRefcount)
		return
	}
	c.R.Int(1)
}

// sharesIntegers is Valkey's canUseSharedObject: small integers are shared
// unless maxmemory (or the store's quota) is set with an LRU or LFU policy.
func (ns *Namespace) sharesIntegers() bool {
	return ns.policy().flags()&(policyLRU|policyLFU) == 0 || ns.node.Maxmemory() == 0 && ns.mem.quota.Load() == 0
}

func cmdObjectIdletime(c *Ctx) {
	e := c.objectLookup()
	if e == nil {
		return
	}
	if c.Client.NS.usesLFU() {
		c.Error(ErrLFUSelected)
		return
	}
	c.R.Int(idleMs(e.Val.lru(), c.nowMs) / 1000)
}

func cmdObjectFreq(c *Ctx) {
	e := c.objectLookup()
	if e == nil {
		return
	}
	if !c.Client.NS.usesLFU() {
		c.Error(ErrLFUNotSelected)
		return
	}
	c.R.Int(int64(c.Node.lfuCounter(e.Val.lru(), c.nowMs)))
}

// objectHelp is OBJECT HELP's text between Valkey's generic heading and
// footer.
var objectHelp = []string{
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
}

func cmdObjectHelp(c *Ctx) { ReplyHelp(c, objectHelp) }

// ReplyHelp writes a container command's HELP reply as Valkey's
// addReplyHelp does: a heading naming the command as typed (upper-cased),
// the lines, and the HELP entry, all as status replies.
func ReplyHelp(c *Ctx, lines []string) {
	name := make([]byte, len(c.Args[0]))
	for i, ch := range c.Args[0] {
		if 'a' <= ch && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		name[i] = ch
	}
	c.R.Array(len(lines) + 3)
	c.R.Simple(string(name) + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		c.R.Simple(l)
	}
	c.R.Simple("HELP")
	c.R.Simple("    Print this help.")
}
