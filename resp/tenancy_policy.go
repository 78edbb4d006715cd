package resp

import "github.com/flect-kv/flect/engine"

// storeDenied lists the node-wide commands a store's client may not run,
// by Valkey full name ("config|set") or, for every subcommand, by command
// name. Everything a store's client may run either acts on its own
// namespace (keys, databases, pub/sub, WATCH, blocking) or shows a view
// scoped to its store (INFO, CLIENT LIST/KILL/INFO/UNBLOCK/PAUSE, CONFIG
// GET, MONITOR, SLOWLOG);
// this table is the one place that says which commands stay the node
// administrator's.
var storeDenied = map[string]bool{
	"flect.kv":            true, // store administration
	"shutdown":            true,
	"debug":               true,
	"client|no-evict":     true,
	"config|rewrite":      true,
	"latency":             true, // node-wide event and command latencies
	"memory|purge":        true,
	"memory|malloc-stats": true,
	"memory|doctor":       true,
	"memory|stats":        true,
	"save":                true, // writing files
	"bgsave":              true,
	"bgrewriteaof":        true,
	"replicaof":           true,
	"slaveof":             true,
	"failover":            true,
	"sync":                true,
	"psync":               true,
	"module":              true,
	"acl":                 true,
	"cluster":             true,
	"pfselftest":          true, // node CPU, no data
}

// storeScoped lists the commands Valkey flags admin that a store's client
// may run because flect scopes them to its store; with storeDenied it
// covers every admin command (TestStorePolicyCoversAdminCommands).
var storeScoped = map[string]bool{
	"client|list":      true, // its store's connections only
	"client|kill":      true,
	"client|unblock":   true,
	"client|pause":     true, // pauses its store's connections only
	"client|unpause":   true,
	"config|get":       true, // without secrets; the store's databases, quota, events
	"config|set":       true, // the store's own settings only (tenancy_config.go)
	"config|resetstat": true, // the store's statistics only
	"monitor":          true, // its store's commands only (monitor.go)
	"slowlog|get":      true, // its store's slow log (slowlog.go)
	"slowlog|len":      true,
	"slowlog|reset":    true,
	"pfdebug":          true, // a key of the store
}

// storeHelpAllowed keeps the HELP subcommands of denied commands open:
// they reveal nothing.
func storeHelpAllowed(cmd *engine.Command) bool {
	return cmd.Parent() != nil && cmd.Name == "help" && cmd.Parent().Name != "flect.kv"
}

// storeRefusal returns the NOPERM error for a node-wide command run by a
// store's client with args, or "" when the command may run. It costs one
// pointer test for the default namespace's clients.
func (s *session) storeRefusal(cmd *engine.Command, args [][]byte) string {
	st := s.kv.store
	if st == nil {
		return ""
	}
	full := cmd.FullName()
	denied := storeDenied[full]
	if p := cmd.Parent(); !denied && p != nil {
		denied = storeDenied[p.Name] && !storeHelpAllowed(cmd)
	}
	if !denied && full == "config|set" {
		denied = !s.srv.storeSettable(args) // tenancy_config.go
	}
	if !denied {
		return ""
	}
	return engine.ErrNoPermCmd(st.Name(), full)
}
