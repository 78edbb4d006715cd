package resp_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/compat"
	"github.com/flect-kv/flect/resp/resptest"
)

// compatDir holds the differential scripts, relative to this package.
const compatDir = "../testdata/compat"

// TestCompat runs every testdata/compat/*.txt script against an in-process
// flect node and a real redis-server, comparing raw reply bytes. Set
// FLECT_COMPAT_FILE=strings (or strings.txt) to run one script.
func TestCompat(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(compatDir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if only := os.Getenv("FLECT_COMPAT_FILE"); only != "" {
		want := strings.TrimSuffix(filepath.Base(only), ".txt") + ".txt"
		files = []string{filepath.Join(compatDir, want)}
		if _, err := os.Stat(files[0]); err != nil {
			t.Fatalf("FLECT_COMPAT_FILE=%s: %v", only, err)
		}
	}
	if len(files) == 0 {
		t.Fatalf("no scripts in %s", compatDir)
	}
	// Scripts are parsed up front, so that a syntax error is reported even
	// where redis-server is missing.
	scripts := make([][]compat.Directive, len(files))
	for i, file := range files {
		if scripts[i], err = parseScript(file); err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		return
	}
	if _, err := exec.LookPath(compat.RedisServerBinary); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("redis-server not installed in CI; .ci/run installs it (apt-get install redis-server)")
		}
		t.Skip("redis-server not installed; apt-get install redis-server")
	}
	for i, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".txt")
		t.Run(name, func(t *testing.T) { runCompatFile(t, filepath.Base(file), scripts[i]) })
	}
}

func parseScript(file string) ([]compat.Directive, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return compat.Parse(filepath.Base(file), f)
}

// runCompatFile runs one script on a fresh flect node and a fresh
// redis-server, so that no state (keys, config, client names) leaks from
// one script to the next.
func runCompatFile(t *testing.T, base string, dirs []compat.Directive) {
	rs, err := compat.StartRedis(t)
	if err != nil {
		t.Fatal(err)
	}
	node := resptest.Start(t, nil, nil)
	fl := dialRaw(t, "flect", node.Addr)
	rd := dialRaw(t, "redis", rs.Addr)
	// Both start empty; FLUSHALL is sent all the same so that a script
	// never depends on how the servers were started.
	for _, c := range []*rawConn{fl, rd} {
		if _, err := c.do(resptest.Encode("FLUSHALL")); err != nil {
			t.Fatalf("%s: FLUSHALL: %v", c.name, err)
		}
	}
	skipped := 0
	defer func() {
		if skipped > 0 {
			t.Logf("%s: %d directives skipped: they need commands flect does not have yet", base, skipped)
		}
	}()
	for _, d := range dirs {
		where := fmt.Sprintf("%s:%d", base, d.Line)
		if missing(node, d.Needs) {
			skipped++
			continue
		}
		switch d.Kind {
		case compat.Sleep:
			time.Sleep(d.Sleep)
			continue
		case compat.RESP3:
			for _, c := range []*rawConn{fl, rd} {
				if _, err := c.do(resptest.Encode("HELLO", "3")); err != nil {
					t.Fatalf("%s: %s: HELLO 3: %v", where, c.name, err)
				}
			}
			continue
		case compat.Read, compat.ValkeyRead:
			got, err := fl.read()
			if err != nil {
				t.Fatalf("%s: read\n  flect: read error %v after %q", where, err, got)
			}
			want := d.Expect
			if d.Kind == compat.Read {
				if want, err = rd.read(); err != nil {
					t.Fatalf("%s: read\n  redis: read error %v after %q", where, err, want)
				}
			}
			if got != want {
				t.Errorf("%s: %s\n  flect: %q\n  want:  %q", where, d.Kind, got, want)
			}
			continue
		}
		req := encodeArgs(d.Args)
		got, err := fl.do(req)
		if err != nil {
			t.Fatalf("%s: %s\n  flect: read error %v after %q", where, d.Text, err, got)
		}
		if d.Kind == compat.Valkey {
			if got != d.Expect {
				t.Errorf("%s: %s\n  flect:    %q\n  expected: %q (valkey)", where, d.Text, got, d.Expect)
			}
			continue
		}
		want, err := rd.do(req)
		if err != nil {
			t.Fatalf("%s: %s\n  redis: read error %v after %q", where, d.Text, err, want)
		}
		if !compareReplies(t, d.Kind, got, want) {
			t.Errorf("%s: %s\n  flect: %q\n  redis: %q", where, d.Text, got, want)
		}
	}
}

// missing reports whether the node lacks any of the named commands.
func missing(node *resptest.Node, cmds []string) bool {
	for _, name := range cmds {
		if node.Engine.Table().Lookup([]byte(name)) == nil {
			return true
		}
	}
	return false
}

// compareReplies applies a directive's comparison.
func compareReplies(t *testing.T, kind compat.Kind, got, want string) bool {
	switch kind {
	case compat.Ignore:
		return compat.SameType(got, want)
	case compat.Sorted:
		g, err1 := compat.SortAggregate(got)
		w, err2 := compat.SortAggregate(want)
		if err := errors.Join(err1, err2); err != nil {
			t.Log(err)
			return false
		}
		return g == w
	}
	return got == want
}

func encodeArgs(args [][]byte) []byte {
	ss := make([]string, len(args))
	for i, a := range args {
		ss[i] = string(a)
	}
	return resptest.Encode(ss...)
}

// rawConn is one connection of the differential runner: raw bytes out, one
// raw reply frame in.
type rawConn struct {
	name string
	nc   net.Conn
	br   *bufio.Reader
}

func dialRaw(t *testing.T, name, addr string) *rawConn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { nc.Close() })
	return &rawConn{name: name, nc: nc, br: bufio.NewReader(nc)}
}

// do writes req and reads one reply frame.
func (c *rawConn) do(req []byte) (string, error) {
	c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write(req); err != nil {
		return "", err
	}
	return resptest.ReadFrame(c.br)
}

// read reads one more reply frame.
func (c *rawConn) read() (string, error) {
	c.nc.SetDeadline(time.Now().Add(10 * time.Second))
	return resptest.ReadFrame(c.br)
}
