package engine

import (
	"sort"
	"strings"
	"sync/atomic"
)

// Flags describe a command the way Valkey's command table does; the
// dispatcher, MULTI, scripting, OOM checks and COMMAND INFO read them.
type Flags uint64

// Command flags. The first group mirrors Valkey's (COMMAND INFO prints their
// names); the second is flect's own and tells the dispatcher how to lock.
const (
	Write Flags = 1 << iota
	ReadOnly
	DenyOOM
	Admin
	PubSub
	NoScript
	Blocking
	Loading
	Stale
	SkipMonitor
	SkipSlowlog
	Fast
	NoAuth
	MayReplicate
	NoMandatoryKeys
	NoMulti
	AllowBusy

	// Exclusive commands run with their namespace locked exclusively: no
	// other command of that namespace runs at the same time.
	Exclusive
	// NoKeyspace commands touch no keys and take no keyspace lock.
	NoKeyspace
	// SelfLocking commands hold the namespace shared and lock the shards
	// they visit themselves (SCAN, DBSIZE, RANDOMKEY).
	SelfLocking
)

var flagNames = []struct {
	f    Flags
	name string
}{
	{Write, "write"}, {ReadOnly, "readonly"}, {DenyOOM, "denyoom"},
	{Admin, "admin"}, {PubSub, "pubsub"}, {NoScript, "noscript"},
	{Blocking, "blocking"}, {Loading, "loading"}, {Stale, "stale"},
	{SkipMonitor, "skip_monitor"}, {SkipSlowlog, "skip_slowlog"},
	{Fast, "fast"}, {NoAuth, "no_auth"}, {MayReplicate, "may_replicate"},
	{NoMandatoryKeys, "no_mandatory_keys"}, {NoMulti, "no_multi"},
	{AllowBusy, "allow_busy"},
}

// Names returns the Valkey names of the flags set, in Valkey's order.
func (f Flags) Names() []string {
	var out []string
	for _, fn := range flagNames {
		if f&fn.f != 0 {
			out = append(out, fn.name)
		}
	}
	return out
}

// Handler runs one command. Arity has been checked and the locks the
// command's flags ask for are held.
type Handler func(c *Ctx)

// Command is one entry of the command table: everything generic code needs
// to know about a command, declared once.
type Command struct {
	// Name is the lower-case name; for a subcommand, the subcommand's own
	// name ("setname").
	Name string
	// Arity is Valkey's: positive means exactly that many arguments
	// including the name, negative means at least -Arity.
	Arity int
	Flags Flags
	// First, Last and Step are the legacy key positions: keys are at
	// First, First+Step, ... up to Last (negative counts from the end).
	// First 0 means no keys.
	First, Last, Step int
	// Keys, when set, finds the key positions of commands whose keys the
	// legacy triple cannot describe (numkeys arguments, STREAMS ...).
	Keys func(args [][]byte) []int
	// Group is Valkey's command group ("string", "generic", "server" ...).
	Group string
	// Run executes the command; nil for containers with subcommands.
	Run Handler
	// Subcommands of a container command such as CLIENT or CONFIG.
	Subcommands []*Command

	parent *Command
	stats  CommandStats
	// id indexes the command in its table's per-namespace counters
	// (cmdstats.go).
	id int
}

// CommandStats are the counters INFO commandstats prints.
type CommandStats struct {
	Calls         atomic.Int64
	Usec          atomic.Int64
	RejectedCalls atomic.Int64
	FailedCalls   atomic.Int64
}

// Stats returns the command's counters.
func (cmd *Command) Stats() *CommandStats { return &cmd.stats }

// FullName is the name Valkey uses in errors and stats: "get", or
// "client|setname" for a subcommand.
func (cmd *Command) FullName() string {
	if cmd.parent != nil {
		return cmd.parent.Name + "|" + cmd.Name
	}
	return cmd.Name
}

// Parent returns the container command of a subcommand, or nil.
func (cmd *Command) Parent() *Command { return cmd.parent }

// Has reports whether all of flags are set.
func (cmd *Command) Has(flags Flags) bool { return cmd.Flags&flags == flags }

