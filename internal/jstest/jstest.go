package jstest

import (
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/natsd"
)

// Server is an embedded JetStream server with one in-process connection.
type Server struct {
	*natsd.Server
	Dir  string
	Conn *nats.Conn
	JS   jetstream.JetStream
}

// Start starts a JetStream server on dir (t.TempDir() when dir is empty)
// with no socket; it and its connection are closed by t.Cleanup.
func Start(t testing.TB, dir string) *Server {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	srv, err := natsd.Start(natsd.Config{DataDir: dir})
	if err != nil {
		t.Fatalf("start jetstream: %v", err)
	}
	nc, err := srv.Connect("jstest")
	if err != nil {
		srv.Close()
		t.Fatalf("connect: %v", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		srv.Close()
		t.Fatalf("jetstream: %v", err)
	}
	s := &Server{Server: srv, Dir: dir, Conn: nc, JS: js}
	t.Cleanup(s.Stop)
	return s
}

// Stop closes the connection and the server; a second call does nothing.
func (s *Server) Stop() {
	if s.Conn == nil {
		return
	}
	s.Conn.Close()
	s.Close()
	s.Conn = nil
}
