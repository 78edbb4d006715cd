package engine

import (
	"os"
	"testing"
)

func TestSaveParsing(t *testing.T) {
	for _, tc := range []struct{ in, want, err string }{
		{"", "", ""},
		{"3600 1 300 100 60 10000", "3600 1 300 100 60 10000", ""},
		{"100 0", "100 0", ""},
		{"100 ", "100 0", ""}, // strtoll("") is 0, as in Valkey
		{"100", "", "Invalid save parameters"},
		{"0 1", "", "Invalid save parameters"},
		{"10 -1", "", "Invalid save parameters"},
		{"10 x", "", "Invalid save parameters"},
		{"10 1 5", "", "Invalid save parameters"},
	} {
		rules, err := ParseSave(tc.in)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("ParseSave(%q) err %v", tc.in, err)
			}
			continue
		}
		if err != nil || FormatSave(rules) != tc.want {
			t.Errorf("ParseSave(%q) = %q, %v", tc.in, FormatSave(rules), err)
		}
	}
}

func TestNotifyKeyspaceEvents(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""}, {"KEA", "AKE"}, {"Ex", "xE"}, {"AKEm", "AKEm"}, {"g$lshzxetd", "A"},
		{"g$lsh", "g$lsh"}, {"KEn", "nKE"},
		// As in Valkey, "A" hides n when every class of A is set.
		{"An", "A"}, {"g$lshzxetdn", "A"},
	} {
		f, ok := ParseNotifyKeyspaceEvents(tc.in)
		if !ok {
			t.Errorf("%q refused", tc.in)
			continue
		}
		if got := FormatNotifyKeyspaceEvents(f); got != tc.want {
			t.Errorf("%q -> %q, want %q", tc.in, got, tc.want)
		}
	}
	if _, ok := ParseNotifyKeyspaceEvents("KEQ"); ok {
		t.Error("Q accepted")
	}
	if f, _ := ParseNotifyKeyspaceEvents("A"); f&NotifyNew != 0 || f&NotifyKeyMiss != 0 {
		t.Error("A includes n or m")
	}
}

