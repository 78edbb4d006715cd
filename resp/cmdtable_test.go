package resp_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/resp"
)

// valkeyCommandsDir is Valkey's command table as JSON, beside the
// repository (../shared/ref relative to its root).
const valkeyCommandsDir = "../../shared/ref/valkey-commands"

// valkey9CommandsDir holds the JSON of the commands Valkey 9 added that
// flect serves (hash field expiry), which the Valkey 8 reference lacks;
// the cross-check reads it too.
const valkey9CommandsDir = "../engine/cmddoc/valkey9"

// refCommand is what the cross-check reads from a Valkey JSON file.
type refCommand struct {
	Arity        int      `json:"arity"`
	Container    string   `json:"container"`
	CommandFlags []string `json:"command_flags"`
	KeySpecs     []struct {
		Flags       []string `json:"flags"`
		BeginSearch struct {
			Index *struct {
				Pos int `json:"pos"`
			} `json:"index"`
		} `json:"begin_search"`
		FindKeys struct {
			Range *struct {
				LastKey int `json:"lastkey"`
				Step    int `json:"step"`
			} `json:"range"`
		} `json:"find_keys"`
	} `json:"key_specs"`
}

// legacyRange is Valkey's COMMAND INFO first/last/step (server.c
// populateCommandLegacyRangeSpec), computed independently of
// engine/cmddoc.
func (c *refCommand) legacyRange() (first, last, step int) {
	type rng struct{ pos, last, step int }
	var ranges []rng
	for _, ks := range c.KeySpecs {
		if ks.BeginSearch.Index == nil || ks.FindKeys.Range == nil {
			continue
		}
		ranges = append(ranges, rng{ks.BeginSearch.Index.Pos, ks.FindKeys.Range.LastKey, ks.FindKeys.Range.Step})
	}
	abs := func(r rng) int {
		if r.last >= 0 {
			return r.pos + r.last
		}
		return r.last
	}
	if len(c.KeySpecs) == 1 && len(ranges) == 1 {
		return ranges[0].pos, abs(ranges[0]), ranges[0].step
	}
	first, prev := 0, 0
	for _, r := range ranges {
		if r.step != 1 || (prev != 0 && prev != r.pos-1) {
			continue
		}
		if first == 0 || r.pos < first {
			first = r.pos
		}
		if uint32(abs(r)) > uint32(last) {
			last = abs(r)
		}
		prev = last
	}
	if first == 0 {
		return 0, 0, 0
	}
	return first, last, 1
}

// flectFlagNames maps Valkey's JSON flag names to the engine's flags the
// table declares; other Valkey flags (SENTINEL, PROTECTED, ...) have no
// engine bit and are not compared.
var flectFlagNames = map[string]engine.Flags{
	"WRITE": engine.Write, "READONLY": engine.ReadOnly, "DENYOOM": engine.DenyOOM,
	"ADMIN": engine.Admin, "PUBSUB": engine.PubSub, "NOSCRIPT": engine.NoScript,
	"BLOCKING": engine.Blocking, "LOADING": engine.Loading, "STALE": engine.Stale,
	"SKIP_MONITOR": engine.SkipMonitor, "SKIP_SLOWLOG": engine.SkipSlowlog,
	"FAST": engine.Fast, "NO_AUTH": engine.NoAuth, "MAY_REPLICATE": engine.MayReplicate,
	"NO_MANDATORY_KEYS": engine.NoMandatoryKeys, "NO_MULTI": engine.NoMulti,
	"ALLOW_BUSY": engine.AllowBusy,
}

// valkeyFlags masks the engine flags that mirror Valkey's.
const valkeyFlags = engine.Write | engine.ReadOnly | engine.DenyOOM | engine.Admin |
	engine.PubSub | engine.NoScript | engine.Blocking | engine.Loading | engine.Stale |
	engine.SkipMonitor | engine.SkipSlowlog | engine.Fast | engine.NoAuth |
	engine.MayReplicate | engine.NoMandatoryKeys | engine.NoMulti | engine.AllowBusy

func loadValkeyCommands(t *testing.T) map[string]*refCommand {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(valkeyCommandsDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Skipf("Valkey command JSON not found at %s (CI has it)", valkeyCommandsDir)
	}
	v9, err := filepath.Glob(filepath.Join(valkey9CommandsDir, "*.json"))
	if err != nil || len(v9) == 0 {
		t.Fatalf("no Valkey 9 command JSON in %s", valkey9CommandsDir)
	}
	files = append(files, v9...)
	out := map[string]*refCommand{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]*refCommand
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for name, c := range m {
			full := strings.ToLower(name)
			if c.Container != "" {
				full = strings.ToLower(c.Container) + "|" + full
			}
			out[full] = c
		}
	}
	return out
}

// TestCommandTableMatchesValkey checks every command the node serves
// against Valkey's command table: it must exist there, with the same
// arity, flags (flect's locking flags aside) and legacy key positions.
func TestCommandTableMatchesValkey(t *testing.T) {
	ref := loadValkeyCommands(t)
	node := engine.NewNode(engine.Options{})
	resp.New(node, resp.Options{})
	var check func(cmd *engine.Command)
	n := 0
	check = func(cmd *engine.Command) {
		name := cmd.FullName()
		if strings.HasPrefix(name, "flect.") {
			return // flect's own commands (FLECT.KV), named to clash with none of Valkey's
		}
		n++
		r, ok := ref[name]
		if !ok {
			t.Errorf("%s: not a Valkey command", name)
			return
		}
		if cmd.Arity != r.Arity {
			t.Errorf("%s: arity %d, Valkey %d", name, cmd.Arity, r.Arity)
		}
		var want engine.Flags
		for _, f := range r.CommandFlags {
			want |= flectFlagNames[f]
		}
		if got := cmd.Flags & valkeyFlags; got != want {
			t.Errorf("%s: flags %v, Valkey %v", name, got.Names(), want.Names())
		}
		first, last, step := r.legacyRange()
		if cmd.First != first || cmd.Last != last || cmd.Step != step {
			t.Errorf("%s: keys %d %d %d, Valkey %d %d %d", name, cmd.First, cmd.Last, cmd.Step, first, last, step)
		}
		subs := append([]*engine.Command(nil), cmd.Subcommands...)
		sort.Slice(subs, func(i, j int) bool { return subs[i].Name < subs[j].Name })
		for _, sub := range subs {
			check(sub)
		}
	}
	for _, cmd := range node.Table().All() {
		check(cmd)
	}
	t.Logf("%d commands checked", n)
}
