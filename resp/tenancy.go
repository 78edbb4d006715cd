package resp

import (
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/tenancy"
)

// Native multi-tenancy in the front end: binding connections to stores
// (AUTH <store> <secret>, HELLO 3 AUTH <store> <secret>, AUTH <secret>),
// what a store's client may see of other connections, and the node-wide
// commands it may not run (tenancy_policy.go). The admin commands are in
// tenancy_admin.go.

// kvState is the server's tenancy state.
type kvState struct {
	reg *tenancy.Registry

	mu struct {
		sync.Mutex
		// stores are the front end's state of each store with a client
		// or a figure asked for.
		stores map[*tenancy.Store]*storeState
		// sampling is set once the ops/s sampler runs (tenancy_stats.go).
		sampling bool
	}
	// paused are the stores with a CLIENT PAUSE, guarded by the server's
	// pauseState.mu (tenancy_pause.go).
	paused map[*storeState]struct{}
}

// storeState is what the front end keeps per store, as a private server
// keeps it for itself: error statistics (INFO errorstats), the slow log,
// the CLIENT PAUSE in force, the ops/s samples and the latency histograms
// (INFO latencystats).
type storeState struct {
	st    *tenancy.Store
	errs  errorStats
	slow  slowEntries
	pause pauseWindow // guarded by the server's pauseState.mu
	net   storeNet
	rates rateSampler
	lat   storeLatency // tenancy_stats.go
}

// storeState returns st's state, creating it. A store deleted meanwhile
// gets a state of its own that nothing keeps.
func (s *Server) storeState(st *tenancy.Store) *storeState {
	k := &s.kv
	k.mu.Lock()
	if k.mu.stores == nil {
		k.mu.stores = map[*tenancy.Store]*storeState{}
	}
	ss := k.mu.stores[st]
	if ss == nil {
		ss = &storeState{st: st}
		if !k.reg.Current(st) { // removed: forgetStore has run or will find nothing
			k.mu.Unlock()
			return ss
		}
		k.mu.stores[st] = ss
		s.x.slowlog.addLog(&ss.slow) // under k.mu: forgetStore removes it after
	}
	startSampler := !k.mu.sampling
	k.mu.sampling = true
	k.mu.Unlock()
	if startSampler {
		go s.sampleStoreOps()
	}
	return ss
}

// storeStates returns the state of every store that has one.
func (k *kvState) storeStates() []*storeState {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]*storeState, 0, len(k.mu.stores))
	for _, ss := range k.mu.stores {
		out = append(out, ss)
	}
	return out
}

// forgetStore drops a deleted store's state: its slow log, its pause.
func (s *Server) forgetStore(st *tenancy.Store) {
	k := &s.kv
	k.mu.Lock()
	ss := k.mu.stores[st]
	delete(k.mu.stores, st)
	k.mu.Unlock()
	if ss != nil {
		s.x.slowlog.removeLog(&ss.slow)
		s.unpauseStore(ss)
	}
}

// errorStatsOf is the error statistics INFO shows a client of ns: the
// node's for the default namespace, a store's own for its namespace.
func (s *Server) errorStatsOf(ns *engine.Namespace) *errorStats {
	if ns == s.node.Default() {
		return &s.x.errs
	}
	if st := s.kv.reg.Get(ns.Name()); st != nil && st.Namespace() == ns {
		return &s.storeState(st).errs
	}
	return new(errorStats)
}

// kvSession is a session's store: nil for the default namespace.
type kvSession struct {
	// store is read by the session's own goroutine.
	store *tenancy.Store
	// view publishes store to other sessions (CLIENT LIST, KILL, the
	// deletion of a store, MONITOR).
	view atomic.Pointer[tenancy.Store]
	// state is the store's front-end state, nil for the default
	// namespace; read by the session's own goroutine.
	state *storeState
	// errs are the store's error statistics (&state.errs), nil for the
	// default namespace.
	errs *errorStats
	// shared publishes state to other sessions (the stores' network
	// figures); netInBase and netOutBase are the session's tot-net-in and
	// tot-net-out when it bound to it (tenancy_stats.go).
	shared                atomic.Pointer[storeState]
	netInBase, netOutBase atomic.Int64
}

