package engine

import (
	"sort"
	"sync"
	"sync/atomic"
)

// Client-side caching (CLIENT TRACKING), as Valkey's tracking.c. Every
// namespace has its own tracking table: the keys its tracking clients
// read, each with the ids of the clients that may hold it in a local
// cache, and the BCAST prefixes with their clients. A change to a key
// (DB.modified, wherever Valkey calls signalModifiedKey) sends an
// invalidation to those clients and forgets the key; FLUSHDB and FLUSHALL
// invalidate everything. Keys of one namespace never reach a client of
// another.
//
// Invalidations are produced while the writer holds key locks: the
// front end's InvalidationSink only queues them on the connection.

// Tracking flags of a client (Valkey's CLIENT_TRACKING_* flags).
const (
	// TrackOn is set while tracking is enabled.
	TrackOn uint32 = 1 << iota
	// TrackBcast is BCAST mode: invalidations for every key matching a
	// prefix, whether read or not.
	TrackBcast
	// TrackOptIn is OPTIN mode: only keys read right after CLIENT
	// CACHING YES are tracked.
	TrackOptIn
	// TrackOptOut is OPTOUT mode: keys read right after CLIENT CACHING NO
	// are not tracked.
	TrackOptOut
	// TrackNoLoop is NOLOOP: no invalidations for the client's own
	// writes.
	TrackNoLoop
	// TrackCaching is set by CLIENT CACHING for the next command or
	// transaction.
	TrackCaching
	// TrackBrokenRedir is set when the redirect client went away.
	TrackBrokenRedir
)

// InvalidationSink delivers a tracking client's invalidations: the front
// end implements it for its connections. Invalidate is called with the
// namespace's tracking table locked, possibly while the writer holds key
// locks: it must only queue the message, never block. keys is nil for
// "every key" (a flush); it and its strings may be kept. own is set when
// the change was made by the client's own command (which may be a blocked
// command another client's write is serving): Valkey sends such
// invalidations after that command's reply.
type InvalidationSink interface {
	Invalidate(keys []string, own bool)
}

// Tracker is one connection's tracking state. Its owner (the connection's
// own goroutine) changes it through the Namespace methods; Flags and
// Redirect may be read by any goroutine.
type Tracker struct {
	id       int64
	sink     InvalidationSink
	flags    atomic.Uint32
	redirect atomic.Int64
	// ns is the namespace the tracker is registered in (nil when off);
	// prefixes are its BCAST prefixes, sorted. Both change under ns's
	// tracking lock and only by the owner.
	ns       *Namespace
	prefixes []string
}

// NewTracker returns the tracking state of client id, tracking off.
func NewTracker(id int64, sink InvalidationSink) *Tracker {
	return &Tracker{id: id, sink: sink}
}

// Flags returns the Track* flags.
func (t *Tracker) Flags() uint32 { return t.flags.Load() }

// Redirect returns the id of the client invalidations are redirected to
// (0 for none).
func (t *Tracker) Redirect() int64 { return t.redirect.Load() }

// SetBrokenRedirect marks the redirect client gone (CLIENT LIST flag R).
func (t *Tracker) SetBrokenRedirect() { t.flags.Or(TrackBrokenRedir) }

// SetCaching records CLIENT CACHING YES|NO for the next command.
func (t *Tracker) SetCaching() { t.flags.Or(TrackCaching) }

// ClearCaching ends the effect of CLIENT CACHING.
func (t *Tracker) ClearCaching() { t.flags.And(^TrackCaching) }

// Prefixes returns the BCAST prefixes, sorted (CLIENT TRACKINGINFO). Only
// the owner may call it.
func (t *Tracker) Prefixes() []string { return t.prefixes }

