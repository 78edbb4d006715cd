package resp

import (
	"bytes"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/flect-kv/flect/engine"
)

// fakeAddrConn is a net.Conn with chosen addresses.
type fakeAddrConn struct {
	net.Conn
	local, remote net.Addr
}

func (c fakeAddrConn) LocalAddr() net.Addr  { return c.local }
func (c fakeAddrConn) RemoteAddr() net.Addr { return c.remote }

func testServer(t *testing.T, opts Options) *Server {
	t.Helper()
	node := engine.NewNode(engine.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	return New(node, opts)
}

func testSession(t *testing.T, s *Server, local, remote string) *session {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	l, _ := net.ResolveTCPAddr("tcp", local)
	r, _ := net.ResolveTCPAddr("tcp", remote)
	return s.newSession(fakeAddrConn{Conn: a, local: l, remote: r})
}

func TestStoreAdminCredentialNonLoopback(t *testing.T) {
	s := testServer(t, Options{})
	if !testSession(t, s, "127.0.0.1:6379", "127.0.0.1:5000").isAdmin() {
		t.Fatal("loopback client of a node without requirepass is not admin")
	}
	if testSession(t, s, "10.0.0.1:6379", "10.0.0.2:5000").isAdmin() {
		t.Fatal("remote client of a node without requirepass is admin")
	}
	s = testServer(t, Options{RequirePass: "pw"})
	remote := testSession(t, s, "10.0.0.1:6379", "10.0.0.2:5000")
	if remote.isAdmin() {
		t.Fatal("unauthenticated client is admin")
	}
	remote.authed = true // AUTH pw
	if !remote.isAdmin() {
		t.Fatal("client holding requirepass is not admin")
	}
}

func TestAdvertisedHost(t *testing.T) {
	for _, tc := range []struct{ bind, laddr, want string }{
		{"127.0.0.1", "127.0.0.1:6379", "127.0.0.1"},
		{"192.168.1.5 127.0.0.1", "127.0.0.1:6379", "192.168.1.5"},
		{"0.0.0.0", "10.1.2.3:6379", "10.1.2.3"},
		{"* -::*", "10.1.2.3:6379", "10.1.2.3"},
		{"::", "[fd00::1]:6379", "fd00::1"},
		{"-::1", "[::1]:6379", "::1"},
	} {
		s := testServer(t, Options{Bind: tc.bind, Port: 6390})
		sess := testSession(t, s, tc.laddr, "127.0.0.1:1")
		host, port := sess.advertisedHost()
		if host != tc.want || port != 6390 {
			t.Errorf("bind %q via %s: %s:%d, want %s", tc.bind, tc.laddr, host, port, tc.want)
		}
	}
	s := testServer(t, Options{Bind: "::1", Port: 6390})
	if got := testSession(t, s, "[::1]:6390", "[::1]:1").storeURL("a", "s3"); got != "redis://a:s3@[::1]:6390" {
		t.Errorf("IPv6 URL %s", got)
	}
}

// TestStoreSecretsNotLogged drives the store commands with the node's
// log captured at debug level: no secret appears in it.
func TestStoreSecretsNotLogged(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	node := engine.NewNode(engine.Options{Logger: log})
	s := New(node, Options{Logger: log})
	admin := testSession(t, s, "127.0.0.1:6379", "127.0.0.1:5000")
	run := func(sess *session, args ...string) string {
		bs := make([][]byte, len(args))
		for i, a := range args {
			bs[i] = []byte(a)
		}
		sess.w.Reset()
		sess.handle(bs)
		return string(sess.w.Bytes())
	}
	secretOf := func(reply string) string {
		u, err := url.Parse(strings.TrimSpace(reply[strings.Index(reply, "\n")+1:]))
		if err != nil {
			t.Fatalf("reply %q: %v", reply, err)
		}
		pw, _ := u.User.Password()
		return pw
	}
	secret := secretOf(run(admin, "FLECT.KV", "CREATE", "s"))
	rotated := secretOf(run(admin, "FLECT.KV", "ROTATE", "s", "GRACE", "60"))
	if secret == "" || rotated == "" || secret == rotated {
		t.Fatal("no secrets")
	}
	sess := testSession(t, s, "127.0.0.1:6379", "127.0.0.1:5001")
	for _, args := range [][]string{
		{"AUTH", "s", rotated}, {"AUTH", "s", secret + "x"}, {"AUTH", secret},
		{"HELLO", "3", "AUTH", "s", rotated}, {"SET", "k", "v"},
	} {
		run(sess, args...)
	}
	run(admin, "FLECT.KV", "URL", "s")
	run(admin, "FLECT.KV", "DELETE", "s")
	out := buf.String()
	if !strings.Contains(out, "store created") || !strings.Contains(out, "store deleted") {
		t.Fatalf("log lacks the store events:\n%s", out)
	}
	if strings.Contains(out, secret) || strings.Contains(out, rotated) {
		t.Fatalf("log shows a secret:\n%s", out)
	}
}