// Stores returns the node's store registry.
func (s *Server) Stores() *tenancy.Registry { return s.kv.reg }

// storeAuth checks AUTH <store> <secret> and returns the store's namespace.
func (s *Server) storeAuth(name, secret []byte) (*engine.Namespace, bool) {
	st, ok := s.kv.reg.Authenticate(name, secret)
	if !ok {
		return nil, false
	}
	return st.Namespace(), true
}

// storeAuthSecret checks AUTH <secret> against the stores' secrets.
func (s *Server) storeAuthSecret(secret []byte) (*engine.Namespace, bool) {
	if s.kv.reg.Len() == 0 {
		return nil, false
	}
	st, ok := s.kv.reg.AuthenticateSecret(secret)
	if !ok {
		return nil, false
	}
	return st.Namespace(), true
}

// bindStore records the store owning ns (nil for the default namespace)
// after bind. A store deleted meanwhile closes the connection: its
// namespace is being freed.
func (s *session) bindStore(ns *engine.Namespace) {
	var st *tenancy.Store
	if ns != s.srv.node.Default() {
		st = s.srv.kv.reg.Get(ns.Name())
		if st == nil || st.Namespace() != ns {
			s.closeAfterReply = true
			return
		}
	}
	old := s.kv.state
	s.kv.store = st
	s.kv.view.Store(st)
	s.kv.state, s.kv.errs = nil, nil
	if st != nil {
		s.kv.state = s.srv.storeState(st)
		s.kv.errs = &s.kv.state.errs
	}
	s.netBind(old, s.kv.state)
	if st != nil && !s.srv.kv.reg.Current(st) {
		s.srv.forgetStore(st)
		s.closeAfterReply = true
	}
}

// userName is the ACL user name a session shows (CLIENT LIST user=,
// NOPERM errors): the store's name or "default".
func (s *session) userName() string {
	if st := s.kv.view.Load(); st != nil {
		return st.Name()
	}
	return "default"
}

// sees reports whether the session may see or touch other in CLIENT LIST,
// CLIENT KILL and CLIENT UNBLOCK: a store's client sees its store's
// connections only; the default namespace's clients see every connection.
func (s *session) sees(other *session) bool {
	st := s.kv.store
	return st == nil || other.kv.view.Load() == st
}

// visibleSessions returns the connections s sees, by id.
func (s *Server) visibleSessions(self *session) []*session {
	all := s.sortedSessions()
	if self.kv.store == nil {
		return all
	}
	out := all[:0]
	for _, sess := range all {
		if self.sees(sess) {
			out = append(out, sess)
		}
	}
	return out
}

// visibleSession returns the connection with id if s sees it, else nil.
func (s *Server) visibleSession(self *session, id int64) *session {
	sess := s.sessionByID(id)
	if sess == nil || !self.sees(sess) {
		return nil
	}
	return sess
}

// storeSessions returns the connections bound to st.
func (s *Server) storeSessions(st *tenancy.Store) []*session {
	var out []*session
	for _, sess := range s.sessionList() {
		if sess.kv.view.Load() == st {
			out = append(out, sess)
		}
	}
	return out
}

// isAdmin reports whether the session holds the admin credential: the
// node's requirepass (a default-namespace client authenticated with it),
// or, on a node without one, a loopback connection to the default
// namespace.
func (s *session) isAdmin() bool {
	if s.kv.store != nil || !s.authed {
		return false
	}
	s.srv.settings.mu.RLock()
	rp := s.srv.settings.requirePass
	s.srv.settings.mu.RUnlock()
	if rp != "" {
		return true
	}
	return isLoopback(s.nc.RemoteAddr())
}

