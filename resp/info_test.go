package resp_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/resptest"
)

// infoSections returns the section headers of an INFO text, in order.
func infoSections(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\r\n") {
		if strings.HasPrefix(line, "# ") {
			out = append(out, line[2:])
		}
	}
	return out
}

// infoField returns one field of an INFO text.
func infoField(t *testing.T, text, name string) string {
	t.Helper()
	for _, line := range strings.Split(text, "\r\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return v
		}
	}
	t.Fatalf("no field %s in INFO", name)
	return ""
}

func TestInfoSections(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	def := "Server Clients Memory Persistence Stats Replication CPU Modules Errorstats Cluster Keyspace"
	all := "Server Clients Memory Persistence Stats Replication CPU Modules Commandstats Errorstats Latencystats Cluster Keyspace"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, def},
		{[]string{"default"}, def},
		{[]string{"all"}, all},
		{[]string{"everything"}, all},
		{[]string{"SERVER"}, "Server"},
		{[]string{"keyspace", "server", "server"}, "Server Keyspace"},
		{[]string{"commandstats"}, "Commandstats"},
		{[]string{"module_list"}, "Modules"},
		{[]string{"nosuch"}, ""},
		{[]string{"all", "nosuch"}, all},
	} {
		text := bulkBody(t, c.Do(append([]string{"INFO"}, tc.args...)...))
		if got := strings.Join(infoSections(text), " "); got != tc.want {
			t.Errorf("INFO %v: sections %q, want %q", tc.args, got, tc.want)
		}
		if text != "" && (!strings.HasSuffix(text, "\r\n") || strings.Contains(text, "\r\n\r\n\r\n")) {
			t.Errorf("INFO %v: bad separators", tc.args)
		}
	}
	text := bulkBody(t, c.Do("INFO"))
	if !regexp.MustCompile(`^[0-9a-f]{40}$`).MatchString(infoField(t, text, "run_id")) {
		t.Error("run_id")
	}
	for name, want := range map[string]string{
		"redis_version": "7.2.4", "server_name": "valkey", "server_mode": "standalone",
		"role": "master", "connected_slaves": "0", "loading": "0", "maxmemory": "0",
		"maxmemory_policy": "noeviction", "cluster_enabled": "0", "connected_clients": "1",
		"tcp_port": n.Addr[strings.LastIndex(n.Addr, ":")+1:], "rdb_bgsave_in_progress": "0",
	} {
		if got := infoField(t, text, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if infoField(t, text, "used_memory") == "0" {
		t.Error("used_memory is 0")
	}
	// The order of the server section's fields is Valkey's.
	var keys []string
	for _, line := range strings.Split(strings.SplitN(text, "\r\n\r\n", 2)[0], "\r\n")[1:] {
		keys = append(keys, strings.SplitN(line, ":", 2)[0])
	}
	want := "redis_version server_name valkey_version redis_git_sha1 redis_git_dirty redis_build_id server_mode os arch_bits monotonic_clock multiplexing_api gcc_version process_id process_supervised run_id tcp_port server_time_usec uptime_in_seconds uptime_in_days hz configured_hz lru_clock executable config_file io_threads_active availability_zone listener0"
	if got := strings.Join(keys, " "); got != want {
		t.Errorf("server fields:\n got %s\nwant %s", got, want)
	}
	if strings.Contains(text, "redis_mode:") {
		t.Error("redis_mode printed without extended-redis-compatibility")
	}
	// extended-redis-compatibility renames the mode field and HELLO's
	// server name; INFO's server_name stays valkey.
	is(t, c, "+OK\r\n", "CONFIG", "SET", "extended-redis-compatibility", "yes")
	if srv := bulkBody(t, c.Do("INFO", "server")); !strings.Contains(srv, "\r\nredis_mode:standalone\r\n") ||
		strings.Contains(srv, "server_mode:") || !strings.Contains(srv, "\r\nserver_name:valkey\r\n") {
		t.Errorf("INFO server under extended-redis-compatibility:\n%s", srv)
	}
	if !strings.Contains(c.Do("HELLO"), "$5\r\nredis\r\n") {
		t.Error("HELLO server")
	}
}

func TestInfoKeyspaceAndStats(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "$-1\r\n", "GET", "missing")
	is(t, c, "+OK\r\n", "SET", "a", "1")
	is(t, c, "+OK\r\n", "SET", "b", "1", "EX", "1000")
	is(t, c, "$1\r\n1\r\n", "GET", "a")
	is(t, c, "+OK\r\n", "SELECT", "2")
	is(t, c, "+OK\r\n", "SET", "c", "1")
	ks := bulkBody(t, c.Do("INFO", "keyspace"))
	if !regexp.MustCompile(`^# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=\d+\r\ndb2:keys=1,expires=0,avg_ttl=0\r\n$`).MatchString(ks) {
		t.Fatalf("keyspace: %q", ks)
	}
	stats := bulkBody(t, c.Do("INFO", "stats"))
	if infoField(t, stats, "keyspace_hits") != "1" || infoField(t, stats, "keyspace_misses") != "1" {
		t.Errorf("hits/misses: %q", stats)
	}
	if infoField(t, stats, "total_connections_received") != "1" {
		t.Error("connections")
	}
	// RESP3: a verbatim string.
	c.Do("HELLO", "3")
	if r := c.Do("INFO", "cluster"); r != "=34\r\ntxt:# Cluster\r\ncluster_enabled:0\r\n\r\n" {
		t.Fatalf("RESP3 INFO: %q", r)
	}
}

