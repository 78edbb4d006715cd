package engine

import (
	"sort"
	"strings"
	"sync"
)

// Param is one configuration parameter that CONFIG GET and CONFIG SET see.
// Every package that owns a setting registers it with the node's Config.
type Param struct {
	// Name is the canonical lower-case name.
	Name string
	// Aliases are other accepted names (Valkey's old names, such as
	// "list-max-ziplist-size" for "list-max-listpack-size").
	Aliases []string
	// Get returns the value as CONFIG GET prints it.
	Get func() string
	// Set validates and applies a value; nil means the parameter is
	// read-only at run time. It returns the error text for the client
	// (without the "ERR CONFIG SET failed ..." wrapper).
	Set func(v string) error
}

// Config is a node's registry of parameters. Safe for concurrent use.
type Config struct {
	mu     sync.RWMutex
	byName map[string]*Param
	params []*Param
}

func newConfig() *Config { return &Config{byName: map[string]*Param{}} }

// Register adds p; a duplicate name panics.
func (c *Config) Register(p *Param) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range append([]string{p.Name}, p.Aliases...) {
		if _, dup := c.byName[n]; dup {
			panic("engine: duplicate config parameter " + n)
		}
		c.byName[n] = p
	}
	c.params = append(c.params, p)
}

// Lookup finds a parameter by name or alias, case-insensitively.
func (c *Config) Lookup(name string) *Param {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.byName[strings.ToLower(name)]
}

// Names returns every accepted name (canonical and aliases), sorted, with
// the parameter each names.
func (c *Config) Names() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]string, 0, len(c.byName))
	for n := range c.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
