package engine

import (
	"strconv"
	"testing"
	"time"
)

// benchCmd prepares a node and a reusable Ctx for argv, as a session
// does, replying into a recordReply that benchCall resets.
func benchCmd(b *testing.B, argv ...string) (*Node, *Ctx) {
	b.Helper()
	n := NewNode(Options{Clock: NewManualClock(time.Unix(1700000000, 0))})
	args := make([][]byte, len(argv))
	for i, a := range argv {
		args[i] = []byte(a)
	}
	cmd, errText := n.Table().Resolve(args)
	if errText != "" {
		b.Fatal(errText)
	}
	return n, &Ctx{Args: args, R: newRecordReply(), Cmd: cmd, Client: &Client{ID: 1, NS: n.Default()}}
}

func BenchmarkSetOverwrite(b *testing.B) {
	n, c := benchCmd(b, "SET", "key:000001", "xxx")
	b.ReportAllocs()
	for b.Loop() {
		benchCall(n, c)
	}
}

func BenchmarkSetNewKeys(b *testing.B) {
	n, c := benchCmd(b, "SET", "key:000000000000", "xxx")
	key := c.Args[1]
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		strconv.AppendInt(key[:4], int64(i), 10)
		i++
		benchCall(n, c)
	}
}

func BenchmarkGet(b *testing.B) {
	n, c := benchCmd(b, "GET", "key:000001")
	n.Call(&Ctx{Args: [][]byte{[]byte("set"), []byte("key:000001"), []byte("xxx")},
		R: newRecordReply(), Cmd: n.Table().Lookup([]byte("set")), Client: c.Client})
	b.ReportAllocs()
	for b.Loop() {
		benchCall(n, c)
	}
}

func BenchmarkGetInt(b *testing.B) {
	n, c := benchCmd(b, "GET", "counter")
	n.Call(&Ctx{Args: [][]byte{[]byte("set"), []byte("counter"), []byte("123456789")},
		R: newRecordReply(), Cmd: n.Table().Lookup([]byte("set")), Client: c.Client})
	b.ReportAllocs()
	for b.Loop() {
		benchCall(n, c)
	}
}

func BenchmarkGetMissing(b *testing.B) {
	n, c := benchCmd(b, "GET", "nokey")
	b.ReportAllocs()
	for b.Loop() {
		benchCall(n, c)
	}
}

func BenchmarkIncr(b *testing.B) {
	n, c := benchCmd(b, "INCR", "counter")
	b.ReportAllocs()
	for b.Loop() {
		benchCall(n, c)
	}
}

func BenchmarkMSet10(b *testing.B) {
	argv := []string{"MSET"}
	for i := range 10 {
		argv = append(argv, "key:"+strconv.Itoa(i), "xxx")
	}
	n, c := benchCmd(b, argv...)
	b.ReportAllocs()
	for b.Loop() {
		benchCall(n, c)
	}
}

func BenchmarkMGet10(b *testing.B) {
	argv := []string{"MGET"}
	for i := range 10 {
		argv = append(argv, "key:"+strconv.Itoa(i))
	}
	n, c := benchCmd(b, argv...)
	for i := range 10 {
		n.Call(&Ctx{Args: [][]byte{[]byte("set"), []byte("key:" + strconv.Itoa(i)), []byte("xxx")},
			R: newRecordReply(), Cmd: n.Table().Lookup([]byte("set")), Client: c.Client})
	}
	b.ReportAllocs()
	for b.Loop() {
		benchCall(n, c)
	}
}

// benchCall runs the command, recording its reply, as a session would for
// each command of a pipeline.
func benchCall(n *Node, c *Ctx) {
	c.R.(*recordReply).Reset()
	n.Call(c)
}