func TestEngineParams(t *testing.T) {
	n := NewNode(Options{})
	c := n.Config
	get := func(name string) string {
		kv := c.Get([]string{name})
		if len(kv) != 1 {
			t.Fatalf("%s: %v", name, kv)
		}
		return kv[0].Value
	}
	set := func(kv ...string) {
		t.Helper()
		var reqs []SetRequest
		for i := 0; i < len(kv); i += 2 {
			reqs = append(reqs, SetRequest{kv[i], kv[i+1]})
		}
		if e := c.Set(reqs, true); e != "" {
			t.Fatal(e)
		}
	}
	defaults := map[string]string{
		"list-max-listpack-size": "-2", "list-max-ziplist-size": "-2",
		"set-max-intset-entries": "512", "set-max-listpack-entries": "128", "set-max-listpack-value": "64",
		"zset-max-ziplist-entries": "128", "zset-max-ziplist-value": "64",
		"hash-max-ziplist-entries": "512", "hash-max-ziplist-value": "64",
		"save": "3600 1 300 100 60 10000", "maxmemory": "0", "maxmemory-policy": "noeviction",
		"maxmemory-samples": "5", "lfu-log-factor": "10", "lfu-decay-time": "1", "hz": "10",
		"proto-max-bulk-len": "536870912", "notify-keyspace-events": "", "appendonly": "no",
		"databases": "16", "dbfilename": "dump.rdb",
	}
	for name, want := range defaults {
		if got := get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	set("list-max-ziplist-size", "-3", "set-max-intset-entries", "10", "zset-max-ziplist-value", "1kb",
		"hash-max-ziplist-entries", "7", "maxmemory", "100mb", "maxmemory-samples", "10",
		"lfu-log-factor", "3", "lfu-decay-time", "4", "hz", "0", "proto-max-bulk-len", "2mb",
		"maxmemory-policy", "allkeys-lfu", "notify-keyspace-events", "Ex", "save", "")
	for _, tc := range []struct {
		got, want int64
		name      string
	}{
		{n.ListMaxListpackSize(), -3, "list"}, {n.SetMaxIntsetEntries(), 10, "intset"},
		{n.ZSetMaxListpackValue(), 1024, "zset value"}, {n.HashMaxListpackEntries(), 7, "hash entries"},
		{int64(n.Maxmemory()), 100 << 20, "maxmemory"}, {int64(n.MaxmemorySamples()), 10, "samples"},
		{n.LFULogFactor(), 3, "lfu log"}, {n.LFUDecayTime(), 4, "lfu decay"}, {int64(n.Hz()), 1, "hz"},
		{n.MaxBulkLen(), 2 << 20, "bulk"}, {int64(n.NotifyKeyspaceEvents()), NotifyExpired | NotifyKeyevent, "notify"},
		{int64(len(n.SaveRules())), 0, "save"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, tc.got, tc.want)
		}
	}
	if n.MaxmemoryPolicy() != "allkeys-lfu" || get("hz") != "1" {
		t.Error("policy or hz")
	}
	dir := t.TempDir()
	set("dir", dir)
	if n.Dir() != dir {
		t.Errorf("dir %q", n.Dir())
	}
	for _, tc := range []struct{ name, value, want string }{
		{"dir", "", "ERR CONFIG SET failed (possibly related to argument 'dir') - dir can't be empty"},
		{"dir", dir + "/nosuch", "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory"},
		{"dbfilename", "a/b", "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename"},
		{"databases", "4", "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"},
		{"maxmemory-policy", "lru", "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) must be one of the following: volatile-lru, volatile-lfu, volatile-random, volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction"},
		{"notify-keyspace-events", "Q", "ERR CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - Invalid event class character. Use 'Ag$lshzxeKEtmdn'."},
	} {
		if got := c.Set([]SetRequest{{tc.name, tc.value}}, true); got != tc.want {
			t.Errorf("%s %q: %q", tc.name, tc.value, got)
		}
	}
	if got := c.Set([]SetRequest{{"dir", os.TempDir()}}, false); got != "ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config" {
		t.Error(got)
	}
}

// appendonly and appendfsync accept what Valkey accepts while AOF is off:
// every value CONFIG GET reports can be set back (the Valkey suite's
// "CONFIG sanity"), appendfsync keeps its value, and turning AOF on fails
// as a failed AOF start does.
func TestAppendonlyParams(t *testing.T) {
	n := NewNode(Options{})
	c := n.Config
	for _, tc := range []struct{ name, value, want string }{
		{"appendonly", "no", ""},
		{"appendonly", "NO", ""},
		{"appendonly", "yes", "ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn on AOF. Check server logs."},
		{"appendonly", "maybe", "ERR CONFIG SET failed (possibly related to argument 'appendonly') - argument must be 'yes' or 'no'"},
		{"appendfsync", "everysec", ""},
		{"appendfsync", "ALWAYS", ""},
		{"appendfsync", "bad", "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: everysec, always, no"},
	} {
		if got := c.Set([]SetRequest{{tc.name, tc.value}}, true); got != tc.want {
			t.Errorf("%s %q: %q, want %q", tc.name, tc.value, got, tc.want)
		}
	}
	for name, want := range map[string]string{"appendonly": "no", "appendfsync": "always"} {
		if kv := c.Get([]string{name}); len(kv) != 1 || kv[0].Value != want {
			t.Errorf("%s: %v, want %q", name, kv, want)
		}
	}
	// A failed appendonly yes rolls back the parameters set with it.
	if got := c.Set([]SetRequest{{"appendfsync", "no"}, {"appendonly", "yes"}}, true); got == "" {
		t.Fatal("appendonly yes accepted")
	}
	if kv := c.Get([]string{"appendfsync"}); kv[0].Value != "always" {
		t.Errorf("appendfsync not rolled back: %v", kv)
	}
}
