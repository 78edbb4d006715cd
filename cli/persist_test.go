package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// freePort returns a loopback port nobody listens on (probably).
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startNode runs `flect server` in-process with args and returns a client
// and a stop function that ends it as SIGTERM does.
func startNode(t *testing.T, port int, args ...string) (*redis.Client, func() error) {
	t.Helper()
	root := NewRootCmd(BuildInfo{Version: "test"})
	root.SetArgs(append([]string{"server", "--port", strconv.Itoa(port), "--loglevel", "warning"}, args...))
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- root.ExecuteContext(ctx) }()
	rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), MaxRetries: -1})
	waitReady(t, rc, errc)
	stop := func() error {
		rc.Close()
		cancel()
		select {
		case err := <-errc:
			return err
		case <-time.After(20 * time.Second):
			return fmt.Errorf("node did not stop")
		}
	}
	t.Cleanup(func() { cancel() })
	return rc, stop
}

// waitReady waits until the node answers PING with PONG (not -LOADING).
func waitReady(t *testing.T, rc *redis.Client, errc chan error) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-errc:
			t.Fatalf("node exited: %v", err)
		default:
		}
		if rc.Ping(context.Background()).Val() == "PONG" {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("node not ready within 10s")
}

func TestPersistenceAcrossRestarts(t *testing.T) {
	ctx := context.Background()
	dir, port := t.TempDir(), freePort(t)
	rc, stop := startNode(t, port, "--dir", dir)
	cmds := [][]any{
		{"SET", "str", "hello"}, {"SET", "int", "12345"}, {"SET", "ttl", "x", "EX", "1000"},
		{"RPUSH", "list", "a", "b", "c"}, {"HSET", "hash", "f1", "v1", "f2", "v2"},
		{"HSETEX", "hfe", "EX", "1000", "FIELDS", "1", "f", "v"}, {"HSET", "hfe", "g", "w"},
		{"SADD", "set", "1", "2", "3"}, {"SADD", "sset", "x", "y"},
		{"ZADD", "zset", "1", "a", "2.5", "b"}, {"PFADD", "hll", "a", "b", "c"},
		{"XADD", "stream", "1-1", "f", "v"}, {"XGROUP", "CREATE", "stream", "g", "0"},
		{"XREADGROUP", "GROUP", "g", "c1", "COUNT", "1", "STREAMS", "stream", ">"},
	}
	for _, c := range cmds {
		if err := rc.Do(ctx, c...).Err(); err != nil {
			t.Fatalf("%v: %v", c, err)
		}
	}
	big := make([]any, 0, 2002)
	big = append(big, "RPUSH", "biglist")
	for i := 0; i < 2000; i++ {
		big = append(big, "element-"+strconv.Itoa(i))
	}
	rc.Do(ctx, big...)
	db3 := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), DB: 3})
	db3.Set(ctx, "in-db3", "three", 0)
	db3.Close()
	out, err := runKV(t, map[string]string{"FLECT_NODE": "redis://127.0.0.1:" + strconv.Itoa(port)}, "create", "my-cache")
	if err != nil {
		t.Fatalf("kv create: %v %s", err, out)
	}
	storeURL, _ := runKV(t, map[string]string{"FLECT_NODE": "redis://127.0.0.1:" + strconv.Itoa(port)}, "url", "my-cache")
	opt, err := redis.ParseURL(trimNL(storeURL))
	if err != nil {
		t.Fatal(err)
	}
	sc := redis.NewClient(opt)
	sc.Set(ctx, "str", "store's own", 0)
	sc.Close()

	// hfe is checked by its fields: a hash with volatile fields has no
	// fixed field order, so its DUMP bytes vary.
	keys := []string{"str", "int", "ttl", "list", "hash", "set", "sset", "zset", "hll", "stream", "biglist"}
	dumps := map[string]string{}
	for _, k := range keys {
		d, err := rc.Dump(ctx, k).Result()
		if err != nil {
			t.Fatalf("DUMP %s: %v", k, err)
		}
		dumps[k] = d
	}
	if err := stop(); err != nil { // SIGTERM saves: the default save rules apply
		t.Fatal(err)
	}

	rc, stop = startNode(t, port, "--dir", dir)
	for _, k := range keys {
		if d, err := rc.Dump(ctx, k).Result(); err != nil || d != dumps[k] {
			t.Errorf("%s after restart: DUMP differs (%v)", k, err)
		}
	}
	if ttl := rc.TTL(ctx, "ttl").Val(); ttl < 990*time.Second || ttl > 1000*time.Second {
		t.Errorf("ttl after restart: %v", ttl)
	}
	if got := rc.HGetAll(ctx, "hfe").Val(); len(got) != 2 || got["f"] != "v" || got["g"] != "w" {
		t.Errorf("hfe after restart: %v", got)
	}
	if got := rc.Do(ctx, "HTTL", "hfe", "FIELDS", "2", "f", "g").String(); got != "HTTL hfe FIELDS 2 f g: [1000 -1]" && got != "HTTL hfe FIELDS 2 f g: [999 -1]" {
		t.Errorf("hash field TTLs after restart: %s", got)
	}
	if got := rc.Do(ctx, "XPENDING", "stream", "g").String(); got != "XPENDING stream g: [1 1-1 1-1 [[c1 1]]]" {
		t.Errorf("stream group after restart: %s", got)
	}
	db3 = redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), DB: 3})
	if v := db3.Get(ctx, "in-db3").Val(); v != "three" {
		t.Errorf("db 3 after restart: %q", v)
	}
	db3.Close()
	sc = redis.NewClient(opt)
	if v := sc.Get(ctx, "str").Val(); v != "store's own" {
		t.Errorf("store key after restart: %q (store credentials must survive too)", v)
	}
	sc.Close()
	info := rc.Info(ctx, "persistence").Val()
	if !containsLine(info, "rdb_last_load_keys_loaded:14") {
		t.Errorf("INFO persistence after load:\n%s", info)
	}

	// SHUTDOWN NOSAVE loses what changed since the last save.
	rc.Set(ctx, "unsaved", "1", 0)
	rc.Do(ctx, "SHUTDOWN", "NOSAVE")
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	rc, stop = startNode(t, port, "--dir", dir)
	if n := rc.Exists(ctx, "unsaved").Val(); n != 0 {
		t.Error("SHUTDOWN NOSAVE saved")
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

func trimNL(s string) string {
	for len(s) > 0 && (s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

func containsLine(text, line string) bool {
	for len(text) > 0 {
		i := 0
		for i < len(text) && text[i] != '\n' {
			i++
		}
		if trimNL(text[:i]) == line {
			return true
		}
		if i == len(text) {
			break
		}
		text = text[i+1:]
	}
	return false
}

// TestHelperNode is not a test: TestCrashDuringBGSAVE runs the test binary
// with it as a flect node it can kill.
func TestHelperNode(t *testing.T) {
	dir := os.Getenv("FLECT_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process for TestCrashDuringBGSAVE")
	}
	root := NewRootCmd(BuildInfo{Version: "test"})
	root.SetArgs([]string{"server", "--port", os.Getenv("FLECT_HELPER_PORT"), "--dir", dir, "--save", "", "--loglevel", "warning"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
}

// TestCrashDuringBGSAVE kills a node with SIGKILL at random moments of a
// BGSAVE that follows a transaction changing every key: on restart the
// node must load a consistent snapshot, all keys from before the
// transaction or all from after.
func TestCrashDuringBGSAVE(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	ctx := context.Background()
	dir := t.TempDir()
	const keys = 20000
	spawn := func() (*exec.Cmd, *redis.Client) {
		port := freePort(t)
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperNode$")
		cmd.Env = append(os.Environ(), "FLECT_HELPER_DIR="+dir, "FLECT_HELPER_PORT="+strconv.Itoa(port))
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		rc := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(port), MaxRetries: -1})
		deadline := time.Now().Add(10 * time.Second)
		for rc.Ping(ctx).Val() != "PONG" {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatal("helper node not ready")
			}
			time.Sleep(10 * time.Millisecond)
		}
		return cmd, rc
	}
	// consistent checks that every key holds the same generation and
	// returns it (0 for an empty node).
	consistent := func(rc *redis.Client) int {
		n := rc.DBSize(ctx).Val()
		if n == 0 {
			return 0
		}
		if n != keys {
			t.Fatalf("restart loaded %d keys, want %d", n, keys)
		}
		gen := rc.Get(ctx, "k0").Val()
		for i := 0; i < keys; i += 97 {
			if v := rc.Get(ctx, "k"+strconv.Itoa(i)).Val(); v != gen {
				t.Fatalf("inconsistent snapshot: k0=%s k%d=%s", gen, i, v)
			}
		}
		g, _ := strconv.Atoi(gen)
		return g
	}
	cmd, rc := spawn()
	last := 0
	for round := 1; round <= 6; round++ {
		gen := strconv.Itoa(round)
		pipe := rc.TxPipeline()
		for i := 0; i < keys; i++ {
			pipe.Set(ctx, "k"+strconv.Itoa(i), gen, 0)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := rc.Do(ctx, "BGSAVE").Err(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(rand.IntN(40)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		rc.Close()
		cmd, rc = spawn()
		got := consistent(rc)
		if got != last && got != round {
			t.Fatalf("round %d: loaded generation %d, want %d or %d", round, got, last, round)
		}
		last = got
	}
	cmd.Process.Kill()
	cmd.Wait()
}
