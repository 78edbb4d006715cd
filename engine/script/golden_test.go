package script

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Golden replies recorded from valkey-server 8.0.1: every case runs a
// script on a fresh Cache and fake store and compares the reply bytes the
// client would receive with testdata/valkey8.json. To re-record, start a
// Valkey 8.0.1 server and run
//
//	go test ./engine/script -run TestGolden -update -valkey 127.0.0.1:24700
//
// Cases only call the commands fakeCaller implements.

var (
	update = flag.Bool("update", false, "re-record testdata/valkey8.json from -valkey")
	valkey = flag.String("valkey", "", "address of a valkey-server 8.0.1 to record from")
)

const goldenFile = "testdata/valkey8.json"

type goldenCase struct {
	name   string
	proto  int        // the client's protocol
	setup  [][]string // commands run before the script
	keys   []string
	args   []string
	script string
}

func TestGolden(t *testing.T) {
	cases := allGoldenCases()
	if *update {
		recordGolden(t, cases)
	}
	data, err := os.ReadFile(goldenFile)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	if err := json.Unmarshal(data, &want); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, gc := range cases {
		if seen[gc.name] {
			t.Fatalf("duplicate case %s", gc.name)
		}
		seen[gc.name] = true
		exp, ok := want[gc.name]
		if !ok {
			t.Errorf("%s: no golden reply (run with -update)", gc.name)
			continue
		}
		if d, ok := knownDifferences[gc.name]; ok {
			if d.valkey != exp {
				t.Errorf("%s: Valkey's reply changed: %q", gc.name, exp)
			}
			exp = d.flect
		}
		if got := runGolden(gc); got != exp {
			t.Errorf("%s: script %q\n got %q\nwant %q", gc.name, gc.script, got, exp)
		}
	}
}

// runGolden runs a case on flect's side and returns the raw reply.
func runGolden(gc goldenCase) string {
	f := newFake()
	for _, cmd := range gc.setup {
		args := make([][]byte, len(cmd))
		for i, a := range cmd {
			args[i] = []byte(a)
		}
		f.Call(args, 2)
	}
	c := NewCache(Options{})
	s, errv := c.Put([]byte(gc.script))
	if errv != nil {
		return encode(*errv, gc.proto)
	}
	f.readOnly = s.Policy(false, false).ReadOnly
	v := c.Run(s, RunOptions{Keys: bytesOf(gc.keys), Args: bytesOf(gc.args), Resp: gc.proto}, f)
	return encode(v, gc.proto)
}

func bytesOf(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

// recordGolden runs every case on a live Valkey and rewrites the file.
func recordGolden(t *testing.T, cases []goldenCase) {
	if *valkey == "" {
		t.Fatal("-update needs -valkey host:port")
	}
	conn, err := net.DialTimeout("tcp", *valkey, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	do := func(args ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, "*%d\r\n", len(args))
		for _, a := range args {
			fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
		}
		if _, err := conn.Write([]byte(b.String())); err != nil {
			t.Fatal(err)
		}
		reply, err := readReply(r)
		if err != nil {
			t.Fatal(err)
		}
		return reply
	}
	out := map[string]string{}
	for _, gc := range cases {
		do("HELLO", "2")
		do("FLUSHALL")
		do("SCRIPT", "FLUSH")
		for _, cmd := range gc.setup {
			do(cmd...)
		}
		do("HELLO", strconv.Itoa(gc.proto))
		args := append([]string{"EVAL", gc.script, strconv.Itoa(len(gc.keys))}, gc.keys...)
		out[gc.name] = do(append(args, gc.args...)...)
	}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(goldenFile, append(data, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}

// difference is a reply where flect knowingly differs from Valkey.
type difference struct {
	valkey, flect string
}

// knownDifferences are the golden cases whose reply differs, and why.
var knownDifferences = map[string]difference{
	// A call stack overflow is reported without its position: gopher-lua
	// unwinds the frames before anything can look at them.
	"err/stack-overflow/resp2": {
		"-ERR user_script:1: stack overflow script: 2c347ae0c7feaa40c62d8208d59e954ee9ff79ff, on @user_script:1.\r\n",
		"-ERR stack overflow\r\n"},
	"err/stack-overflow/resp3": {
		"-ERR user_script:1: stack overflow script: 2c347ae0c7feaa40c62d8208d59e954ee9ff79ff, on @user_script:1.\r\n",
		"-ERR stack overflow\r\n"},
	"err/deep-recursion/resp2": {
		"-ERR user_script:1: stack overflow script: 31066015e14410a412f407d33e9781910b6db368, on @user_script:1.\r\n",
		"-ERR stack overflow\r\n"},
	"err/deep-recursion/resp3": {
		"-ERR user_script:1: stack overflow script: 31066015e14410a412f407d33e9781910b6db368, on @user_script:1.\r\n",
		"-ERR stack overflow\r\n"},
}

// allGoldenCases gathers the cases of every group.
func allGoldenCases() []goldenCase {
	var all []goldenCase
	for _, group := range [][]goldenCase{
		conversionCases, callCases, sandboxCases, errorCases, apiCases,
		libCases, patternCases, formatCases, shebangCases, compileCases, limitCases,
	} {
		all = append(all, group...)
	}
	return all
}

// both returns the case for a RESP2 and a RESP3 client.
func both(name, script string) []goldenCase {
	return []goldenCase{
		{name: name + "/resp2", proto: 2, script: script},
		{name: name + "/resp3", proto: 3, script: script},
	}
}

// scripts returns RESP2 cases named prefix/N for each script.
func scripts(prefix string, srcs ...string) []goldenCase {
	out := make([]goldenCase, len(srcs))
	for i, s := range srcs {
		out[i] = goldenCase{name: prefix + "/" + strconv.Itoa(i), proto: 2, script: s}
	}
	return out
}

func concat(groups ...[]goldenCase) []goldenCase {
	var out []goldenCase
	for _, g := range groups {
		out = append(out, g...)
	}
	return out
}
