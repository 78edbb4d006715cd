package compat

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	script := strings.Join([]string{
		"# a comment",
		"",
		"   ",
		"SET foo \"a b\"",
		"sorted: SMEMBERS s",
		"ignore:   RANDOMKEY  ",
		`valkey: BITCOUNT k 0 => :3\r\n`,
		`valkey: ECHO "x => y" => $6\r\nx => y\r\n`,
		"sleep: 120",
		"resp3",
		"  GET 'k'\r",
		"read",
		`valkey-read => >3\r\n`,
	}, "\n")
	dirs, err := Parse("t.txt", strings.NewReader(script))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line   int
		kind   Kind
		args   string
		expect string
		sleep  time.Duration
	}{
		{4, Exact, `["SET" "foo" "a b"]`, "", 0},
		{5, Sorted, `["SMEMBERS" "s"]`, "", 0},
		{6, Ignore, `["RANDOMKEY"]`, "", 0},
		{7, Valkey, `["BITCOUNT" "k" "0"]`, ":3\r\n", 0},
		{8, Valkey, `["ECHO" "x => y"]`, "$6\r\nx => y\r\n", 0},
		{9, Sleep, `[]`, "", 120 * time.Millisecond},
		{10, RESP3, `[]`, "", 0},
		{11, Exact, `["GET" "k"]`, "", 0},
		{12, Read, `[]`, "", 0},
		{13, ValkeyRead, `[]`, ">3\r\n", 0},
	}
	if len(dirs) != len(want) {
		t.Fatalf("%d directives, want %d: %+v", len(dirs), len(want), dirs)
	}
	for i, w := range want {
		d := dirs[i]
		if d.Line != w.line || d.Kind != w.kind || fmt.Sprintf("%q", d.Args) != w.args || d.Expect != w.expect || d.Sleep != w.sleep {
			t.Errorf("directive %d = line %d %v %q %q %v; want %+v", i, d.Line, d.Kind, d.Args, d.Expect, d.Sleep, w)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{"SET \"a", "t.txt:1: unbalanced quotes"},
		{"\n\nsleep: abc", "t.txt:3: sleep wants milliseconds"},
		{"sleep: 60000", "t.txt:1: sleep wants milliseconds"},
		{"valkey: GET k", "t.txt:1: valkey: wants"},
		{`valkey: GET k => \q`, "t.txt:1: unknown escape"},
		{"ignore:", "t.txt:1: empty command"},
	} {
		_, err := Parse("t.txt", strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Parse(%q) error = %v, want %q", tc.in, err, tc.err)
		}
	}
}

func TestUnescape(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`+OK\r\n`, "+OK\r\n"},
		{`$3\r\n\x00\xff"\r\n`, "$3\r\n\x00\xff\"\r\n"},
		{`a\\b\"c\tq`, "a\\b\"c\tq"},
		{`no escapes "at all"`, `no escapes "at all"`},
	} {
		got, err := Unescape(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Unescape(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{`\`, `\x`, `\x4`, `\xzz`, `\q`} {
		if _, err := Unescape(bad); err == nil {
			t.Errorf("Unescape(%q) succeeded", bad)
		}
	}
}

func TestSortAggregate(t *testing.T) {
	for _, tc := range []struct{ a, b string }{
		{"*3\r\n$1\r\nc\r\n$1\r\na\r\n$1\r\nb\r\n", "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"},
		{"~2\r\n:2\r\n:1\r\n", "~2\r\n:1\r\n:2\r\n"},
		// Maps keep pairs together.
		{"%2\r\n$1\r\nb\r\n:1\r\n$1\r\na\r\n:2\r\n", "%2\r\n$1\r\na\r\n:2\r\n$1\r\nb\r\n:1\r\n"},
		// Nested aggregates move as one element.
		{"*2\r\n*1\r\n$1\r\nz\r\n*1\r\n$1\r\ny\r\n", "*2\r\n*1\r\n$1\r\ny\r\n*1\r\n$1\r\nz\r\n"},
		{"*0\r\n", "*0\r\n"},
		{"*-1\r\n", "*-1\r\n"},
		{"+OK\r\n", "+OK\r\n"},
	} {
		ga, err1 := SortAggregate(tc.a)
		gb, err2 := SortAggregate(tc.b)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatal(err)
		}
		if ga != gb {
			t.Errorf("SortAggregate(%q) = %q, SortAggregate(%q) = %q", tc.a, ga, tc.b, gb)
		}
	}
	if a, _ := SortAggregate("*2\r\n$1\r\na\r\n$1\r\nb\r\n"); a == "*2\r\n$1\r\na\r\n$1\r\nc\r\n" {
		t.Error("different elements compared equal")
	}
	for _, bad := range []string{"*2\r\n$1\r\na\r\n", "*2\r\n:1\r\n:2\r\n:3\r\n", "*x\r\n:1\r\n"} {
		if _, err := SortAggregate(bad); err == nil {
			t.Errorf("SortAggregate(%q) succeeded", bad)
		}
	}
}

func TestStartRedis(t *testing.T) {
	r, err := StartRedis(t)
	if errors.Is(err, ErrNoRedis) {
		t.Skip("redis-server not installed; apt-get install redis-server")
	}
	if err != nil {
		t.Fatal(err)
	}
	if !pingOK(r.Addr) {
		t.Fatal("no PONG")
	}
	r.Stop()
	if pingOK(r.Addr) {
		t.Fatal("redis-server still answers after Stop")
	}
	// Stop twice is harmless (t.Cleanup calls it again).
	r.Stop()
	if _, err := net.DialTimeout("tcp", r.Addr, 100*time.Millisecond); err == nil {
		t.Fatal("port still open")
	}
}
