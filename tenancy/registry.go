package tenancy

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flect-kv/flect/engine"
)

// Go errors of the registry; the front end turns them into wire errors.
var (
	ErrInvalidName = errors.New("tenancy: invalid store name")
	ErrExists      = errors.New("tenancy: store already exists")
	ErrNotFound    = errors.New("tenancy: no such store")
	ErrPolicy      = errors.New("tenancy: invalid maxmemory policy")
	ErrQuota       = errors.New("tenancy: invalid maxmemory")
	ErrGrace       = errors.New("tenancy: invalid grace period")
)

// SecretBytes is the number of random bytes in a secret (192 bits).
const SecretBytes = 24

// MaxGrace bounds a rotation's grace period.
const MaxGrace = 30 * 24 * time.Hour

// Policies are the eviction policies a store may record, as Valkey's
// maxmemory-policy spells them.
var Policies = []string{"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
	"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}

// DefaultPolicy is a new store's policy.
const DefaultPolicy = "noeviction"

// Keyspaces creates and frees the namespaces stores own; *engine.Node
// implements it.
type Keyspaces interface {
	NewNamespace(name string) *engine.Namespace
	DropNamespace(name string) bool
}

// Options configure a Registry; nil or zero fields mean defaults.
type Options struct {
	// Now is the clock of creation times and grace periods (default
	// time.Now).
	Now func() time.Time
	// Rand is the source of secrets (default crypto/rand.Reader).
	Rand io.Reader
}

// Registry is the set of a node's stores.
type Registry struct {
	ks   Keyspaces
	now  func() time.Time
	rand io.Reader
	seal cipher.AEAD
	// dummy is hashed against when a store does not exist, so that a
	// wrong name costs what a wrong secret costs.
	dummy [sha256.Size]byte
	// meta, when set by Open, receives every change (persist.go).
	meta MetaStore

	mu struct {
		sync.RWMutex
		byName map[string]*Store
		// byHash finds a store from a secret alone (AUTH <secret>): the
		// current secret's hash and, during a grace period, the old one.
		byHash map[[sha256.Size]byte]*Store
	}
}

// Store is one named store. Its fields other than the counters change only
// through the Registry.
type Store struct {
	name    string
	ns      *engine.Namespace
	created time.Time

	// Guarded by the registry's lock.
	hash      [sha256.Size]byte
	sealed    []byte // nonce followed by the sealed secret
	oldHash   [sha256.Size]byte
	oldUntil  time.Time // zero when there is no old secret
	maxMemory int64
	policy    string
	rotated   time.Time

	// Auths counts successful authentications, AuthFailures wrong
	// secrets given with the store's name.
	Auths, AuthFailures atomic.Int64

	libs struct {
		sync.Mutex
		seen map[string]struct{}
	}
}

// MaxLibraries bounds the client libraries a store remembers.
const MaxLibraries = 32

// NoteLibrary records a client library (CLIENT SETINFO lib-name, with
// "/" and lib-ver) seen on the store's connections; past MaxLibraries,
// new ones are not recorded.
func (s *Store) NoteLibrary(lib string) {
	if lib == "" {
		return
	}
	s.libs.Lock()
	defer s.libs.Unlock()
	if s.libs.seen == nil {
		s.libs.seen = map[string]struct{}{}
	}
	if len(s.libs.seen) < MaxLibraries {
		s.libs.seen[lib] = struct{}{}
	}
}

// Libraries returns the client libraries seen, sorted.
func (s *Store) Libraries() []string {
	s.libs.Lock()
	out := make([]string, 0, len(s.libs.seen))
	for lib := range s.libs.seen {
		out = append(out, lib)
	}
	s.libs.Unlock()
	sort.Strings(out)
	return out
}

// Name returns the store's name.
func (s *Store) Name() string { return s.name }

// Namespace returns the namespace the store owns.
func (s *Store) Namespace() *engine.Namespace { return s.ns }

// Info is a snapshot of a store's settings.
type Info struct {
	Name      string
	Created   time.Time
	MaxMemory int64 // bytes; 0 means no quota
	Policy    string
	// Rotated is the time of the last rotation (zero if never);
	// GraceUntil the end of the old secret's validity (zero if none).
	Rotated, GraceUntil time.Time
	Auths, AuthFailures int64
	Namespace           *engine.Namespace
}

// New returns an empty registry creating namespaces in ks.
func New(ks Keyspaces, opts *Options) *Registry {
	r := &Registry{ks: ks, now: time.Now, rand: rand.Reader}
	if opts != nil {
		if opts.Now != nil {
			r.now = opts.Now
		}
		if opts.Rand != nil {
			r.rand = opts.Rand
		}
	}
	var key [32]byte
	if _, err := io.ReadFull(rand.Reader, key[:]); err != nil {
		panic("tenancy: no randomness: " + err.Error())
	}
	block, _ := aes.NewCipher(key[:])
	r.seal, _ = cipher.NewGCM(block)
	if _, err := io.ReadFull(rand.Reader, r.dummy[:]); err != nil {
		panic("tenancy: no randomness: " + err.Error())
	}
	r.mu.byName = map[string]*Store{}
	r.mu.byHash = map[[sha256.Size]byte]*Store{}
	return r
}

// ValidName reports whether name may name a store: a lower-case letter or
// digit, then up to 62 lower-case letters, digits or hyphens. "default"
// is the default user's name and is reserved.
func ValidName(name string) bool {
	if len(name) == 0 || len(name) > 63 || name == "default" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
		case c == '-' && i > 0:
		default:
			return false
		}
	}
	return true
}

