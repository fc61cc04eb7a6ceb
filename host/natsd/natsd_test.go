package natsd

import (
	"net"
	"strings"
	"testing"
)

// TestListenerInUse: a taken NATS port is a clear error at once, not a
// wait for a server that never becomes ready.
func TestListenerInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, err = Start(Config{DataDir: t.TempDir(), Listen: ln.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), "another NATS server?") {
		t.Fatalf("err %v, want the listener named as taken", err)
	}
}

func TestInProcessAndListener(t *testing.T) {
	for _, listen := range []string{"", "127.0.0.1:0"} {
		s, err := Start(Config{DataDir: t.TempDir(), Listen: listen})
		if err != nil {
			t.Fatal(err)
		}
		if got := s.ClientURL() != ""; got != (listen != "") {
			t.Errorf("listen %q: ClientURL %q", listen, s.ClientURL())
		}
		nc, err := s.Connect("test")
		if err != nil {
			t.Fatal(err)
		}
		nc.Close()
		s.Close()
	}
}
