package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/streams"
)

// lastBatch reads the range of the newest data object under prefix from
// its name (<stream>-<version>-<time>-<first>-<last>.jsonl).
func lastBatch(t *testing.T, objs map[string][]byte, prefix string) (uint64, uint64) {
	t.Helper()
	ks := sortedKeys(objs, prefix)
	if len(ks) == 0 {
		t.Fatalf("no objects under %s", prefix)
	}
	name := ks[len(ks)-1][strings.LastIndex(ks[len(ks)-1], "/")+1:]
	parts := strings.Split(strings.TrimSuffix(name, ".jsonl"), "-")
	first, err1 := strconv.ParseUint(parts[len(parts)-2], 10, 64)
	last, err2 := strconv.ParseUint(parts[len(parts)-1], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("object %s: %v %v", name, err1, err2)
	}
	return first, last
}

// A batch written but not acknowledged when the definition changes is
// replayed under the definition that wrote it: its objects are rewritten
// where they were, not added again under the new prefix. (Before, 98 of
// 100 such records were left twice in the output.)
func TestReplayUnderTheDefinitionThatWroteIt(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if err := e.eng.CreateStream(ctx, "src", 2); err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	def := folderDef("edit", out)
	def.Source = Source{Kind: SourceDataStream, Stream: "src", StartingPosition: streams.TrimHorizon}
	def.Buffering.IntervalSeconds = intp(1)
	def.Destination.Prefix = "v1/"
	e.create(def)
	var first [][]byte
	for round := range 3 {
		recs := numbered(100, fmt.Sprintf(`{"round":%d,"n":%%d}`, round))
		first = append(first, recs...)
		e.waitCheckpoint("edit", e.putStream("src", recs))
	}
	from, to := lastBatch(t, objects(t, out), "v1/")
	if from == 1 {
		t.Fatalf("one batch only (%d..%d): the test needs an earlier batch", from, to)
	}

	// A crash between writing the last batch and acknowledging it leaves
	// its intent; the old prefix cannot be written when the server comes
	// back, so the replay cannot happen before the definition is changed.
	if err := e.m.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.m.store.putPos(ctx, "edit", position{Checkpoint: from - 1, Intent: &intent{First: from, Last: to, Version: 1}}); err != nil {
		t.Fatal(err)
	}
	unblock := block(t, filepath.Join(out, "v1"))
	e.restart()
	e.waitState("edit", StatusRetrying)
	def.Destination.Prefix = "v2/"
	if _, changed, err := e.m.Apply(ctx, def); err != nil || !changed {
		t.Fatalf("apply: changed %v, %v", changed, err)
	}
	unblock()
	e.waitCheckpoint("edit", to)
	second := numbered(100, `{"second":%d}`)
	e.waitCheckpoint("edit", e.putStream("src", second))

	objs := objects(t, out)
	inV1, inV2 := map[string]int{}, map[string]int{}
	for k, b := range objs {
		for _, l := range lines(b) {
			switch {
			case strings.HasPrefix(k, "v1/"):
				inV1[l]++
			case strings.HasPrefix(k, "v2/"):
				inV2[l]++
			}
		}
	}
	checkOnce(t, inV1, first)
	checkOnce(t, inV2, second)
	if ks := sortedKeys(objs, "v1/"); !strings.Contains(ks[len(ks)-1], "-1-") {
		t.Errorf("the replayed object %s is not named by version 1", ks[len(ks)-1])
	}
}

// Applying definitions again and again while records flow never loses or
// doubles one: each batch finishes, or is replayed, under the version that
// started it.
func TestApplyWhileDelivering(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	out := t.TempDir()
	def := folderDef("flow", out)
	def.Buffering.IntervalSeconds = intp(0)
	e.create(def)
	recs := numbered(6000, `{"n":%d}`)
	done := make(chan []string)
	go func() {
		var ids []string
		for i := 0; i < len(recs); i += 200 {
			res, err := e.m.Put(ctx, "flow", recs[i:i+200])
			if err != nil {
				t.Error(err)
				break
			}
			for _, r := range res {
				if r.Err != nil {
					t.Error(r.Err)
				}
				ids = append(ids, r.RecordID)
			}
		}
		done <- ids
	}()
	for v := 2; v <= 6; v++ {
		time.Sleep(50 * time.Millisecond)
		def.Destination.Prefix = fmt.Sprintf("v%d/", v)
		if _, _, err := e.m.Apply(ctx, def); err != nil {
			t.Fatal(err)
		}
	}
	ids := <-done
	e.waitCheckpoint("flow", lastID(t, ids))
	got := map[string]int{}
	for _, b := range objects(t, out) {
		for _, l := range lines(b) {
			got[l]++
		}
	}
	checkOnce(t, got, recs)
}

// recorder tells seen the request id and records of every request, then
// passes it on to next.
func recorder(next http.Handler, seen func(id string, recs []string)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req struct {
			Records []struct {
				Data []byte `json:"data"`
			} `json:"records"`
		}
		if err := json.Unmarshal(body, &req); err == nil {
			recs := make([]string, len(req.Records))
			for i, rec := range req.Records {
				recs[i] = string(rec.Data)
			}
			seen(r.Header.Get("X-Amz-Firehose-Request-Id"), recs)
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// An HTTP request replayed after the definition changed keeps the request
// id it had (the id derives from the batch's version, not the new one).
func TestHTTPRequestIDSurvivesApply(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	ep := &endpoint{records: map[string]int{}, ids: map[string]bool{}, fail: true}
	sent := map[string]map[string]bool{}
	var mu sync.Mutex
	srv := httptest.NewServer(recorder(ep, func(id string, recs []string) {
		mu.Lock()
		defer mu.Unlock()
		for _, r := range recs {
			if sent[r] == nil {
				sent[r] = map[string]bool{}
			}
			sent[r][id] = true
		}
	}))
	defer srv.Close()
	def := httpDef("ids", srv.URL, t.TempDir())
	def.Destination.HTTP.RetrySeconds = intp(60) // retried all along, not sent to the error output
	e.create(def)
	recs := numbered(50, `{"n":%d}`)
	ids := e.put("ids", recs)
	waitFor(t, "a failed request", func() bool { return e.status("ids").Failing() })
	def.Destination.HTTP.CommonAttributes = map[string]string{"edited": "yes"}
	if _, _, err := e.m.Apply(ctx, def); err != nil {
		t.Fatal(err)
	}
	ep.mu.Lock()
	ep.fail = false
	ep.mu.Unlock()
	e.waitCheckpoint("ids", lastID(t, ids))
	mu.Lock()
	defer mu.Unlock()
	for _, r := range recs {
		if n := len(sent[string(r)]); n != 1 {
			t.Fatalf("record %s was sent under %d request ids, want 1", r, n)
		}
	}
}
