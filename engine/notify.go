package engine

import (
	"strconv"
	"unsafe"
)

// Keyspace notifications (notify-keyspace-events), as Valkey's notify.c:
// the hook commands call when they change a key. The classes
// (NotifyGeneric ...) and the parameter are in params.go.
//
// An event of an enabled class is published on two channels, depending on
// the K and E flags:
//
//	__keyspace@<db>__:<key>    with the event name as the message (K)
//	__keyevent@<db>__:<event>  with the key as the message (E)
//
// When the class is off (the common case) notify costs one atomic load and
// a branch, inlined in the caller; when it is on but the namespace has no
// subscriber, a call and one more atomic load. Only then are the channel
// names built.

// Notify publishes a keyspace event for key in the command's database, as
// Valkey's notifyKeyspaceEvent: call it where Valkey does, with Valkey's
// class and event name. The classes are the namespace's: a store sets its
// own notify-keyspace-events (Namespace.SetNotifyKeyspaceEvents).
func (c *Ctx) Notify(class int, event string, key []byte) {
	// DB.notify, written out so that the whole fast path is inlined.
	if int(c.DB.ns.events.Load())&class != 0 {
		c.DB.publishKeyEvent(event, key)
	}
}

// publishKeyEvent is publishEvent for a key given as bytes. It is kept
// out of line so that Notify stays small enough to be inlined.
//
//go:noinline
func (db *DB) publishKeyEvent(event string, key []byte) { db.publishEvent(event, bstr(key)) }

// notify publishes a keyspace event for key in db, if the class is
// enabled. It is small enough to be inlined: a disabled class costs the
// caller one atomic load and a branch.
func (db *DB) notify(class int, event string, key string) {
	if int(db.ns.events.Load())&class != 0 {
		db.publishEvent(event, key)
	}
}

// notifyChannelBuf is the initial capacity of a channel name.
const notifyChannelBuf = 64

// publishEvent publishes event for key on the channels the K and E flags
// ask for.
func (db *DB) publishEvent(event, key string) {
	if db.ns.pubsub.live.Load() == 0 {
		return // nobody could receive it
	}
	flags := int(db.ns.events.Load())
	var dbid [20]byte
	id := strconv.AppendInt(dbid[:0], int64(db.index), 10)
	ch := make([]byte, 0, notifyChannelBuf+len(key))
	if flags&NotifyKeyspace != 0 {
		ch = append(ch, "__keyspace@"...)
		ch = append(ch, id...)
		ch = append(ch, "__:"...)
		ch = append(ch, key...)
		db.ns.Publish(ch, strBytes(event))
	}
	if flags&NotifyKeyevent != 0 {
		ch = append(ch[:0], "__keyevent@"...)
		ch = append(ch, id...)
		ch = append(ch, "__:"...)
		ch = append(ch, event...)
		db.ns.Publish(ch, strBytes(key))
	}
}

// strBytes views s as a byte slice without copying; the slice must not be
// modified.
func strBytes(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

// expiredKey announces that key of db was deleted because its TTL passed,
// as Valkey's deleteExpiredKeyAndPropagate: an "expired" event and the
// WATCH/tracking invalidation. Lazy and active expiry call it after
// deleting the key.
func (db *DB) expiredKey(key string) {
	db.notify(NotifyExpired, "expired", key)
	db.modified(key)
}

// NotifyKeyspaceEvents returns the notify-keyspace-events classes (Notify*
// bits) in force in the namespace: the node's parameter for the default
// namespace, the namespace's own setting for a tenant's (none at first).
func (ns *Namespace) NotifyKeyspaceEvents() int { return int(ns.events.Load()) }

// SetNotifyKeyspaceEvents sets the namespace's notify-keyspace-events
// classes; for the default namespace it is the node's parameter.
func (ns *Namespace) SetNotifyKeyspaceEvents(flags int) { ns.events.Store(int64(flags)) }
