package engine

import (
	"errors"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// ParamFlags say how CONFIG treats a parameter, as Valkey's config flags do.
type ParamFlags uint8

const (
	// ParamImmutable parameters are set at start only; CONFIG SET refuses
	// them with "can't set immutable config".
	ParamImmutable ParamFlags = 1 << iota
	// ParamProtected parameters may be changed only where
	// enable-protected-configs allows ("can't set protected config").
	ParamProtected
	// ParamSensitive values are redacted from MONITOR and SLOWLOG when
	// passed to CONFIG SET.
	ParamSensitive
	// ParamHidden parameters match CONFIG GET by exact name only, never
	// by pattern.
	ParamHidden
)

// Param is one configuration parameter that CONFIG GET and CONFIG SET see.
// Every package that owns a setting registers it with the node's Config.
type Param struct {
	// Name is the canonical lower-case name.
	Name string
	// Aliases are other accepted names (Valkey's old names, such as
	// "list-max-ziplist-size" for "list-max-listpack-size"). CONFIG GET
	// with a pattern reports aliases as parameters of their own, as
	// Valkey does.
	Aliases []string
	// Flags modify how CONFIG treats the parameter.
	Flags ParamFlags
	// Get returns the value as CONFIG GET prints it.
	Get func() string
	// Set validates and applies a value; nil means the parameter is
	// read-only at run time. Its error's text is Valkey's reason (for
	// example "argument must be a memory value"); the caller wraps it.
	Set func(v string) error
}

// Config is a node's registry of parameters. Safe for concurrent use.
// CONFIG SET of several parameters is serialised by setMu so that a failed
// multi-parameter set can restore the previous values without another
// CONFIG SET interleaving.
type Config struct {
	mu     sync.RWMutex
	byName map[string]*Param
	params []*Param
	setMu  sync.Mutex
	// eng holds the engine-owned parameters' values (engine/params.go).
	eng engineParams
}

func newConfig() *Config { return &Config{byName: map[string]*Param{}} }

// Register adds p; a duplicate name panics.
func (c *Config) Register(p *Param) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, n := range append([]string{p.Name}, p.Aliases...) {
		if n != strings.ToLower(n) {
			panic("engine: config parameter name not lower case: " + n)
		}
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
	if p, ok := c.byName[name]; ok {
		return p
	}
	return c.byName[strings.ToLower(name)]
}

// Names returns every accepted name (canonical and aliases), sorted.
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

// Params returns the registered parameters in registration order.
func (c *Config) Params() []*Param {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]*Param(nil), c.params...)
}

// ParamValue is one name and value of a CONFIG GET reply.
type ParamValue struct {
	Name, Value string
}

// Get implements CONFIG GET's matching: a pattern without glob characters
// names a parameter (or alias) exactly and is reported under the name as
// given; a glob pattern matches canonical names and aliases
// case-insensitively (hidden parameters excepted). Each name is reported
// once however many patterns match it. Glob matches come in name order.
func (c *Config) Get(patterns []string) []ParamValue {
	var out []ParamValue
	seen := func(name string) bool {
		for _, kv := range out {
			if strings.EqualFold(kv.Name, name) {
				return true
			}
		}
		return false
	}
	var names []string
	for _, pat := range patterns {
		if !strings.ContainsAny(pat, "[*?") {
			if seen(pat) {
				continue
			}
			if p := c.Lookup(pat); p != nil {
				out = append(out, ParamValue{pat, p.Get()})
			}
			continue
		}
		if names == nil {
			names = c.Names()
		}
		for _, n := range names {
			p := c.Lookup(n)
			if p == nil || p.Flags&ParamHidden != 0 || seen(n) {
				continue
			}
			if GlobMatch([]byte(pat), []byte(n), true) {
				out = append(out, ParamValue{n, p.Get()})
			}
		}
	}
	return out
}

// SetRequest is one name/value pair of a CONFIG SET.
type SetRequest struct {
	Name, Value string
}

