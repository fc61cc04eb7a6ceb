package host

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/streams"
)

// endsWithin reads c until the server closes it (or resets it) and fails
// when it is still open after hangLimit: the server did not cut it off.
func endsWithin(t *testing.T, c net.Conn, what string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(hangLimit))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: the server kept the connection open for %s", what, hangLimit)
	}
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// slowHeaders is a request whose headers never end. Its Host is one of
// the server's names: another is refused before any handler (host/auth).
const slowHeaders = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: Kinesis_20131202.ListStreams\r\n"

// slowBody is a request whose headers are complete but whose body never
// arrives in full: its handler holds a slot while it reads.
const slowBody = slowHeaders + "Content-Type: application/x-amz-json-1.1\r\nContent-Length: 100\r\n\r\n{"

// TestSlowClientsCutOff: a client that trickles its headers, one that
// never finishes its body and an idle keep-alive connection are each cut
// off by their timeout, and the body's slot is given back.
func TestSlowClientsCutOff(t *testing.T) {
	srv, _ := open(t, Config{HTTP: HTTPLimits{
		ReadHeaderTimeout: 300 * time.Millisecond,
		ReadTimeout:       500 * time.Millisecond,
		IdleTimeout:       500 * time.Millisecond,
	}})
	for _, tc := range []struct {
		name string
		send string
	}{
		{"headers never end", slowHeaders},
		{"body never ends", slowBody},
		{"idle keep-alive", "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: Kinesis_20131202.ListStreams\r\nContent-Length: 2\r\n\r\n{}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, srv.HTTPAddr())
			if _, err := io.WriteString(c, tc.send); err != nil {
				t.Fatal(err)
			}
			endsWithin(t, c, tc.name)
		})
	}
	eventually(t, "slots given back", func() bool {
		return metric(t, srv, `sluice_http_requests_in_flight{class="api"}`) == 0
	})
}

// TestWriteTimeoutFreesSlot: a client that asks for a 12 MiB GetRecords
// answer and never reads it does not hold its slot (and the answer's
// memory) forever: the write timeout ends the request.
func TestWriteTimeoutFreesSlot(t *testing.T) {
	// The records go in through the engine, not HTTP, so that only the
	// stuck request meets the short write timeout.
	srv, _ := open(t, Config{HTTP: HTTPLimits{WriteTimeout: 2 * time.Second}})
	ctx := context.Background()
	if err := srv.streams.CreateStream(ctx, "big", 1); err != nil {
		t.Fatal(err)
	}
	mib := make([]byte, 1<<20)
	for range 12 {
		res, err := srv.streams.PutRecords(ctx, "big", []streams.Record{{Data: mib, PartitionKey: "k"}})
		if err != nil || res[0].Err != nil {
			t.Fatalf("put: %v %v", err, res)
		}
	}
	it, err := srv.streams.GetShardIterator(ctx, "big", "shardId-000000000000", streams.IteratorRequest{Type: "TRIM_HORIZON"})
	if err != nil {
		t.Fatal(err)
	}
	// A tiny receive window, so the kernel's buffers cannot take the answer.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	c, err := d.Dial("tcp", srv.HTTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	body := fmt.Sprintf(`{"ShardIterator":%q}`, it)
	fmt.Fprintf(c, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: Kinesis_20131202.GetRecords\r\n"+
		"Content-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n%s", len(body), body)
	eventually(t, "the GetRecords request to start", func() bool {
		return metric(t, srv, `sluice_http_requests_in_flight{class="api"}`) == 1
	})
	eventually(t, "the stuck GetRecords to give its slot back", func() bool {
		return metric(t, srv, `sluice_http_requests_in_flight{class="api"}`) == 0
	})
}

// TestHandlerExtendsWriteDeadline: the server's write timeout cuts off a
// handler that runs past it, and a handler that needs longer (a
// subscription) extends its own deadline with http.ResponseController.
func TestHandlerExtendsWriteDeadline(t *testing.T) {
	const timeout = 200 * time.Millisecond
	limits := HTTPLimits{WriteTimeout: timeout}
	limits.setDefaults()
	mux := http.NewServeMux()
	mux.HandleFunc("/short", func(w http.ResponseWriter, _ *http.Request) {
		time.Sleep(3 * timeout)
		fmt.Fprint(w, "late")
	})
	mux.HandleFunc("/long", func(w http.ResponseWriter, _ *http.Request) {
		if err := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(hangLimit)); err != nil {
			t.Error(err)
		}
		time.Sleep(3 * timeout)
		fmt.Fprint(w, "late")
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hs := newHTTPServer(mux, limits)
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()
	if code, body := get(t, base+"/long"); code != 200 || body != "late" {
		t.Errorf("/long: %d %q", code, body)
	}
	resp, err := http.Get(base + "/short")
	if err == nil {
		b, rerr := io.ReadAll(resp.Body)
		resp.Body.Close()
		if rerr == nil {
			t.Errorf("/short answered %d %q past the write timeout", resp.StatusCode, b)
		}
	}
}

// holdSlots opens n requests that each hold an API slot (their bodies
// never arrive) and waits until the server serves all of them.
func holdSlots(t *testing.T, srv *Server, n int) []net.Conn {
	t.Helper()
	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i] = dial(t, srv.HTTPAddr())
		if _, err := io.WriteString(conns[i], slowBody); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, fmt.Sprintf("%d slow requests in flight", n), func() bool {
		return metric(t, srv, `sluice_http_requests_in_flight{class="api"}`) == float64(n)
	})
	return conns
}

// rawPost sends one AWS JSON request and returns the status, the
// X-Amzn-ErrorType header and the body.
func rawPost(t *testing.T, srv *Server, target, body string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "http://"+srv.HTTPAddr()+"/", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", target)
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), string(b)
}

// TestHeaderBytesCapped: headers over DefaultMaxHeaderBytes are refused
// with 431 before any handler runs.
func TestHeaderBytesCapped(t *testing.T) {
	srv, _ := open(t, Config{})
	req, err := http.NewRequest(http.MethodPost, "http://"+srv.HTTPAddr()+"/", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
	req.Header.Set("X-Padding", strings.Repeat("x", 2*DefaultMaxHeaderBytes))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("status %d, want 431", resp.StatusCode)
	}
}
