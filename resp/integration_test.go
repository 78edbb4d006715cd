package resp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/resp"
	"github.com/flect-kv/flect/resp/resptest"
)

// expectClosed asserts that the server closes the connection without
// sending anything more.
func expectClosed(t *testing.T, c *resptest.Conn) {
	t.Helper()
	got, err := c.ReadErr(5 * time.Second)
	if !errors.Is(err, io.EOF) && !isReset(err) {
		t.Fatalf("want the connection closed, got %q, %v", got, err)
	}
	if got != "" {
		t.Fatalf("want the connection closed, got %q first", got)
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

func TestPipeline10k(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	const count = 10000
	var req bytes.Buffer
	for i := range count {
		if i%2 == 0 {
			req.Write(resptest.Encode("ECHO", strconv.Itoa(i)))
		} else {
			req.Write(resptest.Encode("INCR", "counter"))
		}
	}
	// Write in the background: the replies may fill the socket buffers
	// before the whole request is written.
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.WriteRaw(req.Bytes())
	}()
	for i := range count {
		got := c.Read()
		var want string
		if i%2 == 0 {
			s := strconv.Itoa(i)
			want = "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n"
		} else {
			want = ":" + strconv.Itoa(i/2+1) + "\r\n"
		}
		if got != want {
			t.Fatalf("reply %d = %q, want %q", i, got, want)
		}
	}
	<-done
	if got := c.Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("after the pipeline: %q", got)
	}
}

// TestPipelineBigReplies pipelines replies far larger than the socket
// buffers: the server must keep reading and writing without deadlock.
func TestPipelineBigReplies(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	val := strings.Repeat("v", 4096)
	var req bytes.Buffer
	const count = 2000
	for range count {
		req.Write(resptest.Encode("ECHO", val))
	}
	go c.WriteRaw(req.Bytes())
	want := "$4096\r\n" + val + "\r\n"
	for i := range count {
		if got := c.Read(); got != want {
			t.Fatalf("reply %d = %.40q", i, got)
		}
	}
}

func TestInlineCommands(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.WriteRaw([]byte("PING\r\nECHO \"a b\\x21\"\r\n\r\nping   'x y'\nSET k 'v 1'\r\nGET k\r\n"))
	for _, want := range []string{"+PONG\r\n", "$4\r\na b!\r\n", "$3\r\nx y\r\n", "+OK\r\n", "$3\r\nv 1\r\n"} {
		if got := c.Read(); got != want {
			t.Fatalf("got %q, want %q", got, want)
		}
	}
	c.WriteRaw([]byte("ECHO \"unbalanced\r\n"))
	if got := c.Read(); got != "-ERR Protocol error: unbalanced quotes in request\r\n" {
		t.Fatalf("got %q", got)
	}
	expectClosed(t, c)
}

// TestProtocolErrorAfterGoodCommands: the good requests of a batch are
// answered, then the error, then the connection is closed.
func TestProtocolErrorAfterGoodCommands(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	for _, tc := range []struct{ bad, err string }{
		{"*1\r\n$-2\r\n", "invalid bulk length"},
		{"*abc\r\n", "invalid multibulk length"},
		{"*1\r\nfoo\r\n", "expected '$', got 'f'"},
		{"*1\r\n$536870913\r\n", "invalid bulk length"},
	} {
		c := n.Dial(t)
		batch := "*1\r\n$4\r\nPING\r\nECHO x\r\n" + tc.bad + "*1\r\n$4\r\nPING\r\n"
		c.WriteRaw([]byte(batch))
		for _, want := range []string{"+PONG\r\n", "$1\r\nx\r\n", "-ERR Protocol error: " + tc.err + "\r\n"} {
			if got := c.Read(); got != want {
				t.Fatalf("%q: got %q, want %q", tc.bad, got, want)
			}
		}
		expectClosed(t, c)
	}
	// The node keeps serving.
	if got := n.Dial(t).Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING after protocol errors: %q", got)
	}
}

func TestProtoMaxBulkLen(t *testing.T) {
	n := resptest.Start(t, nil, &resp.Options{Limits: resp.Limits{MaxBulk: 1 << 20}})
	c := n.Dial(t)
	big := strings.Repeat("b", 1<<20)
	if got := c.Do("ECHO", big); got != "$1048576\r\n"+big+"\r\n" {
		t.Fatalf("1mb ECHO: %.40q", got)
	}
	c.WriteRaw([]byte("*2\r\n$4\r\nECHO\r\n$1048577\r\n"))
	if got := c.Read(); got != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Fatalf("got %q", got)
	}
	expectClosed(t, c)
}

