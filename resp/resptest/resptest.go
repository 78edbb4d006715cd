// Package resptest starts in-process flect nodes on random ports and talks
// raw RESP to them, for integration and differential tests.
package resptest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/engine"
	"github.com/flect-kv/flect/persistence/rdb"
	"github.com/flect-kv/flect/persistence/snapshot"
	"github.com/flect-kv/flect/resp"
)

// Node is a running in-process node.
type Node struct {
	Engine *engine.Node
	Server *resp.Server
	Addr   string
	cancel context.CancelFunc
}

// Start runs a node on 127.0.0.1 with a free port until the test ends.
// eopts and ropts may be nil.
func Start(t testing.TB, eopts *engine.Options, ropts *resp.Options) *Node {
	t.Helper()
	var eo engine.Options
	if eopts != nil {
		eo = *eopts
	}
	if eo.Logger == nil {
		eo.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	var ro resp.Options
	if ropts != nil {
		ro = *ropts
	}
	ro.Bind = "127.0.0.1"
	ro.Port = 0
	en := engine.NewNode(eo)
	rdb.Register(en.Table())
	snapshot.Register(en.Table(), nil)
	srv := resp.New(en, ro)
	if err := srv.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go en.Run(ctx)
	go srv.Serve()
	n := &Node{Engine: en, Server: srv, Addr: srv.Addr().String(), cancel: cancel}
	t.Cleanup(func() {
		cancel()
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		defer c()
		srv.Shutdown(sctx)
	})
	return n
}

// Conn is a raw RESP client connection.
type Conn struct {
	t  testing.TB
	nc net.Conn
	br *bufio.Reader
}

// Dial connects to addr; the connection closes when the test ends.
func Dial(t testing.TB, addr string) *Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &Conn{t: t, nc: nc, br: bufio.NewReader(nc)}
}

// Dial connects to the node.
func (n *Node) Dial(t testing.TB) *Conn { return Dial(t, n.Addr) }

// Encode returns args as a RESP multibulk request.
func Encode(args ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return []byte(b.String())
}

// Close closes the connection.
func (c *Conn) Close() { c.nc.Close() }

// Send writes a request without reading the reply.
func (c *Conn) Send(args ...string) {
	c.t.Helper()
	c.WriteRaw(Encode(args...))
}

// WriteRaw writes bytes as they are.
func (c *Conn) WriteRaw(b []byte) {
	c.t.Helper()
	c.nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

// Do sends a request and returns its raw reply, e.g. "+OK\r\n".
func (c *Conn) Do(args ...string) string {
	c.t.Helper()
	c.Send(args...)
	return c.Read()
}

// Read reads one raw reply frame (with nested frames).
func (c *Conn) Read() string {
	c.t.Helper()
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	s, err := ReadFrame(c.br)
	if err != nil {
		c.t.Fatalf("read reply: %v", err)
	}
	return s
}

// ReadErr reads one reply frame, returning an error instead of failing.
func (c *Conn) ReadErr(timeout time.Duration) (string, error) {
	c.nc.SetReadDeadline(time.Now().Add(timeout))
	return ReadFrame(c.br)
}

// ReadFrame reads one RESP2 or RESP3 frame and returns its raw bytes.
func ReadFrame(br *bufio.Reader) (string, error) {
	var sb strings.Builder
	if err := readFrame(br, &sb); err != nil {
		return sb.String(), err
	}
	return sb.String(), nil
}

func readFrame(br *bufio.Reader, sb *strings.Builder) error {
	line, err := br.ReadString('\n')
	sb.WriteString(line)
	if err != nil {
		return err
	}
	if len(line) < 3 {
		return fmt.Errorf("short line %q", line)
	}
	body := line[1 : len(line)-2]
	switch line[0] {
	case '+', '-', ':', '_', ',', '#', '(':
		return nil
	case '$', '=', '!':
		n, err := strconv.Atoi(body)
		if err != nil {
			return err
		}
		if n < 0 {
			return nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(br, buf); err != nil {
			return err
		}
		sb.Write(buf)
		return nil
	case '*', '~', '>', '%', '|':
		n, err := strconv.Atoi(body)
		if err != nil {
			return err
		}
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			if err := readFrame(br, sb); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("unknown frame type %q", line[0])
}
