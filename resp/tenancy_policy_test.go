package resp

import (
	"io"
	"log/slog"
	"testing"

	"github.com/flect-kv/flect/engine"
)

// TestStorePolicyCoversAdminCommands makes every command Valkey flags
// admin a decision of the tenancy policy: refused to stores
// (storeDenied) or scoped to them (storeScoped). A new admin command
// fails here until it is placed in one of the two tables.
func TestStorePolicyCoversAdminCommands(t *testing.T) {
	node := engine.NewNode(engine.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	New(node, Options{})
	var check func(cmd *engine.Command)
	check = func(cmd *engine.Command) {
		full := cmd.FullName()
		denied := storeDenied[full] || cmd.Parent() != nil && storeDenied[cmd.Parent().Name]
		if cmd.Flags&engine.Admin != 0 && !denied && !storeScoped[full] {
			t.Errorf("%s is an admin command in neither storeDenied nor storeScoped", full)
		}
		if denied && storeScoped[full] {
			t.Errorf("%s is both denied and scoped", full)
		}
		for _, sub := range cmd.Subcommands {
			check(sub)
		}
	}
	for _, cmd := range node.Table().All() {
		check(cmd)
	}
	for name := range storeScoped {
		if node.Table().Lookup([]byte(name)) == nil && lookupSub(node.Table(), name) == nil {
			t.Errorf("storeScoped names %s, which the table lacks", name)
		}
	}
}

// lookupSub finds "container|sub" in the table.
func lookupSub(tb *engine.Table, full string) *engine.Command {
	for _, cmd := range tb.All() {
		for _, sub := range cmd.Subcommands {
			if sub.FullName() == full {
				return sub
			}
		}
	}
	return nil
}
