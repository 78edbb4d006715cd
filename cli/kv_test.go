package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp"
	"github.com/flect-kv/flect/resp/resptest"
	"github.com/redis/go-redis/v9"
)

// runKV runs `flect kv args...` against node with env and returns its
// output and error.
func runKV(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	cmd := NewKVCmd(func(k string) string { return env[k] })
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

// storeAuth checks that a store URL authenticates on the node.
func storeAuth(t *testing.T, n *resptest.Node, raw string) bool {
	t.Helper()
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	return n.Dial(t).Do("AUTH", u.User.Username(), pw) == "+OK\r\n"
}

func TestKVCommands(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	env := map[string]string{"FLECT_NODE": "redis://" + n.Addr}

	out, err := runKV(t, env, "create", "my-cache")
	if err != nil || !strings.HasPrefix(out, "redis://my-cache:") || !strings.HasSuffix(out, "@"+n.Addr+"\n") {
		t.Fatalf("create: %q %v", out, err)
	}
	if !storeAuth(t, n, out) {
		t.Fatal("created URL does not authenticate")
	}
	if out, err := runKV(t, env, "create", "sessions", "--maxmemory", "64mb", "--policy", "allkeys-lru", "--json"); err != nil ||
		!strings.Contains(out, `"name": "sessions"`) {
		t.Fatalf("create --json: %q %v", out, err)
	}
	if _, err := runKV(t, env, "create", "my-cache"); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("duplicate create: %v", err)
	}

	out, err = runKV(t, env, "list")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || strings.Join(strings.Fields(lines[0]), " ") != "NAME KEYS MEMORY QUOTA POLICY CLIENTS CREATED" || !strings.HasPrefix(lines[1], "my-cache") ||
		!strings.Contains(lines[2], "64mb") || !strings.Contains(lines[2], "allkeys-lru") {
		t.Fatalf("list:\n%s", out)
	}
	out, err = runKV(t, env, "list", "--json")
	var rows []storeRow
	if err != nil || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 2 || rows[1].MaxMemory != 64<<20 {
		t.Fatalf("list --json: %q %v", out, err)
	}

	out, err = runKV(t, env, "info", "sessions")
	if err != nil || !strings.Contains(out, "policy:") || !strings.Contains(out, "allkeys-lru") {
		t.Fatalf("info: %q %v", out, err)
	}
	if _, err := runKV(t, env, "info", "nope"); err == nil || err.Error() != "store nope: no such store" {
		t.Fatalf("info of a missing store: %v", err)
	}

	// url prints the current URL; rotate --grace keeps the old one valid.
	u1, err := runKV(t, env, "url", "my-cache")
	if err != nil || !storeAuth(t, n, u1) {
		t.Fatalf("url: %q %v", u1, err)
	}
	u2, err := runKV(t, env, "rotate", "my-cache", "--grace", "10m")
	if err != nil || u2 == u1 || !storeAuth(t, n, u2) || !storeAuth(t, n, u1) {
		t.Fatalf("rotate --grace: %q %v", u2, err)
	}
	u3, err := runKV(t, env, "rotate", "my-cache")
	if err != nil || !storeAuth(t, n, u3) || storeAuth(t, n, u1) || storeAuth(t, n, u2) {
		t.Fatalf("rotate: %q %v", u3, err)
	}
	if cur, _ := runKV(t, env, "url", "my-cache"); cur != u3 {
		t.Fatalf("url after rotate: %q", cur)
	}

	if out, err := runKV(t, env, "flush", "my-cache"); err != nil || out != "flushed my-cache\n" {
		t.Fatalf("flush: %q %v", out, err)
	}
	if _, err := runKV(t, env, "delete", "sessions"); err == nil || !strings.Contains(err.Error(), "--yes") {
		t.Fatalf("delete without --yes: %v", err)
	}
	if n.Server.Stores().Get("sessions") == nil {
		t.Fatal("deleted without --yes")
	}
	if out, err := runKV(t, env, "delete", "sessions", "--yes"); err != nil || out != "deleted sessions\n" {
		t.Fatalf("delete: %q %v", out, err)
	}
	if n.Server.Stores().Get("sessions") != nil {
		t.Fatal("store still there")
	}
}

