package resp_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/resptest"
)

// Client-side caching: CLIENT TRACKING and its invalidation messages.

// trkExpect sends args on c and checks the raw reply.
func trkExpect(t *testing.T, c *resptest.Conn, want string, args ...string) {
	t.Helper()
	if got := c.Do(args...); got != want {
		t.Fatalf("%v: got %q, want %q", args, got, want)
	}
}

// trkRead reads the next frame of c and checks it.
func trkRead(t *testing.T, c *resptest.Conn, want string) {
	t.Helper()
	got, err := c.ReadErr(5 * time.Second)
	if err != nil {
		t.Fatalf("reading %q: %v", want, err)
	}
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// trkNothing checks that c has nothing more to read: a PING's reply comes
// next.
func trkNothing(t *testing.T, c *resptest.Conn) {
	t.Helper()
	if got := c.Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("unexpected frame %q", got)
	}
}

func trkInvalidate(keys ...string) string {
	s := ">2\r\n$10\r\ninvalidate\r\n*" + strconv.Itoa(len(keys)) + "\r\n"
	for _, k := range keys {
		s += "$" + strconv.Itoa(len(k)) + "\r\n" + k + "\r\n"
	}
	return s
}

func trkClientID(t *testing.T, c *resptest.Conn) string {
	t.Helper()
	r := c.Do("CLIENT", "ID")
	return strings.TrimSuffix(strings.TrimPrefix(r, ":"), "\r\n")
}

func trkResp3(t *testing.T, n *resptest.Node) *resptest.Conn {
	c := n.Dial(t)
	if r := c.Do("HELLO", "3"); !strings.HasPrefix(r, "%") {
		t.Fatalf("HELLO 3: %q", r)
	}
	return c
}

func TestTrackingDefaultMode(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := trkResp3(t, n)
	w := n.Dial(t)
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on")
	trkExpect(t, w, "+OK\r\n", "SET", "a", "1")
	trkExpect(t, w, "+OK\r\n", "SET", "b", "1")
	trkExpect(t, c, "$1\r\n1\r\n", "GET", "a")
	// b was not read: no invalidation for it.
	trkExpect(t, w, "+OK\r\n", "SET", "b", "2")
	trkExpect(t, w, "+OK\r\n", "SET", "a", "2")
	trkRead(t, c, trkInvalidate("a"))
	// The key is forgotten once invalidated.
	trkExpect(t, w, "+OK\r\n", "SET", "a", "3")
	trkNothing(t, c)
	// MGET remembers every key; its own write invalidates after the reply.
	trkExpect(t, c, "*2\r\n$1\r\n3\r\n$1\r\n2\r\n", "MGET", "a", "b")
	trkExpect(t, c, ":1\r\n", "DEL", "a")
	trkRead(t, c, trkInvalidate("a"))
	if r := w.Do("INFO", "stats"); !strings.Contains(r, "tracking_total_keys:1\r\n") || !strings.Contains(r, "tracking_total_items:1\r\n") {
		t.Fatalf("INFO stats: %q", r)
	}
	if r := w.Do("INFO", "clients"); !strings.Contains(r, "tracking_clients:1\r\n") {
		t.Fatalf("INFO clients: %q", r)
	}
	// A write command does not remember keys.
	trkExpect(t, c, ":1\r\n", "APPEND", "z", "x")
	trkExpect(t, w, ":1\r\n", "DEL", "z")
	trkNothing(t, c)
	// Off: no more invalidations, and tracking_clients drops.
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "off")
	trkExpect(t, w, "+OK\r\n", "SET", "b", "9")
	trkNothing(t, c)
	if r := w.Do("INFO", "clients"); !strings.Contains(r, "tracking_clients:0\r\n") {
		t.Fatalf("INFO clients: %q", r)
	}
}

func TestTrackingInsideTransaction(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := trkResp3(t, n)
	w := n.Dial(t)
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on")
	trkExpect(t, c, "+OK\r\n", "MULTI")
	trkExpect(t, c, "+QUEUED\r\n", "GET", "k")
	trkExpect(t, c, "*1\r\n_\r\n", "EXEC")
	trkExpect(t, w, "+OK\r\n", "SET", "k", "1")
	trkRead(t, c, trkInvalidate("k"))
}

func TestTrackingNoLoop(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := trkResp3(t, n)
	w := n.Dial(t)
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on", "NOLOOP")
	trkExpect(t, c, "_\r\n", "GET", "a")
	trkExpect(t, c, "+OK\r\n", "SET", "a", "1")
	trkNothing(t, c)
	trkExpect(t, c, "$1\r\n1\r\n", "GET", "a")
	trkExpect(t, w, "+OK\r\n", "SET", "a", "2")
	trkRead(t, c, trkInvalidate("a"))
}

func TestTrackingOptInOptOut(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := trkResp3(t, n)
	w := n.Dial(t)
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on", "OPTIN")
	trkExpect(t, c, "_\r\n", "GET", "a")
	trkExpect(t, c, "+OK\r\n", "CLIENT", "CACHING", "yes")
	trkExpect(t, c, "_\r\n", "GET", "b")
	// CACHING YES lasted one command.
	trkExpect(t, c, "_\r\n", "GET", "c")
	trkExpect(t, w, "+OK\r\n", "MSET", "a", "1", "b", "1", "c", "1")
	trkRead(t, c, trkInvalidate("b"))
	trkNothing(t, c)
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "off")

	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on", "OPTOUT")
	trkExpect(t, c, "+OK\r\n", "CLIENT", "CACHING", "no")
	trkExpect(t, c, "$1\r\n1\r\n", "GET", "a")
	trkExpect(t, c, "$1\r\n1\r\n", "GET", "b")
	trkExpect(t, w, "+OK\r\n", "MSET", "a", "2", "b", "2")
	trkRead(t, c, trkInvalidate("b"))
	trkNothing(t, c)
}

func TestTrackingBcast(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := trkResp3(t, n)
	w := n.Dial(t)
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "user:", "PREFIX", "obj:")
	trkExpect(t, w, "+OK\r\n", "SET", "user:1", "x")
	trkRead(t, c, trkInvalidate("user:1"))
	trkExpect(t, w, "+OK\r\n", "SET", "other", "x")
	trkExpect(t, w, "+OK\r\n", "SET", "obj:9", "x")
	trkRead(t, c, trkInvalidate("obj:9"))
	if r := w.Do("INFO", "stats"); !strings.Contains(r, "tracking_total_prefixes:2\r\n") {
		t.Fatalf("INFO stats: %q", r)
	}
	if r := c.Do("CLIENT", "INFO"); !strings.Contains(r, " flags=tB ") || !strings.Contains(r, " redir=0 ") {
		t.Fatalf("CLIENT INFO: %q", r)
	}
	trkExpect(t, c, "%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$5\r\nbcast\r\n$8\r\nredirect\r\n:0\r\n$8\r\nprefixes\r\n*2\r\n$4\r\nobj:\r\n$5\r\nuser:\r\n",
		"CLIENT", "TRACKINGINFO")
	// Own writes are sent too, unless NOLOOP.
	trkExpect(t, c, "+OK\r\n", "SET", "user:2", "x")
	trkRead(t, c, trkInvalidate("user:2"))
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "off")
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on", "BCAST", "NOLOOP")
	trkExpect(t, c, "+OK\r\n", "SET", "user:3", "x")
	trkExpect(t, w, "+OK\r\n", "SET", "zz", "x")
	trkRead(t, c, trkInvalidate("zz"))
}

func TestTrackingRedirectRESP2(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	sub := n.Dial(t)
	id := trkClientID(t, sub)
	trkExpect(t, sub, "*3\r\n$9\r\nsubscribe\r\n$20\r\n__redis__:invalidate\r\n:1\r\n", "SUBSCRIBE", "__redis__:invalidate")
	c := n.Dial(t)
	w := n.Dial(t)
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on", "REDIRECT", id)
	trkExpect(t, c, ":"+id+"\r\n", "CLIENT", "GETREDIR")
	trkExpect(t, c, "$-1\r\n", "GET", "k")
	trkExpect(t, w, "+OK\r\n", "SET", "k", "v")
	trkRead(t, sub, "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n")
	// A flush: the RESP2 null.
	trkExpect(t, w, "+OK\r\n", "FLUSHALL")
	trkRead(t, sub, "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n$-1\r\n")
	if r := c.Do("CLIENT", "INFO"); !strings.Contains(r, " flags=t ") || !strings.Contains(r, " redir="+id+" ") {
		t.Fatalf("CLIENT INFO: %q", r)
	}
}