// ValidPolicy reports whether p is one of Policies.
func ValidPolicy(p string) bool {
	for _, q := range Policies {
		if p == q {
			return true
		}
	}
	return false
}

// Quota is a store's memory limit and eviction policy.
type Quota struct {
	MaxMemory int64  // bytes; 0 means none
	Policy    string // "" means DefaultPolicy
}

func (q *Quota) check() error {
	if q.Policy == "" {
		q.Policy = DefaultPolicy
	}
	if !ValidPolicy(q.Policy) {
		return ErrPolicy
	}
	if q.MaxMemory < 0 {
		return ErrQuota
	}
	return nil
}

// Create makes a store with a new namespace and returns its secret. The
// secret is not kept in clear: show it to the caller once.
func (r *Registry) Create(name string, q Quota) (*Store, string, error) {
	if !ValidName(name) {
		return nil, "", ErrInvalidName
	}
	if err := q.check(); err != nil {
		return nil, "", err
	}
	secret, err := r.newSecret()
	if err != nil {
		return nil, "", err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.mu.byName[name] != nil {
		return nil, "", ErrExists
	}
	ns := r.ks.NewNamespace(name)
	if ns == nil {
		return nil, "", ErrExists
	}
	st := &Store{name: name, ns: ns, created: r.now(), maxMemory: q.MaxMemory, policy: q.Policy}
	st.applyQuota()
	r.setSecretLocked(st, secret)
	r.mu.byName[name] = st
	if err := r.saveLocked(st); err != nil {
		delete(r.mu.byName, name)
		r.dropHashLocked(st, st.hash)
		r.ks.DropNamespace(name)
		return nil, "", err
	}
	return st, secret, nil
}

// newSecret draws a URL-safe secret.
func (r *Registry) newSecret() (string, error) {
	var b [SecretBytes]byte
	if _, err := io.ReadFull(r.rand, b[:]); err != nil {
		return "", fmt.Errorf("tenancy: secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}

func hashSecret(secret []byte) [sha256.Size]byte { return sha256.Sum256(secret) }

// setSecretLocked makes secret the store's current one.
func (r *Registry) setSecretLocked(st *Store, secret string) {
	st.hash = hashSecret([]byte(secret))
	nonce := make([]byte, r.seal.NonceSize())
	if _, err := io.ReadFull(rand.Reader, nonce); err != nil {
		panic("tenancy: no randomness: " + err.Error())
	}
	st.sealed = r.seal.Seal(nonce, nonce, []byte(secret), []byte(st.name))
	r.mu.byHash[st.hash] = st
}

// Secret returns a store's current secret, for the administrator's URL.
func (r *Registry) Secret(name string) (string, error) {
	r.mu.RLock()
	st := r.mu.byName[name]
	var sealed []byte
	if st != nil {
		sealed = st.sealed
	}
	r.mu.RUnlock()
	if st == nil {
		return "", ErrNotFound
	}
	n := r.seal.NonceSize()
	plain, err := r.seal.Open(nil, sealed[:n], sealed[n:], []byte(name))
	if err != nil {
		return "", fmt.Errorf("tenancy: open secret: %w", err)
	}
	return string(plain), nil
}

// Get returns the store called name, or nil.
func (r *Registry) Get(name string) *Store {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.mu.byName[name]
}

// Len returns the number of stores.
func (r *Registry) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.mu.byName)
}

// validLocked reports whether h is a secret of st now: its current one,
// or its old one within the grace period. Both comparisons always run.
func (st *Store) validLocked(h [sha256.Size]byte, now time.Time) bool {
	cur := subtle.ConstantTimeCompare(h[:], st.hash[:])
	old := subtle.ConstantTimeCompare(h[:], st.oldHash[:])
	inGrace := 0
	if !st.oldUntil.IsZero() && now.Before(st.oldUntil) {
		inGrace = 1
	}
	return cur|(old&inGrace) == 1
}

// Authenticate checks a store name and secret (AUTH <store> <secret>). A
// wrong name and a wrong secret take the same path and give the same
// answer.
func (r *Registry) Authenticate(name, secret []byte) (*Store, bool) {
	h := hashSecret(secret)
	now := r.now()
	r.mu.RLock()
	st := r.mu.byName[string(name)]
	ok := false
	if st != nil {
		ok = st.validLocked(h, now)
	} else {
		subtle.ConstantTimeCompare(h[:], r.dummy[:])
	}
	r.mu.RUnlock()
	if st == nil {
		return nil, false
	}
	if !ok {
		st.AuthFailures.Add(1)
		return nil, false
	}
	st.Auths.Add(1)
	return st, true
}

// AuthenticateSecret finds the store a secret alone belongs to (AUTH
// <secret>, as phpredis sends it).
func (r *Registry) AuthenticateSecret(secret []byte) (*Store, bool) {
	h := hashSecret(secret)
	now := r.now()
	r.mu.RLock()
	st := r.mu.byHash[h]
	ok := st != nil && st.validLocked(h, now)
	r.mu.RUnlock()
	if !ok {
		return nil, false
	}
	st.Auths.Add(1)
	return st, true
}

// Rotate gives a store a new secret and returns it. The old secret stays
// valid for grace (0 revokes it at once; a previous old secret is revoked
// either way).
func (r *Registry) Rotate(name string, grace time.Duration) (string, error) {
	if grace < 0 || grace > MaxGrace {
		return "", ErrGrace
	}
	secret, err := r.newSecret()
	if err != nil {
		return "", err
	}
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.mu.byName[name]
	if st == nil {
		return "", ErrNotFound
	}
	if !st.oldUntil.IsZero() {
		r.dropHashLocked(st, st.oldHash)
	}
	st.oldHash, st.oldUntil = st.hash, time.Time{}
	if grace > 0 {
		st.oldUntil = now.Add(grace)
	} else {
		r.dropHashLocked(st, st.oldHash)
		st.oldHash = [sha256.Size]byte{}
	}
	st.rotated = now
	r.setSecretLocked(st, secret)
	r.sweepLocked(now)
	if err := r.saveLocked(st); err != nil {
		return "", err
	}
	return secret, nil
}

func (r *Registry) dropHashLocked(st *Store, h [sha256.Size]byte) {
	if r.mu.byHash[h] == st {
		delete(r.mu.byHash, h)
	}
}

// sweepLocked forgets old secrets whose grace has passed; validLocked
// already refuses them, this frees the entries.
func (r *Registry) sweepLocked(now time.Time) {
	for _, st := range r.mu.byName {
		if !st.oldUntil.IsZero() && !now.Before(st.oldUntil) {
			r.dropHashLocked(st, st.oldHash)
			st.oldHash, st.oldUntil = [sha256.Size]byte{}, time.Time{}
		}
	}
}

// SetQuota changes a store's quota; a nil field is left as it is.
func (r *Registry) SetQuota(name string, maxMemory *int64, policy *string) error {
	if maxMemory != nil && *maxMemory < 0 {
		return ErrQuota
	}
	if policy != nil && !ValidPolicy(*policy) {
		return ErrPolicy
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.mu.byName[name]
	if st == nil {
		return ErrNotFound
	}
	if maxMemory != nil {
		st.maxMemory = *maxMemory
	}
	if policy != nil {
		st.policy = *policy
	}
	st.applyQuota()
	return r.saveLocked(st)
}

// applyQuota hands the store's quota and policy to its namespace, which
// enforces them (engine/memory.go).
func (st *Store) applyQuota() {
	if st.ns != nil {
		_ = st.ns.SetQuota(st.maxMemory, st.policy) // both validated already
	}
}

// Remove takes a store out of the registry, so that no credential of it
// authenticates any more, and returns it. The caller disconnects the
// store's clients, then calls Free.
func (r *Registry) Remove(name string) (*Store, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.mu.byName[name]
	if st == nil {
		return nil, ErrNotFound
	}
	if err := r.forgetLocked(name); err != nil {
		return nil, err
	}
	delete(r.mu.byName, name)
	r.dropHashLocked(st, st.hash)
	if !st.oldUntil.IsZero() {
		r.dropHashLocked(st, st.oldHash)
	}
	return st, nil
}

// Free drops a removed store's namespace and its data.
func (r *Registry) Free(st *Store) { r.ks.DropNamespace(st.name) }

// Current reports whether st is still in the registry.
func (r *Registry) Current(st *Store) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.mu.byName[st.name] == st
}

// Info returns a snapshot of the store called name.
func (r *Registry) Info(name string) (Info, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	st := r.mu.byName[name]
	if st == nil {
		return Info{}, ErrNotFound
	}
	return st.infoLocked(r.now()), nil
}

func (st *Store) infoLocked(now time.Time) Info {
	in := Info{Name: st.name, Created: st.created, MaxMemory: st.maxMemory, Policy: st.policy,
		Rotated: st.rotated, Auths: st.Auths.Load(), AuthFailures: st.AuthFailures.Load(), Namespace: st.ns}
	if !st.oldUntil.IsZero() && now.Before(st.oldUntil) {
		in.GraceUntil = st.oldUntil
	}
	return in
}

// List returns every store's snapshot, sorted by name.
func (r *Registry) List() []Info {
	now := r.now()
	r.mu.RLock()
	out := make([]Info, 0, len(r.mu.byName))
	for _, st := range r.mu.byName {
		out = append(out, st.infoLocked(now))
	}
	r.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
