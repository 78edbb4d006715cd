package resp_test

import (
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/resptest"
)

// A script runs atomically with its namespace held: its writes are seen
// by watchers, wake blocked clients, and count as one command.
func TestEvalAtomicAndWakes(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c, waiter := n.Dial(t), n.Dial(t)
	waiter.Send("BLPOP", "q", "5")
	time.Sleep(50 * time.Millisecond)
	is(t, c, ":2\r\n", "EVAL", "redis.call('RPUSH', KEYS[1], 'a'); return redis.call('RPUSH', KEYS[1], 'b')", "1", "q")
	if got := waiter.Read(); got != "*2\r\n$1\r\nq\r\n$1\r\na\r\n" {
		t.Fatalf("blocked client got %q", got)
	}
	// WATCH sees a script's write.
	is(t, c, "+OK\r\n", "WATCH", "w")
	n.Dial(t).Do("EVAL", "return redis.call('SET', 'w', '1')", "0")
	is(t, c, "+OK\r\n", "MULTI")
	is(t, c, "+QUEUED\r\n", "GET", "w")
	is(t, c, "*-1\r\n", "EXEC")
	// EVAL inside MULTI runs at EXEC.
	is(t, c, "+OK\r\n", "MULTI")
	is(t, c, "+QUEUED\r\n", "EVAL", "return redis.call('INCR', 'ctr')", "0")
	is(t, c, "+QUEUED\r\n", "EVAL", "return redis.call('INCR', 'ctr')", "0")
	is(t, c, "*2\r\n:1\r\n:2\r\n", "EXEC")
	// Concurrent scripts never interleave: each reads and writes the
	// counter in one step.
	done := make(chan bool)
	for i := 0; i < 4; i++ {
		go func() {
			cc := n.Dial(t)
			for j := 0; j < 200; j++ {
				cc.Do("EVAL", "local v = tonumber(redis.call('GET', 'x') or '0'); redis.call('SET', 'x', v + 1); return v", "0")
			}
			done <- true
		}()
	}
	for i := 0; i < 4; i++ {
		<-done
	}
	is(t, c, "$3\r\n800\r\n", "GET", "x")
}

// A script that runs past busy-reply-threshold makes other clients of its
// namespace get BUSY; SCRIPT KILL stops it unless it wrote; other
// namespaces are not affected.
func TestScriptBusyAndKill(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	other := storeConn(t, n, "other", createStore(t, admin, "other"))
	is(t, admin, "+OK\r\n", "CONFIG", "SET", "busy-reply-threshold", "100")
	runner := n.Dial(t)
	runner.Send("EVAL", "local i = 0 while true do i = i + 1 end", "0")
	time.Sleep(300 * time.Millisecond)
	is(t, admin, "-BUSY Valkey is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n", "GET", "x")
	is(t, other, "$-1\r\n", "GET", "x") // another store runs on
	is(t, other, "-NOTBUSY No scripts in execution right now.\r\n", "SCRIPT", "KILL")
	is(t, admin, "+OK\r\n", "SCRIPT", "KILL")
	if got := runner.Read(); !strings.HasPrefix(got, "-ERR Script killed by user with SCRIPT KILL") {
		t.Fatalf("killed script replied %q", got)
	}
	is(t, admin, "$-1\r\n", "GET", "x")
	// A script that wrote cannot be killed.
	runner.Send("EVAL", "redis.call('SET', 'x', '1') local t = os.clock() while os.clock() - t < 1 do end return 'done'", "0")
	time.Sleep(300 * time.Millisecond)
	if got := admin.Do("SCRIPT", "KILL"); !strings.HasPrefix(got, "-UNKILLABLE") && got != "-NOTBUSY No scripts in execution right now.\r\n" {
		t.Fatalf("SCRIPT KILL of a script that wrote: %q", got)
	}
	if got := runner.Read(); got != "$4\r\ndone\r\n" {
		t.Fatalf("script after UNKILLABLE: %q", got)
	}
}

