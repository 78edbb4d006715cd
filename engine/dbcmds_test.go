package engine

import (
	"testing"
	"time"
)

func TestDBCommands(t *testing.T) {
	k := newKT(t)
	k.is(intReply(0), "DBSIZE")
	k.is(okReply(), "SET", "a", "1")
	k.is(okReply(), "SET", "b", "2", "EX", "100")
	k.is(intReply(2), "DBSIZE")
	k.cl.DB = 1
	k.is(okReply(), "SET", "c", "3")
	k.is(intReply(1), "DBSIZE")

	dirty := k.n.Default().Stats.Dirty.Load()
	k.is(okReply(), "FLUSHDB")
	if got := k.n.Default().Stats.Dirty.Load() - dirty; got != 1 {
		t.Errorf("FLUSHDB of one key added %d to dirty", got)
	}
	k.is(intReply(0), "DBSIZE")
	k.cl.DB = 0
	k.is(intReply(2), "DBSIZE")
	k.is(errReply(ErrSyntax), "FLUSHDB", "foo")
	k.is(errReply(ErrSyntax), "FLUSHDB", "SYNC", "ASYNC")
	k.is(errReply(ErrSyntax), "FLUSHALL", "bar")
	k.is(errReply(ErrArity("dbsize")), "DBSIZE", "x")
	k.is(okReply(), "FLUSHDB", "async")
	k.is(intReply(0), "DBSIZE")

	// SWAPDB: clients stay on their number and see the other contents.
	k.is(okReply(), "SET", "zero", "0")
	k.cl.DB = 1
	k.is(okReply(), "SET", "one", "1", "PX", "500")
	k.is(okReply(), "SWAPDB", "1", "0")
	k.is(bulk("0"), "GET", "zero")
	k.cl.DB = 0
	k.is(bulk("1"), "GET", "one")
	k.is(intReply(500), "PTTL", "one")
	k.is(okReply(), "SWAPDB", "0", "0")
	k.is(bulk("1"), "GET", "one")
	k.is(errReply(ErrSwapDBFirst), "SWAPDB", "x", "0")
	k.is(errReply(ErrSwapDBFirst), "SWAPDB", "99999999999", "y")
	k.is(errReply(ErrSwapDBSecond), "SWAPDB", "0", "y")
	k.is(errReply(ErrSwapDBSecond), "SWAPDB", "0", "-99999999999")
	k.is(errReply(ErrDBIndex), "SWAPDB", "0", "16")
	k.is(errReply(ErrDBIndex), "SWAPDB", "-1", "0")
	k.advance(time.Second)
	k.cycle()
	k.is(intReply(0), "DBSIZE")

	k.is(okReply(), "SET", "x", "1")
	k.cl.DB = 7
	k.is(okReply(), "SET", "y", "1", "EX", "5")
	k.is(okReply(), "FLUSHALL", "SYNC")
	for db := 0; db < 16; db++ {
		if k.dbsize(db) != 0 {
			t.Fatalf("db %d not flushed", db)
		}
	}
	checkTimers(t, k.n.Default())
}
