package e2e

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sluice-io/sluice/host/delivery"
)

// receiver is a Firehose HTTP endpoint that counts each record once per
// request id (the contract: a retried request keeps its id).
type receiver struct {
	mu  sync.Mutex
	ids map[string]bool
	got map[string]int // record data: requests (distinct ids) that held it
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	id := r.Header.Get("X-Amz-Firehose-Request-Id")
	rc.mu.Lock()
	if !rc.ids[id] {
		rc.ids[id] = true
		for _, rec := range body.Records {
			rc.got[string(rec.Data)]++
		}
	}
	rc.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"requestId": id, "timestamp": time.Now().UnixMilli()})
}

func (rc *receiver) count(data []byte) int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.got[string(data)]
}

// flakyEndpoint is an httptest server that can be stopped (nothing
// listens: connections are refused) and started again on the same port.
type flakyEndpoint struct {
	rc   *receiver
	addr string
	srv  *httptest.Server
}

func (e *flakyEndpoint) start(t testing.TB) {
	t.Helper()
	srv := httptest.NewUnstartedServer(e.rc)
	if e.addr != "" {
		srv.Listener.Close()
		var l net.Listener
		var err error
		for try := 0; ; try++ { // the port was just freed; it may linger a moment
			if l, err = net.Listen("tcp", e.addr); err == nil || try == 100 {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		mustf(t, err, "listen again on %s", e.addr)
		srv.Listener = l
	}
	srv.Start()
	e.srv, e.addr = srv, srv.Listener.Addr().String()
	t.Cleanup(srv.Close)
}

func (e *flakyEndpoint) stop() { e.srv.Close() }

// TestHTTPEndpointOutage stops an HTTP endpoint for longer than the
// delivery stream's retry duration (3 s) while records keep arriving,
// then starts it again. The batches that failed for the whole retry
// duration must be in the error output under the error prefix, as
// http-endpoint-failed with Firehose's fields; the records sent once the
// endpoint is back must reach it; and every record must be in exactly one
// of the two, once.
func TestHTTPEndpointOutage(t *testing.T) {
	bin := sluiceBinary(t)
	began := time.Now()
	ep := &flakyEndpoint{rc: &receiver{ids: map[string]bool{}, got: map[string]int{}}}
	ep.start(t)
	_, api := serveProcess(t, bin, t.TempDir())
	errDir := filepath.Join(t.TempDir(), "errors")
	const (
		name        = "http-outage"
		errorPrefix = "failed/!{firehose:error-output-type}/"
	)
	applyDefinition(t, api, delivery.Definition{
		Name:      name,
		Source:    delivery.Source{Kind: delivery.SourceDirectPut},
		Buffering: delivery.Buffering{SizeMiB: 1, IntervalSeconds: intp(1)},
		Destination: delivery.Destination{Kind: delivery.DestHTTP, ErrorPrefix: errorPrefix, HTTP: &delivery.HTTPDest{
			URL: "http://" + ep.addr, RetrySeconds: intp(3),
			ErrorStore: &delivery.Destination{Kind: delivery.DestFolder, Folder: &delivery.FolderDest{Path: errDir}},
		}},
	})

	// Phase 0: the endpoint is up.
	tk := newTicker(directSender(firehoseClient(api), name), 8, 20, 100*time.Millisecond)
	first, err := tk.put(context.Background(), 300)
	mustf(t, err, "put")
	waitDelivered(t, api, name, lastSeq(first))

	// Phase 1: down until the checkpoint has passed 400 records put
	// meanwhile: they cannot have reached the endpoint, so the error
	// output holds them.
	ep.stop()
	tk.phase.Store(1)
	tk.start()
	var failedUpTo uint64
	for deadline := time.Now().Add(waitLimit); failedUpTo == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("fewer than 400 records put in %v with the endpoint down", waitLimit)
		}
		tk.mu.Lock()
		if tk.acked >= 700 {
			failedUpTo = tk.recs[699].seq
		}
		tk.mu.Unlock()
	}
	waitDelivered(t, api, name, failedUpTo)

	// Phase 2: up again; what is put now must reach it.
	ep.start(t)
	tk.phase.Store(2)
	time.Sleep(3 * time.Second)
	recs := tk.halt(t)
	st := waitDelivered(t, api, name, lastSeq(recs))

	// Every record in exactly one place, once.
	lines := errorOutput(t, folderObjects(t, errDir), "failed/http-endpoint-failed/", began, time.Now())
	inErrors := map[string]int{}
	for _, l := range lines {
		inErrors[string(l.RawData)]++
	}
	var p problems
	atEndpoint, failed := 0, 0
	for _, r := range recs {
		e, f := ep.rc.count(r.data), inErrors[string(r.data)]
		atEndpoint, failed = atEndpoint+e, failed+f
		tk.mu.Lock()
		phase := tk.phases[r]
		tk.mu.Unlock()
		switch {
		case e+f != 1:
			p.add("record %s (seq %d, put in phase %d): at the endpoint %d times, in the error output %d times", r.id, r.seq, phase, e, f)
		case phase != 1 && e != 1:
			p.add("record %s (seq %d) put while the endpoint was up is in the error output", r.id, r.seq)
		case r.seq <= failedUpTo && r.seq > lastSeq(first) && f != 1:
			p.add("record %s (seq %d) was delivered while the endpoint was down", r.id, r.seq)
		}
	}
	if len(lines) != failed {
		p.add("the error output holds %d records, %d of them sent", len(lines), failed)
	}
	if st.ErrorRecords != int64(failed) || st.DeliveredRecords != int64(atEndpoint) {
		p.add("status says %d delivered and %d errors; the endpoint has %d, the error output %d", st.DeliveredRecords, st.ErrorRecords, atEndpoint, failed)
	}
	p.report(t, "after the endpoint outage")
	t.Logf("%d records: %d at the endpoint, %d in the error output (%d put while it was down)", len(recs), atEndpoint, failed, countPhase(tk, recs, 1))
}

