package resp_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/compat"
	"github.com/flect-kv/flect/resp/resptest"
)

// TestStoreIsolationCompatScripts is the isolation matrix over every
// command the differential scripts exercise: each script runs in stores a
// and b of one node, in step: each line runs in a, then in b, so that
// when b runs a line, a has just run it on the same key and channel
// names. b's replies must be a's: nothing of one store reaches the other.
func TestStoreIsolationCompatScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(compatDir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in %s: %v", compatDir, err)
	}
	// The stores' names have the same length: replies that name the user
	// (NOPERM, CLIENT LIST) only swap them.
	rename := strings.NewReplacer("User a ", "User b ", "user=a ", "user=b ")
	for _, file := range files {
		dirs, err := parseScript(file)
		if err != nil {
			t.Fatal(err)
		}
		base := filepath.Base(file)
		t.Run(strings.TrimSuffix(base, ".txt"), func(t *testing.T) {
			t.Parallel() // each script has its own node
			n := resptest.Start(t, nil, nil)
			admin := n.Dial(t)
			sa, sb := createStore(t, admin, "a"), createStore(t, admin, "b")
			a, b := storeRaw(t, n, "a", sa), storeRaw(t, n, "b", sb)
			for _, d := range dirs {
				if missing(n, d.Needs) {
					continue
				}
				if d.Kind == compat.Sleep {
					time.Sleep(d.Sleep)
					continue
				}
				want := rename.Replace(step(t, base, a, d))
				got := step(t, base, b, d)
				kind := d.Kind
				if kind == compat.Valkey || kind == compat.ValkeyRead || kind == compat.Read {
					kind = compat.Exact
				}
				if got != want && !compareReplies(t, kind, got, want) {
					t.Errorf("%s:%d: %s\n  store b: %q\n  store a: %q", base, d.Line, d.Text, got, want)
				}
			}
		})
	}
}

// storeRaw dials a raw connection bound to a store.
func storeRaw(t *testing.T, n *resptest.Node, name, secret string) *rawConn {
	t.Helper()
	c := dialRaw(t, name, n.Addr)
	if got, err := c.do(resptest.Encode("AUTH", name, secret)); err != nil || got != "+OK\r\n" {
		t.Fatalf("AUTH %s: %q %v", name, got, err)
	}
	return c
}

// step runs one directive on c and returns its reply ("" for RESP3).
func step(t *testing.T, base string, c *rawConn, d compat.Directive) string {
	var out string
	var err error
	switch d.Kind {
	case compat.RESP3:
		_, err = c.do(resptest.Encode("HELLO", "3"))
	case compat.Read, compat.ValkeyRead:
		out, err = c.read()
	default:
		out, err = c.do(encodeArgs(d.Args))
	}
	if err != nil {
		t.Fatalf("%s:%d: %s: store %s: %v after %q", base, d.Line, d.Text, c.name, err, out)
	}
	return out
}
