package awsjson

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sluice-io/sluice/internal/awstest"
)

// fuzzIn has a field of every kind the AWS APIs' request shapes use.
type fuzzIn struct {
	Name    string            `json:"Name"`
	Count   int32             `json:"Count"`
	Limit   *int32            `json:"Limit"`
	Ratio   float64           `json:"Ratio"`
	Flag    bool              `json:"Flag"`
	Blob    []byte            `json:"Blob"`
	At      *Time             `json:"At"`
	When    Time              `json:"When"`
	Tags    map[string]string `json:"Tags"`
	Keys    []string          `json:"Keys"`
	Records []struct {
		Data []byte `json:"Data"`
		Key  string `json:"Key"`
	} `json:"Records"`
	Nested *struct {
		Deep map[string]*struct {
			N []int64 `json:"N"`
		} `json:"Deep"`
	} `json:"Nested"`
	Raw json.RawMessage `json:"Raw"`
}

// FuzzDecode feeds request bodies to Decode: it never panics, and every
// failure is a SerializationException with a message.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"Name":"x","Count":3,"Limit":7,"Blob":"aGk=","At":1515531081.123,"Tags":{"a":"b"},"Keys":["k"]}`,
		`{"Records":[{"Data":"eA==","Key":"k"}],"Nested":{"Deep":{"a":{"N":[1,2]}}},"Raw":[1,{"x":null}]}`,
		`{"Count":99999999999}`, `{"At":1e400}`, `{"At":-1e300}`, `{"When":"x"}`, `{"Blob":"***"}`,
		`{"Name":`, `[1,2]`, `null`, `"str"`, `{"Name":"\ud800"}`, `{"Limit":-0.0}`, `{"At":9e18}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var in fuzzIn
		err := Decode(body, &in)
		if err == nil {
			return
		}
		var aerr *Error
		if !errors.As(err, &aerr) || aerr.Type != TypeSerialization || aerr.Message == "" || aerr.status() != http.StatusBadRequest {
			t.Fatalf("Decode(%q): %v, want a SerializationException", body, err)
		}
	})
}

// TestTimeRange refuses timestamps that no RFC 3339 time can carry (a
// time written again later, in a token or a JetStream request, would fail
// there instead of here).
func TestTimeRange(t *testing.T) {
	for _, c := range []struct {
		in string
		ok bool
	}{
		{"253402300799", true}, {"-62135596800", true}, {"253402300800", false}, {"-62135596801", false},
		{"1e15", false}, {"1e300", false}, {"-1e300", false},
	} {
		var in fuzzIn
		err := Decode([]byte(`{"At":`+c.in+`}`), &in)
		if (err == nil) != c.ok {
			t.Errorf("%s: %v, want ok %v", c.in, err, c.ok)
		}
		if err == nil {
			if _, err := in.At.MarshalText(); err != nil {
				t.Errorf("%s: decoded to a time RFC 3339 cannot write: %v", c.in, err)
			}
		}
	}
}

// knownTypes are the exception names the protocol layer and the fuzzed
// handler may answer with.
var knownTypes = map[string]bool{
	TypeSerialization: true, TypeUnknownOperation: true, TypeRequestTooLarge: true,
	TypeMethodNotAllowed: true, TypeValidation: true, "ResourceNotFoundException": true,
}

// FuzzMux serves requests with any target, method and body through a Mux
// whose handler echoes what it decoded: no panic, no 5xx, every answer is
// JSON, every error has a known __type and a message.
func FuzzMux(f *testing.F) {
	m := NewMux(nil, WithMaxBodyBytes(1<<16))
	m.Handle("Test_1", "Echo", Func(func(_ context.Context, in *fuzzIn) (*fuzzIn, error) {
		if in.Name == "missing" {
			return nil, Errorf("ResourceNotFoundException", "no %s", in.Name)
		}
		return in, nil
	}))
	for _, s := range []struct {
		target string
		post   bool
		body   string
	}{
		{"Test_1.Echo", true, `{"Name":"x","Blob":"aGk=","At":1.5}`},
		{"Test_1.Echo", true, `{"Name":"missing"}`},
		{"Test_1.Echo", true, ``},
		{"Test_1.Echo", false, `{}`},
		{"Test_1.Nope", true, `{}`},
		{"", true, `{"At":1e400}`},
		{"Test_1.Echo", true, `{"Nested":{"Deep":{"":{"N":[1e30]}}}}`},
	} {
		f.Add(s.target, s.post, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, target string, post bool, body []byte) {
		method := http.MethodGet
		if post {
			method = http.MethodPost
		}
		req := httptest.NewRequest(method, "/", strings.NewReader(string(body)))
		req.Header.Set("X-Amz-Target", target)
		w := httptest.NewRecorder()
		m.ServeHTTP(w, req)
		awstest.CheckAnswer(t, w.Code, w.Body.Bytes(), knownTypes)
	})
}
