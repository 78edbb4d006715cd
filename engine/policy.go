package engine

import (
	"errors"
	"math/rand/v2"
	"strings"
	"sync/atomic"
)

// Maxmemory policies and the LRU/LFU bookkeeping they select. The policy
// decides what a key's lru field holds: Valkey's 24-bit LRU clock (seconds)
// or, under an LFU policy, a 16-bit minutes timestamp and an 8-bit
// logarithmic access counter.

// Policy flags, as Valkey's MAXMEMORY_FLAG_*.
const (
	policyLRU = 1 << iota
	policyLFU
	policyAllKeys
	// policyTTL (flect's own) marks volatile-ttl; policyEvicts every
	// policy but noeviction.
	policyTTL
	policyEvicts
)

// maxmemoryPolicies are the values of maxmemory-policy, in Valkey's order,
// with their flags.
var maxmemoryPolicies = []struct {
	name  string
	flags uint32
}{
	{"volatile-lru", policyLRU | policyEvicts},
	{"volatile-lfu", policyLFU | policyEvicts},
	{"volatile-random", policyEvicts},
	{"volatile-ttl", policyTTL | policyEvicts},
	{"allkeys-lru", policyLRU | policyAllKeys | policyEvicts},
	{"allkeys-lfu", policyLFU | policyAllKeys | policyEvicts},
	{"allkeys-random", policyAllKeys | policyEvicts},
	{"noeviction", 0},
}

// policyNoEviction is the index of the default policy.
const policyNoEviction = 7

// Defaults of lfu-log-factor and lfu-decay-time.
const (
	defaultLFULogFactor = 10
	defaultLFUDecayTime = 1
	// lfuInitVal is the counter of a new key (LFU_INIT_VAL).
	lfuInitVal = 5
)

// errUnknownPolicy is SetMaxmemoryPolicy's error for a bad name, as
// CONFIG SET words it.
var errUnknownPolicy = errors.New("argument(s) must be one of the following: " +
	"volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, " +
	"allkeys-lfu, allkeys-random, noeviction")

// policyState is a set of eviction settings, read on every key access,
// hence atomics: the node's (maxmemory-policy, and the LFU parameters,
// which only the node's use), or a store's own policy. The zero value
// means noeviction, lfu-log-factor 10 and lfu-decay-time 1.
type policyState struct {
	index     atomic.Uint32 // maxmemoryPolicies index + 1; 0 = default
	flagBits  atomic.Uint32 // the policy's flags, read on every access
	logFactor atomic.Int64  // lfu-log-factor + 1; 0 = default
	decayTime atomic.Int64  // lfu-decay-time + 1; 0 = default
}

func (p *policyState) flags() uint32 { return p.flagBits.Load() }

// evicts reports whether the policy evicts keys (is not noeviction).
func (p *policyState) evicts() bool { return p.flags()&policyEvicts != 0 }

// MaxmemoryPolicy returns the maxmemory-policy setting ("noeviction" by
// default), as CONFIG GET prints it.
func (n *Node) MaxmemoryPolicy() string { return n.policy.name() }

// SetMaxmemoryPolicy changes maxmemory-policy; name is matched
// case-insensitively. Keys keep their lru fields: as in Valkey, LRU and LFU
// data take a while to adjust after a switch between the two.
func (n *Node) SetMaxmemoryPolicy(name string) error {
	if !n.policy.set(name) {
		return errUnknownPolicy
	}
	n.memoryChanged()
	return nil
}

// set selects the policy called name (case-insensitively) and reports
// whether there is one.
func (p *policyState) set(name string) bool {
	for i, q := range maxmemoryPolicies {
		if strings.EqualFold(q.name, name) {
			p.index.Store(uint32(i + 1))
			p.flagBits.Store(q.flags)
			return true
		}
	}
	return false
}

