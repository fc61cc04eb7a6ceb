package host

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/host/delivery"
)

// readyz fetches /readyz as JSON and as text.
func readyz(t *testing.T, srv *Server) (int, Readiness, string) {
	t.Helper()
	base := "http://" + srv.HTTPAddr() + "/readyz"
	code, body := get(t, base+"?format=json")
	var rd Readiness
	if err := json.Unmarshal([]byte(body), &rd); err != nil {
		t.Fatalf("/readyz?format=json: %v: %s", err, body)
	}
	if c2, b2 := get(t, base, "Accept", "application/json"); c2 != code || !strings.HasPrefix(b2, "{") {
		t.Errorf("/readyz with Accept: application/json: %d %s", c2, b2)
	}
	tcode, text := get(t, base)
	if tcode != code {
		t.Errorf("/readyz text %d, JSON %d", tcode, code)
	}
	return code, rd, text
}

// TestReadyz: ready when JetStream answers and no delivery stream fails;
// a delivery stream whose folder cannot be written makes it 503, naming
// the stream, its reason and since when, while /healthz stays ok; once
// that stream is deleted, ready again.
func TestReadyz(t *testing.T) {
	srv, _ := open(t, Config{})
	ctx := context.Background()
	code, rd, text := readyz(t, srv)
	if code != http.StatusOK || !rd.Ready || !rd.JetStream.Ready || len(rd.Failing) != 0 {
		t.Fatalf("fresh server: %d %+v", code, rd)
	}
	if text != "ready\njetstream: ready\nstorage: writable\nfailing delivery streams: 0\n" {
		t.Errorf("text %q", text)
	}

	// Objects and errors go under out/p/ and out/e/, which are files:
	// nothing can be written there, neither the data nor its error output.
	out := t.TempDir()
	for _, f := range []string{"p", "e"} {
		if err := os.WriteFile(filepath.Join(out, f), []byte("not a folder"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	zero := 0
	if _, _, err := srv.delivery.Apply(ctx, delivery.Definition{
		Name:      "archive",
		Buffering: delivery.Buffering{IntervalSeconds: &zero},
		Destination: delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: out},
			Prefix: "p/", ErrorPrefix: "e/"},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.delivery.Put(ctx, "archive", [][]byte{[]byte(`{"a":1}`)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "/readyz to report the failing delivery stream", func() bool {
		code, _ := get(t, "http://"+srv.HTTPAddr()+"/readyz")
		return code == http.StatusServiceUnavailable
	})
	code, rd, text = readyz(t, srv)
	if code != http.StatusServiceUnavailable || rd.Ready || !rd.JetStream.Ready || len(rd.Failing) != 1 {
		t.Fatalf("failing delivery: %d %+v", code, rd)
	}
	f := rd.Failing[0]
	if f.Name != "archive" || f.Reason == "" || f.Since.IsZero() {
		t.Errorf("failing entry %+v", f)
	}
	for _, want := range []string{"not ready\n", "jetstream: ready\n", "failing delivery streams: 1\n", "  archive", " since ", f.Reason} {
		if !strings.Contains(text, want) {
			t.Errorf("text %q lacks %q", text, want)
		}
	}
	if code, _ := get(t, "http://"+srv.HTTPAddr()+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz with a failing delivery stream: %d, want 200 (liveness)", code)
	}

	if err := srv.delivery.Delete(ctx, "archive"); err != nil {
		t.Fatal(err)
	}
	eventually(t, "/readyz to be ready once the failing stream is deleted", func() bool {
		code, _ := get(t, "http://"+srv.HTTPAddr()+"/readyz")
		return code == http.StatusOK
	})
}

// TestReadyzJetStreamDown: with the JetStream server gone, /readyz says
// so with 503 while /healthz (the process answers) stays 200.
func TestReadyzJetStreamDown(t *testing.T) {
	srv, _ := open(t, Config{})
	srv.nats.Close()
	code, rd, text := readyz(t, srv)
	if code != http.StatusServiceUnavailable || rd.Ready || rd.JetStream.Ready || rd.JetStream.Error == "" {
		t.Fatalf("JetStream down: %d %+v", code, rd)
	}
	if !strings.HasPrefix(text, "not ready\njetstream: not ready: ") {
		t.Errorf("text %q", text)
	}
	if code, _ := get(t, "http://"+srv.HTTPAddr()+"/healthz"); code != http.StatusOK {
		t.Errorf("/healthz: %d", code)
	}
}