// TestQueryBufferLimit: a client whose pending request passes
// client-query-buffer-limit is closed without a reply.
func TestQueryBufferLimit(t *testing.T) {
	n := resptest.Start(t, nil, &resp.Options{Limits: resp.Limits{MaxQueryBuffer: 1 << 20}})
	c := n.Dial(t)
	c.WriteRaw([]byte("*2\r\n$4\r\nECHO\r\n$3000000\r\n"))
	c.WriteRaw(bytes.Repeat([]byte("x"), 2<<20))
	expectClosed(t, c)
	if got := n.Dial(t).Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING: %q", got)
	}
}

// startNode runs a node whose table setup may add test commands before
// serving.
func startNode(t *testing.T, opts resp.Options, setup func(*engine.Node)) string {
	t.Helper()
	en := engine.NewNode(engine.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if setup != nil {
		setup(en)
	}
	opts.Bind, opts.Port = "127.0.0.1", 0
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	srv := resp.New(en, opts)
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go en.Run(ctx)
	go srv.Serve()
	t.Cleanup(func() {
		cancel()
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		srv.Shutdown(sctx)
	})
	return srv.Addr().String()
}

func TestHandlerPanicRecovered(t *testing.T) {
	boom := func(c *engine.Ctx) {
		c.R.Array(3)
		c.R.Simple("partial")
		panic("boom")
	}
	addr := startNode(t, resp.Options{}, func(n *engine.Node) {
		n.Table().Add(
			&engine.Command{Name: "testpanic", Arity: 1, Flags: engine.NoKeyspace, Group: "server", Run: boom},
			&engine.Command{Name: "testpanickey", Arity: 2, Flags: engine.Write, First: 1, Last: 1, Step: 1, Group: "string", Run: boom},
			&engine.Command{Name: "testpanicall", Arity: 1, Flags: engine.Write | engine.Exclusive, Group: "server", Run: boom},
		)
	})
	c := resptest.Dial(t, addr)
	other := resptest.Dial(t, addr)
	for _, cmd := range [][]string{{"TESTPANIC"}, {"TESTPANICKEY", "k"}, {"TESTPANICALL"}} {
		if got := c.Do(cmd...); got != "-"+engine.ErrInternal+"\r\n" {
			t.Fatalf("%s: got %q", cmd[0], got)
		}
		// The locks the command held are released: the same key and the
		// whole keyspace are usable from another connection.
		if got := other.Do("SET", "k", "v"); got != "+OK\r\n" {
			t.Fatalf("after %s: SET from another connection: %q", cmd[0], got)
		}
	}
	// The panicking connection itself keeps working, and so do new ones.
	if got := c.Do("GET", "k"); got != "$1\r\nv\r\n" {
		t.Fatalf("GET on the panicking connection: %q", got)
	}
	if got := resptest.Dial(t, addr).Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING on a new connection: %q", got)
	}
}

