package engine_test

import (
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/flect-kv/flect/resp/resptest"
)

// String and bitmap commands over the wire, through the RESP front end.

func TestStringsOverRESP(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"SET", "k", "v\r\nx"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$4\r\nv\r\nx\r\n"},
		{[]string{"GET", "nokey"}, "$-1\r\n"},
		{[]string{"INCR", "n"}, ":1\r\n"},
		{[]string{"INCRBYFLOAT", "n", "0.5"}, "$3\r\n1.5\r\n"},
		{[]string{"MSET", "a", "1", "b", "2"}, "+OK\r\n"},
		{[]string{"MGET", "a", "b", "c"}, "*3\r\n$1\r\n1\r\n$1\r\n2\r\n$-1\r\n"},
		{[]string{"MSET", "a", "1", "b"}, "-ERR wrong number of arguments for 'mset' command\r\n"},
		{[]string{"get"}, "-ERR wrong number of arguments for 'get' command\r\n"},
		{[]string{"SETRANGE", "r", "3", "abc"}, ":6\r\n"},
		{[]string{"GETRANGE", "r", "0", "-1"}, "$6\r\n\x00\x00\x00abc\r\n"},
		{[]string{"BITCOUNT", "r", "3"}, ":10\r\n"},
		{[]string{"BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "7"}, "*1\r\n$-1\r\n"},
		{[]string{"LCS", "a", "b", "IDX"}, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"},
		{[]string{"HELLO", "3"}, ""},
		{[]string{"GET", "nokey"}, "_\r\n"},
		{[]string{"BITFIELD", "bf", "OVERFLOW", "FAIL", "INCRBY", "u2", "0", "7"}, "*1\r\n_\r\n"},
		{[]string{"LCS", "a", "b", "IDX"}, "%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n"},
		{[]string{"INCRBYFLOAT", "n", "0.1"}, "$3\r\n1.6\r\n"},
	} {
		got := c.Do(step.args...)
		if step.want != "" && got != step.want {
			t.Errorf("%q: got %q, want %q", step.args, got, step.want)
		}
	}
}

func TestStringsPipelined(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	var req []byte
	for i := range 200 {
		req = append(req, resptest.Encode("SET", "key:"+strconv.Itoa(i), strconv.Itoa(i*i))...)
	}
	c.WriteRaw(req)
	for range 200 {
		if got := c.Read(); got != "+OK\r\n" {
			t.Fatalf("SET: %q", got)
		}
	}
	args := []string{"MGET"}
	for i := range 200 {
		args = append(args, "key:"+strconv.Itoa(i))
	}
	got := c.Do(args...)
	var want strings.Builder
	want.WriteString("*200\r\n")
	for i := range 200 {
		v := strconv.Itoa(i * i)
		want.WriteString("$" + strconv.Itoa(len(v)) + "\r\n" + v + "\r\n")
	}
	if got != want.String() {
		t.Fatalf("MGET: %q", got)
	}
}

// Concurrent INCRs and APPENDs on shared keys lose no update, and MSET is
// atomic across shards.
func TestStringsConcurrent(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	const clients, per = 8, 200
	var wg sync.WaitGroup
	for g := range clients {
		wg.Add(1)
		c := n.Dial(t)
		go func() {
			defer wg.Done()
			for i := range per {
				c.Send("INCR", "counter")
				c.Send("APPEND", "log", "x")
				c.Send("MSET", "m1", strconv.Itoa(g), "m2", strconv.Itoa(g), "m3", strconv.Itoa(g))
				c.Send("MGET", "m1", "m2", "m3")
				c.Read()
				c.Read()
				c.Read()
				if r := c.Read(); i > 0 && !allSame(r) {
					t.Errorf("MGET saw a torn MSET: %q", r)
				}
			}
		}()
	}
	wg.Wait()
	c := n.Dial(t)
	want := strconv.Itoa(clients * per)
	if got := c.Do("GET", "counter"); got != "$"+strconv.Itoa(len(want))+"\r\n"+want+"\r\n" {
		t.Fatalf("counter: %q", got)
	}
	if got := c.Do("STRLEN", "log"); got != ":"+want+"\r\n" {
		t.Fatalf("log: %q", got)
	}
}

func allSame(mget string) bool {
	parts := strings.Split(mget, "\r\n")
	// *3, $n, v1, $n, v2, $n, v3
	return len(parts) >= 7 && parts[2] == parts[4] && parts[4] == parts[6]
}