// httpErrorLine is a line of the error output with every field Firehose
// writes for an HTTP endpoint failure.
type httpErrorLine struct {
	AttemptsMade           int    `json:"attemptsMade"`
	ArrivalTimestamp       int64  `json:"arrivalTimestamp"`
	ErrorCode              string `json:"errorCode"`
	ErrorMessage           string `json:"errorMessage"`
	AttemptEndingTimestamp int64  `json:"attemptEndingTimestamp"`
	RawData                []byte `json:"rawData"`
}

// errorOutput reads the error output's JSON lines, which must all be under
// prefix and carry Firehose's fields, their times between from and to.
func errorOutput(t testing.TB, objs map[string][]byte, prefix string, from, to time.Time) []httpErrorLine {
	t.Helper()
	var out []httpErrorLine
	for key, body := range objs {
		if !strings.HasPrefix(key, prefix) || !strings.HasSuffix(key, ".json") {
			t.Fatalf("error output object %s: want it under %s, named .json", key, prefix)
		}
		for i, line := range strings.Split(strings.TrimSuffix(string(body), "\n"), "\n") {
			var fields map[string]json.RawMessage
			var l httpErrorLine
			if err := json.Unmarshal([]byte(line), &fields); err != nil {
				t.Fatalf("%s line %d: %v: %q", key, i+1, err, line)
			}
			for _, f := range []string{"attemptsMade", "arrivalTimestamp", "errorCode", "errorMessage", "attemptEndingTimestamp", "rawData"} {
				if _, ok := fields[f]; !ok {
					t.Fatalf("%s line %d has no %s: %s", key, i+1, f, line)
				}
			}
			mustf(t, json.Unmarshal([]byte(line), &l), "%s line %d", key, i+1)
			if l.AttemptsMade < 1 || l.ArrivalTimestamp < from.UnixMilli() || l.AttemptEndingTimestamp < l.ArrivalTimestamp ||
				l.AttemptEndingTimestamp > to.UnixMilli() ||
				!strings.HasPrefix(l.ErrorCode, "HttpEndpoint.") || l.ErrorMessage == "" || len(l.RawData) == 0 {
				t.Fatalf("%s line %d: %s", key, i+1, line)
			}
			out = append(out, l)
		}
	}
	return out
}