func TestKVEnv(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	env := map[string]string{"FLECT_NODE": n.Addr}
	dir := t.TempDir()
	file := filepath.Join(dir, "flect.toml")
	os.WriteFile(file, []byte("[[kv]]\nbinding = \"CACHE\"\nname = \"my-cache\"\n\n[[kv]]\nbinding = \"QUEUE\"\nname = \"jobs\"\n"), 0o644)

	if _, err := runKV(t, env, "env", "--file", file); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("env with missing stores: %v", err)
	}
	out, err := runKV(t, env, "env", "--file", file, "--create")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "CACHE_URL=redis://my-cache:") || !strings.HasPrefix(lines[1], "QUEUE_URL=redis://jobs:") {
		t.Fatalf("env --create:\n%s", out)
	}
	for _, l := range lines {
		_, u, _ := strings.Cut(l, "=")
		if !storeAuth(t, n, u) {
			t.Fatalf("%s does not authenticate", l)
		}
	}
	// Again: the same URLs, nothing created.
	if again, err := runKV(t, env, "env", "--file", file); err != nil || again != out {
		t.Fatalf("env again: %q %v", again, err)
	}
	out, err = runKV(t, env, "env", "--file", file, "--export")
	if err != nil || !strings.HasPrefix(out, "export CACHE_URL='redis://my-cache:") {
		t.Fatalf("env --export: %q %v", out, err)
	}
	os.WriteFile(file, []byte("[[kv]]\nbinding = \"CACHE-1\"\nname = \"x\"\n"), 0o644)
	if _, err := runKV(t, env, "env", "--file", file); err == nil || !strings.Contains(err.Error(), "binding") {
		t.Fatalf("bad binding: %v", err)
	}
	if _, err := runKV(t, env, "env", "--file", filepath.Join(dir, "none.toml")); err == nil || !strings.Contains(err.Error(), "no ") {
		t.Fatalf("missing file: %v", err)
	}
	for body, want := range map[string]string{
		"": "has no [[kv]] table",
		"[[kv]]\nbinding = \"C\"\nname = \"My_Cache\"\n":    `"My_Cache" is not a store name`,
		"[[kv]]\nbinding = \"C\"\nname = \"default\"\n":     `"default" is not a store name`,
		"[[kv]]\nbinding = \"C\"\n":                         "has no name",
		"[[kv]]\nbinding = \"C\"\nname = \"a\"\nport = 1\n": "unknown keys kv.port",
	} {
		os.WriteFile(file, []byte(body), 0o644)
		if _, err := runKV(t, env, "env", "--file", file, "--create"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("flect.toml %q: %v, want %q", body, err, want)
		}
	}
	if n.Server.Stores().Len() != 2 {
		t.Fatalf("a bad flect.toml created stores: %d", n.Server.Stores().Len())
	}
}

func TestKVAdminPassword(t *testing.T) {
	n := resptest.Start(t, nil, &resp.Options{RequirePass: "s3cret"})
	if _, err := runKV(t, map[string]string{"FLECT_NODE": n.Addr}, "list"); err == nil || !strings.Contains(err.Error(), "admin credential") {
		t.Fatalf("no password: %v", err)
	}
	if _, err := runKV(t, map[string]string{"FLECT_NODE": n.Addr}, "list", "--password", "wrong"); err == nil || !strings.Contains(err.Error(), "admin credential") {
		t.Fatalf("wrong password: %v", err)
	}
	for _, env := range []map[string]string{
		{"FLECT_NODE": n.Addr, "FLECT_ADMIN_PASSWORD": "s3cret"},
		{"FLECT_NODE": "redis://:s3cret@" + n.Addr},
	} {
		if _, err := runKV(t, env, "create", "a"+string(rune('a'+len(env)))); err != nil {
			t.Fatalf("%v: %v", env, err)
		}
	}
	if _, err := runKV(t, nil, "list", "--node", "redis://"+n.Addr, "--password", "s3cret"); err != nil {
		t.Fatal(err)
	}
}

func TestKVNoNode(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = runKV(t, map[string]string{"FLECT_NODE": "redis://" + addr}, "list")
	if err == nil || err.Error() != "no flect node at "+addr+" (start one with: flect server)" {
		t.Fatalf("no node: %v", err)
	}
}