// name returns the policy's name.
func (p *policyState) name() string {
	if i := p.index.Load(); i != 0 {
		return maxmemoryPolicies[i-1].name
	}
	return maxmemoryPolicies[policyNoEviction].name
}

// LFULogFactor returns lfu-log-factor (default 10).
func (n *Node) LFULogFactor() int64 {
	if v := n.policy.logFactor.Load(); v != 0 {
		return v - 1
	}
	return defaultLFULogFactor
}

// SetLFULogFactor sets lfu-log-factor; v must be at least 0.
func (n *Node) SetLFULogFactor(v int64) { n.policy.logFactor.Store(v + 1) }

// LFUDecayTime returns lfu-decay-time in minutes (default 1).
func (n *Node) LFUDecayTime() int64 {
	if v := n.policy.decayTime.Load(); v != 0 {
		return v - 1
	}
	return defaultLFUDecayTime
}

// SetLFUDecayTime sets lfu-decay-time in minutes; v must be at least 0.
func (n *Node) SetLFUDecayTime(v int64) { n.policy.decayTime.Store(v + 1) }

// policy returns the eviction policy in force in the namespace: its own
// (a store's) or the node's.
func (ns *Namespace) policy() *policyState { return ns.mem.pol.Load() }

// usesLFU reports whether the namespace's policy is an LFU one: its keys'
// lru fields then hold LFU data.
func (ns *Namespace) usesLFU() bool { return ns.policy().flags()&policyLFU != 0 }

// lfuMinutes is Valkey's LFUGetTimeInMinutes: 16 bits of unix minutes.
func lfuMinutes(nowMs int64) uint32 { return uint32(nowMs/1000/60) & 0xffff }

// lfuElapsed is the number of minutes since ldt, wrapping once.
func lfuElapsed(ldt uint32, nowMs int64) uint32 {
	now := lfuMinutes(nowMs)
	if now >= ldt {
		return now - ldt
	}
	return 65535 - ldt + now
}

// lfuCounter is Valkey's LFUDecrAndReturn: the counter of an LFU lru field
// after the decay for the time since its last access.
func (n *Node) lfuCounter(lru uint32, nowMs int64) uint32 {
	ldt, counter := lru>>8, lru&255
	decay := n.LFUDecayTime()
	if decay <= 0 {
		return counter
	}
	periods := int64(lfuElapsed(ldt, nowMs)) / decay
	if periods >= int64(counter) {
		return 0
	}
	return counter - uint32(periods)
}

// lfuTouch is Valkey's updateLFU: decay, then a logarithmic increment.
func (n *Node) lfuTouch(lru uint32, nowMs int64) uint32 {
	counter := n.lfuCounter(lru, nowMs)
	if counter < 255 {
		base := float64(counter) - lfuInitVal
		if base < 0 {
			base = 0
		}
		if rand.Float64() < 1/(base*float64(n.LFULogFactor())+1) {
			counter++
		}
	}
	return lfuMinutes(nowMs)<<8 | counter
}

// initLRU is the lru field of a newly added key (initObjectLRUOrLFU).
func (ns *Namespace) initLRU(nowMs int64) uint32 {
	if ns.usesLFU() {
		return lfuMinutes(nowMs)<<8 | lfuInitVal
	}
	return lruClock(nowMs)
}

// touchLRU is the lru field after an access.
func (ns *Namespace) touchLRU(lru uint32, nowMs int64) uint32 {
	if ns.usesLFU() {
		return ns.node.lfuTouch(lru, nowMs)
	}
	return lruClock(nowMs)
}

// idleMs is Valkey's estimateObjectIdleTime for an LRU lru field.
func idleMs(lru uint32, nowMs int64) int64 {
	clock := lruClock(nowMs)
	if clock >= lru {
		return int64(clock-lru) * 1000
	}
	return int64(clock+(lruClockMax-lru)) * 1000
}

// lruClockMax is LRU_CLOCK_MAX.
const lruClockMax = 1<<24 - 1