// trackingTable is a namespace's tracking state.
type trackingTable struct {
	// live is set while the table has clients or keys: DB.modified reads
	// it without the lock.
	live atomic.Bool
	// clients counts the trackers that are on (INFO tracking_clients).
	clients atomic.Int64
	// nkeys is len(keys), for the limit check without the lock.
	nkeys atomic.Int64

	// mu is held shared to look keys up and to broadcast, exclusively to
	// change the table.
	mu sync.RWMutex
	// byID is the trackers that are on.
	byID map[int64]*Tracker
	// keys maps a key read by clients in default mode to their ids.
	// Ids of clients that turned tracking off stay until the key is
	// invalidated, as Valkey removes them lazily.
	keys  map[string]map[int64]struct{}
	items int64
	// prefixes maps a BCAST prefix to its clients.
	prefixes map[string]map[*Tracker]struct{}
	// overLimit counts the successive limit checks that could not bring
	// the table under tracking-table-max-keys (Valkey's timeout_counter).
	overLimit int
}

// setLiveLocked refreshes live after a change.
func (t *trackingTable) setLiveLocked() {
	t.live.Store(len(t.byID) > 0 || len(t.keys) > 0)
	t.nkeys.Store(int64(len(t.keys)))
}

// prefixOverlap reports whether a and b would emit an invalidation for
// the same key: one is a prefix of the other.
func prefixOverlap(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	return b[:len(a)] == a
}

// CheckPrefixes returns the error for BCAST prefixes that overlap
// each other or one tr already has, or "" (Valkey's
// checkPrefixCollisionsOrReply).
func (tr *Tracker) CheckPrefixes(prefixes [][]byte) string {
	for i, p := range prefixes {
		for _, old := range tr.prefixes {
			if prefixOverlap(old, string(p)) {
				return ErrTrackingPrefixExisting(string(p), old)
			}
		}
		for _, q := range prefixes[i+1:] {
			if prefixOverlap(string(p), string(q)) {
				return ErrTrackingPrefixOther(string(p), string(q))
			}
		}
	}
	return ""
}

// EnableTracking turns tracking on for tr in ns (CLIENT TRACKING ON) with
// mode flags (TrackBcast, TrackOptIn, TrackOptOut, TrackNoLoop), the
// redirect client id (0 for none) and, in BCAST mode, the prefixes to
// add (none means every key). The caller has validated the options.
func (ns *Namespace) EnableTracking(tr *Tracker, redirect int64, mode uint32, prefixes [][]byte) {
	if tr.ns != nil && tr.ns != ns {
		tr.ns.DisableTracking(tr)
	}
	t := &ns.tracking
	t.mu.Lock()
	defer t.mu.Unlock()
	if tr.flags.Load()&TrackOn == 0 {
		t.clients.Add(1)
		if t.byID == nil {
			t.byID = map[int64]*Tracker{}
		}
		t.byID[tr.id] = tr
	}
	tr.ns = ns
	tr.redirect.Store(redirect)
	if mode&TrackBcast != 0 {
		if len(prefixes) == 0 {
			t.addPrefixLocked(tr, "")
		}
		for _, p := range prefixes {
			t.addPrefixLocked(tr, string(p))
		}
	}
	// CACHING survives re-enabling, as in Valkey; the rest is replaced.
	tr.flags.Store(TrackOn | mode&(TrackBcast|TrackOptIn|TrackOptOut|TrackNoLoop) | tr.flags.Load()&TrackCaching)
	t.setLiveLocked()
}

// addPrefixLocked subscribes tr to prefix p.
func (t *trackingTable) addPrefixLocked(tr *Tracker, p string) {
	if t.prefixes == nil {
		t.prefixes = map[string]map[*Tracker]struct{}{}
	}
	set := t.prefixes[p]
	if set == nil {
		set = map[*Tracker]struct{}{}
		t.prefixes[p] = set
	}
	if _, ok := set[tr]; ok {
		return
	}
	set[tr] = struct{}{}
	i := sort.SearchStrings(tr.prefixes, p)
	tr.prefixes = append(tr.prefixes, "")
	copy(tr.prefixes[i+1:], tr.prefixes[i:])
	tr.prefixes[i] = p
}

