package engine

import (
	"testing"
	"time"
)

// watchKey runs WATCH's engine part for key on k's client.
func (k *kt) watchKey(key string) {
	if k.cl.Watch == nil {
		k.cl.Watch = &WatchSet{}
	}
	c := Ctx{Client: k.cl, Node: k.n, DB: k.cl.NS.DB(k.cl.DB)}
	c.nowMs = k.nowMs()
	c.Watch(k.cl.Watch, []byte(key))
}

// execRuns reports whether an EXEC would run now.
func (k *kt) execRuns() bool {
	c := Ctx{Client: k.cl}
	ran := k.n.Transaction(&c, func() {})
	k.cl.Watch.Unwatch()
	return ran
}

func TestWatchSignals(t *testing.T) {
	k := newKT(t)
	k.watchKey("a")
	if !k.execRuns() {
		t.Fatal("untouched watch failed")
	}
	k.watchKey("a")
	k.is(okReply(), "SET", "a", "1")
	if k.execRuns() {
		t.Fatal("SET did not touch the watched key")
	}
	// Another database's key of the same name is another key.
	k.watchKey("a")
	k.cl.DB = 1
	k.is(okReply(), "SET", "a", "1")
	k.cl.DB = 0
	if !k.execRuns() {
		t.Fatal("a key of another database touched the watch")
	}
	if k.cl.NS.watch.n.Load() != 0 {
		t.Fatal("entries left after unwatch")
	}
}

func TestWatchExpiry(t *testing.T) {
	k := newKT(t)
	// A key live at WATCH that expires afterwards fails EXEC, even before
	// anything deletes it.
	k.is(okReply(), "PSETEX", "e", "100", "v")
	k.watchKey("e")
	k.advance(200 * time.Millisecond)
	if k.execRuns() {
		t.Fatal("expired watched key did not fail EXEC")
	}
	// A key already expired (not yet deleted) at WATCH: its deletion is no
	// change (Valkey's "WATCH stale keys should not fail EXEC").
	k.is(okReply(), "PSETEX", "s", "100", "v")
	k.advance(200 * time.Millisecond)
	k.watchKey("s")
	k.cycle()
	if !k.execRuns() {
		t.Fatal("stale watched key failed EXEC after its expiry")
	}
	// ... but re-creating it is a change.
	k.is(okReply(), "PSETEX", "s2", "100", "v")
	k.advance(200 * time.Millisecond)
	k.watchKey("s2")
	k.is(okReply(), "SET", "s2", "new")
	if k.execRuns() {
		t.Fatal("re-created stale key did not fail EXEC")
	}
	// FLUSHALL of a stale key is no change either.
	k.is(okReply(), "PSETEX", "s3", "100", "v")
	k.advance(200 * time.Millisecond)
	k.watchKey("s3")
	k.is(okReply(), "FLUSHALL")
	if !k.execRuns() {
		t.Fatal("FLUSHALL of a stale key failed EXEC")
	}
}
