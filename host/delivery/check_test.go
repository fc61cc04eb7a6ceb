package delivery

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/sluice-io/sluice/host/modules"
	"github.com/sluice-io/sluice/internal/rofs"
	"github.com/sluice-io/sluice/internal/s3test"
	"github.com/sluice-io/sluice/runtime"
)

// s3Def is a direct-put delivery stream to srv's bucket, with mut applied
// to its S3 settings.
func s3Def(name string, srv *s3test.Server, mut func(*S3Dest)) Definition {
	s := &S3Dest{
		Endpoint: srv.Endpoint, Bucket: srv.Bucket, Region: srv.Region,
		AccessKeyID: srv.AccessKey, SecretAccessKey: srv.SecretKey, PathStyle: true,
	}
	if mut != nil {
		mut(s)
	}
	return Definition{Name: name, Buffering: Buffering{IntervalSeconds: intp(0)}, Destination: Destination{Kind: DestS3, S3: s}}
}

// httpDef is a delivery stream to an HTTP endpoint whose error store is
// the folder errDir.
func httpDef(name, url, errDir string) Definition {
	return Definition{
		Name:      name,
		Buffering: Buffering{IntervalSeconds: intp(0)},
		Destination: Destination{Kind: DestHTTP, HTTP: &HTTPDest{
			URL: url, RetrySeconds: intp(0),
			ErrorStore: &Destination{Kind: DestFolder, Folder: &FolderDest{Path: errDir}},
		}},
	}
}

// closedURL is an http URL on a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String() + "/"
	_ = l.Close()
	return u
}

// corrupt replaces the stored bytes of a pushed module version (keeping
// its registry metadata) with wasm that does not compile: what a damaged
// store, or a module pushed by a host whose runtime accepted it, gives.
func (e *env) corrupt(ref string) {
	e.t.Helper()
	ctx := context.Background()
	objs, err := e.js.JS.ObjectStore(ctx, modules.DefaultBucket)
	if err != nil {
		e.t.Fatal(err)
	}
	info, err := objs.GetInfo(ctx, ref)
	if err != nil {
		e.t.Fatal(err)
	}
	bad, err := os.ReadFile(filepath.Join("..", "..", "runtime", "testdata", "truncated.wasm"))
	if err != nil {
		e.t.Fatalf("runtime/testdata/truncated.wasm is missing (%v): run `bash scripts/build-wasm.sh`", err)
	}
	if _, err := objs.Put(ctx, jetstream.ObjectMeta{Name: ref, Metadata: info.Metadata}, bytes.NewReader(bad)); err != nil {
		e.t.Fatal(err)
	}
}