// Set implements CONFIG SET of one or more parameters atomically: either
// every value is applied or, on the first failure, the parameters already
// changed get their previous values back. allowProtected says whether
// protected parameters may be changed by this caller. The result is the
// wire error text, or "" on success.
func (c *Config) Set(reqs []SetRequest, allowProtected bool) string {
	params := make([]*Param, len(reqs))
	// names are the names matched, lower case: Valkey treats an alias as
	// a parameter of its own, so errors name it and setting a parameter
	// under both of its names is no duplicate.
	names := make([]string, len(reqs))
	var unknown, errArg, reason string
	invalid := false
	for i, r := range reqs {
		p := c.Lookup(r.Name)
		if p == nil {
			if !invalid {
				unknown = r.Name
				invalid = true
			}
			continue
		}
		if invalid {
			continue
		}
		if p.Set == nil || p.Flags&ParamImmutable != 0 {
			reason, errArg, invalid = "can't set immutable config", r.Name, true
			continue
		}
		if p.Flags&ParamProtected != 0 && !allowProtected {
			reason, errArg, invalid = "can't set protected config", r.Name, true
			continue
		}
		names[i] = strings.ToLower(r.Name)
		for j := 0; j < i; j++ {
			if names[j] == names[i] {
				reason, errArg, invalid = "duplicate parameter", r.Name, true
				break
			}
		}
		params[i] = p
	}
	if invalid {
		if unknown != "" {
			return ErrConfigSetUnknown(unknown)
		}
		return ErrConfigSetFailed(errArg, reason)
	}
	c.setMu.Lock()
	defer c.setMu.Unlock()
	old := make([]string, len(params))
	for i, p := range params {
		old[i] = p.Get()
	}
	for i, p := range params {
		if err := p.Set(reqs[i].Value); err != nil {
			for j := 0; j <= i; j++ {
				params[j].Set(old[j])
			}
			return ErrConfigSetFailed(names[i], err.Error())
		}
	}
	return ""
}

// paramError is a CONFIG SET failure reason.
func paramError(reason string) error { return errors.New(reason) }

// NumParam describes an integer parameter for NewNumParam.
type NumParam struct {
	Name    string
	Aliases []string
	Flags   ParamFlags
	// Min and Max bound the value, inclusive. With Unsigned they are read
	// as uint64 bit patterns (Max -1 is Valkey's ULLONG_MAX).
	Min, Max int64
	// Unsigned selects Valkey's unsigned boundary check: a negative input
	// wraps and is reported against the unsigned bounds.
	Unsigned bool
	// Memory accepts memory values with units (1kb, 5mb, 1g) and prints
	// the value as an unsigned number, as MEMORY_CONFIG does.
	Memory bool
	// Percent also accepts "N%" (stored as -N), as PERCENT_CONFIG does.
	Percent bool
	// Default is the initial value.
	Default int64
	// Validate, when set, checks a value within the bounds.
	Validate func(v int64) error
	// OnSet, when set, runs after a value is stored.
	OnSet func(v int64)
}

// NewNumParam returns a Param storing its value in v (set to the default).
func NewNumParam(d NumParam, v *atomic.Int64) *Param {
	v.Store(d.Default)
	return &Param{
		Name: d.Name, Aliases: d.Aliases, Flags: d.Flags,
		Get: func() string { return d.format(v.Load()) },
		Set: func(s string) error {
			n, err := d.parse(s)
			if err != nil {
				return err
			}
			if err := d.check(n); err != nil {
				return err
			}
			if d.Validate != nil {
				if err := d.Validate(n); err != nil {
					return err
				}
			}
			v.Store(n)
			if d.OnSet != nil {
				d.OnSet(n)
			}
			return nil
		},
	}
}

func (d *NumParam) parse(s string) (int64, error) {
	if d.Memory {
		if n, ok := ParseMemory(s); ok {
			return int64(n), nil
		}
	}
	if d.Percent && len(s) > 1 && s[len(s)-1] == '%' {
		if n, ok := parseStrictInt([]byte(s[:len(s)-1])); ok && n >= 0 {
			return -n, nil
		}
	}
	if !d.Memory && !d.Percent {
		if n, ok := parseStrictInt([]byte(s)); ok {
			return n, nil
		}
	}
	switch {
	case d.Memory && d.Percent:
		return 0, paramError("argument must be a memory or percent value")
	case d.Memory:
		return 0, paramError("argument must be a memory value")
	}
	return 0, paramError("argument couldn't be parsed into an integer")
}

