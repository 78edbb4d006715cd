package engine

// Database-wide commands: DBSIZE FLUSHDB FLUSHALL SWAPDB.
var dbCommands = []*Command{
	{Name: "dbsize", Arity: 1, Flags: ReadOnly | Fast | SelfLocking, Group: "server", Run: cmdDBSize},
	{Name: "flushdb", Arity: -1, Flags: Write | Exclusive, Group: "server", Run: cmdFlushDB},
	{Name: "flushall", Arity: -1, Flags: Write | Exclusive, Group: "server", Run: cmdFlushAll},
	{Name: "swapdb", Arity: 3, Flags: Write | Fast | Exclusive, Group: "server", Run: cmdSwapDB},
}

// cmdDBSize counts keys whose deadline has passed but that the expiry loop
// has not deleted yet, as Valkey does.
func cmdDBSize(c *Ctx) { c.R.Int(int64(c.DB.Len())) }

// flushArgs checks FLUSHDB's and FLUSHALL's optional ASYNC or SYNC. Both
// behave alike here: the old contents are dropped at once and collected in
// the background.
func (c *Ctx) flushArgs() bool {
	switch {
	case len(c.Args) == 1:
		return true
	case len(c.Args) == 2 && (optIs(c.Args[1], "sync") || optIs(c.Args[1], "async")):
		return true
	}
	c.Error(ErrSyntax)
	return false
}

// flush empties db and returns how many keys it held. The caller holds the
// namespace exclusively.
func (db *DB) flush() int {
	n := 0
	for i := range db.data.shards {
		n += db.data.shards[i].keys.Len()
	}
	db.touchAllWatched(nil, db.ns.node.nowMs())
	db.data.dropped()
	db.data = newDBData(db.ns)
	db.ns.blocking.signalDB(db.index)
	return n
}

// Flush empties every database of the namespace and returns how many keys
// were removed; its tracking clients are told every key is invalid. The
// caller holds the namespace exclusively (see Lock).
func (ns *Namespace) Flush() int {
	n := 0
	for _, db := range ns.dbs {
		n += db.flush()
	}
	ns.trackingFlush()
	return n
}

func cmdFlushDB(c *Ctx) {
	if !c.flushArgs() {
		return
	}
	c.Dirty(int64(c.DB.flush()))
	c.Client.NS.trackingFlush()
	c.OK()
}

func cmdFlushAll(c *Ctx) {
	if !c.flushArgs() {
		return
	}
	c.Dirty(int64(c.Client.NS.Flush()))
	c.Node.flushedAll()
	c.OK()
}

// cmdSwapDB exchanges the contents of two databases: connections stay on
// their database number and see the other contents.
func cmdSwapDB(c *Ctx) {
	id1, ok := c.int32Arg(c.Args[1], ErrSwapDBFirst)
	if !ok {
		return
	}
	id2, ok := c.int32Arg(c.Args[2], ErrSwapDBSecond)
	if !ok {
		return
	}
	ns := c.Client.NS
	if id1 < 0 || id1 >= ns.DBCount() || id2 < 0 || id2 >= ns.DBCount() {
		c.Error(ErrDBIndex)
		return
	}
	if id1 != id2 {
		a, b := ns.dbs[id1], ns.dbs[id2]
		a.touchAllWatched(b.data, c.nowMs)
		b.touchAllWatched(a.data, c.nowMs)
		a.data, b.data = b.data, a.data
		ns.blocking.signalDB(a.index)
		ns.blocking.signalDB(b.index)
	}
	c.Dirty(1)
	c.OK()
}