// TestApplyRefusesWhatCannotRun creates, and applies over a good delivery
// stream, definitions that pass every rule of the file but could never
// run: each is refused with ErrInvalid and the reason, and nothing is
// stored or changed.
func TestApplyRefusesWhatCannotRun(t *testing.T) {
	e := newEnv(t)
	srv := s3test.Start(t)
	e.push("upper", "runtime/testdata/c_upper.wasm")
	e.push("bigmem", "runtime/testdata/bigout.wasm") // declares 101 pages (6.3 MiB) to start
	e.push("broken", "runtime/testdata/c_identity.wasm")
	e.corrupt("broken@1")
	aFile := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(aFile, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	withProc := func(p Processor) func(*Definition) {
		return func(d *Definition) { d.Processor = &p }
	}
	cases := []struct {
		name   string
		def    func(name string) Definition
		mutate func(*Definition)
		want   []string // in the message
	}{
		{"memory over the runtime's ceiling", nil, withProc(Processor{Module: "upper", MemoryMiB: 2048}),
			[]string{"processor memory 2048 MiB is outside 1..1024 MiB", "processor.memoryMiB"}},
		{"module needs more memory than its limit", nil, withProc(Processor{Module: "bigmem", MemoryMiB: 4}),
			[]string{"bigmem@1 does not load", "needs 6619136 bytes of memory to start"}},
		{"module does not compile", nil, withProc(Processor{Module: "broken"}),
			[]string{"broken@1 does not load", "not a valid WebAssembly module"}},
		{"folder under a read-only directory", func(n string) Definition { return folderDef(n, filepath.Join(rofs.Dir(t), "out")) }, nil,
			[]string{"destination folder", "read-only"}},
		{"folder under a file", func(n string) Definition { return folderDef(n, filepath.Join(aFile, "out")) }, nil,
			[]string{"destination folder", "not a directory"}},
		{"S3 wrong secret", func(n string) Definition { return s3Def(n, srv, func(s *S3Dest) { s.SecretAccessKey = "wrong" }) }, nil,
			[]string{"destination s3://", "HTTP 403"}},
		{"S3 unknown access key", func(n string) Definition { return s3Def(n, srv, func(s *S3Dest) { s.AccessKeyID = "nobody" }) }, nil,
			[]string{"destination s3://"}},
		{"S3 missing bucket", func(n string) Definition { return s3Def(n, srv, func(s *S3Dest) { s.Bucket = "no-such-bucket" }) }, nil,
			[]string{"bucket no-such-bucket does not exist"}},
		{"HTTP error store under a read-only directory", func(n string) Definition {
			return httpDef(n, closedURL(t), filepath.Join(rofs.Dir(t), "errors"))
		}, nil, []string{"destination folder", "read-only"}},
		{"HTTP buffering over Firehose's 64 MiB", func(n string) Definition {
			d := httpDef(n, closedURL(t), t.TempDir())
			d.Buffering.SizeMiB = 65
			return d
		}, nil, []string{"buffering size for an HTTP destination 65 MiB is outside 1..64 MiB"}},
		{"timeout over the runtime's maximum", nil, withProc(Processor{Module: "upper", TimeoutSeconds: 901}),
			[]string{"processor timeout 901 s is outside 1..900 s"}},
		{"grant of the delivery definitions bucket", nil, withProc(Processor{Module: "upper", KVBuckets: []string{"devices", "sluice_delivery"}}),
			[]string{"processor: kvBuckets", `"sluice_delivery" is reserved for Sluice's own state`}},
		{"grant of the stream definitions bucket by its stream name", nil, withProc(Processor{Module: "upper", KVBuckets: []string{"KV_sluice_kinesis"}}),
			[]string{"processor: kvBuckets", `"KV_sluice_kinesis" is reserved`}},
		{"grant of the module store", nil, withProc(Processor{Module: "upper", KVBuckets: []string{"Sluice-modules"}}),
			[]string{"processor: kvBuckets", `"Sluice-modules" is reserved`}},
		{"grant of a name that is no bucket", nil, withProc(Processor{Module: "upper", KVBuckets: []string{"a.b"}}),
			[]string{"processor: kvBuckets", "must match [a-zA-Z0-9_-]+"}},
	}
	ctx := context.Background()
	good := e.create(folderDef("good", out))
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fresh := fmt.Sprintf("new%d", i)
			for _, op := range []string{"create", "apply"} {
				name := fresh
				if op == "apply" {
					name = "good"
				}
				d := folderDef(name, out)
				if c.def != nil {
					d = c.def(name)
				}
				if c.mutate != nil {
					c.mutate(&d)
				}
				var err error
				if op == "create" {
					_, err = e.m.Create(ctx, d)
				} else {
					_, _, err = e.m.Apply(ctx, d)
				}
				if !errors.Is(err, ErrInvalid) {
					t.Fatalf("%s: err = %v, want ErrInvalid", op, err)
				}
				for _, w := range c.want {
					if !strings.Contains(err.Error(), w) {
						t.Fatalf("%s: message %q does not mention %q", op, err, w)
					}
				}
				t.Logf("%s refused: %v", op, err)
			}
			if _, _, err := e.m.Describe(ctx, fresh); !errors.Is(err, ErrNotFound) {
				t.Fatalf("a refused create was stored: %v", err)
			}
			if cur, _, err := e.m.Describe(ctx, "good"); err != nil || cur.Version != good.Version || cur.Destination.Folder == nil {
				t.Fatalf("a refused apply changed the stored definition: %+v %v", cur, err)
			}
		})
	}
}

