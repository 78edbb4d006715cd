package resp_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp"
	"github.com/flect-kv/flect/resp/resptest"
)

// bulk returns the text of a raw bulk string reply.
func bulk(t *testing.T, raw string) string {
	t.Helper()
	if !strings.HasPrefix(raw, "$") {
		t.Fatalf("not a bulk string: %q", raw)
	}
	_, rest, _ := strings.Cut(raw, "\r\n")
	return strings.TrimSuffix(rest, "\r\n")
}

// createStore creates a store through an admin connection and returns its
// secret.
func createStore(t *testing.T, admin *resptest.Conn, name string) string {
	t.Helper()
	u, err := url.Parse(bulk(t, admin.Do("FLECT.KV", "CREATE", name)))
	if err != nil {
		t.Fatal(err)
	}
	secret, _ := u.User.Password()
	if u.Scheme != "redis" || u.User.Username() != name || len(secret) < 22 {
		t.Fatalf("bad URL %v", u)
	}
	return secret
}

// storeConn dials and authenticates to a store.
func storeConn(t *testing.T, n *resptest.Node, name, secret string) *resptest.Conn {
	t.Helper()
	c := n.Dial(t)
	if got := c.Do("AUTH", name, secret); got != "+OK\r\n" {
		t.Fatalf("AUTH %s: %q", name, got)
	}
	return c
}

const wrongPass = "-WRONGPASS invalid username-password pair or user is disabled.\r\n"