// DisableTracking turns tracking off for tr (CLIENT TRACKING OFF, RESET,
// disconnect). Its ids in the key table are dropped lazily.
func (ns *Namespace) DisableTracking(tr *Tracker) {
	if ns == nil {
		return
	}
	t := &ns.tracking
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range tr.prefixes {
		set := t.prefixes[p]
		delete(set, tr)
		if len(set) == 0 {
			delete(t.prefixes, p)
		}
	}
	tr.prefixes = nil
	if tr.flags.Load()&TrackOn != 0 {
		delete(t.byID, tr.id)
		t.clients.Add(-1)
	}
	tr.flags.Store(0)
	tr.redirect.Store(0)
	tr.ns = nil
	t.setLiveLocked()
}

// Namespace returns the namespace tr is registered in, nil when off.
func (tr *Tracker) Namespace() *Namespace { return tr.ns }

// RememberKeys records that tr's client reads the keys of cmd with args,
// as Valkey's trackingRememberKeys: the front end calls it for the
// commands of a client tracking in default mode (before running them, so
// that no change between the read and the remembering goes unsent); only
// read-only commands' keys are remembered. In OPTIN mode
// only a read right after CLIENT CACHING YES counts, in OPTOUT mode one
// right after CLIENT CACHING NO does not.
func (tr *Tracker) RememberKeys(cmd *Command, args [][]byte) {
	f := tr.flags.Load()
	if f&TrackOn == 0 || f&TrackBcast != 0 || cmd.Flags&ReadOnly == 0 || cmd.Flags&PubSub != 0 {
		return
	}
	caching := f&TrackCaching != 0
	if f&TrackOptIn != 0 && !caching || f&TrackOptOut != 0 && caching {
		return
	}
	var buf [8]int
	pos := cmd.KeyPositions(buf[:0], args)
	if len(pos) == 0 {
		return
	}
	t := &tr.ns.tracking
	t.mu.Lock()
	if t.keys == nil {
		t.keys = map[string]map[int64]struct{}{}
	}
	for _, i := range pos {
		if i >= len(args) {
			continue
		}
		ids := t.keys[bstr(args[i])]
		if ids == nil {
			ids = map[int64]struct{}{}
			t.keys[string(args[i])] = ids
		}
		if _, ok := ids[tr.id]; !ok {
			ids[tr.id] = struct{}{}
			t.items++
		}
	}
	t.setLiveLocked()
	t.mu.Unlock()
}

// invalidate sends the invalidation of key to the clients tracking it,
// as Valkey's trackingInvalidateKey: the clients that read it (then the
// key is forgotten) and, when bcast is set, the BCAST clients of a
// matching prefix. by is the writing client (nil for expiry and
// eviction), whom NOLOOP spares.
//
// Most changed keys are tracked by nobody: they cost a shared lock.
func (t *trackingTable) invalidate(key string, by *Client, bcast bool) {
	t.mu.RLock()
	if bcast && len(t.prefixes) > 0 {
		t.broadcastLocked(key, by)
	}
	_, tracked := t.keys[key]
	t.mu.RUnlock()
	if !tracked {
		return
	}
	t.mu.Lock()
	t.invalidateLocked(key, by)
	t.mu.Unlock()
}

// clientID is by's id, -1 for none.
func clientID(by *Client) int64 {
	if by == nil {
		return -1
	}
	return by.ID
}

// broadcastLocked sends key to the BCAST clients of every prefix it
// matches. The caller holds mu, shared or not.
func (t *trackingTable) broadcastLocked(key string, by *Client) {
	byID := clientID(by)
	var one []string
	for p, set := range t.prefixes {
		if len(p) > len(key) || key[:len(p)] != p {
			continue
		}
		for tr := range set {
			own := tr.id == byID
			if own && tr.flags.Load()&TrackNoLoop != 0 {
				continue
			}
			if one == nil {
				one = []string{key}
			}
			tr.sink.Invalidate(one, own)
		}
	}
}

