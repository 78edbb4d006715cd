package engine

import (
	"testing"
	"time"
)

func TestCommandIDs(t *testing.T) {
	n := NewNode(Options{Clock: NewManualClock(time.Unix(1700000000, 0))})
	seen := map[int]string{}
	var walk func([]*Command)
	walk = func(cmds []*Command) {
		for _, c := range cmds {
			if c.ID() < 0 || c.ID() >= n.Table().Len() {
				t.Fatalf("%s: ID %d of %d", c.FullName(), c.ID(), n.Table().Len())
			}
			if other, dup := seen[c.ID()]; dup {
				t.Fatalf("%s and %s share ID %d", c.FullName(), other, c.ID())
			}
			seen[c.ID()] = c.FullName()
			walk(c.Subcommands)
		}
	}
	walk(n.Table().All())
	if len(seen) != n.Table().Len() {
		t.Fatalf("%d IDs for %d commands", n.Table().Len(), len(seen))
	}
}

func TestNamespaceCommandStats(t *testing.T) {
	n := NewNode(Options{Clock: NewManualClock(time.Unix(1700000000, 0))})
	ts := n.NewNamespace("t")
	set := n.Table().Lookup([]byte("set"))
	call := func(ns *Namespace) {
		n.Call(&Ctx{Args: [][]byte{[]byte("set"), []byte("k"), []byte("v")},
			R: newRecordReply(), Cmd: set, Client: &Client{ID: 1, NS: ns}})
	}
	call(ts)
	call(ts)
	call(n.Default())
	ts.CountRejected(set)
	ts.CountFailed(set)
	n.Default().CountRejected(set)
	own, node := ts.CommandStats(set), n.Default().CommandStats(set)
	if own.Calls.Load() != 2 || own.RejectedCalls.Load() != 1 || own.FailedCalls.Load() != 1 {
		t.Errorf("tenant: calls %d rejected %d failed %d", own.Calls.Load(), own.RejectedCalls.Load(), own.FailedCalls.Load())
	}
	if node != set.Stats() || node.Calls.Load() != 3 || node.RejectedCalls.Load() != 2 || node.FailedCalls.Load() != 1 {
		t.Errorf("node: calls %d rejected %d failed %d", node.Calls.Load(), node.RejectedCalls.Load(), node.FailedCalls.Load())
	}
	if ts.Stats.Commands.Load() != 2 {
		t.Errorf("tenant's commands processed: %d", ts.Stats.Commands.Load())
	}
	ts.ResetCommandStats()
	if own.Calls.Load() != 0 || own.RejectedCalls.Load() != 0 || node.Calls.Load() != 3 {
		t.Errorf("after reset: tenant %d/%d, node %d", own.Calls.Load(), own.RejectedCalls.Load(), node.Calls.Load())
	}
	n.Default().ResetCommandStats() // no counters of its own: a no-op
	if node.Calls.Load() != 3 {
		t.Errorf("the default namespace's reset cleared the node's: %d", node.Calls.Load())
	}
}

func TestNamespaceNotifyKeyspaceEvents(t *testing.T) {
	n := NewNode(Options{Clock: NewManualClock(time.Unix(1700000000, 0))})
	ts, us := n.NewNamespace("t"), n.NewNamespace("u")
	if errText := n.Config.Set([]SetRequest{{"notify-keyspace-events", "Kl"}}, true); errText != "" {
		t.Fatal(errText)
	}
	ts.SetNotifyKeyspaceEvents(NotifyKeyevent | NotifyExpired)
	if got := n.Default().NotifyKeyspaceEvents(); got != NotifyKeyspace|NotifyList || got != n.NotifyKeyspaceEvents() {
		t.Errorf("default namespace: %d", got)
	}
	if got := ts.NotifyKeyspaceEvents(); got != NotifyKeyevent|NotifyExpired {
		t.Errorf("tenant t: %d", got)
	}
	if got := us.NotifyKeyspaceEvents(); got != 0 {
		t.Errorf("tenant u: %d", got)
	}
	n.Default().SetNotifyKeyspaceEvents(NotifyKeyspace | NotifyAll)
	if got := n.Config.Get([]string{"notify-keyspace-events"})[0].Value; got != "AK" {
		t.Errorf("node parameter after the default namespace's set: %q", got)
	}
	if got := ts.NotifyKeyspaceEvents(); got != NotifyKeyevent|NotifyExpired {
		t.Errorf("tenant t after the node's change: %d", got)
	}
}