func TestStoreAuthForms(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	secret := createStore(t, admin, "my-cache")
	u := bulk(t, admin.Do("FLECT.KV", "URL", "my-cache"))
	if u != "redis://my-cache:"+secret+"@"+n.Addr {
		t.Fatalf("URL %q, node at %s", u, n.Addr)
	}
	admin.Do("SET", "k", "default")

	// AUTH <store> <secret>
	a := storeConn(t, n, "my-cache", secret)
	if got := a.Do("GET", "k"); got != "$-1\r\n" {
		t.Fatalf("store sees the default namespace: %q", got)
	}
	a.Do("SET", "k", "store")
	// HELLO 3 AUTH <store> <secret>
	h := n.Dial(t)
	if got := h.Do("HELLO", "3", "AUTH", "my-cache", secret); !strings.HasPrefix(got, "%7\r\n") {
		t.Fatalf("HELLO AUTH: %q", got)
	}
	if got := h.Do("GET", "k"); got != "$5\r\nstore\r\n" {
		t.Fatalf("HELLO-bound client: %q", got)
	}
	// AUTH <secret> alone (phpredis)
	p := n.Dial(t)
	if got := p.Do("AUTH", secret); got != "+OK\r\n" {
		t.Fatalf("AUTH secret: %q", got)
	}
	if got := p.Do("GET", "k"); got != "$5\r\nstore\r\n" {
		t.Fatalf("secret-bound client: %q", got)
	}
	// Wrong credentials: WRONGPASS, whatever is wrong.
	w := n.Dial(t)
	for _, args := range [][]string{
		{"AUTH", "my-cache", secret + "x"},
		{"AUTH", "nope", secret},
		{"AUTH", "my-cache", ""},
		{"HELLO", "3", "AUTH", "nope", "x"},
	} {
		if got := w.Do(args...); got != wrongPass {
			t.Errorf("%v: %q", args[:2], got)
		}
	}
	// AUTH <password> that is no store's secret, on a node without
	// requirepass: Valkey's answer, the same as on a node without stores.
	const noPassword = "-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n"
	if got := w.Do("AUTH", secret+"x"); got != noPassword {
		t.Errorf("AUTH <wrong secret>: %q", got)
	}
	if got := n.Dial(t).Do("AUTH", "my-cache"); got != noPassword {
		t.Errorf("AUTH <store name>: %q", got)
	}
	// The failed attempts left the connection where it was.
	if got := w.Do("GET", "k"); got != "$7\r\ndefault\r\n" {
		t.Fatalf("after WRONGPASS: %q", got)
	}
	// AUTH default returns to the default namespace.
	if got := a.Do("AUTH", "default", "anything"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := a.Do("GET", "k"); got != "$7\r\ndefault\r\n" {
		t.Fatalf("back to default: %q", got)
	}
	// RESET keeps a store's client in its store (database 0), where
	// Valkey would make it the default user: its next writes must not
	// land in another keyspace.
	p.Do("SELECT", "3")
	if got := p.Do("RESET"); got != "+RESET\r\n" {
		t.Fatal(got)
	}
	if got := p.Do("GET", "k"); got != "$5\r\nstore\r\n" {
		t.Fatalf("after RESET: %q", got)
	}
	if got := p.Do("CLIENT", "INFO"); !strings.Contains(got, " db=0 ") || !strings.Contains(got, " user=my-cache ") {
		t.Fatalf("CLIENT INFO after RESET: %q", got)
	}
}

func TestStoreAuthWithRequirepass(t *testing.T) {
	n := resptest.Start(t, nil, &resp.Options{RequirePass: "adminpw"})
	admin := n.Dial(t)
	if got := admin.Do("FLECT.KV", "LIST"); !strings.HasPrefix(got, "-NOAUTH") {
		t.Fatalf("unauthenticated admin: %q", got)
	}
	admin.Do("AUTH", "adminpw")
	secret := createStore(t, admin, "s")
	c := n.Dial(t)
	if got := c.Do("GET", "x"); !strings.HasPrefix(got, "-NOAUTH") {
		t.Fatalf("before AUTH: %q", got)
	}
	if got := c.Do("AUTH", "wrong"); got != wrongPass {
		t.Fatalf("wrong password: %q", got)
	}
	if got := c.Do("AUTH", secret); got != "+OK\r\n" {
		t.Fatalf("secret alone: %q", got)
	}
	c.Do("SET", "x", "1")
	// The default user's password still works as before.
	d := n.Dial(t)
	if got := d.Do("AUTH", "default", "adminpw"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := d.Do("EXISTS", "x"); got != ":0\r\n" {
		t.Fatalf("default sees a store key: %q", got)
	}
	if got := d.Do("AUTH", "default", "nope"); got != wrongPass {
		t.Fatal(got)
	}
	h := n.Dial(t)
	if got := h.Do("HELLO", "3", "AUTH", "s", "wrong"); got != wrongPass {
		t.Fatalf("HELLO with a wrong secret: %q", got)
	}
	if got := h.Do("HELLO", "3", "AUTH", "s", secret); !strings.HasPrefix(got, "%7\r\n") {
		t.Fatalf("HELLO AUTH: %q", got)
	}
	if got := h.Do("GET", "x"); got != "$1\r\n1\r\n" {
		t.Fatalf("HELLO-bound client: %q", got)
	}
	// A store's client holds no admin credential, even on this node.
	if got := h.Do("FLECT.KV", "LIST"); got != "-NOPERM User s has no permissions to run the 'flect.kv|list' command\r\n" {
		t.Fatalf("store client's FLECT.KV: %q", got)
	}
}

func TestStoreAdminRefusals(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	secret := createStore(t, admin, "s")
	c := storeConn(t, n, "s", secret)
	for _, tc := range []struct {
		args []string
		name string
	}{
		{[]string{"SHUTDOWN"}, "shutdown"},
		{[]string{"DEBUG", "SLEEP", "0"}, "debug"},
		{[]string{"CONFIG", "SET", "maxclients", "10"}, "config|set"},
		{[]string{"CONFIG", "SET", "maxmemory", "1mb"}, "config|set"},
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "Ex", "maxmemory-policy", "noeviction"}, "config|set"},
		{[]string{"CONFIG", "SET", "nosuchparam", "1"}, "config|set"},
		{[]string{"CONFIG", "REWRITE"}, "config|rewrite"},
		{[]string{"CLIENT", "NO-EVICT", "on"}, "client|no-evict"},
		{[]string{"LATENCY", "LATEST"}, "latency|latest"},
		{[]string{"MEMORY", "PURGE"}, "memory|purge"},
		{[]string{"FLECT.KV", "LIST"}, "flect.kv|list"},
		{[]string{"FLECT.KV", "CREATE", "t"}, "flect.kv|create"},
		{[]string{"FLECT.KV", "HELP"}, "flect.kv|help"},
	} {
		want := "-NOPERM User s has no permissions to run the '" + tc.name + "' command\r\n"
		if got := c.Do(tc.args...); got != want {
			t.Errorf("%v: %q", tc.args, got)
		}
	}
	// Help of a refused command stays open; store-scoped commands run.
	if got := c.Do("LATENCY", "HELP"); !strings.HasPrefix(got, "*") {
		t.Errorf("LATENCY HELP: %q", got)
	}
	if got := c.Do("CONFIG", "GET", "requirepass"); got != "*0\r\n" {
		t.Errorf("CONFIG GET requirepass: %q", got)
	}
	if got := c.Do("CONFIG", "GET", "maxclients"); !strings.Contains(got, "maxclients") {
		t.Errorf("CONFIG GET maxclients: %q", got)
	}
	admin.Do("FLECT.KV", "SET", "s", "MAXMEMORY", "1mb", "POLICY", "allkeys-lru")
	for _, tc := range [][2]string{
		{"databases", "*2\r\n$9\r\ndatabases\r\n$2\r\n16\r\n"},
		{"maxmemory", "*2\r\n$9\r\nmaxmemory\r\n$7\r\n1048576\r\n"},
		{"maxmemory-policy", "*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n"},
	} {
		if got := c.Do("CONFIG", "GET", tc[0]); got != tc[1] {
			t.Errorf("CONFIG GET %s: %q", tc[0], got)
		}
	}
	// Inside MULTI the refusal aborts the transaction.
	c.Do("MULTI")
	c.Do("DEBUG", "SLEEP", "0")
	if got := c.Do("EXEC"); !strings.HasPrefix(got, "-EXECABORT") {
		t.Errorf("EXEC after a refused command: %q", got)
	}
	// The node was not paused nor shut down: the admin still works.
	if got := admin.Do("PING"); got != "+PONG\r\n" {
		t.Fatal(got)
	}
}

