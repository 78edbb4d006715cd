package tenancy

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/flect-kv/flect/engine"
)

// Stores survive restarts when the registry has a MetaStore (the node's
// data directory): every change to a store (create, rotate, quota, delete)
// is written through at once, before the command replies. A record holds
// what the registry keeps: the secrets' hashes, the current secret sealed
// with the registry's key (so that `flect kv url` works after a restart),
// the quota and the times. The sealing key is kept in the same store: the
// data directory must be protected like the data it holds.

// MetaStore is durable key-value storage for the registry's records;
// persistence/snapshot's Store implements it.
type MetaStore interface {
	PutMeta(key string, val []byte) error
	DeleteMeta(key string) error
	Metas(prefix string) (map[string][]byte, error)
}

const (
	metaKeyName   = "tenancy/key"
	metaStorePref = "tenancy/store/"
	// recordVersion is the version of a store record's layout.
	recordVersion = 1
)

// record is a store as persisted.
type record struct {
	Version   int       `json:"v"`
	Name      string    `json:"name"`
	Created   time.Time `json:"created"`
	Hash      []byte    `json:"hash"`
	Sealed    []byte    `json:"sealed"`
	OldHash   []byte    `json:"old_hash,omitempty"`
	OldUntil  time.Time `json:"old_until,omitzero"`
	Rotated   time.Time `json:"rotated,omitzero"`
	MaxMemory int64     `json:"maxmemory"`
	Policy    string    `json:"policy"`
	// Notify is the store's notify-keyspace-events, as CONFIG GET shows
	// it ("" when off).
	Notify string `json:"notify,omitempty"`
}

// Open loads the registry's key and stores from meta and writes every
// later change through to it. Call it once, before serving, on a registry
// without stores. Stores whose namespace cannot be created are reported.
func (r *Registry) Open(meta MetaStore) error {
	keys, err := meta.Metas(metaKeyName)
	if err != nil {
		return fmt.Errorf("tenancy: read key: %w", err)
	}
	key := keys[metaKeyName]
	if len(key) != 32 {
		key = make([]byte, 32)
		if _, err := io.ReadFull(rand.Reader, key); err != nil {
			return fmt.Errorf("tenancy: key: %w", err)
		}
		if err := meta.PutMeta(metaKeyName, key); err != nil {
			return fmt.Errorf("tenancy: write key: %w", err)
		}
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return err
	}
	seal, err := cipher.NewGCM(block)
	if err != nil {
		return err
	}
	recs, err := meta.Metas(metaStorePref)
	if err != nil {
		return fmt.Errorf("tenancy: read stores: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.mu.byName) > 0 {
		return fmt.Errorf("tenancy: Open on a registry that has stores")
	}
	r.seal = seal
	for k, b := range recs {
		var rec record
		if err := json.Unmarshal(b, &rec); err != nil || rec.Version != recordVersion ||
			len(rec.Hash) != sha256.Size || !ValidName(rec.Name) || metaStorePref+rec.Name != k {
			return fmt.Errorf("tenancy: bad store record %q", k)
		}
		ns := r.ks.NewNamespace(rec.Name)
		if ns == nil {
			return fmt.Errorf("tenancy: store %q: namespace exists", rec.Name)
		}
		st := &Store{name: rec.Name, ns: ns, created: rec.Created, sealed: rec.Sealed,
			maxMemory: rec.MaxMemory, policy: rec.Policy, rotated: rec.Rotated}
		st.applyQuota()
		copy(st.hash[:], rec.Hash)
		if rec.Notify != "" {
			flags, ok := engine.ParseNotifyKeyspaceEvents(rec.Notify)
			if !ok {
				return fmt.Errorf("tenancy: store %q: bad notify-keyspace-events %q", rec.Name, rec.Notify)
			}
			ns.SetNotifyKeyspaceEvents(flags)
		}
		if len(rec.OldHash) == sha256.Size && !rec.OldUntil.IsZero() {
			copy(st.oldHash[:], rec.OldHash)
			st.oldUntil = rec.OldUntil
			r.mu.byHash[st.oldHash] = st
		}
		r.mu.byHash[st.hash] = st
		r.mu.byName[st.name] = st
	}
	r.sweepLocked(r.now())
	r.meta = meta
	return nil
}

// saveLocked writes st's record through, if the registry persists.
func (r *Registry) saveLocked(st *Store) error {
	if r.meta == nil {
		return nil
	}
	rec := record{Version: recordVersion, Name: st.name, Created: st.created, Hash: st.hash[:],
		Sealed: st.sealed, Rotated: st.rotated, MaxMemory: st.maxMemory, Policy: st.policy,
		Notify: engine.FormatNotifyKeyspaceEvents(st.ns.NotifyKeyspaceEvents())}
	if !st.oldUntil.IsZero() {
		rec.OldHash, rec.OldUntil = st.oldHash[:], st.oldUntil
	}
	b, err := json.Marshal(&rec)
	if err != nil {
		return err
	}
	if err := r.meta.PutMeta(metaStorePref+st.name, b); err != nil {
		return fmt.Errorf("tenancy: save store %q: %w", st.name, err)
	}
	return nil
}

// SetNotifyKeyspaceEvents sets a store's notify-keyspace-events (CONFIG
// SET by one of its clients) and records it with the store, so that it
// survives restarts as the store does.
func (r *Registry) SetNotifyKeyspaceEvents(name string, flags int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.mu.byName[name]
	if st == nil {
		return ErrNotFound
	}
	old := st.ns.NotifyKeyspaceEvents()
	st.ns.SetNotifyKeyspaceEvents(flags)
	if err := r.saveLocked(st); err != nil {
		st.ns.SetNotifyKeyspaceEvents(old)
		return err
	}
	return nil
}

// forgetLocked deletes a store's record, if the registry persists.
func (r *Registry) forgetLocked(name string) error {
	if r.meta == nil {
		return nil
	}
	if err := r.meta.DeleteMeta(metaStorePref + name); err != nil {
		return fmt.Errorf("tenancy: delete store %q: %w", name, err)
	}
	return nil
}