// invalidateLocked sends key to the clients that read it and forgets it.
// The caller holds mu exclusively.
func (t *trackingTable) invalidateLocked(key string, by *Client) {
	ids, ok := t.keys[key]
	if !ok {
		return
	}
	byID := clientID(by)
	var one []string
	for id := range ids {
		tr := t.byID[id]
		if tr == nil {
			continue
		}
		f := tr.flags.Load()
		if f&TrackBcast != 0 || f&TrackNoLoop != 0 && id == byID {
			continue
		}
		if one == nil {
			one = []string{key}
		}
		tr.sink.Invalidate(one, id == byID)
	}
	t.items -= int64(len(ids))
	delete(t.keys, key)
	t.setLiveLocked()
}

// trackingModified is DB.modified's tracking part: key changed.
func (ns *Namespace) trackingModified(key string, by *Client) {
	ns.tracking.invalidate(key, by, true)
}

// trackingFlush sends the "every key" invalidation to every tracking
// client of the namespace and empties its key table, as Valkey's
// trackingInvalidateKeysOnFlush (FLUSHDB, FLUSHALL).
func (ns *Namespace) trackingFlush() {
	t := &ns.tracking
	if !t.live.Load() {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, tr := range t.byID {
		tr.sink.Invalidate(nil, false)
	}
	t.keys = nil
	t.items = 0
	t.setLiveLocked()
}

// TrackingLimit keeps the key table within max keys (the
// tracking-table-max-keys parameter, 0 for no limit), as Valkey's
// trackingLimitUsedSlots: over the limit, keys are evicted and their
// clients sent invalidations as if the keys had changed. The effort grows
// with every successive call that could not get under the limit.
func (ns *Namespace) TrackingLimit(max int64) {
	t := &ns.tracking
	if max <= 0 || t.nkeys.Load() <= max {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if int64(len(t.keys)) <= max {
		t.overLimit = 0
		return
	}
	effort := 100 * (t.overLimit + 1)
	for key := range t.keys {
		if effort == 0 {
			break
		}
		effort--
		t.invalidateLocked(key, nil)
		if int64(len(t.keys)) <= max {
			t.overLimit = 0
			return
		}
	}
	t.overLimit++
}

// TrackingStats are a namespace's client-side caching figures for INFO.
type TrackingStats struct {
	// Clients is tracking_clients, Keys tracking_total_keys, Items
	// tracking_total_items, Prefixes tracking_total_prefixes.
	Clients, Keys, Items, Prefixes int64
}

// TrackingStats returns the namespace's tracking figures.
func (ns *Namespace) TrackingStats() TrackingStats {
	t := &ns.tracking
	t.mu.Lock()
	defer t.mu.Unlock()
	return TrackingStats{
		Clients:  t.clients.Load(),
		Keys:     int64(len(t.keys)),
		Items:    t.items,
		Prefixes: int64(len(t.prefixes)),
	}
}

// TrackingClients returns the number of clients with tracking on; any
// goroutine may call it without locks.
func (ns *Namespace) TrackingClients() int64 { return ns.tracking.clients.Load() }

// RebindTracking moves tr, with its mode, redirect and prefixes, to ns: a
// connection that authenticates into another namespace keeps tracking
// there and no longer sees the old namespace's keys.
func (ns *Namespace) RebindTracking(tr *Tracker) {
	old := tr.ns
	if old == nil || old == ns {
		return
	}
	f, redirect := tr.flags.Load(), tr.redirect.Load()
	prefixes := make([][]byte, len(tr.prefixes))
	for i, p := range tr.prefixes {
		prefixes[i] = []byte(p)
	}
	old.DisableTracking(tr)
	ns.EnableTracking(tr, redirect, f, prefixes)
	tr.flags.Or(f & (TrackCaching | TrackBrokenRedir))
}

// limitTracking applies a new tracking-table-max-keys to every namespace
// at once, as Valkey's cron does for an idle server.
func (n *Node) limitTracking(max int64) {
	for _, ns := range n.Namespaces() {
		if ns != nil {
			ns.TrackingLimit(max)
		}
	}
}
