package clients

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"golang.org/x/net/http2"
)

// sniffer is a TCP forwarder in front of the server that records, for
// each connection a client opens, whether it began with the HTTP/2
// client preface (prior knowledge) or not (HTTP/1.1).
type sniffer struct {
	ln net.Listener
	mu sync.Mutex
	h2 []bool
}

func newSniffer(t *testing.T, target string) *sniffer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sniffer{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.forward(c, target)
		}
	}()
	return s
}

func (s *sniffer) forward(c net.Conn, target string) {
	defer c.Close()
	br := bufio.NewReader(c)
	first, err := br.Peek(len(http2.ClientPreface))
	if err != nil {
		return
	}
	s.mu.Lock()
	s.h2 = append(s.h2, bytes.Equal(first, []byte(http2.ClientPreface)))
	s.mu.Unlock()
	up, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer up.Close()
	go func() {
		_, _ = io.Copy(up, br)
		_ = up.(*net.TCPConn).CloseWrite()
	}()
	_, _ = io.Copy(c, up)
}

// protocols says over what the connections came: "h2c", "HTTP/1.1",
// "both" or "none".
func (s *sniffer) protocols() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var h1, h2 bool
	for _, b := range s.h2 {
		h1, h2 = h1 || !b, h2 || b
	}
	switch {
	case h1 && h2:
		return "both"
	case h2:
		return "h2c"
	case h1:
		return "HTTP/1.1"
	}
	return "none"
}

// TestJavaScriptSDKProtocols: the AWS SDK for JavaScript v3's Kinesis and
// Firehose clients, signed with a configured key, create, put, get and
// list against a real server with each HTTP handler: as they ship (the
// Kinesis client's NodeHttp2Handler speaks HTTP/2 with prior knowledge to
// an http:// endpoint; the Firehose client's NodeHttpHandler speaks
// HTTP/1.1), and with the other one. A forwarder in front of the server
// checks which protocol each client's connections really spoke.
func TestJavaScriptSDKProtocols(t *testing.T) {
	ep := startHost(t)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is missing: %v", err)
	}
	tool(t, filepath.Join("js", "node_modules", "@aws-sdk", "client-kinesis", "package.json"))
	tool(t, filepath.Join("js", "node_modules", "@aws-sdk", "client-firehose", "package.json"))
	target := ep[len("http://"):]
	want := map[string]string{
		"kinesis default":  "h2c",
		"kinesis http1":    "HTTP/1.1",
		"firehose default": "HTTP/1.1",
		"firehose http2":   "h2c",
	}
	sniffers := map[string]*sniffer{}
	endpoints := map[string]string{}
	for variant := range want {
		sniffers[variant] = newSniffer(t, target)
		endpoints[variant] = "http://" + sniffers[variant].ln.Addr().String()
	}
	arg, err := json.Marshal(endpoints)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, "protocols.mjs", admin.AccessKeyID, admin.SecretAccessKey, string(arg))
	cmd.Dir = "js"
	cmd.Env = cleanEnv(t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("protocols.mjs: %v\n%s", err, stderr.String())
	}
	var got map[string]map[string]string
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("protocols.mjs printed %q: %v\n%s", out, err, stderr.String())
	}
	for variant, proto := range want {
		steps := got[variant]
		for _, step := range []string{"create", "put", "get", "list"} {
			if r, ok := steps[step]; !ok || r != "" {
				t.Errorf("%s: %s: %q", variant, step, r)
			}
		}
		if p := sniffers[variant].protocols(); p != proto {
			t.Errorf("%s: connections spoke %s, want %s", variant, p, proto)
		}
	}
}