func (d *NumParam) check(n int64) error {
	if d.Unsigned {
		u, lo, hi := uint64(n), uint64(d.Min), uint64(d.Max)
		if u < lo || u > hi {
			return paramError("argument must be between " + strconv.FormatUint(lo, 10) +
				" and " + strconv.FormatUint(hi, 10) + " inclusive")
		}
		return nil
	}
	if d.Percent && n < 0 {
		if n < d.Min {
			return paramError("percentage argument must be less or equal to " + strconv.FormatInt(-d.Min, 10))
		}
		return nil
	}
	if n < d.Min || n > d.Max {
		return paramError("argument must be between " + strconv.FormatInt(d.Min, 10) +
			" and " + strconv.FormatInt(d.Max, 10) + " inclusive")
	}
	return nil
}

func (d *NumParam) format(n int64) string {
	switch {
	case d.Percent && n < 0:
		return strconv.FormatInt(-n, 10) + "%"
	case d.Memory, d.Unsigned:
		return strconv.FormatUint(uint64(n), 10)
	}
	return strconv.FormatInt(n, 10)
}

// ParseMemory parses a memory value as Valkey's memtoull does: decimal
// digits followed by an optional unit b, k, kb, m, mb, g or gb (any case;
// k/m/g are powers of 1000, kb/mb/gb powers of 1024). Like Valkey, no
// digits means 0 and a number too large saturates before the unit is
// applied.
func ParseMemory(s string) (uint64, bool) {
	if len(s) > 0 && s[0] == '-' {
		return 0, false
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch strings.ToLower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 {
		return 0, false
	}
	var v uint64
	if i > 0 {
		n, err := strconv.ParseUint(s[:i], 10, 64)
		if err != nil {
			n = math.MaxUint64 // strtoull saturates
		}
		v = n
	}
	return v * mul, true
}

// NewBoolParam returns a yes/no Param storing its value in v.
func NewBoolParam(name string, aliases []string, flags ParamFlags, def bool, v *atomic.Bool, onSet func(bool)) *Param {
	v.Store(def)
	return &Param{
		Name: name, Aliases: aliases, Flags: flags,
		Get: func() string { return yesNo(v.Load()) },
		Set: func(s string) error {
			var b bool
			switch {
			case strings.EqualFold(s, "yes"):
				b = true
			case strings.EqualFold(s, "no"):
			default:
				return paramError("argument must be 'yes' or 'no'")
			}
			v.Store(b)
			if onSet != nil {
				onSet(b)
			}
			return nil
		},
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// EnumValue is one accepted value of an enumerated parameter.
type EnumValue struct {
	Name  string
	Value int64
}

// NewEnumParam returns a Param accepting one of values
// (case-insensitively) and storing its Value in v.
func NewEnumParam(name string, flags ParamFlags, values []EnumValue, def int64, v *atomic.Int64, onSet func(int64)) *Param {
	v.Store(def)
	return &Param{
		Name: name, Flags: flags,
		Get: func() string { return EnumName(values, v.Load()) },
		Set: func(s string) error {
			for _, e := range values {
				if strings.EqualFold(s, e.Name) {
					v.Store(e.Value)
					if onSet != nil {
						onSet(e.Value)
					}
					return nil
				}
			}
			return EnumError(values)
		},
	}
}

// EnumName returns the first name of values with value val, or "unknown".
func EnumName(values []EnumValue, val int64) string {
	for _, e := range values {
		if e.Value == val {
			return e.Name
		}
	}
	return "unknown"
}

// EnumError is Valkey's error for a value outside an enumeration.
func EnumError(values []EnumValue) error {
	var b strings.Builder
	b.WriteString("argument(s) must be one of the following: ")
	for i, e := range values {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(e.Name)
	}
	return paramError(b.String())
}

// NewStringParam returns a Param storing a string in v; validate, when
// set, checks a new value.
func NewStringParam(name string, aliases []string, flags ParamFlags, def string, v *atomic.Pointer[string], validate func(string) error) *Param {
	v.Store(&def)
	return &Param{
		Name: name, Aliases: aliases, Flags: flags,
		Get: func() string { return *v.Load() },
		Set: func(s string) error {
			if validate != nil {
				if err := validate(s); err != nil {
					return err
				}
			}
			s = strings.Clone(s)
			v.Store(&s)
			return nil
		},
	}
}

// ConstParam returns an immutable Param that always reports value: a
// setting flect fixes (cluster-enabled no, daemonize no).
func ConstParam(name string, aliases []string, value string) *Param {
	return &Param{Name: name, Aliases: aliases, Flags: ParamImmutable, Get: func() string { return value }}
}