// TestKVStoreURLWithGoRedis connects go-redis (RESP3, HELLO 3 AUTH) to a
// store with the URL `flect kv create` printed, database 1 included.
func TestKVStoreURLWithGoRedis(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	out, err := runKV(t, map[string]string{"FLECT_NODE": n.Addr}, "create", "app")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, suffix := range []string{"", "/1"} {
		opts, err := redis.ParseURL(strings.TrimSpace(out) + suffix)
		if err != nil {
			t.Fatal(err)
		}
		c := redis.NewClient(opts)
		if err := c.Set(ctx, "k", "v"+suffix, 0).Err(); err != nil {
			t.Fatalf("SET through %q: %v", suffix, err)
		}
		if v, err := c.Get(ctx, "k").Result(); err != nil || v != "v"+suffix {
			t.Fatalf("GET: %q %v", v, err)
		}
		c.Close()
	}
	// The store's two databases, and nothing in the default namespace.
	d := n.Dial(t)
	if got := d.Do("EXISTS", "k"); got != ":0\r\n" {
		t.Fatalf("default namespace: %q", got)
	}
	// The library is remembered once the closed connections are gone.
	admin := n.Dial(t)
	info := admin.Do("FLECT.KV", "INFO", "app")
	for i := 0; i < 100 && !strings.Contains(info, "go-redis("); i++ {
		time.Sleep(10 * time.Millisecond)
		info = admin.Do("FLECT.KV", "INFO", "app")
	}
	if !strings.Contains(info, "db0:keys=1,expires=0") || !strings.Contains(info, "db1:keys=1,expires=0") ||
		!strings.Contains(info, "go-redis(") {
		t.Fatalf("store INFO: %q", info)
	}
}

// TestKVInfoFigures: `flect kv info` and `list` show a store's keys per
// database, memory, hits and clients, as text and JSON.
func TestKVInfoFigures(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	env := map[string]string{"FLECT_NODE": n.Addr}
	out, err := runKV(t, env, "create", "app")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(strings.TrimSpace(out))
	pw, _ := u.User.Password()
	c := n.Dial(t)
	c.Do("AUTH", "app", pw)
	c.Do("CLIENT", "SETINFO", "LIB-NAME", "ioredis")
	c.Do("SET", "a", strings.Repeat("x", 5000))
	c.Do("GET", "a")
	c.Do("GET", "missing")
	c.Do("SELECT", "2")
	c.Do("SET", "b", "1", "EX", "100")

	out, err = runKV(t, env, "info", "app")
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, _ := strings.Cut(line, ":")
		fields[k] = strings.TrimSpace(v)
	}
	for k, want := range map[string]string{
		"keys": "2", "databases": "db0:keys=1,expires=0 db2:keys=1,expires=1", "clients": "1",
		"libraries": "ioredis", "keyspace_hits": "1", "keyspace_misses": "1", "maxmemory": "-",
	} {
		if fields[k] != want {
			t.Errorf("info %s: %q, want %q\n%s", k, fields[k], want, out)
		}
	}
	if !strings.HasSuffix(fields["memory"], "K") {
		t.Errorf("info memory: %q", fields["memory"])
	}
	if _, ok := fields["ops_per_sec"]; !ok {
		t.Errorf("info lacks ops_per_sec:\n%s", out)
	}

	out, err = runKV(t, env, "info", "app", "--json")
	var info struct {
		Keys      int64                `json:"keys"`
		Memory    int64                `json:"memory"`
		Databases map[string]dbFigures `json:"databases"`
		Libraries []string             `json:"libraries"`
	}
	if err != nil || json.Unmarshal([]byte(out), &info) != nil {
		t.Fatalf("info --json: %q %v", out, err)
	}
	if info.Keys != 2 || info.Memory < 5000 || len(info.Databases) != 2 || info.Databases["db2"] != (dbFigures{1, 1}) ||
		strings.Join(info.Libraries, ",") != "ioredis" {
		t.Fatalf("info --json: %+v", info)
	}

	out, err = runKV(t, env, "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 2 || !strings.HasSuffix(strings.Fields(lines[1])[2], "K") {
		t.Fatalf("list: %q %v", out, err)
	}
	out, err = runKV(t, env, "list", "--json")
	var rows []storeRow
	if err != nil || json.Unmarshal([]byte(out), &rows) != nil || len(rows) != 1 || rows[0].Memory < 5000 || rows[0].Clients != 1 {
		t.Fatalf("list --json: %q %v", out, err)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0B", 1023: "1023B", 1024: "1.00K", 1536: "1.50K", 5 << 20: "5.00M", 3 << 30: "3.00G"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