func TestInfoCommandAndErrorStats(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "+OK\r\n", "CONFIG", "RESETSTAT")
	is(t, c, "+OK\r\n", "SET", "s", "x")
	c.Do("INCR", "s")        // fails: not an integer
	c.Do("INCR")             // rejected: arity
	c.Do("NOSUCHCOMMAND")    // no command: errorstat only
	c.Do("CLIENT", "NOSUCH") // unknown subcommand: errorstat only
	is(t, c, ":1\r\n", "INCR", "n")
	stats := bulkBody(t, c.Do("INFO", "commandstats"))
	for _, re := range []string{
		`cmdstat_incr:calls=2,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=1,failed_calls=1\r\n`,
		`cmdstat_set:calls=1,usec=\d+,usec_per_call=\d+\.\d\d,rejected_calls=0,failed_calls=0\r\n`,
		`cmdstat_config\|resetstat:calls=1,`,
	} {
		if !regexp.MustCompile(re).MatchString(stats) {
			t.Errorf("commandstats lacks %s:\n%s", re, stats)
		}
	}
	if strings.Contains(stats, "cmdstat_client:") || strings.Contains(stats, "nosuch") {
		t.Errorf("unknown commands counted:\n%s", stats)
	}
	errs := bulkBody(t, c.Do("INFO", "errorstats"))
	if errs != "# Errorstats\r\nerrorstat_ERR:count=4\r\n" {
		t.Errorf("errorstats: %q", errs)
	}
	c.Do("AUTH", "default", "x") // no password: accepted
	c.Do("HSET")
	if got := infoField(t, bulkBody(t, c.Do("INFO", "stats")), "total_error_replies"); got != "5" {
		t.Errorf("total_error_replies %s", got)
	}
	is(t, c, "+OK\r\n", "CONFIG", "RESETSTAT")
	if errs := bulkBody(t, c.Do("INFO", "errorstats")); errs != "# Errorstats\r\n" {
		t.Errorf("after RESETSTAT: %q", errs)
	}
	stats = bulkBody(t, c.Do("INFO", "commandstats"))
	if strings.Contains(stats, "cmdstat_incr") {
		t.Errorf("after RESETSTAT:\n%s", stats)
	}
}

// A client closed for exceeding client-query-buffer-limit is counted in
// client_query_buffer_limit_disconnections, until CONFIG RESETSTAT.
func TestInfoQueryBufferLimitDisconnections(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	admin := n.Dial(t)
	stat := func() string {
		return infoField(t, bulkBody(t, admin.Do("INFO", "stats")), "client_query_buffer_limit_disconnections")
	}
	if got := stat(); got != "0" {
		t.Fatalf("at start: %s", got)
	}
	// The limit applies at once to every connection: one connected
	// before the change, a new one, and the one that changed it.
	early, setter := n.Dial(t), n.Dial(t)
	is(t, early, "+PONG\r\n", "PING")
	is(t, setter, "+OK\r\n", "CONFIG", "SET", "client-query-buffer-limit", "1048576")
	for i, c := range []*resptest.Conn{early, n.Dial(t), setter} {
		c.Send("SET", "key", strings.Repeat("a", 1<<20))
		expectClosed(t, c)
		if got, want := stat(), strconv.Itoa(i+1); got != want {
			t.Fatalf("after disconnection %d: %s", i+1, got)
		}
	}
	is(t, admin, "+OK\r\n", "CONFIG", "RESETSTAT")
	if got := stat(); got != "0" {
		t.Fatalf("after RESETSTAT: %s", got)
	}
}

// TestInfoExpiredFields: fields reaped by hash-field expiry are counted in
// INFO stats expired_fields (Valkey 9).
func TestInfoExpiredFields(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, ":2\r\n", "HSET", "h", "a", "1", "b", "2")
	is(t, c, "*1\r\n:1\r\n", "HPEXPIRE", "h", "1", "FIELDS", "1", "a")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(c.Do("INFO", "stats"), "expired_fields:1\r\n") {
		if time.Now().After(deadline) {
			t.Fatal("expired_fields never reached 1")
		}
		time.Sleep(5 * time.Millisecond)
	}
	is(t, c, ":1\r\n", "HLEN", "h")
}
