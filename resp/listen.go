package resp

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Listening sockets for a Valkey bind list: CONFIG SET bind and port, and
// the address the node starts on.

// bindAddrMax is Valkey's CONFIG_BINDADDR_MAX.
const bindAddrMax = 16

var errTooManyBind = paramErr("Too many bind addresses specified.")

// bindListen opens the listening sockets for a bind list and port as
// Valkey's listenToPort does: addresses are separated by spaces, "*" is
// every IPv4 address and "::*" every IPv6 one, an address containing ':'
// is IPv6 (IPv6 only, as Valkey sets IPV6_V6ONLY), and a leading '-' marks
// an address that is skipped when the host does not have it. An empty
// list means no TCP listening: the listener returned then accepts nothing
// until it is closed. Several addresses give one listener accepting on
// all of them.
func bindListen(bind string, port int) (net.Listener, error) {
	addrs := strings.Fields(bind)
	if len(addrs) > bindAddrMax {
		return nil, errTooManyBind
	}
	var lns []net.Listener
	for _, a := range addrs {
		optional := strings.HasPrefix(a, "-")
		a = strings.TrimPrefix(a, "-")
		network, host := "tcp4", a
		switch {
		case a == "*":
			host = "0.0.0.0"
		case a == "::*":
			network, host = "tcp6", "::"
		case strings.Contains(a, ":"):
			network = "tcp6"
		}
		ln, err := net.Listen(network, net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			if (optional && errors.Is(err, syscall.EADDRNOTAVAIL)) || unsupportedFamily(err) {
				continue
			}
			for _, l := range lns {
				l.Close()
			}
			return nil, err
		}
		lns = append(lns, ln)
	}
	switch len(lns) {
	case 0:
		return newIdleListener(), nil
	case 1:
		return lns[0], nil
	}
	return newMultiListener(lns), nil
}

// unsupportedFamily reports the errors for which Valkey skips an address
// of a protocol family the host lacks.
func unsupportedFamily(err error) bool {
	for _, e := range []syscall.Errno{syscall.ENOPROTOOPT, syscall.EPROTONOSUPPORT,
		syscall.ESOCKTNOSUPPORT, syscall.EPFNOSUPPORT, syscall.EAFNOSUPPORT} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// idleListener is "no TCP listening" (an empty bind list, port 0): Accept
// blocks until Close.
type idleListener struct {
	once   sync.Once
	closed chan struct{}
}

func newIdleListener() *idleListener { return &idleListener{closed: make(chan struct{})} }

// Accept waits for Close.
func (l *idleListener) Accept() (net.Conn, error) {
	<-l.closed
	return nil, net.ErrClosed
}

// Close makes Accept return.
func (l *idleListener) Close() error {
	l.once.Do(func() { close(l.closed) })
	return nil
}

// Addr returns nil: nothing is listening.
func (l *idleListener) Addr() net.Addr { return nil }

// multiListener accepts on several listeners: a goroutine per listener
// hands its connections over one channel.
type multiListener struct {
	lns    []net.Listener
	conns  chan net.Conn
	once   sync.Once
	closed chan struct{}
	wg     sync.WaitGroup
}

func newMultiListener(lns []net.Listener) *multiListener {
	m := &multiListener{lns: lns, conns: make(chan net.Conn), closed: make(chan struct{})}
	for _, ln := range lns {
		m.wg.Add(1)
		go m.serve(ln)
	}
	return m
}

func (m *multiListener) serve(ln net.Listener) {
	defer m.wg.Done()
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			// A transient failure (out of file descriptors): back off
			// as Serve does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(delay):
				continue
			case <-m.closed:
				return
			}
		}
		delay = 0
		select {
		case m.conns <- nc:
		case <-m.closed:
			nc.Close()
			return
		}
	}
}

// Accept returns the next connection of any of the listeners.
func (m *multiListener) Accept() (net.Conn, error) {
	select {
	case nc := <-m.conns:
		return nc, nil
	case <-m.closed:
		return nil, net.ErrClosed
	}
}

// Close closes every listener and waits for their goroutines.
func (m *multiListener) Close() error {
	m.once.Do(func() {
		close(m.closed)
		for _, ln := range m.lns {
			ln.Close()
		}
	})
	m.wg.Wait()
	return nil
}

// Addr returns the first listener's address.
func (m *multiListener) Addr() net.Addr { return m.lns[0].Addr() }
