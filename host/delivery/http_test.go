package delivery

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// endpoint is a Firehose HTTP endpoint receiver that can be told to fail.
type endpoint struct {
	mu      sync.Mutex
	fail    bool
	records map[string]int
	ids     map[string]bool
	keys    []string
}

func (ep *endpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct {
		RequestID string `json:"requestId"`
		Records   []struct {
			Data []byte `json:"data"`
		} `json:"records"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ep.mu.Lock()
	defer ep.mu.Unlock()
	ep.keys = append(ep.keys, r.Header.Get("X-Amz-Firehose-Access-Key"))
	id := r.Header.Get("X-Amz-Firehose-Request-Id")
	if ep.fail {
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]any{"requestId": id, "timestamp": 1, "errorMessage": "down for maintenance"})
		return
	}
	if !ep.ids[id] { // a retried request id counts once
		ep.ids[id] = true
		for _, rec := range body.Records {
			ep.records[string(rec.Data)]++
		}
	}
	_ = json.NewEncoder(w).Encode(map[string]any{"requestId": id, "timestamp": 1})
}

func (ep *endpoint) got() map[string]int {
	ep.mu.Lock()
	defer ep.mu.Unlock()
	out := map[string]int{}
	for k, v := range ep.records {
		out[k] = v
	}
	return out
}

func TestHTTPEndpoint(t *testing.T) {
	e := newEnv(t)
	ep := &endpoint{records: map[string]int{}, ids: map[string]bool{}}
	srv := httptest.NewServer(ep)
	defer srv.Close()
	errDir := t.TempDir()
	def := Definition{
		Name:      "web",
		Buffering: Buffering{IntervalSeconds: intp(0)},
		Destination: Destination{Kind: DestHTTP, HTTP: &HTTPDest{
			URL: srv.URL, AccessKey: "k3y", RetrySeconds: intp(1),
			ErrorStore: &Destination{Kind: DestFolder, Folder: &FolderDest{Path: errDir}},
		}},
	}
	e.create(def)
	recs := numbered(1000, `{"n":%d}`)
	e.waitCheckpoint("web", lastID(t, e.put("web", recs)))
	checkOnce(t, ep.got(), recs)
	if ep.keys[0] != "k3y" {
		t.Fatalf("access key header %q", ep.keys[0])
	}

	// Down for longer than the retry duration: the records go to the error
	// output, with the endpoint's reason.
	ep.mu.Lock()
	ep.fail = true
	ep.mu.Unlock()
	failed := numbered(5, `{"failed":%d}`)
	e.waitCheckpoint("web", lastID(t, e.put("web", failed)))
	errs := errorLines(t, objects(t, errDir), "errors/http-endpoint-failed/")
	if len(errs) != len(failed) {
		t.Fatalf("%d records in the error output, want %d", len(errs), len(failed))
	}
	for i, er := range errs {
		if string(er.RawData) != string(failed[i]) || er.ErrorCode != "HttpEndpoint.DestinationException" ||
			er.AttemptsMade < 2 {
			t.Fatalf("error record %+v", er)
		}
	}
	_, st, _ := e.m.Describe(context.Background(), "web")
	if st.ErrorRecords != int64(len(failed)) {
		t.Fatalf("status %+v", st)
	}
}