// configView is what a store's client gets from CONFIG GET: the node's
// settings without the sensitive ones (requirepass), and the store's own
// databases, maxmemory, maxmemory-policy and settings (tenancy_config.go).
func (s *session) configView(kvs []engine.ParamValue) []engine.ParamValue {
	st := s.kv.store
	if st == nil {
		return kvs
	}
	in, err := s.srv.kv.reg.Info(st.Name())
	out := kvs[:0]
	for _, kv := range kvs {
		p := s.srv.node.Config.Lookup(kv.Name)
		if p == nil || p.Flags&engine.ParamSensitive != 0 {
			continue
		}
		if v, ok := s.storeConfigValue(st.Namespace(), p.Name); ok {
			kv.Value = v
		}
		switch p.Name {
		case "databases":
			kv.Value = strconv.Itoa(st.Namespace().DBCount())
		case "maxmemory":
			if err == nil {
				kv.Value = strconv.FormatInt(in.MaxMemory, 10)
			}
		case "maxmemory-policy":
			if err == nil {
				kv.Value = in.Policy
			}
		}
		out = append(out, kv)
	}
	return out
}

// advertisedHost is the host of the node's store URLs: its first bind
// address, or the address the admin connected to when it binds a
// wildcard.
func (s *session) advertisedHost() (string, int) {
	s.srv.settings.mu.RLock()
	bind, port := s.srv.settings.bind, s.srv.settings.port
	s.srv.settings.mu.RUnlock()
	host := strings.TrimPrefix(strings.Fields(bind + " 127.0.0.1")[0], "-")
	if ip := net.ParseIP(host); host == "*" || host == "::*" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if h, _, err := net.SplitHostPort(s.laddr); err == nil {
			host = h
		}
	}
	return host, port
}

// INFO figures: a store's client sees its store's.

// clientCounts returns INFO's connected, blocked and pub/sub client
// counts: the node's for the default namespace, a store's own for its
// namespace.
func (s *Server) clientCounts(ns *engine.Namespace) (connected, blocked, pubsub int64) {
	if ns == s.node.Default() {
		return int64(s.ConnectedClients()), s.x.blocked.Load(), s.pubsubStats().Clients
	}
	if st := s.kv.reg.Get(ns.Name()); st != nil {
		for _, sess := range s.storeSessions(st) {
			connected++
			if sess.blk.waiter.Load() != nil {
				blocked++
			}
		}
	}
	return connected, blocked, ns.PubSubStats().Clients
}

// statsNamespaces are the namespaces INFO stats adds up: all of them for
// the default namespace's clients, its own for a store's.
func (s *Server) statsNamespaces(ns *engine.Namespace) []*engine.Namespace {
	if ns == s.node.Default() {
		return s.node.Namespaces()
	}
	return []*engine.Namespace{ns}
}

// commandsProcessed is INFO's total_commands_processed.
func (s *Server) commandsProcessed(ns *engine.Namespace) int64 {
	if ns == s.node.Default() {
		return s.Stats.CommandsProcessed.Load()
	}
	return ns.Stats.Commands.Load()
}

// pubsubStatsOf is INFO's pub/sub figures.
func (s *Server) pubsubStatsOf(ns *engine.Namespace) engine.PubSubStats {
	if ns == s.node.Default() {
		return s.pubsubStats()
	}
	return ns.PubSubStats()
}

// knowsUser reports whether name is a user the session may name (CLIENT
// KILL USER): "default", and its own store or, for the default
// namespace's clients, any store. Other stores do not exist for a store's
// client.
func (s *session) knowsUser(name string) bool {
	if name == "default" {
		return true
	}
	if st := s.kv.store; st != nil {
		return name == st.Name()
	}
	return s.srv.kv.reg.Get(name) != nil
}

// library is the client library the session announced (CLIENT SETINFO):
// "name/version", "name", or "".
func (s *session) library() string {
	p := s.info.libName.Load()
	if p == nil || *p == "" {
		return ""
	}
	lib := *p
	if v := s.info.libVer.Load(); v != nil && *v != "" {
		lib += "/" + *v
	}
	return lib
}

// kvSessionClosed remembers the library of a store's closing connection,
// for FLECT.KV INFO.
func (s *Server) kvSessionClosed(sess *session) {
	if st := sess.kv.view.Load(); st != nil {
		st.NoteLibrary(sess.library())
	}
	sess.netBind(sess.kv.state, nil)
}
