package engine

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
)

// Engine-owned configuration parameters: the encoding thresholds the
// collection types read, memory and eviction settings, keyspace
// notifications and the persistence settings. Their values live on the
// node's Config (Config.eng) and are read through the Node accessors below,
// each one atomic load.

// engineParams holds the values of the engine's parameters.
type engineParams struct {
	listMaxListpackSize    atomic.Int64
	listCompressDepth      atomic.Int64
	setMaxIntsetEntries    atomic.Int64
	setMaxListpackEntries  atomic.Int64
	setMaxListpackValue    atomic.Int64
	zsetMaxListpackEntries atomic.Int64
	zsetMaxListpackValue   atomic.Int64
	hashMaxListpackEntries atomic.Int64
	hashMaxListpackValue   atomic.Int64
	streamNodeMaxBytes     atomic.Int64
	streamNodeMaxEntries   atomic.Int64
	hllSparseMaxBytes      atomic.Int64

	maxmemory          atomic.Int64 // bytes, read as uint64
	maxmemorySamples   atomic.Int64
	evictionTenacity   atomic.Int64
	activeExpireEffort atomic.Int64
	hz                 atomic.Int64

	notifyKeyspaceEvents atomic.Int64

	save                    atomic.Pointer[[]SaveRule]
	dir                     atomic.Pointer[string]
	dbfilename              atomic.Pointer[string]
	rdbCompression          atomic.Bool
	rdbChecksum             atomic.Bool
	stopWritesOnBgsaveError atomic.Bool
	lazyfreeLazyUserFlush   atomic.Bool
	appendfsync             atomic.Int64

	outputBufferLimits atomic.Pointer[OutputBufferLimits] // pubsub_limits.go

	trackingTableMaxKeys atomic.Int64 // tracking.go
}

// appendfsync values; appendfsyncValues lists them in Valkey's order.
const (
	appendfsyncAlways int64 = iota
	appendfsyncEverysec
	appendfsyncNo
)

var appendfsyncValues = []EnumValue{
	{Name: "everysec", Value: appendfsyncEverysec},
	{Name: "always", Value: appendfsyncAlways},
	{Name: "no", Value: appendfsyncNo},
}

// Keyspace notification classes, Valkey's NOTIFY_* bits.
const (
	NotifyKeyspace = 1 << iota // K
	NotifyKeyevent             // E
	NotifyGeneric              // g
	NotifyString               // $
	NotifyList                 // l
	NotifySet                  // s
	NotifyHash                 // h
	NotifyZSet                 // z
	NotifyExpired              // x
	NotifyEvicted              // e
	NotifyStream               // t
	NotifyKeyMiss              // m (not part of A)
	NotifyLoaded               // module only
	NotifyModule               // d
	NotifyNew                  // n (not part of A)
	// NotifyAll is the class set "A" stands for.
	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash |
		NotifyZSet | NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule
)

// NotifyClassesError is CONFIG SET's reason for a notify-keyspace-events
// value with an unknown class character.
const NotifyClassesError = "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."

// ParseNotifyKeyspaceEvents parses notify-keyspace-events classes as
// Valkey's keyspaceEventsStringToFlags does; ok is false on an unknown
// class character.
func ParseNotifyKeyspaceEvents(s string) (flags int, ok bool) {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A':
			flags |= NotifyAll
		case 'g':
			flags |= NotifyGeneric
		case '$':
			flags |= NotifyString
		case 'l':
			flags |= NotifyList
		case 's':
			flags |= NotifySet
		case 'h':
			flags |= NotifyHash
		case 'z':
			flags |= NotifyZSet
		case 'x':
			flags |= NotifyExpired
		case 'e':
			flags |= NotifyEvicted
		case 'K':
			flags |= NotifyKeyspace
		case 'E':
			flags |= NotifyKeyevent
		case 't':
			flags |= NotifyStream
		case 'm':
			flags |= NotifyKeyMiss
		case 'd':
			flags |= NotifyModule
		case 'n':
			flags |= NotifyNew
		default:
			return 0, false
		}
	}
	return flags, true
}