// TestApplyWarnsWhenDestinationIsDown creates delivery streams whose
// destinations cannot be reached now: each is created, says why in its
// warnings, stores none, and delivers once the destination is back.
func TestApplyWarnsWhenDestinationIsDown(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	srv := s3test.Start(t)

	srv.Stop()
	got, err := e.m.Create(ctx, s3Def("tos3", srv, nil))
	if err != nil {
		t.Fatalf("create with S3 down: %v", err)
	}
	if len(got.Warnings) != 1 || !strings.Contains(got.Warnings[0], "not reachable now") || !strings.Contains(got.Warnings[0], srv.Endpoint) {
		t.Fatalf("warnings %q, want one saying %s is not reachable", got.Warnings, srv.Endpoint)
	}
	t.Logf("warning: %s", got.Warnings[0])
	stored, _, err := e.m.Describe(ctx, "tos3")
	if err != nil || stored.Warnings != nil {
		t.Fatalf("stored definition %+v, %v: warnings must not be stored", stored, err)
	}
	if _, changed, err := e.m.Apply(ctx, s3Def("tos3", srv, nil)); err != nil || changed {
		t.Fatalf("applying the same definition again: changed %v, %v", changed, err)
	}
	ids := e.put("tos3", numbered(10, `{"n":%d}`))
	srv.Restart()
	e.waitCheckpoint("tos3", lastID(t, ids))
	if len(srv.List("")) == 0 {
		t.Fatal("nothing delivered once S3 was back")
	}

	// An HTTP endpoint that is down is a warning too; one that is up is
	// probed without a request.
	got, err = e.m.Create(ctx, httpDef("down", closedURL(t), t.TempDir()))
	if err != nil || len(got.Warnings) != 1 || !strings.Contains(got.Warnings[0], "connection refused") {
		t.Fatalf("create with the endpoint down: %+v, %v", got, err)
	}
	var requests atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { requests.Add(1) }))
	defer hs.Close()
	got, err = e.m.Create(ctx, httpDef("up", hs.URL, t.TempDir()))
	if err != nil || len(got.Warnings) != 0 {
		t.Fatalf("create with the endpoint up: %+v, %v", got, err)
	}
	if n := requests.Load(); n != 0 {
		t.Fatalf("the probe sent the endpoint %d requests", n)
	}
}

// TestProbeLeavesNoObject checks that a folder probe leaves the folder as
// the delivery stream will find it: empty.
func TestProbeLeavesNoObject(t *testing.T) {
	e := newEnv(t)
	dir := filepath.Join(t.TempDir(), "new", "out")
	e.create(folderDef("f", dir))
	if got := objects(t, dir); len(got) != 0 {
		t.Fatalf("the probe left %v", sortedKeys(got, ""))
	}
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 0 {
		t.Fatalf("folder holds %v (%v), want nothing", entries, err)
	}
}

// TestMemoryMaximumIsTheRuntimes checks that the most memory a processor
// may ask for is what the Manager's runtime allows: exactly the ceiling
// passes and the pipeline runs with it, one MiB more is refused, for the
// default ceiling and a configured one.
func TestMemoryMaximumIsTheRuntimes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.push("upper", "runtime/testdata/c_upper.wasm")
	if got := e.m.memoryCeiling(); got != runtime.DefaultMaxMemoryBytes {
		t.Fatalf("ceiling %d, want the runtime's default %d", got, runtime.DefaultMaxMemoryBytes)
	}

	small, err := runtime.New(ctx, runtime.WithCacheDir(testCacheDir), runtime.WithMaxMemoryBytes(256<<20))
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close(ctx)
	m2, err := Open(ctx, e.js.Conn, Deps{Modules: e.reg, Runtime: small}, Config{Bucket: "sluice_delivery_small", OutputRoot: testOutputRoot()})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()

	for _, tc := range []struct {
		m       *Manager
		ceiling int
	}{{e.m, runtime.DefaultMaxMemoryBytes >> 20}, {m2, 256}} {
		over := folderDef("over", t.TempDir())
		over.Processor = &Processor{Module: "upper", MemoryMiB: tc.ceiling + 1}
		if _, err := tc.m.Create(ctx, over); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "no module more than") {
			t.Fatalf("memory %d MiB over a %d MiB ceiling: %v", tc.ceiling+1, tc.ceiling, err)
		}
		if lim := limitByField(tc.m.Limits(), "processor.memoryMiB"); lim.Max != float64(tc.ceiling) {
			t.Fatalf("the limit table says %v MiB, the runtime %d MiB", lim.Max, tc.ceiling)
		}
	}

	dir := t.TempDir()
	at := folderDef("at", dir)
	at.Processor = &Processor{Module: "upper", MemoryMiB: 256, TimeoutSeconds: MaxTimeoutSeconds}
	if _, err := m2.Create(ctx, at); err != nil {
		t.Fatalf("memory at the ceiling, timeout at the maximum: %v", err)
	}
	if _, err := m2.Put(ctx, "at", [][]byte{[]byte("hello\n")}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the pipeline at the limits to deliver", func() bool {
		for _, b := range objects(t, dir) {
			if strings.Contains(string(b), "HELLO") {
				return true
			}
		}
		return false
	})
}

func limitByField(ls []Limit, field string) Limit {
	for _, l := range ls {
		if l.Field == field {
			return l
		}
	}
	return Limit{}
}
