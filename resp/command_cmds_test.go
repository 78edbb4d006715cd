package resp_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/flect-kv/flect/resp/resptest"
)

func TestCommandIntrospection(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	top := len(n.Engine.Table().All())
	is(t, c, ":"+strconv.Itoa(top)+"\r\n", "COMMAND", "COUNT")
	if r := c.Do("COMMAND"); !strings.HasPrefix(r, "*"+strconv.Itoa(top)+"\r\n*10\r\n") {
		t.Fatalf("COMMAND: %.60q", r)
	}
	if r := c.Do("COMMAND", "INFO"); !strings.HasPrefix(r, "*"+strconv.Itoa(top)+"\r\n") {
		t.Fatalf("COMMAND INFO: %.60q", r)
	}
	// A container lists its subcommands; a plain command has an empty set.
	info := c.Do("COMMAND", "INFO", "config")
	if !strings.HasPrefix(info, "*1\r\n*10\r\n$6\r\nconfig\r\n:-2\r\n*0\r\n:0\r\n:0\r\n:0\r\n*1\r\n+@slow\r\n*0\r\n*0\r\n*5\r\n*10\r\n$10\r\nconfig|get\r\n") {
		t.Fatalf("COMMAND INFO config: %q", info)
	}
	// Only commands the node implements are listed.
	list := c.Do("COMMAND", "LIST")
	for _, want := range []string{"$3\r\nget\r\n", "$11\r\nclient|list\r\n", "$6\r\nconfig\r\n", "$10\r\nconfig|get\r\n"} {
		if !strings.Contains(list, want) {
			t.Errorf("COMMAND LIST lacks %q", want)
		}
	}
	for _, absent := range []string{"function|load"} {
		if strings.Contains(list, "\r\n"+absent+"\r\n") {
			t.Errorf("COMMAND LIST has unimplemented %s", absent)
		}
	}
}

func TestCommandListFilters(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	names := func(r string) []string {
		var out []string
		for _, line := range strings.Split(r, "\r\n") {
			if line != "" && line[0] != '*' && line[0] != '$' {
				out = append(out, line)
			}
		}
		return out
	}
	got := strings.Join(names(c.Do("COMMAND", "LIST", "FILTERBY", "PATTERN", "CONFIG|[HR]*")), " ")
	if got != "config|help config|resetstat config|rewrite" {
		t.Errorf("PATTERN: %q", got)
	}
	str := names(c.Do("COMMAND", "LIST", "FILTERBY", "ACLCAT", "String"))
	if len(str) < 5 || !contains(str, "get") || !contains(str, "incrby") || contains(str, "ping") {
		t.Errorf("ACLCAT string: %v", str)
	}
	if d := names(c.Do("COMMAND", "LIST", "FILTERBY", "ACLCAT", "dangerous")); !contains(d, "client|kill") || contains(d, "get") {
		t.Errorf("ACLCAT dangerous: %v", d)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestCommandDocs(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.Do("HELLO", "3")
	docs := c.Do("COMMAND", "DOCS", "client", "nosuch", "get")
	if !strings.HasPrefix(docs, "%2\r\n$6\r\nclient\r\n%5\r\n$7\r\nsummary\r\n") {
		t.Fatalf("DOCS: %.120q", docs)
	}
	// The container's subcommands are the implemented ones only.
	if !strings.Contains(docs, "$11\r\nsubcommands\r\n%19\r\n") || !strings.Contains(docs, "client|tracking") {
		t.Fatalf("DOCS client subcommands: %q", docs)
	}
	get := docs[strings.Index(docs, "$3\r\nget\r\n"):]
	want := "$3\r\nget\r\n%5\r\n$7\r\nsummary\r\n$34\r\nReturns the string value of a key.\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n%4\r\n$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$12\r\ndisplay_text\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n"
	if get != want {
		t.Fatalf("DOCS get:\n got %q\nwant %q", get, want)
	}
	all := c.Do("COMMAND", "DOCS")
	if !strings.HasPrefix(all, "%"+strconv.Itoa(len(n.Engine.Table().All()))+"\r\n") {
		t.Fatalf("DOCS all: %.40q", all)
	}
}

func TestCommandGetkeys(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "*1\r\n$1\r\nk\r\n", "COMMAND", "GETKEYS", "MEMORY", "USAGE", "k", "SAMPLES", "5")
	is(t, c, "*1\r\n*2\r\n$1\r\na\r\n*2\r\n+OW\r\n+update\r\n", "COMMAND", "GETKEYSANDFLAGS", "SET", "a", "b", "EX", "10")
	is(t, c, "*1\r\n*2\r\n$1\r\na\r\n*3\r\n+RW\r\n+access\r\n+update\r\n", "COMMAND", "GETKEYSANDFLAGS", "set", "a", "b", "get")
	is(t, c, "*1\r\n*2\r\n$1\r\nk\r\n*1\r\n+RO\r\n", "COMMAND", "GETKEYSANDFLAGS", "memory", "usage", "k")
	is(t, c, "-ERR The command has no key arguments\r\n", "COMMAND", "GETKEYS", "config", "get", "x")
	is(t, c, "-ERR Invalid command specified\r\n", "COMMAND", "GETKEYS", "config", "nosuch")
	is(t, c, "-ERR Invalid number of arguments specified for command\r\n", "COMMAND", "GETKEYS", "incr", "a", "b")
}

// TestCommandInfoMatchesMetadata checks COMMAND INFO's key positions
// against the legacy range Valkey derives from the key specs, for every
// command the node implements.
func TestCommandInfoLegacyRange(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	re := regexp.MustCompile(`^\*1\r\n\*10\r\n\$\d+\r\n[^\r]+\r\n:-?\d+\r\n\*\d+\r\n(?:\+[a-z_]+\r\n)*:(-?\d+)\r\n:(-?\d+)\r\n:(-?\d+)\r\n`)
	for _, cmd := range n.Engine.Table().All() {
		m := re.FindStringSubmatch(c.Do("COMMAND", "INFO", cmd.Name))
		if m == nil {
			t.Fatalf("COMMAND INFO %s unparsable", cmd.Name)
		}
		if m[1] != strconv.Itoa(cmd.First) || m[2] != strconv.Itoa(cmd.Last) || m[3] != strconv.Itoa(cmd.Step) {
			t.Errorf("%s: %v", cmd.Name, m[1:])
		}
	}
}