func TestStoreAdminCredential(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	if got := admin.Do("FLECT.KV", "CREATE", "Bad_Name"); !strings.HasPrefix(got, "-ERR invalid store name") {
		t.Fatalf("bad name: %q", got)
	}
	if got := admin.Do("FLECT.KV", "CREATE", "default"); !strings.HasPrefix(got, "-ERR invalid store name") {
		t.Fatalf("reserved name: %q", got)
	}
	createStore(t, admin, "a")
	if got := admin.Do("FLECT.KV", "CREATE", "a"); got != "-ERR a store with this name already exists\r\n" {
		t.Fatalf("duplicate: %q", got)
	}
	if got := admin.Do("FLECT.KV", "CREATE", "b", "MAXMEMORY", "64mb", "POLICY", "allkeys-lru"); !strings.HasPrefix(got, "$") {
		t.Fatalf("quota: %q", got)
	}
	if got := admin.Do("FLECT.KV", "CREATE", "c", "POLICY", "lru"); !strings.HasPrefix(got, "-ERR invalid maxmemory policy") {
		t.Fatalf("bad policy: %q", got)
	}
	if got := admin.Do("FLECT.KV", "CREATE", "c", "MAXMEMORY", "lots"); !strings.HasPrefix(got, "-ERR invalid maxmemory") {
		t.Fatalf("bad maxmemory: %q", got)
	}
	if got := admin.Do("FLECT.KV", "CREATE", "c", "MAXMEMORY"); got != "-ERR syntax error\r\n" {
		t.Fatalf("missing value: %q", got)
	}
	if got := admin.Do("FLECT.KV", "INFO", "zz"); got != "-ERR no such store\r\n" {
		t.Fatalf("INFO missing: %q", got)
	}
	if got := admin.Do("FLECT.KV", "SET", "a", "MAXMEMORY", "1mb", "POLICY", "volatile-ttl"); got != "+OK\r\n" {
		t.Fatalf("SET: %q", got)
	}
	info := admin.Do("FLECT.KV", "INFO", "a")
	if !strings.Contains(info, "$9\r\nmaxmemory\r\n:1048576\r\n") || !strings.Contains(info, "$12\r\nvolatile-ttl\r\n") {
		t.Fatalf("INFO after SET: %q", info)
	}
	list := admin.Do("FLECT.KV", "LIST")
	if !strings.HasPrefix(list, "*2\r\n") || !strings.Contains(list, "$11\r\nallkeys-lru\r\n") {
		t.Fatalf("LIST: %q", list)
	}
	if got := admin.Do("FLECT.KV", "FROB"); !strings.HasPrefix(got, "-ERR unknown subcommand 'FROB'") {
		t.Fatalf("unknown subcommand: %q", got)
	}
	if got := admin.Do("FLECT.KV", "HELP"); !strings.HasPrefix(got, "*19\r\n+FLECT.KV <subcommand>") {
		t.Fatalf("HELP: %q", got)
	}
}

