package engine

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// notifyRecord, when set to the address of a running valkey-server,
// makes TestNotifyRecord rewrite testdata/notify/events.txt from what
// that server publishes and counts for each command of the file:
//
//	valkey-server --port 7431 --save "" --appendonly no --daemonize yes
//	go test ./engine -run TestNotifyRecord -notify-record 127.0.0.1:7431
var notifyRecord = flag.String("notify-record", "", "valkey-server address to record testdata/notify/events.txt from")

// respConn is a minimal RESP2 client for recording.
type respConn struct {
	c net.Conn
	r *bufio.Reader
}

func dialResp(t *testing.T, addr string) *respConn {
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &respConn{c: c, r: bufio.NewReader(c)}
}

func (rc *respConn) send(t *testing.T, args ...string) {
	var b []byte
	b = fmt.Appendf(b, "*%d\r\n", len(args))
	for _, a := range args {
		b = fmt.Appendf(b, "$%d\r\n%s\r\n", len(a), a)
	}
	rc.c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := rc.c.Write(b); err != nil {
		t.Fatal(err)
	}
}

// reply reads one reply: a string for simple, error, integer and bulk
// replies, a []any for arrays, nil for nulls.
func (rc *respConn) reply(t *testing.T) any {
	line, err := rc.r.ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	line = strings.TrimSuffix(line, "\r\n")
	switch line[0] {
	case '+', '-', ':':
		return line
	case '$':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil
		}
		b := make([]byte, n+2)
		if _, err := io.ReadFull(rc.r, b); err != nil {
			t.Fatal(err)
		}
		return string(b[:n])
	case '*':
		n, _ := strconv.Atoi(line[1:])
		if n < 0 {
			return nil
		}
		out := make([]any, n)
		for i := range out {
			out[i] = rc.reply(t)
		}
		return out
	}
	t.Fatalf("unexpected reply %q", line)
	return nil
}

func (rc *respConn) do(t *testing.T, args ...string) any {
	rc.send(t, args...)
	return rc.reply(t)
}

// dirty returns the server's rdb_changes_since_last_save.
func (rc *respConn) dirty(t *testing.T) int64 {
	info, _ := rc.do(t, "INFO", "persistence").(string)
	for _, l := range strings.Split(info, "\r\n") {
		if v, ok := strings.CutPrefix(l, "rdb_changes_since_last_save:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	t.Fatal("no rdb_changes_since_last_save in INFO persistence")
	return 0
}

func TestNotifyRecord(t *testing.T) {
	if *notifyRecord == "" {
		t.Skip("-notify-record not set")
	}
	const path = "testdata/notify/events.txt"
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd, sub := dialResp(t, *notifyRecord), dialResp(t, *notifyRecord)
	cmd.do(t, "FLUSHALL")
	cmd.do(t, "CONFIG", "SET", "notify-keyspace-events", "KEAnm")
	sub.do(t, "PSUBSCRIBE", "__key*__:*")
	var out bytes.Buffer
	n := 0
	for _, line := range strings.Split(strings.TrimSuffix(string(src), "\n"), "\n") {
		switch {
		case line == "" || line[0] == '#':
			out.WriteString(line + "\n")
			continue
		case !strings.HasPrefix(line, "> "):
			continue // a recorded result: recorded again below
		}
		before := cmd.dirty(t)
		cmd.do(t, splitInline(t, line[2:])...)
		changes := cmd.dirty(t) - before
		// Every event of the command reaches the subscriber before this
		// marker, published after it.
		n++
		mark := "__keymark__:" + strconv.Itoa(n)
		cmd.do(t, "PUBLISH", mark, "m")
		out.WriteString(line + "\n")
		for {
			m, _ := sub.reply(t).([]any)
			if len(m) != 4 {
				t.Fatalf("unexpected message %q", m)
			}
			ch, payload := m[2].(string), m[3].(string)
			if ch == mark {
				break
			}
			out.WriteString(ch + " " + payload + "\n")
		}
		if changes != 0 {
			fmt.Fprintf(&out, "dirty %d\n", changes)
		}
	}
	if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
