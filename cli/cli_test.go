package cli

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestVersionCmd(t *testing.T) {
	root := NewRootCmd(BuildInfo{Version: "1.2.3", Commit: "abc1234", Date: "2026-01-02T03:04:05Z"})
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs([]string{"version"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if got, want := out.String(), "flect 1.2.3 (commit abc1234, built 2026-01-02T03:04:05Z)\n"; got != want {
		t.Fatalf("version output %q, want %q", got, want)
	}
	root.SetArgs([]string{"version", "extra"})
	if err := root.Execute(); err == nil {
		t.Fatal("version accepted an argument")
	}
}

func TestRootHelpListsCommands(t *testing.T) {
	root := NewRootCmd(BuildInfo{Version: "dev"})
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetArgs([]string{"--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"server", "version"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("help does not mention %q:\n%s", want, out.String())
		}
	}
}

func TestServerFlags(t *testing.T) {
	cmd := NewServerCmd(BuildInfo{})
	err := cmd.ParseFlags([]string{
		"--bind", "0.0.0.0",
		"--port", "7777",
		"--requirepass", "pw",
		"--databases", "4",
		"--maxclients", "50",
		"--timeout", "30",
		"--loglevel", "warning",
		"--protected-mode", "no",
		"--proto-max-bulk-len", "2mb",
		"--client-query-buffer-limit", "1G",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"bind":                      "0.0.0.0",
		"port":                      "7777",
		"requirepass":               "pw",
		"databases":                 "4",
		"maxclients":                "50",
		"timeout":                   "30",
		"loglevel":                  "warning",
		"protected-mode":            "no",
		"proto-max-bulk-len":        "2097152",
		"client-query-buffer-limit": "1000000000",
	}
	for name, v := range want {
		f := cmd.Flags().Lookup(name)
		if f == nil {
			t.Errorf("no flag --%s", name)
			continue
		}
		if f.Value.String() != v {
			t.Errorf("--%s = %q, want %q", name, f.Value.String(), v)
		}
	}
}

func TestServerFlagDefaults(t *testing.T) {
	cmd := NewServerCmd(BuildInfo{})
	if err := cmd.ParseFlags(nil); err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]string{
		"bind":                      "127.0.0.1",
		"port":                      "6379",
		"databases":                 "16",
		"maxclients":                "10000",
		"timeout":                   "0",
		"loglevel":                  "notice",
		"protected-mode":            "yes",
		"proto-max-bulk-len":        "536870912",
		"client-query-buffer-limit": "1073741824",
	} {
		if got := cmd.Flags().Lookup(name).Value.String(); got != v {
			t.Errorf("default --%s = %q, want %q", name, got, v)
		}
	}
}

func TestServerFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--protected-mode", "maybe"},
		{"--proto-max-bulk-len", "lots"},
		{"--proto-max-bulk-len", "-1"},
		{"--client-query-buffer-limit", "1tb"},
		{"--port", "x"},
	} {
		cmd := NewServerCmd(BuildInfo{})
		if err := cmd.ParseFlags(args); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}

func TestYesNo(t *testing.T) {
	for in, want := range map[string]bool{"yes": true, "YES": true, "no": false, "No": false, "true": true, "false": false, "1": true, "0": false} {
		var v yesNo
		if err := v.Set(in); err != nil || bool(v) != want {
			t.Errorf("Set(%q) = %v, %v; want %v", in, bool(v), err, want)
		}
	}
	var v yesNo
	if err := v.Set("y"); err == nil {
		t.Error(`Set("y") accepted`)
	}
	if v.Type() != "yes|no" {
		t.Errorf("Type = %q", v.Type())
	}
}

// TestServerValidation runs `flect server` with invalid settings: each must
// fail before listening.
func TestServerValidation(t *testing.T) {
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"--port", "70000"}, "invalid port"},
		{[]string{"--port", "-1"}, "invalid port"},
		{[]string{"--databases", "0"}, "invalid databases"},
		{[]string{"--maxclients", "0"}, "invalid maxclients"},
		{[]string{"--timeout", "-5"}, "invalid timeout"},
		{[]string{"--proto-max-bulk-len", "1kb"}, "at least 1mb"},
		{[]string{"--loglevel", "loud"}, "invalid loglevel"},
	} {
		root := NewRootCmd(BuildInfo{})
		var out bytes.Buffer
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs(append([]string{"server"}, tc.args...))
		err := root.Execute()
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%q: err = %v, want %q", tc.args, err, tc.err)
		}
	}
}

// TestServerRunsAndStops starts a real node on a free loopback port and
// stops it through the context, as SIGTERM does.
func TestServerRunsAndStops(t *testing.T) {
	root := NewRootCmd(BuildInfo{Version: "test"})
	root.SetArgs([]string{"server", "--port", "0", "--loglevel", "warning"})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- root.ExecuteContext(ctx) }()
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-errc:
		t.Fatalf("server exited early: %v", err)
	default:
	}
	cancel()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("server stopped with %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop within 10s of its context ending")
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"0", 0},
		{"100", 100},
		{"100b", 100},
		{"1k", 1000},
		{"1K", 1000},
		{"1kb", 1024},
		{"1KB", 1024},
		{"1m", 1000 * 1000},
		{"1mb", 1 << 20},
		{"512mb", 512 << 20},
		{"1g", 1000 * 1000 * 1000},
		{"1gb", 1 << 30},
		{"4Gb", 4 << 30},
		{"9223372036854775807", 1<<63 - 1},
		{"8589934591gb", 8589934591 << 30},
	} {
		got, err := ParseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "mb", "-1", "-1mb", "1.5mb", "1tb", "1 mb", "abc", "1kbb", "8589934592gb", "9223372036854775808"} {
		if got, err := ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) = %d, want an error", bad, got)
		}
	}
}
