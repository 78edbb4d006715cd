package resp_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/flect-kv/flect/resp/resptest"
)

// TestStoreNotifyKeyspaceEvents: a store sets its own
// notify-keyspace-events; its events reach its subscribers only, and
// neither the other store nor the default namespace changes.
func TestStoreNotifyKeyspaceEvents(t *testing.T) {
	n, admin, a, b, sa, sb := twoStores(t)
	admin.Do("CONFIG", "SET", "notify-keyspace-events", "Kl")
	if got := a.Do("CONFIG", "SET", "notify-keyspace-events", "Ex"); got != "+OK\r\n" {
		t.Fatalf("store's CONFIG SET: %q", got)
	}
	get := func(c *resptest.Conn) string {
		return c.Do("CONFIG", "GET", "notify-keyspace-events")
	}
	for _, tc := range []struct {
		c    *resptest.Conn
		want string
	}{{a, "xE"}, {b, ""}, {admin, "lK"}} {
		want := "*2\r\n$22\r\nnotify-keyspace-events\r\n$" + string(rune('0'+len(tc.want))) + "\r\n" + tc.want + "\r\n"
		if got := get(tc.c); got != want {
			t.Errorf("CONFIG GET: %q, want %q", got, want)
		}
	}
	if got := a.Do("CONFIG", "GET", "NOTIFY-KEYSPACE-EVENTS"); got != "*2\r\n$22\r\nNOTIFY-KEYSPACE-EVENTS\r\n$2\r\nxE\r\n" {
		t.Errorf("CONFIG GET in capitals: %q", got)
	}
	if got := a.Do("CONFIG", "GET", "notify-*"); got != "*2\r\n$22\r\nnotify-keyspace-events\r\n$2\r\nxE\r\n" {
		t.Errorf("CONFIG GET notify-*: %q", got)
	}

	const expired = "__keyevent@0__:expired"
	subA, subB, subD := storeConn(t, n, "a", sa), storeConn(t, n, "b", sb), n.Dial(t)
	for _, s := range []*resptest.Conn{subA, subB, subD} {
		s.Do("PSUBSCRIBE", "__key*")
	}
	for _, c := range []*resptest.Conn{a, b, admin} {
		c.Do("SET", "k", "v", "PX", "20")
	}
	time.Sleep(60 * time.Millisecond)
	for _, c := range []*resptest.Conn{a, b, admin} {
		if got := c.Do("GET", "k"); got != "$-1\r\n" { // expires lazily if not yet
			t.Fatalf("GET of an expired key: %q", got)
		}
	}
	want := "*4\r\n$8\r\npmessage\r\n$6\r\n__key*\r\n$22\r\n" + expired + "\r\n$1\r\nk\r\n"
	if got := subA.Read(); got != want {
		t.Fatalf("a's subscriber: %q", got)
	}
	for name, s := range map[string]*resptest.Conn{"a": subA, "b": subB, "default": subD} {
		if got, err := s.ReadErr(50 * time.Millisecond); err == nil {
			t.Errorf("%s's subscriber got %q", name, got)
		}
	}
	// The default namespace keeps the node's setting: list events.
	for _, c := range []*resptest.Conn{a, b, admin} {
		c.Do("LPUSH", "d", "1")
	}
	if got := subD.Read(); !strings.Contains(got, "__keyspace@0__:d") || !strings.Contains(got, "lpush") {
		t.Fatalf("default subscriber: %q", got)
	}
	for name, s := range map[string]*resptest.Conn{"a": subA, "b": subB} {
		if got, err := s.ReadErr(50 * time.Millisecond); err == nil {
			t.Errorf("%s's subscriber got %q after LPUSH", name, got)
		}
	}

	// Values are validated as Valkey does, and a failed set changes
	// nothing.
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "Q"},
			"-ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'.\r\n"},
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "A", "NOTIFY-keyspace-events", "K"},
			"-ERR CONFIG SET failed (possibly related to argument 'NOTIFY-keyspace-events') - duplicate parameter\r\n"},
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "A", "maxmemory", "1mb"},
			"-NOPERM User a has no permissions to run the 'config|set' command\r\n"},
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "A", "maxmemory"},
			"-NOPERM User a has no permissions to run the 'config|set' command\r\n"},
		{[]string{"CONFIG", "SET", "notify-keyspace-events", "A", "notify-keyspace-events"},
			"-ERR syntax error\r\n"},
	} {
		if got := a.Do(tc.args...); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.args, got, tc.want)
		}
	}
	if got := get(a); !strings.HasSuffix(got, "$2\r\nxE\r\n") {
		t.Errorf("after failed sets: %q", got)
	}
	// The store's "" turns its events off again; the node's setting
	// stays.
	if got := a.Do("CONFIG", "SET", "notify-keyspace-events", ""); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if got := get(a); got != "*2\r\n$22\r\nnotify-keyspace-events\r\n$0\r\n\r\n" {
		t.Errorf("after reset: %q", got)
	}
	if got := get(admin); !strings.HasSuffix(got, "$2\r\nlK\r\n") {
		t.Errorf("node's setting: %q", got)
	}
}

