package loopback

import (
	"fmt"
	"net"
)

// FreePort returns a loopback TCP port nothing listened on when it was
// asked. Another process can take it before the caller binds it; callers
// use it where that race is acceptable (tests, local trials).
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("loopback: a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	return port, l.Close()
}
