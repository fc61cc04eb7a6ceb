package folder

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/sluice-io/sluice/sinks"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// files lists every regular file under dir, relative, "/"-separated.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPutWritesAndReplaces(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	key := "2024/03/07/08/s-1-x-1-2.json"
	for _, body := range []string{"first version, longer\n", "second\n"} {
		if err := s.Put(ctx, sinks.Object{Key: key, Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(s.Dir(), "2024", "03", "07", "08", "s-1-x-1-2.json"))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != body {
			t.Fatalf("file = %q, want %q", got, body)
		}
	}
	if got := files(t, s.Dir()); len(got) != 1 || got[0] != key {
		t.Fatalf("files = %v, want only %s (no temporary files)", got, key)
	}
	fi, err := os.Stat(filepath.Join(s.Dir(), key))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != DefaultFileMode {
		t.Fatalf("mode = %v, want %v", fi.Mode().Perm(), DefaultFileMode)
	}
}

func TestPutRefusesEscapingKeys(t *testing.T) {
	ctx := context.Background()
	parent := t.TempDir()
	s, err := New(filepath.Join(parent, "out"))
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{
		"", "/etc/passwd", "../escape", "a/../../escape", "a/./b", "a//b", "a/", ".", "..",
		`a\..\b`, "nul\x00byte", "a/.b.tmp-123",
	} {
		err := s.Put(ctx, sinks.Object{Key: key, Body: []byte("x")})
		if !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Put(%q) = %v, want ErrInvalidKey", key, err)
		}
		var r interface{ Retryable() bool }
		if errors.As(err, &r) && r.Retryable() {
			t.Errorf("Put(%q): invalid key reported retryable", key)
		}
	}
	if got := files(t, parent); len(got) != 0 {
		t.Fatalf("files written: %v", got)
	}
}

func TestFailedWriteLeavesOldFileAndNoTemp(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	key := "a/b.json"
	if err := s.Put(ctx, sinks.Object{Key: key, Body: []byte("old")}); err != nil {
		t.Fatal(err)
	}
	injected := errors.New("injected: disk gone")
	s.syncFile = func(f *os.File) error {
		// The new body is fully written when this fails.
		got, err := os.ReadFile(f.Name())
		if err != nil || string(got) != "new body" {
			t.Errorf("temp file holds %q, %v", got, err)
		}
		return injected
	}
	err := s.Put(ctx, sinks.Object{Key: key, Body: []byte("new body")})
	if !errors.Is(err, injected) {
		t.Fatalf("Put = %v, want the injected error", err)
	}
	var r interface{ Retryable() bool }
	if !errors.As(err, &r) || !r.Retryable() {
		t.Fatalf("I/O error %v not retryable", err)
	}
	got, _ := os.ReadFile(filepath.Join(s.Dir(), "a", "b.json"))
	if string(got) != "old" {
		t.Fatalf("file = %q, want the old object whole", got)
	}
	if f := files(t, s.Dir()); len(f) != 1 {
		t.Fatalf("files = %v, want only the old object", f)
	}
}