var cmdstatRE = regexp.MustCompile(`cmdstat_([a-z|]+):calls=(\d+),usec=\d+,usec_per_call=[\d.]+,rejected_calls=(\d+),failed_calls=(\d+)`)

// commandStats returns INFO commandstats as "calls/rejected/failed" by
// command.
func commandStats(t *testing.T, c *resptest.Conn) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range cmdstatRE.FindAllStringSubmatch(c.Do("INFO", "commandstats"), -1) {
		out[m[1]] = m[2] + "/" + m[3] + "/" + m[4]
	}
	return out
}

// TestStoreCommandStats: INFO commandstats, errorstats and latencystats of
// a store's client show its store's calls only; its CONFIG RESETSTAT
// clears its store's.
func TestStoreCommandStats(t *testing.T) {
	_, admin, a, b, _, _ := twoStores(t)
	for range 3 {
		a.Do("SET", "k", "v")
	}
	a.Do("INCR", "k")           // failed
	a.Do("GET")                 // rejected: arity
	a.Do("DEBUG", "SLEEP", "0") // rejected: node-wide
	b.Do("GET", "k")
	admin.Do("SET", "k", "1")

	sa, sb, sd := commandStats(t, a), commandStats(t, b), commandStats(t, admin)
	for cmd, want := range map[string]string{"set": "3/0/0", "incr": "1/0/1", "get": "0/1/0", "debug": "0/1/0"} {
		if sa[cmd] != want {
			t.Errorf("a's cmdstat_%s: %q, want %q", cmd, sa[cmd], want)
		}
	}
	if sb["get"] != "1/0/0" || sb["set"] != "" || sb["incr"] != "" {
		t.Errorf("b's commandstats: %v", sb)
	}
	// The default namespace's clients see the node's totals.
	if sd["set"] != "4/0/0" || sd["get"] != "1/1/0" || sd["incr"] != "1/0/1" {
		t.Errorf("node's commandstats: %v", sd)
	}
	if got := a.Do("INFO", "errorstats"); !strings.Contains(got, "errorstat_ERR:count=2") || !strings.Contains(got, "errorstat_NOPERM:count=1") {
		t.Errorf("a's errorstats: %q", got)
	}
	if got := b.Do("INFO", "errorstats"); strings.Contains(got, "errorstat_") {
		t.Errorf("b's errorstats: %q", got)
	}
	if got := a.Do("INFO", "latencystats"); !strings.Contains(got, "latency_percentiles_usec_set:") {
		t.Errorf("a's latencystats: %q", got)
	}
	if got := b.Do("INFO", "latencystats"); strings.Contains(got, "_set:") || !strings.Contains(got, "latency_percentiles_usec_get:") {
		t.Errorf("b's latencystats: %q", got)
	}

	// CONFIG RESETSTAT in a clears a's figures only.
	if got := a.Do("CONFIG", "RESETSTAT"); got != "+OK\r\n" {
		t.Fatalf("store's CONFIG RESETSTAT: %q", got)
	}
	sa = commandStats(t, a)
	if len(sa) != 1 || sa["config|resetstat"] != "1/0/0" { // counted after it ran, as in Valkey
		t.Errorf("a's commandstats after RESETSTAT: %v", sa)
	}
	if got := a.Do("INFO", "errorstats"); strings.Contains(got, "errorstat_") {
		t.Errorf("a's errorstats after RESETSTAT: %q", got)
	}
	if got := a.Do("INFO", "latencystats"); strings.Contains(got, "_set:") {
		t.Errorf("a's latencystats after RESETSTAT: %q", got)
	}
	if sb := commandStats(t, b); sb["get"] != "1/0/0" {
		t.Errorf("b's commandstats after a's RESETSTAT: %v", sb)
	}
	if sd := commandStats(t, admin); sd["set"] != "4/0/0" {
		t.Errorf("node's commandstats after a's RESETSTAT: %v", sd)
	}
	// The admin's CONFIG RESETSTAT clears every store's.
	admin.Do("CONFIG", "RESETSTAT")
	if sb := commandStats(t, b); sb["get"] != "" {
		t.Errorf("b's commandstats after the node's RESETSTAT: %v", sb)
	}
}