// FormatNotifyKeyspaceEvents prints flags as CONFIG GET does.
func FormatNotifyKeyspaceEvents(flags int) string {
	var b []byte
	if flags&NotifyAll == NotifyAll {
		b = append(b, 'A')
	} else {
		for _, f := range []struct {
			bit int
			c   byte
		}{
			{NotifyGeneric, 'g'}, {NotifyString, '$'}, {NotifyList, 'l'}, {NotifySet, 's'},
			{NotifyHash, 'h'}, {NotifyZSet, 'z'}, {NotifyExpired, 'x'}, {NotifyEvicted, 'e'},
			{NotifyStream, 't'}, {NotifyModule, 'd'}, {NotifyNew, 'n'},
		} {
			if flags&f.bit != 0 {
				b = append(b, f.c)
			}
		}
	}
	if flags&NotifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if flags&NotifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if flags&NotifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

// SaveRule is one "save <seconds> <changes>" snapshot policy.
type SaveRule struct {
	Seconds int64
	Changes int64
}

// defaultSave is Valkey's default save policy.
var defaultSave = []SaveRule{{3600, 1}, {300, 100}, {60, 10000}}

// ParseSave parses a save value as Valkey's CONFIG SET save does: pairs of
// seconds (at least 1) and changes (at least 0) separated by single
// spaces; "" means no snapshots.
func ParseSave(s string) ([]SaveRule, error) {
	if s == "" {
		return []SaveRule{}, nil
	}
	parts := strings.Split(s, " ")
	if len(parts)%2 != 0 {
		return nil, paramError("Invalid save parameters")
	}
	rules := make([]SaveRule, 0, len(parts)/2)
	for j := 0; j < len(parts); j += 2 {
		secs, ok1 := strtoll(parts[j])
		changes, ok2 := strtoll(parts[j+1])
		if !ok1 || !ok2 || secs < 1 || changes < 0 {
			return nil, paramError("Invalid save parameters")
		}
		rules = append(rules, SaveRule{secs, int64(int32(changes))})
	}
	return rules, nil
}

// strtoll parses s as C's strtoll(s, &end, 10) with *end == '\0' required:
// optional leading white space and sign; an empty string is 0. Out of
// range values saturate.
func strtoll(s string) (int64, bool) {
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	if t == "" {
		return 0, s == ""
	}
	neg := false
	if t[0] == '+' || t[0] == '-' {
		neg = t[0] == '-'
		t = t[1:]
	}
	if t == "" {
		return 0, false
	}
	var n uint64
	for i := 0; i < len(t); i++ {
		c := t[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n > math.MaxInt64/10 {
			n = math.MaxInt64 + 1 // saturated; clamped below
			continue
		}
		n = n*10 + uint64(c-'0')
	}
	if neg {
		if n > math.MaxInt64 {
			return math.MinInt64, true
		}
		return -int64(n), true
	}
	if n > math.MaxInt64 {
		return math.MaxInt64, true
	}
	return int64(n), true
}

// FormatSave prints save rules as CONFIG GET does.
func FormatSave(rules []SaveRule) string {
	var b []byte
	for i, r := range rules {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, r.Seconds, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, r.Changes, 10)
	}
	return string(b)
}

// registerEngineParams registers the engine's parameters with n.Config.
func registerEngineParams(n *Node) {
	c := n.Config
	e := &c.eng
	const intMax, intMin, longMax = math.MaxInt32, math.MinInt32, math.MaxInt64
	num := func(d NumParam, v *atomic.Int64) { c.Register(NewNumParam(d, v)) }
	// Encoding thresholds.
	num(NumParam{Name: "list-max-listpack-size", Aliases: []string{"list-max-ziplist-size"}, Min: intMin, Max: intMax, Default: -2}, &e.listMaxListpackSize)
	num(NumParam{Name: "list-compress-depth", Min: 0, Max: intMax, Default: 0}, &e.listCompressDepth)
	num(NumParam{Name: "set-max-intset-entries", Min: 0, Max: longMax, Unsigned: true, Default: 512}, &e.setMaxIntsetEntries)
	num(NumParam{Name: "set-max-listpack-entries", Min: 0, Max: longMax, Unsigned: true, Default: 128}, &e.setMaxListpackEntries)
	num(NumParam{Name: "set-max-listpack-value", Min: 0, Max: longMax, Unsigned: true, Default: 64}, &e.setMaxListpackValue)
	num(NumParam{Name: "zset-max-listpack-entries", Aliases: []string{"zset-max-ziplist-entries"}, Min: 0, Max: longMax, Unsigned: true, Default: 128}, &e.zsetMaxListpackEntries)
	num(NumParam{Name: "zset-max-listpack-value", Aliases: []string{"zset-max-ziplist-value"}, Min: 0, Max: longMax, Unsigned: true, Memory: true, Default: 64}, &e.zsetMaxListpackValue)
	num(NumParam{Name: "hash-max-listpack-entries", Aliases: []string{"hash-max-ziplist-entries"}, Min: 0, Max: longMax, Unsigned: true, Default: 512}, &e.hashMaxListpackEntries)
	num(NumParam{Name: "hash-max-listpack-value", Aliases: []string{"hash-max-ziplist-value"}, Min: 0, Max: longMax, Unsigned: true, Memory: true, Default: 64}, &e.hashMaxListpackValue)
	num(NumParam{Name: "stream-node-max-bytes", Min: 0, Max: longMax, Unsigned: true, Memory: true, Default: 4096}, &e.streamNodeMaxBytes)
	num(NumParam{Name: "stream-node-max-entries", Min: 0, Max: longMax, Default: 100}, &e.streamNodeMaxEntries)
	num(NumParam{Name: "hll-sparse-max-bytes", Min: 0, Max: longMax, Unsigned: true, Memory: true, Default: 3000}, &e.hllSparseMaxBytes)
	num(NumParam{Name: "tracking-table-max-keys", Min: 0, Max: longMax, Unsigned: true, Default: 1000000, OnSet: n.limitTracking}, &e.trackingTableMaxKeys)

	// Memory and eviction.
	num(NumParam{Name: "maxmemory", Min: 0, Max: -1, Unsigned: true, Memory: true, Default: 0,
		OnSet: func(int64) { n.memoryChanged() }}, &e.maxmemory) // evict_bg.go
	// maxmemory-policy, lfu-log-factor and lfu-decay-time live in
	// engine/policy.go.
	c.Register(&Param{
		Name: "maxmemory-policy",
		Get:  n.MaxmemoryPolicy,
		Set:  n.SetMaxmemoryPolicy,
	})
	num(NumParam{Name: "maxmemory-samples", Min: 1, Max: 64, Default: 5}, &e.maxmemorySamples)
	num(NumParam{Name: "maxmemory-eviction-tenacity", Min: 0, Max: 100, Default: 10}, &e.evictionTenacity)
	lfu := NewNumParam(NumParam{Name: "lfu-log-factor", Min: 0, Max: intMax, Default: defaultLFULogFactor,
		OnSet: n.SetLFULogFactor}, new(atomic.Int64))
	lfu.Get = func() string { return strconv.FormatInt(n.LFULogFactor(), 10) }
	c.Register(lfu)
	decay := NewNumParam(NumParam{Name: "lfu-decay-time", Min: 0, Max: intMax, Default: defaultLFUDecayTime,
		OnSet: n.SetLFUDecayTime}, new(atomic.Int64))
	decay.Get = func() string { return strconv.FormatInt(n.LFUDecayTime(), 10) }
	c.Register(decay)
	num(NumParam{Name: "active-expire-effort", Min: 1, Max: 10, Default: 1}, &e.activeExpireEffort)
	// hz is a hint: out of range values are clamped to 1..500 as Valkey's
	// updateHZ does.
	num(NumParam{Name: "hz", Min: 0, Max: intMax, Default: 10, OnSet: func(v int64) {
		e.hz.Store(min(max(v, 1), 500))
	}}, &e.hz)

	registerOutputBufferLimits(n)

	// proto-max-bulk-len lives in engine/limits.go.
	bulk := NewNumParam(NumParam{Name: "proto-max-bulk-len", Min: 1 << 20, Max: longMax, Memory: true,
		Default: DefaultMaxBulkLen, OnSet: n.SetMaxBulkLen}, new(atomic.Int64))
	bulk.Get = func() string { return strconv.FormatInt(n.MaxBulkLen(), 10) }
	c.Register(bulk)

	c.Register(&Param{
		Name: "notify-keyspace-events",
		Get:  func() string { return FormatNotifyKeyspaceEvents(int(e.notifyKeyspaceEvents.Load())) },
		Set: func(s string) error {
			f, ok := ParseNotifyKeyspaceEvents(s)
			if !ok {
				return paramError(NotifyClassesError)
			}
			e.notifyKeyspaceEvents.Store(int64(f))
			return nil
		},
	})

	// Persistence.
	save := append([]SaveRule(nil), defaultSave...)
	e.save.Store(&save)
	c.Register(&Param{
		Name: "save",
		Get:  func() string { return FormatSave(*e.save.Load()) },
		Set: func(s string) error {
			rules, err := ParseSave(s)
			if err != nil {
				return err
			}
			e.save.Store(&rules)
			return nil
		},
	})
	wd, err := os.Getwd()
	if err != nil {
		wd = ""
	}
	e.dir.Store(&wd)
	c.Register(&Param{
		Name:  "dir",
		Flags: ParamProtected,
		Get:   func() string { return *e.dir.Load() },
		Set: func(s string) error {
			if s == "" {
				return paramError("dir can't be empty")
			}
			if !filepath.IsAbs(s) {
				s = filepath.Join(*e.dir.Load(), s)
			}
			st, err := os.Stat(s)
			if err != nil {
				var pe *os.PathError
				if errors.As(err, &pe) {
					return paramError(errnoText(pe.Err))
				}
				return err
			}
			if !st.IsDir() {
				return paramError("Not a directory")
			}
			s = filepath.Clean(s)
			e.dir.Store(&s)
			return nil
		},
	})
	c.Register(NewStringParam("dbfilename", nil, ParamProtected, "dump.rdb", &e.dbfilename, func(s string) error {
		if s == "" {
			return paramError("dbfilename can't be empty")
		}
		if strings.ContainsAny(s, "/\\") {
			return paramError("dbfilename can't be a path, just a filename")
		}
		return nil
	}))
	c.Register(NewBoolParam("rdbcompression", nil, 0, true, &e.rdbCompression, nil))
	c.Register(NewBoolParam("rdbchecksum", nil, ParamImmutable, true, &e.rdbChecksum, nil))
	c.Register(NewBoolParam("stop-writes-on-bgsave-error", nil, 0, true, &e.stopWritesOnBgsaveError, nil))
	c.Register(NewBoolParam("lazyfree-lazy-user-flush", nil, 0, true, &e.lazyfreeLazyUserFlush, nil))
	// flect has no append-only file: its snapshots are its persistence.
	// appendonly stays "no": setting it to "no" succeeds as it does on a
	// Valkey without AOF, turning it on fails as a failed AOF start does.
	// appendfsync is kept and reported, and has no effect while AOF is
	// off, as in Valkey.
	c.Register(&Param{
		Name: "appendonly",
		Get:  func() string { return "no" },
		Set: func(s string) error {
			switch {
			case strings.EqualFold(s, "no"):
				return nil
			case strings.EqualFold(s, "yes"):
				n.Logger().Warn("appendonly: flect has no append-only file; use snapshots (save, BGSAVE) for persistence")
				return paramError("Unable to turn on AOF. Check server logs.")
			}
			return paramError("argument must be 'yes' or 'no'")
		},
	})
	c.Register(NewEnumParam("appendfsync", 0, appendfsyncValues, appendfsyncEverysec, &e.appendfsync, nil))
	c.Register(ConstParam("databases", nil, strconv.Itoa(n.Databases())))
	c.Register(ConstParam("cluster-enabled", nil, "no"))
}

// errnoText returns the C library's strerror text for common errors, as
// Valkey reports a failed chdir.
func errnoText(err error) string {
	switch {
	case errors.Is(err, os.ErrNotExist):
		return "No such file or directory"
	case errors.Is(err, os.ErrPermission):
		return "Permission denied"
	}
	return err.Error()
}

// Accessors for the engine's parameters.

// TrackingTableMaxKeys is tracking-table-max-keys.
func (n *Node) TrackingTableMaxKeys() int64 { return n.Config.eng.trackingTableMaxKeys.Load() }

// ListMaxListpackSize is list-max-listpack-size.
func (n *Node) ListMaxListpackSize() int64 { return n.Config.eng.listMaxListpackSize.Load() }

// ListCompressDepth is list-compress-depth.
func (n *Node) ListCompressDepth() int64 { return n.Config.eng.listCompressDepth.Load() }

// SetMaxIntsetEntries is set-max-intset-entries.
func (n *Node) SetMaxIntsetEntries() int64 { return n.Config.eng.setMaxIntsetEntries.Load() }

// SetMaxListpackEntries is set-max-listpack-entries.
func (n *Node) SetMaxListpackEntries() int64 { return n.Config.eng.setMaxListpackEntries.Load() }

// SetMaxListpackValue is set-max-listpack-value.
func (n *Node) SetMaxListpackValue() int64 { return n.Config.eng.setMaxListpackValue.Load() }

// ZSetMaxListpackEntries is zset-max-listpack-entries.
func (n *Node) ZSetMaxListpackEntries() int64 { return n.Config.eng.zsetMaxListpackEntries.Load() }

// ZSetMaxListpackValue is zset-max-listpack-value.
func (n *Node) ZSetMaxListpackValue() int64 { return n.Config.eng.zsetMaxListpackValue.Load() }

// HashMaxListpackEntries is hash-max-listpack-entries.
func (n *Node) HashMaxListpackEntries() int64 { return n.Config.eng.hashMaxListpackEntries.Load() }

// HashMaxListpackValue is hash-max-listpack-value.
func (n *Node) HashMaxListpackValue() int64 { return n.Config.eng.hashMaxListpackValue.Load() }

// StreamNodeMaxBytes is stream-node-max-bytes.
func (n *Node) StreamNodeMaxBytes() int64 { return n.Config.eng.streamNodeMaxBytes.Load() }

// StreamNodeMaxEntries is stream-node-max-entries.
func (n *Node) StreamNodeMaxEntries() int64 { return n.Config.eng.streamNodeMaxEntries.Load() }

// HLLSparseMaxBytes is hll-sparse-max-bytes.
func (n *Node) HLLSparseMaxBytes() int64 { return n.Config.eng.hllSparseMaxBytes.Load() }

// Maxmemory is maxmemory in bytes; 0 means no limit.
func (n *Node) Maxmemory() uint64 { return uint64(n.Config.eng.maxmemory.Load()) }

// MaxmemorySamples is maxmemory-samples.
func (n *Node) MaxmemorySamples() int { return int(n.Config.eng.maxmemorySamples.Load()) }

// MaxmemoryEvictionTenacity is maxmemory-eviction-tenacity.
func (n *Node) MaxmemoryEvictionTenacity() int { return int(n.Config.eng.evictionTenacity.Load()) }

// ActiveExpireEffort is active-expire-effort.
func (n *Node) ActiveExpireEffort() int { return int(n.Config.eng.activeExpireEffort.Load()) }

// Hz is the effective hz (configured hz clamped to 1..500).
func (n *Node) Hz() int { return int(min(max(n.Config.eng.hz.Load(), 1), 500)) }

// ConfiguredHz is hz as configured (after clamping, as Valkey stores it).
func (n *Node) ConfiguredHz() int { return int(n.Config.eng.hz.Load()) }

// NotifyKeyspaceEvents returns the notify-keyspace-events classes
// (Notify* bits).
func (n *Node) NotifyKeyspaceEvents() int { return int(n.Config.eng.notifyKeyspaceEvents.Load()) }

// SaveRules returns the save policy; the slice must not be modified.
func (n *Node) SaveRules() []SaveRule { return *n.Config.eng.save.Load() }

// Dir returns the working directory for snapshots (dir).
func (n *Node) Dir() string { return *n.Config.eng.dir.Load() }

// DBFilename returns dbfilename.
func (n *Node) DBFilename() string { return *n.Config.eng.dbfilename.Load() }

// RDBCompression is rdbcompression.
func (n *Node) RDBCompression() bool { return n.Config.eng.rdbCompression.Load() }

// StopWritesOnBgsaveError is stop-writes-on-bgsave-error.
func (n *Node) StopWritesOnBgsaveError() bool { return n.Config.eng.stopWritesOnBgsaveError.Load() }

// LazyfreeLazyUserFlush is lazyfree-lazy-user-flush: FLUSHALL/FLUSHDB and
// FUNCTION FLUSH without SYNC|ASYNC free asynchronously.
func (n *Node) LazyfreeLazyUserFlush() bool { return n.Config.eng.lazyfreeLazyUserFlush.Load() }
