package engine_test

import (
	"strconv"
	"sync"
	"testing"

	"github.com/flect-kv/flect/resp/resptest"
)

// Set commands over the wire, through the RESP front end.

func TestSetsOverRESP(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"SADD", "s", "b", "a", "1"}, ":3\r\n"},
		{[]string{"SMEMBERS", "s"}, "*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"SADD", "t", "a", "z"}, ":2\r\n"},
		{[]string{"SINTERCARD", "2", "s", "t"}, ":1\r\n"},
		{[]string{"SINTERCARD", "2", "s"}, "-ERR Number of keys can't be greater than number of args\r\n"},
		{[]string{"SINTER", "s", "t"}, "*1\r\n$1\r\na\r\n"},
		{[]string{"SSCAN", "s", "0"}, "*2\r\n$1\r\n0\r\n*3\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"HELLO", "3"}, ""},
		{[]string{"SMEMBERS", "t"}, "~2\r\n$1\r\na\r\n$1\r\nz\r\n"},
		{[]string{"SPOP", "nokey"}, "_\r\n"},
		{[]string{"SPOP", "nokey", "2"}, "~0\r\n"},
		{[]string{"SRANDMEMBER", "nokey", "2"}, "*0\r\n"},
		{[]string{"SMISMEMBER", "t", "a", "b"}, "*2\r\n:1\r\n:0\r\n"},
	} {
		got := c.Do(step.args...)
		if step.want != "" && got != step.want {
			t.Errorf("%q: got %q, want %q", step.args, got, step.want)
		}
	}
}

// Concurrent SMOVEs between keys in different shards, and SINTERCARD
// reading both, never lose or duplicate a member.
func TestSetsConcurrentMove(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	const members = 200
	args := []string{"SADD", "left"}
	for i := range members {
		args = append(args, "m"+strconv.Itoa(i))
	}
	c.Do(args...)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cc := n.Dial(t)
			for i := range 300 {
				m := "m" + strconv.Itoa((i*7+w)%members)
				if i%2 == 0 {
					cc.Do("SMOVE", "left", "right", m)
				} else {
					cc.Do("SMOVE", "right", "left", m)
				}
				if got := cc.Do("SINTERCARD", "2", "left", "right"); got != ":0\r\n" {
					t.Errorf("SINTERCARD: %q", got)
					return
				}
			}
		}()
	}
	wg.Wait()
	got := c.Do("SUNIONSTORE", "all", "left", "right")
	if got != ":"+strconv.Itoa(members)+"\r\n" {
		t.Fatalf("SUNIONSTORE: %q", got)
	}
}
