package engine

import "sync/atomic"

// Subscriptions is one subscriber's subscriptions in a namespace, the
// client side of the registry (Valkey keeps them on the client): which
// channels, patterns and shard channels it listens to, for the counts
// of the subscribe confirmations and for unsubscribing from everything.
// Only the subscriber's own goroutine calls its methods, except Count and
// Total, which any goroutine may call.
type Subscriptions struct {
	ns     *Namespace
	sub    Subscriber
	sets   [numSubKinds]nameSet
	counts [numSubKinds]atomic.Int64
}

// nameSet is a set of names; removal swaps with the last, so the order
// of Names is arbitrary, as Valkey's dict order is.
type nameSet struct {
	names []string
	pos   map[string]int
}

// NewSubscriptions returns an empty subscription set of sub in ns.
func (ns *Namespace) NewSubscriptions(sub Subscriber) *Subscriptions {
	return &Subscriptions{ns: ns, sub: sub}
}

// Namespace returns the namespace the subscriptions belong to.
func (s *Subscriptions) Namespace() *Namespace { return s.ns }

// Subscribe subscribes to name and reports whether it was new (false when
// already subscribed).
func (s *Subscriptions) Subscribe(kind SubKind, name []byte) bool {
	set := &s.sets[kind]
	if _, ok := set.pos[bstr(name)]; ok {
		return false
	}
	n := string(name)
	if set.pos == nil {
		set.pos = map[string]int{}
	}
	set.pos[n] = len(set.names)
	set.names = append(set.names, n)
	s.counts[kind].Add(1)
	r := &s.ns.pubsub
	r.mu.Lock()
	r.addLocked(s.sub, kind, n)
	r.mu.Unlock()
	return true
}

// Unsubscribe unsubscribes from name and reports whether it was
// subscribed. When it returns, no message of name is being delivered to
// the subscriber any more.
func (s *Subscriptions) Unsubscribe(kind SubKind, name []byte) bool {
	set := &s.sets[kind]
	i, ok := set.pos[bstr(name)]
	if !ok {
		return false
	}
	n := set.names[i]
	set.drop(i)
	s.counts[kind].Add(-1)
	r := &s.ns.pubsub
	r.mu.Lock()
	r.removeLocked(s.sub, kind, n)
	r.mu.Unlock()
	return true
}

// drop removes names[i].
func (set *nameSet) drop(i int) {
	n := set.names[i]
	last := len(set.names) - 1
	if i != last {
		set.names[i] = set.names[last]
		set.pos[set.names[i]] = i
	}
	set.names[last] = ""
	set.names = set.names[:last]
	delete(set.pos, n)
}

// Names returns a copy of the names subscribed to with kind.
func (s *Subscriptions) Names(kind SubKind) []string {
	return append([]string(nil), s.sets[kind].names...)
}

// Count returns the number of subscriptions of kind.
func (s *Subscriptions) Count(kind SubKind) int64 { return s.counts[kind].Load() }

// Total returns the number of subscriptions of every kind: while it is
// not zero the client is in pub/sub mode.
func (s *Subscriptions) Total() int64 {
	return s.counts[SubChannel].Load() + s.counts[SubPattern].Load() + s.counts[SubShard].Load()
}

// ReplyCount is the count a (un)subscribe confirmation of kind carries:
// channels and patterns together, or shard channels alone.
func (s *Subscriptions) ReplyCount(kind SubKind) int64 {
	if kind == SubShard {
		return s.counts[SubShard].Load()
	}
	return s.counts[SubChannel].Load() + s.counts[SubPattern].Load()
}

// Clear unsubscribes from everything at once, without confirmations
// (RESET, disconnection).
func (s *Subscriptions) Clear() {
	if s.Total() == 0 {
		return
	}
	r := &s.ns.pubsub
	r.mu.Lock()
	for k := range s.sets {
		set := &s.sets[k]
		for _, n := range set.names {
			r.removeLocked(s.sub, SubKind(k), n)
		}
		*set = nameSet{}
		s.counts[k].Store(0)
	}
	r.mu.Unlock()
}
