package resp_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/flect-kv/flect/resp/resptest"
)

// INFO latencystats: per-command percentiles, as the Valkey suite's
// "latencystats" tests check them.
func TestInfoLatencyStats(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	stats := func() string { return bulkBody(t, c.Do("INFO", "latencystats")) }
	line := func(cmd string) string {
		m := regexp.MustCompile(`(?m)^latency_percentiles_usec_` + regexp.QuoteMeta(cmd) + `:(.*)\r$`).FindStringSubmatch(stats())
		if m == nil {
			return ""
		}
		return m[1]
	}
	is(t, c, "+OK\r\n", "CONFIG", "RESETSTAT")
	is(t, c, "+OK\r\n", "SET", "a", "b")
	c.Do("CLIENT", "ID")
	if got := line("set"); !regexp.MustCompile(`^p50=\d+\.\d{3},p99=\d+\.\d{3},p99\.9=\d+\.\d{3}$`).MatchString(got) {
		t.Fatalf("set: %q", got)
	}
	if line("client|id") == "" || line("config|resetstat") == "" {
		t.Fatalf("subcommands missing:\n%s", stats())
	}
	if line("get") != "" {
		t.Fatal("get never ran but has percentiles")
	}
	// Percentiles as configured.
	is(t, c, "+OK\r\n", "CONFIG", "SET", "latency-tracking-info-percentiles", "0.0 50.0 100.0")
	is(t, c, "*2\r\n$33\r\nlatency-tracking-info-percentiles\r\n$8\r\n0 50 100\r\n", "CONFIG", "GET", "latency-tracking-info-percentiles")
	if got := line("set"); !strings.HasPrefix(got, "p0=") || !strings.Contains(got, ",p50=") || !strings.Contains(got, ",p100=") {
		t.Fatalf("configured percentiles: %q", got)
	}
	for _, bad := range []struct{ v, reason string }{
		{"10.0 50.0 a", "Invalid latency-tracking-info-percentiles parameters"},
		{"10.0  50.0", "Invalid latency-tracking-info-percentiles parameters"},
		{"10.0 50.0 101.0", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
		{"-1", "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"},
	} {
		is(t, c, "-ERR CONFIG SET failed (possibly related to argument 'latency-tracking-info-percentiles') - "+bad.reason+"\r\n",
			"CONFIG", "SET", "latency-tracking-info-percentiles", bad.v)
	}
	is(t, c, "*2\r\n$33\r\nlatency-tracking-info-percentiles\r\n$8\r\n0 50 100\r\n", "CONFIG", "GET", "latency-tracking-info-percentiles")
	is(t, c, "+OK\r\n", "CONFIG", "SET", "latency-tracking-info-percentiles", "99.99")
	if got := line("set"); !regexp.MustCompile(`^p99\.99=\d+\.\d{3}$`).MatchString(got) {
		t.Fatalf("p99.99: %q", got)
	}
	// Tracking off: nothing is printed; back on, it starts again.
	is(t, c, "+OK\r\n", "CONFIG", "SET", "latency-tracking", "no")
	if got := stats(); got != "# Latencystats\r\n" {
		t.Fatalf("tracking off: %q", got)
	}
	is(t, c, "+OK\r\n", "CONFIG", "SET", "latency-tracking", "yes")
	is(t, c, "+OK\r\n", "CONFIG", "RESETSTAT")
	if line("set") != "" {
		t.Fatal("RESETSTAT kept the histograms")
	}
}

func TestLatencyHistogram(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	is(t, c, "+OK\r\n", "CONFIG", "RESETSTAT")
	is(t, c, "+OK\r\n", "SET", "a", "b")
	is(t, c, "+OK\r\n", "SET", "c", "d")
	is(t, c, "$1\r\nb\r\n", "GET", "a")
	c.Do("CLIENT", "ID")
	c.Do("CLIENT", "GETNAME")
	histo := regexp.MustCompile(`^\*2\r\n\$3\r\nset\r\n\*4\r\n\$5\r\ncalls\r\n:2\r\n\$14\r\nhistogram_usec\r\n\*(\d+)\r\n(:\d+\r\n)+$`)
	if got := c.Do("LATENCY", "HISTOGRAM", "set"); !histo.MatchString(got) {
		t.Fatalf("LATENCY HISTOGRAM set: %q", got)
	}
	// Unknown names are skipped; a container reports its subcommands.
	if got := c.Do("LATENCY", "HISTOGRAM", "blabla", "set", "get"); !strings.HasPrefix(got, "*4\r\n$3\r\nset\r\n") || !strings.Contains(got, "$3\r\nget\r\n*4\r\n$5\r\ncalls\r\n:1\r\n") {
		t.Fatalf("subset: %q", got)
	}
	is(t, c, "*0\r\n", "LATENCY", "HISTOGRAM", "blabla")
	got := c.Do("LATENCY", "HISTOGRAM", "client")
	if !strings.HasPrefix(got, "*4\r\n$14\r\nclient|getname\r\n") || !strings.Contains(got, "$9\r\nclient|id\r\n") {
		t.Fatalf("container: %q", got)
	}
	if got := c.Do("LATENCY", "HISTOGRAM", "CLIENT|ID"); !strings.HasPrefix(got, "*2\r\n$9\r\nclient|id\r\n") {
		t.Fatalf("full name: %q", got)
	}
	// Every command with data, in RESP3 a map of maps.
	c.Do("HELLO", "3")
	if got := c.Do("LATENCY", "HISTOGRAM"); !strings.HasPrefix(got, "%") || !strings.Contains(got, "$3\r\nset\r\n%2\r\n$5\r\ncalls\r\n:2\r\n$14\r\nhistogram_usec\r\n%") {
		t.Fatalf("all, RESP3: %q", got)
	}
}

// The latency monitor records commands over latency-monitor-threshold
// milliseconds ("command", or "fast-command" for fast ones).
func TestLatencyMonitor(t *testing.T) {
	n := resptest.Start(t, nil, nil)
	c := n.Dial(t)
	doctor := func() string { return bulkBody(t, c.Do("LATENCY", "DOCTOR")) }
	if got := doctor(); !strings.HasPrefix(got, "I'm sorry, Dave, I can't do that. Latency monitoring is disabled") {
		t.Fatalf("doctor, monitor off: %q", got)
	}
	is(t, c, "*0\r\n", "LATENCY", "LATEST")
	is(t, c, "+OK\r\n", "CONFIG", "SET", "latency-monitor-threshold", "9")
	if got := doctor(); got != "No latency spike was observed during the lifetime of this Valkey instance, not in the slightest bit.\n" &&
		!strings.Contains(got, "anonymous huge pages") {
		t.Fatalf("doctor, no spike: %q", got)
	}
	is(t, c, "+OK\r\n", "DEBUG", "SLEEP", "0.05")
	is(t, c, "+PONG\r\n", "PING")
	latest := c.Do("LATENCY", "LATEST")
	if !regexp.MustCompile(`^\*1\r\n\*4\r\n\$7\r\ncommand\r\n:\d{10}\r\n:(\d+)\r\n:(\d+)\r\n$`).MatchString(latest) {
		t.Fatalf("LATEST: %q", latest)
	}
	if got := c.Do("LATENCY", "HISTORY", "command"); !regexp.MustCompile(`^\*\d\r\n(\*2\r\n:\d{10}\r\n:\d+\r\n)+$`).MatchString(got) {
		t.Fatalf("HISTORY: %q", got)
	}
	is(t, c, "*0\r\n", "LATENCY", "HISTORY", "blabla")
	if got := bulkBody(t, c.Do("LATENCY", "GRAPH", "command")); !regexp.MustCompile(`^command - high \d+ ms, low \d+ ms \(all time high \d+ ms\)\n-{80}\n`).MatchString(got) {
		t.Fatalf("GRAPH: %q", got)
	}
	is(t, c, "-ERR No samples available for event 'blabla'\r\n", "LATENCY", "GRAPH", "blabla")
	if got := doctor(); !regexp.MustCompile(`^Latency spikes are observed in this Valkey instance.\n\n1. command: \d+ latency spikes \(average `).MatchString(got) ||
		!strings.Contains(got, "\nHere is some advice for you:\n\n- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than 9000'.\n- Check your Slow Log") {
		t.Fatalf("doctor: %q", got)
	}
	is(t, c, ":0\r\n", "LATENCY", "RESET", "blabla")
	is(t, c, ":1\r\n", "LATENCY", "RESET", "COMMAND")
	is(t, c, "*0\r\n", "LATENCY", "LATEST")
	is(t, c, ":0\r\n", "LATENCY", "RESET")
	is(t, c, "-ERR wrong number of arguments for 'latency|help' command\r\n", "LATENCY", "HELP", "xxx")
	is(t, c, "-ERR wrong number of arguments for 'latency|graph' command\r\n", "LATENCY", "GRAPH")
	is(t, c, "-ERR unknown subcommand 'NOSUCH'. Try LATENCY HELP.\r\n", "LATENCY", "NOSUCH")
	if got := c.Do("LATENCY", "HELP"); !strings.HasPrefix(got, "*17\r\n+LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:\r\n+DOCTOR\r\n") {
		t.Fatalf("HELP: %q", got)
	}
}
