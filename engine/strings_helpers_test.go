package engine

import (
	"strconv"
	"testing"
	"time"
)

// strTester runs commands on an in-memory node through the command table
// (arity and unknown-command errors included), recording RESP replies.
type strTester struct {
	t     testing.TB
	n     *Node
	clock *ManualClock
	cl    *Client
	rec   *recordReply
	ctx   Ctx
}

func newStrTester(t testing.TB) *strTester {
	clock := NewManualClock(time.Unix(1700000000, 0))
	n := NewNode(Options{Clock: clock})
	st := &strTester{t: t, n: n, clock: clock, cl: &Client{ID: 1, NS: n.Default()}, rec: newRecordReply()}
	return st
}

// do runs one command and returns its raw reply.
func (st *strTester) do(args ...string) string {
	argv := make([][]byte, len(args))
	for i, a := range args {
		argv[i] = []byte(a)
	}
	return st.doBytes(argv)
}

func (st *strTester) doBytes(argv [][]byte) string {
	st.rec.Reset()
	cmd, errText := st.n.Table().Resolve(argv)
	if errText != "" {
		return "-" + errText + "\r\n"
	}
	st.ctx = Ctx{Args: argv, R: st.rec, Cmd: cmd, Client: st.cl}
	st.n.Call(&st.ctx)
	return st.rec.String()
}

// expect runs a command and fails the test unless the reply is want.
func (st *strTester) expect(want string, args ...string) {
	st.t.Helper()
	if got := st.do(args...); got != want {
		st.t.Errorf("%q: got %q, want %q", args, got, want)
	}
}

// encoding returns OBJECT ENCODING's answer for key.
func (st *strTester) encoding(key string) string {
	e := st.n.Default().DB(0).find(key, st.clock.Now().UnixMilli())
	if e == nil {
		return "(nil)"
	}
	return encodingName(e.Val.val())
}

// ttl returns the key's deadline in ms from now, -1 without TTL, -2 when
// missing.
func (st *strTester) ttl(key string) int64 {
	now := st.clock.Now().UnixMilli()
	e := st.n.Default().DB(0).find(key, now)
	switch {
	case e == nil:
		return -2
	case expireOf(e) == 0:
		return -1
	}
	return expireOf(e) - now
}

// del removes key directly from DB 0.
func (st *strTester) del(key string) {
	db := st.n.Default().DB(0)
	if e := db.find(key, st.clock.Now().UnixMilli()); e != nil {
		db.removeEntry(db.shardFor(key), e)
	}
}

// rbulk is the RESP2 bulk string reply for s.
func rbulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }
