package resp_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/resptest"
)

// infoField returns a numeric INFO field as seen by c.
func psInfo(t *testing.T, c *resptest.Conn, section, name string) int64 {
	t.Helper()
	info := c.Do("INFO", section)
	m := regexp.MustCompile(`\r\n` + name + `:(\d+)\r\n`).FindStringSubmatch(info)
	if m == nil {
		t.Fatalf("INFO %s has no %s: %q", section, name, info)
	}
	v, _ := strconv.ParseInt(m[1], 10, 64)
	return v
}

// waitFor polls cond for up to five seconds.
func psWaitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

// TestPubSubOrder checks that many messages from two publishers reach a
// subscriber complete and, per publisher, in publish order.
func TestPubSubOrder(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	sub := n.Dial(t)
	psDo(t, sub, psPush(2, "subscribe", "c", 1), "SUBSCRIBE", "c")
	const each = 5000
	pubs := []*resptest.Conn{n.Dial(t), n.Dial(t)}
	var wg sync.WaitGroup
	for p, pc := range pubs {
		var req bytes.Buffer
		for i := 0; i < each; i++ {
			req.Write(resptest.Encode("PUBLISH", "c", fmt.Sprintf("%d:%d", p, i)))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			pc.WriteRaw(req.Bytes())
		}()
	}
	next := []int{0, 0}
	for i := 0; i < 2*each; i++ {
		f := sub.Read()
		var p, seq int
		if _, err := fmt.Sscanf(f[strings.LastIndex(f, "$"):], "$%d\r\n%d:%d", new(int), &p, &seq); err != nil {
			t.Fatalf("message %d: %q: %v", i, f, err)
		}
		if seq != next[p] {
			t.Fatalf("publisher %d: got message %d, want %d", p, seq, next[p])
		}
		next[p]++
	}
	wg.Wait()
	for _, pc := range pubs {
		for i := 0; i < each; i++ {
			psExpect(t, pc, ":1\r\n")
		}
	}
}

// TestPubSubConfirmationOrder subscribes and unsubscribes while messages
// stream in: no message precedes its channel's subscribe confirmation or
// follows its unsubscribe confirmation.
func TestPubSubConfirmationOrder(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	pub := n.Dial(t)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			pub.Do("PUBLISH", "a", strconv.Itoa(i))
		}
	}()
	defer func() { close(stop); <-done }()
	for round := 0; round < 20; round++ {
		sub := n.Dial(t)
		psDo(t, sub, psPush(2, "subscribe", "a", 1), "SUBSCRIBE", "a")
		last := -1
		for got := 0; got < 3; got++ {
			f := sub.Read()
			if !strings.HasPrefix(f, psPush(2, "message", "a", "")[:20]) {
				t.Fatalf("round %d: got %q, want a message", round, f)
			}
			v, _ := strconv.Atoi(strings.TrimSuffix(f[strings.LastIndex(f[:len(f)-2], "\n")+1:], "\r\n"))
			if v <= last {
				t.Fatalf("round %d: message %d after %d", round, v, last)
			}
			last = v
		}
		sub.Send("UNSUBSCRIBE", "a")
		for {
			f := sub.Read()
			if f == psPush(2, "unsubscribe", "a", 0) {
				break
			}
			if !strings.HasPrefix(f, "*3\r\n$7\r\nmessage\r\n") {
				t.Fatalf("round %d: got %q", round, f)
			}
		}
		// Out of subscribed mode: the next reply is PING's own.
		psDo(t, sub, "+PONG\r\n", "PING")
	}
}

func TestPubSubIntrospectionAndCleanup(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	sub, other := n.Dial(t), n.Dial(t)
	sub.Do("SUBSCRIBE", "a")
	sub.Do("PSUBSCRIBE", "p*")
	sub.Do("SSUBSCRIBE", "s")
	for field, want := range map[string]int64{"pubsub_channels": 1, "pubsub_patterns": 1, "pubsubshard_channels": 1} {
		if got := psInfo(t, other, "stats", field); got != want {
			t.Errorf("%s = %d, want %d", field, got, want)
		}
	}
	if got := psInfo(t, other, "clients", "pubsub_clients"); got != 1 {
		t.Errorf("pubsub_clients = %d", got)
	}
	list := other.Do("CLIENT", "LIST", "TYPE", "pubsub")
	if !strings.Contains(list, " flags=P ") || !strings.Contains(list, " sub=1 psub=1 ssub=1 ") {
		t.Fatalf("CLIENT LIST TYPE pubsub: %q", list)
	}
	if strings.Count(list, "id=") != 1 {
		t.Fatalf("CLIENT LIST TYPE pubsub lists %d clients", strings.Count(list, "id="))
	}
	if normal := other.Do("CLIENT", "LIST", "TYPE", "normal"); strings.Count(normal, "id=") != 1 {
		t.Fatalf("CLIENT LIST TYPE normal: %q", normal)
	}

	// RESET leaves subscribed mode silently.
	psDo(t, sub, "+RESET\r\n", "RESET")
	psDo(t, other, ":0\r\n", "PUBLISH", "a", "x")
	if got := psInfo(t, other, "clients", "pubsub_clients"); got != 0 {
		t.Errorf("pubsub_clients after RESET = %d", got)
	}
	if list := sub.Do("CLIENT", "INFO"); !strings.Contains(list, " flags=N ") || !strings.Contains(list, " sub=0 psub=0 ssub=0 ") {
		t.Fatalf("CLIENT INFO after RESET: %q", list)
	}

	// A disconnect unsubscribes everything.
	sub.Do("SUBSCRIBE", "a", "b")
	sub.Read()
	psDo(t, other, ":1\r\n", "PUBLISH", "b", "x")
	third := n.Dial(t)
	third.Do("PSUBSCRIBE", "*")
	psDo(t, other, ":2\r\n", "PUBLISH", "a", "x")
	third.Close()
	psWaitFor(t, "the registry to forget a closed subscriber", func() bool {
		return other.Do("PUBLISH", "a", "x") == ":1\r\n"
	})
	psDo(t, other, ":1\r\n", "CLIENT", "KILL", "TYPE", "pubsub", "SKIPME", "yes")
	psWaitFor(t, "pubsub_clients to drop to 0", func() bool {
		return psInfo(t, other, "clients", "pubsub_clients") == 0
	})
	psDo(t, other, "*0\r\n", "PUBSUB", "CHANNELS")
	psDo(t, other, ":0\r\n", "PUBSUB", "NUMPAT")
}

// TestPubSubSlowSubscriber publishes far more than the pubsub hard limit
// to a subscriber that never reads: it is disconnected, its pending
// output never exceeds the limit by more than a message, and publishing
// never stalls.
func TestPubSubSlowSubscriber(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	sub, pub, watch := n.Dial(t), n.Dial(t), n.Dial(t)
	const hard = 32 << 20
	psDo(t, sub, psPush(2, "subscribe", "slow", 1), "SUBSCRIBE", "slow")
	msg := strings.Repeat("x", 256<<10)
	omemRe := regexp.MustCompile(` omem=(\d+) `)
	var maxOmem int64
	start := time.Now()
	disconnected := false
	for i := 0; i < 512 && time.Since(start) < 60*time.Second; i++ { // 128 MB at most
		got := pub.Do("PUBLISH", "slow", msg)
		if got == ":0\r\n" {
			disconnected = true
			break
		}
		if i%16 == 0 {
			if m := omemRe.FindStringSubmatch(watch.Do("CLIENT", "LIST", "TYPE", "pubsub")); m != nil {
				v, _ := strconv.ParseInt(m[1], 10, 64)
				maxOmem = max(maxOmem, v)
			}
		}
	}
	if !disconnected {
		t.Fatalf("subscriber still subscribed after %v", time.Since(start))
	}
	if maxOmem > hard+int64(len(msg))+64 {
		t.Fatalf("pending output reached %d bytes, limit %d", maxOmem, hard)
	}
	if got := psInfo(t, watch, "stats", "client_output_buffer_limit_disconnections"); got != 1 {
		t.Fatalf("client_output_buffer_limit_disconnections = %d", got)
	}
	// The subscriber finds its connection closed once it reads what
	// reached it.
	for i := 0; ; i++ {
		if _, err := sub.ReadErr(5 * time.Second); err != nil {
			break
		}
		if i > 1024 {
			t.Fatal("subscriber connection still open")
		}
	}
}

