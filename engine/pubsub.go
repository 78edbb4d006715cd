package engine

import (
	"sort"
	"sync"
	"sync/atomic"
)

// Pub/sub: every namespace has its own registry of channel, pattern and
// shard channel subscriptions, so that a message published in one
// namespace never reaches a subscriber of another. The front end
// implements Subscriber for its connections and keeps each connection's
// subscriptions in a Subscriptions; the registry maps names to
// subscribers for publishing and for PUBSUB and INFO.
//
// Publish is called by PUBLISH and by keyspace notifications from every
// write command, often with key shard locks held: with nobody subscribed
// it costs one atomic load, and delivering only queues the message with
// the subscriber (Subscriber.Deliver must never block on a socket).

// SubKind is the kind of a subscription.
type SubKind uint8

// Subscription kinds.
const (
	// SubChannel is a channel subscription (SUBSCRIBE); its messages are
	// "message" pushes.
	SubChannel SubKind = iota
	// SubPattern is a pattern subscription (PSUBSCRIBE); its messages are
	// "pmessage" pushes naming the pattern.
	SubPattern
	// SubShard is a shard channel subscription (SSUBSCRIBE); its messages
	// are "smessage" pushes.
	SubShard

	numSubKinds
)

// Message is one message delivered to a subscriber. Its slices alias the
// publisher's buffers and are valid only during Deliver.
type Message struct {
	// Kind is the subscription that matched.
	Kind SubKind
	// Pattern is the matching pattern of a SubPattern message.
	Pattern []byte
	// Channel and Payload are what was published.
	Channel, Payload []byte
}

// Subscriber receives published messages: the front end implements it
// for its connections. Deliver is called with the namespace's registry
// read-locked, possibly while the publisher holds key locks: it must only
// queue the message (copying what it keeps) and never block.
type Subscriber interface {
	Deliver(m Message)
}

// subscriberSet is the subscribers of one channel or pattern.
type subscriberSet struct {
	name []byte
	list []Subscriber
	pos  map[Subscriber]int
}

func (s *subscriberSet) add(sub Subscriber) bool {
	if _, ok := s.pos[sub]; ok {
		return false
	}
	s.pos[sub] = len(s.list)
	s.list = append(s.list, sub)
	return true
}

func (s *subscriberSet) remove(sub Subscriber) bool {
	i, ok := s.pos[sub]
	if !ok {
		return false
	}
	last := len(s.list) - 1
	if i != last {
		s.list[i] = s.list[last]
		s.pos[s.list[i]] = i
	}
	s.list[last] = nil
	s.list = s.list[:last]
	delete(s.pos, sub)
	return true
}

// pubsubRegistry is a namespace's subscriptions.
type pubsubRegistry struct {
	// live counts channel and pattern entries, shardLive shard channel
	// entries: publishing reads them without the lock.
	live, shardLive atomic.Int64

	mu       sync.RWMutex
	channels map[string]*subscriberSet
	shard    map[string]*subscriberSet
	patterns map[string]*subscriberSet
	// patList is the patterns in the order they were first subscribed,
	// matched against every published channel.
	patList []*subscriberSet
	// clients counts the subscriptions of each subscriber (INFO
	// pubsub_clients is its size).
	clients map[Subscriber]int
}

// tableLocked returns the map of kind, creating it.
func (r *pubsubRegistry) tableLocked(kind SubKind) map[string]*subscriberSet {
	switch kind {
	case SubPattern:
		if r.patterns == nil {
			r.patterns = map[string]*subscriberSet{}
		}
		return r.patterns
	case SubShard:
		if r.shard == nil {
			r.shard = map[string]*subscriberSet{}
		}
		return r.shard
	}
	if r.channels == nil {
		r.channels = map[string]*subscriberSet{}
	}
	return r.channels
}

func (r *pubsubRegistry) counter(kind SubKind) *atomic.Int64 {
	if kind == SubShard {
		return &r.shardLive
	}
	return &r.live
}

// addLocked subscribes sub to name.
func (r *pubsubRegistry) addLocked(sub Subscriber, kind SubKind, name string) {
	t := r.tableLocked(kind)
	set := t[name]
	if set == nil {
		set = &subscriberSet{name: []byte(name), pos: map[Subscriber]int{}}
		t[name] = set
		if kind == SubPattern {
			r.patList = append(r.patList, set)
		}
		r.counter(kind).Add(1)
	}
	if set.add(sub) {
		if r.clients == nil {
			r.clients = map[Subscriber]int{}
		}
		r.clients[sub]++
	}
}

