// Package resp is flect's network front end: it accepts connections, reads
// RESP requests with Valkey's limits, keeps each connection's session
// (authentication, selected database, protocol version) and runs commands
// on the engine, writing replies in RESP2 or RESP3. It knows nothing about
// data structures.
package resp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/tenancy"
)

// Options configure a Server. Zero values mean Valkey's defaults.
type Options struct {
	// Bind is the address to listen on (default 127.0.0.1).
	Bind string
	// Port is the TCP port; 0 picks a free one.
	Port int
	// RequirePass is the default user's password; empty means none.
	RequirePass string
	// MaxClients bounds concurrent connections (default 10000).
	MaxClients int
	// Timeout closes connections idle this long; 0 never.
	Timeout time.Duration
	// ProtectedMode refuses non-loopback clients when no password is set.
	// Nil means yes.
	ProtectedMode *bool
	// Limits bound requests (defaults 512mb and 1gb).
	Limits Limits
	// Logger receives the front end's log (default the node's).
	Logger *slog.Logger
	// LogLevel, when set, is the level variable of the logger's handler:
	// CONFIG SET loglevel changes it. Nil means notice, fixed.
	LogLevel *slog.LevelVar
	// Stores is the registry of tenant stores (tenancy.go); nil means a
	// new, empty one.
	Stores *tenancy.Registry
}

// Server serves RESP clients for one engine node.
type Server struct {
	node     *engine.Node
	log      *slog.Logger
	logLevel *slog.LevelVar

	settings settings
	// persist is the snapshot layer's wiring (persistence.go).
	persist persistState

	ln     net.Listener
	nextID atomic.Int64

	mu       sync.Mutex
	sessions map[int64]*session
	closing  bool
	wg       sync.WaitGroup

	startTime time.Time
	// done is closed when a client asks the node to stop (SHUTDOWN).
	done     chan struct{}
	doneOnce sync.Once
	// Stats are the node-wide connection counters INFO prints.
	Stats ServerStats
	// x is the state of the server and introspection commands
	// (server_cmds.go).
	x serverExt
	// kv is the tenancy state (tenancy.go).
	kv kvState
}

// ServerStats are the front end's counters.
type ServerStats struct {
	ConnectionsReceived atomic.Int64
	RejectedConnections atomic.Int64
	CommandsProcessed   atomic.Int64
	NetInputBytes       atomic.Int64
	NetOutputBytes      atomic.Int64
}

// settings are the run-time adjustable options, read on every connection
// or request, written by CONFIG SET.
type settings struct {
	mu            sync.RWMutex
	bind          string
	port          int
	requirePass   string
	maxClients    int
	timeout       atomic.Int64 // idle timeout as a time.Duration; read per request
	protectedMode bool
	limits        Limits
}

// New returns a server for node and registers the connection and server
// commands in the node's table.
func New(node *engine.Node, opts Options) *Server {
	s := &Server{node: node, sessions: map[int64]*session{}, startTime: time.Now(), done: make(chan struct{})}
	s.log = opts.Logger
	if s.log == nil {
		s.log = node.Logger()
	}
	s.logLevel = opts.LogLevel
	if s.logLevel == nil {
		s.logLevel = new(slog.LevelVar)
	}
	st := &s.settings
	st.bind = opts.Bind
	if st.bind == "" {
		st.bind = "127.0.0.1"
	}
	st.port = opts.Port
	st.requirePass = opts.RequirePass
	st.maxClients = opts.MaxClients
	if st.maxClients <= 0 {
		st.maxClients = 10000
	}
	st.timeout.Store(int64(opts.Timeout))
	st.protectedMode = opts.ProtectedMode == nil || *opts.ProtectedMode
	st.limits = opts.Limits
	if st.limits.MaxBulk <= 0 {
		st.limits.MaxBulk = 512 << 20
	}
	if st.limits.MaxQueryBuffer <= 0 {
		st.limits.MaxQueryBuffer = 1 << 30
	}
	s.initExt()
	s.kv.reg = opts.Stores
	if s.kv.reg == nil {
		s.kv.reg = tenancy.New(node, nil)
	}
	node.Table().Add(s.commands()...)
	return s
}

// Node returns the engine node served.
func (s *Server) Node() *engine.Node { return s.node }

// Listen opens the listening socket; with port 0 the chosen port is
// available from Addr afterwards.
func (s *Server) Listen() error {
	s.settings.mu.RLock()
	bind, port := s.settings.bind, s.settings.port
	s.settings.mu.RUnlock()
	ln, err := bindListen(bind, port) // a Valkey bind list (listen.go)
	if err != nil {
		return fmt.Errorf("resp: listen %q port %d: %w", bind, port, err)
	}
	s.mu.Lock()
	s.ln = ln
	s.mu.Unlock()
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok {
		s.settings.mu.Lock()
		s.settings.port = tcp.Port
		s.settings.mu.Unlock()
	}
	return nil
}

// Addr returns the listening address, once Listen has succeeded.
func (s *Server) Addr() net.Addr {
	ln := s.listener()
	if ln == nil {
		return nil
	}
	return ln.Addr()
}

// Serve accepts connections until Shutdown. It returns nil after a
// shutdown.
func (s *Server) Serve() error {
	if s.listener() == nil {
		if err := s.Listen(); err != nil {
			return err
		}
	}
	var delay time.Duration
	for {
		ln := s.listener()
		nc, err := ln.Accept()
		if err != nil {
			s.mu.Lock()
			closing, moved := s.closing, s.ln != ln
			s.mu.Unlock()
			if closing {
				return nil
			}
			if moved { // CONFIG SET port/bind replaced the listener (config_cmds.go)
				continue
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("resp: accept: %w", err)
		}
		delay = 0
		s.Stats.ConnectionsReceived.Add(1)
		s.wg.Add(1)
		go s.serveConn(nc)
	}
}

// Shutdown stops accepting, closes every connection and waits for their
// goroutines, or for ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	for _, sess := range s.sessions {
		sess.nc.Close()
	}
	ln := s.ln
	s.mu.Unlock()
	s.stopWaiters()
	if ln != nil {
		ln.Close()
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Done is closed when a client has asked the node to shut down; the
// process owner then calls Shutdown.
func (s *Server) Done() <-chan struct{} { return s.done }

// requestShutdown closes Done once.
func (s *Server) requestShutdown() { s.doneOnce.Do(func() { close(s.done) }) }

// register adds a session, refusing it when maxclients is reached.
func (s *Server) register(sess *session) bool {
	s.settings.mu.RLock()
	maxc := s.settings.maxClients
	s.settings.mu.RUnlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || len(s.sessions) >= maxc {
		return false
	}
	s.sessions[sess.cl.ID] = sess
	// Error statistics count from here: refusals of the connection itself
	// are not error replies to Valkey.
	sess.w.onError = sess.onErrorReply
	return true
}

func (s *Server) unregister(sess *session) {
	s.mu.Lock()
	delete(s.sessions, sess.cl.ID)
	s.mu.Unlock()
	s.sessionClosed(sess)
}

// listener returns the current listening socket.
func (s *Server) listener() net.Listener {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ln
}

// Sessions returns a snapshot of the connected sessions.
func (s *Server) sessionList() []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*session, 0, len(s.sessions))
	for _, sess := range s.sessions {
		out = append(out, sess)
	}
	return out
}

// ConnectedClients returns the number of connections.
func (s *Server) ConnectedClients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}
