package s3test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/build"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/sluice-io/sluice/internal/loopback"
)

// Fixed test credentials and names.
const (
	AccessKey = "sluice-test-access"
	SecretKey = "sluice-test-secret-key"
	Region    = "us-east-1"
	Bucket    = "sluice-test"

	binary       = "versitygw"
	readyTimeout = 30 * time.Second
	stopTimeout  = 10 * time.Second
)

// Server is a running versitygw with one bucket.
type Server struct {
	// Endpoint is "http://127.0.0.1:PORT".
	Endpoint  string
	Bucket    string
	AccessKey string
	SecretKey string
	Region    string
	// Dir is the posix backend's root; the bucket is Dir/Bucket.
	Dir string

	t    testing.TB
	bin  string
	addr string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{} // closed when cmd has exited
	out  *lockedBuffer
}

// Start runs versitygw on a temporary directory and a free loopback port,
// waits until it answers, creates Bucket, and stops it on t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := findBinary()
	if err != nil {
		t.Fatalf("s3test: %v; run scripts/install-toolchains.sh", err)
	}
	s := &Server{
		Bucket: Bucket, AccessKey: AccessKey, SecretKey: SecretKey, Region: Region,
		Dir: t.TempDir(), t: t, bin: bin,
	}
	t.Cleanup(s.Stop)
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // the free port may be taken before versitygw binds it
		port, err := loopback.FreePort()
		if lastErr = err; err != nil {
			continue
		}
		s.addr = fmt.Sprintf("127.0.0.1:%d", port)
		s.Endpoint = "http://" + s.addr
		if lastErr = s.start(); lastErr == nil {
			break
		}
	}
	if lastErr != nil {
		t.Fatalf("s3test: start versitygw: %v", lastErr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	if _, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.Bucket)}); err != nil {
		t.Fatalf("s3test: create bucket: %v\nversitygw output:\n%s", err, s.out.String())
	}
	return s
}

func findBinary() (string, error) {
	gopath := build.Default.GOPATH
	if p := os.Getenv("GOBIN"); p != "" {
		if fi, err := os.Stat(filepath.Join(p, binary)); err == nil && !fi.IsDir() {
			return filepath.Join(p, binary), nil
		}
	}
	for _, dir := range filepath.SplitList(gopath) {
		p := filepath.Join(dir, "bin", binary)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	if p, err := exec.LookPath(binary); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found in $(go env GOPATH)/bin (%s) or PATH", binary, gopath)
}

// start launches the process on s.addr and s.Dir and waits until it answers.
func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("already running")
	}
	out := &lockedBuffer{}
	cmd := exec.Command(s.bin, "--access", s.AccessKey, "--secret", s.SecretKey,
		"--region", s.Region, "--port", s.addr, "--quiet", "posix", s.Dir)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	s.cmd, s.done, s.out = cmd, done, out

	deadline := time.Now().Add(readyTimeout)
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get(s.Endpoint + "/")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return nil // any HTTP answer (403 without a signature) means it serves
		}
		select {
		case <-done:
			s.cmd = nil
			return fmt.Errorf("versitygw exited (%v):\n%s", cmd.ProcessState, out.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.kill()
			return fmt.Errorf("versitygw did not answer on %s within %v:\n%s", s.addr, readyTimeout, out.String())
		}
	}
}

// Stop stops the server (SIGTERM, then SIGKILL); the directory stays, so
// Restart brings back the same objects on the same port. Stopping a
// stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.kill()
}

func (s *Server) kill() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
	s.cmd = nil
}

// Restart starts a stopped server again on the same directory and port.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("s3test: restart versitygw: %v", err)
	}
}

// Output is what versitygw printed so far, for failure messages.
func (s *Server) Output() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.out == nil {
		return ""
	}
	return s.out.String()
}

// Client returns an aws-sdk-go-v2 S3 client for the server (path-style,
// static credentials).
func (s *Server) Client() *s3.Client {
	return s3.New(s3.Options{
		BaseEndpoint: aws.String(s.Endpoint),
		Region:       s.Region,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		UsePathStyle: true,
	})
}

// Get returns an object's body from Bucket; it fails the test if the
// object cannot be read.
func (s *Server) Get(key string) []byte {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	out, err := s.Client().GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.Bucket), Key: aws.String(key)})
	if err != nil {
		s.t.Fatalf("s3test: get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		s.t.Fatalf("s3test: read %s: %v", key, err)
	}
	return b
}

// List returns the keys in Bucket that start with prefix, sorted.
func (s *Server) List(prefix string) []string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.Client(), &s3.ListObjectsV2Input{
		Bucket: aws.String(s.Bucket), Prefix: aws.String(prefix),
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			s.t.Fatalf("s3test: list %q: %v", prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	sort.Strings(keys)
	return keys
}

// Port is the server's TCP port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(p)
	return n
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