func TestStoreRotateAndDelete(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	old := createStore(t, admin, "s")
	c := storeConn(t, n, "s", old)
	c.Do("SET", "k", "v")
	u, _ := url.Parse(bulk(t, admin.Do("FLECT.KV", "ROTATE", "s", "GRACE", "600")))
	cur, _ := u.User.Password()
	if cur == old || cur == "" {
		t.Fatal("no new secret")
	}
	storeConn(t, n, "s", old) // still valid during the grace
	storeConn(t, n, "s", cur)
	// Rotating without grace revokes both older secrets.
	u, _ = url.Parse(bulk(t, admin.Do("FLECT.KV", "ROTATE", "s")))
	newest, _ := u.User.Password()
	for _, s := range []string{old, cur} {
		if got := n.Dial(t).Do("AUTH", "s", s); got != wrongPass {
			t.Fatalf("revoked secret: %q", got)
		}
	}
	if got := admin.Do("FLECT.KV", "ROTATE", "s", "GRACE", "-1"); !strings.HasPrefix(got, "-ERR invalid grace") {
		t.Fatal(got)
	}
	// Connected clients stay connected across a rotation.
	if got := c.Do("GET", "k"); got != "$1\r\nv\r\n" {
		t.Fatalf("after rotation: %q", got)
	}
	c2 := storeConn(t, n, "s", newest)
	if got := admin.Do("FLECT.KV", "FLUSH", "s"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := c2.Do("DBSIZE"); got != ":0\r\n" {
		t.Fatalf("after FLUSH: %q", got)
	}
	c2.Do("SET", "k", "v")
	blocked := storeConn(t, n, "s", newest)
	blocked.Send("BLPOP", "q", "0")
	sub := storeConn(t, n, "s", newest)
	sub.Do("SUBSCRIBE", "ch")
	time.Sleep(50 * time.Millisecond)
	if got := admin.Do("FLECT.KV", "DELETE", "s"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	for _, cl := range []*resptest.Conn{blocked, sub} {
		if got, err := cl.ReadErr(2 * time.Second); err == nil {
			t.Fatalf("blocked or subscribed client of a deleted store got %q", got)
		}
	}
	for _, cl := range []*resptest.Conn{c, c2} {
		cl.Send("PING")
		if got, err := cl.ReadErr(2 * time.Second); err == nil {
			t.Fatalf("client of a deleted store still served: %q", got)
		}
	}
	if n.Engine.Namespace("s") != nil {
		t.Fatal("namespace not freed")
	}
	if got := n.Dial(t).Do("AUTH", "s", newest); got != wrongPass {
		t.Fatalf("deleted store authenticates: %q", got)
	}
	// A new store of the same name starts empty.
	s := createStore(t, admin, "s")
	if got := storeConn(t, n, "s", s).Do("DBSIZE"); got != ":0\r\n" {
		t.Fatalf("recreated store: %q", got)
	}
}

func TestStoreSecretsRedacted(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	secret := createStore(t, admin, "s")
	admin.Do("CONFIG", "SET", "slowlog-log-slower-than", "0")
	// A monitor of the store sees the commands that bind connections to
	// it (AUTH feeds the namespace it binds to), secrets redacted.
	mon := storeConn(t, n, "s", secret)
	if got := mon.Do("MONITOR"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	defMon := n.Dial(t)
	defMon.Do("MONITOR")
	c := n.Dial(t)
	c.Do("AUTH", "s", secret)
	c.Do("HELLO", "3", "AUTH", "s", secret)
	c.Do("AUTH", secret)
	c.Do("PING")
	var fed strings.Builder
	for i := 0; i < 4; i++ {
		fed.WriteString(mon.Read())
	}
	if strings.Contains(fed.String(), secret) || strings.Count(fed.String(), "(redacted)") != 5 {
		t.Fatalf("MONITOR: %q", fed.String())
	}
	// A failed AUTH stays in the default namespace: its monitor sees it,
	// redacted.
	n.Dial(t).Do("AUTH", "s", secret+"x")
	if got := defMon.Read(); strings.Contains(got, secret) || strings.Count(got, "(redacted)") != 2 {
		t.Fatalf("default MONITOR: %q", got)
	}
	for _, args := range [][]string{{"SLOWLOG", "GET", "100"}, {"CLIENT", "LIST"}, {"INFO", "everything"}} {
		for _, cl := range []*resptest.Conn{admin, c} {
			if got := cl.Do(args...); strings.Contains(got, secret) {
				t.Fatalf("%v shows the secret", args)
			}
		}
	}
	// The store's slow log: the AUTH of mon and the four commands of c.
	if got := c.Do("SLOWLOG", "GET", "100"); strings.Count(got, "(redacted)") != 7 {
		t.Fatalf("store SLOWLOG: %q", got)
	}
	if !strings.Contains(admin.Do("CLIENT", "LIST"), " user=s ") {
		t.Fatal("CLIENT LIST does not show the store's client as user s")
	}
}

func TestStoreClientViews(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	sa, sb := createStore(t, admin, "a"), createStore(t, admin, "b")
	a1, a2 := storeConn(t, n, "a", sa), storeConn(t, n, "a", sa)
	b1 := storeConn(t, n, "b", sb)
	idOf := func(c *resptest.Conn) string { return strings.Trim(c.Do("CLIENT", "ID"), ":\r\n") }
	ida1, ida2, idb1, idAdmin := idOf(a1), idOf(a2), idOf(b1), idOf(admin)

	ids := func(list string) []string {
		var out []string
		for _, m := range regexp.MustCompile(`id=(\d+) `).FindAllStringSubmatch(list, -1) {
			out = append(out, m[1])
		}
		return out
	}
	if got := ids(a1.Do("CLIENT", "LIST")); strings.Join(got, ",") != ida1+","+ida2 {
		t.Fatalf("store a's CLIENT LIST: %v", got)
	}
	if got := ids(a1.Do("CLIENT", "LIST", "ID", idb1, ida2, idAdmin)); strings.Join(got, ",") != ida2 {
		t.Fatalf("CLIENT LIST ID: %v", got)
	}
	if got := ids(admin.Do("CLIENT", "LIST")); len(got) != 4 {
		t.Fatalf("admin's CLIENT LIST: %v", got)
	}
	if got := a1.Do("CLIENT", "KILL", "ID", idb1); got != ":0\r\n" {
		t.Fatalf("kill another store's client: %q", got)
	}
	if got := a1.Do("CLIENT", "KILL", "ID", idAdmin); got != ":0\r\n" {
		t.Fatalf("kill the admin: %q", got)
	}
	if got := a1.Do("CLIENT", "KILL", "TYPE", "normal"); got != ":1\r\n" {
		t.Fatalf("kill own: %q", got)
	}
	if got := b1.Do("PING"); got != "+PONG\r\n" {
		t.Fatalf("b killed: %q", got)
	}
	if got := a1.Do("CLIENT", "KILL", "USER", "b"); got != "-ERR No such user 'b'\r\n" {
		t.Fatalf("CLIENT KILL USER of another store: %q", got)
	}
	if got := a1.Do("CLIENT", "KILL", "USER", "default"); got != ":0\r\n" {
		t.Fatalf("CLIENT KILL USER default from a store: %q", got)
	}
	// CLIENT UNBLOCK reaches the store's own blocked clients only.
	b2 := storeConn(t, n, "b", sb)
	idb2 := idOf(b2)
	b2.Send("BLPOP", "q", "0")
	time.Sleep(50 * time.Millisecond)
	if got := a1.Do("CLIENT", "UNBLOCK", idb2); got != ":0\r\n" {
		t.Fatalf("unblock another store's client: %q", got)
	}
	if got := b1.Do("CLIENT", "UNBLOCK", idb2); got != ":1\r\n" {
		t.Fatalf("unblock own client: %q", got)
	}
	if got := b2.Read(); got != "*-1\r\n" {
		t.Fatalf("unblocked BLPOP: %q", got)
	}
	if got := admin.Do("CLIENT", "KILL", "USER", "b"); got != ":2\r\n" {
		t.Fatalf("admin CLIENT KILL USER b: %q", got)
	}
	b1 = storeConn(t, n, "b", sb)
	if !strings.Contains(a1.Do("CLIENT", "INFO"), " user=a ") {
		t.Fatal("CLIENT INFO user")
	}
	// INFO figures are the store's.
	a1.Do("SET", "k", "1")
	a1.Do("GET", "k")
	b1.Do("GET", "missing")
	info := a1.Do("INFO", "clients")
	if !strings.Contains(info, "connected_clients:1\r\n") {
		t.Fatalf("INFO clients: %q", info)
	}
	info = a1.Do("INFO", "stats")
	if !strings.Contains(info, "keyspace_hits:1\r\n") || !strings.Contains(info, "keyspace_misses:0\r\n") {
		t.Fatalf("INFO stats: %q", info)
	}
	a1.Do("FROB")
	if info := b1.Do("INFO", "errorstats"); strings.Contains(info, "errorstat_ERR") {
		t.Fatalf("b's INFO errorstats counts a's errors: %q", info)
	}
	if info := a1.Do("INFO", "errorstats"); !strings.Contains(info, "errorstat_ERR:count=2\r\n") { // FROB and the CLIENT KILL USER b above
		t.Fatalf("a's INFO errorstats: %q", info)
	}
	info = b1.Do("INFO", "keyspace")
	if strings.Contains(info, "db0:") {
		t.Fatalf("INFO keyspace of b: %q", info)
	}
}