// Each store has its own script cache and sees only its own keys.
func TestScriptsPerStore(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	a := storeConn(t, n, "a", createStore(t, admin, "a"))
	b := storeConn(t, n, "b", createStore(t, admin, "b"))
	sha := bulk(t, a.Do("SCRIPT", "LOAD", "return redis.call('GET', KEYS[1])"))
	is(t, b, "-NOSCRIPT No matching script.\r\n", "EVALSHA", sha, "1", "k")
	is(t, admin, "-NOSCRIPT No matching script.\r\n", "EVALSHA", sha, "1", "k")
	is(t, a, "+OK\r\n", "SET", "k", "in-a")
	is(t, b, "+OK\r\n", "SET", "k", "in-b")
	is(t, a, "$4\r\nin-a\r\n", "EVALSHA", sha, "1", "k")
	is(t, b, "$4\r\nin-b\r\n", "EVAL", "return redis.call('GET', KEYS[1])", "1", "k")
	// SELECT and FLUSHALL from a script stay in the store.
	is(t, b, "+OK\r\n", "EVAL", "redis.call('SELECT', 3) return redis.call('FLUSHALL')", "0")
	is(t, a, "$4\r\nin-a\r\n", "GET", "k")
	is(t, b, "$-1\r\n", "GET", "k")
	// Node-wide commands refused to a store are refused from its scripts.
	if got := b.Do("EVAL", "return redis.call('CONFIG', 'SET', 'maxmemory', '1')", "0"); !strings.HasPrefix(got, "-") {
		t.Fatalf("store script ran CONFIG SET: %q", got)
	}
	is(t, a, "+OK\r\n", "SCRIPT", "FLUSH")
	is(t, a, "*1\r\n:0\r\n", "SCRIPT", "EXISTS", sha)
	// INFO memory counts the store's scripts.
	b.Do("SCRIPT", "LOAD", "return 1")
	if got := infoInt(t, b, "memory", "number_of_cached_scripts"); got != 4 { // three EVAL bodies and one loaded
		t.Fatalf("number_of_cached_scripts %d", got)
	}
}

// RESP3 clients get RESP3 replies from scripts; redis.setresp(3) gives a
// script RESP3 replies from the commands it calls.
func TestEvalRESP3(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.Do("HELLO", "3")
	is(t, c, ":1\r\n", "EVAL", "return true", "0")
	is(t, c, "#t\r\n", "EVAL", "redis.setresp(3) return true", "0")
	is(t, c, "_\r\n", "EVAL", "return false", "0")
	is(t, c, ",3.5\r\n", "EVAL", "return {double=3.5}", "0")
	is(t, c, "%1\r\n$1\r\na\r\n:1\r\n", "EVAL", "return {map={a=1}}", "0")
	c.Do("HSET", "h", "f", "v")
	is(t, c, "$1\r\nv\r\n", "EVAL", "redis.setresp(3) return redis.call('HGETALL', 'h')['map']['f']", "0")
	is(t, c, "*2\r\n$1\r\nf\r\n$1\r\nv\r\n", "EVAL", "return redis.call('HGETALL', 'h')", "0")
}

// Under maxmemory with noeviction, a script's first denyoom command is
// refused; a shebang script that may write is refused at once, and one
// flagged allow-oom runs.
func TestScriptOOM(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	c.Do("SET", "k", "v")
	is(t, c, "+OK\r\n", "CONFIG", "SET", "maxmemory", "1")
	const oom = "-OOM command not allowed when used memory > 'maxmemory'."
	if got := c.Do("EVAL", "return redis.call('SET', 'x', 'y')", "0"); !strings.HasPrefix(got, oom) {
		t.Fatalf("write under OOM: %q", got)
	}
	is(t, c, "$1\r\nv\r\n", "EVAL", "return redis.call('GET', 'k')", "0")
	is(t, c, oom+"\r\n", "EVAL", "#!lua\nreturn redis.call('GET', 'k')", "0")
	is(t, c, "$1\r\nv\r\n", "EVAL", "#!lua flags=no-writes\nreturn redis.call('GET', 'k')", "0")
	is(t, c, "+OK\r\n", "EVAL", "#!lua flags=allow-oom\nreturn redis.call('SET', 'x', 'y')", "0")
	is(t, c, "+OK\r\n", "CONFIG", "SET", "maxmemory", "0")
}

// WAIT never blocks inside a script or a transaction: with no replicas it
// answers 0 at once, where a plain WAIT 1 0 would block for ever.
func TestWaitInsideScriptAndMulti(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, ":0\r\n", "EVAL", "return redis.pcall('wait', '1', '0')", "0")
	is(t, c, "+OK\r\n", "MULTI")
	is(t, c, "+QUEUED\r\n", "WAIT", "1", "0")
	is(t, c, "*1\r\n:0\r\n", "EXEC")
}

// SCRIPT SHOW replies a cached body, NOSCRIPT otherwise (Valkey 8).
func TestScriptShow(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "$40\r\n4f5a49d7b18244a3b100d159b78b51474e23e081\r\n", "SCRIPT", "LOAD", "return 'dump'")
	is(t, c, "$13\r\nreturn 'dump'\r\n", "SCRIPT", "SHOW", "4f5a49d7b18244a3b100d159b78b51474e23e081")
	is(t, c, "-NOSCRIPT No matching script.\r\n", "SCRIPT", "SHOW", "b534286061d4b06c06015ae8")
	is(t, c, "+OK\r\n", "SCRIPT", "FLUSH")
	is(t, c, "-NOSCRIPT No matching script.\r\n", "SCRIPT", "SHOW", "4f5a49d7b18244a3b100d159b78b51474e23e081")
}
