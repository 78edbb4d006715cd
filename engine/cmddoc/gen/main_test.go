package main

import (
	"bytes"
	"os"
	"testing"

	"github.com/flect-kv/flect/engine/cmddoc"
)

// refDir is Valkey's command JSON, beside the repository.
const refDir = "../../../../shared/ref/valkey-commands"

func TestGeneratedDataIsCurrent(t *testing.T) {
	if _, err := os.Stat(refDir); err != nil {
		t.Skipf("Valkey command JSON not found at %s: %v", refDir, err)
	}
	docs, err := Load(refDir, "../valkey9")
	if err != nil {
		t.Fatal(err)
	}
	src, err := Generate(docs)
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile("../zcommands.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, have) {
		t.Fatal("engine/cmddoc/zcommands.go is stale: run go generate ./engine/cmddoc")
	}
}

func TestLegacyRange(t *testing.T) {
	for _, tc := range []struct {
		name              string
		first, last, step int
		movable           bool
	}{
		{"get", 1, 1, 1, false},
		{"mset", 1, -1, 2, false},
		{"zunionstore", 1, 1, 1, true},
		{"eval", 0, 0, 0, true},
		{"rpoplpush", 1, 2, 1, false},
		{"blpop", 1, -2, 1, false},
		{"ping", 0, 0, 0, false},
		{"object|encoding", 2, 2, 1, false},
	} {
		d := cmddoc.Lookup(tc.name)
		if d == nil {
			t.Fatalf("%s: no doc", tc.name)
		}
		movable := false
		for _, f := range d.Flags {
			if f == "movablekeys" {
				movable = true
			}
		}
		if d.First != tc.first || d.Last != tc.last || d.Step != tc.step || movable != tc.movable {
			t.Errorf("%s: got %d %d %d movable=%v, want %d %d %d movable=%v", tc.name,
				d.First, d.Last, d.Step, movable, tc.first, tc.last, tc.step, tc.movable)
		}
	}
}

func TestACLCategories(t *testing.T) {
	d := cmddoc.Lookup("client|list")
	want := []string{"@admin", "@slow", "@dangerous", "@connection"}
	if len(d.ACLCategories) != len(want) {
		t.Fatalf("got %v want %v", d.ACLCategories, want)
	}
	for i := range want {
		if d.ACLCategories[i] != want[i] {
			t.Fatalf("got %v want %v", d.ACLCategories, want)
		}
	}
	if d.Group != "connection" {
		t.Fatalf("group %q", d.Group)
	}
	if cmddoc.Lookup("sentinel") != nil {
		t.Fatal("sentinel-only command present")
	}
}
