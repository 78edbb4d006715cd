package resp

import (
	"strings"

	"github.com/flect-kv/flect/engine"
)

// CONFIG of a store's clients. A store has settings of its own, which
// CONFIG SET from its clients changes and CONFIG GET shows, without
// touching the node or another store:
//
//   - notify-keyspace-events: the keyspace notifications of its namespace
//     (frameworks turn on expiry events at start); none at first.
//
// Every other parameter is the node's (or, for maxmemory and
// maxmemory-policy, the store's quota, which the node's administrator
// sets with FLECT.KV SET): CONFIG SET of it is refused with the NOPERM
// error of a node-wide command, and a CONFIG SET that names one refuses
// as a whole, so that nothing changes. CONFIG RESETSTAT clears the
// store's statistics only.

// storeParams are the parameters a store's client may set, by canonical
// name.
var storeParams = map[string]bool{
	"notify-keyspace-events": true,
}

// storeSettable reports whether a store's client may run CONFIG SET with
// args: whether every parameter it names (the arguments after SET, every
// other one) is one of the store's own.
func (s *Server) storeSettable(args [][]byte) bool {
	for i := 2; i < len(args); i += 2 {
		p := s.node.Config.Lookup(string(args[i]))
		if p == nil || !storeParams[p.Name] {
			return false
		}
	}
	return true
}

// storeConfigSet is CONFIG SET for a store's client, whose parameters
// storeRefusal has checked: the values are validated first and applied
// only when all are valid, as CONFIG SET of several parameters is atomic.
func (s *Server) storeConfigSet(c *engine.Ctx, ns *engine.Namespace) {
	args := c.Args[2:]
	events, set := 0, false
	for i := 0; i < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		for j := 0; j < i; j += 2 {
			if strings.EqualFold(string(args[j]), name) {
				c.Error(engine.ErrConfigSetFailed(string(args[i]), "duplicate parameter"))
				return
			}
		}
	}
	for i := 0; i < len(args); i += 2 {
		name := strings.ToLower(string(args[i]))
		switch s.node.Config.Lookup(name).Name {
		case "notify-keyspace-events":
			f, ok := engine.ParseNotifyKeyspaceEvents(string(args[i+1]))
			if !ok {
				c.Error(engine.ErrConfigSetFailed(name, engine.NotifyClassesError))
				return
			}
			events, set = f, true
		}
	}
	if set {
		if err := s.kv.reg.SetNotifyKeyspaceEvents(ns.Name(), events); err != nil {
			s.log.Warn("CONFIG SET notify-keyspace-events of a store", "store", ns.Name(), "err", err)
			c.Error(engine.ErrConfigSetFailed("notify-keyspace-events", err.Error()))
			return
		}
	}
	c.OK()
}

// storeConfigValue returns a store's value of the parameter called name
// for CONFIG GET, and whether the store has its own.
func (s *session) storeConfigValue(ns *engine.Namespace, name string) (string, bool) {
	switch name {
	case "notify-keyspace-events":
		return engine.FormatNotifyKeyspaceEvents(ns.NotifyKeyspaceEvents()), true
	}
	return "", false
}

// resetOneStore clears the statistics of the store of ss, as CONFIG
// RESETSTAT by one of its clients does: its command, error and latency
// statistics, its keyspace and connection figures.
func (s *Server) resetOneStore(ss *storeState) {
	ns := ss.st.Namespace()
	ns.ResetCommandStats()
	ns.Stats.Commands.Store(0)
	ns.Stats.ExpiredKeys.Store(0)
	ns.Stats.KeyspaceHits.Store(0)
	ns.Stats.KeyspaceMisses.Store(0)
	ss.errs.reset()
	ss.lat.reset()
	ss.net.conns.Store(0)
	ss.net.in.Store(0)
	ss.net.out.Store(0)
	ss.rates.mu.Lock()
	ss.rates.samples = [instSamples][rateSeries]float64{}
	ss.rates.mu.Unlock()
	for _, sess := range s.storeSessions(ss.st) {
		if sess.kv.shared.Load() == ss {
			ss.net.in.Add(-(sess.x.netIn.Load() - sess.kv.netInBase.Load()))
			ss.net.out.Add(-(sess.x.netOut.Load() - sess.kv.netOutBase.Load()))
		}
	}
}
