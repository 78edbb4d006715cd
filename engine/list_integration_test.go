package engine_test

import (
	"strconv"
	"sync"
	"testing"

	"github.com/flect-kv/flect/resp/resptest"
)

// List commands over the wire, through the RESP front end.

func TestListsOverRESP(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"RPUSH", "l", "a", "b", "c"}, ":3\r\n"},
		{[]string{"LMPOP", "2", "nokey", "l", "RIGHT", "COUNT", "2"}, "*2\r\n$1\r\nl\r\n*2\r\n$1\r\nc\r\n$1\r\nb\r\n"},
		{[]string{"LPOP", "nokey", "1"}, "*-1\r\n"},
		{[]string{"OBJECT", "ENCODING", "l"}, "$8\r\nlistpack\r\n"},
		{[]string{"HELLO", "3"}, ""},
		{[]string{"LPOP", "nokey", "1"}, "_\r\n"},
		{[]string{"LPOP", "nokey"}, "_\r\n"},
		{[]string{"LMPOP", "1", "nokey", "LEFT"}, "_\r\n"},
		{[]string{"LPOS", "l", "a", "COUNT", "0"}, "*1\r\n:0\r\n"},
		{[]string{"LPOS", "l", "z"}, "_\r\n"},
		{[]string{"LMOVE", "l", "m", "LEFT", "RIGHT"}, "$1\r\na\r\n"},
		{[]string{"EXISTS", "l"}, ":0\r\n"},
	} {
		got := c.Do(step.args...)
		if step.want != "" && got != step.want {
			t.Errorf("%q: got %q, want %q", step.args, got, step.want)
		}
	}
}

// Concurrent LMOVEs and RPOPLPUSHes between keys in different shards, and
// LMPOP/RPUSH pairs, never lose or duplicate an element.
func TestListsConcurrentMove(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	const elems = 200
	args := []string{"RPUSH", "left"}
	for i := range elems {
		args = append(args, "e"+strconv.Itoa(i))
	}
	c.Do(args...)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cc := n.Dial(t)
			for i := range 300 {
				switch (i + w) % 3 {
				case 0:
					cc.Do("LMOVE", "left", "right", "LEFT", "RIGHT")
				case 1:
					cc.Do("RPOPLPUSH", "right", "left")
				default:
					cc.Do("LMOVE", "right", "left", "RIGHT", "LEFT")
				}
			}
		}()
	}
	wg.Wait()
	l, r := c.Do("LLEN", "left"), c.Do("LLEN", "right")
	ln, _ := strconv.Atoi(l[1 : len(l)-2])
	rn, _ := strconv.Atoi(r[1 : len(r)-2])
	if ln+rn != elems {
		t.Fatalf("left %d + right %d elements, want %d", ln, rn, elems)
	}
}
