package awsfront

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// Front forwards AWS JSON calls to a target and fails them on request.
type Front struct {
	t      testing.TB
	target string
	addr   string
	client *http.Client

	mu      sync.Mutex
	srv     *http.Server
	answers []Answer
	pick    func(op string, data []byte) (code string, fail bool)
	calls   []Call
}

// Answer is an error the front answers a call with instead of forwarding
// it.
type Answer struct {
	// Op is the operation it applies to ("PutRecords"); "" is any.
	Op     string
	Status int
	Type   string
	Msg    string
	// Times it is answered; < 0 until ClearAnswers.
	Times int
}

// Call is one call the front saw.
type Call struct {
	Op string
	// Records in a put call (before any were failed by the front).
	Records int
	// Auth is the Authorization header.
	Auth string
	// Answered is the status the caller got.
	Answered int
}

// Start serves a front for target (a base URL) on a loopback port; it is
// closed by t.Cleanup.
func Start(t testing.TB, target string) *Front {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &Front{t: t, target: strings.TrimSuffix(target, "/"), addr: ln.Addr().String(), client: &http.Client{Timeout: 30 * time.Second}}
	f.serve(ln)
	t.Cleanup(f.Down)
	return f
}

// URL is the front's base URL.
func (f *Front) URL() string { return "http://" + f.addr }

func (f *Front) serve(ln net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(f.handle), ReadHeaderTimeout: 10 * time.Second}
	f.mu.Lock()
	f.srv = srv
	f.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Down closes the listener and every connection: calls get connection
// refused until Up.
func (f *Front) Down() {
	f.mu.Lock()
	srv := f.srv
	f.srv = nil
	f.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Up listens again on the same address.
func (f *Front) Up() {
	f.t.Helper()
	var ln net.Listener
	var err error
	for range 100 { // the port is ours, but the old socket may linger a moment
		if ln, err = net.Listen("tcp", f.addr); err == nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err != nil {
		f.t.Fatalf("front up again on %s: %v", f.addr, err)
	}
	f.serve(ln)
}

// AddAnswer makes the front answer calls with a.
func (f *Front) AddAnswer(a Answer) {
	f.mu.Lock()
	f.answers = append(f.answers, a)
	f.mu.Unlock()
}

// ClearAnswers forwards every call again.
func (f *Front) ClearAnswers() {
	f.mu.Lock()
	f.answers = nil
	f.mu.Unlock()
}

// FailRecords makes the front fail, in every PutRecords and PutRecordBatch
// call, the records pick says to, with the code it gives (they are not
// forwarded); nil stops it.
func (f *Front) FailRecords(pick func(op string, data []byte) (code string, fail bool)) {
	f.mu.Lock()
	f.pick = pick
	f.mu.Unlock()
}

// Calls returns the calls seen so far.
func (f *Front) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]Call(nil), f.calls...)
}

