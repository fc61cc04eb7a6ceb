package awsjson

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

type echoIn struct {
	Name  string `json:"Name"`
	Count int32  `json:"Count"`
	Blob  []byte `json:"Blob"`
	At    *Time  `json:"At"`
}

type echoOut struct {
	Name string `json:"Name"`
	At   *Time  `json:"At,omitempty"`
	Blob []byte `json:"Blob,omitempty"`
}

func newTestMux(opts ...Option) *Mux {
	m := NewMux(nil, opts...)
	m.Handle("Test_1", "Echo", Func(func(_ context.Context, in *echoIn) (*echoOut, error) {
		switch in.Name {
		case "fail":
			return nil, Errorf("ResourceNotFoundException", "no %s", in.Name)
		case "panic-free internal":
			return nil, io.ErrUnexpectedEOF
		}
		return &echoOut{Name: in.Name, At: in.At, Blob: in.Blob}, nil
	}))
	return m
}

// countingReader yields endless 'a's and counts what was read.
type countingReader struct{ n int64 }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n += int64(len(p))
	return len(p), nil
}

func serve(m *Mux, target string, body io.Reader, length int64) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/", body)
	req.ContentLength = length
	if target != "" {
		req.Header.Set("X-Amz-Target", target)
	}
	w := httptest.NewRecorder()
	m.ServeHTTP(w, req)
	return w
}

func TestMuxResponses(t *testing.T) {
	m := newTestMux()
	m.NotServed("Test_1", "Later", "it is planned")
	cases := []struct {
		name, target, body string
		status             int
		want               string
	}{
		{"ok", "Test_1.Echo", `{"Name":"x","At":1515531081.123,"Blob":"aGk="}`, 200, `{"Name":"x","At":1515531081.123,"Blob":"aGk="}`},
		{"empty body", "Test_1.Echo", ``, 200, `{"Name":""}`},
		{"aws error", "Test_1.Echo", `{"Name":"fail"}`, 400, `{"__type":"ResourceNotFoundException","message":"no fail"}`},
		{"internal", "Test_1.Echo", `{"Name":"panic-free internal"}`, 500, `{"__type":"InternalFailure","message":"Internal service failure."}`},
		{"unknown op", "Test_1.Nope", `{}`, 400, `{"__type":"UnknownOperationException","message":"Unknown operation \"Test_1.Nope\"."}`},
		{"not served", "Test_1.Later", `{}`, 400, `{"__type":"UnknownOperationException","message":"Sluice does not serve Test_1.Later: it is planned"}`},
		{"no target", "", `{}`, 400, `{"__type":"UnknownOperationException","message":"Unknown operation \"\"."}`},
		{"bad json", "Test_1.Echo", `{"Name":`, 400, "SerializationException"},
		{"wrong type", "Test_1.Echo", `{"Count":"3"}`, 400, "SerializationException"},
		{"overflow", "Test_1.Echo", `{"Count":99999999999}`, 400, "SerializationException"},
		{"bad base64", "Test_1.Echo", `{"Blob":"***"}`, 400, "SerializationException"},
		{"bad time", "Test_1.Echo", `{"At":"yesterday"}`, 400, "SerializationException"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := serve(m, c.target, strings.NewReader(c.body), int64(len(c.body)))
			if w.Code != c.status {
				t.Fatalf("status %d, want %d: %s", w.Code, c.status, w.Body)
			}
			if w.Header().Get("Content-Type") != ContentType {
				t.Fatalf("content type %q", w.Header().Get("Content-Type"))
			}
			got := strings.TrimSpace(w.Body.String())
			if strings.HasPrefix(c.want, "{") {
				if got != c.want {
					t.Fatalf("body %s, want %s", got, c.want)
				}
				return
			}
			var e errorBody
			if err := json.Unmarshal([]byte(got), &e); err != nil || e.Type != c.want || e.Message == "" {
				t.Fatalf("body %s, want type %s", got, c.want)
			}
		})
	}
}

func TestMuxRefusesOversizedBodies(t *testing.T) {
	const limit = 1024
	m := newTestMux(WithMaxBodyBytes(limit))

	// Declared too long: refused before reading anything.
	r := &countingReader{}
	w := serve(m, "Test_1.Echo", io.LimitReader(r, 1<<30), 1<<30)
	if w.Code != http.StatusRequestEntityTooLarge || !strings.Contains(w.Body.String(), "exceeds the limit of 1024 bytes") {
		t.Fatalf("declared: %d %s", w.Code, w.Body)
	}
	if r.n != 0 {
		t.Fatalf("read %d bytes of a body declared too long", r.n)
	}

	// Undeclared length (chunked): read no further than the limit.
	r = &countingReader{}
	w = serve(m, "Test_1.Echo", r, -1)
	if w.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("chunked: %d %s", w.Code, w.Body)
	}
	if r.n > limit+1 {
		t.Fatalf("read %d bytes of an endless body with a %d limit", r.n, limit)
	}

	// At the limit is fine.
	body := `{"Name":"` + strings.Repeat("x", limit-11) + `"}`
	if w = serve(m, "Test_1.Echo", strings.NewReader(body), int64(len(body))); w.Code != 200 {
		t.Fatalf("body of exactly the limit: %d %s", w.Code, w.Body)
	}
}

func TestMuxRejectsBadOptionAndMethod(t *testing.T) {
	func() {
		defer func() {
			if recover() == nil {
				t.Error("WithMaxBodyBytes(0) accepted")
			}
		}()
		NewMux(nil, WithMaxBodyBytes(0))
	}()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	w := httptest.NewRecorder()
	newTestMux().ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", w.Code)
	}
}

func TestTimeWireFormat(t *testing.T) {
	for _, in := range []string{"1515531081.123", "1515531081", "0.001", "1700000000.5"} {
		var tm Time
		if err := json.Unmarshal([]byte(in), &tm); err != nil {
			t.Fatal(err)
		}
		out, _ := json.Marshal(tm)
		var back Time
		if err := json.Unmarshal(out, &back); err != nil || !back.Equal(tm.Time) {
			t.Fatalf("%s -> %s -> %v", in, out, back)
		}
	}
	out, _ := json.Marshal(Time{})
	var zero Time
	_ = json.Unmarshal(out, &zero)
	if !zero.Equal(Time{}.Time) {
		t.Fatalf("zero time round trip: %s", out)
	}
}