func TestTrackingRedirectBroken(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	sub := n.Dial(t)
	id := trkClientID(t, sub)
	c := trkResp3(t, n)
	w := n.Dial(t)
	trkExpect(t, c, "-ERR The client ID you want redirect to does not exist\r\n", "CLIENT", "TRACKING", "on", "REDIRECT", "999999")
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on", "REDIRECT", id)
	trkExpect(t, c, "_\r\n", "GET", "k")
	sub.Close()
	// Wait until the redirect client is gone.
	for i := 0; i < 500 && strings.Contains(w.Do("CLIENT", "LIST"), "id="+id+" "); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	trkExpect(t, w, "+OK\r\n", "SET", "k", "v")
	trkRead(t, c, ">2\r\n$21\r\ntracking-redir-broken\r\n:"+id+"\r\n")
	if r := c.Do("CLIENT", "INFO"); !strings.Contains(r, " flags=tR ") {
		t.Fatalf("CLIENT INFO: %q", r)
	}
	trkExpect(t, c, "%3\r\n$5\r\nflags\r\n~2\r\n$2\r\non\r\n$15\r\nbroken_redirect\r\n$8\r\nredirect\r\n:"+id+"\r\n$8\r\nprefixes\r\n*0\r\n",
		"CLIENT", "TRACKINGINFO")
}

func TestTrackingFlush(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := trkResp3(t, n)
	w := n.Dial(t)
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on")
	trkExpect(t, c, "_\r\n", "GET", "k")
	trkExpect(t, w, "+OK\r\n", "FLUSHDB")
	trkRead(t, c, ">2\r\n$10\r\ninvalidate\r\n_\r\n")
	// Its own flush: after the reply.
	trkExpect(t, c, "+OK\r\n", "FLUSHALL")
	trkRead(t, c, ">2\r\n$10\r\ninvalidate\r\n_\r\n")
	if r := w.Do("INFO", "stats"); !strings.Contains(r, "tracking_total_keys:0\r\n") {
		t.Fatalf("INFO stats: %q", r)
	}
}

func TestTrackingExpiry(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := trkResp3(t, n)
	w := n.Dial(t)
	trkExpect(t, w, "+OK\r\n", "SET", "k", "v", "PX", "50")
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on")
	trkExpect(t, c, "$1\r\nv\r\n", "GET", "k")
	// Active expiry deletes it and sends the invalidation.
	trkRead(t, c, trkInvalidate("k"))
}

func TestTrackingTableLimit(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := trkResp3(t, n)
	w := n.Dial(t)
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on")
	trkExpect(t, c, "*3\r\n_\r\n_\r\n_\r\n", "MGET", "k1", "k2", "k3")
	trkExpect(t, w, "+OK\r\n", "CONFIG", "SET", "tracking-table-max-keys", "1")
	got := map[string]bool{}
	for i := 0; i < 2; i++ {
		r, err := c.ReadErr(5 * time.Second)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"k1", "k2", "k3"} {
			if r == trkInvalidate(k) {
				got[k] = true
			}
		}
	}
	if len(got) != 2 {
		t.Fatalf("evicted %v", got)
	}
	if r := w.Do("INFO", "stats"); !strings.Contains(r, "tracking_total_keys:1\r\n") {
		t.Fatalf("INFO stats: %q", r)
	}
	// Reading more keys keeps the table at the limit.
	trkExpect(t, c, "_\r\n", "GET", "k9")
	r, err := c.ReadErr(5 * time.Second)
	if err != nil || !strings.HasPrefix(r, ">2\r\n$10\r\ninvalidate\r\n*1\r\n") {
		t.Fatalf("eviction: %q %v", r, err)
	}
	trkExpect(t, w, "+OK\r\n", "CONFIG", "SET", "tracking-table-max-keys", "1000000")
}