func TestMaxClients(t *testing.T) {
	n := resptest.Start(t, nil, &resp.Options{MaxClients: 2})
	a, b := n.Dial(t), n.Dial(t)
	for _, c := range []*resptest.Conn{a, b} {
		if got := c.Do("PING"); got != "+PONG\r\n" {
			t.Fatalf("PING: %q", got)
		}
	}
	c := n.Dial(t)
	if got := c.Read(); got != "-ERR max number of clients reached\r\n" {
		t.Fatalf("third client got %q", got)
	}
	expectClosed(t, c)
	// Once a client leaves, a new one is admitted (the server notices the
	// close asynchronously: retry for a bounded time).
	a.Do("QUIT")
	deadline := time.Now().Add(5 * time.Second)
	for {
		d := n.Dial(t)
		d.Send("PING")
		got, err := d.ReadErr(5 * time.Second)
		if err == nil && got == "+PONG\r\n" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no client admitted after one left: %q, %v", got, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRequirePass(t *testing.T) {
	n := resptest.Start(t, nil, &resp.Options{RequirePass: "s3cret"})
	c := n.Dial(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"GET", "k"}, "-NOAUTH Authentication required.\r\n"},
		{[]string{"PING"}, "-NOAUTH Authentication required.\r\n"},
		{[]string{"SELECT", "1"}, "-NOAUTH Authentication required.\r\n"},
		// Unknown commands and arity errors come before the auth check.
		{[]string{"NOSUCH"}, "-ERR unknown command 'NOSUCH', with args beginning with: \r\n"},
		{[]string{"GET"}, "-ERR wrong number of arguments for 'get' command\r\n"},
		{[]string{"HELLO", "3"}, "-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n"},
		{[]string{"AUTH", "wrong"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{[]string{"AUTH", "default", "wrong"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{[]string{"AUTH", "nosuchuser", "s3cret"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{[]string{"HELLO", "3", "AUTH", "default", "wrong"}, "-WRONGPASS invalid username-password pair or user is disabled.\r\n"},
		{[]string{"AUTH", "s3cret"}, "+OK\r\n"},
		{[]string{"GET", "k"}, "$-1\r\n"},
		{[]string{"AUTH", "default", "s3cret"}, "+OK\r\n"},
		{[]string{"PING"}, "+PONG\r\n"},
	} {
		if got := c.Do(tc.args...); got != tc.want {
			t.Fatalf("%q: got %q, want %q", tc.args, got, tc.want)
		}
	}

	// HELLO 3 AUTH authenticates and switches to RESP3 in one step.
	h := n.Dial(t)
	got := h.Do("HELLO", "3", "AUTH", "default", "s3cret")
	if !strings.HasPrefix(got, "%7\r\n$6\r\nserver\r\n") || !strings.Contains(got, "$5\r\nproto\r\n:3\r\n") {
		t.Fatalf("HELLO 3 AUTH: %q", got)
	}
	if got := h.Do("GET", "k"); got != "_\r\n" {
		t.Fatalf("GET after HELLO 3 AUTH: %q", got)
	}

	// Before authentication the request size limits are tight.
	u := n.Dial(t)
	u.WriteRaw([]byte("*11\r\n"))
	if got := u.Read(); got != "-ERR Protocol error: unauthenticated multibulk length\r\n" {
		t.Fatalf("11 args unauthenticated: %q", got)
	}
	expectClosed(t, u)
	u = n.Dial(t)
	u.WriteRaw([]byte("*2\r\n$4\r\nAUTH\r\n$16385\r\n"))
	if got := u.Read(); got != "-ERR Protocol error: unauthenticated bulk length\r\n" {
		t.Fatalf("16385-byte bulk unauthenticated: %q", got)
	}
	expectClosed(t, u)
	// After AUTH the limits are lifted on the same connection.
	u = n.Dial(t)
	if got := u.Do("AUTH", "s3cret"); got != "+OK\r\n" {
		t.Fatalf("AUTH: %q", got)
	}
	args := []string{"ECHO", strings.Repeat("e", 20000)}
	if got := u.Do(args...); got != "$20000\r\n"+args[1]+"\r\n" {
		t.Fatalf("big ECHO after AUTH: %.40q", got)
	}
}

func TestRESP3(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	if got := c.Do("GET", "missing"); got != "$-1\r\n" {
		t.Fatalf("RESP2 null: %q", got)
	}
	got := c.Do("HELLO", "3")
	if !strings.HasPrefix(got, "%7\r\n") {
		t.Fatalf("HELLO 3: %q", got)
	}
	want := fmt.Sprintf("%%7\r\n$6\r\nserver\r\n$%d\r\n%s\r\n$7\r\nversion\r\n$%d\r\n%s\r\n$5\r\nproto\r\n:3\r\n",
		len(engine.ServerName), engine.ServerName, len(engine.ValkeyVersion), engine.ValkeyVersion)
	if !strings.HasPrefix(got, want) {
		t.Fatalf("HELLO 3 = %q, want prefix %q", got, want)
	}
	if !strings.HasSuffix(got, "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n") {
		t.Fatalf("HELLO 3 tail: %q", got)
	}
	if got := c.Do("GET", "missing"); got != "_\r\n" {
		t.Fatalf("RESP3 null: %q", got)
	}
	if got := c.Do("HELLO", "2"); !strings.HasPrefix(got, "*14\r\n") {
		t.Fatalf("HELLO 2: %q", got)
	}
	if got := c.Do("GET", "missing"); got != "$-1\r\n" {
		t.Fatalf("back to RESP2: %q", got)
	}
}

func TestQuit(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.WriteRaw([]byte("PING\r\nQUIT\r\nPING\r\n"))
	if got := c.Read(); got != "+PONG\r\n" {
		t.Fatalf("got %q", got)
	}
	if got := c.Read(); got != "+OK\r\n" {
		t.Fatalf("QUIT: %q", got)
	}
	expectClosed(t, c)
}

func TestIdleTimeout(t *testing.T) {
	n := resptest.Start(t, nil, &resp.Options{Timeout: 200 * time.Millisecond})
	c := n.Dial(t)
	if got := c.Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING: %q", got)
	}
	start := time.Now()
	expectClosed(t, c)
	if d := time.Since(start); d > 3*time.Second {
		t.Fatalf("idle connection closed after %v", d)
	}
}

// TestSlowClient: a request trickling in one byte at a time is parsed
// whole, and other clients are served meanwhile.
func TestSlowClient(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	slow, fast := n.Dial(t), n.Dial(t)
	req := resptest.Encode("ECHO", "trickle")
	for i := range req {
		slow.WriteRaw(req[i : i+1])
		if i == len(req)/2 {
			if got := fast.Do("PING"); got != "+PONG\r\n" {
				t.Fatalf("PING while another client trickles: %q", got)
			}
		}
	}
	if got := slow.Read(); got != "$7\r\ntrickle\r\n" {
		t.Fatalf("got %q", got)
	}
}