// TestPubSubSoftLimit: a subscriber over the soft limit for longer than
// its seconds is disconnected.
func TestPubSubSoftLimit(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	sub, pub := n.Dial(t), n.Dial(t)
	psDo(t, pub, "+OK\r\n", "CONFIG", "SET", "client-output-buffer-limit", "pubsub 0 64kb 1")
	sub.Do("SUBSCRIBE", "c")
	msg := strings.Repeat("y", 64<<10)
	start := time.Now()
	for time.Since(start) < 20*time.Second {
		if pub.Do("PUBLISH", "c", msg) == ":0\r\n" {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	if got := psInfo(t, pub, "stats", "client_output_buffer_limit_disconnections"); got != 1 {
		t.Fatalf("client_output_buffer_limit_disconnections = %d after %v", got, time.Since(start))
	}
}

// TestNormalOutputLimit: the normal class's hard limit closes a client
// whose reply is too large.
func TestNormalOutputLimit(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c, admin := n.Dial(t), n.Dial(t)
	admin.Do("SET", "big", strings.Repeat("z", 200<<10))
	psDo(t, admin, "+OK\r\n", "CONFIG", "SET", "client-output-buffer-limit", "normal 100kb 0 0")
	psDo(t, admin, "*2\r\n$26\r\nclient-output-buffer-limit\r\n$72\r\nnormal 102400 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60\r\n",
		"CONFIG", "GET", "client-output-buffer-limit")
	c.Send("GET", "big")
	if got, err := c.ReadErr(5 * time.Second); err == nil {
		t.Fatalf("GET big answered %d bytes over the limit", len(got))
	}
	if got := psInfo(t, admin, "stats", "client_output_buffer_limit_disconnections"); got != 1 {
		t.Fatalf("client_output_buffer_limit_disconnections = %d", got)
	}
	psDo(t, admin, "-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Invalid client class specified in buffer limit configuration.\r\n",
		"CONFIG", "SET", "client-output-buffer-limit", "master 1 1 1")
}

// TestPubSubPushesIgnoreClientReply: confirmations and messages are
// pushes, sent even with CLIENT REPLY OFF or SKIP, as in Valkey.
func TestPubSubPushesIgnoreClientReply(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	pub := n.Dial(t)
	for _, mode := range []string{"OFF", "SKIP"} {
		sub := n.Dial(t)
		sub.Send("CLIENT", "REPLY", mode)
		psDo(t, sub, psPush(2, "psubscribe", mode+"*", 1), "PSUBSCRIBE", mode+"*")
		psDo(t, pub, ":1\r\n", "PUBLISH", mode+"ch", "m")
		psExpect(t, sub, psPush(2, "pmessage", mode+"*", mode+"ch", "m"))
	}
}

// TestPubSubQuit: QUIT in subscribed mode is answered before the
// connection closes.
func TestPubSubQuit(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	sub := n.Dial(t)
	sub.Do("SUBSCRIBE", "a")
	psDo(t, sub, "+OK\r\n", "QUIT")
	if got, err := sub.ReadErr(5 * time.Second); err == nil {
		t.Fatalf("connection open after QUIT, read %q", got)
	}
}

// TestPubSubKeyspaceNotifications: keyspace events reach subscribers
// through Namespace.Publish; a RESP3 client that causes an event gets its
// reply first.
func TestPubSubKeyspaceNotifications(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	sub, c := n.Dial(t), n.Dial(t)
	psDo(t, c, "+OK\r\n", "CONFIG", "SET", "notify-keyspace-events", "KEA")
	sub.Do("PSUBSCRIBE", "__key*__:*")
	psDo(t, c, "+OK\r\n", "SET", "foo", "bar")
	psExpect(t, sub, psPush(2, "pmessage", "__key*__:*", "__keyspace@0__:foo", "set"))
	psExpect(t, sub, psPush(2, "pmessage", "__key*__:*", "__keyevent@0__:set", "foo"))

	c.Do("HELLO", "3")
	c.Do("SUBSCRIBE", "__keyevent@0__:del")
	psDo(t, c, ":1\r\n", "DEL", "foo")
	psExpect(t, c, psPush(3, "message", "__keyevent@0__:del", "foo"))
	psExpect(t, sub, psPush(2, "pmessage", "__key*__:*", "__keyspace@0__:foo", "del"))
	psExpect(t, sub, psPush(2, "pmessage", "__key*__:*", "__keyevent@0__:del", "foo"))
}

// TestPubSubNoIdleTimeout: CONFIG timeout closes idle clients but not
// subscribed ones.
func TestPubSubNoIdleTimeout(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	psDo(t, admin, "+OK\r\n", "CONFIG", "SET", "timeout", "1")
	sub, idle := n.Dial(t), n.Dial(t)
	sub.Do("SUBSCRIBE", "a")
	idle.Do("PING")
	// The idle client is closed after a second; by then the subscriber
	// has been idle as long.
	if _, err := idle.ReadErr(5 * time.Second); err == nil {
		t.Fatal("idle client not timed out")
	}
	time.Sleep(100 * time.Millisecond)
	psDo(t, n.Dial(t), ":1\r\n", "PUBLISH", "a", "still here")
	psExpect(t, sub, psPush(2, "message", "a", "still here"))
}