func TestTrackingResetAndRESP2(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := trkResp3(t, n)
	w := n.Dial(t)
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on")
	trkExpect(t, c, "+RESET\r\n", "RESET")
	trkExpect(t, c, ":-1\r\n", "CLIENT", "GETREDIR")
	// A RESP2 client without redirect gets nothing (it cannot).
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on")
	trkExpect(t, c, "$-1\r\n", "GET", "k")
	trkExpect(t, w, "+OK\r\n", "SET", "k", "1")
	trkNothing(t, c)
}

func TestTrackingErrors(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	cases := []struct {
		want string
		args []string
	}{
		{"-ERR wrong number of arguments for 'client|tracking' command\r\n", []string{"CLIENT", "TRACKING"}},
		{"-ERR syntax error\r\n", []string{"CLIENT", "TRACKING", "maybe"}},
		{"-ERR syntax error\r\n", []string{"CLIENT", "TRACKING", "on", "foo"}},
		{"-ERR syntax error\r\n", []string{"CLIENT", "TRACKING", "on", "REDIRECT"}},
		{"-ERR value is not an integer or out of range\r\n", []string{"CLIENT", "TRACKING", "on", "REDIRECT", "x"}},
		{"-ERR The client ID you want redirect to does not exist\r\n", []string{"CLIENT", "TRACKING", "on", "REDIRECT", "12345"}},
		{"-ERR PREFIX option requires BCAST mode to be enabled\r\n", []string{"CLIENT", "TRACKING", "on", "PREFIX", "a"}},
		{"-ERR OPTIN and OPTOUT are not compatible with BCAST\r\n", []string{"CLIENT", "TRACKING", "on", "BCAST", "OPTIN"}},
		{"-ERR You can't specify both OPTIN mode and OPTOUT mode\r\n", []string{"CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"}},
		{"-ERR Prefix 'a' overlaps with another provided prefix 'ab'. Prefixes for a single client must not overlap.\r\n", []string{"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a", "PREFIX", "ab"}},
		{"-ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled\r\n", []string{"CLIENT", "CACHING", "yes"}},
		{"+OK\r\n", []string{"CLIENT", "TRACKING", "on", "OPTIN"}},
		{"-ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.\r\n", []string{"CLIENT", "CACHING", "no"}},
		{"-ERR syntax error\r\n", []string{"CLIENT", "CACHING", "maybe"}},
		{"-ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.\r\n", []string{"CLIENT", "TRACKING", "on", "OPTOUT"}},
		{"-ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.\r\n", []string{"CLIENT", "TRACKING", "on", "BCAST"}},
		{"+OK\r\n", []string{"CLIENT", "TRACKING", "off"}},
		{"+OK\r\n", []string{"CLIENT", "TRACKING", "on", "OPTOUT"}},
		{"-ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.\r\n", []string{"CLIENT", "CACHING", "yes"}},
		{"+OK\r\n", []string{"CLIENT", "TRACKING", "off"}},
		{"+OK\r\n", []string{"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "x"}},
		{"-ERR Prefix 'xy' overlaps with an existing prefix 'x'. Prefixes for a single client must not overlap.\r\n", []string{"CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "xy"}},
		{"-ERR wrong number of arguments for 'client|getredir' command\r\n", []string{"CLIENT", "GETREDIR", "x"}},
		{"-ERR wrong number of arguments for 'client|caching' command\r\n", []string{"CLIENT", "CACHING"}},
	}
	for _, tc := range cases {
		trkExpect(t, c, tc.want, tc.args...)
	}
}

func TestTrackingOwnInvalidationOrder(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := trkResp3(t, n)
	w := n.Dial(t)
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on")
	// Pipelined: the invalidation follows the reply of the write.
	c.WriteRaw(append(append(resptest.Encode("GET", "k"), resptest.Encode("SET", "k", "v")...), resptest.Encode("PING")...))
	trkRead(t, c, "_\r\n")
	trkRead(t, c, "+OK\r\n")
	trkRead(t, c, trkInvalidate("k"))
	trkRead(t, c, "+PONG\r\n")
	// A served blocked command: its reply, then the invalidation of the
	// key it changed.
	trkExpect(t, w, ":1\r\n", "RPUSH", "dst", "a")
	trkExpect(t, c, "*1\r\n$1\r\na\r\n", "LRANGE", "dst", "0", "-1")
	c.Send("BLMOVE", "src", "dst", "LEFT", "LEFT", "0")
	for i := 0; i < 500 && !strings.Contains(w.Do("CLIENT", "LIST"), "cmd=blmove"); i++ {
		time.Sleep(5 * time.Millisecond)
	}
	trkExpect(t, w, ":1\r\n", "RPUSH", "src", "x")
	trkRead(t, c, "$1\r\nx\r\n")
	trkRead(t, c, trkInvalidate("dst"))
	// With replies off, the push is still sent.
	trkExpect(t, c, "$1\r\nx\r\n", "LINDEX", "dst", "0")
	c.Send("CLIENT", "REPLY", "OFF")
	c.Send("DEL", "dst")
	trkRead(t, c, trkInvalidate("dst"))
	trkExpect(t, c, "+OK\r\n", "CLIENT", "REPLY", "ON")
}

func TestTrackingStoreIsolation(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	secret := createStore(t, admin, "app")
	c := storeConn(t, n, "app", secret)
	if r := c.Do("HELLO", "3"); !strings.HasPrefix(r, "%") {
		t.Fatalf("HELLO 3: %q", r)
	}
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on")
	trkExpect(t, c, "_\r\n", "GET", "k")
	bc := storeConn(t, n, "app", secret)
	bc.Do("HELLO", "3")
	trkExpect(t, bc, "+OK\r\n", "CLIENT", "TRACKING", "on", "BCAST")
	// The default namespace's key of the same name: nothing.
	trkExpect(t, admin, "+OK\r\n", "SET", "k", "1")
	trkExpect(t, admin, "+OK\r\n", "FLUSHALL")
	trkNothing(t, c)
	trkNothing(t, bc)
	// A client of another namespace is no redirect target.
	id := trkClientID(t, admin)
	trkExpect(t, c, "-ERR The client ID you want redirect to does not exist\r\n", "CLIENT", "TRACKING", "on", "REDIRECT", id)
	// The store's own write reaches both.
	w := storeConn(t, n, "app", secret)
	trkExpect(t, w, "+OK\r\n", "SET", "k", "2")
	trkRead(t, c, trkInvalidate("k"))
	trkRead(t, bc, trkInvalidate("k"))
	// Admin INFO counts the store's tracking clients.
	if r := admin.Do("INFO", "clients"); !strings.Contains(r, "tracking_clients:2\r\n") {
		t.Fatalf("INFO clients: %q", r)
	}
}

// TestTrackingConcurrentWrites checks that a client caching what it reads
// never keeps a stale value while another connection writes the key.
func TestTrackingConcurrentWrites(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := trkResp3(t, n)
	w := n.Dial(t)
	trkExpect(t, c, "+OK\r\n", "CLIENT", "TRACKING", "on")
	trkExpect(t, w, "+OK\r\n", "SET", "k", "0")
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 300; i++ {
			w.Do("INCR", "k")
		}
	}()
	cached, have := "", false
	// next reads frames until the reply, applying invalidations.
	next := func() string {
		for {
			r, err := c.ReadErr(5 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(r, ">") {
				return r
			}
			have = false
		}
	}
	check := func() {
		if !have {
			c.Send("GET", "k")
			cached, have = next(), true
			return
		}
		c.Send("PING")
		next()
	}
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		check()
	}
	time.Sleep(20 * time.Millisecond)
	check()
	check()
	if cur := w.Do("GET", "k"); have && cached != cur {
		t.Fatalf("stale cache %q, key is %q", cached, cur)
	}
}