func (f *Front) handle(w http.ResponseWriter, r *http.Request) {
	target := r.Header.Get("X-Amz-Target")
	op := target[strings.LastIndexByte(target, '.')+1:]
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	call := Call{Op: op, Auth: r.Header.Get("Authorization")}
	var req putRequest
	isPut := op == "PutRecords" || op == "PutRecordBatch"
	if isPut {
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		call.Records = len(req.Records)
	}
	f.mu.Lock()
	var ans *Answer
	for i := range f.answers {
		a := &f.answers[i]
		if a.Times != 0 && (a.Op == "" || a.Op == op) {
			if a.Times > 0 {
				a.Times--
			}
			cp := *a
			ans = &cp
			break
		}
	}
	pick := f.pick
	f.mu.Unlock()
	record := func(status int) {
		call.Answered = status
		f.mu.Lock()
		f.calls = append(f.calls, call)
		f.mu.Unlock()
	}
	if ans != nil {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(ans.Status)
		_ = json.NewEncoder(w).Encode(map[string]string{"__type": ans.Type, "message": ans.Msg})
		record(ans.Status)
		return
	}
	// Records the front fails are left out of the call forwarded, and
	// put back into its answer as failures.
	var failed map[int]string
	if isPut && pick != nil {
		keep := req.Records[:0:0]
		failed = map[int]string{}
		for i, rec := range req.Records {
			var data []byte
			_ = json.Unmarshal(rec["Data"], &data)
			if code, fail := pick(op, data); fail {
				failed[i] = code
				continue
			}
			keep = append(keep, rec)
		}
		if len(failed) > 0 {
			if len(keep) == 0 {
				ok := answerAllFailed(op, len(req.Records), failed)
				w.Header().Set("Content-Type", "application/x-amz-json-1.1")
				_, _ = w.Write(ok)
				record(200)
				return
			}
			req.Records = keep
			body = req.encode()
		}
	}
	out, err := http.NewRequestWithContext(r.Context(), http.MethodPost, f.target+r.URL.Path, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for _, h := range []string{"Content-Type", "X-Amz-Target", "Authorization", "X-Amz-Date"} {
		out.Header.Set(h, r.Header.Get(h))
	}
	resp, err := f.client.Do(out)
	if err != nil {
		http.Error(w, "front: target: "+err.Error(), http.StatusBadGateway)
		record(http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		record(http.StatusBadGateway)
		return
	}
	if len(failed) > 0 && resp.StatusCode == http.StatusOK {
		rb, err = mergeFailed(op, rb, call.Records, failed)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			record(http.StatusBadGateway)
			return
		}
	}
	w.Header().Set("Content-Type", resp.Header.Get("Content-Type"))
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(rb)
	record(resp.StatusCode)
}

// putRequest is a PutRecords or PutRecordBatch body, its records kept raw.
type putRequest struct {
	StreamName         string                       `json:"StreamName,omitempty"`
	DeliveryStreamName string                       `json:"DeliveryStreamName,omitempty"`
	Records            []map[string]json.RawMessage `json:"Records"`
}

func (p *putRequest) encode() []byte {
	b, _ := json.Marshal(p)
	return b
}

// failedEntry is a failed record's entry in an answer.
func failedEntry(code string) map[string]any {
	return map[string]any{"ErrorCode": code, "ErrorMessage": "failed by the test front: " + code}
}

func answerAllFailed(op string, n int, failed map[int]string) []byte {
	entries := make([]map[string]any, n)
	for i := range entries {
		entries[i] = failedEntry(failed[i])
	}
	var v map[string]any
	if op == "PutRecords" {
		v = map[string]any{"FailedRecordCount": n, "Records": entries}
	} else {
		v = map[string]any{"FailedPutCount": n, "Encrypted": false, "RequestResponses": entries}
	}
	b, _ := json.Marshal(v)
	return b
}

// mergeFailed puts the front's failures back among the target's answers
// at their places.
func mergeFailed(op string, body []byte, n int, failed map[int]string) ([]byte, error) {
	var ans map[string]json.RawMessage
	if err := json.Unmarshal(body, &ans); err != nil {
		return nil, err
	}
	list, count := "Records", "FailedRecordCount"
	if op == "PutRecordBatch" {
		list, count = "RequestResponses", "FailedPutCount"
	}
	var got []json.RawMessage
	if err := json.Unmarshal(ans[list], &got); err != nil {
		return nil, err
	}
	if len(got)+len(failed) != n {
		return nil, fmt.Errorf("front: target answered %d records of %d", len(got), n-len(failed))
	}
	var prior int
	_ = json.Unmarshal(ans[count], &prior)
	all := make([]json.RawMessage, 0, n)
	for i := range n {
		if code, ok := failed[i]; ok {
			b, _ := json.Marshal(failedEntry(code))
			all = append(all, b)
			continue
		}
		all = append(all, got[0])
		got = got[1:]
	}
	ans[list], _ = json.Marshal(all)
	ans[count], _ = json.Marshal(prior + len(failed))
	return json.Marshal(ans)
}