// removeLocked unsubscribes sub from name.
func (r *pubsubRegistry) removeLocked(sub Subscriber, kind SubKind, name string) {
	t := r.tableLocked(kind)
	set := t[name]
	if set == nil || !set.remove(sub) {
		return
	}
	if n := r.clients[sub] - 1; n > 0 {
		r.clients[sub] = n
	} else {
		delete(r.clients, sub)
	}
	if len(set.list) > 0 {
		return
	}
	// The last subscriber is gone: drop the entry, so that channels
	// nobody listens to cost nothing.
	delete(t, name)
	r.counter(kind).Add(-1)
	if kind == SubPattern {
		for i, p := range r.patList {
			if p == set {
				r.patList = append(r.patList[:i], r.patList[i+1:]...)
				break
			}
		}
	}
}

// Publish sends message to the subscribers of channel in the namespace
// (and to the subscribers of matching patterns) and returns how many
// received it. With no subscription in the namespace it costs one atomic
// load.
func (ns *Namespace) Publish(channel, message []byte) int64 {
	r := &ns.pubsub
	if r.live.Load() == 0 {
		return 0
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	var n int64
	if set := r.channels[bstr(channel)]; set != nil {
		m := Message{Kind: SubChannel, Channel: channel, Payload: message}
		for _, sub := range set.list {
			sub.Deliver(m)
		}
		n += int64(len(set.list))
	}
	for _, p := range r.patList {
		if !GlobMatch(p.name, channel, false) {
			continue
		}
		m := Message{Kind: SubPattern, Pattern: p.name, Channel: channel, Payload: message}
		for _, sub := range p.list {
			sub.Deliver(m)
		}
		n += int64(len(p.list))
	}
	return n
}

// SPublish sends message to the subscribers of shard channel channel
// (patterns do not apply to shard channels) and returns how many received
// it.
func (ns *Namespace) SPublish(channel, message []byte) int64 {
	r := &ns.pubsub
	if r.shardLive.Load() == 0 {
		return 0
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	set := r.shard[bstr(channel)]
	if set == nil {
		return 0
	}
	m := Message{Kind: SubShard, Channel: channel, Payload: message}
	for _, sub := range set.list {
		sub.Deliver(m)
	}
	return int64(len(set.list))
}

// Channels returns the channels (SubChannel) or shard channels (SubShard)
// with at least one subscriber, matching pattern unless pattern is nil,
// sorted (PUBSUB CHANNELS / SHARDCHANNELS).
func (ns *Namespace) Channels(kind SubKind, pattern []byte) []string {
	r := &ns.pubsub
	r.mu.RLock()
	t := r.channels
	if kind == SubShard {
		t = r.shard
	}
	var out []string
	for name := range t {
		if pattern == nil || GlobMatchString(pattern, name, false) {
			out = append(out, name)
		}
	}
	r.mu.RUnlock()
	sort.Strings(out)
	return out
}

// NumSub returns the number of subscribers of channel (SubChannel) or of
// shard channel channel (SubShard), pattern subscriptions aside (PUBSUB
// NUMSUB / SHARDNUMSUB).
func (ns *Namespace) NumSub(kind SubKind, channel []byte) int64 {
	r := &ns.pubsub
	r.mu.RLock()
	defer r.mu.RUnlock()
	t := r.channels
	if kind == SubShard {
		t = r.shard
	}
	if set := t[bstr(channel)]; set != nil {
		return int64(len(set.list))
	}
	return 0
}

// PubSubStats are a namespace's pub/sub figures for INFO and PUBSUB
// NUMPAT.
type PubSubStats struct {
	// Channels, Patterns and ShardChannels count the distinct names with
	// at least one subscriber.
	Channels, Patterns, ShardChannels int64
	// Clients counts the subscribers with at least one subscription.
	Clients int64
}

// PubSubStats returns the namespace's pub/sub figures.
func (ns *Namespace) PubSubStats() PubSubStats {
	r := &ns.pubsub
	r.mu.RLock()
	defer r.mu.RUnlock()
	return PubSubStats{
		Channels:      int64(len(r.channels)),
		Patterns:      int64(len(r.patterns)),
		ShardChannels: int64(len(r.shard)),
		Clients:       int64(len(r.clients)),
	}
}
