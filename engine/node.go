package engine

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Options configure a Node. The zero value means defaults.
type Options struct {
	// Databases is the number of databases per namespace (default 16).
	Databases int
	// Clock is the time source (default the system clock).
	Clock Clock
	// Logger receives the node's log (default slog.Default()).
	Logger *slog.Logger
	// ExpiryInterval is how often the active expiry loop runs (default
	// 10ms).
	ExpiryInterval time.Duration
}

func (o *Options) ensureDefaults() {
	if o.Databases <= 0 {
		o.Databases = 16
	}
	if o.Clock == nil {
		o.Clock = SystemClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.ExpiryInterval <= 0 {
		o.ExpiryInterval = 10 * time.Millisecond
	}
}

// Node is the data side of a flect node: the command table, the default
// namespace and every tenant namespace, the clock and the expiry loop. It
// knows nothing about the network.
type Node struct {
	opts  Options
	table *Table
	def   *Namespace
	// sysClock is set when the clock is the system clock, so the command
	// time doubles as the start of its duration measurement.
	sysClock bool
	// monoBase anchors Mono; wallOffset turns a Mono reading into unix
	// nanoseconds (refreshed by the background loop).
	monoBase   time.Time
	wallOffset atomic.Int64
	// expiryPausedUntil is set by PauseExpiry.
	expiryPausedUntil atomic.Int64
	Config            *Config
	// limits are run-time value limits (proto-max-bulk-len), engine/limits.go.
	limits nodeLimits

	mu         sync.RWMutex
	namespaces map[string]*Namespace

	// policy is maxmemory-policy and the LFU settings (policy.go).
	policy policyState
	// mem is the node's memory accounting (memory.go).
	mem nodeMemory

	// snapRunning is set while a snapshot exists, snapActive while it may
	// still need writers to preserve keys; snapEpoch numbers snapshots
	// (changed with every namespace locked). See snapshot.go.
	snapRunning, snapActive atomic.Bool
	snapEpoch               uint32
	// flushAllHook runs after FLUSHALL (SetFlushAllHook).
	flushAllHook atomic.Pointer[func()]
}

// NewNode returns a node with the data commands registered in its table and
// an empty default namespace. Call Run to start background work.
func NewNode(opts Options) *Node {
	opts.ensureDefaults()
	n := &Node{opts: opts, table: NewTable(), namespaces: map[string]*Namespace{}}
	_, n.sysClock = opts.Clock.(SystemClock)
	n.monoBase = time.Now()
	n.syncWall()
	n.Config = newConfig()
	registerEngineParams(n)
	n.def = newNamespace(n, "", opts.Databases)
	registerDataCommands(n.table)
	return n
}

// Table returns the command table. Front ends add their own commands to it
// before serving.
func (n *Node) Table() *Table { return n.table }

// Default returns the default namespace.
func (n *Node) Default() *Namespace { return n.def }

// Clock returns the node's clock.
func (n *Node) Clock() Clock { return n.opts.Clock }

// Logger returns the node's logger.
func (n *Node) Logger() *slog.Logger { return n.opts.Logger }

// Databases returns the number of databases per namespace.
func (n *Node) Databases() int { return n.opts.Databases }

func (n *Node) nowMs() int64 { return n.opts.Clock.Now().UnixMilli() }

// Namespaces returns the default namespace followed by every other one.
func (n *Node) Namespaces() []*Namespace {
	n.mu.RLock()
	defer n.mu.RUnlock()
	out := make([]*Namespace, 0, len(n.namespaces)+1)
	out = append(out, n.def)
	for _, ns := range n.namespaces {
		out = append(out, ns)
	}
	return out
}

// StoreDatabases is the number of databases of a tenant namespace: 16, as
// a default Valkey node has, whatever the node's databases setting.
const StoreDatabases = 16

// Namespace returns the tenant namespace called name, or nil.
func (n *Node) Namespace(name string) *Namespace {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.namespaces[name]
}

// NewNamespace creates an empty tenant namespace of StoreDatabases
// databases. It returns nil when name is empty or already taken.
func (n *Node) NewNamespace(name string) *Namespace {
	n.mu.Lock()
	defer n.mu.Unlock()
	if name == "" || n.namespaces[name] != nil {
		return nil
	}
	ns := newNamespace(n, name, StoreDatabases)
	n.namespaces[name] = ns
	return ns
}

// DropNamespace removes the tenant namespace called name and frees its
// data; it reports whether it existed. The caller disconnects the
// namespace's clients: a command still running finishes on the emptied
// namespace.
func (n *Node) DropNamespace(name string) bool {
	n.mu.Lock()
	ns := n.namespaces[name]
	delete(n.namespaces, name)
	n.mu.Unlock()
	if ns == nil {
		return false
	}
	ns.Lock()
	ns.Flush()
	ns.Unlock()
	return true
}

// Run drives background work (active expiry) until ctx is done.
func (n *Node) Run(ctx context.Context) {
	go n.evictBackground(ctx) // evict_bg.go
	t := time.NewTicker(n.opts.ExpiryInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n.syncWall()
			n.ExpireCycle()
		}
	}
}

// ExpireCycle runs one round of active expiry over every namespace.
func (n *Node) ExpireCycle() {
	now := n.nowMs()
	if n.expiryPaused(now) {
		return
	}
	for _, ns := range n.Namespaces() {
		if ns.expiryPaused(now) {
			continue
		}
		ns.ExpireDue(now)
		ns.ExpireHashFields(now)
	}
}

// PauseExpiry holds back the deletion of expired keys until untilMs (unix
// ms; 0 ends it at once), as CLIENT PAUSE does in Valkey: meanwhile reads
// see expired keys as missing but nothing is deleted, so the dataset does
// not change under a paused node.
func (n *Node) PauseExpiry(untilMs int64) { n.expiryPausedUntil.Store(untilMs) }

func (n *Node) expiryPaused(now int64) bool { return now < n.expiryPausedUntil.Load() }

// PauseExpiry holds back the deletion of the namespace's expired keys
// until untilMs (0 ends it), as Node.PauseExpiry does for every
// namespace: a store's CLIENT PAUSE pauses its own keyspace only.
func (ns *Namespace) PauseExpiry(untilMs int64) { ns.expiryPausedUntil.Store(untilMs) }

func (ns *Namespace) expiryPaused(now int64) bool {
	return ns.node.expiryPaused(now) || now < ns.expiryPausedUntil.Load()
}

// registerDataCommands adds every command group the engine implements.
func registerDataCommands(t *Table) {
	for _, group := range dataCommandGroups {
		t.Add(group...)
	}
}

// dataCommandGroups lists the engine's command groups; each group file
// declares its slice.
var dataCommandGroups = [][]*Command{
	stringCommands,
	bitmapCommands,
	keyCommands,
	expireCommands,
	scanCommands,
	objectCommands,
	dbCommands,
	listCommands,
	blockingCommands,
	hashCommands,
	setCommands,
	zsetCommands,
	zsetOpCommands,
	sortCommands,
	hllCommands,
	geoCommands,
	streamCommands,
}
