package resp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/flect-kv/flect/engine/cmddoc"
)

func TestKeysFromSpecs(t *testing.T) {
	for _, tc := range []struct {
		argv string
		want string
	}{
		{"get k", "1:RO,access"},
		{"mset a 1 b 2", "1:OW,update 3:OW,update"},
		{"zunionstore dst 2 a b WEIGHTS 1 2", "1:OW,update 3:RO,access 4:RO,access"},
		{"zunionstore dst 5 a b", "1:OW,update"}, // numkeys too large: partial
		{"blpop a b 0", "1:RW,access,delete 2:RW,access,delete"},
		{"sort k STORE dst", "1:RO,access"}, // STORE's spec is "unknown"
		{"xread COUNT 1 STREAMS s1 s2 0 0", "4:RO,access 5:RO,access"},
		{"lmpop 2 a b LEFT", "2:RW,access,delete 3:RW,access,delete"},
	} {
		argv := strings.Fields(tc.argv)
		doc := cmddoc.Lookup(argv[0])
		if doc == nil {
			t.Fatalf("no doc for %s", argv[0])
		}
		b := make([][]byte, len(argv))
		for i, a := range argv {
			b[i] = []byte(a)
		}
		var parts []string
		for _, k := range keysFromSpecs(doc.KeySpecs, b) {
			parts = append(parts, fmt.Sprintf("%d:%s", k.pos, strings.Join(k.flags, ",")))
		}
		if got := strings.Join(parts, " "); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.argv, got, tc.want)
		}
	}
}

func TestVariableKeyFlags(t *testing.T) {
	argv := func(s string) [][]byte {
		var out [][]byte
		for _, f := range strings.Fields(s) {
			out = append(out, []byte(f))
		}
		return out
	}
	for _, tc := range []struct{ cmd, argv, want string }{
		{"set", "set k v", "OW update"},
		{"set", "set k v NX GeT", "RW access update"},
		{"set", "set get v", "OW update"},
		{"bitfield", "bitfield k GET u8 0", "RO access"},
		{"bitfield", "bitfield k GET u8 0 INCRBY u8 0 1", "RW access update"},
		{"bitfield", "bitfield k OVERFLOW SAT", "RO access"},
		{"bitfield", "bitfield k BOGUS", "RW access update"},
	} {
		if got := strings.Join(variableKeyFlags(tc.cmd, argv(tc.argv)), " "); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.argv, got, tc.want)
		}
	}
	if variableKeyFlags("get", argv("get k")) != nil {
		t.Error("get has variable flags")
	}
}
