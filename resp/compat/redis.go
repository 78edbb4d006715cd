package compat

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"
)

// RedisServerBinary is the executable StartRedis runs.
const RedisServerBinary = "redis-server"

// ErrNoRedis is returned by StartRedis when redis-server is not on PATH.
var ErrNoRedis = errors.New("compat: redis-server not installed; apt-get install redis-server")

// Redis is a redis-server child process listening on 127.0.0.1.
type Redis struct {
	Addr string
	cmd  *exec.Cmd
	exit chan error
}

// StartRedis runs `redis-server --port P --save "" --appendonly no` on a
// free loopback port and waits until it answers PING. The server is killed
// when the test ends. It returns ErrNoRedis when there is no redis-server.
func StartRedis(t testing.TB) (*Redis, error) {
	t.Helper()
	bin, err := exec.LookPath(RedisServerBinary)
	if err != nil {
		return nil, ErrNoRedis
	}
	var last error
	// A free port can be taken between our probe and redis-server's bind:
	// try a few.
	for attempt := 0; attempt < 3; attempt++ {
		r, err := startRedis(t, bin)
		if err == nil {
			return r, nil
		}
		last = err
	}
	return nil, last
}

func startRedis(t testing.TB, bin string) (*Redis, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := t.TempDir()
	cmd := exec.Command(bin,
		"--bind", "127.0.0.1",
		"--port", strconv.Itoa(port),
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--dir", dir,
		"--logfile", "",
		"--loglevel", "warning")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("compat: start redis-server: %w", err)
	}
	r := &Redis{Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, exit: make(chan error, 1)}
	go func() { r.exit <- cmd.Wait() }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if pingOK(r.Addr) {
			t.Cleanup(r.Stop)
			return r, nil
		}
		select {
		case err := <-r.exit:
			r.exit <- err
			return nil, fmt.Errorf("compat: redis-server exited (%v): %s", err, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			r.Stop()
			return nil, fmt.Errorf("compat: redis-server on %s did not answer PING within 10s: %s", r.Addr, out.String())
		}
	}
}

// Stop kills the server and waits for it to exit.
func (r *Redis) Stop() {
	if r.cmd.Process != nil {
		r.cmd.Process.Signal(os.Kill)
	}
	select {
	case err := <-r.exit:
		r.exit <- err
	case <-time.After(5 * time.Second):
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func pingOK(addr string) bool {
	nc, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := nc.Write([]byte("*1\r\n$4\r\nPING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(nc).ReadString('\n')
	return err == nil && line == "+PONG\r\n"
}
