package engine_test

import (
	"testing"

	"github.com/flect-kv/flect/resp/resptest"
)

// Sorted set replies over the wire in RESP2 and RESP3 (expected replies
// taken from Valkey 8).
func TestZSetsOverRESP(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	for _, step := range []struct {
		args []string
		want string
	}{
		{[]string{"ZADD", "z", "1", "a", "2.5", "b"}, ":2\r\n"},
		{[]string{"ZSCORE", "z", "b"}, "$3\r\n2.5\r\n"},
		{[]string{"ZRANGE", "z", "0", "-1", "WITHSCORES"}, "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n"},
		{[]string{"ZMPOP", "1", "z", "MIN"}, "*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"},
		{[]string{"ZADD", "z", "1", "a"}, ":1\r\n"},
		{[]string{"HELLO", "3"}, ""},
		{[]string{"ZSCORE", "z", "b"}, ",2.5\r\n"},
		{[]string{"ZSCORE", "z", "nosuch"}, "_\r\n"},
		{[]string{"ZRANGE", "z", "0", "-1", "WITHSCORES"}, "*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"},
		{[]string{"ZRANK", "z", "b", "WITHSCORE"}, "*2\r\n:1\r\n,2.5\r\n"},
		{[]string{"ZRANK", "z", "nosuch", "WITHSCORE"}, "_\r\n"},
		{[]string{"ZPOPMIN", "z"}, "*2\r\n$1\r\na\r\n,1\r\n"},
		{[]string{"ZPOPMIN", "z", "1"}, "*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"},
		{[]string{"EXISTS", "z"}, ":0\r\n"},
		{[]string{"ZPOPMIN", "z"}, "*0\r\n"},
		{[]string{"ZMPOP", "1", "z", "MIN"}, "_\r\n"},
		{[]string{"ZADD", "z", "INCR", "1", "a"}, ",1\r\n"},
		{[]string{"ZADD", "z", "NX", "INCR", "1", "a"}, "_\r\n"},
	} {
		got := c.Do(step.args...)
		if step.want != "" && got != step.want {
			t.Errorf("%q: got %q, want %q", step.args, got, step.want)
		}
	}
}