func TestFailedRenameLeavesNoPartialFile(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	// A non-empty directory where the file should go makes the rename fail
	// after the body was written and synced.
	if err := os.MkdirAll(filepath.Join(s.Dir(), "k", "inner"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := s.Put(ctx, sinks.Object{Key: "k", Body: bytes.Repeat([]byte("x"), 1<<20)})
	var fe *Error
	if !errors.As(err, &fe) || fe.Op != "rename" {
		t.Fatalf("Put = %v, want a rename *Error", err)
	}
	if f := files(t, s.Dir()); len(f) != 0 {
		t.Fatalf("files left: %v", f)
	}
}

func TestParentIsAFile(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.Put(ctx, sinks.Object{Key: "a", Body: []byte("file")}); err != nil {
		t.Fatal(err)
	}
	err := s.Put(ctx, sinks.Object{Key: "a/b", Body: []byte("x")})
	var fe *Error
	if !errors.As(err, &fe) || fe.Op != "mkdir" {
		t.Fatalf("Put = %v, want a mkdir *Error", err)
	}
}

func TestCancelledContext(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Put(ctx, sinks.Object{Key: "a", Body: []byte("x")}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Put = %v, want context.Canceled", err)
	}
}

func TestRemoveTemp(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	if err := s.Put(ctx, sinks.Object{Key: "d/keep.json", Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	// What a crash between create and rename leaves.
	for _, name := range []string{"d/.keep.json" + tempMarker + "123", ".x" + tempMarker + "9"} {
		if err := os.WriteFile(filepath.Join(s.Dir(), name), []byte("partial"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.RemoveTemp(ctx)
	if err != nil || n != 2 {
		t.Fatalf("RemoveTemp = %d, %v; want 2", n, err)
	}
	if f := files(t, s.Dir()); len(f) != 1 || f[0] != "d/keep.json" {
		t.Fatalf("files = %v", f)
	}
}

func TestOptions(t *testing.T) {
	if _, err := New(""); err == nil {
		t.Fatal("New(\"\") succeeded")
	}
	if _, err := New(t.TempDir(), WithModes(0o644, 0o444)); err == nil {
		t.Fatal("unwritable directory mode accepted")
	}
	file := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(file); err == nil {
		t.Fatal("New on a file succeeded")
	}
	s, err := New(t.TempDir(), WithModes(0o600, 0o700))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), sinks.Object{Key: "p/q", Body: []byte("x")}); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(filepath.Join(s.Dir(), "p", "q"))
	di, _ := os.Stat(filepath.Join(s.Dir(), "p"))
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Fatalf("modes %v %v", fi.Mode().Perm(), di.Mode().Perm())
	}
	if !strings.HasPrefix(s.String(), "folder /") {
		t.Fatalf("String = %q", s.String())
	}
}

// TestConcurrentPuts: writers of the same and different keys at once never
// leave a file that is a mix of two bodies, nor temporary files.
func TestConcurrentPuts(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	const writers, rounds = 8, 20
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := bytes.Repeat([]byte{byte('a' + w)}, 64<<10)
			for i := 0; i < rounds; i++ {
				for _, key := range []string{"shared/obj", fmt.Sprintf("own/%d/obj", w)} {
					if err := s.Put(ctx, sinks.Object{Key: key, Body: body}); err != nil {
						t.Error(err)
						return
					}
				}
			}
		}()
	}
	// A reader at the same time sees only whole bodies.
	stop := make(chan struct{})
	var rwg sync.WaitGroup
	rwg.Add(1)
	go func() {
		defer rwg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			b, err := os.ReadFile(filepath.Join(s.Dir(), "shared", "obj"))
			if err != nil {
				continue // not written yet
			}
			if len(b) != 64<<10 || !bytes.Equal(b, bytes.Repeat(b[:1], len(b))) {
				t.Errorf("reader saw a partial or mixed file (%d bytes)", len(b))
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	rwg.Wait()
	if f := files(t, s.Dir()); len(f) != writers+1 {
		t.Fatalf("files = %v, want %d", f, writers+1)
	}
}

func TestCheckKeyLimits(t *testing.T) {
	s := newStore(t)
	long := func(n int) string { return strings.Repeat("x", n) }
	for _, tt := range []struct {
		key string
		ok  bool
	}{
		{"a/b.json", true},
		{long(MaxSegmentBytes) + "/b.json", true},
		{long(MaxSegmentBytes+1) + "/b.json", false},
		{"a/" + long(MaxFileNameBytes), true},
		{"a/" + long(MaxFileNameBytes+1), false},
		{strings.Repeat(long(200)+"/", 21) + "f", false}, // a path longer than MaxPathBytes
		{"site=.tmp-x/f.json", true},                     // a temporary name only when it starts with "."
		{".tmp-x/f.json", false},
	} {
		err := s.CheckKey(tt.key)
		if (err == nil) != tt.ok {
			t.Errorf("CheckKey(%.40q...) = %v, want ok=%v", tt.key, err, tt.ok)
		}
		if err != nil && (!errors.Is(err, ErrInvalidKey) || sinks.Retryable(err)) {
			t.Errorf("CheckKey(%.40q...) = %v: want a permanent ErrInvalidKey", tt.key, err)
		}
	}
}

// Every key CheckKey accepts can be written: the longest file name and
// directory names, at the edge of the file system's limits.
func TestLongestAcceptedKeysAreWritable(t *testing.T) {
	s := newStore(t)
	key := strings.Repeat("d", MaxSegmentBytes) + "/" + strings.Repeat("f", MaxFileNameBytes)
	if err := s.CheckKey(key); err != nil {
		t.Fatal(err)
	}
	if err := s.Put(context.Background(), sinks.Object{Key: key, Body: []byte("x")}); err != nil {
		t.Fatalf("Put of an accepted key: %v", err)
	}
}

func TestErrorRetryable(t *testing.T) {
	dir := t.TempDir()
	tooLong := os.Mkdir(filepath.Join(dir, strings.Repeat("x", 300)), 0o755)
	if !errors.Is(tooLong, syscall.ENAMETOOLONG) {
		t.Fatalf("mkdir of a 300-byte name = %v, want ENAMETOOLONG", tooLong)
	}
	if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	notDir := os.Mkdir(filepath.Join(dir, "f", "sub"), 0o755)
	for _, tt := range []struct {
		err  error
		want bool
	}{
		{tooLong, false},
		{notDir, true}, // a file in the way: the operator can move it
		{syscall.ENOSPC, true},
		{syscall.EACCES, true},
	} {
		e := &Error{Key: "k", Op: "mkdir", Err: tt.err}
		if got := sinks.Retryable(e); got != tt.want {
			t.Errorf("Retryable(%v) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