// CheckArity reports whether argc arguments (name included) fit the arity.
func (cmd *Command) CheckArity(argc int) bool {
	if cmd.Arity >= 0 {
		return argc == cmd.Arity
	}
	return argc >= -cmd.Arity
}

// KeyPositions returns the argument indexes that hold keys. The result may
// be appended to dst.
func (cmd *Command) KeyPositions(dst []int, args [][]byte) []int {
	if cmd.Keys != nil {
		return append(dst, cmd.Keys(args)...)
	}
	if cmd.First <= 0 || cmd.First >= len(args) {
		return dst
	}
	last := cmd.Last
	if last < 0 {
		last = len(args) + last
	}
	if last >= len(args) {
		last = len(args) - 1
	}
	step := cmd.Step
	if step <= 0 {
		step = 1
	}
	for i := cmd.First; i <= last; i += step {
		dst = append(dst, i)
	}
	return dst
}

// Table is the set of commands a node serves. It is built once at start and
// read concurrently afterwards.
type Table struct {
	cmds map[string]*Command
	// ids is the number of commands and subcommands, the next ID.
	ids int
}

// NewTable returns an empty table.
func NewTable() *Table { return &Table{cmds: make(map[string]*Command)} }

// Add registers copies of cmds, so that each table (each node) keeps its
// own statistics. A duplicate name is a programming error and panics.
func (t *Table) Add(cmds ...*Command) {
	for _, decl := range cmds {
		if decl.Name != strings.ToLower(decl.Name) {
			panic("engine: command name not lower case: " + decl.Name)
		}
		if _, dup := t.cmds[decl.Name]; dup {
			panic("engine: duplicate command " + decl.Name)
		}
		c := decl.clone()
		t.number(c)
		t.cmds[c.Name] = c
	}
}

func (cmd *Command) clone() *Command {
	c := &Command{
		Name: cmd.Name, Arity: cmd.Arity, Flags: cmd.Flags,
		First: cmd.First, Last: cmd.Last, Step: cmd.Step,
		Keys: cmd.Keys, Group: cmd.Group, Run: cmd.Run,
	}
	for _, s := range cmd.Subcommands {
		sc := s.clone()
		sc.parent = c
		c.Subcommands = append(c.Subcommands, sc)
	}
	return c
}

// Lookup finds a command by name, case-insensitively, without allocating
// for names of up to 32 bytes.
func (t *Table) Lookup(name []byte) *Command {
	var buf [32]byte
	if len(name) > len(buf) {
		return t.cmds[strings.ToLower(string(name))]
	}
	for i, ch := range name {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		buf[i] = ch
	}
	return t.cmds[string(buf[:len(name)])]
}

// Sub finds a subcommand of a container command, case-insensitively.
func (cmd *Command) Sub(name []byte) *Command {
	for _, s := range cmd.Subcommands {
		if strings.EqualFold(s.Name, string(name)) {
			return s
		}
	}
	return nil
}

// All returns every top-level command, sorted by name.
func (t *Table) All() []*Command {
	out := make([]*Command, 0, len(t.cmds))
	for _, c := range t.cmds {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Resolve finds the command argv names, descending into a subcommand for
// container commands. It returns the command and an error text for the
// client when the name, the subcommand or the arity is wrong.
func (t *Table) Resolve(args [][]byte) (*Command, string) {
	cmd := t.Lookup(args[0])
	if cmd == nil {
		return nil, ErrUnknownCommand(args)
	}
	if len(cmd.Subcommands) > 0 {
		if len(args) < 2 {
			// A container alone runs its own handler if it has one
			// (COMMAND), as Valkey's lookupCommand returns it.
			if cmd.Run == nil || !cmd.CheckArity(len(args)) {
				return cmd, ErrArity(cmd.Name)
			}
			return cmd, ""
		}
		sub := cmd.Sub(args[1])
		if sub == nil {
			// No command: Valkey counts no statistics for it.
			return nil, ErrUnknownSubcommand(args[1], strings.ToUpper(cmd.Name))
		}
		cmd = sub
	}
	if !cmd.CheckArity(len(args)) {
		return cmd, ErrArity(cmd.FullName())
	}
	return cmd, ""
}
