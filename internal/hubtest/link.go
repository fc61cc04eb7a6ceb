package hubtest

import (
	"fmt"
	"io"
	"net"
	"sync"
	"testing"

	"github.com/sluice-io/sluice/internal/loopback"
)

// Link is a TCP relay between edges and the hub's leaf listener that a
// test can cut (every connection closed, new ones refused) and restore,
// as a network outage does while both ends keep running.
type Link struct {
	t    testing.TB
	port int
	to   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// Link starts a relay to the hub's leaf listener; edges connect to its
// URL. It is closed on t.Cleanup.
func (h *Hub) Link() *Link {
	h.t.Helper()
	port, err := loopback.FreePort()
	if err != nil {
		h.t.Fatal(err)
	}
	l := &Link{t: h.t, port: port, to: fmt.Sprintf("127.0.0.1:%d", h.LeafPort), conns: map[net.Conn]struct{}{}}
	l.Restore()
	h.t.Cleanup(func() { l.Cut(); l.wg.Wait() })
	return l
}

// URL is the leaf URL through the relay.
func (l *Link) URL() string { return fmt.Sprintf("nats-leaf://127.0.0.1:%d", l.port) }

// Restore listens again; it does nothing when the link is up.
func (l *Link) Restore() {
	l.t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		return
	}
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", l.port))
	if err != nil {
		l.t.Fatalf("hubtest: link: %v", err)
	}
	l.ln = ln
	l.wg.Go(func() { l.accept(ln) })
}

// Cut closes every relayed connection and stops listening.
func (l *Link) Cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		_ = l.ln.Close()
		l.ln = nil
	}
	for c := range l.conns {
		_ = c.Close()
		delete(l.conns, c)
	}
}

func (l *Link) accept(ln net.Listener) {
	for {
		in, err := ln.Accept()
		if err != nil {
			return
		}
		out, err := net.Dial("tcp", l.to)
		if err != nil {
			_ = in.Close()
			continue
		}
		l.mu.Lock()
		if l.ln != ln { // cut meanwhile
			l.mu.Unlock()
			_ = in.Close()
			_ = out.Close()
			return
		}
		l.conns[in], l.conns[out] = struct{}{}, struct{}{}
		l.mu.Unlock()
		l.wg.Go(func() { relay(out, in) })
		l.wg.Go(func() { relay(in, out) })
	}
}

func relay(dst, src net.Conn) {
	_, _ = io.Copy(dst, src)
	_ = dst.Close()
	_ = src.Close()
}
