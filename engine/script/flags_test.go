package script

import (
	"reflect"
	"testing"

	"github.com/flect-kv/flect/engine"
)

func TestParseShebang(t *testing.T) {
	for _, tc := range []struct {
		body    string
		flags   Flags
		shebang bool
		n       int
		err     string
	}{
		{"return 1", 0, false, 0, ""},
		{"#!lua\nreturn 1", 0, true, 5, ""},
		{"#!lua flags=no-writes,allow-oom\n", FlagNoWrites | FlagAllowOOM, true, 31, ""},
		{"#!lua flags=allow-stale,no-cluster,allow-cross-slot-keys\n", FlagAllowStale | FlagNoCluster | FlagAllowCrossSlot, true, 56, ""},
		{"#!lua flags=\n", 0, true, 12, ""},
		{"#!lua  'flags=no-writes'\t\n", FlagNoWrites, true, 25, ""},
		{"#!lua \"flags=no-wr\\x69tes\"\n", FlagNoWrites, true, 26, ""},
		{"#!lua", 0, false, 0, "Invalid script shebang"},
		{"#!lua\x00\n", 0, false, 0, "Invalid script shebang"},
		{"#!lua \"flags\n", 0, false, 0, "Invalid engine in script shebang"},
		{"#!lua 'a'b\n", 0, false, 0, "Invalid engine in script shebang"},
		{"#!luajit\n", 0, false, 0, "Unexpected engine in script shebang: #!luajit"},
		{"#!lua name=x\n", 0, false, 0, "Unknown lua shebang option: name=x"},
		{"#!lua flags=no-writes,\n", 0, false, 0, "Unexpected flag in script shebang: "},
		{"#!lua flags=NO-WRITES\n", 0, false, 0, "Unexpected flag in script shebang: NO-WRITES"},
	} {
		flags, shebang, n, err := parseShebang([]byte(tc.body))
		if flags != tc.flags || shebang != tc.shebang || n != tc.n || err != tc.err {
			t.Errorf("%q: %v %v %d %q", tc.body, flags, shebang, n, err)
		}
	}
}

func TestFlagsPolicy(t *testing.T) {
	compat := &Script{}
	ro := &Script{Shebang: true, Flags: FlagNoWrites}
	oom := &Script{Shebang: true, Flags: FlagAllowOOM}
	plain := &Script{Shebang: true}
	stale := &Script{Shebang: true, Flags: FlagAllowStale | FlagNoWrites}
	evalFlags := engine.NoScript | engine.SkipMonitor | engine.MayReplicate | engine.NoMandatoryKeys | engine.Stale

	if got := compat.CommandFlags(evalFlags); got != evalFlags {
		t.Errorf("compat: %v", got.Names())
	}
	if got := plain.CommandFlags(evalFlags); got != engine.NoScript|engine.SkipMonitor|engine.NoMandatoryKeys|engine.Write|engine.DenyOOM {
		t.Errorf("plain: %v", got.Names())
	}
	if got := ro.CommandFlags(evalFlags); got != engine.NoScript|engine.SkipMonitor|engine.NoMandatoryKeys {
		t.Errorf("no-writes: %v", got.Names())
	}
	if got := oom.CommandFlags(evalFlags); got != engine.NoScript|engine.SkipMonitor|engine.NoMandatoryKeys|engine.Write {
		t.Errorf("allow-oom: %v", got.Names())
	}
	if got := stale.CommandFlags(0); got != engine.Stale {
		t.Errorf("allow-stale: %v", got.Names())
	}

	for _, tc := range []struct {
		s        *Script
		ro, cli  bool
		want     Policy
		precheck string
	}{
		{compat, false, false, Policy{}, ""},
		{compat, true, false, Policy{ReadOnly: true}, ""},
		{compat, false, true, Policy{AllowOOM: true}, ""},
		{ro, false, false, Policy{ReadOnly: true}, ""},
		{oom, false, false, Policy{AllowOOM: true}, ""},
		{plain, true, false, Policy{ReadOnly: true}, ErrROScriptWithWrites},
		{oom, true, false, Policy{ReadOnly: true, AllowOOM: true}, ErrROScriptWithWrites},
	} {
		if got := tc.s.Policy(tc.ro, tc.cli); got != tc.want {
			t.Errorf("%+v ro=%v: %+v", tc.s, tc.ro, got)
		}
		if got := tc.s.PrecheckError(tc.ro, false); got != tc.precheck {
			t.Errorf("%+v ro=%v: precheck %q", tc.s, tc.ro, got)
		}
	}
	if plain.PrecheckError(false, true) != ErrScriptOOM || oom.PrecheckError(false, true) != "" || ro.PrecheckError(false, true) != "" || compat.PrecheckError(false, true) != "" {
		t.Error("OOM precheck")
	}
	if got := (FlagNoWrites | FlagAllowCrossSlot).Names(); !reflect.DeepEqual(got, []string{"no-writes", "allow-cross-slot-keys"}) {
		t.Error(got)
	}
}
