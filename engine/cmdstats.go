package engine

// Command statistics per namespace. Every command's node-wide counters
// (Command.Stats) serve INFO commandstats for the default namespace's
// clients, as a plain Valkey node's; a tenant namespace also keeps its own
// counters, so that its clients see their store's calls only. They are an
// array indexed by the command's ID, allocated by the namespace's first
// command: counting costs the tenant's clients two atomic adds more and
// the default namespace's clients a branch.

// number gives cmd and its subcommands their IDs.
func (t *Table) number(cmd *Command) {
	cmd.id = t.ids
	t.ids++
	for _, sub := range cmd.Subcommands {
		t.number(sub)
	}
}

// ID returns the command's index among its table's commands and
// subcommands, from 0 to Table.Len()-1.
func (cmd *Command) ID() int { return cmd.id }

// Len returns the number of commands and subcommands of the table.
func (t *Table) Len() int { return t.ids }

// CommandStats returns the counters of cmd that the namespace's clients
// see: the node's for the default namespace, the namespace's own for a
// tenant's.
func (ns *Namespace) CommandStats(cmd *Command) *CommandStats {
	if !ns.tenant {
		return &cmd.stats
	}
	return ns.ownStats(cmd)
}

// ownStats returns the tenant namespace's own counters of cmd.
func (ns *Namespace) ownStats(cmd *Command) *CommandStats {
	p := ns.cmdStats.Load()
	if p == nil || cmd.id >= len(*p) {
		p = ns.growCmdStats(cmd.id)
	}
	return &(*p)[cmd.id]
}

// growCmdStats allocates the namespace's counters, large enough for
// every command of the table and for id. The table is complete before
// clients connect, so this runs once per namespace; a later growth copies
// the counters.
func (ns *Namespace) growCmdStats(id int) *[]CommandStats {
	for {
		old := ns.cmdStats.Load()
		if old != nil && id < len(*old) {
			return old
		}
		s := make([]CommandStats, max(ns.node.table.Len(), id+1))
		if old != nil {
			for i := range *old {
				o := &(*old)[i]
				s[i].Calls.Store(o.Calls.Load())
				s[i].Usec.Store(o.Usec.Load())
				s[i].RejectedCalls.Store(o.RejectedCalls.Load())
				s[i].FailedCalls.Store(o.FailedCalls.Load())
			}
		}
		if ns.cmdStats.CompareAndSwap(old, &s) {
			return &s
		}
	}
}

// countCall counts a finished call of cmd that took usec microseconds in
// ns: the node's counters, the namespace's commands processed and, for a
// tenant namespace, its own counters.
func (ns *Namespace) countCall(cmd *Command, usec int64) {
	cmd.stats.Calls.Add(1)
	cmd.stats.Usec.Add(usec)
	ns.Stats.Commands.Add(1)
	if ns.tenant {
		ns.countOwnCall(cmd, usec)
	}
}

// countOwnCall counts a call in a tenant namespace's own counters.
func (ns *Namespace) countOwnCall(cmd *Command, usec int64) {
	st := ns.ownStats(cmd)
	st.Calls.Add(1)
	st.Usec.Add(usec)
}

// CountCall counts a call of cmd by a client of ns that the front end
// finished itself (a blocked command that timed out or was unblocked):
// as a call that ran, taking usec microseconds.
func (ns *Namespace) CountCall(cmd *Command, usec int64) { ns.countCall(cmd, usec) }

// CountRejected counts a call of cmd by a client of ns that was refused
// before it ran (rejected_calls), in the node's counters and the
// namespace's.
func (ns *Namespace) CountRejected(cmd *Command) {
	cmd.stats.RejectedCalls.Add(1)
	if ns.tenant {
		ns.ownStats(cmd).RejectedCalls.Add(1)
	}
}

// CountFailed counts a call of cmd by a client of ns that ran and replied
// with an error (failed_calls), in the node's counters and the
// namespace's.
func (ns *Namespace) CountFailed(cmd *Command) {
	cmd.stats.FailedCalls.Add(1)
	if ns.tenant {
		ns.ownStats(cmd).FailedCalls.Add(1)
	}
}

// ResetCommandStats clears a tenant namespace's own command counters
// (CONFIG RESETSTAT by one of its clients). The default namespace has
// none: its clients' counters are the node's.
func (ns *Namespace) ResetCommandStats() {
	p := ns.cmdStats.Load()
	if p == nil {
		return
	}
	for i := range *p {
		st := &(*p)[i]
		st.Calls.Store(0)
		st.Usec.Store(0)
		st.RejectedCalls.Store(0)
		st.FailedCalls.Store(0)
	}
}
